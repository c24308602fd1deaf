"""A configuration written as a run card: one documented ``value = key ! comment`` line per key.

:meth:`RunConfig.to_card <generator.card_schema.RunConfig.to_card>` and ``mudump card`` (the template card,
headed by :func:`template_header`) write with :func:`card_text`. The keys come in the schema's order, grouped
in its sections, the card's process's own parameters right after ``coupling``; each line's comment is the
field's ``help`` and ``expect`` (its metadata). Each value is written in the card syntax that reads back to
it (:func:`format_value`: free text is quoted when, unquoted, it would read differently), so
``parse_card_text(cfg.to_card()) == cfg``.

The configuration is read through its dataclass fields, so this module does not import the schema (which
writes with it).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import TYPE_CHECKING, Any

from . import _schema
from ._schema import QUOTED
from .process_spec import Process
from .registry import PROCESSES

if TYPE_CHECKING:
    from .card_schema import RunConfig

__all__ = ["SECTION_TITLES", "card_text", "format_param", "format_value", "template_header"]

#: The title of each section of a card, in the order of the schema's fields.
SECTION_TITLES = {
    "physics": "Physics: process, model, mass [GeV] and couplings",
    "beam": "Target and beam (give target OR experiment)",
    "generation": "Generation: events, integration (VEGAS), methods",
    "scan": "Sensitivity scan (mudump scan): grids in mass and coupling, models, experiments, count level",
    "output": "Output",
}


def format_param(value: Any) -> str:
    """A process parameter's value in card syntax."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "True" if value else "False"
    return repr(value) if isinstance(value, float) else str(value)


def format_value(kind: Any, value: Any) -> str:
    """``value`` of a field of type ``kind`` (its annotated type) in card syntax, the text the field's type
    reads back to ``value``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return ", ".join(value)
    if QUOTED in getattr(kind, "__metadata__", ()) and (
        type(None) not in typing.get_args(kind.__origin__) or _schema.needs_quotes(value)
    ):  # free text: always quoted, or (optional text, e.g. a path) when unquoted it would read differently
        quote = "'" if "'" not in value else '"'
        return f"{quote}{value}{quote}"
    return str(value)


def card_text(config: RunConfig, header: str | None = None) -> str:
    """The run card of ``config``, ``header`` on top as ``#`` comment lines (None: where the configuration
    came from)."""
    out: list[str] = []
    if header is None:
        header = f"mudump run card (written from {config.source_path})"
    out.extend(f"# {h}".rstrip() for h in header.splitlines())
    kinds = _schema.field_types(type(config))
    section = None
    for f in dataclasses.fields(config):
        meta = f.metadata
        if "section" not in meta:
            continue  # provenance, and the process's parameters (written after coupling)
        if meta["section"] != section:
            section = meta["section"]
            out.append("#" + "-" * 99)
            out.append(f"# {SECTION_TITLES[section]}")
            out.append("#" + "-" * 99)
        value = format_value(kinds[f.name], getattr(config, f.name))
        out.append(f"  {value:<18} = {f.name:<17} ! {meta['help']}; {meta['expect']}")
        if f.name == "coupling":  # the process's own parameters follow its coupling
            for p in PROCESSES[config.process].params:
                value = format_param(config.params[p.name])
                unit = f" [{p.unit}]" if p.unit else ""
                note = f"; method = {p.method} only" if p.method else ""
                out.append(f"  {value:<18} = {p.name:<17} ! {p.help}{unit}{note}; {p.expect}")
    return "\n".join(out) + "\n"


def template_header(process: Process) -> str:
    """The header of the documented template card of ``process`` (``mudump card``): the process, its models,
    methods and form factors, the other processes, and the card syntax in short."""
    others = [p for p in PROCESSES if p != process.name]
    other_cards = f"Other processes: {', '.join(others)} (mudump card --process NAME writes their card).\n"
    return (
        f"mudump run card for process {process.name}: {process.description}.\n"
        f"Models: {', '.join(process.models)}; methods: {', '.join(process.methods)}; form factors: "
        f"{', '.join(process.form_factors)}.\n"
        + (other_cards if others else "")
        + "'value = key ! comment' per line; '#' starts a comment line.\n"
        "Units: GeV for masses and energies, radians for angles. 'none' leaves an optional key unset.\n"
        "Give target OR experiment (e.g. na64mu, from geometry/experiments/<name>.toml).\n"
        "Booleans: True/False, T/F, .true./.false.; numbers may use Fortran exponents (1.6d2).\n"
        "Write it with: mudump card > my_run.dat"
    )
