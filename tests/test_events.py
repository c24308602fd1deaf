"""The event schema (generator/events.py): building, validating, RunInfo."""

from __future__ import annotations

import json

import awkward as ak
import numpy as np
import pytest

from generator import constants
from generator.decays import decay_events, sample_channels, scalar_channels, two_body_decay
from generator.events import (
    EVENT_FIELDS,
    PARTICLE_FIELDS,
    WEIGHT_FIELDS,
    RunInfo,
    build_events,
    check_events,
)

NUCLEUS = constants.nucleus_pdgid(82, 207)
M_PB = 193.0


def _kinematics(n: int, seed: int = 0, m_s: float = 0.5) -> dict[str, np.ndarray]:
    """Momentum-conserving, on-shell 2 -> 3 kinematics (not physically distributed)."""
    rng = np.random.default_rng(seed)
    e_beam = 100.0
    p_in = np.tile([e_beam, 0.0, 0.0, np.sqrt(e_beam**2 - constants.M_MU**2)], (n, 1))
    P_in = np.tile([M_PB, 0.0, 0.0, 0.0], (n, 1))
    lepton, x = two_body_decay(p_in + P_in, constants.M_MU, M_PB + m_s + 0.3 * rng.random(n), rng)
    k, P_out = two_body_decay(x, m_s, M_PB, rng)
    return {"p_in": p_in, "P_in": P_in, "p_out": lepton, "P_out": P_out, "k": k, "rng": rng}


def _events(n: int = 50, undecayed: int = 10) -> tuple[ak.Array, dict[str, np.ndarray]]:
    kin = _kinematics(n)
    rng = kin.pop("rng")
    chans = scalar_channels()
    idx = sample_channels([c.name for c in chans], [0.6, 0.4, 0.0, 0.0], n, rng)
    idx[:undecayed] = -1
    d, pdg = decay_events(kin["k"], chans, idx, rng)
    prod = rng.normal(size=(n, 3))
    dec = prod + 5.0
    ev = build_events(
        **kin,
        lepton_in_pdg=13,
        lepton_out_pdg=13,
        nucleus_pdg=NUCLEUS,
        boson_pdg=constants.PDG_DARK_SCALAR,
        daughters_p4=d,
        daughters_pdg=pdg,
        channel=idx,
        prod_vertex=prod,
        decay_vertex=dec,
        ctau_m=2.5,
        w_xsec=rng.random(n),
        p_decay=rng.random(n),
        acceptance=0.5,
    )
    return ev, {**kin, "d": d, "pdg": pdg, "idx": idx, "prod": prod, "dec": dec}


def test_schema_fields_and_types() -> None:
    ev, _ = _events()
    check_events(ev)
    assert ak.fields(ev) == list(EVENT_FIELDS)
    assert ak.fields(ev.particles) == list(PARTICLE_FIELDS)
    assert ak.fields(ev.weights) == list(WEIGHT_FIELDS)
    assert str(ak.type(ev.particles.pdgid).content) == "var * int32"
    assert str(ak.type(ev.channel).content) == "int32"


def test_particle_layout() -> None:
    ev, src = _events()
    idx = src["idx"]
    counts = ak.to_numpy(ak.num(ev.particles))
    np.testing.assert_array_equal(counts, np.where(idx >= 0, 7, 5))
    p = ev.particles
    np.testing.assert_array_equal(
        ak.to_numpy(p.pdgid[:, :5]), np.tile([13, NUCLEUS, 13, NUCLEUS, 9000006], (50, 1))
    )
    np.testing.assert_array_equal(ak.to_numpy(p.status[:, :4]), np.tile([-1, -1, 1, 1], (50, 1)))
    np.testing.assert_array_equal(ak.to_numpy(p.status[:, 4]), np.where(idx >= 0, 2, 1))
    np.testing.assert_array_equal(ak.to_numpy(p.mother1[:, :5]), np.tile([-1, -1, 0, 0, 0], (50, 1)))
    np.testing.assert_array_equal(ak.to_numpy(p.mother2[:, :5]), np.tile([-1, -1, 1, 1, 1], (50, 1)))
    decayed = p[idx >= 0]
    assert ak.all(decayed.mother1[:, 5:] == 4)
    assert ak.all(decayed.mother2[:, 5:] == -1)
    assert ak.all(decayed.status[:, 5:] == 1)
    np.testing.assert_array_equal(ak.to_numpy(decayed.pdgid[:, 5:]), src["pdg"][idx >= 0])
    # four-momenta are the inputs, E, px, py, pz order
    np.testing.assert_array_equal(ak.to_numpy(p.E[:, 4]), src["k"][:, 0])
    np.testing.assert_array_equal(ak.to_numpy(p.pz[:, 2]), src["p_out"][:, 3])
    np.testing.assert_array_equal(ak.to_numpy(decayed.px[:, 6]), src["d"][idx >= 0, 1, 1])


def test_momentum_conservation_and_masses() -> None:
    ev, _ = _events()
    p = ev.particles
    comps = ("E", "px", "py", "pz")
    initial = np.column_stack([ak.to_numpy(p[c][:, 0] + p[c][:, 1]) for c in comps])
    final = np.column_stack([ak.to_numpy(p[c][:, 2] + p[c][:, 3] + p[c][:, 4]) for c in comps])
    np.testing.assert_allclose(final, initial, atol=1e-10 * initial[:, :1].max())
    np.testing.assert_allclose(ak.to_numpy(p.m[:, 4]), 0.5, rtol=1e-9)
    np.testing.assert_allclose(ak.to_numpy(p.m[:, 1]), M_PB, rtol=1e-12)


def test_vertices_weights_channel() -> None:
    ev, src = _events()
    dec = src["idx"] >= 0
    np.testing.assert_array_equal(ak.to_numpy(ev.prod_x), src["prod"][:, 0])
    np.testing.assert_array_equal(ak.to_numpy(ev.decay_z)[dec], src["dec"][dec, 2])
    np.testing.assert_array_equal(ak.to_numpy(ev.decay_z)[~dec], src["prod"][~dec, 2])
    np.testing.assert_array_equal(ak.to_numpy(ev.channel), src["idx"])
    w = ev.weights
    np.testing.assert_allclose(ak.to_numpy(w.weight), ak.to_numpy(w.w_xsec * w.p_decay * 0.5), rtol=1e-15)
    assert ak.all(w.acceptance == 0.5)
    assert ak.all(ev.ctau_m == 2.5)
    np.testing.assert_array_equal(ak.to_numpy(ev.E_beam), src["p_in"][:, 0])


def test_undecayed_only_and_nominal_masses() -> None:
    kin = _kinematics(20)
    kin.pop("rng")
    ev = build_events(
        **kin,
        lepton_in_pdg=-13,
        lepton_out_pdg=-13,
        nucleus_pdg=NUCLEUS,
        boson_pdg=constants.PDG_ALP,
        ctau_m=np.full(20, 1.0),
        w_xsec=1.0,
        masses=(constants.M_MU, M_PB, constants.M_MU, 0.5),
    )
    check_events(ev)
    assert ak.all(ak.num(ev.particles) == 5)
    assert ak.all(ev.channel == -1)
    assert ak.all(ev.particles.status[:, 4] == 1)
    assert ak.all(ev.weights.p_decay == 1.0)
    assert ak.all(ev.particles.m[:, 4] == 0.5)


def test_build_events_rejects_bad_input() -> None:
    kin = _kinematics(5)
    kin.pop("rng")
    common = {"lepton_in_pdg": 13, "lepton_out_pdg": 13, "nucleus_pdg": NUCLEUS, "boson_pdg": 9000006}
    bad = dict(kin, k=kin["k"][:4])
    with pytest.raises(ValueError, match="k has shape"):
        build_events(**bad, **common, ctau_m=1.0, w_xsec=1.0)
    with pytest.raises(ValueError, match="daughters_pdg or channel is None"):
        build_events(**kin, **common, daughters_p4=np.zeros((5, 2, 4)), ctau_m=1.0, w_xsec=1.0)
    with pytest.raises(ValueError, match="w_xsec has shape"):
        build_events(**kin, **common, ctau_m=1.0, w_xsec=np.ones(3))
    with pytest.raises(ValueError, match="prod_vertex has shape"):
        build_events(**kin, **common, ctau_m=1.0, w_xsec=1.0, prod_vertex=np.zeros((5, 2)))


def test_check_events_catches_violations() -> None:
    ev, _ = _events(20, undecayed=5)
    broken = ak.with_field(ev, ev.weights.w_xsec * 0 + 1.0, ["weights", "weight"])
    with pytest.raises(ValueError, match="w_xsec \\* p_decay \\* acceptance"):
        check_events(broken)
    with pytest.raises(ValueError, match="event fields"):
        check_events(ak.without_field(ev, "ctau_m"))
    relabel = ak.with_field(
        ev, ak.values_astype(ak.where(ev.channel >= 0, -1, ev.channel), np.int32), "channel"
    )
    with pytest.raises(ValueError, match="particles with channel"):
        check_events(relabel)


def _run_info(**kw: object) -> RunInfo:
    base: dict[str, object] = {
        "process": "scalar_brem",
        "beam_pdg": 13,
        "beam_energy": 160.0,
        "target_z": 82,
        "target_a": 207,
        "nucleus_mass": M_PB,
        "sigma_pb": 1.0,
        "error_pb": 0.1,
        "weighted": True,
    }
    base.update(kw)
    return RunInfo(**base)  # type: ignore[arg-type]


def test_run_info() -> None:
    ri = _run_info(extra={"m_S": np.float64(0.5), "model": "leptophilic"}, channel_names=["ee"], seed=3)
    assert ri.nucleus_pdg == NUCLEUS
    assert ri.channel_names == ("ee",)
    assert ri.weight_names == tuple(WEIGHT_FIELDS)
    d = json.loads(ri.to_json())
    assert d["extra"] == {"m_S": 0.5, "model": "leptophilic"}
    assert d["nucleus_pdg"] == NUCLEUS
    assert (
        ri.to_json()
        == _run_info(extra={"model": "leptophilic", "m_S": 0.5}, channel_names=["ee"], seed=3).to_json()
    )
    with pytest.raises(ValueError, match="beam_energy = -1"):
        _run_info(beam_energy=-1.0)
    with pytest.raises(ValueError, match="1 <= Z <= A"):
        _run_info(target_z=90, target_a=80)
    with pytest.raises(ValueError, match="unknown weight names"):
        _run_info(weight_names=("w_xsec", "bogus"))
