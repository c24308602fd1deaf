"""mudump's optional dependencies (the ``pyproject.toml`` extras), checked before the work that needs them.

``missing("plots")`` lists the modules of an extra that are not installed, without importing any (a
Dask or matplotlib import costs a second); :func:`require` raises :class:`MissingExtra`, whose message is
the one line a user needs: what needs it and ``pip install 'mudump[extra]'``.

Leaf module: standard library and :mod:`generator.exceptions` only.
"""

from __future__ import annotations

import importlib.util
import sys

from .exceptions import MissingExtra

__all__ = ["EXTRAS", "missing", "require"]

#: Extra -> the modules it brings that mudump imports (pyproject.toml [project.optional-dependencies]).
EXTRAS: dict[str, tuple[str, ...]] = {
    "plots": ("matplotlib", "mplhep"),
    "dask": ("dask", "distributed"),
    "pythia": ("pythia8mc",),
}


def _installed(module: str) -> bool:
    if module in sys.modules:
        return sys.modules[module] is not None  # None: its import is blocked
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that are not installed (empty when it is).

    >>> missing("no such extra")
    Traceback (most recent call last):
    KeyError: "unknown extra 'no such extra'; mudump's extras: plots, dask, pythia"
    """
    if extra not in EXTRAS:
        raise KeyError(f"unknown extra {extra!r}; mudump's extras: {', '.join(EXTRAS)}")
    return [m for m in EXTRAS[extra] if not _installed(m)]


def require(extra: str, what: str) -> None:
    """Raise :class:`MissingExtra` naming ``what`` and ``pip install 'mudump[extra]'`` if ``extra`` is missing."""
    absent = missing(extra)
    if absent:
        raise MissingExtra(extra, absent, what)
