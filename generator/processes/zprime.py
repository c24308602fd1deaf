r"""The process spec of  mu N -> mu N Z'  (the vector Z' of L_mu - L_tau), DESIGN.md rule 2.

Lagrangian (the NA64mu proposal [003]; docs/physics.md section 13)::

    L ⊃ g Z'_a (mu-bar g^a mu + tau-bar g^a tau + nu_mu-bar g^a P_L nu_mu + nu_tau-bar g^a P_L nu_tau)
        [+ g_chi Z'_a chi-bar g^a chi]      (model lmu_ltau_dm, alpha_D = g_chi^2 / 4 pi)
    L ⊃ g V_a mu-bar g^a mu                 (model muonphilic_vector: Rella-Doebrich-Yu eq. 2)

Everything the generator knows of this process is here and in its physics modules beside it:

* exact 2->3 kernels: :mod:`generator.processes.vector_brems` (vertex g gamma^a eps*_a(k), photon exchange
  with a spin-0 nucleus, explicit spinors; the massive polarisation sum -g_ab + k_a k_b/m^2 taken as three
  real polarisation vectors, the k_a k_b term dropping because the muon vector current is conserved); the
  vertex coefficients (c_v, c_a) = (1, 0) at unit coupling;
* models ``lmu_ltau`` (default), ``lmu_ltau_dm`` and ``muonphilic_vector`` with their widths, branching
  ratios, decay length and Delta a_mu (positive): :class:`~generator.processes.zprime_physics.ZPrimeModel`;
* decay channels mu mu, tau tau, nu_mu nu_mu~, nu_tau nu_tau~, chi chi~
  (:func:`~generator.processes.zprime_physics.zprime_channels`). **Angular approximation:** the Z' is
  decayed isotropically in its rest frame (the polarisation-averaged distribution); the Z' of
  bremsstrahlung is partly polarised, so daughter angles are approximate, rates and decay points exact;
* parameters ``m_chi`` (GeV; none = m_Z'/3) and ``g_chi`` (default 1) of ``lmu_ltau_dm``;
* its experiment key ``cuts.production.max_outgoing_lepton_energy``: the NA64mu missing-energy signature
  (outgoing muon below 80-100 GeV from 160 GeV, [003]) applied to the events by :func:`event_acceptance`;
  in an experiment with a missing-energy signature an invisible decay (nu nu~, chi chi~) counts wherever it
  happens (:mod:`generator.assemble`), a visible one only beyond the detector;
* approximations, both from :mod:`generator.processes.zprime_ww`:

  - ``ww``: Weizsaecker-Williams with the exact t_min(x, theta_Z') and the 2->2 amplitude gamma mu -> mu Z'
    from the same spinor kernel (the DMG4 choice for muon beams);
  - ``iww``: improved WW with the x-independent t_min = m_Z'^4/4E^2, t_max = m_Z'^2 + m_mu^2, the theta
    integral done analytically; identical to DMG4's ``DarkZ::CrossSectionDSDX_IWW`` (Kirpichnikov et al.,
    PRD 104 (2021) 076012, arXiv:2107.13297, for the NA64mu Z'; Gninenko-Kirpichnikov-Krasnikov,
    arXiv:1705.01633 eq. 30) and, for m_mu -> 0, to the A' formula (1 - x + x^2/3)/U of Bjorken et al.

References: [003] Gninenko (NA64), NA64mu proposal; Kirpichnikov, Sieber, Molina Bueno, Crivelli, Kirsanov,
PRD 104 (2021) 076012; Bjorken, Essig, Schuster, Toro, PRD 80 (2009) 075018; docs/physics.md section 13.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._schema import CardFloat, optional
from ..constants import M_MU, PDG_MUON
from ..phase_space import DIM
from ..process_spec import Approximation, ExperimentKey, KernelRef, Param, Process, Range, TargetLike
from .zprime_physics import PDG_ZPRIME, ZPRIME_MODEL_NAMES, ZPrimeModel, zprime_channels

__all__ = ["ZPRIME", "event_acceptance", "make_model"]

#: The Z' parameters (run-card keys, CLI options, ``cross_section`` keywords); lmu_ltau_dm reads them.
PARAMS = (
    Param("m_chi", optional(CardFloat), None, "dark fermion mass, none = mass/3 (model lmu_ltau_dm)",
          "a number > 0 (GeV) with 2 m_chi < mass, or none", unit="GeV", check=Range(0.0, open_low=True)),
    Param("g_chi", CardFloat, 1.0, "Z'-chi coupling, alpha_D = g_chi^2/4pi (model lmu_ltau_dm)", "a number >= 0",
          check=Range(0.0)),
)

#: The outgoing-muon cut of the NA64mu missing-energy signature ([003]: mu' below 80-100 GeV).
EXPERIMENT_KEYS = (
    ExperimentKey("cuts.production.max_outgoing_lepton_energy", "positive", "GeV",
                  "the outgoing muon's lab energy must be below it ([003]: 80-100 GeV from 160 GeV)"),
)


def make_model(name: str, coupling: float, params: Mapping[str, Any]) -> ZPrimeModel:
    """The :class:`ZPrimeModel` of a card: g = ``coupling``, m_chi and g_chi from ``params``."""
    return ZPrimeModel(coupling, name=name, m_chi=params["m_chi"], g_chi=float(params["g_chi"]))


def decay_channels(model: ZPrimeModel, mass: float) -> list:
    """The channels of the model, in the order of ``model.partial_widths``."""
    by_name = {c.name: c for c in zprime_channels(model.dark_fermion_mass(mass))}
    return [by_name[name] for name in model.partial_widths(mass)]


def validate(config: Any) -> tuple[str, str, str] | None:
    """m_chi and g_chi belong to ``lmu_ltau_dm`` (the other models have no chi: refused if changed);
    ``lmu_ltau_dm`` needs chi chi~ open (2 m_chi < m_Z')."""
    params = config.params
    if config.model != "lmu_ltau_dm":
        for p in PARAMS:
            if params[p.name] != p.default:
                return (p.name, f"{p.name} = {params[p.name]} but model = {config.model!r} has no dark fermion",
                        f"{p.name} = {'none' if p.default is None else p.default}, or model = lmu_ltau_dm")
        return None
    m_chi = make_model(config.model, 1.0, params).dark_fermion_mass(config.mass)
    if not 2.0 * m_chi < config.mass:
        return ("m_chi", f"m_chi = {m_chi:.6g} GeV: Z' -> chi chi~ is closed (2 m_chi >= mass = {config.mass} GeV)",
                f"m_chi < mass/2 = {config.mass / 2:.6g} GeV (none = mass/3)")
    return None


def event_acceptance(plan: Any, chunk: Mapping[str, Any]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The NA64mu missing-energy selection of [003] on top of the decay position: the outgoing muon's lab
    energy below ``cuts.production.max_outgoing_lepton_energy`` (``LEPTON_ENERGY``) when the experiment
    sets it. Whether the Z' escapes is the decay probability's job: a visible decay counts beyond the
    detector (the experiment's decay volume), an invisible one anywhere (:mod:`generator.assemble`)."""
    p_out = np.asarray(chunk["p_out"], dtype=float)
    e_max = plan.experiment.process_keys.get("cuts.production.max_outgoing_lepton_energy")
    masks: dict[str, np.ndarray] = {}
    if e_max is not None:
        masks["LEPTON_ENERGY"] = p_out[:, 0] >= e_max
    acc = np.ones(len(p_out))
    for m in masks.values():
        acc[m] = 0.0
    return acc, masks


def _sigma_ww(energy: float, mass: float, target: TargetLike, ff_kind: int,
              params: Mapping[str, Any]) -> tuple[float, float]:
    from .zprime_ww import sigma_ww_vector  # imported when the method is asked for (issue 19)

    s = sigma_ww_vector(energy, mass, target.z, target.a, ff_kind)
    s2 = sigma_ww_vector(energy, mass, target.z, target.a, ff_kind, n_x=80, n_theta=80)
    return float(s), abs(float(s) - float(s2))


def _sigma_iww(energy: float, mass: float, target: TargetLike, ff_kind: int,
               params: Mapping[str, Any]) -> tuple[float, float]:
    from .zprime_ww import sigma_iww_vector

    cs = sigma_iww_vector(energy, mass, target.z, target.a, ff_kind)
    return cs.sigma_pb, cs.error_pb


ZPRIME = Process(
    name="zprime",
    description="mu N -> mu N Z' (vector Z' of L_mu - L_tau, photon exchange, exact tree level)",
    lepton_in_pdg=PDG_MUON,
    lepton_out_pdg=PDG_MUON,
    boson_pdg=PDG_ZPRIME,
    m_in=M_MU,
    m_out=M_MU,
    dim=DIM,
    dsigma=KernelRef("generator.processes.vector_brems", "dsigma_batch"),
    kinematics=KernelRef("generator.processes.vector_brems", "kinematics_batch"),
    models=ZPRIME_MODEL_NAMES,
    make_model=make_model,
    decay_channels=decay_channels,
    params=PARAMS,
    experiment_keys=EXPERIMENT_KEYS,
    validate=validate,
    spin=1,
    polarisation_sum="-g_ab + k_a k_b/m^2 (three real polarisation vectors; k_a k_b drops: conserved current)",
    boson_label="Z'",
    coupling_label=r"$g_{Z'}$",
    approximations={
        "ww": Approximation("ww", "WW with the exact t_min(x, theta_Z') and the 2->2 gamma mu -> mu Z' amplitude "
                            "(DMG4's choice; generator/processes/zprime_ww.py)", _sigma_ww),
        "iww": Approximation("iww", "IWW: t_min = m^4/4E^2, t_max = m^2 + m_mu^2, theta integrated analytically "
                             "(= DMG4 DarkZ IWW, Kirpichnikov et al. arXiv:2107.13297; x <= 1 - m_mu/E)",
                             _sigma_iww),
    },
    form_factors=("tsai", "tsai_unsquared", "lfv"),
    coupling_name="g_Zp",
    event_acceptance=event_acceptance,
    example={"model": "lmu_ltau", "mass": 0.1, "coupling": 4.8e-4, "target": "Pb", "beam_energy": 160.0},
)
