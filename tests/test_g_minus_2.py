"""Tests for generator.g_minus_2: limits of the scalar and vector loops, published check values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generator.constants import M_MU
from generator.g_minus_2 import delta_a_mu_scalar, delta_a_mu_vector, significance


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
