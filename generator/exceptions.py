"""Exceptions raised by mudump, written for the person who has to fix the input.

Every message names what was given and what is allowed (DESIGN.md rule 10, STYLE.md item 12). Each
exception subclasses a builtin so that ``except ValueError`` / ``except KeyError`` keep working, as in
*particle* ``exceptions.py``:

- :class:`CardError` (``ValueError``): a run card (or a keyword override of one) is wrong. The message is
  ``"{path}:{line}: {key}: {what was wrong}; expected {what is allowed}"``; the parts are kept as
  attributes so that a CLI or a test can use them.
- :class:`UnphysicalRequest` (``ValueError``): a request that is well formed but that physics refuses
  (a boson mass above the kinematic limit, a beam energy below threshold, ...).
- :class:`UnknownMaterial`, :class:`UnknownExperiment` (``KeyError``): a name that is not in the data
  tables; the message lists the nearest known names.

All of them pickle (they cross process boundaries in scans run on local processes or Dask).
"""

from __future__ import annotations

from collections.abc import Iterable

from generator._hints import did_you_mean
from geometry.exceptions import UnknownMaterial  # one class for the whole project

__all__ = ["CardError", "UnknownExperiment", "UnknownMaterial", "UnphysicalRequest"]


class CardError(ValueError):
    """A run card, or a keyword override of one, that cannot be turned into a valid configuration.

    The message reads ``"{path}:{line}: {key}: {problem}; expected {expected}"``. When there is no line
    (a keyword override, a missing key, a configuration built in Python) the ``:{line}`` part is left
    out, and when the error is not about one key the ``{key}:`` part is left out.

    Parameters
    ----------
    path : str
        The card file (or ``"<string>"``, ``"<python>"`` when there is no file).
    line : int or None
        1-based line number in ``path``, or None.
    key : str or None
        The card key the error is about, or None.
    problem : str
        What was wrong, including the offending value.
    expected : str
        What is allowed (type, range, choices, or the nearest valid key).

    >>> str(CardError("run.dat", 7, "mass", "mass = -1.0 GeV is negative", "a number > 0 (GeV)"))
    'run.dat:7: mass: mass = -1.0 GeV is negative; expected a number > 0 (GeV)'
    """

    def __init__(self, path: str, line: int | None, key: str | None, problem: str, expected: str) -> None:
        self.path = str(path)
        self.line = line
        self.key = key
        self.problem = problem
        self.expected = expected
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = self.problem if self.key is None else f"{self.key}: {self.problem}"
        return f"{where}: {what}; expected {self.expected}"

    def __reduce__(self) -> tuple[type[CardError], tuple[str, int | None, str | None, str, str]]:
        return (type(self), (self.path, self.line, self.key, self.problem, self.expected))


class UnphysicalRequest(ValueError):
    """A well-formed request that physics refuses, raised before any work starts.

    Parameters
    ----------
    reason : str
        Why the request is refused, with the numbers, e.g.
        ``"m_S = 200 GeV is above the kinematic limit E - m_mu = 159.89 GeV"``.
    name : str, optional
        The quantity at fault (``"mass"``, ``"beam_energy"``, ...).
    value : object, optional
        Its value.
    allowed : str, optional
        What would be accepted, e.g. ``"0 < mass < 159.89 GeV"``.

    >>> str(UnphysicalRequest("above the kinematic limit", name="mass", value=200.0,
    ...                       allowed="0 < mass < 159.89 GeV"))
    'mass = 200.0: above the kinematic limit; require 0 < mass < 159.89 GeV'
    """

    def __init__(
        self, reason: str, *, name: str | None = None, value: object = None, allowed: str | None = None
    ) -> None:
        self.reason = reason
        self.name = name
        self.value = value
        self.allowed = allowed
        message = reason if name is None else f"{name} = {value}: {reason}"
        if allowed is not None:
            message += f"; require {allowed}"
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_unphysical, (self.reason, self.name, self.value, self.allowed))


def _rebuild_unphysical(
    reason: str, name: str | None, value: object, allowed: str | None
) -> UnphysicalRequest:
    return UnphysicalRequest(reason, name=name, value=value, allowed=allowed)


class _UnknownName(KeyError):
    """A name not found among the known ones; the message suggests the nearest."""

    _what = "name"

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(name)

    def __str__(self) -> str:  # KeyError would show repr(args), which is not for people
        hint = did_you_mean(self.name, self.known, n=3)
        return f"unknown {self._what} {self.name!r}{hint}; known: {', '.join(self.known) or '(none)'}"

    def __reduce__(self) -> tuple[type[_UnknownName], tuple[str, tuple[str, ...]]]:
        return (type(self), (self.name, self.known))


class UnknownExperiment(_UnknownName):
    """An experiment with no ``geometry/experiments/<name>.toml`` file (``KeyError``).

    >>> str(UnknownExperiment("na64", ["na64mu", "ship"]))
    "unknown experiment 'na64' (did you mean 'na64mu'?); known: na64mu, ship"
    """

    _what = "experiment"
