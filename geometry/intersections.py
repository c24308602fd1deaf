"""Ray–volume intersection: the path-length interval of a straight line in a decay volume, and whether
points lie in it.

Pure, numpy-vectorised functions: arrays of shape ``(..., 3)`` for points and directions (broadcast),
``(...)`` for the results; lengths in **metres**.

``s`` is the path length along the (boson) line from its origin, the production point; the
intersection functions return the interval ``(s_min, s_max)`` inside a slab (1D geometry of [000],
Table I), a box (NA62, [001] Sec. V.A) or an elliptic cylinder (SHiP, [001] Sec. V.B), and
:func:`decay_volume_interval` dispatches on an experiment's decay volume. ``s_min`` is clipped at 0: the
boson only moves forward. A miss is reported as ``s_min = s_max = 0`` (``s_max <= s_min``). The decay
probability and the vertex drawn in that interval are :mod:`geometry.acceptance`'s.

References
----------
[000] Chen, Pospelov, Zhong, PRD 95 115005 (2017), eqs. 18 and 20, Table I.
[001] Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, Sec. V.
[004] Batell et al., arXiv:2407.15942, Sec. III (no decay volume: prompt decays).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from geometry.experiment_schema import DecayVolume

__all__ = [
    "decay_volume_interval",
    "intersect_box",
    "intersect_elliptic_cylinder",
    "intersect_slab",
    "point_in_volume",
]


def _rays(origin: ArrayLike, direction: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    o = np.asarray(origin, dtype=float)
    d = np.asarray(direction, dtype=float)
    if o.shape[-1:] != (3,) or d.shape[-1:] != (3,):
        raise ValueError(f"origin shape {o.shape}, direction shape {d.shape} but require (..., 3)")
    norm = np.linalg.norm(d, axis=-1, keepdims=True)
    if np.any(~(norm > 0)) or np.any(~np.isfinite(norm)):
        raise ValueError("direction has a zero, infinite or NaN vector; require |direction| > 0")
    o, d = np.broadcast_arrays(o, d / norm)
    return o, d


def _axis_interval(
    o: NDArray[np.float64], d: NDArray[np.float64], lo: float, hi: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Interval of s with lo <= o + s d <= hi (one coordinate)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t1 = (lo - o) / d
        t2 = (hi - o) / d
    s_lo = np.minimum(t1, t2)
    s_hi = np.maximum(t1, t2)
    parallel = d == 0
    if np.any(parallel):
        inside = (o >= lo) & (o <= hi)
        s_lo = np.where(parallel, np.where(inside, -np.inf, np.inf), s_lo)
        s_hi = np.where(parallel, np.where(inside, np.inf, -np.inf), s_hi)
    return s_lo, s_hi


def _finish(s_lo: NDArray[np.float64], s_hi: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    s_lo = np.maximum(s_lo, 0.0)
    miss = ~(s_hi > s_lo)
    return np.where(miss, 0.0, s_lo), np.where(miss, 0.0, s_hi)


def _check_z(z_start: float, z_end: float) -> None:
    if not z_end > z_start:
        raise ValueError(f"z_end = {z_end} m but require z_end > z_start = {z_start} m")


def intersect_slab(
    origin: ArrayLike, direction: ArrayLike, z_start: float, z_end: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Path-length interval of a ray inside ``z_start <= z <= z_end`` (unbounded transversely).

    The 1D geometry of [000] (NA64, FNAL; Table I, eqs. 18 and 20), extended to a direction with a z
    component ``d_z = cos(theta)``: ``s = (z - z_0)/d_z``.

    Parameters
    ----------
    origin : array_like, shape (..., 3)
        Production points (m).
    direction : array_like, shape (..., 3)
        Directions (normalised here).
    z_start, z_end : float
        Slab ends in metres (``z_end = inf`` allowed).

    Returns
    -------
    (s_min, s_max) : tuple of numpy.ndarray, shape (...)
        Path lengths in metres along the unit direction; ``s_max <= s_min`` (both 0) for a miss.

    >>> [round(float(v), 9) for v in intersect_slab([0, 0, 0.1], [0, 0, 1], 5.2, np.inf)]
    [5.1, inf]
    """
    _check_z(z_start, z_end)
    o, d = _rays(origin, direction)
    return _finish(*_axis_interval(o[..., 2], d[..., 2], z_start, z_end))


def intersect_box(
    origin: ArrayLike, direction: ArrayLike, z_start: float, z_end: float, half_x: float, half_y: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Path-length interval of a ray inside the box ``|x| <= half_x, |y| <= half_y, z_start <= z <= z_end``.

    Slab method (NA62 decay vessel, 2 × 2 m², [001] Sec. V.A). Arguments and returns as
    :func:`intersect_slab`; ``half_x``, ``half_y`` in metres.

    >>> s = intersect_box([0, 0, 0], [0.1, 0, 1], 79.0, 160.0, 1.0, 1.0)
    >>> bool(s[1] <= s[0])
    True
    """
    _check_z(z_start, z_end)
    if not (half_x > 0 and half_y > 0):
        raise ValueError(f"half_x = {half_x} m, half_y = {half_y} m but require both > 0")
    o, d = _rays(origin, direction)
    lo_z, hi_z = _axis_interval(o[..., 2], d[..., 2], z_start, z_end)
    lo_x, hi_x = _axis_interval(o[..., 0], d[..., 0], -half_x, half_x)
    lo_y, hi_y = _axis_interval(o[..., 1], d[..., 1], -half_y, half_y)
    return _finish(np.maximum(np.maximum(lo_z, lo_x), lo_y), np.minimum(np.minimum(hi_z, hi_x), hi_y))


def intersect_elliptic_cylinder(
    origin: ArrayLike, direction: ArrayLike, z_start: float, z_end: float, semi_x: float, semi_y: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Path-length interval of a ray inside ``(x/a)² + (y/b)² <= 1, z_start <= z <= z_end``.

    SHiP decay vessel ([001] Sec. V.B, semi-axes a = 2.5 m, b = 5 m; flag). With scaled coordinates
    ``X = x/a``, ``Y = y/b`` the transverse condition is ``A s² + B s + C <= 0`` with
    ``A = DX² + DY²``, ``B = 2(X DX + Y DY)``, ``C = X² + Y² − 1``; the roots use the stable
    ``q = −(B + sign(B) sqrt(B² − 4AC))/2``, ``s = q/A, C/q``. Arguments and returns as
    :func:`intersect_slab`; ``semi_x``, ``semi_y`` in metres.

    >>> [round(float(v), 6) for v in intersect_elliptic_cylinder([0, 0, 0], [0, 0, 1], 53.2, 103.7, 2.5, 5.0)]
    [53.2, 103.7]
    """
    _check_z(z_start, z_end)
    if not (semi_x > 0 and semi_y > 0):
        raise ValueError(f"semi_x = {semi_x} m, semi_y = {semi_y} m but require both > 0")
    o, d = _rays(origin, direction)
    lo_z, hi_z = _axis_interval(o[..., 2], d[..., 2], z_start, z_end)
    x, y = o[..., 0] / semi_x, o[..., 1] / semi_y
    dx, dy = d[..., 0] / semi_x, d[..., 1] / semi_y
    a = dx * dx + dy * dy
    b = 2.0 * (x * dx + y * dy)
    c = x * x + y * y - 1.0
    disc = b * b - 4.0 * a * c
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = -0.5 * (b + np.copysign(np.sqrt(np.maximum(disc, 0.0)), b))
        r1 = q / a
        r2 = np.where(q != 0, c / q, r1)
    lo_t = np.minimum(r1, r2)
    hi_t = np.maximum(r1, r2)
    axial = a == 0
    lo_t = np.where(axial, np.where(c <= 0, -np.inf, np.inf), np.where(disc >= 0, lo_t, np.inf))
    hi_t = np.where(axial, np.where(c <= 0, np.inf, -np.inf), np.where(disc >= 0, hi_t, -np.inf))
    return _finish(np.maximum(lo_z, lo_t), np.minimum(hi_z, hi_t))


def decay_volume_interval(
    volume: DecayVolume, origin: ArrayLike, direction: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(s_min, s_max)`` of the boson line in ``volume`` (dispatch on ``volume.shape``).

    ``"none"`` (prompt decays, [004]) gives ``(0, inf)`` for every ray, so that
    :func:`decay_probability` is 1.

    >>> from geometry.experiments import load_experiment
    >>> [float(v) for v in decay_volume_interval(load_experiment("na62_dump").decay_volume, [0, 0, 1], [0, 0, 1])]
    [78.0, 159.0]
    """
    if volume.shape == "slab":
        return intersect_slab(origin, direction, volume.z_start, volume.z_end)
    if volume.shape == "box":
        return intersect_box(origin, direction, volume.z_start, volume.z_end, *_transverse_size(volume))
    if volume.shape == "elliptic_cylinder":
        return intersect_elliptic_cylinder(
            origin, direction, volume.z_start, volume.z_end, *_transverse_size(volume)
        )
    if volume.shape == "none":
        o, _ = _rays(origin, direction)
        return np.zeros(o.shape[:-1]), np.full(o.shape[:-1], np.inf)
    raise ValueError(f"decay volume shape = {volume.shape!r} but require one of slab, box, elliptic_cylinder, none")


def point_in_volume(volume: DecayVolume, points: ArrayLike, *, tolerance: float = 1e-9) -> NDArray[np.bool_]:
    """Whether ``points`` (shape (..., 3), metres) lie in the decay volume, within ``tolerance`` (m).

    NaN points are outside; every finite point is inside ``"none"``.
    """
    p = np.asarray(points, dtype=float)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    finite = np.isfinite(p).all(axis=-1)
    if volume.shape == "none":
        return finite
    tol = tolerance
    inside = finite & (z >= volume.z_start - tol) & (z <= volume.z_end + tol)
    if volume.shape == "box":
        half_x, half_y = _transverse_size(volume)
        inside &= (np.abs(x) <= half_x + tol) & (np.abs(y) <= half_y + tol)
    elif volume.shape == "elliptic_cylinder":
        semi_x, semi_y = _transverse_size(volume)
        with np.errstate(invalid="ignore"):
            inside &= (x / (semi_x + tol)) ** 2 + (y / (semi_y + tol)) ** 2 <= 1.0
    return inside


def _transverse_size(volume: DecayVolume) -> tuple[float, float]:
    """``(half_x, half_y)`` of a box, the semi-axes of an elliptic cylinder, in metres (the schema requires
    both for these shapes)."""
    if volume.half_x is None or volume.half_y is None:
        raise ValueError(f"decay volume shape = {volume.shape!r} without half_x, half_y; require both")
    return volume.half_x, volume.half_y
