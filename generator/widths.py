r"""Decay widths of the CP-even dark scalar S and its lab-frame decay length.

Formulas (Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, PRD 95 115005,
eqs. 4–6 and 9; identical to Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton
Beams*, eqs. 6–8 and 12)::

    Γ(S→ℓ⁺ℓ⁻) = m_S g_ℓ² / (8π) · (1 − 4 m_ℓ²/m_S²)^{3/2}
    Γ(S→γγ)   = α² m_S³ / (64 π³) · | Σ_ℓ g_ℓ/m_ℓ · A(τ_ℓ) |²,   τ_ℓ = 4 m_ℓ²/m_S²
    A(τ)      = τ [1 + (1 − τ) f(τ)]
    f(τ)      = arcsin²(τ^{-1/2})                                   τ > 1
              = −¼ [ln((1 + √(1−τ)) / (1 − √(1−τ))) − iπ]²        τ ≤ 1
    L         = |p| / (m Γ) · ħc

Numerical notes
---------------
* ``f`` is evaluated as ``arctan(1/√(τ−1))²`` above threshold and with ``2 atanh(√(1−τ))`` rewritten
  as ``2 ln(1+√(1−τ)) − ln τ`` below it, so both branches are well conditioned at τ → 1, τ → 0.
* For τ ≫ 1 the bracket ``1 + (1−τ) f`` cancels to O(1/τ); there ``A`` is summed from its series
  ``A = Σ_n (c_n − c_{n+1}) τ^{1−n}``, with ``arcsin²(y) = Σ c_n y^{2n}``, ``c_1 = 1``,
  ``c_{n+1}/c_n = 2n² / ((n+1)(2n+1))``; the leading terms are ``2/3 + 7/(45τ) + 4/(63τ²)``.

Units: masses, energies and widths in GeV, lengths in m. Couplings are dimensionless Yukawas.

References: Chen, Pospelov, Zhong, PRD 95 115005 (2017), arXiv:1701.07437, eqs. (4)–(9);
Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eqs. (6)–(12).
"""

from __future__ import annotations

import math

import numpy as np

from .constants import ALPHA_EM, HBARC_GEV_M, LEPTON_MASSES

__all__ = [
    "a_loop",
    "decay_length_m",
    "f_loop",
    "gamma_chichi",
    "gamma_gammagamma",
    "gamma_ll",
    "gamma_mutau",
    "gamma_mutau_one_mode",
]

#: Above this τ the series for A(τ) is used instead of the closed form (relative cancellation ~ τ ε).
_TAU_SERIES = 50.0


def _f_loop_scalar(tau: float) -> complex:
    if not tau > 0.0 or not math.isfinite(tau):
        raise ValueError(f"tau = {tau} but require 0 < tau < inf")
    if tau > 1.0:
        # arcsin(τ^{-1/2}) = arctan(1/√(τ−1)): well conditioned at τ → 1⁺.
        return complex(math.atan2(1.0, math.sqrt(tau - 1.0)) ** 2, 0.0)
    s = math.sqrt(1.0 - tau)
    # ln((1+s)/(1−s)) = ln((1+s)²/τ) since (1−s)(1+s) = τ: no cancellation at τ → 0.
    log_term = 2.0 * math.log1p(s) - math.log(tau)
    return -0.25 * (log_term - 1j * math.pi) ** 2


def _a_loop_series(tau: float) -> complex:
    """A(τ) for τ ≫ 1 from the arcsin² series (see module docstring)."""
    c_n = 1.0
    total = 0.0
    power = 1.0  # τ^{1−n}
    for n in range(1, 60):
        c_next = c_n * 2.0 * n * n / ((n + 1.0) * (2.0 * n + 1.0))
        term = (c_n - c_next) * power
        total += term
        if abs(term) < 1e-17 * abs(total):
            break
        c_n = c_next
        power /= tau
    return complex(total, 0.0)


def _a_loop_scalar(tau: float) -> complex:
    if tau > _TAU_SERIES:
        return _a_loop_series(tau)
    return tau * (1.0 + (1.0 - tau) * _f_loop_scalar(tau))


def f_loop(tau: float | np.ndarray) -> complex | np.ndarray:
    r"""Loop function f(τ) of the scalar → γγ amplitude (complex).

    ``f = arcsin²(τ^{-1/2})`` for τ > 1 and ``−¼[ln((1+√(1−τ))/(1−√(1−τ))) − iπ]²`` for τ ≤ 1.

    Parameters
    ----------
    tau : float or array
        τ = 4 m_ℓ²/m_S² (dimensionless, > 0).

    Returns
    -------
    complex or complex array

    Raises
    ------
    ValueError
        If τ ≤ 0 or is not finite.

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eq. (6);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (8).

    >>> round(f_loop(1.0).real, 6) == round(math.pi**2 / 4, 6)
    True
    """
    if np.ndim(tau) == 0:
        return _f_loop_scalar(float(tau))
    return np.vectorize(_f_loop_scalar, otypes=[complex])(np.asarray(tau, dtype=float))


def a_loop(tau: float | np.ndarray) -> complex | np.ndarray:
    r"""Fermion-loop amplitude A(τ) = τ[1 + (1 − τ) f(τ)] of S → γγ (complex).

    Limits: A → 2/3 for a heavy loop lepton (τ → ∞); Im A ≠ 0 only above threshold (τ < 1);
    A → 0 as τ ln²τ for τ → 0.

    Parameters
    ----------
    tau : float or array
        τ = 4 m_ℓ²/m_S² (dimensionless, > 0).

    Returns
    -------
    complex or complex array

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eq. (5);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (7).

    >>> round(abs(a_loop(1e12)), 6)
    0.666667
    """
    if np.ndim(tau) == 0:
        t = float(tau)
        if not t > 0.0 or not math.isfinite(t):
            raise ValueError(f"tau = {t} but require 0 < tau < inf")
        return _a_loop_scalar(t)
    arr = np.asarray(tau, dtype=float)
    if np.any(~(arr > 0.0)) or not np.all(np.isfinite(arr)):
        raise ValueError(f"tau = {arr} but require 0 < tau < inf")
    return np.vectorize(_a_loop_scalar, otypes=[complex])(arr)


def _check_mass(m_s: float | np.ndarray) -> None:
    arr = np.asarray(m_s, dtype=float)
    if np.any(~(arr > 0.0)) or not np.all(np.isfinite(arr)):
        raise ValueError(f"m_S = {m_s} GeV but require 0 < m_S < inf")


def _check_coupling(name: str, g: float) -> None:
    if not (math.isfinite(g) and g >= 0.0):
        raise ValueError(f"{name} = {g} but require 0 <= {name} < inf")


def gamma_ll(m_s: float | np.ndarray, g_l: float, m_l: float) -> float | np.ndarray:
    r"""Width Γ(S → ℓ⁺ℓ⁻) in GeV; zero at and below threshold m_S ≤ 2 m_ℓ.

    ``Γ = m_S g_ℓ² / (8π) · β³``, ``β = √(1 − 4 m_ℓ²/m_S²)``.

    Parameters
    ----------
    m_s : float or array
        Scalar mass in GeV (> 0).
    g_l : float
        Yukawa coupling to lepton ℓ (dimensionless, ≥ 0).
    m_l : float
        Lepton mass in GeV.

    Returns
    -------
    float or array
        Partial width in GeV.

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eq. (4);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (6).

    >>> gamma_ll(0.1, 0.0, 0.000511)
    0.0
    """
    _check_mass(m_s)
    _check_coupling("g_l", g_l)
    m = np.asarray(m_s, dtype=float)
    beta2 = np.clip(1.0 - 4.0 * m_l * m_l / (m * m), 0.0, None)
    out = m * g_l * g_l / (8.0 * math.pi) * beta2**1.5
    return float(out) if out.ndim == 0 else out


def _gamma_gg_scalar(m_s: float, g_e: float, g_mu: float, g_tau: float) -> float:
    amp = 0j
    for g, m_l in ((g_e, LEPTON_MASSES["e"]), (g_mu, LEPTON_MASSES["mu"]), (g_tau, LEPTON_MASSES["tau"])):
        if g != 0.0:
            amp += g / m_l * _a_loop_scalar(4.0 * m_l * m_l / (m_s * m_s))
    return ALPHA_EM**2 * m_s**3 / (64.0 * math.pi**3) * abs(amp) ** 2


def gamma_gammagamma(m_s: float | np.ndarray, g_e: float, g_mu: float, g_tau: float) -> float | np.ndarray:
    r"""Width Γ(S → γγ) in GeV through the e, μ, τ loops (coherent complex sum).

    ``Γ = α² m_S³/(64π³) |Σ_ℓ g_ℓ/m_ℓ A(τ_ℓ)|²``, ``τ_ℓ = 4 m_ℓ²/m_S²``.

    Parameters
    ----------
    m_s : float or array
        Scalar mass in GeV (> 0).
    g_e, g_mu, g_tau : float
        Yukawa couplings (dimensionless, ≥ 0).

    Returns
    -------
    float or array
        Partial width in GeV.

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eqs. (5), (8);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eqs. (7), (9).

    >>> gamma_gammagamma(0.1, 0.0, 0.0, 0.0)
    0.0
    """
    _check_mass(m_s)
    for name, g in (("g_e", g_e), ("g_mu", g_mu), ("g_tau", g_tau)):
        _check_coupling(name, g)
    if np.ndim(m_s) == 0:
        return _gamma_gg_scalar(float(m_s), g_e, g_mu, g_tau)
    return np.vectorize(_gamma_gg_scalar, otypes=[float])(np.asarray(m_s, dtype=float), g_e, g_mu, g_tau)


def decay_length_m(
    m: float | np.ndarray, gamma_total: float | np.ndarray, energy: float | np.ndarray
) -> float | np.ndarray:
    r"""Mean lab-frame decay length in metres, ``L = |p|/(m Γ) ħc = (E/m)(β/Γ) ħc``.

    Parameters
    ----------
    m : float or array
        Particle mass in GeV (> 0).
    gamma_total : float or array
        Total width in GeV (≥ 0; Γ = 0 gives an infinite length).
    energy : float or array
        Lab energy in GeV (≥ m).

    Returns
    -------
    float or array
        Decay length in m.

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eq. (9);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (12).

    >>> decay_length_m(1.0, 1.0, 1.0)
    0.0
    """
    m_a = np.asarray(m, dtype=float)
    g_a = np.asarray(gamma_total, dtype=float)
    e_a = np.asarray(energy, dtype=float)
    if np.any(~(m_a > 0.0)):
        raise ValueError(f"mass = {m} GeV but require 0 < mass < inf")
    if np.any(~(g_a >= 0.0)):
        raise ValueError(f"gamma_total = {gamma_total} GeV but require 0 <= gamma_total < inf")
    if np.any(~(e_a >= m_a)):
        raise ValueError(f"energy = {energy} GeV but require mass = {m} GeV <= energy < inf")
    p = np.sqrt((e_a - m_a) * (e_a + m_a))
    with np.errstate(divide="ignore"):
        out = np.where(g_a > 0.0, p / (m_a * np.where(g_a > 0.0, g_a, 1.0)) * HBARC_GEV_M, np.inf)
    return float(out) if out.ndim == 0 else out


# ---------------------------------------------------------------------------------------------------
# LFV axion-like particle a (Batell et al., arXiv:2407.15942)
# ---------------------------------------------------------------------------------------------------
def _two_body_lambda_sqrt(m: float, m1: float, m2: float) -> float:
    """lambda^{1/2}(m^2, m1^2, m2^2) = sqrt([m^2 - (m1+m2)^2][m^2 - (m1-m2)^2]) (factorised), 0 below threshold."""
    if m <= m1 + m2:
        return 0.0
    return math.sqrt((m - m1 - m2) * (m + m1 + m2) * (m - m1 + m2) * (m + m1 - m2))


def gamma_mutau_one_mode(m_a: float, c_s: float, c_p: float, m_mu: float | None = None,
                         m_tau: float | None = None) -> float:
    r"""Width Γ(a → μ⁻τ⁺) in GeV (= Γ(a → μ⁺τ⁻)) for the vertex ``a μ̄ (c_s + c_p γ5) τ``.

    ``Γ = λ^{1/2} / (8π m_a³) [c_s² (m_a² − (m_τ+m_μ)²) + c_p² (m_a² − (m_τ−m_μ)²)]``,
    λ^{1/2} = √([m_a² − (m_τ+m_μ)²][m_a² − (m_τ−m_μ)²]); zero at and below threshold m_a ≤ m_τ + m_μ.

    From Σ|M|² = 2[c_s²(M² − (m1+m2)²) + c_p²(M² − (m1−m2)²)] and Γ = |p*| Σ|M|²/(8π M²).
    With c_s = g sin θ, c_p = g cos θ this is the unequal-mass form of [004] eq. (5), as reconstructed in
    docs/physics.md section 2 (the OCR of eq. 5 keeps only C² m_τ² m_a (1 − m_τ²/m_a²)², its m_μ → 0 limit).

    Parameters
    ----------
    m_a : float
        ALP mass in GeV (> 0).
    c_s, c_p : float
        Scalar and pseudoscalar couplings of the vertex (dimensionless).
    m_mu, m_tau : float, optional
        Lepton masses in GeV (default PDG, via ``particle``).

    References
    ----------
    Batell, Davoudiasl, Marcarelli, Neil, Trojanowski, *Lepton-Flavor-Violating ALP Signals with
    TeV-Scale Muon Beams*, arXiv:2407.15942, eqs. (3) and (5); docs/physics.md section 2 (check F1).

    >>> gamma_mutau_one_mode(1.0, 1.0, 1.0)
    0.0
    """
    _check_mass(m_a)
    m_mu = LEPTON_MASSES["mu"] if m_mu is None else m_mu
    m_tau = LEPTON_MASSES["tau"] if m_tau is None else m_tau
    lam = _two_body_lambda_sqrt(float(m_a), m_mu, m_tau)
    if lam == 0.0:
        return 0.0
    m2 = float(m_a) ** 2
    bracket = c_s * c_s * (m2 - (m_tau + m_mu) ** 2) + c_p * c_p * (m2 - (m_tau - m_mu) ** 2)
    return lam / (8.0 * math.pi * float(m_a) ** 3) * bracket


def gamma_mutau(m_a: float, g_mutau: float, theta: float) -> float:
    r"""Width Γ(a → μ⁻τ⁺) + Γ(a → μ⁺τ⁻) in GeV for L = −i g a μ̄[sin θ + cos θ γ5]τ + h.c.

    Both charge modes (twice :func:`gamma_mutau_one_mode` with c_s = g sin θ, c_p = g cos θ). For
    m_μ → 0 it is ``g² m_a/(4π) (1 − m_τ²/m_a²)²`` = C² m_τ² m_a/(4πΛ²)(1 − m_τ²/m_a²)² ([004] eq. 5;
    docs/physics.md section 2: the paper's 4π vs 8π cannot be read off the OCR, this is the sum of both modes).

    References
    ----------
    arXiv:2407.15942 eqs. (3), (5); docs/physics.md section 2.

    >>> gamma_mutau(1.0, 1e-3, 0.3)
    0.0
    """
    _check_coupling("g_mutau", g_mutau)
    return 2.0 * gamma_mutau_one_mode(m_a, g_mutau * math.sin(theta), g_mutau * math.cos(theta))


def gamma_chichi(m_a: float, g_chi: float, m_chi: float) -> float:
    r"""Width Γ(a → χχ̄) in GeV for L = −i g_χ a χ̄ γ5 χ (Dirac χ).

    ``Γ = g_χ² m_a/(8π) √(1 − 4m_χ²/m_a²)`` = C_χ² m_χ² m_a/(2π Λ_χ²) √(1 − 4m_χ²/m_a²) with
    g_χ = 2 C_χ m_χ/Λ_χ; zero at and below threshold m_a ≤ 2 m_χ.

    References
    ----------
    arXiv:2407.15942 eqs. (4) and (7); docs/physics.md section 2 (check F2).

    >>> gamma_chichi(1.0, 1.0, 0.5)
    0.0
    """
    _check_mass(m_a)
    _check_coupling("g_chi", g_chi)
    if not (math.isfinite(m_chi) and m_chi >= 0.0):
        raise ValueError(f"m_chi = {m_chi} GeV but require 0 <= m_chi < inf")
    ratio = 2.0 * m_chi / float(m_a)
    if ratio >= 1.0:
        return 0.0
    return g_chi * g_chi * float(m_a) / (8.0 * math.pi) * math.sqrt((1.0 - ratio) * (1.0 + ratio))
