"""Process modules, one per process (DESIGN.md rule 2): kernels, approximations and the process spec.

* :mod:`~generator.processes.scalar_brems` — exact |M|^2 kernels of l N -> l' N X (spinor amplitudes);
* :mod:`~generator.processes.ww`, :mod:`~generator.processes.iww` — the (improved) WW approximations;
* :mod:`~generator.processes.scalar` — the spec of mu N -> mu N S.

The registry itself is :mod:`generator.registry`; ``Process``, ``PROCESSES``, ``SCALAR`` and
``get_process`` are re-exported here lazily (PEP 562), so importing a kernel module loads no spec.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Process": "generator.process_spec",
    "PROCESSES": "generator.registry",
    "get_process": "generator.registry",
    "register": "generator.registry",
    "SCALAR": "generator.processes.scalar",
}

__all__ = ["PROCESSES", "SCALAR", "Process", "get_process", "register"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
