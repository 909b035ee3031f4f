"""What a chunked overwrite's swap cannot carry over, refused before any write, and the privileges it grants again.

What: ``read_swap_facts`` reads, in four small catalog queries, what the swap (``staging``) depends on: the target's
owner and the CREATE privilege on its schema, the views and foreign keys bound to it, its IDENTITY columns and its
table privileges; ``swap_refusal`` turns them into one message, or ``None`` when the swap is safe; ``read_grants``
reads the privileges again right before the swap, for ``staging.swap_statements``.

Why each is refused (sources in docs/redshift-compatibility.md, "Chunked overwrite: staging and swap"):

- An owner other than the step's user: the table that takes the target's place belongs to whoever created it
  (dg/r_CREATE_TABLE_NEW.html), so the swap would hand another user's table to the step's user; and "to rename an
  object, the user must have the CREATE privilege and own the object to be renamed" (dg/r_GRANT.html, CREATE).
- No CREATE privilege on the target's schema: the staging table is created in it and the swap renames tables in it
  (the same quote), so the stage's creation would fail after the plan was taken; asked with
  ``HAS_SCHEMA_PRIVILEGE(schema, 'CREATE')``, a leader-node function, beside the owner in ``pg_tables``, a
  leader-node catalog view (dg/r_HAS_SCHEMA_PRIVILEGE.html).
- A regular or materialized view of the target: it is bound to the table, not its name, so after the swap it
  would still read the old rows and the drop of the old table fails ("cannot drop table … because other objects
  depend on it", dg/r_DROP_TABLE.html); a materialized view becomes unrefreshable when a base table is renamed (AWS
  Knowledge Center, redshift-materialized-view-not-refresh). Late-binding views (``WITH NO SCHEMA BINDING``) bind
  by name when queried (dg/r_CREATE_VIEW.html), have no such dependency and read the new table after the swap.
- A foreign key of another table that references the target: the old table could not be dropped either.
- An IDENTITY column: ``CREATE TABLE … (LIKE …)`` is not documented to copy it (dg/r_CREATE_TABLE_NEW.html) and an
  ``INSERT … SELECT`` cannot fill one.
- A privilege or identity type the swap does not know how to grant (never written into SQL).

Views and foreign keys are found through ``pg_depend`` and ``pg_constraint`` as AWS Labs' admin views do
(amazon-redshift-utils ``v_view_dependency.sql``, ``v_constraint_dependency.sql``): Redshift has no documented
view of dependencies. Privileges come from ``SVV_RELATION_PRIVILEGES`` (dg/r_SVV_RELATION_PRIVILEGES.html), which
shows the owner every grant of its table.
"""

from __future__ import annotations

from dataclasses import dataclass

from glue_elt.redshift.catalog import TableKey, server_bool, table_columns
from glue_elt.redshift.executor import Executor
from glue_elt.steps.redshift_cross_account_migration.staging import Grant

OWNER_SQL = (
    "SELECT tableowner, HAS_SCHEMA_PRIVILEGE(schemaname, 'CREATE') FROM pg_tables "
    "WHERE schemaname = %s AND tablename = %s"
)
"""The table's owner, and whether the step's user may create tables in (and rename tables of) its schema."""
DEPENDENT_VIEWS_SQL = (
    "SELECT DISTINCT vn.nspname, v.relname FROM pg_catalog.pg_class t "
    "JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
    "JOIN pg_catalog.pg_depend d ON d.refobjid = t.oid "
    "JOIN pg_catalog.pg_depend vd ON vd.objid = d.objid AND vd.classid = d.classid AND vd.deptype = 'i' "
    "JOIN pg_catalog.pg_class v ON v.oid = vd.refobjid AND v.oid <> t.oid "
    "JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace "
    "WHERE tn.nspname = %s AND t.relname = %s AND v.relkind IN ('v', 'm') ORDER BY 1, 2"
)
"""Views bound to the table: a view's rewrite rule depends on each table it reads and, internally (``i``), on the
view itself (``v_view_dependency.sql``); ``m`` is PostgreSQL's materialized view (Redshift's is a view)."""
REFERENCING_KEYS_SQL = (
    "SELECT n.nspname, c.relname, con.conname FROM pg_catalog.pg_constraint con "
    "JOIN pg_catalog.pg_class t ON t.oid = con.confrelid "
    "JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace "
    "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE con.contype = 'f' AND tn.nspname = %s AND t.relname = %s AND c.oid <> t.oid ORDER BY 1, 2, 3"
)
GRANTS_SQL = (
    "SELECT privilege_type, identity_type, identity_name, admin_option FROM svv_relation_privileges "
    "WHERE namespace_name = %s AND relation_name = %s ORDER BY identity_type, identity_name, privilege_type"
)


@dataclass(frozen=True)
class SwapFacts:
    """What the swap of one target depends on: its owner (``None``: no such table), the views and foreign keys bound
    to it (``schema.name``, ``schema.table (constraint)``), its IDENTITY columns, its privileges, and whether the
    step's user has CREATE on its schema (``schema``)."""

    owner: str | None
    views: tuple[str, ...] = ()
    foreign_keys: tuple[str, ...] = ()
    identity_columns: tuple[str, ...] = ()
    grants: tuple[Grant, ...] = ()
    schema: str = ""
    may_create: bool = True


def read_grants(executor: Executor, secret_name: str, target: TableKey, owner: str) -> list[Grant]:
    """The target's table privileges from ``SVV_RELATION_PRIVILEGES``, but the owner's own (which the new table's
    owner has without a grant); one query."""
    rows = executor.query(secret_name, GRANTS_SQL, [target.schema, target.table])
    return [
        Grant(str(privilege).strip().upper(), str(kind).strip().lower(), str(name), server_bool(option))
        for privilege, kind, name, option in rows
        if str(name) != owner
    ]


def read_swap_facts(executor: Executor, secret_name: str, target: TableKey) -> SwapFacts:
    """``SwapFacts`` of ``target`` (its catalog identity, in the connected database); four queries, or one when the
    table does not exist."""
    params = [target.schema, target.table]
    owners = executor.query(secret_name, OWNER_SQL, params)
    if not owners:
        return SwapFacts(owner=None)
    owner, may_create = str(owners[0][0]), server_bool(owners[0][1])
    views = tuple(f"{schema}.{name}" for schema, name in executor.query(secret_name, DEPENDENT_VIEWS_SQL, params))
    keys = tuple(f"{s}.{t} ({c})" for s, t, c in executor.query(secret_name, REFERENCING_KEYS_SQL, params))
    columns = table_columns(executor, secret_name, [target]).get(target, [])
    identities = tuple(column.name for column in columns if column.identity)
    grants = tuple(read_grants(executor, secret_name, target, owner))
    return SwapFacts(owner, views, keys, identities, grants, target.schema, may_create)


def swap_refusal(facts: SwapFacts, target: str, user: str) -> str | None:
    """Why a chunked overwrite of ``target`` (as the message shows it) by ``user`` must not swap tables, or ``None``.
    Every reason is named at once, each with what the user can do."""
    if facts.owner is None:
        return f"{target} does not exist: a chunked overwrite replaces an existing table"
    reasons = []
    if facts.owner != user:
        reasons.append(
            f"it is owned by {facts.owner}, not by {user}: the table that takes its place would belong to {user} "
            f"(make {user} its owner, or load it without chunks)"
        )
    if not facts.may_create:
        reasons.append(
            f"{user} has no CREATE privilege on schema {facts.schema}, where the staging table is created and the "
            f"swap renames the tables (GRANT CREATE ON SCHEMA {facts.schema} TO {user}, or load it without chunks)"
        )
    if facts.views:
        reasons.append(
            f"view(s) {', '.join(facts.views)} are bound to it: they would keep reading the old table and block its "
            "drop (recreate them WITH NO SCHEMA BINDING, which binds by name, or load it without chunks)"
        )
    if facts.foreign_keys:
        reasons.append(
            f"foreign key(s) {', '.join(facts.foreign_keys)} reference it and would block the old table's drop"
        )
    if facts.identity_columns:
        reasons.append(
            f"IDENTITY column(s) {', '.join(facts.identity_columns)}: a staging table made LIKE it would not "
            "generate them"
        )
    unknown = [problem for grant in facts.grants if (problem := grant.problem) is not None]
    if unknown:
        reasons.append(f"it has grants the swap cannot carry over: {', '.join(unknown)}")
    if not reasons:
        return None
    return f"a chunked overwrite cannot replace {target}: " + "; ".join(reasons) + ". Nothing was written"
