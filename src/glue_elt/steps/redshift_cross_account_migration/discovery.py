"""Schema mode's rows: the base tables of one schema, chosen by ``--include`` / ``--exclude``, one row each.

Why a module of its own: a schema-mode run is only as right as its list of tables. A typo in a Glue job's
``--target_schema`` used to give a green run that migrated nothing, and objects the step cannot load were
skipped without a word. Here, ``--discover_from target`` lists ``--target_schema`` in the connected database;
``--discover_from source`` lists ``--source_schema`` as the consumer sees it, in the data share's database (the
first part of a two-part name) or the connected one. Both read ``SVV_REDSHIFT_TABLES``, every table and view the
user may access, local and from data shares, with its ``table_type``: one query when there is something to
migrate (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_TABLES.html). Only tables become rows
(``TABLE``; ``BASE TABLE`` and a data share's ``SHARED TABLE``, the types ``SVV_ALL_TABLES`` documents on top of it:
dg/r_SVV_ALL_TABLES.html), each loaded into the table of the same name in ``--target_schema``; in the source, views
and external tables are reported as not migrated with the reason (a view is read by naming it in a config file
row). A type the documentation does not list stops the run naming it and the object (``ExecutionError``): it is
neither loaded nor skipped on a guess.

Nothing to migrate stops the run with ``ConfigError`` (exit 2) unless ``--allow_empty true`` (a warning): a
schema that does not exist or that the user cannot see, one without a base table, or patterns that leave none.
Only on that path a second query reads the database's schemas (``SVV_REDSHIFT_SCHEMAS``, every schema the user
has access to, local and from data shares: https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_SCHEMAS.html)
to tell a missing schema from an empty one and to show what the user can see.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from glue_elt.core.retry import RetryPolicy
from glue_elt.errors import ConfigError, ExecutionError
from glue_elt.redshift import catalog
from glue_elt.redshift.catalog import BASE_TABLE_TYPES, OTHER_TABLE_TYPES, ClusterFacts, SchemaObject
from glue_elt.redshift.executor import Executor
from glue_elt.redshift.names import Identifier, display_identifier, fold_case, parse_schema_name
from glue_elt.steps.redshift_cross_account_migration.model import MigrationRow
from glue_elt.steps.redshift_cross_account_migration.results import NotMigrated
from glue_elt.steps.redshift_cross_account_migration.schema_mode import DiscoverFrom, SchemaMode

logger = logging.getLogger(__name__)

SHOWN_NAMES = 20
"""At most this many names in a message; ``…`` after."""
VIEW_REASON = "a view; schema mode copies base tables (name it in a config file row to copy its rows)"
SHARE_HINT = " (for a data share: is its database created on this cluster and USAGE on it granted?)"


@dataclass(frozen=True)
class DiscoveredSchema:
    """The schema whose tables become rows: the option and text the user gave, and the catalog's spelling."""

    option: str
    written: str
    database: str
    schema: str

    def __str__(self) -> str:
        return f"{self.option} {self.written} (schema {self.schema} of database {self.database})"


@dataclass(frozen=True)
class Selection:
    """The names ``--include`` / ``--exclude`` keep, and those they leave out, in catalog order."""

    kept: tuple[str, ...]
    left_out: tuple[str, ...]


@dataclass(frozen=True)
class Discovery:
    """Schema mode's rows and the objects of the source schema that no row loads."""

    rows: list[MigrationRow]
    not_migrated: tuple[NotMigrated, ...] = ()


def discovered_schema(mode: SchemaMode, facts: ClusterFacts) -> DiscoveredSchema:
    """The schema ``mode`` lists, named as the server resolves it (folded when the server folds names)."""
    if mode.discover_from is DiscoverFrom.SOURCE:
        parts = parse_schema_name(mode.source_schema, "--source_schema", max_parts=2)
        parts = tuple(part.folded() for part in parts) if facts.folds_identifiers else parts
        database = parts[0].name if len(parts) == 2 else facts.database
        return DiscoveredSchema("--source_schema", mode.source_schema, database, parts[-1].name)
    target = resolved_target(mode, facts)
    return DiscoveredSchema("--target_schema", display_identifier(mode.target_schema.name), facts.database, target.name)


def resolved_target(mode: SchemaMode, facts: ClusterFacts) -> Identifier:
    """``--target_schema`` as the server resolves it."""
    return mode.target_schema.folded() if facts.folds_identifiers else mode.target_schema


def select(names: Sequence[str], include: Sequence[str], exclude: Sequence[str]) -> Selection:
    """The names matching an ``include`` pattern (all when there is none) and no ``exclude`` pattern; shell-style
    patterns, case-sensitive on the names as the catalog spells them."""
    kept: list[str] = []
    left_out: list[str] = []
    for name in names:
        wanted = not include or any(fnmatchcase(name, pattern) for pattern in include)
        chosen = wanted and not any(fnmatchcase(name, pattern) for pattern in exclude)
        (kept if chosen else left_out).append(name)
    return Selection(tuple(kept), tuple(left_out))


def not_migrated_reason(table_type: str) -> str:
    """Why an object of ``table_type`` (a view or an external table, as the catalog reports it) gets no row."""
    kind = " ".join(table_type.lower().split())
    if kind == "view":
        return VIEW_REASON
    article = "an" if kind[:1] in ("a", "e", "i", "o", "u") else "a"
    return f"{article} {kind}; schema mode copies base tables"


def refuse_unknown_types(found: DiscoveredSchema, objects: Sequence[SchemaObject]) -> None:
    """``ExecutionError`` naming each object whose ``table_type`` the documentation does not list."""
    unknown = [
        f"{found.database}.{found.schema}.{item.name} ({item.table_type!r})" for item in objects if not item.is_known
    ]
    if unknown:
        known = ", ".join(sorted(BASE_TABLE_TYPES | OTHER_TABLE_TYPES))
        raise ExecutionError(
            f"SVV_REDSHIFT_TABLES answered a table_type glue-elt does not know for {', '.join(unknown)}; it knows "
            f"{known}: name the tables in a config file, or leave them out with --exclude"
        )


def schema_rows(mode: SchemaMode, tables: Sequence[str]) -> list[MigrationRow]:
    """One row per table, read from the same-named table of ``mode.source_schema`` into ``mode.target_schema``."""
    target_schema = display_identifier(mode.target_schema.name)
    return [
        MigrationRow(
            source_table=f"{mode.source_schema}.{display_identifier(table)}",
            target_table=f"{target_schema}.{display_identifier(table)}",
            secret_name=mode.secret_name,
            load_type=mode.load_type,
            merge_keys=mode.merge_keys,
            watermark_column=mode.watermark_column,
        )
        for table in tables
    ]


def shown(names: Sequence[str]) -> str:
    """Catalog names for a message, as a user would write them: the first ``SHOWN_NAMES``, then ``…`` and the
    count."""
    listed = ", ".join(display_identifier(name) for name in names[:SHOWN_NAMES])
    return listed + (f", … ({len(names)} in all)" if len(names) > SHOWN_NAMES else "")


def visible_schemas(names: Sequence[str]) -> list[str]:
    """The schemas worth showing a user: not the system's (``pg_*``, ``information_schema``)."""
    return [name for name in names if not name.startswith("pg_") and name != "information_schema"]


def empty_schema_message(found: DiscoveredSchema, user: str, schemas: Sequence[str], connected: str) -> str:
    """Why a schema with no object the user may access has nothing to migrate: missing, or empty."""
    if found.schema in schemas:
        return f"{found} holds no table or view that user {user} may access"
    visible = visible_schemas(schemas)
    same = [name for name in visible if fold_case(name) == fold_case(found.schema)]
    case_hint = f" (the server keeps the case of quoted names; schema {same[0]} exists)" if same else ""
    if not visible:
        share_hint = SHARE_HINT if found.database != connected else ""
        return f"{found} does not exist or is not visible: user {user} sees no schema in {found.database}{share_hint}"
    return (
        f"{found} does not exist or is not visible to user {user}{case_hint}; "
        f"the schemas of {found.database} it sees: {shown(visible)}"
    )


def no_table_message(found: DiscoveredSchema, mode: SchemaMode, objects: Sequence[SchemaObject]) -> str:
    """Why a schema with objects has nothing to migrate: no base table, or patterns that leave none."""
    names = [item.name for item in objects]
    tables = [item.name for item in objects if item.is_base_table]
    if not tables:
        kinds = sorted({item.table_type for item in objects})
        return f"{found} has no base table, only {len(objects)} object(s) of type {', '.join(kinds)}: {shown(names)}"
    given = (("--include", mode.include), ("--exclude", mode.exclude))
    patterns = " ".join(f"{option} {','.join(values)}" for option, values in given if values)
    return f"{patterns} leave none of the {len(tables)} base table(s) of {found}: {shown(tables)}"


def discover(executor: Executor, retry: RetryPolicy, facts: ClusterFacts, mode: SchemaMode) -> Discovery:
    """Schema mode's rows and what the source schema holds that they do not load; ``ConfigError`` when there is
    nothing to migrate (unless ``mode.allow_empty``)."""
    found = discovered_schema(mode, facts)
    label = f"catalog of {found.database}.{found.schema}"
    read = functools.partial(catalog.schema_objects, executor, mode.secret_name, found.database, found.schema)
    objects = retry.call(label, read)
    if not objects:
        list_schemas = functools.partial(catalog.schema_names, executor, mode.secret_name, found.database)
        return nothing(mode, empty_schema_message(found, facts.user, retry.call(label, list_schemas), facts.database))
    selection = select([item.name for item in objects], mode.include, mode.exclude)
    if selection.left_out:
        logger.info(
            "schema mode: --include/--exclude leave out %d of %d object(s) of %s: %s",
            len(selection.left_out), len(objects), found, ", ".join(map(display_identifier, selection.left_out)),
        )  # fmt: skip
    chosen = set(selection.kept)
    kept = [item for item in objects if item.name in chosen]
    refuse_unknown_types(found, kept)
    not_migrated: tuple[NotMigrated, ...] = ()
    if mode.discover_from is DiscoverFrom.SOURCE:
        not_migrated = tuple(
            NotMigrated(f"{mode.source_schema}.{display_identifier(item.name)}", not_migrated_reason(item.table_type))
            for item in kept
            if not item.is_base_table
        )
    for item in not_migrated:
        logger.warning("%s not migrated: %s", item.table, item.reason)
    tables = [item.name for item in kept if item.is_base_table]
    if not tables:
        return nothing(mode, no_table_message(found, mode, objects), not_migrated)
    return Discovery(schema_rows(replace(mode, target_schema=resolved_target(mode, facts)), tables), not_migrated)


def nothing(mode: SchemaMode, problem: str, not_migrated: tuple[NotMigrated, ...] = ()) -> Discovery:
    """No rows: a warning with ``--allow_empty true``, else ``ConfigError``."""
    message = f"schema mode found nothing to migrate: {problem}"
    if not mode.allow_empty:
        raise ConfigError(f"{message} (--allow_empty true accepts that and migrates nothing)")
    logger.warning("%s; --allow_empty true: the run migrates nothing", message)
    return Discovery([], not_migrated)
