"""Physical constants and unit conversions, in mudump's units (GeV, m, pb).

Particle masses, lifetimes and PDG ids come from ``particle`` (PDG data), the fine-structure constant
from CODATA via ``scipy.constants``; nothing is retyped. ``hepunits`` works in MeV and mm, so it is
converted here, once.

References: PDG Review of Particle Physics (via ``particle``); CODATA 2018 (via ``scipy.constants``).
"""

from __future__ import annotations

import hepunits
import scipy.constants
from particle import Particle

#: Fine-structure constant at q^2 = 0 (CODATA), 1/137.036.
ALPHA_EM: float = float(scipy.constants.fine_structure)
#: hbar*c in GeV*m (hepunits gives MeV*mm).
HBARC_GEV_M: float = float(hepunits.hbarc / (hepunits.GeV * hepunits.m))
#: Conversion 1 GeV^-2 -> pb  (hbar c)^2 = 0.38938 mb GeV^2.
GEV2_TO_PB: float = float((hepunits.hbarc / hepunits.GeV) ** 2 / hepunits.picobarn)
#: Conversion 1 GeV^-2 -> cm^2.
GEV2_TO_CM2: float = float((hepunits.hbarc / hepunits.GeV) ** 2 / hepunits.cm2)
#: Conversion 1 pb -> cm^2.
PB_TO_CM2: float = float(hepunits.picobarn / hepunits.cm2)
#: Atomic mass unit in GeV (CODATA).
AMU_GEV: float = float(
    scipy.constants.physical_constants["atomic mass constant energy equivalent in MeV"][0] / 1e3
)
#: Avogadro's number, mol^-1.
AVOGADRO: float = float(scipy.constants.Avogadro)


def _mass_gev(pdgid: int) -> float:
    return float(Particle.from_pdgid(pdgid).mass) / 1e3


PDG_ELECTRON, PDG_MUON, PDG_TAU, PDG_PHOTON, PDG_PROTON = 11, 13, 15, 22, 2212
#: Lepton masses in GeV (PDG via ``particle``).
M_E: float = _mass_gev(PDG_ELECTRON)
M_MU: float = _mass_gev(PDG_MUON)
M_TAU: float = _mass_gev(PDG_TAU)
#: Proton mass in GeV.
M_P: float = _mass_gev(PDG_PROTON)
#: tau proper decay length c*tau in metres (PDG via ``particle``, which gives mm).
CTAU_TAU_M: float = float(Particle.from_pdgid(PDG_TAU).ctau) / 1e3

#: Lepton masses by flavour name.
LEPTON_MASSES: dict[str, float] = {"e": M_E, "mu": M_MU, "tau": M_TAU}
#: Lepton PDG ids by flavour name (particle, i.e. negative charge).
LEPTON_PDG: dict[str, int] = {"e": PDG_ELECTRON, "mu": PDG_MUON, "tau": PDG_TAU}

#: PDG Monte Carlo id used for the CP-even dark scalar S (a generic "Higgs-like" neutral scalar slot).
PDG_DARK_SCALAR: int = 9000006
#: PDG Monte Carlo id used for the LFV axion-like particle a.
PDG_ALP: int = 9000005
#: PDG Monte Carlo id used for the invisible dark fermion chi.
PDG_DARK_FERMION: int = 9000007
#: Quantum numbers of the new particles a boson decays to, for the files' particle tables (SLHA QNUMBERS):
#: pdg -> (name, 3 x electric charge, number of spin states 2S+1, colour representation, own antiparticle).
#: chi is a neutral Dirac fermion (a -> chi chi~).
NEW_DAUGHTERS: dict[int, tuple[str, int, int, int, bool]] = {PDG_DARK_FERMION: ("chi", 0, 2, 1, False)}


def nucleus_pdgid(z: int, a: int) -> int:
    """PDG ion code 100ZZZAAAI (I = 0) for a nucleus of charge ``z`` and mass number ``a``.

    >>> nucleus_pdgid(82, 207)
    1000822070
    """
    return 1_000_000_000 + 10_000 * int(z) + 10 * int(a)
