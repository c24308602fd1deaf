"""mudump geometry: materials, muon propagation, beams, experiments, decay-in-volume acceptance.

Units: GeV, metres (unless a name says otherwise, e.g. ``length_cm``).
"""

from __future__ import annotations
