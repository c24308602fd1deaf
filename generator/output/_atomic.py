"""Atomic file replacement for the writers (DESIGN.md rule 8).

A writer streams into ``<final name>.part`` in the destination folder (:func:`staged_path`) and the file
is renamed to its final name with :func:`os.replace` only when the writer finished without error
(:meth:`generator.output._written.Written.commit`). On any exception,
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

__all__ = ["PART_SUFFIX", "staged_path", "suffix_of"]

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
def staged_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield the temporary path ``<path>.part`` to be written; delete it if the block raises.

    The complete ``.part`` is left in place: the writer returns it as a staged
    :class:`~generator.output._written.Written`, which :meth:`~generator.output._written.Written.commit`
    moves to ``path`` (a run commits all its files together once every writer finished,
    :mod:`generator.writing`).

    Parameters
    ----------
    path : str or os.PathLike
        Final file name. Its folder must exist.

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
    ...     with staged_path(Path(d) / "x.txt") as tmp:
    ...         _ = tmp.write_text("done")
    ...     sorted(p.name for p in Path(d).iterdir())
    ['x.txt.part']
    """
    final = Path(path)
    if not final.parent.is_dir():
        raise FileNotFoundError(f"output folder {str(final.parent)!r} does not exist (for {str(final)!r})")
    part = final.with_name(final.name + PART_SUFFIX)
    part.unlink(missing_ok=True)  # stale leftover of a killed run
    try:
        yield part
    except BaseException:
        part.unlink(missing_ok=True)
        raise
