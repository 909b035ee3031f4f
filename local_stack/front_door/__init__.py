"""A Redshift front door for the stand-in: a PostgreSQL wire-protocol proxy in front of PgBouncer that answers
as Redshift where PostgreSQL differs (``local_stack.redshift_rules``), for every client of the stack.

Parts: ``wire`` (message framing), ``session`` (one connection's rewriting), ``server`` (the threaded proxy),
``lookup`` (its schema look-ups), ``process`` (run as a server of the stack), ``__main__`` (its command line).
"""

from __future__ import annotations

from local_stack.front_door.server import FrontDoor
from local_stack.front_door.session import Session

__all__ = ["FrontDoor", "Session"]
