"""Lab 2->3 phase-space map: volume against the two-body recursion, conservation, on-shell."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generator.constants import M_MU, M_TAU
from generator.integrate import VegasSettings, integrate
from generator.phase_space import jacobian_batch, make_params, map_point, three_body_phase_space_volume


@pytest.mark.parametrize(("energy", "m_out", "m_x", "m_nuc"), [
    (1.0, M_MU, 0.2, 1.0),        # light 'nucleus': recoil matters
    (3.0, M_MU, 0.5, 5.0),
    (5.0, M_TAU, 1.0, 2.0),       # unequal lepton masses (LFV kinematics)
])
def test_volume_matches_recursion(energy, m_out, m_x, m_nuc):
    """For |M|^2 = 1 the map integrates to Phi_3 / (4 M |p|), computed by nested 1-D integration."""
    par = make_params(M_MU, m_out, m_x, m_nuc, 82.0, 207.0, 0, q2_cap=1e30)
    r = integrate(lambda u: jacobian_batch(u, np.full(len(u), energy), par), 4,
                  settings=VegasSettings(rel_precision=2e-3, neval=20_000), seed=3)
    p = math.sqrt(energy**2 - M_MU**2)
    s = M_MU**2 + m_nuc**2 + 2 * energy * m_nuc
    ref = three_body_phase_space_volume(math.sqrt(s), m_nuc, m_out, m_x) / (4 * m_nuc * p)
    assert abs(r.mean - ref) < 5 * r.sdev
    assert r.sdev / r.mean < 5e-3


@pytest.mark.parametrize(("energy", "m_x"), [(160.0, 0.1), (3.0, 0.005), (1500.0, 1.0), (0.5, 0.2)])
def test_conservation_and_mass_shell(rng, energy, m_x):
    """Every accepted point conserves four-momentum and puts all particles on shell (1e-9 relative)."""
    m_nuc = 193.0
    par = make_params(M_MU, M_MU, m_x, m_nuc, 82.0, 207.2, 0)
    n_ok = 0
    for _ in range(2000):
        jac, _e_k, _th, q2, _phi, _d, _w_den, kin = map_point(*rng.random(4), energy, par)
        if jac <= 0:
            continue
        n_ok += 1
        kin = np.array(kin)
        p, k, pp, q = kin[0:4], kin[4:8], kin[8:12], kin[12:16]
        big_p = np.array([m_nuc, 0, 0, 0])
        big_pp = big_p + q
        np.testing.assert_allclose(p + big_p, pp + big_pp + k, rtol=0, atol=1e-9 * (energy + m_nuc))

        def m2(v):
            return v[0] ** 2 - v[1:] @ v[1:]

        assert abs(m2(pp) - M_MU**2) <= 1e-9 * energy**2
        assert abs(m2(k) - m_x**2) <= 1e-9 * energy**2
        assert abs(m2(big_pp) - m_nuc**2) <= 1e-9 * m_nuc**2
        assert q2 == pytest.approx(-m2(q), rel=1e-9, abs=1e-12 * energy**2)
    assert n_ok > 100
