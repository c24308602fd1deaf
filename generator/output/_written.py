"""What a writer returns: the file it wrote, its events, its size and the format's own figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Written"]


@dataclass(frozen=True)
class Written:
    """What a writer wrote: the file (its final name, or the complete ``<name>.part`` a writer called
    with ``rename=False`` leaves for its caller), the events in it, its size in bytes, and the format's
    own figures (``details``: the ``n_events`` and, e.g., LHE's IDWTUP and XMAXUP or the FairShip events
    dropped), which ``summary.json`` lists under ``output``."""

    path: Path
    n_events: int
    n_bytes: int
    details: Mapping[str, Any]

    @classmethod
    def of(cls, path: Path, **details: Any) -> Written:
        """The record of the complete file at ``path`` with ``details`` (``n_events`` among them)."""
        return cls(path, int(details["n_events"]), path.stat().st_size, details)
