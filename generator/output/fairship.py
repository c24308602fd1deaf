"""Flat ROOT tree for SHiP's FairShip ``EvtCalcGenerator`` (optional output), streamed and atomic.

FairShip reads long-lived-particle (LLP) decays produced by EventCalc through
``shipgen/EvtCalcGenerator.cxx``. Its "flat" input format is a TTree named ``LLP_tree`` whose branches
are all ``double`` (``/D``) and are read **by position**, not by name (``BindFlatBranches`` binds
branch ``i`` to slot ``i``; ``GetDaughterValue`` uses index ``10 + 6*dau + offset``; the number of
daughters is the **last** branch). The branch list, as written by FairShip's
``python/convertEvtCalc.py``, is therefore reproduced here exactly, in this order::

    index  branch        unit   mudump source
    0      px_llp        GeV    particles[4].px      (the new boson = the LLP)
    1      py_llp        GeV    particles[4].py
    2      pz_llp        GeV    particles[4].pz
    3      e_llp         GeV    particles[4].E
    4      mass_llp      GeV    particles[4].m
    5      pdg_llp       -      particles[4].pdgid   (FairShip ignores it and tracks a geantino, 999)
    6      decay_prob    -      weights.p_decay      (FairShip uses it as the track weight)
    7      vx            m      decay_x
    8      vy            m      decay_y
    9      vz            m      decay_z - z_target_m (distance along the beam from the target)
    10+6i  px_prod{i+1}  GeV    daughter i          (i = 0, 1)
    11+6i  py_prod{i+1}  GeV
    12+6i  pz_prod{i+1}  GeV
    13+6i  e_prod{i+1}   GeV
    14+6i  mass_prod{i+1} GeV
    15+6i  pdg_prod{i+1} -      PDG id; -999 for undecayed events (FairShip skips such daughters)
    22     ndau          -      2.0

Units: FairShip multiplies ``vx, vy, vz`` by 100 (m -> cm) and shifts ``vz`` by
``(zDecayVolume - ztarget)/100`` m, i.e. it expects vertices in metres with z measured from the
target along the beam (EventCalc's frame). mudump's ``decay_z`` is in mudump's frame, so pass
``z_target_m`` = the z of the target (the point EventCalc calls 0) in that frame; the default 0 is
right if the experiment file puts the target at z = 0.

Uncertainty (flagged): this follows FairShip ``master`` as read in ``EvtCalcGenerator.cxx`` and
``convertEvtCalc.py`` (2024-2025); EventCalc's own column conventions (in particular the origin of
``vz``) are taken from that code, not from an EventCalc specification. A newer FairShip also accepts
an ``Events`` tree with vector daughter branches (``LLP_px``, ..., ``vtx_x``, ``d_px``, ...); it is not
written here. Check against the FairShip version in use before a production.

Vertices stay in **metres** here, unlike the mm of the ROOT and HepMC3 files: FairShip's reader
multiplies them by 100 itself (m -> cm), so this file follows EventCalc's convention, not mudump's.

Dropping improbable decays: with ``min_decay_prob = p`` > 0, events whose ``decay_prob`` (the
probability to decay inside the decay volume) is below ``p`` are not written -- FairShip would track
them at a weight of, e.g., 1e-39. What was dropped is reported in the writer's ``Written.details`` (events and the
dropped sum of ``w_xsec * p_decay`` and of ``weight``, in pb in the schema's normalisation, and as a
fraction of the run's total) and lands in ``summary.json``.

The other mudump weights cannot go into ``LLP_tree`` (extra branches would shift the positional
indices), so they are in a parallel TTree ``mudump_weights`` with the same number of entries
(``w_xsec``, ``p_decay``, ``acceptance``, ``weight``, ``channel``, ``E_beam``; ``w_xsec`` and ``weight``
in the run's ``event_norm``, scaled by the run's N even when events are dropped, see
:mod:`generator.output._weights`), plus the TObjString ``run_info_json``.

References
----------
FairShip ``shipgen/EvtCalcGenerator.cxx`` and ``python/convertEvtCalc.py`` (github.com/ShipSoft/FairShip);
M. Ovchynnikov, J.-L. Tastet, O. Mikulenko, K. Bondarenko, "Sensitivities to feebly interacting
particles: public and unified calculations", Phys. Rev. D 108 (2023) 075028, arXiv:2305.13383 (EventCalc).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from generator.events import RunInfo
from generator.output._atomic import staged_path
from generator.output._weights import norm_factor, scaled_weights
from generator.output._written import Written
from generator.output.root import _frozen_uproot_clock, _uuid_for, compression

__all__ = ["LLP_BRANCHES", "stage_fairship", "write_fairship"]

_DAUGHTER_VARS = ("px_prod", "py_prod", "pz_prod", "e_prod", "mass_prod", "pdg_prod")
#: Branch names of ``LLP_tree`` in the positional order FairShip's EvtCalcGenerator requires.
LLP_BRANCHES: tuple[str, ...] = (
    "px_llp",
    "py_llp",
    "pz_llp",
    "e_llp",
    "mass_llp",
    "pdg_llp",
    "decay_prob",
    "vx",
    "vy",
    "vz",
    *(f"{v}{i}" for i in (1, 2) for v in _DAUGHTER_VARS),
    "ndau",
)
#: PDG placeholder FairShip skips when adding daughter tracks.
NO_DAUGHTER = -999.0
_WEIGHT_TREE = ("w_xsec", "p_decay", "acceptance", "weight")


def _llp_arrays(chunk: ak.Array, z_target_m: float, factor: float = 1.0
                ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    n = len(chunk)
    particles = chunk.particles
    decayed = ak.to_numpy(chunk.channel) >= 0
    boson = particles[:, 4]
    out: dict[str, np.ndarray] = {
        "px_llp": ak.to_numpy(boson.px),
        "py_llp": ak.to_numpy(boson.py),
        "pz_llp": ak.to_numpy(boson.pz),
        "e_llp": ak.to_numpy(boson.E),
        "mass_llp": ak.to_numpy(boson.m),
        "pdg_llp": ak.to_numpy(boson.pdgid).astype(np.float64),
        "decay_prob": ak.to_numpy(chunk.weights.p_decay),
        "vx": ak.to_numpy(chunk.decay_x),
        "vy": ak.to_numpy(chunk.decay_y),
        "vz": ak.to_numpy(chunk.decay_z) - z_target_m,
    }
    # daughters: slots 5, 6 of decayed events; zeros and pdg -999 for undecayed ones
    counts = ak.to_numpy(ak.num(particles, axis=1))
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    flat = {f: ak.to_numpy(ak.flatten(particles[f])) for f in ("px", "py", "pz", "E", "m", "pdgid")}
    for i, slot in ((1, 5), (2, 6)):
        idx = np.where(decayed, start + slot, 0)
        for var, field in zip(_DAUGHTER_VARS, ("px", "py", "pz", "E", "m", "pdgid")):
            values = flat[field][idx].astype(np.float64)
            out[f"{var}{i}"] = np.where(decayed, values, NO_DAUGHTER if field == "pdgid" else 0.0)
    out["ndau"] = np.full(n, 2.0)
    llp = {k: np.ascontiguousarray(out[k], dtype=np.float64) for k in LLP_BRANCHES}
    weights = scaled_weights(chunk, _WEIGHT_TREE, factor)
    weights["channel"] = ak.to_numpy(chunk.channel).astype(np.int32)
    weights["E_beam"] = ak.to_numpy(chunk.E_beam)
    return llp, weights


def stage_fairship(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    chunks: Iterable[ak.Array],
    *,
    z_target_m: float = 0.0,
    reproducible: bool = True,
    min_decay_prob: float = 0.0,
) -> Written:
    """Stream event chunks into a FairShip ``EvtCalcGenerator`` input file (``LLP_tree``).

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Output file, e.g. ``events_fairship.root``. Written as ``<path>.part`` (staged).
    run_info : RunInfo
        Run-level information, stored as the ``run_info_json`` string.
    chunks : iterable of ak.Array
        Event batches in the :mod:`generator.events` schema; consumed lazily.
    z_target_m : float, optional
        z of the target in mudump's frame, in m; ``vz = decay_z - z_target_m``.
    reproducible : bool, optional
        Fixed UUID and timestamps (see :mod:`generator.output.root`).
    min_decay_prob : float, optional
        Drop events with ``p_decay < min_decay_prob`` (default 0: keep all).

    Returns
    -------
    Written
        The staged file (``<path>.part``, for :meth:`Written.commit`), ``n_events`` (written), its
        size, and ``details``: ``n_events``, ``min_decay_prob``, ``dropped_events``,
        ``dropped_w_decay_pb`` and ``dropped_weight_pb`` (sums of ``w_xsec * p_decay`` and ``weight``
        over dropped events, pb, the schema's normalisation), ``dropped_w_decay_fraction`` and
        ``dropped_weight_fraction``.

    Example: ``write_fairship("llp.root", run_info, batches, z_target_m=0.0)``
    """
    if not 0.0 <= min_decay_prob <= 1.0:
        raise ValueError(f"min_decay_prob = {min_decay_prob} but require 0 <= min_decay_prob <= 1")
    final = Path(path)
    factor = norm_factor(run_info)
    kept = dropped = 0
    sums = np.zeros(4)  # dropped w*p_decay, dropped weight, total w*p_decay, total weight
    uuid_fn = (lambda: _uuid_for(run_info)) if reproducible else uuid.uuid1
    clock = _frozen_uproot_clock() if reproducible else contextlib.nullcontext()
    with (
        staged_path(final) as part,
        open(part, "wb+") as raw,
        clock,
        uproot.recreate(raw, uuid_function=uuid_fn, compression=compression()) as f,
    ):
        llp_tree = f.mktree("LLP_tree", dict.fromkeys(LLP_BRANCHES, np.float64), title="LLP_tree")
        w_tree = f.mktree("mudump_weights", _WEIGHT_BRANCHES, title="mudump weights, entry-aligned with LLP_tree")
        for chunk in chunks:
            if len(chunk) == 0:
                continue
            p_decay = ak.to_numpy(chunk.weights.p_decay)
            w_decay = ak.to_numpy(chunk.weights.w_xsec) * p_decay
            weight = ak.to_numpy(chunk.weights.weight)
            keep = p_decay >= min_decay_prob
            sums += (w_decay[~keep].sum(), weight[~keep].sum(), w_decay.sum(), weight.sum())
            n_keep = int(np.count_nonzero(keep))
            dropped += len(chunk) - n_keep
            kept += n_keep
            if n_keep == 0:
                continue
            llp, weights = _llp_arrays(chunk if n_keep == len(chunk) else chunk[keep], float(z_target_m), factor)
            llp_tree.extend(llp)
            w_tree.extend(weights)
        f["run_info_json"] = run_info.to_json()
    return Written.staged(part, final, n_events=kept, min_decay_prob=min_decay_prob,
                      **_dropped(dropped, sums))


#: The ``mudump_weights`` tree: entry-aligned with ``LLP_tree``.
_WEIGHT_BRANCHES = {"w_xsec": np.float64, "p_decay": np.float64, "acceptance": np.float64, "weight": np.float64,
                    "channel": np.int32, "E_beam": np.float64}


def _dropped(events: int, sums: np.ndarray) -> dict[str, Any]:
    """What ``min_decay_prob`` dropped: events, and the sums (pb) and fractions of ``w_xsec * p_decay``
    and ``weight`` (``sums``: dropped w p_decay, dropped weight, total w p_decay, total weight)."""
    return {
        "dropped_events": events, "dropped_w_decay_pb": float(sums[0]), "dropped_weight_pb": float(sums[1]),
        "dropped_w_decay_fraction": float(sums[0] / sums[2]) if sums[2] > 0 else 0.0,
        "dropped_weight_fraction": float(sums[1] / sums[3]) if sums[3] > 0 else 0.0,
    }  # fmt: skip


def write_fairship(path: str | os.PathLike[str], run_info: RunInfo, chunks: Iterable[ak.Array], **options: Any) -> Written:
    """:func:`stage_fairship`, committed: the file appears under ``path`` only complete (``options`` as there)."""
    return stage_fairship(path, run_info, chunks, **options).commit()
