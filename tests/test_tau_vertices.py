"""tau flight in the files (issue 10 item 5): every particle has a production vertex, tau decay products sit
at the tau decay vertex Pythia 8 drew, and LHE VTIMUP of each tau is its sampled proper decay distance with
flight = VTIMUP |p|/m in the ROOT and HepMC3 files of the same run. Also the per-event charge-flip flag
(a -> mu+ tau- for a mu- beam) in the schema, ROOT, HepMC3 and LHE.

Before: the schema had no per-particle vertex (tau decay vertices were dropped), VTIMUP was 0 for every tau,
and no file said which events had the charge flip.
"""

from __future__ import annotations

import math
from pathlib import Path

import awkward as ak
import numpy as np
import pyhepmc
import pylhe
import pytest
import uproot
from _cards import small_card

from generator.cards import load_card, parse_card_text
from generator.constants import CTAU_TAU_M
from generator.events import check_events
from generator.run import generate, run_config

CARDS = Path(__file__).resolve().parent.parent / "cards"
QUICK = {"precision": 0.03, "nitn_adapt": 4, "neval": 4000}
N = 200


def _run(tmp: Path, tau_decays: str, seed: int = 3) -> dict:
    cfg = load_card(CARDS / "mucoll_thin_lfv_alp.dat", tau_decays=tau_decays, nevents=N, seed=seed,
                    output_dir=str(tmp / tau_decays), output_formats="lhe, root, hepmc", **QUICK)
    return run_config(cfg, progress=False)


@pytest.fixture(scope="module")
def pythia_run(tmp_path_factory):
    pytest.importorskip("pythia8mc", reason="tau_decays = pythia8 needs the pythia extra: pip install 'mudump[pythia]'")
    return _run(tmp_path_factory.mktemp("tauv"), "pythia8")


def _lhe(path: str):
    lhef = pylhe.LHEFile.fromfile(path)
    events = list(lhef.events)
    return events, pylhe.to_awkward(events)


def _root(path: str) -> ak.Array:
    with uproot.open(path) as f:
        return f["events"].arrays()


def _flat(a) -> np.ndarray:
    return ak.to_numpy(ak.flatten(a))


def test_tau_flight_and_decay_vertex_in_lhe_root_hepmc(pythia_run):
    files = pythia_run["files"]
    _, lhe = _lhe(files["lhe"])
    root = _root(files["root"])
    with pyhepmc.open(files["hepmc"]) as f:
        hep = list(f)
    assert len(lhe) == len(root) == len(hep) == N

    # the taus: LHE VTIMUP (mm) = ROOT proper_ct (mm); flight in ROOT = VTIMUP |p|/m
    pid = _flat(root.pdgid)
    is_tau = np.abs(pid) == 15
    assert is_tau.sum() == 2 * N  # visible model: the production tau and the tau of a -> mu tau
    assert np.all(_flat(root.status)[is_tau] == 2)
    vtim = _flat(lhe.particles.lifetime)[is_tau]
    np.testing.assert_array_equal(vtim, _flat(root.proper_ct)[is_tau])
    assert np.all(vtim > 0)
    assert len(np.unique(vtim)) == is_tau.sum()
    assert abs(vtim.mean() / (CTAU_TAU_M * 1e3) - 1) < 4 / math.sqrt(is_tau.sum())  # exp(c tau_tau)
    p = np.sqrt(sum(_flat(lhe.particles.vector[c]) ** 2 for c in ("px", "py", "pz")))[is_tau]
    m = _flat(lhe.particles.m)[is_tau]
    e = _flat(lhe.particles.vector.e)[is_tau]
    v = {c: _flat(root[c]) for c in ("vx", "vy", "vz", "vt")}
    start = np.stack([v[c][is_tau] for c in ("vx", "vy", "vz")], axis=1)

    # decay vertex of each tau = production vertex of its nu_tau (a direct daughter) in ROOT
    counts = ak.to_numpy(ak.num(root.pdgid))
    first = np.repeat(np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    mother_flat = np.where(_flat(root.mother1) >= 0, _flat(root.mother1) + first, -1)
    tau_rows = np.flatnonzero(is_tau)
    end = np.empty((len(tau_rows), 4))
    n_exact = n_kids = 0
    for k, j in enumerate(tau_rows):
        kids = np.flatnonzero(mother_flat == j)
        assert len(kids) >= 2
        nu = kids[np.abs(pid[kids]) == 16]
        assert len(nu) == 1
        end[k] = [v[c][nu[0]] for c in ("vx", "vy", "vz", "vt")]
        # every product starts at the tau decay point, but for those of short-lived intermediate hadrons
        # (pi0 -> gamma gamma at ~25 nm x gamma, eta, K0 -> K0_S/L), which Pythia places slightly later
        shift = np.sqrt(sum((v[c][kids] - end[k, i]) ** 2 for i, c in enumerate(("vx", "vy", "vz"))))
        assert np.all(shift < 1.0)  # mm
        n_exact += np.count_nonzero(shift == 0.0)
        n_kids += len(kids)
    assert n_exact > 0.6 * n_kids
    flight = np.linalg.norm(end[:, :3] - start, axis=1)
    np.testing.assert_allclose(flight, vtim * p / m, rtol=1e-6)
    np.testing.assert_allclose(end[:, 3] - v["vt"][is_tau], vtim * e / m, rtol=1e-6)  # c t_lab = c t E/m
    assert np.median(flight) > 2.0  # TeV taus fly centimetres: the vertices are not all at one point

    # HepMC3: one vertex per tau decay, at the same point and time; the tau's products come out of it
    k = 0
    for evt in hep:
        for q in evt.particles:
            if abs(q.pid) != 15:
                continue
            d = q.end_vertex.position
            assert (d.x, d.y, d.z, d.t) == pytest.approx(tuple(end[k]), rel=1e-12, abs=1e-12)
            s = q.production_vertex.position
            assert (s.x, s.y, s.z) == pytest.approx(tuple(start[k]), rel=1e-12, abs=1e-12)
            assert math.dist((d.x, d.y, d.z), (s.x, s.y, s.z)) == pytest.approx(vtim[k] * p[k] / m[k], rel=1e-6)
            kids = q.end_vertex.particles_out
            assert len(kids) >= 2
            assert all(c.production_vertex.id == q.end_vertex.id for c in kids)
            k += 1
    assert k == len(tau_rows)


def test_undecayed_tau_carries_a_sampled_lifetime(tmp_path):
    """tau_decays = none: each tau stays status 1 with VTIMUP drawn from exp(c tau_tau), in LHE and ROOT."""
    files = _run(tmp_path, "none")["files"]
    _, lhe = _lhe(files["lhe"])
    root = _root(files["root"])
    is_tau = np.abs(_flat(root.pdgid)) == 15
    assert is_tau.sum() == 2 * N
    assert np.all(_flat(root.status)[is_tau] == 1)
    vtim = _flat(lhe.particles.lifetime)[is_tau]
    np.testing.assert_array_equal(vtim, _flat(root.proper_ct)[is_tau])
    assert np.all(vtim > 0)
    assert len(np.unique(vtim)) == is_tau.sum()
    assert abs(vtim.mean() / (CTAU_TAU_M * 1e3) - 1) < 4 / math.sqrt(is_tau.sum())
    assert np.all(_flat(lhe.particles.lifetime)[~is_tau & (_flat(root.pdgid) != 9000005)] == 0.0)


# --------------------------------------------------------------------------------------------------
# charge flip
# --------------------------------------------------------------------------------------------------


def test_charge_flip_flag_in_schema_and_files(pythia_run):
    """mucoll_thin visible: about half of the a -> mu tau decays give mu+ for the mu- beam; the flag is the
    same in the schema's events, ROOT, HepMC3 (attribute) and LHE (<event charge_flip="...">)."""
    files = pythia_run["files"]
    root = _root(files["root"])
    flip = ak.to_numpy(root.charge_flip).astype(bool)
    mu_a = ak.to_numpy(root.pdgid[:, 5])  # the a-daughter muon (channel mutau)
    assert np.all(np.abs(mu_a) == 13)
    assert np.all(ak.to_numpy(root.pdgid[:, 0]) == 13)
    np.testing.assert_array_equal(flip, mu_a == -13)
    assert abs(flip.mean() - 0.5) < 4 * math.sqrt(0.25 / N)
    # only the flipped events pass the [004] Fig. 7 selection (acceptance > 0)
    assert np.all(ak.to_numpy(root.acceptance)[~flip] == 0.0)
    assert np.all(ak.to_numpy(root.acceptance)[flip] > 0)
    events, _ = _lhe(files["lhe"])
    np.testing.assert_array_equal([int(e.attributes["charge_flip"]) for e in events], flip.astype(int))
    with pyhepmc.open(files["hepmc"]) as f:
        hep_flip = [int(str(e.attributes["charge_flip"])) for e in f]
    np.testing.assert_array_equal(hep_flip, flip.astype(int))


def test_charge_flip_schema_field_and_zero_for_scalar(tmp_path):
    cfg = load_card(CARDS / "mucoll_thin_lfv_alp.dat", nevents=N, **QUICK)
    events, _ = generate(cfg)
    check_events(events)
    flip = ak.to_numpy(events.charge_flip)
    assert flip.dtype == np.bool_
    np.testing.assert_array_equal(flip, ak.to_numpy(events.particles.pdgid[:, 5]) == -13)
    # scalar S -> mu+ mu- (no net muon number): never a flip, in the schema and the files
    out = tmp_path / "scalar"
    text = small_card(mass=0.5, energy=160.0, seed=5, nevents=300, weighted=True,
                      extra=f"  True = decay\n  lhe, root, hepmc = output_formats\n  '{out}' = output_dir\n")
    summary = run_config(parse_card_text(text, path=str(tmp_path / "card.dat")), progress=False)
    root = _root(summary["files"]["root"])
    assert np.any(np.abs(ak.to_numpy(root.pdgid[ak.to_numpy(root.channel) >= 0][:, 5])) == 13)
    assert not np.any(ak.to_numpy(root.charge_flip))
    lhe_events, _ = _lhe(summary["files"]["lhe"])
    assert {e.attributes["charge_flip"] for e in lhe_events} == {"0"}


def test_charge_flip_follows_each_events_beam_charge():
    """A flux of both muon charges (FASERnu2): the flag compares with each event's own beam muon."""
    from generator.events import build_events

    n = 5
    p4 = np.tile([10.0, 0.0, 0.0, 9.0], (n, 1))
    d_pdg = np.array([[-13, 15], [13, -15], [13, -15], [-13, 15], [13, -13]])
    ev = build_events(p4, p4, p4, p4, p4, lepton_in_pdg=np.array([13, -13, 13, -13, 13]),
                      lepton_out_pdg=np.array([15, -15, 15, -15, 15]), nucleus_pdg=1000822080, boson_pdg=9000005,
                      daughters_p4=np.zeros((n, 2, 4)), daughters_pdg=d_pdg, channel=np.zeros(n, dtype=int),
                      decay_vertex=np.array([0.0, 0.0, 1.0]), ctau_m=1.0, w_xsec=1.0)
    check_events(ev)
    np.testing.assert_array_equal(ak.to_numpy(ev.charge_flip), [True, True, False, False, False])
    # every particle has its vertex: slots 0-4 at the production point, the boson's daughters at its decay
    np.testing.assert_array_equal(ak.to_numpy(ev.particles.vz), np.tile([0.0, 0, 0, 0, 0, 1, 1], (n, 1)))
    np.testing.assert_allclose(ak.to_numpy(ev.particles.vt[:, 5]), 10.0 / 9.0, rtol=1e-15)  # c t = L E/|p|
    np.testing.assert_array_equal(ak.to_numpy(ev.particles.proper_ct[:, 4]), ak.to_numpy(ev.proper_ctau_m))


def test_taus_of_a_displaced_boson_decay_start_at_its_vertex_and_time():
    """S -> tau tau (scalar, tau_decays = pythia8): each tau starts at the boson's decay vertex and time
    c t = L E/|k|; its products at that point + proper_ct p/m, at time vt_tau + proper_ct E/m."""
    pytest.importorskip("pythia8mc", reason="tau_decays = pythia8 needs the pythia extra: pip install 'mudump[pythia]'")
    text = small_card(mass=4.0, energy=160.0, seed=5, nevents=100, weighted=True,
                      extra="  True = decay\n  pythia8 = tau_decays\n  1e-6 = coupling\n")
    ev, summary = generate(parse_card_text(text.replace("  5e-4          = coupling\n", ""), path="s.dat"))
    check_events(ev)
    p = ev.particles
    tautau = ak.to_numpy(ev.channel) == list(summary["branching_ratios"]).index("tautau")
    assert tautau.sum() > 50
    L = np.sqrt(sum((ak.to_numpy(ev[f"decay_{c}"]) - ak.to_numpy(ev[f"prod_{c}"])) ** 2 for c in "xyz"))
    assert np.median(L[tautau]) > 1e-4  # m: the boson flies
    k = {f: ak.to_numpy(p[f][:, 4]) for f in ("E", "px", "py", "pz")}
    t_dec = L * k["E"] / np.sqrt(k["px"] ** 2 + k["py"] ** 2 + k["pz"] ** 2)
    for i in np.flatnonzero(tautau)[:40]:
        e = {f: ak.to_numpy(p[f][i]) for f in ak.fields(p)}
        for j in (5, 6):
            assert abs(e["pdgid"][j]) == 15
            assert e["status"][j] == 2
            assert (e["vx"][j], e["vy"][j], e["vz"][j]) == (ev.decay_x[i], ev.decay_y[i], ev.decay_z[i])
            assert e["vt"][j] == pytest.approx(t_dec[i], rel=1e-12)
            nu = np.flatnonzero((e["mother1"] == j) & (np.abs(e["pdgid"]) == 16))[0]
            ct, mass = e["proper_ct"][j], e["m"][j]
            for a, q in (("vx", "px"), ("vy", "py"), ("vz", "pz")):
                assert e[a][nu] == pytest.approx(e[a][j] + ct * e[q][j] / mass, rel=1e-9, abs=1e-15)
            assert e["vt"][nu] == pytest.approx(e["vt"][j] + ct * e["E"][j] / mass, rel=1e-9)
