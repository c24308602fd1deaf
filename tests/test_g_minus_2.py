"""Tests for generator.g_minus_2: limits of the scalar and vector loops, published check values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generator.constants import M_MU
from generator.g_minus_2 import (
    delta_a_mu_lfv,
    delta_a_mu_pseudoscalar,
    delta_a_mu_scalar,
    delta_a_mu_vector,
    significance,
)


@pytest.mark.parametrize("m_s", [1e-6, 1e-5, 1e-4])
def test_scalar_light_limit(m_s):
    g = 1e-3
    assert delta_a_mu_scalar(g, m_s) == pytest.approx(3 * g * g / (16 * math.pi**2), rel=2e-3)


@pytest.mark.parametrize("m_s", [10.0, 30.0])
def test_scalar_heavy_limit(m_s):
    """Heavy-scalar asymptotic g²/(8π²)(m_μ²/m_S²)(ln(m_S²/m_μ²) − 7/6), derived in the module docstring."""
    g = 1e-3
    r = (m_s / M_MU) ** 2
    asym = g * g / (8 * math.pi**2) * (math.log(r) - 7.0 / 6.0) / r
    assert delta_a_mu_scalar(g, m_s) == pytest.approx(asym, rel=0.01)


def test_scalar_published_value():
    """Chen–Pospelov–Zhong below eq. 3: 1.6e-9; docs/physics.md A1 independent value 1.648e-9."""
    assert delta_a_mu_scalar(5e-4, 0.1) == pytest.approx(1.648e-9, rel=2e-3)


def test_scalar_against_brute_force_quadrature():
    """r = 1 (m_S = m_μ): smooth integrand, dense trapezoid is an independent check."""
    z = np.linspace(0.0, 1.0, 200_001)
    f = (1 - z) ** 2 * (1 + z) / ((1 - z) ** 2 + z)
    brute = np.sum((f[1:] + f[:-1]) / 2 * np.diff(z))
    assert delta_a_mu_scalar(1.0, M_MU) == pytest.approx(brute / (8 * math.pi**2), rel=1e-8)


def test_scalar_monotonic_and_quadratic():
    m = np.logspace(-6, 1, 30)
    da = delta_a_mu_scalar(1e-3, m)
    assert da.shape == m.shape
    assert np.all(np.diff(da) < 0)
    assert delta_a_mu_scalar(2e-3, 0.05) == pytest.approx(4 * delta_a_mu_scalar(1e-3, 0.05), rel=1e-12)


def test_vector_light_limit():
    g = 5e-4
    assert delta_a_mu_vector(g, 1e-6) == pytest.approx(g * g / (8 * math.pi**2), rel=1e-3)
    assert delta_a_mu_vector(g, 0.2) < delta_a_mu_vector(g, 0.01)


def test_errors():
    with pytest.raises(ValueError, match="m_S"):
        delta_a_mu_scalar(1e-3, 0.0)
    with pytest.raises(ValueError, match="g_mu"):
        delta_a_mu_scalar(-1e-3, 0.1)
    with pytest.raises(ValueError, match="m_V"):
        delta_a_mu_vector(1e-3, -1.0)


def test_significance():
    """TeV-muon LFV paper eqs. 11–12: (249 ± 48)e-11, 5.1σ."""
    d = significance(116592059, 22, 116591810, 43)
    assert d.delta == 249
    assert d.error == pytest.approx(48.3, abs=0.05)
    assert d.n_sigma == pytest.approx(5.16, abs=0.01)
    with pytest.raises(ValueError, match="errors"):
        significance(1.0, 0.0, 0.0, 0.0)


# ---------------------------------------------------------------------------------------------------
# Pseudoscalar and CP mixture, L ⊃ −g S μ̄ (cos φ + i sin φ γ5) μ (generator.g_minus_2 module docstring)
# ---------------------------------------------------------------------------------------------------
_M = [1e-4, 1e-3, 0.01, 0.05, M_MU, 0.3, 1.0, 10.0]


def test_pseudoscalar_is_negative_and_shrinks_with_mass():
    m = np.logspace(-6, 1.5, 40)
    da = delta_a_mu_pseudoscalar(1e-3, m)
    assert da.shape == m.shape
    assert np.all(da < 0)
    assert np.all(np.diff(da) > 0)  # |Δa_P| decreases monotonically with m_P
    assert delta_a_mu_pseudoscalar(2e-3, 0.05) == pytest.approx(4 * delta_a_mu_pseudoscalar(1e-3, 0.05), rel=1e-12)


@pytest.mark.parametrize("m_p", [1e-6, 1e-5, 1e-4])
def test_pseudoscalar_light_limit(m_p):
    """m_P ≪ m_μ: ∫₀¹ z³/(z² + (1−z) r) dz → ∫₀¹ z dz = 1/2, so Δa_P → −g²/(16π²) (correction O(r ln r))."""
    g = 1e-3
    assert delta_a_mu_pseudoscalar(g, m_p) == pytest.approx(-g * g / (16 * math.pi**2), rel=1e-4)


@pytest.mark.parametrize("m_p", [10.0, 30.0])
def test_pseudoscalar_heavy_limit(m_p):
    """m_P ≫ m_μ: −g²/(8π²)(m_μ²/m_P²)(ln(m_P²/m_μ²) − 11/6), derived in the module docstring."""
    g = 1e-3
    r = (m_p / M_MU) ** 2
    asym = -g * g / (8 * math.pi**2) * (math.log(r) - 11.0 / 6.0) / r
    assert delta_a_mu_pseudoscalar(g, m_p) == pytest.approx(asym, rel=2e-3)


def test_pseudoscalar_against_brute_force_quadrature():
    """r = 1 (m_P = m_μ), textbook variable: −1/(8π²) ∫₀¹ z³/(z² + 1 − z) dz by a dense trapezoid."""
    z = np.linspace(0.0, 1.0, 200_001)
    f = z**3 / (z**2 + 1 - z)
    brute = np.sum((f[1:] + f[:-1]) / 2 * np.diff(z))
    assert delta_a_mu_pseudoscalar(1.0, M_MU) == pytest.approx(-brute / (8 * math.pi**2), rel=1e-8)


@pytest.mark.parametrize("m", _M)
def test_general_loop_with_internal_muon_reproduces_scalar_pseudoscalar_and_mixture(m):
    """delta_a_mu_lfv (vertex c_s + c_p γ5, internal lepton of mass m_τ) at m_τ = m_μ is the diagonal case."""
    g, phi = 1e-3, 0.7
    assert delta_a_mu_lfv(g, 0.0, m, m_tau=M_MU) == pytest.approx(delta_a_mu_scalar(g, m), rel=1e-9)
    assert delta_a_mu_lfv(0.0, g, m, m_tau=M_MU) == pytest.approx(delta_a_mu_pseudoscalar(g, m), rel=1e-9)
    mix = delta_a_mu_lfv(g * math.cos(phi), g * math.sin(phi), m, m_tau=M_MU)
    assert mix == pytest.approx(delta_a_mu_scalar(g, m, cp_angle=phi), rel=1e-9)


@pytest.mark.parametrize("phi", [-math.pi / 2, -1.0, -0.2, 0.4, math.pi / 3, 1.2, math.pi / 2])
def test_mixture_is_cos2_scalar_plus_sin2_pseudoscalar(phi):
    g = 1e-3
    for m in _M:
        expected = math.cos(phi) ** 2 * delta_a_mu_scalar(g, m) + math.sin(phi) ** 2 * delta_a_mu_pseudoscalar(g, m)
        assert delta_a_mu_scalar(g, m, phi) == pytest.approx(expected, rel=1e-12, abs=1e-25)
        assert delta_a_mu_scalar(g, m, -phi) == delta_a_mu_scalar(g, m, phi)
    np.testing.assert_array_equal(
        delta_a_mu_scalar(g, np.array(_M), phi), [delta_a_mu_scalar(g, m, phi) for m in _M]
    )


def test_mixture_end_points_are_exact():
    g = 1e-3
    for m in _M:
        assert delta_a_mu_scalar(g, m, 0.0) == delta_a_mu_scalar(g, m)
        assert delta_a_mu_scalar(g, m, math.pi / 2) == delta_a_mu_pseudoscalar(g, m)
        assert delta_a_mu_scalar(g, m, -math.pi / 2) == delta_a_mu_pseudoscalar(g, m)
    # φ = 0 is the CP-even value of Chen–Pospelov–Zhong (docs/physics.md A1), unchanged
    assert delta_a_mu_scalar(5e-4, 0.1, 0.0) == pytest.approx(1.648e-9, rel=2e-3)


def test_mixture_light_limit_changes_sign_at_pi_over_3():
    """m ≪ m_μ: Δa_μ(φ) → g²/(16π²)(3 cos²φ − sin²φ), zero at tan²φ = 3."""
    g, m = 1e-3, 1e-6
    scale = g * g / (16 * math.pi**2)
    for phi in (0.0, 0.5, 1.0, 1.4):
        limit = scale * (3 * math.cos(phi) ** 2 - math.sin(phi) ** 2)
        assert delta_a_mu_scalar(g, m, phi) == pytest.approx(limit, abs=1e-4 * scale)
    assert abs(delta_a_mu_scalar(g, m, math.pi / 3)) < 1e-4 * scale
    assert delta_a_mu_scalar(g, m, math.pi / 3 - 0.05) > 0 > delta_a_mu_scalar(g, m, math.pi / 3 + 0.05)


@pytest.mark.parametrize("bad", [2.0, -1.6, math.pi, math.nan, "x"])
def test_cp_angle_errors(bad):
    with pytest.raises(ValueError, match=r"cp_angle = .* but require .*-pi/2 <= cp_angle <= pi/2"):
        delta_a_mu_scalar(1e-3, 0.1, bad)


def test_pseudoscalar_errors():
    with pytest.raises(ValueError, match="m_P"):
        delta_a_mu_pseudoscalar(1e-3, 0.0)
    with pytest.raises(ValueError, match="g_mu"):
        delta_a_mu_pseudoscalar(-1e-3, 0.1)
