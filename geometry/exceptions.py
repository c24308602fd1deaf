"""Exceptions raised by :mod:`geometry`: the project's own classes (one leaf, :mod:`generator.exceptions`).

Domain errors subclass the matching builtin, so ``except KeyError`` keeps working, and their messages
name the bad value and what is allowed (STYLE.md item 12).
"""

from __future__ import annotations

from generator.exceptions import UnknownMaterial

__all__ = ["UnknownMaterial"]
