"""The order of one check: secrets, the run's objects, the steps, the questions, and the removal of everything it
created (in ``finally``: also after a failure or Ctrl-C)."""

from __future__ import annotations

import contextlib

from glue_elt.aws.clients import AwsClients
from glue_elt.redshift.auth.secrets import SecretStore
from live_check.questions import Questions
from live_check.report import Report
from live_check.server import Server, error_text, usable_secret
from live_check.settings import LiveSettings
from live_check.step_checks import StepChecks
from live_check.workspace import Workspace, new_suffix


def run_check(settings: LiveSettings, report: Report) -> Report:
    """Run the whole check against ``settings``' target, filling ``report``; a ``KeyboardInterrupt`` is raised again
    once everything is removed (``report.interrupted`` says so)."""
    clients = AwsClients()
    store, suffix = SecretStore(clients=clients), new_suffix()
    with contextlib.ExitStack() as secrets:
        consumer_name = secrets.enter_context(
            usable_secret(
                settings.secret, settings.workgroup, settings.database, store, _secret_name(suffix, "consumer")
            )
        )
        producer = None
        if settings.producer_secret is not None:
            producer_name = secrets.enter_context(
                usable_secret(
                    settings.producer_secret,
                    settings.producer_workgroup,
                    settings.database,
                    store,
                    _secret_name(suffix, "producer"),
                )
            )
            producer = Server(producer_name, store)
        consumer = Server(consumer_name, store)
        report.server = str(consumer.value("SELECT version()"))
        workspace = Workspace(settings, consumer, producer, suffix)
        try:
            workspace.create()
            checks = StepChecks(consumer, workspace.names, report)
            checks.run_all()
            run_ids = [checks.common(executor, f"migrate-{executor}")["run_id"] for executor in ("driver", "data_api")]
            Questions(consumer, workspace.names, report, clients).ask_all(run_ids)
        except KeyboardInterrupt:
            report.interrupted = True
            raise
        except Exception as error:
            report.check("the check ran to its end", False, f"{type(error).__name__}: {error_text(error)}")
        finally:
            _clean_up(workspace, report)
    return report


def _clean_up(workspace: Workspace, report: Report) -> None:
    failures = workspace.remove()
    try:
        left = workspace.leftovers()
    except Exception as error:
        left = [f"(could not look: {error_text(error)})"]
    finally:
        workspace.consumer.close()
    detail = f"removed; left behind: {left or 'nothing'}" + (f"; failures: {failures}" if failures else "")
    report.check("everything the check created was removed", not failures and not left, detail)


def _secret_name(suffix: str, role: str) -> str:
    return f"glue-elt-live-check-{suffix}-{role}"
