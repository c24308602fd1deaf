"""HepMC3 ASCII writer: whole chunks formatted at once in compiled code, streamed and atomic.

Each event is a HepMC3 event in units **GeV and mm** (HepMC's and Geant4's)::

    E <event number> <vertices> <particles>
    U GEV MM
    W w_xsec p_decay acceptance weight              (RunInfo.weight_names, in the file's event_norm)
    A 0 E_beam | GenCrossSection | channel | ctau_mm | proper_ctau_mm | charge_flip
    P 1 0 <lepton> ... 4          P 2 0 <nucleus> ... 4                  (incoming: status 4, beam)
    V -1 0 [1,2] @ prod_x prod_y prod_z 0            (mm)
    P 3 -1 ... 1   P 4 -1 ... 1   P 5 -1 <boson> ... 2 (1 if undecayed)
    V -2 0 [5] @ decay_x decay_y decay_z c*t_lab     (only if decayed)
    P 6 -2 ... 1   P 7 -2 ... 1
    V -3 0 [3] @ x y z c*t                           (a tau decay, tau_decays = pythia8)
    P 8 -3 ... 1   ...

Vertices are built generically from the event's particle list: every distinct mother pair
(``mother1``, ``mother2``; a range when ``mother2 > mother1``, as in LHE) is one vertex, written before
its first daughter, at the production vertex and time of its daughters (the schema's per-particle
``vx, vy, vz, vt``, in mm): the vertex fed by the incoming lepton at the production point (t = 0), the
new boson's (schema slot 4) at its decay point with ``t = c*t_lab = |x_decay - x_prod| E/|p|``, a tau's
at the tau's decay point and time (one vertex per decay). A vertex takes the position of its earliest
daughter (smallest ``vt``): the products of a tau are flattened onto it, and the photons of
pi0 -> gamma gamma, which Pythia places ~25 nm x gamma later, get the tau's decay vertex here (their own is
in the ROOT file). Every vertex is written explicitly. Particle ``m`` is HepMC's generated mass.

Weights follow ``RunInfo.event_norm`` (see :mod:`generator.output._weights`: ``average`` -- the mean
of ``w_xsec`` and ``weight`` over the file is sigma; ``sum`` -- their sum is), announced by the run
attribute ``event_norm``. Run information (written once, by pyhepmc, so its escaping is HepMC3's own):
the tool ``mudump`` with its version, the weight names, and run attributes ``mudump_run_info`` (the
RunInfo as JSON), ``process``, ``channel_names``, ``event_norm``, ``units``. Per event: a
``GenCrossSection`` (sigma +- error in pb, accepted = attempted = ``RunInfo.n_events``) and attributes
``channel`` (int, -1 = undecayed), ``ctau_mm`` (mean proper decay length, mm), ``proper_ctau_mm``
(this event's c*t, 0 if undecayed), ``charge_flip`` (int 0/1: the boson's decay muons carry the muon number
opposite to the beam's) and ``E_beam`` (GeV), the doubles as ``%.16e`` strings (readers
get ``UnparsedAttribute``; ``float(str(a))`` converts). Every real number is written with 17
significant digits (:mod:`generator.output._text`), so a read-back gives the doubles exactly.

Why not pyhepmc objects per event: building one ``GenEvent`` per event in Python (even one reused
event filled by ``GenEvent.from_hepevt``) tops out near 4.6e4 events/s on this machine; the text
format is simple and documented, so the events are formatted here and pyhepmc reads them back in
the tests (``tests/test_formats_agree.py``). The file follows the convention HepMC3's own
``WriterAscii``/``ReaderAscii`` define (arXiv:1912.08005): ASCII v3, units on every event's ``U`` line
(GeV and mm: mm is Geant4's length unit, so a Geant4 primary-generator interface needs no length
conversion), status 1 = final state, 2 = decayed, 4 = beam, one ``GenCrossSection`` per event (what
Rivet normalises with).

The header carries no date or host; ``.gz`` has ``mtime = 0`` and no embedded name, so the same events
give byte-identical files.

References
----------
A. Buckley et al., "The HepMC3 event record library for Monte Carlo event generators",
Comput. Phys. Commun. 260 (2021) 107310, arXiv:1912.08005 (the ASCII v3 format, section 3).
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import awkward as ak
import numba as nb
import numpy as np
import pyhepmc

from generator.events import RunInfo
from generator.output._atomic import staged_path, suffix_of
from generator.output._text import as_bytes, put_bytes, put_e16, put_int, reused_buffer
from generator.output._weights import norm_factor, scaled_weights
from generator.output._written import Written

__all__ = ["BEAM_STATUS", "merge_hepmc", "stage_hepmc", "write_hepmc", "write_hepmc_piece"]

#: HepMC3 status of the incoming (beam) particles.
BEAM_STATUS = 4
_M_TO_MM = 1e3
_FOOTER = b"HepMC::Asciiv3-END_EVENT_LISTING\n\n"

_E = as_bytes("E ")
_UW = as_bytes("U GEV MM\nW")
_A_EBEAM = as_bytes("A 0 E_beam ")
_A_CHANNEL = as_bytes("A 0 channel ")
_A_CTAU = as_bytes("A 0 ctau_mm ")
_A_PROPER = as_bytes("A 0 proper_ctau_mm ")
_A_FLIP = as_bytes("A 0 charge_flip ")
_P = as_bytes("P ")
_V = as_bytes("V ")
_AT = as_bytes(" @ ")
_STATUS0 = as_bytes(" 0 [")


def _run_info(run_info: RunInfo) -> pyhepmc.GenRunInfo:
    ri = pyhepmc.GenRunInfo()
    ri.tools = [pyhepmc.GenRunInfo.ToolInfo("mudump", str(run_info.generator_version), run_info.process)]
    ri.weight_names = list(run_info.weight_names)
    ri.attributes["mudump_run_info"] = run_info.to_json()
    ri.attributes["process"] = run_info.process
    ri.attributes["channel_names"] = json.dumps(list(run_info.channel_names))
    ri.attributes["event_norm"] = run_info.event_norm
    ri.attributes["units"] = "momenta, energies, masses GeV; vertices mm; cross section pb; weights pb (w_xsec, weight)"
    return ri


def _header(run_info: RunInfo) -> bytes:
    """The file header as pyhepmc writes it (version, weight names, tool, run attributes)."""
    buf = io.BytesIO()
    with pyhepmc.open(buf, "w") as f:
        f.write(pyhepmc.GenEvent(_run_info(run_info), pyhepmc.Units.GEV, pyhepmc.Units.MM))
    text = buf.getvalue()
    return text[: text.index(b"\nE 0 ") + 1]


# Longer than 80 lines on purpose: one compiled loop writes every line of an event into one buffer
# (issue 19: 2.9 us per event); split into helpers, numba would pass the buffer and cursor through calls.
@nb.njit(cache=True, nogil=True)
def _format_events(
    first_number, offsets, pdg, status, mother1, mother2, px, py, pz, e, m,
    vx, vy, vz, vt, wgts, e_beam, channel, ctau_mm, proper_mm, flip, xsec_line, buf,
):  # fmt: skip
    """Write the HepMC3 ASCII text of a chunk of events into ``buf``; return the number of bytes."""
    n_max = 0
    for i in range(offsets.shape[0] - 1):
        n_max = max(n_max, offsets[i + 1] - offsets[i])
    vtx = np.empty(n_max, dtype=np.int64)  # production vertex (1-based) of each particle, 0 = none
    v_m1 = np.empty(n_max, dtype=np.int64)
    v_m2 = np.empty(n_max, dtype=np.int64)
    v_at = np.empty(n_max, dtype=np.int64)  # the daughter whose production vertex places the vertex
    pos = 0
    for i in range(offsets.shape[0] - 1):
        lo, hi = offsets[i], offsets[i + 1]
        nv = 0
        for a in range(hi - lo):
            m1, m2 = mother1[lo + a], mother2[lo + a]
            vtx[a] = 0
            if m1 < 0:
                continue
            for v in range(nv):
                if v_m1[v] == m1 and v_m2[v] == m2:
                    vtx[a] = v + 1
                    if vt[lo + a] < vt[lo + v_at[v]]:
                        v_at[v] = a
                    break
            if vtx[a] == 0:
                v_m1[nv], v_m2[nv] = m1, m2
                v_at[nv] = a
                nv += 1
                vtx[a] = nv
        pos = put_bytes(buf, pos, _E)
        pos = put_int(buf, pos, first_number + i)
        buf[pos] = 32
        pos = put_int(buf, pos + 1, nv)
        buf[pos] = 32
        pos = put_int(buf, pos + 1, hi - lo)
        buf[pos] = 10
        pos = put_bytes(buf, pos + 1, _UW)
        for k in range(wgts.shape[1]):
            buf[pos] = 32
            pos = put_e16(buf, pos + 1, wgts[i, k], False)
        buf[pos] = 10
        pos = put_bytes(buf, pos + 1, _A_EBEAM)
        pos = put_e16(buf, pos, e_beam[i], False)
        buf[pos] = 10
        pos = put_bytes(buf, pos + 1, xsec_line)
        pos = put_bytes(buf, pos, _A_CHANNEL)
        pos = put_int(buf, pos, channel[i])
        buf[pos] = 10
        pos = put_bytes(buf, pos + 1, _A_CTAU)
        pos = put_e16(buf, pos, ctau_mm[i], False)
        buf[pos] = 10
        pos = put_bytes(buf, pos + 1, _A_PROPER)
        pos = put_e16(buf, pos, proper_mm[i], False)
        buf[pos] = 10
        pos = put_bytes(buf, pos + 1, _A_FLIP)
        pos = put_int(buf, pos, flip[i])
        buf[pos] = 10
        pos += 1
        written = 0
        for a in range(hi - lo):
            j = lo + a
            v = vtx[a]
            if v > written:  # first daughter of vertex v: write the vertex
                written = v
                m1, m2 = v_m1[v - 1], v_m2[v - 1]
                last = max(m1, m2)
                pos = put_bytes(buf, pos, _V)
                pos = put_int(buf, pos, -v)
                pos = put_bytes(buf, pos, _STATUS0)
                for b in range(m1, last + 1):
                    if b > m1:
                        buf[pos] = 44  # ','
                        pos += 1
                    pos = put_int(buf, pos, b + 1)
                buf[pos] = 93  # ']'
                pos += 1
                q = lo + v_at[v - 1]  # the vertex sits where its earliest daughter is produced
                pos = put_bytes(buf, pos, _AT)
                for x in (vx[q], vy[q], vz[q]):
                    pos = put_e16(buf, pos, x, False)
                    buf[pos] = 32
                    pos += 1
                pos = put_e16(buf, pos, vt[q], False)
                buf[pos] = 10
                pos += 1
            pos = put_bytes(buf, pos, _P)
            pos = put_int(buf, pos, a + 1)
            buf[pos] = 32
            pos = put_int(buf, pos + 1, -v)
            buf[pos] = 32
            pos = put_int(buf, pos + 1, pdg[j])
            for x in (px[j], py[j], pz[j], e[j], m[j]):
                buf[pos] = 32
                pos = put_e16(buf, pos + 1, x, False)
            buf[pos] = 32
            pos = put_int(buf, pos + 1, 4 if status[j] == -1 else status[j])
            buf[pos] = 10
            pos += 1
    return pos


def _flat(particles: ak.Array, name: str, dtype: Any) -> np.ndarray:
    return np.ascontiguousarray(ak.to_numpy(ak.flatten(particles[name], axis=1)), dtype=dtype)


def _chunk_text(chunk: ak.Array, run_info: RunInfo, factor: float, first_number: int,
                xsec_line: np.ndarray, cache: list[np.ndarray] | None = None) -> np.ndarray:
    n = len(chunk)
    if n == 0:
        return np.zeros(0, dtype=np.uint8)
    particles = chunk.particles
    counts = ak.to_numpy(ak.num(particles, axis=1)).astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    px, py, pz, e = (_flat(particles, f, np.float64) for f in ("px", "py", "pz", "E"))
    vx, vy, vz, vt = (_flat(particles, f, np.float64) * _M_TO_MM for f in ("vx", "vy", "vz", "vt"))
    named = scaled_weights(chunk, tuple(run_info.weight_names), factor)
    wgts = np.ascontiguousarray(np.column_stack([named[w] for w in run_info.weight_names]))
    buf = reused_buffer(cache, n * (400 + 26 * wgts.shape[1] + len(xsec_line)) + len(px) * 340)
    size = _format_events(
        first_number, offsets, _flat(particles, "pdgid", np.int64), _flat(particles, "status", np.int64),
        _flat(particles, "mother1", np.int64), _flat(particles, "mother2", np.int64), px, py, pz, e,
        _flat(particles, "m", np.float64), vx, vy, vz, vt, wgts, ak.to_numpy(chunk.E_beam).astype(np.float64),
        ak.to_numpy(chunk.channel).astype(np.int64), ak.to_numpy(chunk.ctau_m) * _M_TO_MM,
        ak.to_numpy(chunk.proper_ctau_m) * _M_TO_MM, ak.to_numpy(chunk.charge_flip).astype(np.int64),
        xsec_line, buf,
    )  # fmt: skip
    return buf[:size]


def _xsec_line(run_info: RunInfo) -> np.ndarray:
    """Every event's ``GenCrossSection`` attribute line (sigma, error, accepted = attempted = the run's N)."""
    n_acc = int(run_info.n_events) if run_info.n_events > 0 else -1
    return as_bytes(
        f"A 0 GenCrossSection {float(run_info.sigma_pb):.16e} {float(run_info.error_pb):.16e} {n_acc} {n_acc}\n"
    )


def stage_hepmc(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    chunks: Iterable[ak.Array],
    *,
    compresslevel: int = 1,
) -> Written:
    """Stream event chunks into a HepMC3 ASCII file (gzip if the name ends in ``.gz``).

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Output file, e.g. ``events.hepmc3`` or ``events.hepmc3.gz``. Written as ``<path>.part`` and
        renamed when complete.
    run_info : RunInfo
        Run-level information (weight names, cross section, ``event_norm``, ...).
    chunks : iterable of ak.Array
        Event batches in the :mod:`generator.events` schema; consumed lazily, one at a time.
    compresslevel : int, optional
        zlib level for ``.gz`` output.

    Returns
    -------
    Written
        The staged file (``<path>.part``, for :meth:`Written.commit`), ``n_events`` and its size.

    Example: ``write_hepmc("events.hepmc3", run_info, batches)``
    """
    final = Path(path)
    gz = suffix_of(final, (".gz",)) is not None
    factor = norm_factor(run_info)
    xsec_line = _xsec_line(run_info)
    number = 0
    with staged_path(final) as part, open(part, "wb") as raw:
        out: BinaryIO = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=compresslevel)  # type: ignore[assignment]
            if gz else raw
        )  # fmt: skip
        out.write(_header(run_info))
        cache: list[np.ndarray] = []  # one text buffer for every chunk: each is written before the next
        for chunk in chunks:
            out.write(_chunk_text(chunk, run_info, factor, number, xsec_line, cache))  # type: ignore[call-overload]  # a uint8 array is a buffer
            number += len(chunk)
        out.write(_FOOTER)
        if gz:
            out.close()
    return Written.staged(part, final, n_events=number)


# ---------------------------------------------------------------------------------------------------
# sharded runs: one piece per shard, merged into one file (generator/merge.py)
# ---------------------------------------------------------------------------------------------------
def write_hepmc_piece(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    chunks: Iterable[ak.Array],
    *,
    first_event: int = 0,
    header: bool = False,
    gz: bool | None = None,
    compresslevel: int = 1,
) -> Written:
    """One shard's events as a piece of a HepMC3 file (merged by :func:`merge_hepmc`).

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    The events of ``chunks`` exactly as :func:`write_hepmc` formats them, numbered from ``first_event``
    (the shard's place in the run), preceded by the file header (run info) if ``header`` (the first
    shard's piece, which becomes the merged file). ``gz`` (default: from the name's suffix): one gzip
    member. Its ``details`` are ``n_events``.
    """
    final = Path(path)
    gz = suffix_of(final, (".gz",)) is not None if gz is None else gz
    factor = norm_factor(run_info)
    xsec_line = _xsec_line(run_info)
    number = int(first_event)
    with staged_path(final) as part, open(part, "wb") as raw:
        out: BinaryIO = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=compresslevel)  # type: ignore[assignment]
            if gz else raw
        )  # fmt: skip
        if header:
            out.write(_header(run_info))
        for chunk in chunks:
            out.write(_chunk_text(chunk, run_info, factor, number, xsec_line))  # type: ignore[call-overload]  # a uint8 array is a buffer
            number += len(chunk)
        if gz:
            out.close()
    return Written.staged(part, final, n_events=number - int(first_event))


def merge_hepmc(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    pieces: Iterable[tuple[Path, Mapping[str, Any]]],
    *,
    gz: bool | None = None,
    compresslevel: int = 1,
) -> Written:
    """The HepMC3 file of a sharded run from its pieces (:func:`write_hepmc_piece`).

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    ``pieces`` yields each shard's piece with its writer's statistics, in shard order (lazily). The first
    piece (with the header) is renamed to ``<path>.part``, the others are appended in the kernel and
    removed one by one, then the footer: a plain file has exactly the bytes :func:`write_hepmc` writes for
    the same events in one stream (the pieces number their events from their shard's first); a ``.gz`` is
    one gzip member per shard and one for the footer. Each piece is consumed once taken.
    """
    from generator.output._pieces import join_pieces

    final = Path(path)
    gz = suffix_of(final, (".gz",)) is not None if gz is None else gz
    with staged_path(final) as part:
        raw, figures = join_pieces(part, pieces, "merge_hepmc needs at least one piece (the first shard's, "
                                   "with the header)")
        with raw:
            n = sum(int(st["n_events"]) for st in figures)
            raw.write(gzip.compress(_FOOTER, compresslevel=compresslevel, mtime=0) if gz else _FOOTER)
    return Written.staged(part, final, n_events=n)


def write_hepmc(path: str | os.PathLike[str], run_info: RunInfo, chunks: Iterable[ak.Array], **options: Any) -> Written:
    """:func:`stage_hepmc`, committed: the file appears under ``path`` only complete (``options`` as there)."""
    return stage_hepmc(path, run_info, chunks, **options).commit()
