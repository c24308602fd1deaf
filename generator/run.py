r"""One run, as a few pure stages over plain data (DESIGN.md "stages of a run")::

    plan(config)                 -> RunPlan          generator/plan.py        (refusals happen here)
    integrate_point(plan, rng)   -> PointResult      VEGAS at unit coupling   (picklable, cacheable)
    event_chunks(point, ...)     -> event chunks     generator/assemble.py    (streamed)
    counts_vs_coupling(...)      -> N(g)             generator/reweight.py
    write_run(...)               -> files            generator/writing.py     (atomic)

or, with more than one shard, the events sampled in shards on an executor and merged (:mod:`generator.shards`).

This module only wires the stages for ``mudump run`` (:func:`run_config`), notebooks (:func:`generate`)
and coupling scans (:func:`yields_vs_coupling`); it computes no physics and writes no file itself.
Expected signal: N = N_exposure n_atom L_tg sum_events(weight) (pb -> cm^2), see :mod:`generator.plan`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import awkward as ak
import numpy as np

from ._extras import require
from .assemble import events_from_points
from .cards import RunConfig, parse_card_text, read_card_text
from .executors import Executor
from .integrate import EventSampler
from .plan import RunPlan, check_coupling, plan
from .point import PointResult, integrate_point
from .progress import ConsoleProgress, NullProgress
from .reweight import CHUNK_EVENTS, counts_vs_coupling, decay_records
from .rundir import RunDirectory, check_nevents, check_one_point, prepare
from .shards import Shard, open_executor, run_sharded
from .summary import run_info, summary
from .tally import EventChunk, Tally
from .writing import OUTPUT_SUFFIX, output_names, write_run, writer_options

__all__ = ["OUTPUT_SUFFIX", "PointResult", "generate", "integrate_point", "run_card", "run_config",
           "yields_vs_coupling"]

#: Size of the internal weighted sample behind the counts of a run with ``nevents = 0``.
COUNT_SAMPLE_EVENTS = 20_000


def event_chunks(point: PointResult, rng: np.random.Generator, sampler: EventSampler, n_events: int,
                 weighted: bool, *, progress: Callable[[int], None] | None = None,
                 checkpoint: Callable[[], None] | None = None) -> Iterator[EventChunk]:
    """Lazily yield event chunks (weights at the card's coupling, pb), each with its tally; ``checkpoint()``
    is called after each chunk (it raises to stop the run), then ``progress(events in the chunk)``."""
    g2 = point.plan.config.coupling**2
    if weighted:
        draws = sampler.weighted(n_events, CHUNK_EVENTS, total=point.integration.mean)
    else:
        draws = sampler.unweighted(n_events, point.integration.mean, CHUNK_EVENTS)
    for u, w in draws:
        chunk = events_from_points(point.plan, u, w * g2, rng)
        if checkpoint is not None:
            checkpoint()
        if progress is not None:
            progress(len(w))
        yield chunk


def _sample(point: PointResult, rng: np.random.Generator, progress: Callable[[int], None] | None = None,
            checkpoint: Callable[[], None] | None = None
            ) -> tuple[Iterator[EventChunk] | None, EventSampler | None]:
    """The run's event stream: the card's events, an internal weighted sample for the counts of an
    ``nevents = 0`` run, or nothing for a method without a final state."""
    cfg = point.plan.config
    if not point.plan.integrand.kernel.has_final_state:
        return None, None
    sampler = EventSampler(point.integration, rng)
    if cfg.nevents == 0:
        return event_chunks(point, rng, sampler, COUNT_SAMPLE_EVENTS, True, checkpoint=checkpoint), sampler
    return event_chunks(point, rng, sampler, cfg.nevents, cfg.weighted, progress=progress,
                        checkpoint=checkpoint), sampler


def fold(chunks: Iterable[EventChunk]) -> Tally:
    """The tally of a stream of event chunks (consumed), for a run whose events are not written."""
    return sum((c.tally for c in chunks), Tally())


def yields_vs_coupling(config: RunConfig, couplings: np.ndarray, *, n_events: int = 20_000) -> dict[str, Any]:
    """Expected signal counts N(g) for many couplings from ONE integration and ONE weighted sample.

    See :mod:`generator.reweight` for how each event is reweighted (sigma ~ g^2, L ~ 1/g^2, the decay
    point and the daughter acceptance redrawn per coupling). Returns the counts produced / decayed in
    volume / accepted and their MC errors per coupling.
    """
    cfg = config.replace(weighted=True, nevents=n_events)
    rng = np.random.default_rng(cfg.seed)
    run_plan = plan(cfg)
    if run_plan.experiment is None:
        raise ValueError("yields_vs_coupling needs an experiment (decay volume and exposure)")
    point = integrate_point(run_plan, rng)
    rec = decay_records(run_plan, point.integration, rng, cfg.nevents)
    return counts_vs_coupling(run_plan, rec, couplings, point.sigma_pb, rng)


def generate(config: RunConfig, *, progress: bool = False) -> tuple[ak.Array | None, dict[str, Any]]:
    """Integrate and generate events in memory (for notebooks); returns ``(events, summary)``
    (``events`` is None for ``nevents = 0`` or an approximate method)."""
    check_coupling(config)
    rng = np.random.default_rng(config.seed)
    run_plan = plan(config)
    t0 = time.perf_counter()
    point = integrate_point(run_plan, rng)
    t1 = time.perf_counter()
    stream, sampler = _sample(point, rng)
    chunks = list(stream) if stream is not None else []
    tally = fold(chunks) if stream is not None else None
    arrays = [c.events for c in chunks]
    events = (ak.concatenate(arrays) if len(arrays) > 1 else arrays[0]) if arrays and config.nevents else None
    t2 = time.perf_counter()
    result = summary(run_plan, point.integration, tally, sampler.stats if sampler else None, {},
                     {"integration": t1 - t0, "events": t2 - t1}, config.to_card())
    return events, result


def run_config(config: RunConfig, *, progress: Any = True, card_text: str | None = None,
               overwrite: bool = False, executor: str | Executor = "processes", shards: int | None = None,
               jobs: int | None = None, scheduler: str | None = None, dask_local: int | None = None
               ) -> dict[str, Any]:
    """Integrate, generate, write the requested formats and ``summary.json``; return the summary.

    Before any work: the plan's refusals, the coupling (:func:`generator.plan.check_coupling`) and the
    run directory (:func:`generator.rundir.prepare`: checked, locked, cleaned of a killed run's partial
    files, a new ``run_NN`` folder if it holds an earlier run unless ``overwrite``, the size estimate
    against the free space). ``progress``: True reports on stderr
    (:class:`generator.progress.ConsoleProgress`), False nothing, or a reporter object with that
    interface. SIGINT and SIGTERM raise :class:`~generator.exceptions.RunInterrupted` once the partial
    files are removed; a full disk or file-size limit raises :class:`~generator.exceptions.OutputError`.

    Sharded runs (:mod:`generator.shards`): integrated once here, the events sampled in ``shards`` shards
    (default: one per 100 000 events) on ``executor`` (serial | processes | dask, or an
    :class:`~generator.executors.Executor`; ``jobs`` local processes, default all cores; ``scheduler``,
    ``dask_local``), merged into one set of files that depends on the card, the seed and the shard count
    only. One shard is the serial run, in this process.
    """
    reporter = ConsoleProgress() if progress is True else (progress or NullProgress())
    if config.tau_decays == "pythia8" and config.nevents > 0:  # optional dependency, before any work
        require("pythia", "tau_decays = pythia8")
    check_coupling(config)
    check_nevents(config)  # an absurd nevents is refused with the size and time, before the plan
    rng = np.random.default_rng(config.seed)
    run_plan = plan(config)  # refusals before any work or any file
    with prepare(config, overwrite=overwrite) as run_dir:
        sampled = config.method == "exact" and run_plan.integrand.kernel.has_final_state
        ex, plan_ = open_executor(config.nevents if sampled else 0, config.seed, executor, shards=shards,
                                  jobs=jobs, scheduler=scheduler, dask_local=dask_local)
        try:
            return _run_in(run_dir, run_plan, rng, reporter, card_text, (ex, plan_))
        finally:
            if ex is not None and ex is not executor:
                ex.close()


def _run_in(run_dir: RunDirectory, run_plan: RunPlan, rng: np.random.Generator, reporter: Any,
            card_text: str | None, sharding: tuple[Executor | None, list[Shard]] = (None, [])) -> dict[str, Any]:
    config = run_plan.config
    text = card_text if card_text is not None else config.to_card()
    t0 = time.perf_counter()
    with reporter.integrating(config.coupling**2) as update:  # a SIGTERM stops the run between iterations
        point = integrate_point(run_plan, rng, progress=update, checkpoint=run_dir.checkpoint)
    seconds = {"integration": time.perf_counter() - t0}
    if sharding[1]:  # the pilot drawn here, as a serial run draws it; the events in shards, merged
        _, sampler = _sample(point, rng)
        executor, shards = sharding
        assert sampler is not None, "only runs that sample events are sharded"
        assert executor is not None, "a sharded run has its executor"
        return run_sharded(run_dir, point, sampler.stats, shards, executor, reporter, text, seconds)
    events = config.nevents > 0 and config.method == "exact"
    with (reporter.generating(config.nevents) if events else NullProgress().generating(0)) as advance:
        # ... and between event chunks
        stream, sampler = _sample(point, rng, advance, checkpoint=run_dir.checkpoint)
        counted = fold(stream) if stream is not None and config.nevents == 0 else None  # not written
        t1 = time.perf_counter()

        def make_summary(files: dict[str, str], written: Tally) -> dict[str, Any]:
            seconds["events_and_writing"] = time.perf_counter() - t1
            tally = counted if counted is not None else (written if stream is not None else None)
            return summary(run_plan, point.integration, tally, sampler.stats if sampler else None, files,
                           seconds, text)

        return write_run(run_dir.path, config.output_formats, stream if counted is None and stream is not None else (),
                         lambda: run_info(run_plan, point.integration, config.weighted), make_summary,
                         names=output_names(config), options=writer_options(config))


def run_card(path: str | os.PathLike[str], *, progress: Any = True, overwrite: bool = False,
             executor: str | Executor = "processes", shards: int | None = None, jobs: int | None = None,
             scheduler: str | None = None, dask_local: int | None = None, **overrides: Any) -> dict[str, Any]:
    """``mudump run``: load a card (with CLI overrides) and :func:`run_config` it (sharded as it says); a
    scan card without its own mass and coupling is refused (:func:`generator.rundir.check_one_point`)."""
    text = read_card_text(path)
    config = parse_card_text(text, str(path), **overrides)
    check_one_point(config, overrides)
    return run_config(config, progress=progress, card_text=text, overwrite=overwrite, executor=executor,
                      shards=shards, jobs=jobs, scheduler=scheduler, dask_local=dask_local)
