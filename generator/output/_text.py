r"""Vectorised text formatting for the LHE and HepMC3 writers (numba, whole chunks at a time).

Formatting a number with Python costs ~0.8 us (``f"{x:.16e}"``, ``repr``, ``ndarray.astype(str)`` all
alike), and an event has ~60 numbers: that caps a Python writer at ~2e4 events/s. These kernels write
a whole chunk of events into one ``uint8`` buffer in compiled code, without the GIL (the writers run
in threads), at ~50 ns per number.

``put_e16`` writes exactly what Python's ``format(x, ".16e")`` writes (17 significant digits,
correctly rounded, at least two exponent digits, ``nan``/``inf``), so a read-back reproduces the
double exactly. The 17 digits are ``D = round(|x| 10^s)`` with ``s = 16 - floor(log10|x|)``,
computed in double-double arithmetic (the exact product's error term from one fused multiply-add,
10^s as a pair of doubles from exact rationals)::

    x 10^s = p + e   (|e| <= ulp(p)/2 + |x| lo_s),   D = floor(p) + round_half_even(p - floor(p) + e)

which is exact when 10^s is a double (0 <= s <= 22, where decimal ties can occur, so ties round to
even like C's printf) and correct to ~2^-100 relative otherwise, where a tie is impossible;
:func:`tests.test_text` checks it against Python on a million doubles, subnormals and extremes included.

The binary exponent of x comes from its bits and the digit kernel is inlined (issue 19: 50 -> 40 ns a
number, about 2.3 us of an NA64-mu event's LHE or HepMC3 text).

References
----------
T. J. Dekker, "A floating-point technique for extending the available precision", Numer. Math. 18
(1971) 224 (TwoProduct by splitting); D. E. Knuth, TAOCP vol. 2, section 4.2.2.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numba as nb
import numpy as np
from numba import types
from numba.extending import intrinsic

from generator import _jit  # noqa: F401  (numba without awkward's and vector's extensions)

__all__ = ["as_bytes", "put_bytes", "put_e16", "put_int", "put_int_width", "reused_buffer"]

_S_MIN = -300
_S_MAX = 345


def _pow10_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """10^s (times a power of two that keeps both factors normal) as hi + lo doubles, and 2^k for x."""
    n = _S_MAX - _S_MIN + 1
    hi, lo, scale = np.empty(n), np.empty(n), np.empty(n)
    for i, s in enumerate(range(_S_MIN, _S_MAX + 1)):
        k = 200 if s > 290 else (-200 if s < -280 else 0)  # x tiny: scale x up, 10^s down; x huge: reverse
        exact = Fraction(10) ** s * Fraction(2) ** (-k)
        hi[i] = float(exact)
        lo[i] = float(exact - Fraction(hi[i]))
        scale[i] = 2.0**k
    return hi, lo, scale


_P10_HI, _P10_LO, _P10_SCALE = _pow10_tables()
#: float(10^k) for k = -330 .. 310 (10^k rounded; the digit count check corrects a miss at a boundary)
_P10_FLOOR_MIN = -330
_P10_FLOOR = np.array([float(Fraction(10) ** k) if k <= 308 else np.inf for k in range(_P10_FLOOR_MIN, 311)])
_E16 = 10**16
_E17 = 10**17
_PAIRS = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode(), dtype=np.uint8).copy()


def reused_buffer(cache: list[np.ndarray] | None, size: int) -> np.ndarray:
    """A ``uint8`` buffer of at least ``size`` bytes: the one in ``cache`` if big enough (a writer that
    writes each chunk's text before formatting the next reuses it: no fresh pages to fault in and zero,
    ~0.2 us an event), else a new one (kept in ``cache``); ``cache`` None: always a new one."""
    if cache is None:
        return np.empty(size, dtype=np.uint8)
    if not cache or cache[0].shape[0] < size:
        cache[:] = [np.empty(size, dtype=np.uint8)]
    return cache[0]


def as_bytes(text: str) -> np.ndarray:
    """ASCII text as a ``uint8`` array (for the fixed fragments the kernels copy)."""
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8).copy()


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c with one rounding (LLVM's llvm.fma: the FMA instruction, or libm's exact fma)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


@intrinsic
def _bits(typingctx, x):
    """The IEEE 754 bit pattern of a double, as an int64."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


@nb.njit(cache=True, nogil=True, inline="always")
def _digits(ax: float, s: int) -> int:
    """round_half_even(ax * 10^s) as an integer (ax > 0 finite, s in the table)."""
    i = s - _S_MIN
    xs = ax * _P10_SCALE[i]
    b = _P10_HI[i]
    p = xs * b
    e: float = _fma(xs, b, -p)  # type: ignore[call-arg]  # a numba intrinsic (typingctx is numba's); exact: xs b = p + e
    e += xs * _P10_LO[i]
    fp_ = np.floor(p)
    t = (p - fp_) + e
    ft = np.floor(t)
    frac = t - ft
    d = np.int64(fp_) + np.int64(ft)
    if frac > 0.5 or (frac == 0.5 and (d & 1) == 1):
        d += 1
    return d


@nb.njit(cache=True, nogil=True, inline="always")
def _decimal_exponent(ax: float) -> int:
    """floor(log10(ax)) for ax > 0, off by one at worst (the caller checks the digit count)."""
    e2 = ((_bits(ax) >> 52) & 0x7FF) - 1022  # type: ignore[call-arg]  # numba intrinsic; ax = f 2^e2, 0.5 <= f < 1
    if e2 == -1022:  # subnormal: frexp normalises
        _, e2 = math.frexp(ax)
    e10 = int(np.floor((e2 - 1) * 0.30102999566398120))
    if e10 + 1 - _P10_FLOOR_MIN < _P10_FLOOR.shape[0] and ax >= _P10_FLOOR[e10 + 1 - _P10_FLOOR_MIN]:
        e10 += 1
    return e10


@nb.njit(cache=True, nogil=True)
def put_bytes(buf: np.ndarray, pos: int, text: np.ndarray) -> int:
    """Copy ``text`` (uint8) to ``buf[pos:]``; return the new position."""
    for j in range(text.shape[0]):
        buf[pos + j] = text[j]
    return pos + text.shape[0]


@nb.njit(cache=True, nogil=True)
def put_int(buf: np.ndarray, pos: int, value: int) -> int:
    """Write ``str(value)`` (a 64-bit integer); return the new position."""
    v = np.int64(value)
    if v < 0:
        buf[pos] = 45  # '-'
        pos += 1
        u = np.uint64(-(v + 1)) + np.uint64(1)  # also right for the most negative int64
    else:
        u = np.uint64(v)
    n = 1
    t = u // np.uint64(10)
    while t > 0:
        n += 1
        t //= np.uint64(10)
    for j in range(n - 1, -1, -1):
        buf[pos + j] = 48 + np.uint8(u % np.uint64(10))
        u //= np.uint64(10)
    return pos + n


@nb.njit(cache=True, nogil=True)
def put_int_width(buf: np.ndarray, pos: int, value: int, width: int) -> int:
    """Write ``format(value, f"{width}d")`` (right-aligned, space-padded); return the new position."""
    end = put_int(buf, pos, value)
    n = end - pos
    if n >= width:
        return end
    shift = width - n
    for j in range(n - 1, -1, -1):
        buf[pos + shift + j] = buf[pos + j]
    for j in range(shift):
        buf[pos + j] = 32
    return pos + width


@nb.njit(cache=True, nogil=True, inline="always")
def put_e16(buf: np.ndarray, pos: int, x: float, space_sign: bool) -> int:
    """Write ``format(x, ".16e")`` (``" .16e"`` if ``space_sign``); return the new position."""
    if np.signbit(x) and not math.isnan(x):  # Python prints a NaN without its sign
        buf[pos] = 45  # '-'
        pos += 1
    elif space_sign:
        buf[pos] = 32
        pos += 1
    ax = abs(x)
    if math.isnan(ax):
        buf[pos], buf[pos + 1], buf[pos + 2] = 110, 97, 110  # nan
        return pos + 3
    if ax == np.inf:
        buf[pos], buf[pos + 1], buf[pos + 2] = 105, 110, 102  # inf
        return pos + 3
    if ax == 0.0:
        d = np.int64(0)
        e10 = 0
    else:
        e10 = _decimal_exponent(ax)
        s = 16 - e10
        d = _digits(ax, s)
        if d >= _E17:
            e10 += 1
            d = _digits(ax, s - 1)
        elif d < _E16:
            e10 -= 1
            d = _digits(ax, s + 1)
        if d >= _E17:  # rounded up to the next power of ten
            e10 += 1
            d = np.int64(_E16)
    # mantissa d.dddddddddddddddd: 8 + 8 digits from two 32-bit halves, two digits at a time
    du = np.uint64(d)
    lo = np.uint32(du % np.uint64(100_000_000))
    hi = np.uint32(du // np.uint64(100_000_000))  # 1 + 8 digits
    for j in (16, 14, 12, 10):
        r = lo % np.uint32(100)
        lo //= np.uint32(100)
        buf[pos + j] = _PAIRS[2 * r]
        buf[pos + j + 1] = _PAIRS[2 * r + 1]
    for j in (8, 6, 4, 2):
        r = hi % np.uint32(100)
        hi //= np.uint32(100)
        buf[pos + j] = _PAIRS[2 * r]
        buf[pos + j + 1] = _PAIRS[2 * r + 1]
    buf[pos] = 48 + np.uint8(hi)
    buf[pos + 1] = 46  # '.'
    pos += 18
    buf[pos] = 101  # 'e'
    buf[pos + 1] = 43 if e10 >= 0 else 45
    pos += 2
    a = abs(e10)
    if a >= 100:
        buf[pos] = 48 + np.uint8(a // 100)
        pos += 1
        a %= 100
    buf[pos] = 48 + np.uint8(a // 10)
    buf[pos + 1] = 48 + np.uint8(a % 10)
    return pos + 2
