"""Session settings of a run: Redshift's ``query_group`` and ``statement_timeout``, set on every session the run uses.

``query_group`` labels a session's queries for WLM queue routing and in Redshift's query logs ("Applies a
user-defined label to a group of queries that are run during the same session ... must be set at runtime with a
SET command"; the label is truncated to 30 characters in STL_QUERY's LABEL, dg/r_query_group.html;
``SYS_QUERY_HISTORY.query_label`` shows it, dg/SYS_QUERY_HISTORY.html). ``statement_timeout`` (milliseconds; 0 turns
it off) "Stops any statement that takes over the specified number of milliseconds", planning and WLM queueing
included; with a WLM timeout too, the lower applies (dg/r_statement_timeout.html).

How each executor applies them: the driver sends the ``SET`` statements once per connection when it opens (no
statement per table); the Data API has no session between calls, so they open each batch, and a single statement
runs as a batch behind them.

A statement stopped by the timeout fails with Redshift's ``Query (150) canceled on user's request`` (the page's
example: nothing there says "timeout"), PostgreSQL's ``canceling statement due to statement timeout`` (SQLSTATE
57014); each backend's error translation (``driver.errors``, ``data_api.errors``) knows such an error and has
``timeout_error`` name the limit instead, never transient: another attempt would run as long. A statement a WLM query
monitoring rule aborted (the cluster's own limit, whether or not a timeout is set;
dg/cm-c-wlm-query-monitoring-rules.html) is told apart by its words and named by ``rule_abort_error``, never as the
statement timeout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from glue_elt.core.param_fields import setting
from glue_elt.core.params import Param, number
from glue_elt.errors import ConfigError, ExecutionError, LimitError

QUERY_GROUP_TEXT = re.compile(r"[A-Za-z0-9 _.:/@+=#-]{1,320}")
"""What a query group may hold: a label, written in single quotes after SET (which takes no expression, so a
quote or backslash could not be escaped the way ``names.quote_literal`` does); 320 is ``query_label``'s width."""
MAX_TIMEOUT_SECONDS = 2_147_483.647
"""``statement_timeout`` is an integer of milliseconds."""


def query_group(name: str, value: str) -> str:
    """A ``--query_group`` value (parser): a label of letters, digits, spaces and ``_.:/@+=#-``."""
    label = value.strip()
    if not QUERY_GROUP_TEXT.fullmatch(label):
        raise ConfigError(
            f"--{name} must be 1 to 320 letters, digits, spaces or _.:/@+=#- (it is written into a SET statement)"
        )
    return label


QUERY_GROUP = Param(
    "query_group",
    "Redshift query_group for every session of the run (WLM routing, the query history's label)",
    None,
    query_group,
    doc=(
        "Redshift's `query_group` for every session (driver) and batch (Data API) of the run: routes its queries to "
        "the WLM queue of that group and labels them in the query history (`SYS_QUERY_HISTORY.query_label`); "
        "letters, digits, spaces and `_.:/@+=#-` (see [Operating glue-elt](operating.md))"
    ),
    example="nightly-etl",
)
STATEMENT_TIMEOUT_SECONDS = Param(
    "statement_timeout_seconds",
    "Redshift statement_timeout for every statement of the run; a statement over it fails (not retried)",
    None,
    number(0.001, MAX_TIMEOUT_SECONDS),
    doc=(
        "Redshift's `statement_timeout` for every statement of the run (planning and WLM queueing included): a "
        "statement that runs longer is stopped by the server and fails its row (the migration step: the run "
        "goes on) or the script (the SQL step: its transaction rolls back), with a message naming the limit; "
        "it is not retried"
    ),
    example="1800",
)


@dataclass(frozen=True)
class SessionSettings:
    """``query_group`` and ``statement_timeout`` (seconds) for every session of a run; ``None``: not set."""

    query_group: str | None = setting(QUERY_GROUP)
    statement_timeout_seconds: float | None = setting(STATEMENT_TIMEOUT_SECONDS)

    def __post_init__(self) -> None:
        if self.query_group is not None:
            query_group("query_group", self.query_group)
        seconds = self.statement_timeout_seconds
        if seconds is not None and not 0.001 <= seconds <= MAX_TIMEOUT_SECONDS:
            raise ConfigError(f"--statement_timeout_seconds must be from 0.001 to {MAX_TIMEOUT_SECONDS:g}")

    def statements(self) -> list[str]:
        """The ``SET`` statements that apply the settings (none when nothing is set)."""
        sets = []
        if self.query_group is not None:
            sets.append(f"SET query_group TO '{self.query_group}'")
        if self.statement_timeout_seconds is not None:
            sets.append(f"SET statement_timeout TO {round(self.statement_timeout_seconds * 1000)}")
        return sets

    def timeout_error(self, error: ExecutionError) -> LimitError:
        """The error of a statement the statement timeout stopped (``error``), naming the limit; never transient."""
        limit = f"{self.statement_timeout_seconds:g}"
        return LimitError(
            f"the statement ran longer than --statement_timeout_seconds {limit} (Redshift's statement_timeout) and "
            f"was stopped: {error}",
            sqlstate=error.sqlstate,
        )


def rule_abort_error(error: ExecutionError) -> LimitError:
    """The error of a statement a WLM query monitoring rule aborted (``error``), saying so; never transient."""
    return LimitError(
        f"a WLM query monitoring rule of the cluster aborted the statement (another attempt would meet it again): "
        f"{error}",
        sqlstate=error.sqlstate,
    )


NO_SETTINGS = SessionSettings()
