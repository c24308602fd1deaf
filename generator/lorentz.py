r"""Lorentz boosts and rotations of four-momenta, as scikit-hep ``vector`` defines them.

Four-vectors are numpy arrays ``[n, 4]`` of ``(E, px, py, pz)`` in GeV, in and out (any leading shape
``(..., 4)`` is accepted and kept). The conventions and formulas are those of ``vector``'s
``MomentumNumpy4D`` (``boost_p4``, ``transform2D``, ``rotateY``/``rotateZ``), written here in numpy on the
plain arrays the rest of mudump passes around, and checked against ``vector`` itself to 1e-12
(``tests/test_lorentz.py``): ``import vector`` imports awkward and sympy (0.5-0.9 s), a third of a short
``mudump run`` (issue 19), for four lines of arithmetic.

Boost of a four-vector ``p`` given in the rest frame of a parent ``P = (E, P_vec)`` of mass ``M`` into
the frame where the parent has ``P`` (``vector``'s ``boost_p4``)::

    gamma = E / M,
    E_lab = gamma E* + (P_vec . p*) / M,
    p_lab = p* + P_vec [ (P_vec . p*) / (M^2 (gamma + 1)) + E* / M ].

Active rotation about z by the azimuth ``phi`` (given by ``cos phi``, ``sin phi``; ``vector``'s
``transform2D`` with the matrix R_z)::

    px' = cos(phi) px - sin(phi) py,   py' = sin(phi) px + cos(phi) py,   pz' = pz,  E' = E.

Rotation of a frame whose beam axis is +z into the frame where the beam points along the unit vector
``d = (sin t cos f, sin t sin f, cos t)`` (``vector``'s ``rotateY(t)`` then ``rotateZ(f)``)::

    R = R_z(f) R_y(t),   t = arccos(d_z),  f = atan2(d_y, d_x),   so  R (0, 0, 1) = d.

References
----------
J. D. Jackson, *Classical Electrodynamics*, 3rd ed. (Wiley, 1999), eq. (11.19) (general boost);
PDG Review "Kinematics" (R.L. Workman et al., PTEP 2022, 083C01), sec. 49.1;
scikit-hep/vector, ``src/vector/_compute/lorentz/boost_p4.py``, ``spatial/rotateY.py``, ``planar/rotateZ.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["boost", "rotate_beam_to", "rotate_z"]


def _as_p4(p4: Any, name: str) -> np.ndarray:
    a = np.asarray(p4, dtype=np.float64)
    if a.ndim < 1 or a.shape[-1] != 4:
        raise ValueError(f"{name} has shape {a.shape} but require (..., 4) = (E, px, py, pz)")
    return a


def boost(
    p4: np.ndarray, parent_p4: np.ndarray, *, parent_mass: float | np.ndarray | None = None
) -> np.ndarray:
    """Boost four-momenta from the rest frame of ``parent_p4`` to the frame where it has ``parent_p4``.

    ::

        E_lab = gamma E* + (P_vec . p*) / M,   p_lab = p* + P_vec [(P_vec . p*) / (M^2 (gamma + 1)) + E*/M]

    Parameters
    ----------
    p4 : ndarray, shape (n, 4)
        Four-momenta ``(E*, px*, py*, pz*)`` in GeV in the parent's rest frame.
    parent_p4 : ndarray, shape (n, 4) or (4,)
        Parent four-momenta ``(E, px, py, pz)`` in GeV in the target frame (broadcast against ``p4``).
    parent_mass : float or ndarray of shape (n,), optional
        Parent mass in GeV. Default: ``sqrt(E^2 - |P|^2)`` from ``parent_p4``. When given, the boost uses
        it and ``E = sqrt(M^2 + |P|^2)`` (``vector``'s mass coordinate), which keeps all digits for very
        boosted parents (E/M > 10^4) where ``E^2 - |P|^2`` cancels.

    Returns
    -------
    ndarray, same shape as ``p4``
        The boosted four-momenta in GeV.

    >>> boost(np.array([[1.0, 0.0, 0.0, 0.0]]), np.array([[5.0, 0.0, 0.0, 4.0]])).tolist()
    [[1.6666666666666667, 0.0, 0.0, 1.3333333333333333]]
    """
    p4 = _as_p4(p4, "p4")
    shape = p4.shape
    flat = p4.reshape(-1, 4)
    n = flat.shape[0]
    parent = np.broadcast_to(_as_p4(parent_p4, "parent_p4"), shape).reshape(-1, 4)
    p_vec = parent[:, 1:]
    if parent_mass is None:
        e = parent[:, 0]
        mass = np.sqrt(e * e - np.einsum("ij,ij->i", p_vec, p_vec))
    else:
        mass = np.broadcast_to(np.asarray(parent_mass, dtype=np.float64), shape[:-1]).reshape(n)
        e = np.sqrt(mass * mass + np.einsum("ij,ij->i", p_vec, p_vec))
    e_star, p_star = flat[:, 0], flat[:, 1:]
    pdot = np.einsum("ij,ij->i", p_vec, p_star)
    out = np.empty_like(flat)
    out[:, 0] = (e * e_star + pdot) / mass
    out[:, 1:] = p_star + p_vec * (pdot / (mass * (e + mass)) + e_star / mass)[:, None]
    return out.reshape(shape)


def rotate_z(p4: np.ndarray, cos_phi: np.ndarray, sin_phi: np.ndarray) -> np.ndarray:
    """Rotate four-momenta about the z axis by the azimuth phi, given as ``cos phi`` and ``sin phi``.

    ::

        px' = cos(phi) px - sin(phi) py,   py' = sin(phi) px + cos(phi) py,   pz' = pz,   E' = E

    Parameters
    ----------
    p4 : ndarray, shape (n, 4)
        Four-momenta ``(E, px, py, pz)`` in GeV.
    cos_phi, sin_phi : ndarray of shape (n,) or float
        Cosine and sine of the rotation angle (``cos^2 + sin^2 = 1``; used as the matrix entries).

    Returns
    -------
    ndarray, shape (n, 4)
        Rotated four-momenta in GeV (a new array).

    >>> rotate_z(np.array([[2.0, 1.0, 0.0, 1.0]]), np.array([0.0]), np.array([1.0])).tolist()
    [[2.0, 0.0, 1.0, 1.0]]
    """
    p4 = _as_p4(p4, "p4")
    shape = p4.shape
    flat = p4.reshape(-1, 4)
    n = flat.shape[0]
    c = np.broadcast_to(np.asarray(cos_phi, dtype=np.float64), shape[:-1]).reshape(n)
    s = np.broadcast_to(np.asarray(sin_phi, dtype=np.float64), shape[:-1]).reshape(n)
    out = flat.copy()
    out[:, 1] = c * flat[:, 1] - s * flat[:, 2]
    out[:, 2] = s * flat[:, 1] + c * flat[:, 2]
    return out.reshape(shape)


def rotate_beam_to(p4: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Rotate four-momenta from a frame with the beam along +z to the frame where it points along ``d``.

    ::

        R = R_z(f) R_y(t),   t = arccos(d_z),  f = atan2(d_y, d_x);   R (0, 0, 1) = d,  E' = E

    Parameters
    ----------
    p4 : ndarray, shape (n, 4)
        Four-momenta ``(E, px, py, pz)`` in GeV, beam along +z.
    direction : ndarray, shape (n, 3) or (3,)
        Unit beam directions ``d`` (``d_z`` is clipped to [-1, 1] against rounding).

    Returns
    -------
    ndarray, shape (n, 4)
        Rotated four-momenta in GeV (a new array).

    >>> out = rotate_beam_to(np.array([[1.0, 0.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 0.0]]))
    >>> np.round(out, 12).tolist()
    [[1.0, 1.0, 0.0, 0.0]]
    """
    p4 = _as_p4(p4, "p4")
    shape = p4.shape
    flat = p4.reshape(-1, 4)
    n = flat.shape[0]
    d = np.asarray(direction, dtype=np.float64)
    if d.ndim < 1 or d.shape[-1] != 3:
        raise ValueError(f"direction has shape {d.shape} but require (n, 3) unit vectors")
    d = np.broadcast_to(d, (*shape[:-1], 3)).reshape(n, 3)
    theta = np.arccos(np.clip(d[:, 2], -1.0, 1.0))
    phi = np.arctan2(d[:, 1], d[:, 0])
    ct, st, cf, sf = np.cos(theta), np.sin(theta), np.cos(phi), np.sin(phi)
    x, y, z = flat[:, 1], flat[:, 2], flat[:, 3]
    x1 = ct * x + st * z  # R_y(t)
    out = np.empty_like(flat)
    out[:, 0] = flat[:, 0]
    out[:, 1] = cf * x1 - sf * y  # then R_z(f)
    out[:, 2] = sf * x1 + cf * y
    out[:, 3] = ct * z - st * x
    return out.reshape(shape)
