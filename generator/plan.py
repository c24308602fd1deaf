r"""Stage 1 of a run: ``plan(config) -> RunPlan``, everything resolved before any integration.

The plan is plain, picklable data: the process spec (from the registry), the model, the target nucleus,
the beam (fixed energy, depth in a thick target, or a muon flux), the experiment, the decay channels and
the normalisation of counts. Every refusal happens here, before any work or any file (DESIGN.md rule 10).

Cuts that the cross section includes are listed in ``RunPlan.cuts`` (and so in ``summary.json``):
the experiment's production cuts (E_X > x_min E_mu, E_mu > E_cut at the production point), the user's
``min_muon_energy`` and ``max_q2``, and the IWW-validity cut when asked for.

Counts: the number of bosons produced per unit of exposure is
N = N_exposure x (muons per exposure unit) x n_atom L_tg x sigma_eff (pb -> cm^2), see
:mod:`generator.beam_integrands` for sigma_eff.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geometry.materials import EnergyLoss, Material, get_material
from geometry.propagation import depth_to_energy

from .beam_integrands import (
    DepthIntegrand,
    ExactKernel,
    FixedEnergyIntegrand,
    FluxIntegrand,
    SigmaTableKernel,
)
from .cards import RunConfig
from .constants import PB_TO_CM2
from .decays import DecayChannel
from .exceptions import CardError, UnknownMaterial, UnphysicalRequest
from .form_factors import form_factor_code
from .process_spec import Process
from .protocols import Integrand, Model
from .registry import get_process
from .target import Target, check_request

if TYPE_CHECKING:
    from geometry.experiments import Experiment

__all__ = ["MAX_PERTURBATIVE_COUPLING", "RunPlan", "check_coupling", "plan"]


@dataclass(frozen=True, eq=False)
class RunPlan:
    """Everything resolved from a :class:`RunConfig` before any integration (plain, picklable, frozen)."""

    config: RunConfig
    process: Process
    target: Target
    model: Model
    beam_energy: float
    beam_pdg: int
    integrand: Integrand
    experiment: Experiment | None = None
    n_atom_cm3: float = 0.0
    muons_per_exposure: float = 1.0
    length_m: float = 0.0
    exposure: float = 0.0
    exposure_unit: str = ""
    channels: tuple[DecayChannel, ...] = ()
    branching: np.ndarray = field(default_factory=lambda: np.zeros(0))
    width_GeV: float = 0.0
    cuts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def dim(self) -> int:
        return self.integrand.dim

    @property
    def counts_per_pb(self) -> float:
        """Expected bosons per pb of depth-averaged cross section for the experiment's exposure."""
        return self.exposure * self.muons_per_exposure * self.n_atom_cm3 * self.length_m * 100.0 * PB_TO_CM2

    @property
    def sigma_meaning(self) -> str:
        """What ``sigma_pb`` and the ``w_xsec`` weights are normalised to."""
        if self.experiment is None:
            return "sigma at the beam energy"
        return "depth-averaged sigma (1/L_tg) int dy sigma(E(y)), per beam particle"


def _card_error(config: RunConfig, key: str, problem: str, expected: str) -> CardError:
    return CardError(config.source_path, config.source_lines.get(key), key, problem, expected)


def _experiment_and_material(config: RunConfig) -> tuple[Experiment | None, Material]:
    if config.experiment is None:
        if config.target is None:  # the card's schema asks for one of the two
            raise _card_error(config, "target", "neither a target nor an experiment",
                              "target = <material> or experiment = <name>")
        try:
            return None, get_material(config.target)
        except UnknownMaterial as exc:
            raise _card_error(config, "target", str(exc).strip("'\""), "a known material") from None
    # the experiment loader (pydantic schemas: 0.1 s) and the beams only for a run with an experiment
    from geometry.experiments import ExperimentError, load_experiment

    try:
        experiment = load_experiment(config.experiment, base_dir=config.card_dir)
    except (KeyError, ExperimentError) as exc:
        raise _card_error(config, "experiment", str(exc).strip("'\""), "a shipped experiment name or "
                          "a path to an experiment TOML file") from None
    return experiment, get_material(experiment.target.material)


def _energy_loss(config: RunConfig, material: Material, notes: list[str]) -> EnergyLoss:
    if config.energy_loss == "constant":
        _e, s_min_ion = material.minimum_ionisation()
        notes.append(f"constant dE/dx = minimum ionisation {s_min_ion:.4g} MeV cm2/g x rho "
                     "(Chen–Pospelov–Zhong Table I)")
        return EnergyLoss.constant(0.1 * material.density_g_cm3 * s_min_ion, material=material)
    return EnergyLoss.table(material)


def _production_cuts(config: RunConfig, process: Process, experiment: Experiment | None,
                     beam_energy: float | None, cuts: list[str]) -> tuple[float, float]:
    """(E_cut on the beam lepton at the production point, minimum boson energy) in GeV."""
    e_cut, e_k_min = process.m_in, 0.0
    if experiment is not None:
        pc = experiment.production_cuts
        if pc.min_muon_energy > e_cut:
            e_cut = pc.min_muon_energy
            cuts.append(f"E_mu > {pc.min_muon_energy:g} GeV at the production point ({experiment.name})")
        if pc.x_min > 0 and beam_energy is not None:
            e_k_min = pc.x_min * beam_energy
            cuts.append(f"E_X > {pc.x_min:.4g} E_beam = {e_k_min:.4g} GeV ({experiment.name})")
    if config.iww_validity_cut:  # optional, to reproduce Rella–Döbrich–Yu Sec. III
        own = experiment.production_cuts if experiment is not None else None
        factor = float((own.iww_energy_factor if own is not None else None) or 300.0)
        e_cut = max(e_cut, factor * config.mass)
        cuts.append(f"IWW validity: E_mu > max({factor:g} m_X, m_mu) (Rella–Döbrich–Yu Sec. III)")
    if config.min_muon_energy is not None and config.min_muon_energy > e_cut:
        e_cut = config.min_muon_energy
        cuts.append(f"E_mu > {config.min_muon_energy:g} GeV (card: min_muon_energy)")
    if config.max_q2 is not None:
        cuts.append(f"Q^2 < {config.max_q2:g} GeV^2 (card: max_q2)")
    return e_cut, e_k_min


def _kernel(config: RunConfig, process: Process, target: Target, e_k_min: float, e_lo: float,
            e_hi: float) -> Any:
    """The exact kernel, or the card's approximate method tabulated in E over [e_lo, e_hi]."""
    assert config.form_factor is not None, "the card's schema sets the process's default form factor"
    ff = form_factor_code(config.form_factor)
    params = config.process_params()
    if config.method == "exact":
        q2_cap = config.max_q2 if config.max_q2 is not None else math.inf
        par = process.parameters(config.mass, target.z, target.a, target.m_nucleus, ff, q2_cap=q2_cap,
                                 e_k_min=e_k_min, params=params)
        return ExactKernel(process, par)
    method = process.approximations[config.method]
    e_thr = process.threshold_energy(config.mass, target.m_nucleus) * (1 + 1e-9)

    def sigma(e: float) -> tuple[float, float]:
        return method.sigma(e, config.mass, target, ff, params) if e > e_thr else (0.0, 0.0)

    return SigmaTableKernel.build(config.method, sigma, max(e_lo, e_thr), max(e_hi, e_thr))


def _flux_integrand(config: RunConfig, process: Process, target: Target, experiment: Experiment,
                    material: Material, loss: EnergyLoss, e_cut: float, e_k_min: float,
                    notes: list[str]) -> FluxIntegrand:
    e_min = max(e_cut, process.threshold_energy(config.mass, target.m_nucleus))
    flux, above_fraction = _flux(config, experiment, material, e_min)
    e0 = np.asarray(flux.energy_GeV, dtype=float)
    order = np.argsort(e0, kind="stable")  # VEGAS's muon variable then runs in energy and adapts to it
    flux = flux.select(order)
    e0 = e0[order]
    direction = np.asarray(flux.direction, dtype=float)
    origin = np.stack([flux.x_m, flux.y_m, flux.z_m], axis=1)
    tgt = experiment.target
    with np.errstate(divide="ignore"):
        path = np.where(direction[:, 2] > 0, (float(tgt.z_start) + float(tgt.length) - origin[:, 2]) / direction[:, 2], 0.0)
    path = np.clip(path, 0.0, None)
    above = e0 > e_cut  # each path stops where the muon's energy reaches the cut
    path[above] = np.minimum(path[above], depth_to_energy(e0[above], np.full(above.sum(), e_cut), loss))
    path[~above] = 0.0
    w = np.asarray(flux.weight, dtype=float) * (path > 0)
    if w.sum() <= 0:
        raise UnphysicalRequest("no muon of the flux traverses the target")
    kernel = _kernel(config, process, target, e_k_min, e_min, float(e0.max()))
    pdg = np.asarray(flux.pdg, dtype=int)
    per = flux.weight_unit if experiment.exposure.count else "per unit of the flux-file weights"
    n_plus = float(np.sum(w[pdg < 0]) / w.sum())
    notes.append(f"muon flux: {len(e0)} muons above the production threshold {e_min:.4g} GeV (a fraction "
                 f"{above_fraction:.3g} of the flux weight), {w.sum():.4g} {per} through the target "
                 f"(mu+ fraction {n_plus:.3f}, each event's charge from its muon); {flux.source}")
    if getattr(flux, "approximate", False):
        notes.append("APPROXIMATE built-in secondary-muon source (BMPT pi/K, decay before absorption): "
                     "order-of-magnitude only; supply flux_file for physics results")
    return FluxIntegrand(kernel, float(tgt.length), e_cut, loss, e0, origin, direction, path,
                         np.cumsum(w) / w.sum(), pdg, float(w.sum()))


def _flux(config: RunConfig, experiment: Experiment, material: Material, e_min: float) -> tuple[Any, float]:
    """The muons of the flux above ``e_min`` (the production threshold and the energy cuts: the others
    cannot produce), sampled down to ``n_flux_muons`` by weight, and the fraction of the flux weight above
    ``e_min``. Dropping them changes no count (their sigma is 0; the counts' muons per exposure are the
    weight kept) but spends every sampled muon where the signal is."""
    from geometry.beams import MuonFlux, SecondaryMuonSource  # only a run with a muon flux needs them

    rng = np.random.default_rng(config.seed + 7919)
    if config.flux_file is not None:
        unit = "per MOT" if experiment.exposure.kind == "MOT" else "per POT"
        flux, n = MuonFlux.from_file(config.card_path(config.flux_file), weight_unit=unit), config.n_flux_muons
    elif experiment.beam.kind == "proton_dump":
        src = SecondaryMuonSource.proton_dump(material, beam_energy_GeV=float(experiment.beam.energy or 400.0),
                                              target_length_m=float(experiment.target.length))
        flux, n = src.sample(max(config.n_flux_muons // 4, 100), rng), None
    else:
        raise _card_error(config, "flux_file", f"experiment {experiment.name!r} needs a muon flux file "
                          f"({experiment.beam.flux})", "a CSV/ROOT/parquet flux file path")
    e0 = np.asarray(flux.energy_GeV, dtype=float)
    above = e0 > e_min
    if not above.any():
        raise UnphysicalRequest(f"no muon of the flux is above threshold for mass = {config.mass} GeV "
                                f"(max E_mu = {e0.max():.4g} GeV, need > {e_min:.4g} GeV)")
    total = float(np.sum(flux.weight))
    fraction = float(np.sum(np.asarray(flux.weight)[above]) / total) if total > 0 else 1.0
    flux = flux.select(np.flatnonzero(above))
    if n is not None and len(flux) > n:
        flux = flux.sample(n, rng)
    return flux, fraction


def _decays(config: RunConfig, process: Process, model: Model
            ) -> tuple[float, tuple[DecayChannel, ...], np.ndarray]:
    """Total width (GeV), decay channels and branching ratios of the boson at the card's mass."""
    widths = model.partial_widths(config.mass)
    width = float(sum(widths.values()))
    channels = tuple(process.decay_channels(model, config.mass))
    branching = np.array([widths[c.name] / width if width > 0 else 0.0 for c in channels])
    if config.decay and width <= 0:
        reason = (f"coupling = {config.coupling} gives the boson no width" if config.coupling == 0 else
                  f"model {config.model!r} with mass {config.mass} GeV has no open decay channel")
        raise _card_error(config, "decay", reason, "decay = False, or a coupling > 0 / a mass above a "
                          "decay threshold")
    return width, channels, branching


#: Largest coupling treated as perturbative: g^2 / 4 pi <= 1 (beyond it tree-level sigma and widths
#: mean nothing).
MAX_PERTURBATIVE_COUPLING = math.sqrt(4 * math.pi)


def check_coupling(config: RunConfig) -> None:
    """Refuse a run at coupling 0 (nothing produced) or beyond perturbativity (g^2/4pi > 1).

    A scan over couplings integrates once at unit coupling and reweights
    (:func:`generator.run.yields_vs_coupling`); this check is for a run that produces events or counts
    at the card's coupling.
    """
    g = config.coupling
    name = get_process(config.process).coupling_name
    if g == 0:
        raise _card_error(config, "coupling", f"coupling = 0: {name} = 0 produces no boson (sigma ~ {name}^2) "
                          "and the boson would never decay", "a coupling > 0, e.g. 5e-4")
    if g * g / (4 * math.pi) > 1:
        raise _card_error(config, "coupling", f"coupling = {g:g}: {name}^2/4pi = {g * g / (4 * math.pi):.3g} > 1 "
                          "is not perturbative, so the tree-level cross section and widths do not apply",
                          f"0 < coupling <= sqrt(4 pi) = {MAX_PERTURBATIVE_COUPLING:.4g}")


def plan(config: RunConfig) -> RunPlan:
    """Resolve process, model, target, beam, experiment and decays; refuse unphysical requests early."""
    process = get_process(config.process)
    model = process.make_model(config.model, config.coupling, config.process_params())
    experiment, material = _experiment_and_material(config)
    target = Target.from_material(material)
    notes: list[str] = []
    cuts: list[str] = []
    mono = experiment is None or experiment.beam.kind == "mono"
    beam_energy = config.beam_energy
    if beam_energy is None and experiment is not None and mono and experiment.beam.energy is not None:
        beam_energy = float(experiment.beam.energy)
    beam_pdg = config.beam_pdg
    if beam_pdg is None:
        beam_pdg = int(experiment.beam.particle) if experiment is not None and mono else -13
    loss = _energy_loss(config, material, notes)
    e_cut, e_k_min = _production_cuts(config, process, experiment, beam_energy, cuts)
    if mono:
        if beam_energy is None:
            raise _card_error(config, "beam_energy", "no beam energy", "a number > 0 (GeV)")
        check_request(process, target, beam_energy, config.mass, config.coupling)
        # a thin target needs sigma at the beam energy only; a thick one from the cut up to it
        e_lo = e_cut if experiment is not None else float(beam_energy)
        kernel = _kernel(config, process, target, e_k_min, e_lo, float(beam_energy))
        if experiment is None:
            integrand: Integrand = FixedEnergyIntegrand(kernel, float(beam_energy))
        else:
            integrand = DepthIntegrand.build(kernel, float(beam_energy), float(experiment.target.length),
                                             e_cut, loss)
    else:
        assert experiment is not None, "a muon flux is an experiment's beam"
        if config.beam_pdg is not None:
            raise _card_error(config, "beam_pdg", f"beam_pdg = {config.beam_pdg} but the beam of "
                              f"{experiment.name} is a muon flux, which gives each muon's charge", "beam_pdg = none")
        integrand = _flux_integrand(config, process, target, experiment, material, loss, e_cut, e_k_min, notes)
        beam_energy = float(np.average(integrand.e0, weights=np.diff(integrand.cdf, prepend=0.0)))
        beam_pdg = int(np.sign(np.sum(np.diff(integrand.cdf, prepend=0.0) * np.sign(integrand.pdg))) or 1) * 13
    counts: dict[str, Any] = {}
    if experiment is not None:
        counts = {"n_atom_cm3": float(material.n_atom_cm3), "length_m": float(experiment.target.length),
                  "exposure": float(experiment.exposure.count or 1.0),
                  "muons_per_exposure": float(getattr(integrand, "total_weight", 1.0)),
                  "exposure_unit": (experiment.exposure.kind if experiment.exposure.count else
                                    "1 unit of the flux weights (the experiment gives no exposure)")}
    width, channels, branching = _decays(config, process, model)
    return RunPlan(config=config, process=process, target=target, model=model, beam_energy=float(beam_energy),
                   beam_pdg=beam_pdg, integrand=integrand, experiment=experiment, channels=channels,
                   branching=branching, width_GeV=width, cuts=tuple(cuts), notes=tuple(notes), **counts)
