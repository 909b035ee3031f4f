"""``python -m live_check [--setup-share]``: run the live check and print its report (markdown) on stdout.

Exit status: 0 when every check passed, 1 when one failed, 2 for an unusable environment, 130 after Ctrl-C
(everything the check created is removed first). The environment variables are in ``live_check.settings``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping

from glue_elt.steps.base import configure_logging
from live_check.report import Report
from live_check.run import run_check
from live_check.server import error_text
from live_check.settings import VARIABLES, LiveSettings, SettingsError, from_environment


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Entry point; returns the exit status."""
    variables = "\n".join(f"  {name}: {meaning}" for name, meaning in VARIABLES.items())
    parser = argparse.ArgumentParser(
        prog="python -m live_check",
        description=__doc__,
        epilog=f"environment:\n{variables}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    share_help = (
        "create a data share from the producer to the consumer for the run (needs GLUE_ELT_LIVE_PRODUCER_SECRET)"
    )
    parser.add_argument("--setup-share", action="store_true", help=share_help + ", and remove it at the end")
    parser.add_argument("-v", "--verbose", action="store_true", help="log the steps' progress (INFO) on stderr")
    args = parser.parse_args(argv)
    configure_logging(logging.INFO if args.verbose else logging.WARNING)
    env = os.environ if environ is None else environ
    try:
        if env.get("GLUE_ELT_LIVE_SECRET", "").strip():
            return _check(from_environment(env, setup_share=args.setup_share))
        if args.setup_share:
            raise SettingsError("--setup-share needs a live configuration: GLUE_ELT_LIVE_SECRET is not set")
        from live_check.local import local_environment

        with local_environment() as local:
            return _check(from_environment(local, where="local stack"))
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _check(settings: LiveSettings) -> int:
    report = Report(settings.where)
    try:
        run_check(settings, report)
    except KeyboardInterrupt:
        print(report.markdown(), flush=True)
        return 130
    except Exception as error:  # before anything was created: the secrets or the first connection
        report.check("the check could reach its target", False, f"{type(error).__name__}: {error_text(error)}")
    print(report.markdown(), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
