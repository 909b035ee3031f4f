"""``GlueELTStep``: the template every glue-elt step follows.

A step declares its ``PARAMETERS`` and implements ``run()``, which returns a result and never exits.
``start()`` wraps ``run()`` for a job: logging, ``--help``, errors, connection clean-up and exit status.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar, Generic, TypeVar

from glue_elt.aws.clients import AwsClients
from glue_elt.aws.s3 import S3Store
from glue_elt.core import arguments
from glue_elt.core.arguments import closest, is_glue_argument
from glue_elt.core.param_source import ParamSource, Resolver
from glue_elt.core.params import Param, parse_bool
from glue_elt.core.redaction import RedactingFilter, redact
from glue_elt.core.stopping import StopRequest, handle_signals
from glue_elt.core.usage import usage_text
from glue_elt.errors import ConfigError, GlueELTError, UnreachableError
from glue_elt.observability import metrics
from glue_elt.observability.lineage import NO_LINEAGE, STOPPED_DRAIN_SECONDS, Lineage, glue_parent, open_lineage
from glue_elt.observability.lineage_config import job_namespace
from glue_elt.redshift.executor import Cancellable, Executor
from glue_elt.redshift.factory import ExecutorKind, build_executor
from glue_elt.steps import shared_params

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")
T = TypeVar("T")

EXIT_OK = 0
EXIT_ROWS_FAILED = 1
"""A row or statement failed (the database refused it, a check of the data failed, an object is missing), or
an output could not be written."""
EXIT_CONFIG_ERROR = 2
"""Bad parameters or config file: nothing ran."""
EXIT_UNEXPECTED = 3
"""An unexpected internal error (logged with a traceback)."""
EXIT_UNREACHABLE = 4
"""The cluster or AWS could not be reached, even after retries: worth running again later (with the same
``--JOB_RUN_ID``, what committed is skipped)."""

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """Show the steps' log as ``start()`` (the command, a Glue job) shows it: a stderr handler on the root logger
    when it has none (``LOG_FORMAT``), secret values masked in every root handler, and glue-elt's loggers at ``level``.

    ``run()`` configures nothing (a library leaves handlers to its application: Python's logging HOWTO, "Configuring
    Logging for a Library"), so code that calls ``run()`` sees the per-row lines and the summary only with its own
    handlers or after this call; called again, or after ``logging.basicConfig``, it adds no second handler."""
    root = logging.getLogger()
    if not root.handlers:
        stream_handler = logging.StreamHandler()
        stream_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(stream_handler)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    logging.getLogger("glue_elt").setLevel(level)


def exit_code_for(error: GlueELTError) -> int:
    """The exit status for an error that stopped a run: 2 for configuration, 4 when the cluster or AWS could
    not be reached, 1 for anything else the database or the data refused."""
    if isinstance(error, ConfigError):
        return EXIT_CONFIG_ERROR
    if isinstance(error, UnreachableError):
        return EXIT_UNREACHABLE
    return EXIT_ROWS_FAILED


class GlueELTStep(ABC, Generic[ResultT]):
    """Base of all steps: parameter access, a shared executor, and ``start()`` around ``run()``.

    ``args`` is ``None`` (read ``sys.argv``, as in a Glue job), a Glue-style argv list
    (``["--name", "value", ...]``) or a mapping ``{"name": value}`` for use from other pipeline code.

    Argument names are checked against ``PARAMETERS``. In an argv list, ``start()`` stops the run before anything is
    read (exit status 2) at a ``--name`` close to a parameter (a typo of it), and logs a warning for any other name
    that is neither a parameter nor one of AWS Glue's own arguments (Glue jobs receive arguments the step does not
    read); see ``glue_elt.core.arguments``. A mapping comes from code: an unknown key raises ``ConfigError`` here,
    in the constructor, naming the key and the closest parameter.

    ``cloudwatch`` is the client ``publish_metrics`` uses (by default one of the job's own identity, made when first
    needed); ``s3`` and ``executor`` are the step's other dependencies, passed in the same way. ``boto3_session`` (a
    ``boto3.Session``) is the job's own identity for every AWS call the step makes itself (S3, Secrets Manager,
    STS for ``--assume_role_arn``, the Redshift APIs, CloudWatch); boto3's default session when ``None``.
    """

    PARAMETERS: ClassVar[tuple[Param[Any], ...]] = ()
    DESCRIPTION: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    """The step's short name: its ``glue-elt`` command and the ``Step`` dimension of its metrics (the class name when
    empty)."""

    def __init__(
        self,
        args: Mapping[str, object] | Sequence[str] | None = None,
        *,
        executor: Executor | None = None,
        resolver: Resolver | None = None,
        s3: S3Store | None = None,
        cloudwatch: Any = None,
        boto3_session: Any = None,
    ) -> None:
        if args is None:
            self._params = ParamSource(argv=sys.argv, resolver=resolver)
        elif isinstance(args, Mapping):
            self._check_keys(args)
            self._params = ParamSource(mapping=args)
        else:
            argv = list(args)
            if not argv or argv[0].startswith("-"):
                argv.insert(0, type(self).__name__)
            self._params = ParamSource(argv=argv, resolver=resolver)
        self._executor = executor
        self._owns_executor = executor is None
        self.boto3_session = boto3_session
        self._s3 = s3 or S3Store(clients=AwsClients(boto3_session))
        self._stop = StopRequest()
        self._stop_registered = False
        self._cloudwatch = cloudwatch

    @classmethod
    def parameter_names(cls) -> list[str]:
        """The names (without ``--``) of the step's declared parameters."""
        return [param.name for param in cls.PARAMETERS]

    def _check_keys(self, mapping: Mapping[str, object]) -> None:
        """``ConfigError`` for keys that are neither parameters of the step nor AWS Glue's own arguments."""
        names = self.parameter_names()
        problems = []
        for key in mapping:
            name = str(key).removeprefix("--")
            if name in names or is_glue_argument(name):
                continue
            match = closest(name, names)
            problems.append(f"{key!r} (did you mean {match!r}?)" if match else repr(key))
        if problems:
            step = type(self).__name__
            plural = "s" if len(problems) > 1 else ""
            raise ConfigError(
                f"{step} has no parameter{plural} {', '.join(problems)}; its parameters are listed by --help"
            )

    def check_arguments(self) -> None:
        """Check the argv's ``--name`` arguments that are neither parameters of the step nor AWS Glue's own
        (``glue_elt.core.arguments``): ``ConfigError`` when one is close to a parameter (a typo), a warning for each
        other; then ``ConfigError`` for words that are neither a name nor a name's value (``stray_error``: a name
        written without its dashes, an unquoted ``*`` a shell expanded). Names only: a value is never logged."""
        argv = self._params.argv
        if argv is None:
            return
        step, names = type(self).__name__, self.parameter_names()
        found = arguments.unknown(argv, names)
        for argument in found:
            if not argument.meant:
                logger.warning("%s", argument.warning(step))
        error = arguments.typo_error(found, step) or arguments.stray_error(argv, names, step)
        if error is not None:
            raise error

    def param(self, param: Param[T]) -> T:
        """The typed value of a declared parameter (its default when absent; ``ConfigError`` when unusable)."""
        return param.read(self._params.get)

    def get_param_value(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        """The raw text of ``--name``; ``default`` (or the declared default) when absent; ``ConfigError`` when
        ``required`` and absent."""
        value = self._params.get(name)
        if value is None:
            if default is None:
                default = next((p.default_text or None for p in self.PARAMETERS if p.name == name), None)
            if required and default is None:
                raise ConfigError(f"missing required job parameter --{name}")
            return default
        return value

    def get_bool_param(self, name: str, default: bool) -> bool:
        """A boolean parameter (``true``/``false``), ``default`` when absent."""
        value = self._params.get(name)
        return default if value is None else parse_bool(name, value)

    def lineage(self, *, dry_run: bool = False) -> Lineage:
        """This run's OpenLineage events (``glue_elt.observability.lineage``), under the AWS Glue job run
        (``--JOB_NAME``, ``--JOB_RUN_ID``) when Glue passes it: sent when ``--openlineage_url`` or the client's
        standard configuration is given, else (and for a dry run) a no-op. The caller closes it at the end."""
        url = self.param(shared_params.OPENLINEAGE_URL)
        if dry_run:
            return NO_LINEAGE
        job_run = self.param(shared_params.JOB_NAME), self.param(shared_params.JOB_RUN_ID)
        parent = glue_parent(*job_run, job_namespace(os.environ))
        return open_lineage(url, parent)

    def end_lineage(self, lineage: Lineage) -> None:
        """Close ``lineage``, waiting for its events at most ``DRAIN_SECONDS`` in all, or ``STOPPED_DRAIN_SECONDS``
        once a stop was asked for (a stopped run must exit within seconds)."""
        lineage.close(STOPPED_DRAIN_SECONDS if self.stop.requested else None)

    @property
    def executor(self) -> Executor:
        """The step's executor (created on first use, closed by ``close()``)."""
        if self._executor is None:
            self._executor = self.create_executor()
        if not self._stop_registered and isinstance(self._executor, Cancellable):
            self._stop.on_request(self._executor.cancel_running)
            self._stop_registered = True
        return self._executor

    @property
    def stop(self) -> StopRequest:
        """The run's stop request (``cancel()``, or SIGTERM/SIGINT under ``start()``)."""
        return self._stop

    def cancel(self) -> None:
        """Stop the run from another thread: no new row or statement starts, what runs is ended on the server,
        and ``run()`` returns (or raises) as soon as the statements it waited for have ended.

        The stop is the step object's, and final: called before ``run()``, that run sends no statement at all and
        reports itself cancelled, as does any later ``run()`` of the object; make a new step to run again."""
        self._stop.request()

    def create_executor(self) -> Executor:
        """The executor this step uses unless one was passed in (the driver's, by default); override to configure
        it."""
        return build_executor(ExecutorKind.DRIVER, boto3_session=self.boto3_session)

    @abstractmethod
    def run(self) -> ResultT:
        """Do the step's work and return its result; must not exit the process."""

    def metric_figures(self, result: ResultT, seconds: float) -> Sequence[metrics.Figure]:
        """The figures ``publish_metrics`` sends for ``result`` (none by default; a step's own, none for a dry run)."""
        return ()

    def publish_metrics(self, result: ResultT, seconds: float) -> bool:
        """With ``--metrics_namespace``: publish ``metric_figures(result, seconds)`` to CloudWatch in one call, with the
        dimensions ``Step`` (``NAME``) and ``JobName`` (``--JOB_NAME``). Returns whether anything was published.

        Best effort, for any end of a run (its normal end; a step may call it on other paths too, with what it has):
        it never raises, and a failure is one warning (``observability.metrics.publish``). Sends no SQL."""
        namespace = None
        try:
            namespace = self.param(shared_params.METRICS_NAMESPACE)
            if not namespace:
                return False
            figures = self.metric_figures(result, seconds)
            if not figures:
                logger.info("no metrics published to CloudWatch namespace %r (a dry run publishes none)", namespace)
                return False
            dims = metrics.dimensions(self.NAME or type(self).__name__, self.param(shared_params.JOB_NAME))
            data = metrics.metric_data(figures, dims, datetime.now(timezone.utc))
        except Exception as error:  # best effort: a problem here must not fail a run that is over
            logger.warning(
                "metrics not published to CloudWatch namespace %r: %s: %s (the run's outcome is unchanged)",
                namespace, type(error).__name__, redact(str(error)),
            )  # fmt: skip
            return False
        return metrics.publish(namespace, data, self._cloudwatch, AwsClients(self.boto3_session))

    def exit_code(self, result: ResultT) -> int:
        """The process exit status for ``result`` (0 by default)."""
        return EXIT_OK

    def close(self) -> None:
        """Release connections the step opened (an executor passed in by the caller is left open)."""
        if self._executor is not None and self._owns_executor:
            self._executor.close()
            self._executor = None

    def help_text(self) -> str:
        """Usage text listing every parameter with its default."""
        return usage_text(type(self).__name__, self.DESCRIPTION, self.PARAMETERS)

    def start(self) -> None:
        """Run the step as a job: exits with a non-zero status on failure (see ``exit_code``)."""
        argv = self._params.argv or []
        if "--help" in argv[1:] or "-h" in argv[1:]:
            print(self.help_text())
            return
        configure_logging()
        with handle_signals(self._stop):
            code = self._run_for_exit_code()
        if self._stop.exit_code is not None:  # stopped by a signal: 128 + its number, as a shell reports it
            code = self._stop.exit_code
        if code != EXIT_OK:
            sys.exit(code)

    def _run_for_exit_code(self) -> int:
        try:
            self.check_arguments()  # before anything is read
            return self.exit_code(self.run())
        except GlueELTError as error:
            logger.error("%s failed: %s", type(self).__name__, redact(str(error)))
            return exit_code_for(error)
        except Exception as error:
            logger.error(
                "%s failed unexpectedly: %s\n%s",
                type(self).__name__,
                redact(repr(error)),
                redact(traceback.format_exc()),
            )
            return EXIT_UNEXPECTED
        finally:
            self.close()
