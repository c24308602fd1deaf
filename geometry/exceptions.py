"""Exceptions raised by :mod:`geometry`.

Domain errors subclass the matching builtin, so ``except KeyError`` keeps working, and their messages
name the bad value and what is allowed (STYLE.md item 12).

References: scikit-hep/particle ``exceptions.py`` (pattern).
"""

from __future__ import annotations

from generator._hints import did_you_mean

__all__ = ["UnknownMaterial"]


class UnknownMaterial(KeyError):
    """A material name that is not in ``geometry/data/materials.toml`` (a ``KeyError``).

    The message names the bad value, suggests the nearest names and lists the available materials.

    >>> raise UnknownMaterial("unobtainium", ["lead", "tungsten"])
    Traceback (most recent call last):
    ...
    geometry.exceptions.UnknownMaterial: unknown material 'unobtainium'; available: lead, tungsten
    """

    def __init__(self, name: str, available: list[str] | tuple[str, ...]) -> None:
        self.name = name
        self.available = tuple(available)
        names = [a.split(" (")[0] for a in self.available]  # entries may read "lead (Pb)"
        hint = did_you_mean(str(name).lower(), names, n=3)
        super().__init__(f"unknown material {name!r}{hint}; available: {', '.join(self.available)}")

    def __str__(self) -> str:  # KeyError would repr() the message; show it plainly
        return str(self.args[0])

    def __reduce__(self) -> tuple[type[UnknownMaterial], tuple[str, tuple[str, ...]]]:
        return (type(self), (self.name, self.available))
