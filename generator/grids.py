r"""The (m, g) grids of a scan, read from the run card's ``scan_*`` keys (a leaf module: numpy only).

Masses (``scan_masses``, GeV) are either a comma-separated list or a range ``lo:hi:n`` with an
optional spacing, ``lin`` or ``log`` (default ``log``)::

    0.01, 0.02, 0.05, 0.1      = scan_masses     ! a list
    0.01:0.2:40                = scan_masses     ! 40 masses, log-spaced from 10 to 200 MeV
    0.01:0.2:40:lin            = scan_masses     ! 40 masses, evenly spaced

Couplings (``scan_couplings``) are always log-spaced, ``lo:hi:n``: the count N(g) spans many decades
(N ~ g^2 where the boson is long-lived, N ~ g^2 exp(-c g^2) where it decays before the volume).

Both ends are included. Errors are ``ValueError`` naming the text and what is allowed; the card turns
them into a ``CardError`` with file and line.

>>> [round(m, 6) for m in parse_masses("0.01:0.1:3")]
[0.01, 0.031623, 0.1]
>>> [f"{g:.3g}" for g in parse_couplings("1e-6:1e-2:5")]
['1e-06', '1e-05', '0.0001', '0.001', '0.01']
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["parse_couplings", "parse_masses", "parse_names"]

_MASS_FORMS = "a comma-separated list of masses in GeV, or lo:hi:n[:lin|log] (e.g. 0.01:0.2:40)"
_COUPLING_FORMS = "lo:hi:n, log-spaced couplings with 0 < lo < hi (e.g. 1e-6:1e-2:100)"


def _number(text: str, what: str, forms: str) -> float:
    t = text.strip().replace("d", "e").replace("D", "e")
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"{what} {text.strip()!r} is not a number; require {forms}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} {text.strip()!r} is not finite; require {forms}")
    return value


def _range(text: str, forms: str, spacings: tuple[str, ...]) -> tuple[float, ...]:
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (3, 4):
        raise ValueError(f"{text!r} is not a range; require {forms}")
    lo = _number(parts[0], "lower end", forms)
    hi = _number(parts[1], "upper end", forms)
    try:
        n = int(parts[2])
    except ValueError:
        raise ValueError(f"number of points {parts[2]!r} in {text!r} is not an integer; require {forms}") from None
    spacing = parts[3].lower() if len(parts) == 4 else "log"
    if spacing not in spacings:
        raise ValueError(f"spacing {parts[3]!r} in {text!r} is not allowed; require one of {', '.join(spacings)}")
    if not 0 < lo < hi:
        raise ValueError(f"{text!r} has lo = {lo:g}, hi = {hi:g}; require 0 < lo < hi ({forms})")
    if not 2 <= n <= 100_000:
        raise ValueError(f"{text!r} asks for {n} points; require 2 <= n <= 100000")
    grid = np.geomspace(lo, hi, n) if spacing == "log" else np.linspace(lo, hi, n)
    grid[0], grid[-1] = lo, hi  # exact ends
    return tuple(float(v) for v in grid)


def parse_masses(text: str) -> tuple[float, ...]:
    """Masses in GeV from a list (``"0.01, 0.05"``) or a range (``"lo:hi:n[:lin|log]"``), sorted, unique."""
    text = text.strip()
    if ":" in text:
        masses = _range(text, _MASS_FORMS, ("lin", "log"))
    else:
        items = text.split(",")
        if not text or any(not i.strip() for i in items):
            raise ValueError(f"{text!r} has an empty entry; require {_MASS_FORMS}")
        masses = tuple(_number(i, "mass", _MASS_FORMS) for i in items)
        bad = [m for m in masses if not m > 0]
        if bad:
            raise ValueError(f"mass {bad[0]:g} GeV in {text!r}; require masses > 0 ({_MASS_FORMS})")
        if len(set(masses)) != len(masses):
            raise ValueError(f"{text!r} repeats a mass; require each mass once")
    return tuple(sorted(masses))


def parse_couplings(text: str) -> tuple[float, ...]:
    """Log-spaced couplings from ``"lo:hi:n"`` (both ends included)."""
    return _range(text.strip(), _COUPLING_FORMS, ("log",))


def parse_names(text: str) -> tuple[str, ...]:
    """A comma-separated list of names (models, experiments), stripped; no empty or repeated entry."""
    items = [i.strip().strip("'\"") for i in text.split(",")]
    if not items or any(not i for i in items):
        raise ValueError(f"{text!r} has an empty entry; require a comma-separated list of names")
    if len(set(items)) != len(items):
        raise ValueError(f"{text!r} repeats an entry; require each name once")
    return tuple(items)
