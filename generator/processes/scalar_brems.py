r"""Exact tree-level  l(p) N(P) -> l'(p') N(P') X(k)  with photon exchange off a spin-0 nucleus.

Amplitude (docs/physics.md section 5.1; LFV-ALP paper eq. 15 for the nucleus vertex i e Z F (P+P')^nu)::

    M = g e^2 sqrt(G2(t)) / t  ubar(p') [ J/ (V/ + m') Gamma / (V^2 - m'^2)
                                        + Gamma (W/ + m) J/ / (W^2 - m^2) ] u(p)
    J = P + P',  q = P' - P,  V = p - k = p' + q,  W = p - q = p' + k,  Gamma = c_s + c_p gamma5

Diagram (a): X emitted after the photon vertex (internal lepton l', momentum V); diagram (b): X emitted
from the incoming lepton first... i.e. the photon is absorbed last (internal l, momentum W). The two enter
with a relative + sign. The spin average is 1/2 sum over lepton spins (the nucleus is spinless).

For the CP-even scalar S: l = l' = mu, Gamma = 1 (c_s = 1, c_p = 0), coupling g = g_mu.
For the LFV ALP (later): l = mu, l' = tau, Gamma = sin(theta) +- cos(theta) gamma5.

Why explicit spinors and J = 2P. The amplitude is evaluated numerically with Dirac spinors (Dirac
representation), not as a squared trace: the Ward-identity cancellation between the two diagrams then
happens on amplitudes, where it costs O(1) digits, instead of in |M|^2 where it costs ~(Q/E)^2
(docs/physics.md section 5.1). Because q_mu L^mu = 0 holds *algebraically* for each pair of spinors
(ubar(p') q/ (V/+m') = ubar(p') (V^2 - m'^2) and (W/+m) q/ u(p) = -(W^2 - m^2) u(p)), the q part of
J = 2P + q drops out exactly and we use J = 2P, i.e. J/ = 2M gamma^0 in the lab. The denominators are
passed in from the phase-space map, which computes them without cancellation.

The batch kernel returns d sigma in pb for g = 1 (sigma scales as g^2: DESIGN.md rule 3).

References: docs/physics.md section 5; Chen, Pospelov, Zhong, PRD 95 115005 (2017) (process, G2);
Batell et al., arXiv:2407.15942 eq. (15) (nucleus vertex).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..constants import ALPHA_EM, GEV2_TO_PB
from ..form_factors import g2_scaled, g2_scales
from ..phase_space import (
    MAP_MATH,
    P_A,
    P_CP,
    P_CS,
    P_FF,
    P_M_IN,
    P_M_NUC,
    P_M_OUT,
    P_Z,
    map_point,
)

_E2 = 4.0 * math.pi * ALPHA_EM  # e^2

#: numba ``fastmath`` flags of the spinor algebra: no NaN or infinity among its (finite) inputs and no
#: signed zeros, so the compiler drops the products with the components that are zero in the lab (beam
#: along z, k in the x-z plane, J = 2M gamma0) and the imaginary parts of real spinors; ``contract`` lets it
#: fuse a*b + c into one rounding (FMA). No ``reassoc``: the order of the sums, which keeps the
#: cancellation between the two diagrams on amplitudes (module docstring), is left as written.
_SPINOR_MATH = {"nnan", "ninf", "nsz", "contract"}


@numba.njit(cache=True, inline="always", fastmath=_SPINOR_MATH)
def _spinor(e, px, py, pz, m, s):
    """Dirac-representation u(p, s) for spin s = 0 (up) or 1 (down) along z, as 4 complex numbers."""
    n = math.sqrt(e + m)
    if s == 0:
        c0 = 1.0 + 0.0j
        c1 = 0.0j
    else:
        c0 = 0.0j
        c1 = 1.0 + 0.0j
    # sigma.p chi
    l0 = pz * c0 + (px - 1j * py) * c1
    l1 = (px + 1j * py) * c0 - pz * c1
    return n * c0, n * c1, l0 / n, l1 / n


@numba.njit(cache=True, inline="always", fastmath=_SPINOR_MATH)
def _slash(a0, ax, ay, az, p0, p1, p2, p3):
    """(a-slash) psi in the Dirac representation, psi = (p0, p1 | p2, p3)."""
    # sigma.a acting on lower (p2, p3) and upper (p0, p1)
    sl0 = az * p2 + (ax - 1j * ay) * p3
    sl1 = (ax + 1j * ay) * p2 - az * p3
    su0 = az * p0 + (ax - 1j * ay) * p1
    su1 = (ax + 1j * ay) * p0 - az * p1
    return a0 * p0 - sl0, a0 * p1 - sl1, -a0 * p2 + su0, -a0 * p3 + su1


@numba.njit(cache=True, inline="always", fastmath=_SPINOR_MATH)
def _slash_j(j0, jx, jy, jz, static, p0, p1, p2, p3):
    """(J-slash) psi; for a nucleus at rest (J = (2M, 0, 0, 0), ``static``) this is 2M gamma0 psi."""
    if static:
        return j0 * p0, j0 * p1, -j0 * p2, -j0 * p3
    return _slash(j0, jx, jy, jz, p0, p1, p2, p3)


@numba.njit(cache=True, inline="always", fastmath=_SPINOR_MATH)
def _vertex(cs, cp, p0, p1, p2, p3):
    """(c_s + c_p gamma5) psi; gamma5 swaps upper and lower halves in the Dirac representation."""
    return cs * p0 + cp * p2, cs * p1 + cp * p3, cs * p2 + cp * p0, cs * p3 + cp * p1


@numba.njit(cache=True, inline="always", fastmath=_SPINOR_MATH)
def _spin_row(s, p, j, static, m_in, m_out, cs, cp, v0, vx, vy, vz, w0, wx, wy, wz, ia, ib,
              f00, f01, f02, f03, f10, f11, f12, f13):
    """|ubar(p', s') O u(p, s)|^2 summed over s' for one incoming spin s (see lepton_current_squared)."""
    u0, u1, u2, u3 = _spinor(p[0], p[1], p[2], p[3], m_in, s)
    # diagram (b): Gamma (W/ + m) J/ u
    a0, a1, a2, a3 = _slash_j(j[0], j[1], j[2], j[3], static, u0, u1, u2, u3)
    b0, b1, b2, b3 = _slash(w0, wx, wy, wz, a0, a1, a2, a3)
    b0, b1, b2, b3 = b0 + m_in * a0, b1 + m_in * a1, b2 + m_in * a2, b3 + m_in * a3
    b0, b1, b2, b3 = _vertex(cs, cp, b0, b1, b2, b3)
    # diagram (a): J/ (V/ + m') Gamma u
    c0, c1, c2, c3 = _vertex(cs, cp, u0, u1, u2, u3)
    d0, d1, d2, d3 = _slash(v0, vx, vy, vz, c0, c1, c2, c3)
    d0, d1, d2, d3 = d0 + m_out * c0, d1 + m_out * c1, d2 + m_out * c2, d3 + m_out * c3
    e0, e1, e2, e3 = _slash_j(j[0], j[1], j[2], j[3], static, d0, d1, d2, d3)
    o0 = e0 * ia + b0 * ib
    o1 = e1 * ia + b1 * ib
    o2 = e2 * ia + b2 * ib
    o3 = e3 * ia + b3 * ib
    amp = f00 * o0 + f01 * o1 + f02 * o2 + f03 * o3
    total = amp.real * amp.real + amp.imag * amp.imag
    amp = f10 * o0 + f11 * o1 + f12 * o2 + f13 * o3
    return total + amp.real * amp.real + amp.imag * amp.imag


@numba.njit(cache=True, inline="always", fastmath=_SPINOR_MATH)
def lepton_current_squared(p, pp, k, j, m_in, m_out, cs, cp, den_a, den_b):
    """Spin-summed |ubar(p') O u(p)|^2 with O = J/(V/+m')Gamma/den_a + Gamma(W/+m)J//den_b.

    ``p, pp, k, j`` are four-vectors (E, px, py, pz) in any frame; V = p - k, W = pp + k;
    ``den_a = V^2 - m'^2`` and ``den_b = W^2 - m^2`` (passed in so callers can use stable forms).
    Returns the *sum* over the 4 spin combinations (multiply by 1/2 for the spin average). GeV^2.
    """
    v0, vx, vy, vz = p[0] - k[0], p[1] - k[1], p[2] - k[2], p[3] - k[3]
    w0, wx, wy, wz = pp[0] + k[0], pp[1] + k[1], pp[2] + k[2], pp[3] + k[3]
    ia = 1.0 / den_a
    ib = 1.0 / den_b
    static = j[1] == 0.0 and j[2] == 0.0 and j[3] == 0.0
    # outgoing spinors, conjugated once: ubar X = u^dagger gamma0 X
    f00, f01, f02, f03 = _spinor(pp[0], pp[1], pp[2], pp[3], m_out, 0)
    f10, f11, f12, f13 = _spinor(pp[0], pp[1], pp[2], pp[3], m_out, 1)
    f00, f01, f02, f03 = f00.conjugate(), f01.conjugate(), -f02.conjugate(), -f03.conjugate()
    f10, f11, f12, f13 = f10.conjugate(), f11.conjugate(), -f12.conjugate(), -f13.conjugate()
    # the two incoming spins written out (not a loop), so the spinor's zero components are constants
    total = _spin_row(0, p, j, static, m_in, m_out, cs, cp, v0, vx, vy, vz, w0, wx, wy, wz, ia, ib,
                      f00, f01, f02, f03, f10, f11, f12, f13)
    total += _spin_row(1, p, j, static, m_in, m_out, cs, cp, v0, vx, vy, vz, w0, wx, wy, wz, ia, ib,
                       f00, f01, f02, f03, f10, f11, f12, f13)
    return total


@numba.njit(cache=True, fastmath=_SPINOR_MATH)
def amplitude_squared_lab(kin, m_nuc, m_in, m_out, cs, cp, q2, d, w_den, z, a, ff_kind, ff_scales):
    """Spin-averaged |M|^2 at g = 1 from the lab kinematics tuple of :func:`map_point`.

    |M|^2 = e^4 G2(Q^2) / Q^4 * 1/2 sum |ubar O u|^2 with J = 2P (see module docstring).
    """
    p = (kin[0], 0.0, 0.0, kin[3])  # beam along z and azimuth of k = 0 (map_point): zeros the compiler
    k = (kin[4], kin[5], 0.0, kin[7])  # folds into lepton_current_squared (inlined)
    pp = (kin[8], kin[9], kin[10], kin[11])
    j = (2.0 * m_nuc, 0.0, 0.0, 0.0)
    lsq = lepton_current_squared(p, pp, k, j, m_in, m_out, cs, cp, -d, w_den)
    return _E2 * _E2 * g2_scaled(q2, z, a, ff_kind, ff_scales) / (q2 * q2) * 0.5 * lsq


@numba.njit(cache=True, inline="always")
def _par_tuple(par):
    """The parameter vector as a tuple of its N_PAR = 11 floats (phase_space.make_params)."""
    return (par[0], par[1], par[2], par[3], par[4], par[5], par[6], par[7], par[8], par[9], par[10])


@numba.njit(cache=True, nogil=True, fastmath=MAP_MATH)  # nogil: the run's writer threads work meanwhile
def dsigma_batch(u, energy, par):
    """d sigma [pb] per unit-cube volume at g = 1 for a batch of points ``u[n, >=4]``.

    ``energy[n]`` is the incoming lepton's lab energy at each point (GeV), so the production depth
    can be an extra integration dimension. Points outside the physical region get 0.
    """
    n = u.shape[0]
    out = np.zeros(n)
    m_in = par[P_M_IN]
    m_out = par[P_M_OUT]
    m_nuc = par[P_M_NUC]
    cs = par[P_CS]
    cp = par[P_CP]
    z = par[P_Z]
    a = par[P_A]
    ff = int(par[P_FF])
    ff_scales = g2_scales(z, a, ff)
    pt = _par_tuple(par)  # values, not memory the loop's stores might alias: their algebra leaves the loop
    for i in range(n):
        jac, _e_k, _theta, q2, _phi, d, w_den, kin = map_point(u[i, 0], u[i, 1], u[i, 2], u[i, 3], energy[i], pt)
        if jac <= 0.0:
            continue
        msq = amplitude_squared_lab(kin, m_nuc, m_in, m_out, cs, cp, q2, d, w_den, z, a, ff, ff_scales)
        out[i] = msq * jac * GEV2_TO_PB
    return out


@numba.njit(cache=True, nogil=True, fastmath=MAP_MATH)
def kinematics_batch(u, energy, par):
    """Lab four-vectors for a batch: returns arrays p_in, P_in, p_out, P_out, k (each [n, 4]) and the
    variables (x, theta_k, Q^2) with the azimuth of k = 0 (rotate afterwards)."""
    n = u.shape[0]
    m_nuc = par[P_M_NUC]
    p_in = np.zeros((n, 4))
    nuc_in = np.zeros((n, 4))
    p_out = np.zeros((n, 4))
    nuc_out = np.zeros((n, 4))
    k_out = np.zeros((n, 4))
    x = np.zeros(n)
    th = np.zeros(n)
    q2s = np.zeros(n)
    for i in range(n):
        _jac, e_k, theta, q2, _phi, _d, _w_den, kin = map_point(u[i, 0], u[i, 1], u[i, 2], u[i, 3], energy[i], par)
        for c in range(4):
            p_in[i, c] = kin[c]
            k_out[i, c] = kin[4 + c]
            p_out[i, c] = kin[8 + c]
        nuc_in[i, 0] = m_nuc
        nuc_out[i, 0] = m_nuc + kin[12]
        nuc_out[i, 1] = kin[13]
        nuc_out[i, 2] = kin[14]
        nuc_out[i, 3] = kin[15]
        x[i] = e_k / energy[i]
        th[i] = theta
        q2s[i] = q2
    return p_in, nuc_in, p_out, nuc_out, k_out, x, th, q2s
