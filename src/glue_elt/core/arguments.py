"""What a step makes of a ``--name`` it does not know: a typo of one of its parameters stops the run, anything else
is a warning.

AWS Glue passes a job its own arguments (``GLUE_ARGUMENTS``) and whatever the job's definition adds, so an unknown
name alone is no error. A name close to one of the step's parameters (``closest``: ``difflib``, ignoring case) is
another matter: ``--verify_count true`` or ``--overwrite_mod truncate`` is the user asking for ``--verify_counts`` or
``--overwrite_mode``, and a run that went on would do without it, and say so only in a warning. So such a name stops
the run before anything is read (exit status 2), naming the parameter meant. A name close only to one of Glue's
arguments, or close to nothing, stays a warning. Names only: a value is never shown (it may be a secret).
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

    def warning(self, step: str) -> str:
        """The warning for a name that does not stop the run."""
        if self.glue_meant:
            return f"--{self.name} is not a parameter of this step; did you mean AWS Glue's --{self.glue_meant}?"
        return f"--{self.name} is not a parameter of {step}; see --help"


def unknown(argv: Sequence[str], parameters: Iterable[str]) -> list[UnknownArgument]:
    """The unknown ``--name`` arguments of a Glue-style ``argv`` (``unknown_arguments``), each with the parameter or
    Glue argument it is close to."""
    names = list(parameters)
    found = []
    for name in unknown_arguments(argv, names):
        meant = closest(name, names)
        found.append(UnknownArgument(name, meant, None if meant else closest(name, GLUE_ARGUMENTS)))
    return found


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
