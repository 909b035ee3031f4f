"""Redshift's catalog views on the PostgreSQL stand-in, so the step's catalog queries run unchanged.

``SVV_REDSHIFT_TABLES``, ``SVV_REDSHIFT_COLUMNS`` and ``SVV_REDSHIFT_SCHEMAS`` are created in ``public`` with
the column names, order and types Redshift documents
(https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_TABLES.html, ``r_SVV_REDSHIFT_COLUMNS.html``,
``r_SVV_REDSHIFT_SCHEMAS.html``). Like Redshift's, the table and column views list only what the querying
user may access (some privilege on the table and USAGE on its schema); a data share's database is the
connected one here, so ``database_name`` is always ``current_database()``.

An IDENTITY column's ``column_default`` reads as Redshift's catalog shows one (``"identity"(<table oid>, <column
index>, '<seed>,<step>'::text)``, from ``pg_attrdef``); PostgreSQL keeps no default for its identity columns, so
the view writes that form from the column's sequence.

Answers PostgreSQL cannot give by itself can be set per table or column, as a test needs them: a ``table_type``
other than ``TABLE``/``VIEW`` (``SHARED TABLE`` for a data share's table, dg/r_SVV_ALL_TABLES.html), a view whose
columns ``SVV_REDSHIFT_COLUMNS`` leaves out (a late-binding view's may be: PG_GET_LATE_BINDING_VIEW_COLS.html), and an
``is_nullable`` of ``""`` ("no information", dg/r_SVV_REDSHIFT_COLUMNS.html), and a column's place in a sort key
(PostgreSQL tables have none), kept in the ``redshift_stand_in`` schema (which the views do not list) by
``report_table_type_sql``, ``report_is_nullable_sql`` and ``report_sortkey_sql``.

``SVV_RELATION_PRIVILEGES`` (dg/r_SVV_RELATION_PRIVILEGES.html: ``namespace_name``, ``relation_name``,
``privilege_type``, ``identity_id``, ``identity_name``, ``identity_type``, ``admin_option``, in that order) lists the
privileges explicitly granted on tables and views, from ``aclexplode(relacl)``: the owner's own entry (implicit on
Redshift) is left out, and so are the privileges Redshift's page does not list (PostgreSQL's TRUNCATE and TRIGGER;
PostgreSQL has no DROP privilege). ``identity_type`` is ``public`` for PUBLIC, ``user`` for a role that can log in and
``group`` for one that cannot (PostgreSQL does not tell groups from roles, and takes ``GRANT … TO GROUP g`` but not
``TO ROLE r``); ``admin_option`` is the grant option, false for groups as Redshift documents. Like Redshift's, it
shows a user the grants of tables it owns (or of roles it belongs to) and its own.

``SYS_SESSION_HISTORY`` (dg/SYS_SESSION_HISTORY.html: ``session_id``, ``status`` active, timed out or closed; a
regular user sees their own sessions) is made from ``pg_stat_activity``: a backend that runs a statement or holds a
transaction open is an ``active`` session, an idle one ``closed`` (PgBouncer keeps a server connection open after its
client has gone, so an idle backend is a session that ended here).

Redshift's ``GETDATE()``, ``STRTOL`` and ``FROM_VARBYTE`` are functions in ``public`` too
(``local_stack.redshift_functions``); a column reported as a table's leading sort key gets a BRIN index, the
stand-in's zone map (``local_stack.zone_maps``).
"""

from __future__ import annotations

from local_stack.redshift_functions import redshift_functions_sql
from local_stack.zone_maps import zone_maps_sql

ANSWERS = "redshift_stand_in"
"""The schema of the answers set per table or column (owned by the admin; the views read it as their owner)."""
_USER_SCHEMAS = (
    f"n.nspname NOT IN ('pg_catalog', 'information_schema', '{ANSWERS}') AND n.nspname NOT LIKE 'pg!_%' ESCAPE '!'"
)
_ACCESSIBLE = (
    f"c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMAS} AND has_schema_privilege(n.oid, 'USAGE') "
    "AND has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')"
)

SVV_REDSHIFT_TABLES = f"""
CREATE OR REPLACE VIEW public.svv_redshift_tables AS
SELECT current_database()::varchar(128) AS database_name,
       n.nspname::varchar(128) AS schema_name,
       c.relname::varchar(128) AS table_name,
       COALESCE(ty.table_type, CASE WHEN c.relkind IN ('v', 'm') THEN 'VIEW' ELSE 'TABLE' END)::varchar(128)
           AS table_type,
       array_to_string(c.relacl, ',')::varchar(128) AS table_acl,
       obj_description(c.oid, 'pg_class')::varchar(128) AS remarks,
       pg_get_userbyid(c.relowner)::varchar(128) AS table_owner
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN {ANSWERS}.table_types ty ON ty.table_oid = c.oid
WHERE {_ACCESSIBLE}
"""

SVV_REDSHIFT_COLUMNS = f"""
CREATE OR REPLACE VIEW public.svv_redshift_columns AS
SELECT current_database()::varchar(128) AS database_name,
       n.nspname::varchar(128) AS schema_name,
       c.relname::varchar(128) AS table_name,
       a.attname::varchar(128) AS column_name,
       a.attnum::integer AS ordinal_position,
       format_type(a.atttypid, a.atttypmod)::varchar(32) AS data_type,
       (CASE WHEN a.attidentity <> '' THEN
                '"identity"(' || c.oid || ', ' || (a.attnum - 1) || ', ''' || s.seqstart || ',' || s.seqincrement
                || '''::text)'
             ELSE pg_get_expr(d.adbin, d.adrelid) END)::varchar(4000) AS column_default,
       COALESCE(nu.is_nullable, CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END)::varchar(3) AS is_nullable,
       'none'::varchar(128) AS encoding,
       false AS distkey,
       COALESCE(sk.sortkey, 0)::integer AS sortkey,
       array_to_string(a.attacl, ',')::varchar(128) AS column_acl,
       col_description(c.oid, a.attnum)::varchar(256) AS remarks
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN {ANSWERS}.column_nullability nu ON nu.table_oid = c.oid AND nu.column_number = a.attnum
LEFT JOIN {ANSWERS}.column_sortkeys sk ON sk.table_oid = c.oid AND sk.column_number = a.attnum
LEFT JOIN {ANSWERS}.table_types ty ON ty.table_oid = c.oid
LEFT JOIN pg_sequence s ON a.attidentity <> '' AND s.seqrelid = pg_get_serial_sequence(
    quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname)::regclass
WHERE a.attnum > 0 AND NOT a.attisdropped AND {_ACCESSIBLE} AND COALESCE(ty.columns_listed, true)
"""

SVV_REDSHIFT_SCHEMAS = f"""
CREATE OR REPLACE VIEW public.svv_redshift_schemas AS
SELECT current_database()::varchar(128) AS database_name,
       n.nspname::varchar(128) AS schema_name,
       n.nspowner::bigint::integer AS schema_owner,
       'local'::varchar(16) AS schema_type,
       array_to_string(n.nspacl, ',')::varchar(128) AS schema_acl,
       NULL::varchar(128) AS schema_option
FROM pg_namespace n
WHERE {_USER_SCHEMAS}
"""

SVV_RELATION_PRIVILEGES = f"""
CREATE OR REPLACE VIEW public.svv_relation_privileges AS
SELECT n.nspname::text AS namespace_name,
       c.relname::text AS relation_name,
       a.privilege_type::text AS privilege_type,
       a.grantee::bigint::integer AS identity_id,
       COALESCE(r.rolname, 'public')::text AS identity_name,
       (CASE WHEN a.grantee = 0 THEN 'public' WHEN r.rolcanlogin THEN 'user' ELSE 'group' END)::text AS identity_type,
       (a.is_grantable AND COALESCE(r.rolcanlogin, false)) AS admin_option
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) a
LEFT JOIN pg_roles r ON r.oid = a.grantee
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMAS}
  AND a.grantee <> c.relowner
  AND a.privilege_type IN ('INSERT', 'SELECT', 'UPDATE', 'DELETE', 'REFERENCES')
  AND (pg_has_role(c.relowner, 'USAGE') OR a.grantee = 0 OR pg_has_role(a.grantee, 'USAGE'))
"""

SYS_SESSION_HISTORY = """
CREATE OR REPLACE VIEW public.sys_session_history AS
SELECT a.usesysid::text::char(50) AS user_id,
       a.pid::integer AS session_id,
       a.datname::char(50) AS database_name,
       (CASE WHEN a.state IS NULL OR a.state = 'idle' THEN 'closed' ELSE 'active' END)::char(10) AS status,
       0::integer AS session_timeout,
       a.backend_start::timestamp AS start_time,
       NULL::timestamp AS end_time
FROM pg_stat_activity a
WHERE a.backend_type = 'client backend'
  AND (a.usename = current_user OR (SELECT usesuper FROM pg_user WHERE usename = current_user))
"""

ANSWER_TABLES = [
    f"CREATE SCHEMA IF NOT EXISTS {ANSWERS}",
    f"CREATE TABLE IF NOT EXISTS {ANSWERS}.table_types (table_oid oid PRIMARY KEY, table_type varchar(128) NOT NULL)",
    f"ALTER TABLE {ANSWERS}.table_types ADD COLUMN IF NOT EXISTS columns_listed boolean NOT NULL DEFAULT true",
    f"CREATE TABLE IF NOT EXISTS {ANSWERS}.column_nullability (table_oid oid, column_number smallint, "
    "is_nullable varchar(3) NOT NULL, PRIMARY KEY (table_oid, column_number))",
    f"CREATE TABLE IF NOT EXISTS {ANSWERS}.column_sortkeys (table_oid oid, column_number smallint, "
    "sortkey integer NOT NULL, PRIMARY KEY (table_oid, column_number))",
]


def redshift_views_sql() -> list[str]:
    """Statements (run as superuser in the cluster's database) creating the views, readable by everyone."""
    views = (
        "svv_redshift_tables",
        "svv_redshift_columns",
        "svv_redshift_schemas",
        "svv_relation_privileges",
        "sys_session_history",
    )
    return [
        *ANSWER_TABLES,
        SVV_REDSHIFT_TABLES,
        SVV_REDSHIFT_COLUMNS,
        SVV_REDSHIFT_SCHEMAS,
        SVV_RELATION_PRIVILEGES,
        SYS_SESSION_HISTORY,
        *redshift_functions_sql(),
        *zone_maps_sql(ANSWERS),
        *(f"GRANT SELECT ON public.{view} TO PUBLIC" for view in views),
    ]


def report_sortkey_sql(table: str, column: str, position: int) -> str:
    """A statement (as admin) making ``SVV_REDSHIFT_COLUMNS`` report ``column`` of ``table`` at ``position`` of the
    sort key (``1`` leads a compound sort key; dg/r_SVV_REDSHIFT_COLUMNS.html), which PostgreSQL tables do not have;
    a leading column gets a BRIN index, the stand-in's zone map (``local_stack.zone_maps``)."""
    oid = f"{_literal(table)}::regclass"
    number = f"(SELECT attnum FROM pg_attribute WHERE attrelid = {oid} AND attname = {_literal(column)})"
    return (
        f"INSERT INTO {ANSWERS}.column_sortkeys VALUES ({oid}, {number}, {position}) "
        "ON CONFLICT (table_oid, column_number) DO UPDATE SET sortkey = EXCLUDED.sortkey"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def report_table_type_sql(table: str, table_type: str, *, columns_listed: bool = True) -> str:
    """A statement (as admin) making ``SVV_REDSHIFT_TABLES`` report ``table`` (``schema.name`` as SQL writes it) with
    ``table_type``; without ``columns_listed``, ``SVV_REDSHIFT_COLUMNS`` leaves its columns out, as Redshift's
    catalog may for a late-binding view (whose columns ``PG_GET_LATE_BINDING_VIEW_COLS`` lists, not
    ``pg_attribute``): ``report_table_type_sql(view, "VIEW", columns_listed=False)``."""
    listed = "true" if columns_listed else "false"
    return (
        f"INSERT INTO {ANSWERS}.table_types VALUES ({_literal(table)}::regclass, {_literal(table_type)}, {listed}) "
        "ON CONFLICT (table_oid) DO UPDATE SET table_type = EXCLUDED.table_type, "
        "columns_listed = EXCLUDED.columns_listed"
    )


def report_is_nullable_sql(table: str, column: str, is_nullable: str) -> str:
    """A statement (as admin) making ``SVV_REDSHIFT_COLUMNS`` report ``is_nullable`` for ``column`` of ``table``."""
    oid = f"{_literal(table)}::regclass"
    number = f"(SELECT attnum FROM pg_attribute WHERE attrelid = {oid} AND attname = {_literal(column)})"
    return (
        f"INSERT INTO {ANSWERS}.column_nullability VALUES ({oid}, {number}, {_literal(is_nullable)}) "
        "ON CONFLICT (table_oid, column_number) DO UPDATE SET is_nullable = EXCLUDED.is_nullable"
    )
