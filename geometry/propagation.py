"""Muon propagation through a target in the continuous-slowing-down approximation (CSDA).

The mean energy of a muon after a depth y follows from the CSDA range::

    R(E)        = R_0 + integral_{E_min}^{E} dE' / (-dE/dx)(E')          [m]
    Delta y(E)  = integral_{E}^{E_0} dE' / (-dE/dx)(E') = R(E_0) - R(E)    [m]
    E(y)        = R^{-1}( R(E_0) - y )                                  [GeV]

with E the total muon energy, -dE/dx from :class:`geometry.materials.EnergyLoss` (tabulated or constant).
docs/physics.md section 7: replace 1/<dE/dy> of [CPZ17] eqs. 17 and 23 by 1/(dE/dx(E)) inside the energy
integral and use Delta y(E) above.

Tabulated loss. -dE/dx is the table interpolated linearly in (ln E, ln S), i.e. a power law
S(E) = S_i (E/E_i)^k_i between nodes. R(E) is accumulated on a fine ln E grid (the table nodes, each
interval subdivided ``n_sub`` times) with the exact integral of that power law on each cell::

    integral_{E_i}^{E} dE'/S = (E_i/S_i) (u^(1-k) - 1)/(1-k),  u = E/E_i     (ln u if k = 1)

and is inverted cell by cell with the same closed form, so R and R^{-1} are monotone, mutually exact
(closure E(R(E)) = E to rounding) and exact for the interpolated dE/dx. Below the first table node
(kinetic energy T_0 = 1 MeV) the residual range is the table's CSDA range at T_0 continued as a power
law R = R_0 (T/T_0)^p (p from the first two tabulated CSDA ranges); this affects only the last
~0.1 mm of a stopping muon.

Constant loss ([CPZ17] eqs. 16-17): R(E) = (E - m_mu)/<dE/dy>, Delta y = (E_0 - E)/<dE/dy>.

Stopped muons. A muon whose range is shorter than the depth asked for is *stopped*: its energy is
returned as the muon mass m_mu (never NaN) together with a boolean ``stopped`` flag.

>>> from geometry.materials import EnergyLoss
>>> r = energy_after(160.0, 0.2, EnergyLoss.constant(1.27))
>>> round(float(r.energy_GeV), 3), bool(r.stopped)
(159.746, False)

References: D.E. Groom, N.V. Mokhov, S.I. Striganov, ADNDT 78 (2001) 183; [CPZ17] C.-Y. Chen,
M. Pospelov, Y.-M. Zhong, PRD 95 (2017) 115005, eqs. 16-17, Table I; docs/physics.md section 7.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from generator.constants import M_MU
from geometry.materials import EnergyLoss, Material, get_material

__all__ = [
    "EnergyLoss",
    "Propagated",
    "RangeTable",
    "as_energy_loss",
    "csda_range",
    "depth_to_energy",
    "energy_after",
    "exit_energy",
    "range_table",
]


class Propagated(NamedTuple):
    """Result of propagating muons: energy [GeV] (``M_MU`` if stopped) and the stopped flag."""

    energy_GeV: Any
    """Total muon energy after the depth [GeV]; the muon mass where ``stopped``."""
    stopped: Any
    """True where the muon ranged out before the requested depth."""


def as_energy_loss(loss: EnergyLoss | Material | str) -> EnergyLoss:
    """Accept an :class:`EnergyLoss`, a :class:`Material` or a material name (-> tabulated loss)."""
    if isinstance(loss, EnergyLoss):
        return loss
    return EnergyLoss.table(get_material(loss))


def _seg_integral(c: np.ndarray, k: np.ndarray, u: np.ndarray) -> np.ndarray:
    """integral_1^u c v^(-k) dv = c (u^(1-k) - 1)/(1-k)  (c ln u for k -> 1), stable via expm1."""
    one_k = 1.0 - k
    lu = np.log(u)
    x = one_k * lu
    small = np.abs(x) < 1e-12
    safe = np.where(small, 1.0, one_k)
    return c * np.where(small, lu * (1 + 0.5 * x), np.expm1(x) / safe)


def _seg_inverse(c: np.ndarray, k: np.ndarray, dr: np.ndarray) -> np.ndarray:
    """Solve integral_1^u c v^(-k) dv = dr for u (inverse of :func:`_seg_integral`)."""
    one_k = 1.0 - k
    y = dr / c
    z = one_k * y
    small = np.abs(z) < 1e-12
    safe = np.where(small, 1.0, one_k)
    return np.where(small, np.exp(y * (1 - 0.5 * z)), np.exp(np.log1p(z) / safe))


@dataclass(frozen=True, slots=True, eq=False)
class RangeTable:
    """CSDA range R(E) [m] of a muon for one energy-loss model, and its inverse E(R) [GeV].

    See the module docstring for the construction (exact power-law cells on a fine ln E grid).
    Build with :func:`range_table`, which caches one table per loss model.

    References: Groom, Mokhov, Striganov, ADNDT 78 (2001) 183 (CSDA range definition).
    """

    loss: EnergyLoss
    """The energy-loss model."""
    energy_GeV: np.ndarray = field(repr=False)
    """Fine grid of total energies [GeV] (table mode; empty for constant mode)."""
    range_m: np.ndarray = field(repr=False)
    """R at the grid energies [m]."""
    _c: np.ndarray = field(repr=False)
    _k: np.ndarray = field(repr=False)
    _r0_m: float = 0.0
    _p: float = 2.0

    @property
    def e_max_GeV(self) -> float:
        """Highest total energy covered [GeV]."""
        return self.loss.e_max_GeV

    def range(self, energy_GeV: Any) -> np.ndarray:
        """CSDA range R(E) [m] of a muon of total energy E [GeV] (m_mu <= E <= e_max_GeV)."""
        e = _check_energy(energy_GeV, self.e_max_GeV, "E")
        if self.loss.mode == "constant":
            assert self.loss.constant_GeV_m is not None
            return (e - M_MU) / self.loss.constant_GeV_m
        grid = self.energy_GeV
        i = np.clip(np.searchsorted(grid, e, side="right") - 1, 0, grid.size - 2)
        above = self.range_m[i] + _seg_integral(self._c[i], self._k[i], e / grid[i])
        t0 = grid[0] - M_MU
        below = self._r0_m * (np.maximum(e - M_MU, 0.0) / t0) ** self._p
        return np.where(e >= grid[0], above, below)

    def energy(self, range_m: Any) -> np.ndarray:
        """Inverse: total energy E [GeV] of a muon with CSDA range R [m] (0 <= R <= R(e_max))."""
        r = np.asarray(range_m, dtype=float)
        if np.any(~(r >= 0)):
            raise ValueError(f"range = {r[~(r >= 0)].flat[0]} m but require range >= 0")
        if self.loss.mode == "constant":
            return M_MU + r * self.loss.constant_GeV_m
        if np.any(r > self.range_m[-1]):
            raise ValueError(
                f"range = {r.max()} m but require range <= {self.range_m[-1]:.6g} m (table end, "
                f"E = {self.energy_GeV[-1]:.6g} GeV)"
            )
        grid = self.energy_GeV
        i = np.clip(np.searchsorted(self.range_m, r, side="right") - 1, 0, grid.size - 2)
        above = grid[i] * _seg_inverse(self._c[i], self._k[i], r - self.range_m[i])
        t0 = grid[0] - M_MU
        below = M_MU + t0 * (r / self._r0_m) ** (1.0 / self._p)
        return np.where(r >= self.range_m[0], above, below)


def _check_energy(energy_GeV: Any, e_max: float, what: str) -> np.ndarray:
    e = np.asarray(energy_GeV, dtype=float)
    bad = ~((e >= M_MU) & (e <= e_max))
    if np.any(bad):
        raise ValueError(
            f"{what} = {e[bad].flat[0]} GeV but require m_mu = {M_MU:.7g} <= {what} <= {e_max:.6g} GeV "
            "(total muon energy)"
        )
    return e


@functools.lru_cache(maxsize=64)
def _range_table_cached(loss: EnergyLoss, n_sub: int) -> RangeTable:
    empty = np.empty(0)
    if loss.mode == "constant":
        return RangeTable(loss, empty, empty, empty, empty)
    mat = loss.material
    assert mat is not None
    assert mat.table is not None
    nodes = mat.table.energy_GeV
    ln_nodes = np.log(nodes)
    frac = np.arange(n_sub) / n_sub
    ln_grid = np.concatenate(
        [(ln_nodes[:-1, None] + np.diff(ln_nodes)[:, None] * frac).ravel(), ln_nodes[-1:]]
    )
    grid = np.exp(ln_grid)
    grid[0], grid[-1] = nodes[0], nodes[-1]  # exact ends (avoid exp/log round-off outside the table)
    s = loss.dedx(grid)  # GeV/m, power law within each cell (cells lie inside table intervals)
    k = np.diff(np.log(s)) / np.diff(ln_grid)
    c = grid[:-1] / s[:-1]
    seg = _seg_integral(c, k, grid[1:] / grid[:-1])
    csda = mat.table.csda_range_g_cm2
    r0_m = float(csda[0]) / mat.density_g_cm3 / 100.0
    t = nodes[:2] - M_MU
    p = float(np.log(csda[1] / csda[0]) / np.log(t[1] / t[0]))
    rng = r0_m + np.concatenate([[0.0], np.cumsum(seg)])
    return RangeTable(loss, grid, rng, c, k, r0_m, p)


def range_table(loss: EnergyLoss | Material | str, n_sub: int = 16) -> RangeTable:
    """CSDA range table R(E) [m] for ``loss`` (cached per loss model and ``n_sub``).

    Parameters
    ----------
    loss : EnergyLoss, Material or str
        Energy-loss model; a material (or its name) means its tabulated loss.
    n_sub : int
        Subdivisions of each table interval in ln E (>= 1); the cell integrals are exact for the
        log-log interpolated dE/dx, so this only refines the grid.
    """
    if n_sub < 1:
        raise ValueError(f"n_sub = {n_sub} but require n_sub >= 1")
    return _range_table_cached(as_energy_loss(loss), int(n_sub))


def csda_range(energy_GeV: Any, loss: EnergyLoss | Material | str) -> np.ndarray:
    """CSDA range R(E) [m] of a muon of total energy E [GeV] (vectorised)."""
    return range_table(loss).range(energy_GeV)


def depth_to_energy(e0_GeV: Any, energy_GeV: Any, loss: EnergyLoss | Material | str) -> np.ndarray:
    """Depth Delta y [m] after which a muon of initial energy E0 has slowed to E (mean, CSDA).

    ``Delta y(E) = integral_E^{E0} dE'/(-dE/dx) = R(E0) - R(E)``; constant loss: (E0 - E)/<dE/dy>.

    Parameters
    ----------
    e0_GeV, energy_GeV : float or array_like
        Initial and final total energies [GeV], broadcast together; require m_mu <= E <= E0.
    loss : EnergyLoss, Material or str
        Energy-loss model.

    Returns
    -------
    numpy.ndarray
        Depth [m].

    >>> from geometry.materials import EnergyLoss
    >>> round(float(depth_to_energy(3.0, 0.5, EnergyLoss.constant(2.21))), 4)  # W, [CPZ17]
    1.1312
    """
    table = range_table(loss)
    e0 = _check_energy(e0_GeV, table.e_max_GeV, "E0")
    e = _check_energy(energy_GeV, table.e_max_GeV, "E")
    e0, e = np.broadcast_arrays(e0, e)
    if np.any(e > e0):
        i = np.argmax(e > e0)
        raise ValueError(f"E = {e.flat[i]} GeV > E0 = {e0.flat[i]} GeV but require m_mu <= E <= E0")
    if table.loss.mode == "constant":
        return (e0 - e) / table.loss.constant_GeV_m
    return np.maximum(table.range(e0) - table.range(e), 0.0)


def energy_after(e0_GeV: Any, depth_m: Any, loss: EnergyLoss | Material | str) -> Propagated:
    """Mean total energy E(y) [GeV] of a muon of initial energy E0 [GeV] after a depth y [m] (CSDA).

    ``E(y) = R^{-1}(R(E0) - y)``; constant loss: ``E0 - <dE/dy> y``. If the muon ranges out
    (y >= R(E0)) it is *stopped*: the energy is ``M_MU`` and ``stopped`` is True.

    Parameters
    ----------
    e0_GeV : float or array_like
        Initial total energy [GeV], m_mu <= E0 <= table end.
    depth_m : float or array_like
        Depth travelled [m], >= 0 (broadcast with ``e0_GeV``).
    loss : EnergyLoss, Material or str
        Energy-loss model.

    Returns
    -------
    Propagated
        ``(energy_GeV, stopped)``; arrays, or numpy scalars for scalar input.
    """
    table = range_table(loss)
    e0 = _check_energy(e0_GeV, table.e_max_GeV, "E0")
    y = np.asarray(depth_m, dtype=float)
    if np.any(~(y >= 0)):
        raise ValueError(f"depth = {y[~(y >= 0)].flat[0]} m but require depth >= 0 (finite)")
    e0, y = np.broadcast_arrays(e0, y)
    remaining = table.range(e0) - y
    stopped = remaining <= 0
    energy = np.where(stopped, M_MU, table.energy(np.where(stopped, 0.0, remaining)))
    energy = np.where(y == 0, e0, energy)  # exact identity at zero depth
    return Propagated(energy[()], stopped[()])


def exit_energy(e0_GeV: Any, length_m: Any, loss: EnergyLoss | Material | str) -> Propagated:
    """Mean total energy [GeV] of a muon leaving a slab of thickness ``length_m`` [m] (see energy_after).

    >>> from geometry.materials import EnergyLoss
    >>> round(float(exit_energy(160.0, 0.2, EnergyLoss.constant(1.27)).energy_GeV), 3)  # NA64 [CPZ17]
    159.746
    """
    return energy_after(e0_GeV, length_m, loss)
