"""The last stage of a sharded run: the shards' pieces -> one set of files, moved into place together.

The merge runs while the shards do: it takes the shards' results in shard order as they come back
(:class:`ShardFeed`) and, per format, all at once (DESIGN.md rule 8)::

    LHE        first shard's piece (with the head) renamed to events.lhe.part, the others appended in the
               kernel in shard order, the closing tag, the head filled in (IDWTUP, XMAXUP of all events)
    HepMC3     the same with the header and the footer; events numbered by the shards from their first
    ROOT       the event pieces read back chunk by chunk, in shard order, into the ROOT (and FairShip)
               writer: one tree, as a serial run writes it
    summary    summary.json.part, from the merged tallies and what each writer reported

Only when every format is complete are the ``.part`` files renamed to their final names, with
``summary.json`` last (:meth:`Merge.commit`); on any failure or interruption the merge stops, every part
of the run is removed and the error raised, as for a serial run (:func:`generator.writing.write_run`).
Each piece is removed as soon as it is merged, so the disk holds little more than the run's output.
A plain LHE or HepMC3 file has exactly the bytes a single stream of the same events would give; a
gzipped one has one gzip member per shard.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import awkward as ak

from .events import RunInfo
from .output import hepmc, lhe
from .output._atomic import PART_SUFFIX
from .output._pieces import read_event_piece
from .output._written import Written
from .tally import EventChunk, Tally
from .writing import OUTPUT_SUFFIX, write_parts

__all__ = ["Merge", "MergeStopped", "ShardFeed"]

_MERGERS: dict[str, Callable[..., Written]] = {"lhe": lhe.merge_lhe, "hepmc": hepmc.merge_hepmc}


class MergeStopped(Exception):
    """Raised inside the merge's threads when the run stopped (a shard failed, an interruption)."""


class ShardFeed:
    """The shards' results in shard order, as they come back (thread-safe): each consumer iterates it
    from the first shard and waits for the next one, or raises :class:`MergeStopped` once stopped."""

    def __init__(self, n: int) -> None:
        self._items: list[Any] = [None] * n
        self._cond = threading.Condition()
        self._stopped = False

    def put(self, i: int, result: Any) -> None:
        with self._cond:
            self._items[i] = result
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self._items)):
            with self._cond:
                while self._items[i] is None and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    raise MergeStopped("the run stopped")
                item = self._items[i]
            yield item

    @property
    def results(self) -> list[Any]:
        """The results back so far (all of them once the shards are done)."""
        return [r for r in self._items if r is not None]


class _Worker(threading.Thread):
    """One format's merge (or the trees') in a thread, its error kept for the calling thread."""

    def __init__(self, name: str, target: Callable[[dict[str, Any]], Any]) -> None:
        super().__init__(name=f"mudump-merge-{name}", daemon=True)
        self.key = name
        self._target = target
        self.stats: dict[str, Any] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        cpu = time.thread_time()
        try:
            self._target(self.stats)
        except BaseException as exc:  # noqa: BLE001 -- handed to the calling thread, which re-raises it
            self.error = exc
        self.stats.setdefault("cpu_s", time.thread_time() - cpu)


class Merge:
    """The merge of a sharded run into ``out_dir``: :meth:`start` before the shards run, feed it their
    results (:attr:`feed`), :meth:`finish` once all are back, then :meth:`commit`; :meth:`abort` on
    failure."""

    def __init__(self, out_dir: Path, formats: Sequence[str], names: dict[str, str],
                 options: dict[str, dict[str, Any]], header: RunInfo, n_shards: int) -> None:
        names = {**OUTPUT_SUFFIX, **names}
        self.out_dir = out_dir
        self.formats = tuple(formats)
        self.finals = {fmt: out_dir / names[fmt] for fmt in self.formats}
        self.feed = ShardFeed(n_shards)
        self.header = header
        self.stats: dict[str, dict[str, Any]] = {}
        self._workers = [_Worker(fmt, self._text(fmt)) for fmt in self.formats if fmt in _MERGERS]
        trees = {fmt: final for fmt, final in self.finals.items() if fmt not in _MERGERS}
        if trees:
            self._workers.append(_Worker("trees", self._trees(trees, options)))
        self._summary_part = out_dir / ("summary.json" + PART_SUFFIX)

    def _text(self, fmt: str) -> Callable[[dict[str, Any]], Any]:
        def merge(stats: dict[str, Any]) -> None:
            pieces = ((Path(r.pieces[fmt]), r.piece_stats[fmt]) for r in self.feed)
            stats.update(_MERGERS[fmt](self.finals[fmt], self.header, pieces).details)
        return merge

    def _trees(self, trees: dict[str, Path],
               options: dict[str, dict[str, Any]]) -> Callable[[dict[str, Any]], Any]:
        def write(stats: dict[str, Any]) -> None:
            # the shards' chunks were tallied where they were made (ShardResult.tally)
            chunks = (EventChunk(events, Tally()) for events in self._events())
            stats.update(write_parts(trees, chunks, self.header, options=options)[0])
        return write

    def _events(self) -> Iterator[ak.Array]:
        """Every shard's event chunks in shard order; each event piece is removed once read."""
        for r in self.feed:
            piece = Path(r.pieces["events"])
            try:
                yield from read_event_piece(piece)
            finally:
                piece.unlink(missing_ok=True)

    @property
    def parts(self) -> list[Path]:
        return [final.with_name(final.name + PART_SUFFIX) for final in self.finals.values()]

    def start(self) -> None:
        for w in self._workers:
            w.start()

    def check(self) -> None:
        """Raise the error of a format's merge that already failed (so the shards stop early)."""
        for w in self._workers:
            if w.error is not None and not isinstance(w.error, MergeStopped):
                raise w.error

    def finish(self) -> None:
        """Wait for every format's merge (all results must be in the feed); raise the first failure."""
        for w in self._workers:
            w.join()
        for w in self._workers:
            if w.error is not None:
                raise w.error
        for w in self._workers:
            if w.key == "trees":
                self.stats.update({k: v for k, v in w.stats.items() if k != "cpu_s"})
            else:
                self.stats[w.key] = w.stats

    def commit(self, make_summary: Callable[[dict[str, str]], dict[str, Any]]) -> dict[str, Any]:
        """Write ``summary.json`` (``make_summary(files)`` with ``output``: what each merge or writer
        reported) and move every file to its final name, the summary last. Returns the summary."""
        files = {fmt: str(final) for fmt, final in self.finals.items()}
        files["summary"] = str(self.out_dir / "summary.json")
        result = make_summary(files)
        result["output"] = {fmt: {"file": self.finals[fmt].name, **self.stats[fmt]} for fmt in self.formats}
        self._summary_part.write_text(json.dumps(result, indent=1, default=str) + "\n")
        for part, final in zip(self.parts, self.finals.values()):
            os.replace(part, final)
        os.replace(self._summary_part, self.out_dir / "summary.json")
        return result

    def abort(self) -> None:
        """Stop every format's merge, wait for it (a copy in the kernel ends soon) and remove the parts."""
        self.feed.stop()
        for w in self._workers:
            if w.is_alive():
                w.join()
        for path in [*self.parts, self._summary_part]:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
