"""Muon transport through the blocks of a dump: mean energy loss (CSDA) and Gaussian multiple scattering.

Energy loss. In each slab the total energy follows the continuous-slowing-down approximation of
:mod:`geometry.propagation` with that slab's tabulated -dE/dx (PUMAS/PDG tables)::

    E after a path s = R^{-1}( R(E) - s ),     R the CSDA range of the slab's material   [m, GeV]

A muon whose range ends before the source plane is stopped (dropped). No straggling: the mean loss only
(the radiative part of -dE/dx is dominated by rare hard losses, so the spread of the exit energy is
underestimated for the thick dumps; docs/physics.md section 7).

Multiple scattering. The projected angle after a thickness x of material with radiation length X0 is
Gaussian with the Highland width (PDG RPP 2024, "Passage of particles through matter", eq. 34.16)::

    theta_0 = 13.6 MeV / (beta c p) * z sqrt(x/X0) * (1 + 0.038 ln(x z^2 / (X0 beta^2)))

Because of the logarithm theta_0^2 is not additive; each step of length s adds the increment of the
variance at the cumulative thickness, theta_0^2(X + s/X0) - theta_0^2(X) at the step's momentum, so
that after a single slab the total width is Highland's for the whole slab. Each step deflects the
direction by z2 * dtheta and displaces the track sideways by s dtheta (z1/sqrt(12) + z2/2) in each of
two transverse planes (PDG eq. 34.19-34.20, z1, z2 independent standard normals).

Units: metres, GeV; momenta (px, py, pz) in GeV.

References: PDG, R.L. Workman et al. (2022) and S. Navas et al. (2024), "Passage of particles through
matter", eqs. 34.16 and 34.19-34.20; V.L. Highland, NIM 129 (1975) 497 and NIM 161 (1979) 171;
G.R. Lynch, O.I. Dahl, NIM B 58 (1991) 6; D.E. Groom, N.V. Mokhov, S.I. Striganov, ADNDT 78 (2001) 183.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from generator.constants import M_MU
from geometry.dump.layout import DumpGeometry
from geometry.propagation import range_table

__all__ = ["Transported", "highland_theta0", "transport_muons"]

#: Highland constant [GeV] (13.6 MeV).
_HIGHLAND_GEV = 0.0136


def highland_theta0(p_GeV: np.ndarray | float, x_over_x0: np.ndarray | float, mass_GeV: float = M_MU,
                    charge: float = 1.0) -> np.ndarray:
    """Highland width theta_0 [rad] of the projected scattering angle (PDG eq. 34.16).

    ``theta_0 = 0.0136 GeV / (beta p) |z| sqrt(x/X0) (1 + 0.038 ln(x z^2/(X0 beta^2)))``, for a
    particle of momentum ``p_GeV`` [GeV], mass ``mass_GeV`` [GeV] and charge ``charge`` after a
    thickness ``x_over_x0`` (radiation lengths; > 0). PDG: accurate to 11 % for 1e-3 < x/X0 < 100.

    >>> round(float(highland_theta0(10.0, 1.0)), 5)  # 10 GeV muon, one X0: 13.6 mrad / 10
    0.00136
    """
    p = np.asarray(p_GeV, dtype=float)
    x = np.asarray(x_over_x0, dtype=float)
    e = np.sqrt(p * p + mass_GeV * mass_GeV)
    beta = p / e
    arg = np.maximum(x * charge * charge / (beta * beta), 1e-300)
    width = _HIGHLAND_GEV / (beta * p) * abs(charge) * np.sqrt(x) * (1.0 + 0.038 * np.log(arg))
    return np.where(x > 0, np.maximum(width, 0.0), 0.0)


@dataclass(frozen=True, slots=True)
class Transported:
    """Muons at the source plane: positions [m], momenta [GeV] and which of the input muons arrived."""

    x: np.ndarray
    """x at the plane [m] (NaN where not arrived)."""
    y: np.ndarray
    """y at the plane [m]."""
    z: np.ndarray
    """z [m] (the plane, or where the muon stopped)."""
    px: np.ndarray
    """Momentum x [GeV]."""
    py: np.ndarray
    """Momentum y [GeV]."""
    pz: np.ndarray
    """Momentum z [GeV]."""
    arrived: np.ndarray
    """True where the muon reached the plane (not stopped, not going backwards)."""


def _transverse_basis(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors orthogonal to each unit vector d (n, 3) and to each other."""
    ref = np.where(np.abs(d[:, 2:3]) < 0.9, np.array([[0.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 0.0]]))
    e1 = np.cross(d, ref)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(d, e1)
    return e1, e2


def _step_edges(geometry: DumpGeometry, plane: float, step_m: float) -> list[float]:
    """Step boundaries along z [m]: the slab faces and steps of at most ``step_m`` inside each slab, up to
    the plane (included), sorted."""
    bounds = {plane}
    for s in geometry.slabs:
        n = max(1, int(np.ceil((s.z_end - s.z_start) / step_m)))
        bounds.update(np.linspace(s.z_start, s.z_end, n + 1).tolist())
    edges: list[float] = np.array(sorted(b for b in bounds if b <= plane)).tolist()
    return edges


def _scattered_step(pos: np.ndarray, d: np.ndarray, x_cum: np.ndarray, idx: np.ndarray, s: np.ndarray,
                    p_mid: np.ndarray, x0_m: float, rng: np.random.Generator) -> None:
    """Move muons ``idx`` by the path lengths ``s`` [m] with Highland scattering at momentum ``p_mid`` in a
    material of radiation length ``x0_m``: updates the positions ``pos``, unit directions ``d`` and
    cumulative thicknesses ``x_cum`` [X0] in place (module docstring)."""
    dx = s / x0_m
    var = highland_theta0(p_mid, x_cum[idx] + dx) ** 2 - highland_theta0(p_mid, x_cum[idx]) ** 2
    dtheta = np.sqrt(np.maximum(var, 0.0))
    z1 = rng.standard_normal((len(idx), 2))
    z2 = rng.standard_normal((len(idx), 2))
    e1, e2 = _transverse_basis(d[idx])
    shift = (s * dtheta)[:, None] * (z1 / np.sqrt(12.0) + 0.5 * z2)
    kick = dtheta[:, None] * z2
    pos[idx] += s[:, None] * d[idx] + shift[:, :1] * e1 + shift[:, 1:] * e2
    new_d = d[idx] + kick[:, :1] * e1 + kick[:, 1:] * e2
    d[idx] = new_d / np.linalg.norm(new_d, axis=1, keepdims=True)
    x_cum[idx] += dx


def transport_muons(x: np.ndarray, y: np.ndarray, z: np.ndarray, px: np.ndarray, py: np.ndarray,
                    pz: np.ndarray, geometry: DumpGeometry, rng: np.random.Generator | None = None, *,
                    scattering: bool = True, step_m: float = 0.1, plane_m: float | None = None) -> Transported:
    """Carry muons from their production points through the dump's slabs to the source plane.

    Parameters
    ----------
    x, y, z : array_like
        Production points [m] (inside or upstream of the plane).
    px, py, pz : array_like
        Momenta at production [GeV].
    geometry : DumpGeometry
        The slabs (materials) and, unless ``plane_m`` is given, the source plane.
    rng : numpy.random.Generator, optional
        Random numbers for the scattering (required if ``scattering``).
    scattering : bool
        Apply Highland multiple scattering (else straight lines, mean energy loss only).
    step_m : float
        Largest step along z inside a slab [m]; slab faces are always step boundaries.
    plane_m : float, optional
        z of the plane [m] (default ``geometry.source_plane_m``).

    Returns
    -------
    Transported
        Positions and momenta at the plane; ``arrived`` False for muons that stopped (range out) or
        that move backwards (p_z <= 0) and for those produced beyond the plane.
    """
    if scattering and rng is None:
        raise ValueError("transport_muons: scattering = True needs rng (a numpy.random.Generator)")
    if not step_m > 0:
        raise ValueError(f"step_m = {step_m} but require step_m > 0")
    plane = geometry.source_plane_m if plane_m is None else float(plane_m)
    pos = np.column_stack([np.asarray(x, float), np.asarray(y, float), np.asarray(z, float)])
    mom = np.column_stack([np.asarray(px, float), np.asarray(py, float), np.asarray(pz, float)])
    p = np.linalg.norm(mom, axis=1)
    d = mom / p[:, None]
    e = np.sqrt(p * p + M_MU * M_MU)
    alive = (d[:, 2] > 0) & (pos[:, 2] <= plane) & (p > 0)
    x_cum = np.zeros(len(p))  # cumulative thickness in X0 (for the Highland increments)
    scatter_rng = rng if scattering else None
    for z_lo, z_hi in itertools.pairwise(_step_edges(geometry, plane, step_m)):
        go = alive & (pos[:, 2] < z_hi)
        if not np.any(go):
            continue
        idx = np.nonzero(go)[0]
        slab_i = geometry.slab_at(0.5 * (z_lo + z_hi))
        start_z = np.maximum(pos[idx, 2], z_lo)
        # move to the start of the step if the muon was made upstream of it (through empty space)
        s_gap = (start_z - pos[idx, 2]) / d[idx, 2]
        pos[idx] += s_gap[:, None] * d[idx]
        s = np.maximum((z_hi - pos[idx, 2]) / d[idx, 2], 0.0)
        if slab_i < 0:
            pos[idx] += s[:, None] * d[idx]
            continue
        slab = geometry.slabs[slab_i]
        table = range_table(slab.material)
        e_in = np.minimum(e[idx], table.e_max_GeV)
        remaining = table.range(e_in) - s
        stopped = remaining <= 0
        e_out = np.where(stopped, M_MU, table.energy(np.where(stopped, 0.0, remaining)))
        if scatter_rng is not None:
            p_mid = np.sqrt(np.maximum(0.5 * (e_in + e_out), M_MU * 1.0000001) ** 2 - M_MU * M_MU)
            _scattered_step(pos, d, x_cum, idx, s, p_mid, slab.x0_m, scatter_rng)
        else:
            pos[idx] += s[:, None] * d[idx]
        e[idx] = e_out
        dead = idx[stopped | (d[idx, 2] <= 0)]
        alive[dead] = False
    p_out = np.sqrt(np.maximum(e * e - M_MU * M_MU, 0.0))
    mom_out = d * p_out[:, None]
    nan = np.where(alive, 1.0, np.nan)
    return Transported(pos[:, 0] * nan, pos[:, 1] * nan, pos[:, 2], mom_out[:, 0] * nan, mom_out[:, 1] * nan,
                       mom_out[:, 2] * nan, alive)
