"""The experiment file's layout against the schema's: the mapping each way, and errors named as the file writes them.

The classes of :mod:`geometry.experiment_schema` are the schema, one per TOML table; the file's layout
differs from them in three places, handled here and nowhere else:

* ``[cuts.production]`` / ``[cuts.daughters]`` are the fields ``production_cuts`` / ``daughter_cuts`` of the
  top table (:class:`~geometry.experiment_schema.Experiment`);
* the keys a process declares (``Process.experiment_keys``, :func:`process_keys`) sit in those tables and in
  ``[efficiency]``, but go to ``Experiment.process_keys`` (validated with their declared range and unit),
  and only there (:mod:`geometry.experiments`, "Process keys");
* an elliptic shape writes its semi-axes ``semi_x`` / ``semi_y``, stored as ``half_x`` / ``half_y``, and a
  shape without transverse size (``slab``, ``none``, ``unbounded``) takes neither.

:func:`build_experiment` maps a TOML-shaped mapping to the schema and validates it,
:func:`experiment_to_dict` maps an experiment back. A problem raises :class:`ExperimentError` (a
``ValueError``, never a ``pydantic.ValidationError``) whose message names the file, the dotted key as
the file writes it (e.g. ``cuts.daughters.signature``, ``decay_volume.semi_x``) and what was expected; an
unknown key is reported with the nearest valid key (:func:`generator._hints.did_you_mean`), a missing
one with a near unknown key that may be its typo (:func:`error_from`, also used for a table built in
Python with a bad value).

This module knows the schema's classes only by their fields (the top table holds the ``[cuts.*]``
tables, a decay volume or detector plane has a ``shape`` and half-widths), so that the schema can name
its errors with it without an import cycle.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from generator import _schema
from generator._hints import did_you_mean, nearest
from generator._schema import toml_float

if TYPE_CHECKING:
    from generator.process_spec import ExperimentKey
    from geometry.experiment_schema import Experiment

__all__ = ["ExperimentError", "Shapes", "build_experiment", "error_from", "experiment_to_dict", "process_keys"]


class ExperimentError(ValueError):
    """An experiment file (or dictionary) that does not describe a valid experiment.

    The message reads ``"{file}: {key}: {problem}; expected {expected}"``; the parts are kept as
    attributes for a CLI or a test.

    Parameters
    ----------
    file : str
        The TOML file, or ``"<dict>"`` when built from a mapping.
    key : str or None
        Dotted key path, e.g. ``"decay_volume.z_end"`` or ``"detector.planes[2].z"``.
    problem : str
        What is wrong, including the offending value.
    expected : str
        What is allowed (type, range, choices, nearest valid key).

    >>> str(ExperimentError("x.toml", "target.length", "length = -1.0 m is negative", "a number > 0 (m)"))
    'x.toml: target.length: length = -1.0 m is negative; expected a number > 0 (m)'
    """

    def __init__(self, file: str, key: str | None, problem: str, expected: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.expected = expected
        what = problem if key is None else f"{key}: {problem}"
        super().__init__(f"{self.file}: {what}; expected {expected}")

    def __reduce__(self) -> tuple[type[ExperimentError], tuple[str, str | None, str, str]]:
        return (type(self), (self.file, self.key, self.problem, self.expected))


def process_keys() -> dict[str, ExperimentKey]:
    """The keys the registered processes declare for experiment files (``Process.experiment_keys``), by
    dotted key: validated here, kept in ``Experiment.process_keys``, applied only by their process
    (:mod:`geometry.experiments`, "Process keys")."""
    from generator.registry import PROCESSES  # the registry decides; geometry keeps no list of processes

    out: dict[str, ExperimentKey] = {}
    for proc in PROCESSES.values():
        for key in proc.experiment_keys:
            out.setdefault(key.dotted, key)
    return out


#: Fields of the top table that the file writes elsewhere: field -> (table path of the file).
_CUTS: dict[str, tuple[str, ...]] = {"production_cuts": ("cuts", "production"), "daughter_cuts": ("cuts", "daughters")}
#: Fields of the top table that the loader fills; a file never writes them.
_LOADER_FIELDS = ("process_keys", "path")
#: The table (field path) of each table a process key may sit in.
_KEY_TABLES = {"cuts.production": "production_cuts", "cuts.daughters": "daughter_cuts", "efficiency": "efficiency"}
#: Transverse keys each shape takes (others are unknown keys); semi_* are stored as half_*.
_TRANSVERSE: dict[str, tuple[str, ...]] = {
    "box": ("half_x", "half_y"), "elliptic_cylinder": ("semi_x", "semi_y"), "slab": (),
    "ellipse": ("semi_x", "semi_y"), "unbounded": (), "none": (),
}
_ALL_TRANSVERSE = ("half_x", "half_y", "semi_x", "semi_y")


class Shapes(dict[tuple[Any, ...], str]):
    """The shape of each decay volume or plane of a file, by its location in the schema."""


def _field_names(cls: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _is_top(cls: Any) -> bool:
    """Whether the schema class ``cls`` is the file's top table (:class:`~geometry.experiment_schema.Experiment`):
    the one holding the tables the file writes as ``[cuts.production]`` and ``[cuts.daughters]``."""
    return dataclasses.is_dataclass(cls) and all(name in _field_names(cls) for name in _CUTS)


def _is_shaped(cls: Any) -> bool:
    """Whether the schema class ``cls`` is a decay volume or a detector plane: a part whose transverse
    keys follow its ``shape`` (half-widths, semi-axes or none)."""
    return dataclasses.is_dataclass(cls) and {"shape", "half_x", "half_y"} <= set(_field_names(cls))


# ----------------------------------------------------------------------------------------------------
# From the TOML layout to the schema
# ----------------------------------------------------------------------------------------------------


def build_experiment(cls: type[Experiment], data: Mapping[str, Any], file: str) -> Experiment:
    """Validate a TOML-shaped mapping (the file's layout) and build the top table ``cls``.

    Raises
    ------
    ExperimentError
        Naming ``file``, the dotted key as the file writes it and what was expected.
    """
    fields, shapes = _fields_from_toml(data, file, cls)
    try:
        return _adapter(cls).validate_python(fields)
    except ValidationError as exc:
        raise error_from(exc, file, shapes, cls) from None


def _fields_from_toml(data: object, file: str, root: type[Experiment]) -> tuple[dict[str, Any], Shapes]:
    """The file's top-level table as the fields of ``root`` (see the module docstring), and the shapes
    met (to name the keys back in errors)."""
    if not isinstance(data, Mapping):
        raise ExperimentError(file, None, f"got {type(data).__name__} {data!r}", "a table")
    top = dict(data)
    shapes = Shapes()
    for reserved in (*_LOADER_FIELDS, *_CUTS):
        if reserved in top:
            raise _unknown(file, (), reserved, shapes, root)
    if "cuts" not in top:
        raise _missing(file, (), "cuts", top)
    cuts = top.pop("cuts")
    if not isinstance(cuts, Mapping):
        raise ExperimentError(file, "cuts", f"got {type(cuts).__name__} {cuts!r}", "a table")
    for name in cuts:
        if name not in ("production", "daughters"):
            raise _unknown(file, ("cuts",), name, shapes, root)
    if "daughters" not in cuts:
        raise _missing(file, ("cuts",), "daughters", cuts)
    top["production_cuts"] = cuts.get("production", {})
    top["daughter_cuts"] = cuts["daughters"]
    top["process_keys"] = _take_process_keys(top, file)

    volume = top.get("decay_volume")
    if isinstance(volume, Mapping):
        top["decay_volume"] = _transverse(file, ("decay_volume",), volume, None, shapes, root)
    detector = top.get("detector")
    if isinstance(detector, Mapping) and isinstance(detector.get("planes"), list):
        planes = [
            _transverse(file, ("detector", "planes", i), p, "box", shapes, root) if isinstance(p, Mapping) else p
            for i, p in enumerate(detector["planes"])
        ]
        top["detector"] = {**detector, "planes": planes}
    return top, shapes


def _take_process_keys(top: dict[str, Any], file: str) -> dict[str, float]:
    """The process keys set in the tables of ``top`` (fields of the schema), validated with their declared
    range and unit, by dotted key; removed from their tables (in place)."""
    found: dict[str, float] = {}
    for dotted, key in process_keys().items():
        table, name = dotted.rsplit(".", 1)
        field_name = _KEY_TABLES.get(table)
        if field_name is None:
            continue
        values = top.get(field_name)
        if isinstance(values, Mapping) and name in values:
            values = dict(values)
            value = values.pop(name)
            top[field_name] = values
            try:
                found[dotted] = _schema.adapter(toml_float(key.kind, key.unit)).validate_python(value)
            except ValidationError as exc:
                bad = _schema.first_problem(exc)
                raise ExperimentError(file, dotted, bad.problem.replace("value", name, 1),
                                      bad.expected or "a number") from None
    return found


def _transverse(file: str, loc: tuple[Any, ...], table: Mapping[str, Any], default: str | None,
                shapes: Shapes, root: type[Experiment]) -> dict[str, Any]:
    """``table`` with its semi-axes stored as half-widths. A decay volume (``default`` None) of a real
    shape needs z_start and z_end; a shape needs its transverse keys and refuses the others."""
    out = dict(table)
    shape = out.get("shape", default)
    if shape not in _TRANSVERSE:
        return out  # the schema names the bad shape
    shapes[loc] = shape
    if shape == "none":
        for name in out:
            if name not in ("shape", "source"):
                raise _unknown(file, loc, name, shapes, root)
        return out
    if default is None:
        for name in ("z_start", "z_end"):
            if name not in out:
                raise _missing(file, loc, name, out)
    for name in _TRANSVERSE[shape]:
        if name not in out:
            raise _missing(file, loc, name, out)
    for name in _ALL_TRANSVERSE:
        if name in out and name not in _TRANSVERSE[shape]:
            raise _unknown(file, loc, name, shapes, root)
    for semi, half in (("semi_x", "half_x"), ("semi_y", "half_y")):
        if semi in out:
            out[half] = out.pop(semi)
    return out


# ----------------------------------------------------------------------------------------------------
# Errors, named as the file writes them
# ----------------------------------------------------------------------------------------------------


def _toml_loc(loc: tuple[Any, ...], shapes: Shapes) -> tuple[Any, ...]:
    """A location in the schema as the file writes it (``production_cuts`` -> ``cuts.production``,
    ``half_x`` of an elliptic shape -> ``semi_x``)."""
    if loc and loc[0] in _CUTS:
        loc = (*_CUTS[loc[0]], *loc[1:])
    if len(loc) >= 1 and loc[-1] in ("half_x", "half_y") and _TRANSVERSE.get(shapes.get(loc[:-1], ""), ("",))[0] == "semi_x":
        loc = (*loc[:-1], "semi" + loc[-1][4:])
    return loc


def _dotted(loc: tuple[Any, ...]) -> str:
    return _schema.Problem(tuple(loc), "value", "", None).dotted or ""


def _class_at(loc: tuple[Any, ...], root: Any) -> Any:
    """The schema class of the table at ``loc`` (a location in the file's layout, from ``root``), or
    None for the ``[cuts]`` table."""
    names = tuple(p for p in loc if isinstance(p, str))
    if _is_top(root) and names == ("cuts",):
        return None
    if _is_top(root) and names[:1] == ("cuts",):
        names = ({v: k for k, v in _CUTS.items()}[names[:2]], *names[2:])
    cls: Any = root
    for name in names:
        hints = typing.get_type_hints(cls)
        kind = hints.get(name)
        args = typing.get_args(kind)
        cls = args[0] if args and dataclasses.is_dataclass(args[0]) else kind
        if not dataclasses.is_dataclass(cls):
            return None
    return cls


def _keys_at(loc: tuple[Any, ...], shapes: Shapes, root: Any) -> list[str]:
    """The keys the table at ``loc`` (file layout, from ``root``) may hold."""
    cls = _class_at(loc, root)
    if cls is None:
        return ["production", "daughters"]
    keys = _field_names(cls)
    if _is_top(cls):
        keys = [k for k in keys if k not in (*_CUTS, *_LOADER_FIELDS)] + ["cuts"]
    table = _dotted(loc) if _is_top(root) else None
    keys += [d.rsplit(".", 1)[1] for d in process_keys() if d.rsplit(".", 1)[0] == table]
    schema_loc = tuple(loc)
    shape = shapes.get(schema_loc)
    if _is_shaped(cls):
        keys = [k for k in keys if k not in ("half_x", "half_y")]
        keys += list(_TRANSVERSE.get(shape or "", ("half_x", "half_y")))
        if shape == "none":
            keys = ["shape", "source"]
    return keys


def _unknown(file: str, loc: tuple[Any, ...], name: str, shapes: Shapes, root: Any) -> ExperimentError:
    allowed = _keys_at(loc, shapes, root)
    hint = did_you_mean(name, allowed, cutoff=0.5, show=lambda k: _dotted((*loc, k)))
    return ExperimentError(file, _dotted((*loc, name)), f"unknown key{hint}",
                           f"valid keys here: {', '.join(sorted(set(allowed)))}")


def _missing(file: str, loc: tuple[Any, ...], name: str, present: object) -> ExperimentError:
    key = _dotted((*loc, name))
    typo = nearest(name, present, n=1, cutoff=0.6) if isinstance(present, Mapping | list) else []
    hint = f" (found '{_dotted((*loc, typo[0]))}': a typo?)" if typo else ""
    return ExperimentError(file, key, "missing key", f"a value for '{key}'{hint}")


def error_from(exc: ValidationError, file: str, shapes: Shapes, root: Any) -> ExperimentError:
    """The :class:`ExperimentError` of the first problem pydantic found in a ``root`` (a schema class),
    named as the file writes it when ``root`` is the file's top table."""
    top = _is_top(root)
    found = _schema.problems(exc)
    first = found[0]
    loc = _toml_loc(first.loc, shapes) if top else first.loc
    key = _dotted(loc)
    if first.kind == "missing":
        unknown = [str(p.loc[-1]) for p in found
                   if p.kind == "unknown" and (_toml_loc(p.loc[:-1], shapes) == loc[:-1] or not top)]
        return _missing(file, loc[:-1], str(loc[-1]), unknown)
    if first.kind == "unknown":
        return _unknown(file, loc[:-1], str(loc[-1]), shapes, root)
    if first.kind == "array":
        return ExperimentError(file, key, first.problem, f"an array of tables [[{key}]]")
    return ExperimentError(file, key or None, first.problem, first.expected or "a valid value")


# ----------------------------------------------------------------------------------------------------
# Back to the TOML layout
# ----------------------------------------------------------------------------------------------------


def experiment_to_dict(e: Experiment) -> dict[str, Any]:
    """The schema's own dump (None left out), laid out as the file: the inverse of
    :func:`build_experiment`."""
    out: dict[str, Any] = _adapter(type(e)).dump_python(e, exclude_none=True)
    own = out.pop("process_keys")
    out.pop("path", None)
    out["cuts"] = {"production": out.pop("production_cuts"), "daughters": out.pop("daughter_cuts")}
    parts = [out["decay_volume"], *out["detector"].get("planes", ())]
    for part in parts:
        if _TRANSVERSE[part["shape"]][:1] == ("semi_x",):
            for half, semi in (("half_x", "semi_x"), ("half_y", "semi_y")):
                if half in part:
                    part[semi] = part.pop(half)
    if out["decay_volume"]["shape"] == "none":
        out["decay_volume"] = {"shape": "none", "source": out["decay_volume"]["source"]}
    if not out["detector"]["planes"]:
        del out["detector"]["planes"]
    if not out["exposure"]["alternatives"]:
        del out["exposure"]["alternatives"]
    _lists(out)
    for dotted, value in own.items():  # back into their tables
        *tables, key = dotted.split(".")
        node = out
        for name in tables:
            node = node.setdefault(name, {})
        node[key] = value
    return out


def _lists(node: Any) -> Any:
    """Tuples as lists, in place (TOML arrays)."""
    if isinstance(node, dict):
        for k, v in node.items():
            node[k] = _lists(v)
        return node
    if isinstance(node, (list, tuple)):
        return [_lists(v) for v in node]
    return node


_ADAPTERS: dict[type[Experiment], TypeAdapter[Experiment]] = {}


def _adapter(cls: type[Experiment]) -> TypeAdapter[Experiment]:
    """The (cached) pydantic adapter of the top table ``cls``: validates and dumps a whole experiment."""
    if cls not in _ADAPTERS:
        _ADAPTERS[cls] = TypeAdapter(cls)
    return _ADAPTERS[cls]
