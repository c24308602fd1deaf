"""numba for mudump's kernels, without the third-party numba extensions (issue 19).

numba runs every ``numba_extensions`` entry point of the environment before its first compilation or
cache load in a process: here awkward's (``awkward.numba``: imports awkward, 0.3 s) and vector's
(``vector.register_numba``: imports vector, which imports awkward and sympy, 0.7-1.2 s). That was a third
of ``mudump xsec``'s 3 s. mudump's kernels take and return numpy arrays and floats only, so they need
neither: importing this module (every module that defines a numba kernel does, before its first kernel
runs) marks numba's entry points as already loaded, unless something in the process has loaded them
already (then nothing changes).

awkward arrays still work in numba code of the same process (an ``ak.Array`` registers awkward's
extension itself when numba types it, through its ``_numba_type_``); vector objects inside numba functions
need :func:`load_numba_extensions` first (or ``vector.register_numba()``).
"""

from __future__ import annotations

from numba.core import entrypoints

__all__ = ["load_numba_extensions"]

# numba's own (private) flag "init_all() has run"; a numba without it loads its extensions as usual
_skipped = hasattr(entrypoints, "_already_initialized") and not entrypoints._already_initialized
if _skipped:
    entrypoints._already_initialized = True


def load_numba_extensions() -> None:
    """Run numba's third-party extension entry points now (vector's and awkward's numba support), as numba
    would have without this module; a no-op if they ran already."""
    global _skipped
    if _skipped:
        _skipped = False
        entrypoints._already_initialized = False
        entrypoints.init_all()
