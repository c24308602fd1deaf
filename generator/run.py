r"""One run: card -> integration -> events -> decays -> experiment weights -> files + summary.json.

This is the single orchestration path behind ``mudump run`` and :func:`generate` (DESIGN.md "flow").

Beam and target (what is integrated)
------------------------------------
* No experiment (``target = Pb`` in the card): a thin target at the fixed beam energy. The integrand is
  d sigma on the 4-dimensional unit cube of :mod:`generator.phase_space`; ``w_xsec`` sums to sigma (pb).
* Experiment with a monochromatic muon beam (NA64-mu, FNAL, muon-collider thin target): the production
  depth y in the target is a fifth VEGAS dimension, y = u4 L_tg, and the muon energy at y comes from
  :mod:`geometry.propagation` (PDG-table or constant dE/dx). This is Chen–Pospelov–Zhong eqs. (14)–(17)
  with the exact matrix element at every E_mu(y). ``w_xsec`` then sums to the depth-averaged cross
  section sigma_eff = (1/L_tg) int_0^L_tg dy sigma(E_mu(y)) (pb), and the number of bosons produced per
  beam muon is n_atom L_tg sigma_eff.
* Experiment with a muon flux (proton dumps: NA62, SHiP; flux files: FASERnu2): a sixth dimension picks
  a muon i of the sample with probability w_i / W (its weight per POT/MOT); its path in the target is
  followed from its production point along its direction (Rella–Döbrich–Yu eq. (23)). The integrand is
  L_i sigma(E_i(y)) / L_tg, so ``w_xsec`` sums to the depth-averaged cross section per muon of the sample,
  and the number produced per POT (MOT) is W n_atom L_tg sigma_eff, W the sample's muons per POT.

Per event (DESIGN.md rule 3 for the coupling dependence)
-------------------------------------------------------
A random azimuth about the beam; the boson's decay length L = |k| hbar c / (m Gamma) at the card's
coupling; for experiments the interval [s_min, s_max] of its straight line in the decay volume, the decay
probability P = e^{-s_min/L} - e^{-s_max/L} and a decay vertex sampled from the truncated exponential
(PHYSICS.md section 8); two-body decays in the rest frame; the daughter acceptance of the experiment.
Weights: ``w_xsec`` (pb), ``p_decay``, ``acceptance`` and their product ``weight``.

Expected signal: N = N_exposure n_atom L_tg sum_events(weight) (pb -> cm^2).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from ._version import __version__
from .cards import RunConfig, load_card
from .constants import HBARC_GEV_M, PB_TO_CM2
from .decays import DecayChannel, decay_events, sample_channels, scalar_channels
from .events import RunInfo, build_events
from .exceptions import CardError, UnphysicalRequest
from .form_factors import form_factor_code
from .integrate import EventSampler, IntegrationResult, VegasSettings, integrate
from .models import ScalarModel
from .processes import Process, get_process
from .xsec import FixedEnergyIntegrand, Target, check_request

OUTPUT_SUFFIX = {"lhe": "events.lhe", "root": "events.root", "hepmc": "events.hepmc3", "fairship": "events_fairship.root"}
CHUNK_EVENTS = 20_000


# ------------------------------------------------------------------------------------------------
# integrands with the production point as a variable
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DepthIntegrand:
    """d sigma with the production depth as the last unit-cube variable (monochromatic muon beam).

    ``f(u[n, 5])``: y = u4 * y_max, with y_max = min(L_tg, depth where E(y) reaches ``e_cut``) so that the
    integrand has no step inside the cube (a step would leave VEGAS cells straddling it with outlying
    weights); E(y) from ``energy_loss``. Value: d sigma(E(y)) * y_max / L_tg [pb], so the integral is the
    depth-averaged cross section (1/L_tg) int_0^L_tg dy sigma(E(y)).
    """

    process: Process
    par: np.ndarray
    e_beam: float
    length_m: float
    e_cut: float
    energy_loss: Any = field(repr=False)
    y_max: float = 0.0

    @classmethod
    def build(cls, process: Process, par: np.ndarray, e_beam: float, length_m: float, e_cut: float,
              energy_loss: Any) -> DepthIntegrand:
        from geometry.propagation import depth_to_energy

        y_cut = float(depth_to_energy(e_beam, e_cut, energy_loss)) if e_cut < e_beam else 0.0
        return cls(process, par, e_beam, length_m, e_cut, energy_loss, min(length_m, y_cut))

    @property
    def dim(self) -> int:
        return self.process.dim + 1

    def energies(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from geometry.propagation import energy_after

        y = u[:, -1] * self.y_max
        prop = energy_after(np.full(len(y), self.e_beam), y, self.energy_loss)
        e = np.asarray(prop.energy_GeV, dtype=float)
        ok = ~np.asarray(prop.stopped) & (e > self.e_cut)
        return y, np.where(ok, e, -1.0)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        _, e = self.energies(u)
        ok = e > 0
        out = np.zeros(len(u))
        if ok.any():
            ds = self.process.dsigma(np.ascontiguousarray(u[ok, : self.process.dim]), e[ok], self.par)
            out[ok] = ds * (self.y_max / self.length_m)
        return out

    def event_inputs(self, u: np.ndarray):
        """(energy at production, production vertex [m], beam direction) for sampled points."""
        y, e = self.energies(u)
        vertex = np.zeros((len(u), 3))
        vertex[:, 2] = y
        direction = np.tile([0.0, 0.0, 1.0], (len(u), 1))
        return e, vertex, direction


@dataclass(frozen=True, slots=True)
class FluxIntegrand:
    """d sigma summed over a weighted muon sample (proton dumps, flux files; 001 eq. 23).

    ``f(u[n, 6])``: muon i from u5 by inverse CDF of the weights; y = u4 * path_i along its direction to
    the target's back face; value path_i / L_tg * d sigma(E_i(y)) [pb]: the integral is the depth-averaged
    cross section per muon of the sample; ``total_weight`` W (muons per POT/MOT) enters the counts.
    """

    process: Process
    par: np.ndarray
    length_m: float
    e_cut: float
    energy_loss: Any = field(repr=False)
    e0: np.ndarray = field(repr=False)
    origin: np.ndarray = field(repr=False)
    direction: np.ndarray = field(repr=False)
    path_m: np.ndarray = field(repr=False)
    cdf: np.ndarray = field(repr=False)
    total_weight: float = 1.0

    @property
    def dim(self) -> int:
        return self.process.dim + 2

    def _muons(self, u: np.ndarray) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, u[:, -1], side="right"), len(self.cdf) - 1)

    def energies(self, u: np.ndarray):
        from geometry.propagation import energy_after

        i = self._muons(u)
        y = u[:, -2] * self.path_m[i]
        prop = energy_after(self.e0[i], y, self.energy_loss)
        e = np.asarray(prop.energy_GeV, dtype=float)
        ok = ~np.asarray(prop.stopped) & (e > self.e_cut) & (self.path_m[i] > 0)
        return i, y, np.where(ok, e, -1.0)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        i, _, e = self.energies(u)
        ok = e > 0
        out = np.zeros(len(u))
        if ok.any():
            ds = self.process.dsigma(np.ascontiguousarray(u[ok, : self.process.dim]), e[ok], self.par)
            out[ok] = ds * self.path_m[i[ok]] / self.length_m
        return out

    def event_inputs(self, u: np.ndarray):
        i, y, e = self.energies(u)
        vertex = self.origin[i] + y[:, None] * self.direction[i]
        return e, vertex, self.direction[i]


# ------------------------------------------------------------------------------------------------
# setup
# ------------------------------------------------------------------------------------------------
@dataclass
class RunSetup:
    """Everything resolved from a :class:`RunConfig` before any integration (refusals happen here)."""

    config: RunConfig
    process: Process
    target: Target
    model: ScalarModel
    beam_energy: float
    beam_pdg: int
    integrand: Any
    dim: int
    experiment: Any = None
    n_atom_cm3: float = 0.0
    muons_per_exposure: float = 1.0
    length_m: float = 0.0
    exposure: float = 0.0
    exposure_unit: str = ""
    channels: list[DecayChannel] = field(default_factory=list)
    branching: np.ndarray = field(default_factory=lambda: np.zeros(0))
    width_GeV: float = 0.0
    notes: list[str] = field(default_factory=list)


def _card_error(config: RunConfig, key: str, problem: str, expected: str) -> CardError:
    return CardError(config.source_path, config.source_lines.get(key), key, problem, expected)


def _model(config: RunConfig) -> ScalarModel:
    if config.process != "scalar":
        raise _card_error(config, "process", f"process = {config.process!r} is not implemented yet in "
                          "event generation", "scalar")
    if config.model == "free":
        return ScalarModel.free(config.g_e, config.coupling, config.g_tau)
    return ScalarModel.from_name(config.model, config.coupling)


def setup_run(config: RunConfig) -> RunSetup:
    """Resolve process, target, beam, experiment and decays; refuse unphysical requests early."""
    from geometry.materials import EnergyLoss, get_material

    process = get_process(config.process)
    model = _model(config)
    ff = form_factor_code(config.form_factor)
    experiment = None
    notes: list[str] = []
    if config.experiment is not None:
        from geometry.experiments import ExperimentError, load_experiment

        try:
            experiment = load_experiment(config.experiment)
        except (KeyError, ExperimentError) as exc:
            raise _card_error(config, "experiment", str(exc).strip("'\""), "a shipped experiment name or "
                              "a path to an experiment TOML file") from None
        material = get_material(experiment.target.material)
    else:
        try:
            material = get_material(config.target)
        except KeyError as exc:
            raise _card_error(config, "target", str(exc).strip("'\""), "a known material") from None
    target = Target(name=material.symbol, z=float(material.z), a=float(material.a_g_mol),
                    m_nucleus=float(material.nucleus_mass_GeV), mass_number=int(material.mass_number))

    beam_kind = experiment.beam.kind if experiment is not None else "mono"
    beam_energy = config.beam_energy
    if beam_energy is None and experiment is not None and beam_kind == "mono":
        beam_energy = float(experiment.beam.energy)
    beam_pdg = config.beam_pdg
    if beam_pdg is None:
        beam_pdg = int(experiment.beam.particle) if experiment is not None and beam_kind == "mono" else -13

    if config.energy_loss == "constant":
        _e_min_ion, s_min_ion = material.minimum_ionisation()
        loss = EnergyLoss.constant(0.1 * material.density_g_cm3 * s_min_ion, material=material)
        notes.append(f"constant dE/dx = minimum ionisation {s_min_ion:.4g} MeV cm2/g x rho "
                     f"(Chen–Pospelov–Zhong Table I)")
    else:
        loss = EnergyLoss.table(material)

    e_k_min = 0.0
    e_cut = process.m_in
    if experiment is not None:
        cuts = experiment.production_cuts
        e_cut = max(e_cut, cuts.min_muon_energy)
        if cuts.x_min > 0 and beam_energy is not None:
            e_k_min = cuts.x_min * beam_energy
        if config.iww_validity_cut:  # optional, to reproduce Rella–Döbrich–Yu
            factor = cuts.iww_energy_factor or 300.0
            e_cut = max(e_cut, factor * config.mass)
            notes.append(f"IWW-validity cut E_mu > max({factor:g} m_S, m_mu) (Rella–Döbrich–Yu Sec. III)")
    elif config.iww_validity_cut:
        e_cut = max(e_cut, 300 * config.mass)
    if config.min_muon_energy is not None:
        e_cut = max(e_cut, config.min_muon_energy)
    par = process.parameters(config.mass, target.z, target.a, target.m_nucleus, ff, e_k_min=e_k_min)

    if beam_kind == "mono":
        if beam_energy is None:
            raise _card_error(config, "beam_energy", "no beam energy", "a number > 0 (GeV)")
        check_request(process, target, beam_energy, config.mass, config.coupling)
        if experiment is None:
            integrand = FixedEnergyIntegrand(process, par, float(beam_energy))
            dim = process.dim
        else:
            integrand = DepthIntegrand.build(process, par, float(beam_energy), float(experiment.target.length),
                                             e_cut, loss)
            dim = integrand.dim
    else:
        flux = _flux_for(config, experiment, material)
        e0 = np.asarray(flux.energy_GeV, dtype=float)
        if not np.any(e0 > max(e_cut, process.threshold_energy(config.mass, target.m_nucleus))):
            raise UnphysicalRequest(f"no muon of the flux is above threshold for mass = {config.mass} GeV "
                                    f"(max E_mu = {e0.max():.4g} GeV)")
        direction = np.asarray(flux.direction, dtype=float)
        origin = np.stack([flux.x_m, flux.y_m, flux.z_m], axis=1)
        tgt = experiment.target
        z_end = tgt.z_start + tgt.length
        with np.errstate(divide="ignore"):
            path = np.where(direction[:, 2] > 0, (z_end - origin[:, 2]) / direction[:, 2], 0.0)
        path = np.clip(path, 0.0, None)
        # stop each muon's path where its energy reaches the cut (no step inside the unit cube)
        from geometry.propagation import depth_to_energy

        above = e0 > e_cut
        path[above] = np.minimum(path[above], depth_to_energy(e0[above], np.full(above.sum(), e_cut), loss))
        path[~above] = 0.0
        w = np.asarray(flux.weight, dtype=float) * (path > 0)
        if w.sum() <= 0:
            raise UnphysicalRequest("no muon of the flux traverses the target")
        cdf = np.cumsum(w) / w.sum()
        beam_energy = float(np.average(e0, weights=w))
        integrand = FluxIntegrand(process, par, float(tgt.length), e_cut, loss, e0, origin, direction, path,
                                  cdf, float(w.sum()))
        dim = integrand.dim
        beam_pdg = int(np.sign(np.sum(w * np.sign(flux.pdg))) or 1) * 13
        per = flux.weight_unit if experiment.exposure.count else "per unit of the flux-file weights"
        notes.append(f"muon flux: {len(e0)} muons, {w.sum():.4g} {per} through the target; {flux.source}")
        if getattr(flux, "approximate", False):
            notes.append("APPROXIMATE built-in secondary-muon source (BMPT pi/K, decay before absorption): "
                         "order-of-magnitude only; supply flux_file for physics results")

    setup = RunSetup(config=config, process=process, target=target, model=model, beam_energy=float(beam_energy),
                     beam_pdg=beam_pdg, integrand=integrand, dim=dim, experiment=experiment, notes=notes)
    if experiment is not None:
        setup.n_atom_cm3 = float(material.n_atom_cm3)
        setup.length_m = float(experiment.target.length)
        setup.exposure = float(experiment.exposure.count or 1.0)
        setup.muons_per_exposure = float(getattr(integrand, "total_weight", 1.0))
        setup.exposure_unit = (experiment.exposure.kind if experiment.exposure.count else
                               "1 unit of the flux weights (the experiment gives no exposure)")
    widths = model.partial_widths(config.mass)
    setup.width_GeV = float(sum(widths.values()))
    channels = [c for c in scalar_channels() if c.name in widths]
    setup.channels = channels
    setup.branching = np.array([widths[c.name] / setup.width_GeV if setup.width_GeV > 0 else 0.0
                                for c in channels])
    if config.decay and setup.width_GeV <= 0:
        raise UnphysicalRequest(f"the scalar of model {config.model!r} with mass {config.mass} GeV has no open "
                                "decay channel; set decay = False")
    return setup


def _flux_for(config: RunConfig, experiment: Any, material: Any):
    from geometry.beams import MuonFlux, SecondaryMuonSource

    rng = np.random.default_rng(config.seed + 7919)
    if config.flux_file is not None:
        unit = "per MOT" if experiment.exposure.kind == "MOT" else "per POT"
        flux = MuonFlux.from_file(config.flux_file, weight_unit=unit)
        if len(flux) > config.n_flux_muons:
            flux = flux.sample(config.n_flux_muons, rng)
        return flux
    if experiment.beam.kind == "proton_dump":
        src = SecondaryMuonSource.proton_dump(material, beam_energy_GeV=float(experiment.beam.energy or 400.0),
                                              target_length_m=float(experiment.target.length))
        return src.sample(max(config.n_flux_muons // 4, 100), rng)
    raise _card_error(config, "flux_file", f"experiment {experiment.name!r} needs a muon flux file "
                      f"({experiment.beam.flux})", "a CSV/ROOT/parquet flux file path")


# ------------------------------------------------------------------------------------------------
# events
# ------------------------------------------------------------------------------------------------
def _rotate_z(v: np.ndarray, cphi: np.ndarray, sphi: np.ndarray) -> np.ndarray:
    out = v.copy()
    out[:, 1] = v[:, 1] * cphi - v[:, 2] * sphi
    out[:, 2] = v[:, 1] * sphi + v[:, 2] * cphi
    return out


def _rotate_to(v: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Rotate four-vectors given in a frame with the beam along +z into the frame where it points along d."""
    dz = np.clip(d[:, 2], -1.0, 1.0)
    theta = np.arccos(dz)
    phi = np.arctan2(d[:, 1], d[:, 0])
    ct, st, cp, sp = np.cos(theta), np.sin(theta), np.cos(phi), np.sin(phi)
    x, y, z = v[:, 1], v[:, 2], v[:, 3]
    # R = Rz(phi) Ry(theta)
    x1 = ct * x + st * z
    z1 = -st * x + ct * z
    out = v.copy()
    out[:, 1] = cp * x1 - sp * y
    out[:, 2] = sp * x1 + cp * y
    out[:, 3] = z1
    return out


@dataclass
class Tally:
    """Running sums for the summary (weights in pb)."""

    n: int = 0
    sum_w: float = 0.0
    sum_w2: float = 0.0
    sum_w_decay: float = 0.0
    sum_w_decay2: float = 0.0
    sum_weight: float = 0.0
    sum_weight2: float = 0.0
    rejections: dict[str, float] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)


def _events_from_points(setup: RunSetup, u: np.ndarray, w: np.ndarray, rng: np.random.Generator,
                        tally: Tally, collect: list | None = None) -> ak.Array:
    """Build one chunk of events (schema of :mod:`generator.events`) from sampled unit-cube points."""
    from geometry.acceptance import (
        Rejection,
        daughter_acceptance,
        decay_probability,
        decay_volume_interval,
        sample_decay_distance,
    )

    cfg = setup.config
    proc = setup.process
    n = len(u)
    u4 = np.ascontiguousarray(u[:, : proc.dim])
    if hasattr(setup.integrand, "event_inputs"):
        energy, vertex, direction = setup.integrand.event_inputs(u)
    else:
        energy = np.full(n, setup.beam_energy)
        vertex = np.zeros((n, 3))
        direction = np.tile([0.0, 0.0, 1.0], (n, 1))
    p_in, nuc_in, p_out, nuc_out, k, _, _, _ = proc.kinematics(u4, energy, setup.integrand.par)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)  # random azimuth about the beam
    c, s = np.cos(phi), np.sin(phi)
    p_in, p_out, nuc_out, k = (_rotate_z(v, c, s) for v in (p_in, p_out, nuc_out, k))
    if not np.allclose(direction[:, 2], 1.0):
        p_in, nuc_in, p_out, nuc_out, k = (_rotate_to(v, direction) for v in (p_in, nuc_in, p_out, nuc_out, k))
    m = cfg.mass
    kabs = np.linalg.norm(k[:, 1:], axis=1)
    khat = k[:, 1:] / kabs[:, None]
    width = setup.width_GeV
    ctau = HBARC_GEV_M / width if width > 0 else math.inf
    decay_len = kabs / m * ctau
    p_decay = np.ones(n)
    accept = np.ones(n)
    decay_vertex = vertex.copy()
    channel = np.full(n, -1, dtype=np.int32)
    d_p4 = d_pdg = None
    if setup.experiment is not None and math.isfinite(ctau):
        s_min, s_max = decay_volume_interval(setup.experiment.decay_volume, vertex, khat)
        p_decay = decay_probability(s_min, s_max, decay_len)
        hit = s_max > s_min
        dist = np.where(hit, sample_decay_distance(np.where(hit, s_min, 0.0), np.where(hit, s_max, 1.0),
                                                   decay_len, rng.random(n)), np.nan)
        decay_vertex = vertex + dist[:, None] * khat
    elif cfg.decay and math.isfinite(ctau):
        decay_vertex = vertex - (decay_len * np.log1p(-rng.random(n)))[:, None] * khat
    if cfg.decay and width > 0:
        channel = sample_channels([c.name for c in setup.channels], setup.branching, n, rng)
        d_p4, d_pdg = decay_events(k, setup.channels, channel, rng, parent_mass=m)
        for i, ch in enumerate(setup.channels):
            tally.channels[ch.name] = tally.channels.get(ch.name, 0) + int(np.count_nonzero(channel == i))
    if setup.experiment is not None and d_p4 is not None:
        ok, reason = daughter_acceptance(setup.experiment, decay_vertex, d_p4, d_pdg)
        accept = ok.astype(float)
        for r in np.unique(reason):
            name = Rejection(int(r)).name
            tally.rejections[name] = tally.rejections.get(name, 0.0) + float(np.sum((w * p_decay)[reason == r]))
    weight = w * p_decay * accept
    if collect is not None and setup.experiment is not None and math.isfinite(ctau):
        collect.append({"w_xsec": w, "s_min": s_min, "s_max": s_max, "decay_length": decay_len,
                        "acceptance": accept, "k": k})
    tally.n += n
    tally.sum_w += float(w.sum())
    tally.sum_w2 += float((w * w).sum())
    tally.sum_w_decay += float((w * p_decay).sum())
    tally.sum_w_decay2 += float(((w * p_decay) ** 2).sum())
    tally.sum_weight += float(weight.sum())
    tally.sum_weight2 += float((weight * weight).sum())
    safe_vertex = np.where(np.isfinite(decay_vertex), decay_vertex, vertex)
    lep = proc.lepton_out_pdg * int(np.sign(setup.beam_pdg))
    return build_events(
        p_in, nuc_in, p_out, nuc_out, k,
        lepton_in_pdg=setup.beam_pdg, lepton_out_pdg=lep,
        nucleus_pdg=_nucleus_pdg(setup.target), boson_pdg=proc.boson_pdg,
        daughters_p4=d_p4, daughters_pdg=d_pdg, channel=channel if d_p4 is not None else None,
        prod_vertex=vertex, decay_vertex=safe_vertex, ctau_m=ctau if math.isfinite(ctau) else 0.0,
        w_xsec=w, p_decay=p_decay, acceptance=accept, E_beam=energy,
        masses=(proc.m_in, setup.target.m_nucleus, proc.m_out, m),
        daughters_m=(np.array([c.masses for c in setup.channels])[np.maximum(channel, 0)]
                     if d_p4 is not None else None),
    )  # fmt: skip


def _nucleus_pdg(target: Target) -> int:
    from .constants import nucleus_pdgid

    return nucleus_pdgid(int(target.z), target.mass_number)


def _sigma_meaning(setup: RunSetup) -> str:
    """What ``sigma_pb`` and the ``w_xsec`` weights are normalised to for this run."""
    if setup.experiment is None:
        return "sigma at the beam energy"
    return "depth-averaged sigma (1/L_tg) int dy sigma(E(y)), per beam particle"


def _run_info(setup: RunSetup, res: IntegrationResult, weighted: bool) -> RunInfo:
    cfg = setup.config
    return RunInfo(
        process=setup.process.name, beam_pdg=setup.beam_pdg, beam_energy=setup.beam_energy,
        target_z=int(setup.target.z), target_a=setup.target.mass_number, nucleus_mass=setup.target.m_nucleus,
        sigma_pb=res.mean * cfg.coupling**2, error_pb=res.sdev * cfg.coupling**2, weighted=weighted,
        channel_names=tuple(c.name for c in setup.channels), seed=cfg.seed, generator_version=__version__,
        n_events=cfg.nevents,
        extra={"model": cfg.model, "mass_GeV": cfg.mass, "g_mu": cfg.coupling,
               "g_e": setup.model.g_e, "g_tau": setup.model.g_tau, "width_GeV": setup.width_GeV,
               "experiment": cfg.experiment or "none", "method": "exact",
               "w_xsec_normalisation": _sigma_meaning(setup)},
    )  # fmt: skip


def integrate_run(setup: RunSetup, rng: np.random.Generator) -> IntegrationResult:
    """VEGAS integration of the run's integrand at unit coupling (DESIGN.md rule 3)."""
    cfg = setup.config
    settings = VegasSettings(neval=cfg.neval, nitn_adapt=cfg.nitn_adapt, rel_precision=cfg.precision)
    return integrate(setup.integrand, setup.dim, settings=settings, rng=rng)


def event_chunks(setup: RunSetup, res: IntegrationResult, rng: np.random.Generator, tally: Tally,
                 sampler: EventSampler, progress: Any = None) -> Iterator[ak.Array]:
    """Lazily yield event chunks (weights at the card's coupling, pb)."""
    cfg = setup.config
    g2 = cfg.coupling**2
    if cfg.weighted:
        draws = sampler.weighted(cfg.nevents, CHUNK_EVENTS)
    else:
        draws = sampler.unweighted(cfg.nevents, res.mean, CHUNK_EVENTS)
    for u, w in draws:
        chunk = _events_from_points(setup, u, w * g2, rng, tally)
        if progress is not None:
            progress(len(w))
        yield chunk


def yields_vs_coupling(config: RunConfig, couplings: np.ndarray, *, n_events: int = 20_000
                       ) -> dict[str, Any]:
    """Expected signal counts N(g) for many couplings from ONE integration and ONE weighted sample.

    sigma scales as g^2 and the decay length as 1/g^2 (DESIGN.md rule 3): the events are generated at the
    card's coupling g0, then for each g the weights become w_xsec (g/g0)^2 P(s_min, s_max, L0 (g0/g)^2) x
    acceptance. The daughter acceptance is kept from the vertex sampled at g0 (it depends on g only
    through where in the volume the boson decays). Returns the counts produced / decayed in volume /
    accepted and their MC errors per coupling, plus the setup's exposure normalisation.
    """
    from geometry.acceptance import decay_probability

    cfg = config.replace(weighted=True, nevents=n_events)
    rng = np.random.default_rng(cfg.seed)
    setup = setup_run(cfg)
    if setup.experiment is None:
        raise ValueError("yields_vs_coupling needs an experiment (decay volume and exposure)")
    res = integrate_run(setup, rng)
    sampler = EventSampler(res, rng)
    tally = Tally()
    parts: list[dict] = []
    for u, w in (sampler.weighted(cfg.nevents, CHUNK_EVENTS)):
        _events_from_points(setup, u, w * cfg.coupling**2, rng, tally, collect=parts)
    cat = {k: np.concatenate([p[k] for p in parts]) for k in ("w_xsec", "s_min", "s_max", "decay_length",
                                                               "acceptance")}
    norm = setup.exposure * setup.muons_per_exposure * setup.n_atom_cm3 * setup.length_m * 100.0 * PB_TO_CM2
    eff = setup.experiment.efficiency.signal
    g0 = cfg.coupling
    out = {k: [] for k in ("produced", "decayed", "accepted", "accepted_error")}
    for g in np.asarray(couplings, dtype=float):
        scale = (g / g0) ** 2
        p = decay_probability(cat["s_min"], cat["s_max"], cat["decay_length"] / scale)
        w = cat["w_xsec"] * scale
        out["produced"].append(norm * w.sum())
        out["decayed"].append(norm * (w * p).sum())
        acc = w * p * cat["acceptance"]
        out["accepted"].append(norm * eff * acc.sum())
        out["accepted_error"].append(norm * eff * math.sqrt((acc * acc).sum()))
    result = {k: np.array(v) for k, v in out.items()}
    result["couplings"] = np.asarray(couplings, dtype=float)
    result["sigma_pb_at_g0"] = res.mean * g0**2
    result["mean_decay_probability"] = result["decayed"] / np.where(result["produced"] > 0,
                                                                    result["produced"], 1.0)
    return result


# ------------------------------------------------------------------------------------------------
# public entry points
# ------------------------------------------------------------------------------------------------
def _summary(setup: RunSetup, res: IntegrationResult, sampler: EventSampler, tally: Tally,
             files: dict[str, str], seconds: dict[str, float], card_text: str) -> dict[str, Any]:
    cfg = setup.config
    g2 = cfg.coupling**2
    st = sampler.stats
    out: dict[str, Any] = {
        "mudump_version": __version__,
        "process": setup.process.description,
        "model": cfg.model,
        "mass_GeV": cfg.mass,
        "coupling": cfg.coupling,
        "target": setup.target.name,
        "experiment": cfg.experiment,
        "beam_energy_GeV": setup.beam_energy,
        "beam_pdg": setup.beam_pdg,
        "sigma_pb": res.mean * g2,
        "error_pb": res.sdev * g2,
        "sigma_meaning": _sigma_meaning(setup),
        "chi2_dof": res.chi2_dof,
        "n_eval": res.n_eval,
        "n_events": tally.n,
        "weighted": cfg.weighted,
        "unweighting_efficiency": st.unweighting_efficiency,
        "fraction_over_max_weight": st.fraction_over_max,
        "sum_w_xsec_pb": tally.sum_w,
        "sum_weight_pb": tally.sum_weight,
        "width_GeV": setup.width_GeV,
        "ctau_m": HBARC_GEV_M / setup.width_GeV if setup.width_GeV > 0 else None,
        "branching_ratios": {c.name: float(b) for c, b in zip(setup.channels, setup.branching)},
        "decay_channel_counts": tally.channels,
        "seed": cfg.seed,
        "files": files,
        "timing_s": seconds,
        "events_per_s": tally.n / seconds["events"] if seconds.get("events") else None,
        "notes": setup.notes,
        "card": card_text,
    }
    if setup.experiment is not None:
        norm = setup.exposure * setup.muons_per_exposure * setup.n_atom_cm3 * setup.length_m * 100.0 * PB_TO_CM2
        n_prod = norm * tally.sum_w
        out["expected_events"] = {
            "exposure": setup.exposure,
            "exposure_unit": setup.exposure_unit,
            "muons_per_exposure_unit": setup.muons_per_exposure,
            "n_atom_cm3": setup.n_atom_cm3,
            "target_length_m": setup.length_m,
            "produced": n_prod,
            "produced_error": norm * (res.sdev * g2 if not cfg.weighted else math.sqrt(tally.sum_w2)),
            "decayed_in_volume": norm * tally.sum_w_decay,
            "decayed_in_volume_error": norm * math.sqrt(tally.sum_w_decay2),
            "accepted": norm * tally.sum_weight * setup.experiment.efficiency.signal,
            "accepted_error": norm * math.sqrt(tally.sum_weight2) * setup.experiment.efficiency.signal,
            "efficiency": setup.experiment.efficiency.signal,
            "decayed_in_volume_by_reason_pb": tally.rejections,
        }
    return out


def generate(config: RunConfig, *, progress: bool = False) -> tuple[ak.Array, dict[str, Any]]:
    """Integrate and generate events in memory (for notebooks); returns ``(events, summary)``."""
    rng = np.random.default_rng(config.seed)
    setup = setup_run(config)
    t0 = time.perf_counter()
    res = integrate_run(setup, rng)
    t1 = time.perf_counter()
    tally = Tally()
    sampler = EventSampler(res, rng)
    chunks = list(event_chunks(setup, res, rng, tally, sampler))
    events = ak.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    t2 = time.perf_counter()
    summary = _summary(setup, res, sampler, tally, {}, {"integration": t1 - t0, "events": t2 - t1},
                       config.to_card())
    return events, summary


_WRITERS = ("lhe", "root", "hepmc", "fairship")


def _writer(fmt: str):
    if fmt == "lhe":
        from .output.lhe import write_lhe

        return write_lhe
    if fmt == "root":
        from .output.root import write_root

        return write_root
    if fmt == "hepmc":
        from .output.hepmc import write_hepmc

        return write_hepmc
    from .output.fairship import write_fairship

    return write_fairship


def _spooled(spool: Path, n_chunks: int) -> Iterator[ak.Array]:
    for i in range(n_chunks):
        with open(spool / f"{i:06d}.pkl", "rb") as f:
            yield pickle.load(f)


def _write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(json.dumps(obj, indent=1, default=str) + "\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def run_config(config: RunConfig, *, progress: bool = True, card_text: str | None = None) -> dict[str, Any]:
    """Integrate, generate, write the requested formats and ``summary.json``; return the summary."""
    out_dir = Path(config.output_dir)
    rng = np.random.default_rng(config.seed)
    setup = setup_run(config)  # refusals before any work or any file
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res = integrate_run(setup, rng)
    if not res.mean > 0:
        raise UnphysicalRequest("the integrated cross section is zero: no phase space passes the cuts")
    t1 = time.perf_counter()
    tally = Tally()
    sampler = EventSampler(res, rng)
    spool = Path(tempfile.mkdtemp(prefix=".mudump-spool-", dir=out_dir))
    try:
        n_chunks = 0
        with _progress(progress, config.nevents) as advance:
            for chunk in event_chunks(setup, res, rng, tally, sampler, advance):
                with open(spool / f"{n_chunks:06d}.pkl", "wb") as f:
                    pickle.dump(chunk, f, protocol=pickle.HIGHEST_PROTOCOL)
                n_chunks += 1
        t2 = time.perf_counter()
        info = _run_info(setup, res, config.weighted)
        # every format is written into the staging folder first and all are moved to their final names
        # only when all succeeded: a failed or killed run never leaves a file that looks complete
        staged = {}
        for fmt in config.output_formats:
            staged[fmt] = _writer(fmt)(spool / OUTPUT_SUFFIX[fmt], info, _spooled(spool, n_chunks))
        t3 = time.perf_counter()
        files = {fmt: str(out_dir / OUTPUT_SUFFIX[fmt]) for fmt in staged}
        summary = _summary(setup, res, sampler, tally, files,
                           {"integration": t1 - t0, "events": t2 - t1, "writing": t3 - t2},
                           card_text if card_text is not None else config.to_card())
        summary["files"]["summary"] = str(out_dir / "summary.json")
        _write_json_atomic(spool / "summary.json", summary)
        for fmt, path in staged.items():
            os.replace(path, files[fmt])
        os.replace(spool / "summary.json", out_dir / "summary.json")
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    return summary


def run_card(path: str | os.PathLike[str], *, progress: bool = True, **overrides: Any) -> dict[str, Any]:
    """``mudump run``: load a card (with CLI overrides) and :func:`run_config` it."""
    config = load_card(path, **overrides)
    return run_config(config, progress=progress, card_text=Path(path).read_text())


@contextlib.contextmanager
def _progress(enabled: bool, total: int):
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=False) as bar:
        task = bar.add_task("events", total=total)
        yield lambda k: bar.advance(task, k)
