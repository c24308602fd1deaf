"""What a writer returns: the file it wrote, its events, its size and the format's own figures."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Written"]


@dataclass(frozen=True)
class Written:
    """What a writer wrote: the file where its bytes are (``path``: the complete ``<final>.part`` of a
    staged file, or ``final`` once committed), the events in it, its size in bytes, and the format's own
    figures (``details``: the ``n_events`` and, e.g., LHE's IDWTUP and XMAXUP or the FairShip events
    dropped), which ``summary.json`` lists under ``output``."""

    path: Path
    final: Path
    n_events: int
    n_bytes: int
    details: Mapping[str, Any]

    @classmethod
    def staged(cls, part: Path, final: Path, **details: Any) -> Written:
        """The record of the complete file ``part``, to be committed to ``final``, with ``details``
        (``n_events`` among them)."""
        return cls(part, final, int(details["n_events"]), part.stat().st_size, details)

    @property
    def committed(self) -> bool:
        return self.path == self.final

    def commit(self) -> Written:
        """Move the staged file to its final name (atomic on one file system); the committed record."""
        if not self.committed:
            os.replace(self.path, self.final)
        return dataclasses.replace(self, path=self.final)
