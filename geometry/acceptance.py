"""Decay-in-volume probability, decay-vertex sampling and daughter cuts.

Pure, numpy-vectorised functions over events: scalars, arrays of shape ``(n,)`` for per-event numbers
and ``(n, 3)`` for points and directions (all broadcast). Units: **metres** for lengths, **GeV** for
energies and momenta.

Decay probability ([001] eqs. 21–22, [000] eqs. 14–15, docs/physics.md section 8)::

    P(z) dz = exp(-z/L) dz / L
    P_in    = exp(-z_min/L) - exp(-z_max/L) = -exp(-z_min/L) * expm1(-(z_max - z_min)/L)

evaluated in the second (stable) form; ``z_max = inf`` is allowed, and an empty interval
(``z_max <= z_min``, the ray misses the volume) gives 0. The decay vertex for the daughter acceptance is
drawn from the exponential truncated to ``[z_min, z_max]``::

    z = z_min - L * log1p(u * expm1(-Delta/L)),   u ~ U(0, 1),  Delta = z_max - z_min

which is exact for ``Delta = inf`` and free of cancellation for ``L >> Delta`` (then z ≈ z_min + u Delta).

Here ``z`` is the path length ``s`` along the boson line from its production point, the interval
``(s_min, s_max)`` that :mod:`geometry.intersections` gives for a decay volume (re-exported here:
:func:`decay_volume_interval`, :func:`point_in_volume`, :func:`intersect_slab`, :func:`intersect_box`,
:func:`intersect_elliptic_cylinder`).

Coupling reweighting (DESIGN.md rule 3): the decay length scales as ``L = L_ref (g_ref/g)^2`` at fixed
model ratios ([000] eq. 9, [001] eq. 12), so storing ``s_min``, ``s_max`` and ``L_ref`` per event lets
``P_in`` be recomputed for any ``g`` without regenerating events
(:func:`decay_probability_for_coupling`; the event weight at ``g`` is then
``w_xsec_ref (g/g_ref)^2 P_in(g) acceptance``, never divided by a ``P_in(g_ref)`` that may underflow).

Not here, on purpose: production cuts (minimum muon energy, x_min, the IWW-validity cut) are limits of
the integration, applied by the run where the integrand is built, not a mask on sampled events; and the
tau-chain selection of the LFV ALP process ([004] Sec. III.C: tau flight, tau branching, outgoing-lepton
energy) belongs to that process (``Experiment.process_keys``, applied by the process that declares them).

Daughter cuts ([001] Sec. V; [000] Sec. III.A): daughters are propagated in **straight lines** to the
detector planes (no spectrometer magnet, as in [001]; flag). See :func:`daughter_acceptance`.

References
----------
[000] Chen, Pospelov, Zhong, PRD 95 115005 (2017), eqs. 14–20, Table I.
[001] Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eqs. 21–23, Sec. V.
[004] Batell et al., arXiv:2407.15942, Sec. III (prompt signature).
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from generator.constants import PDG_DARK_FERMION, PDG_ELECTRON, PDG_MUON, PDG_PROTON, PDG_TAU
from geometry.intersections import (
    decay_volume_interval,
    intersect_box,
    intersect_elliptic_cylinder,
    intersect_slab,
    point_in_volume,
)

if TYPE_CHECKING:
    from geometry.experiment_schema import DaughterCuts, DetectorPlane, Experiment

__all__ = [
    "INVISIBLE_PDG",
    "Rejection",
    "daughter_acceptance",
    "decay_probability",
    "decay_probability_for_coupling",
    "decay_volume_interval",
    "intersect_box",
    "intersect_elliptic_cylinder",
    "intersect_slab",
    "point_in_volume",
    "propagate_to_plane",
    "sample_decay_distance",
]

#: PDG ids that leave no signal: the neutrinos and the dark fermion chi (``generator.constants``).
INVISIBLE_PDG: frozenset[int] = frozenset({12, 14, 16, PDG_DARK_FERMION})
_PHOTON = 22
#: |PDG id| of the charged daughters a boson or a tau decays to most often (e, mu, tau, pi+-, K+-, p), so
#: that the common events need no look-up in ``particle``'s table (0.2 s to load, issue 19); any other id
#: is looked up there.
_CHARGED = frozenset({PDG_ELECTRON, PDG_MUON, PDG_TAU, 211, 321, PDG_PROTON})


class Rejection(IntEnum):
    """Why an event was rejected (0 = accepted); the first failing reason in this order is reported."""

    ACCEPTED = 0
    MISSED_VOLUME = 1
    """The boson line misses the decay volume, or the vertex is outside it."""
    INVISIBLE = 2
    """Invisible daughters (neutrinos, dark fermions) in an experiment that needs visible ones."""
    ENERGY = 3
    """A daughter below its energy threshold, or the photon energy sum below its threshold."""
    GEOMETRY = 4
    """A daughter misses a required plane (outside the acceptance minus the wall distance, or backwards)."""
    HOLE = 5
    """A photon inside the calorimeter's central hole."""
    SEPARATION = 6
    """Two photons closer than the minimum separation at the calorimeter."""


# ----------------------------------------------------------------------------------------------------
# Decay probability and vertex sampling
# ----------------------------------------------------------------------------------------------------


def _check_decay_length(decay_length: NDArray[np.float64]) -> None:
    bad = ~(np.isfinite(decay_length) & (decay_length > 0))
    if np.any(bad):
        first = decay_length[bad].flat[0]
        raise ValueError(f"decay_length = {first} m but require 0 < decay_length < inf ({int(bad.sum())} bad)")


def decay_probability(z_min: ArrayLike, z_max: ArrayLike, decay_length: ArrayLike) -> NDArray[np.float64]:
    """Probability that a particle with decay length ``L`` decays between path lengths z_min and z_max.

    ::

        P = exp(-z_min/L) - exp(-z_max/L) = -exp(-z_min/L) * expm1(-(z_max - z_min)/L)

    ([001] eqs. 21–22, [000] eqs. 14–15; stable form from docs/physics.md section 8).

    Parameters
    ----------
    z_min, z_max : array_like
        Path lengths in metres from the production point to the entry into / exit from the decay
        volume; ``z_max = inf`` allowed; ``z_max <= z_min`` (a miss) gives 0.
    decay_length : array_like
        ``L = |p| hbar c / (m Gamma)`` in metres, finite and > 0.

    Returns
    -------
    numpy.ndarray
        P in [0, 1], broadcast shape of the inputs.

    Raises
    ------
    ValueError
        If some ``decay_length`` is not finite and positive, or some ``z_min < 0`` on a hit.

    >>> float(decay_probability(0.0, np.inf, 1.0))
    1.0
    """
    z_min, z_max, length = np.broadcast_arrays(
        np.asarray(z_min, dtype=float), np.asarray(z_max, dtype=float), np.asarray(decay_length, dtype=float)
    )
    _check_decay_length(length)
    hit = z_max > z_min
    if np.any(hit & ~(z_min >= 0)):
        first = z_min[hit & ~(z_min >= 0)].flat[0]
        raise ValueError(f"z_min = {first} m but require z_min >= 0 (path length from the production point)")
    out = np.zeros(z_min.shape)
    zl, dz, ll = z_min[hit], z_max[hit] - z_min[hit], length[hit]
    out[hit] = -np.exp(-zl / ll) * np.expm1(-dz / ll)
    return out


def sample_decay_distance(
    z_min: ArrayLike, z_max: ArrayLike, decay_length: ArrayLike, u: ArrayLike
) -> NDArray[np.float64]:
    """Decay path length drawn from ``exp(-z/L)/L`` truncated to ``[z_min, z_max]`` (inverse CDF).

    ::

        z = z_min - L * log1p(u * expm1(-Delta/L)),   Delta = z_max - z_min

    (docs/physics.md section 8). ``Delta = inf`` gives ``z_min - L log(1 - u)``; for ``L >> Delta`` the
    log1p/expm1 pair keeps ``z ≈ z_min + u Delta`` without cancellation.

    Parameters
    ----------
    z_min, z_max : array_like
        Interval in metres (``z_max = inf`` allowed).
    decay_length : array_like
        Decay length in metres, finite and > 0.
    u : array_like
        Uniform deviates in [0, 1) (e.g. ``rng.random(n)``).

    Returns
    -------
    numpy.ndarray
        z in ``[z_min, z_max]`` (metres); NaN where the interval is empty (a miss).

    >>> round(float(sample_decay_distance(1.0, 3.0, 1e12, 0.5)), 9)
    2.0
    """
    z_min, z_max, length, u = np.broadcast_arrays(
        np.asarray(z_min, dtype=float), np.asarray(z_max, dtype=float),
        np.asarray(decay_length, dtype=float), np.asarray(u, dtype=float),
    )
    _check_decay_length(length)
    if np.any(~((u >= 0) & (u < 1))):
        raise ValueError(f"u = {u[~((u >= 0) & (u < 1))].flat[0]} but require 0 <= u < 1")
    hit = z_max > z_min
    out = np.full(z_min.shape, np.nan)
    zl, dz, ll, uu = z_min[hit], z_max[hit] - z_min[hit], length[hit], u[hit]
    z = zl - ll * np.log1p(uu * np.expm1(-dz / ll))
    out[hit] = np.clip(z, zl, z_max[hit])
    return out


def decay_probability_for_coupling(
    s_min: ArrayLike, s_max: ArrayLike, decay_length_ref: ArrayLike, g_ref: float, g: ArrayLike
) -> NDArray[np.float64]:
    """Decay-in-volume probability at coupling ``g`` from the decay length stored at ``g_ref``.

    Since Gamma ∝ g² at fixed model ratios, ``L(g) = L_ref (g_ref/g)²`` ([000] eq. 9, [001] eq. 12;
    DESIGN.md rule 3), and ``P = decay_probability(s_min, s_max, L(g))``. The event weight at ``g`` is
    ``w_xsec_ref (g/g_ref)^2 P acceptance`` with ``w_xsec_ref`` the stored cross-section weight
    **without** the decay probability (the ``w_xsec`` of the event schema), so nothing is divided by a
    ``P(g_ref)`` that may have underflowed to 0. The stored acceptance was evaluated at a vertex drawn
    with ``L_ref``; strictly the vertex distribution inside ``[s_min, s_max]`` changes with L, which
    matters only where the acceptance varies along the volume (flag).

    Parameters
    ----------
    s_min, s_max : array_like
        Stored per-event path-length interval (metres).
    decay_length_ref : array_like
        Stored per-event decay length at ``g_ref`` (metres).
    g_ref : float
        Reference coupling (> 0).
    g : array_like
        Coupling(s) (> 0); broadcast against the event arrays, e.g. ``g[:, None]`` for a grid.

    >>> float(decay_probability_for_coupling(0.0, np.inf, 10.0, 1.0, 2.0))
    1.0
    """
    g_arr = np.asarray(g, dtype=float)
    if not g_ref > 0 or np.any(~(g_arr > 0)):
        given: object = g  # shown as given: a number, a list or an array
        raise ValueError(f"g_ref = {g_ref}, g = {given} but require couplings > 0")
    length = np.asarray(decay_length_ref, dtype=float) * (g_ref / g_arr) ** 2
    return decay_probability(s_min, s_max, length)


# ----------------------------------------------------------------------------------------------------
# Daughters
# ----------------------------------------------------------------------------------------------------


def propagate_to_plane(vertex: ArrayLike, momentum: ArrayLike, z_plane: float) -> NDArray[np.float64]:
    """Transverse impact point ``(x, y)`` (m) of a straight track from ``vertex`` at ``z = z_plane``.

    ``x = x_v + (z_plane − z_v) p_x/p_z`` (and y). Straight lines: no magnetic field (the NA62/SHiP
    spectrometer magnets are not modelled, as in [001]; flag).

    Parameters
    ----------
    vertex : array_like, shape (..., 3)
        Decay vertices (m).
    momentum : array_like, shape (..., 3)
        Track three-momenta (GeV); broadcast against ``vertex``.
    z_plane : float
        Plane position (m).

    Returns
    -------
    numpy.ndarray, shape (..., 2)
        Impact points; NaN where the track does not reach the plane (p_z <= 0 or plane upstream).

    >>> propagate_to_plane([0, 0, 100.0], [1.0, 0, 10.0], 110.0).tolist()
    [1.0, 0.0]
    """
    v = np.asarray(vertex, dtype=float)
    p = np.asarray(momentum, dtype=float)
    v, p = np.broadcast_arrays(v, p)
    dz = z_plane - v[..., 2]
    ok = (p[..., 2] > 0) & (dz >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(ok, dz / p[..., 2], np.nan)
    return np.stack([v[..., 0] + t * p[..., 0], v[..., 1] + t * p[..., 1]], axis=-1)


@lru_cache(maxsize=256)
def _category(pdg: int) -> int:
    """0 = padding, 1 = charged, 2 = photon, 3 = invisible (charge from PDG via ``particle``)."""
    if pdg == 0:
        return 0
    if pdg == _PHOTON:
        return 2
    if abs(pdg) in INVISIBLE_PDG:
        return 3
    if abs(pdg) in _CHARGED:
        return 1
    from particle import Particle

    try:
        charge = Particle.from_pdgid(pdg).charge
    except Exception as exc:  # particle raises its own ParticleNotFound / InvalidParticle
        raise ValueError(
            f"daughter pdg = {pdg} is not known to `particle`; require a charged particle, 22, "
            f"or an invisible id {sorted(INVISIBLE_PDG)} (0 = padding)"
        ) from exc
    if charge:
        return 1
    raise ValueError(
        f"daughter pdg = {pdg} is a neutral hadron/boson with no cut defined; require a charged particle, "
        f"22, or an invisible id {sorted(INVISIBLE_PDG)} (0 = padding)"
    )


def _inside_plane(plane: DetectorPlane, xy: NDArray[np.float64], wall: float) -> NDArray[np.bool_]:
    x, y = xy[..., 0], xy[..., 1]
    finite = np.isfinite(x) & np.isfinite(y)
    shape = plane.shape
    if shape == "unbounded":
        return finite
    hx = float(plane.half_x or 0.0) - wall
    hy = float(plane.half_y or 0.0) - wall
    if hx <= 0 or hy <= 0:
        return np.zeros(x.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        if shape == "box":
            return finite & (np.abs(x) <= hx) & (np.abs(y) <= hy)
        # ellipse: semi-axes shrunk by the wall distance (approximation of the inner parallel curve)
        return finite & ((x / hx) ** 2 + (y / hy) ** 2 <= 1.0)


def daughter_acceptance(
    experiment: Experiment, vertex: ArrayLike, daughters_p4: ArrayLike, daughters_pdg: ArrayLike
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Apply the experiment's daughter cuts to each event.

    Logic by ``experiment.daughter_cuts.signature``:

    - ``"missing_energy"`` (NA64, [000] Sec. III.A.1): accepted if the decay vertex is inside the decay
      volume (beyond the detector), or anywhere when every daughter is invisible (an invisible decay is
      missing energy wherever it happens, as the run's decay probability of 1 for it says); no daughter cut.
    - ``"prompt"`` ([004] FASERnu2, thin target): accepted if the vertex is in the volume; invisible
      decays accepted. The tau-chain selection of [004] belongs to the process that declares it, which applies it
      instead of this function (``experiment.process_keys``; ``Process.event_acceptance``).
    - ``"displaced_vertex"`` (FNAL, NA62, SHiP; [000] Sec. III.A.2, [001] Sec. V): vertex inside the
      volume; no invisible daughter; each charged daughter ``E >= min_charged_energy``, each photon
      ``E >= min_photon_energy`` and the photon sum ``>= min_photon_energy_sum``; every charged track
      (photon) hits each plane whose ``required_for`` lists ``"charged"`` (``"photon"``) inside its
      transverse acceptance shrunk by ``wall_distance``; at the first photon calorimeter each photon is
      at ``r >= photon_min_radius`` and every photon pair is ``>= min_photon_separation`` apart.

    Parameters
    ----------
    experiment : Experiment
    vertex : array_like, shape (n, 3)
        Decay vertices (m); NaN rows (a boson that missed the volume) are rejected as MISSED_VOLUME.
    daughters_p4 : array_like, shape (n, k, 4)
        Daughter four-momenta ``(E, px, py, pz)`` in GeV.
    daughters_pdg : array_like, shape (n, k) or (k,)
        PDG ids; 0 marks padding (no particle).

    Returns
    -------
    accepted : numpy.ndarray of bool, shape (n,)
    reason : numpy.ndarray of int, shape (n,)
        :class:`Rejection` codes (first failing reason); count with ``np.bincount(reason)``.
    """
    cuts = experiment.daughter_cuts
    v, p4 = _event_arrays(vertex, daughters_p4)
    n, k = p4.shape[:2]
    cat = _categories(daughters_pdg, (n, k))
    charged, photon, invisible = cat == 1, cat == 2, cat == 3

    reason = np.full(n, int(Rejection.ACCEPTED), dtype=np.int64)

    def reject(mask: NDArray[np.bool_], why: Rejection) -> None:
        reason[(reason == Rejection.ACCEPTED) & mask] = int(why)

    outside = ~point_in_volume(experiment.decay_volume, v, tolerance=1e-6)
    if cuts.signature == "missing_energy":
        outside &= ~(invisible.any(axis=1) & (invisible | (cat == 0)).all(axis=1))
    reject(outside, Rejection.MISSED_VOLUME)
    if cuts.signature in ("missing_energy", "prompt"):
        return reason == Rejection.ACCEPTED, reason

    reject(invisible.any(axis=1), Rejection.INVISIBLE)
    reject(_below_threshold(cuts, p4[..., 0], charged, photon), Rejection.ENERGY)
    missed, calorimeter_xy = _missed_planes(experiment, v, p4, charged, photon)
    reject(missed, Rejection.GEOMETRY)
    if calorimeter_xy is not None:
        reject(_in_hole(cuts, calorimeter_xy, photon), Rejection.HOLE)
        reject(_too_close(cuts, calorimeter_xy, photon), Rejection.SEPARATION)
    return reason == Rejection.ACCEPTED, reason


def _event_arrays(vertex: ArrayLike, daughters_p4: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vertices, shape (n, 3), and daughter four-momenta, shape (n, k, 4), checked."""
    v = np.atleast_2d(np.asarray(vertex, dtype=float))
    p4 = np.asarray(daughters_p4, dtype=float)
    if p4.ndim == 2:
        p4 = p4[None]
    n = v.shape[0]
    if v.shape != (n, 3) or p4.shape[0] != n or p4.shape[-1] != 4:
        raise ValueError(f"vertex shape {v.shape}, daughters_p4 shape {p4.shape} but require (n, 3) and (n, k, 4)")
    return v, p4


def _categories(daughters_pdg: ArrayLike, shape: tuple[int, int]) -> NDArray[np.int64]:
    """The :func:`_category` of each daughter, shape (n, k) (each distinct PDG id looked up once)."""
    pdg = np.broadcast_to(np.asarray(daughters_pdg, dtype=np.int64), shape)
    uniq, inv = np.unique(pdg, return_inverse=True)
    return np.array([_category(int(c)) for c in uniq], dtype=np.int64)[inv.reshape(pdg.shape)]


def _below_threshold(
    cuts: DaughterCuts, energy: NDArray[np.float64], charged: NDArray[np.bool_], photon: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Events with a daughter below its energy threshold, or with photons whose energies sum below theirs."""
    low = (charged & (energy < cuts.min_charged_energy)) | (photon & (energy < cuts.min_photon_energy))
    n_photon = photon.sum(axis=1)
    photon_sum = np.where(photon, energy, 0.0).sum(axis=1)
    return low.any(axis=1) | ((n_photon > 0) & (photon_sum < cuts.min_photon_energy_sum))


def _missed_planes(
    experiment: Experiment, v: NDArray[np.float64], p4: NDArray[np.float64], charged: NDArray[np.bool_],
    photon: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], NDArray[np.float64] | None]:
    """Events with a daughter that misses a plane it must hit (``required_for``), and the impact points
    ``(x, y)``, shape (n, k, 2), at the first calorimeter that photons must hit (None: no such plane)."""
    n, k = charged.shape
    vk = np.broadcast_to(v[:, None, :], (n, k, 3))
    missed = np.zeros(n, dtype=bool)
    calorimeter_xy = None
    for plane in experiment.detector.planes:
        need = np.zeros((n, k), dtype=bool)
        if "charged" in plane.required_for:
            need |= charged
        if "photon" in plane.required_for:
            need |= photon
        if not need.any():
            continue
        xy = propagate_to_plane(vk, p4[..., 1:4], plane.z)
        hit = _inside_plane(plane, xy, experiment.daughter_cuts.wall_distance)
        missed |= (need & ~hit).any(axis=1)
        if calorimeter_xy is None and "photon" in plane.required_for and plane.kind == "calorimeter":
            calorimeter_xy = xy
    return missed, calorimeter_xy


def _in_hole(cuts: DaughterCuts, calorimeter_xy: NDArray[np.float64], photon: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Events with a photon closer to the beam axis than ``photon_min_radius`` at the calorimeter."""
    r = np.hypot(calorimeter_xy[..., 0], calorimeter_xy[..., 1])
    with np.errstate(invalid="ignore"):
        return np.any(photon & (r < cuts.photon_min_radius), axis=1)


def _too_close(cuts: DaughterCuts, calorimeter_xy: NDArray[np.float64], photon: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Events with two photons closer than ``min_photon_separation`` at the calorimeter."""
    n, k = photon.shape
    too_close = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        for i in range(k):
            for j in range(i + 1, k):
                sep = np.hypot(*(calorimeter_xy[:, i] - calorimeter_xy[:, j]).T)
                too_close |= photon[:, i] & photon[:, j] & (sep < cuts.min_photon_separation)
    return too_close
