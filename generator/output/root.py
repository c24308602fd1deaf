"""ROOT writer (``uproot``), streamed and atomic.

The file holds::

    TTree "events"      one entry per event
        nparticles                           int32    number of particles of the event (5, 7, ... )
        pdgid, status, mother1, mother2      int32[]  jagged, counted by nparticles
        E, px, py, pz, m                     double[] GeV, lab frame, beam along +z
        vx, vy, vz, vt                       double[] each particle's production vertex and time c*t, mm
        proper_ct                            double[] sampled proper decay distance c*t (boson, taus), mm; 0 = none
        prod_x, prod_y, prod_z               double   production vertex, mm
        decay_x, decay_y, decay_z            double   decay vertex, mm (= production if undecayed)
        channel                              int32    index into run_info channel_names, -1 undecayed
        ctau_mm                              double   mean proper decay length c*tau, mm
        proper_ctau_mm                       double   this event's proper decay distance c*t, mm (0 undecayed)
        E_beam                               double   lepton energy at the production point, GeV
        charge_flip                          bool     boson's muons with the muon number opposite to the beam's
        w_xsec, p_decay, acceptance, weight  double   named weights (pb, 1, 1, pb), see "Weights"
    TTree "run_info"    one entry: sigma_pb, error_pb, weighted, seed (-1 = none), beam_pdg,
                        beam_energy, target_z, target_a, nucleus_mass, nucleus_pdg, n_events,
                        event_norm_sum (0: average, 1: sum), weight_scale (N or 1, see "Weights")
    TObjString "run_info_json"   the complete RunInfo (model, boson, channel and weight names) as JSON
    TObjString "units_json"      {branch: unit} for every branch of "events", and the conventions below

**Units** are GeV and **mm** (HepMC3's and Geant4's; the schema's metres times 1000), cross sections
and the cross-section weights pb. Every branch title is ROOT's leaf list followed by the unit and a
description, e.g. ``prod_x/D [mm] production vertex x``, and ``units_json`` repeats the units for
programs.

**Index conventions** (in ``units_json`` too): particle ``i`` of an event is entry ``i`` of its jagged
arrays, 0-based; ``mother1``/``mother2`` are 0-based indices into the same event's particles, -1 = none
(unlike LHE's 1-based MOTHUP with 0 = none; ROOT and numpy index from 0). Particle 4 is the new boson,
particles 0 and 1 the incoming lepton and nucleus (status -1), see :mod:`generator.events`.

**Weights** follow ``RunInfo.event_norm`` (:mod:`generator.output._weights`): with ``average`` (the
default) ``w_xsec`` and ``weight`` are the schema's times N = ``run_info.n_events``, so their *mean*
over the file is sigma (as XWGTUP in the LHE file); with ``sum`` their *sum* is sigma.
``weight_scale`` in ``run_info`` is that factor.

Baskets are ZSTD-compressed (level 1, :func:`compression`; ROOT >= 6.20 and uproot read them).
Chunks are buffered up to ``basket_events`` events (default 20 000, i.e. >= 100 kB per double branch,
uproot's advice for efficient baskets) and written with ``WritableTree.extend``: memory stays bounded
whatever the number of events.

Reproducibility: ROOT files store a UUID and creation/modification times. With ``reproducible=True``
(default) the UUID is derived from the RunInfo and the clock uproot reads is frozen at
1995-01-01 00:00:00 (ROOT's ``TDatime`` epoch) while the file is written, so the same events give
byte-identical files. This swaps the ``datetime`` name inside uproot's writing modules while any
reproducible ROOT writer runs (reference-counted, so the ROOT and FairShip writers of a run can run in
two threads; a non-reproducible file written meanwhile also gets the frozen clock). The file is written through
a file object (the ``.part`` file), so the name stored inside the TFile is uproot's placeholder
``dynamic.root`` rather than the output path; ROOT does not use it to open the file.

References
----------
R. Brun and F. Rademakers, "ROOT - An object oriented data analysis framework", Nucl. Instrum. Meth.
A 389 (1997) 81; uproot: J. Pivarski et al., doi:10.5281/zenodo.4340632.
"""

from __future__ import annotations

import contextlib
import datetime as _datetime
import hashlib
import json
import os
import re
import threading
import types
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from generator.events import EVENT_FIELDS, PARTICLE_FIELDS, WEIGHT_FIELDS, RunInfo
from generator.output._atomic import staged_path
from generator.output._weights import norm_factor, scaled_weights
from generator.output._written import Written

__all__ = ["stage_root", "write_root"]

_FLAT_FIELDS = [f for f in EVENT_FIELDS if f not in ("particles", "weights")]
_M_TO_MM = 1e3
#: Schema fields in metres -> branch name in mm.
_LENGTHS = {
    "prod_x": "prod_x", "prod_y": "prod_y", "prod_z": "prod_z",
    "decay_x": "decay_x", "decay_y": "decay_y", "decay_z": "decay_z",
    "ctau_m": "ctau_mm", "proper_ctau_m": "proper_ctau_mm",
}  # fmt: skip
#: Particle fields in metres, written in mm under the same name.
_PARTICLE_LENGTHS = ("vx", "vy", "vz", "vt", "proper_ct")
_UNITS = {"E": "GeV", "px": "GeV", "py": "GeV", "pz": "GeV", "m": "GeV", "pdgid": "", "status": "",
          "mother1": "index", "mother2": "index", "channel": "index", "E_beam": "GeV", "w_xsec": "pb",
          "weight": "pb", "p_decay": "1", "acceptance": "1", "nparticles": "count"}
_DESCRIPTIONS = {
    "prod_x": "production vertex x", "prod_y": "production vertex y", "prod_z": "production vertex z (beam axis)",
    "decay_x": "boson decay vertex x (= prod_x if undecayed)", "decay_y": "boson decay vertex y (= prod_y if undecayed)",
    "decay_z": "boson decay vertex z (= prod_z if undecayed)", "ctau_mm": "mean proper decay length c*tau of the boson",
    "proper_ctau_mm": "this event's proper decay distance c*t of the boson, 0 if undecayed",
    "mother1": "0-based index of the first mother in this event, -1 = none",
    "mother2": "0-based index of the second mother in this event, -1 = none",
    "nparticles": "number of particles of the event",
}  # fmt: skip
_CONVENTIONS = {
    "particle index": "0-based position in the event's jagged arrays; mother1/mother2 index it, -1 = none",
    "slots": "0 incoming lepton, 1 target nucleus, 2 outgoing lepton, 3 recoil nucleus, 4 new boson, 5.. its decay",
    "status": "Les Houches: -1 incoming, 1 final state, 2 decayed",
    "frame": "lab frame, beam along +z",
    "vertices": "vx, vy, vz, vt: each particle's production vertex and time c*t in mm (t = 0 at the production point); "
                "proper_ct: its sampled proper decay distance c*t in mm (boson, taus; = LHE VTIMUP), 0 = none",
    "charge_flip": "true if the boson's decay muons carry the muon number opposite to the beam's (a -> mu+ tau-)",
}  # fmt: skip


def compression() -> Any:
    """Basket compression of mudump's ROOT files: ZSTD level 1.

    As small as ZLIB level 1 (uproot's default) on these trees at a sixth of the CPU time (ZLIB was 85 %
    of the writer's time, ``validation/bench_events.py``). ROOT reads ZSTD baskets since 6.20; uproot
    through ``cramjam``, one of its own dependencies.
    """
    return uproot.ZSTD(1)


def _branch_name(field: str) -> str:
    return _LENGTHS.get(field, field)


def _unit(branch: str) -> str:
    if branch in _LENGTHS.values() or branch in _PARTICLE_LENGTHS:
        return "mm"
    return _UNITS.get(branch, "")


#: A unit inside a schema description ("production vertex x in m (lab)"): dropped from a branch title,
#: whose unit stands in brackets after the leaf list (lengths are written in mm, not the schema's m).
_UNIT_IN_TEXT = re.compile(r" in (?:m|GeV|pb)\b")


def _title(branch: str, leaf: str, event_norm: str) -> str:
    desc = _DESCRIPTIONS.get(branch)
    if desc is None:
        schema = {**{k: v for k, (_, v) in EVENT_FIELDS.items()}, **{k: v for k, (_, v) in PARTICLE_FIELDS.items()},
                  **{k: v for k, (_, v) in WEIGHT_FIELDS.items()}}
        desc = _UNIT_IN_TEXT.sub("", schema.get(branch, ""))
    if branch in ("w_xsec", "weight"):
        desc += f"; event_norm = {event_norm}: the {'mean' if event_norm == 'average' else 'sum'} over the file is sigma"
    unit = _unit(branch)
    return f"{leaf} [{unit}] {desc}" if unit else f"{leaf} {desc}"


def _set_titles(f: Any, tree: Any, event_norm: str) -> None:
    """Give every branch of a fresh ``tree`` its unit and description (uproot writes leaf lists only).

    Uses uproot's writing internals (``_branch_data``, ``_relocate``; uproot 5): the titles are set
    before any basket and the tree's metadata rewritten once.
    """
    cascading = tree._cascading
    if not hasattr(cascading, "_relocate"):  # an uproot 5 without it: leaf-list titles, units_json only
        return
    for datum in cascading._branch_data:
        if "fName" in datum:
            datum["fTitle"] = _title(datum["fName"], datum["fTitle"], event_norm)
    cascading._relocate(f.file, f.file.sink)
#: Frozen clock for reproducible files: ROOT's TDatime epoch.
_EPOCH = _datetime.datetime(1995, 1, 1, 0, 0, 0)


class _FrozenDatetime(_datetime.datetime):
    @classmethod
    def now(cls, tz: Any = None) -> _datetime.datetime:  # type: ignore[override]
        return _EPOCH


_CLOCK_LOCK = threading.Lock()
_clock_users = 0
_clock_saved: list[Any] = []


@contextlib.contextmanager
def _frozen_uproot_clock() -> Iterator[None]:
    """Make ``datetime.datetime.now()`` inside uproot's writing modules return the epoch.

    Reference-counted under a lock, so the ROOT and FairShip writers of one run may hold it from two
    threads at once: the first one in installs the frozen clock, the last one out restores uproot's.
    """
    global _clock_users
    import uproot.writing._cascade
    import uproot.writing._cascadetree
    import uproot.writing.writable

    modules = [uproot.writing._cascade, uproot.writing._cascadetree, uproot.writing.writable]
    with _CLOCK_LOCK:
        if _clock_users == 0:
            _clock_saved[:] = [m.datetime for m in modules]
            shim = types.SimpleNamespace(datetime=_FrozenDatetime)
            for m in modules:
                m.datetime = shim
        _clock_users += 1
    try:
        yield
    finally:
        with _CLOCK_LOCK:
            _clock_users -= 1
            if _clock_users == 0:
                for m, orig in zip(modules, _clock_saved):
                    m.datetime = orig


def _chunk_arrays(chunk: ak.Array, weight_names: tuple[str, ...], factor: float) -> dict[str, Any]:
    particles = ak.zip({f: chunk.particles[f] * _M_TO_MM if f in _PARTICLE_LENGTHS else chunk.particles[f]
                        for f in PARTICLE_FIELDS})
    out: dict[str, Any] = {"particles": particles}
    for f in _FLAT_FIELDS:
        a = ak.to_numpy(chunk[f])
        out[_branch_name(f)] = a * _M_TO_MM if f in _LENGTHS else a
    out.update(scaled_weights(chunk, weight_names, factor))
    return out


def _concat(buffer: list[dict[str, Any]]) -> dict[str, Any]:
    if len(buffer) == 1:
        return buffer[0]
    out: dict[str, Any] = {}
    for key in buffer[0]:
        if key == "particles":
            out[key] = ak.concatenate([b[key] for b in buffer])
        else:
            out[key] = np.concatenate([b[key] for b in buffer])
    return out


def _branch_types(weight_names: tuple[str, ...]) -> dict[str, Any]:
    record = ak.types.RecordType(
        [ak.types.NumpyType(dtype) for dtype, _ in PARTICLE_FIELDS.values()],
        list(PARTICLE_FIELDS),
    )
    types_: dict[str, Any] = {"particles": ak.types.ListType(record)}
    for f in _FLAT_FIELDS:
        types_[_branch_name(f)] = np.dtype(EVENT_FIELDS[f][0])
    for w in weight_names:
        types_[w] = np.dtype(WEIGHT_FIELDS[w][0])
    return types_


def _run_info_tree(run_info: RunInfo) -> dict[str, np.ndarray]:
    return {
        "sigma_pb": np.array([run_info.sigma_pb], dtype=np.float64),
        "error_pb": np.array([run_info.error_pb], dtype=np.float64),
        "weighted": np.array([run_info.weighted], dtype=np.bool_),
        "seed": np.array([-1 if run_info.seed is None else run_info.seed], dtype=np.int64),
        "beam_pdg": np.array([run_info.beam_pdg], dtype=np.int32),
        "beam_energy": np.array([run_info.beam_energy], dtype=np.float64),
        "target_z": np.array([run_info.target_z], dtype=np.int32),
        "target_a": np.array([run_info.target_a], dtype=np.int32),
        "nucleus_mass": np.array([run_info.nucleus_mass], dtype=np.float64),
        "nucleus_pdg": np.array([run_info.nucleus_pdg], dtype=np.int64),
        "n_events": np.array([run_info.n_events], dtype=np.int64),
        "event_norm_sum": np.array([run_info.event_norm == "sum"], dtype=np.bool_),
        "weight_scale": np.array([norm_factor(run_info)], dtype=np.float64),
    }


def units_record(weight_names: tuple[str, ...]) -> dict[str, Any]:
    """``{branch: unit}`` of the "events" tree and the index conventions (stored as ``units_json``)."""
    branches = ["nparticles", *PARTICLE_FIELDS, *(_branch_name(f) for f in _FLAT_FIELDS), *weight_names]
    return {"units": {b: _unit(b) or "1" for b in branches}, "conventions": _CONVENTIONS}


def _uuid_for(run_info: RunInfo) -> uuid.UUID:
    return uuid.UUID(bytes=hashlib.sha256(run_info.to_json().encode()).digest()[:16], version=4)


def stage_root(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    chunks: Iterable[ak.Array],
    *,
    basket_events: int = 20_000,
    reproducible: bool = True,
) -> Written:
    """Stream event chunks into a ROOT file with uproot.

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Output file, e.g. ``events.root``. Written as ``<path>.part`` (staged).
    run_info : RunInfo
        Run-level information, stored in the ``run_info`` tree and ``run_info_json`` string.
    chunks : iterable of ak.Array
        Event batches in the :mod:`generator.events` schema; consumed lazily.
    basket_events : int, optional
        Buffer chunks up to this many events before each ``extend`` (one basket per branch).
    reproducible : bool, optional
        Fixed UUID and timestamps so identical input gives identical bytes (see module docstring).

    Returns
    -------
    Written
        The staged file (``<path>.part``, for :meth:`Written.commit`), ``n_events`` and its size.

    Example: ``write_root("events.root", run_info, batches)``
    """
    if basket_events < 1:
        raise ValueError(f"basket_events = {basket_events} but require >= 1")
    final = Path(path)
    weight_names = tuple(run_info.weight_names)
    uuid_fn = (lambda: _uuid_for(run_info)) if reproducible else uuid.uuid1
    clock = _frozen_uproot_clock() if reproducible else contextlib.nullcontext()
    factor = norm_factor(run_info)
    n_written = 0
    with (
        staged_path(final) as part,
        open(part, "wb+") as raw,
        clock,
        uproot.recreate(raw, uuid_function=uuid_fn, compression=compression()) as f,
    ):
        tree = f.mktree(
            "events",
            _branch_types(weight_names),
            counter_name=lambda counted: "n" + counted,
            field_name=lambda outer, inner: inner,
            title="mudump events",
        )
        _set_titles(f, tree, run_info.event_norm)
        buffer: list[dict[str, Any]] = []
        buffered = 0
        for chunk in chunks:
            if len(chunk) == 0:
                continue
            buffer.append(_chunk_arrays(chunk, weight_names, factor))
            buffered += len(chunk)
            n_written += len(chunk)
            if buffered >= basket_events:
                tree.extend(_concat(buffer))
                buffer, buffered = [], 0
        if buffer:
            tree.extend(_concat(buffer))
        f.mktree("run_info", {k: v.dtype for k, v in _run_info_tree(run_info).items()}, title="mudump run")
        f["run_info"].extend(_run_info_tree(run_info))
        f["run_info_json"] = run_info.to_json()
        f["units_json"] = json.dumps(units_record(weight_names), sort_keys=True)
    return Written.staged(part, final, n_events=n_written)


def write_root(path: str | os.PathLike[str], run_info: RunInfo, chunks: Iterable[ak.Array], **options: Any) -> Written:
    """:func:`stage_root`, committed: the file appears under ``path`` only complete (``options`` as there)."""
    return stage_root(path, run_info, chunks, **options).commit()
