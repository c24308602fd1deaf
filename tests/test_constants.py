"""generator/constants.py holds the PDG and CODATA numbers as literals (importing ``particle`` and
``scipy.constants`` costs 0.3-0.5 s of every command, issue 19); they must be exactly what those packages
give, so an update of the PDG table or of CODATA fails here rather than drifting silently."""

from __future__ import annotations

import pytest

from generator import constants


def _pdg_mass_gev(pdgid: int) -> float:
    from particle import Particle

    return float(Particle.from_pdgid(pdgid).mass) / 1e3


@pytest.mark.parametrize(("name", "pdgid"), [("M_E", 11), ("M_MU", 13), ("M_TAU", 15), ("M_P", 2212)])
def test_masses_are_particles(name, pdgid):
    assert getattr(constants, name) == _pdg_mass_gev(pdgid)


def test_tau_lifetime_is_particles():
    from particle import Particle

    assert float(Particle.from_pdgid(15).ctau) / 1e3 == constants.CTAU_TAU_M


def test_codata_values_are_scipys():
    import scipy.constants

    assert float(scipy.constants.fine_structure) == constants.ALPHA_EM
    assert float(scipy.constants.Avogadro) == constants.AVOGADRO
    amu = scipy.constants.physical_constants["atomic mass constant energy equivalent in MeV"][0] / 1e3
    assert float(amu) == constants.AMU_GEV


def test_constants_import_neither_particle_nor_scipy():
    import subprocess
    import sys

    code = ("import sys, generator.constants; "
            "print(sorted(m for m in ('particle', 'scipy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
