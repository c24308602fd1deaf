"""Tests for generator.processes.iww (IWW approximation of μN → μNS)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from generator.constants import ALPHA_EM, GEV2_TO_PB, M_MU
from generator.form_factors import FF_TSAI, g2_array
from generator.processes.iww import (
    X_MAX_CHOICES,
    dsigma_dx_iww,
    dsigma_dx_iww_spectrum,
    photon_flux_chi,
    sigma_iww,
    x_range,
)
from generator.results import CrossSection

PB = (82.0, 207.2)


@pytest.mark.parametrize(("m_s", "expected"), [(0.01, 9.7e4), (0.1, 8.9e4)])
def test_chi_lead_160_gev(m_s, expected):
    """docs/physics.md section 4 (independently computed): 9.7e4 (10 MeV) and 8.9e4 (100 MeV)."""
    assert photon_flux_chi(160.0, m_s, *PB) == pytest.approx(expected, rel=0.05)


def test_chi_against_dense_trapezoid():
    e, m = 160.0, 0.1
    t_min, t_max = m**4 / (4 * e * e), m * m + M_MU**2
    lt = np.linspace(math.log(t_min), math.log(t_max), 400_001)
    t = np.exp(lt)
    f = (1 - t_min / t) * g2_array(t, *PB, FF_TSAI)
    brute = np.sum((f[1:] + f[:-1]) / 2 * np.diff(lt))
    assert photon_flux_chi(e, m, *PB) == pytest.approx(brute, rel=1e-6)


def test_chi_limits_override_and_errors():
    full = photon_flux_chi(160.0, 0.1, *PB)
    assert photon_flux_chi(160.0, 0.1, *PB, t_max=1e-3) < full
    with pytest.raises(ValueError, match="t_max"):
        photon_flux_chi(160.0, 0.1, *PB, t_min=1e-2, t_max=1e-3)
    with pytest.raises(ValueError, match="m_S"):
        photon_flux_chi(160.0, 0.0, *PB)
    with pytest.raises(ValueError, match="E_mu"):
        photon_flux_chi(0.2, 0.1, *PB)


def test_dsigma_dx_nonnegative_and_zero_outside():
    e, m = 50.0, 0.1
    lo, hi = x_range(e, m)
    x = np.linspace(0.0, 1.2, 5001)
    ds = dsigma_dx_iww_spectrum(x, e, m, 1e-3, *PB)
    assert np.all(ds >= 0.0)
    assert np.all(ds[(x < lo) | (x > hi)] == 0.0)
    assert np.all(ds[(x > lo) & (x < hi)] > 0.0)


@settings(max_examples=40, deadline=None)
@given(
    x=st.floats(0.0, 1.0),
    m_s=st.floats(1e-4, 1.0),
    energy=st.floats(2.0, 2000.0),
)
def test_dsigma_dx_nonnegative_property(x, m_s, energy):
    if energy <= m_s + M_MU:
        return
    assert dsigma_dx_iww(x, energy, m_s, 1e-3, 1e5) >= 0.0


def test_dsigma_dx_light_scalar_log_region():
    """m_S ≪ m_μ and m_S/m_μ ≪ x ≪ 1: dσ/dx → g²α²χ/(12π) · 4/(m_μ² x) (leading terms of eq. 12)."""
    e, m, g, chi, x = 1000.0, 1e-5, 1e-3, 1e5, 1e-2
    approx = g * g * ALPHA_EM**2 * chi / (12 * math.pi) * 4.0 / (M_MU**2 * x) * GEV2_TO_PB
    assert dsigma_dx_iww(x, e, m, g, chi) == pytest.approx(approx, rel=0.02)


def test_sigma_scales_as_g_squared():
    s1 = sigma_iww(160.0, 0.05, 1e-4, *PB)
    s2 = sigma_iww(160.0, 0.05, 3e-4, *PB)
    assert isinstance(s1, CrossSection)
    assert s1.method == "iww"
    assert s2.sigma_pb / s1.sigma_pb == pytest.approx(9.0, rel=1e-10)


def test_sigma_equals_integral_of_spectrum():
    e, m = 50.0, 0.3
    lo, hi = x_range(e, m)
    x = np.linspace(lo, hi, 400_001)
    ds = dsigma_dx_iww_spectrum(x, e, m, 1e-3, *PB)
    brute = np.sum((ds[1:] + ds[:-1]) / 2 * np.diff(x))
    s = sigma_iww(e, m, 1e-3, *PB)
    assert s.sigma_pb == pytest.approx(brute, rel=1e-4)
    assert 0 < s.error_pb < 1e-6 * s.sigma_pb


def test_sigma_cuts():
    full = sigma_iww(160.0, 0.1, 1e-3, *PB).sigma_pb
    cut = sigma_iww(160.0, 0.1, 1e-3, *PB, x_min=1.0 / 3.0).sigma_pb
    assert 0 < cut < full
    assert sigma_iww(160.0, 0.1, 1e-3, *PB, x_min=0.9999999, x_max="kinematic").sigma_pb == 0.0
    assert sigma_iww(160.0, 0.1, 1e-3, *PB, x_min=1.0).sigma_pb == 0.0
    assert sigma_iww(160.0, 0.1, 1e-3, *PB, x_max=0.5).sigma_pb < full
    assert sigma_iww(160.0, 0.1, 0.0, *PB).sigma_pb == 0.0


def test_sigma_errors():
    with pytest.raises(ValueError, match="m_S"):
        sigma_iww(160.0, -0.1, 1e-3, *PB)
    with pytest.raises(ValueError, match="E_mu"):
        sigma_iww(0.2, 0.1, 1e-3, *PB)
    with pytest.raises(ValueError, match="g_mu"):
        sigma_iww(160.0, 0.1, -1e-3, *PB)
    with pytest.raises(ValueError, match="ff_kind"):
        sigma_iww(160.0, 0.1, 1e-3, *PB, ff_kind=7)


# ---- end point of the x integral: x <= 1 (Chen–Pospelov–Zhong eqs. 14–15) by default ----------------


def test_x_range_end_points():
    assert X_MAX_CHOICES == ("paper", "kinematic")
    assert x_range(3.0, 1.0) == (1.0 / 3.0, 1.0)
    assert x_range(3.0, 1.0, x_max="paper") == (1.0 / 3.0, 1.0)
    assert x_range(3.0, 1.0, x_max="kinematic") == (1.0 / 3.0, 1.0 - M_MU / 3.0)


@pytest.mark.parametrize("energy", [3.0, 160.0])
def test_dsigma_dx_finite_at_x_equal_one(energy):
    """At x = 1: beta_S = sqrt(1 - m_S^2/E^2) > 0 and the denominator -> m_mu^4, so dσ/dx is finite."""
    m, g, chi = 1.0, 1.0, 1.0
    at_one = dsigma_dx_iww(1.0, energy, m, g, chi)
    just_below = dsigma_dx_iww(1.0 - 1e-9, energy, m, g, chi)
    beta_mu = math.sqrt(1 - (M_MU / energy) ** 2)
    beta_s = math.sqrt(1 - (m / energy) ** 2)
    formula = ALPHA_EM**2 / (12 * math.pi) * beta_mu * beta_s * 3.0 / M_MU**2 * GEV2_TO_PB
    assert math.isfinite(at_one)
    assert at_one > 0
    assert at_one == pytest.approx(formula, rel=1e-12)
    assert just_below == pytest.approx(at_one, rel=1e-6)
    assert dsigma_dx_iww(1.0, energy, m, g, chi, x_max="kinematic") == 0.0
    assert dsigma_dx_iww(1.0 + 1e-12, energy, m, g, chi) == 0.0


def test_sigma_default_integrates_to_one_3gev_1gev():
    """3 GeV, m_S = 1 GeV, Pb: the paper end point x = 1 gives 2.1705 x the kinematic one (sigma_kin is
    54 % low); the default is the paper's."""
    e, m = 3.0, 1.0
    default = sigma_iww(e, m, 1.0, *PB)
    paper = sigma_iww(e, m, 1.0, *PB, x_max="paper")
    kin = sigma_iww(e, m, 1.0, *PB, x_max="kinematic")
    assert default.sigma_pb == paper.sigma_pb
    assert paper.sigma_pb / kin.sigma_pb == pytest.approx(2.1705, abs=2e-4)


def test_sigma_paper_vs_kinematic_160gev_1gev():
    paper = sigma_iww(160.0, 1.0, 1.0, *PB).sigma_pb
    kin = sigma_iww(160.0, 1.0, 1.0, *PB, x_max="kinematic").sigma_pb
    assert paper / kin - 1.0 == pytest.approx(0.0264, abs=2e-4)


@pytest.mark.parametrize(("energy", "m_s"), [(3.0, 1.0), (160.0, 1.0), (160.0, 0.1)])
def test_sigma_equals_quad_of_dsigma_dx_up_to_one(energy, m_s):
    """sigma (default) = scipy quad of dsigma_dx from m_S/E to 1; "kinematic" = quad up to 1 - m_mu/E."""
    chi = photon_flux_chi(energy, m_s, *PB)
    pts = [m_s / M_MU] if m_s < M_MU else None
    for x_max, hi in (("paper", 1.0), ("kinematic", 1.0 - M_MU / energy)):
        ref, _ = integrate.quad(lambda x, xm=x_max: dsigma_dx_iww(x, energy, m_s, 1.0, chi, x_max=xm),
                                m_s / energy, hi, points=pts, limit=400, epsabs=0.0, epsrel=1e-11)
        got = sigma_iww(energy, m_s, 1.0, *PB, x_max=x_max).sigma_pb
        assert got == pytest.approx(ref, rel=1e-7)


def test_x_max_validation_names_the_value():
    with pytest.raises(ValueError, match=r"x_max = 'kinetic' but require one of \['paper', 'kinematic'\]"):
        sigma_iww(3.0, 1.0, 1.0, *PB, x_max="kinetic")
    with pytest.raises(ValueError, match="x_max = 'one'"):
        x_range(3.0, 1.0, x_max="one")
    with pytest.raises(ValueError, match="x_max"):
        dsigma_dx_iww(0.5, 3.0, 1.0, 1.0, 1.0, x_max="Paper")
    with pytest.raises(ValueError, match="x_max"):
        dsigma_dx_iww_spectrum(np.array([0.5]), 3.0, 1.0, 1.0, *PB, x_max="")
    with pytest.raises(ValueError, match="x_max"):
        sigma_iww(3.0, 1.0, 1.0, *PB, x_max=math.nan)
