"""Exact cross section: IWW limit, WW consistency, seed reproducibility, coupling scaling, refusals."""

from __future__ import annotations

import pytest

from generator.exceptions import UnphysicalRequest
from generator.processes.iww import sigma_iww
from generator.processes.ww import sigma_ww
from generator.xsec import Target, cross_section


@pytest.fixture(scope="module")
def lead() -> Target:
    return Target.from_material("Pb")


def test_exact_over_iww_in_window(lead):
    """E = 160 GeV, m_S = 10 MeV on Pb: sigma_exact / sigma_IWW within 0.7-1.3 (issue #4)."""
    exact = cross_section(target=lead, energy=160.0, mass=0.01, precision=0.01, seed=1)
    iww = cross_section(target=lead, energy=160.0, mass=0.01, method="iww")
    assert exact.relative_error <= 0.01
    assert 0.7 < exact.sigma_pb / iww.sigma_pb < 1.3


def test_iww_limit_at_high_energy(lead):
    """IWW is the E >> m limit: at 1 TeV and m_S = 1 MeV exact and IWW agree within 5 %."""
    exact = cross_section(target=lead, energy=1000.0, mass=0.001, precision=0.005, seed=2)
    iww = cross_section(target=lead, energy=1000.0, mass=0.001, method="iww")
    assert exact.sigma_pb / iww.sigma_pb == pytest.approx(1.0, abs=0.05)


def test_ww_with_iww_tmin_reproduces_iww(lead):
    """WW (2->2 |M|^2 x photon flux) integrated over angle with t_min = m^4/4E^2 gives 000 eq. 12."""
    energy, m_s = 160.0, 0.1
    ww_fixed = sigma_ww(energy, m_s, lead.z, lead.a, t_min_fixed=m_s**4 / (4 * energy**2))
    iww = sigma_iww(energy, m_s, 1.0, lead.z, lead.a)
    assert ww_fixed == pytest.approx(iww.sigma_pb, rel=2e-3)


def test_same_seed_same_sigma(lead):
    a = cross_section(target=lead, energy=50.0, mass=0.2, precision=0.02, seed=7)
    b = cross_section(target=lead, energy=50.0, mass=0.2, precision=0.02, seed=7)
    c = cross_section(target=lead, energy=50.0, mass=0.2, precision=0.02, seed=8)
    assert (a.sigma_pb, a.error_pb) == (b.sigma_pb, b.error_pb)
    assert a.sigma_pb != c.sigma_pb
    assert abs(a.sigma_pb - c.sigma_pb) < 5 * (a.error_pb**2 + c.error_pb**2) ** 0.5


def test_sigma_scales_as_coupling_squared(lead):
    a = cross_section(target=lead, energy=50.0, mass=0.2, coupling=1.0, precision=0.02, seed=7)
    b = cross_section(target=lead, energy=50.0, mass=0.2, coupling=3e-4, precision=0.02, seed=7)
    assert b.sigma_pb == pytest.approx(a.sigma_pb * 9e-8, rel=1e-12)


def test_refuses_below_threshold(lead):
    with pytest.raises(ValueError, match="kinematic limit"):  # M -> infinity bound, as a card
        cross_section(target=lead, energy=0.2, mass=0.1)
    with pytest.raises(UnphysicalRequest, match="below the threshold"):  # the exact bound on Pb
        cross_section(target=lead, energy=0.2002, mass=0.0945)
    with pytest.raises(ValueError, match="mass"):
        cross_section(target=lead, energy=10.0, mass=-0.1)
