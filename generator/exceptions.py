"""Exceptions raised by mudump, written for the person who has to fix the input.

Every message names what was given and what is allowed (DESIGN.md rule 10, STYLE.md item 12). Each
exception subclasses a builtin so that ``except ValueError`` / ``except KeyError`` keep working, as in
*particle* ``exceptions.py``:

- :class:`CardError` (``ValueError``): a run card (or a keyword override of one) is wrong. The message is
  ``"{path}:{line}: {key}: {what was wrong}; expected {what is allowed}"``; the parts are kept as
  attributes so that a CLI or a test can use them.
- :class:`UnphysicalRequest` (``ValueError``): a request that is well formed but that physics refuses
  (a boson mass above the kinematic limit, a beam energy below threshold, ...).
- :class:`UnknownMaterial` (``KeyError``): a material that is not in the data tables; the message lists
  the nearest known names. (An unknown experiment is an :class:`geometry.experiments.ExperimentError`.)
- :class:`CardFileError` (``OSError``): the card file is missing, unreadable or a directory.
- :class:`OutputError` (``OSError``): the output directory cannot take the run (a file in the way, no
  write permission, not enough free space, a full disk or the file-size limit during writing);
  :class:`RunLocked` is the case of another run writing into the same directory right now.
- :class:`RunInterrupted` (``KeyboardInterrupt``): SIGINT or SIGTERM during a run; its partial files
  are removed before it propagates.
- :class:`NotANumber` (``TypeError``): a string, list, ... given to the Python API where a number is
  expected.
- :class:`MissingExtra` (``ImportError``): an optional dependency a request needs is not installed; the
  message names the ``pip install 'mudump[extra]'`` that brings it.

Messages of the file and directory errors are ``"{path}: {problem}; {what to do}"``: one line that the
command line prints as is.

All of them pickle (they cross process boundaries in scans run on local processes or Dask). A leaf
module: it imports nothing of the project but :mod:`generator._hints` (a leaf too); :mod:`geometry`
raises the same classes (``geometry/exceptions.py`` re-exports them).
"""

from __future__ import annotations

from collections.abc import Iterable

from ._hints import did_you_mean

__all__ = ["CardError", "CardFileError", "MissingExtra", "NotANumber", "OutputError", "RunInterrupted",
           "RunLocked", "UnknownMaterial", "UnphysicalRequest"]


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


class UnknownMaterial(KeyError):
    """A material name that is not in ``geometry/data/materials.toml`` (a ``KeyError``).

    The message names the bad value, suggests the nearest names and lists the available materials.

    >>> raise UnknownMaterial("unobtainium", ["lead", "tungsten"])
    Traceback (most recent call last):
    ...
    generator.exceptions.UnknownMaterial: unknown material 'unobtainium'; available: lead, tungsten
    """

    def __init__(self, name: str, available: list[str] | tuple[str, ...]) -> None:
        self.name = name
        self.available = tuple(available)
        names = [a.split(" (")[0] for a in self.available]  # entries may read "lead (Pb)"
        hint = did_you_mean(str(name).lower(), names, n=3)
        super().__init__(f"unknown material {name!r}{hint}; available: {', '.join(self.available)}")

    def __str__(self) -> str:  # KeyError would repr() the message; show it plainly
        return str(self.args[0])

    def __reduce__(self) -> tuple[type[UnknownMaterial], tuple[str, tuple[str, ...]]]:
        return (type(self), (self.name, self.available))


class _PathError(OSError):
    """``"{path}: {problem}; {remedy}"``; the parts are kept as attributes (``OSError.filename`` = path)."""

    def __init__(self, path: object, problem: str, remedy: str) -> None:
        self.path = str(path)
        self.problem = problem
        self.remedy = remedy
        super().__init__(f"{self.path}: {problem}; {remedy}")
        self.filename = self.path

    def __str__(self) -> str:  # OSError would print "[Errno ...]" parts when errno is set
        return f"{self.path}: {self.problem}; {self.remedy}"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.path, self.problem, self.remedy))


class CardFileError(_PathError):
    """A run-card file that does not exist, cannot be read, or is a directory (``OSError``).

    >>> str(CardFileError("run.dat", "no such file", "write one with: mudump card > run.dat"))
    'run.dat: no such file; write one with: mudump card > run.dat'
    """


class OutputError(_PathError):
    """The output directory cannot take the run (``OSError``): a file where a directory is expected, no
    write permission, too little free space, a full disk or the file-size limit (``ulimit -f``).

    >>> str(OutputError("out", "is a file, not a directory", "choose another --output"))
    'out: is a file, not a directory; choose another --output'
    """


class RunLocked(OutputError):
    """Another mudump run is writing into the same output directory (its lock file is held by a live
    process)."""


class RunInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped a run; the run's partial files were removed (``KeyboardInterrupt``).

    ``signum`` is the signal number; the command line exits with ``128 + signum`` (130, 143).
    """

    def __init__(self, signum: int, message: str = "") -> None:
        self.signum = int(signum)
        self.message = message
        super().__init__(signum, message)

    def __str__(self) -> str:
        return self.message or f"interrupted by signal {self.signum}"

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.signum, self.message))


class NotANumber(TypeError):
    """A value of the wrong type where the Python API expects a number (``TypeError``).

    >>> str(NotANumber("energy", "160", "a number > 0 (GeV)"))
    "energy = '160' is a str, not a number; expected a number > 0 (GeV)"
    """

    def __init__(self, name: str, value: object, expected: str, kind: str = "a number") -> None:
        self.name = name
        self.value = value
        self.expected = expected
        self.kind = kind
        super().__init__(f"{name} = {value!r} is a {type(value).__name__}, not {kind}; expected {expected}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.name, self.value, self.expected, self.kind))


class MissingExtra(ImportError):
    """An optional dependency is not installed (``ImportError``); ``extra`` is mudump's extra that has it.

    >>> str(MissingExtra("dask", ["distributed"], "--dask-local"))
    "--dask-local needs distributed, which is not installed: pip install 'mudump[dask]'"
    """

    def __init__(self, extra: str, modules: Iterable[str], what: str) -> None:
        self.extra = extra
        self.modules = tuple(modules)
        self.what = what
        names = " and ".join(self.modules)
        super().__init__(f"{what} needs {names}, which {'is' if len(self.modules) == 1 else 'are'} not installed: "
                         f"pip install 'mudump[{extra}]'")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.extra, self.modules, self.what))
