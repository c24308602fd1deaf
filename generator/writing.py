"""Stage 5 of a run: event chunks -> files, all formats staged and moved together (DESIGN.md rule 8).

Every format is written into a staging folder inside the output directory first and all are renamed
to their final names only when all succeeded, so a failed or killed run never leaves a file that looks
complete. The writers themselves (:mod:`generator.output`) read the event schema only.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import awkward as ak

from .events import RunInfo
from .output import fairship, hepmc, lhe, root

__all__ = ["OUTPUT_SUFFIX", "write_run"]

OUTPUT_SUFFIX = {"lhe": "events.lhe", "root": "events.root", "hepmc": "events.hepmc3", "fairship": "events_fairship.root"}
_WRITERS: dict[str, tuple[Any, str]] = {"lhe": (lhe, "write_lhe"), "root": (root, "write_root"),
                                        "hepmc": (hepmc, "write_hepmc"), "fairship": (fairship, "write_fairship")}


def _writer(fmt: str) -> Callable[..., Path]:
    module, name = _WRITERS[fmt]
    return getattr(module, name)  # looked up per run (tests substitute a failing writer)


def _spooled(spool: Path, n_chunks: int) -> Iterator[ak.Array]:
    for i in range(n_chunks):
        with open(spool / f"{i:06d}.pkl", "rb") as f:
            yield pickle.load(f)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` through ``path.part`` and a rename."""
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(json.dumps(obj, indent=1, default=str) + "\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_run(out_dir: Path, formats: Iterable[str], chunks: Iterable[ak.Array], info: Callable[[], RunInfo],
              make_summary: Callable[[dict[str, str]], dict[str, Any]]) -> dict[str, Any]:
    """Spool ``chunks``, write every format and ``summary.json``, then move all to their final names.

    ``info()`` is called after all chunks are drawn (the header needs the totals); ``make_summary(files)``
    gets the final file paths. Returns the summary.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    spool = Path(tempfile.mkdtemp(prefix=".mudump-spool-", dir=out_dir))
    try:
        n_chunks = 0
        for chunk in chunks:
            with open(spool / f"{n_chunks:06d}.pkl", "wb") as f:
                pickle.dump(chunk, f, protocol=pickle.HIGHEST_PROTOCOL)
            n_chunks += 1
        header = info()
        staged = {fmt: _writer(fmt)(spool / OUTPUT_SUFFIX[fmt], header, _spooled(spool, n_chunks))
                  for fmt in (formats if n_chunks else ())}
        files = {fmt: str(out_dir / OUTPUT_SUFFIX[fmt]) for fmt in staged}
        files["summary"] = str(out_dir / "summary.json")
        result = make_summary(files)
        write_json_atomic(spool / "summary.json", result)
        for fmt, path in staged.items():
            os.replace(path, files[fmt])
        os.replace(spool / "summary.json", out_dir / "summary.json")
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    return result
