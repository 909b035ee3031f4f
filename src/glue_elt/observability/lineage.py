"""OpenLineage run events, sent with the official client (``openlineage-python``, the ``glue-elt[lineage]`` extra)
without ever holding up a run.

Why the official client: it owns the wire format (``RunEvent`` and the facets' schema URLs, serialised by its
``Serde``) and the configuration users already have for other producers (``OPENLINEAGE_URL``, ``openlineage.yml``;
OpenLineage client documentation, "Python"). When lineage is on is decided without importing it
(``glue_elt.observability.lineage_config``); ``--openlineage_url`` is the same HTTP transport with a short timeout
and no retries.

Never blocking (a lineage bug once hung every task of a scheduler: apache/airflow#39969): a step only puts plain
records (``LineageRun``) on a queue; one daemon thread, started when lineage is opened, imports the client (while
the pre-flight runs), builds the events
(``glue_elt.observability.lineage_events``) and sends them. At the end of the run ``close`` waits for the queue at
most ``DRAIN_SECONDS`` in total, then leaves what is left (a dead endpoint costs a run at most that). Any problem (the
extra not installed, an endpoint that refuses, a full queue, a bug) is logged as one WARNING per run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from glue_elt.core.redaction import redact
from glue_elt.observability.lineage_config import (
    INSTALL_HINT,
    client_factory,
    client_installed,
    configured,
    job_namespace,
)

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 5.0
"""How long, in total, the end of a run waits for its events to be sent."""
STOPPED_DRAIN_SECONDS = 1.0
"""The same for a stopped run (SIGTERM, SIGINT, ``cancel()``): it must exit within seconds."""
MAX_QUEUED = 10_000
THREAD_NAME = "glue-elt-lineage"


@dataclass(frozen=True)
class DatasetRef:
    """A dataset an event names: namespace and name (``lineage_naming``), its columns as ``(name, type)`` pairs for
    the schema facet (none: no facet), and for an output the rows written (``None``: no statistics facet)."""

    namespace: str
    name: str
    fields: tuple[tuple[str, str], ...] = ()
    row_count: int | None = None


@dataclass(frozen=True)
class ParentRef:
    """The run a job's run belongs to: the AWS Glue job run (``--JOB_NAME``, ``--JOB_RUN_ID``)."""

    namespace: str
    name: str
    run_id: str


@dataclass(frozen=True)
class LineageRun:
    """One run of one job: what its START and COMPLETE or FAIL events say."""

    job: str
    run_id: str
    inputs: tuple[DatasetRef, ...] = ()
    outputs: tuple[DatasetRef, ...] = ()
    sql: str | None = None


@dataclass(frozen=True)
class Emission:
    """One event waiting to be sent: its state (``START``, ``COMPLETE``, ``FAIL``), when it happened, the run."""

    state: str
    time: str
    run: LineageRun
    error: str | None = None


class Lineage(Protocol):
    """What a step tells about its runs; never raises, never waits (but ``close``, briefly)."""

    def start(self, run: LineageRun) -> None: ...
    def complete(self, run: LineageRun) -> None: ...
    def fail(self, run: LineageRun, error: str) -> None: ...
    def warn(self, problem: str) -> None: ...
    def close(self, drain_seconds: float | None = None) -> None: ...


class NoLineage:
    """Lineage when none is configured: every call does nothing."""

    def start(self, run: LineageRun) -> None:
        """Nothing."""

    def complete(self, run: LineageRun) -> None:
        """Nothing."""

    def fail(self, run: LineageRun, error: str) -> None:
        """Nothing."""

    def warn(self, problem: str) -> None:
        """Nothing."""

    def close(self, drain_seconds: float | None = None) -> None:
        """Nothing."""


NO_LINEAGE = NoLineage()


def new_run_id() -> str:
    """A new run id (OpenLineage requires a UUID; the client's own ``generate_new_uuid`` is a UUIDv7 too, but this
    runs without importing the client)."""
    return str(uuid.uuid4())


def glue_parent(job_name: str | None, job_run_id: str | None, namespace: str) -> ParentRef | None:
    """The Glue job run as a parent run, when Glue passed both ``--JOB_NAME`` and ``--JOB_RUN_ID``; its run id is a
    UUID derived from them (``jr_…`` is no UUID), the same for every step of that job run."""
    if not job_name or not job_run_id:
        return None
    run_id = uuid.uuid5(uuid.NAMESPACE_URL, f"glue-job-run:{job_name}:{job_run_id}")
    return ParentRef(namespace, job_name, str(run_id))


class _FromLineageThread(logging.Filter):
    """Drops the HTTP library's per-attempt warnings ("Retrying ...") for lineage posts: the run's one WARNING
    says what failed."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD_NAME


_QUIET = _FromLineageThread()
_STOP = object()


class Emitter:
    """Sends events from a queue on one daemon thread (started by ``begin`` or the first event); see the module
    documentation. ``make_client`` is called on that thread; ``drain_seconds`` bounds ``close``."""

    def __init__(
        self,
        make_client: Callable[[], Any],
        namespace: str,
        parent: ParentRef | None = None,
        *,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self._make_client = make_client
        self.namespace = namespace
        self.parent = parent
        self._drain_seconds = drain_seconds
        self._queue: queue.Queue[object] = queue.Queue(MAX_QUEUED)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._abandoned = threading.Event()
        self._warned = False
        self.sent = 0
        self.failed = 0
        self.dropped = 0

    def begin(self) -> None:
        """Start the thread now, so that the client is imported and set up while the run's pre-flight runs, not
        when a short drain (a stopped run's) is all that is left."""
        with self._lock:
            if self._thread is None:
                logging.getLogger("urllib3.connectionpool").addFilter(_QUIET)
                self._thread = threading.Thread(target=self._send_all, name=THREAD_NAME, daemon=True)
                self._thread.start()

    def start(self, run: LineageRun) -> None:
        """Queue the run's START event."""
        self._put(Emission("START", _now(), run))

    def complete(self, run: LineageRun) -> None:
        """Queue the run's COMPLETE event."""
        self._put(Emission("COMPLETE", _now(), run))

    def fail(self, run: LineageRun, error: str) -> None:
        """Queue the run's FAIL event, with ``error`` (already free of secrets) as its error message facet."""
        self._put(Emission("FAIL", _now(), run, error))

    def close(self, drain_seconds: float | None = None) -> None:
        """Wait at most ``drain_seconds`` (the emitter's own when not given) in all for the queued events, then leave
        the rest (the thread is a daemon and drops what is left)."""
        thread = self._thread
        if thread is None:
            return
        drain = self._drain_seconds if drain_seconds is None else drain_seconds
        deadline = time.monotonic() + drain
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=drain)
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            self._abandoned.set()
            self.warn(f"{self._queue.qsize()} event(s) not sent within {drain:g} s")
        logger.info("OpenLineage: %d event(s) sent, %d not", self.sent, self.failed + self.dropped)

    def warn(self, problem: str) -> None:
        """Log ``problem`` as the run's one lineage WARNING (later problems are counted, not logged)."""
        with self._lock:
            if self._warned:
                return
            self._warned = True
        logger.warning(
            "OpenLineage events are not all sent (%s); the run goes on, further problems not logged", redact(problem)
        )

    def _put(self, emission: Emission) -> None:
        try:
            self.begin()
            self._queue.put_nowait(emission)
        except queue.Full:
            self._count("dropped")
            self.warn(f"more than {MAX_QUEUED} events waiting; dropped")
        except Exception as error:  # never let lineage fail the run
            self._count("dropped")
            self.warn(f"{type(error).__name__}: {error}")

    def _count(self, outcome: str) -> None:
        """One more event ``sent``, ``failed`` or ``dropped`` (from the step's threads and the emitter's)."""
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def _send_all(self) -> None:
        from glue_elt.observability.lineage_events import run_event

        try:
            client = self._make_client()
        except Exception as error:
            self.warn(f"the OpenLineage client could not be set up: {type(error).__name__}: {error}")
            client = None
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                if self._abandoned.is_set():
                    return
                continue
            if item is _STOP:
                return
            if client is None or self._abandoned.is_set() or not isinstance(item, Emission):
                self._count("dropped")
                continue
            try:
                client.emit(run_event(item, self.namespace, self.parent))
                self._count("sent")
            except Exception as error:
                self._count("failed")
                self.warn(f"{type(error).__name__}: {str(error)[:300]}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def open_lineage(url: str | None, parent: ParentRef | None = None, environ: Mapping[str, str] | None = None) -> Lineage:
    """The run's lineage: ``NO_LINEAGE`` when not ``configured`` (nothing imported) or when the client is not
    installed (one WARNING), else an ``Emitter``."""
    env = os.environ if environ is None else environ
    if not configured(url, env):
        return NO_LINEAGE
    if not client_installed():
        logger.warning("OpenLineage is configured but its client is not installed: %s; no lineage sent", INSTALL_HINT)
        return NO_LINEAGE
    emitter = Emitter(client_factory(url), job_namespace(env), parent)
    emitter.begin()
    return emitter
