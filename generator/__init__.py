"""mudump: Monte Carlo event generator for dark-sector searches with muon beams.

    mu N -> mu N S   (CP-even scalar: leptophilic, muonphilic or free couplings)

exact tree-level 2->3 matrix elements integrated and sampled with VEGAS, with the (improved)
Weizsäcker–Williams approximations beside them; experiments (NA64-mu, FNAL muon dump, NA62 and SHiP as
proton dumps, FASERnu2, a muon-collider thin target) as data; LHE, ROOT and HepMC3 output.

Units: GeV for energies and masses, metres for lengths, pb for cross sections, unless a name says
otherwise (``sigma_cm2``, ``length_cm``).

>>> import generator
>>> cs = generator.cross_section(target="Pb", energy=160.0, mass=0.1, coupling=5e-4, method="iww")
>>> round(cs.sigma_pb, -1)
1270.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors; not run
    from .cards import RunConfig, load_card
    from .models import ScalarModel
    from .results import CrossSection
    from .run import generate, run_card, run_config, yields_vs_coupling
    from .scan import scan_config
    from .xsec import Target, cross_section

# Public name -> the submodule that defines it. The submodules are imported on first attribute access
# (PEP 562), so ``import generator.constants`` or ``mudump --version`` loads no numba, vegas or awkward.
_LAZY = {
    "CrossSection": ".results",
    "RunConfig": ".cards",
    "ScalarModel": ".models",
    "Target": ".xsec",
    "cross_section": ".xsec",
    "generate": ".run",
    "load_card": ".cards",
    "run_card": ".run",
    "run_config": ".run",
    "scan_config": ".scan",
    "yields_vs_coupling": ".run",
}

__all__ = [
    "CrossSection",
    "RunConfig",
    "ScalarModel",
    "Target",
    "__version__",
    "cross_section",
    "generate",
    "load_card",
    "run_card",
    "run_config",
    "scan_config",
    "yields_vs_coupling",
]


def __getattr__(name: str) -> object:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return __all__
