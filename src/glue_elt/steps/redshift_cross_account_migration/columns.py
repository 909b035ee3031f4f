"""Which columns a row loads, source against target, and what would not fit: decided before any write.

Type, length and column drift are the loader failures users report most often (aws/aws-sdk-pandas#1173, #529,
#1314, #2948, #3144); found mid-load, they fail table after table with "value too long". Here they are found in
the catalog the inspection already read (``SVV_REDSHIFT_COLUMNS``, one query per cluster):

- without ``source_columns`` the load copies the columns both tables have, in the target's order; source columns
  the target lacks are left out (and said so), target columns the source lacks are left to the database (their
  default, their IDENTITY, or NULL), unless they are ``NOT NULL`` without a default (a warning when the catalog's
  ``is_nullable`` is empty, "no information");
- with ``source_columns`` (and ``target_columns`` when the target names them otherwise) each pair must exist; a
  column both tables have that the list leaves out is reported as such (``left_out``), not as one the target lacks
  (``missing``) and one the source lacks (``extra``) at once;
- every pair's types are compared (``glue_elt.redshift.types``): another kind of value is refused, a narrower
  target (a ``VARCHAR`` into a ``CHAR`` too: Redshift's ``CHAR`` holds single-byte characters only) too unless
  ``--allow_narrowing``, one line per column;
- an IDENTITY column of the target is never written: Redshift generates its values and refuses others
  (dg/r_CREATE_TABLE_NEW.html), so a target IDENTITY column the source also has refuses the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from glue_elt.redshift.catalog import Column
from glue_elt.redshift.names import Identifier, display_identifier
from glue_elt.redshift.nearby import closest
from glue_elt.redshift.types import Fit, compare, narrowing_reason
from glue_elt.steps.redshift_cross_account_migration.model import MigrationPlan
from glue_elt.steps.redshift_cross_account_migration.results import SchemaReport, TypeDifference


@dataclass(frozen=True)
class ColumnPlan:
    """The columns a row selects from the source and inserts into the target (pairwise), why the row is refused
    (``problems``; empty when it may run), what is worth a warning, and the report for the summary."""

    source: tuple[Identifier, ...]
    target: tuple[Identifier, ...]
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    report: SchemaReport = SchemaReport()  # noqa: RUF009 (frozen, so one shared default is safe)


def plan_columns(
    plan: MigrationPlan,
    source: Sequence[Column],
    target: Sequence[Column],
    target_label: str,
    *,
    allow_narrowing: bool = False,
) -> ColumnPlan:
    """Pair the row's source and target columns and check each pair (see the module docstring)."""
    sources = {column.name: column for column in source}
    targets = {column.name: column for column in target}
    problems: list[str] = []
    if plan.columns is not None:
        named = plan.target_columns or plan.columns
        pairs = list(zip((c.name for c in plan.columns), (c.name for c in named)))
        problems += [f"source column {display_identifier(s)} does not exist" for s, _ in pairs if s not in sources]
        problems += [
            f"{target_label}.{display_identifier(t)} does not exist (target column for source column "
            f"{display_identifier(s)})"
            for s, t in pairs
            if t not in targets
        ]
        pairs = [(s, t) for s, t in pairs if s in sources and t in targets]
        extra = [name for name in sources if name not in {s for s, _ in pairs}]
    else:
        pairs = [(column.name, column.name) for column in target if column.name in sources]
        extra = [name for name in sources if name not in targets]
    loaded = {t for _, t in pairs}
    unfilled = [column for column in target if column.name not in loaded]
    problems += [
        f"{target_label}.{display_identifier(column.name)} is NOT NULL without a default, and the load does not "
        "fill it (the source has no such column)"
        for column in unfilled
        if column.filled_by_database is False
    ]
    problems += [
        f"{target_label}.{display_identifier(t)} is an IDENTITY column: Redshift generates its values and refuses "
        f"the source's {display_identifier(s)} (leave it out with source_columns)"
        for s, t in pairs
        if targets[t].identity
    ]
    problems += _key_problems(plan, {s for s, _ in pairs})
    narrower, mismatched, unknown = _differences(pairs, sources, targets)
    for difference in narrower:
        text = _narrower_text(target_label, difference)
        if not allow_narrowing:
            problems.append(text + " (--allow_narrowing true loads it anyway)")
    problems += [_mismatch_text(target_label, difference) for difference in mismatched]
    warnings = [_narrower_text(target_label, d) for d in narrower] if allow_narrowing else []
    warnings += [
        f"{target_label}.{display_identifier(d.column)} is {d.target_type}, the source's is {d.source_type}: "
        "glue-elt cannot compare them; the server converts or refuses the values"
        for d in unknown
    ]
    warnings += [
        f"the catalog does not say whether {target_label}.{display_identifier(column.name)} allows NULL (is_nullable "
        "is empty) and the load does not fill it: if it is NOT NULL, the server refuses the row"
        for column in unfilled
        if column.filled_by_database is None
    ]
    if extra and plan.columns is None:
        shown = ", ".join(display_identifier(name) for name in extra)
        warnings.append(f"source column(s) {shown} have no column in {target_label} and are not loaded")
    report = SchemaReport(
        missing=tuple(column.name for column in unfilled if column.name not in sources),
        extra=tuple(name for name in extra if name not in targets),
        narrower=tuple(narrower),
        mismatched=tuple(mismatched),
        left_out=tuple(_left_out(unfilled, extra, sources, targets)),
    )
    return ColumnPlan(
        source=tuple(Identifier(s) for s, _ in pairs),
        target=tuple(Identifier(t) for _, t in pairs),
        problems=tuple(problems),
        warnings=tuple(warnings),
        report=report,
    )


def _left_out(
    unfilled: list[Column], extra: list[str], sources: dict[str, Column], targets: dict[str, Column]
) -> list[str]:
    """Names both tables have whose target column the load leaves to the database or whose source column it does
    not read (a row's ``source_columns`` that leaves them out): the target's order, then the source's."""
    names = [column.name for column in unfilled if column.name in sources]
    return names + [name for name in extra if name in targets and name not in names]


def _differences(
    pairs: list[tuple[str, str]], sources: dict[str, Column], targets: dict[str, Column]
) -> tuple[list[TypeDifference], list[TypeDifference], list[TypeDifference]]:
    found: dict[Fit, list[TypeDifference]] = {Fit.NARROWER: [], Fit.MISMATCH: [], Fit.UNKNOWN: []}
    for s, t in pairs:
        source_type, target_type = sources[s].type, targets[t].type
        fit = compare(source_type, target_type)
        if fit is not Fit.FITS:
            reason = narrowing_reason(source_type, target_type)
            found[fit].append(TypeDifference(t, s, str(source_type), str(target_type), reason))
    return found[Fit.NARROWER], found[Fit.MISMATCH], found[Fit.UNKNOWN]


def _narrower_text(target_label: str, difference: TypeDifference) -> str:
    return (
        f"{target_label}.{display_identifier(difference.column)} is {difference.target_type}, the source's is "
        f"{difference.source_type}: {difference.reason}"
    )


def _mismatch_text(target_label: str, difference: TypeDifference) -> str:
    return (
        f"{target_label}.{display_identifier(difference.column)} is {difference.target_type}, the source's is "
        f"{difference.source_type}: another kind of value"
    )


def _key_problems(plan: MigrationPlan, loaded: set[str]) -> list[str]:
    """Merge keys and the watermark must be loaded columns (the load compares them in both tables); a name close to
    one of those (``yeer``: ``year``) is suggested."""
    named = [("merge_keys", key) for key in plan.merge_keys]
    named += [("watermark_column", plan.watermark)] if plan.watermark is not None else []
    problems = []
    for what, column in named:
        if column.name not in loaded:
            meant = closest(column.name, loaded)
            hint = f" (did you mean {display_identifier(meant)}?)" if meant else ""
            problems.append(f"{what} {display_identifier(column.name)} is not a column of both tables{hint}")
    return problems


def created_columns(plan: MigrationPlan, source: Sequence[Column]) -> list[Column]:
    """The columns of a target created for the row: the loaded source columns (all of them without
    ``source_columns``), in the source's order unless the row lists them, named as the target names them, with
    their types and ``NOT NULL`` (no default: the values are copied as they are)."""
    if plan.columns is None:
        return [_renamed(column, column.name) for column in source]
    sources = {column.name: column for column in source}
    named = plan.target_columns or plan.columns
    return [_renamed(sources[s.name], t.name) for s, t in zip(plan.columns, named) if s.name in sources]


def _renamed(column: Column, name: str) -> Column:
    """``column`` named ``name``, without its default."""
    return Column(name, column.data_type, column.nullable, None, column.distkey, column.sortkey)
