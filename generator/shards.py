r"""Sharded runs (issue 20): one integration, the events sampled in N shards anywhere, one set of files.

The stages of a sharded run (DESIGN.md rule 9; the serial stages in :mod:`generator.run`)::

    plan -> integrate_point (once, in the calling process) -> the sampler's pilot (map, maxima, P_nz; once)
         -> shard_plan(N, n_shards, seed)        [Shard(index, first_event, n_events, seed), ...]
         -> run_shard(task) on the executor      pieces <name>.shardNNNNN-<attempt>.part in the output folder
         -> Merge (generator/merge.py)           one LHE, ROOT, HepMC3 (FairShip) file and summary.json,
                                                 merged in shard order while the shards run

**What a shard does.** A shard gets the picklable :class:`~generator.point.PointResult` (the plan and the
adapted VEGAS map), the pilot's statistics and the files' header, draws its ``n_events`` from the adapted
map with its own random stream, builds the events (:func:`generator.assemble.events_from_points`) and
writes them as pieces: the text formats in their final format (the LHE ``<event>`` blocks, the HepMC3
events numbered from the shard's first event; the first shard's pieces start with the head), and, for the
ROOT formats, an event piece (:mod:`generator.output._pieces`). Its result -- the names and statistics of
its pieces, its tallies -- is small; the events never travel through the executor.

**Seeds.** Shard ``k`` samples with ``numpy.random.default_rng(seed_k)``, ``seed_k`` =
:func:`shard_seed` (card seed, k) from ``SeedSequence(seed, spawn_key=(0x5348, k))`` (a stream apart from
the integration's, ``default_rng(seed)``, and from a scan's mass seeds). The events of a shard depend on
the card, its seed, the shard count and the shard's number only: the same seed and shard count give
byte-identical files whatever the executor (serial, processes, Dask), the number of workers or the order
in which shards finish; another shard count gives a statistically equivalent sample.

**Normalisation.** The pilot (:class:`~generator.integrate.EventSampler`, w_max and the fraction of nonzero
points) is drawn once, in the calling process, so every shard accepts and weights events alike. The
sampler normalises each chunk of k events to sigma k / N (N the run's events, as a serial run does,
:meth:`~generator.integrate.EventSampler.weighted`, :meth:`~generator.integrate.EventSampler.unweighted`):
a shard of n events asks for its share sigma n / N. The N weights of the run therefore sum to sigma (the
header's) up to rounding, whatever the shard count, and the files carry them in the card's
``event_norm``.

**A lost shard.** A shard whose worker dies is run again by the executor (:mod:`generator.executors`);
its pieces carry a name unique to the attempt, so two attempts never write the same file, and the merge
takes the pieces of the attempt that reported back. The rerun draws the same events, so the merged
files are identical. Between chunks a shard checks that its run still holds the output directory's lock
(the same file with the same content): if the run ended or was killed, the shard removes its pieces and
stops (a Dask task cannot be killed from outside). With ``--scheduler``, the workers write into the
output directory itself (DESIGN.md rule 8: no spool elsewhere), so it must be on a file system they
share, at the same path; a shard that cannot see it stops with an error saying so.

**Shard count.** The files depend on the card, its seed and the shard count only (DESIGN.md rule 8: same
card and seed, same bytes), so the shard count comes from the card, not from the machine: one shard per
:data:`SHARD_EVENTS` events, or ``--shards N`` (``shards``). The executor and its workers (``--jobs N``
local processes, default all cores; a Dask cluster's workers) only decide where the shards run and how
many at once. A run of one shard (fewer than 2 x :data:`SHARD_EVENTS` events, or ``--shards 1``) is the
serial run, in this process, with the bytes it always had (:func:`generator.run.run_config`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .assemble import events_from_points
from .events import RunInfo
from .exceptions import OutputError
from .executors import Executor
from .integrate import EventSampler, IntegrationResult, SamplingStats
from .merge import Merge
from .output import hepmc, lhe
from .output._atomic import PART_SUFFIX
from .output._pieces import write_event_piece
from .point import PointResult
from .reweight import CHUNK_EVENTS
from .summary import run_info, summary
from .tally import EventChunk, Tally
from .writing import output_names, write_parts, writer_options

__all__ = ["SHARD_EVENTS", "SHARD_KEY", "Shard", "ShardAbandoned", "ShardResult", "ShardTask",
           "open_executor", "run_shard", "run_sharded", "shard_count", "shard_plan",
           "shard_seed"]

logger = logging.getLogger(__name__)

#: Spawn-key domain of the shard seeds ("SH"), apart from the mass keys of a scan.
SHARD_KEY = 0x5348
#: Events per shard when the shard count is not given: a shard is then a few seconds of work, enough
#: shards for a few workers to share evenly and for the merge to run while the last ones do, few
#: enough that starting and merging them costs little.
SHARD_EVENTS = 100_000
#: The pieces of a run in its output folder: ``<name>.shardNNNNN-<attempt>.part`` (under the run's lock,
#: every one is this run's: pieces of a killed run are removed before it starts, generator/rundir.py).
PIECE_GLOB = "*.shard[0-9]*-*" + PART_SUFFIX
#: Formats written by the merge from event pieces (one tree per file), not concatenated.
TREE_FORMATS = ("root", "fairship")
_TEXT_FORMATS = ("lhe", "hepmc")


class ShardAbandoned(RuntimeError):
    """A shard's run no longer holds its output directory (it ended, was interrupted or killed)."""


@dataclass(frozen=True)
class Shard:
    """One shard of a run: its events are the run's ``first_event .. first_event + n_events - 1``."""

    index: int
    count: int
    first_event: int
    n_events: int
    seed: int
    """Seed of the shard's ``numpy.random.default_rng`` (:func:`shard_seed`)."""


def shard_seed(card_seed: int, index: int) -> int:
    """Seed of shard ``index`` from the card's seed and the shard number alone.

    >>> shard_seed(1, 0) == shard_seed(1, 0) != shard_seed(1, 1)
    True
    """
    seq = np.random.SeedSequence(int(card_seed), spawn_key=(SHARD_KEY, int(index)))
    return int(seq.generate_state(2, np.uint64)[0] >> 1)


def shard_plan(n_events: int, n_shards: int, card_seed: int) -> list[Shard]:
    """``n_events`` in ``n_shards`` shards (at most one per event), as equal as can be, with their seeds.

    >>> [(s.first_event, s.n_events) for s in shard_plan(10, 3, 1)]
    [(0, 4), (4, 3), (7, 3)]
    """
    if n_events < 1:
        raise ValueError(f"n_events = {n_events} but require n_events >= 1 for a sharded run")
    count = max(1, min(int(n_shards), int(n_events)))
    base, extra = divmod(int(n_events), count)
    shards, first = [], 0
    for k in range(count):
        n = base + (k < extra)
        shards.append(Shard(k, count, first, n, shard_seed(card_seed, k)))
        first += n
    return shards


def shard_count(n_events: int, shards: int | None = None) -> int:
    """Shards of a run of ``n_events``: ``shards`` if given (at most one per event), else one per
    :data:`SHARD_EVENTS` events (at least one) -- from the card alone, never from the machine.

    >>> shard_count(10**6), shard_count(150_000), shard_count(10**6, shards=3), shard_count(2, shards=3)
    (10, 1, 3, 2)
    """
    if shards is not None:
        return max(1, min(int(shards), int(n_events)))
    return max(1, int(n_events) // SHARD_EVENTS)


# ---------------------------------------------------------------------------------------------------
# one shard (runs in any process or on any Dask worker)
# ---------------------------------------------------------------------------------------------------
@dataclass
class ShardTask:
    """What a worker needs to run one shard (plain, picklable data)."""

    shard: Shard
    point: PointResult
    pilot: SamplingStats
    """The run's pilot (the sampling map, the hypercubes' maxima, fraction of nonzero points, mean weight): the
    same for every shard."""
    header: RunInfo
    """The files' header: sigma, the run's N, ``event_norm``, ..."""
    out_dir: str
    pieces: dict[str, str]
    """Kind of piece (``lhe``, ``hepmc``, ``events``) -> the file name it is a piece of."""
    lock: str
    """The output directory's lock file and its content when the run started (:meth:`_Alive.check`)."""
    lock_text: str


@dataclass
class ShardResult:
    """What a shard sends back: where its pieces are and what they hold, its tallies."""

    shard: Shard
    pieces: dict[str, str]
    """Kind -> the piece's file (``.part``) in the output directory."""
    piece_stats: dict[str, dict[str, Any]]
    tally: Tally
    sampling: SamplingStats
    w_min: float
    """Smallest and largest cross-section weight at unit coupling (pb; schema normalisation)."""
    w_max: float
    seconds: float
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    attempt: str = ""


class _ShardSampler(EventSampler):
    """An :class:`EventSampler` that uses the run's pilot instead of drawing its own."""

    def __init__(self, result: IntegrationResult, rng: np.random.Generator, pilot: SamplingStats) -> None:
        super().__init__(result, rng, pilot=pilot)  # its sampling map and hypercube maxima (issue 19)


class _Alive:
    """Whether the shard's run still holds its output directory: its lock file, unchanged."""

    def __init__(self, task: ShardTask) -> None:
        self.lock = Path(task.lock)
        self.text = task.lock_text

    def check(self) -> None:
        try:
            text = self.lock.read_text(errors="replace")
        except OSError:
            text = None
        if text != self.text:
            raise ShardAbandoned(f"the run that asked for this shard no longer holds {self.lock} (it ended, "
                                 "was interrupted or killed): the shard stops and removes its pieces")


def run_shard(task: ShardTask) -> ShardResult:
    """Sample one shard's events and write its pieces into the run's output directory (see the module
    docstring); on any failure its pieces are removed."""
    t0 = time.perf_counter()
    out = Path(task.out_dir)
    if not out.is_dir():
        raise OutputError(out, f"is not visible from the worker on {socket.gethostname()}",
                          "a Dask cluster's workers write the shards' pieces into the output directory "
                          "itself: it must be on a file system they share, at the same path")
    alive = _Alive(task)
    alive.check()
    shard, point = task.shard, task.point
    attempt = secrets.token_hex(4)
    finals = {kind: out / f"{name}.shard{shard.index:05d}-{attempt}" for kind, name in task.pieces.items()}
    writers: dict[str, Any] = {
        "lhe": partial(lhe.write_lhe_piece, head=shard.index == 0,
                       gz=task.pieces.get("lhe", "").endswith(".gz")),
        "hepmc": partial(hepmc.write_hepmc_piece, first_event=shard.first_event, header=shard.index == 0,
                         gz=task.pieces.get("hepmc", "").endswith(".gz")),
        "events": write_event_piece,
    }
    rng = np.random.default_rng(shard.seed)
    sampler = _ShardSampler(point.integration, rng, task.pilot)
    extremes = [math.inf, 0.0]
    progress = out / f"progress.shard{shard.index:05d}-{attempt}{PART_SUFFIX}"
    try:
        chunks = _shard_events(task, sampler, rng, alive, extremes, progress)
        stats, tally = write_parts(finals, chunks, task.header, writers={k: writers[k] for k in finals})
    finally:
        progress.unlink(missing_ok=True)
    unit, largest = extremes
    sampling = sampler.stats
    if not task.header.weighted:
        sampling.unit_weight, sampling.max_weight_ratio = unit, largest / unit
    parts = {kind: str(final) + PART_SUFFIX for kind, final in finals.items()}
    return ShardResult(shard, parts, stats, tally, sampling, unit, largest, time.perf_counter() - t0,
                       attempt=attempt)


def _shard_events(task: ShardTask, sampler: EventSampler, rng: np.random.Generator, alive: _Alive,
                  extremes: list[float], progress: Path) -> Iterator[EventChunk]:
    """The shard's event chunks, each normalised to sigma k / N (weights at the card's coupling, pb); the
    events made so far in ``progress`` (what the calling process shows, :class:`_Progress`)."""
    shard, point = task.shard, task.point
    cfg = point.plan.config
    share = point.integration.mean * shard.n_events / task.header.n_events  # this shard's sigma k/N
    if cfg.weighted:
        draws = sampler.weighted(shard.n_events, CHUNK_EVENTS, total=share)
    else:
        draws = sampler.unweighted(shard.n_events, share, CHUNK_EVENTS)
    g2 = cfg.coupling**2
    made = 0
    for u, w in draws:
        alive.check()
        extremes[0], extremes[1] = min(extremes[0], float(w.min())), max(extremes[1], float(w.max()))
        chunk = events_from_points(point.plan, u, w * g2, rng)
        yield chunk
        made += chunk.tally.n
        progress.write_text(f"{made}\n")


def _shard_task(task: ShardTask) -> ShardResult:
    return run_shard(task)  # looked up at call time (tests substitute a shard that fails once)


# ---------------------------------------------------------------------------------------------------
# the run (the calling process: plan the shards, run them on the executor, merge)
# ---------------------------------------------------------------------------------------------------
def _merge_tallies(tallies: list[Tally]) -> Tally:
    return sum(tallies, Tally())


def _merge_sampling(pilot: SamplingStats, results: list[ShardResult], weighted: bool) -> SamplingStats:
    out = dataclasses.replace(pilot)
    out.n_drawn = sum(r.sampling.n_drawn for r in results)
    out.n_accepted = sum(r.sampling.n_accepted for r in results)
    out.n_over_max = sum(r.sampling.n_over_max for r in results)
    if not weighted:
        unit = min(r.w_min for r in results)
        out.unit_weight, out.max_weight_ratio = unit, max(r.w_max for r in results) / unit
        out.excess_fraction = results[0].sampling.excess_fraction
    return out


class _Progress(threading.Thread):
    """Shows the events the shards made so far: the sum over the shards' progress files, every half
    second (the executor does not report before a shard ends; a file works on any executor)."""

    def __init__(self, out: Path, advance: Any) -> None:
        super().__init__(name="mudump-shard-progress", daemon=True)
        self.out, self.advance = out, advance
        self.finished: dict[int, int] = {}
        self.shown = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def _made(self) -> int:
        made = dict(self.finished)
        for path in self.out.glob("progress.shard[0-9]*-*" + PART_SUFFIX):
            with contextlib.suppress(OSError, ValueError):
                k = int(path.name[len("progress.shard"):].split("-")[0])
                if k not in self.finished:
                    made[k] = max(made.get(k, 0), int(path.read_text()))
        return sum(made.values())

    def update(self) -> None:
        with self.lock:
            made = self._made()
            if made > self.shown:
                self.advance(made - self.shown)
                self.shown = made

    def done(self, result: ShardResult) -> None:
        self.finished[result.shard.index] = result.shard.n_events
        self.update()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.update()


def _lock_text(lock: Path) -> str:
    return lock.read_text(errors="replace")


def run_sharded(run_dir: Any, point: PointResult, pilot: SamplingStats, shards: list[Shard],
                executor: Executor, reporter: Any, card_text: str,
                seconds: dict[str, float]) -> dict[str, Any]:
    """Run ``shards`` on ``executor`` and merge their pieces, as they come back, into the run's files and
    ``summary.json`` (``run_dir``: the :class:`~generator.rundir.RunDirectory`); returns the summary."""
    run_plan = point.plan
    cfg = run_plan.config
    header = run_info(run_plan, point.integration, cfg.weighted)
    header = dataclasses.replace(header, extra={**header.extra, "shards": len(shards)})
    names = output_names(cfg)
    formats: tuple[str, ...] = tuple(cfg.output_formats)
    pieces = {fmt: names[fmt] for fmt in _TEXT_FORMATS if fmt in formats}
    if any(fmt in formats for fmt in TREE_FORMATS):
        pieces["events"] = "events"
    tasks = [(ShardTask(s, point, pilot, header, str(run_dir.path), pieces, str(run_dir.lock),
                        _lock_text(run_dir.lock)),) for s in shards]
    merge = Merge(run_dir.path, formats, names, writer_options(cfg), header, len(shards))
    t0 = time.perf_counter()
    try:
        merge.start()
        with reporter.generating(cfg.nevents) as advance:
            progress = _Progress(run_dir.path, advance) if advance is not None else None

            def done(i: int, result: ShardResult) -> None:
                for piece in run_dir.path.glob(f"*.shard{i:05d}-*{PART_SUFFIX}"):  # a lost attempt's
                    if result.attempt not in piece.name:
                        piece.unlink(missing_ok=True)
                merge.feed.put(i, result)
                merge.check()
                run_dir.checkpoint()
                if progress is not None:
                    progress.done(result)

            if progress is not None:
                progress.start()
            try:
                executor.run(_shard_task, tasks, done)
            finally:
                if progress is not None:
                    progress.stop.set()
                    progress.join()
        seconds["events_and_writing"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        merge.finish()
        seconds["merging_after_shards"] = time.perf_counter() - t1
        finished = merge.feed.results
        tally = _merge_tallies([r.tally for r in finished])
        sampling = _merge_sampling(pilot, finished, cfg.weighted)

        def make_summary(files: dict[str, str]) -> dict[str, Any]:  # the shards' tallies, summed in order
            out = summary(run_plan, point.integration, tally, sampling, files, seconds, card_text)
            out["shards"] = _shards_record(finished, executor, tally)
            return out

        return merge.commit(make_summary)
    except BaseException:
        merge.abort()
        raise
    finally:  # what the merge did not consume: an interrupted or failed run, a lost attempt's pieces
        for r in merge.feed.results:
            for piece in r.pieces.values():
                Path(piece).unlink(missing_ok=True)
        for piece in run_dir.path.glob(PIECE_GLOB):
            piece.unlink(missing_ok=True)


def _shards_record(results: list[ShardResult], executor: Executor, tally: Tally) -> dict[str, Any]:
    """``summary.json["shards"]``: how the events were made, shard by shard, and the merged figures."""
    return {
        "count": len(results),
        "executor": executor.name,
        "workers": executor.workers,
        "seed_rule": "shard k samples with numpy.random.default_rng(seed_k), seed_k = "
                     "SeedSequence(card seed, spawn_key=(0x5348, k)).generate_state(2, uint64)[0] >> 1; "
                     "the run's one pilot; each chunk of k events is normalised to sigma k / N",
        "shards": [{"index": r.shard.index, "first_event": r.shard.first_event, "n_events": r.shard.n_events,
                    "seed": r.shard.seed, "sum_w_xsec_pb": r.tally.sum_w, "sum_weight_pb": r.tally.sum_weight,
                    "seconds": r.seconds, "host": r.host, "pid": r.pid, "attempt": r.attempt,
                    "writers_cpu_s": {kind: st.get("cpu_s") for kind, st in r.piece_stats.items()}}
                   for r in results],
        "merged": {"n_events": tally.n, "sum_w_xsec_pb": tally.sum_w, "sum_weight_pb": tally.sum_weight},
    }


def open_executor(n_events: int, card_seed: int, executor: str | Executor = "processes", *,
                  shards: int | None = None, jobs: int | None = None, scheduler: str | None = None,
                  dask_local: int | None = None) -> tuple[Executor | None, list[Shard]]:
    """The executor and the shards of a run of ``n_events`` (see "Shard count" in the module docstring);
    ``(None, [])`` when the run is one shard, which runs in the calling process as a serial run. ``jobs``:
    local worker processes (default: all cores; one runs the shards in this process). An executor made
    here is the caller's to close (:meth:`Executor.close`); one passed in is used as is."""
    from .executors import ProcessExecutor, make_executor

    for name, value in (("shards", shards), ("jobs", jobs), ("dask_local", dask_local)):
        if value is not None and value < 1:
            raise ValueError(f"{name} = {value} but require {name} >= 1")
    plan = shard_plan(n_events, shard_count(n_events, shards), card_seed) if n_events >= 2 else []
    if len(plan) < 2:
        return None, []
    if isinstance(executor, Executor):
        return executor, plan
    kind = "dask" if scheduler is not None or dask_local is not None else executor
    workers = jobs or os.cpu_count() or 1
    if kind == "processes" and workers == 1:
        kind = "serial"  # one worker: the shards one after the other, here (the same files)
    if kind == "processes":
        return ProcessExecutor(min(workers, len(plan))), plan
    return make_executor(kind, scheduler=scheduler, dask_local=dask_local), plan
