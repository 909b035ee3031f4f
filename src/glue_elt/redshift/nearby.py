"""What is near a table that is not found: whether its schema (and its database) exist for the user, and the closest
names of the tables and schemas that do.

"Table x.y does not exist" sends a user looking in the wrong place when it is the schema that is missing, and says
nothing of the table they meant (``sales_mart.targetz`` for ``sales_mart.targets``). So, after a miss only, two
queries whatever the number of missing tables: the schemas of their databases in ``SVV_REDSHIFT_SCHEMAS`` ("all
schemas that a user has access to", the cluster's own and those of data shares; dg/r_SVV_REDSHIFT_SCHEMAS.html), then
the tables of their schemas that exist in ``SVV_REDSHIFT_TABLES`` (dg/r_SVV_REDSHIFT_TABLES.html). A schema the user
has no access to is not listed, so "missing" always reads "does not exist or is not accessible". Closeness is
``difflib``'s ratio, ignoring case, as a parameter is found (``glue_elt.core.close_names``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from glue_elt.core.close_names import close_matches
from glue_elt.redshift.catalog import TableKey
from glue_elt.redshift.executor import Executor

SCHEMAS_SQL = (
    "SELECT database_name, schema_name FROM svv_redshift_schemas WHERE database_name IN ({}) "
    "ORDER BY database_name, schema_name"
)
TABLES_SQL = (
    "SELECT database_name, schema_name, table_name FROM svv_redshift_tables WHERE {} "
    "ORDER BY database_name, schema_name, table_name"
)


@dataclass(frozen=True)
class Nearby:
    """The schemas of some databases and the tables of some schemas, as the user sees them."""

    schemas: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each database asked about, with its schemas (none: the database does not exist for the user)."""
    tables: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """Each existing schema asked about, as ``(database, schema)``, with its tables and views."""

    def has_database(self, key: TableKey) -> bool:
        """Whether the user sees any schema of ``key``'s database."""
        return bool(self.schemas.get(key.database))

    def has_schema(self, key: TableKey) -> bool:
        """Whether ``key``'s schema exists and the user may access it."""
        return key.schema in self.schemas.get(key.database, ())

    def closest_schema(self, key: TableKey) -> str | None:
        """The schema of ``key``'s database whose name is closest to ``key``'s schema (``None``: none is close)."""
        return closest(key.schema, self.schemas.get(key.database, ()))

    def closest_table(self, key: TableKey) -> str | None:
        """The table of ``key``'s schema whose name is closest to ``key``'s table (``None``: none is close)."""
        return closest(key.table, self.tables.get((key.database, key.schema), ()))


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``name`` (``close_names.close_matches``), other than ``name`` itself."""
    return next(iter(close_matches(name, [candidate for candidate in candidates if candidate != name])), None)


def look_around(executor: Executor, secret_name: str, missing: Collection[TableKey]) -> Nearby:
    """The schemas of the databases of ``missing`` and the tables of those of its schemas that exist (two queries;
    none when nothing is missing)."""
    if not missing:
        return Nearby()
    databases = sorted({key.database for key in missing})
    schemas: dict[str, list[str]] = {database: [] for database in databases}
    sql = SCHEMAS_SQL.format(", ".join(["%s"] * len(databases)))
    for database, schema in executor.query(secret_name, sql, databases):
        schemas.setdefault(str(database), []).append(str(schema))
    present = sorted({(k.database, k.schema) for k in missing if k.schema in schemas.get(k.database, [])})
    tables: dict[tuple[str, str], list[str]] = {pair: [] for pair in present}
    if present:
        conditions = " OR ".join("(database_name = %s AND schema_name = %s)" for _ in present)
        params = [value for pair in present for value in pair]
        for database, schema, table in executor.query(secret_name, TABLES_SQL.format(conditions), params):
            tables.setdefault((str(database), str(schema)), []).append(str(table))
    return Nearby(
        {database: tuple(names) for database, names in schemas.items()},
        {pair: tuple(names) for pair, names in tables.items()},
    )
