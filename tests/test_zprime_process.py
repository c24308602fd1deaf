"""The Z' of L_mu - L_tau as a process: from the registry through cards, the CLI, events and counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from generator.cards import load_card, parse_card_text, template_card
from generator.exceptions import CardError
from generator.registry import get_process
from generator.run import generate
from generator.xsec import cross_section

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "cards" / "na64mu_zprime.dat"


def test_spec():
    proc = get_process("zprime")
    assert proc.spin == 1
    assert proc.boson_label == "Z'"
    assert proc.models == ("lmu_ltau", "lmu_ltau_dm", "muonphilic_vector")
    assert proc.methods == ("exact", "ww", "iww")
    assert proc.param_names == ("m_chi", "g_chi")
    assert "= m_chi" in template_card("zprime")


def test_xsec_and_width_commands(capsys):
    from generator.cli import main

    assert main(["xsec", "--process", "zprime", "--model", "lmu_ltau", "--target", "Pb", "--energy", "160",
                 "--mass", "0.1", "--coupling", "1", "--precision", "0.02", "--json"]) == 0
    xs = json.loads(capsys.readouterr().out)
    assert xs["process"] == "zprime"
    assert xs["sigma_pb"] > 0
    assert main(["width", "--process", "zprime", "--model", "lmu_ltau_dm", "--mass", "0.3", "--coupling",
                 "1e-3", "--json"]) == 0
    w = json.loads(capsys.readouterr().out)
    assert {"width_GeV", "delta_a_mu", "branching_ratios", "partial_widths_GeV"} <= set(w)
    assert set(w["branching_ratios"]) == {"mumu", "tautau", "nunu_mu", "nunu_tau", "chichi"}
    assert w["delta_a_mu"] > 0
    assert w["spin"] == 1
    assert sum(w["branching_ratios"].values()) == pytest.approx(1.0)


def test_dark_matter_parameters_belong_to_lmu_ltau_dm():
    with pytest.raises(CardError, match="has no dark fermion"):
        load_card(CARD, g_chi=0.5)
    with pytest.raises(CardError, match="chi chi~ is closed"):
        load_card(CARD, model="lmu_ltau_dm", m_chi=0.06)
    assert load_card(CARD, model="lmu_ltau_dm", m_chi=0.02).params["m_chi"] == 0.02


def test_na64mu_events_missing_energy_signature():
    """Below 2 m_mu the Z' decays to nu nu~ only: every decay is missing energy wherever it happens
    (P = 1), and the acceptance is the outgoing muon below 80 GeV (the experiment's key)."""
    cfg = load_card(CARD, nevents=2000, weighted=True, precision=0.03, neval=5000, nitn_adapt=4)
    events, summary = generate(cfg)
    p_decay = np.asarray(events.weights.p_decay)
    acc = np.asarray(events.weights.acceptance)
    e_out = np.asarray(events.particles.E[:, 2])
    assert np.all(p_decay == 1.0)
    np.testing.assert_array_equal(acc, (e_out < 80.0).astype(float))
    assert 0.3 < acc.mean() < 1.0
    dau = np.asarray(events.particles.pdgid[:, 5:7])
    assert set(np.unique(np.abs(dau))) <= {14, 16}
    assert summary["expected_events"]["accepted"] > 0
    # a visible decay (mu mu, m > 2 m_mu) counts only beyond the 5 m detector: at g = 4.8e-4 never
    heavy = generate(cfg.replace(mass=0.5))[0]
    mumu = np.abs(np.asarray(heavy.particles.pdgid[:, 5])) == 13
    assert mumu.any()
    assert np.all(np.asarray(heavy.weights.p_decay)[mumu] < 1e-6)
    assert np.all(np.asarray(heavy.weights.p_decay)[~mumu] == 1.0)


def test_ww_tends_to_exact_at_high_energy_small_mass():
    exact = cross_section(process="zprime", target="Pb", energy=1000.0, mass=0.01, precision=0.01)
    ww = cross_section(process="zprime", target="Pb", energy=1000.0, mass=0.01, method="ww")
    assert ww.sigma_pb / exact.sigma_pb == pytest.approx(1.0, abs=0.03)


def test_card_refuses_the_scalar_parameters():
    with pytest.raises(CardError, match="cp_angle is a parameter of process scalar"):
        parse_card_text(CARD.read_text() + "0.3 = cp_angle\n", str(CARD))
