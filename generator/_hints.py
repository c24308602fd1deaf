"""The "did you mean ...?" hint of error messages, in one place (DESIGN.md rule 10).

A name that is not among the valid ones (a card key, a model, a material, an experiment) is reported
with the nearest valid names by :func:`difflib.get_close_matches` (ratio of matching characters
``2 M / T`` >= ``cutoff``; Ratcliff/Obershelp "gestalt pattern matching")::

    did_you_mean("mas", ["mass", "seed"])  ->  " (did you mean 'mass'?)"
    did_you_mean("zzz", ["mass", "seed"])  ->  ""

Leaf module: standard library only, so exceptions, cards and geometry can all import it.

References: J. W. Ratcliff and D. E. Metzener, "Pattern Matching: the Gestalt Approach", Dr. Dobb's
Journal 13 (1988) 46 (the algorithm of :mod:`difflib`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

__all__ = ["did_you_mean", "nearest"]


def nearest(name: str, choices: Iterable[str], *, n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The up to ``n`` choices closest to ``name`` (best first), those with similarity >= ``cutoff``.

    >>> nearest("tungstn", ["tungsten", "lead"])
    ['tungsten']
    """
    return difflib.get_close_matches(str(name), [str(c) for c in choices], n=n, cutoff=cutoff)


def did_you_mean(
    name: str,
    choices: Iterable[str],
    *,
    n: int = 1,
    cutoff: float = 0.6,
    show: Callable[[str], str] = str,
) -> str:
    """``" (did you mean 'x'?)"`` naming the choice(s) nearest to ``name``, or ``""`` if none is close.

    Parameters
    ----------
    name : str
        The unknown name as the user wrote it.
    choices : iterable of str
        The valid names.
    n : int
        At most this many suggestions (``" (did you mean 'a', 'b'?)"``).
    cutoff : float
        Minimum :class:`difflib.SequenceMatcher` ratio in [0, 1] for a suggestion.
    show : callable
        Maps a suggested choice to the text shown, e.g. a key to its dotted path (default: as is).

    >>> did_you_mean("mas", ["mass", "seed"])
    " (did you mean 'mass'?)"
    >>> did_you_mean("zzz", ["mass", "seed"])
    ''
    """
    near = nearest(name, choices, n=n, cutoff=cutoff)
    if not near:
        return ""
    return f" (did you mean {', '.join(repr(show(c)) for c in near)}?)"
