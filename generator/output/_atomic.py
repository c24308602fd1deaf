"""Atomic file replacement for the writers (DESIGN.md rule 8).

A writer streams into ``<final name>.part`` in the destination folder and the file is renamed to its
final name with :func:`os.replace` only when the writer finished without error. On any exception,
``KeyboardInterrupt`` included, the ``.part`` file is removed and the exception re-raised, so a file
with the final name is always complete and no partial file is left behind. ``os.replace`` is atomic
on POSIX and Windows when source and destination are on the same filesystem, which holds because the
``.part`` file sits next to the final one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["PART_SUFFIX", "atomic_path", "suffix_of"]

#: Suffix of the temporary file written next to the final one.
PART_SUFFIX = ".part"


def suffix_of(path: str | os.PathLike[str], suffixes: tuple[str, ...]) -> str | None:
    """Return the first of ``suffixes`` that ``path`` ends with (case-insensitive), else None.

    >>> suffix_of("run/events.lhe.gz", (".lhe.gz", ".lhe"))
    '.lhe.gz'
    """
    name = os.fspath(path).lower()
    for s in suffixes:
        if name.endswith(s):
            return s
    return None


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, rename: bool = True) -> Iterator[Path]:
    """Yield the temporary path ``<path>.part``; move it to ``path`` on success, delete it on failure.

    Parameters
    ----------
    path : str or os.PathLike
        Final file name. Its folder must exist.
    rename : bool, optional
        If False, leave the complete ``<path>.part`` in place on success: the caller renames it (a run
        renames all its files together once every writer finished, :mod:`generator.writing`).

    Yields
    ------
    pathlib.Path
        ``<path>.part``, in the same folder, to be written by the caller.

    Raises
    ------
    FileNotFoundError
        If the destination folder does not exist.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with atomic_path(Path(d) / "x.txt") as tmp:
    ...         _ = tmp.write_text("done")
    ...     (Path(d) / "x.txt").read_text()
    'done'
    """
    final = Path(path)
    if not final.parent.is_dir():
        raise FileNotFoundError(f"output folder {str(final.parent)!r} does not exist (for {str(final)!r})")
    part = final.with_name(final.name + PART_SUFFIX)
    part.unlink(missing_ok=True)  # stale leftover of a killed run
    try:
        yield part
        if rename:
            os.replace(part, final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
