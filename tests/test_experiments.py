"""Tests for geometry.experiments: shipped files load and round-trip; malformed files give clear errors."""

from __future__ import annotations

import math
import re
from importlib.resources import files
from pathlib import Path

import pytest
import tomli_w

from geometry.experiments import (
    DECAY_VOLUME_SHAPES,
    Experiment,
    ExperimentError,
    available_experiments,
    load_experiment,
    process_keys,
)

SHIPPED = ["fasernu2", "fasernu2_ultimate", "fnal_mu", "mucoll_thin", "mucoll_thin_2cm", "mucoll_thin_ultimate",
           "na62_dump", "na64mu", "ship"]


def _text(name: str) -> str:
    return (files("geometry") / "experiments" / f"{name}.toml").read_text(encoding="utf-8")


def test_available_experiments() -> None:
    assert available_experiments() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_loads_and_round_trips(name: str, tmp_path: Path) -> None:
    e = load_experiment(name)
    assert e.name == name
    assert e.path is not None
    assert e.path.endswith(f"{name}.toml")
    # dict round trip
    assert Experiment.from_dict(e.to_dict()) == e
    # TOML round trip through a user file path
    out = tmp_path / f"{name}_copy.toml"
    out.write_text(tomli_w.dumps(e.to_dict()), encoding="utf-8")
    again = load_experiment(out)
    assert again == e
    assert again.path == str(out)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_file_opens_with_reference_line_and_sources(name: str) -> None:
    first = _text(name).splitlines()[0]
    assert first.startswith("# References:")
    e = load_experiment(name)
    assert e.references
    for part in (e.beam, e.exposure, e.target, e.decay_volume, e.detector, e.daughter_cuts,
                 e.efficiency, e.background):
        assert part.source, f"{name}: {type(part).__name__} has no source"
    for plane in e.detector.planes:
        assert plane.source


def test_published_numbers() -> None:
    """Numbers of docs/physics.md section 9 ([000] Table I, [001] Sec. V, [004] Sec. III)."""
    na64 = load_experiment("na64mu")
    assert (na64.beam.energy, na64.exposure.count, na64.target.material, na64.target.length) == (160.0, 8e12, "Pb", 0.2)
    assert na64.decay_volume.z_start == pytest.approx(5.2)
    assert math.isinf(na64.decay_volume.z_end)
    assert na64.production_cuts.x_min == pytest.approx(1 / 3)
    assert na64.process_keys["cuts.production.max_outgoing_lepton_energy"] == 80.0
    fnal = load_experiment("fnal_mu")
    assert (fnal.beam.energy, fnal.exposure.count, fnal.target.material) == (3.0, 3e14, "W")
    assert (fnal.decay_volume.z_start, fnal.decay_volume.z_end) == (1.5, 4.5)
    assert fnal.production_cuts.min_muon_energy == 0.5
    assert fnal.daughter_cuts.min_charged_energy == pytest.approx(0.010)
    na62 = load_experiment("na62_dump")
    assert (na62.beam.particle, na62.beam.energy, na62.exposure.kind, na62.exposure.count) == (2212, 400.0, "POT", 1e19)
    assert (na62.target.material, na62.target.length) == ("Cu", 3.2)
    assert (na62.decay_volume.shape, na62.decay_volume.z_start, na62.decay_volume.z_end) == ("box", 79.0, 160.0)
    assert (na62.detector.z_start, na62.detector.z_end) == (160.0, 225.2)
    assert [p.name for p in na62.detector.planes] == ["STRAW1", "STRAW2", "STRAW3", "STRAW4", "LKr"]
    dc = na62.daughter_cuts
    assert (dc.min_charged_energy, dc.min_photon_energy, dc.min_photon_energy_sum) == (5.0, 1.0, 3.0)
    assert (dc.min_photon_separation, dc.photon_min_radius, dc.wall_distance) == (0.10, 0.15, 0.05)
    assert na62.production_cuts.iww_energy_factor == 300.0
    ship = load_experiment("ship")
    assert (ship.target.material, ship.target.length, ship.exposure.count) == ("Mo", 11.2, 2e20)
    assert (ship.decay_volume.z_start, ship.decay_volume.z_end) == (53.2, 103.7)
    assert (ship.decay_volume.half_x, ship.decay_volume.half_y) == (2.5, 5.0)
    assert ship.detector.z_end == pytest.approx(114.0)
    faser = load_experiment("fasernu2")
    assert (faser.target.material, faser.target.length, faser.decay_volume.shape) == ("W", 6.4, "none")
    assert faser.exposure.count is None
    assert faser.process_keys["cuts.daughters.min_tau_flight"] == 0.002
    mc = load_experiment("mucoll_thin")
    assert (mc.beam.energy, mc.exposure.count, mc.target.length) == (1500.0, 1e16, 0.02)


def test_every_plane_inside_detector() -> None:
    for name in SHIPPED:
        e = load_experiment(name)
        for p in e.detector.planes:
            assert e.detector.z_start <= p.z <= e.detector.z_end, (name, p.name)


def _write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _expect(path: Path, key: str, pattern: str) -> ExperimentError:
    with pytest.raises(ExperimentError, match=pattern) as info:
        load_experiment(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert info.value.key == key
    return info.value


def test_missing_key(tmp_path: Path) -> None:
    text = _text("na62_dump").replace("length = 3.2            # m, TAX\n", "")
    _expect(_write(tmp_path, text), "target.length", "missing key")


def test_typo_key_suggests_nearest(tmp_path: Path) -> None:
    text = _text("na62_dump").replace("min_photon_energy_sum = 3.0", "min_photon_energy_summ = 3.0")
    err = _expect(_write(tmp_path, text), "cuts.daughters.min_photon_energy_summ", "unknown key")
    assert "did you mean 'cuts.daughters.min_photon_energy_sum'" in str(err)


def test_typo_of_required_key_is_pointed_at(tmp_path: Path) -> None:
    text = _text("na62_dump").replace("length = 3.2 ", "lenght = 3.2 ")
    err = _expect(_write(tmp_path, text), "target.length", "missing key")
    assert "target.lenght" in str(err)


def test_negative_length(tmp_path: Path) -> None:
    text = _text("na62_dump").replace("length = 3.2 ", "length = -3.2 ")
    _expect(_write(tmp_path, text), "target.length", re.escape("length = -3.2 m is negative"))


def test_bad_shape_lists_allowed(tmp_path: Path) -> None:
    text = _text("na62_dump").replace('shape = "box"\nz_start = 79.0', 'shape = "cube"\nz_start = 79.0')
    err = _expect(_write(tmp_path, text), "decay_volume.shape", "unknown value 'cube'")
    for shape in DECAY_VOLUME_SHAPES:
        assert shape in str(err)


def test_z_end_not_after_z_start(tmp_path: Path) -> None:
    text = _text("na62_dump").replace("z_end = 160.0           # + L_dec", "z_end = 79.0           # + L_dec")
    _expect(_write(tmp_path, text), "decay_volume.z_end", "z_end = 79.0 m <= z_start = 79.0 m")


def test_wrong_type(tmp_path: Path) -> None:
    text = _text("ship").replace("count = 2e20", 'count = "2e20"')
    _expect(_write(tmp_path, text), "exposure.count", "got str")


def test_bad_plane_entry(tmp_path: Path) -> None:
    text = _text("ship").replace('required_for = ["charged", "photon"]', 'required_for = ["charged", "neutron"]')
    _expect(_write(tmp_path, text), "detector.planes[4].required_for", "unknown entry 'neutron'")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    text = _text("fnal_mu") + '\n[decay_volum]\nshape = "slab"\n'
    err = _expect(_write(tmp_path, text), "decay_volum", "unknown key")
    assert "did you mean 'decay_volume'" in str(err)


def test_invalid_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, "name = \n")
    with pytest.raises(ExperimentError, match="not valid TOML") as info:
        load_experiment(path)
    assert str(path) in str(info.value)


def test_unknown_name_suggests() -> None:
    with pytest.raises(ExperimentError, match="did you mean 'na64mu'"):
        load_experiment("na64")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="no such file"):
        load_experiment(tmp_path / "nope.toml")


def test_user_file_without_optional_tables(tmp_path: Path) -> None:
    """A minimal user experiment: only the required tables; defaults fill the rest."""
    text = """
name = "toy"
description = "toy slab"
[beam]
kind = "mono"
particle = 13
energy = 10.0
source = "made up"
[exposure]
kind = "MOT"
count = 1e10
source = "made up"
[target]
material = "Pb"
length = 0.1
source = "made up"
[decay_volume]
shape = "slab"
z_start = 1.0
z_end = 2.0
source = "made up"
[detector]
z_start = 1.0
z_end = 2.0
source = "made up"
[cuts.daughters]
signature = "displaced_vertex"
source = "made up"
"""
    e = load_experiment(_write(tmp_path, text, "toy.toml"))
    assert e.efficiency.signal == 1.0
    assert e.production_cuts.x_min == 0.0
    assert Experiment.from_dict(e.to_dict()) == e


def test_error_pickles() -> None:
    import pickle

    err = ExperimentError("f.toml", "a.b", "bad", "good")
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err)
    assert isinstance(again, ValueError)


# ----------------------------------------------------------------------------------------------------
# ALP-mode (lfv_alp) keys: parsed and recorded, never applied
# ----------------------------------------------------------------------------------------------------

LFV = {
    "na64mu": {"cuts.production.max_outgoing_lepton_energy": 80.0, "efficiency.tau_branching": 0.1739},
    "fasernu2": {"cuts.daughters.min_tau_flight": 0.002, "efficiency.tau_branching": 0.1739},
    "mucoll_thin": {"cuts.daughters.min_tau_flight": 0.002, "efficiency.tau_branching": 0.15},
    # [004] Sec. III.C / Figs. 6-7: the 'ultimate' modes (all tau modes, no cuts) and d = 2 cm
    "fasernu2_ultimate": {"cuts.daughters.min_tau_flight": 0.0, "efficiency.tau_branching": 1.0},
    "mucoll_thin_2cm": {"cuts.daughters.min_tau_flight": 0.02, "efficiency.tau_branching": 0.15},
    "mucoll_thin_ultimate": {"cuts.daughters.min_tau_flight": 0.0, "efficiency.tau_branching": 1.0},
}


@pytest.mark.parametrize("name", SHIPPED)
def test_lfv_keys_recorded_not_applied(name: str) -> None:
    """The lfv_alp process does not exist: its keys sit in Experiment.process_keys, not in the cut objects."""
    e = load_experiment(name)
    assert e.process_keys == LFV.get(name, {})
    assert set(e.process_keys) <= set(process_keys())
    for part in (e.production_cuts, e.daughter_cuts, e.efficiency):
        for key in process_keys():
            assert not hasattr(part, key.rsplit(".", 1)[1]), (name, type(part).__name__, key)
    hash(e)  # still hashable (frozen); lfv_keys takes part in equality only
    assert Experiment.from_dict(e.to_dict()) == e


def test_lfv_keys_still_validated(tmp_path: Path) -> None:
    text = _text("na64mu").replace("tau_branching = 0.1739", "tau_branching = 1.5")
    _expect(_write(tmp_path, text), "efficiency.tau_branching", "out of range")


def test_lfv_keys_change_equality(tmp_path: Path) -> None:
    e = load_experiment("na64mu")
    d = e.to_dict()
    d["cuts"]["production"]["max_outgoing_lepton_energy"] = 100.0
    assert Experiment.from_dict(d) != e


# ----------------------------------------------------------------------------------------------------
# An experiment TOML by path, relative to a base directory (the card's folder)
# ----------------------------------------------------------------------------------------------------


def test_load_by_absolute_path(tmp_path: Path) -> None:
    path = _write(tmp_path, _text("na62_dump"), "my_exp.toml")
    e = load_experiment(str(path), base_dir=tmp_path / "elsewhere")  # absolute: base_dir ignored
    assert e == load_experiment("na62_dump")
    assert e.path == str(path)


def test_load_by_relative_path_with_base_dir(tmp_path: Path) -> None:
    (tmp_path / "setups").mkdir()
    (tmp_path / "cards").mkdir()
    path = _write(tmp_path / "setups", _text("fnal_mu"), "x.toml")
    assert load_experiment("../setups/x.toml", base_dir=tmp_path / "cards") == load_experiment("fnal_mu")
    e = load_experiment("x.toml", base_dir=str(tmp_path / "setups"))
    assert e == load_experiment("fnal_mu")
    assert e.path == str(path)  # normalised, no '..'


def test_relative_path_resolved_against_base_dir_not_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, _text("fnal_mu"), "x.toml")
    (tmp_path / "cards").mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_experiment("x.toml") == load_experiment("fnal_mu")  # no base_dir: current directory
    with pytest.raises(ExperimentError, match="no such file"):
        load_experiment("x.toml", base_dir=tmp_path / "cards")


def test_missing_path_error_names_resolved_path(tmp_path: Path) -> None:
    card_dir = tmp_path / "cards"
    with pytest.raises(ExperimentError) as info:
        load_experiment("../setups/nope.toml", base_dir=card_dir)
    message = str(info.value)
    assert str(tmp_path / "setups" / "nope.toml") in message
    assert "no such file" in message
    assert "\n" not in message


def test_shipped_name_with_toml_suffix_gets_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="experiment = na64mu"):
        load_experiment("na64mu.toml", base_dir=tmp_path)


def test_shipped_name_ignores_base_dir(tmp_path: Path) -> None:
    assert load_experiment("ship", base_dir=tmp_path) == load_experiment("ship")


# ----------------------------------------------------------------------------------------------------
# The schema (pydantic dataclasses, extra="forbid"): the file's layout mapped both ways, no pydantic error out
# ----------------------------------------------------------------------------------------------------
def test_schema_classes_forbid_unknown_keys() -> None:
    import pydantic

    from geometry.experiments import BeamSpec, DecayVolume, Detector

    assert pydantic.dataclasses.is_pydantic_dataclass(Experiment)
    assert Experiment.__pydantic_config__["extra"] == "forbid"  # type: ignore[attr-defined]
    with pytest.raises(ExperimentError, match=r"<python>: kind: unknown value 'mon' \(did you mean 'mono'\?\)"):
        BeamSpec(kind="mon", particle=13, energy=1.0, source="s")
    with pytest.raises(ExperimentError, match=r"<python>: half_x: missing key"):
        DecayVolume(shape="box", z_start=0.0, z_end=1.0, source="s")
    with pytest.raises(ExperimentError, match=r"planes\[0\]\.colour: unknown key") as info:
        Detector(z_start=0.0, z_end=1.0, source="s",
                 planes=[{"name": "a", "z": 0.5, "shape": "unbounded", "source": "s", "colour": 2}])
    assert not isinstance(info.value, pydantic.ValidationError)


def test_elliptic_shape_takes_semi_axes_only() -> None:
    d = load_experiment("ship").to_dict()
    d["decay_volume"] = {"shape": "elliptic_cylinder", "z_start": 1.0, "z_end": 2.0, "semi_x": 1.0, "semi_y": 2.0,
                         "source": "s"}
    e = Experiment.from_dict(d)
    assert (e.decay_volume.half_x, e.decay_volume.half_y) == (1.0, 2.0)
    assert e.to_dict()["decay_volume"]["semi_x"] == 1.0
    assert Experiment.from_dict(e.to_dict()) == e
    d["decay_volume"]["half_x"] = d["decay_volume"].pop("semi_x")
    with pytest.raises(ExperimentError, match=r"decay_volume\.semi_x: missing key"):
        Experiment.from_dict(d)
    d["decay_volume"]["semi_x"] = 1.0
    with pytest.raises(ExperimentError, match=r"decay_volume\.half_x: unknown key.*semi_x"):
        Experiment.from_dict(d)
    d["decay_volume"] = {"shape": "none", "z_start": 1.0, "source": "s"}
    with pytest.raises(ExperimentError, match=r"decay_volume\.z_start: unknown key; expected valid keys here: shape, source"):
        Experiment.from_dict(d)
