"""Run-card text -> the values of its lines (the syntax is in :mod:`generator.cards`).

:func:`read_lines` splits a card into ``value = key ! comment`` lines (comment lines, blank lines and
``! comments`` dropped, a ``!`` inside quotes kept: :func:`strip_comment`) and reads each one at once, so a
problem is reported with its line:

- the value of a :class:`~generator.card_schema.RunConfig` field is read with the field's type
  (:func:`read_value`);
- the value of a process parameter is kept as text, for the card's process to read
  (:meth:`~generator.process_spec.Process.read_params`);
- a line without ``=``, a key without a value, a key given twice and an unknown key
  (:func:`generator.card_keys.unknown_key`: the nearest valid one) are refused.

The ranges and the checks across keys are the schema's (:mod:`generator.card_checks`), once every line is
read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from . import _schema
from .card_keys import param_names, unknown_key
from .card_schema import FIELD_BY_NAME, RunConfig
from .exceptions import CardError

__all__ = ["process_given", "read_lines", "read_value", "strip_comment"]


def read_value(key: str, value: Any) -> Any:
    """``value`` (card text or a Python value) read as the type of field ``key``.

    Raises
    ------
    pydantic.ValidationError
        For a bad value (:func:`generator._schema.first_problem` says why).
    """
    return _schema.adapter(_schema.field_types(RunConfig)[key]).validate_python(value)


def strip_comment(text: str) -> str:
    """Drop a ``! comment`` (a ``!`` inside quotes is kept)."""
    quote = None
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "!":
            return text[:i]
    return text


def process_given(values: Mapping[str, Any]) -> str | None:
    """The process named by the values read so far, if any."""
    process = values.get("process")
    return process if isinstance(process, str) else None


def read_lines(text: str, path: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, int]]:
    """Parse card text into converted values, the process parameters' texts (read later by the card's
    process) and the line of each key. A UTF-8 byte-order mark (Windows editors) is skipped."""
    values: dict[str, Any] = {}
    params: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        body = strip_comment(stripped).strip()
        if not body:
            continue  # a line holding only a ! comment
        if "=" not in body:
            raise CardError(path, number, None, f"line {body!r} has no '='", "a line 'value = key ! comment'")
        value_text, _, key_text = body.rpartition("=")
        key = key_text.strip().lower()
        value_text = value_text.strip()
        if not key:
            raise CardError(
                path, number, None, f"no key after '=' in {body!r}", "a line 'value = key ! comment'"
            )
        if key not in FIELD_BY_NAME and key not in param_names():
            raise unknown_key(path, number, key, process_given(values), FIELD_BY_NAME)
        if key in lines:
            raise CardError(
                path,
                number,
                key,
                f"{key} is given twice, on lines {lines[key]} and {number}",
                "each key once",
            )
        if key not in FIELD_BY_NAME:  # a process parameter: its process reads it (RunConfig)
            if not value_text:
                raise CardError(path, number, key, f"no value before '= {key}'", "a value")
            params[key] = value_text
            lines[key] = number
            continue
        f = FIELD_BY_NAME[key]
        if not value_text:
            raise CardError(path, number, key, f"no value before '= {key}'", f.metadata["expect"])
        try:
            values[key] = read_value(key, value_text)
        except ValidationError as exc:
            bad = _schema.first_problem(exc)
            raise CardError(path, number, key, f"{key} = {bad.problem}",
                            _schema.expected_text(bad, f.metadata["expect"])) from None
        lines[key] = number
    return values, params, lines
