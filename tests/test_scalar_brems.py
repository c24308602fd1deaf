"""Exact mu N -> mu N S amplitude: gauge invariance, Lorentz invariance, J = 2P equivalence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generator.constants import M_MU, M_TAU
from generator.phase_space import make_params, map_point
from generator.processes.scalar_brems import lepton_current_squared

M_PB = 193.0


def _minkowski(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


def _random_points(rng, energy, m_x, m_out=M_MU, n=40):
    par = make_params(M_MU, m_out, m_x, M_PB, 82.0, 207.2, 0)
    pts = []
    while len(pts) < n:
        u = rng.random(4)
        u[1] *= 0.6  # stay at angles where Q^2 < 1 GeV^2 is open
        jac, _e_k, _th, _q2, _phi, d, w_den, kin = map_point(*u, energy, par)
        if jac > 0:
            kin = np.array(kin)
            pts.append((kin[0:4], kin[4:8], kin[8:12], kin[12:16], d, w_den))
    return pts


@pytest.mark.parametrize(("energy", "m_x", "m_out", "cs", "cp"), [
    (160.0, 0.1, M_MU, 1.0, 0.0),
    (3.0, 0.01, M_MU, 1.0, 0.0),
    (1500.0, 0.5, M_MU, 1.0, 0.0),
    (160.0, 1.0, M_TAU, math.sin(0.3), math.cos(0.3)),  # LFV vertex, unequal masses
])
def test_gauge_invariance(rng, energy, m_x, m_out, cs, cp):
    """J -> q makes the bracket vanish: |M|^2 / (single-diagram scale) at rounding level."""
    for p, k, pp, q, d, w_den in _random_points(rng, energy, m_x, m_out):
        gauge = lepton_current_squared(p, pp, k, q, M_MU, m_out, cs, cp, -d, w_den)
        one_diagram = lepton_current_squared(p, pp, k, q, M_MU, m_out, cs, cp, -d, 1e300)
        assert one_diagram > 0
        assert gauge <= 1e-16 * one_diagram


def test_j_equals_2p_drops_only_zero(rng):
    """Using J = 2P (lab) instead of P + P' changes |M|^2 only at rounding level."""
    for p, k, pp, q, d, w_den in _random_points(rng, 160.0, 0.1):
        j2p = np.array([2 * M_PB, 0, 0, 0])
        a = lepton_current_squared(p, pp, k, j2p, M_MU, M_MU, 1.0, 0.0, -d, w_den)
        b = lepton_current_squared(p, pp, k, j2p + q, M_MU, M_MU, 1.0, 0.0, -d, w_den)
        assert a == pytest.approx(b, rel=1e-9)


def _boost(v, beta):
    """Boost four-vector v by velocity vector beta."""
    b2 = beta @ beta
    gamma = 1 / math.sqrt(1 - b2)
    bp = beta @ v[1:]
    e = gamma * (v[0] - bp)
    vec = v[1:] + ((gamma - 1) * bp / b2 - gamma * v[0]) * beta
    return np.concatenate([[e], vec])


def test_lorentz_invariance(rng):
    """|M|^2 (with J = P + P') is unchanged by a random boost of all momenta."""
    for p, k, pp, q, d, w_den in _random_points(rng, 10.0, 0.2, n=20):
        big_p = np.array([M_PB, 0, 0, 0])
        j = 2 * big_p + q
        ref = lepton_current_squared(p, pp, k, j, M_MU, M_MU, 1.0, 0.0, -d, w_den)
        direction = rng.normal(size=3)
        beta = 0.6 * direction / np.linalg.norm(direction)
        pb, kb, ppb, jb = (_boost(v, beta) for v in (p, k, pp, j))
        # denominators are invariants: recompute them from the boosted vectors
        v = pb - kb
        w = ppb + kb
        den_a = _minkowski(v, v) - M_MU**2
        den_b = _minkowski(w, w) - M_MU**2
        boosted = lepton_current_squared(pb, ppb, kb, jb, M_MU, M_MU, 1.0, 0.0, den_a, den_b)
        assert boosted == pytest.approx(ref, rel=1e-6)


def test_pseudoscalar_equals_scalar_with_negative_mass(rng):
    """docs/physics.md section 1: |M|^2 with gamma5 at m' equals |M|^2 with 1 at -m' (check G0b)."""
    for p, k, pp, _q, d, w_den in _random_points(rng, 160.0, 1.0, m_out=M_TAU, n=10):
        j = np.array([2 * M_PB, 0, 0, 0])
        g5 = lepton_current_squared(p, pp, k, j, M_MU, M_TAU, 0.0, 1.0, -d, w_den)
        # the outgoing spinor sum (p/' + m') -> (p/' - m') and the propagator V/ + m' -> V/ - m'
        assert g5 == pytest.approx(_dirac_trace(p, pp, k, j, -M_TAU, d, w_den), rel=1e-8)


def test_spinor_sum_matches_trace(rng):
    """The spinor evaluation equals the Dirac trace computed with explicit 4x4 gamma matrices."""
    for p, k, pp, _q, d, w_den in _random_points(rng, 20.0, 0.3, n=10):
        j = np.array([2 * M_PB, 0, 0, 0])
        spin = lepton_current_squared(p, pp, k, j, M_MU, M_MU, 1.0, 0.0, -d, w_den)
        assert spin == pytest.approx(_dirac_trace(p, pp, k, j, M_MU, d, w_den), rel=1e-6)


def _dirac_trace(p, pp, k, j, m_out, d, w_den):
    """Tr[(p/' + m') O (p/ + m) Obar] for Gamma = 1 with explicit gamma matrices (independent of spinors).

    O = J/ (V/ + m') / (-D) + (W/ + m) J/ / w_den, V = p - k, W = p' + k; ``m_out`` may be negative.
    """
    g0 = np.diag([1, 1, -1, -1]).astype(complex)
    sig = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
    gs = [g0] + [np.block([[np.zeros((2, 2)), s], [-s, np.zeros((2, 2))]]) for s in sig]

    def slash(a):
        return a[0] * gs[0] - a[1] * gs[1] - a[2] * gs[2] - a[3] * gs[3]

    one = np.eye(4)
    o = slash(j) @ (slash(p - k) + m_out * one) / (-d) + (slash(pp + k) + M_MU * one) @ slash(j) / w_den
    obar = g0 @ o.conj().T @ g0
    return float(np.trace((slash(pp) + m_out * one) @ o @ (slash(p) + M_MU * one) @ obar).real)
