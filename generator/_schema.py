"""The declarative schema machinery shared by run cards and experiment files (pydantic v2).

A configuration class (:class:`generator.cards.RunConfig`, the tables of
:mod:`geometry.experiments`) is a frozen, slotted ``pydantic.dataclasses.dataclass`` with
``extra="forbid"``; each field's type says how a value is read, e.g. ``mass: CardFloat``. The types
here are ``Annotated[T, BeforeValidator(...)]`` that turn what a person writes into ``T``:

================  ==========================================================================
``CardFloat``     ``160``, ``1.6d2`` (Fortran exponent), ``1e-3``; finite; not a bool
``CardInt``       ``100``, ``1e4`` (an integral float); not a bool
``CardBool``      ``True/False``, ``T/F``, ``.true./.false.`` (any case)
``card_choice``   a name, stripped and lower-cased, optionally one of fixed choices
``CardName``      a well-formed name (letters, digits, ``_.+-``), e.g. ``Pb``
``CardText``      free text or a path (an ``os.PathLike`` becomes ``str``); written quoted
``card_list``     ``lhe, root``: a non-empty list of distinct choices, as a tuple
``optional(T)``   also ``none``/``null`` (any case) or None -> None
``toml_float``    a TOML number (int or float, not bool, not nan) -> float, within a range
                  (finite, positive, non-negative, unit interval, any)
``TomlStr``       a TOML string; ``toml_choice(...)`` one of fixed values; ``toml_strings(...)``
                  an array of strings; ``TomlInt`` an integer (not a bool)
================  ==========================================================================

A type checker needs a static alias, ``Annotated[<type>, <reader>]``: the readers of the parametrised
types (:func:`choice`, :func:`int_choice`, :func:`name_list`, :func:`or_none`) build one, e.g.
``Annotated[str | None, or_none(CardName)]`` is ``optional(CardName)``. :func:`field_types` gives a
schema class's annotated field types (to read one value with :func:`adapter`, or to write it back).

A bad value raises a :class:`pydantic_core.PydanticCustomError` of type ``"mudump"`` whose context holds
the ``problem`` (with the offending value) and optionally what is ``expected``; :func:`first_problem`
turns a :class:`pydantic.ValidationError` into one :class:`Problem` (its key path, its kind, the
problem and what is expected) that each module maps to its own error type (``CardError`` with the
card line, ``ExperimentError`` with the dotted key). :func:`raising` makes a class's constructor raise
that error type instead of a ``ValidationError``.

Leaf module: pydantic, the standard library and :mod:`generator._hints` only (``geometry`` may import
it).

References: pydantic v2 documentation, "Validators" (``BeforeValidator``) and "Dataclasses"
(https://docs.pydantic.dev/2.5/concepts/).
"""

from __future__ import annotations

import functools
import math
import numbers
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, ConfigDict, TypeAdapter, ValidationError, ValidationInfo
from pydantic_core import ArgsKwargs, PydanticCustomError

from ._hints import did_you_mean

__all__ = [
    "QUOTED",
    "SCHEMA_CONFIG",
    "CardBool",
    "CardFloat",
    "CardInt",
    "CardName",
    "CardText",
    "Invalid",
    "Missing",
    "Problem",
    "TomlInt",
    "TomlStr",
    "adapter",
    "bad",
    "card_choice",
    "card_int",
    "card_list",
    "choice",
    "expected_text",
    "field_types",
    "first_problem",
    "int_choice",
    "name_list",
    "needs_quotes",
    "optional",
    "or_none",
    "problems",
    "raising",
    "toml_choice",
    "toml_float",
    "toml_strings",
    "unquote",
]

#: The pydantic configuration of every schema class: unknown keys are refused.
SCHEMA_CONFIG = ConfigDict(extra="forbid")

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
_FORTRAN_FLOAT_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))[dD]([+-]?\d+)$")
_TRUE = frozenset({"true", ".true.", "t"})
_FALSE = frozenset({"false", ".false.", "f"})
_NONE = frozenset({"none", "null"})


class _Quoted:
    """Marker in a field's ``Annotated`` metadata: the value is free text, written quoted in a card."""

    def __repr__(self) -> str:
        return "QUOTED"


QUOTED = _Quoted()


def bad(problem: str, expected: str | None = None) -> PydanticCustomError:
    """The error a value validator raises: ``problem`` names the bad value; ``expected`` (optional)
    replaces or, starting with ``" ("``, extends what the field documents as allowed."""
    return PydanticCustomError("mudump", "{problem}", {"problem": problem, "expected": expected})


def unquote(text: str) -> str:
    """``text`` stripped, without one pair of enclosing quotes (``'Pb'`` -> ``Pb``)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def needs_quotes(text: str) -> bool:
    """Whether card text must be quoted to read back as ``text``: a ``!`` (comment), a quote or an outer
    space, an empty text, or ``none``/``null`` (which read as None)."""
    return (not text or text != text.strip() or any(c in text for c in "!'\"")
            or text.lower() in _NONE)


def _number(text: str) -> float:
    fortran = _FORTRAN_FLOAT_RE.match(text)
    if fortran:
        text = f"{fortran.group(1)}e{fortran.group(2)}"
    return float(text)


def _name_of(info: ValidationInfo | None) -> str:
    return (info.field_name if info is not None else None) or "value"


# --------------------------------------------------------------------------------------------------
# card syntax (MadGraph run cards): strings in card syntax and Python values alike
# --------------------------------------------------------------------------------------------------
def _required(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str):
        value = unquote(value)
    if value is None:
        raise bad(f"{_name_of(info)} has no value")
    return value


def _card_float(value: Any, info: ValidationInfo) -> float:
    shown = repr(value)
    value = _required(value, info)
    if isinstance(value, str):
        try:
            value = _number(value)
        except ValueError:
            raise bad(f"{shown} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad(f"{shown} is not a number")
    value = float(value)
    if not math.isfinite(value):
        raise bad(f"{shown} is not finite")
    return value


def _card_int(value: Any, info: ValidationInfo) -> int:
    shown = repr(value)
    value = _required(value, info)
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            try:  # 1e4, 1d4
                number = _number(value)
            except ValueError:
                raise bad(f"{shown} is not an integer") from None
            if not (math.isfinite(number) and number == int(number)):
                raise bad(f"{shown} is not an integer") from None
            value = int(number)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise bad(f"{shown} is not an integer")
    return int(value)


def _card_bool(value: Any, info: ValidationInfo) -> bool:
    shown = repr(value)
    value = _required(value, info)
    if isinstance(value, str):
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    if isinstance(value, bool):
        return value
    raise bad(f"{shown} is not a boolean", " (also T/F, .true./.false.)")


def _card_name(value: Any, info: ValidationInfo) -> str:
    shown = repr(value)
    value = _required(value, info)
    if not isinstance(value, str) or not NAME_RE.match(value.strip()):
        raise bad(f"{shown} is not a valid name")
    return value.strip()


def _card_text(value: Any, info: ValidationInfo) -> str:
    shown = repr(value)
    value = _required(value, info)
    if isinstance(value, PathLike):
        return str(Path(value))
    if not isinstance(value, str):
        raise bad(f"{shown} is not a string")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any, ValidationInfo], str]:
    def check(value: Any, info: ValidationInfo) -> str:
        shown = repr(value)
        value = _required(value, info)
        if not isinstance(value, str):
            raise bad(f"{shown} is not a name")
        value = value.strip().lower()
        if choices and value not in choices:
            raise bad(f"{shown} is not allowed")
        return value

    return check


def _int_choice(choices: tuple[int, ...]) -> Callable[[Any, ValidationInfo], int]:
    def check(value: Any, info: ValidationInfo) -> int:
        shown = repr(value)
        number = _card_int(value, info)
        if choices and number not in choices:
            raise bad(f"{shown} is not allowed")
        return number

    return check


def _list(choices: tuple[str, ...]) -> Callable[[Any, ValidationInfo], tuple[str, ...]]:
    def check(value: Any, info: ValidationInfo) -> tuple[str, ...]:
        shown = repr(value)
        value = _required(value, info)
        items: list[Any]
        if isinstance(value, str):
            items = [unquote(item) for item in value.split(",")]
        elif isinstance(value, (list, tuple)):
            items = list(value)
        else:
            raise bad(f"{shown} is not a list")
        if not all(isinstance(i, str) for i in items):
            raise bad(f"{shown} is not a list of names")
        items = [i.strip().lower() for i in items]
        if not items or any(not i for i in items):
            raise bad(f"{shown} has an empty entry")
        wrong = [i for i in items if i not in choices]
        if wrong:
            raise bad(f"{', '.join(wrong)} not allowed in {shown}")
        if len(set(items)) != len(items):
            raise bad(f"{shown} repeats an entry")
        return tuple(items)

    return check


def _or_none(check: Callable[..., Any]) -> Callable[[Any, ValidationInfo], Any]:
    def maybe(value: Any, info: ValidationInfo) -> Any:
        if value is None or (isinstance(value, str) and unquote(value).lower() in _NONE):
            return None
        return check(value, info)

    return maybe


CardFloat = Annotated[float, BeforeValidator(_card_float)]
CardInt = Annotated[int, BeforeValidator(_card_int)]
CardBool = Annotated[bool, BeforeValidator(_card_bool)]
CardName = Annotated[str, BeforeValidator(_card_name)]
CardText = Annotated[str, BeforeValidator(_card_text), QUOTED]


# The readers of the parametrised card types, for a static alias a type checker accepts (e.g.
# ``Annotated[str | None, or_none(CardName)]``); the functions after them build the same types at run time
# (e.g. a process parameter's ``kind``).
def choice(*choices: str) -> BeforeValidator:
    """The reader of :func:`card_choice`."""
    return BeforeValidator(_choice(tuple(choices)))


def int_choice(*choices: int) -> BeforeValidator:
    """The reader of :func:`card_int`."""
    return BeforeValidator(_int_choice(tuple(choices)))


def name_list(*choices: str) -> BeforeValidator:
    """The reader of :func:`card_list`."""
    return BeforeValidator(_list(tuple(choices)))


def or_none(kind: Any) -> BeforeValidator:
    """The reader of ``optional(kind)``: ``none``/``null`` (any case) or None -> None, else ``kind``'s reader."""
    checks = [m for m in kind.__metadata__ if isinstance(m, BeforeValidator)]
    return BeforeValidator(_or_none(checks[0].func))


def card_choice(*choices: str) -> Any:
    """A name, stripped and lower-cased; one of ``choices`` when they are given (else checked later,
    e.g. against the process registry)."""
    return Annotated[str, choice(*choices)]


def card_int(*choices: int) -> Any:
    """An integer (card syntax), one of ``choices``."""
    return Annotated[int, int_choice(*choices)]


def card_list(*choices: str) -> Any:
    """A comma-separated (or Python) list of distinct entries of ``choices``, as a tuple."""
    return Annotated[tuple[str, ...], name_list(*choices)]


def optional(kind: Any) -> Any:
    """``kind`` (one of the card types above) or None, written ``none`` or ``null`` (any case)."""
    rest = [m for m in kind.__metadata__ if not isinstance(m, BeforeValidator)]
    args = (kind.__origin__ | None, or_none(kind), *rest)
    return Annotated[args]


# --------------------------------------------------------------------------------------------------
# TOML values (already typed by the TOML parser: only the range is left to check)
# --------------------------------------------------------------------------------------------------
_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "finite": (math.isfinite, "a finite number ({unit})"),
    "positive": (lambda v: math.isfinite(v) and v > 0, "a finite number > 0 ({unit})"),
    "nonnegative": (lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0 ({unit})"),
    "unit_interval": (lambda v: 0 <= v <= 1, "a number in [0, 1]"),
    "any": (lambda v: True, "a number ({unit})"),
}


@functools.cache
def toml_float(check: str = "finite", unit: str = "m") -> Any:
    """A TOML number (not a bool, not nan) as a float, within the range ``check``: ``finite``,
    ``positive``, ``nonnegative``, ``unit_interval`` or ``any`` (inf allowed); ``unit`` is named in
    the message."""
    ok, expected = _RANGES[check]

    def number(value: Any, info: ValidationInfo) -> float:
        name = _name_of(info)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad(f"got {type(value).__name__} {value!r}", f"a number ({unit})")
        value = float(value)
        if math.isnan(value):
            raise bad(f"{name} = nan", f"a number ({unit})")
        if not ok(value):
            sign = "negative" if value < 0 else "out of range"
            raise bad(f"{name} = {value} {unit} is {sign}".replace("  ", " "), expected.format(unit=unit))
        return value

    return Annotated[float, BeforeValidator(number)]


def _toml_str(value: Any) -> str:
    if not isinstance(value, str):
        raise bad(f"got {type(value).__name__} {value!r}", "a string")
    return value


def _toml_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"got {type(value).__name__} {value!r}", "an integer (PDG id)")
    return value


TomlStr = Annotated[str, BeforeValidator(_toml_str)]
TomlInt = Annotated[int, BeforeValidator(_toml_int)]


@functools.cache
def toml_choice(*choices: str) -> Any:
    """A TOML string, one of ``choices`` (exact case), with the nearest choice named when it is not."""

    def check(value: Any) -> str:
        value = _toml_str(value)
        if value not in choices:
            raise bad(f"unknown value {value!r}{did_you_mean(value, choices)}", f"one of {', '.join(choices)}")
        return value

    return Annotated[str, BeforeValidator(check)]


@functools.cache
def toml_strings(*choices: str) -> Any:
    """A TOML array of strings (entries among ``choices`` when given), as a tuple."""

    def check(value: Any) -> tuple[str, ...]:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise bad(f"got {value!r}", "a list of strings")
        for v in value:
            if choices and v not in choices:
                raise bad(f"unknown entry {v!r}", f"entries from {', '.join(choices)}")
        return tuple(value)

    return Annotated[tuple[str, ...], BeforeValidator(check)]


# --------------------------------------------------------------------------------------------------
# from a ValidationError to the project's error
# --------------------------------------------------------------------------------------------------
class Invalid(ValueError):
    """Raised by a cross-field check (``__post_init__``) of a nested schema class: ``key`` (relative to
    the class, e.g. ``"z_end"`` or ``"planes[2].name"``) is wrong. pydantic reports it at the class's
    location, and :func:`first_problem` joins the two."""

    def __init__(self, key: str, problem: str, expected: str | None = None) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem
        self.expected = expected


class Missing(Invalid):
    """A key that the values of other keys make required (e.g. ``beam.energy`` unless the beam is a
    flux file) is not given."""

    def __init__(self, key: str) -> None:
        super().__init__(key, "missing key")


@dataclass(frozen=True)
class Problem:
    """The first error of a :class:`pydantic.ValidationError`, in the project's terms."""

    loc: tuple[str | int, ...]
    """Where: field names and list indices from the outermost class, e.g. ``("detector", "planes", 2, "z")``."""
    kind: str
    """``"unknown"`` (a key the schema does not have), ``"missing"`` (a required key not given),
    ``"value"`` (a bad value) or ``"raised"`` (a cross-field check raised :attr:`error`)."""
    problem: str
    """What is wrong, with the offending value."""
    expected: str | None
    """What is allowed, when the validator said it (else the field's documentation says it)."""
    error: BaseException | None = None
    """For ``kind == "raised"``: the project error a cross-field check raised."""

    @property
    def key(self) -> str | None:
        """The last name of :attr:`loc` (the field), or None at the top level."""
        names = [p for p in self.loc if isinstance(p, str)]
        return names[-1] if names else None

    @property
    def dotted(self) -> str | None:
        """:attr:`loc` written as a dotted key, e.g. ``"detector.planes[2].z"``."""
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or None


_UNKNOWN = ("unexpected_keyword_argument", "extra_forbidden")
_MISSING = ("missing", "missing_keyword_only_argument", "missing_argument")


def problems(exc: ValidationError) -> list[Problem]:
    """Every error of ``exc`` as a :class:`Problem`, in pydantic's order (fields in declaration order,
    then the unknown keys of each table)."""
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        ctx = err.get("ctx") or {}
        kind = err["type"]
        error = ctx.get("error")
        shown = err["input"]
        if kind in _UNKNOWN:
            out.append(Problem(loc, "unknown", f"unknown key {loc[-1]!r}", None))
        elif kind in _MISSING:
            out.append(Problem(loc, "missing", "missing key", None))
        elif kind == "value_error" and isinstance(error, Missing):
            out.append(Problem((*loc, error.key), "missing", "missing key", None))
        elif kind == "value_error" and isinstance(error, Invalid):
            out.append(Problem((*loc, error.key), "value", error.problem, error.expected))
        elif kind == "value_error" and isinstance(error, Exception) and not loc:
            out.append(Problem(loc, "raised", str(error), None, error))
        elif kind == "mudump":
            out.append(Problem(loc, "value", ctx["problem"], ctx.get("expected")))
        elif kind in ("dataclass_type", "dataclass_args_type", "model_type", "dict_type"):
            out.append(Problem(loc, "table", f"got {type(shown).__name__} {shown!r}", "a table"))
        elif kind in ("tuple_type", "list_type"):
            out.append(Problem(loc, "array", f"got {type(shown).__name__}", None))
        elif isinstance(shown, ArgsKwargs):
            out.append(Problem(loc, "value", err["msg"], None))
        else:
            out.append(Problem(loc, "value", f"got {type(shown).__name__} {shown!r} ({err['msg'].lower()})", None))
    return out


def first_problem(exc: ValidationError) -> Problem:
    """The first error of ``exc`` as a :class:`Problem`."""
    return problems(exc)[0]


def expected_text(problem: Problem, documented: str) -> str:
    """What is allowed: the validator's own words, the field's ``documented`` text extended by them
    (``" (...)"``), or the ``documented`` text alone."""
    if problem.expected is None:
        return documented
    if problem.expected.startswith(" ("):
        return documented + problem.expected
    return problem.expected


_T = TypeVar("_T")


def raising(
    translate: Callable[[ValidationError, tuple[Any, ...], dict[str, Any]], Exception],
) -> Callable[[type[_T]], type[_T]]:
    """Class decorator: the constructor raises ``translate(exc, args, kwargs)`` (the project's error)
    instead of a :class:`pydantic.ValidationError`; an error raised by ``__post_init__`` (the
    cross-field checks) comes out as itself."""

    def decorate(cls: type[_T]) -> type[_T]:
        validated_init = cls.__init__

        @functools.wraps(validated_init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            try:
                validated_init(self, *args, **kwargs)
            except ValidationError as exc:
                found = first_problem(exc)
                if found.kind == "raised" and found.error is not None:
                    raise found.error from None
                raise translate(exc, args, kwargs) from None

        cls.__init__ = __init__  # type: ignore[method-assign]  # the wrapped constructor, on purpose
        return cls

    return decorate


@functools.cache
def adapter(kind: Any) -> TypeAdapter[Any]:
    """A (cached) :class:`pydantic.TypeAdapter` of one field type, to read a single value."""
    return TypeAdapter(kind)


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """The annotated type of each field of the schema class ``cls`` (with its ``Annotated`` metadata),
    cached."""
    types = _FIELD_TYPES.get(cls)
    if types is None:
        types = _FIELD_TYPES[cls] = typing.get_type_hints(cls, include_extras=True)
    return types
