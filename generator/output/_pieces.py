"""Pieces of a sharded run's files (DESIGN.md rules 8 and 9): event pieces, and appending a piece to a file.

A shard of a run (:mod:`generator.shards`) writes the text formats (LHE, HepMC3) as pieces in their final
format, which the merge appends to one another (:func:`append_file`). The ROOT formats (one tree per file)
are written by the merge from **event pieces**: the shard's event chunks in the :mod:`generator.events`
schema, as awkward's buffers (``ak.to_buffers``), each buffer compressed with Zstandard level 1 (cramjam,
one of uproot's dependencies; ~1.3 us and ~280 bytes per event of the NA64mu card, a third of the raw
buffers), read back one chunk at a time (:func:`read_event_piece`), so memory stays flat::

    b"mudump-event-piece 1\\n"
    per chunk:  uint64 (little-endian) n  |  n bytes of JSON {"length", "form", "buffers": [[key, dtype,
                raw bytes, compressed bytes], ...]}  |  the compressed buffers, in that order

An event piece lives in the run's output folder as ``<name>.part`` like every partial file, and only for
the duration of the run; it is not a format for users.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import awkward as ak
import cramjam
import numpy as np

from generator.events import RunInfo
from generator.output._atomic import staged_path
from generator.output._written import Written

__all__ = ["append_file", "read_event_piece", "write_event_piece"]

_MAGIC = b"mudump-event-piece 1\n"
_LEVEL = 1
_COPY_BYTES = 1 << 30


def append_file(dst: BinaryIO, src: str | os.PathLike[str]) -> int:
    """Append the file ``src`` to the open file ``dst`` (at its position); return the bytes copied.

    ``os.copy_file_range`` copies inside the kernel (a reflink on file systems that share extents), with
    ``shutil.copyfileobj`` as the fallback where it is missing or refused (another file system, an old
    kernel).
    """
    dst.flush()
    n = os.path.getsize(src)
    done = 0
    with open(src, "rb") as f:
        copy_range = getattr(os, "copy_file_range", None)
        if copy_range is not None:
            try:
                while done < n:
                    k = copy_range(f.fileno(), dst.fileno(), min(n - done, _COPY_BYTES))
                    if k == 0:
                        break
                    done += k
            except OSError:
                if done:
                    raise
        if done < n:  # no copy_file_range, or it refused before copying anything
            f.seek(done)
            dst.seek(0, os.SEEK_END)
            while chunk := f.read(1 << 24):
                dst.write(chunk)
                done += len(chunk)
    dst.seek(0, os.SEEK_END)  # the file object learns where the kernel left the end
    return done


def join_pieces(part: Path, pieces: Iterable[tuple[Path, Mapping[str, Any]]],
                empty: str) -> tuple[BinaryIO, list[Mapping[str, Any]]]:
    """The text pieces of a sharded run joined into ``part``, in order: the first piece (with the head) is
    renamed to ``part``, the others are appended to it in the kernel (:func:`append_file`); each piece is
    removed once taken, whether or not the join succeeds. Returns the open file (at its end, for the
    caller's footer and head, and to close) and each piece's figures; ``empty`` is the error when there
    is no piece."""
    raw: BinaryIO | None = None
    figures: list[Mapping[str, Any]] = []
    try:
        for piece, st in pieces:
            try:
                if raw is None:
                    os.replace(piece, part)
                    raw = open(part, "r+b")  # noqa: SIM115 -- the caller closes it
                    raw.seek(0, os.SEEK_END)
                else:
                    append_file(raw, piece)
            finally:
                piece.unlink(missing_ok=True)
            figures.append(st)
    except BaseException:
        if raw is not None:
            raw.close()
        raise
    if raw is None:
        raise ValueError(empty)
    return raw, figures


def write_event_piece(
    path: str | os.PathLike[str],
    run_info: RunInfo,
    chunks: Iterable[ak.Array],
) -> Written:
    """Stream event chunks (the :mod:`generator.events` schema) into an event piece.

    Staged: the bytes go to ``<path>.part``, which :meth:`Written.commit` moves to ``path``.

    ``run_info`` is not stored (the merge has it); it is taken so the function has a writer's signature.
    Its ``details`` are ``n_events`` and ``chunks``.
    """
    final = Path(path)
    n = n_chunks = 0
    with staged_path(final) as part, open(part, "wb") as out:
        out.write(_MAGIC)
        for chunk in chunks:
            if len(chunk) == 0:
                continue
            form, length, container = ak.to_buffers(chunk)
            blobs, table = [], []
            for key, buf in container.items():
                a = np.ascontiguousarray(buf)
                c = cramjam.zstd.compress(a.view(np.uint8).reshape(-1), level=_LEVEL)  # type: ignore[arg-type]  # a buffer
                blobs.append(c)
                table.append([key, a.dtype.str, a.nbytes, len(c)])
            head = json.dumps({"length": int(length), "form": form.to_json(), "buffers": table}).encode()
            out.write(len(head).to_bytes(8, "little"))
            out.write(head)
            for c in blobs:
                out.write(c)
            n += int(length)
            n_chunks += 1
    return Written.staged(part, final, n_events=n, chunks=n_chunks)


def read_event_piece(path: str | os.PathLike[str]) -> Iterator[ak.Array]:
    """The event chunks of an event piece, one at a time, as written."""
    with open(path, "rb") as f:
        if f.read(len(_MAGIC)) != _MAGIC:
            raise ValueError(f"{path} is not a mudump event piece")
        while size := f.read(8):
            head = json.loads(f.read(int.from_bytes(size, "little")))
            container = {}
            for key, dtype, raw, packed in head["buffers"]:
                out = np.empty(raw, dtype=np.uint8)
                if raw:
                    cramjam.zstd.decompress_into(f.read(packed), out)  # type: ignore[arg-type]  # a buffer
                else:
                    f.read(packed)
                container[key] = out.view(np.dtype(dtype))
            yield ak.from_buffers(ak.forms.from_json(head["form"]), head["length"], container)
