"""Tests for geometry.materials: element data, dE/dx tables, lookup errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geometry.exceptions import UnknownMaterial
from geometry.materials import EnergyLoss, Material, available_materials, get_material

# Independent reference numbers: PDG Atomic and Nuclear Properties (min-ionisation, MeV cm^2/g).
PDG_MIN_ION = {"Pb": 1.122, "W": 1.145, "Cu": 1.403, "Mo": 1.329}


@pytest.mark.parametrize("name", ["Pb", "lead", "LEAD", "pB", " lead "])
def test_lookup_case_insensitive(name: str) -> None:
    assert get_material(name).name == "lead"


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("W", "tungsten"),
        ("tungsten", "tungsten"),
        ("wolfram", "tungsten"),
        ("Cu", "copper"),
        ("Mo", "molybdenum"),
        ("rock", "standard_rock"),
    ],
)
def test_aliases(alias: str, canonical: str) -> None:
    assert get_material(alias).name == canonical


def test_unknown_material_lists_available() -> None:
    with pytest.raises(UnknownMaterial, match=r"unobtainium.*available:.*lead.*tungsten") as err:
        get_material("unobtainium")
    assert isinstance(err.value, KeyError)
    assert set(available_materials()) <= set(" ".join(err.value.available).replace("(", " ").split())


def test_available_materials() -> None:
    mats = available_materials()
    for m in (
        "lead",
        "tungsten",
        "copper",
        "molybdenum",
        "iron",
        "aluminum",
        "beryllium",
        "carbon_graphite",
        "tantalum",
        "titanium",
        "standard_rock",
    ):
        assert m in mats


@pytest.mark.parametrize("name", ["lead", "tungsten", "copper", "molybdenum", "iron", "standard_rock"])
def test_z_over_a_matches_table_header(name: str) -> None:
    m = get_material(name)
    assert m.z / m.a_g_mol == pytest.approx(m.table.z_over_a, abs=2e-5)


def test_derived_quantities() -> None:
    pb, w, cu, mo = (get_material(s) for s in ("Pb", "W", "Cu", "Mo"))
    assert pb.n_atom_cm3 == pytest.approx(3.30e22, rel=3e-3)  # [000] Table I: 3.3e22
    assert w.n_atom_cm3 == pytest.approx(6.32e22, rel=3e-3)
    assert cu.mean_atomic_mass_GeV == pytest.approx(59.19, abs=0.01)  # [001] fn. 6
    assert mo.mean_atomic_mass_GeV == pytest.approx(89.37, abs=0.02)
    assert pb.radiation_length_cm == pytest.approx(0.561, rel=2e-3)
    assert pb.mass_number == 208  # the nucleus is Pb-208 (tests/test_nucleus.py)
    assert pb.nucleus_pdgid == 1000822080
    assert pb.a_g_mol == 207.2  # the mean A of n_atom and the form factors is unchanged


@pytest.mark.parametrize(("sym", "ref"), list(PDG_MIN_ION.items()))
def test_min_ionisation_within_1pc_of_pdg(sym: str, ref: float) -> None:
    _, s_min = get_material(sym).minimum_ionisation()
    assert s_min == pytest.approx(ref, rel=0.01)


def test_cpz_constant_loss_is_min_ionisation_times_rho() -> None:
    # [000] Table I: 12.7 MeV/cm (Pb) and 22.1 MeV/cm (W) = 1.27 and 2.21 GeV/m
    assert EnergyLoss.minimum_ionising("Pb").constant_GeV_m == pytest.approx(1.27, rel=5e-3)
    assert EnergyLoss.minimum_ionising("W").constant_GeV_m == pytest.approx(2.21, rel=5e-3)


@pytest.mark.parametrize("name", ["lead", "tungsten", "copper", "molybdenum", "iron", "beryllium"])
def test_dedx_monotonic_above_minimum(name: str) -> None:
    m = get_material(name)
    e_node = m.table.energy_GeV[np.argmin(m.table.columns["total"])]  # minimum of the interpolant
    e = np.geomspace(e_node, 1e6, 2000)
    assert np.all(np.diff(m.dedx(e)) >= 0)  # two equal 4-digit table values can make a flat step (Cu)
    e = np.geomspace(1.2 * e_node, 1e6, 2000)
    assert np.all(np.diff(m.dedx(e)) > 0)


def test_dedx_parts_add_up_and_units() -> None:
    pb = get_material("Pb")
    e = np.geomspace(1.0, 1e4, 50)
    total = pb.dedx(e)
    assert np.allclose(pb.dedx_ionisation(e) + pb.dedx_radiative(e), total, rtol=3e-3)
    # GeV/m = 0.1 * rho * MeV cm^2/g; and b E = radiative part
    assert float(pb.dedx(160.0)) == pytest.approx(0.1 * 11.35 * 4.239, rel=1e-3)
    assert np.allclose(pb.b_per_m(e) * e, pb.dedx_radiative(e), rtol=1e-12)
    assert float(pb.b(100.0)) * 1e6 == pytest.approx(13.6, rel=0.01)


def test_dedx_out_of_table_refused() -> None:
    with pytest.raises(ValueError, match=r"E = 0\.05 GeV outside the dE/dx table lead\.csv"):
        get_material("Pb").dedx(0.05)


def test_critical_energies() -> None:
    for sym, ref in {"Pb": 132, "W": 142, "Mo": 229, "Cu": 313}.items():
        m = get_material(sym)
        ec = m.critical_energy()
        assert ec == pytest.approx(ref, rel=0.01)
        assert float(m.dedx_ionisation(ec)) == pytest.approx(float(m.dedx_radiative(ec)), rel=1e-9)


def test_energy_loss_validation() -> None:
    with pytest.raises(ValueError, match=r"constant dE/dx = -1\.0 GeV/m but require"):
        EnergyLoss.constant(-1.0)
    loss = get_material("W").with_constant_dedx(2.21)
    assert loss.mode == "constant"
    assert float(loss.dedx(3.0)) == 2.21
    assert EnergyLoss.table("Pb").material is get_material("lead")


def test_material_is_frozen_and_hashable() -> None:
    pb = get_material("Pb")
    assert isinstance(pb, Material)
    with pytest.raises(AttributeError):
        pb.z = 1  # type: ignore[misc]
    assert hash(pb) == hash(get_material("lead"))
    assert math.isfinite(pb.density_g_cm3)


def test_package_data_readable_via_importlib_resources() -> None:
    from importlib import resources

    base = resources.files("geometry") / "data"
    assert (base / "materials.toml").is_file()
    for name in available_materials():
        assert (base / "muon_dedx" / get_material(name).dedx_file).is_file()
    assert (base / "README.md").is_file()


def test_unknown_material_pickles_and_suggests() -> None:
    import pickle

    with pytest.raises(UnknownMaterial) as err:
        get_material("tungstn")
    assert "did you mean" in str(err.value)
    again = pickle.loads(pickle.dumps(err.value))
    assert str(again) == str(err.value)


def test_nuclei_table_is_what_particle_and_periodictable_give():
    """data/nuclei.csv (read instead of particle's PDG table, 0.2 s, issue 19) holds, for every element of
    materials.toml, exactly the isotope and atomic mass the packages give."""
    from geometry import materials

    table = materials._nuclei_table()
    assert {m.z for m in materials._registry().values()} <= set(table)
    for z, row in table.items():
        assert row == materials._atom_from_packages(z), z
