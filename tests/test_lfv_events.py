"""lfv_alp end to end: the three shipped cards run to files; events carry the tau, the a -> mu tau charge
states and the [004] selection (experiment LFV keys) as acceptance."""

from __future__ import annotations

import math
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from generator.cards import load_card
from generator.constants import CTAU_TAU_M, M_TAU
from generator.run import generate, run_config

CARDS = Path(__file__).resolve().parent.parent / "cards"
QUICK = {"nevents": 300, "precision": 0.03, "nitn_adapt": 4, "neval": 4000}


def _flight(p4):
    return np.exp(-0.002 * M_TAU / (np.linalg.norm(p4[:, 1:], axis=1) * CTAU_TAU_M))


@pytest.mark.parametrize("card", ["na64mu_lfv_alp.dat", "fasernu2_lfv_alp.dat", "mucoll_thin_lfv_alp.dat"])
def test_cards_run_to_all_formats(card, tmp_path):
    cfg = load_card(CARDS / card, output_dir=str(tmp_path), **QUICK)
    summary = run_config(cfg, progress=False)
    for fmt in ("lhe", "root", "hepmc"):
        assert Path(summary["files"][fmt]).stat().st_size > 0
    counts = summary["expected_events"]
    assert 0 < counts["accepted"] < counts["produced"]


def test_visible_thin_target_selection():
    """mu- beam: outgoing tau-, a -> mu tau in both charge states (~50/50); only the charge flip a -> mu+ tau-
    is accepted, with weight B(3-prong)^2 x P(both taus fly > 2 mm)."""
    cfg = load_card(CARDS / "mucoll_thin_lfv_alp.dat", **QUICK)
    events, _summary = generate(cfg)
    parts = events.particles
    assert np.all(ak.to_numpy(parts.pdgid[:, 0]) == 13)
    assert np.all(ak.to_numpy(parts.pdgid[:, 2]) == 15)
    d1 = ak.to_numpy(parts.pdgid[:, 5])
    assert set(np.unique(d1)) == {13, -13}
    flip = d1 == -13  # the a-daughter muon is a mu+ (beam mu-)
    assert 0.4 < flip.mean() < 0.6
    acc = ak.to_numpy(events.weights.acceptance)
    assert np.all(acc[~flip] == 0)
    p_tau = np.stack([ak.to_numpy(parts[f][:, 2]) for f in ("E", "px", "py", "pz")], axis=1)
    p_tau2 = np.stack([ak.to_numpy(parts[f][:, 6]) for f in ("E", "px", "py", "pz")], axis=1)
    expect = 0.15**2 * _flight(p_tau) * _flight(p_tau2)
    assert np.allclose(acc[flip], expect[flip], rtol=1e-9)
    # prompt decay: the ALP vertex is within nanometres of the production point
    dz = ak.to_numpy(events.decay_z) - ak.to_numpy(events.prod_z)
    assert np.all(np.abs(dz) < 1e-6)


def test_invisible_na64_selection():
    """NA64-mu: invisible a -> chi chi~ only, outgoing tau below 80 GeV, B(tau -> mu nu nu) = 0.1739."""
    cfg = load_card(CARDS / "na64mu_lfv_alp.dat", **QUICK)
    events, _ = generate(cfg)
    chan = ak.to_numpy(events.channel)
    e_tau = ak.to_numpy(events.particles.E[:, 2])
    acc = ak.to_numpy(events.weights.acceptance)
    chichi = chan == 1
    assert chichi.mean() > 0.8
    ok = chichi & (e_tau < 80.0)
    assert np.allclose(acc[ok], 0.1739)
    assert np.all(acc[~ok] == 0)
    assert math.isclose(float(ak.to_numpy(events.weights.p_decay).min()), 1.0)


@pytest.mark.parametrize(("card", "g1"), [("na64mu_lfv_alp.dat", 0.6), ("mucoll_thin_lfv_alp.dat", 1e-3)])
def test_yields_vs_coupling_matches_a_run_at_that_coupling(card, g1):
    """N(g) from one sample at the card's g (the process's own selection, BR_chichi(g) moving with g_mutau at
    fixed g_chi) equals a run at g."""
    from generator.run import yields_vs_coupling

    cfg = load_card(CARDS / card, precision=0.02, nitn_adapt=4, neval=6000)
    n = yields_vs_coupling(cfg, np.array([g1]), n_events=6000)
    direct = generate(cfg.replace(coupling=g1, nevents=6000, weighted=True, seed=11))[1]["expected_events"]
    err = np.hypot(n["accepted_error"][0], direct["accepted_error"])
    assert direct["accepted"] > 0
    assert abs(n["accepted"][0] - direct["accepted"]) < 4 * err + 0.03 * direct["accepted"]


@pytest.mark.parametrize(("card", "base", "variant", "d", "b"), [
    ("fasernu2_lfv_alp.dat", "fasernu2", "fasernu2_ultimate", 0.0, 1.0),
    ("mucoll_thin_lfv_alp.dat", "mucoll_thin", "mucoll_thin_2cm", 0.02, 0.15),
    ("mucoll_thin_lfv_alp.dat", "mucoll_thin", "mucoll_thin_ultimate", 0.0, 1.0),
])
def test_shipped_experiment_variants_run(card, base, variant, d, b):
    """The [004] variants shipped as geometry/experiments/*.toml ('ultimate': all tau modes, no cuts; the thin
    target with d = 2 cm) run from the card by name: the same events as the base experiment (same seed), the
    production tau weighted by B exp(-d / gamma beta c tau) of the variant, and the counts ordered."""
    kw = dict(QUICK, nevents=200, model="invisible", m_chi=None, seed=7)
    ev_b, s_b = generate(load_card(CARDS / card, experiment=base, **kw))
    ev_v, s_v = generate(load_card(CARDS / card, experiment=variant, **kw))
    assert s_v["sigma_pb"] == s_b["sigma_pb"]
    np.testing.assert_array_equal(ak.to_numpy(ev_v.particles.E[:, 2]), ak.to_numpy(ev_b.particles.E[:, 2]))
    chichi = ak.to_numpy(ev_v.channel) == 1
    tau = np.stack([ak.to_numpy(ev_v.particles[f][:, 2]) for f in ("E", "px", "py", "pz")], axis=1)
    expect = b * np.exp(-d * M_TAU / (np.linalg.norm(tau[:, 1:], axis=1) * CTAU_TAU_M))
    acc = ak.to_numpy(ev_v.weights.acceptance)
    np.testing.assert_allclose(acc[chichi], expect[chichi], rtol=1e-12)
    assert np.all(acc[~chichi] == 0.0)
    n_b, n_v = s_b["expected_events"]["accepted"], s_v["expected_events"]["accepted"]
    assert n_b > 0
    assert n_v > 0
    assert (n_v > n_b) if variant.endswith("ultimate") else (n_v < n_b)


def test_slha_block_lists_both_charge_states_and_chi():
    """The LHE <slha> block of an LFV run matches its events: a -> mu- tau+ and mu+ tau- (half each), and
    chi (9000007) has a MASS, a DECAY (stable) and a QNUMBERS entry (neutral Dirac fermion)."""
    import dataclasses

    from generator.constants import PDG_DARK_FERMION
    from generator.events import RunInfo
    from generator.output.lhe import slha_block
    from generator.plan import plan
    from generator.summary import _boson

    run_plan = plan(load_card(CARDS / "na64mu_lfv_alp.dat", **QUICK))
    boson = _boson(run_plan)
    info = RunInfo(process="lfv_alp", beam_pdg=13, beam_energy=160.0, target_z=82, target_a=207,
                   nucleus_mass=193.0, sigma_pb=1.0, error_pb=0.1, weighted=False, boson=boson)
    lines = [ln.split("#")[0].split() for ln in slha_block(info).splitlines()]
    br = dict(zip(run_plan.channels, run_plan.branching))
    mutau = next(float(b) for c, b in br.items() if c.name == "mutau")
    chichi = next((c, float(b)) for c, b in br.items() if c.name == "chichi")
    assert [f"{mutau / 2:.16e}", "2", "13", "-15"] in lines
    assert [f"{mutau / 2:.16e}", "2", "-13", "15"] in lines
    assert [f"{chichi[1]:.16e}", "2", str(PDG_DARK_FERMION), str(-PDG_DARK_FERMION)] in lines
    assert [str(PDG_DARK_FERMION), f"{chichi[0].masses[0]:.16e}"] in lines  # BLOCK MASS
    assert ["DECAY", str(PDG_DARK_FERMION), f"{0.0:.16e}"] in lines
    qnumbers = [ln for ln in lines if ln[:2] == ["BLOCK", "QNUMBERS"]]
    assert ["BLOCK", "QNUMBERS", str(PDG_DARK_FERMION)] in qnumbers
    chi = lines[lines.index(["BLOCK", "QNUMBERS", str(PDG_DARK_FERMION)]) + 1:][:4]
    assert chi == [["1", "0"], ["2", "2"], ["3", "1"], ["4", "1"]]  # neutral, spin 1/2, singlet, chi != chi~
    total = sum(float(ln[0]) for ln in lines if len(ln) == 4 and ln[1] == "2")
    assert math.isclose(total, sum(float(b) for b in br.values() if b > 0), rel_tol=1e-12)
    assert dataclasses.asdict(info)["boson"]["new_daughters"][0]["pdg"] == PDG_DARK_FERMION
