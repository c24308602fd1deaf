"""Tests for generator.lorentz (boosts and rotations as scikit-hep ``vector`` defines them).

* boost: invariant masses kept, a two-body decay boosted to the lab sums to the parent (momentum
  conservation), a particle at rest gets the parent's velocity, the given parent mass is used;
* rotate_z / rotate_beam_to: E and |p| kept, rotate_beam_to maps the beam axis (0, 0, 1) to d;
* both agree to 1e-12 with the hand-written rotations they replace (copied below from generator/run.py
  as the reference) and with ``vector`` itself (``boost_p4``, ``transform2D``, ``rotateY``/``rotateZ``),
  which generator.lorentz no longer imports (issue 19: it loads sympy, 0.5 s of every run).
"""

from __future__ import annotations

import numpy as np
import pytest

from generator.lorentz import boost, rotate_beam_to, rotate_z

N = 2000


# --- reference: the hand-written functions of generator/run.py (as of the switch to vector) ----------
def _ref_rotate_z(v: np.ndarray, cphi: np.ndarray, sphi: np.ndarray) -> np.ndarray:
    out = v.copy()
    out[:, 1] = v[:, 1] * cphi - v[:, 2] * sphi
    out[:, 2] = v[:, 1] * sphi + v[:, 2] * cphi
    return out


def _ref_rotate_to(v: np.ndarray, d: np.ndarray) -> np.ndarray:
    dz = np.clip(d[:, 2], -1.0, 1.0)
    theta = np.arccos(dz)
    phi = np.arctan2(d[:, 1], d[:, 0])
    ct, st, cp, sp = np.cos(theta), np.sin(theta), np.cos(phi), np.sin(phi)
    x, y, z = v[:, 1], v[:, 2], v[:, 3]
    x1 = ct * x + st * z
    z1 = -st * x + ct * z
    out = v.copy()
    out[:, 1] = cp * x1 - sp * y
    out[:, 2] = sp * x1 + cp * y
    out[:, 3] = z1
    return out


def _ref_boost(p4_rest: np.ndarray, parent_p4: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """The old generator/decays.py ``_boost``."""
    e_p, p_vec = parent_p4[:, 0], parent_p4[:, 1:]
    e_star, p_star = p4_rest[:, 0], p4_rest[:, 1:]
    pdot = np.einsum("ij,ij->i", p_vec, p_star)
    out = np.empty_like(p4_rest)
    out[:, 0] = (e_p * e_star + pdot) / mass
    out[:, 1:] = p_star + p_vec * (pdot / (mass * (e_p + mass)) + e_star / mass)[:, None]
    return out


def _mass(p4: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=1), 0.0))


def _p4(mass: np.ndarray, p3: np.ndarray) -> np.ndarray:
    return np.column_stack([np.sqrt(mass**2 + np.sum(p3**2, axis=1)), p3])


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    d = rng.normal(size=(n, 3))
    return d / np.linalg.norm(d, axis=1)[:, None]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


@pytest.fixture
def parents(rng) -> tuple[np.ndarray, np.ndarray]:
    """Parents of mass 0.01-5 GeV with |p| up to 200 GeV in random directions: (p4, mass)."""
    m = rng.uniform(0.01, 5.0, N)
    p3 = _unit(rng, N) * rng.uniform(0.0, 200.0, N)[:, None]
    return _p4(m, p3), m


def test_boost_keeps_invariant_mass(rng, parents):
    parent, m_parent = parents
    m = rng.uniform(0.0, 2.0, N)
    p = _p4(m, _unit(rng, N) * rng.uniform(0.0, 3.0, N)[:, None])
    lab = boost(p, parent, parent_mass=m_parent)
    assert lab.shape == p.shape
    # |m_lab^2 - m^2| relative to E_lab^2 (the scale of the cancellation)
    assert np.all(np.abs(_mass(lab) ** 2 - m**2) <= 1e-12 * lab[:, 0] ** 2 + 1e-15)


def test_boosted_two_body_decay_conserves_four_momentum(rng, parents):
    parent, m_parent = parents
    m1, m2 = 0.1 * m_parent, 0.3 * m_parent
    p_star = np.sqrt((m_parent**2 - (m1 + m2) ** 2) * (m_parent**2 - (m1 - m2) ** 2)) / (2 * m_parent)
    n_hat = _unit(rng, N)
    d1 = _p4(m1, n_hat * p_star[:, None])
    d2 = _p4(m2, -n_hat * p_star[:, None])
    lab = boost(np.stack([d1, d2], axis=1), parent[:, None, :], parent_mass=m_parent[:, None])
    total = lab[:, 0] + lab[:, 1]
    np.testing.assert_allclose(total, parent, rtol=0, atol=1e-12 * parent[:, :1].max())
    # without the explicit mass (taken from E^2 - |P|^2, which loses digits as E/M grows): moderate boosts
    mild = parent[:, 0] < 100 * m_parent
    lab1 = boost(d1[mild], parent[mild]) + boost(d2[mild], parent[mild])
    np.testing.assert_allclose(lab1, parent[mild], rtol=0, atol=1e-10 * parent[:, :1].max())


def test_boost_of_rest_gives_parent_velocity(parents):
    parent, m_parent = parents
    at_rest = np.column_stack([m_parent, np.zeros((N, 3))])
    np.testing.assert_allclose(boost(at_rest, parent, parent_mass=m_parent), parent, rtol=1e-13, atol=1e-13)


def test_boost_agrees_with_hand_written(rng, parents):
    parent, m_parent = parents
    p = _p4(rng.uniform(0.0, 1.0, N), rng.normal(size=(N, 3)))
    ref = _ref_boost(p, parent, m_parent)
    np.testing.assert_allclose(boost(p, parent, parent_mass=m_parent), ref, rtol=1e-12, atol=1e-12)


def test_boost_shape_error():
    with pytest.raises(ValueError, match=r"p4 has shape \(3, 3\) but require"):
        boost(np.zeros((3, 3)), np.zeros((3, 4)))


def test_rotate_z_keeps_energy_and_momentum(rng, parents):
    parent, _ = parents
    phi = rng.uniform(0, 2 * np.pi, N)
    out = rotate_z(parent, np.cos(phi), np.sin(phi))
    np.testing.assert_array_equal(out[:, 0], parent[:, 0])
    np.testing.assert_array_equal(out[:, 3], parent[:, 3])
    np.testing.assert_allclose(np.linalg.norm(out[:, 1:], axis=1), np.linalg.norm(parent[:, 1:], axis=1),
                               rtol=1e-13)
    np.testing.assert_allclose(np.arctan2(out[:, 2], out[:, 1]),
                               np.angle(np.exp(1j * (np.arctan2(parent[:, 2], parent[:, 1]) + phi))),
                               atol=1e-9)


def test_rotate_z_agrees_with_run_py(rng, parents):
    parent, _ = parents
    phi = rng.uniform(0, 2 * np.pi, N)
    c, s = np.cos(phi), np.sin(phi)
    np.testing.assert_allclose(rotate_z(parent, c, s), _ref_rotate_z(parent, c, s), rtol=0, atol=1e-12)


def test_rotate_beam_to_maps_z_axis_to_direction(rng):
    d = _unit(rng, N)
    d[:3] = [[0.0, 0.0, 1.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]]
    beam = np.tile([1.0, 0.0, 0.0, 1.0], (N, 1))
    out = rotate_beam_to(beam, d)
    np.testing.assert_allclose(out[:, 1:], d, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out[:, 0], 1.0)


def test_rotate_beam_to_keeps_energy_and_momentum(rng, parents):
    parent, m_parent = parents
    out = rotate_beam_to(parent, _unit(rng, N))
    np.testing.assert_array_equal(out[:, 0], parent[:, 0])
    np.testing.assert_allclose(np.linalg.norm(out[:, 1:], axis=1), np.linalg.norm(parent[:, 1:], axis=1),
                               rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(_mass(out), m_parent, rtol=1e-6)


def test_rotate_beam_to_agrees_with_run_py(rng, parents):
    parent, _ = parents
    d = _unit(rng, N)
    d[:2] = [[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]
    np.testing.assert_allclose(rotate_beam_to(parent, d), _ref_rotate_to(parent, d), rtol=0, atol=1e-12)


def test_rotation_shape_error():
    with pytest.raises(ValueError, match=r"direction has shape \(2, 2\) but require"):
        rotate_beam_to(np.zeros((2, 4)), np.zeros((2, 2)))


# --- vector itself: the library whose conventions generator.lorentz follows ---------------------------
def _vec(p4: np.ndarray):
    import vector

    return vector.array({"px": p4[:, 1], "py": p4[:, 2], "pz": p4[:, 3], "E": p4[:, 0]})


def _arr(v) -> np.ndarray:
    return np.column_stack([v.E, v.px, v.py, v.pz])


@pytest.mark.parametrize("given_mass", [False, True])
def test_boost_agrees_with_vector(rng, parents, given_mass):
    import vector

    parent, m_parent = parents
    p = _p4(rng.uniform(0.0, 0.5, N), rng.normal(0, 0.3, (N, 3)))
    if given_mass:
        by = vector.array({"px": parent[:, 1], "py": parent[:, 2], "pz": parent[:, 3], "mass": m_parent})
        ours = boost(p, parent, parent_mass=m_parent)
    else:  # M = sqrt(E^2 - |P|^2) loses (E/M)^2 of the 16 digits in both: compare where that leaves 1e-12
        keep = parent[:, 0] < 30.0 * m_parent
        parent, p = parent[keep], p[keep]
        by = _vec(parent)
        ours = boost(p, parent)
    ref = _arr(_vec(p).boost_p4(by))
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12 * parent[:, :1].max())


def test_rotations_agree_with_vector(rng, parents):
    parent, _ = parents
    phi = rng.uniform(-np.pi, np.pi, N)
    c, s = np.cos(phi), np.sin(phi)
    ref = _arr(_vec(parent).transform2D({"xx": c, "xy": -s, "yx": s, "yy": c}))
    np.testing.assert_allclose(rotate_z(parent, c, s), ref, rtol=0, atol=1e-12 * parent[:, :1].max())
    d = rng.normal(size=(N, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    theta, f = np.arccos(d[:, 2]), np.arctan2(d[:, 1], d[:, 0])
    ref = _arr(_vec(parent).rotateY(theta).rotateZ(f))
    np.testing.assert_allclose(rotate_beam_to(parent, d), ref, rtol=0, atol=1e-12 * parent[:, :1].max())


def test_lorentz_does_not_import_vector():
    import subprocess
    import sys

    code = ("import sys, numpy as np; from generator.lorentz import boost, rotate_z; "
            "boost(np.array([[1.0, 0, 0, 0]]), np.array([[5.0, 0, 0, 4.0]])); print('vector' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
