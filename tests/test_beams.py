"""Tests for geometry.beams: monochromatic beam, flux files (CSV/ROOT/parquet), approximate source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generator.constants import M_MU
from geometry.beams import FLUX_COLUMNS, MonochromaticBeam, MuonFlux, SecondaryMuonSource

GOOD = "x,y,z,px,py,pz,weight,pdg\n0,0,0,0,0,100,1e-5,13\n0.1,0,0.5,0.1,0,50,2e-5,-13\n"


def write(tmp_path: Path, text: str, name: str = "flux.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_csv_roundtrip(tmp_path: Path) -> None:
    flux = MuonFlux.from_file(write(tmp_path, "# comment\n" + GOOD))
    assert len(flux) == 2
    assert flux.total_weight == pytest.approx(3e-5)
    assert flux.energy_GeV[0] == pytest.approx(np.hypot(100.0, M_MU))
    assert list(flux.pdg) == [13, -13]
    out = tmp_path / "again.csv"
    flux.to_csv(out)
    again = MuonFlux.from_file(out)
    np.testing.assert_allclose(again.pz_GeV, flux.pz_GeV)


def test_missing_column_named(tmp_path: Path) -> None:
    p = write(tmp_path, "x,y,z,px,py,pz,pdg\n0,0,0,0,0,100,13\n")
    with pytest.raises(ValueError, match=r"flux\.csv: missing column\(s\) weight; required columns: x, y, z"):
        MuonFlux.from_file(p)


def test_bad_value_named_with_row(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD + "0,0,0,0,0,abc,1e-5,13\n")
    with pytest.raises(ValueError, match=r"column 'pz' row 3: 'abc' is not a number"):
        MuonFlux.from_file(p)
    p = write(tmp_path, GOOD + "0,0,0,0,0,10,nan,13\n", "nan.csv")
    with pytest.raises(ValueError, match=r"column 'weight' row 3: nan but require a finite number"):
        MuonFlux.from_file(p)


def test_bad_pdg_refused(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD + "0,0,0,0,0,10,1e-5,211\n")
    with pytest.raises(ValueError, match=r"column 'pdg' row 3: 211 but require 13 \(mu-\) or -13 \(mu\+\)"):
        MuonFlux.from_file(p)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"suffix '\.txt'"):
        MuonFlux.from_file(write(tmp_path, GOOD, "flux.txt"))
    with pytest.raises(FileNotFoundError):
        MuonFlux.from_file(tmp_path / "nope.csv")


def test_root_roundtrip(tmp_path: Path) -> None:
    uproot = pytest.importorskip("uproot")
    rng = np.random.default_rng(1)
    n = 100
    data = {c: rng.normal(size=n) for c in FLUX_COLUMNS[:6]}
    data["pz"] = np.abs(data["pz"]) + 10.0
    data["weight"] = rng.random(n) * 1e-6
    data["pdg"] = rng.choice([13, -13], n).astype(np.int32)
    path = tmp_path / "flux.root"
    with uproot.recreate(path) as f:
        f.mktree("muons", {k: v.dtype for k, v in data.items()})
        f["muons"].extend(data)
    flux = MuonFlux.from_file(path, weight_unit="per POT")
    assert len(flux) == n
    np.testing.assert_allclose(flux.pz_GeV, data["pz"])
    np.testing.assert_array_equal(flux.pdg, data["pdg"])
    assert flux.total_weight == pytest.approx(data["weight"].sum())


def test_root_missing_branch(tmp_path: Path) -> None:
    uproot = pytest.importorskip("uproot")
    path = tmp_path / "bad.root"
    with uproot.recreate(path) as f:
        f.mktree("muons", {c: np.float64 for c in FLUX_COLUMNS if c != "pdg"})
        f["muons"].extend({c: np.ones(3) for c in FLUX_COLUMNS if c != "pdg"})
    with pytest.raises(ValueError, match=r"bad\.root: missing column\(s\) pdg"):
        MuonFlux.from_file(path)


def test_parquet_needs_pyarrow_or_reads(tmp_path: Path) -> None:
    """Without pyarrow the error says how to get it; with pyarrow a parquet flux round-trips."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        p = tmp_path / "flux.parquet"
        p.write_bytes(b"PAR1")
        with pytest.raises(ImportError, match="pip install pyarrow"):
            MuonFlux.from_file(p)
        return
    import awkward as ak

    cols = {c: np.linspace(1.0, 2.0, 4) for c in FLUX_COLUMNS if c != "pdg"}
    cols["pz"] = np.array([10.0, 20.0, 30.0, 40.0])
    cols["pdg"] = np.array([13, -13, 13, -13])
    p = tmp_path / "flux.parquet"
    ak.to_parquet(ak.zip(cols), p)
    flux = MuonFlux.from_file(p)
    assert len(flux) == 4
    np.testing.assert_allclose(flux.pz_GeV, cols["pz"])


def test_sampling_with_generator(tmp_path: Path) -> None:
    flux = MuonFlux.from_file(write(tmp_path, GOOD))
    s = flux.sample(20000, np.random.default_rng(7))
    assert s.total_weight == pytest.approx(flux.total_weight)
    frac_first = np.mean(s.pz_GeV == 100.0)
    assert frac_first == pytest.approx(1 / 3, abs=0.02)


def test_monochromatic_beam() -> None:
    b = MonochromaticBeam(160.0, pdg=13, direction=(0, 0, 2))
    assert b.direction == (0.0, 0.0, 1.0)
    f = b.sample(4, np.random.default_rng(0))
    assert f.weight_unit == "per MOT"
    assert f.total_weight == pytest.approx(1.0)
    np.testing.assert_allclose(f.energy_GeV, 160.0)
    with pytest.raises(ValueError, match=r"pdg = 11 but require 13 \(mu-\) or -13 \(mu\+\)"):
        MonochromaticBeam(160.0, pdg=11)
    with pytest.raises(ValueError, match=r"energy = 0\.1 GeV but require"):
        MonochromaticBeam(0.1)


def test_secondary_source_is_labelled_and_sane() -> None:
    src = SecondaryMuonSource.proton_dump("Mo")
    f = src.sample(2000, np.random.default_rng(3))
    assert f.approximate
    assert "APPROXIMATE" in f.source
    assert set(np.unique(f.pdg)) <= {13, -13}
    assert np.all(f.weight >= 0)
    assert np.all(f.energy_GeV < 400.0)
    # order of magnitude only: O(1e-4 .. 1e-2) muons per POT
    assert 1e-4 < f.total_weight < 1e-2
