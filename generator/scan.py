r"""Sensitivity scans in the (m, g) plane: one integration per mass, reweighted to every coupling.

The stages (DESIGN.md "stages of a run", rule 3 and rule 9)::

    scan_points(config)          -> [ScanPoint(experiment, model, mass, config, seed, key), ...]
    compute_point(point, g grid) -> PointOutcome(sample, counts)      pure; runs anywhere (pickled)
        sample = integrate_point + decay_records at the reference coupling g0   (cached by key)
        counts = counts_vs_coupling: N(g) = sum_i w_i (g/g0)^2 P_i(L_i (g0/g)^2) acc_i(vertex(g))
    run_scan(points, executor)   -> ScanResult: N(m, g) per (experiment, model)

**One integration per mass.** sigma scales as g^2 and the decay length as 1/g^2 at fixed model ratios, so a
mass point is integrated and sampled once (``scan_events`` weighted events) and every coupling of the grid
is a reweighting of the same events (:mod:`generator.reweight`: the decay point is redrawn per coupling
with common random numbers and the daughter acceptance recomputed there).

**Seeds** (:mod:`generator.scan_grid`, which makes the work list). The integration and sampling of a mass
use a seed derived from the card's ``seed`` and the mass itself, never from its position in the grid or
from the worker that runs it: the numbers are identical whatever the executor and the number of workers.

**Cache** (:mod:`generator.scan_cache`). Each mass sample is stored on disk under the SHA-256 of everything
it depends on (the card at that point, the seed, the user's files, a fingerprint of the code); the counts on
a coupling grid beside it, so a rerun costs nothing and a finer coupling grid costs one reweighting.

**Executors** share one seam (:class:`Executor`): ``serial`` (in-process), ``processes`` (the default,
``concurrent.futures.ProcessPoolExecutor`` on all cores, forked after the kernels are loaded) and ``dask``
(``distributed.Client`` to a running scheduler, ``tcp://host:8786``, or a ``LocalCluster`` of N worker
processes). A worker that dies costs only its points: the process pool is rebuilt and the unfinished points
resubmitted; Dask reschedules the tasks of a lost worker itself (:mod:`generator.executors`, the seam
shared with sharded runs). Results reach the client, which alone writes the cache, so a partial result
never sits under a final name.

References: Chen, Pospelov, Zhong, PRD 95 115005 (2017), Fig. 5; Rella, Döbrich, Yu, Fig. 8 (the scans this
reproduces); DESIGN.md rules 3 and 9.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cards import RunConfig
from .decay_records import DecayRecord
from .exceptions import UnphysicalRequest
from .executors import EXECUTORS, MAX_RETRIES, DaskExecutor, Executor, ProcessExecutor, make_executor
from .plan import RunPlan, plan
from .reweight import counts_vs_coupling, decay_records
from .run import integrate_point
from .scan_cache import ScanCache, counts_key, default_cache_dir
from .scan_grid import ScanPoint, mass_seed, scan_points

__all__ = ["EXECUTORS", "MAX_RETRIES", "DaskExecutor", "Executor", "MassSample", "ProcessExecutor", "ScanCache",
           "ScanPoint", "ScanResult", "compute_point", "default_cache_dir", "make_executor", "mass_seed", "run_scan",
           "scan_config", "scan_points"]

_COUNT_KEYS = ("produced", "decayed", "accepted", "accepted_error")


@dataclass
class MassSample:
    """What one mass point leaves for reweighting (cached on disk; plain, picklable data)."""

    sigma_pb_unit: float
    """sigma (or the depth/flux-averaged sigma of an experiment) at unit coupling, pb."""
    sigma_error_pb_unit: float
    chi2_dof: float
    n_eval: int
    precision_requested: float
    precision_reached: float
    g0: float
    """Reference coupling of the stored weights and decay lengths."""
    produced_weight: float
    """Sum of w_xsec (pb, at g0) over all sampled events, also those whose line misses the volume."""
    record: DecayRecord | None
    """The sampled events whose boson line crosses the decay volume (the others never decay in it)."""
    n_events: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def precision_met(self) -> bool:
        return not self.precision_reached > self.precision_requested


@dataclass
class PointOutcome:
    """A sample and its counts on the coupling grid (what a worker sends back)."""

    sample: MassSample | None
    counts: dict[str, np.ndarray]
    seconds: float


# ---------------------------------------------------------------------------------------------------
# one point (pure: runs in any process or on any Dask worker)
# ---------------------------------------------------------------------------------------------------
def _hit_only(rec: DecayRecord) -> DecayRecord:
    """The events whose boson line crosses the decay volume; the boson momenta are not needed for
    reweighting and are dropped."""
    kept = rec.select(rec.s_max > rec.s_min)
    return dataclasses.replace(kept, boson_p4=np.zeros((len(kept.w_xsec), 0)))


def _sample(point: ScanPoint) -> tuple[MassSample, RunPlan]:
    t0 = time.perf_counter()
    cfg = point.config
    run_plan = plan(cfg)
    rng = np.random.default_rng(point.seed)
    res = integrate_point(run_plan, rng)
    rec = decay_records(run_plan, res.integration, rng, cfg.nevents)
    i = res.integration
    sample = MassSample(i.mean, i.sdev, i.chi2_dof, i.n_eval, cfg.precision, i.rel_error, cfg.coupling,
                        float(rec.w_xsec.sum()), _hit_only(rec), cfg.nevents, time.perf_counter() - t0,
                        list(run_plan.notes))
    return sample, run_plan


def _zero_counts(n: int) -> dict[str, np.ndarray]:
    return {k: np.zeros(n) for k in _COUNT_KEYS}


def compute_point(point: ScanPoint, couplings: Sequence[float], sample: MassSample | None = None) -> PointOutcome:
    """Sample the point (unless ``sample`` is given) and count N(g) on ``couplings``.

    A point the physics refuses (a mass above the experiment's threshold, no phase space after the cuts)
    has no sample and zero counts; the reason is in ``ScanResult.notes``.
    """
    t0 = time.perf_counter()
    g = np.asarray(couplings, dtype=float)
    if point.problem is not None:
        return PointOutcome(None, _zero_counts(len(g)), 0.0)
    try:
        if sample is None:
            sample, run_plan = _sample(point)
        else:
            run_plan = plan(point.config)
    except UnphysicalRequest:
        return PointOutcome(None, _zero_counts(len(g)), time.perf_counter() - t0)
    scale = (g / sample.g0) ** 2
    produced = run_plan.counts_per_pb * sample.produced_weight * scale
    if sample.record is None or len(sample.record.w_xsec) == 0:
        counts = _zero_counts(len(g))
    else:
        rng = np.random.default_rng([point.seed, 1])  # the common random numbers of the decay points
        counts = counts_vs_coupling(run_plan, sample.record, g, sample.sigma_pb_unit * sample.g0**2, rng)
        counts = {k: np.asarray(counts[k], dtype=float) for k in _COUNT_KEYS}
    counts["produced"] = produced
    return PointOutcome(sample, counts, time.perf_counter() - t0)


def _compute_task(point: ScanPoint, couplings: tuple[float, ...], sample: MassSample | None) -> PointOutcome:
    return compute_point(point, couplings, sample)


# ---------------------------------------------------------------------------------------------------
# executors: one seam (generator/executors.py, shared with sharded runs)
# ---------------------------------------------------------------------------------------------------
Task = tuple[ScanPoint, tuple[float, ...], "MassSample | None"]


# ---------------------------------------------------------------------------------------------------
# the scan
# ---------------------------------------------------------------------------------------------------
@dataclass
class ScanResult:
    """N(m, g) for every (experiment, model) of a scan, with what each mass point cost and reached."""

    config: RunConfig
    masses: np.ndarray
    couplings: np.ndarray
    counts: dict[tuple[str, str], dict[str, np.ndarray]]
    """(experiment, model) -> {"produced" | "decayed" | "accepted" | "accepted_error": array [mass, g]}."""
    points: dict[tuple[str, str], list[dict[str, Any]]]
    """(experiment, model) -> per mass: sigma at unit coupling, precision, chi2/dof, seconds, cache hit."""
    notes: list[str]
    executor: str
    workers: int
    seconds: float

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return list(self.counts)


def _warm_up(points: Sequence[ScanPoint]) -> None:
    """Load the numba kernels a point uses (d sigma, and the four-vectors of its events) in this process
    before forking workers: they inherit them, so a worker pays the start-up once, not once per mass."""
    for p in points:
        if p.problem is None:
            with contextlib.suppress(Exception):
                run_plan = plan(p.config)
                u = np.full((4, run_plan.dim), 0.5)
                run_plan.integrand(u)
                if run_plan.integrand.kernel.has_final_state:
                    run_plan.integrand.momenta(u)
            return


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int, label: str) -> Iterator[Callable[[], None]]:
    if not enabled or total == 0:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(file=sys.stderr), transient=False) as bar:
        task = bar.add_task("mass points", total=total)
        yield lambda: bar.advance(task)


def run_scan(points: Sequence[ScanPoint], couplings: Sequence[float], config: RunConfig, *,
             executor: Executor | None = None, cache: ScanCache | None = None, progress: bool = False) -> ScanResult:
    """Count N(m, g) at every point; cached points are not recomputed (see the module docstring)."""
    t0 = time.perf_counter()
    executor = executor or Executor()
    cache = cache or ScanCache(None)
    g = tuple(float(v) for v in couplings)
    outcomes: dict[int, PointOutcome] = {}
    cached: set[int] = set()
    sample_cached: set[int] = set()
    tasks: list[Task] = []
    task_index: list[int] = []
    for i, p in enumerate(points):
        hit = cache.load(counts_key(p.key, g), "counts")
        if hit is not None:
            outcomes[i] = hit
            cached.add(i)
            continue
        tasks.append((p, g, cache.load(p.key, "sample")))
        task_index.append(i)
        if tasks[-1][2] is not None:
            sample_cached.add(i)

    def done(j: int, out: PointOutcome) -> None:
        i = task_index[j]
        outcomes[i] = out
        if points[i].problem is None and out.sample is not None:
            if tasks[j][2] is None:
                cache.store(points[i].key, "sample", out.sample)
            light = dataclasses.replace(out.sample, record=None)  # the numbers of the sample, not its events
            cache.store(counts_key(points[i].key, g), "counts", PointOutcome(light, out.counts, out.seconds))
        advance()

    if isinstance(executor, ProcessExecutor) and tasks:
        _warm_up([t[0] for t in tasks])
    label = f"scan ({executor.name}, {executor.workers} worker{'s' if executor.workers > 1 else ''})"
    with _progress_bar(progress, len(tasks), label) as advance:
        executor.run(_compute_task, tasks, done)

    masses = np.array(sorted({p.mass for p in points}))
    counts, info, notes = _tabulate(points, outcomes, masses, len(g), cached, sample_cached)
    return ScanResult(config, masses, np.array(g), counts, info, notes, executor.name, executor.workers,
                      time.perf_counter() - t0)


def _tabulate(points: Sequence[ScanPoint], outcomes: dict[int, PointOutcome], masses: np.ndarray, n_couplings: int,
              cached: set[int], sample_cached: set[int]
              ) -> tuple[dict[tuple[str, str], dict[str, np.ndarray]], dict[tuple[str, str], list[dict[str, Any]]],
                         list[str]]:
    """The outcomes of the points as ScanResult's counts [mass, g] and per-mass entries per (experiment, model),
    and the notes (a precision not met, a point not computed, no phase space)."""
    counts: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    info: dict[tuple[str, str], list[dict[str, Any]]] = {}
    notes: list[str] = []
    for i, p in enumerate(points):
        pair = (p.experiment, p.model)
        grid = counts.setdefault(pair, {k: np.zeros((len(masses), n_couplings)) for k in _COUNT_KEYS})
        row = int(np.searchsorted(masses, p.mass))
        out = outcomes[i]
        for k in _COUNT_KEYS:
            grid[k][row] = out.counts[k]
        entry: dict[str, Any] = {"mass_GeV": p.mass, "seed": p.seed, "cached": i in cached,
                                 "sample_cached": i in cached or i in sample_cached, "seconds": out.seconds}
        note = _point_entry(p, out, entry)
        if note is not None:
            notes.append(note)
        info.setdefault(pair, []).append(entry)
    for entries in info.values():
        entries.sort(key=lambda e: e["mass_GeV"])
    return counts, info, notes


def _point_entry(p: ScanPoint, out: PointOutcome, entry: dict[str, Any]) -> str | None:
    """Add what the point's sample reached to its ``entry``; the note the point leaves, if any."""
    s = out.sample
    where = f"{p.experiment} {p.model} m = {p.mass:g} GeV"
    if s is not None:
        entry.update(sigma_pb_at_unit_coupling=s.sigma_pb_unit, sigma_error_pb=s.sigma_error_pb_unit,
                     chi2_dof=s.chi2_dof, n_eval=s.n_eval, precision_requested=s.precision_requested,
                     precision_reached=s.precision_reached, precision_met=s.precision_met,
                     reference_coupling=s.g0, events=s.n_events)
        if not s.precision_met:
            return f"{where}: precision {s.precision_requested:g} asked, {s.precision_reached:.3g} reached"
        return None
    if p.problem is not None:
        return f"{where}: not computed ({p.problem})"
    if not np.any(out.counts["produced"]):
        return f"{where}: no phase space (zero counts)"
    return None


def scan_config(config: RunConfig, *, executor: str | Executor = "processes", workers: int | None = None,
                scheduler: str | None = None, dask_local: int | None = None,
                cache_dir: str | os.PathLike[str] | None = None, use_cache: bool = True,
                progress: bool = False, work: tuple[list[ScanPoint], tuple[float, ...]] | None = None) -> ScanResult:
    """Scan a card's (m, g) grid for each of its experiments and models (``mudump scan``).

    ``work`` is ``scan_points(config)`` if the caller already has it (``mudump scan`` checks the card's
    grid before it prepares the output directory).
    """
    points, couplings = work if work is not None else scan_points(config)
    cache = ScanCache((cache_dir if cache_dir is not None else default_cache_dir()) if use_cache else None)
    ex = executor if isinstance(executor, Executor) else make_executor(executor, workers=workers,
                                                                        scheduler=scheduler, dask_local=dask_local)
    try:
        return run_scan(points, couplings, config, executor=ex, cache=cache, progress=progress)
    finally:
        if not isinstance(executor, Executor):
            ex.close()
