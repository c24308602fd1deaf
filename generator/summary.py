"""The run's record: ``summary.json`` and the header information of event files (:class:`RunInfo`).

Plain functions of the plan, the integration result and the tallies; nothing here computes physics
beyond the normalisation of counts (:attr:`generator.plan.RunPlan.counts_per_pb`).
"""

from __future__ import annotations

import math
from typing import Any

from ._version import __version__
from .constants import HBARC_GEV_M, NEW_DAUGHTERS
from .events import RunInfo
from .integrate import IntegrationResult
from .plan import RunPlan
from .tally import Tally

__all__ = ["method_description", "run_info", "summary"]


def method_description(plan: RunPlan) -> str:
    """Which cross-section method (and which variant of WW/IWW) the run used."""
    method = plan.config.method
    if method == "exact":
        return "exact tree-level 2->3 matrix element, VEGAS"
    return plan.process.approximations[method].description


def run_info(plan: RunPlan, res: IntegrationResult, weighted: bool) -> RunInfo:
    """Header information of the event files (sigma at the card's coupling, pb)."""
    cfg = plan.config
    g2 = cfg.coupling**2
    return RunInfo(
        process=plan.process.name, beam_pdg=plan.beam_pdg, beam_energy=plan.beam_energy,
        target_z=int(plan.target.z), target_a=plan.target.mass_number, nucleus_mass=plan.target.m_nucleus,
        sigma_pb=res.mean * g2, error_pb=res.sdev * g2, weighted=weighted,
        channel_names=tuple(c.name for c in plan.channels), seed=cfg.seed, generator_version=__version__,
        n_events=cfg.nevents,
        extra={"model": cfg.model, "mass_GeV": cfg.mass, plan.process.coupling_name: cfg.coupling,
               **{k: v for k, v in cfg.process_params().items() if isinstance(v, (int, float, str))},
               "width_GeV": plan.width_GeV, "experiment": cfg.experiment or "none", "method": cfg.method,
               "form_factor": cfg.form_factor, "w_xsec_normalisation": plan.sigma_meaning,
               "cuts": "; ".join(plan.cuts) or "none"},
        event_norm=getattr(cfg, "event_norm", "average"), boson=_boson(plan),
    )  # fmt: skip


def _boson(plan: RunPlan) -> dict[str, Any]:
    """The new boson for the files' particle tables (SLHA MASS, DECAY, QNUMBERS), from the plan: its spin
    from the process spec (``Process.spin``: 2S+1 states); neutral, colourless and its own antiparticle
    (every boson of the registry so far). A charge-conjugate channel whose conjugate is
    another final state (a -> mu- tau+ and mu+ tau-, half each per event) is listed as both; the new
    particles among the daughters (:data:`generator.constants.NEW_DAUGHTERS`, e.g. a dark fermion chi) come
    with their mass and quantum numbers under ``new_daughters``."""
    proc = plan.process
    decays, daughters = [], {}
    for c, b in zip(plan.channels, plan.branching):
        if not b > 0:
            continue
        conjugate = tuple(-p for p in c.pdg)
        if c.cp_conjugate and sorted(conjugate) != sorted(c.pdg):
            decays += [[float(b) / 2, [int(p) for p in c.pdg], c.name],
                       [float(b) / 2, [int(p) for p in conjugate], f"{c.name} (charge conjugate)"]]
        else:
            decays.append([float(b), [int(p) for p in c.pdg], c.name])
        for p, m in zip(c.pdg, c.masses):
            if abs(p) in NEW_DAUGHTERS:
                name, charge3, spin_states, colour, self_conjugate = NEW_DAUGHTERS[abs(p)]
                daughters[abs(p)] = {"pdg": abs(p), "name": name, "mass_GeV": float(m), "width_GeV": 0.0,
                                     "charge3": charge3, "spin_states": spin_states, "colour": colour,
                                     "self_conjugate": self_conjugate}
    return {
        "pdg": int(proc.boson_pdg), "name": f"{proc.boson_label} ({proc.name})", "mass_GeV": float(plan.config.mass),
        "width_GeV": float(plan.width_GeV), "decays": decays,
        "charge3": 0, "spin_states": 2 * int(proc.spin) + 1, "colour": 1, "self_conjugate": True,
        "new_daughters": list(daughters.values()),
    }  # fmt: skip


def _partial_unweighting(sampling: Any, g2: float) -> dict[str, Any] | None:
    """What partial unweighting did (events above w_max keep weight w/w_max, :mod:`generator.integrate`);
    weights at the card's coupling (the sampler's are at unit coupling, times g^2)."""
    if sampling is None or not getattr(sampling, "unit_weight", 0.0):
        return None
    unit = sampling.unit_weight * g2
    return {
        "fraction_of_events_above_max": sampling.fraction_over_max,
        "fraction_of_sigma_above_max": sampling.excess_fraction,
        "unit_weight_pb": unit,
        "weight_range_pb": [unit, unit * sampling.max_weight_ratio],
        "max_weight_ratio": sampling.max_weight_ratio,
        "note": "w_xsec in pb, summing to sigma exactly (the files scale it by N for event_norm = average); "
                "the unit weight is the smallest, of a chunk of events without one above w_max",
    }


def _expected_events(plan: RunPlan, res: IntegrationResult, tally: Tally | None) -> dict[str, Any]:
    cfg = plan.config
    g2 = cfg.coupling**2
    norm = plan.counts_per_pb
    if plan.experiment is None:
        raise ValueError("expected events need an experiment (decay volume and exposure)")
    eff = plan.experiment.efficiency.signal
    out: dict[str, Any] = {
        "exposure": plan.exposure,
        "exposure_unit": plan.exposure_unit,
        "muons_per_exposure_unit": plan.muons_per_exposure,
        "n_atom_cm3": plan.n_atom_cm3,
        "target_length_m": plan.length_m,
        "efficiency": eff,
    }
    if tally is None:  # an approximate method: sigma(E) only, no final state for P_decay and acceptance
        out.update(produced=norm * res.mean * g2, produced_error=norm * res.sdev * g2, decayed_in_volume=None,
                   accepted=None, note=f"method = {cfg.method} gives no final state: decay in volume and "
                   "acceptance need method = exact")
        return out
    out.update(
        produced=norm * tally.sum_w,
        produced_error=norm * res.sdev * g2,  # the events' weights sum to sigma exactly: its error
        decayed_in_volume=norm * tally.sum_w_decay,
        decayed_in_volume_error=norm * math.sqrt(tally.sum_w_decay2),
        accepted=norm * tally.sum_weight * eff,
        accepted_error=norm * math.sqrt(tally.sum_weight2) * eff,
        decayed_in_volume_by_reason_pb=tally.rejections,
    )
    return out


def summary(plan: RunPlan, res: IntegrationResult, tally: Tally | None, sampling: Any,
            files: dict[str, str], seconds: dict[str, float], card_text: str) -> dict[str, Any]:
    """The content of ``summary.json`` (sigma and counts at the card's coupling)."""
    cfg = plan.config
    g2 = cfg.coupling**2
    rel = res.sdev / res.mean if res.mean > 0 else math.inf
    out: dict[str, Any] = {
        "mudump_version": __version__,
        "process": plan.process.description,
        "model": cfg.model,
        "mass_GeV": cfg.mass,
        "coupling": cfg.coupling,
        "coupling_name": plan.process.coupling_name,
        "target": plan.target.name,
        "experiment": cfg.experiment,
        "beam_energy_GeV": plan.beam_energy,
        "beam_pdg": plan.beam_pdg,
        "method": cfg.method,
        "method_description": method_description(plan),
        "form_factor": cfg.form_factor,
        "sigma_pb": res.mean * g2,
        "error_pb": res.sdev * g2,
        "sigma_meaning": plan.sigma_meaning,
        "sigma_cuts": plan.cuts or ["none"],
        "precision_requested": cfg.precision,
        "precision_reached": rel,
        "precision_met": bool(rel <= cfg.precision),
        "chi2_dof": res.chi2_dof,
        "n_eval": res.n_eval,
        "n_events": tally.n if tally is not None and cfg.nevents > 0 else 0,
        "weighted": cfg.weighted,
        "unweighting_efficiency": getattr(sampling, "unweighting_efficiency", None),
        "fraction_over_max_weight": getattr(sampling, "fraction_over_max", None),
        "partial_unweighting": _partial_unweighting(sampling, g2) if not cfg.weighted else None,
        "sum_w_xsec_pb": tally.sum_w if tally is not None else None,
        "sum_weight_pb": tally.sum_weight if tally is not None else None,
        "width_GeV": plan.width_GeV,
        "ctau_m": HBARC_GEV_M / plan.width_GeV if plan.width_GeV > 0 else None,
        "branching_ratios": {c.name: float(b) for c, b in zip(plan.channels, plan.branching)},
        "decay_channel_counts": tally.channels if tally is not None else {},
        "seed": cfg.seed,
        "files": files,
        "timing_s": seconds,
        "events_per_s": tally.n / seconds["events"] if tally is not None and seconds.get("events") else None,
        "notes": plan.notes,
        "card": card_text,
    }
    if plan.experiment is not None:
        out["expected_events"] = _expected_events(plan, res, tally)
    return out
