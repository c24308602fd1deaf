"""The keys a run card may have, and the refusal of any other key (DESIGN.md rule 10).

A card's keys are the fields of :class:`~generator.card_schema.RunConfig` and the parameters of the card's
process (:attr:`generator.process_spec.Process.params`). Any other key is refused with a
:class:`~generator.exceptions.CardError` that says what to write instead:

- mudump's name for a key people write out of habit (MadGraph's ``ebeam``, a paper's ``g_mu``:
  :data:`KEY_HINTS`);
- the process whose parameter it is, when it belongs to another process (:func:`not_a_param`);
- the nearest valid key for a typo, else the list of valid keys (:func:`unknown_key`).

The functions take the configuration's card keys (``fields``) from their caller, so this module does not
import the schema that uses it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from ._hints import did_you_mean
from .exceptions import CardError
from .process_spec import Process
from .registry import PROCESSES

__all__ = ["KEY_HINTS", "not_a_param", "param_names", "unknown_key"]

#: Keys people write out of habit (MadGraph, papers) and the key mudump uses instead.
KEY_HINTS: Mapping[str, str] = MappingProxyType(
    {
        "g_mu": "coupling",
        "g_mutau": "coupling",
        "g": "coupling",
        "m_s": "mass",
        "m_a": "mass",
        "ebeam": "beam_energy",
        "ebeam1": "beam_energy",
        "iseed": "seed",
        "nevt": "nevents",
        "n_adapt": "nitn_adapt",
        "nitn": "nitn_adapt",
    }
)


def param_names() -> set[str]:
    """The parameters of every registered process."""
    return {name for p in PROCESSES.values() for name in p.param_names}


def not_a_param(
    path: str, line: int | None, key: str, process: Process, fields: Collection[str]
) -> CardError:
    """A key that is a parameter of other processes, or of none, on a card of ``process`` (``fields``: the
    configuration's card keys)."""
    owners = [p.name for p in PROCESSES.values() if key in p.param_names]
    mine = ", ".join(process.param_names) or "none"
    if owners:
        return CardError(path, line, key, f"{key} is a parameter of process {' and '.join(owners)}, not of "
                         f"{process.name!r}", f"a parameter of {process.name} ({mine}), or process = "
                         f"{' or '.join(owners)}")
    return unknown_key(path, line, key, process.name, fields)


def unknown_key(
    path: str, line: int | None, key: str, process: str | None, fields: Collection[str]
) -> CardError:
    """The refusal of ``key``, neither one of the configuration's card keys ``fields`` nor a parameter of
    ``process`` (None: the card names no process yet), at ``line`` of the card ``path``."""
    if process in PROCESSES and key in param_names() and key not in PROCESSES[process].param_names:
        return not_a_param(path, line, key, PROCESSES[process], fields)
    if key in KEY_HINTS:
        hint = KEY_HINTS[key]
        return CardError(path, line, key, f"unknown key {key!r}", f"{hint!r} (mudump's name for it)")
    known = [*fields, *(PROCESSES[process].param_names if process in PROCESSES else param_names())]
    hint = did_you_mean(key, known)
    if hint:
        nearest = hint.rstrip(")").lstrip(" (")
        return CardError(path, line, key, f"unknown key {key!r}", f"a valid key; {nearest}")
    return CardError(path, line, key, f"unknown key {key!r}", f"one of {', '.join(fields)}")
