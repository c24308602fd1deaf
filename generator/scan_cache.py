r"""The on-disk cache of a sensitivity scan: mass samples and their counts, keyed by everything they depend on.

Each mass sample is stored on disk (pickle, written to ``<name>.<pid>.part`` then renamed) under the
SHA-256 of everything it depends on: the card as written by ``RunConfig.to_card`` at that mass and
reference coupling (process, model, experiment or target, beam, precision, VEGAS settings, seed, ...), the
number of events, the derived seed, the contents of a user's experiment TOML and flux file, the package
version and a fingerprint of the source and data files of ``generator/`` and ``geometry/`` that can change
a sample (the writers and the command line are left out). Any change of an input gives another key: the
old entry is simply not used. The counts on a coupling grid are cached beside it under the sample key and
the grid, so a rerun costs nothing and a finer coupling grid costs one reweighting.

Only the client (:func:`generator.scan.run_scan`) writes the cache, so a partial result never sits under a
final name.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from geometry.experiments import experiment_file

from ._version import __version__
from .cards import RunConfig

__all__ = ["ScanCache", "code_fingerprint", "counts_key", "default_cache_dir", "sample_key"]

logger = logging.getLogger("generator.scan")  # the scan's logger, as before the cache had its module

#: Parts of the package that cannot change a sample (writers, command line, reports); all else counts.
_NOT_IN_FINGERPRINT = ("generator/output/", "generator/cli.py", "generator/scan_command.py",
                       "generator/writing.py", "generator/rundir.py", "generator/progress.py",
                       "generator/summary.py", "generator/sensitivity.py")
_FINGERPRINT_SUFFIXES = (".py", ".toml", ".csv", ".txt", ".json", ".dat")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the source and data files of ``generator/`` and ``geometry/`` that can change a sample."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(__version__.encode())
    for pkg in ("generator", "geometry"):
        for path in sorted((root / pkg).rglob("*")):
            rel = path.relative_to(root).as_posix()
            if (path.suffix in _FINGERPRINT_SUFFIXES and path.is_file() and "__pycache__" not in rel
                    and not rel.startswith(_NOT_IN_FINGERPRINT)):
                h.update(rel.encode())
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _user_files(config: RunConfig) -> list[str]:
    """Hashes of the user's input files a sample depends on: an experiment TOML given by path, a flux file."""
    paths: dict[str | None, Path | None] = {
        config.flux_file: config.card_path(config.flux_file) if config.flux_file else None}
    if config.experiment:
        paths[config.experiment] = experiment_file(config.experiment, config.card_dir)
    out = []
    for name, path in paths.items():
        if path is None:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
        out.append(f"{name}:{digest}")
    return out


def sample_key(config: RunConfig, seed: int) -> str:
    """Cache key of a mass sample: SHA-256 of the card at that point and of every other input."""
    card = config.replace(output_dir="-").to_card(header="")
    text = json.dumps({"card": card, "seed": seed, "files": _user_files(config), "code": code_fingerprint()},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def counts_key(key: str, couplings: Sequence[float]) -> str:
    """Cache key of a sample's counts on a coupling grid."""
    return hashlib.sha256(key.encode() + np.asarray(couplings, dtype=float).tobytes()).hexdigest()


def default_cache_dir() -> Path:
    """``$MUDUMP_CACHE``, else ``$XDG_CACHE_HOME/mudump/scan``, else ``~/.cache/mudump/scan``."""
    if os.environ.get("MUDUMP_CACHE"):
        return Path(os.environ["MUDUMP_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mudump" / "scan"


class ScanCache:
    """Pickles under ``root/<key[:2]>/<key>.<kind>.pkl``, written atomically; ``root=None`` disables it."""

    def __init__(self, root: str | os.PathLike[str] | None) -> None:
        self.root = None if root is None else Path(root)

    def _path(self, key: str, kind: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.{kind}.pkl"

    def load(self, key: str, kind: str) -> Any:
        if self.root is None:
            return None
        path = self._path(key, kind)
        try:
            with path.open("rb") as f:
                return pickle.load(f)
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            logger.warning("scan cache: ignoring unreadable %s (%s)", path, exc)
            return None

    def store(self, key: str, kind: str, value: Any) -> None:
        if self.root is None:
            return
        path = self._path(key, kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f"{path.name}.{os.getpid()}.part")
        try:
            with part.open("wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
