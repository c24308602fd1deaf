"""mudump: Monte Carlo generator for dark-sector searches with muon beams.

Units: GeV for energies and masses, metres for lengths, pb for cross sections,
unless a name says otherwise (``sigma_cm2``, ``length_cm``).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]


def __dir__() -> list[str]:
    return __all__
