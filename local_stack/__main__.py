"""Command line: ``python -m local_stack {up,down,status} --state-dir DIR``.

``up`` starts the stack and seeds the demo's data on it (``local_stack.playground``; ``--empty`` skips that), then
prints commands that run the step against it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from local_stack import playground
from local_stack.endpoints import ENDPOINTS_FILE, ENV_FILE
from local_stack.procs import StackError
from local_stack.stack import LocalStack

DEFAULT_STATE_DIR = Path(".stack")


def _up(stack: LocalStack, *, empty: bool = False) -> int:
    ep = stack.start()
    print(f"PostgreSQL  {ep.host}:{ep.postgres_port}  (direct)")
    print(f"PgBouncer   {ep.host}:{ep.bouncer_port}  (behind the front door)")
    print(f"front door  {ep.host}:{ep.front_door_port}  database={ep.database}  (clients connect here)")
    print(f"users       {ep.admin_user} (superuser), {ep.etl_user} (migration user)")
    print(f"moto        {ep.moto_url}")
    print(f"Redshift    {ep.redshift_api_url}  (redshift-data, redshift-serverless, redshift credentials)")
    print(f"credentials and settings: source {shown(stack.state_dir / ENV_FILE)}")
    if empty:
        return 0
    try:
        playground.seed(stack, with_returns=True)
    except BaseException:
        stack.stop(remove_state=True)
        raise
    print(f"\nplayground (the demo's data):\n{playground.describe()}")
    python = Path(sys.executable)
    console_script = python.parent / "glue-elt"
    commands = playground.Commands(
        env_file=shown(stack.state_dir / ENV_FILE),
        python=shown(python),
        console_script=shown(console_script) if console_script.exists() else None,
    )
    print("\nrun the steps on it (config file mode, schema mode, then the SQL step through the Data API):")
    print(f"  {commands.python_m(playground.CONFIG_ARGS)}")
    if (line := commands.glue_elt(playground.SCHEMA_ARGS)) is not None:
        print(f"  {line}")
    else:
        print(f"  {commands.python_m(playground.SCHEMA_ARGS)}")
    print(f"  {commands.sql(playground.SQL_ARGS)}")
    return 0


def shown(path: Path) -> str:
    """``path`` as a shell should name it from here: relative below the working directory, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _down(stack: LocalStack) -> int:
    if not (stack.state_dir / ENDPOINTS_FILE).exists() and not stack.is_running():
        print(f"no local stack in {stack.state_dir}; nothing to do")
        stack.remove_state()
        return 0
    stack.stop(remove_state=True)
    print(f"local stack in {stack.state_dir} stopped and removed")
    return 0


def _status(stack: LocalStack) -> int:
    pids = stack.pids()
    for name, pid in pids.items():
        print(f"{name:10} {'running, pid ' + str(pid) if pid else 'stopped'}")
    return 0 if all(pids.values()) else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help="default: %(default)s")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--empty", action="store_true", help="up: start an empty stack, without the playground")
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")
    stack = LocalStack(args.state_dir)
    commands = {"up": lambda s: _up(s, empty=args.empty), "down": _down, "status": _status}
    try:
        return commands[args.command](stack)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
