"""What a step makes of a ``--name`` it does not know: a typo of one of its parameters stops the run, anything else
is a warning.

AWS Glue passes a job its own arguments (``GLUE_ARGUMENTS``) and whatever the job's definition adds (a pipeline that
imports the step may read ``--run_date`` or ``--table`` of its own), so an unknown name alone is no error. A name a
typing slip away from one of the step's parameters (``is_typo``: at most two edits, one for a short name, case and
``-``/``_`` aside) is another matter: ``--verify_count true`` or ``--overwrite_mod truncate`` is the user asking for
``--verify_counts`` or ``--overwrite_mode``, and a run that went on would do without it, and say so only in a
warning. So such a name stops the run before anything is read (exit status 2), naming the parameter meant. A name
that is only alike (``closest``: ``difflib``), close only to one of Glue's arguments, or close to nothing, stays a
warning. Names only: a value is never shown (it may be a secret).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from glue_elt.core.params import GLUE_ARGUMENTS, closest, unknown_arguments
from glue_elt.errors import ConfigError


@dataclass(frozen=True)
class UnknownArgument:
    """A ``--name`` that is neither a parameter of the step nor one of Glue's, with what it is close to: one of the
    step's parameters (``meant``: a typo, which stops the run) or else one of Glue's arguments (``glue_meant``)."""

    name: str
    meant: str | None = None
    glue_meant: str | None = None
    alike: str | None = None
    """A parameter of the step the name resembles without being a slip of it (a warning's suggestion)."""

    def warning(self, step: str) -> str:
        """The warning for a name that does not stop the run."""
        if self.alike:
            return f"--{self.name} is not a parameter of {step}; did you mean --{self.alike}?"
        if self.glue_meant:
            return f"--{self.name} is not a parameter of this step; did you mean AWS Glue's --{self.glue_meant}?"
        return f"--{self.name} is not a parameter of {step}; see --help"


def unknown(argv: Sequence[str], parameters: Iterable[str]) -> list[UnknownArgument]:
    """The unknown ``--name`` arguments of a Glue-style ``argv`` (``unknown_arguments``), each with the parameter or
    Glue argument it is close to."""
    names = list(parameters)
    found = []
    for name in unknown_arguments(argv, names):
        alike = closest(name, names)
        if alike is not None and is_typo(name, alike):
            found.append(UnknownArgument(name, alike))
        else:
            found.append(UnknownArgument(name, None, None if alike else closest(name, GLUE_ARGUMENTS), alike))
    return found


def is_typo(name: str, parameter: str) -> bool:
    """Whether ``name`` is a slip of ``parameter``: at most two edits (one when the parameter is shorter than six
    characters), an edit being a character inserted, dropped, changed or two swapped; case and ``-``/``_`` aside."""
    written, meant = (text.lower().replace("-", "_") for text in (name, parameter))
    return edits(written, meant) <= (1 if len(meant) < 6 else 2)


def edits(a: str, b: str) -> int:
    """The optimal-string-alignment distance between ``a`` and ``b`` (Levenshtein's, plus adjacent swaps)."""
    rows = [list(range(len(b) + 1))]
    for i, char in enumerate(a, 1):
        row = [i]
        for j, other in enumerate(b, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (char != other)))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def typo_error(found: Sequence[UnknownArgument], step: str) -> ConfigError | None:
    """The ``ConfigError`` that stops a run given typos of the step's parameters (``None`` when there is none)."""
    typos = [f"--{a.name} (did you mean --{a.meant}?)" for a in found if a.meant]
    if not typos:
        return None
    names = (
        f"{', '.join(typos[:-1])} and {typos[-1]} are not parameters"
        if len(typos) > 1
        else f"{typos[0]} is not a parameter"
    )
    return ConfigError(
        f"{names} of {step}: stopped before reading anything; correct the name{'s' if len(typos) > 1 else ''} "
        "(--help lists the parameters)"
    )
