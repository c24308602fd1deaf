"""Hadron -> muon decays in the dump: muonic branching fractions and the forced-decay weights.

What a particle id means to the cascade comes from Pythia's particle table (:class:`Species`): its
mass and c tau_0, whether it is a hadron and can decay, B_mu (the summed branching fraction of its
channels with a muon, :func:`muon_branching`) and whether its full decay can give a hadron.

A hadron with decay rate mu_d = m / (|p| c tau_0) [1/m] on a path through segments k (length l_k,
starting after a path s_k and an optical depth tau_k, interaction rate mu_k) decays before it
interacts or leaves with probability (:func:`decay_probability`)::

    P_dec = sum_k  mu_d / (mu_d + mu_k) * exp(-mu_d s_k - tau_k) * (1 - exp(-(mu_d + mu_k) l_k))

Its forced muon record has the weight ``w * P_dec * B_mu``, at a decay point drawn from that density
(:func:`decay_distance`: segment k with probability P_k / P_dec, then a truncated exponential of rate
mu_d + mu_k inside it, :func:`truncated_exponential`). See :mod:`geometry.dump.cascade` for how the
cascade uses them.

Units: metres, GeV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MUONIC_PARENT_CANDIDATES",
    "Species",
    "decay_distance",
    "decay_probability",
    "muon_branching",
    "muonic_parents",
    "species_of",
    "truncated_exponential",
]

#: Positive ids of the particles (hadrons and tau) whose muonic decay channels are forced, if Pythia's
#: table gives them one.
MUONIC_PARENT_CANDIDATES: tuple[int, ...] = (
    15, 211, 321, 130, 310, 221, 113, 223, 333, 331, 443, 100443, 411, 421, 431, 4122, 4132, 4232, 4332, 3122,
    3112, 3312, 511, 521, 531, 553,
)
#: Ids that never decay in the cascade: (anti)protons, (anti)neutrons and muons.
_STABLE = (2212, -2212, 2112, -2112, 13, -13)


def muon_branching(particle_data: Any, pid: int) -> float:
    """B_mu of ``pid``: the summed branching fraction of its channels with a muon in Pythia's table."""
    entry = particle_data.particleDataEntryPtr(abs(pid))
    total = mu = 0.0
    for i in range(entry.sizeChannels()):
        ch = entry.channel(i)
        total += ch.bRatio()
        if any(abs(ch.product(j)) == 13 for j in range(ch.multiplicity())):
            mu += ch.bRatio()
    return mu / total if total > 0 else 0.0


def muonic_parents(particle_data: Any) -> list[int]:
    """Positive ids of the particles (hadrons and tau) with a muonic decay channel in Pythia's table."""
    return [pid for pid in MUONIC_PARENT_CANDIDATES if muon_branching(particle_data, pid) > 0]


@dataclass(frozen=True, slots=True)
class Species:
    """What the cascade needs to know about a particle id (from Pythia's particle table)."""

    m0: float
    ctau_mm: float
    hadron: bool
    can_decay: bool
    br_mu: float
    natural_matters: bool  # its full decay can give a hadron (else only leptons/photons)


def species_of(particle_data: Any, pid: int, forced_ids: list[int]) -> Species:
    """The :class:`Species` of ``pid``; B_mu is zero unless ``abs(pid)`` is one of ``forced_ids``."""
    pd = particle_data
    can = bool(pd.canDecay(pid)) and pid not in _STABLE
    entry = pd.particleDataEntryPtr(abs(pid))
    natural = False
    for i in range(entry.sizeChannels()):
        ch = entry.channel(i)
        if any(pd.isHadron(ch.product(j)) for j in range(ch.multiplicity())):
            natural = True
            break
    br = muon_branching(pd, pid) if can and abs(pid) in forced_ids else 0.0
    return Species(pd.m0(pid), pd.tau0(pid), bool(pd.isHadron(pid)), can, br, natural)


def decay_probability(mu_d: float, lengths: list[float], mu_int: list[float]) -> tuple[float, list[float]]:
    """Probability that a hadron decays before it interacts or leaves, and its share per segment.

    ``P_k = mu_d/(mu_d + mu_k) exp(-mu_d s_k - tau_k) (1 - exp(-(mu_d + mu_k) l_k))`` (module docstring),
    with decay rate ``mu_d`` [1/m], segment lengths ``lengths`` [m] and interaction rates ``mu_int`` [1/m].

    >>> p, parts = decay_probability(0.01, [1e9], [0.0]); round(p, 12)  # no absorber: it decays
    1.0
    >>> round(decay_probability(0.01, [1e9], [1.0])[0], 6)  # one infinite slab: mu_d/(mu_d + mu_i)
    0.009901
    """
    parts = []
    s = tau = 0.0
    for length, mu in zip(lengths, mu_int):
        rate = mu_d + mu
        if rate > 0:
            parts.append(mu_d / rate * math.exp(-mu_d * s - tau) * -math.expm1(-rate * length))
        else:
            parts.append(0.0)
        s += length
        tau += mu * length
    return math.fsum(parts), parts


def truncated_exponential(rate: float, length: float, u: float) -> float:
    """Inverse CDF of the density ~ exp(-rate s) on [0, length] at u in [0, 1) [m].

    >>> round(truncated_exponential(0.0, 2.0, 0.25), 6)
    0.5
    """
    if rate * length < 1e-12:
        return u * length
    return -math.log1p(u * math.expm1(-rate * length)) / rate


def decay_distance(parts: list[float], lengths: list[float], mu_d: float, mu_int: list[float], r: float,
                   u: float) -> float:
    """Path length [m] at which the hadron decays, given it decays on this path.

    The segment k is the one where ``r`` (uniform in [0, P_dec)) falls in the cumulative shares ``parts``
    of :func:`decay_probability`; inside it, a truncated exponential of rate mu_d + mu_k at ``u``
    (uniform in [0, 1)).

    >>> decay_distance([0.0, 0.5], [1.0, 2.0], 0.0, [0.0, 0.0], 0.2, 0.25)
    1.5
    """
    k = 0
    while k < len(parts) - 1 and r >= parts[k]:
        r -= parts[k]
        k += 1
    return sum(lengths[:k]) + truncated_exponential(mu_d + mu_int[k], lengths[k], u)
