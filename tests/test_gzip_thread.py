"""The LHE.gz compressor thread (generator/output/_gzip_thread.py): the same bytes as gzip.GzipFile in the
writer's thread, errors of either side reach the writer, and nothing hangs."""

from __future__ import annotations

import errno
import gzip
import io
import threading

import numpy as np
import pytest

from generator.output._gzip_thread import GzipThread


def _pieces(n: int = 40) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    text = [f"{x: .16e} {y: .16e}\n".encode() for x, y in rng.normal(size=(20_000, 2))]
    blob = np.frombuffer(b"".join(text), dtype=np.uint8)
    return [blob[i::n].copy() for i in range(n)] + [np.zeros(0, np.uint8), np.frombuffer(b"</end>\n", np.uint8)]


def test_same_bytes_as_gzipfile_in_the_calling_thread():
    pieces = _pieces()
    ref = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=ref, mtime=0, compresslevel=1) as gz:
        gz.writelines(pieces)
    out = io.BytesIO()
    with GzipThread(out, 1) as body:
        body.writelines(pieces)
    assert out.getvalue() == ref.getvalue()
    assert gzip.decompress(out.getvalue()) == b"".join(p.tobytes() for p in pieces)
    assert not out.closed, "the raw file stays open for the header rewrite"
    assert body.cpu_s >= 0


class _FullDisk(io.BytesIO):
    def write(self, data):
        if self.tell() > 50_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_a_compressor_error_reaches_the_writer_without_a_hang():
    body = GzipThread(_FullDisk(), 1, maxsize=1)
    with pytest.raises(OSError, match="No space left") as info:  # noqa: PT012 -- raised by write or close
        for _ in range(200):
            body.writelines(_pieces(4))
        body.close()
    assert info.value.errno == errno.ENOSPC


def test_a_writer_error_stops_the_compressor():
    before = threading.active_count()
    out = io.BytesIO()
    body = GzipThread(out, 1, maxsize=1)

    def write_then_fail() -> None:
        with body:
            body.writelines(_pieces(4))
            raise RuntimeError("formatting failed")

    with pytest.raises(RuntimeError, match="formatting failed"):
        write_then_fail()
    assert threading.active_count() == before, "the compressor thread ended"
    size = len(out.getvalue())
    body.close()  # after an abort: nothing more is written, no error
    body._gz.close()  # what GzipFile.__del__ would do at garbage collection
    assert len(out.getvalue()) == size, "an aborted member is never finished later"
