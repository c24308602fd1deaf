"""Tests for generator.widths: loop function limits, thresholds, reference widths (docs/physics.md section 2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generator.constants import ALPHA_EM, HBARC_GEV_M, M_E, M_MU, M_TAU
from generator.widths import a_loop, a_loop_pseudoscalar, decay_length_m, f_loop, gamma_gammagamma, gamma_ll


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


# ---------------------------------------------------------------------------------------------------
# CP mixture: L ⊃ −g S ℓ̄ (cos φ + i sin φ γ5) ℓ (generator.widths module docstring)
# ---------------------------------------------------------------------------------------------------
_MASSES = np.array([0.005, 0.02, 0.1, 0.2, 0.2114, 0.25, 0.5, 3.0, 3.6, 5.0])
_ANGLES = [-math.pi / 2, -1.1, -0.3, 0.2, math.pi / 4, 1.3, math.pi / 2]


def _old_gamma_ll(m, g, m_l):
    """The CP-even expression exactly as it was before the CP angle existed."""
    beta2 = np.clip(1.0 - 4.0 * m_l * m_l / (m * m), 0.0, None)
    return m * g * g / (8.0 * math.pi) * beta2**1.5


def _old_gamma_gg(m, g_e, g_mu, g_tau):
    amp = 0j
    for g, m_l in ((g_e, M_E), (g_mu, M_MU), (g_tau, M_TAU)):
        if g != 0.0:
            amp += g / m_l * a_loop(4.0 * m_l * m_l / (m * m))
    return ALPHA_EM**2 * m**3 / (64.0 * math.pi**3) * abs(amp) ** 2


@pytest.mark.parametrize("phi", [0.0, -0.0])
def test_cp_angle_zero_is_bit_identical(phi):
    g = 1e-3
    for m_l in (M_E, M_MU, M_TAU):
        assert np.array_equal(gamma_ll(_MASSES, g, m_l, cp_angle=phi), _old_gamma_ll(_MASSES, g, m_l))
        assert np.array_equal(gamma_ll(_MASSES, g, m_l, phi), gamma_ll(_MASSES, g, m_l))
    for couplings in ((g * M_E / M_MU, g, g * M_TAU / M_MU), (0.0, g, 0.0), (2e-6, 0.0, 3e-3)):
        for m in _MASSES:
            assert gamma_gammagamma(m, *couplings, cp_angle=phi) == _old_gamma_gg(m, *couplings)
        assert np.array_equal(gamma_gammagamma(_MASSES, *couplings, phi), gamma_gammagamma(_MASSES, *couplings))


def test_pseudoscalar_gamma_ll_closed_form_and_beta_one_threshold():
    g = 1e-3
    for eps in (1e-8, 1e-6, 1e-4, 1e-2, 1.0):
        m = 2.0 * M_MU * (1.0 + eps)
        beta = math.sqrt(1.0 - 4.0 * M_MU**2 / m**2)
        assert gamma_ll(m, g, M_MU, math.pi / 2) == pytest.approx(m * g * g / (8 * math.pi) * beta, rel=1e-9)
        assert gamma_ll(m, g, M_MU, -math.pi / 2) == gamma_ll(m, g, M_MU, math.pi / 2)
    # beta^1 law (S-wave): quadrupling the distance to threshold doubles the width (beta^3 gives 8).
    lo, hi = 2 * M_MU * (1 + 1e-6), 2 * M_MU * (1 + 4e-6)
    assert gamma_ll(hi, g, M_MU, math.pi / 2) / gamma_ll(lo, g, M_MU, math.pi / 2) == pytest.approx(2.0, rel=1e-5)
    assert gamma_ll(hi, g, M_MU, 0.0) / gamma_ll(lo, g, M_MU, 0.0) == pytest.approx(8.0, rel=1e-4)
    # near threshold any admixture wins: Gamma(phi)/Gamma(pi/2) = sin^2 phi + cos^2 phi beta^2 -> sin^2 phi
    ratio = gamma_ll(lo, g, M_MU, 0.3) / gamma_ll(lo, g, M_MU, math.pi / 2)
    beta2 = 1.0 - 4.0 * M_MU**2 / lo**2
    assert ratio == pytest.approx(math.sin(0.3) ** 2 + math.cos(0.3) ** 2 * beta2, rel=1e-9)
    assert ratio == pytest.approx(math.sin(0.3) ** 2, rel=1e-4)
    # closed below and at threshold whatever the angle; far above, beta -> 1 and the angle drops out
    assert gamma_ll(2.0 * M_MU, g, M_MU, math.pi / 2) == 0.0
    assert gamma_ll(0.15, g, M_MU, 0.7) == 0.0
    assert gamma_ll(1e3, g, M_E, math.pi / 2) == pytest.approx(gamma_ll(1e3, g, M_E), rel=1e-11)


@pytest.mark.parametrize("phi", _ANGLES)
def test_mixture_is_cos2_scalar_plus_sin2_pseudoscalar(phi):
    g = 1e-3
    c2, s2 = math.cos(phi) ** 2, math.sin(phi) ** 2
    for m_l in (M_E, M_MU, M_TAU):
        mix = gamma_ll(_MASSES, g, m_l, phi)
        np.testing.assert_allclose(
            mix, c2 * gamma_ll(_MASSES, g, m_l) + s2 * gamma_ll(_MASSES, g, m_l, math.pi / 2), rtol=1e-13
        )
        np.testing.assert_array_equal(mix, gamma_ll(_MASSES, g, m_l, -phi))
    for couplings in ((g * M_E / M_MU, g, g * M_TAU / M_MU), (0.0, g, 0.0)):
        mix = gamma_gammagamma(_MASSES, *couplings, phi)
        pure = c2 * gamma_gammagamma(_MASSES, *couplings) + s2 * gamma_gammagamma(_MASSES, *couplings, math.pi / 2)
        np.testing.assert_allclose(mix, pure, rtol=1e-13)
        np.testing.assert_array_equal(mix, gamma_gammagamma(_MASSES, *couplings, -phi))


@pytest.mark.parametrize("tau", [1e2, 1e4, 1e8, 1e14, 1e30])
def test_a_loop_pseudoscalar_heavy_lepton_limit(tau):
    """A_P = τ arcsin²(τ^{-1/2}) = 1 + 1/(3τ) + 8/(45τ²) + O(τ^-3) (arcsin² series); Djouadi's A^A = 2 A_P → 2."""
    a = a_loop_pseudoscalar(tau)
    assert a.imag == 0.0
    assert a.real == pytest.approx(1.0 + 1.0 / (3.0 * tau) + 8.0 / (45.0 * tau**2), rel=0.2 / tau**3 + 1e-14)
    assert 2.0 * a.real == pytest.approx(2.0, rel=0.34 / tau)
    assert 2.0 * a_loop(tau).real == pytest.approx(4.0 / 3.0, rel=0.24 / tau)


@pytest.mark.parametrize("tau", [1.0, 1.5, 3.0, 10.0, 40.0, 60.0])
def test_a_loop_pseudoscalar_closed_form_below_threshold(tau):
    assert a_loop_pseudoscalar(tau).real == pytest.approx(tau * math.asin(tau**-0.5) ** 2, rel=1e-12)
    assert a_loop_pseudoscalar(tau).imag == 0.0


@pytest.mark.parametrize("tau", [1e-8, 1e-3, 0.3, 0.9])
def test_a_loop_pseudoscalar_above_threshold(tau):
    s = math.sqrt(1.0 - tau)
    expected = -0.25 * tau * (math.log((1 + s) / (1 - s)) - 1j * math.pi) ** 2
    assert a_loop_pseudoscalar(tau) == pytest.approx(expected, rel=1e-12)
    assert a_loop_pseudoscalar(tau).imag != 0.0


def test_a_loop_pseudoscalar_arrays_and_errors():
    tau = np.array([0.1, 1.0, 5.0, 1e6])
    np.testing.assert_allclose(a_loop_pseudoscalar(tau), [a_loop_pseudoscalar(t) for t in tau])
    assert abs(a_loop_pseudoscalar(1e-12)) < 1e-8
    assert abs(a_loop_pseudoscalar(1.0 - 1e-10) - a_loop_pseudoscalar(1.0 + 1e-10)) < 1e-4
    with pytest.raises(ValueError, match="tau"):
        a_loop_pseudoscalar(-1.0)


def test_gamma_gammagamma_pseudoscalar_heavy_loop_limit():
    """τ loop only, m_S ≪ m_τ: low-energy theorems, L = (α/4π)(g/m_τ) S F F̃ vs (α/6π)(g/m_τ) S F F.

    Both give Γ = c² m_S³/(4π), so Γ_P = α² m_S³ g²/(64 π³ m_τ²) (A_P = 1) and Γ_P/Γ_S = (3/2)² = 9/4.
    """
    m, g = 0.01, 1e-3
    c_p = ALPHA_EM / (4.0 * math.pi) * g / M_TAU
    c_s = ALPHA_EM / (6.0 * math.pi) * g / M_TAU
    gam_p = gamma_gammagamma(m, 0, 0, g, math.pi / 2)
    gam_s = gamma_gammagamma(m, 0, 0, g)
    assert gam_p == pytest.approx(c_p**2 * m**3 / (4.0 * math.pi), rel=1e-4)
    assert gam_s == pytest.approx(c_s**2 * m**3 / (4.0 * math.pi), rel=1e-4)
    assert gam_p == pytest.approx(ALPHA_EM**2 * m**3 / (64 * math.pi**3) * (g / M_TAU) ** 2, rel=1e-4)
    assert gam_p / gam_s == pytest.approx(9.0 / 4.0, rel=1e-4)


def test_gamma_gammagamma_pseudoscalar_light_loop_and_threshold():
    """Muon loop above threshold (τ < 1): A_P complex, |A_P|² from the log form; model B at 0.5 GeV."""
    m, g = 0.5, 1e-3
    tau = 4 * M_MU**2 / m**2
    s = math.sqrt(1 - tau)
    a_p = -0.25 * tau * (math.log((1 + s) / (1 - s)) - 1j * math.pi) ** 2
    expected = ALPHA_EM**2 * m**3 / (64 * math.pi**3) * (g / M_MU) ** 2 * abs(a_p) ** 2
    assert gamma_gammagamma(m, 0.0, g, 0.0, math.pi / 2) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", [2.0, -1.6, math.pi, math.nan, math.inf, "x"])
def test_cp_angle_out_of_range(bad):
    with pytest.raises(ValueError, match=r"cp_angle = .* but require .*-pi/2 <= cp_angle <= pi/2"):
        gamma_ll(0.3, 1e-3, M_MU, bad)
    with pytest.raises(ValueError, match=r"cp_angle = .* but require .*-pi/2 <= cp_angle <= pi/2"):
        gamma_gammagamma(0.3, 0.0, 1e-3, 0.0, bad)
