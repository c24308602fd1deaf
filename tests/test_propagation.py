"""Tests for geometry.propagation: CSDA range, E(y), y(E), constant-loss mode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.constants import M_MU
from geometry.materials import EnergyLoss, get_material
from geometry.propagation import (
    csda_range,
    depth_to_energy,
    energy_after,
    exit_energy,
    range_table,
)


def test_na64_constant_loss_reproduces_cpz() -> None:
    # [000] / docs/physics.md C5: 160 - 0.2 m * 12.7 MeV/cm = 159.746 GeV ("159.75")
    r = exit_energy(160.0, 0.2, EnergyLoss.constant(1.27))
    assert float(r.energy_GeV) == pytest.approx(159.746, abs=1e-9)
    assert not bool(r.stopped)


def test_na64_tabulated_loss() -> None:
    assert float(exit_energy(160.0, 0.2, "Pb").energy_GeV) == pytest.approx(159.04, abs=0.01)


def test_fnal_depths() -> None:
    assert float(depth_to_energy(3.0, 0.5, EnergyLoss.constant(2.21))) == pytest.approx(1.131, abs=1e-3)
    assert float(depth_to_energy(3.0, 0.5, "W")) == pytest.approx(0.97, abs=0.005)


def test_against_ode() -> None:
    from scipy.integrate import solve_ivp

    mat = get_material("Cu")
    sol = solve_ivp(lambda _y, e: -mat.dedx(e), (0.0, 3.2), [400.0], rtol=1e-10, atol=1e-12)
    assert float(exit_energy(400.0, 3.2, mat).energy_GeV) == pytest.approx(sol.y[0, -1], rel=1e-7)


@pytest.mark.parametrize("name", ["lead", "tungsten", "copper", "standard_rock"])
def test_range_matches_tabulated_csda(name: str) -> None:
    m = get_material(name)
    t = m.table
    sel = t.energy_GeV < 1e5
    ours_g_cm2 = csda_range(t.energy_GeV[sel], m) * 100 * m.density_g_cm3
    np.testing.assert_allclose(ours_g_cm2, t.csda_range_g_cm2[sel], rtol=5e-3)


@settings(max_examples=200, deadline=None)
@given(
    e0=st.floats(min_value=0.2, max_value=5e4),
    frac=st.floats(min_value=0.0, max_value=1.0),
    material=st.sampled_from(["lead", "tungsten", "copper", "molybdenum"]),
)
def test_range_energy_closure(e0: float, frac: float, material: str) -> None:
    # E(y(E)) = E: go from E0 down to E, then propagate that depth
    e = M_MU + frac * (e0 - M_MU)
    y = float(depth_to_energy(e0, e, material))
    back = energy_after(e0, y, material)
    if frac > 1e-6:
        assert float(back.energy_GeV) == pytest.approx(e, rel=1e-9, abs=1e-12)
    table = range_table(material)
    assert float(table.energy(table.range(e0))) == pytest.approx(e0, rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(e0=st.floats(min_value=0.2, max_value=1e3), y=st.floats(min_value=0.0, max_value=10.0))
def test_constant_mode_closed_form(e0: float, y: float) -> None:
    loss = EnergyLoss.constant(2.21)
    r = energy_after(e0, y, loss)
    expected = e0 - 2.21 * y
    if expected > M_MU:
        assert float(r.energy_GeV) == pytest.approx(expected, rel=1e-12)
        assert not bool(r.stopped)
    else:
        assert float(r.energy_GeV) == M_MU
        assert bool(r.stopped)


def test_stopped_marker_and_vectorised() -> None:
    r = energy_after(np.array([3.0, 3.0, 160.0]), np.array([0.5, 5.0, 0.0]), "W")
    assert r.energy_GeV.shape == (3,)
    assert not np.any(np.isnan(r.energy_GeV))
    assert list(r.stopped) == [False, True, False]
    assert r.energy_GeV[1] == M_MU
    assert r.energy_GeV[2] == 160.0


def test_monotone_energy_vs_depth() -> None:
    y = np.linspace(0, 2.0, 400)
    e = energy_after(3.0, y, "W").energy_GeV
    assert np.all(np.diff(e) <= 0)


def test_errors_name_value_and_range() -> None:
    with pytest.raises(ValueError, match=r"depth = -1\.0 m but require depth >= 0"):
        energy_after(10.0, -1.0, "Pb")
    with pytest.raises(ValueError, match=r"E0 = 0\.05 GeV but require m_mu"):
        energy_after(0.05, 1.0, "Pb")
    with pytest.raises(ValueError, match=r"E = 5\.0 GeV > E0 = 3\.0 GeV"):
        depth_to_energy(3.0, 5.0, "W")
