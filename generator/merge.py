"""The last stage of a sharded run: the shards' pieces -> one set of files, moved into place together.

Per format, all at once (a thread per text format, writer threads for the trees; DESIGN.md rule 8)::

    LHE        first shard's piece (with the head) renamed to events.lhe.part, the others appended in the
               kernel in shard order, the closing tag, the head filled in (IDWTUP, XMAXUP of all events)
    HepMC3     the same with the header and the footer; events numbered by the shards from their first
    ROOT       the event pieces read back chunk by chunk, in shard order, into the ROOT (and FairShip)
               writer: one tree, as a serial run writes it
    summary    summary.json.part, from the merged tallies and what each writer reported

Only when every format is complete are the ``.part`` files renamed to their final names, with
``summary.json`` last; on any failure or interruption every part and piece of the run is removed and the
error raised, as for a serial run (:func:`generator.writing.write_run`). Each piece is removed as soon as
it is merged, so the disk holds the run's output plus at most one piece per format beyond it (and the
event pieces, about a third of the ROOT tree's raw size, while the trees are written). A plain LHE or
HepMC3 file has exactly the bytes a single stream of the same events would give; a gzipped one has one
gzip member per shard.
"""

from __future__ import annotations

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
from .writing import OUTPUT_SUFFIX, write_parts

__all__ = ["merge_run"]

_MERGERS: dict[str, Callable[..., Path]] = {"lhe": lhe.merge_lhe, "hepmc": hepmc.merge_hepmc}


class _TextMerge(threading.Thread):
    """One text format's merge in a thread (the copies happen in the kernel, without the GIL)."""

    def __init__(self, fmt: str, final: Path, header: RunInfo, results: Sequence[Any]) -> None:
        super().__init__(name=f"mudump-merge-{fmt}", daemon=True)
        self.fmt, self.final, self.header = fmt, final, header
        self.pieces = [Path(r.pieces[fmt]) for r in results]
        self.piece_stats = [r.piece_stats[fmt] for r in results]
        self.stats: dict[str, Any] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        cpu = time.thread_time()
        try:
            _MERGERS[self.fmt](self.final, self.header, self.pieces, self.piece_stats, rename=False, stats=self.stats)
        except BaseException as exc:  # noqa: BLE001 -- handed to the calling thread, which re-raises it
            self.error = exc
        self.stats["cpu_s"] = time.thread_time() - cpu


def _events(results: Sequence[Any], checkpoint: Callable[[], None] | None) -> Iterator[ak.Array]:
    """Every shard's event chunks in shard order; each event piece is removed once read."""
    for r in results:
        piece = Path(r.pieces["events"])
        try:
            for chunk in read_event_piece(piece):
                if checkpoint is not None:
                    checkpoint()
                yield chunk
        finally:
            piece.unlink(missing_ok=True)


def merge_run(out_dir: Path, formats: Sequence[str], names: dict[str, str], options: dict[str, dict[str, Any]],
              header: RunInfo, results: Sequence[Any], make_summary: Callable[[dict[str, str]], dict[str, Any]], *,
              checkpoint: Callable[[], None] | None = None) -> dict[str, Any]:
    """Merge the pieces of ``results`` (:class:`generator.shards.ShardResult`, in shard order) into one file
    per format and write ``summary.json`` (``make_summary(files)``, completed with ``output``: what each
    merge or writer reported); move all to their final names together. Returns the summary."""
    names = {**OUTPUT_SUFFIX, **names}
    finals = {fmt: out_dir / names[fmt] for fmt in formats}
    texts = [_TextMerge(fmt, finals[fmt], header, results) for fmt in formats if fmt in _MERGERS]
    trees = {fmt: finals[fmt] for fmt in formats if fmt not in _MERGERS}
    summary_part = out_dir / ("summary.json" + PART_SUFFIX)
    parts = [final.with_name(final.name + PART_SUFFIX) for final in finals.values()]
    try:
        for t in texts:
            t.start()
        stats = {}
        if trees:
            stats = write_parts(trees, _events(results, checkpoint), header, options=options)
        for t in texts:
            t.join()
        for t in texts:
            if t.error is not None:
                raise t.error
            stats[t.fmt] = t.stats
        files = {fmt: str(final) for fmt, final in finals.items()}
        files["summary"] = str(out_dir / "summary.json")
        result = make_summary(files)
        result["output"] = {fmt: {"file": finals[fmt].name, **stats[fmt]} for fmt in formats}
        summary_part.write_text(json.dumps(result, indent=1, default=str) + "\n")
        for part, final in zip(parts, finals.values()):
            os.replace(part, final)
        os.replace(summary_part, out_dir / "summary.json")
    except BaseException:
        for t in texts:  # a copy in the kernel ends soon; then nothing writes the parts any more
            if t.is_alive():
                t.join()
        for path in [*parts, summary_part]:
            path.unlink(missing_ok=True)
        raise
    return result
