"""LFV ALP model of arXiv:2407.15942: widths (eqs. 5, 7), branching ratios, decay length, Delta a_mu (eqs. 9-10)."""

from __future__ import annotations

import math

import pytest

from generator import g_minus_2, widths
from generator.constants import HBARC_GEV_M, M_MU, M_TAU
from generator.models import LFVAxion


def _spinor_width_one_mode(m_a, c_s, c_p, m1=M_MU, m2=M_TAU):
    """Independent check: sum |ubar(p1) (c_s + c_p g5) v(p2)|^2 by traces in the rest frame."""
    # Tr[(p1/ + m1)(c_s + c_p g5)(p2/ - m2)(c_s - c_p g5)] = 4[(c_s^2 - c_p^2)... ] written out:
    # = 4 c_s^2 (p1.p2 - m1 m2) + 4 c_p^2 (p1.p2 + m1 m2)
    p1p2 = 0.5 * (m_a**2 - m1**2 - m2**2)
    msq = 4 * c_s**2 * (p1p2 - m1 * m2) + 4 * c_p**2 * (p1p2 + m1 * m2)
    lam = (m_a**2 - (m1 + m2) ** 2) * (m_a**2 - (m1 - m2) ** 2)
    p_star = math.sqrt(lam) / (2 * m_a)
    return p_star / (8 * math.pi * m_a**2) * msq


@pytest.mark.parametrize(("m_a", "theta"), [(2.0, 0.0), (2.0, math.pi / 2), (10.0, 0.7), (1.9, 2.0)])
def test_mutau_width_against_traces(m_a, theta):
    g = 1e-3
    c_s, c_p = g * math.sin(theta), g * math.cos(theta)
    assert widths.gamma_mutau_one_mode(m_a, c_s, c_p) == pytest.approx(_spinor_width_one_mode(m_a, c_s, c_p), rel=1e-12)
    assert widths.gamma_mutau(m_a, g, theta) == pytest.approx(2 * _spinor_width_one_mode(m_a, c_s, c_p), rel=1e-12)


def test_mutau_width_massless_muon_limit_eq5():
    """m_mu -> 0: Gamma(both modes) = g^2 m_a/(4 pi) (1 - m_tau^2/m_a^2)^2 for any theta ([004] eq. 5)."""
    g, m_a = 2e-3, 10.0
    for theta in (0.0, 0.4, math.pi / 2):
        got = 2 * widths.gamma_mutau_one_mode(m_a, g * math.sin(theta), g * math.cos(theta), m_mu=0.0)
        assert got == pytest.approx(g**2 * m_a / (4 * math.pi) * (1 - M_TAU**2 / m_a**2) ** 2, rel=1e-12)


def test_mutau_threshold_and_theta_dependence():
    assert widths.gamma_mutau(M_TAU + M_MU, 1.0, 0.5) == 0.0
    # just above threshold only the pseudoscalar (cos theta) part survives at O(beta): p-wave vs s-wave
    m_a = (M_TAU + M_MU) * (1 + 1e-6)
    assert widths.gamma_mutau(m_a, 1.0, math.pi / 2) < 1e-5 * widths.gamma_mutau(m_a, 1.0, 0.0)


def test_chichi_width_eq7():
    g_chi, m_a, m_chi = 0.5, 6.0, 1.0
    expect = g_chi**2 * m_a / (8 * math.pi) * math.sqrt(1 - 4 * m_chi**2 / m_a**2)
    assert widths.gamma_chichi(m_a, g_chi, m_chi) == pytest.approx(expect, rel=1e-14)
    # C_chi^2 m_chi^2 m_a/(2 pi Lambda^2) form with g_chi = 2 C m_chi/Lambda
    c_over_l = g_chi / (2 * m_chi)
    assert expect == pytest.approx(c_over_l**2 * m_chi**2 * m_a / (2 * math.pi) * math.sqrt(1 - 4 * m_chi**2 / m_a**2))
    assert widths.gamma_chichi(2.0, 1.0, 1.0) == 0.0


def test_coupling_from_c_over_lambda_E1():
    """C/Lambda = 1/TeV gives g = m_tau/TeV = 1.777e-3 (docs/physics.md E1; the paper rounds to 2e-3)."""
    a = LFVAxion.from_c_over_lambda(1.0)
    assert a.g_mutau == pytest.approx(1.777e-3, rel=1e-3)
    assert a.c_over_lambda_per_tev() == pytest.approx(1.0)


def test_ctau_E4():
    """c tau_a = 0.66e-8 cm at g = 2e-3, m_a = 10 GeV, both modes (docs/physics.md E4), no chi channel."""
    a = LFVAxion(2e-3, theta=0.7, m_chi=100.0)
    ctau_cm = HBARC_GEV_M / a.total_width(10.0) * 100
    assert ctau_cm == pytest.approx(0.66e-8, rel=0.02)


def test_branching_and_default_m_chi():
    a = LFVAxion(1e-3, theta=1.0, g_chi=1.0, name="invisible")
    assert a.dark_fermion_mass(9.0) == pytest.approx(3.0)
    br = a.branching_ratios(9.0)
    assert sum(br.values()) == pytest.approx(1.0)
    assert br["chichi"] > 0.999  # g_chi = 1 >> g_mutau
    closed = LFVAxion(1e-3, m_chi=5.0)
    assert closed.branching_ratios(9.0) == {"mutau": 1.0, "chichi": 0.0}
    assert LFVAxion(1e-3, name="visible").dark_fermion_mass(9.0) == pytest.approx(27.0)
    e = 300.0
    assert a.decay_length(9.0, e) == pytest.approx(math.sqrt(e**2 - 81) / (9.0 * a.total_width(9.0)) * HBARC_GEV_M)


def test_with_coupling_scales_width():
    a = LFVAxion(1e-3, theta=0.3, m_chi=10.0)
    assert a.with_coupling(3e-3).total_width(5.0) == pytest.approx(9 * a.total_width(5.0), rel=1e-12)


def test_eq2_vertex_factors():
    a = LFVAxion(1e-3, theta=0.4, vertex="eq2")
    c_s, c_p = a.vertex_couplings()
    assert c_s == pytest.approx(1e-3 * math.sin(0.4) * (M_TAU - M_MU) / M_TAU)
    assert c_p == pytest.approx(1e-3 * math.cos(0.4) * (M_TAU + M_MU) / M_TAU)


@pytest.mark.parametrize("bad", [{"theta": -0.1}, {"theta": 4.0}, {"m_chi": 0.0}, {"g_chi": -1.0}, {"name": "dark"}])
def test_rejects_bad_parameters(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        LFVAxion(1e-3, **bad)


# ------------------------------------------------------------------------------- Delta a_mu
def test_general_loop_reduces_to_scalar_for_internal_muon():
    """epsilon = 1, c_p = 0: Chen-Pospelov-Zhong eq. (3)."""
    for m in (0.01, 0.1, 1.0):
        assert g_minus_2.delta_a_mu_lfv(1e-3, 0.0, m, m_tau=M_MU) == pytest.approx(
            g_minus_2.delta_a_mu_scalar(1e-3, m), rel=1e-8)


def test_light_alp_limit_eq10_A9():
    """m_a << m_tau: full loop / eq. (10) = 1.02 at theta = pi/2 (docs/physics.md A9), sign -cos 2theta."""
    g = 1e-3
    full = LFVAxion(g, theta=math.pi / 2).delta_a_mu(0.01)
    assert full / g_minus_2.delta_a_mu_lfv_light_alp(g, math.pi / 2) == pytest.approx(1.02, abs=0.01)


@pytest.mark.parametrize("m_a", [2.0, 5.0, 20.0])
def test_heavy_tau_form_eq9(m_a):
    """Eq. (9) is the m_tau >> m_mu limit of the general loop: agrees to a few % at theta = pi/2."""
    g = 3e-3
    full = LFVAxion(g, theta=math.pi / 2).delta_a_mu(m_a)
    assert full == pytest.approx(g_minus_2.delta_a_mu_lfv_heavy_tau(g, math.pi / 2, m_a), rel=0.05)


def test_sign_of_delta_a_mu():
    """Positive for pi/4 < theta < 3pi/4, negative outside ([004] below eq. 12)."""
    for theta, sign in ((0.1, -1), (0.7, -1), (0.9, 1), (math.pi / 2, 1), (2.3, 1), (2.5, -1), (math.pi, -1)):
        assert math.copysign(1, LFVAxion(1e-3, theta=theta).delta_a_mu(5.0)) == sign


def test_g_minus_2_preferred_coupling_A10():
    """Delta a_mu = 249e-11 at theta = pi/2, m_a = m_tau needs g = 3.13e-3, i.e. C/Lambda = 1.76/TeV (A10)."""
    from scipy.optimize import brentq

    g = brentq(lambda g: LFVAxion(g, theta=math.pi / 2).delta_a_mu(M_TAU) - 249e-11, 1e-4, 1e-1)
    assert g == pytest.approx(3.13e-3, rel=0.01)
    assert LFVAxion.from_c_over_lambda(2.0, theta=math.pi / 2).delta_a_mu(M_TAU) == pytest.approx(3.2e-9, rel=0.02)
