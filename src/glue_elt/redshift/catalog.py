"""What the step reads from the target cluster before it writes: the session's database and user, how the
server folds identifiers, which tables (local or from a data share) exist with their columns, and (schema mode)
the objects of one schema and, when that schema turns out empty, the schemas of its database.

Tables and columns come from ``SVV_REDSHIFT_TABLES`` / ``SVV_REDSHIFT_COLUMNS``, Redshift's documented views
of every table the user may access in the connected database and in data-share databases (AWS advises
against ``information_schema`` and other system tables as an application's metadata interface). Each view is
queried on its own: they span leader and compute nodes and cannot be joined with leader-node functions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from glue_elt.errors import ExecutionError
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import TableName, fold_case
from glue_elt.redshift.types import ColumnType, parse_type

FACTS_SQL = "SELECT CURRENT_DATABASE(), CURRENT_USER, (SELECT usesuper FROM pg_user WHERE usename = CURRENT_USER)"
CASE_SETTING_SQL = "SHOW enable_case_sensitive_identifier"
UNDEFINED_PARAMETER = "42704"
UNDEFINED_PARAMETER_TEXT = "unrecognized configuration parameter"
"""The same error as the Redshift Data API reports it: as text, without a SQLSTATE."""
"""SQLSTATE of a server that has no such setting (PostgreSQL): it keeps the case of quoted names."""
CASE_SENSITIVE_WORDS = frozenset({"on", "true", "t", "1"})

SCHEMA_OBJECTS_SQL = (
    "SELECT table_name, table_type FROM svv_redshift_tables "
    "WHERE database_name = %s AND schema_name = %s ORDER BY table_name"
)
SCHEMAS_SQL = "SELECT schema_name FROM svv_redshift_schemas WHERE database_name = %s ORDER BY schema_name"
BASE_TABLE_TYPES = frozenset({"TABLE", "BASE TABLE", "SHARED TABLE"})
"""``table_type`` values of a table the step can load: ``TABLE`` (``SVV_REDSHIFT_TABLES``: "Possible values are
views and tables", its sample shows ``TABLE``; dg/r_SVV_REDSHIFT_TABLES.html), and the "base tables" and "shared
tables" (a data share's) that ``SVV_ALL_TABLES``, built on it, documents (dg/r_SVV_ALL_TABLES.html)."""
OTHER_TABLE_TYPES = frozenset({"VIEW", "EXTERNAL TABLE"})
"""The other documented ``table_type`` values: views (both views) and external tables (``SVV_ALL_TABLES``)."""
COLUMNS_SQL = (
    "SELECT database_name, schema_name, table_name, column_name, data_type, is_nullable, column_default, distkey, "
    "sortkey FROM svv_redshift_columns WHERE {groups} ORDER BY database_name, schema_name, table_name, ordinal_position"
)
SIMILAR_TABLES_SQL = (
    "SELECT database_name, schema_name, table_name FROM svv_redshift_tables WHERE {groups} "
    "ORDER BY database_name, schema_name, table_name"
)
TABLE_TYPES_SQL = (
    "SELECT database_name, schema_name, table_name, table_type FROM svv_redshift_tables WHERE {groups} "
    "ORDER BY database_name, schema_name, table_name"
)
SCHEMA_EXISTS_SQL = "SELECT schema_name FROM svv_redshift_schemas WHERE database_name = %s AND schema_name = %s"
OWNED_TABLES_SQL = "SELECT schemaname, tablename FROM pg_tables WHERE tableowner = CURRENT_USER AND schemaname IN ({})"


@dataclass(frozen=True)
class ClusterFacts:
    """Who and where the secret's session is, and whether the server folds quoted identifiers to lower case
    (Redshift's default; ``enable_case_sensitive_identifier`` on, or PostgreSQL, keeps their case)."""

    database: str
    user: str
    superuser: bool
    folds_identifiers: bool

    def resolve(self, name: TableName) -> TableName:
        """``name`` as this server resolves it (folded when the server folds)."""
        return name.folded() if self.folds_identifiers else name

    def key(self, name: TableName) -> TableKey:
        """The catalog key of a resolved name (two-part names live in the connected database)."""
        return TableKey(name.database or self.database, name.schema, name.table)

    def identity(self, name: TableName) -> TableKey:
        """The catalog's identity of the table ``name`` (as written) names on this server: resolved (folded when the
        server folds), in the connected database when it has two parts, so ``db.s.t`` of the connected ``db`` is
        ``s.t``."""
        return self.key(self.resolve(name))

    def same_table(self, first: TableName, second: TableName) -> bool:
        """Whether the two names (as written or resolved) name one table on this server."""
        return self.identity(first) == self.identity(second)


@dataclass(frozen=True)
class TableKey:
    """A table as the catalog spells it: database, schema and table name."""

    database: str
    schema: str
    table: str

    def __str__(self) -> str:
        return f"{self.database}.{self.schema}.{self.table}"


IDENTITY_DEFAULT = '"identity"('
"""How Redshift's catalog shows an IDENTITY column's default (``"identity"(<table oid>, <column>, '<seed>,<step>'
::text)``, the form ``pg_attrdef`` holds); the stand-in's view writes its identity columns the same way."""


@dataclass(frozen=True)
class Column:
    """One column as ``SVV_REDSHIFT_COLUMNS`` shows it: name, type, whether NULL is allowed (``None``: the catalog's
    ``is_nullable`` is ``""``, "no information"), default expression (an IDENTITY
    column's is ``"identity"(...)``), whether it is the distribution key, and its place in the sort key (0 when
    not in it; alternately positive and negative in an interleaved one)."""

    name: str
    data_type: str
    nullable: bool | None = True
    default: str | None = None
    distkey: bool = False
    sortkey: int = 0

    @property
    def type(self) -> ColumnType:
        """The parsed type."""
        return parse_type(self.data_type)

    @property
    def identity(self) -> bool:
        """Whether the database generates the column's values (an IDENTITY column)."""
        return self.default is not None and IDENTITY_DEFAULT in self.default.replace(" ", "")

    @property
    def filled_by_database(self) -> bool | None:
        """Whether an insert that leaves the column out still succeeds (a default, an identity, or NULL allowed);
        ``None`` when that depends on a nullability the catalog does not show."""
        if self.default is not None or self.nullable:
            return True
        return self.nullable


def cluster_facts(executor: Executor, secret_name: str) -> ClusterFacts:
    """The session's database, user, superuser flag and identifier folding (two small queries)."""
    ((database, user, superuser),) = executor.query(secret_name, FACTS_SQL)
    try:
        setting = executor.query(secret_name, CASE_SETTING_SQL)
        case_sensitive = bool(setting) and str(setting[0][0]).strip().lower() in CASE_SENSITIVE_WORDS
    except ExecutionError as error:
        if error.sqlstate != UNDEFINED_PARAMETER and UNDEFINED_PARAMETER_TEXT not in str(error).lower():
            raise
        case_sensitive = True
    return ClusterFacts(str(database), str(user), server_bool(superuser), folds_identifiers=not case_sensitive)


@dataclass(frozen=True)
class SchemaObject:
    """A table or view of a schema, named as the catalog spells it, with ``SVV_REDSHIFT_TABLES``' type."""

    name: str
    table_type: str

    @property
    def kind(self) -> str:
        """``table_type`` in upper case with single spaces (``SHARED TABLE``)."""
        return table_kind(self.table_type)

    @property
    def is_base_table(self) -> bool:
        """Whether it is a table the step can load (local, or a data share's), not a view or an external table."""
        return self.kind in BASE_TABLE_TYPES

    @property
    def is_known(self) -> bool:
        """Whether its ``table_type`` is one the documentation lists (anything else must stop the run, not be
        skipped)."""
        return self.kind in BASE_TABLE_TYPES | OTHER_TABLE_TYPES


def table_kind(table_type: str) -> str:
    """A catalog ``table_type`` in upper case with single spaces (``SHARED TABLE``)."""
    return " ".join(table_type.upper().split())


def table_types(executor: Executor, secret_name: str, tables: Collection[TableKey]) -> dict[TableKey, str]:
    """``SVV_REDSHIFT_TABLES.table_type`` (``table_kind``) of each of ``tables`` that the catalog lists; one query.

    A view is listed whether or not ``SVV_REDSHIFT_COLUMNS`` shows its columns (a late-binding view's come from
    ``PG_GET_LATE_BINDING_VIEW_COLS``, not ``pg_attribute``)."""
    if not tables:
        return {}
    sql = TABLE_TYPES_SQL.format(groups=_conditions(tables, "schema_name", "table_name"))
    rows = executor.query(secret_name, sql, _params(tables))
    return {TableKey(str(db), str(schema), str(table)): table_kind(str(kind or "")) for db, schema, table, kind in rows}


def schema_objects(executor: Executor, secret_name: str, database: str, schema: str) -> list[SchemaObject]:
    """Every table and view of ``database.schema`` that the user may access, sorted by name; one query."""
    rows = executor.query(secret_name, SCHEMA_OBJECTS_SQL, [database, schema])
    return [SchemaObject(str(name), str(table_type or "")) for name, table_type in rows]


def schema_names(executor: Executor, secret_name: str, database: str) -> list[str]:
    """The names of the schemas of ``database`` listed for the user (local and data-share), sorted; one query."""
    return [str(row[0]) for row in executor.query(secret_name, SCHEMAS_SQL, [database])]


def table_columns(executor: Executor, secret_name: str, tables: Collection[TableKey]) -> dict[TableKey, list[Column]]:
    """The columns (in table order) of each of ``tables`` that exists and is visible; one query."""
    if not tables:
        return {}
    sql, params = columns_query(tables)
    columns: dict[TableKey, list[Column]] = {}
    for database, schema, table, name, data_type, nullable, default, distkey, sortkey in executor.query(
        secret_name, sql, params
    ):
        key = TableKey(str(database), str(schema), str(table))
        column = Column(
            str(name),
            str(data_type),
            nullable=read_nullable(nullable, f"{key}.{name}"),
            default=None if default is None else str(default),
            distkey=server_bool(distkey),
            sortkey=int(sortkey or 0),
        )
        columns.setdefault(key, []).append(column)
    return columns


NULLABLE_ANSWERS = {"YES": True, "NO": False, "": None}
"""``is_nullable``: yes, no, or an empty string that represents no information (dg/r_SVV_REDSHIFT_COLUMNS.html)."""


def read_nullable(value: object, column: str) -> bool | None:
    """``is_nullable`` of ``column`` as ``True``/``False``, ``None`` for no information (``""`` or NULL);
    ``ExecutionError`` naming any other answer."""
    text = "" if value is None else str(value).strip().upper()
    if text not in NULLABLE_ANSWERS:
        raise ExecutionError(
            f"SVV_REDSHIFT_COLUMNS answered is_nullable {value!r} for column {column}; glue-elt knows YES, NO and "
            '"" (no information)'
        )
    return NULLABLE_ANSWERS[text]


def columns_query(tables: Iterable[TableKey]) -> tuple[str, list[str]]:
    """``COLUMNS_SQL`` for ``tables``: one condition per database and schema, table names as parameters."""
    return COLUMNS_SQL.format(groups=_conditions(tables, "schema_name", "table_name")), _params(tables)


def similar_tables(executor: Executor, secret_name: str, tables: Collection[TableKey]) -> list[TableKey]:
    """Tables whose schema and name equal one of ``tables`` but for ASCII case (to explain a miss on a server
    that keeps the case of quoted names); one query."""
    lowered = [TableKey(key.database, fold_case(key.schema), fold_case(key.table)) for key in tables]
    sql = SIMILAR_TABLES_SQL.format(groups=_conditions(lowered, "lower(schema_name)", "lower(table_name)"))
    return [TableKey(*map(str, row)) for row in executor.query(secret_name, sql, _params(lowered))]


def _groups(tables: Iterable[TableKey]) -> list[tuple[tuple[str, str], list[str]]]:
    groups: dict[tuple[str, str], set[str]] = {}
    for key in tables:
        groups.setdefault((key.database, key.schema), set()).add(key.table)
    return [(group, sorted(names)) for group, names in sorted(groups.items())]


def _conditions(tables: Iterable[TableKey], schema_column: str, table_column: str) -> str:
    """One ``(database AND schema AND table IN (...))`` condition per database and schema, ``OR``-ed."""
    return " OR ".join(
        f"(database_name = %s AND {schema_column} = %s AND {table_column} IN ({', '.join(['%s'] * len(names))}))"
        for _, names in _groups(tables)
    )


def _params(tables: Iterable[TableKey]) -> list[str]:
    return [value for (database, schema), names in _groups(tables) for value in (database, schema, *names)]


def schema_exists(executor: Executor, secret_name: str, database: str, schema: str) -> bool:
    """Whether ``database.schema`` exists and is visible to the user."""
    return bool(executor.query(secret_name, SCHEMA_EXISTS_SQL, [database, schema]))


def owned_tables(executor: Executor, secret_name: str, schemas: Collection[str]) -> set[tuple[str, str]]:
    """``(schema, table)`` of the connected database's tables in ``schemas`` that the user owns."""
    if not schemas:
        return set()
    names = sorted(schemas)
    sql = OWNED_TABLES_SQL.format(", ".join(["%s"] * len(names)))
    return {(str(schema), str(table)) for schema, table in executor.query(secret_name, sql, names)}


def server_bool(value: object) -> bool:
    """A boolean from the server (``True``, or ``'t'``/``'true'`` where a function returns text)."""
    if isinstance(value, str):
        return value.strip().lower() in ("t", "true", "1", "on")
    return bool(value)
