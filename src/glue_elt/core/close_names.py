"""The names closest to a name that is not found, for a "did you mean" hint: a parameter, a column, a schema, a
table, a secret.

Closeness is ``difflib``'s ratio (``get_close_matches``, its default cut-off 0.6), ignoring case, so ``Dry_Run`` is
as close to ``dry_run`` as ``dry_run`` itself; each candidate is returned as it is written.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_matches(name: str, candidates: Iterable[str], n: int = 1) -> list[str]:
    """Up to ``n`` of ``candidates`` closest to ``name``, closest first, ignoring case."""
    by_folded = {candidate.lower(): candidate for candidate in candidates}
    return [by_folded[match] for match in difflib.get_close_matches(name.lower(), list(by_folded), n=n)]
