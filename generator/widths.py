r"""Decay widths of the dark scalar S (CP-even, pseudoscalar or a CP mixture) and its decay length.

Formulas (Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, PRD 95 115005,
eqs. 4–6 and 9; identical to Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton
Beams*, eqs. 6–8 and 12), for the CP-even scalar L ⊃ −g_ℓ S ℓ̄ℓ::

    Γ(S→ℓ⁺ℓ⁻) = m_S g_ℓ² / (8π) · (1 − 4 m_ℓ²/m_S²)^{3/2}
    Γ(S→γγ)   = α² m_S³ / (64 π³) · | Σ_ℓ g_ℓ/m_ℓ · A(τ_ℓ) |²,   τ_ℓ = 4 m_ℓ²/m_S²
    A(τ)      = τ [1 + (1 − τ) f(τ)]
    f(τ)      = arcsin²(τ^{-1/2})                                   τ > 1
              = −¼ [ln((1 + √(1−τ)) / (1 − √(1−τ))) − iπ]²        τ ≤ 1
    L         = |p| / (m Γ) · ħc

CP mixture (``cp_angle`` φ, in rad, −π/2 ≤ φ ≤ π/2)::

    L ⊃ −g_ℓ S ℓ̄ (cos φ + i sin φ γ5) ℓ        φ = 0: CP-even (above); φ = ±π/2: pure pseudoscalar
    Γ(S→ℓ⁺ℓ⁻) = m_S g_ℓ² / (8π) · β (cos²φ β² + sin²φ),       β = √(1 − 4 m_ℓ²/m_S²)
    Γ(S→γγ)   = α² m_S³ / (64 π³) · ( |Σ_ℓ g_ℓ/m_ℓ cos φ A(τ_ℓ)|² + |Σ_ℓ g_ℓ/m_ℓ sin φ A_P(τ_ℓ)|² )
    A_P(τ)    = τ f(τ)

* ℓℓ: the CP-even part is a P-wave (β³), the CP-odd part an S-wave (β¹); they do not interfere in the
  spin-summed rate. Djouadi, Phys. Rept. 457 (2008) 1 (hep-ph/0503172; Born width of H → f f̄, ∝ β_f³)
  and Phys. Rept. 459 (2008) 1 (hep-ph/0503173; Γ(Φ → f f̄) ∝ β_f^p with p = 3 for CP-even, p = 1 for A).
* γγ: the CP-even amplitude ∝ F_{μν}F^{μν} and the CP-odd one ∝ F_{μν}F̃^{μν} do not interfere after the
  photon-polarisation sum. In Djouadi's convention (τ_D = m_S²/4m_ℓ² = 1/τ) the amplitudes are
  A^H_{1/2} = 2[τ_D + (τ_D − 1) f]/τ_D² = 2 A(τ) → 4/3 and A^A_{1/2} = 2 f/τ_D = 2 A_P(τ) → 2 for a heavy
  loop lepton (Phys. Rept. 457 for H → γγ; Phys. Rept. 459 for A → γγ, same prefactor for h and A); here
  both are halved, so A → 2/3 and A_P → 1. Cross-check (derived here, tested): the heavy-lepton
  low-energy theorems give L_eff = (α/6π)(g/m_ℓ) S F F (trace anomaly) and (α/4π)(g/m_ℓ) S F F̃ (ABJ
  anomaly), ratio 3/2 = A^A_{1/2}/A^H_{1/2} = A_P/A; with Γ = c² m³/(4π) for L = c S F F or c S F F̃, the
  first gives α² m_S³ g²/(144 π³ m_ℓ²), i.e. |A|² = 4/9 above. Spira, Fortsch. Phys. 46 (1998) 203
  (hep-ph/9705337) gives the same pair of fermion-loop amplitudes for the MSSM h, H and A.
* φ = 0 gives the CP-even numbers bit for bit (the CP-odd pieces enter as ``+ 0.0``).

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
    "CP_ANGLE_MAX",
    "CP_ANGLE_MIN",
    "a_loop",
    "a_loop_pseudoscalar",
    "cp_weights",
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

#: Range of the CP mixing angle φ in rad (``cp_angle``): −π/2 ≤ φ ≤ π/2, so cos φ ≥ 0 keeps the sign of
#: the CP-even Yukawa; φ and −φ are CP conjugates with identical rates, φ = ±π/2 is a pure pseudoscalar.
CP_ANGLE_MIN: float = -0.5 * math.pi
CP_ANGLE_MAX: float = 0.5 * math.pi


def _check_cp_angle(cp_angle: float) -> float:
    try:
        phi = float(cp_angle)
    except (TypeError, ValueError):
        raise ValueError(
            f"cp_angle = {cp_angle!r} but require a real number -pi/2 <= cp_angle <= pi/2 (rad)"
        ) from None
    if not (math.isfinite(phi) and CP_ANGLE_MIN <= phi <= CP_ANGLE_MAX):
        raise ValueError(f"cp_angle = {cp_angle} but require -pi/2 <= cp_angle <= pi/2 (rad)")
    return phi


def cp_weights(cp_angle: float) -> tuple[float, float]:
    """(cos²φ, sin²φ) of the CP angle φ in [−π/2, π/2] rad (the scalar's widths and Δa_μ), exactly (1, 0) at φ = 0 and (0, 1) at φ = ±π/2."""
    phi = _check_cp_angle(cp_angle)
    if phi == 0.0:
        return 1.0, 0.0
    if abs(phi) == CP_ANGLE_MAX:
        return 0.0, 1.0
    return math.cos(phi) ** 2, math.sin(phi) ** 2


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


def _a_loop_p_scalar(tau: float) -> complex:
    # τ f(τ) has no cancellation at large τ (f = arctan²(1/√(τ−1)) ≈ 1/τ), so no series is needed.
    return tau * _f_loop_scalar(tau)


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


def a_loop_pseudoscalar(tau: float | np.ndarray) -> complex | np.ndarray:
    r"""Fermion-loop amplitude A_P(τ) = τ f(τ) of the CP-odd (pseudoscalar) coupling to γγ (complex).

    Normalised like :func:`a_loop` (both are half of Djouadi's A_{1/2}): A_P = A^A_{1/2}/2 with
    A^A_{1/2} = 2 f(τ_D)/τ_D, τ_D = m_S²/4m_ℓ² = 1/τ. Limits: A_P → 1 for a heavy loop lepton (τ → ∞;
    series ``1 + 1/(3τ) + 8/(45τ²) + …`` from arcsin²), A_P(1) = π²/4, Im A_P ≠ 0 only for τ < 1,
    A_P → 0 as τ ln²τ for τ → 0.

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
    Djouadi, *The anatomy of electroweak symmetry breaking II*, Phys. Rept. 459 (2008) 1, hep-ph/0503173
    (A^A_{1/2} of A → γγ); Spira, Fortsch. Phys. 46 (1998) 203, hep-ph/9705337.

    >>> round(abs(a_loop_pseudoscalar(1e12)), 6)
    1.0
    """
    if np.ndim(tau) == 0:
        return _a_loop_p_scalar(float(tau))
    return np.vectorize(_a_loop_p_scalar, otypes=[complex])(np.asarray(tau, dtype=float))


def _check_mass(m_s: float | np.ndarray) -> None:
    arr = np.asarray(m_s, dtype=float)
    if np.any(~(arr > 0.0)) or not np.all(np.isfinite(arr)):
        raise ValueError(f"m_S = {m_s} GeV but require 0 < m_S < inf")


def _check_coupling(name: str, g: float) -> None:
    if not (math.isfinite(g) and g >= 0.0):
        raise ValueError(f"{name} = {g} but require 0 <= {name} < inf")


def gamma_ll(m_s: float | np.ndarray, g_l: float, m_l: float, cp_angle: float = 0.0) -> float | np.ndarray:
    r"""Width Γ(S → ℓ⁺ℓ⁻) in GeV; zero at and below threshold m_S ≤ 2 m_ℓ.

    ``Γ = m_S g_ℓ² / (8π) · β (cos²φ β² + sin²φ)``, ``β = √(1 − 4 m_ℓ²/m_S²)``, for
    L ⊃ −g_ℓ S ℓ̄ (cos φ + i sin φ γ5) ℓ. φ = 0 (default) is the CP-even ``m_S g_ℓ²/(8π) β³`` of the papers
    below, bit for bit; φ = ±π/2 is the pseudoscalar ``m_S g_ℓ²/(8π) β``.

    Parameters
    ----------
    m_s : float or array
        Scalar mass in GeV (> 0).
    g_l : float
        Yukawa coupling to lepton ℓ (dimensionless, ≥ 0).
    m_l : float
        Lepton mass in GeV.
    cp_angle : float
        CP mixing angle φ in rad, −π/2 ≤ φ ≤ π/2 (default 0: CP-even).

    Returns
    -------
    float or array
        Partial width in GeV.

    Raises
    ------
    ValueError
        For m_S ≤ 0, g_ℓ < 0 or φ outside [−π/2, π/2].

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eq. (4);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (6);
    Djouadi, Phys. Rept. 459 (2008) 1, hep-ph/0503173 (Γ(Φ → f f̄) ∝ β^p, p = 3 CP-even, p = 1 CP-odd).

    >>> gamma_ll(0.1, 0.0, 0.000511)
    0.0
    """
    _check_mass(m_s)
    _check_coupling("g_l", g_l)
    c2, s2 = cp_weights(cp_angle)
    m = np.asarray(m_s, dtype=float)
    beta2 = np.clip(1.0 - 4.0 * m_l * m_l / (m * m), 0.0, None)
    # P-wave (CP-even, β³) + S-wave (CP-odd, β); the φ = 0 branch is the CP-even expression unchanged.
    shape = beta2**1.5 if s2 == 0.0 else c2 * beta2**1.5 + s2 * np.sqrt(beta2)
    out = m * g_l * g_l / (8.0 * math.pi) * shape
    return float(out) if out.ndim == 0 else out


def _gamma_gg_scalar(
    m_s: float, g_e: float, g_mu: float, g_tau: float, c2: float = 1.0, s2: float = 0.0
) -> float:
    amp = 0j  # CP-even amplitude Σ g/m A
    amp_p = 0j  # CP-odd amplitude Σ g/m A_P
    for g, m_l in ((g_e, LEPTON_MASSES["e"]), (g_mu, LEPTON_MASSES["mu"]), (g_tau, LEPTON_MASSES["tau"])):
        if g != 0.0:
            tau = 4.0 * m_l * m_l / (m_s * m_s)
            if c2 != 0.0:
                amp += g / m_l * _a_loop_scalar(tau)
            if s2 != 0.0:
                amp_p += g / m_l * _a_loop_p_scalar(tau)
    # F F and F F~ do not interfere; the φ = 0 branch is the CP-even expression unchanged.
    amp2 = abs(amp) ** 2 if s2 == 0.0 else c2 * abs(amp) ** 2 + s2 * abs(amp_p) ** 2
    return ALPHA_EM**2 * m_s**3 / (64.0 * math.pi**3) * amp2


def gamma_gammagamma(
    m_s: float | np.ndarray, g_e: float, g_mu: float, g_tau: float, cp_angle: float = 0.0
) -> float | np.ndarray:
    r"""Width Γ(S → γγ) in GeV through the e, μ, τ loops (coherent complex sums).

    ``Γ = α² m_S³/(64π³) (cos²φ |Σ_ℓ g_ℓ/m_ℓ A(τ_ℓ)|² + sin²φ |Σ_ℓ g_ℓ/m_ℓ A_P(τ_ℓ)|²)``,
    ``τ_ℓ = 4 m_ℓ²/m_S²``, for L ⊃ −g_ℓ S ℓ̄ (cos φ + i sin φ γ5) ℓ; A = :func:`a_loop` (→ 2/3) and
    A_P = :func:`a_loop_pseudoscalar` (→ 1) for a heavy loop lepton. φ = 0 (default) is the CP-even
    width of the papers below, bit for bit.

    Parameters
    ----------
    m_s : float or array
        Scalar mass in GeV (> 0).
    g_e, g_mu, g_tau : float
        Yukawa couplings (dimensionless, ≥ 0).
    cp_angle : float
        CP mixing angle φ in rad, −π/2 ≤ φ ≤ π/2 (default 0: CP-even).

    Returns
    -------
    float or array
        Partial width in GeV.

    Raises
    ------
    ValueError
        For m_S ≤ 0, a negative coupling or φ outside [−π/2, π/2].

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eqs. (5), (8);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eqs. (7), (9);
    Djouadi, Phys. Rept. 457 (2008) 1 (H → γγ) and 459 (2008) 1 (A → γγ), hep-ph/0503172, hep-ph/0503173.

    >>> gamma_gammagamma(0.1, 0.0, 0.0, 0.0)
    0.0
    """
    _check_mass(m_s)
    for name, g in (("g_e", g_e), ("g_mu", g_mu), ("g_tau", g_tau)):
        _check_coupling(name, g)
    c2, s2 = cp_weights(cp_angle)
    if np.ndim(m_s) == 0:
        return _gamma_gg_scalar(float(m_s), g_e, g_mu, g_tau, c2, s2)
    return np.vectorize(_gamma_gg_scalar, otypes=[float])(
        np.asarray(m_s, dtype=float), g_e, g_mu, g_tau, c2, s2
    )


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
