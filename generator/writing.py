"""Stage 5 of a run: event chunks -> files, all formats written concurrently and moved together (DESIGN.md rule 8).

Every requested format has its own writer thread, fed the same event chunks (read-only awkward
arrays, shared, never copied or spooled) through a small bounded queue while the main thread keeps
generating: the LHE and HepMC3 formatters are compiled and release the GIL, zlib and file writes
release it too, so generation and writing share both cores, and memory stays flat (at most
``QUEUE_CHUNKS`` chunks wait per writer).

Each writer streams into ``<final name>.part`` in the output folder itself -- no spool and no hidden
folder -- and leaves it there when done. Only when *every* writer finished are the ``.part`` files
renamed to their final names, together with ``summary.json``; if any writer fails, or the run is
interrupted, the others are stopped, every ``.part`` file of the run is removed and the error is
raised. A killed run can leave ``*.part`` files only (removed by the next run, :mod:`generator.rundir`),
never a file with a final name that looks complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import awkward as ak

from .events import RunInfo
from .output import fairship, hepmc, lhe, root
from .output._atomic import PART_SUFFIX
from .output._written import Written
from .tally import EventChunk, Tally

__all__ = ["OUTPUT_SUFFIX", "QUEUE_CHUNKS", "output_names", "write_parts", "write_run", "writer_options"]

OUTPUT_SUFFIX = {"lhe": "events.lhe", "root": "events.root", "hepmc": "events.hepmc3", "fairship": "events_fairship.root"}
#: Chunks waiting per writer at most (each ~20 000 events, a few MB).
QUEUE_CHUNKS = 2
#: Each format's staging writer (it leaves ``<name>.part``; the run commits every file together).
_WRITERS: dict[str, tuple[Any, str]] = {"lhe": (lhe, "stage_lhe"), "root": (root, "stage_root"),
                                        "hepmc": (hepmc, "stage_hepmc"), "fairship": (fairship, "stage_fairship")}
_END = object()
_ABORT = object()


class _Aborted(Exception):
    """Raised inside a writer whose run was stopped (another writer failed, or an interrupt)."""


def output_names(config: Any) -> dict[str, str]:
    """File name of each format for a run configuration (``lhe_gzip`` -> ``events.lhe.gz``)."""
    names = dict(OUTPUT_SUFFIX)
    if getattr(config, "lhe_gzip", False):
        names["lhe"] = "events.lhe.gz"
    return names


def writer_options(config: Any) -> dict[str, dict[str, Any]]:
    """Keyword arguments of each format's writer from a run configuration."""
    return {"fairship": {"min_decay_prob": float(getattr(config, "fairship_min_decay_prob", 0.0))}}


def _writer(fmt: str) -> Callable[..., Written]:
    module, name = _WRITERS[fmt]
    writer: Callable[..., Written] = getattr(module, name)  # looked up per run (tests substitute a failing writer)
    return writer


class _WriterThread:
    """One format's writer in a thread, fed chunks through a bounded queue."""

    def __init__(self, fmt: str, final: Path, header: RunInfo, options: dict[str, Any],
                 writer: Callable[..., Written] | None = None) -> None:
        self.fmt = fmt
        self.final = final
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.error: BaseException | None = None
        self.written: Written | None = None
        self.stats: dict[str, Any] = {}
        """What the writer reported (``Written.details``) and the CPU time of its thread."""
        self._writer = writer if writer is not None else _writer(fmt)
        self._args = (final, header)
        self._options = options
        self.thread = threading.Thread(target=self._run, name=f"mudump-write-{fmt}", daemon=True)
        self.thread.start()

    def _chunks(self) -> Iterator[ak.Array]:
        while True:
            item = self.queue.get()
            if item is _END:
                return
            if item is _ABORT:
                raise _Aborted(f"{self.fmt} writer stopped")
            yield item

    def _run(self) -> None:
        cpu = time.thread_time()
        try:
            self.written = self._writer(*self._args, self._chunks(), **self._options)
            self.stats.update(self.written.details)
        except BaseException as exc:  # noqa: BLE001 -- handed to the main thread, which re-raises it
            self.error = exc
            self._drain()
        self.stats["cpu_s"] = time.thread_time() - cpu

    def _drain(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self.queue.get_nowait()

    def put(self, item: Any) -> bool:
        """Queue ``item``; False if the writer has failed (it takes no more)."""
        while self.error is None:
            try:
                self.queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                if not self.thread.is_alive():
                    break
        return False

    def stop(self) -> None:
        """Make the writer give up (its ``.part`` file is removed by the writer) and wait for it."""
        if self.thread.is_alive():
            self._drain()
            with contextlib.suppress(queue.Full):
                self.queue.put_nowait(_ABORT)
            self.thread.join()

    @property
    def part(self) -> Path:
        return self.final.with_name(self.final.name + PART_SUFFIX)


def write_run(out_dir: Path, formats: Iterable[str], chunks: Iterable[EventChunk], info: Callable[[], RunInfo],
              make_summary: Callable[[dict[str, str], Tally], dict[str, Any]], *,
              names: dict[str, str] | None = None,
              options: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Write every format of ``chunks`` concurrently and ``summary.json``; move all to their final names.

    ``info()`` gives the files' header (called once, before the first chunk is written);
    ``make_summary(files, tally)`` gets the final file paths and the tally of the chunks written (their
    sum, :class:`~generator.tally.Tally`) once every writer finished, and the summary gets
    ``output``: per format what the writer reported (events written, LHE IDWTUP and XMAXUP, FairShip
    events and weight dropped) and the CPU time of its thread. ``names`` maps a format to its file name (default
    :data:`OUTPUT_SUFFIX`), ``options`` to extra keyword arguments of its writer. Nothing is written
    for a run without events. Returns the summary.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {**OUTPUT_SUFFIX, **(names or {})}
    options = options or {}
    stream = iter(chunks)
    first = next(stream, None)
    writers: list[_WriterThread] = []
    tally = Tally()
    try:
        if first is not None:
            header = info()
            writers = [_WriterThread(fmt, out_dir / names[fmt], header, options.get(fmt, {})) for fmt in formats]
            tally = _feed(writers, first, stream)
        files = {w.fmt: str(w.final) for w in writers}
        files["summary"] = str(out_dir / "summary.json")
        result = make_summary(files, tally)
        if writers:
            result["output"] = {w.fmt: {"file": w.final.name, **w.stats} for w in writers}
        summary_part = out_dir / ("summary.json" + PART_SUFFIX)
        summary_part.write_text(json.dumps(result, indent=1, default=str) + "\n")
        for w in writers:
            os.replace(w.part, w.final)
        os.replace(summary_part, out_dir / "summary.json")
    except BaseException:
        for w in writers:
            w.stop()
        for path in [*(w.part for w in writers), out_dir / ("summary.json" + PART_SUFFIX)]:
            path.unlink(missing_ok=True)
        raise
    return result


def write_parts(finals: dict[str, Path], chunks: Iterable[EventChunk], header: RunInfo, *,
                writers: dict[str, Callable[..., Written]] | None = None,
                options: dict[str, dict[str, Any]] | None = None) -> tuple[dict[str, dict[str, Any]], Tally]:
    """Write ``chunks`` with one writer thread per entry of ``finals`` into ``<final>.part``, and leave
    the parts for the caller to rename; on any failure or interruption stop every writer, remove the
    parts and raise. ``writers`` maps an entry to its writer function (default: the format's,
    :data:`OUTPUT_SUFFIX`), ``options`` to extra keyword arguments. Returns what each writer reported,
    with the CPU time of its thread (the pieces of a shard, and the merge of the ROOT formats), and the
    tally of the chunks written."""
    writers = writers or {}
    options = options or {}
    stream = iter(chunks)
    threads: list[_WriterThread] = []
    try:
        threads = [_WriterThread(key, final, header, options.get(key, {}), writers.get(key))
                   for key, final in finals.items()]
        tally = _feed(threads, next(stream, None), stream)
    except BaseException:
        for w in threads:
            w.stop()
        for w in threads:
            w.part.unlink(missing_ok=True)
        raise
    return {w.fmt: w.stats for w in threads}, tally


def _feed(writers: list[_WriterThread], first: EventChunk | None, stream: Iterator[EventChunk]) -> Tally:
    """Hand every chunk's events to every writer, then the end mark; wait for them; raise the first
    failure. Returns the sum of the chunks' tallies (with no writer, the chunks are still drawn)."""
    chunk: EventChunk | None = first
    tally = Tally()
    while chunk is not None:
        tally = tally + chunk.tally
        for w in writers:
            if not w.put(chunk.events):
                _raise_failure(w)
        chunk = next(stream, None)
    for w in writers:
        if not w.put(_END):
            _raise_failure(w)
    for w in writers:
        w.thread.join()
        if w.error is not None:
            _raise_failure(w)
    return tally


def _raise_failure(w: _WriterThread) -> None:
    if w.error is not None:
        raise w.error
    raise RuntimeError(f"the {w.fmt} writer stopped before taking all events")
