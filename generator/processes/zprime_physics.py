r"""Physics of the vector Z' of L_mu - L_tau: widths, branching ratios, decay length, Delta a_mu, mixing.

Models (docs/physics.md section 13)::

    lmu_ltau           L ⊃ g Z'_a (mu-bar g^a mu + tau-bar g^a tau + nu_mu-bar g^a P_L nu_mu + nu_tau-bar g^a P_L nu_tau)
    lmu_ltau_dm        the same + g_chi Z'_a chi-bar g^a chi   (Dirac dark matter, alpha_D = g_chi^2 / 4 pi)
    muonphilic_vector  L ⊃ g V_a mu-bar g^a mu                  (muons only; Rella–Döbrich–Yu eq. 2)

Tree-level widths (standard; docs/physics.md section 13), r = m_f^2 / m_Z'^2::

    Gamma(Z' -> l+ l-)      = g^2 m_Z' / (12 pi) (1 + 2 r_l) sqrt(1 - 4 r_l)          (0 for m_Z' <= 2 m_l)
    Gamma(Z' -> nu nu-bar)  = g^2 m_Z' / (24 pi)      per flavour (left-handed neutrinos: one helicity)
    Gamma(Z' -> chi chi-bar) = g_chi^2 m_Z' / (12 pi) (1 + 2 r_chi) sqrt(1 - 4 r_chi)

Channel keys of :meth:`ZPrimeModel.partial_widths`, in this order: ``mumu``, ``tautau``, ``nunu_mu``,
``nunu_tau`` (``lmu_ltau`` and ``lmu_ltau_dm``) and ``chichi`` (``lmu_ltau_dm`` only); ``muonphilic_vector``
has ``mumu`` only, so below 2 m_mu it has no tree-level decay at all (total width 0, infinite decay length:
a stable, invisible V for the missing-energy signature). Closed channels keep their key with width 0.
Below 2 m_mu the ``lmu_ltau`` Z' decays only to neutrinos (invisible).

Dark-fermion benchmark: ``m_chi = None`` means m_chi = m_Z'/3, i.e. the usual m_Z' = 3 m_chi of the
light-dark-matter literature (so chi chi-bar is open); ``g_chi = 1`` by default, alpha_D = g_chi^2/(4 pi)
= 0.080, inside the range alpha_em < alpha_D < alpha_S that the NA64mu proposal assumes.

Delta a_mu: the one-loop vector contribution of the muon coupling
(:func:`generator.g_minus_2.delta_a_mu_vector`, positive, -> g^2/(8 pi^2) for m_Z' << m_mu); tau and
neutrino couplings do not enter at one loop.

Units: masses, energies and widths in GeV; lengths in m; couplings dimensionless.

References: docs/physics.md section 13; Gninenko (NA64), *Proposal to search for dark sector particles
weakly coupled to the muon with NA64mu* (talk); Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors
with Proton Beams*, eqs. (2), (4); He, Joshi, Lew, Volkas, PRD 43 (1991) R22 and Foot, Mod. Phys. Lett. A 6
(1991) 527 (gauged L_mu - L_tau); Kirpichnikov et al., PRD 104 (2021) 076012, arXiv:2107.13297.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import constants, g_minus_2
from ..constants import ALPHA_EM, M_MU, M_TAU
from ..decays import DecayChannel
from .models import DecayingBoson, check_coupling

__all__ = [
    "PDG_NU_MU",
    "PDG_NU_TAU",
    "PDG_ZPRIME",
    "ZPRIME_CHANNELS",
    "ZPRIME_MODEL_NAMES",
    "ZPrimeModel",
    "epsilon_kinetic_mixing",
    "epsilon_kinetic_mixing_na64mu_proposal",
    "gamma_ff_vector",
    "gamma_nunu_vector",
    "zprime_channels",
]

#: Model names: L_mu - L_tau, L_mu - L_tau with Dirac dark matter, and the muon-only vector.
ZPRIME_MODEL_NAMES: tuple[str, ...] = ("lmu_ltau", "lmu_ltau_dm", "muonphilic_vector")
#: All channel keys, in the order of :func:`zprime_channels`.
ZPRIME_CHANNELS: tuple[str, ...] = ("mumu", "tautau", "nunu_mu", "nunu_tau", "chichi")
#: PDG Monte Carlo ids of nu_mu and nu_tau (PDG numbering scheme; not in ``generator.constants``).
PDG_NU_MU: int = 14
PDG_NU_TAU: int = 16
#: PDG Monte Carlo id of a Z' (the scheme's "Z'0"), offered to the process spec for the boson.
PDG_ZPRIME: int = 32


def _check_mass(m: float) -> float:
    v = float(m)
    if not (math.isfinite(v) and v > 0.0):
        raise ValueError(f"m_Z' = {m} GeV but require 0 < m_Z' < inf")
    return v


def gamma_ff_vector(m: float, g: float, m_f: float) -> float:
    r"""Width Γ(V → f f̄) in GeV of a vector coupled as g V_a f̄ γ^a f to a Dirac fermion of mass ``m_f``.

    ``Γ = g² m/(12π) (1 + 2r) √(1 − 4r)``, r = m_f²/m²; 0 at and below threshold m ≤ 2 m_f.

    Parameters
    ----------
    m : float
        Vector mass in GeV (> 0).
    g : float
        Vector coupling (dimensionless, ≥ 0).
    m_f : float
        Fermion mass in GeV (≥ 0).

    References
    ----------
    docs/physics.md section 13 (standard tree level).

    >>> round(gamma_ff_vector(1.0, 1.0, 0.0) * 12 * math.pi, 12)
    1.0
    """
    m = _check_mass(m)
    g = check_coupling("g", g)
    r = (m_f / m) ** 2
    if 4.0 * r >= 1.0:
        return 0.0
    return g * g * m / (12.0 * math.pi) * (1.0 + 2.0 * r) * math.sqrt(1.0 - 4.0 * r)


def gamma_nunu_vector(m: float, g: float) -> float:
    r"""Width Γ(Z′ → ν ν̄) in GeV for one neutrino flavour with the left-handed coupling g Z′_a ν̄ γ^a P_L ν.

    ``Γ = g² m/(24π)``: half of a massless Dirac fermion's g² m/(12π), since only one helicity couples.

    >>> round(gamma_nunu_vector(1.0, 1.0) * 24 * math.pi, 12)
    1.0
    """
    m = _check_mass(m)
    g = check_coupling("g", g)
    return g * g * m / (24.0 * math.pi)


def epsilon_kinetic_mixing(g: float) -> float:
    r"""Loop-induced γ–Z′ kinetic mixing of L_μ − L_τ (magnitude), the standard one-loop result::

        ε = e g / (6π²) ln(m_τ/m_μ),   e = √(4πα)

    from the μ and τ loops (opposite charges under L_μ − L_τ, so the divergence cancels). At g = 4.8e-4
    this gives 6.93e-6, which reproduces the 6.8e-6 quoted in the NA64μ proposal (docs/physics.md check
    A12) — while the formula printed there does not (:func:`epsilon_kinetic_mixing_na64mu_proposal`).

    References: Escudero, Hooper, Krnjaic, Pierre, JHEP 03 (2019) 071, arXiv:1901.02010 (ε = −(e g/12π²)
    ln(m_τ²/m_μ²); the sign is convention, the magnitude is returned); docs/physics.md section 12 item 7.

    >>> f"{epsilon_kinetic_mixing(4.8e-4):.2e}"
    '6.93e-06'
    """
    g = check_coupling("g", g)
    e = math.sqrt(4.0 * math.pi * ALPHA_EM)
    return e * g / (6.0 * math.pi**2) * math.log(M_TAU / M_MU)


def epsilon_kinetic_mixing_na64mu_proposal(g: float) -> float:
    r"""The mixing as printed in the NA64μ proposal talk (Gninenko): ε ≈ 3 e g/(16π²) ln(m_τ/m_μ).

    At g = 4.8e-4 this gives 7.79e-6, not the 6.8e-6 quoted beside it on the same slide; the standard
    e g/(6π²) ln(m_τ/m_μ) (:func:`epsilon_kinetic_mixing`) gives 6.93e-6 (docs/physics.md A12, section 12
    item 7). Kept to reproduce the talk; use :func:`epsilon_kinetic_mixing` for physics.

    >>> f"{epsilon_kinetic_mixing_na64mu_proposal(4.8e-4):.2e}"
    '7.79e-06'
    """
    g = check_coupling("g", g)
    e = math.sqrt(4.0 * math.pi * ALPHA_EM)
    return 3.0 * e * g / (16.0 * math.pi**2) * math.log(M_TAU / M_MU)


def zprime_channels(m_chi: float) -> list[DecayChannel]:
    """Decay channels of the Z′, in the key order of :data:`ZPRIME_CHANNELS`.

    ``mumu`` (13, -13) and ``tautau`` (15, -15) visible; ``nunu_mu`` (14, -14), ``nunu_tau`` (16, -16) and
    ``chichi`` (dark fermion pair, mass ``m_chi`` GeV) invisible; all CP-symmetric (``cp_conjugate=True``:
    the momenta of particle and antiparticle are swapped in half of the events). Lepton masses from PDG via
    :mod:`generator.constants`; neutrino masses 0.

    >>> [c.name for c in zprime_channels(0.1)]
    ['mumu', 'tautau', 'nunu_mu', 'nunu_tau', 'chichi']
    """
    return [
        DecayChannel("mumu", (constants.PDG_MUON, -constants.PDG_MUON), (constants.M_MU, constants.M_MU),
                     visible=True, cp_conjugate=True),
        DecayChannel("tautau", (constants.PDG_TAU, -constants.PDG_TAU), (constants.M_TAU, constants.M_TAU),
                     visible=True, cp_conjugate=True),
        DecayChannel("nunu_mu", (PDG_NU_MU, -PDG_NU_MU), (0.0, 0.0), visible=False, cp_conjugate=True),
        DecayChannel("nunu_tau", (PDG_NU_TAU, -PDG_NU_TAU), (0.0, 0.0), visible=False, cp_conjugate=True),
        DecayChannel("chichi", (constants.PDG_DARK_FERMION, -constants.PDG_DARK_FERMION), (m_chi, m_chi),
                     visible=False, cp_conjugate=True),
    ]


@dataclass(frozen=True, slots=True)
class ZPrimeModel(DecayingBoson):
    """The vector Z′ of L_μ − L_τ (optionally with Dirac dark matter) or a muon-only vector.

    Same interface as :class:`generator.models.ScalarModel` and ``LFVAxion``: ``partial_widths(m)``,
    ``total_width(m)``, ``branching_ratios(m)``, ``decay_length(m, E)``, ``delta_a_mu(m)``,
    ``with_coupling(g)``; the mass is an argument, not a field (σ, Γ ∝ g²).

    >>> z = ZPrimeModel(4.8e-4)
    >>> list(z.partial_widths(0.1))
    ['mumu', 'tautau', 'nunu_mu', 'nunu_tau']
    >>> z.branching_ratios(0.1)["nunu_mu"]
    0.5
    """

    g: float
    """Gauge coupling g (to μ, τ, ν_μ, ν_τ; to μ only for ``muonphilic_vector``), dimensionless, ≥ 0."""
    name: str = "lmu_ltau"
    """``"lmu_ltau"``, ``"lmu_ltau_dm"`` (with χ χ̄) or ``"muonphilic_vector"`` (μ only)."""
    m_chi: float | None = None
    """Dark-fermion mass in GeV (``lmu_ltau_dm``); None = m_Z′/3 (m_Z′ = 3 m_χ). Unused by the others."""
    g_chi: float = 1.0
    """Z′–χ coupling (dimensionless, ≥ 0), α_D = g_χ²/(4π) (0.080 by default). Used by ``lmu_ltau_dm`` only."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "g", check_coupling("g", self.g))
        object.__setattr__(self, "g_chi", check_coupling("g_chi", self.g_chi))
        if self.name not in ZPRIME_MODEL_NAMES:
            raise ValueError(f"name = {self.name!r} but require one of {list(ZPRIME_MODEL_NAMES)}")
        if self.m_chi is not None:
            mc = float(self.m_chi)
            if not (math.isfinite(mc) and mc > 0.0):
                raise ValueError(f"m_chi = {self.m_chi} GeV but require 0 < m_chi < inf (or None = m_Z'/3)")
            object.__setattr__(self, "m_chi", mc)

    def with_coupling(self, g: float) -> ZPrimeModel:
        """Same model, χ sector included, with coupling ``g`` (σ and the SM widths scale as g²)."""
        return ZPrimeModel(g, self.name, self.m_chi, self.g_chi)

    @property
    def alpha_dark(self) -> float:
        """α_D = g_χ²/(4π)."""
        return self.g_chi**2 / (4.0 * math.pi)

    def dark_fermion_mass(self, m: float) -> float:
        """m_χ in GeV: the field, or m_Z′/3 if it is None (the benchmark m_Z′ = 3 m_χ)."""
        return self.m_chi if self.m_chi is not None else _check_mass(m) / 3.0

    def channel_names(self) -> tuple[str, ...]:
        """The keys of :meth:`partial_widths` for this model, in order."""
        if self.name == "muonphilic_vector":
            return ("mumu",)
        if self.name == "lmu_ltau":
            return ZPRIME_CHANNELS[:4]
        return ZPRIME_CHANNELS

    def partial_widths(self, m: float) -> dict[str, float]:
        """Partial widths in GeV by channel (module docstring); closed channels are 0 but keep their key.

        References: docs/physics.md section 13.
        """
        m = _check_mass(m)
        out = {"mumu": gamma_ff_vector(m, self.g, M_MU)}
        if self.name == "muonphilic_vector":
            return out
        out["tautau"] = gamma_ff_vector(m, self.g, M_TAU)
        out["nunu_mu"] = gamma_nunu_vector(m, self.g)
        out["nunu_tau"] = gamma_nunu_vector(m, self.g)
        if self.name == "lmu_ltau_dm":
            out["chichi"] = gamma_ff_vector(m, self.g_chi, self.dark_fermion_mass(m))
        return out

    def invisible_fraction(self, m: float) -> float:
        """B(Z′ → ν ν̄) + B(Z′ → χ χ̄): the missing-energy branching ratio (1 for a width-less V)."""
        br = self.branching_ratios(m)
        if not any(br.values()):
            return 1.0
        return math.fsum(v for k, v in br.items() if k in ("nunu_mu", "nunu_tau", "chichi"))

    def delta_a_mu(self, m: float) -> float:
        """One-loop Δa_μ of the vector coupled to the muon (positive; → g²/(8π²) for m ≪ m_μ).

        References: Rella–Döbrich–Yu eq. (4); docs/physics.md section 13.
        """
        return float(g_minus_2.delta_a_mu_vector(self.g, _check_mass(m)))
