"""A gzip stream compressed by its own thread: the writer formats the next chunk while zlib compresses this one.

zlib releases the GIL while it compresses (and :func:`zlib.crc32` while it sums), and the LHE and HepMC3
formatters are compiled ``nogil`` kernels, so a writer that hands each formatted chunk to a compressor
thread through a small bounded queue runs formatting and compression on two cores at once: the wall
time of a gzipped file becomes that of the slower of the two instead of their sum (``validation/
bench_events.py``: LHE.gz at zlib level 1, ~8 us/event formatting and ~5 us/event compressing). The CPU
time per event is unchanged.

The bytes are exactly those of :class:`gzip.GzipFile` written in the calling thread (same header, level,
``mtime``, one member), so files stay byte-identical and readable by gzip, zlib's ``gzread``, Python's
:mod:`gzip` and pylhe.

Use it as a context manager around the body of a file::

    with GzipThread(raw, compresslevel=1) as body:
        for text in chunks_of_text:
            body.write(text)            # the buffer is handed over: do not modify it afterwards
    # leaving the block without an error finishes the gzip member and joins the thread (raising its
    # error, e.g. a full disk); leaving it with an error stops the thread without finishing the member.
"""

from __future__ import annotations

import contextlib
import gzip
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any, BinaryIO, final

__all__ = ["GzipThread"]

_END = object()


@final
class GzipThread:
    """Write-only gzip stream into ``raw`` whose compression runs in a separate thread.

    Parameters
    ----------
    raw : binary file object
        Where the gzip member goes (written only by the compressor thread until :meth:`close`).
    compresslevel : int
        zlib level (1 = fastest).
    maxsize : int
        Buffers waiting for the compressor at most (memory bound: ``maxsize`` formatted chunks).
    """

    def __init__(self, raw: BinaryIO, compresslevel: int = 1, *, maxsize: int = 2) -> None:
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=compresslevel)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=maxsize)
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self.cpu_s = 0.0
        """CPU time of the compressor thread, seconds."""
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="mudump-gzip", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cpu = time.thread_time()
        try:
            while not self._stop.is_set():
                item = self._queue.get()
                if item is _END or self._stop.is_set():
                    break
                self._gz.write(item)
            else:
                return
            if item is _END:
                self._gz.close()  # the member's trailer; ``raw`` itself stays open
        except BaseException as exc:  # noqa: BLE001 -- re-raised in the writer's thread
            self.error = exc
        finally:
            self.cpu_s = time.thread_time() - cpu

    def _put(self, item: Any) -> None:
        while True:
            if self.error is not None:
                raise self.error
            if not self._thread.is_alive():
                raise RuntimeError("the gzip compressor thread stopped")
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def write(self, data: Any) -> int:
        """Queue ``data`` (bytes-like; handed over, not copied) for compression."""
        self._put(data)
        return len(memoryview(data))

    def writelines(self, lines: Iterable[Any]) -> None:
        for data in lines:
            self.write(data)

    def close(self) -> None:
        """Finish the gzip member and wait for the thread; raise the compressor's error if it had one."""
        if self._closed:
            return
        self._closed = True
        self._put(_END)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop the compressor without finishing the member (the file is then incomplete) and wait for it."""
        self._closed = True
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_END)
        self._thread.join()
        self._gz.fileobj = None  # type: ignore[assignment]  # never finish the member later (GzipFile.__del__)

    def __enter__(self) -> GzipThread:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
