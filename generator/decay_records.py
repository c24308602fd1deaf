r"""Stage 3a of a run: the boson's decay, as records that events and reweighting both read.

Two pure functions own the physics of "where does the boson decay, and does the experiment see it":

- :func:`decay_stage` turns produced bosons (lab momentum, production point, cross-section weight) into a
  :class:`DecayRecord`: the decay length at the sampling coupling, the interval [s_min, s_max] of the
  boson's line inside the decay volume, the decay channel and the daughters' momenta (rest-frame decays
  boosted to the lab), the uniform number that places the decay point, and, at the sampling coupling, the
  decay point, P(decay in volume) and the acceptance (:class:`InVolume`).
- :func:`in_volume` computes P(decay in volume), the decay point and the acceptance for any decay length,
  i.e. at any coupling (L(g) = L(g0) (g0/g)^2), from a record. The events use it at the sampling
  coupling (through :func:`decay_stage`); the counts N(g) of :mod:`generator.reweight` at every g.

The decay point is drawn by inverse CDF of the exponential truncated to [s_min, s_max] from the record's
uniform number, so the same number serves every coupling (common random numbers, docs/physics.md
section 8). Signatures (``DaughterCuts.signature``): a visible decay counts in the decay volume; a decay to
invisible daughters (nu nu~, chi chi~) with a missing-energy experiment is missing energy wherever it
happens, so its interval is the whole line [0, inf) (P = 1 at any coupling). A process that decays where
it is produced (``Process.prompt_decay``, e.g. the LFV ALP) applies its own event selection
(``Process.event_acceptance``), which does not depend on the coupling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from geometry.acceptance import (
    Rejection,
    daughter_acceptance,
    decay_probability,
    decay_volume_interval,
    sample_decay_distance,
)

from .constants import HBARC_GEV_M
from .decays import decay_events, sample_channels
from .plan import RunPlan

__all__ = ["PER_EVENT_FIELDS", "DecayRecord", "InVolume", "Production", "acceptance", "concatenate", "decay_point",
           "decay_stage", "in_volume"]

Array = np.ndarray


@dataclass(frozen=True)
class Production:
    """Per event, what the production stage hands to the decay stage (lab frame, beam along +z)."""

    w_xsec: Array
    """Cross-section weight at the sampling coupling (pb)."""
    vertex: Array
    """Production point (m), shape (n, 3)."""
    k: Array
    """Boson four-momentum (GeV), shape (n, 4)."""
    p_out: Array
    """Outgoing lepton four-momentum (GeV), shape (n, 4)."""
    lepton_in_pdg: Array
    """PDG id of the incoming lepton."""


@dataclass(frozen=True)
class InVolume:
    """The boson's decay at one decay length: per event P(decay in volume), the decay point and the
    acceptance; ``rejections`` maps a reason (the experiment's :class:`~geometry.acceptance.Rejection`
    names, or the process's own selection steps) to the events it rejected."""

    p_decay: Array
    decay_vertex: Array
    acceptance: Array
    rejections: dict[str, Array]


@dataclass(frozen=True)
class DecayRecord:
    """Per event of a chunk: the boson's production, its decay channel and daughters, the uniform number
    of its decay point, and its decay at the sampling coupling (``at_g0``; None in the reduced records of
    a coupling scan, which recompute it at every coupling).

    ``channel`` is the decay channel index (-1: undecayed); ``daughters_p4``/``daughters_pdg`` are None
    when the run draws no decays. ``own_acceptance`` is the process's event selection (prompt decays;
    independent of the coupling) or None when the experiment's daughter cuts apply."""

    w_xsec: Array
    vertex: Array
    khat: Array
    boson_p4: Array
    decay_length: Array
    s_min: Array
    s_max: Array
    u_decay: Array
    channel: Array
    daughters_p4: Array | None
    daughters_pdg: Array | None
    own_acceptance: Array | None
    at_g0: InVolume | None

    def select(self, keep: Array) -> DecayRecord:
        """The events where ``keep`` is True (every per-event field), without ``at_g0``."""
        fields: dict[str, Any] = {f: getattr(self, f) for f in PER_EVENT_FIELDS}
        kept: dict[str, Any] = {f: None if v is None else v[keep] for f, v in fields.items()}
        return DecayRecord(**kept, at_g0=None)

    @property
    def proper_decay_length(self) -> Array:
        """c t of each decay in the boson's rest frame at the sampling coupling (m): distance m / |k|."""
        if self.at_g0 is None:
            raise ValueError("a reduced record keeps no decay point")
        distance = np.linalg.norm(self.at_g0.decay_vertex - self.vertex, axis=1)
        k = self.boson_p4
        mass = np.sqrt(np.maximum(k[:, 0] ** 2 - np.sum(k[:, 1:] ** 2, axis=1), 0.0))
        length: Array = distance * mass / np.linalg.norm(k[:, 1:], axis=1)
        return length


#: The per-event arrays of a :class:`DecayRecord` (every field but ``at_g0``).
PER_EVENT_FIELDS = ("w_xsec", "vertex", "khat", "boson_p4", "decay_length", "s_min", "s_max", "u_decay",
                    "channel", "daughters_p4", "daughters_pdg", "own_acceptance")


def concatenate(records: list[DecayRecord]) -> DecayRecord:
    """One record of several chunks' records, in order, without ``at_g0``."""
    def cat(name: str) -> Any:
        values = [getattr(r, name) for r in records]
        return None if values[0] is None else np.concatenate(values)

    return DecayRecord(**{f: cat(f) for f in PER_EVENT_FIELDS}, at_g0=None)


def _draws_decay_point(plan: RunPlan, ctau: float) -> bool:
    """Whether a decay point is drawn: a finite lifetime, and a decay volume, a prompt decay or decays."""
    return math.isfinite(ctau) and (plan.process.prompt_decay or plan.experiment is not None or plan.config.decay)


def _missing_energy(plan: RunPlan) -> bool:
    return plan.experiment is not None and plan.experiment.daughter_cuts.signature == "missing_energy"


def _intervals(plan: RunPlan, vertex: Array, khat: Array, ctau: float) -> tuple[Array, Array]:
    """[s_min, s_max] of each boson's line in the decay volume; [0, inf) for a prompt decay; [0, 0]
    without a decay volume (P = 1, the decay point a free exponential)."""
    n = len(vertex)
    if plan.process.prompt_decay:
        return np.zeros(n), np.full(n, np.inf)
    if plan.experiment is not None and math.isfinite(ctau):
        return decay_volume_interval(plan.experiment.decay_volume, vertex, khat)
    return np.zeros(n), np.zeros(n)


def decay_stage(plan: RunPlan, prod: Production, rng: np.random.Generator) -> DecayRecord:
    """The decay of each produced boson: channel, daughters, decay point, P(decay in volume) and the
    acceptance at the sampling coupling. Random numbers, in this order: the decay point's uniform, the
    channels and the daughters' angles, then for invisible decays of a missing-energy experiment the
    uniform of their decay point on the whole line."""
    cfg, n = plan.config, len(prod.w_xsec)
    kabs = np.linalg.norm(prod.k[:, 1:], axis=1)
    khat = prod.k[:, 1:] / kabs[:, None]
    ctau = HBARC_GEV_M / plan.width_GeV if plan.width_GeV > 0 else math.inf
    decay_len = kabs / cfg.mass * ctau
    s_min, s_max = _intervals(plan, prod.vertex, khat, ctau)
    u = rng.random(n) if _draws_decay_point(plan, ctau) else None
    channel = np.full(n, -1, dtype=np.int32)
    d_p4 = d_pdg = None
    if cfg.decay and plan.width_GeV > 0:
        channel = sample_channels([c.name for c in plan.channels], plan.branching, n, rng)
        d_p4, d_pdg = decay_events(prod.k, plan.channels, channel, rng, parent_mass=cfg.mass)
    if u is not None and _missing_energy(plan):
        s_min, s_max, u = _invisible_on_whole_line(plan, channel, s_min, s_max, u, rng)
    rec = DecayRecord(prod.w_xsec, prod.vertex, khat, prod.k, decay_len, s_min, s_max,
                      np.zeros(n) if u is None else u, channel, d_p4, d_pdg, None, None)
    if u is None:  # a stable boson, or neither a decay volume nor decays: P = 1 at the production point
        p, vertex, where = np.ones(n), prod.vertex.copy(), np.ones(n, dtype=bool)
    else:
        p, vertex, where = decay_point(plan, rec, decay_len, every_hit=True)
    if plan.experiment is not None and plan.process.event_acceptance is not None:
        accept, masks = plan.process.event_acceptance(plan, {
            "lepton_in_pdg": prod.lepton_in_pdg, "p_out": prod.p_out, "k": prod.k, "channel": channel,
            "daughters_p4": d_p4, "daughters_pdg": d_pdg, "prod_vertex": prod.vertex, "decay_vertex": vertex})
        return replace(rec, own_acceptance=accept, at_g0=InVolume(p, vertex, accept, masks))
    accept, rejections = acceptance(plan, rec, vertex, where, every_hit=True)
    return replace(rec, at_g0=InVolume(p, vertex, accept, rejections))


def _invisible_on_whole_line(plan: RunPlan, channel: Array, s_min: Array, s_max: Array, u: Array,
                             rng: np.random.Generator) -> tuple[Array, Array, Array]:
    """Missing-energy signature: a decay to invisible daughters (``DecayChannel.visible`` False) counts
    wherever it happens, so its interval becomes the whole line [0, inf) and its decay point is redrawn
    there. Nothing changes, the random stream included, when no invisible channel was drawn."""
    invisible = np.array([not c.visible for c in plan.channels] + [False])[channel]  # index -1: undecayed
    if not invisible.any():
        return s_min, s_max, u
    s_min, s_max, u = (np.array(a, dtype=float, copy=True) for a in (s_min, s_max, u))
    s_min[invisible], s_max[invisible] = 0.0, np.inf
    u[invisible] = rng.random(int(invisible.sum()))
    return s_min, s_max, u


def decay_point(plan: RunPlan, rec: DecayRecord, decay_length: Array, *, every_hit: bool = False,
                u: Array | None = None) -> tuple[Array, Array, Array]:
    """P(decay in volume), the decay point and where it lies on the volume's line, per event of ``rec`` at
    decay length ``decay_length`` (m), from the record's uniform numbers (or ``u``).

    P = exp(-s_min/L) - exp(-s_max/L) ([001] eqs. 21-22) and the decay point by inverse CDF of the
    truncated exponential (:func:`geometry.acceptance.sample_decay_distance`). Without an interval (a
    prompt decay, or no decay volume) P = 1 and the decay point is the free exponential. The point is
    placed where the line crosses the volume (``every_hit``: what the events carry), or only where P > 0
    too (the counts: an event with P = 0 has weight 0 whatever its acceptance); elsewhere it is NaN."""
    u = rec.u_decay if u is None else u
    n = len(rec.w_xsec)
    if plan.process.prompt_decay or plan.experiment is None:
        dist = -(decay_length * np.log1p(-u))
        vertex = rec.vertex + np.where(np.isfinite(dist), dist, 0.0)[:, None] * rec.khat
        return np.ones(n), vertex, np.ones(n, dtype=bool)
    hit = rec.s_max > rec.s_min
    p = decay_probability(rec.s_min, rec.s_max, decay_length)
    where = hit if every_hit else hit & (p > 0)
    live = np.flatnonzero(where)
    dist = np.full(n, np.nan)
    dist[live] = sample_decay_distance(rec.s_min[live], rec.s_max[live], decay_length[live], u[live])
    return p, rec.vertex + dist[:, None] * rec.khat, where


def acceptance(plan: RunPlan, rec: DecayRecord, vertex: Array, where: Array, *,
               every_hit: bool = False) -> tuple[Array, dict[str, Array]]:
    """The acceptance of each event of ``rec`` decaying at ``vertex``, and the events each reason
    rejected: the process's own selection when it has one (prompt decays; independent of the coupling),
    else the experiment's daughter cuts (:func:`geometry.acceptance.daughter_acceptance`), else 1. The
    cuts are applied to every event with its reason (``every_hit``), or only ``where`` the decay point
    lies (the counts, which need no reasons)."""
    n = len(rec.w_xsec)
    if rec.own_acceptance is not None:
        return rec.own_acceptance, {}
    if plan.experiment is None or rec.daughters_p4 is None or rec.daughters_pdg is None:
        return np.ones(n), {}
    if every_hit:
        ok, reason = daughter_acceptance(plan.experiment, vertex, rec.daughters_p4, rec.daughters_pdg)
        return ok.astype(float), {Rejection(int(r)).name: reason == r for r in np.unique(reason)}
    accept = np.zeros(n)
    live = np.flatnonzero(where)
    if len(live):
        accept[live] = daughter_acceptance(plan.experiment, vertex[live], rec.daughters_p4[live],
                                           rec.daughters_pdg[live])[0]
    return accept, {}


def in_volume(plan: RunPlan, rec: DecayRecord, decay_length: Array, *, u: Array | None = None) -> InVolume:
    """P(decay in volume), the decay point and the acceptance of each event of ``rec`` at decay length
    ``decay_length`` (m), i.e. at the coupling g with L = L(g0) (g0/g)^2 (what the counts need)."""
    p, vertex, where = decay_point(plan, rec, decay_length, u=u)
    accept, rejections = acceptance(plan, rec, vertex, where)
    return InVolume(p, vertex, accept, rejections)
