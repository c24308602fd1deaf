"""Processes: each exposes a batch integrand over the unit hypercube (DESIGN.md rule 2)."""

from __future__ import annotations
