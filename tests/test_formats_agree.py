"""One truth across formats (issue 12): a real run read back by the tools users feed it to.

The same NA64-mu-like run (Pb, 160 GeV, S -> ll decays in the decay volume) is written as LHE, ROOT,
HepMC3 and the FairShip tree; pylhe, uproot and pyhepmc read them, and every event must agree: PDG ids,
statuses, mothers, four-momenta and masses, vertices and times, and weights. Every real number is
printed with 17 significant digits, so "to printed precision" means exactly the same double for what
is copied, and 1e-15 relative for what a writer derives (mm from m, the decay time c t_lab).

The second part checks the Les Houches accord's rule for sigma on weighted and (partially)
unweighted LHE files: IDWTUP = 3 -> sigma = XSECUP; IDWTUP = 4 -> sigma = mean of XWGTUP (with
``event_norm = average``; its sum with ``event_norm = sum``).
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

from generator.cards import parse_card_text
from generator.run import run_config

N = 1500


def _run(tmp: Path, *, weighted: bool, event_norm: str = "average", gzip: bool = False, seed: int = 5,
         formats: str = "lhe, root, hepmc, fairship") -> tuple[Path, dict]:
    out = tmp / f"run_{int(weighted)}_{event_norm}_{int(gzip)}"
    extra = (f"  na64mu = experiment\n  True = decay\n  {formats} = output_formats\n  '{out}' = output_dir\n"
             f"  {event_norm} = event_norm\n  {gzip} = lhe_gzip\n")
    text = small_card(mass=0.1, energy=160.0, seed=seed, nevents=N, weighted=weighted, extra=extra)
    text = text.replace("  Pb            = target\n", "").replace("  160.0    = beam_energy\n", "")
    cfg = parse_card_text(text, path=str(tmp / "card.dat"))
    return out, run_config(cfg, progress=False)


@pytest.fixture(scope="module")
def weighted_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("agree"), weighted=True)


def _lhe(path: Path) -> tuple[pylhe.LHEFile, ak.Array]:
    lhef = pylhe.LHEFile.fromfile(path)
    return lhef, pylhe.to_awkward(lhef.events)


def _flat(a) -> np.ndarray:
    return ak.to_numpy(ak.flatten(a))


def test_every_event_agrees_across_formats(weighted_run):
    out, summary = weighted_run
    lhef, lhe = _lhe(out / "events.lhe")
    with uproot.open(out / "events.root") as f:
        root = f["events"].arrays()
        scale = float(f["run_info"]["weight_scale"].array(library="np")[0])
    with pyhepmc.open(out / "events.hepmc3") as f:
        hep = list(f)
    assert len(lhe) == len(root) == len(hep) == N == summary["n_events"]
    assert scale == N  # event_norm = average: cross-section weights times N in every file

    # --- particles: ids, statuses, mothers, momenta, masses --------------------------------------
    np.testing.assert_array_equal(_flat(lhe.particles.id), _flat(root.pdgid))
    np.testing.assert_array_equal(_flat(lhe.particles.status), _flat(root.status))
    np.testing.assert_array_equal(_flat(lhe.particles.mother1), _flat(root.mother1) + 1)  # LHE 1-based
    np.testing.assert_array_equal(_flat(lhe.particles.mother2), _flat(root.mother2) + 1)
    vec = lhe.particles.vector
    for lhe_name, root_name in (("e", "E"), ("px", "px"), ("py", "py"), ("pz", "pz")):
        np.testing.assert_array_equal(_flat(vec[lhe_name]), _flat(root[root_name]))
    np.testing.assert_array_equal(_flat(lhe.particles.m), _flat(root.m))
    hep_p = [(p.pid, p.status, p.momentum.e, p.momentum.px, p.momentum.py, p.momentum.pz, p.generated_mass)
             for e in hep for p in e.particles]
    hep_p = np.array(hep_p)
    np.testing.assert_array_equal(hep_p[:, 0], _flat(root.pdgid))
    np.testing.assert_array_equal(hep_p[:, 1], np.where(_flat(root.status) == -1, 4, _flat(root.status)))
    for col, name in enumerate(("E", "px", "py", "pz", "m"), start=2):
        np.testing.assert_array_equal(hep_p[:, col], _flat(root[name]))
    # HepMC3 parents are the schema's mothers
    for e, r in zip(hep[:200], root[:200]):
        for i, p in enumerate(e.particles):
            parents = sorted(q.id - 1 for q in p.parents)
            expected = sorted({int(r.mother1[i]), int(r.mother2[i])} - {-1})
            assert parents == expected

    # --- vertices (mm) and times ----------------------------------------------------------------
    decayed = ak.to_numpy(root.channel) >= 0
    assert decayed.any()
    for i, e in enumerate(hep):
        prod = e.vertices[0].position
        assert (prod.x, prod.y, prod.z, prod.t) == (root.prod_x[i], root.prod_y[i], root.prod_z[i], 0.0)
        if decayed[i]:
            d = e.particles[4].end_vertex.position
            assert (d.x, d.y, d.z) == (root.decay_x[i], root.decay_y[i], root.decay_z[i])
            k = e.particles[4].momentum
            flight = math.dist((d.x, d.y, d.z), (prod.x, prod.y, prod.z))
            assert d.t == pytest.approx(flight * k.e / k.p3mod(), rel=1e-15)
            proper = float(str(e.attributes["proper_ctau_mm"]))
            assert proper == root.proper_ctau_mm[i]
            assert proper == pytest.approx(flight * k.m() / k.p3mod(), rel=1e-6)  # m from E, p: not exact
        else:
            assert len(e.vertices) == 1
    # LHE VTIMUP of the boson = the same proper decay distance, mm
    np.testing.assert_array_equal(ak.to_numpy(lhe.particles.lifetime[:, 4]), ak.to_numpy(root.proper_ctau_mm))

    # --- weights ---------------------------------------------------------------------------------
    for w in ("w_xsec", "p_decay", "acceptance", "weight"):
        np.testing.assert_array_equal(ak.to_numpy(lhe.weights[w]), ak.to_numpy(root[w]))
        np.testing.assert_array_equal([e.weight(w) for e in hep], ak.to_numpy(root[w]))
    np.testing.assert_array_equal(ak.to_numpy(lhe.eventinfo.weight), ak.to_numpy(root.w_xsec))  # XWGTUP
    assert str(hep[0].run_info.attributes["event_norm"]) == "average"
    assert hep[0].cross_section.xsec() == summary["sigma_pb"]
    assert lhef.init.procInfo[0].xSection == summary["sigma_pb"]

    # --- the FairShip tree: the same bosons (vertices in m there, FairShip converts) --------------
    with uproot.open(out / "events_fairship.root") as f:
        llp = f["LLP_tree"].arrays(library="np")
        fw = f["mudump_weights"].arrays(library="np")
    np.testing.assert_array_equal(llp["e_llp"], ak.to_numpy(root.E[:, 4]))
    np.testing.assert_allclose(llp["vz"] * 1e3, ak.to_numpy(root.decay_z), rtol=1e-15)
    np.testing.assert_array_equal(fw["weight"], ak.to_numpy(root.weight))


def _sigma_by_the_accord(path: Path) -> tuple[float, float, int, str]:
    """(sigma, its MC error, IDWTUP, how) from an LHE file by the Les Houches rule."""
    lhef, arr = _lhe(path)
    idwtup = lhef.init.initInfo.weightingStrategy
    xwgt = ak.to_numpy(arr.eventinfo.weight)
    if idwtup == 3:
        assert np.all(xwgt == xwgt[0])
        return lhef.init.procInfo[0].xSection, 0.0, idwtup, "XSECUP"
    assert idwtup == 4
    return float(xwgt.mean()), float(xwgt.std() / math.sqrt(len(xwgt))), idwtup, "mean XWGTUP"


def test_weighted_lhe_gives_sigma_by_the_accord(weighted_run):
    out, summary = weighted_run
    sigma, _, idwtup, _ = _sigma_by_the_accord(out / "events.lhe")
    assert idwtup == 4
    lhef, arr = _lhe(out / "events.lhe")
    assert lhef.init.procInfo[0].unitWeight == ak.max(arr.eventinfo.weight)  # XMAXUP
    assert sigma == pytest.approx(summary["sigma_pb"], rel=1e-12)  # the weights are normalised to sigma
    assert sigma == pytest.approx(summary["sum_w_xsec_pb"], rel=1e-12)  # mean of N x w = sum of w


@pytest.mark.parametrize("gzip", [False, True])
def test_unweighted_lhe_gives_sigma_by_the_accord(tmp_path, gzip):
    out, summary = _run(tmp_path, weighted=False, gzip=gzip, formats="lhe")
    name = "events.lhe.gz" if gzip else "events.lhe"
    assert summary["files"]["lhe"] == str(out / name)
    sigma, _, idwtup, how = _sigma_by_the_accord(out / name)
    pu = summary["partial_unweighting"]
    assert idwtup == (3 if pu["max_weight_ratio"] == 1.0 else 4), how
    assert summary["output"]["lhe"]["idwtup"] == idwtup
    _, arr = _lhe(out / name)
    xwgt = ak.to_numpy(arr.eventinfo.weight)
    assert np.min(xwgt) == pytest.approx(pu["unit_weight_pb"] * N, rel=1e-12)
    assert np.max(xwgt) == pytest.approx(pu["weight_range_pb"][1] * N, rel=1e-12)
    assert sigma == pytest.approx(summary["sigma_pb"], rel=1e-12)  # the mean is sigma, as the header says


def test_event_norm_sum(tmp_path):
    out, summary = _run(tmp_path, weighted=True, event_norm="sum", formats="lhe, root")
    _, arr = _lhe(out / "events.lhe")
    total = float(ak.sum(arr.eventinfo.weight))
    assert total == pytest.approx(summary["sum_w_xsec_pb"], rel=1e-12)
    with uproot.open(out / "events.root") as f:
        assert f["run_info"]["weight_scale"].array(library="np")[0] == 1.0
        assert bool(f["run_info"]["event_norm_sum"].array(library="np")[0])
        assert float(np.sum(f["events"]["w_xsec"].array(library="np"))) == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("event_norm", ["sum", "average"])
def test_weights_give_the_header_sigma_exactly(tmp_path, weighted, event_norm):
    """The Les Houches accord, read back with pylhe: with event_norm = sum the XWGTUP sum to the header's
    XSECUP, with average their mean is XSECUP, to rounding (1e-9), for weighted and partially unweighted
    events alike (the weights sum to 732.85 pb and the header said 724.69 pb before, issue 18)."""
    out, summary = _run(tmp_path, weighted=weighted, event_norm=event_norm, formats="lhe, root", seed=7)
    lhef, arr = _lhe(out / "events.lhe")
    xsecup = lhef.init.procInfo[0].xSection
    xwgt = ak.to_numpy(arr.eventinfo.weight)
    assert xsecup == summary["sigma_pb"]
    got = xwgt.sum() if event_norm == "sum" else xwgt.mean()
    assert got == pytest.approx(xsecup, rel=1e-9)
    with uproot.open(out / "events.root") as f:
        w = f["events"]["w_xsec"].array(library="np")
        sigma = float(f["run_info"]["sigma_pb"].array(library="np")[0])
    assert (w.sum() if event_norm == "sum" else w.mean()) == pytest.approx(sigma, rel=1e-9)
    if not weighted:
        assert summary["partial_unweighting"]["fraction_of_events_above_max"] > 0, "no event above w_max: " \
            "the test would not see the partial unweighting's excess"
