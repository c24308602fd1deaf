"""LHE VTIMUP = the boson's sampled proper decay distance, consistent with the ROOT and HepMC3 vertices.

Before: VTIMUP was the mean c*tau (``ctau_m``) for every event, so VTIMUP x |k|/m disagreed with the
decay vertex written to the ROOT and HepMC3 files of the same run.
"""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pyhepmc
import pylhe
import pytest
import uproot
from _cards import small_card
from test_output import _chunks, _run_info, _synthetic

from generator.events import check_events
from generator.output.hepmc import write_hepmc
from generator.output.lhe import write_lhe
from generator.output.root import write_root
from generator.run import run_card

REL = 1e-6


def _lhe_vtimup(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(VTIMUP [mm], |k| [GeV], m [GeV]) of the boson (particle 5, 1-based) of every event."""
    arr = pylhe.to_awkward(pylhe.LHEFile.fromfile(path).events)
    boson = arr.particles[:, 4]
    k = np.sqrt(sum(ak.to_numpy(boson.vector[c]) ** 2 for c in ("px", "py", "pz")))
    return ak.to_numpy(boson.lifetime), k, ak.to_numpy(boson.m)


def _root_flight_mm(path: Path, tree: str = "events") -> tuple[np.ndarray, np.ndarray]:
    with uproot.open(path) as f:
        a = f[tree].arrays(["prod_x", "prod_y", "prod_z", "decay_x", "decay_y", "decay_z", "channel"],
                           library="np")
    d = np.sqrt(sum((a[f"decay_{c}"] - a[f"prod_{c}"]) ** 2 for c in "xyz"))  # the ROOT file is in mm
    return d, a["channel"]


def _hepmc_flight_mm(path: Path) -> np.ndarray:
    """|V2 - V1| in mm per event (0 without a decay vertex)."""
    out = []
    with pyhepmc.open(path) as f:
        for evt in f:
            v = evt.vertices
            if len(v) < 2:
                out.append(0.0)
                continue
            p, d = v[0].position, v[1].position
            out.append(float(np.sqrt((d.x - p.x) ** 2 + (d.y - p.y) ** 2 + (d.z - p.z) ** 2)))
    return np.array(out)


def _check(lhe: Path, root: Path, hepmc: Path) -> None:
    vtim, k, m = _lhe_vtimup(lhe)
    flight_root, channel = _root_flight_mm(root)
    flight_hepmc = _hepmc_flight_mm(hepmc)
    decayed = channel >= 0
    assert decayed.sum() >= 20
    np.testing.assert_allclose((vtim * k / m)[decayed], flight_root[decayed], rtol=REL, atol=0.0)
    np.testing.assert_allclose((vtim * k / m)[decayed], flight_hepmc[decayed], rtol=REL, atol=0.0)
    assert np.all(vtim[~decayed] == 0.0)
    # a sampled value per event, not one constant
    assert len(np.unique(vtim[decayed])) == decayed.sum()
    assert np.std(vtim[decayed]) > 0.1 * np.mean(vtim[decayed])


def test_proper_ctau_field(tmp_path: Path) -> None:
    ev = _synthetic(300, seed=11)
    check_events(ev)
    k = ev.particles[:, 4]
    p = np.sqrt(ak.to_numpy(k.px) ** 2 + ak.to_numpy(k.py) ** 2 + ak.to_numpy(k.pz) ** 2)
    flight = np.sqrt(sum((ak.to_numpy(ev[f"decay_{c}"]) - ak.to_numpy(ev[f"prod_{c}"])) ** 2 for c in "xyz"))
    np.testing.assert_allclose(ak.to_numpy(ev.proper_ctau_m), flight * ak.to_numpy(k.m) / p, rtol=1e-12)
    assert np.all(ak.to_numpy(ev.proper_ctau_m)[ak.to_numpy(ev.channel) < 0] == 0.0)


def test_vtimup_matches_vertices_synthetic(tmp_path: Path) -> None:
    ev = _synthetic(300, seed=11)
    ri = _run_info()
    lhe = write_lhe(tmp_path / "e.lhe", ri, _chunks(ev)).path
    root = write_root(tmp_path / "e.root", ri, _chunks(ev)).path
    hepmc = write_hepmc(tmp_path / "e.hepmc", ri, _chunks(ev)).path
    _check(lhe, root, hepmc)


@pytest.mark.parametrize("weighted", [False, True])
def test_vtimup_matches_vertices_small_run(tmp_path: Path, weighted: bool) -> None:
    """A small run (Pb, 160 GeV, m_S = 100 MeV, S -> ee decays sampled): LHE vs ROOT vs HepMC3."""
    out = tmp_path / "out"
    card = tmp_path / "run.dat"
    card.write_text(small_card(mass=0.1, energy=160.0, seed=5, nevents=300, weighted=weighted,
                               extra=f"  True = decay\n  lhe, root, hepmc = output_formats\n  '{out}' = output_dir\n"))
    summary = run_card(card, progress=False)
    files = summary["files"]
    _check(Path(files["lhe"]), Path(files["root"]), Path(files["hepmc"]))
