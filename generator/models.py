"""The models of the new bosons: kept here for ``from generator.models import ...``; they live with their
processes in :mod:`generator.processes.models` (each process owns its models, DESIGN.md rule 2)."""

from __future__ import annotations

from .processes.models import *
from .processes.models import __all__  # noqa: F401
