"""Les Houches Event (LHE v3) writer: whole chunks formatted at once in compiled code, streamed, atomic.

Layout of the file::

    <LesHouchesEvents version="3.0">
    <header>
      <mudump>  param-card-style blocks: TARGET (Z, A, M_nucleus), BEAM, RUN (weighted?, seed, N,
                sigma, error, event_norm), MODEL (RunInfo.extra), CHANNELS; then the RunInfo as JSON  </mudump>
      <slha>    MadGraph-style SLHA for the new boson: BLOCK MASS, DECAY (width, branching fractions,
                daughters), BLOCK QNUMBERS (charge, spin states, colour, self-conjugate)          </slha>
      <initrwgt><weightgroup name="mudump"><weight id="w_xsec">...</weight> ...</initrwgt>
    </header>
    <init>
      IDBMUP = (lepton PDG, nucleus PDG 100ZZZAAA0), EBMUP = (E_beam, M_nucleus)   [target at rest]
      PDFGUP = PDFSUP = 0 (no PDFs), IDWTUP, NPRUP = 1
      XSECUP = sigma [pb], XERRUP = error [pb], XMAXUP = max XWGTUP [pb], LPRUP = 1
      <generator name="mudump" version="...">
    </init>
    <event charge_flip="0|1"> NUP IDPRUP=1 XWGTUP SCALUP AQEDUP AQCDUP
            IDUP ISTUP MOTHUP(1,2) ICOLUP(1,2)=0 PUP(1..5) VTIMUP SPINUP=9      (one line per particle)
            <rwgt><wgt id="w_xsec">..</wgt> <wgt id="p_decay"> <wgt id="acceptance"> <wgt id="weight"></rwgt>
    </event> ...

Conventions (the Les Houches accord, hep-ph/0109068, as MadGraph and Pythia 8 read it; Pythia 8 reads the
header and ``<slha>`` but then refuses the mu-on-nucleus beams, ``BeamSetup::checkBeams``, so the file is
for pylhe and MadGraph's tools, and HepMC3 for a simulation, ``docs/output.md``):

* **Normalisation** (``RunInfo.event_norm``, MadGraph's ``event_norm``): ``"average"`` (default, the
  accord's) -- the *mean* of XWGTUP is the cross section, so XWGTUP = N x the schema's weight (which
  sums to sigma); ``"sum"`` -- the *sum* of XWGTUP is sigma (XWGTUP = the schema's weight). The
  ``w_xsec`` and ``weight`` entries of ``<rwgt>`` are scaled alike; ``p_decay`` and ``acceptance``
  are probabilities and never scaled. N = ``RunInfo.n_events``.
* **XWGTUP** is the production weight ``w_xsec``, weighted or unweighted, so that the file's events
  give back XSECUP, the production cross section, by the accord's rule; the decay-in-volume
  probability and the acceptance are per-event factors in ``<rwgt>`` (``weight`` = their product with
  ``w_xsec``: the accepted cross section is the mean of ``weight`` with ``average``).
* **IDWTUP** = ``+3`` when every XWGTUP in the file is the same (unweighted; sigma = XSECUP), else
  ``+4`` (weighted; sigma = mean of XWGTUP with ``event_norm = average``). An unweighted run whose
  partial unweighting left events above the cap (they keep weight w/w_max, :mod:`generator.integrate`)
  is therefore written as ``+4``: the weights are then not all equal, and a reader that honours IDWTUP
  = 3 would drop them. ``+4`` rather than ``-4``: mudump's weights are never negative (a negative weight
  is refused). **XMAXUP** = the largest XWGTUP in the file. IDWTUP and XMAXUP are known only after the
  last event: the writer leaves fixed-width fields in ``<init>`` and fills them in at the end (for
  ``.lhe.gz`` the header is a separate, stored gzip member of fixed size, so the file stays one valid
  gzip stream of two members, as gzip, zlib's ``gzread`` and Python read it).
* **Mothers** are 1-based (0 = none) as LHE requires; the schema's are 0-based (-1 = none).
* **Status** -1 incoming, 1 final, 2 decayed (the new boson when its daughters are listed).
* **VTIMUP** of every particle is its sampled proper decay distance ``c*t`` in mm (the schema's
  ``proper_ct`` x 1000): the new boson's (particle 5, = ``proper_ctau_m`` x 1000; 0 if undecayed) and every
  tau's (decayed by Pythia 8 or not, ``generator.tau_decays``), 0 (LHE: not set) for the others. Pythia 8
  reads VTIMUP as the particle's proper decay distance; a tau's flight is VTIMUP |p|/m, as in ROOT/HepMC3.
* **charge_flip**: an attribute of every ``<event>`` tag (LHEF 3.0 allows event attributes), ``"1"`` when
  the boson's decay muons carry the muon number opposite to the beam's (a -> mu+ tau- for mu-), else
  ``"0"``. pylhe: ``event.attributes["charge_flip"]``; Pythia 8: ``info.getEventAttribute("charge_flip")``;
  MadGraph's ``lhe_parser``: ``event.eventflag``.
* **SCALUP** = the new boson's mass in GeV; AQEDUP = alpha(0); AQCDUP = -1 (not used).
* Every real number is written as ``%.16e`` (17 significant digits, correctly rounded: a read-back
  gives the double exactly, :mod:`generator.output._text`). Particles are written generically from
  the event's jagged particle list, whatever its length.
* ``.lhe.gz`` has ``mtime = 0`` and no embedded name, so the same events give byte-identical files.

Production and decay vertices have no place in the LHE event record; they are in the ROOT and
HepMC3 outputs.

References
----------
J. Alwall et al., "A standard format for Les Houches Event Files", Comput. Phys. Commun. 176 (2007)
300, hep-ph/0609017; E. Boos et al., "Generic user process interface for event generators",
hep-ph/0109068 (IDWTUP, XMAXUP, VTIMUP); J.M. Butterworth et al., arXiv:1405.1067 (LHE v3 weights);
P. Skands et al., "SUSY Les Houches Accord", JHEP 0407 (2004) 036, hep-ph/0311123 (MASS, DECAY);
J. Alwall et al., "A Les Houches interface for BSM generators", arXiv:0712.3311 (QNUMBERS, <slha>).
"""

from __future__ import annotations

import contextlib
import gzip
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import awkward as ak
import numba as nb
import numpy as np

from generator.constants import ALPHA_EM
from generator.events import RunInfo
from generator.output._atomic import staged_path, suffix_of
from generator.output._gzip_thread import GzipThread
from generator.output._text import as_bytes, put_bytes, put_e16, put_int_width, reused_buffer
from generator.output._weights import norm_factor, scaled_weights
from generator.output._written import Written

__all__ = ["IDWTUP_UNWEIGHTED", "IDWTUP_WEIGHTED", "merge_lhe", "stage_lhe", "write_lhe", "write_lhe_piece"]

#: Les Houches weighting strategy for unweighted events.
IDWTUP_UNWEIGHTED = 3
#: Les Houches weighting strategy for weighted (non-negative) events, weights in pb.
IDWTUP_WEIGHTED = 4
#: Process id (LPRUP / IDPRUP): one process per file.
PROCESS_ID = 1
#: Width of the XMAXUP field (" %.16e" of a positive number with a 3-digit exponent).
_XMAX_WIDTH = 24
_IDWTUP_MARK = "@W@"
_XMAXUP_MARK = "@XMAXUP@"

_WEIGHT_DESCRIPTIONS = {
    "w_xsec": "MC cross-section weight [pb]",
    "p_decay": "probability to decay inside the decay volume",
    "acceptance": "daughter acceptance",
    "weight": "w_xsec * p_decay * acceptance [pb]",
}

_EV_OPEN = as_bytes('<event charge_flip="0">\n')
_EV_OPEN_FLIP = as_bytes('<event charge_flip="1">\n')
_RW_OPEN = as_bytes("<rwgt>\n")
_RW_CLOSE = as_bytes("</rwgt>\n")
_EV_CLOSE = as_bytes("</event>\n")
_COLOURS = as_bytes("   0   0")
_SPIN = as_bytes("  9.0\n")
_WGT_CLOSE = as_bytes("</wgt>\n")


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def _mudump_block(run_info: RunInfo) -> str:
    kind = "weighted" if run_info.weighted else "unweighted"
    lines = [
        (f"# mudump {run_info.generator_version} run information; events are {kind}; "
         f"event_norm = {run_info.event_norm} ({_norm_words(run_info.event_norm)})"),
        "Block TARGET",
        f" 1 {run_info.target_z} # Z",
        f" 2 {run_info.target_a} # A",
        f" 3 {run_info.nucleus_mass!r} # M_nucleus [GeV]",
        f" 4 {run_info.nucleus_pdg} # PDG id of the nucleus",
        "Block BEAM",
        f" 1 {run_info.beam_pdg} # PDG id of the lepton",
        f" 2 {float(run_info.beam_energy)!r} # E_beam [GeV]",
        "Block RUN",
        f" 1 {int(run_info.weighted)} # weighted (1) or unweighted (0)",
        f" 2 {-1 if run_info.seed is None else int(run_info.seed)} # seed (-1 = none)",
        f" 3 {run_info.n_events} # number of events",
        f" 4 {float(run_info.sigma_pb)!r} # sigma [pb]",
        f" 5 {float(run_info.error_pb)!r} # error [pb]",
        f" 6 {0 if run_info.event_norm == 'average' else 1} # event_norm: 0 average, 1 sum",
        f"# process = {run_info.process}",
        "Block MODEL",
    ]
    i = 0
    for key in sorted(run_info.extra):
        value = run_info.extra[key]
        if isinstance(value, (bool, int, float, np.integer, np.floating)):
            i += 1
            lines.append(f" {i} {_param_value(value)} # {key}")
        else:
            lines.append(f"# {key} = {value}")
    lines.append("Block CHANNELS")
    lines.extend(f" {j} # {name}" for j, name in enumerate(run_info.channel_names))
    lines.append(f"# RunInfo (JSON): {run_info.to_json()}")
    return "\n" + "\n".join(lines) + "\n"


def _norm_words(event_norm: str) -> str:
    return "mean of XWGTUP = sigma" if event_norm == "average" else "sum of XWGTUP = sigma"


def slha_block(run_info: RunInfo) -> str:
    """MadGraph-style SLHA text (MASS, DECAY, QNUMBERS) for the run's new boson; '' if not known.

    >>> ri = RunInfo(process="p", beam_pdg=13, beam_energy=10.0, target_z=1, target_a=1, nucleus_mass=0.938,
    ...              sigma_pb=1.0, error_pb=0.1, weighted=False, boson={"pdg": 9000006, "mass_GeV": 0.1,
    ...              "width_GeV": 1e-12, "decays": [[1.0, [11, -11], "ee"]], "name": "S"})
    >>> print(slha_block(ri).splitlines()[3])
       9000006  1.0000000000000001e-01  # S
    """
    b = run_info.boson
    if not b:
        return ""
    pdg, name = int(b["pdg"]), str(b.get("name", "X"))
    others = list(b.get("new_daughters", ()))  # stable new particles among the daughters (chi)
    lines = [
        f"# new boson of mudump {run_info.process}"
        + (" and the new particles it decays to" if others else "") + ": masses and widths in GeV",
        "BLOCK MASS",
        f"  {pdg:8d} {float(b['mass_GeV']): .16e}  # {name}",
        *(f"  {int(o['pdg']):8d} {float(o['mass_GeV']): .16e}  # {o.get('name', '')}" for o in others),
        f"DECAY {pdg:8d} {float(b['width_GeV']): .16e}  # total width of {name}",
        "#        BR          NDA      ID1       ID2",
    ]
    for br, daughters, *label in b.get("decays", ()):
        ids = " ".join(f"{int(d):9d}" for d in daughters)
        lines.append(f"   {float(br): .16e}  {len(daughters):3d} {ids}  # {label[0] if label else ''}".rstrip())
    for o in others:
        lines.append(f"DECAY {int(o['pdg']):8d} {float(o.get('width_GeV', 0.0)): .16e}  # {o.get('name', '')}: stable")
    for p in (b, *others):
        lines += [
            f"BLOCK QNUMBERS {int(p['pdg'])}  # {p.get('name', 'X')}",
            f"      1 {int(p.get('charge3', 0)):3d}  # 3 times electric charge",
            f"      2 {int(p.get('spin_states', 1)):3d}  # number of spin states (2S+1)",
            f"      3 {int(p.get('colour', 1)):3d}  # colour rep (1: singlet, 3: triplet, 8: octet)",
            f"      4 {0 if p.get('self_conjugate', True) else 1:3d}  # particle/antiparticle distinction (0 = own anti)",
        ]
    return "\n" + "\n".join(lines) + "\n"


def _head_text(run_info: RunInfo) -> str:
    """Everything before the first event, with placeholders for IDWTUP and XMAXUP."""
    weights = "".join(
        f'<weight id="{w}">{escape(_WEIGHT_DESCRIPTIONS[w])}</weight>\n' for w in run_info.weight_names
    )
    slha = slha_block(run_info)
    info = (
        f" {int(run_info.beam_pdg):10d} {int(run_info.nucleus_pdg):10d} {float(run_info.beam_energy): .16e} "
        f"{float(run_info.nucleus_mass): .16e}   0   0   0   0 {_IDWTUP_MARK}   1"
    )
    proc = f" {float(run_info.sigma_pb): .16e} {float(run_info.error_pb): .16e} {_XMAXUP_MARK}     {PROCESS_ID}"
    return (
        '<LesHouchesEvents version="3.0">\n<header>\n'
        f"<mudump>{escape(_mudump_block(run_info))}</mudump>\n"
        + (f"<slha>{escape(slha)}</slha>\n" if slha else "")
        + f'<initrwgt>\n<weightgroup name="mudump">\n{weights}</weightgroup>\n</initrwgt>\n</header>\n'
        f"<init>\n{info}\n{proc}\n"
        f'<generator name="mudump" version="{escape(str(run_info.generator_version))}">'
        f"{escape('mudump ' + run_info.process)}</generator>\n</init>\n"
    )


def _fill_head(template: str, idwtup: int, xmaxup: float) -> bytes:
    return (
        template.replace(_IDWTUP_MARK, f"{idwtup:3d}".ljust(len(_IDWTUP_MARK)))
        .replace(_XMAXUP_MARK, f"{xmaxup: .16e}".rjust(_XMAX_WIDTH))
        .encode("utf-8")
    )


@nb.njit(cache=True, nogil=True)
def _format_events(
    offsets, pdg, status, mother1, mother2, px, py, pz, e, m, vtim,
    xwgt, scale, aqed, aqcd, wgts, tags, tag_offsets, flip, buf,
):  # fmt: skip
    """Write the LHE text of a chunk of events into ``buf``; return the number of bytes."""
    pos = 0
    for i in range(offsets.shape[0] - 1):
        lo, hi = offsets[i], offsets[i + 1]
        pos = put_bytes(buf, pos, _EV_OPEN_FLIP if flip[i] else _EV_OPEN)
        pos = put_int_width(buf, pos, hi - lo, 3)
        buf[pos] = 32
        pos = put_int_width(buf, pos + 1, 1, 6)
        buf[pos] = 32
        pos = put_e16(buf, pos + 1, xwgt[i], True)
        buf[pos] = 32
        pos = put_e16(buf, pos + 1, scale[i], True)
        buf[pos] = 32
        pos = put_e16(buf, pos + 1, aqed, True)
        buf[pos] = 32
        pos = put_e16(buf, pos + 1, aqcd, True)
        buf[pos] = 10
        pos += 1
        for j in range(lo, hi):
            pos = put_int_width(buf, pos, pdg[j], 10)
            buf[pos] = 32
            pos = put_int_width(buf, pos + 1, status[j], 3)
            buf[pos] = 32
            pos = put_int_width(buf, pos + 1, mother1[j] + 1, 3)
            buf[pos] = 32
            pos = put_int_width(buf, pos + 1, mother2[j] + 1, 3)
            pos = put_bytes(buf, pos, _COLOURS)
            for v in (px[j], py[j], pz[j], e[j], m[j], vtim[j]):
                buf[pos] = 32
                pos = put_e16(buf, pos + 1, v, True)
            pos = put_bytes(buf, pos, _SPIN)
        pos = put_bytes(buf, pos, _RW_OPEN)
        for k in range(wgts.shape[1]):
            pos = put_bytes(buf, pos, tags[tag_offsets[k] : tag_offsets[k + 1]])
            pos = put_e16(buf, pos, wgts[i, k], False)
            pos = put_bytes(buf, pos, _WGT_CLOSE)
        pos = put_bytes(buf, pos, _RW_CLOSE)
        pos = put_bytes(buf, pos, _EV_CLOSE)
    return pos


@dataclass
class _Seen:
    """What the file's events were: for IDWTUP, XMAXUP and the run summary."""

    n: int = 0
    xmax: float = 0.0
    first: float | None = None
    all_equal: bool = True


def _flat(particles: ak.Array, name: str, dtype: Any) -> np.ndarray:
    return np.ascontiguousarray(ak.to_numpy(ak.flatten(particles[name], axis=1)), dtype=dtype)


def _chunk_text(chunk: ak.Array, run_info: RunInfo, factor: float, tags: tuple[np.ndarray, np.ndarray],
                seen: _Seen, cache: list[np.ndarray] | None = None) -> np.ndarray:
    n = len(chunk)
    if n == 0:
        return np.zeros(0, dtype=np.uint8)
    particles = chunk.particles
    counts = ak.to_numpy(ak.num(particles, axis=1)).astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    m = _flat(particles, "m", np.float64)
    boson = offsets[:-1] + 4  # schema slot 4: the new boson
    vtim = _flat(particles, "proper_ct", np.float64) * 1e3  # every particle's sampled c*t, mm
    names = run_info.weight_names
    named = scaled_weights(chunk, names, factor)
    wgts = np.ascontiguousarray(np.column_stack([named[w] for w in names]))
    xwgt = named["w_xsec"] if "w_xsec" in named else ak.to_numpy(chunk.weights.w_xsec) * factor
    if np.any(~(xwgt >= 0)):
        i = int(np.flatnonzero(~(xwgt >= 0))[0])
        raise ValueError(f"event weight XWGTUP = {xwgt[i]} pb but IDWTUP = +3 or +4 requires weights >= 0")
    if seen.first is None:
        seen.first = float(xwgt[0])
    seen.all_equal = seen.all_equal and bool(np.all(xwgt == seen.first))
    seen.xmax = max(seen.xmax, float(np.max(np.abs(xwgt))))
    seen.n += n
    buf = reused_buffer(cache, n * (160 + 8 * 20 + wgts.shape[1] * 48 + len(tags[0])) + len(m) * 260)
    size = _format_events(
        offsets, _flat(particles, "pdgid", np.int64), _flat(particles, "status", np.int64),
        _flat(particles, "mother1", np.int64), _flat(particles, "mother2", np.int64),
        _flat(particles, "px", np.float64), _flat(particles, "py", np.float64), _flat(particles, "pz", np.float64),
        _flat(particles, "E", np.float64), m, vtim, np.ascontiguousarray(xwgt), m[boson].copy(),
        float(ALPHA_EM), -1.0, wgts, tags[0], tags[1], ak.to_numpy(chunk.charge_flip).astype(np.bool_), buf,
    )  # fmt: skip
    return buf[:size]


def _weight_tags(names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    texts = [as_bytes(f" <wgt id='{w}'>") for w in names]
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in texts])]).astype(np.int64)
    return (np.concatenate(texts) if texts else np.zeros(0, np.uint8)), offsets


def _stored_gzip(data: bytes) -> bytes:
    """One gzip member holding ``data`` uncompressed: its size depends on ``len(data)`` only."""
    return gzip.compress(data, compresslevel=0, mtime=0)


def stage_lhe(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    chunks: Iterable[ak.Array],
    *,
    compresslevel: int = 1,
) -> Written:
    """Stream event chunks into an LHE v3 file (gzip if the name ends in ``.gz``).

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Output file, ``*.lhe`` or ``*.lhe.gz``. Written as ``<path>.part`` (staged).
    run_info : RunInfo
        Run-level information (beam, target, cross section, weighting, ``event_norm``, the boson).
    chunks : iterable of ak.Array
        Event batches in the :mod:`generator.events` schema; consumed lazily, one at a time.
    compresslevel : int, optional
        zlib level of ``.lhe.gz`` (1, the default, compresses LHE text ~3.5x at ~100 MB/s; 6 or 9
        gain ~25 % in size at 4-10x the time).

    Returns
    -------
    Written
        The staged file (``<path>.part``, for :meth:`Written.commit`), ``n_events``, its size, and
        ``details``: ``n_events``, ``idwtup`` and ``xmaxup``.

    Raises
    ------
    ValueError
        If an event has a negative (or NaN) ``w_xsec``, or ``event_norm = average`` without ``n_events``.

    Example: ``write_lhe("events.lhe.gz", run_info, (batch for batch in batches))``
    """
    final = Path(path)
    gz = suffix_of(final, (".gz", ".gzip")) is not None
    factor = norm_factor(run_info)
    template = _head_text(run_info)
    head = _fill_head(template, IDWTUP_WEIGHTED, 0.0)
    tags = _weight_tags(tuple(run_info.weight_names))
    seen = _Seen()
    with staged_path(final) as part, open(part, "wb") as raw:
        raw.write(_stored_gzip(head) if gz else head)
        # .lhe.gz: 4 MB pieces compressed by two threads while the next chunk is formatted (one gzip member)
        with GzipThread(raw, compresslevel) if gz else contextlib.nullcontext(raw) as body:
            # a plain file is written chunk by chunk, so one text buffer serves them all; the .gz thread
            # compresses a chunk while the next is formatted, so each needs its own
            cache: list[np.ndarray] | None = None if gz else []
            body.writelines(_chunk_text(chunk, run_info, factor, tags, seen, cache) for chunk in chunks)  # type: ignore[misc]  # a uint8 array is a buffer
            body.write(b"</LesHouchesEvents>\n")
        idwtup = IDWTUP_UNWEIGHTED if (not run_info.weighted and seen.all_equal) else IDWTUP_WEIGHTED
        final_head = _fill_head(template, idwtup, seen.xmax)
        assert len(final_head) == len(head)
        raw.seek(0)
        raw.write(_stored_gzip(final_head) if gz else final_head)
    return Written.staged(part, final, n_events=seen.n, idwtup=idwtup, xmaxup=seen.xmax)


# ---------------------------------------------------------------------------------------------------
# sharded runs: one piece per shard, merged into one file (generator/merge.py)
# ---------------------------------------------------------------------------------------------------
def write_lhe_piece(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    chunks: Iterable[ak.Array],
    *,
    head: bool = False,
    gz: bool | None = None,
    compresslevel: int = 1,
) -> Written:
    """One shard's events as a piece of an LHE file (merged by :func:`merge_lhe`).

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    The piece holds the ``<event>`` blocks of ``chunks`` exactly as :func:`write_lhe` formats them (the
    weights in the file's ``event_norm`` with the *run's* N, ``run_info.n_events``), preceded by the head
    with placeholder IDWTUP and XMAXUP if ``head`` (the first shard's piece, which becomes the merged
    file). ``gz`` (default: from the name's suffix): the event text is one gzip member, the head a stored
    member before it, as in :func:`write_lhe`. Its ``details`` are ``n_events``, ``xmaxup``,
    ``first_xwgtup`` and ``all_equal`` (every XWGTUP of the piece equal to its first), what
    :func:`merge_lhe` needs.
    """
    final = Path(path)
    gz = suffix_of(final, (".gz", ".gzip")) is not None if gz is None else gz
    factor = norm_factor(run_info)
    tags = _weight_tags(tuple(run_info.weight_names))
    seen = _Seen()
    with staged_path(final) as part, open(part, "wb") as raw:
        if head:
            placeholder = _fill_head(_head_text(run_info), IDWTUP_WEIGHTED, 0.0)
            raw.write(_stored_gzip(placeholder) if gz else placeholder)
        with GzipThread(raw, compresslevel) if gz else contextlib.nullcontext(raw) as body:
            body.writelines(_chunk_text(chunk, run_info, factor, tags, seen) for chunk in chunks)  # type: ignore[misc]  # a uint8 array is a buffer
    return Written.staged(part, final, n_events=seen.n, xmaxup=seen.xmax, first_xwgtup=seen.first,
                      all_equal=seen.all_equal)


def merge_lhe(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    pieces: Iterable[tuple[Path, Mapping[str, Any]]],
    *,
    gz: bool | None = None,
    compresslevel: int = 1,
) -> Written:
    """The LHE file of a sharded run from its pieces (:func:`write_lhe_piece`).

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    ``pieces`` yields each shard's piece with the statistics its writer reported, in shard order (lazily:
    the merge of a run takes each piece as its shard comes back). The first piece (with the head) is
    renamed to ``<path>.part``; the others are appended to it in the kernel
    (:func:`generator.output._pieces.append_file`, no pass through memory) and removed one by one, then
    the closing tag; last, the head is filled in with IDWTUP and XMAXUP of all the events. A plain
    ``.lhe`` has exactly the bytes :func:`write_lhe` writes for the same events in one stream; a
    ``.lhe.gz`` is the stored head member, one gzip member per shard and one for the closing tag (gzip,
    zlib's ``gzread``, Python and pylhe read concatenated members as one stream). Each piece is consumed
    (moved or removed) once taken, whether or not the merge succeeds.
    """
    from generator.output._pieces import join_pieces

    final = Path(path)
    gz = suffix_of(final, (".gz", ".gzip")) is not None if gz is None else gz
    n, xmax, firsts, all_equal = 0, 0.0, set(), True
    footer = b"</LesHouchesEvents>\n"
    with staged_path(final) as part:
        raw, figures = join_pieces(part, pieces, "merge_lhe needs at least one piece (the first shard's, "
                                   "with the head)")
        with raw:
            for st in figures:
                if st["n_events"] > 0:
                    n += int(st["n_events"])
                    xmax = max(xmax, float(st["xmaxup"]))
                    firsts.add(st["first_xwgtup"])
                    all_equal = all_equal and bool(st["all_equal"])
            raw.write(gzip.compress(footer, compresslevel=compresslevel, mtime=0) if gz else footer)
            equal = not run_info.weighted and all_equal and len(firsts) <= 1
            idwtup = IDWTUP_UNWEIGHTED if equal else IDWTUP_WEIGHTED
            template = _head_text(run_info)
            head = _fill_head(template, idwtup, xmax)
            assert len(head) == len(_fill_head(template, IDWTUP_WEIGHTED, 0.0))
            raw.seek(0)
            raw.write(_stored_gzip(head) if gz else head)
    return Written.staged(part, final, n_events=n, idwtup=idwtup, xmaxup=xmax)


def write_lhe(path: str | os.PathLike[str], run_info: RunInfo, chunks: Iterable[ak.Array], **options: Any) -> Written:
    """:func:`stage_lhe`, committed: the file appears under ``path`` only complete (``options`` as there)."""
    return stage_lhe(path, run_info, chunks, **options).commit()
