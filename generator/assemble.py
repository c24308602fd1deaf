r"""Stage 3 of a run: unit-cube points of the adapted map -> events in the one schema (DESIGN.md rule 7).

Per chunk of sampled points (x, w) at unit coupling, times the card's g^2:

1. the lab four-vectors of the process (beam along +z), a random azimuth about the beam, and for a muon
   flux the rotation of the frame onto each muon's direction (:mod:`generator.lorentz`);
2. the lepton charges: the run's beam, or for a flux each event's muon (13 mu-, -13 mu+); the outgoing
   lepton has the beam lepton's charge;
3. the boson's decay (:func:`generator.decay_records.decay_stage`): decay length, decay channel and
   daughters, decay point, P(decay in volume) and acceptance at the card's coupling;
4. the events (:func:`generator.events.build_events`) and the final-state taus (decayed by Pythia 8, or
   each given a proper decay distance).

Weights: ``w_xsec`` (pb), ``p_decay``, ``acceptance`` and ``weight`` = their product. Each chunk comes with
the :class:`~generator.tally.Tally` of its decay record (:class:`~generator.tally.EventChunk`).
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from .constants import HBARC_GEV_M, nucleus_pdgid
from .decay_records import Production, decay_stage
from .events import build_events
from .lorentz import rotate_beam_to, rotate_z
from .plan import RunPlan
from .protocols import FinalStateKernel
from .tally import EventChunk, Tally

__all__ = ["events_from_points", "production"]


def _lab_momenta(plan: RunPlan, u: np.ndarray, energy: np.ndarray, direction: np.ndarray,
                 rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    kernel = plan.integrand.kernel
    if not kernel.has_final_state:
        raise TypeError(f"method = {plan.config.method} gives sigma(E) only: no four-vectors, so no events")
    p_in, nuc_in, p_out, nuc_out, k, _, _, _ = cast(FinalStateKernel, kernel).momenta(u, energy)
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


def production(plan: RunPlan, u: np.ndarray, w: np.ndarray, rng: np.random.Generator
               ) -> tuple[Production, tuple[np.ndarray, ...], np.ndarray]:
    """The produced bosons of sampled unit-cube points ``u`` with cross-section weights ``w`` (pb, at the
    card's coupling); with the lab four-vectors (p_in, nucleus_in, p_out, nucleus_out, k) and the beam
    energy of each event."""
    energy, vertex, direction, beam_index = plan.integrand.event_inputs(u)
    p_in, nuc_in, p_out, nuc_out, k = _lab_momenta(plan, u, energy, direction, rng)
    prod = Production(w, vertex, k, p_out, _lepton_pdg(plan, beam_index))
    return prod, (p_in, nuc_in, p_out, nuc_out, k), energy


def events_from_points(plan: RunPlan, u: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> EventChunk:
    """One chunk of events (schema of :mod:`generator.events`) from sampled unit-cube points ``u`` with
    cross-section weights ``w`` (pb, at the card's coupling), and the tally of its decay record."""
    proc = plan.process
    prod, (p_in, nuc_in, p_out, nuc_out, k), energy = production(plan, u, w, rng)
    rec = decay_stage(plan, prod, rng)
    at = rec.at_g0
    assert at is not None, "decay_stage decides the decay at the sampling coupling"
    channel, d_p4 = rec.channel, rec.daughters_p4
    ctau = HBARC_GEV_M / plan.width_GeV if plan.width_GeV > 0 else math.inf
    lepton_in = prod.lepton_in_pdg
    events = build_events(
        p_in, nuc_in, p_out, nuc_out, k,
        lepton_in_pdg=lepton_in, lepton_out_pdg=np.sign(lepton_in) * proc.lepton_out_pdg,
        nucleus_pdg=nucleus_pdgid(int(plan.target.z), plan.target.mass_number), boson_pdg=proc.boson_pdg,
        daughters_p4=d_p4, daughters_pdg=rec.daughters_pdg, channel=channel if d_p4 is not None else None,
        prod_vertex=prod.vertex, decay_vertex=np.where(np.isfinite(at.decay_vertex), at.decay_vertex, prod.vertex),
        ctau_m=ctau if math.isfinite(ctau) else 0.0,
        w_xsec=w, p_decay=at.p_decay, acceptance=at.acceptance, E_beam=energy,
        masses=(proc.m_in, plan.target.m_nucleus, proc.m_out, plan.config.mass),
        daughters_m=(np.array([c.masses for c in plan.channels])[np.maximum(channel, 0)]
                     if d_p4 is not None else None),
    )  # fmt: skip
    if plan.config.tau_decays == "pythia8":  # every final-state tau, by Pythia 8 in decay-only mode
        from .tau_decays import append_tau_decays

        events, _ = append_tau_decays(events, rng)
    else:  # tau_decays = none: each undecayed tau carries a proper decay distance drawn from its lifetime
        from .tau_decays import sample_tau_lifetimes

        events = sample_tau_lifetimes(events, rng)
    return EventChunk(events, Tally.of(rec, [c.name for c in plan.channels]))
