r"""Exact tree-level  l(p) N(P) -> l'(p') N(P') V(k)  for a massive vector V (the Z' of L_mu - L_tau).

Photon exchange off a spin-0 nucleus, as for the scalar (:mod:`generator.processes.scalar_brems`,
docs/physics.md sections 5.1 and 13), with the scalar vertex Gamma = c_s + c_p gamma5 replaced by the
vector vertex g gamma^alpha eps*_alpha(k)::

    M(lambda) = g e^2 sqrt(G2(t)) / t  ubar(p') O(eps_lambda) u(p)
    O(eps)    = J/ (V/ + m') eps/ / (V^2 - m'^2)  +  eps/ (W/ + m) J/ / (W^2 - m^2)
    J = P + P' (-> 2P, see below),  q = P' - P,  V = p - k,  W = p - q = p' + k

    |M|^2 = e^4 G2(Q^2) / Q^4 * 1/2 sum_spins sum_lambda |ubar(p') O(eps_lambda) u(p)|^2     (g = 1)

Polarisation sum. The three physical polarisations of a vector of mass m and momentum k = (E_k, |k| k^)
are taken as real four-vectors: two transverse eps_1, eps_2 = (0, e_i) with e_i . k^ = 0, and the
longitudinal eps_L = (|k|, E_k k^) / m. Their sum is the covariant one::

    sum_lambda eps_alpha eps*_beta = -g_alpha_beta + k_alpha k_beta / m^2 .

Why the kk term drops. With m = m' (the Z' is emitted by mu -> mu), the lepton vector current is
conserved: k_alpha O^alpha = 0 *algebraically* between on-shell spinors, diagram by diagram pairwise:
(V/ + m) k/ u(p) = (V/ + m)(m - V/) u(p) = (m^2 - V^2) u(p) and ubar(p') k/ (W/ + m) = ubar(p') (W^2 - m^2),
so ubar J/ u (-1 + 1) = 0 for any J. Hence only -g_alpha_beta survives (tested: the 3-state sum equals the
metric sum, and eps = k gives an amplitude at rounding level).

The eps~_L trick. eps_L has components of order E_k/m (3e4 for m = 10 MeV at E = 160 GeV); its
amplitude is a difference of two terms that cancel to ~ (m/E_k)^2, which would cost ~9 digits. Because
k . M = 0, eps_L may be replaced by the equivalent vector without large components::

    eps~_L = eps_L - k / m = m / (E_k + |k|) (-1, k^)

(from E_k - |k| = m^2/(E_k + |k|)); it gives the same amplitude exactly and is evaluated without any
cancellation.

J = 2P. As in the scalar kernel, q_mu L^mu = 0 for each pair of spinors (photon gauge invariance), so the
q part of J = 2P + q drops out and the lab evaluation uses J/ = 2M gamma^0. The propagator denominators
den_a = V^2 - m'^2 = -D and den_b = W^2 - m^2 come from the phase-space map in their stable forms.

Vertex coefficient. The kernels read the vector coupling at unit g from ``par[P_CS]`` (c_v; c_v = 1 for
the Z' of L_mu - L_tau and for the muon-only vector of Rella-Doebrich-Yu eq. 2), so |M|^2 scales as c_v^2.
``par[P_CP]`` (the gamma5 slot of the scalar kernels) is unused here and must be 0:
:func:`dsigma_batch` raises ``ValueError`` otherwise (an axial coupling would need its own kernel: the
axial current is not conserved and the kk term would not drop). The kinematics are those of the scalar
process, so :func:`kinematics_batch` is re-exported from :mod:`generator.processes.scalar_brems`.

Units: GeV for energies, masses and momenta; the batch kernel returns d sigma in pb at g = 1 per unit-cube
volume (sigma scales as g^2: DESIGN.md rule 3).

References: docs/physics.md sections 5 and 13; Kirpichnikov, Sieber, Molina Bueno, Crivelli, Kirsanov,
PRD 104 (2021) 076012, arXiv:2107.13297 (mu N -> mu N Z', exact tree level and WW/IWW); Bjorken, Essig,
Schuster, Toro, PRD 80 (2009) 075018, arXiv:0906.0580 (the electron-beam A' analogue, App. A).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..constants import ALPHA_EM, GEV2_TO_PB
from ..form_factors import g2_scaled, g2_scales
from ..phase_space import (
    P_A,
    P_CP,
    P_CS,
    P_FF,
    P_M_IN,
    P_M_NUC,
    P_M_OUT,
    P_M_X,
    P_Z,
    map_point,
)
from .scalar_brems import _slash, _slash_j, _spinor, kinematics_batch

__all__ = [
    "amplitude_squared_lab_vector",
    "dsigma_batch",
    "kinematics_batch",
    "lepton_amplitudes_vector",
    "lepton_current_squared_vector",
    "polarisation_vectors",
]

_E2 = 4.0 * math.pi * ALPHA_EM  # e^2


@numba.njit(cache=True)
def polarisation_vectors(k, m):
    """The three real polarisation vectors (eps_1, eps_2, eps~_L) of a vector of mass ``m`` (GeV).

    ``k = (E_k, kx, ky, kz)`` in GeV. eps_1, eps_2 = (0, e_i) are transverse (e_i . k^ = 0, e_i . e_j =
    delta_ij); eps~_L = m/(E_k + |k|) (-1, k^) is the longitudinal eps_L = (|k|, E_k k^)/m minus k/m, which
    gives the same amplitude because the lepton current is conserved (module docstring). Returns a
    ``(3, 4)`` array. For |k| = 0 the direction k^ is taken along z.
    """
    kabs = math.sqrt(k[1] * k[1] + k[2] * k[2] + k[3] * k[3])
    if kabs > 0.0:
        nx, ny, nz = k[1] / kabs, k[2] / kabs, k[3] / kabs
    else:
        nx, ny, nz = 0.0, 0.0, 1.0
    # e1 = (a x n)/|a x n| with a the unit axis least parallel to n; e2 = n x e1
    if abs(nz) < 0.9:
        ax, ay, az = 0.0, 0.0, 1.0
    else:
        ax, ay, az = 1.0, 0.0, 0.0
    c1x = ay * nz - az * ny
    c1y = az * nx - ax * nz
    c1z = ax * ny - ay * nx
    c1 = math.sqrt(c1x * c1x + c1y * c1y + c1z * c1z)
    e1x, e1y, e1z = c1x / c1, c1y / c1, c1z / c1
    e2x = ny * e1z - nz * e1y
    e2y = nz * e1x - nx * e1z
    e2z = nx * e1y - ny * e1x
    f = m / (k[0] + kabs)
    out = np.empty((3, 4))
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = 0.0, e1x, e1y, e1z
    out[1, 0], out[1, 1], out[1, 2], out[1, 3] = 0.0, e2x, e2y, e2z
    out[2, 0], out[2, 1], out[2, 2], out[2, 3] = -f, f * nx, f * ny, f * nz
    return out


@numba.njit(cache=True)
def lepton_amplitudes_vector(p, pp, k, j, m_in, m_out, eps, den_a, den_b):
    """The four spin amplitudes ubar(p', s') O(eps) u(p, s) for one real polarisation vector ``eps``.

    O(eps) = J/ (V/ + m') eps/ / den_a + eps/ (W/ + m) J/ / den_b with V = p - k, W = pp + k,
    ``den_a = V^2 - m'^2`` and ``den_b = W^2 - m^2`` (stable forms from the caller). ``p, pp, k, j, eps`` are
    four-vectors (E, px, py, pz) in any frame (GeV; ``eps`` dimensionless). Returns a complex array
    ``[A(s=0, s'=0), A(0, 1), A(1, 0), A(1, 1)]`` in GeV (spins along z, Dirac representation). ``eps = k``
    gives the Ward-identity test (zero for m_in = m_out).
    """
    v0, vx, vy, vz = p[0] - k[0], p[1] - k[1], p[2] - k[2], p[3] - k[3]
    w0, wx, wy, wz = pp[0] + k[0], pp[1] + k[1], pp[2] + k[2], pp[3] + k[3]
    ia = 1.0 / den_a
    ib = 1.0 / den_b
    static = j[1] == 0.0 and j[2] == 0.0 and j[3] == 0.0
    ep0, epx, epy, epz = eps[0], eps[1], eps[2], eps[3]
    f00, f01, f02, f03 = _spinor(pp[0], pp[1], pp[2], pp[3], m_out, 0)
    f10, f11, f12, f13 = _spinor(pp[0], pp[1], pp[2], pp[3], m_out, 1)
    f00, f01, f02, f03 = f00.conjugate(), f01.conjugate(), -f02.conjugate(), -f03.conjugate()
    f10, f11, f12, f13 = f10.conjugate(), f11.conjugate(), -f12.conjugate(), -f13.conjugate()
    out = np.empty(4, dtype=np.complex128)
    for s in range(2):
        u0, u1, u2, u3 = _spinor(p[0], p[1], p[2], p[3], m_in, s)
        # diagram (b): eps/ (W/ + m) J/ u
        a0, a1, a2, a3 = _slash_j(j[0], j[1], j[2], j[3], static, u0, u1, u2, u3)
        b0, b1, b2, b3 = _slash(w0, wx, wy, wz, a0, a1, a2, a3)
        b0, b1, b2, b3 = b0 + m_in * a0, b1 + m_in * a1, b2 + m_in * a2, b3 + m_in * a3
        b0, b1, b2, b3 = _slash(ep0, epx, epy, epz, b0, b1, b2, b3)
        # diagram (a): J/ (V/ + m') eps/ u
        c0, c1, c2, c3 = _slash(ep0, epx, epy, epz, u0, u1, u2, u3)
        d0, d1, d2, d3 = _slash(v0, vx, vy, vz, c0, c1, c2, c3)
        d0, d1, d2, d3 = d0 + m_out * c0, d1 + m_out * c1, d2 + m_out * c2, d3 + m_out * c3
        e0, e1, e2, e3 = _slash_j(j[0], j[1], j[2], j[3], static, d0, d1, d2, d3)
        o0 = e0 * ia + b0 * ib
        o1 = e1 * ia + b1 * ib
        o2 = e2 * ia + b2 * ib
        o3 = e3 * ia + b3 * ib
        out[2 * s] = f00 * o0 + f01 * o1 + f02 * o2 + f03 * o3
        out[2 * s + 1] = f10 * o0 + f11 * o1 + f12 * o2 + f13 * o3
    return out


@numba.njit(cache=True)
def lepton_current_squared_vector(p, pp, k, j, m_in, m_out, eps, den_a, den_b):
    """Spin-summed sum_{s, s'} |ubar(p', s') O(eps) u(p, s)|^2 for one real polarisation vector (GeV^2).

    Arguments as :func:`lepton_amplitudes_vector`. Returns the *sum* over the 4 spin combinations (multiply
    by 1/2 for the spin average); sum it over :func:`polarisation_vectors` for the unpolarised |M|^2.
    """
    amps = lepton_amplitudes_vector(p, pp, k, j, m_in, m_out, eps, den_a, den_b)
    total = 0.0
    for i in range(4):
        total += amps[i].real * amps[i].real + amps[i].imag * amps[i].imag
    return total


@numba.njit(cache=True)
def _pol_summed(p, pp, k, j, m_in, m_out, m_x, den_a, den_b):
    """sum_lambda sum_spins |ubar O(eps_lambda) u|^2 over the three physical polarisations (GeV^2)."""
    pols = polarisation_vectors(k, m_x)
    total = 0.0
    for lam in range(3):
        eps = (pols[lam, 0], pols[lam, 1], pols[lam, 2], pols[lam, 3])
        total += lepton_current_squared_vector(p, pp, k, j, m_in, m_out, eps, den_a, den_b)
    return total


@numba.njit(cache=True)
def amplitude_squared_lab_vector(kin, m_nuc, m_in, m_out, m_x, cv, q2, d, w_den, z, a, ff_kind, ff_scales):
    """Spin-averaged, polarisation-summed |M|^2 at g = 1 from the lab kinematics tuple of :func:`map_point`.

    |M|^2 = c_v^2 e^4 G2(Q^2) / Q^4 * 1/2 sum_spins sum_lambda |ubar O(eps_lambda) u|^2 with J = 2P
    (module docstring); ``m_x`` is the vector mass (GeV), ``cv`` the vertex coefficient (1 for the Z').
    Dimensionless (the same conventions as :func:`scalar_brems.amplitude_squared_lab`).
    """
    p = (kin[0], kin[1], kin[2], kin[3])
    k = (kin[4], kin[5], kin[6], kin[7])
    pp = (kin[8], kin[9], kin[10], kin[11])
    j = (2.0 * m_nuc, 0.0, 0.0, 0.0)
    lsq = _pol_summed(p, pp, k, j, m_in, m_out, m_x, -d, w_den)
    return cv * cv * _E2 * _E2 * g2_scaled(q2, z, a, ff_kind, ff_scales) / (q2 * q2) * 0.5 * lsq


@numba.njit(cache=True, nogil=True)  # the run's writer threads work meanwhile (generator/writing.py)
def dsigma_batch(u, energy, par):
    """d sigma [pb] per unit-cube volume at g = 1 for a batch of points ``u[n, >=4]`` (vector boson).

    ``energy[n]`` is the incoming lepton's lab energy at each point (GeV). The vertex coefficient c_v is
    ``par[P_CS]``; ``par[P_CP]`` must be 0 (ValueError otherwise; module docstring). Points outside the
    physical region get 0.
    """
    n = u.shape[0]
    out = np.zeros(n)
    if par[P_CP] != 0.0:
        raise ValueError("par[P_CP] must be 0 for the vector kernel (c_v is read from par[P_CS])")
    m_in = par[P_M_IN]
    m_out = par[P_M_OUT]
    m_x = par[P_M_X]
    m_nuc = par[P_M_NUC]
    cv = par[P_CS]
    z = par[P_Z]
    a = par[P_A]
    ff = int(par[P_FF])
    ff_scales = g2_scales(z, a, ff)
    for i in range(n):
        jac, _e_k, _theta, q2, _phi, d, w_den, kin = map_point(u[i, 0], u[i, 1], u[i, 2], u[i, 3], energy[i], par)
        if jac <= 0.0:
            continue
        msq = amplitude_squared_lab_vector(kin, m_nuc, m_in, m_out, m_x, cv, q2, d, w_den, z, a, ff, ff_scales)
        out[i] = msq * jac * GEV2_TO_PB
    return out
