r"""Improved Weizsäcker–Williams (IWW) approximation for μ N → μ N S (fast / legacy mode).

Differential cross section in the scalar energy fraction x = E_S/E_μ (lab)::

    dσ/dx = g_μ² α²/(12π) · χ · β_μ β_S · x³ [m_μ²(3x² − 4x + 4) + 2 m_S²(1 − x)]
                                           / [m_S²(1 − x) + m_μ² x²]²
    β_μ = √(1 − m_μ²/E_μ²),   β_S = √(1 − m_S²/(x E_μ)²),   m_S/E_μ ≤ x ≤ x_max

with the effective photon flux (x independent)::

    χ = ∫_{t_min}^{t_max} dt (t − t_min)/t² G₂(t),   t_min = m_S⁴/(4E_μ²),   t_max = m_S² + m_μ²

End point of the x integral (keyword ``x_max`` of :func:`x_range`, :func:`dsigma_dx_iww`,
:func:`dsigma_dx_iww_spectrum` and :func:`sigma_iww`):

* ``"paper"`` (default): x_max = 1, as Chen–Pospelov–Zhong eqs. (14), (15), (17) and (19) integrate
  ∫_{x_min}^1 dx dσ/dx. This module exists to reproduce the published IWW numbers, so it uses their
  limit. dσ/dx stays finite at x = 1 (β_S = √(1 − m_S²/E_μ²) > 0 and the denominator → m_μ⁴).
* ``"kinematic"``: x_max = 1 − m_μ/E_μ, the end point of the exact 2→3 (the outgoing muon keeps at least
  its mass). The strip 1 − m_μ/E_μ < x ≤ 1 is unphysical but carries a sizeable part of the IWW σ
  where m_S is not ≪ E_μ: the paper end point gives a σ larger by 0.03 % (160 GeV, 10 MeV), 2.6 %
  (160 GeV, 1 GeV) and 117 % (3 GeV, 1 GeV) on Pb.

G₂ (``generator.form_factors``) already contains Z² (elastic) and Z (inelastic). χ is integrated in
ln t, where the integrand (1 − t_min/t) G₂(t) is a plateau ≈ Z² between the atomic-screening scale
1/a² and the nuclear scale d; those scales are passed to adaptive Gauss–Kronrod quadrature as break
points. σ is the integral of dσ/dx in ln x with a break point at x = m_S/m_μ, where the spectrum turns
over from x³ to 1/x.

Caveat (docs/physics.md section 4, section 12 item 4): for muon beams IWW overestimates the exact 2→3
cross section (≈20 % at 10 MeV, up to ≈2× at a few hundred MeV on Pb at 160 GeV). The generator's
default is the exact 2→3; use this module to reproduce the published papers or for quick estimates.

Units: energies and masses in GeV, t in GeV², cross sections in pb (GeV⁻² → pb via
``constants.GEV2_TO_PB``); the normalisation is that of the papers below, σ ∝ g_μ².

References: Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, PRD 95 115005,
eqs. (12)–(13) and App. A; Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*,
eqs. (15), (16), (19); Kim & Tsai, PRD 8 (1973) 3109; Liu, Miller, PRD 96 (2017) 016004 (massive IWW).
"""

from __future__ import annotations

import math

import numpy as np

from ..constants import ALPHA_EM, GEV2_TO_PB, M_E, M_MU
from ..form_factors import FF_LFV, FF_LFV_COHERENT, FF_LFV_INCOHERENT, FF_TSAI, FF_TSAI_UNSQUARED, g2
from ..results import CrossSection

__all__ = [
    "X_MAX_CHOICES",
    "dsigma_dx_iww",
    "dsigma_dx_iww_spectrum",
    "photon_flux_chi",
    "sigma_iww",
    "x_range",
]

_FF_KINDS = (FF_TSAI, FF_TSAI_UNSQUARED, FF_LFV, FF_LFV_COHERENT, FF_LFV_INCOHERENT)


def _check_kinematics(energy: float, m_s: float) -> None:
    if not (math.isfinite(m_s) and m_s > 0.0):
        raise ValueError(f"m_S = {m_s} GeV but require 0 < m_S < E_mu - m_mu")
    if not (math.isfinite(energy) and energy > m_s + M_MU):
        raise ValueError(
            f"E_mu = {energy} GeV but require E_mu > m_S + m_mu = {m_s + M_MU:.6g} GeV (and finite)"
        )


def _check_target(z: float, a: float, ff_kind: int) -> None:
    if not (math.isfinite(z) and z >= 1.0):
        raise ValueError(f"Z = {z} but require Z >= 1")
    if not (math.isfinite(a) and a >= z):
        raise ValueError(f"A = {a} but require A >= Z = {z}")
    if ff_kind not in _FF_KINDS:
        raise ValueError(f"ff_kind = {ff_kind} but require one of {list(_FF_KINDS)}")


def _check_coupling(g_mu: float) -> None:
    if not (math.isfinite(g_mu) and g_mu >= 0.0):
        raise ValueError(f"g_mu = {g_mu} but require 0 <= g_mu < inf")


#: Allowed values of the ``x_max`` end-point choice (see the module docstring).
X_MAX_CHOICES = ("paper", "kinematic")


def _check_x_max(x_max: str) -> None:
    if not (isinstance(x_max, str) and x_max in X_MAX_CHOICES):
        raise ValueError(f"x_max = {x_max!r} but require one of {list(X_MAX_CHOICES)}")


def _x_hi(energy: float, x_max: str) -> float:
    return 1.0 if x_max == "paper" else 1.0 - M_MU / energy


def x_range(energy: float, m_s: float, x_max: str = "paper") -> tuple[float, float]:
    """Range of x = E_S/E_μ in IWW: (m_S/E_μ, 1) by default, (m_S/E_μ, 1 − m_μ/E_μ) for ``"kinematic"``.

    ``x_max = "paper"`` is the end point x = 1 of Chen–Pospelov–Zhong eqs. (14)–(15); ``"kinematic"``
    is the end point of the exact 2→3 (module docstring). Energies in GeV.

    >>> x_range(100.0, 1.0)
    (0.01, 1.0)
    """
    _check_kinematics(energy, m_s)
    _check_x_max(x_max)
    return m_s / energy, _x_hi(energy, x_max)


def photon_flux_chi(
    energy: float,
    m_s: float,
    z: float,
    a: float,
    ff_kind: int = FF_TSAI,
    t_min: float | None = None,
    t_max: float | None = None,
) -> float:
    r"""Effective photon flux χ = ∫ dt (t − t_min)/t² G₂(t) (dimensionless).

    Defaults ``t_min = m_S⁴/(4E²)`` and ``t_max = m_S² + m_μ²`` (GeV²). Integrated in ln t by adaptive
    Gauss–Kronrod quadrature with break points at the screening and nuclear scales (relative accuracy
    ≲ 1e-8).

    Parameters
    ----------
    energy : float
        Muon lab energy E_μ in GeV.
    m_s : float
        Scalar mass in GeV.
    z, a : float
        Target atomic number and mass number (A in g/mol is fine; it enters only via d ∝ A^(-2/3)).
    ff_kind : int
        Form-factor code of ``generator.form_factors`` (``FF_TSAI`` as printed in the papers by default).
    t_min, t_max : float, optional
        Override the integration limits (GeV², 0 < t_min < t_max).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For unphysical masses, energies, targets or limits.

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eq. (13);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (19).

    >>> 9.0e4 < photon_flux_chi(160.0, 0.01, 82, 207.2) < 1.05e5
    True
    """
    _check_kinematics(energy, m_s)
    _check_target(z, a, ff_kind)
    lo = m_s**4 / (4.0 * energy * energy) if t_min is None else float(t_min)
    hi = m_s * m_s + M_MU * M_MU if t_max is None else float(t_max)
    if not (math.isfinite(lo) and lo > 0.0):
        raise ValueError(f"t_min = {lo} GeV^2 but require 0 < t_min < t_max = {hi} GeV^2")
    if not (math.isfinite(hi) and hi > lo):
        raise ValueError(f"t_max = {hi} GeV^2 but require t_min = {lo} GeV^2 < t_max < inf")
    z_f, a_f, kind = float(z), float(a), int(ff_kind)

    def integrand(log_t: float) -> float:
        t = math.exp(log_t)
        return -math.expm1(math.log(lo) - log_t) * g2(t, z_f, a_f, kind)

    # Scales where the integrand in ln t changes: screening (1/a², 1/a'²), nuclear d, nucleon 0.71 GeV².
    scales = [
        (M_E * z_f ** (1.0 / 3.0) / 111.0) ** 2,
        (M_E * z_f ** (2.0 / 3.0) / 773.0) ** 2,
        (M_E * z_f ** (2.0 / 3.0) / 571.4) ** 2,
        0.164 * a_f ** (-2.0 / 3.0),
        0.71,
        1.0,
    ]
    llo, lhi = math.log(lo), math.log(hi)
    pts = sorted(
        {math.log(s) for s in scales if lo < s < hi}
        | {math.log(s) + d for s in scales for d in (-2.0, 2.0) if lo < s * math.exp(d) < hi}
    )
    from scipy import integrate  # here, not at import: 0.4 s of every command (issue 19)
    val, _err = integrate.quad(integrand, llo, lhi, points=pts or None, limit=400, epsabs=0.0, epsrel=1e-9)
    return float(val)


def _dsigma_dx_gev(
    x: np.ndarray, energy: float, m_s: float, g_mu: float, chi: float, x_hi: float = 1.0
) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    x_lo = m_s / energy
    inside = (x >= x_lo) & (x <= x_hi)
    xs = np.where(inside, x, 0.5 * (x_lo + x_hi))
    beta_mu = math.sqrt((1.0 - M_MU / energy) * (1.0 + M_MU / energy))
    ratio = m_s / (xs * energy)
    beta_s = np.sqrt(np.clip((1.0 - ratio) * (1.0 + ratio), 0.0, None))
    mm2, ms2 = M_MU * M_MU, m_s * m_s
    num = xs**3 * (mm2 * (3.0 * xs * xs - 4.0 * xs + 4.0) + 2.0 * ms2 * (1.0 - xs))
    den = (ms2 * (1.0 - xs) + mm2 * xs * xs) ** 2
    pref = g_mu * g_mu * ALPHA_EM**2 / (12.0 * math.pi) * chi * beta_mu
    return np.where(inside, pref * beta_s * num / den, 0.0)


def dsigma_dx_iww(
    x: float | np.ndarray, energy: float, m_s: float, g_mu: float, chi: float, x_max: str = "paper"
) -> float | np.ndarray:
    r"""IWW dσ/dx for μN → μNS in pb, zero outside m_S/E_μ ≤ x ≤ x_max (1 by default).

    ``dσ/dx = g² α²/(12π) χ β_μ β_S x³[m_μ²(3x² − 4x + 4) + 2m_S²(1−x)] / [m_S²(1−x) + m_μ²x²]²``.

    Parameters
    ----------
    x : float or array
        Scalar energy fraction E_S/E_μ.
    energy : float
        Muon lab energy E_μ in GeV.
    m_s : float
        Scalar mass in GeV.
    g_mu : float
        Scalar–muon coupling (dimensionless, ≥ 0).
    chi : float
        Effective photon flux from :func:`photon_flux_chi` (≥ 0).
    x_max : {"paper", "kinematic"}
        End point: x ≤ 1 (default, Chen–Pospelov–Zhong eqs. 14–15) or x ≤ 1 − m_μ/E_μ (module docstring).

    Returns
    -------
    float or array
        dσ/dx in pb.

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eq. (12);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eq. (15).

    >>> dsigma_dx_iww(1.5, 160.0, 0.1, 1e-3, 1e5)
    0.0
    """
    _check_kinematics(energy, m_s)
    _check_coupling(g_mu)
    _check_x_max(x_max)
    if not (math.isfinite(chi) and chi >= 0.0):
        raise ValueError(f"chi = {chi} but require 0 <= chi < inf")
    x_hi = _x_hi(energy, x_max)
    out = _dsigma_dx_gev(np.asarray(x, dtype=float), energy, m_s, g_mu, chi, x_hi) * GEV2_TO_PB
    return float(out) if out.ndim == 0 else out


def dsigma_dx_iww_spectrum(
    x: np.ndarray,
    energy: float,
    m_s: float,
    g_mu: float,
    z: float,
    a: float,
    ff_kind: int = FF_TSAI,
    x_max: str = "paper",
) -> np.ndarray:
    """IWW dσ/dx in pb on an array of x, computing χ for the target (Z, A) first.

    Convenience wrapper of :func:`photon_flux_chi` and :func:`dsigma_dx_iww`; energies in GeV; zero
    outside m_S/E_μ ≤ x ≤ x_max (``"paper"``: 1, default; ``"kinematic"``: 1 − m_μ/E_μ).

    References: Chen, Pospelov, Zhong eqs. (12)–(13); Rella, Döbrich, Yu eqs. (15), (19).
    """
    _check_x_max(x_max)
    chi = photon_flux_chi(energy, m_s, z, a, ff_kind)
    return np.asarray(dsigma_dx_iww(np.asarray(x, dtype=float), energy, m_s, g_mu, chi, x_max), dtype=float)


def sigma_iww(
    energy: float,
    m_s: float,
    g_mu: float,
    z: float,
    a: float,
    ff_kind: int = FF_TSAI,
    x_min: float | None = None,
    x_max: str | float | None = "paper",
) -> CrossSection:
    r"""Total IWW cross section σ = ∫ dx dσ/dx in pb, with its quadrature error.

    The x integral runs in ln x over [max(x_min, m_S/E_μ), x_hi] with x_hi = 1 by default, as in
    Chen–Pospelov–Zhong eqs. (14)–(15) (``x_max="paper"``), or the kinematic end point 1 − m_μ/E_μ of the
    exact 2→3 (``x_max="kinematic"``; module docstring); a cut range that is empty gives σ = 0. The error
    adds the x-quadrature error and the χ-quadrature error linearly.

    Parameters
    ----------
    energy : float
        Muon lab energy E_μ in GeV (> m_S + m_μ).
    m_s : float
        Scalar mass in GeV (> 0).
    g_mu : float
        Scalar–muon coupling (dimensionless, ≥ 0); σ ∝ g_μ².
    z, a : float
        Target atomic and mass number.
    ff_kind : int
        Form-factor code (``generator.form_factors``).
    x_min : float, optional
        Cut x ≥ x_min on x = E_S/E_μ (e.g. x_min = 1/3 for the NA64 missing-energy cut).
    x_max : {"paper", "kinematic"} or float
        Upper end of the x integral: ``"paper"`` (default) x ≤ 1; ``"kinematic"`` x ≤ 1 − m_μ/E_μ; a
        number is a cut x ≤ min(x_max, 1) (with the paper end point; ``None`` means ``"paper"``).

    Returns
    -------
    CrossSection
        ``sigma_pb``, ``error_pb``, ``method="iww"``, ``n_eval``.

    References
    ----------
    Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, eqs. (12)–(13);
    Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eqs. (15), (19).

    >>> sigma_iww(160.0, 0.1, 0.0, 82, 207.2).sigma_pb
    0.0
    """
    _check_kinematics(energy, m_s)
    _check_coupling(g_mu)
    _check_target(z, a, ff_kind)
    x_lo, x_hi = _x_limits(energy, m_s, x_min, x_max)
    if x_hi <= x_lo or g_mu == 0.0:
        return CrossSection(0.0, 0.0, "iww", 0)
    chi = photon_flux_chi(energy, m_s, z, a, ff_kind)
    val, err, n_eval = _integral_ln_x(energy, m_s, x_lo, x_hi)  # at g = 1, χ = 1 (couplings factor out)
    scale = g_mu * g_mu * chi * GEV2_TO_PB
    chi_rel_err = 1e-9
    sigma = val * scale
    return CrossSection(sigma, abs(err) * scale + chi_rel_err * abs(sigma), "iww", n_eval)


def _x_limits(energy: float, m_s: float, x_min: float | None, x_max: str | float | None) -> tuple[float, float]:
    """The x range of :func:`sigma_iww`: the end point ``x_max`` (a choice or a cut below 1) and the cut
    ``x_min``, checked."""
    if x_max is None:
        x_max = "paper"
    if isinstance(x_max, str):
        x_lo, x_hi = x_range(energy, m_s, x_max)
    else:
        if not math.isfinite(x_max):
            raise ValueError(f"x_max = {x_max} but require a finite number or one of {list(X_MAX_CHOICES)}")
        x_lo, x_hi = x_range(energy, m_s, "paper")
        x_hi = min(x_hi, float(x_max))
    if x_min is not None:
        if not math.isfinite(x_min):
            raise ValueError(f"x_min = {x_min} but require a finite number")
        x_lo = max(x_lo, float(x_min))
    return x_lo, x_hi


def _integral_ln_x(energy: float, m_s: float, x_lo: float, x_hi: float) -> tuple[float, float, int]:
    """∫ dx dσ/dx (GeV⁻²) at g = 1, χ = 1 over [x_lo, x_hi], in ln x with break points around the
    turn-over x = m_S/m_μ: (value, quadrature error, evaluations)."""

    def integrand(log_x: float) -> float:
        x = math.exp(log_x)
        return x * float(_dsigma_dx_gev(np.asarray(x), energy, m_s, 1.0, 1.0, x_hi))

    l_lo, l_hi = math.log(x_lo), math.log(x_hi)
    turn = math.log(m_s / M_MU)
    pts = [p for p in (turn - 1.0, turn, turn + 1.0) if l_lo < p < l_hi]
    from scipy import integrate  # here, not at import: 0.4 s of every command (issue 19)
    val, err, info = integrate.quad(
        integrand, l_lo, l_hi, points=pts or None, limit=200, epsabs=0.0, epsrel=1e-9, full_output=1
    )[:3]
    return val, err, int(info["neval"])
