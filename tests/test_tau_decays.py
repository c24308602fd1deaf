"""tau decays through Pythia 8 (decay-only mode) on real Pythia events: branching fractions against the PDG,
flight length against exp(-l / (gamma beta c tau)), and the products written back into the event schema."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np
import pytest
from scipy import stats

from generator.constants import CTAU_TAU_M, M_TAU
from generator.events import check_events
from generator.tau_decays import decay_taus

# PDG 2022 (R.L. Workman et al., PTEP 2022 083C01) tau- leptonic and topological branching fractions (the
# topological ones agree with L3, PLB 519 (2001) 189: 85.27 % and 14.56 %):
B_MU, B_E = 0.1739, 0.1782  # tau -> mu nu nu, e nu nu
B_1PRONG, B_3PRONG = 0.8524, 0.1457  # one / three charged particles (K0_S undecayed)
N = 6000
P_TAU = 100.0  # GeV


@pytest.fixture(scope="module")
def decayed():
    pytest.importorskip("pythia8mc", reason="tau_decays = pythia8 needs the pythia extra: pip install 'mudump[pythia]'")
    p4 = np.tile([math.hypot(P_TAU, M_TAU), 0.0, 0.0, P_TAU], (N, 1))
    pdg = np.where(np.arange(N) % 2 == 0, 15, -15)
    return decay_taus(p4, pdg, np.zeros((N, 3)), seed=4242), pdg


def _within(frac, b, n, sys=0.006):
    return abs(frac - b) < 4 * math.sqrt(b * (1 - b) / n) + sys  # sys: Pythia's tau tables vs PDG 2022


@pytest.mark.slow
def test_branching_fractions_vs_pdg(decayed):
    td, _pdg = decayed
    n_mu = n_e = 0
    n_ch = np.zeros(N, dtype=int)
    for i in range(N):
        ids = td.pdg[td.offsets[i]:td.offsets[i + 1]]
        a = np.abs(ids)  # prongs: charged hadrons, muons, |net e charge| (a Dalitz e+e- pair is no prong)
        n_ch[i] = np.isin(a, (13, 211, 321, 2212)).sum() + abs(int(np.sum(np.sign(ids[a == 11]))))
        n_mu += any(abs(int(x)) == 13 for x in ids)
        n_e += any(abs(int(x)) == 11 for x in ids)
    assert _within(n_mu / N, B_MU, N)
    assert _within((n_mu + n_e) / N, B_MU + B_E, N)
    assert _within(np.mean(n_ch == 1), B_1PRONG, N)
    assert _within(np.mean(n_ch == 3), B_3PRONG, N)


@pytest.mark.slow
def test_charge_energy_and_lepton_number(decayed):
    td, pdg = decayed
    e = np.add.reduceat(td.p4[:, 0], td.offsets[:-1])
    assert np.allclose(e, math.hypot(P_TAU, M_TAU), rtol=1e-9)
    nu_tau = np.array([16 * np.sign(p) in td.pdg[td.offsets[i]:td.offsets[i + 1]] for i, p in enumerate(pdg)])
    assert nu_tau.all()  # tau- -> nu_tau, tau+ -> anti-nu_tau


@pytest.mark.slow
def test_flight_length_is_exponential_with_boost(decayed):
    td, _ = decayed
    scale = P_TAU / M_TAU * CTAU_TAU_M  # gamma beta c tau
    flight = np.linalg.norm(td.tau_decay_vertex, axis=1)
    assert abs(flight.mean() / scale - 1) < 4 / math.sqrt(N)
    assert stats.kstest(flight, "expon", args=(0, scale)).pvalue > 1e-3
    # products start at their tau's decay vertex, photons from pi0 (c tau = 25 nm, boosted) slightly later
    start = np.repeat(td.tau_decay_vertex, np.diff(td.offsets), axis=0)
    shift = np.linalg.norm(td.vertex - start, axis=1)
    assert np.mean(shift < 1e-12) > 0.5  # most products come straight out of the tau decay
    assert 0 < np.max(shift) < 1e-3  # pi0 (Dalitz) and eta chains: displaced by at most ~0.1 mm


@pytest.mark.slow
def test_products_appended_to_the_event_schema():
    pytest.importorskip("pythia8mc", reason="tau_decays = pythia8 needs the pythia extra: pip install 'mudump[pythia]'")
    from pathlib import Path

    from generator.cards import load_card
    from generator.run import generate
    card = Path(__file__).resolve().parent.parent / "cards" / "mucoll_thin_lfv_alp.dat"
    cfg = load_card(card, tau_decays="pythia8", nevents=200, precision=0.03, nitn_adapt=4, neval=4000)
    events, _ = generate(cfg)
    check_events(events)
    parts = events.particles
    assert np.all(ak.to_numpy(ak.num(parts)) > 7)
    status = ak.to_numpy(ak.flatten(parts.status))
    pdg = ak.to_numpy(ak.flatten(parts.pdgid))
    assert np.all(status[np.abs(pdg) == 15] == 2)  # both taus decayed
    mothers = ak.to_numpy(ak.flatten(parts.mother1[:, 7:]))
    tau_idx = ak.to_numpy(ak.flatten(ak.local_index(parts)[np.abs(parts.pdgid) == 15]))
    assert set(np.unique(mothers)) <= set(np.unique(tau_idx))
    # four-momentum of each tau = sum of its products
    first = events[0].particles
    for j in np.flatnonzero(np.abs(ak.to_numpy(first.pdgid)) == 15):
        kids = ak.to_numpy(first.mother1) == j
        assert float(np.sum(ak.to_numpy(first.E)[kids])) == pytest.approx(float(first.E[j]), rel=1e-9)


def test_tau_decays_pythia8_without_pythia_is_refused_before_any_work(tmp_path, monkeypatch):
    """Without the pythia extra a tau_decays = pythia8 run stops before the integration, naming the extra."""
    import sys
    from pathlib import Path

    from generator.cards import load_card
    from generator.exceptions import MissingExtra
    from generator.run import run_config

    monkeypatch.setitem(sys.modules, "pythia8mc", None)
    cfg = load_card(Path(__file__).resolve().parent.parent / "cards" / "mucoll_thin_lfv_alp.dat", tau_decays="pythia8", nevents=10, output_dir=str(tmp_path / "o"))
    with pytest.raises(MissingExtra, match=r"tau_decays = pythia8 needs pythia8mc.*pip install 'mudump\[pythia\]'"):
        run_config(cfg, progress=False)
    assert not (tmp_path / "o").exists()
