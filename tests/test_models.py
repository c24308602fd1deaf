"""Tests for generator.models.ScalarModel."""

from __future__ import annotations

import dataclasses
import math

import pytest

from generator import widths
from generator.constants import M_E, M_MU, M_TAU
from generator.g_minus_2 import delta_a_mu_pseudoscalar, delta_a_mu_scalar
from generator.models import ScalarModel


def test_leptophilic_coupling_ratios():
    m = ScalarModel.leptophilic(1e-3)
    assert m.g_e / m.g_mu == pytest.approx(M_E / M_MU, rel=1e-14)
    assert m.g_tau / m.g_mu == pytest.approx(M_TAU / M_MU, rel=1e-14)
    assert m.name == "leptophilic"
    assert m.couplings() == {"e": m.g_e, "mu": 1e-3, "tau": m.g_tau}


def test_muonphilic_zeros():
    m = ScalarModel.muonphilic(2e-4)
    assert (m.g_e, m.g_mu, m.g_tau) == (0.0, 2e-4, 0.0)
    assert ScalarModel.from_name("muonphilic", 2e-4) == m
    assert ScalarModel.from_name("Leptophilic", 1e-3) == ScalarModel.leptophilic(1e-3)


@pytest.mark.parametrize("bad", [-1e-3, math.nan, math.inf])
def test_rejects_bad_couplings(bad):
    with pytest.raises(ValueError, match="g_mu"):
        ScalarModel.leptophilic(bad)
    with pytest.raises(ValueError, match="g_mu"):
        ScalarModel.muonphilic(bad)
    with pytest.raises(ValueError, match="g_tau"):
        ScalarModel.free(0.0, 1e-3, bad)


def test_from_name_unknown_lists_allowed():
    with pytest.raises(ValueError, match="leptophilic.*muonphilic"):
        ScalarModel.from_name("hadrophilic", 1e-3)


def test_frozen():
    m = ScalarModel.muonphilic(1e-3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.g_mu = 2e-3  # type: ignore[misc]


def test_with_coupling_rescales_widths_and_lengths():
    for m in (ScalarModel.leptophilic(1e-3), ScalarModel.free(2e-6, 1e-3, 3e-3)):
        m2 = m.with_coupling(3e-3)
        assert m2.name == m.name
        assert m2.g_e == pytest.approx(3 * m.g_e, rel=1e-14)
        assert m2.g_tau == pytest.approx(3 * m.g_tau, rel=1e-14)
        assert m2.total_width(0.3) == pytest.approx(9 * m.total_width(0.3), rel=1e-12)
        assert m2.decay_length(0.3, 10.0) == pytest.approx(m.decay_length(0.3, 10.0) / 9, rel=1e-12)
    with pytest.raises(ValueError, match="g_mu"):
        ScalarModel.free(1e-6, 0.0, 0.0).with_coupling(1e-3)


def test_partial_widths_and_branching_ratios():
    a = ScalarModel.leptophilic(1e-3)
    pw = a.partial_widths(0.1)
    assert set(pw) == {"ee", "mumu", "tautau", "gammagamma"}
    assert pw["mumu"] == 0.0
    assert pw["tautau"] == 0.0
    assert pw["ee"] == pytest.approx(widths.gamma_ll(0.1, a.g_e, M_E), rel=1e-14)
    br = a.branching_ratios(0.1)
    assert sum(br.values()) == pytest.approx(1.0, rel=1e-14)
    # docs/physics.md section 2: in model A at 100 MeV gamma gamma is 4.6 % of the total width.
    assert br["gammagamma"] == pytest.approx(0.046, abs=0.001)
    b = ScalarModel.muonphilic(1e-3)
    assert b.branching_ratios(0.1)["gammagamma"] == 1.0
    assert b.branching_ratios(0.5)["mumu"] > 0.98


def test_decay_length_published_anchor_points():
    """Rella–Döbrich–Yu eqs. 13–14 anchors: 60.7 m and 61.2 m at E_S = 30 GeV, m_S = 100 MeV."""
    assert ScalarModel.leptophilic(1e-4).decay_length(0.1, 30.0) == pytest.approx(60.7, rel=5e-3)
    assert ScalarModel.muonphilic(9e-4).decay_length(0.1, 30.0) == pytest.approx(61.2, rel=5e-3)


def test_delta_a_mu_delegates():
    assert ScalarModel.muonphilic(5e-4).delta_a_mu(0.1) == delta_a_mu_scalar(5e-4, 0.1)


# ---------------------------------------------------------------------------------------------------
# CP mixing angle: L ⊃ −g_ℓ S ℓ̄ (cos φ + i sin φ γ5) ℓ, φ = cp_angle ∈ [−π/2, π/2]
# ---------------------------------------------------------------------------------------------------
def test_cp_angle_defaults_to_zero_and_changes_nothing():
    for build in (ScalarModel.leptophilic, ScalarModel.muonphilic):
        m0, m = build(1e-3), build(1e-3, cp_angle=0.0)
        assert m0.cp_angle == 0.0
        assert m0 == m
        for m_s in (0.005, 0.1, 0.25, 0.5, 4.0):
            assert m.partial_widths(m_s) == m0.partial_widths(m_s)
            assert m.delta_a_mu(m_s) == delta_a_mu_scalar(1e-3, m_s)
    assert ScalarModel(1e-6, 1e-3, 0.0, "free") == ScalarModel.free(1e-6, 1e-3, 0.0, cp_angle=0.0)


def test_cp_angle_kept_by_constructors_and_with_coupling():
    phi = 0.6
    for m in (
        ScalarModel.leptophilic(1e-3, phi),
        ScalarModel.muonphilic(1e-3, cp_angle=phi),
        ScalarModel.from_name("Leptophilic", 1e-3, cp_angle=phi),
        ScalarModel.from_name("muonphilic", 1e-3, phi),
        ScalarModel.free(2e-6, 1e-3, 3e-3, cp_angle=phi),
    ):
        assert m.cp_angle == phi
        m2 = m.with_coupling(3e-3)
        assert m2.cp_angle == phi
        assert m2.name == m.name
        assert m2.total_width(0.3) == pytest.approx(9 * m.total_width(0.3), rel=1e-12)
        assert m2.delta_a_mu(0.3) == pytest.approx(9 * m.delta_a_mu(0.3), rel=1e-12)
    assert ScalarModel.from_name("muonphilic", 1e-3, phi) != ScalarModel.muonphilic(1e-3)


@pytest.mark.parametrize("bad", [2.0, -2.0, math.pi, 1.5708, math.nan, math.inf])
def test_cp_angle_validated(bad):
    with pytest.raises(ValueError, match=rf"cp_angle = {bad} but require -pi/2 <= cp_angle <= pi/2 \(rad\)"):
        ScalarModel.muonphilic(1e-3, cp_angle=bad)
    with pytest.raises(ValueError, match="cp_angle"):
        ScalarModel.from_name("leptophilic", 1e-3, cp_angle=bad)
    with pytest.raises(ValueError, match="cp_angle"):
        ScalarModel(0.0, 1e-3, 0.0, cp_angle=bad)


def test_cp_angle_not_a_number_and_end_points():
    with pytest.raises(ValueError, match="cp_angle = 'pi' but require a real number"):
        ScalarModel.muonphilic(1e-3, cp_angle="pi")  # type: ignore[arg-type]
    for phi in (-math.pi / 2, math.pi / 2):
        assert ScalarModel.muonphilic(1e-3, cp_angle=phi).cp_angle == phi
    assert isinstance(ScalarModel.muonphilic(1e-3, cp_angle=1).cp_angle, float)


@pytest.mark.parametrize("phi", [-math.pi / 2, -0.4, 0.9, math.pi / 2])
def test_cp_angle_reaches_widths_and_delta_a_mu(phi):
    a = ScalarModel.leptophilic(1e-3, cp_angle=phi)
    for m_s in (0.1, 0.25, 4.0):
        pw = a.partial_widths(m_s)
        assert pw["ee"] == widths.gamma_ll(m_s, a.g_e, M_E, phi)
        assert pw["mumu"] == widths.gamma_ll(m_s, a.g_mu, M_MU, phi)
        assert pw["tautau"] == widths.gamma_ll(m_s, a.g_tau, M_TAU, phi)
        assert pw["gammagamma"] == widths.gamma_gammagamma(m_s, a.g_e, a.g_mu, a.g_tau, phi)
        assert pw == ScalarModel.leptophilic(1e-3, cp_angle=-phi).partial_widths(m_s)
    expected = math.cos(phi) ** 2 * delta_a_mu_scalar(1e-3, 0.1) + math.sin(phi) ** 2 * delta_a_mu_pseudoscalar(
        1e-3, 0.1
    )
    assert a.delta_a_mu(0.1) == pytest.approx(expected, rel=1e-12, abs=1e-25)


def test_pseudoscalar_model_numbers():
    """φ = π/2: Γ_μμ = g² m β/(8π) (β¹, not β³), Δa_μ < 0, shorter decay length above the μμ threshold."""
    g, m_s = 1e-3, 0.25
    p = ScalarModel.muonphilic(g, cp_angle=math.pi / 2)
    s = ScalarModel.muonphilic(g)
    beta = math.sqrt(1 - 4 * M_MU**2 / m_s**2)
    assert p.partial_widths(m_s)["mumu"] == pytest.approx(g * g * m_s * beta / (8 * math.pi), rel=1e-12)
    assert p.partial_widths(m_s)["mumu"] / s.partial_widths(m_s)["mumu"] == pytest.approx(1 / beta**2, rel=1e-12)
    assert p.delta_a_mu(0.1) == delta_a_mu_pseudoscalar(g, 0.1) < 0
    assert p.decay_length(m_s, 30.0) < s.decay_length(m_s, 30.0)
    # below the μμ threshold only γγ: heavy-ish muon loop, A_P > A, so the pseudoscalar decays faster too
    assert p.total_width(0.1) > s.total_width(0.1)


def test_a_model_without_partial_widths_cannot_be_made():
    """DecayingBoson derives everything from partial_widths: a model that lacks them is refused when it is
    made (an abstract method), not when a width is first asked for."""
    from generator.processes.models import DecayingBoson

    class NoWidths(DecayingBoson):
        __slots__ = ()

    with pytest.raises(TypeError, match="partial_widths"):
        NoWidths()
