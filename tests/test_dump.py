"""The simulated proton dump (geometry/dump) and ``mudump flux`` (issue 17).

Pure parts (forced-decay weights, transport, file, thinning) run everywhere; the Pythia 8 parts
``importorskip("pythia8mc")`` (the ``pythia`` extra). Slow ones (a card run) carry ``@pytest.mark.slow``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from generator.constants import M_MU
from geometry.beams import MuonFlux
from geometry.dump.cascade import CascadeSettings
from geometry.dump.decays import decay_probability, truncated_exponential
from geometry.dump.flux import read_provenance, summarise, thin, write_flux_csv
from geometry.dump.interactions import collisions_per_nucleus, interaction_point, nucleus_bracket
from geometry.dump.layout import DumpGeometry, Slab, geometry_hash
from geometry.dump.pythia_setup import import_pythia
from geometry.dump.transport import highland_theta0, transport_muons
from geometry.experiments import Experiment, ExperimentError, load_experiment
from geometry.materials import get_material
from geometry.propagation import energy_after

REPO = Path(__file__).resolve().parents[1]


def _slab_geometry(*layers: tuple[str, float, float], plane: float | None = None) -> DumpGeometry:
    slabs = []
    for name, z0, z1 in layers:
        m = get_material(name)
        slabs.append(Slab(m.name, m.z, m.a_g_mol, m.density_g_cm3, m.radiation_length_cm / 100, z0, z1))
    return DumpGeometry(tuple(slabs), plane if plane is not None else slabs[-1].z_end, 400.0, "toy")


# ------------------------------------------------------------------------------------------------
# experiment schema: [dump]
# ------------------------------------------------------------------------------------------------
def test_shipped_dumps_load_and_round_trip():
    for name in ("na62_dump", "ship"):
        e = load_experiment(name)
        assert e.dump is not None
        assert e.dump.layers[0].z_start == 0.0
        assert Experiment.from_dict(e.to_dict()) == e
    g = DumpGeometry.from_experiment(load_experiment("ship"))
    assert [s.material for s in g.slabs] == ["molybdenum", "tungsten", "iron"]
    assert g.source_plane_m == pytest.approx(6.36)
    assert geometry_hash(g) != geometry_hash(DumpGeometry.from_experiment(load_experiment("na62_dump")))


def test_dump_layers_must_not_overlap():
    data = load_experiment("na62_dump").to_dict()
    data["dump"]["layers"][1]["z_start"] = 1.0
    with pytest.raises(ExperimentError, match=r"dump\.layers\[1\]\.z_start: .*overlapping"):
        Experiment.from_dict(data)


def test_experiment_without_dump_is_refused():
    with pytest.raises(ValueError, match="no \\[dump\\] table"):
        DumpGeometry.from_experiment(load_experiment("na64mu"))


# ------------------------------------------------------------------------------------------------
# forced-decay weights against brute-force decays (toy: no Pythia)
# ------------------------------------------------------------------------------------------------
def _brute_force(mu_d: float, lengths: list[float], mu_int: list[float], n: int, rng: np.random.Generator):
    """Analog competition of decay and interaction along the segments: (decayed?, where, interacted?)."""
    ends = np.cumsum(lengths)
    starts = ends - np.asarray(lengths)
    s_dec = rng.exponential(1 / mu_d, n)
    x = rng.exponential(1.0, n)
    s_int = np.array([interaction_point(lengths, mu_int, xi) or np.inf for xi in x])
    decayed = (s_dec < s_int) & (s_dec < ends[-1])
    interacted = (s_int <= s_dec) & np.isfinite(s_int)
    assert np.all(starts >= 0)
    return decayed, s_dec, interacted


def test_forced_decay_weights_match_brute_force_decays(rng):
    """P_dec, the decay-point distribution and the interaction survival weight of the forced scheme
    reproduce an analog simulation of decay versus interaction through three segments (slab, gap, slab)."""
    mu_d, lengths, mu_int = 0.35, [1.2, 0.5, 2.0], [1.1, 0.0, 2.5]
    n = 400_000
    decayed, s_dec, interacted = _brute_force(mu_d, lengths, mu_int, n, rng)
    p_dec, parts = decay_probability(mu_d, lengths, mu_int)
    err = math.sqrt(p_dec * (1 - p_dec) / n)
    assert abs(decayed.mean() - p_dec) < 5 * err
    # forced decay points: segment by P_k, truncated exponential of rate mu_d + mu_k inside it
    m = 200_000
    seg = rng.choice(len(parts), size=m, p=np.asarray(parts) / p_dec)
    u = rng.random(m)
    where = np.array([sum(lengths[:k]) + truncated_exponential(mu_d + mu_int[k], lengths[k], ui)
                      for k, ui in zip(seg, u)])
    brute = s_dec[decayed]
    assert abs(where.mean() - brute.mean()) < 5 * math.hypot(where.std() / math.sqrt(m), brute.std() / math.sqrt(len(brute)))
    assert np.histogram(where, bins=7, range=(0, 3.7))[0] / m == pytest.approx(
        np.histogram(brute, bins=7, range=(0, 3.7))[0] / len(brute), abs=0.01)
    # interaction branch: interaction point from the interaction rates alone, weight exp(-mu_d s_int)
    x = rng.exponential(1.0, n)
    s_int = [interaction_point(lengths, mu_int, xi) for xi in x]
    weights = np.array([math.exp(-mu_d * s) if s is not None else 0.0 for s in s_int])
    assert abs(weights.mean() - interacted.mean()) < 5 * math.sqrt(interacted.mean() / n)


def test_decay_probability_limits():
    assert decay_probability(0.0, [1.0], [1.0])[0] == 0.0
    p, _ = decay_probability(1e-3, [1e6], [10.0])  # lambda / (lambda + gamma beta c tau) for a long slab
    assert p == pytest.approx(1e-3 / (1e-3 + 10.0), rel=1e-9)


def test_nucleus_interpolation_brackets():
    assert nucleus_bracket(63) == (63, 63, 1.0)
    a1, a2, w1 = nucleus_bracket(183.84)
    assert (a1, a2) == (129, 197)
    assert 0 < w1 < 1
    assert collisions_per_nucleus(100.0, 84, 107, 0.3, 2.5, 2.8) > 1
    with pytest.raises(ValueError, match="1 <= A <= 208"):
        nucleus_bracket(238)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="e_kin_min_GeV = -1"):
        CascadeSettings(e_kin_min_GeV=-1)


@pytest.mark.usefixtures("_restore_logging")
def test_missing_pythia_names_the_extra(monkeypatch, capsys):
    from generator.cli import main

    monkeypatch.setitem(sys.modules, "pythia8mc", None)
    with pytest.raises(ImportError, match=r"pip install 'mudump\[pythia\]'"):
        import_pythia()
    assert main(["flux", "ship", "--protons", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["mudump flux: error: the dump simulation (mudump flux) needs Pythia 8: pip install 'mudump[pythia]'"]


# ------------------------------------------------------------------------------------------------
# transport: CSDA range tables and the Highland width
# ------------------------------------------------------------------------------------------------
def test_transport_without_scattering_follows_the_csda_tables():
    g = _slab_geometry(("Cu", 0.0, 1.6), ("Fe", 1.6, 3.2))
    e0 = np.array([5.0, 20.0, 100.0, 300.0])
    p0 = np.sqrt(e0**2 - M_MU**2)
    zeros = np.zeros(4)
    out = transport_muons(zeros, zeros, np.full(4, 0.4), zeros, zeros, p0, g, scattering=False)
    expected = energy_after(energy_after(e0, 1.2, "Cu").energy_GeV, 1.6, "Fe").energy_GeV
    e_out = np.sqrt(out.pz**2 + M_MU**2)
    assert out.arrived.all()
    assert e_out == pytest.approx(expected, rel=1e-9)


def test_transport_stops_a_muon_at_its_tabulated_csda_range():
    """The muon whose tabulated CSDA range (PUMAS column, g/cm^2) is the slab's thickness just stops."""
    iron = get_material("Fe")
    table = iron.table
    i = int(np.searchsorted(table.energy_GeV, 10.0))
    e_row = float(table.energy_GeV[i])
    thickness = float(table.csda_range_g_cm2[i]) / iron.density_g_cm3 / 100.0  # m
    g = _slab_geometry(("Fe", 0.0, thickness))
    e = np.array([e_row * 0.995, e_row * 1.005])
    p = np.sqrt(e**2 - M_MU**2)
    zeros = np.zeros(2)
    out = transport_muons(zeros, zeros, zeros, zeros, zeros, p, g, scattering=False)
    assert out.arrived.tolist() == [False, True]


def test_transport_with_scattering_has_the_highland_width(rng):
    """50 GeV muons through 1 m of iron: rms projected angle = Highland theta_0 (PDG eq. 34.16) of the
    whole slab at the mean momentum; rms offset = theta_0 L / sqrt(3) (PDG eq. 34.21)."""
    n = 60_000
    g = _slab_geometry(("Fe", 0.0, 1.0))
    p0 = 50.0
    zeros = np.zeros(n)
    out = transport_muons(zeros, zeros, zeros, zeros, zeros, np.full(n, p0), g, rng, step_m=0.05)
    assert out.arrived.all()
    p_out = float(np.sqrt(out.px**2 + out.py**2 + out.pz**2).mean())
    theta0 = float(highland_theta0(0.5 * (p0 + p_out), 1.0 / (g.slabs[0].x0_m)))
    for comp in (out.px, out.py):
        assert np.std(comp / out.pz) == pytest.approx(theta0, rel=0.03)
    assert np.std(out.x) == pytest.approx(theta0 * 1.0 / math.sqrt(3.0), rel=0.04)


def test_highland_is_the_pdg_formula():
    p, x = 3.0, 0.05
    beta = p / math.hypot(p, M_MU)
    expected = 0.0136 / (beta * p) * math.sqrt(x) * (1 + 0.038 * math.log(x / beta**2))
    assert float(highland_theta0(p, x)) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------------------------------------
# the flux file
# ------------------------------------------------------------------------------------------------
def test_flux_file_round_trip_with_provenance(tmp_path, rng):
    n = 500
    cols = {"x": rng.normal(0, 0.01, n), "y": rng.normal(0, 0.01, n), "z": rng.uniform(0, 3.2, n),
            "px": rng.normal(0, 0.3, n), "py": rng.normal(0, 0.3, n), "pz": rng.uniform(3, 300, n),
            "weight": rng.exponential(1e-6, n), "pdg": rng.choice([13, -13], n),
            "parent": rng.choice([211, -211, 321, 221], n)}
    prov = {"command": "mudump flux na62_dump --protons 10 --seed 3", "seed": 3, "geometry_hash": "abc",
            "summary": {"produced_per_pot": 0.09}}
    path = write_flux_csv(tmp_path / "f.csv", cols, prov)
    assert not (tmp_path / "f.csv.part").exists()
    flux = MuonFlux.from_file(path)
    assert len(flux) == n
    assert flux.total_weight == pytest.approx(cols["weight"].sum(), rel=1e-5)
    assert flux.pz_GeV == pytest.approx(cols["pz"], rel=1e-6)
    assert flux.z_m == pytest.approx(cols["z"], abs=1e-5)
    assert flux.pdg.tolist() == cols["pdg"].tolist()
    assert read_provenance(path) == prov
    assert "# command: mudump flux na62_dump --protons 10 --seed 3" in path.read_text().splitlines()


def test_thinning_is_unbiased(rng):
    n = 50_000
    w = rng.exponential(1.0, n) * 10 ** rng.uniform(-3, 0, n)
    p = 10 ** rng.uniform(0, 2.5, n)
    sums = []
    for k in range(20):
        idx, nw = thin(w, p, 5000, np.random.default_rng(k))
        assert 4500 < len(idx) < 5500
        sums.append([nw.sum(), nw[p[idx] > 100].sum()])
    sums = np.array(sums)
    truth = np.array([w.sum(), w[p > 100].sum()])
    assert sums.mean(axis=0) == pytest.approx(truth, rel=0.02)


def test_summary_numbers():
    w = np.array([1.0, 2.0, 3.0, 4.0])
    s = summarise(np.array([2.0, 5.0, 50.0, 5.0]), w, np.array([13, -13, -13, 13]), np.array([211, 321, 221, 130]),
                  np.array([1.0, 4.0, 40.0, np.nan]), np.array([True, True, True, False]), 2, 1.0, 3.2)
    assert s.produced_per_pot == 5.0
    assert s.emerging_per_pot == 2.5
    assert s.mu_plus_over_mu_minus == math.inf
    assert s.kaon_share == pytest.approx(0.4)
    assert s.prompt_share == pytest.approx(0.6)


# ------------------------------------------------------------------------------------------------
# the cascade with Pythia 8
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cascade():
    pytest.importorskip("pythia8mc")
    from geometry.dump.cascade import _Cascade, batch_seeds

    seed, rng = batch_seeds(5, 0)
    geometry = _slab_geometry(("Fe", 0.0, 0.5), ("W", 0.6, 1.5))
    settings = CascadeSettings(in_flight_decays=False, forced_muon_decays=False)
    return _Cascade(geometry, settings, seed, rng)


def test_single_collision_conserves_energy_and_momentum(cascade):
    p8 = cascade.p8
    e = 400.0
    pz = math.sqrt(e * e - cascade.mp**2)
    assert cascade.cascade.sigmaSetuphN(2212, p8.Vec4(0, 0, pz, e), cascade.mp)
    for _ in range(5):
        ev = cascade.cascade.nextColl(26, 56)
        final = [ev[i] for i in range(ev.size()) if ev[i].isFinal()]
        targets = [ev[i] for i in range(ev.size()) if ev[i].status() in (-181, -182)]
        e_in = e + sum(cascade.pd.m0(t.id()) for t in targets)
        assert sum(q.e() for q in final) == pytest.approx(e_in, rel=1e-6)
        assert sum(q.pz() for q in final) == pytest.approx(pz, rel=1e-6)
        assert abs(sum(q.px() for q in final)) < 1e-6


def test_cascade_energy_ledger_closes_per_proton(cascade):
    """Without decays in flight (no weights) every GeV that enters (beam + struck nucleons) leaves the
    cascade in one of the ledger's channels, proton by proton."""
    for _ in range(3):
        before = dict(cascade.counters)
        cascade.run_proton([])
        delta = {k: cascade.counters[k] - before[k] for k in cascade.counters if k.startswith("ledger_")}
        out = sum(v for k, v in delta.items() if k != "ledger_in")
        assert out == pytest.approx(delta["ledger_in"], rel=1e-6)
        assert delta["ledger_in"] > 400.0


def test_sigma_pA_matches_pdg_interaction_lengths(cascade):
    """sigma_hA (Pythia, interpolated in A) for 400 GeV protons against the PDG nuclear interaction
    lengths: sigma = A / (N_A lambda_I)."""
    p8 = cascade.p8
    e = 400.0
    assert cascade.cascade.sigmaSetuphN(2212, p8.Vec4(0, 0, math.sqrt(e * e - cascade.mp**2), e), cascade.mp)
    for i, slab in enumerate(cascade.geometry.slabs):
        mat = get_material(slab.material)
        pdg_mb = mat.a_g_mol / (6.02214076e23 * mat.nuclear_interaction_length_g_cm2) * 1e27
        assert cascade._sigma_ha(i) == pytest.approx(pdg_mb, rel=0.03)


def test_forced_muonic_decays_match_brute_force_branching(cascade):
    """The weight B_mu of the forced branch equals the muon yield of brute-force (full-table) decays."""
    p8 = cascade.p8
    for pid, n in ((321, 4000), (130, 4000)):
        m = cascade.pd.m0(pid)
        b_mu = cascade._br_mu(pid)
        muons = 0
        for _ in range(n):
            ev = cascade.cascade.nextDecay(pid, p8.Vec4(0.0, 0.0, 30.0, math.hypot(30.0, m)), m)
            muons += sum(1 for k in range(2, ev.size()) if abs(ev[k].id()) == 13)
        assert muons / n == pytest.approx(b_mu, abs=4 * math.sqrt(b_mu * (1 - b_mu) / n))
        out: list[tuple[float, ...]] = []
        for _ in range(200):
            cascade._forced_decay(out, pid, math.hypot(30.0, m), 0.0, 0.0, 30.0, m, (0.0, 0.0, 0.0), 1.0)
        assert 0.97 * 200 <= len(out) <= 200  # every forced decay has one muon (above 1 GeV nearly always)


def test_mudump_flux_tiny_run(tmp_path):
    pytest.importorskip("pythia8mc")
    out = tmp_path / "tiny.csv"
    proc = subprocess.run([sys.executable, "-m", "generator.cli", "flux", "na62_dump", "--protons", "3",
                           "--batch-size", "3", "--seed", "7", "--output", str(out), "--json"],
                          check=False, capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["produced_per_pot"] > 0
    assert summary["emerging_per_pot"] >= 0
    for key in ("mu_plus_over_mu_minus", "kaon_share", "geometry_hash"):
        assert key in summary
    prov = read_provenance(out)
    assert prov["command"].startswith("mudump flux na62_dump --protons 3 --seed 7")
    assert prov["pythia"].startswith("pythia8mc 8.3")
    assert prov["geometry_hash"] == summary["geometry_hash"]
    flux = MuonFlux.from_file(out)
    assert flux.total_weight == pytest.approx(summary["produced_by_threshold"]["p>3"], rel=1e-4)


@pytest.mark.slow
def test_card_with_the_shipped_na62_flux_runs_to_events_of_both_charges(tmp_path):
    """cards/na62_dump_scalar.dat reads cards/na62_dump_flux.csv (mu+ and mu-) and makes events from both."""
    from generator.cards import load_card
    from generator.run import generate

    card = REPO / "cards" / "na62_dump_scalar.dat"
    config = load_card(card, nevents=200, precision=0.05, n_flux_muons=4000, output_dir=str(tmp_path),
                       output_formats=("lhe",))
    assert config.flux_file is not None
    assert Path(config.card_path(config.flux_file)).name == "na62_dump_flux.csv"
    events, _ = generate(config)
    incoming = np.asarray(events["particles"]["pdgid"][:, 0])
    assert {13, -13} <= set(np.unique(incoming).tolist())
    assert 0.2 < float(np.mean(incoming == -13)) < 0.9
