"""``python -m local_stack.front_door --state-dir DIR``: serve the front door of the stack recorded in DIR.

Started and stopped by ``LocalStack`` (``local_stack.front_door.process``); it reads the stack's ``endpoints.json``
for its port, PgBouncer's and the superuser's login (for its schema look-ups), and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from local_stack.endpoints import load_endpoints
from local_stack.front_door.lookup import SchemaLookup
from local_stack.front_door.server import FrontDoor


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m local_stack.front_door", description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    state_dir = args.state_dir.absolute()
    ep = load_endpoints(state_dir)
    if ep is None:
        print(f"no endpoints.json in {state_dir}", file=sys.stderr)
        return 1
    lookup = SchemaLookup(ep.host, ep.bouncer_port, ep.admin_user, ep.admin_password)
    door = FrontDoor((ep.host, ep.front_door_port), (ep.host, ep.bouncer_port), lookup)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    logging.getLogger(__name__).info("front door on %s:%d -> PgBouncer port %d", *door.address, ep.bouncer_port)
    try:
        door.serve_forever()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        door.stop()
        lookup.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
