"""A gzip stream compressed in parallel by compressor threads while the writer formats the next chunk.

zlib level 1 costs ~9 us per LHE event (~175 MB/s of text), twice the compiled formatting (~4.5 us), so
a ``.lhe.gz`` written in one thread is bound by zlib. The pieces are therefore deflated with ISA-L
(``python-isal``; level 1 ~600 MB/s, ~2.7 us per event, 8 % smaller than zlib's level 1; zlib is the
fallback where isal is not installed). Both release the GIL while they compress, so the
text is cut into pieces of :data:`PIECE_BYTES` that a small pool of threads compresses at the same time,
as pigz does: each piece is an independent raw deflate stream ended by a sync flush (byte-aligned, no
back-reference into another piece), so their concatenation, closed by an empty final block, is one
valid deflate stream. The file is **one gzip member** (RFC 1952: header with ``mtime = 0`` and no name,
the deflate data, CRC-32 and size of all the text), read by gzip, zlib's ``gzread`` (Pythia 8), Python's
:mod:`gzip` and pylhe like any other; the same text always gives the same bytes (the pieces do not depend
on the number of threads or their timing). Cutting the stream every 4 MB costs ~0.1 % in size.

The writer's thread computes the CRC-32 (GIL released too) and writes the compressed pieces in order;
at most ``max_pending`` pieces wait, which bounds the memory. The CPU time per event is that of zlib
at level 1; the wall time on two free cores is about half.

Use it as a context manager around the body of a file::

    with GzipThread(raw, compresslevel=1) as body:
        for text in chunks_of_text:
            body.write(text)            # the buffer is handed over: do not modify it afterwards
    # leaving the block without an error writes the last pieces and the trailer (raising a compressor's
    # or the file's error, e.g. a full disk); leaving it with an error stops the threads, the member unfinished.
"""

from __future__ import annotations

import struct
import time
import types
import zlib
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO, final

try:  # ISA-L's deflate (python-isal): ~600 MB/s at level 1 against zlib's ~170 MB/s, same stream format
    from isal import isal_zlib

    _deflate: types.ModuleType = isal_zlib
except ImportError:  # pragma: no cover - isal is a dependency; zlib is the fallback where it has no wheel
    _deflate = zlib

__all__ = ["DEFLATE_LIBRARY", "PIECE_BYTES", "GzipThread"]

#: The deflate implementation in use: ``"isal"`` (ISA-L) or ``"zlib"``.
DEFLATE_LIBRARY = "zlib" if _deflate is zlib else "isal"

#: Bytes of text compressed as one independent piece (each ends with a sync flush, ~5 bytes).
PIECE_BYTES = 4 << 20
_HEADER_FLAGS = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00"  # magic, deflate, no flags, mtime = 0
_OS_UNKNOWN = b"\xff"


def _deflate_level(level: int) -> int:
    """zlib's level 1-9 on ISA-L's scale 0-3 (1 -> 1, the fast default; 3 and above -> 3)."""
    return level if _deflate is zlib else max(0, min(level, 3))


def _compress_piece(data: memoryview, level: int) -> tuple[bytes, float]:
    cpu = time.thread_time()
    c = _deflate.compressobj(_deflate_level(level), _deflate.DEFLATED, -zlib.MAX_WBITS)
    out = c.compress(data) + c.flush(_deflate.Z_SYNC_FLUSH)
    return out, time.thread_time() - cpu


@final
class GzipThread:
    """Write-only gzip member into ``raw``, its pieces compressed by ``threads`` threads.

    Parameters
    ----------
    raw : binary file object
        Where the gzip member goes (written by the calling thread; left open).
    compresslevel : int
        zlib level (1 = fastest).
    threads : int
        Compressor threads (2: the two cores of the machines mudump is tuned on).
    max_pending : int
        Pieces compressing or waiting to be written at most.
    """

    def __init__(self, raw: BinaryIO, compresslevel: int = 1, *, threads: int = 2, max_pending: int = 8) -> None:
        self._raw = raw
        self._level = int(compresslevel)
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="mudump-gzip")
        self._pending: deque[Future[tuple[bytes, float]]] = deque()
        self._max_pending = max(1, max_pending)
        self._crc = 0
        self._size = 0
        self._closed = False
        self.cpu_s = 0.0
        """CPU time of the compressor threads, seconds."""
        xfl = b"\x04" if self._level == 1 else (b"\x02" if self._level == 9 else b"\x00")
        raw.write(_HEADER_FLAGS + xfl + _OS_UNKNOWN)

    def _write_oldest(self) -> None:
        out, cpu = self._pending.popleft().result()  # raises the compressor's error
        self.cpu_s += cpu
        self._raw.write(out)

    def write(self, data: Any) -> int:
        """Queue ``data`` (bytes-like; handed over, not copied) for compression."""
        view = memoryview(data).cast("B")
        self._crc = zlib.crc32(view, self._crc)
        self._size += view.nbytes
        for lo in range(0, view.nbytes, PIECE_BYTES):
            while len(self._pending) >= self._max_pending:
                self._write_oldest()
            self._pending.append(self._pool.submit(_compress_piece, view[lo : lo + PIECE_BYTES], self._level))
        return view.nbytes

    def writelines(self, lines: Iterable[Any]) -> None:
        for data in lines:
            self.write(data)

    def close(self) -> None:
        """Write the remaining pieces, the final block and the trailer; raise a compressor's error."""
        if self._closed:
            return
        self._closed = True
        try:
            while self._pending:
                self._write_oldest()
            self._raw.write(zlib.compressobj(self._level, zlib.DEFLATED, -zlib.MAX_WBITS).flush(zlib.Z_FINISH))
            self._raw.write(struct.pack("<II", self._crc & 0xFFFFFFFF, self._size & 0xFFFFFFFF))
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Stop without finishing the member (the file is then incomplete); wait for running pieces."""
        self._closed = True
        for fut in self._pending:
            fut.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> GzipThread:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
