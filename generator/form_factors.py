r"""Combined atomic + nuclear electric form factors G2(t) = Z^2 F^2 (elastic) + inelastic, t = -q^2 > 0.

Three variants, selected by an integer code so that numba kernels can take it as an argument:

``FF_TSAI`` (0) — Chen–Pospelov–Zhong App. A eqs. (A1)–(A2) = Rella–Döbrich–Yu eqs. (17)–(18)
(Kim–Tsai; Tsai 1974; Bjorken–Essig–Schuster–Toro), *as printed* (inelastic bracket squared)::

    G2_el = (a^2 t / (1 + a^2 t))^2 (1 / (1 + t/d))^2 Z^2
    G2_in = (a'^2 t / (1 + a'^2 t))^2 ((1 + t (mu_p^2 - 1)/(4 m_p^2)) / (1 + t/0.71)^4)^2 Z
    a = 111 Z^(-1/3)/m_e,  a' = 773 Z^(-2/3)/m_e,  d = 0.164 GeV^2 A^(-2/3),  mu_p = 2.79

``FF_TSAI_UNSQUARED`` (1) — the same with the physical quasi-elastic proton term, not squared
(docs/physics.md section 6, flag 1): (1 + t(mu_p^2-1)/4m_p^2) / (1 + t/0.71)^4.

``FF_LFV`` (2) — *TeV muons probing lepton-flavour-violating ALPs* eqs. (16)–(20), as reconstructed in
docs/physics.md section 6: Klein–Nystrand nuclear elastic form factor, dipole nucleons for the incoherent
part, a' = 571.4 Z^(-2/3)/m_e, and G2 = 0 for t > 1 GeV^2. ``FF_LFV_COHERENT`` (3) and ``FF_LFV_INCOHERENT`` (4)
are its two terms alone (eq. 16: coherent Z^2 G_el^atom G_el^nuc; incoherent, "diffractive", G_inel^atom
G_inel^nuc), for [004] Fig. 3.

All functions are pure numba kernels; t in GeV^2, A the mass number.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from . import _jit  # noqa: F401  (numba without awkward's and vector's extensions)
from .constants import M_E, M_P

FF_TSAI = 0
FF_TSAI_UNSQUARED = 1
FF_LFV = 2
FF_LFV_COHERENT = 3
FF_LFV_INCOHERENT = 4
FORM_FACTORS: dict[str, int] = {"tsai": FF_TSAI, "tsai_unsquared": FF_TSAI_UNSQUARED, "lfv": FF_LFV,
                                "lfv_coherent": FF_LFV_COHERENT, "lfv_incoherent": FF_LFV_INCOHERENT}

_MU_P = 2.79  # proton magnetic moment (000 App. A)
_MU_N = 1.91  # |neutron magnetic moment| (LFV-ALP paper eq. 19)
_T0_DIPOLE = 0.71  # GeV^2, nucleon dipole scale
_FM_INV_GEV = 1.0 / 0.1973269804  # 1 fm = 5.068 GeV^-1


@numba.njit(cache=True)
def screening(t: float, a2: float) -> float:
    """Atomic screening factor (a^2 t / (1 + a^2 t))^2 for a screening radius a (GeV^-1), a2 = a^2."""
    a2t = a2 * t
    return (a2t / (1.0 + a2t)) ** 2


@numba.njit(cache=True)
def g2_scales(z: float, a: float, kind: int) -> tuple[float, float, float, float]:
    """The t-independent scales of G2 for (Z, A): (a_el^2, a_in^2 [GeV^-2], d [GeV^2], R_A [GeV^-1]).

    a_el = 111 Z^-1/3/m_e, a_in = 773 Z^-2/3/m_e (000 eqs. A1-A2) or 571.4 Z^-2/3/m_e (LFV-ALP paper
    eq. 18), d = 0.164 A^-2/3 GeV^2, R_A = 1.2 A^1/3 fm. Hoisted out of the integrand's inner loop.
    """
    a_el = 111.0 * z ** (-1.0 / 3.0) / M_E
    a_in = (571.4 if kind >= FF_LFV else 773.0) * z ** (-2.0 / 3.0) / M_E
    return a_el * a_el, a_in * a_in, 0.164 * a ** (-2.0 / 3.0), 1.2 * a ** (1.0 / 3.0) * _FM_INV_GEV


@numba.njit(cache=True)
def g2_tsai(t: float, z: float, a_el2: float, a_in2: float, d: float, squared_inelastic: bool) -> float:
    """G2(t) of Chen–Pospelov–Zhong App. A eqs. (A1)–(A2); see module docstring."""
    el = screening(t, a_el2) * (1.0 / (1.0 + t / d)) ** 2 * z * z
    proton = (1.0 + t * (_MU_P * _MU_P - 1.0) / (4.0 * M_P * M_P)) / (1.0 + t / _T0_DIPOLE) ** 4
    if squared_inelastic:
        proton = proton * proton
    return el + screening(t, a_in2) * proton * z


@numba.njit(cache=True)
def nuclear_elastic_klein_nystrand(t: float, r_a: float) -> float:
    """Klein–Nystrand (hard sphere x Yukawa) nuclear form factor squared (LFV-ALP paper eq. 20).

    F = 3 (sin(qR) - qR cos(qR)) / (qR)^3 / (1 + a0^2 q^2), R = r_a = 1.2 A^(1/3) fm, a0 = 0.79 fm.
    """
    a0 = 0.79 * _FM_INV_GEV
    x = math.sqrt(t) * r_a
    if x < 1e-3:
        sphere = 1.0 - x * x / 10.0
    else:
        sphere = 3.0 * (math.sin(x) - x * math.cos(x)) / (x * x * x)
    f = sphere / (1.0 + a0 * a0 * t)
    return f * f


@numba.njit(cache=True)
def nuclear_inelastic_dipole(t: float, z: float, a: float) -> float:
    """Incoherent nucleon sum with dipole form factors (LFV-ALP paper eq. 19, reconstructed).

    G_D^2 [Z (1 + tau mu_p^2) + (A - Z) tau mu_n^2] / (1 + tau), G_D = (1 + t/0.71)^-2, tau = t/4m_p^2.
    """
    gd = 1.0 / (1.0 + t / _T0_DIPOLE) ** 2
    tau = t / (4.0 * M_P * M_P)
    return gd * gd * (z * (1.0 + tau * _MU_P * _MU_P) + (a - z) * tau * _MU_N * _MU_N) / (1.0 + tau)


@numba.njit(cache=True)
def g2_lfv(t: float, z: float, a: float, a_el2: float, a_in2: float, r_a: float, parts: int = 3) -> float:
    """G2(t) of the LFV-ALP paper eqs. (16)–(20) (reconstructed, docs/physics.md section 6); 0 above 1 GeV^2.

    ``parts``: 1 = coherent term only, 2 = incoherent ("diffractive") term only, 3 = both (eq. 16).
    """
    if t > 1.0:
        return 0.0
    out = 0.0
    if parts & 1:
        out += z * z * screening(t, a_el2) * nuclear_elastic_klein_nystrand(t, r_a)
    if parts & 2:
        out += screening(t, a_in2) * nuclear_inelastic_dipole(t, z, a)
    return out


@numba.njit(cache=True)
def g2_scaled(t: float, z: float, a: float, kind: int, scales: tuple[float, float, float, float]) -> float:
    """G2(t) with the scales of :func:`g2_scales` precomputed (the integrand's fast path)."""
    if t <= 0.0:
        return 0.0
    a_el2, a_in2, d, r_a = scales
    if kind == FF_LFV:
        return g2_lfv(t, z, a, a_el2, a_in2, r_a, 3)
    if kind == FF_LFV_COHERENT:
        return g2_lfv(t, z, a, a_el2, a_in2, r_a, 1)
    if kind == FF_LFV_INCOHERENT:
        return g2_lfv(t, z, a, a_el2, a_in2, r_a, 2)
    return g2_tsai(t, z, a_el2, a_in2, d, kind == FF_TSAI)


@numba.njit(cache=True)
def g2(t: float, z: float, a: float, kind: int) -> float:
    """G2(t) (t = -q^2 in GeV^2) for form-factor code ``FF_TSAI``, ``FF_TSAI_UNSQUARED`` or ``FF_LFV``."""
    return g2_scaled(t, z, a, kind, g2_scales(z, a, kind))


@numba.njit(cache=True)
def g2_array(t: np.ndarray, z: float, a: float, kind: int) -> np.ndarray:
    """Vectorised :func:`g2` over an array of t (GeV^2)."""
    scales = g2_scales(z, a, kind)
    out = np.empty(t.shape[0])
    for i in range(t.shape[0]):
        out[i] = g2_scaled(t[i], z, a, kind, scales)
    return out


def form_factor_code(name: str) -> int:
    """Map a form-factor name (``tsai``, ``tsai_unsquared``, ``lfv``, ``lfv_coherent``, ``lfv_incoherent``)
    to its kernel code."""
    try:
        return FORM_FACTORS[name]
    except KeyError:
        raise ValueError(f"form factor = {name!r} but require one of {sorted(FORM_FACTORS)}") from None
