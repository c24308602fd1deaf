"""MadGraph-style run cards -> one validated, typed, frozen :class:`RunConfig`.

Syntax (that of MadGraph's ``run_card.dat``)::

    # a comment line (``#`` as the first non-blank character)
      0.1       = mass           ! boson mass in GeV
      'Pb'      = target         ! quotes are optional for names
      1.6d2     = beam_energy    ! Fortran exponents (d/D) are accepted
      .true.    = decay          ! True/False, T/F, .true./.false. (any case)
      lhe, root = output_formats ! lists are comma separated
      none      = experiment     ! 'none' leaves an optional key unset

Each non-comment line is ``value = key``, with an optional ``! comment`` (a ``!`` inside quotes is
part of the value). Blank lines are ignored; keys are case-insensitive.

Precedence is card < CLI flags < Python keyword arguments (STYLE.md item 6); both of the latter reach
this module as keyword ``overrides`` to :func:`load_card`, and an override of a value that the card sets
logs an info line (it is what the user asked for).

Each process owns its parameters (:attr:`generator.process_spec.Process.params`, e.g. the LFV ALP's
``theta``): on a card they are ordinary ``value = key`` lines, read and range-checked by the card's process
into :attr:`RunConfig.params`; a parameter of another process is refused, naming the process it belongs to.

Errors are for people (DESIGN.md rule 10): every problem raises :class:`~generator.exceptions.CardError`
naming the file, the line, the key, the bad value and what is allowed (the nearest valid key for a
typo, the list of choices for a choice). Requests that are unphysical and can be judged from the card
alone are refused here too, before any work starts:

- ``mass`` at or above the kinematic limit. For ``mu N -> l' N X`` on a nucleus of mass ``M`` at rest
  the threshold is ``s = (M + m_X + m_l')^2``. The card does not know ``M`` (the material table does),
  so the card check uses the ``M -> infinity`` limit, ``m_X < E - m_l'``; that bound never refuses a
  physical request, and the plan applies the exact one (``Process.threshold_energy``).
- what the process itself refuses (``Process.validate``: e.g. a coupling the chosen model fixes),
  a process-specific key that the chosen process does not read, a model, method or form factor that
  the process does not have, and an approximate method (sigma(E) only) asked for events.

The lists of processes, models, methods and form factors are the registry's
(:mod:`generator.registry`); this module keeps no copy of them.

Whether an ``experiment`` or a ``target`` name exists is checked later by ``geometry`` (it needs the
data files); the card checks only that the name is well formed.

The modules behind these entry points, one job each:

- :mod:`generator.card_schema`: :class:`RunConfig`, each key's type, default, range, help and section;
- :mod:`generator.card_checks`: the declared ranges applied, and the checks across keys;
- :mod:`generator.card_parser`: card text -> the values of its lines, each read with its key's type;
- :mod:`generator.card_keys`: the refusal of an unknown key (the nearest valid one, mudump's name for it);
- :mod:`generator.card_writer`: a configuration written back as a documented card.

References: MadGraph5_aMC@NLO run_card format (arXiv:1405.0301); Batell et al., arXiv:2407.15942 (the
``m_chi = m_a/3``, ``g_chi = 1`` benchmark of Fig. 6).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ._hints import did_you_mean
from .card_keys import param_names, unknown_key
from .card_parser import process_given, read_lines, read_value
from .card_schema import ENERGY_LOSS_ALLOWED, FIELD_BY_NAME, OUTPUT_FORMATS_ALLOWED, RunConfig
from .card_writer import template_header
from .exceptions import CardError, CardFileError
from .grids import parse_couplings, parse_masses
from .registry import PROCESSES

__all__ = [
    "ENERGY_LOSS_ALLOWED",
    "OUTPUT_FORMATS_ALLOWED",
    "RunConfig",
    "load_card",
    "parse_card_text",
    "read_card_text",
    "template_card",
    "template_config",
]

logger = logging.getLogger(__name__)

#: Keys a card must give (``target``/``experiment`` and ``beam_energy`` are checked separately).
_REQUIRED = ("process", "model", "mass", "coupling")


def _build(
    values: dict[str, Any], params: dict[str, Any], lines: dict[str, int], path: str,
    overrides: Mapping[str, Any]
) -> RunConfig:
    """The :class:`RunConfig` of a card's values and the process parameters' texts, with the keyword
    ``overrides`` applied (a change logged), a scan card's mass and coupling taken from its grids, and the
    required keys checked."""
    for key, value in overrides.items():
        if key in FIELD_BY_NAME:
            changed = key in values and _changes(FIELD_BY_NAME[key], values[key], value)
            old = values.get(key)
            values[key] = value
        elif key in param_names():
            changed = key in params and str(params[key]) != str(value)
            old = params.get(key)
            params[key] = value
        else:
            raise unknown_key(f"{path} (keyword override)", None, key, process_given(values), FIELD_BY_NAME)
        if changed:  # an override is what the user asked for: said at info level, only on a change
            logger.info("%s:%d: %s = %r from the card is overridden by %r", path, lines[key], key, old, value)
        lines.pop(key, None)
    if "mass" not in values and values.get("scan_masses"):  # a scan card: mass and coupling from its grids
        values["mass"] = _grid_default(values["scan_masses"], parse_masses, lines.get("scan_masses"), path,
                                       "scan_masses")[0]
    if "coupling" not in values and values.get("scan_couplings"):
        g = _grid_default(values["scan_couplings"], parse_couplings, lines.get("scan_couplings"), path,
                          "scan_couplings")
        values["coupling"] = math.sqrt(g[0] * g[-1])
    missing = [k for k in _REQUIRED if k not in values]
    if values.get("target") is None and values.get("experiment") is None:
        missing.append("target or experiment")
        if values.get("beam_energy") is None:
            missing.append("beam_energy")
    elif values.get("experiment") is None and values.get("beam_energy") is None:
        missing.append("beam_energy")
    if missing:
        raise CardError(
            path,
            None,
            None,
            f"missing required key(s): {', '.join(missing)}",
            "process, model, mass, coupling, target or experiment, and beam_energy "
            "unless an experiment supplies it",
        )
    return RunConfig(**values, params=params, source_path=path, source_lines=lines)


def _grid_default(text: Any, parse: Any, line: int | None, path: str, key: str) -> tuple[float, ...]:
    try:
        return parse(str(text))
    except ValueError as exc:
        raise CardError(path, line, key, f"{key} = {exc}", FIELD_BY_NAME[key].metadata["expect"]) from None


def _changes(f: dataclasses.Field[Any], card_value: Any, override: Any) -> bool:
    """Whether ``override`` (a Python value or card-syntax string) differs from the card's value."""
    try:
        return bool(read_value(f.name, override) != card_value)
    except ValidationError:
        return True  # RunConfig reports the bad value


def read_card_text(path: str | PathLike[str]) -> str:
    """The text of the card file ``path``, or an error for people naming the path.

    Raises
    ------
    CardFileError
        The file does not exist, cannot be read, or is a directory (``OSError``).
    CardError
        The file is binary or not UTF-8 text (with the line of the first bad byte).
    """
    p = Path(path)
    remedy = "give the path of a run card (write one with: mudump card > my_run.dat)"
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise CardFileError(p, "no such file", remedy) from None
    except IsADirectoryError:
        raise CardFileError(p, "is a directory, not a run card", remedy) from None
    except NotADirectoryError:
        raise CardFileError(p, "no such file (a part of the path is a file)", remedy) from None
    except PermissionError:
        raise CardFileError(p, "cannot be read (permission denied)", "make it readable or copy it") from None
    except OSError as exc:
        raise CardFileError(p, f"cannot be read ({exc.strerror or exc})", remedy) from None
    if b"\0" in data:
        raise CardError(str(p), None, None, "is a binary file, not a run card",
                        "a text file of 'value = key ! comment' lines (mudump card writes one)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CardError(str(p), line, None, f"byte 0x{data[exc.start]:02x} is not UTF-8 text",
                        "a run card saved as UTF-8 (plain ASCII is fine)") from None


def parse_card_text(text: str, path: str = "<string>", **overrides: Any) -> RunConfig:
    """Parse run-card text into a validated :class:`RunConfig`.

    Parameters
    ----------
    text : str
        The card, ``value = key ! comment`` lines (see the module docstring).
    path : str, optional
        Name used in error messages.
    **overrides
        Card keys and values that take precedence over the card (a warning is logged for each
        value of the card that they replace).

    Returns
    -------
    RunConfig

    Raises
    ------
    CardError
        Naming ``path``, the line, the key, the bad value and what is allowed.

    >>> parse_card_text("scalar = process\\nleptophilic = model\\n0.1 = mass\\n"
    ...                 "5e-4 = coupling\\nPb = target\\n160 = beam_energy").beam_energy
    160.0
    """
    values, params, lines = read_lines(text, str(path))
    return _build(values, params, lines, str(path), overrides)


def load_card(path: str | PathLike[str], **overrides: Any) -> RunConfig:
    """Read a run card from ``path``; keyword ``overrides`` take precedence over it.

    Parameters
    ----------
    path : str or os.PathLike
        The card file.
    **overrides
        Card keys and values (Python values, or strings in card syntax); each one that replaces a
        value given in the card logs a warning.

    Returns
    -------
    RunConfig

    Raises
    ------
    CardError
        For a bad card or override (file, line, key, value, what is allowed), or a file that is binary
        or not UTF-8 text.
    CardFileError
        If ``path`` does not exist, cannot be read or is a directory (an ``OSError``).

    Example: ``load_card("cards/pb_160gev_scalar.dat", nevents=10).nevents`` is 10.
    """
    return parse_card_text(read_card_text(path), str(path), **overrides)


def template_config(process: str | None = None) -> RunConfig:
    """The configuration written by :func:`template_card`: the example point of ``process`` (default: the
    first registered process) from its spec (``Process.example``)."""
    name = process if process is not None else next(iter(PROCESSES))
    if name not in PROCESSES:
        raise CardError("mudump card", None, "process", f"process = {name!r} is not registered"
                        f"{did_you_mean(name, PROCESSES)}", f"one of {', '.join(PROCESSES)}")
    proc = PROCESSES[name]
    example = dict(proc.example)
    fields = {k: v for k, v in example.items() if k in FIELD_BY_NAME}
    params = {k: v for k, v in example.items() if k not in FIELD_BY_NAME}
    fields.setdefault("model", proc.models[0])
    return RunConfig(process=name, **fields, params=params, source_path="<template>")


def template_card(process: str | None = None) -> str:
    """A documented run card for ``process`` (default: the first registered): every key, with its meaning,
    unit and allowed values, the process's own parameters included.

    Returns
    -------
    str
        Card text that parses to :func:`template_config` (``parse_card_text(template_card())``).

    >>> parse_card_text(template_card()).process in PROCESSES
    True
    """
    config = template_config(process)
    return config.to_card(header=template_header(PROCESSES[config.process]))
