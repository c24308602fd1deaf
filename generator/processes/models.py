r"""Dark-sector models: couplings, and the derived widths, decay lengths and Δa_μ.

``ScalarModel`` is the scalar of Chen–Pospelov–Zhong eq. (1) = Rella–Döbrich–Yu eq. (5), CP-even unless
its ``cp_angle`` mixes in a pseudoscalar coupling (cos φ + i sin φ γ5)::

    L ⊃ ½(∂S)² − ½ m_S² S² − Σ_{ℓ=e,μ,τ} g_ℓ S ℓ̄ℓ

with the benchmark coupling patterns

* model A / "leptophilic": g_ℓ = g_μ m_ℓ/m_μ (minimal flavour violation);
* model B / "muonphilic":  g_μ ≠ 0, g_e = g_τ = 0;
* "free": any non-negative (g_e, g_μ, g_τ).

The mass is *not* a field: a model is a coupling pattern, and every physical quantity takes m_S (GeV)
as an argument. Couplings factor out (DESIGN.md rule 3): σ ∝ g², Γ ∝ g², so ``with_coupling`` rescales
all g_ℓ by the same factor and a scan needs one integration per mass.

``LFVAxion`` (μN → τNa) lives beside it, and the Z′ model in :mod:`generator.processes.zprime_physics`,
with the same shape: a frozen, slotted dataclass validated in ``__post_init__`` whose physics methods
delegate to pure kernels in ``widths`` and ``g_minus_2``; total width, branching ratios and decay length
follow from the partial widths once, in :class:`DecayingBoson`.

Units: masses, energies and widths in GeV; lengths in m; couplings dimensionless.

References: Chen, Pospelov, Zhong, *Muon Beam Experiments to Probe the Dark Sector*, PRD 95 115005,
eqs. (1)–(9); Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, eqs. (5)–(12).
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass

from .. import g_minus_2, widths
from ..constants import LEPTON_MASSES, M_E, M_MU, M_TAU

__all__ = ["LFV_MODEL_NAMES", "SCALAR_MODEL_NAMES", "DecayingBoson", "LFVAxion", "ScalarModel"]


class DecayingBoson(abc.ABC):
    """What every model of a new boson derives from its ``partial_widths(m)`` (GeV, by channel): the total
    width, the branching ratios and the mean lab decay length L = |p|/(m Γ) ħc (Chen–Pospelov–Zhong eq. 9,
    Rella–Döbrich–Yu eq. 12). Shared by the scalar, the LFV ALP and the Z′ models (a mixin: no fields)."""

    __slots__ = ()

    @abc.abstractmethod
    def partial_widths(self, m: float) -> dict[str, float]:
        """Partial widths in GeV by decay channel at mass ``m`` GeV (each model defines them; a model
        without them cannot be made)."""

    def total_width(self, m: float) -> float:
        """Total width in GeV: the exact sum of the channels."""
        return math.fsum(self.partial_widths(m).values())

    def branching_ratios(self, m: float) -> dict[str, float]:
        """Γ_i/Γ_tot by channel (all 0 if the total width vanishes)."""
        pw = self.partial_widths(m)
        tot = math.fsum(pw.values())
        return {k: (v / tot if tot > 0.0 else 0.0) for k, v in pw.items()}

    def decay_length(self, m: float, energy: float) -> float:
        """Mean lab decay length in m, |p|/(m Γ) ħc, at lab energy ``energy`` GeV (inf if Γ = 0)."""
        return float(widths.decay_length_m(m, self.total_width(m), energy))

#: Named benchmark coupling patterns accepted by :meth:`ScalarModel.from_name`.
SCALAR_MODEL_NAMES: tuple[str, ...] = ("leptophilic", "muonphilic")

#: Channel keys of :meth:`ScalarModel.partial_widths`.
CHANNELS: tuple[str, ...] = ("ee", "mumu", "tautau", "gammagamma")


def check_coupling(name: str, value: float) -> float:
    """``value`` as a float, refused (``ValueError`` naming ``name``) unless a real number 0 <= value < inf."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} = {value!r} but require a real number 0 <= {name} < inf") from None
    if not (math.isfinite(v) and v >= 0.0):
        raise ValueError(f"{name} = {value} but require 0 <= {name} < inf")
    return v



@dataclass(frozen=True, slots=True)
class ScalarModel(DecayingBoson):
    """Scalar S with Yukawa couplings to e, μ, τ: CP-even (Chen–Pospelov–Zhong eq. 1) or a CP mixture.

    ::

        L ⊃ −Σ_ℓ g_ℓ S ℓ̄ (cos φ + i sin φ γ5) ℓ,      φ = ``cp_angle`` ∈ [−π/2, π/2] rad

    φ = 0 (default) is the CP-even scalar of the papers, with every number unchanged; φ = ±π/2 is a pure
    pseudoscalar (the parity-odd case Rella–Döbrich–Yu Sec. II set aside because it lowers a_μ). One angle
    for all three leptons. Unpolarised rates depend on cos²φ and sin²φ only, so φ and −φ (CP conjugates)
    give the same widths, cross sections and Δa_μ; the sign only matters for CP-odd observables (EDMs).

    >>> m = ScalarModel.muonphilic(1e-3)
    >>> m.couplings()
    {'e': 0.0, 'mu': 0.001, 'tau': 0.0}
    """

    g_e: float
    """Yukawa coupling to electrons (dimensionless, ≥ 0)."""
    g_mu: float
    """Yukawa coupling to muons (dimensionless, ≥ 0)."""
    g_tau: float
    """Yukawa coupling to taus (dimensionless, ≥ 0)."""
    name: str = "free"
    """Coupling pattern: ``"leptophilic"``, ``"muonphilic"`` or ``"free"``."""
    cp_angle: float = 0.0
    """CP mixing angle φ in rad, −π/2 ≤ φ ≤ π/2: vertex cos φ + i sin φ γ5 (0 = CP-even, ±π/2 = pseudoscalar)."""

    def __post_init__(self) -> None:
        for field in ("g_e", "g_mu", "g_tau"):
            object.__setattr__(self, field, check_coupling(field, getattr(self, field)))
        allowed = (*SCALAR_MODEL_NAMES, "free")
        if self.name not in allowed:
            raise ValueError(f"name = {self.name!r} but require one of {list(allowed)}")
        try:
            phi = float(self.cp_angle)
        except (TypeError, ValueError):
            raise ValueError(
                f"cp_angle = {self.cp_angle!r} but require a real number -pi/2 <= cp_angle <= pi/2 (rad)"
            ) from None
        if not (math.isfinite(phi) and abs(phi) <= 0.5 * math.pi):
            raise ValueError(f"cp_angle = {self.cp_angle} but require -pi/2 <= cp_angle <= pi/2 (rad)")
        object.__setattr__(self, "cp_angle", phi)

    # ----------------------------------------------------------------------------- constructors
    @classmethod
    def leptophilic(cls, g_mu: float, cp_angle: float = 0.0) -> ScalarModel:
        """Model A / leptophilic: g_ℓ = g_μ m_ℓ/m_μ (Chen–Pospelov–Zhong Sec. II; Rella et al. Sec. II)."""
        g = check_coupling("g_mu", g_mu)
        return cls(g_e=g * M_E / M_MU, g_mu=g, g_tau=g * M_TAU / M_MU, name="leptophilic", cp_angle=cp_angle)

    @classmethod
    def muonphilic(cls, g_mu: float, cp_angle: float = 0.0) -> ScalarModel:
        """Model B / muonphilic: g_e = g_τ = 0 (Chen–Pospelov–Zhong Sec. II; Rella et al. Sec. II)."""
        return cls(
            g_e=0.0, g_mu=check_coupling("g_mu", g_mu), g_tau=0.0, name="muonphilic", cp_angle=cp_angle
        )

    @classmethod
    def free(cls, g_e: float, g_mu: float, g_tau: float, cp_angle: float = 0.0) -> ScalarModel:
        """Arbitrary non-negative couplings (g_e, g_μ, g_τ)."""
        return cls(g_e=g_e, g_mu=g_mu, g_tau=g_tau, name="free", cp_angle=cp_angle)

    @classmethod
    def from_name(cls, name: str, g_mu: float, cp_angle: float = 0.0) -> ScalarModel:
        """Build a benchmark model by name: ``"leptophilic"`` or ``"muonphilic"``, at CP angle ``cp_angle``.

        Raises
        ------
        ValueError
            For any other name (the message lists the allowed names), or φ outside [−π/2, π/2].
        """
        key = str(name).strip().lower()
        if key == "leptophilic":
            return cls.leptophilic(g_mu, cp_angle)
        if key == "muonphilic":
            return cls.muonphilic(g_mu, cp_angle)
        raise ValueError(f"model name = {name!r} but require one of {list(SCALAR_MODEL_NAMES)}")

    def with_coupling(self, g_mu: float) -> ScalarModel:
        """Same coupling pattern and CP angle with g_μ set to ``g_mu``; all g_ℓ rescale by g_mu/self.g_mu.

        σ ∝ g² and Γ ∝ g² at fixed ratios and fixed φ (DESIGN.md rule 3). A model with g_μ = 0 can only be
        rescaled if it is a named pattern (the ratios are then known).
        """
        g = check_coupling("g_mu", g_mu)
        if self.name in SCALAR_MODEL_NAMES:
            return ScalarModel.from_name(self.name, g, self.cp_angle)
        if self.g_mu == 0.0:
            raise ValueError(
                f"g_mu = {self.g_mu} in this 'free' model, so the ratios g_e/g_mu and g_tau/g_mu are"
                " undefined; require g_mu > 0 to rescale"
            )
        s = g / self.g_mu
        return ScalarModel(self.g_e * s, g, self.g_tau * s, name=self.name, cp_angle=self.cp_angle)

    def couplings(self) -> dict[str, float]:
        """Couplings by lepton name: ``{"e": g_e, "mu": g_mu, "tau": g_tau}``."""
        return {"e": self.g_e, "mu": self.g_mu, "tau": self.g_tau}

    # ----------------------------------------------------------------------------- physics
    def partial_widths(self, m_s: float) -> dict[str, float]:
        """Partial widths in GeV keyed ``ee``, ``mumu``, ``tautau``, ``gammagamma`` (closed channels 0).

        ℓℓ ∝ β(cos²φ β² + sin²φ); γγ = cos²φ (scalar loop) + sin²φ (pseudoscalar loop), see
        :mod:`generator.widths`. References: Chen–Pospelov–Zhong eqs. (4)–(6); Rella–Döbrich–Yu
        eqs. (6)–(9); Djouadi, Phys. Rept. 457 (2008) 1 and 459 (2008) 1 (CP-odd parts).
        """
        g = self.couplings()
        phi = self.cp_angle
        return {
            "ee": float(widths.gamma_ll(m_s, g["e"], LEPTON_MASSES["e"], phi)),
            "mumu": float(widths.gamma_ll(m_s, g["mu"], LEPTON_MASSES["mu"], phi)),
            "tautau": float(widths.gamma_ll(m_s, g["tau"], LEPTON_MASSES["tau"], phi)),
            "gammagamma": float(widths.gamma_gammagamma(m_s, g["e"], g["mu"], g["tau"], phi)),
        }

    def delta_a_mu(self, m_s: float) -> float:
        """One-loop Δa_μ: cos²φ × scalar (Chen–Pospelov–Zhong eq. 3) + sin²φ × pseudoscalar (< 0; Leveille 1978)."""
        return float(g_minus_2.delta_a_mu_scalar(self.g_mu, m_s, self.cp_angle))


#: Model names of the LFV ALP: which decay the run is about (arXiv:2407.15942 Sec. II.A).
LFV_MODEL_NAMES: tuple[str, ...] = ("visible", "invisible")
#: Conventions for the vertex: eq. (3) (m_mu -> 0, g = C m_tau/Lambda) or eq. (2) (full (m_tau -+ m_mu)).
LFV_VERTEX_FORMS: tuple[str, ...] = ("eq3", "eq2")


@dataclass(frozen=True, slots=True)
class LFVAxion(DecayingBoson):
    r"""LFV axion-like particle a coupled to μτ and to a dark Dirac fermion χ (arXiv:2407.15942).

    ::

        L ⊃ −i g_μτ a μ̄ [sin θ + cos θ γ5] τ + h.c.      (eq. 3, g_μτ = C_μτ m_τ/Λ)
        L ⊃ −i (C_μτ/Λ) a μ̄ [(m_τ − m_μ) sin θ + (m_τ + m_μ) cos θ γ5] τ + h.c.   (eq. 2, ``vertex="eq2"``)
        L ⊃ −i g_χ a χ̄ γ5 χ                               (eq. 4, g_χ = 2 C_χ m_χ/Λ_χ)

    Widths a → μ⁻τ⁺ + μ⁺τ⁻ (both charge modes) and a → χχ̄ with unequal-mass kinematics
    (:mod:`generator.widths`), branching ratios, decay length and Δa_μ(θ) (:mod:`generator.g_minus_2`).
    ``m_chi = None`` means the paper's benchmark, resolved per mass: m_χ = m_a/3 for ``invisible``
    (Fig. 6) and m_χ = 3 m_a for ``visible`` (below Fig. 7; a → χχ̄ closed).
    B(a → μ⁺τ⁻) alone (the charge flip of [004] Fig. 7) is half of ``branching_ratios(m)["mutau"]``.
    ``name``: ``"visible"`` (the a → μτ signal) or ``"invisible"`` (a → χχ̄); both channels are computed
    in either case, the name only says which signature the run is about (checked by the process spec).

    >>> a = LFVAxion.from_c_over_lambda(1.0)   # C/Lambda = 1/TeV
    >>> round(a.g_mutau, 6)
    0.001777
    """

    g_mutau: float
    """LFV coupling g_μτ (dimensionless, ≥ 0)."""
    theta: float = 0.0
    """Vertex angle θ in radians, 0 ≤ θ ≤ π (sin θ scalar, cos θ pseudoscalar part)."""
    m_chi: float | None = None
    """Dark-fermion mass in GeV; None = m_a/3 (invisible) or 3 m_a (visible)."""
    g_chi: float = 1.0
    """ALP–χ coupling (dimensionless, ≥ 0)."""
    name: str = "visible"
    """``"visible"`` or ``"invisible"`` (which decay the run selects)."""
    vertex: str = "eq3"
    """``"eq3"`` (c_s = g sin θ, c_p = g cos θ) or ``"eq2"`` (the full (m_τ ∓ m_μ)/m_τ factors)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "g_mutau", check_coupling("g_mutau", self.g_mutau))
        object.__setattr__(self, "g_chi", check_coupling("g_chi", self.g_chi))
        th = float(self.theta)
        if not (math.isfinite(th) and 0.0 <= th <= math.pi):
            raise ValueError(f"theta = {self.theta} but require 0 <= theta <= pi (rad)")
        object.__setattr__(self, "theta", th)
        if self.m_chi is not None:
            mc = float(self.m_chi)
            if not (math.isfinite(mc) and mc > 0.0):
                raise ValueError(f"m_chi = {self.m_chi} GeV but require 0 < m_chi < inf (or None = m_a/3)")
            object.__setattr__(self, "m_chi", mc)
        if self.name not in LFV_MODEL_NAMES:
            raise ValueError(f"name = {self.name!r} but require one of {list(LFV_MODEL_NAMES)}")
        if self.vertex not in LFV_VERTEX_FORMS:
            raise ValueError(f"vertex = {self.vertex!r} but require one of {list(LFV_VERTEX_FORMS)}")

    @classmethod
    def from_c_over_lambda(cls, c_over_lambda_per_tev: float, **kwargs: object) -> LFVAxion:
        """Build from C_μτ/Λ in TeV⁻¹: g_μτ = C_μτ m_τ/Λ (arXiv:2407.15942 below eq. 3)."""
        c = check_coupling("C/Lambda", c_over_lambda_per_tev)
        return cls(g_mutau=c * M_TAU / 1000.0, **kwargs)  # type: ignore[arg-type]

    def with_coupling(self, g_mutau: float) -> LFVAxion:
        """Same θ, χ sector and name with g_μτ = ``g_mutau`` (σ, Γ_μτ ∝ g²; DESIGN.md rule 3)."""
        return LFVAxion(g_mutau, self.theta, self.m_chi, self.g_chi, self.name, self.vertex)

    def c_over_lambda_per_tev(self) -> float:
        """C_μτ/Λ in TeV⁻¹ = g_μτ/m_τ."""
        return self.g_mutau / M_TAU * 1000.0

    def dark_fermion_mass(self, m_a: float) -> float:
        """m_χ in GeV; if not set, the benchmarks of arXiv:2407.15942: m_a/3 for ``invisible`` (Fig. 6,
        m_a = 3 m_χ) and 3 m_a for ``visible`` (m_χ = 3 m_a below Fig. 7: a → χχ̄ closed)."""
        if self.m_chi is not None:
            return self.m_chi
        return m_a / 3.0 if self.name == "invisible" else 3.0 * m_a

    def vertex_couplings(self) -> tuple[float, float]:
        """(c_s, c_p) of a μ̄ (c_s + c_p γ5) τ: eq. (3) g (sin θ, cos θ) or eq. (2) with (m_τ ∓ m_μ)/m_τ."""
        s, c = math.sin(self.theta), math.cos(self.theta)
        if self.vertex == "eq2":
            return self.g_mutau * s * (M_TAU - M_MU) / M_TAU, self.g_mutau * c * (M_TAU + M_MU) / M_TAU
        return self.g_mutau * s, self.g_mutau * c

    def partial_widths(self, m_a: float) -> dict[str, float]:
        """Partial widths in GeV: ``mutau`` (μ⁻τ⁺ + μ⁺τ⁻) and ``chichi`` (0 if closed).

        References: arXiv:2407.15942 eqs. (5), (7); docs/physics.md section 2.
        """
        c_s, c_p = self.vertex_couplings()
        return {
            "mutau": 2.0 * widths.gamma_mutau_one_mode(m_a, c_s, c_p),
            "chichi": widths.gamma_chichi(m_a, self.g_chi, self.dark_fermion_mass(m_a)),
        }

    def delta_a_mu(self, m_a: float) -> float:
        """Δa_μ from the μ–τ loop, full expression ([004] Sec. II.B; :func:`g_minus_2.delta_a_mu_lfv`)."""
        c_s, c_p = self.vertex_couplings()
        if c_s == 0.0 and c_p == 0.0:
            return 0.0
        return float(g_minus_2.delta_a_mu_lfv(c_s, c_p, m_a))
