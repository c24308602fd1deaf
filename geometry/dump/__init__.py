"""Simulated proton dumps: the hadronic cascade of the beam protons and the muons it makes.

``layout``        the dump's blocks from an experiment's ``[dump]`` table (:class:`DumpGeometry`)
``cascade``       the Pythia 8 ``PythiaCascade`` shower with forced muonic decays (:func:`simulate_batch`)
``pythia_setup``  the lazy Pythia import, its setup file, and a batch's two Pythia instances
``interactions``  hadron-nucleus interactions: sigma_hA interpolated in A, interaction point, nucleus
``decays``        hadron -> muon decays: muonic branching fractions and the forced-decay weights
``transport``     muon transport through the blocks: CSDA energy loss + Highland scattering
``flux``          batches, summary numbers, thinning, the flux file and its provenance

Pythia 8 (the ``pythia`` extra, ``pip install 'mudump[pythia]'``) is needed by ``cascade`` only, and
imported lazily by ``pythia_setup``. ``mudump flux EXPERIMENT --protons N`` (``generator/flux_command.py``)
drives it.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "CascadeResult",
    "CascadeSettings",
    "DumpGeometry",
    "FluxSummary",
    "Transported",
    "batches",
    "geometry_hash",
    "highland_theta0",
    "read_provenance",
    "simulate_batch",
    "summarise",
    "thin",
    "transport_muons",
    "write_flux_csv",
]

_WHERE = {
    "CascadeResult": "cascade", "CascadeSettings": "cascade", "simulate_batch": "cascade",
    "DumpGeometry": "layout", "geometry_hash": "layout",
    "Transported": "transport", "highland_theta0": "transport", "transport_muons": "transport",
    "FluxSummary": "flux", "batches": "flux", "read_provenance": "flux", "summarise": "flux", "thin": "flux",
    "write_flux_csv": "flux",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
