"""``python -m local_stack.aws_api --state-dir DIR``: serve the local Redshift APIs of the stack recorded in DIR.

Started and stopped by ``LocalStack`` (``local_stack.aws_api.process``); it reads the stack's ``endpoints.json`` for
its port, PgBouncer, the superuser's login and moto's URL, and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from local_stack.aws_api.server import App, Server
from local_stack.endpoints import load_endpoints
from local_stack.pgbouncer import PgBouncer


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m local_stack.aws_api", description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    state_dir = args.state_dir.absolute()
    endpoints = load_endpoints(state_dir)
    if endpoints is None:
        print(f"no endpoints.json in {state_dir}", file=sys.stderr)
        return 1
    bouncer = PgBouncer(
        state_dir / "pg",
        state_dir / "pgbouncer.log",
        endpoints.bouncer_port,
        endpoints.postgres_port,
        users={endpoints.admin_user: endpoints.admin_password},
        admin_user=endpoints.admin_user,
    )
    server = Server((endpoints.host, endpoints.redshift_api_port), App(endpoints, bouncer))

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    logging.getLogger(__name__).info("local Redshift APIs on %s", endpoints.redshift_api_url)
    try:
        server.serve_forever()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
