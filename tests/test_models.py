"""Tests for generator.models.ScalarModel."""

from __future__ import annotations

import dataclasses
import math

import pytest

from generator import widths
from generator.constants import M_E, M_MU, M_TAU
from generator.g_minus_2 import delta_a_mu_scalar
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
