"""The registry of processes: name -> :class:`~generator.process_spec.Process` (DESIGN.md rule 2).

Cards, the CLI, the run and :func:`generator.cross_section` read this registry; no other module keeps
a list of processes, models, methods or form factors. A new process is one module under
:mod:`generator.processes` and one :func:`register` call (here for the shipped ones, or at run time for a
user's own process, as ``tests/test_seam.py`` does with a toy process defined in the test file).

>>> sorted(PROCESSES)
['lfv_alp', 'scalar', 'zprime']
>>> get_process("scalar").methods
('exact', 'ww', 'iww')
"""

from __future__ import annotations

from ._hints import did_you_mean
from .process_spec import REGISTERED, Process
from .processes.lfv_alp import LFV_ALP
from .processes.scalar import SCALAR
from .processes.zprime import ZPRIME

__all__ = ["PROCESSES", "get_process", "register", "unregister"]

#: All processes by name.
PROCESSES: dict[str, Process] = REGISTERED


def register(process: Process) -> Process:
    """Add ``process`` to the registry (its name must be new); returns it."""
    if process.name in PROCESSES and PROCESSES[process.name] is not process:
        raise ValueError(f"process {process.name!r} is already registered")
    PROCESSES[process.name] = process
    return process


def unregister(name: str) -> None:
    """Remove a process added with :func:`register` (for tests and plug-ins)."""
    PROCESSES.pop(name, None)


def get_process(name: str) -> Process:
    """Look up a process by name; the error lists the registered names."""
    try:
        return PROCESSES[name]
    except KeyError:
        raise ValueError(f"process = {name!r}{did_you_mean(name, PROCESSES)} but require one of "
                         f"{sorted(PROCESSES)}") from None


register(SCALAR)
register(LFV_ALP)
register(ZPRIME)
