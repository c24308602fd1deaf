"""Two-body decays of a spin-0 boson, isotropic in its rest frame and boosted to the lab.

A spin-0 parent of mass ``M`` has no preferred direction, so in its rest frame the daughters are
back to back along a direction uniform on the sphere (docs/physics.md section 10)::

    |p*| = lambda^{1/2}(M^2, m1^2, m2^2) / (2 M),
    lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2bc - 2ca
                    = (M^2 - (m1 + m2)^2) (M^2 - (m1 - m2)^2),       (factorised, no cancellation)
    E1* = (M^2 + m1^2 - m2^2) / (2 M),   E2* = (M^2 - m1^2 + m2^2) / (2 M),
    cos(theta*) ~ U[-1, 1],  phi* ~ U[0, 2 pi).

Each daughter is boosted to the lab with the parent four-momentum ``P = (E, P_vec)``
(:func:`generator.lorentz.boost`, i.e. scikit-hep ``vector``'s ``boost_p4``, with the parent's mass)::

    E_lab = (E E* + P_vec . p*) / M,
    p_lab = p* + P_vec [ (P_vec . p*) / (M (E + M)) + E* / M ].

For massless daughters (S -> gamma gamma, and e+e- to a good approximation) the lab energies are
then flat in ``[E(1 - beta)/2, E(1 + beta)/2]``, which the tests check.

Branching choice per decay is ``Gamma_i / sum_j Gamma_j`` over the channels passed in; channels
with exactly zero width are never chosen. A CP-symmetric decay into a charged pair produces the
final state and its CP conjugate (``-pdg1, -pdg2``) equally often, chosen per event.

All energies, momenta and masses in GeV; four-vectors are ``(E, px, py, pz)`` along the last axis.
Randomness comes only from the ``numpy.random.Generator`` passed in (STYLE.md item 13).

References
----------
E. Byckling and K. Kajantie, *Particle Kinematics* (Wiley, 1973), ch. II (two-body decay, Lorentz
boost); PDG Review "Kinematics" (R.L. Workman et al., PTEP 2022, 083C01), eqs. 49.17-49.20.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator import constants
from generator.lorentz import boost

__all__ = [
    "DecayChannel",
    "alp_channels",
    "decay_events",
    "invariant_mass",
    "sample_channels",
    "scalar_channels",
    "two_body_decay",
]


@dataclass(frozen=True, slots=True)
class DecayChannel:
    """One two-body decay channel of the new boson.

    >>> ch = DecayChannel("mumu", (13, -13), (0.1057, 0.1057), visible=True, cp_conjugate=True)
    >>> ch.threshold
    0.2114
    """

    name: str
    """Short name, e.g. ``"ee"``, ``"mumu"``, ``"tautau"``, ``"gammagamma"``, ``"mutau"``, ``"chichi"``."""
    pdg: tuple[int, int]
    """PDG ids of the two daughters (first one gets the first row of the output)."""
    masses: tuple[float, float]
    """Daughter masses in GeV, in the order of ``pdg``."""
    visible: bool
    """True if the daughters can be seen by a detector (False for ``chichi``)."""
    cp_conjugate: bool = False
    """If True, half of the decays (chosen per event) go to the CP conjugate ``(-pdg1, -pdg2)``
    (charged pairs ``l+ l-`` and ``mu tau``, Dirac ``chi chi-bar``). False for ``gamma gamma``."""

    def __post_init__(self) -> None:
        if len(self.pdg) != 2 or len(self.masses) != 2:
            raise ValueError(
                f"channel {self.name!r}: pdg = {self.pdg} and masses = {self.masses} "
                "but a two-body channel needs exactly 2 of each"
            )
        if any(not np.isfinite(m) or m < 0 for m in self.masses):
            raise ValueError(f"channel {self.name!r}: masses = {self.masses} GeV but require 0 <= m < inf")
        object.__setattr__(self, "pdg", (int(self.pdg[0]), int(self.pdg[1])))
        object.__setattr__(self, "masses", (float(self.masses[0]), float(self.masses[1])))

    @property
    def threshold(self) -> float:
        """Sum of the daughter masses in GeV: the parent must be heavier."""
        return self.masses[0] + self.masses[1]


def scalar_channels() -> list[DecayChannel]:
    """Decay channels of the CP-even dark scalar S: e+e-, mu+mu-, tau+tau-, gamma gamma.

    Masses and PDG ids from PDG data via ``particle`` (:mod:`generator.constants`). The first
    daughter is the lepton (negative charge), the second the antilepton; ``cp_conjugate`` makes the
    assignment of the two momenta to l- and l+ random per event.

    >>> [c.name for c in scalar_channels()]
    ['ee', 'mumu', 'tautau', 'gammagamma']
    """
    out = [
        DecayChannel(name, (pdg, -pdg), (m, m), visible=True, cp_conjugate=True)
        for name, pdg, m in (
            ("ee", constants.PDG_ELECTRON, constants.M_E),
            ("mumu", constants.PDG_MUON, constants.M_MU),
            ("tautau", constants.PDG_TAU, constants.M_TAU),
        )
    ]
    out.append(
        DecayChannel("gammagamma", (constants.PDG_PHOTON, constants.PDG_PHOTON), (0.0, 0.0), visible=True)
    )
    return out


def alp_channels(m_chi: float) -> list[DecayChannel]:
    """Decay channels of the LFV axion-like particle a: mu tau (both charge states) and chi chi-bar.

    Parameters
    ----------
    m_chi : float
        Dark-fermion mass in GeV (invisible channel ``chichi``).

    >>> [c.name for c in alp_channels(0.1)]
    ['mutau', 'chichi']
    """
    return [
        DecayChannel(
            "mutau",
            (constants.PDG_MUON, -constants.PDG_TAU),
            (constants.M_MU, constants.M_TAU),
            visible=True,
            cp_conjugate=True,
        ),
        DecayChannel(
            "chichi",
            (constants.PDG_DARK_FERMION, -constants.PDG_DARK_FERMION),
            (m_chi, m_chi),
            visible=False,
            cp_conjugate=True,
        ),
    ]


def invariant_mass(p4: np.ndarray) -> np.ndarray:
    """Invariant mass ``sqrt(max(E^2 - |p|^2, 0))`` in GeV of four-vectors ``(..., 4)``.

    >>> float(invariant_mass(np.array([5.0, 0.0, 0.0, 4.0])))
    3.0
    """
    p4 = np.asarray(p4, dtype=np.float64)
    m2 = p4[..., 0] ** 2 - p4[..., 1] ** 2 - p4[..., 2] ** 2 - p4[..., 3] ** 2
    return np.sqrt(np.maximum(m2, 0.0))


def two_body_decay(
    parent_p4: np.ndarray,
    m1: float | np.ndarray,
    m2: float | np.ndarray,
    rng: np.random.Generator,
    *,
    parent_mass: float | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic two-body decay ``M -> 1 + 2`` of spin-0 parents, returned in the lab frame.

    ::

        |p*| = lambda^{1/2}(M^2, m1^2, m2^2) / 2M,   cos(theta*) ~ U[-1, 1],  phi* ~ U[0, 2pi)

    then each daughter is boosted along the parent momentum (module docstring).

    Parameters
    ----------
    parent_p4 : ndarray, shape (n, 4)
        Parent lab four-momenta ``(E, px, py, pz)`` in GeV.
    m1, m2 : float or ndarray of shape (n,)
        Daughter masses in GeV (may differ).
    rng : numpy.random.Generator
        Source of the decay angles (2 uniform numbers per event).
    parent_mass : float or ndarray of shape (n,), optional
        Parent mass in GeV. Default: computed from ``parent_p4``. Pass it for very boosted parents
        (E/M > 10^4), where ``E^2 - p^2`` loses digits.

    Returns
    -------
    d1_p4, d2_p4 : ndarray, shape (n, 4)
        Daughter lab four-momenta in GeV; ``d1_p4 + d2_p4 == parent_p4`` up to rounding.

    Raises
    ------
    ValueError
        If the parent is lighter than ``m1 + m2`` for any event, or the shapes are wrong.

    >>> rng = np.random.default_rng(1)
    >>> d1, d2 = two_body_decay(np.array([[10.0, 0.0, 0.0, 9.0]]), 0.0, 0.0, rng)
    >>> bool(np.allclose(d1 + d2, [[10.0, 0.0, 0.0, 9.0]]))
    True
    """
    parent_p4 = np.asarray(parent_p4, dtype=np.float64)
    if parent_p4.ndim != 2 or parent_p4.shape[1] != 4:
        raise ValueError(f"parent_p4 has shape {parent_p4.shape} but require (n, 4)")
    n = parent_p4.shape[0]
    mass = invariant_mass(parent_p4) if parent_mass is None else parent_mass
    mass = np.broadcast_to(np.asarray(mass, dtype=np.float64), (n,))
    m1 = np.broadcast_to(np.asarray(m1, dtype=np.float64), (n,))
    m2 = np.broadcast_to(np.asarray(m2, dtype=np.float64), (n,))
    below = ~(mass > m1 + m2) | ~(mass > 0)
    if np.any(below):
        i = int(np.flatnonzero(below)[0])
        raise ValueError(
            f"parent mass = {mass[i]} GeV (event {i}) but require M > m1 + m2 = {m1[i] + m2[i]} GeV"
        )

    lam = (mass - (m1 + m2)) * (mass + (m1 + m2)) * (mass - (m1 - m2)) * (mass + (m1 - m2))
    p_star = np.sqrt(np.maximum(lam, 0.0)) / (2.0 * mass)
    m1sq, m2sq, msq = m1 * m1, m2 * m2, mass * mass
    e1 = (msq + m1sq - m2sq) / (2.0 * mass)
    e2 = (msq - m1sq + m2sq) / (2.0 * mass)

    u = rng.random((n, 2))
    cos_t = 2.0 * u[:, 0] - 1.0
    sin_t = np.sqrt(np.maximum(1.0 - cos_t * cos_t, 0.0))
    phi = 2.0 * np.pi * u[:, 1]
    direction = np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)

    rest = np.empty((n, 2, 4))
    rest[:, 0, 0] = e1
    rest[:, 0, 1:] = direction * p_star[:, None]
    rest[:, 1, 0] = e2
    rest[:, 1, 1:] = -rest[:, 0, 1:]
    lab = boost(rest, parent_p4[:, None, :], parent_mass=mass[:, None])
    return lab[:, 0], lab[:, 1]


def sample_channels(
    names: Sequence[str],
    branching_ratios: Sequence[float] | np.ndarray,
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Choose a decay channel per event with probability ``BR_i / sum_j BR_j``.

    The branching ratios may sum to less than 1 (channels not simulated, or dropped): the choice is
    then conditional on decaying into one of the listed channels, and the caller owns the factor
    ``sum_j BR_j`` in the event weight. A channel with ``BR == 0`` is never chosen.

    Parameters
    ----------
    names : sequence of str
        Channel names (for messages), same length as ``branching_ratios``.
    branching_ratios : sequence of float
        Non-negative branching ratios, sum in ``(0, 1]``.
    n : int
        Number of events.
    rng : numpy.random.Generator
        One uniform number per event.

    Returns
    -------
    ndarray of int32, shape (n,)
        Index into ``names`` per event.

    Raises
    ------
    ValueError
        On negative or non-finite BRs, BRs summing to 0 or above 1, or mismatched lengths.

    >>> sample_channels(["ee", "mumu"], [1.0, 0.0], 3, np.random.default_rng(0)).tolist()
    [0, 0, 0]
    """
    br = np.asarray(branching_ratios, dtype=np.float64)
    if br.ndim != 1 or len(br) != len(names) or len(br) == 0:
        raise ValueError(
            f"{len(names)} channel names {list(names)} but {br.size} branching ratios; require equal, >= 1"
        )
    bad = ~np.isfinite(br) | (br < 0)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"BR({names[i]}) = {br[i]} but require 0 <= BR <= 1")
    total = float(br.sum())
    if total <= 0.0:
        raise ValueError(
            f"branching ratios {dict(zip(names, br.tolist()))} sum to 0: no channel to decay into"
        )
    if total > 1.0 + 1e-9:
        raise ValueError(f"branching ratios {dict(zip(names, br.tolist()))} sum to {total} but require <= 1")
    if n < 0:
        raise ValueError(f"n = {n} but require n >= 0")
    cdf = np.cumsum(br / total)
    last = int(np.flatnonzero(br > 0)[-1])
    idx = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(idx, last).astype(np.int32)


def decay_events(
    parent_p4: np.ndarray,
    channels: Sequence[DecayChannel],
    channel_index: np.ndarray,
    rng: np.random.Generator,
    *,
    parent_mass: float | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decay each parent into its chosen channel.

    Parameters
    ----------
    parent_p4 : ndarray, shape (n, 4)
        Parent lab four-momenta in GeV.
    channels : sequence of DecayChannel
        The run's channel list.
    channel_index : ndarray of int, shape (n,)
        Index into ``channels`` per event (from :func:`sample_channels`); ``-1`` = not decayed.
    rng : numpy.random.Generator
        Decay angles and CP-conjugate choice.
    parent_mass : float or ndarray of shape (n,), optional
        Parent mass in GeV (default: from ``parent_p4``).

    Returns
    -------
    daughters_p4 : ndarray of float64, shape (n, 2, 4)
        Lab four-momenta in GeV; NaN for undecayed events.
    daughters_pdg : ndarray of int32, shape (n, 2)
        PDG ids; 0 for undecayed events.

    >>> rng = np.random.default_rng(2)
    >>> p4, pdg = decay_events(np.array([[5.0, 0, 0, 4.0]]), scalar_channels(), np.array([3]), rng)
    >>> pdg.tolist()
    [[22, 22]]
    """
    parent_p4 = np.asarray(parent_p4, dtype=np.float64)
    channel_index = np.asarray(channel_index)
    n = parent_p4.shape[0]
    if channel_index.shape != (n,):
        raise ValueError(f"channel_index has shape {channel_index.shape} but require ({n},)")
    if n and (channel_index.min() < -1 or channel_index.max() >= len(channels)):
        raise ValueError(
            f"channel_index in [{channel_index.min()}, {channel_index.max()}] but require "
            f"-1 <= index < {len(channels)} (number of channels)"
        )
    mass_all = None
    if parent_mass is not None:
        mass_all = np.broadcast_to(np.asarray(parent_mass, dtype=np.float64), (n,))
    p4 = np.full((n, 2, 4), np.nan)
    pdg = np.zeros((n, 2), dtype=np.int32)
    for i, ch in enumerate(channels):
        sel = np.flatnonzero(channel_index == i)
        if sel.size == 0:
            continue
        d1, d2 = two_body_decay(
            parent_p4[sel],
            ch.masses[0],
            ch.masses[1],
            rng,
            parent_mass=None if mass_all is None else mass_all[sel],
        )
        p4[sel, 0] = d1
        p4[sel, 1] = d2
        ids = np.broadcast_to(np.array(ch.pdg, dtype=np.int32), (sel.size, 2)).copy()
        if ch.cp_conjugate:
            flip = rng.random(sel.size) < 0.5
            ids[flip] *= -1
        pdg[sel] = ids
    return p4, pdg
