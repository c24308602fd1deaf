r"""tau decays through Pythia 8 in decay-only mode, written back into mudump's events.

Pythia 8 cannot read a lepton-nucleus beam from an LHE file, so the taus of an event (the outgoing tau of
mu N -> tau N a, the tau of a -> mu tau, the taus of S -> tau tau) are decayed here: Pythia runs with
``ProcessLevel:all = off``; the taus of a chunk of events are appended to its event record (status 1, with
their production vertex in mm and a proper lifetime drawn from exp(tau0)), ``forceHadronLevel()`` decays
them (with Pythia's tau decay matrix elements, ``TauDecays:mode = 2``: tau polarisation 0, i.e. unpolarised,
because mudump does not track the tau spin), and the final-state descendants of each tau are read back with
their four-momenta and production vertices. Hadrons with c tau0 > 10 mm (pi+-, K+-, K0_L, K0_S, Lambda)
are kept stable (``ParticleDecays:limitTau0 = on``, ``tau0Max = 10`` mm), so every product of a tau starts
at the tau's decay vertex except the photons of pi0 -> gamma gamma (c tau = 25 nm, up to ~0.1 mm
after the boost).

The run's random numbers stay reproducible: one Pythia instance per process, re-seeded for every chunk
from the run's ``numpy.random.Generator`` (``Random:seed`` range 1 ... 900 000 000).

Event schema (:mod:`generator.events`): each decayed tau gets status 2; its final-state descendants are
appended at the end of the event's particle list with status 1, ``mother1`` = the tau's index and
``mother2`` = -1, so every writer carries them (LHE mother pointers, HepMC3 vertices, ROOT jagged arrays).
Every product carries its production vertex and time (``vx, vy, vz, vt``: the tau's decay vertex, Pythia's
own vertex for the photons of pi0 -> gamma gamma) and the tau its sampled proper decay distance
``proper_ct`` (LHE VTIMUP), so the tau flight length |decay - production| = ``proper_ct`` |p|/m is in every
file. With ``tau_decays = none``, :func:`sample_tau_lifetimes` draws ``proper_ct`` of each undecayed tau
from exp(c tau_tau) (``constants.CTAU_TAU_M``, the PDG value via ``particle``: 87.04 um).

Units: GeV; vertices in metres (Pythia works in mm; converted here).

References: T. Sjöstrand et al., *A comprehensive guide to the physics and usage of PYTHIA 8.3*,
SciPost Phys. Codebases 8 (2022), arXiv:2203.11601 (tau decays: Sec. 10.3; decay-only use: ``main21``);
P. Ilten, *Tau decays in Pythia 8*, Nucl. Phys. B Proc. Suppl. 253-255 (2014) 77, arXiv:1211.6730.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from .constants import CTAU_TAU_M, M_TAU, PDG_TAU

__all__ = ["TAU_DECAY_CHOICES", "TauDecays", "append_tau_decays", "decay_taus", "sample_tau_lifetimes"]

#: Card values of ``tau_decays``.
TAU_DECAY_CHOICES: tuple[str, ...] = ("none", "pythia8")

_MM = 1e-3  # m per mm
_SETTINGS = (
    "ProcessLevel:all = off",
    "Print:quiet = on",
    "Check:event = off",  # the appended taus have no beams: Pythia's E-p bookkeeping check does not apply
    "Random:setSeed = on",
    "ParticleDecays:limitTau0 = on",
    "ParticleDecays:tau0Max = 10.0",
    "TauDecays:mode = 2",
    "TauDecays:tauPolarization = 0",
)
_PYTHIA: dict[str, Any] = {}


def _pythia() -> Any:
    """The process's decay-only Pythia instance (initialised once; about 0.3 s)."""
    if "py" not in _PYTHIA:
        try:
            import pythia8mc
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("tau_decays = pythia8 needs Pythia 8: pip install 'mudump[pythia]' "
                              "(pythia8mc binary wheel)") from exc
        py = pythia8mc.Pythia("", False)
        for s in _SETTINGS:
            if not py.readString(s):
                raise RuntimeError(f"Pythia refused the setting {s!r}")
        if not py.init():
            raise RuntimeError("Pythia 8 failed to initialise in decay-only mode")
        _PYTHIA["py"] = py
    return _PYTHIA["py"]


@dataclass
class TauDecays:
    """Decay products of ``n`` taus (flat arrays, grouped by tau with ``offsets``)."""

    offsets: np.ndarray
    """int64 (n + 1): products of tau i are rows offsets[i]:offsets[i+1]."""
    pdg: np.ndarray
    """int32 PDG ids of the final-state products."""
    p4: np.ndarray
    """(m, 4) lab four-momenta (E, px, py, pz) in GeV."""
    mass: np.ndarray
    """(m,) masses in GeV."""
    vertex: np.ndarray
    """(m, 3) production vertex of each product in m."""
    tau_decay_vertex: np.ndarray
    """(n, 3) decay vertex of each tau in m."""
    tau_proper_ctau: np.ndarray
    """(n,) sampled proper decay length c t of each tau in m."""
    time: np.ndarray | None = None
    """(m,) production time c t of each product in m (lab; the taus' start times plus their flight)."""


def decay_taus(p4: np.ndarray, pdg: np.ndarray, vertex: np.ndarray, seed: int,
               time: np.ndarray | None = None) -> TauDecays:
    """Decay taus with Pythia 8 (module docstring).

    Parameters
    ----------
    p4 : ndarray (n, 4)
        Tau lab four-momenta (E, px, py, pz) in GeV.
    pdg : ndarray (n,)
        +15 (tau-) or -15 (tau+).
    vertex : ndarray (n, 3)
        Production vertices in m.
    seed : int
        Pythia seed for this batch (1 ... 900 000 000).
    time : ndarray (n,), optional
        Production times c t of the taus in m (lab; default 0).
    """
    p4 = np.asarray(p4, dtype=float)
    pdg = np.asarray(pdg, dtype=int)
    vertex = np.asarray(vertex, dtype=float)
    n = len(p4)
    if np.any(np.abs(pdg) != PDG_TAU):
        raise ValueError(f"pdg = {sorted(set(pdg.tolist()))} but require +-{PDG_TAU} (taus only)")
    py = _pythia()
    py.rndm.init(int(seed))
    ev = py.event
    ev.reset()
    idx = np.empty(n, dtype=int)
    v_mm = vertex / _MM
    t_mm = np.zeros(n) if time is None else np.asarray(time, dtype=float) / _MM
    for i in range(n):
        j = ev.append(int(pdg[i]), 1, 0, 0, float(p4[i, 1]), float(p4[i, 2]), float(p4[i, 3]), float(p4[i, 0]), M_TAU)
        part = ev[j]
        part.vProd(float(v_mm[i, 0]), float(v_mm[i, 1]), float(v_mm[i, 2]), float(t_mm[i]))
        part.tau(part.tau0() * py.rndm.exp())
        idx[i] = j
    if not py.forceHadronLevel():
        raise RuntimeError("Pythia 8 failed to decay the taus (forceHadronLevel returned False)")
    offsets = np.zeros(n + 1, dtype=np.int64)
    rows: list[tuple[float, ...]] = []
    tau_v = np.empty((n, 3))
    tau_ct = np.empty(n)
    for i, j in enumerate(idx):
        t = ev[int(j)]
        vd = t.vDec()
        tau_v[i] = (vd.px() * _MM, vd.py() * _MM, vd.pz() * _MM)
        tau_ct[i] = t.tau() * _MM
        stack = list(t.daughterList())
        found = []
        while stack:
            k = stack.pop()
            if ev[k].isFinal():
                found.append(k)
            else:
                stack.extend(ev[k].daughterList())
        for k in sorted(found):
            q = ev[k]
            vp = q.vProd()
            rows.append((q.id(), q.e(), q.px(), q.py(), q.pz(), q.m(), vp.px() * _MM, vp.py() * _MM, vp.pz() * _MM,
                         vp.e() * _MM))
        offsets[i + 1] = len(rows)
    arr = np.array(rows, dtype=float).reshape(-1, 10)
    return TauDecays(offsets, arr[:, 0].astype(np.int32), arr[:, 1:5].copy(), arr[:, 5].copy(),
                     arr[:, 6:9].copy(), tau_v, tau_ct, arr[:, 9].copy())


def _final_taus(events: ak.Array) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Flat particle fields, their per-event counts and the flat indices of the final-state taus."""
    parts = events.particles
    counts = ak.to_numpy(ak.num(parts))
    flat = {f: ak.to_numpy(ak.flatten(parts[f])) for f in ak.fields(parts)}
    sel = np.flatnonzero((np.abs(flat["pdgid"]) == PDG_TAU) & (flat["status"] == 1))
    return flat, counts, sel


def _with_particles(events: ak.Array, flat: dict[str, np.ndarray], counts: np.ndarray) -> ak.Array:
    names = list(ak.fields(events.particles))
    parts = ak.unflatten(ak.zip({f: flat[f] for f in names}), counts)
    out = ak.zip({**{f: events[f] for f in ak.fields(events) if f != "particles"}, "particles": parts},
                 depth_limit=1)
    return out[list(ak.fields(events))]


def sample_tau_lifetimes(events: ak.Array, rng: np.random.Generator) -> ak.Array:
    """``tau_decays = none``: give every final-state (undecayed) tau a proper decay distance ``proper_ct``
    drawn from exp(c tau_tau), c tau_tau = ``constants.CTAU_TAU_M`` (PDG via ``particle``); written as its
    LHE VTIMUP. The taus stay undecayed (status 1)."""
    if not np.any(np.abs(ak.to_numpy(ak.flatten(events.particles.pdgid))) == PDG_TAU):
        return events  # no tau (most scalar runs): nothing to flatten
    flat, counts, sel = _final_taus(events)
    if sel.size == 0:
        return events
    flat["proper_ct"] = flat["proper_ct"].copy()
    flat["proper_ct"][sel] = -CTAU_TAU_M * np.log1p(-rng.random(sel.size))
    return _with_particles(events, flat, counts)


def append_tau_decays(events: ak.Array, rng: np.random.Generator) -> tuple[ak.Array, TauDecays | None]:
    """Decay every final-state tau of ``events`` (schema of :mod:`generator.events`) with Pythia 8.

    Each tau (status 1, |pdg| = 15) becomes status 2 with its sampled ``proper_ct``; its final-state
    products are appended to the event's particles (status 1, mother1 = the tau, mother2 = -1) with their
    production vertex and time. A tau starts at its own production vertex and time (``vx, vy, vz, vt``:
    the production point, or the boson's decay point for a daughter of the boson).
    Returns the new events and the :class:`TauDecays` (with the tau decay vertices), in event order.
    """
    flat, counts, sel = _final_taus(events)
    if sel.size == 0:
        return events, None
    n_ev = len(counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    local = np.arange(len(flat["pdgid"])) - np.repeat(first, counts)
    ev_sel = np.repeat(np.arange(n_ev), counts)[sel]
    start = np.stack([flat["vx"][sel], flat["vy"][sel], flat["vz"][sel]], axis=1)
    p4 = np.stack([flat["E"][sel], flat["px"][sel], flat["py"][sel], flat["pz"][sel]], axis=1)
    td = decay_taus(p4, flat["pdgid"][sel], start, int(rng.integers(1, 900_000_000)), time=flat["vt"][sel])
    flat["status"] = flat["status"].copy()
    flat["status"][sel] = 2
    flat["proper_ct"] = flat["proper_ct"].copy()
    flat["proper_ct"][sel] = td.tau_proper_ctau
    n_prod = np.diff(td.offsets)
    extra_counts = np.bincount(ev_sel, weights=n_prod, minlength=n_ev).astype(np.int64)
    m_all = td.pdg.size
    extra = {
        "pdgid": td.pdg.astype(np.int32), "status": np.ones(m_all, dtype=np.int32),
        "mother1": np.repeat(local[sel], n_prod).astype(np.int32), "mother2": np.full(m_all, -1, dtype=np.int32),
        "E": td.p4[:, 0], "px": td.p4[:, 1], "py": td.p4[:, 2], "pz": td.p4[:, 3], "m": td.mass,
        "vx": td.vertex[:, 0], "vy": td.vertex[:, 1], "vz": td.vertex[:, 2], "vt": td.time,
        "proper_ct": np.zeros(m_all),
    }
    # the products of a tau follow their event's own particles; taus are in event order already (sel sorted)
    names = list(ak.fields(events.particles))
    old = ak.unflatten(ak.zip({f: flat[f] for f in names}), counts)
    new = ak.unflatten(ak.zip({f: extra[f] for f in names}), extra_counts)
    merged = ak.concatenate([old, new], axis=1)
    out = ak.zip({**{f: events[f] for f in ak.fields(events) if f != "particles"}, "particles": merged},
                 depth_limit=1)
    return out[list(ak.fields(events))], td
