"""Event writers (LHE, ROOT, HepMC3): read the event schema only, write atomically."""

from __future__ import annotations
