"""ROOT writer (``uproot``), streamed and atomic.

The file holds::

    TTree "events"      one entry per event
        nparticles                           int32    number of particles (5, or 7 if decayed)
        pdgid, status, mother1, mother2      int32[]  jagged, counted by nparticles (mothers 0-based, -1 = none)
        E, px, py, pz, m                     double[] GeV, lab frame, beam along +z
        prod_x, prod_y, prod_z               double   production vertex, m
        decay_x, decay_y, decay_z            double   decay vertex, m (= production if undecayed)
        channel                              int32    index into run_info channel_names, -1 undecayed
        ctau_m, E_beam                       double   mean proper c*tau (m), lepton energy at production (GeV)
        proper_ctau_m                        double   this event's proper decay distance c*t (m), 0 undecayed
        w_xsec, p_decay, acceptance, weight  double   named weights (pb, 1, 1, pb)
    TTree "run_info"    one entry: sigma_pb, error_pb, weighted, seed (-1 = none), beam_pdg,
                        beam_energy, target_z, target_a, nucleus_mass, nucleus_pdg, n_events
    TObjString "run_info_json"   the complete RunInfo (model parameters, channel and weight names) as JSON

Chunks are buffered up to ``basket_events`` events (default 20 000, i.e. >= 100 kB per double branch,
uproot's advice for efficient baskets) and written with ``WritableTree.extend``: memory stays bounded
whatever the number of events.

Reproducibility: ROOT files store a UUID and creation/modification times. With ``reproducible=True``
(default) the UUID is derived from the RunInfo and the clock uproot reads is frozen at
1995-01-01 00:00:00 (ROOT's ``TDatime`` epoch) while the file is written, so the same events give
byte-identical files. This swaps the ``datetime`` name inside uproot's writing modules for the
duration of the call: do not write ROOT files from two threads at once. The file is written through
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
import os
import types
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from generator.events import EVENT_FIELDS, PARTICLE_FIELDS, WEIGHT_FIELDS, RunInfo
from generator.output._atomic import atomic_path

__all__ = ["write_root"]

_FLAT_FIELDS = [f for f in EVENT_FIELDS if f not in ("particles", "weights")]
#: Frozen clock for reproducible files: ROOT's TDatime epoch.
_EPOCH = _datetime.datetime(1995, 1, 1, 0, 0, 0)


class _FrozenDatetime(_datetime.datetime):
    @classmethod
    def now(cls, tz: Any = None) -> _datetime.datetime:  # type: ignore[override]
        return _EPOCH


@contextlib.contextmanager
def _frozen_uproot_clock() -> Iterator[None]:
    """Make ``datetime.datetime.now()`` inside uproot's writing modules return the epoch."""
    import uproot.writing._cascade
    import uproot.writing._cascadetree
    import uproot.writing.writable

    shim = types.SimpleNamespace(datetime=_FrozenDatetime)
    modules = [uproot.writing._cascade, uproot.writing._cascadetree, uproot.writing.writable]
    saved = [m.datetime for m in modules]
    try:
        for m in modules:
            m.datetime = shim  # type: ignore[attr-defined]
        yield
    finally:
        for m, orig in zip(modules, saved):
            m.datetime = orig  # type: ignore[attr-defined]


def _chunk_arrays(chunk: ak.Array, weight_names: tuple[str, ...]) -> dict[str, Any]:
    particles = ak.zip({f: chunk.particles[f] for f in PARTICLE_FIELDS})
    out: dict[str, Any] = {"particles": particles}
    for f in _FLAT_FIELDS:
        out[f] = ak.to_numpy(chunk[f])
    for w in weight_names:
        out[w] = ak.to_numpy(chunk.weights[w])
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
        types_[f] = np.dtype(EVENT_FIELDS[f][0])
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
    }


def _uuid_for(run_info: RunInfo) -> uuid.UUID:
    return uuid.UUID(bytes=hashlib.sha256(run_info.to_json().encode()).digest()[:16], version=4)


def write_root(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    chunks: Iterable[ak.Array],
    *,
    basket_events: int = 20_000,
    reproducible: bool = True,
) -> Path:
    """Stream event chunks into a ROOT file with uproot, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Output file, e.g. ``events.root``. Written as ``<path>.part`` and renamed when complete.
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
    pathlib.Path
        The final path.

    Example: ``write_root("events.root", run_info, batches)``
    """
    if basket_events < 1:
        raise ValueError(f"basket_events = {basket_events} but require >= 1")
    final = Path(path)
    weight_names = tuple(run_info.weight_names)
    uuid_fn = (lambda: _uuid_for(run_info)) if reproducible else uuid.uuid1
    clock = _frozen_uproot_clock() if reproducible else contextlib.nullcontext()
    with (
        atomic_path(final) as part,
        open(part, "wb+") as raw,
        clock,
        uproot.recreate(raw, uuid_function=uuid_fn) as f,
    ):
        tree = f.mktree(
            "events",
            _branch_types(weight_names),
            counter_name=lambda counted: "n" + counted,
            field_name=lambda outer, inner: inner,
            title="mudump events",
        )
        buffer: list[dict[str, Any]] = []
        buffered = 0
        for chunk in chunks:
            if len(chunk) == 0:
                continue
            buffer.append(_chunk_arrays(chunk, weight_names))
            buffered += len(chunk)
            if buffered >= basket_events:
                tree.extend(_concat(buffer))
                buffer, buffered = [], 0
        if buffer:
            tree.extend(_concat(buffer))
        f.mktree("run_info", {k: v.dtype for k, v in _run_info_tree(run_info).items()}, title="mudump run")
        f["run_info"].extend(_run_info_tree(run_info))
        f["run_info_json"] = run_info.to_json()
    return final
