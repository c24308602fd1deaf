r"""One-loop contributions of a light scalar, pseudoscalar (or vector) coupled to muons to a_μ = (g−2)_μ/2.

Scalar (Chen, Pospelov, Zhong eq. 3 = Rella, Döbrich, Yu eq. 3 after z → 1−z)::

    Δa_μ = g_μ²/(8π²) ∫₀¹ dz (1−z)²(1+z) / ((1−z)² + z r),      r = m_S²/m_μ²
         → 3 g_μ²/(16π²)                                         m_S ≪ m_μ
         → g_μ²/(8π²) (m_μ²/m_S²) [ln(m_S²/m_μ²) − 7/6]          m_S ≫ m_μ

Pseudoscalar, L ⊃ −g S μ̄ iγ5 μ (Leveille, Nucl. Phys. B137 (1978) 63; Jegerlehner, Nyffeler, Phys. Rept.
477 (2009) 1, generic one-loop new-physics exchanges; Lindner, Platscher, Queiroz, Phys. Rept. 731 (2018) 1,
neutral scalar with a pseudoscalar coupling), written in the same variable z as the scalar (z → 1−z
turns it into the textbook −∫ z³/(z² + (1−z) r))::

    Δa_μ^P = −g²/(8π²) ∫₀¹ dz (1−z)³ / ((1−z)² + z r)          (< 0 for every m_P)
           → −g²/(16π²)                                          m_P ≪ m_μ
           → −g²/(8π²) (m_μ²/m_P²) [ln(m_P²/m_μ²) − 11/6]        m_P ≫ m_μ

CP mixture, L ⊃ −g S μ̄ (cos φ + i sin φ γ5) μ (``cp_angle`` φ, −π/2 ≤ φ ≤ π/2)::

    Δa_μ(φ) = cos²φ Δa_μ^S + sin²φ Δa_μ^P

The one-loop cross term ∝ Re(c_s c_p*) of the general vertex c_s + c_p γ5 vanishes here because hermiticity
makes c_p = i g sin φ purely imaginary for a flavour-diagonal coupling; the CP-odd product cos φ sin φ
feeds the one-loop muon EDM instead (∝ sin 2φ; not computed). With the general internal-fermion loop of
:func:`delta_a_mu_lfv` at m_τ → m_μ (ε = 1) both limits above are reproduced (tested). In the light limit
Δa_μ(φ) → g²/(16π²)(3cos²φ − sin²φ), which changes sign at φ = ±π/3.

Light- and heavy-pseudoscalar limits (derived here): for r → 0 the integrand tends to (1−z) except in a
region of width √r at z → 1, so I_P → ∫₀¹ (1−z) dz = 1/2 (correction O(r ln r)). For r ≫ 1, with w = 1−z:
w³ = 1 − (1−w)(1 + w + w²); the first piece gives ln r / r as for the scalar, the second −(1/r)∫₀¹(1 + w + w²)
dw = −11/(6r), hence I_P(r) ≈ (ln r − 11/6)/r.

Vector (Rella, Döbrich, Yu eq. 4)::

    Δa_μ^V = g_V²/(4π²) ∫₀¹ dz z(1−z)² / ((1−z)² + z r)  →  g_V²/(8π²)   (m_V ≪ m_μ)

Heavy-scalar limit (derived here): with w = 1−z the integrand is w²(2−w)/(w² + r(1−w)). Write
w²(2−w) = 1 + (1−w)(w² − w − 1); for r ≫ 1 the second piece gives (1/r)∫₀¹(w² − w − 1)dw = −7/(6r)
and the first (1/r)∫₀¹ dw/(1 − w + w²/r) = ln r / r + O(ln r/r²), hence I(r) ≈ (ln r − 7/6)/r.

Numerics: the integrand has a notch of width √r at z → 1 for r ≪ 1 and a peak of width 1/r at
z → 0 for r ≫ 1. Both scales are passed to adaptive Gauss–Kronrod quadrature (QUADPACK QAGS) as
break points, which gives ~1e-10 relative accuracy for any m_S from 1 keV to 10 GeV and beyond.

Units: masses in GeV; couplings dimensionless.

References: Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, PRD 95 115005,
eq. (3); Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eqs. (1), (3), (4).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .constants import M_MU, M_TAU
from .widths import cp_weights

__all__ = [
    "Discrepancy",
    "delta_a_mu_lfv",
    "delta_a_mu_lfv_heavy_tau",
    "delta_a_mu_lfv_light_alp",
    "delta_a_mu_pseudoscalar",
    "delta_a_mu_scalar",
    "delta_a_mu_vector",
    "significance",
]


def _breakpoints(r: float) -> list[float]:
    """Scales of the integrand in z: 1 − k√r (notch at z→1) and k/r (peak at z→0)."""
    pts = []
    for k in (0.1, 1.0, 10.0):
        pts.append(1.0 - k * math.sqrt(r))
        pts.append(k / r)
    return sorted({p for p in pts if 0.0 < p < 1.0})


def _integrate(func: Callable[[float], float], r: float) -> float:
    from scipy import integrate  # here, not at import: 0.4 s of every command (issue 19)
    val, _err = integrate.quad(
        func, 0.0, 1.0, points=_breakpoints(r) or None, limit=400, epsabs=0.0, epsrel=1e-11
    )
    return val


def _check(g: float, m: float, gname: str, mname: str) -> None:
    if not (math.isfinite(g) and g >= 0.0):
        raise ValueError(f"{gname} = {g} but require 0 <= {gname} < inf")
    if not (math.isfinite(m) and m > 0.0):
        raise ValueError(f"{mname} = {m} GeV but require 0 < {mname} < inf")


def _scalar_loop_integral(r: float) -> float:
    """I_S(r) = ∫₀¹ dz (1−z)²(1+z)/((1−z)² + z r)."""

    def f(z: float) -> float:
        w = 1.0 - z
        return w * w * (1.0 + z) / (w * w + z * r)

    return _integrate(f, r)


def _pseudoscalar_loop_integral(r: float) -> float:
    """I_P(r) = ∫₀¹ dz (1−z)³/((1−z)² + z r) (same denominator, hence same break points, as I_S)."""

    def f(z: float) -> float:
        w = 1.0 - z
        return w * w * w / (w * w + z * r)

    return _integrate(f, r)


def _vector_loop_integral(r: float) -> float:
    """I_V(r) = ∫₀¹ dz z(1−z)²/((1−z)² + z r)."""

    def f(z: float) -> float:
        w = 1.0 - z
        return z * w * w / (w * w + z * r)

    return _integrate(f, r)


def delta_a_mu_scalar(g_mu: float, m_s: float | np.ndarray, cp_angle: float = 0.0) -> float | np.ndarray:
    r"""One-loop Δa_μ of the scalar S, CP-even by default or a CP mixture (dimensionless).

    ``Δa_μ = g_μ²/(8π²) ∫₀¹ dz (1−z)²(1+z)/((1−z)² + z m_S²/m_μ²)`` for φ = 0 (unchanged, bit for bit);
    for L ⊃ −g_μ S μ̄ (cos φ + i sin φ γ5) μ, ``cos²φ`` times that plus ``sin²φ``
    :func:`delta_a_mu_pseudoscalar` (no one-loop cross term; see the module docstring).

    Parameters
    ----------
    g_mu : float
        Scalar–muon Yukawa coupling (dimensionless, ≥ 0).
    m_s : float or array
        Scalar mass in GeV (> 0).
    cp_angle : float
        CP mixing angle φ in rad, −π/2 ≤ φ ≤ π/2 (default 0: CP-even).

    Returns
    -------
    float or array

    Raises
    ------
    ValueError
        For g_μ < 0, m_S ≤ 0 or φ outside [−π/2, π/2].

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eq. (3);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (3);
    Leveille, Nucl. Phys. B137 (1978) 63 (pseudoscalar part).

    >>> f"{delta_a_mu_scalar(5e-4, 0.1):.3e}"
    '1.648e-09'
    """
    if np.ndim(m_s) != 0:
        return np.array([delta_a_mu_scalar(g_mu, float(m), cp_angle) for m in np.ravel(m_s)]).reshape(
            np.shape(m_s)
        )
    m = float(m_s)
    _check(g_mu, m, "g_mu", "m_S")
    c2, s2 = cp_weights(cp_angle)
    r = (m / M_MU) ** 2
    if s2 == 0.0:
        return g_mu * g_mu / (8.0 * math.pi**2) * _scalar_loop_integral(r)
    loop = -s2 * _pseudoscalar_loop_integral(r)
    if c2 != 0.0:
        loop += c2 * _scalar_loop_integral(r)
    return g_mu * g_mu / (8.0 * math.pi**2) * loop


def delta_a_mu_pseudoscalar(g_mu: float, m_p: float | np.ndarray) -> float | np.ndarray:
    r"""Pseudoscalar one-loop Δa_μ (dimensionless, negative) for L ⊃ −g_μ P μ̄ iγ5 μ.

    ``Δa_μ^P = −g_μ²/(8π²) ∫₀¹ dz (1−z)³/((1−z)² + z m_P²/m_μ²)`` = −g_μ²/(8π²) ∫₀¹ dz z³/(z² + (1−z) r);
    → −g_μ²/(16π²) for m_P ≪ m_μ and −g_μ²/(8π²)(m_μ²/m_P²)(ln(m_P²/m_μ²) − 11/6) for m_P ≫ m_μ.

    Parameters
    ----------
    g_mu : float
        Pseudoscalar–muon coupling (dimensionless, ≥ 0).
    m_p : float or array
        Pseudoscalar mass in GeV (> 0).

    Returns
    -------
    float or array

    References
    ----------
    Leveille, Nucl. Phys. B137 (1978) 63; Jegerlehner, Nyffeler, Phys. Rept. 477 (2009) 1 (pseudoscalar
    exchange); Lindner, Platscher, Queiroz, Phys. Rept. 731 (2018) 1; Rella, Döbrich, Yu Sec. II (sign:
    "parity-odd couplings ... give a negative contribution").

    >>> f"{delta_a_mu_pseudoscalar(5e-4, 1e-6):.3e}"
    '-1.583e-09'
    """
    if np.ndim(m_p) != 0:
        return np.array([delta_a_mu_pseudoscalar(g_mu, float(m)) for m in np.ravel(m_p)]).reshape(
            np.shape(m_p)
        )
    m = float(m_p)
    _check(g_mu, m, "g_mu", "m_P")
    return -g_mu * g_mu / (8.0 * math.pi**2) * _pseudoscalar_loop_integral((m / M_MU) ** 2)


def delta_a_mu_vector(g_v: float, m_v: float | np.ndarray) -> float | np.ndarray:
    r"""Vector one-loop Δa_μ (dimensionless).

    ``Δa_μ^V = g_V²/(4π²) ∫₀¹ dz z(1−z)²/((1−z)² + z m_V²/m_μ²)`` → ``g_V²/(8π²)`` for m_V ≪ m_μ.

    Parameters
    ----------
    g_v : float
        Vector–muon coupling (dimensionless, ≥ 0).
    m_v : float or array
        Vector mass in GeV (> 0).

    Returns
    -------
    float or array

    References
    ----------
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (4).

    >>> f"{delta_a_mu_vector(5e-4, 1e-6):.3e}"
    '3.166e-09'
    """
    if np.ndim(m_v) != 0:
        return np.array([delta_a_mu_vector(g_v, float(m)) for m in np.ravel(m_v)]).reshape(np.shape(m_v))
    m = float(m_v)
    _check(g_v, m, "g_V", "m_V")
    return g_v * g_v / (4.0 * math.pi**2) * _vector_loop_integral((m / M_MU) ** 2)


def _lfv_loop_integral(eps: float, lam2: float, c_s2: float, c_p2: float) -> float:
    """∫₀¹ dx [c_s² x²(1+ε−x) + c_p² x²(1−ε−x)] / [(1−x)(1−λ²x) + ε²λ²x] (docs/physics.md section 3)."""

    def f(x: float) -> float:
        den = (1.0 - x) * (1.0 - lam2 * x) + eps * eps * lam2 * x
        return x * x * (c_s2 * (1.0 + eps - x) + c_p2 * (1.0 - eps - x)) / den

    # the denominator is smallest near x -> 1 (width ~ eps^2 lam^2 = m_tau^2/m_a^2 when that is small)
    r = eps * eps * lam2
    pts = sorted({1.0 - k * r for k in (0.1, 1.0, 10.0) if 0.0 < 1.0 - k * r < 1.0})
    from scipy import integrate  # here, not at import: 0.4 s of every command (issue 19)
    val, _err = integrate.quad(f, 0.0, 1.0, points=pts or None, limit=400, epsabs=0.0, epsrel=1e-11)
    return val


def delta_a_mu_lfv(c_s: float, c_p: float, m_a: float, m_tau: float = M_TAU) -> float:
    r"""One-loop Δa_μ of a neutral spin-0 boson a with an LFV vertex a μ̄ (c_s + c_p γ5) τ + h.c.

    General expression (internal τ, full m_μ and m_τ; Leveille, Nucl. Phys. B137 (1978) 63; Lindner,
    Platscher, Queiroz, Phys. Rept. 731 (2018) 1, eq. for a neutral scalar with a flavour-changing
    vertex), which [004] Sec. II.B evaluates in its eqs. (9)–(10)::

        Δa_μ = m_μ²/(8π² m_a²) ∫₀¹ dx [c_s² x²(1+ε−x) + c_p² x²(1−ε−x)] / [(1−x)(1−λ²x) + ε²λ²x]
        ε = m_τ/m_μ,  λ = m_μ/m_a

    For ε = 1 (internal muon) this is Chen–Pospelov–Zhong eq. (3) (tested). With c_s = g sin θ and
    c_p = g cos θ the leading term for m_τ ≫ m_μ is ∝ −cos 2θ (see :func:`delta_a_mu_lfv_heavy_tau`):
    Δa_μ > 0 for π/4 < θ < 3π/4, as [004] states below its eq. (12).

    Parameters
    ----------
    c_s, c_p : float
        Scalar and pseudoscalar couplings (dimensionless; only c_s², c_p² enter).
    m_a : float
        ALP mass in GeV (> 0).
    m_tau : float
        Mass of the internal lepton in GeV (default m_τ).

    Returns
    -------
    float

    References
    ----------
    arXiv:2407.15942 Sec. II.B, eqs. (9)–(10) (reconstructed in docs/physics.md section 3, checks A9–A10).

    >>> delta_a_mu_lfv(1e-3, 0.0, 5.0) > 0 > delta_a_mu_lfv(0.0, 1e-3, 5.0)
    True
    """
    _check(abs(c_s) + abs(c_p), m_a, "|c_s| + |c_p|", "m_a")
    eps = m_tau / M_MU
    lam2 = (M_MU / m_a) ** 2
    return lam2 / (8.0 * math.pi**2) * _lfv_loop_integral(eps, lam2, c_s * c_s, c_p * c_p)


def _f_heavy_tau(r: float) -> float:
    """F(r) = ∫₀¹ x² dx/(1 − x + r x) = (r² − 4r + 3 + 2 ln r)/(2(r−1)³); F(1) = 1/3 (series near 1)."""
    d = r - 1.0
    if abs(d) < 1e-3:
        return 1.0 / 3.0 - d / 4.0 + d * d / 5.0 - d**3 / 6.0
    return (r * r - 4.0 * r + 3.0 + 2.0 * math.log(r)) / (2.0 * d**3)


def delta_a_mu_lfv_heavy_tau(g_mutau: float, theta: float, m_a: float) -> float:
    r"""Δa_μ for m_τ ≫ m_μ ([004] eq. 9, reconstructed in docs/physics.md section 3)::

        Δa_μ ≃ −g² m_μ m_τ cos 2θ / (8π² m_a²) F(m_τ²/m_a²),
        F(r) = ∫₀¹ x² dx/(1 − x + r x) = (r² − 4r + 3 + 2 ln r) / (2 (r − 1)³)

    References: arXiv:2407.15942 eq. (9); docs/physics.md section 3.

    >>> delta_a_mu_lfv_heavy_tau(1e-3, math.pi / 2, 5.0) > 0
    True
    """
    _check(g_mutau, m_a, "g_mutau", "m_a")
    r = (M_TAU / m_a) ** 2
    return -g_mutau**2 * M_MU * M_TAU * math.cos(2.0 * theta) / (8.0 * math.pi**2 * m_a**2) * _f_heavy_tau(r)


def delta_a_mu_lfv_light_alp(g_mutau: float, theta: float) -> float:
    r"""Δa_μ for m_a ≪ m_τ ([004] eq. 10): ``−g²/(16π²) (m_μ/m_τ) cos 2θ`` (valid for |cos 2θ| ≫ m_μ/m_τ).

    References: arXiv:2407.15942 eq. (10) (legible in the OCR); docs/physics.md section 3 (check A9).

    >>> delta_a_mu_lfv_light_alp(1e-3, 0.0) < 0
    True
    """
    _check(g_mutau, 1.0, "g_mutau", "m_a")
    return -g_mutau**2 / (16.0 * math.pi**2) * M_MU / M_TAU * math.cos(2.0 * theta)


class Discrepancy(NamedTuple):
    """a_exp − a_SM with its uncertainty (errors added in quadrature) and significance in σ."""

    delta: float
    error: float
    n_sigma: float


def significance(a_exp: float, err_exp: float, a_sm: float, err_sm: float) -> Discrepancy:
    r"""Discrepancy Δa = a_exp − a_SM, σ_Δ = √(σ_exp² + σ_SM²), and Δa/σ_Δ.

    Parameters
    ----------
    a_exp, err_exp : float
        Measured value and its uncertainty (any common unit, e.g. 1e-11).
    a_sm, err_sm : float
        Standard-Model prediction and its uncertainty (same unit).

    Returns
    -------
    Discrepancy

    References
    ----------
    Inputs e.g. *TeV muons probing LFV ALPs* eqs. (11)–(12); Rella, Döbrich, Yu eq. (1).

    >>> round(significance(116592059, 22, 116591810, 43).n_sigma, 2)
    5.16
    """
    if not (err_exp >= 0.0 and err_sm >= 0.0) or err_exp + err_sm == 0.0:
        raise ValueError(f"errors = ({err_exp}, {err_sm}) but require both >= 0 and not both 0")
    delta = a_exp - a_sm
    err = math.hypot(err_exp, err_sm)
    return Discrepancy(delta, err, delta / err)
