"""The LHE.gz compressor (generator/output/_gzip_thread.py): one valid gzip member that gzip, zlib and
Python read back to the same text, the same bytes whatever the threads, errors of either side reach the
writer, and nothing hangs."""

from __future__ import annotations

import errno
import gzip
import io
import shutil
import subprocess
import threading
import zlib

import numpy as np
import pytest

from generator.output import _gzip_thread
from generator.output._gzip_thread import GzipThread


def _pieces(n: int = 40) -> list[np.ndarray]:
    rng = np.random.default_rng(5)
    text = [f"{x: .16e} {y: .16e}\n".encode() for x, y in rng.normal(size=(20_000, 2))]
    blob = np.frombuffer(b"".join(text), dtype=np.uint8)
    return [blob[i::n].copy() for i in range(n)] + [np.zeros(0, np.uint8), np.frombuffer(b"</end>\n", np.uint8)]


def _write(pieces, **kwargs) -> bytes:
    out = io.BytesIO()
    with GzipThread(out, 1, **kwargs) as body:
        body.writelines(pieces)
    assert not out.closed, "the raw file stays open for the header rewrite"
    return out.getvalue()


def test_one_gzip_member_that_every_reader_reads_back(tmp_path, monkeypatch):
    monkeypatch.setattr(_gzip_thread, "PIECE_BYTES", 10_000)  # many pieces, cut inside the writes
    pieces = _pieces()
    text = b"".join(p.tobytes() for p in pieces)
    data = _write(pieces)
    assert gzip.decompress(data) == text
    d = zlib.decompressobj(wbits=31)  # exactly one member: nothing after its trailer
    assert d.decompress(data) == text
    assert d.eof
    assert d.unused_data == b""
    assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\xff"  # mtime 0, no name, level 1, like GzipFile
    assert _write(pieces, threads=1) == data == _write(pieces, threads=3, max_pending=1), "the same bytes"
    assert len(data) < 1.03 * len(gzip.compress(text, compresslevel=1, mtime=0)), "96 cuts (of 10 kB) cost little"
    if shutil.which("gzip"):
        path = tmp_path / "t.gz"
        path.write_bytes(data)
        assert subprocess.run(["gzip", "-dc", str(path)], capture_output=True, check=True).stdout == text


class _FullDisk(io.BytesIO):
    def write(self, data):
        if self.tell() > 50_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_a_file_error_reaches_the_writer_without_a_hang():
    body = GzipThread(_FullDisk(), 1, max_pending=1)
    with pytest.raises(OSError, match="No space left") as info:  # noqa: PT012 -- raised by write or close
        for _ in range(200):
            body.writelines(_pieces(4))
        body.close()
    assert info.value.errno == errno.ENOSPC
    body.abort()


def test_a_compressor_error_reaches_the_writer(monkeypatch):
    def broken(data, level):
        raise MemoryError("no memory for zlib")

    monkeypatch.setattr(_gzip_thread, "_compress_piece", broken)
    with pytest.raises(MemoryError, match="no memory"), GzipThread(io.BytesIO(), 1) as body:
        body.writelines(_pieces(4))


def test_a_writer_error_stops_the_compressors():
    before = threading.active_count()
    out = io.BytesIO()
    body = GzipThread(out, 1, max_pending=1)

    def write_then_fail() -> None:
        with body:
            body.writelines(_pieces(4))
            raise RuntimeError("formatting failed")

    with pytest.raises(RuntimeError, match="formatting failed"):
        write_then_fail()
    assert threading.active_count() == before, "the compressor threads ended"
    size = len(out.getvalue())
    body.close()  # after an abort: nothing more is written, no error
    assert len(out.getvalue()) == size, "an aborted member is never finished later"


def test_pieces_are_deflated_by_isal_and_read_by_zlib():
    """The dependency isal deflates the pieces (3.6x zlib per core); plain zlib/gzip read the member."""
    import gzip
    import io

    from generator.output._gzip_thread import DEFLATE_LIBRARY, PIECE_BYTES, GzipThread

    assert DEFLATE_LIBRARY == "isal"
    text = b"".join(b"<event> %d 1.5e-3 </event>\n" % i for i in range(3 * PIECE_BYTES // 25))
    raw = io.BytesIO()
    with GzipThread(raw, compresslevel=1) as body:
        body.write(text)
    assert gzip.decompress(raw.getvalue()) == text
