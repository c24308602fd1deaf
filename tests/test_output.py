"""Writers (generator/output): round trips, reproducibility, atomicity, streaming."""

from __future__ import annotations

import dataclasses
import json
import re
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from generator import constants
from generator.decays import decay_events, invariant_mass, sample_channels, scalar_channels, two_body_decay
from generator.events import RunInfo, build_events, check_events
from generator.output.fairship import LLP_BRANCHES, write_fairship
from generator.output.hepmc import write_hepmc
from generator.output.lhe import write_lhe
from generator.output.root import write_root

N_EVENTS = 200
CHUNK = 50
M_PB = 193.0
M_S = 0.4
NUCLEUS = constants.nucleus_pdgid(82, 207)


def _synthetic(n: int, seed: int) -> ak.Array:
    """``n`` on-shell, momentum-conserving events mu Pb -> mu Pb S (S -> ee / mumu / undecayed)."""
    rng = np.random.default_rng(seed)
    e_beam = 160.0
    p_in = np.tile([e_beam, 0.0, 0.0, np.sqrt(e_beam**2 - constants.M_MU**2)], (n, 1))
    P_in = np.tile([M_PB, 0.0, 0.0, 0.0], (n, 1))
    lepton, x = two_body_decay(p_in + P_in, constants.M_MU, M_PB + M_S + 0.2 * rng.random(n), rng)
    k, P_out = two_body_decay(x, M_S, M_PB, rng)
    chans = scalar_channels()
    idx = sample_channels([c.name for c in chans], [0.7, 0.3, 0.0, 0.0], n, rng)
    idx[rng.random(n) < 0.2] = -1
    d, pdg = decay_events(k, chans, idx, rng, parent_mass=M_S)
    prod = np.column_stack([rng.normal(0, 0.01, n), rng.normal(0, 0.01, n), rng.random(n)])
    direction = k[:, 1:] / np.linalg.norm(k[:, 1:], axis=1)[:, None]
    dec = prod + direction * rng.exponential(20.0, n)[:, None]
    daughters_m = np.array([c.masses for c in chans])[np.maximum(idx, 0)]
    return build_events(
        p_in, P_in, lepton, P_out, k,
        lepton_in_pdg=13, lepton_out_pdg=13, nucleus_pdg=NUCLEUS, boson_pdg=constants.PDG_DARK_SCALAR,
        daughters_p4=d, daughters_pdg=pdg, channel=idx, prod_vertex=prod, decay_vertex=dec,
        ctau_m=1.7, w_xsec=rng.random(n) * 1e-3, p_decay=rng.random(n), acceptance=rng.random(n),
        masses=(constants.M_MU, M_PB, constants.M_MU, M_S), daughters_m=daughters_m,
    )  # fmt: skip


@pytest.fixture(scope="module")
def events() -> ak.Array:
    ev = _synthetic(N_EVENTS, seed=42)
    check_events(ev)
    return ev


def _run_info(weighted: bool = True) -> RunInfo:
    return RunInfo(
        process="scalar_brem", beam_pdg=13, beam_energy=160.0, target_z=82, target_a=207,
        nucleus_mass=M_PB, sigma_pb=0.123, error_pb=0.004, weighted=weighted,
        channel_names=tuple(c.name for c in scalar_channels()), seed=1234, generator_version="0.1.0",
        n_events=N_EVENTS, extra={"model": "leptophilic", "m_S": M_S, "g_mu": 1e-4},
    )  # fmt: skip


def _chunks(events: ak.Array) -> Iterator[ak.Array]:
    for start in range(0, len(events), CHUNK):
        yield events[start : start + CHUNK]


Writer = Callable[..., Path]
WRITERS: dict[str, tuple[Writer, str]] = {
    "lhe": (write_lhe, "events.lhe"),
    "lhe.gz": (write_lhe, "events.lhe.gz"),
    "hepmc": (write_hepmc, "events.hepmc"),
    "hepmc.gz": (write_hepmc, "events.hepmc.gz"),
    "root": (write_root, "events.root"),
    "fairship": (write_fairship, "llp.root"),
}


def _p4(ev: ak.Array) -> np.ndarray:
    p = ak.flatten(ev.particles)
    return np.column_stack([ak.to_numpy(p[c]) for c in ("E", "px", "py", "pz")])


# ---- LHE -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["events.lhe", "events.lhe.gz"])
def test_lhe_round_trip(tmp_path: Path, events: ak.Array, name: str) -> None:
    import pylhe

    written = write_lhe(tmp_path / name, _run_info(), _chunks(events))
    path = written.path
    assert path == tmp_path / name
    assert written.n_events == len(events)
    assert written.n_bytes == path.stat().st_size > 0
    lhef = pylhe.LHEFile.fromfile(path)
    init = lhef.init
    assert init.initInfo.beamA == 13
    assert init.initInfo.beamB == NUCLEUS
    assert init.initInfo.energyA == 160.0
    assert init.initInfo.energyB == M_PB
    assert init.initInfo.weightingStrategy == 4
    assert init.procInfo[0].xSection == 0.123
    assert init.procInfo[0].error == 0.004
    assert lhef.header is not None
    assert lhef.header.initrwgt.list_weights_ids() == ["w_xsec", "p_decay", "acceptance", "weight"]
    (block,) = [e for e in lhef.header.extra_elements if e.tag == "mudump"]
    assert "Block TARGET\n 1 82 # Z\n 2 207 # A\n 3 193.0 # M_nucleus [GeV]" in block.text
    assert "weighted" in block.text

    arr = pylhe.to_awkward(lhef.events)
    assert len(arr) == N_EVENTS
    vec = ak.flatten(arr.particles.vector)
    got = np.column_stack([ak.to_numpy(vec[c]) for c in ("e", "px", "py", "pz")])
    np.testing.assert_allclose(got, _p4(events), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(
        ak.to_numpy(ak.flatten(arr.particles.id)), ak.to_numpy(ak.flatten(events.particles.pdgid))
    )
    np.testing.assert_array_equal(
        ak.to_numpy(ak.flatten(arr.particles.mother1)), ak.to_numpy(ak.flatten(events.particles.mother1)) + 1
    )
    np.testing.assert_array_equal(
        ak.to_numpy(ak.flatten(arr.particles.status)), ak.to_numpy(ak.flatten(events.particles.status))
    )
    # event_norm = average (the default): cross-section weights times N, probabilities as they are
    for w in ("w_xsec", "p_decay", "acceptance", "weight"):
        scale = N_EVENTS if w in ("w_xsec", "weight") else 1
        np.testing.assert_array_equal(ak.to_numpy(arr.weights[w]), ak.to_numpy(events.weights[w]) * scale)
    xwgtup = ak.to_numpy(arr.eventinfo.weight)
    np.testing.assert_array_equal(xwgtup, ak.to_numpy(events.weights.w_xsec) * N_EVENTS)  # production weight
    assert init.procInfo[0].unitWeight == xwgtup.max()  # XMAXUP
    # VTIMUP: the boson's sampled proper decay distance c*t in mm (0 if undecayed), others 0
    lifetime = arr.particles.lifetime
    np.testing.assert_array_equal(ak.to_numpy(lifetime[:, 4]), ak.to_numpy(events.proper_ctau_m) * 1e3)
    assert ak.all(lifetime[:, 4][ak.to_numpy(events.channel) < 0] == 0)
    assert ak.all(lifetime[:, :4] == 0)
    # daughters' invariant mass survives the text round trip
    dec = arr[ak.num(arr.particles) == 7]
    d = dec.particles.vector
    m = invariant_mass(
        np.column_stack([ak.to_numpy(d[c][:, 5] + d[c][:, 6]) for c in ("e", "px", "py", "pz")])
    )
    np.testing.assert_allclose(m, M_S, rtol=1e-8)


@pytest.mark.parametrize("name", ["u.lhe", "u.lhe.gz"])
def test_lhe_unweighted_strategy(tmp_path: Path, events: ak.Array, name: str) -> None:
    """IDWTUP = 3 when every XWGTUP is the same, 4 as soon as one differs (a partially unweighted
    event above w_max); XMAXUP is the largest XWGTUP. Both are filled in after the last event."""
    import pylhe

    equal = ak.with_field(events, ak.full_like(events.weights.w_xsec, 2e-3), ["weights", "w_xsec"])
    written = write_lhe(tmp_path / name, _run_info(weighted=False), _chunks(equal))
    stats = dict(written.details)
    lhef = pylhe.LHEFile.fromfile(written.path)
    lhef.events.close()  # pylhe keeps the file open until its event generator ends
    assert lhef.init.initInfo.weightingStrategy == 3
    assert lhef.init.procInfo[0].unitWeight == 2e-3 * N_EVENTS
    assert stats == {"n_events": N_EVENTS, "idwtup": 3, "xmaxup": 2e-3 * N_EVENTS}

    over = ak.with_field(equal, ak.where(ak.local_index(equal.channel) == 7, 5e-3, 2e-3), ["weights", "w_xsec"])
    lhef = pylhe.LHEFile.fromfile(write_lhe(tmp_path / name, _run_info(weighted=False), _chunks(over)).path)
    events_read = list(lhef.events)
    assert lhef.init.initInfo.weightingStrategy == 4
    assert lhef.init.procInfo[0].unitWeight == 5e-3 * N_EVENTS
    assert [e.eventinfo.weight for e in events_read[6:9]] == [2e-3 * N_EVENTS, 5e-3 * N_EVENTS, 2e-3 * N_EVENTS]


def test_lhe_event_norm_sum(tmp_path: Path, events: ak.Array) -> None:
    import pylhe

    info = dataclasses.replace(_run_info(), event_norm="sum")
    arr = pylhe.to_awkward(pylhe.LHEFile.fromfile(write_lhe(tmp_path / "s.lhe", info, _chunks(events)).path).events)
    np.testing.assert_array_equal(ak.to_numpy(arr.eventinfo.weight), ak.to_numpy(events.weights.w_xsec))
    np.testing.assert_array_equal(ak.to_numpy(arr.weights["weight"]), ak.to_numpy(events.weights.weight))


def test_lhe_slha_block(tmp_path: Path, events: ak.Array) -> None:
    """The new boson is declared in a MadGraph-style <slha> block: mass, width, decays, quantum numbers."""
    import pylhe

    boson = {"pdg": constants.PDG_DARK_SCALAR, "name": "S", "mass_GeV": M_S, "width_GeV": 2.5e-14,
             "decays": [[0.7, [11, -11], "ee"], [0.3, [13, -13], "mumu"]]}
    info = dataclasses.replace(_run_info(), boson=boson)
    lhef = pylhe.LHEFile.fromfile(write_lhe(tmp_path / "x.lhe", info, _chunks(events)).path)
    lhef.events.close()
    (slha,) = [e for e in lhef.header.extra_elements if e.tag == "slha"]
    lines = [ln.split("#")[0].split() for ln in slha.text.splitlines()]
    assert ["9000006", f"{M_S:.16e}"] in lines
    assert ["DECAY", "9000006", f"{2.5e-14:.16e}"] in lines
    assert [f"{0.7:.16e}", "2", "11", "-11"] in lines
    assert ["BLOCK", "QNUMBERS", "9000006"] in lines
    assert ["2", "1"] in lines  # 2S+1 = 1: spin 0


def test_lhe_refuses_negative_weights(tmp_path: Path, events: ak.Array) -> None:
    neg = ak.with_field(events, -events.weights.w_xsec, ["weights", "w_xsec"])
    with pytest.raises(ValueError, match="requires weights >= 0"):
        write_lhe(tmp_path / "neg.lhe", _run_info(), [neg])
    assert list(tmp_path.iterdir()) == []


# ---- ROOT ------------------------------------------------------------------------------------------


def test_root_round_trip(tmp_path: Path, events: ak.Array) -> None:
    import uproot

    path = write_root(tmp_path / "events.root", _run_info(), _chunks(events), basket_events=70).path
    with uproot.open(path) as f:
        tree = f["events"]
        assert tree.num_entries == N_EVENTS
        arr = tree.arrays()
        for field in ("pdgid", "status", "mother1", "mother2", "E", "px", "py", "pz", "m"):
            assert ak.all(arr[field] == events.particles[field])
        for field in ("channel", "E_beam"):
            np.testing.assert_array_equal(ak.to_numpy(arr[field]), ak.to_numpy(events[field]))
        for field, branch in (("prod_x", "prod_x"), ("decay_z", "decay_z"), ("ctau_m", "ctau_mm"),
                              ("proper_ctau_m", "proper_ctau_mm")):  # lengths in mm
            np.testing.assert_array_equal(ak.to_numpy(arr[branch]), ak.to_numpy(events[field]) * 1e3)
        for w in ("w_xsec", "p_decay", "acceptance", "weight"):  # event_norm = average
            scale = N_EVENTS if w in ("w_xsec", "weight") else 1
            np.testing.assert_array_equal(ak.to_numpy(arr[w]), ak.to_numpy(events.weights[w]) * scale)
        assert tree["prod_z"].title == "prod_z/D [mm] production vertex z (beam axis)"
        assert tree["vx"].title == "vx[nparticles]/D [mm] production vertex x (lab)"
        assert tree["vt"].title.startswith("vt[nparticles]/D [mm] production time c*t (lab)")
        for branch in tree.branches:  # the unit is the bracketed one; no description says another
            assert not re.search(r" in (m|GeV|pb)\b", branch.title), branch.title
        assert tree["E"].title.startswith("E[nparticles]/D [GeV]")
        assert tree["mother1"].title.endswith("0-based index of the first mother in this event, -1 = none")
        assert "mean over the file is sigma" in tree["weight"].title
        units = json.loads(str(f["units_json"]))
        assert units["units"]["decay_x"] == "mm"
        assert units["units"]["px"] == "GeV"
        assert units["units"]["w_xsec"] == "pb"
        assert set(units["units"]) == set(tree.keys())
        np.testing.assert_array_equal(ak.to_numpy(arr.nparticles), ak.to_numpy(ak.num(events.particles)))
        run = f["run_info"].arrays(library="np")
        assert run["sigma_pb"][0] == 0.123
        assert bool(run["weighted"][0]) is True
        assert run["seed"][0] == 1234
        assert run["nucleus_pdg"][0] == NUCLEUS
        assert '"m_S": 0.4' in str(f["run_info_json"])
        assert run["weight_scale"][0] == N_EVENTS
        assert not run["event_norm_sum"][0]


def test_fairship_round_trip(tmp_path: Path, events: ak.Array) -> None:
    import uproot

    path = write_fairship(tmp_path / "llp.root", _run_info(), _chunks(events), z_target_m=0.25).path
    with uproot.open(path) as f:
        tree = f["LLP_tree"]
        assert tree.keys() == list(LLP_BRANCHES)
        assert LLP_BRANCHES[-1] == "ndau"
        assert all(tree[b].typename == "double" for b in LLP_BRANCHES)
        a = tree.arrays(library="np")
        assert f["mudump_weights"].num_entries == N_EVENTS
        w = f["mudump_weights"].arrays(library="np")
    decayed = ak.to_numpy(events.channel) >= 0
    np.testing.assert_array_equal(a["e_llp"], ak.to_numpy(events.particles.E[:, 4]))
    np.testing.assert_array_equal(a["decay_prob"], ak.to_numpy(events.weights.p_decay))
    np.testing.assert_allclose(a["vz"], ak.to_numpy(events.decay_z) - 0.25, rtol=1e-15)
    assert np.all(a["pdg_prod1"][~decayed] == -999)
    dec_events = events[decayed]
    np.testing.assert_array_equal(a["pdg_prod2"][decayed], ak.to_numpy(dec_events.particles.pdgid[:, 6]))
    np.testing.assert_array_equal(a["px_prod1"][decayed], ak.to_numpy(dec_events.particles.px[:, 5]))
    assert np.all(a["ndau"] == 2.0)
    np.testing.assert_array_equal(w["weight"], ak.to_numpy(events.weights.weight) * N_EVENTS)


def test_fairship_drops_improbable_decays(tmp_path: Path, events: ak.Array) -> None:
    import uproot

    written = write_fairship(tmp_path / "llp.root", _run_info(), _chunks(events), min_decay_prob=0.5)
    path, stats = written.path, written.details
    assert written.n_events == stats["n_events"]
    p = ak.to_numpy(events.weights.p_decay)
    keep = p >= 0.5
    with uproot.open(path) as f:
        a = f["LLP_tree"].arrays(library="np")
        w = f["mudump_weights"].arrays(library="np")
    np.testing.assert_array_equal(a["decay_prob"], p[keep])
    np.testing.assert_array_equal(w["weight"], ak.to_numpy(events.weights.weight)[keep] * N_EVENTS)
    weight = ak.to_numpy(events.weights.weight)
    w_decay = ak.to_numpy(events.weights.w_xsec) * p
    assert stats["n_events"] == keep.sum()
    assert stats["dropped_events"] == (~keep).sum() > 0
    assert stats["dropped_weight_pb"] == pytest.approx(weight[~keep].sum(), rel=1e-12)
    assert stats["dropped_w_decay_fraction"] == pytest.approx(w_decay[~keep].sum() / w_decay.sum(), rel=1e-12)
    with pytest.raises(ValueError, match="min_decay_prob = 2"):
        write_fairship(tmp_path / "x.root", _run_info(), _chunks(events), min_decay_prob=2)


# ---- HepMC3 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["events.hepmc", "events.hepmc.gz"])
def test_hepmc_round_trip(tmp_path: Path, events: ak.Array, name: str) -> None:
    import pyhepmc

    path = write_hepmc(tmp_path / name, _run_info(), _chunks(events)).path
    with pyhepmc.open(path) as f:
        read = list(f)
    assert len(read) == N_EVENTS
    channel = ak.to_numpy(events.channel)
    for i, evt in enumerate(read):
        assert evt.event_number == i
        assert evt.momentum_unit == pyhepmc.Units.GEV
        assert evt.length_unit == pyhepmc.Units.MM
        assert evt.run_info.weight_names == ["w_xsec", "p_decay", "acceptance", "weight"]
        assert evt.weight("p_decay") == float(events.weights.p_decay[i])
        assert evt.weight("weight") == float(events.weights.weight[i]) * N_EVENTS  # event_norm = average
        assert str(evt.run_info.attributes["event_norm"]) == "average"
        assert evt.cross_section.xsec() == pytest.approx(0.123, rel=1e-8)
        assert len(evt.particles) == (7 if channel[i] >= 0 else 5)
        for v in evt.vertices:  # four-momentum conservation at every vertex
            p_in = sum((p.momentum for p in v.particles_in), pyhepmc.FourVector(0, 0, 0, 0))
            p_out = sum((p.momentum for p in v.particles_out), pyhepmc.FourVector(0, 0, 0, 0))
            scale = p_in.e
            assert abs(p_in.e - p_out.e) < 1e-10 * scale
            assert abs(p_in.pz - p_out.pz) < 1e-10 * scale
            assert abs(p_in.px - p_out.px) < 1e-10 * scale
        prod = evt.vertices[0].position
        assert prod.z == pytest.approx(float(events.prod_z[i]) * 1e3, rel=1e-14)
        assert [p.status for p in evt.vertices[0].particles_in] == [4, 4]
        if channel[i] >= 0:
            boson = evt.particles[4]
            assert boson.status == 2
            decay = boson.end_vertex
            assert decay.position.z == pytest.approx(float(events.decay_z[i]) * 1e3, rel=1e-14)
            assert decay.position.t >= np.linalg.norm(
                [decay.position.x - prod.x, decay.position.y - prod.y, decay.position.z - prod.z]
            )
            d1, d2 = (p.momentum for p in decay.particles_out)
            assert (d1 + d2).m() == pytest.approx(M_S, rel=1e-9)


# ---- common properties -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(WRITERS))
def test_byte_identical(tmp_path: Path, events: ak.Array, kind: str) -> None:
    writer, name = WRITERS[kind]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = writer(tmp_path / "a" / name, _run_info(), _chunks(events)).path
    b = writer(tmp_path / "b" / name, _run_info(), _chunks(events)).path
    assert a.read_bytes() == b.read_bytes()


class _Boom(RuntimeError):
    pass


@pytest.mark.parametrize("exc", [_Boom, KeyboardInterrupt])
@pytest.mark.parametrize("kind", list(WRITERS))
def test_interrupted_leaves_nothing(
    tmp_path: Path, events: ak.Array, kind: str, exc: type[BaseException]
) -> None:
    writer, name = WRITERS[kind]

    def failing() -> Iterator[ak.Array]:
        chunks = _chunks(events)
        yield next(chunks)
        yield next(chunks)
        raise exc("interrupted")

    with pytest.raises(exc, match="interrupted"):
        writer(tmp_path / name, _run_info(), failing())
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path: Path, events: ak.Array) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_lhe(tmp_path / "nope" / "events.lhe", _run_info(), _chunks(events))


@pytest.mark.parametrize("kind", list(WRITERS))
def test_streaming_consumes_lazily(tmp_path: Path, events: ak.Array, kind: str) -> None:
    """Chunks are consumed one at a time and released: a writer never holds all of them.

    The generator below would make 10^6 chunks; it stops at 30 and, when making chunk k, checks that
    chunk k-3 has been freed (by reference counting). The ROOT writer buffers up to ``basket_events``
    events, set to one chunk here.
    """
    writer, name = WRITERS[kind]
    refs: list[weakref.ref[ak.Array]] = []

    def endless() -> Iterator[ak.Array]:
        for i in range(10**6):
            if i == 30:
                return
            if i >= 3:
                assert refs[i - 3]() is None, f"chunk {i - 3} still alive when chunk {i} is made"
            chunk = events[(i % 4) * CHUNK : (i % 4 + 1) * CHUNK]
            chunk = ak.Array(chunk.layout)  # a fresh object per chunk
            refs.append(weakref.ref(chunk))
            yield chunk

    kwargs = {"basket_events": CHUNK} if writer is write_root else {}
    path = writer(tmp_path / name, _run_info(), endless(), **kwargs).path
    assert path.exists()
    assert len(refs) == 30


def _with_tau_like_decay(events: ak.Array) -> ak.Array:
    """Append two particles to every decayed event, children of particle 5 (as a tau decay would be)."""
    decayed = ak.to_numpy(events.channel) >= 0
    n = len(events)
    extra = ak.zip({
        "pdgid": np.tile(np.array([16, -211], dtype=np.int32), (n, 1)),
        "status": np.tile(np.array([1, 1], dtype=np.int32), (n, 1)),
        "mother1": np.full((n, 2), 5, dtype=np.int32), "mother2": np.full((n, 2), -1, dtype=np.int32),
        "E": np.tile([1.5, 2.5], (n, 1)), "px": np.tile([0.1, -0.1], (n, 1)), "py": np.tile([0.2, -0.2], (n, 1)),
        "pz": np.tile([1.4, 2.4], (n, 1)), "m": np.tile([0.0, 0.13957039], (n, 1)),
        **{f: np.zeros((n, 2)) for f in ("vx", "vy", "vz", "vt", "proper_ct")},
    })  # fmt: skip
    extra = ak.Array([row if d else [] for row, d in zip(extra.to_list(), decayed)], with_name=None)
    particles = ak.concatenate([events.particles, extra], axis=1)
    return ak.with_field(events, particles, "particles")


def test_writers_take_longer_particle_lists(tmp_path: Path, events: ak.Array) -> None:
    """The writers are generic over the jagged particle list: appended decay products (mothers
    pointing at particle 5) come through LHE, ROOT and HepMC3 with their mothers."""
    import pyhepmc
    import pylhe
    import uproot

    ev = _with_tau_like_decay(events[:40])
    counts = ak.to_numpy(ak.num(ev.particles))
    assert set(counts) == {5, 9}
    arr = pylhe.to_awkward(pylhe.LHEFile.fromfile(write_lhe(tmp_path / "e.lhe", _run_info(), [ev]).path).events)
    np.testing.assert_array_equal(ak.to_numpy(ak.num(arr.particles)), counts)
    np.testing.assert_array_equal(_flat_np(arr.particles.mother1), _flat_np(ev.particles.mother1) + 1)
    with uproot.open(write_root(tmp_path / "e.root", _run_info(), [ev]).path) as f:
        np.testing.assert_array_equal(ak.to_numpy(f["events"]["nparticles"].array()), counts)
        np.testing.assert_array_equal(_flat_np(f["events"]["pdgid"].array()), _flat_np(ev.particles.pdgid))
    with pyhepmc.open(write_hepmc(tmp_path / "e.hepmc3", _run_info(), [ev]).path) as f:
        read = list(f)
    for evt, n, z in zip(read, counts, ak.to_numpy(ev.decay_z)):
        assert len(evt.particles) == n
        if n == 9:
            assert len(evt.vertices) == 3
            tau_vertex = evt.particles[7].production_vertex
            assert [p.id for p in tau_vertex.particles_in] == [6]
            assert [p.id for p in tau_vertex.particles_out] == [8, 9]
            assert evt.particles[4].end_vertex.position.z == z * 1e3  # the boson's decay point stays


def _flat_np(a: ak.Array) -> np.ndarray:
    return ak.to_numpy(ak.flatten(a))


@pytest.mark.parametrize("kind", ["lhe", "hepmc", "root", "fairship"])
def test_staged_writer_leaves_the_part_until_commit(tmp_path: Path, events: ak.Array, kind: str) -> None:
    """A staging writer (what a run uses) writes ``<name>.part`` only; its returned record says what it
    wrote, and ``commit`` moves it to the final name with the same bytes (issue 21: no ``rename`` flag)."""
    import generator.output as out

    writer, name = WRITERS[kind]
    stage = getattr(getattr(out, writer.__module__.rsplit(".", 1)[1]), writer.__name__.replace("write_", "stage_"))
    staged = stage(tmp_path / name, _run_info(), _chunks(events))
    assert not staged.committed
    assert [p.name for p in tmp_path.iterdir()] == [name + ".part"]
    assert staged.path == tmp_path / (name + ".part")
    assert staged.final == tmp_path / name
    assert staged.n_bytes == staged.path.stat().st_size > 0
    assert staged.n_events == staged.details["n_events"] == len(events)
    data = staged.path.read_bytes()
    done = staged.commit()
    assert done.committed
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert done.path.read_bytes() == data
