"""Les Houches Event (LHE v3) writer, streamed and atomic, built on ``pylhe`` 2.x objects.

Layout of the file::

    <LesHouchesEvents version="3.0">
    <header>
      <mudump>  param-card-style blocks: TARGET (Z, A, M_nucleus), BEAM, RUN (weighted?, seed,
                N, IDWTUP), MODEL (RunInfo.extra), CHANNELS; then the full RunInfo as JSON  </mudump>
      <initrwgt><weightgroup name="mudump"><weight id="w_xsec">...</weight> ...</initrwgt>
    </header>
    <init>
      IDBMUP = (lepton PDG, nucleus PDG 100ZZZAAA0), EBMUP = (E_beam, M_nucleus)   [target at rest]
      PDFGUP = PDFSUP = 0 (no PDFs), IDWTUP, NPRUP = 1
      XSECUP = sigma [pb], XERRUP = error [pb], XMAXUP = 1, LPRUP = 1
      <generator name="mudump" version="...">
    </init>
    <event> NUP IDPRUP=1 XWGTUP SCALUP AQEDUP AQCDUP
            IDUP ISTUP MOTHUP(1,2) ICOLUP(1,2)=0 PUP(1..5) VTIMUP SPINUP=9      (one line per particle)
            <rwgt><wgt id="w_xsec">..</wgt> <wgt id="p_decay"> <wgt id="acceptance"> <wgt id="weight"></rwgt>
    </event> ...

Conventions:

* **IDWTUP** (weighting strategy) is ``3`` for unweighted runs (``RunInfo.weighted`` False: every
  event has the same weight, the cross section is XSECUP) and ``+4`` for weighted runs: each XWGTUP
  is the event's cross-section weight in pb and the physics is in the weights. ``+4`` rather than
  ``-4`` because mudump's weights (|M|^2 x Jacobian x probabilities) are never negative; the writer
  refuses a negative weight rather than write a file that breaks that promise. XMAXUP is not used by
  readers for IDWTUP = 3 or 4 and is written as 1.
* **XWGTUP** = ``weights.w_xsec`` (pb) for unweighted runs, so that it is the same for every event as
  IDWTUP = 3 requires (production is unweighted; the decay-in-volume probability and the acceptance are
  per-event factors in the named weights), and ``weights.weight`` (pb, the product of the named weights)
  for weighted runs. All four named weights
  are in the per-event ``<rwgt>`` block, declared in ``<initrwgt>``, written with 17 significant
  digits (pylhe's own ``<rwgt>`` serialiser keeps only 5, so this writer appends the block itself).
* **Mothers** are 1-based (0 = none) as LHE requires; the schema's are 0-based (-1 = none).
* **Status** -1 incoming, 1 final, 2 decayed (the new boson when its daughters are listed).
* **VTIMUP** of the new boson is its sampled proper decay distance ``c*t`` of this event in mm
  (``proper_ctau_m * 1000`` = |decay vertex - production vertex| x m/|k|), so it agrees with the
  decay vertices of the ROOT and HepMC3 files; 0 for an undecayed boson (LHE: "not set", Pythia 8 then
  picks a lifetime itself if asked to) and for every other particle. Pythia 8 reads VTIMUP as *this*
  particle's proper decay distance. The mean ``c*tau`` (``ctau_m``) is in the ROOT and HepMC3 files.
* **SCALUP** = the new boson's mass in GeV; AQEDUP = alpha(0); AQCDUP = -1 (not used).
* Four-momenta and masses are written with 17 significant digits so a read-back reproduces the
  doubles exactly (the LHE standard fixes no precision; 9 digits would lose the daughters'
  invariant mass for very boosted bosons).
* ``.lhe.gz`` is gzip-compressed with ``mtime = 0`` and no embedded file name, so the same events
  give byte-identical files. Nothing else in the file depends on time or host.

Production and decay vertices have no place in the LHE event record; they are in the ROOT and
HepMC3 outputs.

References
----------
J. Alwall et al., "A standard format for Les Houches Event Files", Comput. Phys. Commun. 176 (2007)
300, hep-ph/0609017; E. Boos et al., "Generic user process interface for event generators",
hep-ph/0109068 (IDWTUP, VTIMUP); J.M. Butterworth et al., arXiv:1405.1067 (LHE v3 weights).
"""

from __future__ import annotations

import gzip
import io
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pylhe

from generator.constants import ALPHA_EM
from generator.events import PARTICLE_FIELDS, RunInfo
from generator.output._atomic import atomic_path, suffix_of

__all__ = ["IDWTUP_UNWEIGHTED", "IDWTUP_WEIGHTED", "write_lhe"]

#: Les Houches weighting strategy for unweighted events.
IDWTUP_UNWEIGHTED = 3
#: Les Houches weighting strategy for weighted (non-negative) events, weights in pb.
IDWTUP_WEIGHTED = 4
#: Process id (LPRUP / IDPRUP): one process per file.
PROCESS_ID = 1

_NUM = " .16e"
_LHE_FORMAT = pylhe.LHEXMLFormat(
    weights=pylhe.LHEWeightFormat.NONE,  # the <rwgt> block is appended by this module, full precision
    eventinfo="{nparticles:3d} {pid:6d} {weight: .16e} {scale: .16e} {aqed: .16e} {aqcd: .16e}",
    particle=(
        "{id:10d} {status:3d} {mother1:3d} {mother2:3d} {color1:3d} {color2:3d} "
        f"{{px:{_NUM}}} {{py:{_NUM}}} {{pz:{_NUM}}} {{e:{_NUM}}} {{m:{_NUM}}} "
        "{lifetime: .8e} {spin: .1f}"
    ),
    initinfo=(
        " {beamA:10d} {beamB:10d} {energyA: .16e} {energyB: .16e} {PDFgroupA:3d} {PDFgroupB:3d} "
        "{PDFsetA:3d} {PDFsetB:3d} {weightingStrategy:3d} {numProcesses:3d}"
    ),
    procinfo="{xSection: .16e} {error: .16e} {unitWeight: .16e} {procId:5d}",
)

_WEIGHT_DESCRIPTIONS = {
    "w_xsec": "MC cross-section weight [pb]",
    "p_decay": "probability to decay inside the decay volume",
    "acceptance": "daughter acceptance",
    "weight": "w_xsec * p_decay * acceptance [pb]",
}


class _EventText:
    """Duck-typed stand-in for ``pylhe.LHEEvent`` carrying an already serialised event."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def tolhe(self, lheformat: Any = None) -> str:
        return self.text


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def _mudump_block(run_info: RunInfo) -> str:
    idwtup = IDWTUP_WEIGHTED if run_info.weighted else IDWTUP_UNWEIGHTED
    kind = "weighted" if run_info.weighted else "unweighted"
    lines = [
        f"# mudump {run_info.generator_version} run information; events are {kind} (IDWTUP = {idwtup})",
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


def _header(run_info: RunInfo) -> pylhe.LHEHeader:
    block = ET.Element("mudump")
    block.text = _mudump_block(run_info)
    group = pylhe.LHEInitRWGTWeightGroup(
        name="mudump",
        weights=[pylhe.LHEInitRWGTWeight(id=w, name=_WEIGHT_DESCRIPTIONS[w]) for w in run_info.weight_names],
    )
    # LHEInitRWGT is not in pylhe.__all__ but is the dataclass LHEHeader.initrwgt expects
    initrwgt = pylhe.LHEInitRWGT(entries=[group])
    return pylhe.LHEHeader(initrwgt=initrwgt, extra_elements=[block])


def _init(run_info: RunInfo) -> pylhe.LHEInit:
    info = pylhe.LHEInitInfo(
        beamA=int(run_info.beam_pdg),
        beamB=int(run_info.nucleus_pdg),
        energyA=float(run_info.beam_energy),
        energyB=float(run_info.nucleus_mass),
        PDFgroupA=0,
        PDFgroupB=0,
        PDFsetA=0,
        PDFsetB=0,
        weightingStrategy=IDWTUP_WEIGHTED if run_info.weighted else IDWTUP_UNWEIGHTED,
        numProcesses=1,
    )
    proc = pylhe.LHEProcInfo(
        xSection=float(run_info.sigma_pb),
        error=float(run_info.error_pb),
        unitWeight=1.0,
        procId=PROCESS_ID,
    )
    gen = pylhe.LHEGenerator(
        name="mudump",
        version=str(run_info.generator_version),
        description=f"mudump {run_info.process}",
    )
    return pylhe.LHEInit(initInfo=info, procInfo=[proc], generators=[gen])


def _chunk_events(chunk: ak.Array, run_info: RunInfo) -> Iterator[_EventText]:
    """Serialise one chunk of schema events, one ``_EventText`` per event."""
    n = len(chunk)
    if n == 0:
        return
    counts = ak.to_numpy(ak.num(chunk.particles, axis=1))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    flat = {f: ak.to_numpy(ak.flatten(chunk.particles[f])).tolist() for f in PARTICLE_FIELDS}
    weights = {w: ak.to_numpy(chunk.weights[w]) for w in run_info.weight_names}
    xwgt = ak.to_numpy(chunk.weights.weight if run_info.weighted else chunk.weights.w_xsec)
    if np.any(~(xwgt >= 0)) and run_info.weighted:
        i = int(np.flatnonzero(~(xwgt >= 0))[0])
        raise ValueError(f"event weight = {xwgt[i]} pb but IDWTUP = +{IDWTUP_WEIGHTED} requires weights >= 0")
    weights_txt = {w: [f"{v:.16e}" for v in a.tolist()] for w, a in weights.items()}
    xwgt_l = xwgt.tolist()
    vtim = (ak.to_numpy(chunk.proper_ctau_m) * 1e3).tolist()
    for i in range(n):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        particles = [
            pylhe.LHEParticle(
                id=flat["pdgid"][j],
                status=flat["status"][j],
                mother1=flat["mother1"][j] + 1,
                mother2=flat["mother2"][j] + 1,
                color1=0,
                color2=0,
                px=flat["px"][j],
                py=flat["py"][j],
                pz=flat["pz"][j],
                e=flat["E"][j],
                m=flat["m"][j],
                lifetime=vtim[i] if j - lo == 4 else 0.0,
                spin=9.0,
            )
            for j in range(lo, hi)
        ]
        info = pylhe.LHEEventInfo(
            nparticles=hi - lo,
            pid=PROCESS_ID,
            weight=xwgt_l[i],
            scale=flat["m"][lo + 4],
            aqed=ALPHA_EM,
            aqcd=-1.0,
        )
        text = pylhe.LHEEvent(eventinfo=info, particles=particles).tolhe(lheformat=_LHE_FORMAT)
        rwgt = "".join(f" <wgt id='{w}'>{weights_txt[w][i]}</wgt>\n" for w in run_info.weight_names)
        head, sep, tail = text.rpartition("</event>")
        yield _EventText(f"{head}<rwgt>\n{rwgt}</rwgt>\n{sep}{tail}")


def _all_events(chunks: Iterable[ak.Array], run_info: RunInfo) -> Iterator[_EventText]:
    for chunk in chunks:
        yield from _chunk_events(chunk, run_info)


def write_lhe(path: str | os.PathLike[str], run_info: RunInfo, chunks: Iterable[ak.Array]) -> Path:
    """Stream event chunks into an LHE v3 file (gzip if the name ends in ``.gz``), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Output file, ``*.lhe`` or ``*.lhe.gz``. Written as ``<path>.part`` and renamed when complete.
    run_info : RunInfo
        Run-level information (beam, target, cross section, weighting, model).
    chunks : iterable of ak.Array
        Event batches in the :mod:`generator.events` schema; consumed lazily, one at a time.

    Returns
    -------
    pathlib.Path
        The final path.

    Raises
    ------
    ValueError
        If a weighted run has a negative event weight.

    Example: ``write_lhe("events.lhe.gz", run_info, (batch for batch in batches))``
    """
    final = Path(path)
    gz = suffix_of(final, (".gz", ".gzip")) is not None
    pylhe_file = pylhe.LHEFile(
        init=_init(run_info),
        header=_header(run_info),
        events=_all_events(chunks, run_info),
    )
    with atomic_path(final) as part, open(part, "wb") as raw:
        if gz:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as zf:
                _write_text(pylhe_file, zf)
        else:
            _write_text(pylhe_file, raw)
    return final


def _write_text(pylhe_file: pylhe.LHEFile, binary: Any) -> None:
    stream = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")
    try:
        pylhe_file.write(stream, lheformat=_LHE_FORMAT)
        stream.write("\n")
        stream.flush()
    finally:
        stream.detach()
