"""Tests for generator.widths: loop function limits, thresholds, reference widths (docs/physics.md section 2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generator.constants import HBARC_GEV_M, M_E, M_MU, M_TAU
from generator.widths import a_loop, decay_length_m, f_loop, gamma_gammagamma, gamma_ll


@pytest.mark.parametrize("tau", [1e2, 1e4, 1e8, 1e14, 1e30])
def test_a_loop_heavy_lepton_limit(tau):
    a = a_loop(tau)
    assert a.imag == 0.0
    # Large-tau expansion from arcsin^2(y) = y^2 + y^4/3 + 8 y^6/45 + 4 y^8/35 + ...:
    # A = 2/3 + 7/(45 tau) + 4/(63 tau^2) + O(tau^-3).
    expected = 2.0 / 3.0 + 7.0 / (45.0 * tau) + 4.0 / (63.0 * tau**2)
    assert a.real == pytest.approx(expected, rel=0.1 / tau**3 + 1e-14)


@pytest.mark.parametrize("tau", [1.5, 3.0, 4.466, 10.0, 40.0])
def test_a_loop_closed_form_below_threshold(tau):
    """Independent evaluation with math.asin (well conditioned for these tau)."""
    f = math.asin(tau**-0.5) ** 2
    assert a_loop(tau).real == pytest.approx(tau * (1.0 + (1.0 - tau) * f), rel=1e-12)
    assert a_loop(tau).imag == 0.0


def test_a_loop_muon_at_100_mev():
    assert abs(a_loop(4.0 * M_MU**2 / 0.1**2)) == pytest.approx(0.705, abs=1e-3)


@pytest.mark.parametrize("tau", [1e-8, 1e-3, 0.2, 0.9, 1.0 - 1e-9])
def test_imaginary_part_above_threshold(tau):
    """tau < 1: the loop lepton can go on shell, so A acquires an absorptive part."""
    assert a_loop(tau).imag != 0.0
    assert f_loop(tau).imag != 0.0


def test_f_loop_below_threshold_formula():
    tau = 0.3
    s = math.sqrt(1.0 - tau)
    expected = -0.25 * (math.log((1 + s) / (1 - s)) - 1j * math.pi) ** 2
    assert f_loop(tau) == pytest.approx(expected, rel=1e-13)


def test_loop_continuous_at_threshold_and_series_switch():
    assert f_loop(1.0 - 1e-10).real == pytest.approx(math.pi**2 / 4, rel=1e-4)
    assert f_loop(1.0 + 1e-10).real == pytest.approx(math.pi**2 / 4, rel=1e-4)
    assert abs(a_loop(1.0 - 1e-10) - a_loop(1.0 + 1e-10)) < 1e-4
    # Closed form vs series across tau = 50 where the implementation switches.
    assert a_loop(49.99999).real == pytest.approx(a_loop(50.00001).real, rel=1e-8)


def test_a_loop_light_lepton_vanishes():
    assert abs(a_loop(1e-12)) < 1e-8


def test_loop_functions_accept_arrays():
    tau = np.array([0.1, 1.0, 5.0, 1e6])
    out = a_loop(tau)
    assert out.shape == (4,)
    np.testing.assert_allclose(out, [a_loop(t) for t in tau])
    assert f_loop(tau).dtype == complex


def test_a_loop_rejects_nonpositive():
    with pytest.raises(ValueError, match="tau"):
        a_loop(0.0)


def test_gamma_ll_zero_at_and_below_threshold():
    assert gamma_ll(2.0 * M_MU, 1e-3, M_MU) == 0.0
    assert gamma_ll(0.15, 1e-3, M_MU) == 0.0


def test_gamma_ll_beta_cubed_just_above_threshold():
    g = 1e-3
    for eps in (1e-6, 1e-4, 1e-2):
        m = 2.0 * M_MU * (1.0 + eps)
        beta = math.sqrt(1.0 - 4.0 * M_MU**2 / m**2)
        assert gamma_ll(m, g, M_MU) == pytest.approx(m * g * g / (8 * math.pi) * beta**3, rel=1e-9)
    # beta^3 law: ratio of two near-threshold widths ~ (eps1/eps2)^{3/2}
    r = gamma_ll(2 * M_MU * (1 + 4e-6), g, M_MU) / gamma_ll(2 * M_MU * (1 + 1e-6), g, M_MU)
    assert r == pytest.approx(8.0, rel=1e-4)


def test_gamma_ll_array():
    m = np.array([0.1, 0.3, 1.0])
    out = gamma_ll(m, 1e-3, M_MU)
    assert out[0] == 0.0
    assert np.all(out[1:] > 0)


# Reference widths for g_mu = 1e-3, GeV (docs/physics.md section 2; independently computed there).
_REF = {
    0.005: (4.36e-15, 5.07e-19, 1.34e-19, None),
    0.020: (1.85e-14, 3.30e-17, 8.58e-18, None),
    0.100: (9.31e-14, 4.51e-15, 1.20e-15, None),
    0.200: (1.86e-13, 4.81e-14, 1.61e-14, None),
    0.250: (2.33e-13, 1.29e-13, 5.48e-14, 1.52e-9),
    0.500: (4.65e-13, 3.76e-13, 1.58e-13, 1.48e-8),
}


@pytest.mark.parametrize("m_s", sorted(_REF))
def test_reference_width_table(m_s):
    g = 1e-3
    ee, gg_a, gg_b, mumu = _REF[m_s]
    g_e, g_tau = g * M_E / M_MU, g * M_TAU / M_MU
    assert gamma_ll(m_s, g_e, M_E) == pytest.approx(ee, rel=0.02)
    assert gamma_gammagamma(m_s, g_e, g, g_tau) == pytest.approx(gg_a, rel=0.02)
    assert gamma_gammagamma(m_s, 0.0, g, 0.0) == pytest.approx(gg_b, rel=0.02)
    if mumu is None:
        assert gamma_ll(m_s, g, M_MU) == 0.0
    else:
        assert gamma_ll(m_s, g, M_MU) == pytest.approx(mumu, rel=0.02)


def test_gamma_gammagamma_quadratic_in_coupling_and_heavy_loop_limit():
    m = 0.01
    assert gamma_gammagamma(m, 0, 2e-3, 0) == pytest.approx(4 * gamma_gammagamma(m, 0, 1e-3, 0), rel=1e-12)
    # tau loop only, m_S << m_tau: A -> 2/3 so Gamma = alpha^2 m^3/(64 pi^3) (g/m_tau)^2 4/9.
    from generator.constants import ALPHA_EM

    expected = ALPHA_EM**2 * m**3 / (64 * math.pi**3) * (1e-3 / M_TAU) ** 2 * 4.0 / 9.0
    assert gamma_gammagamma(m, 0, 0, 1e-3) == pytest.approx(expected, rel=1e-4)


def test_gamma_rejects_bad_input():
    with pytest.raises(ValueError, match="m_S"):
        gamma_ll(-0.1, 1e-3, M_MU)
    with pytest.raises(ValueError, match="g_mu"):
        gamma_gammagamma(0.1, 0.0, -1e-3, 0.0)


def test_decay_length():
    m, gam, e = 0.1, 1e-14, 3.0
    p = math.sqrt(e * e - m * m)
    assert decay_length_m(m, gam, e) == pytest.approx(p / (m * gam) * HBARC_GEV_M, rel=1e-14)
    assert decay_length_m(m, gam, m) == 0.0
    assert math.isinf(decay_length_m(m, 0.0, e))
    np.testing.assert_allclose(
        decay_length_m(m, gam, np.array([3.0, 6.0])),
        [decay_length_m(m, gam, 3.0), decay_length_m(m, gam, 6.0)],
    )
    with pytest.raises(ValueError, match="energy"):
        decay_length_m(m, gam, 0.05)
