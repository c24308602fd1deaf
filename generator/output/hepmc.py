"""HepMC3 ASCII writer (``pyhepmc``), streamed and atomic.

Each event becomes a HepMC3 ``GenEvent`` in units **GeV and mm**::

    production vertex V1 at (prod_x, prod_y, prod_z) * 1000 mm, t = 0
        in : incoming lepton (status 4, beam), target nucleus (status 4, beam)
        out: outgoing lepton (1), recoil nucleus (1), new boson (2 if decayed, else 1)
    decay vertex V2 at (decay_x, decay_y, decay_z) * 1000 mm, t = c*t_lab     (only if decayed)
        in : new boson;  out: its two daughters (status 1)

``c*t_lab = |x_decay - x_prod| * E / |p|`` of the boson (mm) is the only derived number in the
writer: it puts the decay vertex on the boson's light cone so that time-aware simulations see a
consistent vertex. Every particle stores its schema mass as HepMC's "generated mass".

Run information (``GenRunInfo``, written once in the file header): the tool ``mudump`` with its
version, the weight names ``RunInfo.weight_names`` (``w_xsec``, ``p_decay``, ``acceptance``,
``weight``) and run attributes ``mudump_run_info`` (the RunInfo as JSON), ``process``,
``channel_names``. Per event: the weights in that order, a ``GenCrossSection`` (sigma +- error in pb,
accepted = attempted = ``RunInfo.n_events``), and attributes ``channel`` (int, -1 = undecayed),
``ctau_mm`` (mean proper decay length in mm), ``proper_ctau_mm`` (this event's proper decay distance
c*t in mm, 0 if undecayed; = |V2 - V1| m/|p|) and ``E_beam`` (GeV), the last three as 17-digit strings
because HepMC3's ``DoubleAttribute`` prints only 6 significant digits (readers get them back as
``UnparsedAttribute``; ``float(str(a))`` or ``a.astype(float)`` converts). The cross-section
attribute is printed by HepMC3 with 9 significant digits; the exact value is in ``mudump_run_info``. The event number is the running
index from 0 over all chunks.

The HepMC3 ASCII header carries no date or host, so the same events give byte-identical files;
``.gz`` output is gzip-compressed with ``mtime = 0`` and no embedded name for the same reason.

References
----------
A. Buckley et al., "The HepMC3 event record library for Monte Carlo event generators",
Comput. Phys. Commun. 260 (2021) 107310, arXiv:1912.08005.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pyhepmc

from generator.events import PARTICLE_FIELDS, RunInfo
from generator.output._atomic import atomic_path, suffix_of

__all__ = ["BEAM_STATUS", "write_hepmc"]

#: HepMC3 status of the incoming (beam) particles.
BEAM_STATUS = 4
_M_TO_MM = 1e3


def _run_info(run_info: RunInfo) -> pyhepmc.GenRunInfo:
    ri = pyhepmc.GenRunInfo()
    ri.tools = [pyhepmc.GenRunInfo.ToolInfo("mudump", str(run_info.generator_version), run_info.process)]
    ri.weight_names = list(run_info.weight_names)
    ri.attributes["mudump_run_info"] = run_info.to_json()
    ri.attributes["process"] = run_info.process
    ri.attributes["channel_names"] = json.dumps(list(run_info.channel_names))
    return ri


def _write_chunks(out: Any, run_info: RunInfo, chunks: Iterable[ak.Array]) -> None:
    gri = _run_info(run_info)
    with pyhepmc.open(out, "w") as f:
        event_number = 0
        for chunk in chunks:
            event_number = _write_chunk(f, gri, run_info, chunk, event_number)


def _write_chunk(
    f: Any, gri: pyhepmc.GenRunInfo, run_info: RunInfo, chunk: ak.Array, event_number: int
) -> int:
    n = len(chunk)
    if n == 0:
        return event_number
    counts = ak.to_numpy(ak.num(chunk.particles, axis=1))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    flat = {f_: ak.to_numpy(ak.flatten(chunk.particles[f_])).tolist() for f_ in PARTICLE_FIELDS}
    prod = (np.column_stack([ak.to_numpy(chunk[f"prod_{a}"]) for a in "xyz"]) * _M_TO_MM).tolist()
    dec = (np.column_stack([ak.to_numpy(chunk[f"decay_{a}"]) for a in "xyz"]) * _M_TO_MM).tolist()
    weights = np.column_stack([ak.to_numpy(chunk.weights[w]) for w in run_info.weight_names]).tolist()
    channel = ak.to_numpy(chunk.channel).tolist()
    ctau_mm = (ak.to_numpy(chunk.ctau_m) * _M_TO_MM).tolist()
    proper_ctau_mm = (ak.to_numpy(chunk.proper_ctau_m) * _M_TO_MM).tolist()
    e_beam = ak.to_numpy(chunk.E_beam).tolist()
    n_acc = int(run_info.n_events) if run_info.n_events > 0 else -1

    for i in range(n):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        evt = pyhepmc.GenEvent(gri, pyhepmc.Units.GEV, pyhepmc.Units.MM)
        evt.event_number = event_number
        parts = []
        for j in range(lo, hi):
            status = flat["status"][j]
            p = pyhepmc.GenParticle(
                pyhepmc.FourVector(flat["px"][j], flat["py"][j], flat["pz"][j], flat["E"][j]),
                flat["pdgid"][j],
                BEAM_STATUS if status == -1 else status,
            )
            p.generated_mass = flat["m"][j]
            parts.append(p)
        v1 = pyhepmc.GenVertex(pyhepmc.FourVector(*prod[i], 0.0))
        v1.add_particle_in(parts[0])
        v1.add_particle_in(parts[1])
        for p in parts[2:5]:
            v1.add_particle_out(p)
        evt.add_vertex(v1)
        if hi - lo == 7:
            boson = parts[4]
            dx = [dec[i][a] - prod[i][a] for a in range(3)]
            p_abs = float(
                np.sqrt(flat["px"][lo + 4] ** 2 + flat["py"][lo + 4] ** 2 + flat["pz"][lo + 4] ** 2)
            )
            length = float(np.sqrt(dx[0] ** 2 + dx[1] ** 2 + dx[2] ** 2))
            ct = length * flat["E"][lo + 4] / p_abs if p_abs > 0 else 0.0
            v2 = pyhepmc.GenVertex(pyhepmc.FourVector(*dec[i], ct))
            v2.add_particle_in(boson)
            v2.add_particle_out(parts[5])
            v2.add_particle_out(parts[6])
            evt.add_vertex(v2)
        evt.weights = weights[i]
        cs = pyhepmc.GenCrossSection()
        cs.set_cross_section(float(run_info.sigma_pb), float(run_info.error_pb), n_acc, n_acc)
        evt.cross_section = cs
        evt.attributes["channel"] = int(channel[i])
        # doubles as strings: HepMC3's DoubleAttribute prints only 6 significant digits
        evt.attributes["ctau_mm"] = f"{ctau_mm[i]:.17g}"
        evt.attributes["proper_ctau_mm"] = f"{proper_ctau_mm[i]:.17g}"
        evt.attributes["E_beam"] = f"{e_beam[i]:.17g}"
        f.write(evt)
        event_number += 1
    return event_number


def write_hepmc(path: str | os.PathLike[str], run_info: RunInfo, chunks: Iterable[ak.Array]) -> Path:
    """Stream event chunks into a HepMC3 ASCII file (gzip if the name ends in ``.gz``), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Output file, e.g. ``events.hepmc`` or ``events.hepmc3.gz``. Written as ``<path>.part`` and
        renamed when complete.
    run_info : RunInfo
        Run-level information (weight names, cross section, ...).
    chunks : iterable of ak.Array
        Event batches in the :mod:`generator.events` schema; consumed lazily, one at a time.

    Returns
    -------
    pathlib.Path
        The final path.

    Raises
    ------
    OSError
        If pyhepmc reports a failed write.

    Example: ``write_hepmc("events.hepmc", run_info, batches)``
    """
    final = Path(path)
    gz = suffix_of(final, (".gz",)) is not None
    with atomic_path(final) as part, open(part, "wb") as raw:
        if gz:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as zf:
                _write_chunks(zf, run_info, chunks)
        else:
            _write_chunks(raw, run_info, chunks)
    return final
