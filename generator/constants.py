"""Physical constants and unit conversions, in mudump's units (GeV, m, pb).

Particle masses and the tau lifetime are the PDG values of ``particle`` (its PDG table), the
fine-structure constant, the atomic mass unit and Avogadro's number the CODATA values of
``scipy.constants``, held here as the numbers those packages give (full double precision); importing
either package costs 0.3-0.5 s, which a cross section or a ``mudump`` command should not pay (issue 19),
so they are imported by ``tests/test_constants.py`` instead, which fails on any difference (an update of
the PDG table or of CODATA shows there, to be copied here). ``hepunits`` (light) converts MeV and mm
here, once.

References: PDG Review of Particle Physics (``particle`` 1.1: its 2025 table); CODATA 2022 (``scipy`` 1.17).
"""

from __future__ import annotations

import hepunits

#: Fine-structure constant at q^2 = 0 (CODATA via ``scipy.constants.fine_structure``), 1/137.036.
ALPHA_EM: float = 0.0072973525643
#: hbar*c in GeV*m (hepunits gives MeV*mm).
HBARC_GEV_M: float = float(hepunits.hbarc / (hepunits.GeV * hepunits.m))
#: Conversion 1 GeV^-2 -> pb  (hbar c)^2 = 0.38938 mb GeV^2.
GEV2_TO_PB: float = float((hepunits.hbarc / hepunits.GeV) ** 2 / hepunits.picobarn)
#: Conversion 1 pb -> cm^2.
PB_TO_CM2: float = float(hepunits.picobarn / hepunits.cm2)
#: Atomic mass unit in GeV (CODATA via ``scipy.constants``, "atomic mass constant energy equivalent
#: in MeV" / 1e3).
AMU_GEV: float = 0.93149410372
#: Avogadro's number, mol^-1 (CODATA via ``scipy.constants.Avogadro``).
AVOGADRO: float = 6.02214076e23

PDG_ELECTRON, PDG_MUON, PDG_TAU, PDG_PHOTON, PDG_PROTON = 11, 13, 15, 22, 2212
#: Lepton masses in GeV (PDG via ``particle``: ``Particle.from_pdgid(pdg).mass / 1e3``).
M_E: float = 0.0005109989506900001
M_MU: float = 0.1056583755
M_TAU: float = 1.7769300000000001
#: Proton mass in GeV (PDG via ``particle``).
M_P: float = 0.9382720894300001
#: tau proper decay length c*tau in metres (PDG via ``particle``: ``Particle.from_pdgid(15).ctau / 1e3``, mm -> m).
CTAU_TAU_M: float = 8.704322031729268e-05

#: Lepton masses by flavour name.
LEPTON_MASSES: dict[str, float] = {"e": M_E, "mu": M_MU, "tau": M_TAU}

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
