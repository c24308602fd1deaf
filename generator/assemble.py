r"""Stage 3 of a run: unit-cube points of the adapted map -> events in the one schema (DESIGN.md rule 7).

Per chunk of sampled points (x, w) at unit coupling, times the card's g^2:

1. the lab four-vectors of the process (beam along +z), a random azimuth about the beam, and for a muon
   flux the rotation of the frame onto each muon's direction (:mod:`generator.lorentz`);
2. the lepton charges: the run's beam, or for a flux each event's muon (13 mu-, -13 mu+); the outgoing
   lepton has the beam lepton's charge;
3. the boson's decay length L = |k| c tau / m at the card's coupling; with an experiment the interval
   [s_min, s_max] of its line in the decay volume, P = e^{-s_min/L} - e^{-s_max/L}, and a decay point
   from the truncated exponential (docs/physics.md section 8); without, a free exponential;
4. two-body decays in the rest frame, boosted to the lab; the experiment's daughter acceptance.

Weights: ``w_xsec`` (pb), ``p_decay``, ``acceptance`` and ``weight`` = their product. The chunk's
:class:`DecayRecord` keeps what reweighting to another coupling needs (:mod:`generator.reweight`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import awkward as ak
import numpy as np

from geometry.acceptance import (
    Rejection,
    daughter_acceptance,
    decay_probability,
    decay_volume_interval,
    sample_decay_distance,
)

from .constants import HBARC_GEV_M, nucleus_pdgid
from .decays import decay_events, sample_channels
from .events import build_events
from .lorentz import rotate_beam_to, rotate_z
from .plan import RunPlan

__all__ = ["DecayRecord", "Tally", "events_from_points"]


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

    def add(self, w: np.ndarray, p_decay: np.ndarray, weight: np.ndarray) -> None:
        self.n += len(w)
        self.sum_w += float(w.sum())
        self.sum_w2 += float((w * w).sum())
        self.sum_w_decay += float((w * p_decay).sum())
        self.sum_w_decay2 += float(((w * p_decay) ** 2).sum())
        self.sum_weight += float(weight.sum())
        self.sum_weight2 += float((weight * weight).sum())


@dataclass
class DecayRecord:
    """Per event of a chunk, what N(g) needs (:mod:`generator.reweight`): weights at the card's g0, the
    decay-volume interval, L at g0, the production point, direction and daughters of the boson."""

    w_xsec: np.ndarray
    s_min: np.ndarray
    s_max: np.ndarray
    decay_length: np.ndarray
    vertex: np.ndarray
    khat: np.ndarray
    daughters_p4: np.ndarray | None
    daughters_pdg: np.ndarray | None
    boson_p4: np.ndarray
    acceptance: np.ndarray | None = None
    """The process's own event acceptance (``Process.event_acceptance``, prompt decays: independent of g)."""
    channel: np.ndarray | None = None
    """Decay channel index per event (-1 undecayed), for the branching-ratio change with g."""


def _lab_momenta(plan: RunPlan, u: np.ndarray, energy: np.ndarray, direction: np.ndarray,
                 rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    p_in, nuc_in, p_out, nuc_out, k, _, _, _ = plan.integrand.kernel.momenta(u, energy)
    phi = rng.uniform(0.0, 2.0 * np.pi, len(u))  # random azimuth about the beam
    c, s = np.cos(phi), np.sin(phi)
    p_in, p_out, nuc_out, k = (rotate_z(v, c, s) for v in (p_in, p_out, nuc_out, k))
    if not np.allclose(direction[:, 2], 1.0):
        p_in, nuc_in, p_out, nuc_out, k = (rotate_beam_to(v, direction) for v in (p_in, nuc_in, p_out, nuc_out, k))
    return p_in, nuc_in, p_out, nuc_out, k


def _lepton_pdg(plan: RunPlan, beam_index: np.ndarray) -> np.ndarray:
    """PDG id of each event's incoming lepton: its flux muon's, else the run's beam."""
    pdg = getattr(plan.integrand, "pdg", None)
    if pdg is None:
        return np.full(len(beam_index), plan.beam_pdg)
    return np.where(np.asarray(pdg)[beam_index] > 0, 1, -1) * plan.process.lepton_in_pdg


def _invisible_escape(plan: RunPlan, channel: np.ndarray, vertex: np.ndarray, khat: np.ndarray,
                      decay_len: np.ndarray, s_min: np.ndarray, s_max: np.ndarray, p_decay: np.ndarray,
                      decay_vertex: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Missing-energy signature: a boson decaying to invisible daughters (``DecayChannel.visible`` False,
    e.g. nu nu~ or chi chi~) is missing energy wherever it decays, so its decay interval is the whole line
    [0, inf) (P = 1 at any coupling) and its decay point the free exponential; a visible decay counts only
    in the decay volume (beyond the detector). Nothing changes when no invisible channel was drawn (the
    random stream included)."""
    invisible = np.array([not c.visible for c in plan.channels] + [False])[channel]  # index -1: undecayed
    if not invisible.any():
        return s_min, s_max, p_decay, decay_vertex
    s_min, s_max, p_decay, decay_vertex = (np.array(a, dtype=float, copy=True)
                                           for a in (s_min, s_max, p_decay, decay_vertex))
    s_min[invisible], s_max[invisible], p_decay[invisible] = 0.0, np.inf, 1.0
    n = int(invisible.sum())
    free = -(decay_len[invisible] * np.log1p(-rng.random(n)))
    decay_vertex[invisible] = vertex[invisible] + np.where(np.isfinite(free), free, 0.0)[:, None] * khat[invisible]
    return s_min, s_max, p_decay, decay_vertex


def events_from_points(plan: RunPlan, u: np.ndarray, w: np.ndarray, rng: np.random.Generator,
                       tally: Tally, records: list[DecayRecord] | None = None) -> ak.Array:
    """One chunk of events (schema of :mod:`generator.events`) from sampled unit-cube points ``u`` with
    cross-section weights ``w`` (pb, at the card's coupling)."""
    cfg, proc = plan.config, plan.process
    n = len(u)
    energy, vertex, direction, beam_index = plan.integrand.event_inputs(u)
    p_in, nuc_in, p_out, nuc_out, k = _lab_momenta(plan, u, energy, direction, rng)
    m = cfg.mass
    kabs = np.linalg.norm(k[:, 1:], axis=1)
    khat = k[:, 1:] / kabs[:, None]
    ctau = HBARC_GEV_M / plan.width_GeV if plan.width_GeV > 0 else math.inf
    decay_len = kabs / m * ctau
    p_decay, accept = np.ones(n), np.ones(n)
    decay_vertex = vertex.copy()
    s_min = s_max = np.zeros(n)
    channel = np.full(n, -1, dtype=np.int32)
    d_p4 = d_pdg = None
    if proc.prompt_decay:  # decays where produced (e.g. the LFV ALP), whatever the decay volume
        s_min, s_max = np.zeros(n), np.full(n, np.inf)
        if math.isfinite(ctau):
            decay_vertex = vertex - (decay_len * np.log1p(-rng.random(n)))[:, None] * khat
    elif plan.experiment is not None and math.isfinite(ctau):
        s_min, s_max = decay_volume_interval(plan.experiment.decay_volume, vertex, khat)
        p_decay = decay_probability(s_min, s_max, decay_len)
        hit = s_max > s_min
        dist = np.where(hit, sample_decay_distance(np.where(hit, s_min, 0.0), np.where(hit, s_max, 1.0),
                                                   decay_len, rng.random(n)), np.nan)
        decay_vertex = vertex + dist[:, None] * khat
    elif cfg.decay and math.isfinite(ctau):
        decay_vertex = vertex - (decay_len * np.log1p(-rng.random(n)))[:, None] * khat
    if cfg.decay and plan.width_GeV > 0:
        channel = sample_channels([c.name for c in plan.channels], plan.branching, n, rng)
        d_p4, d_pdg = decay_events(k, plan.channels, channel, rng, parent_mass=m)
        for i, ch in enumerate(plan.channels):
            tally.channels[ch.name] = tally.channels.get(ch.name, 0) + int(np.count_nonzero(channel == i))
    if plan.experiment is not None and plan.experiment.daughter_cuts.signature == "missing_energy":
        s_min, s_max, p_decay, decay_vertex = _invisible_escape(plan, channel, vertex, khat, decay_len, s_min,
                                                                s_max, p_decay, decay_vertex, rng)
    lepton_in = _lepton_pdg(plan, beam_index)
    if plan.experiment is not None and proc.event_acceptance is not None:
        accept, masks = proc.event_acceptance(plan, {
            "lepton_in_pdg": lepton_in, "p_out": p_out, "k": k, "channel": channel, "daughters_p4": d_p4,
            "daughters_pdg": d_pdg, "prod_vertex": vertex, "decay_vertex": decay_vertex})
        for name, mask in masks.items():
            tally.rejections[name] = tally.rejections.get(name, 0.0) + float(np.sum((w * p_decay)[mask]))
    elif plan.experiment is not None and d_p4 is not None:
        ok, reason = daughter_acceptance(plan.experiment, decay_vertex, d_p4, d_pdg)
        accept = ok.astype(float)
        for r in np.unique(reason):
            name = Rejection(int(r)).name
            tally.rejections[name] = tally.rejections.get(name, 0.0) + float(np.sum((w * p_decay)[reason == r]))
    weight = w * p_decay * accept
    if records is not None:
        own = accept if plan.experiment is not None and proc.event_acceptance is not None else None
        records.append(DecayRecord(w, s_min, s_max, decay_len, vertex, khat, d_p4, d_pdg, k, own, channel))
    tally.add(w, p_decay, weight)
    events = build_events(
        p_in, nuc_in, p_out, nuc_out, k,
        lepton_in_pdg=lepton_in, lepton_out_pdg=np.sign(lepton_in) * proc.lepton_out_pdg,
        nucleus_pdg=nucleus_pdgid(int(plan.target.z), plan.target.mass_number), boson_pdg=proc.boson_pdg,
        daughters_p4=d_p4, daughters_pdg=d_pdg, channel=channel if d_p4 is not None else None,
        prod_vertex=vertex, decay_vertex=np.where(np.isfinite(decay_vertex), decay_vertex, vertex),
        ctau_m=ctau if math.isfinite(ctau) else 0.0,
        w_xsec=w, p_decay=p_decay, acceptance=accept, E_beam=energy,
        masses=(proc.m_in, plan.target.m_nucleus, proc.m_out, m),
        daughters_m=(np.array([c.masses for c in plan.channels])[np.maximum(channel, 0)]
                     if d_p4 is not None else None),
    )  # fmt: skip
    if cfg.tau_decays == "pythia8":  # every final-state tau, by Pythia 8 in decay-only mode
        from .tau_decays import append_tau_decays

        events, _ = append_tau_decays(events, rng)
    else:  # tau_decays = none: each undecayed tau carries a proper decay distance drawn from its lifetime
        from .tau_decays import sample_tau_lifetimes

        events = sample_tau_lifetimes(events, rng)
    return events
