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

__version__ = "0.1.0"

from .cards import RunConfig, load_card
from .models import ScalarModel
from .results import CrossSection
from .run import generate, run_card, run_config, yields_vs_coupling
from .xsec import Target, cross_section

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
    "yields_vs_coupling",
]


def __dir__() -> list[str]:
    return __all__
