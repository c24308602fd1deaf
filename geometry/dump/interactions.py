"""Hadron-nucleus interactions in the dump: sigma_hA from PythiaCascade, the interaction point, the nucleus.

The hadron-nucleus inelastic cross section sigma_hA comes from Pythia (``sigmaSetuphN`` then
``sigmahA``), so the interaction rate in slab k is mu_k = n_k sigma_hA(A_k) [1/m], n_k the number
density of nuclei. The interaction point is drawn from the optical depth tau(s) = sum_k mu_k s_k:
s_int = tau^{-1}(X), X ~ Exp(1) (:func:`interaction_point`; none if the hadron leaves the stack first).

pythia8mc 8.317: ``PythiaCascade::nCollAvg(A)`` interpolates between its tabulated nuclei
(:data:`TABULATED_A`) with an integer division ``A / tabA``, so for any other A the second term
vanishes and sigma_hA comes out too large (p Mo at 400 GeV: 1624 mb instead of about 1020; p W: 4150
instead of about 1590). Here the interpolation it intends is done in Python from the two bracketing
tabulated nuclei (:func:`nucleus_bracket`, :func:`collisions_per_nucleus`, :func:`sigma_ha`), and the
collision is generated on one of them, chosen with the interpolation weight
(:func:`collision_nucleus`), so that <n_coll> is interpolated too. With that, sigma_pA at 400 GeV
agrees with the PDG nuclear interaction lengths to 2 % (Fe, Cu, Mo, W, Pb).

Units: metres, millibarn for Pythia's cross sections.

References: T. Sjostrand, M. Utheim, Eur. Phys. J. C 82 (2022) 21 [arXiv:2108.03481] (PythiaCascade,
hadron-nucleus collisions in a medium); PDG, "Atomic and Nuclear Properties" (lambda_I).
"""

from __future__ import annotations

import itertools
from typing import Any

__all__ = [
    "TABULATED_A",
    "collision_nucleus",
    "collisions_per_nucleus",
    "interaction_point",
    "nucleus_bracket",
    "sigma_ha",
    "slab_at_path",
]

#: Nuclei of PythiaCascade's <n_coll>(sigma_hN) table (PythiaCascade.h, nCollAvg).
TABULATED_A: tuple[int, ...] = (1, 2, 4, 9, 12, 14, 16, 27, 40, 56, 63, 84, 107, 129, 197, 208)


def nucleus_bracket(a: float) -> tuple[int, int, float]:
    """The tabulated nuclei A1 <= a <= A2 of :data:`TABULATED_A` and the weight w1 = (A2 - a)/(A2 - A1).

    >>> nucleus_bracket(63.0)
    (63, 63, 1.0)
    >>> a1, a2, w1 = nucleus_bracket(95.95); (a1, a2, round(w1, 3))
    (84, 107, 0.48)
    """
    if not 1 <= a <= TABULATED_A[-1]:
        raise ValueError(f"A = {a} but require 1 <= A <= {TABULATED_A[-1]} (PythiaCascade's range)")
    for lo, hi in itertools.pairwise(TABULATED_A):
        if a == lo:
            return lo, lo, 1.0
        if lo < a < hi:
            return lo, hi, (hi - a) / (hi - lo)
    return TABULATED_A[-1], TABULATED_A[-1], 1.0


def collisions_per_nucleus(a: float, a1: int, a2: int, w1: float, n1: float, n2: float) -> float:
    """Mean number of hadron-nucleon collisions in a hadron-nucleus one, interpolated in A.

    ``<n>(A) = 1 + w1 (A/A1)^(2/3) (n1 - 1) + (1 - w1) (A/A2)^(2/3) (n2 - 1)``, the interpolation that
    PythiaCascade::nCollAvg intends (<n> - 1 ~ A^(2/3); Sjostrand & Utheim, EPJC 82 (2022) 21), from its
    tabulated values n1 = <n>(A1), n2 = <n>(A2). sigma_hA = A sigma_hN / <n>.

    >>> collisions_per_nucleus(63.0, 63, 63, 1.0, 2.7, 2.7)
    2.7
    """
    if a1 == a2:
        return n1
    return 1.0 + w1 * (a / a1) ** (2.0 / 3.0) * (n1 - 1.0) + (1.0 - w1) * (a / a2) ** (2.0 / 3.0) * (n2 - 1.0)


def sigma_ha(cascade: Any, a: float, bracket: tuple[int, int, float]) -> float:
    """sigma_hA [mb] of the hadron set up in ``cascade`` (PythiaCascade, after ``sigmaSetuphN``) on a
    nucleus of molar mass ``a``, interpolated in A between the nuclei of ``bracket``
    (:func:`nucleus_bracket`)."""
    a1, a2, w1 = bracket
    if a1 == a2:
        return float(cascade.sigmahA(a1))
    n = collisions_per_nucleus(a, a1, a2, w1, cascade.nCollAvg(a1), cascade.nCollAvg(a2))
    return a * float(cascade.sigmahA(1)) / n


def interaction_point(lengths: list[float], mu_int: list[float], x: float) -> float | None:
    """Path length [m] at which the optical depth sum mu_k l_k reaches x (an Exp(1) variate), or None if
    the path ends first.

    >>> interaction_point([1.0, 1.0], [0.0, 2.0], 1.0)
    1.5
    """
    s = 0.0
    for length, mu in zip(lengths, mu_int):
        depth = mu * length
        if x < depth:
            return s + x / mu
        x -= depth
        s += length
    return None


def slab_at_path(segs: list[tuple[float, int]], s: float) -> int:
    """Slab index of the segment (length, slab) of ``segs`` that holds the path length ``s`` [m].

    >>> slab_at_path([(1.0, 0), (2.0, -1), (1.0, 1)], 3.5)
    1
    """
    for length, i in segs:
        if s < length:
            return i
        s -= length
    return segs[-1][1]


def collision_nucleus(z: int, a_g_mol: float, bracket: tuple[int, int, float], u: float) -> tuple[int, int]:
    """(Z, A) of the tabulated nucleus a collision in a material (``z``, ``a_g_mol``) is generated on.

    A is A1 of ``bracket`` if ``u < w1`` else A2; Z keeps the material's Z/A, between 1 and A.

    >>> collision_nucleus(42, 95.95, (84, 107, 0.48), 0.9)
    (47, 107)
    """
    a1, a2, w1 = bracket
    a_pick = a1 if u < w1 else a2
    z_pick = max(1, min(a_pick, round(z * a_pick / a_g_mol)))
    return z_pick, a_pick
