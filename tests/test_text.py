"""The compiled number formatting of the LHE and HepMC3 writers (generator/output/_text.py) is Python's."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from generator.output._text import put_e16, put_int, put_int_width


@nb.njit
def _format_e16(x, space_sign):
    buf = np.empty(len(x) * 32, dtype=np.uint8)
    pos = 0
    for i in range(len(x)):
        pos = put_e16(buf, pos, x[i], space_sign)
        buf[pos] = 10
        pos += 1
    return buf[:pos]


@nb.njit
def _format_int(v, width):
    buf = np.empty(len(v) * 32, dtype=np.uint8)
    pos = 0
    for i in range(len(v)):
        pos = put_int(buf, pos, v[i]) if width == 0 else put_int_width(buf, pos, v[i], width)
        buf[pos] = 10
        pos += 1
    return buf[:pos]


def _doubles(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True).view(np.float64)  # every exponent
    physics = rng.normal(size=n) * np.exp(rng.normal(size=n) * 8)
    # doubles whose 17-digit decimal expansion ends in an exact tie (..5 at digit 18): round half even
    ties = (rng.integers(10**16, 10**17, 2000) * 2 + 1) / 20.0
    special = np.array([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e-300,
                        1e300, 1e16, 1e17, 1e22, 1e23, 0.1, 0.5, 1 / 3, 2 / 3, 9.999999999999999e22,
                        99999999999999999.0, 0.30102999566398120, np.pi, np.nextafter(1.0, 2.0),
                        np.nextafter(1.0, 0.0), np.nan, np.inf, -np.inf])
    return np.concatenate([bits, physics, ties, special, -special])


@pytest.mark.parametrize("space_sign", [False, True])
def test_e16_is_pythons_format(space_sign: bool) -> None:
    x = _doubles(100_000, seed=3)
    got = _format_e16(x, space_sign).tobytes().decode().split("\n")[:-1]
    spec = " .16e" if space_sign else ".16e"
    expected = [format(v, spec) for v in x.tolist()]
    bad = [(v, g, e) for v, g, e in zip(x.tolist(), got, expected) if g != e]
    assert not bad, f"{len(bad)} of {len(x)} differ, e.g. {bad[:3]}"
    finite = np.isfinite(x)
    np.testing.assert_array_equal(np.array([float(g) for g in got])[finite], x[finite])  # exact round trip


@pytest.mark.parametrize("width", [0, 3, 10])
def test_int_is_pythons_format(width: int) -> None:
    rng = np.random.default_rng(4)
    v = np.concatenate([rng.integers(-(2**63), 2**63 - 1, 5000, dtype=np.int64),
                        np.array([0, 1, -1, 9, 10, 99, 100, -100, 1000822070, 2**63 - 1, -(2**63)], dtype=np.int64)])
    got = _format_int(v, width).tobytes().decode().split("\n")[:-1]
    assert got == [format(int(i), f"{width}d" if width else "d") for i in v]
