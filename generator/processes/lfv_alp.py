r"""The process spec of  mu N -> tau N a  (LFV axion-like particle a), DESIGN.md rule 2.

Lagrangian (Batell, Davoudiasl, Marcarelli, Neil, Trojanowski, *Lepton-Flavor-Violating ALP Signals with
TeV-Scale Muon Beams*, arXiv:2407.15942, eqs. 3-4)::

    L ⊃ −i g_μτ a μ̄ [sin θ + cos θ γ5] τ + h.c.,     L ⊃ −i g_χ a χ̄ γ5 χ

The h.c. term gives the mu- -> tau- vertex  i g_μτ τ̄ (sin θ − cos θ γ5) μ  (γ0 γ5† γ0 = −γ5; docs/physics.md
section 1): :func:`vertex` returns (c_s, c_p) = (sin θ, −cos θ) at unit coupling; the overall phase i
drops out of |M|^2. Unpolarised rates depend only on sin^2 θ and cos^2 θ (the c_s c_p cross term
vanishes; tested, so the sign of c_p is a convention that cannot change any number here).

Everything the generator knows of the process is here:

* exact 2->3 kernels: :mod:`generator.processes.scalar_brems` with m_in = m_mu, m_out = m_tau, both
  diagrams with their internal masses (tau in diagram (a), mu in (b)) and the vertex c_s + c_p gamma5;
* models ``visible`` (the a -> mu tau signature; default m_chi = 3 m_a, the secluded-DM benchmark below
  [004] Fig. 7, so a -> chi chi~ is closed) and ``invisible`` (a -> chi chi~; default m_chi = m_a/3, the
  benchmark of Fig. 6): :class:`generator.models.LFVAxion`;
* decay channels a -> mu tau (both charge states, one per event, each half of Gamma_mutau) and
  a -> chi chi~ (:func:`generator.decays.alp_channels`);
* card fields ``theta`` (rad), ``m_chi`` (GeV, none = the model's benchmark), ``g_chi``;
* form factors ``lfv`` (default: [004] eqs. 16-20, atomic screening x Klein-Nystrand coherent + dipole
  incoherent, G2 = 0 above t = 1 GeV^2), its parts ``lfv_coherent`` and ``lfv_incoherent`` ("diffractive",
  [004] Fig. 3; they add up to ``lfv``), and ``tsai`` (Tsai's G2 as printed in Chen-Pospelov-Zhong App. A;
  no t cut);
* approximations, both for an outgoing lepton heavier than the beam lepton:

  - ``ww``: Weizsaecker-Williams with the exact t_min(x, theta_a) and the 2->2 amplitude gamma mu -> tau a
    from the same spinor kernel (:mod:`generator.processes.ww`, section "unequal lepton masses");
  - ``iww``: the same 2->2 cross section with an x-independent photon flux chi(t_min^thr), where
    t_min^thr = [(m_a + m_tau)^2 − m_mu^2]^2 / 4E^2 is the absolute threshold (docs/physics.md section 5.2 and
    section 12 item 5; [004]'s t_min ~ (m_a^2/2E)^2 drops m_tau and is 12.7x smaller at m_a = 2 GeV) and
    t_max = m_a^2 + m_tau^2. This is the Liu-Miller definition of IWW (x-independent t_min); the
    closed-form d sigma/dx of Chen-Pospelov-Zhong eq. (12) exists only for m' = m and a scalar vertex, so
    the angular integral is done numerically. [004] gives no IWW formula (it integrates the full 2->3).

Events: the ALP decays promptly where it is produced ([004] Sec. III; ``prompt_decay``), whatever an
experiment's decay volume; the experiment's LFV keys (tau branching, tau flight > d, outgoing-lepton
energy) and the channel / charge-flip selection are applied by :func:`event_acceptance`.

Cut t < 1 GeV^2: only the ``lfv`` form factor has it (as [004]); with ``tsai`` add ``max_q2 = 1`` on the
card to impose it.

References: arXiv:2407.15942 eqs. (2)-(7), (15)-(20); docs/physics.md sections 1, 2, 5, 6; Liu & Miller,
PRD 96 (2017) 016004 (WW/IWW definitions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np

from .._schema import CardFloat, optional
from ..constants import CTAU_TAU_M, M_MU, M_TAU, PDG_ALP, PDG_MUON, PDG_TAU
from ..decays import alp_channels
from ..models import LFVAxion
from ..phase_space import DIM
from ..process_spec import Approximation, ExperimentKey, KernelRef, Param, Process, Range, TargetLike

__all__ = ["LFV_ALP", "event_acceptance", "iww_t_min", "make_model", "tau_flight_probability", "vertex"]

#: Models: which ALP decay the run is about.
MODELS = ("visible", "invisible")

#: The LFV ALP's own parameters (run-card keys, CLI options, ``cross_section`` keywords).
PARAMS = (
    Param("theta", CardFloat, 0.0, "LFV vertex angle, g (sin theta + cos theta g5)", "0 <= theta <= pi (rad)",
          unit="rad", check=Range(0.0, math.pi)),
    Param("m_chi", optional(CardFloat), None,
          "dark fermion mass, none = mass/3 (invisible) or 3 mass (visible, a -> chi chi~ closed)",
          "a number > 0 (GeV) with 2 m_chi < mass, or none", unit="GeV", check=Range(0.0, open_low=True)),
    Param("g_chi", CardFloat, 1.0, "coupling of a to chi chi~ (arXiv:2407.15942 Fig. 6: 1)", "a number >= 0",
          check=Range(0.0)),
)

#: Keys an experiment file may set for this process ([004] Sec. III.C), applied by :func:`event_acceptance`.
EXPERIMENT_KEYS = (
    ExperimentKey("cuts.production.max_outgoing_lepton_energy", "positive", "GeV",
                  "the outgoing lepton's lab energy must be below it (NA64-mu: 80 GeV, [004] Sec. III.B)"),
    ExperimentKey("cuts.daughters.min_tau_flight", "nonnegative", "m",
                  "each selected tau must fly farther than this (vertex resolution, [004] Sec. III.C)"),
    ExperimentKey("efficiency.tau_branching", "unit_interval", "",
                  "branching fraction of each selected tau into the detected mode ([004] Sec. III.C)"),
)


def _theta(params: Mapping[str, Any]) -> float:
    return float(params["theta"])


def vertex(params: Mapping[str, Any]) -> tuple[float, float]:
    """(c_s, c_p) of the mu- -> tau- vertex at unit coupling: (sin θ, −cos θ) (module docstring)."""
    th = _theta(params)
    return math.sin(th), -math.cos(th)


def make_model(name: str, coupling: float, params: Mapping[str, Any]) -> LFVAxion:
    """The :class:`LFVAxion` of a card: g_mutau = ``coupling``, θ, m_chi, g_chi from ``params``."""
    return LFVAxion(g_mutau=coupling, theta=_theta(params), m_chi=params["m_chi"],
                    g_chi=float(params["g_chi"]), name=name)


def decay_channels(model: LFVAxion, mass: float) -> list:
    """a -> mu tau (charge state per event) and a -> chi chi~, in the order of ``model.partial_widths``."""
    by_name = {c.name: c for c in alp_channels(model.dark_fermion_mass(mass))}
    return [by_name[name] for name in model.partial_widths(mass)]


def validate(config: Any) -> tuple[str, str, str] | None:
    """``visible`` needs a -> mu tau open (m_a > m_mu + m_tau) when decaying; ``invisible`` needs
    2 m_chi < m_a (the ranges of theta, m_chi and g_chi are checked by their :data:`PARAMS`)."""
    model = make_model(config.model, 1.0, config.params)
    m_chi = model.dark_fermion_mass(config.mass)
    if config.model == "visible" and config.decay and config.mass <= M_MU + M_TAU:
        return ("mass", (f"mass = {config.mass} GeV: a -> mu tau is closed (m_a <= m_mu + m_tau = "
                f"{M_MU + M_TAU:.6g} GeV)"), f"mass > {M_MU + M_TAU:.6g} GeV, or decay = False")
    if config.model == "invisible" and not 2.0 * m_chi < config.mass:
        return ("m_chi", f"m_chi = {m_chi:.6g} GeV: a -> chi chi~ is closed (2 m_chi >= mass = {config.mass} GeV)",
                f"m_chi < mass/2 = {config.mass / 2:.6g} GeV (none = mass/3)")
    if config.model == "invisible" and config.decay and config.params["g_chi"] == 0:
        return "g_chi", "g_chi = 0: no invisible decay", "g_chi > 0, or decay = False"
    return None


def tau_flight_probability(p4: np.ndarray, d: float) -> np.ndarray:
    """P(tau flies farther than ``d`` m) = exp(-d / (gamma beta c tau_tau)), gamma beta = |p|/m_tau (docs/physics.md 8)."""
    p = np.linalg.norm(np.asarray(p4, dtype=float)[:, 1:], axis=1)
    if d <= 0:
        return np.ones(len(p))
    with np.errstate(divide="ignore"):
        return np.exp(-d * M_TAU / (np.maximum(p, 1e-300) * CTAU_TAU_M))


def event_acceptance(plan: Any, chunk: Mapping[str, Any]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    r"""The [004] Sec. III.C selection with the experiment's keys of this process (:data:`EXPERIMENT_KEYS`,
    in ``Experiment.process_keys``).

    Per event (acceptance is a probability, so the counts stay smooth):

    * channel: ``invisible`` keeps a -> chi chi~ events, ``visible`` keeps a -> mu tau events with the muon
      *charge flip* (the a-daughter muon has the charge opposite to the beam muon: a -> mu+ tau- for an
      incident mu-, half of Gamma_mutau; [004] Fig. 7) — rejected as ``WRONG_CHANNEL`` / ``NO_CHARGE_FLIP``
      (only when the run decays the ALP);
    * ``cuts.production.max_outgoing_lepton_energy`` (NA64-mu: 80 GeV): the outgoing tau's lab energy below
      it (``LEPTON_ENERGY``). [004] cuts on the muon from tau -> mu nu nu, whose energy is below the tau's,
      so cutting on the tau is conservative; with ``tau_decays = pythia8`` the muon is in the event too;
    * ``cuts.daughters.min_tau_flight`` d: factor exp(-d/(gamma beta c tau)) for each selected tau (the
      production tau; for ``visible`` also the tau of a -> mu tau);
    * ``efficiency.tau_branching`` B: factor B per selected tau (B for invisible, B^2 for visible, as the
      mucoll_thin TOML states).

    Without an experiment nothing is applied (the plan calls this only with one).
    """
    keys = plan.experiment.process_keys
    p_out = np.asarray(chunk["p_out"], dtype=float)
    n = len(p_out)
    masks: dict[str, np.ndarray] = {}
    channel = np.asarray(chunk["channel"])
    visible = plan.config.model == "visible"
    taus = [p_out]
    if plan.config.decay and chunk["daughters_pdg"] is not None:
        names = [c.name for c in plan.channels]
        want = names.index("mutau" if visible else "chichi")
        masks["WRONG_CHANNEL"] = channel != want
        if visible:
            pdg = np.asarray(chunk["daughters_pdg"])
            muon = np.where(np.abs(pdg[:, 0]) == PDG_MUON, pdg[:, 0], pdg[:, 1])
            flip = muon == -np.asarray(chunk["lepton_in_pdg"])
            masks["NO_CHARGE_FLIP"] = ~flip & ~masks["WRONG_CHANNEL"]
            d_p4 = np.asarray(chunk["daughters_p4"])
            tau_col = np.where(np.abs(pdg[:, 0]) == PDG_TAU, 0, 1)
            taus.append(np.where(channel[:, None] == want, d_p4[np.arange(n), tau_col], p_out))
    e_max = keys.get("cuts.production.max_outgoing_lepton_energy")
    if e_max is not None:
        prior = np.zeros(n, dtype=bool)
        for m in masks.values():
            prior |= m
        masks["LEPTON_ENERGY"] = (p_out[:, 0] >= e_max) & ~prior
    rejected = np.zeros(n, dtype=bool)
    for m in masks.values():
        rejected |= m
    acc = (~rejected).astype(float)
    d = float(keys.get("cuts.daughters.min_tau_flight", 0.0))
    branching = float(keys.get("efficiency.tau_branching", 1.0))
    for tau in taus:
        acc *= branching * tau_flight_probability(tau, d)
    return acc, masks


def iww_t_min(energy: float, mass: float) -> float:
    """x-independent t_min of the LFV IWW: [(m_a + m_tau)^2 − m_mu^2]^2 / (4 E^2) in GeV^2 (docs/physics.md 5.2)."""
    return ((mass + M_TAU) ** 2 - M_MU**2) ** 2 / (4.0 * energy * energy)


def _sigma(energy: float, mass: float, target: TargetLike, ff_kind: int, params: Mapping[str, Any],
           fixed: bool) -> tuple[float, float]:
    from .ww import sigma_ww  # imported when the method is asked for (issue 19: the registry loads no kernel)

    t_fix = iww_t_min(energy, mass) if fixed else None
    sigma = partial(sigma_ww, energy, mass, target.z, target.a, ff_kind, m_in=M_MU, m_out=M_TAU,
                    vertex=vertex(params), t_min_fixed=t_fix)
    s = sigma()
    s2 = sigma(n_x=80, n_theta=80)
    return s, abs(s - s2)


def _sigma_ww(energy: float, mass: float, target: TargetLike, ff_kind: int,
              params: Mapping[str, Any]) -> tuple[float, float]:
    return _sigma(energy, mass, target, ff_kind, params, fixed=False)


def _sigma_iww(energy: float, mass: float, target: TargetLike, ff_kind: int,
               params: Mapping[str, Any]) -> tuple[float, float]:
    return _sigma(energy, mass, target, ff_kind, params, fixed=True)


LFV_ALP = Process(
    name="lfv_alp",
    description="mu N -> tau N a (LFV axion-like particle, photon exchange, exact tree level)",
    lepton_in_pdg=PDG_MUON,
    lepton_out_pdg=PDG_TAU,
    boson_pdg=PDG_ALP,
    m_in=M_MU,
    m_out=M_TAU,
    dim=DIM,
    dsigma=KernelRef("generator.processes.scalar_brems", "dsigma_batch"),
    kinematics=KernelRef("generator.processes.scalar_brems", "kinematics_batch"),
    models=MODELS,
    make_model=make_model,
    decay_channels=decay_channels,
    params=PARAMS,
    experiment_keys=EXPERIMENT_KEYS,
    validate=validate,
    spin=0,
    boson_label="a",
    coupling_label=r"$g_{\mu\tau}$",
    example={"model": "invisible", "mass": 1.0, "coupling": 1e-3, "target": "Pb", "beam_energy": 160.0,
             "theta": 0.785},
    vertex=vertex,
    approximations={
        "ww": Approximation("ww", "WW with the exact t_min(x, theta_a) and the 2->2 gamma mu -> tau a amplitude "
                            "(generator/processes/ww.py, unequal lepton masses)", _sigma_ww),
        "iww": Approximation("iww", "IWW: 2->2 gamma mu -> tau a with an x-independent flux chi(t_min), "
                             "t_min = [(m_a+m_tau)^2-m_mu^2]^2/4E^2, t_max = m_a^2+m_tau^2 "
                             "(generator/processes/lfv_alp.py)", _sigma_iww),
    },
    form_factors=("lfv", "tsai", "lfv_coherent", "lfv_incoherent"),
    coupling_name="g_mutau",
    prompt_decay=True,
    event_acceptance=event_acceptance,
)
