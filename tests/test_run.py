"""End to end through ``run_config`` / ``run_card`` (generator/run.py): files, summary, reproducibility,
atomicity of the outputs, experiment weights, and ``generate`` against ``run_config``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import awkward as ak
import numpy as np
import pyhepmc
import pylhe
import pytest
import uproot
from _cards import small_card

import generator
import generator.output.hepmc
import generator.output.lhe
import generator.output.root
from generator.cards import parse_card_text
from generator.events import check_events
from generator.run import OUTPUT_SUFFIX, generate, run_card, run_config

REPO = Path(__file__).resolve().parents[1]
NEVENTS = 2000
MASS = 0.1
E_BEAM = 160.0
FINAL_NAMES = ("events.lhe", "events.root", "events.hepmc3", "events_fairship.root", "summary.json")
SUMMARY_KEYS = {
    "sigma_pb",
    "error_pb",
    "chi2_dof",
    "n_events",
    "unweighting_efficiency",
    "sum_weight_pb",
    "files",
    "seed",
    "mudump_version",
    "card",
}
REL = 1e-6


def card_text(
    *,
    seed: int = 1,
    nevents: int = NEVENTS,
    formats: str = "lhe, root, hepmc, fairship",
    weighted: bool = False,
    output_dir: str | None = None,
) -> str:
    text = small_card(mass=MASS, energy=E_BEAM, seed=seed, nevents=nevents, weighted=weighted,
                      extra=f"  True          = decay\n  {formats}     = output_formats\n")
    if output_dir is not None:
        text += f"  '{output_dir}' = output_dir\n"
    return text


def _write_card(path: Path, **kw) -> Path:
    path.write_text(card_text(**kw))
    return path


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    """One unweighted run writing lhe, root, hepmc and fairship (shared by the read-back tests)."""
    d = tmp_path_factory.mktemp("base")
    out = d / "out"
    card = _write_card(d / "run.dat", output_dir=str(out))
    summary = run_card(card, progress=False)
    return {"card": card, "out": out, "summary": summary}


# ------------------------------------------------------------------------------------------------
# kinematic checks (arrays of four-vectors (E, px, py, pz), shape (n, 4))
# ------------------------------------------------------------------------------------------------
def _assert_conservation(p_in, nuc_in, p_out, nuc_out, k, what: str) -> None:
    np.testing.assert_array_equal(nuc_in[:, 1:], 0.0, err_msg=f"{what}: target nucleus not at rest")
    total_in = p_in + nuc_in
    total_out = p_out + nuc_out + k
    scale = total_in[:, :1]  # E_beam + M_nucleus
    bad = np.abs(total_in - total_out) > REL * scale
    assert not bad.any(), (
        f"{what}: four-momentum not conserved in {int(bad.any(axis=1).sum())} events; "
        f"max |in - out| / E_in = {np.max(np.abs(total_in - total_out) / scale):.3e}"
    )


def _inv_mass(p4: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=1), 0.0))


def _assert_daughter_mass(d1: np.ndarray, d2: np.ndarray, parent_mass: np.ndarray, what: str) -> None:
    assert len(d1) > 0, f"{what}: no decayed event to check"
    m = _inv_mass(d1 + d2)
    rel = np.abs(m / parent_mass - 1.0)
    assert np.all(rel < REL), f"{what}: daughters' invariant mass off by {rel.max():.3e} (relative)"


def _p4_from_fields(particles, i: int, names=("E", "px", "py", "pz")) -> np.ndarray:
    return np.column_stack([ak.to_numpy(particles[n][:, i]) for n in names])


# ------------------------------------------------------------------------------------------------
# summary
# ------------------------------------------------------------------------------------------------
def test_summary_json(base_run):
    out = base_run["out"]
    path = out / "summary.json"
    assert path.is_file()
    summary = json.loads(path.read_text())
    missing = SUMMARY_KEYS - set(summary)
    assert not missing, f"summary.json lacks {sorted(missing)}"
    assert summary["n_events"] == NEVENTS
    assert summary["seed"] == 1
    assert summary["mudump_version"] == generator.__version__
    assert summary["card"] == base_run["card"].read_text()
    assert summary["sigma_pb"] > 0
    assert 0 < summary["error_pb"] < 0.03 * summary["sigma_pb"]
    assert 0 < summary["unweighting_efficiency"] <= 1
    # unweighted, no experiment: the weights sum to sigma (on average: partial unweighting keeps
    # w/w_max for the few events above w_max, generator/integrate.py)
    assert summary["sum_weight_pb"] == pytest.approx(summary["sigma_pb"], rel=0.01)
    for fmt in ("lhe", "root", "hepmc", "fairship"):
        assert Path(summary["files"][fmt]) == out / OUTPUT_SUFFIX[fmt]
        assert (out / OUTPUT_SUFFIX[fmt]).is_file()
    # the returned summary is the file's content (plus the summary's own path)
    assert base_run["summary"]["sigma_pb"] == summary["sigma_pb"]
    assert base_run["summary"]["files"]["summary"] == str(path)
    # nothing temporary left behind by a successful run
    leftovers = [p.name for p in out.iterdir() if p.name not in FINAL_NAMES]
    assert not leftovers


# ------------------------------------------------------------------------------------------------
# read-back of every format
# ------------------------------------------------------------------------------------------------
def test_lhe_roundtrip(base_run):
    lhef = pylhe.LHEFile.fromfile(base_run["out"] / "events.lhe")
    try:
        arr = pylhe.to_awkward(lhef.events)
    finally:
        if hasattr(lhef.events, "close"):
            lhef.events.close()
    assert len(arr) == NEVENTS
    assert float(lhef.init.procInfo[0].xSection) == pytest.approx(base_run["summary"]["sigma_pb"], rel=1e-12)
    particles = arr.particles
    names = ("e", "px", "py", "pz")
    vec = particles.vector
    four = [np.column_stack([ak.to_numpy(vec[n][:, i]) for n in names]) for i in range(5)]
    assert np.all(ak.to_numpy(particles.status[:, 0]) == -1)
    assert np.all(ak.to_numpy(particles.status[:, 1]) == -1)
    _assert_conservation(*four, what="LHE")
    n_part = ak.to_numpy(ak.num(particles))
    decayed = n_part == 7
    assert set(np.unique(n_part)) <= {5, 7}
    dec = vec[decayed]
    d1 = np.column_stack([ak.to_numpy(dec[n][:, 5]) for n in names])
    d2 = np.column_stack([ak.to_numpy(dec[n][:, 6]) for n in names])
    parent_m = ak.to_numpy(particles.m[decayed][:, 4])
    np.testing.assert_allclose(parent_m, MASS, rtol=1e-12)
    assert np.all(ak.to_numpy(particles.status[decayed][:, 4]) == 2)
    _assert_daughter_mass(d1, d2, parent_m, "LHE")


def test_root_roundtrip(base_run):
    with uproot.open(base_run["out"] / "events.root") as f:
        tree = f["events"]
        assert tree.num_entries == NEVENTS
        a = tree.arrays()
        ri = f["run_info"].arrays()
    assert ri["n_events"][0] == NEVENTS
    assert ri["sigma_pb"][0] == base_run["summary"]["sigma_pb"]
    assert np.all(ak.to_numpy(a["nparticles"]) == ak.to_numpy(ak.num(a["E"])))
    four = [np.column_stack([ak.to_numpy(a[n][:, i]) for n in ("E", "px", "py", "pz")]) for i in range(5)]
    _assert_conservation(*four, what="ROOT")
    decayed = ak.to_numpy(a["channel"]) >= 0
    assert np.all(ak.to_numpy(a["nparticles"])[decayed] == 7)
    sel = a[decayed]
    d1 = np.column_stack([ak.to_numpy(sel[n][:, 5]) for n in ("E", "px", "py", "pz")])
    d2 = np.column_stack([ak.to_numpy(sel[n][:, 6]) for n in ("E", "px", "py", "pz")])
    _assert_daughter_mass(d1, d2, ak.to_numpy(sel["m"][:, 4]), "ROOT")
    # event_norm = average: the mean of w_xsec is sigma; partially unweighted, so all but the few
    # events above w_max carry the unit weight
    w = ak.to_numpy(a["w_xsec"])
    pu = base_run["summary"]["partial_unweighting"]
    assert np.min(w) == pytest.approx(pu["unit_weight_pb"] * NEVENTS, rel=1e-12)
    assert np.mean(w) == pytest.approx(base_run["summary"]["sigma_pb"], rel=0.01)


def _vec(p) -> np.ndarray:
    m = p.momentum
    return np.array([m.e, m.px, m.py, m.pz])


def test_hepmc_roundtrip(base_run):
    n = 0
    p_in, nuc_in, p_out, nuc_out, k = ([] for _ in range(5))
    d1, d2, parent_m = [], [], []
    with pyhepmc.open(base_run["out"] / "events.hepmc3") as f:
        for evt in f:
            n += 1
            v1 = evt.vertices[0]
            ins, outs = list(v1.particles_in), list(v1.particles_out)
            assert len(ins) == 2
            assert len(outs) == 3
            p_in.append(_vec(ins[0]))
            nuc_in.append(_vec(ins[1]))
            p_out.append(_vec(outs[0]))
            nuc_out.append(_vec(outs[1]))
            k.append(_vec(outs[2]))
            if len(evt.vertices) == 2:
                v2 = evt.vertices[1]
                (boson,) = v2.particles_in
                assert boson.status == 2
                a, b = v2.particles_out
                d1.append(_vec(a))
                d2.append(_vec(b))
                parent_m.append(boson.generated_mass)
    assert n == NEVENTS
    _assert_conservation(*(np.array(x) for x in (p_in, nuc_in, p_out, nuc_out, k)), what="HepMC3")
    _assert_daughter_mass(np.array(d1), np.array(d2), np.array(parent_m), "HepMC3")


def test_fairship_roundtrip(base_run):
    with uproot.open(base_run["out"] / "events_fairship.root") as f:
        llp = f["LLP_tree"].arrays(library="np")
        w = f["mudump_weights"].arrays(library="np")
    assert len(llp["e_llp"]) == NEVENTS
    assert len(w["w_xsec"]) == NEVENTS
    np.testing.assert_allclose(llp["mass_llp"], MASS, rtol=1e-12)
    decayed = llp["pdg_prod1"] != -999.0
    assert decayed.any()
    d1 = np.column_stack([llp[f"{v}_prod1"][decayed] for v in ("e", "px", "py", "pz")])
    d2 = np.column_stack([llp[f"{v}_prod2"][decayed] for v in ("e", "px", "py", "pz")])
    _assert_daughter_mass(d1, d2, llp["mass_llp"][decayed], "FairShip")
    # the LLP four-momentum is the sum of its daughters'
    k = np.column_stack([llp[f"{v}_llp"][decayed] for v in ("e", "px", "py", "pz")])
    assert np.all(np.abs(k - d1 - d2) <= REL * k[:, :1])


# ------------------------------------------------------------------------------------------------
# reproducibility
# ------------------------------------------------------------------------------------------------
def test_same_seed_gives_identical_files(base_run, tmp_path):
    out2 = tmp_path / "again"
    run_card(base_run["card"], progress=False, output_dir=str(out2))
    for fmt, name in OUTPUT_SUFFIX.items():
        a = (base_run["out"] / name).read_bytes()
        b = (out2 / name).read_bytes()
        assert a == b, f"{fmt}: same card and seed gave different files"


def test_different_seed_gives_different_events(base_run, tmp_path):
    out2 = tmp_path / "seed2"
    summary = run_card(base_run["card"], progress=False, output_dir=str(out2), seed=2)
    assert summary["seed"] == 2
    for fmt, name in OUTPUT_SUFFIX.items():
        assert (base_run["out"] / name).read_bytes() != (out2 / name).read_bytes(), f"{fmt}: same file"
    with uproot.open(base_run["out"] / "events.root") as f1, uproot.open(out2 / "events.root") as f2:
        e1 = ak.to_numpy(f1["events"]["E"].array()[:, 4])
        e2 = ak.to_numpy(f2["events"]["E"].array()[:, 4])
    assert not np.array_equal(e1, e2)


# ------------------------------------------------------------------------------------------------
# atomicity
# ------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_killed_run_leaves_no_final_file(tmp_path):
    """SIGKILL while the first writer streams: no file may carry a final name (.part/spool may stay)."""
    card = _write_card(tmp_path / "big.dat", nevents=200_000, weighted=True, formats="lhe, root, hepmc")
    out = tmp_path / "out"
    log = (tmp_path / "stderr.txt").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "run", str(card), "--output", str(out), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=log,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60.0
        writing = False
        while time.monotonic() < deadline and proc.poll() is None:
            # writers stream into <out>/<name>.part until every format is complete
            if out.is_dir() and any(p.name.endswith(".part") for p in out.rglob("*")):
                writing = True
                break
            time.sleep(0.05)
        assert writing, (
            f"no .part file appeared (returncode {proc.poll()}): "
            f"{(tmp_path / 'stderr.txt').read_text(errors='replace')[-500:]}"
        )
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    assert rc == -signal.SIGKILL, "the run finished before it could be killed mid-write"
    present = [
        n for n in ("events.lhe", "events.root", "events.hepmc3", "summary.json") if (out / n).exists()
    ]
    assert not present, f"a killed run left files with final names: {present}"


def _raising_after_first_chunk(original, record: list):
    def writer(path, run_info, chunks, **kwargs):
        def chunks_then_fail():
            it = iter(chunks)
            yield next(it)
            record.append(Path(str(path) + ".part").exists())
            raise RuntimeError("simulated writer failure after the first chunk")

        return original(path, run_info, chunks_then_fail(), **kwargs)

    return writer


@pytest.mark.parametrize(
    ("fmt", "module", "attr"),
    [
        ("lhe", generator.output.lhe, "stage_lhe"),
        ("root", generator.output.root, "stage_root"),
        ("hepmc", generator.output.hepmc, "stage_hepmc"),
    ],
)
def test_writer_exception_leaves_nothing(tmp_path, monkeypatch, fmt, module, attr):
    """An exception inside a writer: no file with a final name and no .part file may remain."""
    out = tmp_path / "out"
    cfg = parse_card_text(
        card_text(nevents=1000, formats="lhe, root, hepmc", output_dir=str(out)),
        path=str(tmp_path / "run.dat"),
    )
    record: list[bool] = []
    monkeypatch.setattr(module, attr, _raising_after_first_chunk(getattr(module, attr), record))
    with pytest.raises(RuntimeError, match="simulated writer failure"):
        run_config(cfg, progress=False)
    assert record == [True], "the writer had not started its .part file when it failed"
    present = [n for n in FINAL_NAMES if (out / n).exists()]
    assert not present, f"{fmt} writer failed, but files with final names remain: {present}"
    parts = [p.name for p in out.rglob("*") if p.name.endswith(".part")]
    assert not parts, f"partial files remain: {parts}"
    spools = [p.name for p in out.iterdir() if p.name.startswith(".mudump-spool-")]
    assert not spools, f"spool directories remain: {spools}"


# ------------------------------------------------------------------------------------------------
# experiment weights
# ------------------------------------------------------------------------------------------------
def test_experiment_card_expected_events_and_weights(tmp_path):
    out = tmp_path / "na64"
    summary = run_card(
        REPO / "cards" / "na64mu_scalar.dat",
        progress=False,
        nevents=1000,
        output_dir=str(out),
        output_formats="root",
        precision=0.05,
        neval=5000,
        nitn_adapt=4,
    )
    assert summary["n_events"] == 1000
    exp = summary["expected_events"]
    on_disk = json.loads((out / "summary.json").read_text())["expected_events"]
    assert on_disk["produced"] == exp["produced"]
    assert exp["produced"] > 0
    assert exp["produced"] >= exp["decayed_in_volume"] >= exp["accepted"] >= 0
    with uproot.open(out / "events.root") as f:
        w = f["events"].arrays(["w_xsec", "p_decay", "acceptance", "weight"], library="np")
    assert len(w["weight"]) == 1000
    np.testing.assert_allclose(w["weight"], w["w_xsec"] * w["p_decay"] * w["acceptance"], rtol=1e-12, atol=0)
    assert np.all((w["p_decay"] >= 0) & (w["p_decay"] <= 1))
    assert np.all((w["acceptance"] >= 0) & (w["acceptance"] <= 1))
    # the expected counts are the file's weight sums times one normalisation
    norm = exp["produced"] / w["w_xsec"].sum()
    assert exp["decayed_in_volume"] == pytest.approx(norm * (w["w_xsec"] * w["p_decay"]).sum(), rel=1e-9)
    assert exp["accepted"] == pytest.approx(norm * w["weight"].sum() * exp["efficiency"], rel=1e-9)
    assert summary["sum_weight_pb"] == pytest.approx(w["weight"].sum() / 1000, rel=1e-9)  # event_norm = average


# ------------------------------------------------------------------------------------------------
# generate() vs run_config()
# ------------------------------------------------------------------------------------------------
def test_generate_matches_run_config(tmp_path):
    out = tmp_path / "gen"
    cfg = parse_card_text(
        card_text(seed=7, nevents=1500, formats="root", output_dir=str(out)), path=str(tmp_path / "gen.dat")
    )
    events, summary = generate(cfg)
    assert isinstance(events, ak.Array)
    assert len(events) == 1500
    check_events(events)
    assert summary["n_events"] == 1500
    assert not out.exists(), "generate() must not write files"
    run_summary = run_config(cfg, progress=False)
    assert summary["sigma_pb"] == run_summary["sigma_pb"]
    assert summary["error_pb"] == run_summary["error_pb"]
    with uproot.open(out / "events.root") as f:
        e_file = ak.to_numpy(f["events"]["E"].array()[:, 4])
        w_file = f["events"]["w_xsec"].array(library="np")
    np.testing.assert_array_equal(e_file, ak.to_numpy(events.particles.E[:, 4]))
    np.testing.assert_array_equal(w_file, ak.to_numpy(events.weights.w_xsec) * 1500)  # event_norm = average
