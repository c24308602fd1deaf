r"""Lab-frame phase space of  l(p) + N(P) -> l'(p') + N(P') + X(k), nucleus at rest, beam along +z.

Variables and the unit-cube map (docs/physics.md section 5.2–5.3, "Lab phase space")::

    E_k   = E [x_lo + (x_hi - x_lo) u0]                           (x = E_k / E, linear)
    theta : ln(theta^2 + theta_c^2) uniform on [ln theta_c^2, ln(pi^2 + theta_c^2)]   (u1)
    Q^2   : ln Q^2 uniform on [ln u_min, ln u_max]                 (u2)
    (x_lo = max(m_X, E_k,min)/E: an experiment's cut on the boson energy shrinks the x range)
    phi   = 2 pi u3        azimuth of q around V = p - k

    d sigma = |M|^2 |k| / (1024 pi^4 M^2 |p| |V|)  dE_k dcos(theta_k) dQ^2 dphi

with the azimuth of k integrated analytically (factor 2 pi, already in 1024 pi^4); sampled events are
rotated by a random azimuth afterwards. theta_c = sqrt(D0 / (|p||k|)) with D0 = D(theta_k = 0) is the
collinear emission angle, so the theta map covers [0, pi] exactly and is flat in the collinear peak.

Reconstruction from (E_k, theta_k, Q^2, phi): V = p - k, D = m'^2 - V^2 > 0,
q0 = Q^2 / 2M, |q| = sqrt(Q^2 + q0^2), cos(q, V) = [V0 q0 + (Q^2 + D)/2] / (|V||q|), p' = V - q,
P' = P + q. The Q^2 limits are the roots of A u^2 + B u + C = 0 with A = 1 + 2V0/M + V^2/M^2,
B = 2(1 + V0/M) D - 4|V|^2, C = D^2 (small root in the stable form 2C/(-B + sqrt(B^2 - 4AC))),
capped by u <= 2M(V0 - m') (positive-energy branch) and by an optional user cut Q^2 <= q2_cap.

The Q^2 range is not capped by default (``q2_cap = inf``): the form factors decide how fast the
integrand falls at large Q^2 (Tsai's G2 of ``FF_TSAI`` is defined for all Q^2: its elastic part falls
as (1 + Q^2/d)^-2, the inelastic as (1 + Q^2/0.71 GeV^2)^-8; the LFV set ``FF_LFV`` is zero above 1 GeV^2 inside ``form_factors.g2_lfv``, which
is where that paper's "t < 1 GeV^2" lives). The former hard-wired cap Q^2 <= 1 GeV^2 for every form
factor took 0.45 % (Pb, W) to 0.50 % (Cu) off sigma at E = 3 GeV, m_S = 1 GeV. ``q2_cap`` stays as a
parameter for an explicit user cut.

Numerically stable forms: p.k = (E^2 m_X^2 + E_k^2 m^2 - m^2 m_X^2)/(E E_k + |p||k|) + 2|p||k| sin^2(theta/2);
W^2 - m^2 = -2(E q0 - |p| q_z) - Q^2 with W = p - q.

References: docs/physics.md section 5.2–5.3 (mudump's derivation, verified against the Phi_3 recursion);
Byckling & Kajantie, *Particle Kinematics* (Wiley 1973) for the two-body factors.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from . import _jit  # noqa: F401  (numba without awkward's and vector's extensions)

#: Indices into the per-process parameter vector ``par`` shared by the 2->3 kernels.
P_M_IN, P_M_OUT, P_M_X, P_M_NUC, P_Z, P_A, P_FF, P_Q2CAP, P_CS, P_CP, P_EK_MIN = range(11)
N_PAR = 11
#: Number of unit-cube dimensions of the 2->3 map.
DIM = 4
#: numba ``fastmath`` flags of the map and of the batch loops that inline it (issue 19): ``arcp`` (x/y as
#: x * (1/y)), ``contract`` (a*b + c fused, one rounding) and ``nsz`` (no signed zeros) change results by
#: rounding only. Not ``reassoc`` (the stable forms above depend on the order of operations), nor ``nnan`` /
#: ``ninf`` (q2_cap is infinite by default).
MAP_MATH = {"nsz", "arcp", "contract"}


@numba.njit(cache=True, inline="always")
def x_limits(energy: float, m_in: float, m_out: float, m_x: float) -> tuple[float, float]:
    """Kinematic range of x = E_k/E in the lab: [m_X/E, 1 - m'/E] (docs/physics.md section 5.3)."""
    return m_x / energy, 1.0 - m_out / energy


@numba.njit(cache=True, inline="always")
def p_dot_k(energy: float, p: float, e_k: float, k: float, m_in: float, m_x: float, theta: float) -> float:
    """p.k in the lab without cancellation (docs/physics.md section 5.3 "stable forms")."""
    s = math.sin(0.5 * theta)
    return (energy * energy * m_x * m_x + e_k * e_k * m_in * m_in - m_in * m_in * m_x * m_x) / (
        energy * e_k + p * k
    ) + 2.0 * p * k * s * s


@numba.njit(cache=True, inline="always")
def q2_limits(v0: float, v_abs: float, d: float, m_nuc: float, m_out: float, q2_cap: float):
    """Allowed Q^2 = -t range [u_min, u_max] at fixed (E_k, theta_k); (0, 0) if closed.

    ``q2_cap`` (GeV^2) is an upper cut; ``math.inf`` (the default of :func:`make_params`) means none.
    """
    aa = 1.0 + 2.0 * v0 / m_nuc + (v0 * v0 - v_abs * v_abs) / (m_nuc * m_nuc)
    bb = 2.0 * (1.0 + v0 / m_nuc) * d - 4.0 * v_abs * v_abs
    cc = d * d
    disc = bb * bb - 4.0 * aa * cc
    if disc <= 0.0 or bb >= 0.0 or aa <= 0.0:
        return 0.0, 0.0
    root = math.sqrt(disc)
    u_min = 2.0 * cc / (-bb + root)
    u_max = (-bb + root) / (2.0 * aa)
    u_max = min(u_max, 2.0 * m_nuc * (v0 - m_out), q2_cap)
    if u_max <= u_min:
        return 0.0, 0.0
    return u_min, u_max


# Longer than 80 lines on purpose: the map is one serial chain of the paper's steps, inlined into the
# |M|^2 kernel (issue 19: ~120 ns of a 194 ns point); its steps read top to bottom next to docs/physics.md.
@numba.njit(cache=True, inline="always", fastmath=MAP_MATH)
def map_point(u0, u1, u2, u3, energy, par):
    """Map one unit-cube point to lab kinematics.

    Returns ``(jac, e_k, theta, q2, phi, d, w_den, kin)`` where ``jac`` already contains the
    phase-space factor |k| / (1024 pi^4 M^2 |p| |V|) times all Jacobians (0 if the point is outside
    the physical region), ``d = m'^2 - V^2 > 0``, ``w_den = W^2 - m^2`` and ``kin`` is a tuple of the
    lab four-vectors (p, k, p', q) as 16 floats (E, px, py, pz each), with azimuth of k = 0.
    """
    m_in = par[P_M_IN]
    m_out = par[P_M_OUT]
    m_x = par[P_M_X]
    m_nuc = par[P_M_NUC]
    q2_cap = par[P_Q2CAP]
    zero16 = (0.0,) * 16
    p = math.sqrt((energy - m_in) * (energy + m_in))
    x_lo, x_hi = x_limits(energy, m_in, m_out, m_x)
    x_lo = max(x_lo, par[P_EK_MIN] / energy)  # experiment cut on the boson energy (e.g. E_miss)
    if x_hi <= x_lo:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, zero16
    e_k = energy * (x_lo + (x_hi - x_lo) * u0)
    jac = energy * (x_hi - x_lo)
    k = math.sqrt(max((e_k - m_x) * (e_k + m_x), 0.0))
    if k <= 0.0:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, zero16
    # collinear angle from D at theta = 0
    pk0 = p_dot_k(energy, p, e_k, k, m_in, m_x, 0.0)
    d0 = m_out * m_out - m_in * m_in - m_x * m_x + 2.0 * pk0
    if d0 <= 0.0:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, zero16
    th_c2 = d0 / (p * k)
    span = math.pi * math.pi / th_c2
    # ln(1 + span): log1p only where it matters (span < 1); log is 3x faster and exact to rounding above
    log_span = math.log1p(span) if span < 1.0 else math.log(1.0 + span)
    t = u1 * log_span
    th2 = th_c2 * (math.expm1(t) if t < 0.5 else math.exp(t) - 1.0)
    theta = math.sqrt(th2)
    theta = min(theta, math.pi)
    if theta <= 0.0:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, zero16
    # one sin/cos pair of theta/2 gives sin(theta) = 2 sh ch, cos(theta) = 1 - 2 sh^2 and the sin(theta/2)
    # of the stable p.k (three calls fewer than sin, cos and sin of the half angle)
    sh = math.sin(0.5 * theta)
    ch = math.cos(0.5 * theta)
    st = 2.0 * sh * ch
    ct = 1.0 - 2.0 * sh * sh
    # dcos(theta) = sin(theta) (theta^2 + theta_c^2) / (2 theta) * log_span * du1
    jac *= st * (th2 + th_c2) / (2.0 * theta) * log_span
    pk = pk0 + 2.0 * p * k * sh * sh  # p_dot_k(energy, p, e_k, k, m_in, m_x, theta)
    d = m_out * m_out - m_in * m_in - m_x * m_x + 2.0 * pk
    v0 = energy - e_k
    vx = -k * st
    vz = p - k * ct
    v_abs = math.sqrt(vx * vx + vz * vz)
    u_min, u_max = q2_limits(v0, v_abs, d, m_nuc, m_out, q2_cap)
    if u_max <= 0.0:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, zero16
    log_q = math.log(u_max / u_min)
    q2 = u_min * math.exp(u2 * log_q)
    jac *= q2 * log_q
    phi = 2.0 * math.pi * u3
    jac *= 2.0 * math.pi
    jac *= k / (1024.0 * math.pi**4 * m_nuc * m_nuc * p * v_abs)
    # photon momentum q: q0 = Q^2/2M, angle to V fixed by the on-shell p'
    q0 = q2 / (2.0 * m_nuc)
    q_abs = math.sqrt(q2 + q0 * q0)
    cos_a = (v0 * q0 + 0.5 * (q2 + d)) / (v_abs * q_abs)
    cos_a = min(1.0, max(-1.0, cos_a))
    sin_a = math.sqrt(max(0.0, 1.0 - cos_a * cos_a))
    # orthonormal frame around V-hat (V lies in the x-z plane)
    nx = vx / v_abs
    nz = vz / v_abs
    # e1 in x-z plane perpendicular to n, e2 = y
    e1x = nz
    e1z = -nx
    cphi = math.cos(phi)
    sphi = math.sin(phi)
    qx = q_abs * (cos_a * nx + sin_a * cphi * e1x)
    qy = q_abs * (sin_a * sphi)
    qz = q_abs * (cos_a * nz + sin_a * cphi * e1z)
    w_den = -2.0 * (energy * q0 - p * qz) - q2
    kin = (
        energy, 0.0, 0.0, p,
        e_k, k * st, 0.0, k * ct,
        v0 - q0, vx - qx, -qy, vz - qz,
        q0, qx, qy, qz,
    )  # fmt: skip
    return jac, e_k, theta, q2, phi, d, w_den, kin


def three_body_phase_space_volume(sqrt_s: float, m1: float, m2: float, m3: float) -> float:
    """Lorentz-invariant 3-body phase space Phi_3(s) by the two-body recursion (GeV^2).

    Phi_3(s) = int ds23/(2 pi) Phi_2(s; m1, sqrt(s23)) Phi_2(s23; m2, m3),
    Phi_2(s; a, b) = lambda^(1/2)(s, a^2, b^2) / (8 pi s)   [convention (2pi)^4 delta^4 prod d^3p/((2pi)^3 2E)].

    Independent of :func:`map_point`; used to test it. References: PDG Review "Kinematics", eq. (49.21).
    """
    from scipy.integrate import quad

    def lam(a, b, c):
        return a * a + b * b + c * c - 2 * a * b - 2 * a * c - 2 * b * c

    s = sqrt_s * sqrt_s

    def phi2(ss, a, b):
        return math.sqrt(max(lam(ss, a * a, b * b), 0.0)) / (8.0 * math.pi * ss)

    lo, hi = (m2 + m3) ** 2, (sqrt_s - m1) ** 2
    val, _ = quad(lambda s23: phi2(s, m1, math.sqrt(s23)) * phi2(s23, m2, m3) / (2 * math.pi), lo, hi,
                  epsabs=0, epsrel=1e-10, limit=200)
    return val


def make_params(
    m_in: float,
    m_out: float,
    m_x: float,
    m_nucleus: float,
    z: float,
    a: float,
    ff_kind: int,
    q2_cap: float = math.inf,
    c_s: float = 1.0,
    c_p: float = 0.0,
    e_k_min: float = 0.0,
) -> np.ndarray:
    """Pack the parameter vector ``par`` read by the numba kernels (indices ``P_*`` above).

    ``q2_cap`` is an optional cut Q^2 <= q2_cap in GeV^2 (e.g. a user's ``max_q2``); the default
    ``math.inf`` applies none (module docstring). It must be > 0 (NaN or <= 0 would close the phase space).
    """
    if not q2_cap > 0.0:
        raise ValueError(f"q2_cap = {q2_cap} GeV^2 but require q2_cap > 0 (math.inf for no cap)")
    par = np.zeros(N_PAR)
    par[P_M_IN], par[P_M_OUT], par[P_M_X], par[P_M_NUC] = m_in, m_out, m_x, m_nucleus
    par[P_Z], par[P_A], par[P_FF], par[P_Q2CAP] = z, a, ff_kind, q2_cap
    par[P_CS], par[P_CP] = c_s, c_p
    par[P_EK_MIN] = e_k_min
    return par


@numba.njit(cache=True, fastmath=MAP_MATH)
def jacobian_batch(u, energy, par):
    """Phase-space weight (GeV^-2) of each unit-cube point for |M|^2 = 1 (testing and cut studies)."""
    n = u.shape[0]
    out = np.zeros(n)
    for i in range(n):
        out[i] = map_point(u[i, 0], u[i, 1], u[i, 2], u[i, 3], energy[i], par)[0]
    return out
