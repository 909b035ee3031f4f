"""Schema mode's parameters and settings: which schema's tables become rows, read from where.

``--discover_from target`` (the default) makes one row per base table of ``--target_schema``;
``--discover_from source`` one per base table of ``--source_schema`` as the consumer sees it through the data
share, each into the table of the same name in ``--target_schema``. ``--include`` / ``--exclude`` select tables
by shell-style patterns on their names; a run that finds nothing to migrate stops (exit 2) unless
``--allow_empty true``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from glue_elt.core.param_fields import given, read_settings, setting
from glue_elt.core.params import Param, TextEnum, boolean, choice
from glue_elt.errors import ConfigError, ValidationError
from glue_elt.redshift.names import Identifier, parse_column_list, parse_schema_name
from glue_elt.steps import shared_params
from glue_elt.steps.redshift_cross_account_migration.model import LoadType, parse_load_type


class DiscoverFrom(TextEnum):
    """Where schema mode finds its tables: the target schema (the seed's behaviour) or the source schema."""

    TARGET = "target"
    SOURCE = "source"


def patterns(name: str, value: str) -> tuple[str, ...]:
    """Comma-separated shell-style patterns (``orders_*, dim_?``); blanks around each are dropped."""
    found = tuple(part.strip() for part in value.split(",") if part.strip())
    if not found:
        raise ConfigError(f"--{name} {value!r} names no pattern")
    return found


SOURCE_SCHEMA: Param[str | None] = Param(
    "source_schema",
    "schema mode: source schema, one or two parts (e.g. shared_db.sales)",
    doc="schema mode: source schema, one or two parts",
    example="shared_db.sales",
)
TARGET_SCHEMA: Param[str | None] = Param(
    "target_schema",
    "schema mode: the schema whose tables are loaded (with --discover_from target, every base table of it)",
    doc="schema mode: the schema whose tables are loaded (with `--discover_from target`, every base table of it)",
    example="sales",
)
SECRET_NAME = shared_params.SECRET_NAME.qualified("schema mode")
DISCOVER_FROM = Param(
    "discover_from",
    "schema mode: find the tables in the target schema (target) or in the source schema through the share (source)",
    DiscoverFrom.TARGET,
    choice(DiscoverFrom),
    doc=(
        "schema mode: `target` makes a row for every base table of `--target_schema`; `source` one for every base"
        " table of `--source_schema` as the consumer sees it through the data share (views and external tables are"
        " reported as not migrated; an object of a type the catalog's documentation does not list stops the run)"
    ),
    example="source",
)
INCLUDE: Param[tuple[str, ...]] = Param(
    "include",
    "schema mode: only tables whose names match one of these comma-separated shell-style patterns",
    (),
    patterns,
    shown_default="",
    doc=(
        "schema mode: only the tables whose names match one of these comma-separated shell-style patterns (`*`, `?`,"
        " `[abc]`; case-sensitive, on the names as the catalog spells them: lower case on Redshift by default)"
    ),
    example="orders*,customers",
)
EXCLUDE: Param[tuple[str, ...]] = Param(
    "exclude",
    "schema mode: leave out tables whose names match one of these comma-separated shell-style patterns",
    (),
    patterns,
    shown_default="",
    doc="schema mode: leave out the tables whose names match one of these patterns (after `--include`)",
    example="tmp_*,*_backup",
)
ALLOW_EMPTY = Param(
    "allow_empty",
    "schema mode: a schema that is missing or has nothing to migrate is a warning, not exit 2",
    False,
    boolean,
    doc=(
        "schema mode: a schema that is missing, or has no table to migrate (after `--include`/`--exclude`),"
        " logs a warning and exits 0 instead of stopping the run with exit 2"
    ),
    example="true",
)
LOAD_TYPE = Param(
    "load_type",
    "schema mode: append, overwrite, incremental or upsert",
    "append",
    doc="schema mode: `append`, `overwrite`, `incremental` or `upsert`",
    example="upsert",
)
MERGE_KEYS = Param(
    "merge_keys",
    "schema mode, load_type upsert: comma-separated key columns",
    "",
    doc="schema mode, `upsert`: key columns",
    example="id,region",
)
WATERMARK_COLUMN = Param(
    "watermark_column",
    "schema mode, load_type incremental: the column whose values only grow",
    "",
    doc="schema mode, `incremental`: the column whose values only grow",
    example="updated_at",
)
CHUNK_COLUMN = Param(
    "chunk_column",
    "schema mode, with --chunk_rows: the column to cut big tables by, for the tables that have it",
    "",
    doc=(
        "schema mode, with `--chunk_rows`: the column big tables are loaded in ranges of, for the tables that have"
        " it; the others use their leading sort key column where the catalog shows one, else load whole (the log"
        " says why)"
    ),
    example="order_date",
)

SCHEMA_PARAMETERS = (
    SOURCE_SCHEMA,
    TARGET_SCHEMA,
    SECRET_NAME,
    DISCOVER_FROM,
    INCLUDE,
    EXCLUDE,
    ALLOW_EMPTY,
    LOAD_TYPE,
    MERGE_KEYS,
    WATERMARK_COLUMN,
    CHUNK_COLUMN,
)
"""Schema mode's parameters, in the order help and the docs list them."""
SCHEMA_MODE_PARAMS = tuple(p.name for p in (SOURCE_SCHEMA, TARGET_SCHEMA, SECRET_NAME))
"""The parameters any of which chooses schema mode, and all of which it needs."""
ONLY_SCHEMA_MODE = tuple(
    p.name for p in (DISCOVER_FROM, INCLUDE, EXCLUDE, ALLOW_EMPTY, MERGE_KEYS, WATERMARK_COLUMN, CHUNK_COLUMN)
)
"""Parameters that mean nothing in config file mode (refused there, so a mistake is not silently ignored)."""


@dataclass(frozen=True)
class SchemaMode:
    """Rows are base tables of ``target_schema`` (or of ``source_schema``, ``discover_from`` source), loaded
    from the same-named tables of ``source_schema``. Each field is a parameter declared above
    (``glue_elt.core.param_fields``); ``read_schema_mode`` checks the first six together."""

    source_schema: str = given(SOURCE_SCHEMA)
    target_schema: Identifier = given(TARGET_SCHEMA)
    secret_name: str = given(SECRET_NAME)
    load_type: str = given(LOAD_TYPE)
    merge_keys: str = given(MERGE_KEYS)
    watermark_column: str = given(WATERMARK_COLUMN)
    discover_from: DiscoverFrom = setting(DISCOVER_FROM)
    include: tuple[str, ...] = setting(INCLUDE)
    exclude: tuple[str, ...] = setting(EXCLUDE)
    allow_empty: bool = setting(ALLOW_EMPTY)
    chunk_column: str = setting(CHUNK_COLUMN)


def read_schema_mode(get: Callable[[str], str | None]) -> SchemaMode:
    """Schema mode from ``get(name)``; ``ConfigError`` when a value is unusable or one of the three is missing."""
    values = {name: get(name) for name in SCHEMA_MODE_PARAMS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError(f"schema mode needs {', '.join('--' + m for m in missing)} as well")
    source, target, secret = (values[name] or "" for name in SCHEMA_MODE_PARAMS)
    load_type, merge_keys, watermark = LOAD_TYPE.read(get), MERGE_KEYS.read(get), WATERMARK_COLUMN.read(get)
    try:
        parse_schema_name(source, "--source_schema", max_parts=2)
        (target_schema,) = parse_schema_name(target, "--target_schema", max_parts=1)
        kind = parse_load_type(load_type)
        if kind is LoadType.INCREMENTAL and not watermark:
            raise ValidationError("schema mode with --load_type incremental needs --watermark_column")
        if kind is LoadType.UPSERT and not merge_keys:
            raise ValidationError("schema mode with --load_type upsert needs --merge_keys")
        if merge_keys:
            parse_column_list(merge_keys, "--merge_keys")
        if watermark:
            parse_column_list(watermark, "--watermark_column")
        chunk_column = CHUNK_COLUMN.read(get)
        if chunk_column and len(parse_column_list(chunk_column, "--chunk_column")) != 1:
            raise ValidationError(f"--chunk_column {chunk_column!r} must name one column")
    except ValidationError as error:
        raise ConfigError(str(error)) from None
    return read_settings(
        SchemaMode,
        get,
        source_schema=source.strip(),
        target_schema=target_schema,
        secret_name=secret.strip(),
        load_type=load_type,
        merge_keys=merge_keys,
        watermark_column=watermark,
    )
