"""The open questions of docs/redshift-compatibility.md (its "not documented" and "not seen" entries), asked of the
server. Each answer is what the server said, recorded as it came: on the local stack, the stand-in's answer (often
"no such relation" for Redshift's system views), which is no evidence about Redshift.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from glue_elt.aws.clients import AwsClients
from glue_elt.steps.redshift_cross_account_migration.batch_examples import carried, carrier
from glue_elt.steps.redshift_cross_account_migration.batch_load import CONTENT
from glue_elt.steps.redshift_cross_account_migration.content import ContentCheck
from live_check.report import Report
from live_check.server import DataApi, Server, error_text
from live_check.workspace import Names

SLOW_SECONDS_LIMIT = 60_000
"""``statement_timeout`` (ms) of the question that needs a statement still running: the server ends it by then."""


class Questions:
    """Asks each question on the consumer and records the answers in ``report``."""

    def __init__(self, consumer: Server, names: Names, report: Report, clients: AwsClients) -> None:
        self.consumer, self.names, self.report = consumer, names, report
        self.data_api = DataApi(consumer.spec, clients)
        source = names.source(names.orders)
        self.slow = f"SELECT COUNT(*) FROM {source} a, {source} b, {source} c, {source} d"

    def ask_all(self, run_ids: list[str]) -> None:
        """Every question, each recorded even when asking it failed."""
        for question, ask in (
            ("How SVV_REDSHIFT_TABLES and SVV_REDSHIFT_COLUMNS show a shared table: table_type, data types, distkey/"
             "sortkey (source created with DISTKEY(customer_id) COMPOUND SORTKEY(id) on Redshift)", self.catalog),
            ("Does LOCK inside a transaction take no snapshot? (A begins and LOCKs another table, B commits an insert, "
             "A counts: sees B's row?)", self.lock_snapshot),
            ("What a statement stopped by statement_timeout returns through the Data API (DescribeStatement Status, "
             "Error)", self.timeout_through_data_api),
            ("Is the leading comment /* glue-elt … */ kept in SYS_QUERY_HISTORY.query_text?",
             lambda: self.comment_kept(run_ids)),
            ("What CREATE TABLE of an existing table returns (driver; Data API)", self.create_existing),
            ("Does SYS_SESSION_HISTORY show a Data API batch's session (RedshiftPid) active while it runs and closed "
             "after?", self.session_history),
            ("Does the Data API's Error carry a failed conversion's context (the content check's diagnostic batch), "
             "and can GetStatementResult read a sub-statement that FINISHED in a batch that FAILED?", self.examples),
        ):  # fmt: skip
            try:
                answer = ask()
            except Exception as error:
                answer = f"asking failed: {type(error).__name__}: {error_text(error)}"
            self.report.answer(question, answer)

    def catalog(self) -> str:
        names, parts = self.names, []
        for table in (names.orders, names.customers):
            where = "WHERE database_name = %s AND schema_name = %s AND table_name = %s"
            key = (names.source_database, names.source_schema, table)
            types = self.consumer.rows(f"SELECT table_type FROM svv_redshift_tables {where}", key)
            columns = self.consumer.rows(
                f"SELECT column_name, data_type, distkey, sortkey FROM svv_redshift_columns {where} "
                "ORDER BY ordinal_position",
                key,
            )
            shown = ", ".join(f"{c[0]} {c[1]} distkey={c[2]} sortkey={c[3]}" for c in columns)
            parts.append(f"{table}: table_type {[str(t[0]) for t in types]}; {shown}")
        return "; ".join(parts)

    def lock_snapshot(self) -> str:
        work = self.names.work
        self.consumer.run(f"CREATE TABLE {work}.lock_probe (id INT)", f"CREATE TABLE {work}.lock_other (id INT)")
        seen = {}
        for first in (f"LOCK {work}.lock_other", f"SELECT COUNT(*) FROM {work}.lock_other"):
            session_a = self.consumer.connect(autocommit=False)
            try:
                cursor = session_a.cursor()
                cursor.execute(first)
                self.consumer.run(f"INSERT INTO {work}.lock_probe VALUES (1)")  # B: its own session, committed
                cursor.execute(f"SELECT COUNT(*) FROM {work}.lock_probe")
                before = int(self.consumer.value(f"SELECT COUNT(*) FROM {work}.lock_probe")) - 1
                seen[first.split()[0]] = (int(cursor.fetchall()[0][0]), before)
                session_a.rollback()
            finally:
                session_a.close()
        lock, select = seen["LOCK"], seen["SELECT"]
        return (
            f"after LOCK first: A counts {lock[0]} row(s), {lock[1]} committed before B "
            f"({'sees' if lock[0] > lock[1] else 'does not see'} B's row); control, a SELECT first: A counts "
            f"{select[0]}, {select[1]} before B ({'sees' if select[0] > select[1] else 'does not see'} B's row)"
        )

    def timeout_through_data_api(self) -> str:
        statement = self.data_api.batch(["SET statement_timeout TO 1000", self.slow])
        described = self.data_api.wait(statement, timeout=180)
        subs = [f"{s.get('Status')}: {s.get('Error', '')}".strip() for s in described.get("SubStatements", [])]
        return f"Status {described.get('Status')}; Error {described.get('Error')!r}; sub-statements {subs}"

    def comment_kept(self, run_ids: list[str]) -> str:
        query = "SELECT query_text FROM sys_query_history WHERE query_text LIKE '%%' || %s || '%%' ORDER BY start_time"
        rows: list[tuple[Any, ...]] = []
        deadline = time.monotonic() + 30
        while not rows and time.monotonic() < deadline:
            for run_id in run_ids:
                rows += self.consumer.rows(query, (f"run={run_id} ",))
            if not rows:
                time.sleep(2)
        if not rows:
            return f"no query of runs {run_ids} in SYS_QUERY_HISTORY after 30 s"
        texts = [str(row[0]).strip() for row in rows]
        kept = sum(text.startswith("/* glue-elt ") for text in texts)
        return f"{kept} of {len(texts)} statement(s) of the run start with the comment; e.g. {texts[0][:160]!r}"

    def create_existing(self) -> str:
        statement = f"CREATE TABLE {self.names.work}.lock_probe (id INT)"
        try:
            self.consumer.run(statement)
            driver = "no error (the table was created?)"
        except Exception as error:
            driver = error_text(error)
        described = self.data_api.wait(self.data_api.statement(statement), timeout=120)
        return f"driver: {driver}; Data API: Status {described.get('Status')}, Error {described.get('Error')!r}"

    def session_history(self) -> str:
        statement = self.data_api.batch([f"SET statement_timeout TO {SLOW_SECONDS_LIMIT}", self.slow])
        try:
            running = self.data_api.wait(statement, until=_started, timeout=120)
            pid = int(running.get("RedshiftPid") or 0)
            during = self._session(pid)
        finally:
            with contextlib.suppress(Exception):
                self.data_api.cancel(statement)
        ended = self.data_api.wait(statement, timeout=120)
        after = _poll(lambda: self._session(pid), lambda text: "active" not in text, 30.0)
        return (
            f"RedshiftPid {pid}; while {running.get('Status')}: {during}; after CancelStatement "
            f"({ended.get('Status')}): {after}"
        )

    def examples(self) -> str:
        source = self.names.source(self.names.orders)
        rows = f"SELECT 's', id, 1 FROM (SELECT id FROM {source} ORDER BY id LIMIT 2) AS o"
        failing = carrier(ContentCheck("", "SELECT 2 AS n, 0 AS s", None, ("id",), lambda newest: rows))
        kept = f"CREATE TEMP TABLE {CONTENT} AS SELECT 2 AS n, 0 AS s, 0 AS bn, 0 AS bs"  # as a load's batch keeps it
        statement = self.data_api.batch([kept, f"SELECT COUNT(*) FROM {source}", failing])
        described = self.data_api.wait(statement, timeout=120)
        parts = described.get("SubStatements", [])
        error = str(described.get("Error") or [part.get("Error") for part in parts])
        try:
            first = f"{self.data_api.result(statement + ':2').get('Records')}"
        except Exception as failure:
            first = f"refused: {error_text(failure)}"
        status = described.get("Status")
        return f"Status {status}; Error {error!r}; carried {carried(error)}; GetStatementResult :2 {first}"

    def _session(self, pid: int) -> str:
        try:
            rows = self.consumer.rows("SELECT status, end_time FROM sys_session_history WHERE session_id = %s", (pid,))
        except Exception as error:
            self.consumer.close()
            return error_text(error)
        return f"{[(str(r[0]).strip(), str(r[1])) for r in rows]}"


def _started(described: dict[str, Any]) -> bool:
    return described.get("Status") == "STARTED" and int(described.get("RedshiftPid") or 0) > 0


def _poll(read: Callable[[], str], done: Callable[[str], bool], timeout: float) -> str:
    """``read()`` until ``done`` says so or ``timeout`` seconds passed; the last answer."""
    deadline = time.monotonic() + timeout
    answer = read()
    while not done(answer) and time.monotonic() < deadline:
        time.sleep(1)
        answer = read()
    return answer
