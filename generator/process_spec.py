"""What a process is: the frozen :class:`Process` spec that every other module reads (DESIGN.md rule 2).

A process  l N -> l' N X  is described once, in one module under :mod:`generator.processes`, by a
:class:`Process` value that owns

* the numba kernels: d sigma per unit-cube point and the lab four-vectors of a point (exact 2->3);
* the vertex ``c_s + c_p gamma5`` built from the run's parameters (e.g. a mixing angle theta);
* the model: its names, how a model object is built from the card (couplings), its decay channels
  (the model object gives widths, branching ratios and Delta a_mu);
* its card fields (the process-specific keys of the run card it reads) and their validation;
* the approximate methods it supports beside ``exact`` (WW, IWW), each a function
  ``sigma(energy, mass, target, form_factor) -> pb at unit coupling``;
* the form factors it accepts and its default one.

Cards, the CLI, the run and :func:`generator.cross_section` look processes up in the registry
(:mod:`generator.registry`) and never name one. Adding a process is one module and one
:func:`generator.registry.register` call.

Units: GeV, metres, pb.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .phase_space import make_params

__all__ = ["Approximation", "Process", "TargetLike"]


class TargetLike(Protocol):
    """What a cross section needs of a target (see :class:`generator.xsec.Target`)."""

    z: float
    a: float
    m_nucleus: float


@dataclass(frozen=True, slots=True)
class Approximation:
    """An approximate cross-section method of a process (WW, IWW), beside the exact 2->3."""

    name: str
    """Method name used on cards and the CLI, e.g. ``"iww"``."""
    description: str
    """What exactly is computed (which variant of the approximation, with its source)."""
    sigma: Callable[..., tuple[float, float]] = field(repr=False)
    """``sigma(energy, mass, target, form_factor, params) -> (sigma_pb, error_pb)`` at unit coupling;
    ``params`` is the mapping of the process's card fields (e.g. ``{"iww_end_point": "paper"}``)."""


def _unit_vertex(params: Mapping[str, Any]) -> tuple[float, float]:
    return (1.0, 0.0)


def _no_checks(config: Any) -> tuple[str, str, str] | None:
    return None


@dataclass(frozen=True, slots=True)
class Process:
    """A 2->3 lepton-nucleus process l N -> l' N X and everything the generator needs to know of it."""

    name: str
    """Registry key, e.g. ``"scalar"``."""
    description: str
    """Human-readable reaction."""
    lepton_in_pdg: int
    """|PDG id| of the beam lepton (the sign comes from the beam charge)."""
    lepton_out_pdg: int
    """|PDG id| of the outgoing lepton (same charge sign as the beam lepton)."""
    boson_pdg: int
    """PDG id of the produced boson X."""
    m_in: float
    """Beam-lepton mass in GeV."""
    m_out: float
    """Outgoing-lepton mass in GeV."""
    dim: int
    """Number of unit-cube dimensions of the phase-space map."""
    dsigma: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] = field(repr=False)
    """Kernel ``(u[n, dim], energy[n], par) -> d sigma [pb] at unit coupling``."""
    kinematics: Callable[..., tuple] = field(repr=False)
    """Kernel ``(u, energy, par) -> (p_in, P_in, p_out, P_out, k, x, theta_k, Q2)``."""
    models: tuple[str, ...] = ()
    """Model names a card may choose (``model = ...``); the first is the default of the CLI."""
    make_model: Callable[[str, float, Mapping[str, Any]], Any] = field(default=None, repr=False)  # type: ignore[assignment]
    """``make_model(name, coupling, params)`` -> a model object with ``partial_widths(m)``,
    ``total_width(m)``, ``branching_ratios(m)``, ``decay_length(m, E)`` and ``delta_a_mu(m)``."""
    decay_channels: Callable[[Any, float], list] = field(default=None, repr=False)  # type: ignore[assignment]
    """``decay_channels(model, mass)`` -> the :class:`generator.decays.DecayChannel` list, in the order
    of ``model.partial_widths``' keys."""
    card_fields: tuple[str, ...] = ()
    """Process-specific run-card keys this process reads (``g_e``, ``theta``, ...); any other
    process-specific key must keep its default on a card of this process."""
    validate: Callable[[Any], tuple[str, str, str] | None] = field(default=_no_checks, repr=False)
    """``validate(config)`` -> None, or ``(key, problem, expected)`` for the card error."""
    vertex: Callable[[Mapping[str, Any]], tuple[float, float]] = field(default=_unit_vertex, repr=False)
    """``vertex(params)`` -> (c_s, c_p) of the vertex c_s + c_p gamma5 at unit coupling."""
    approximations: Mapping[str, Approximation] = field(default_factory=dict, repr=False)
    """Approximate methods by name (``"ww"``, ``"iww"``); ``"exact"`` is always available."""
    form_factors: tuple[str, ...] = ("tsai", "tsai_unsquared", "lfv")
    """Form factors the process accepts; the first is its default."""
    coupling_name: str = "g"
    """Name of the scanned coupling in messages and summaries (``g_mu``, ``g_mutau``)."""
    prompt_decay: bool = False
    """True if the boson decays where it is produced whatever the experiment's decay volume (the LFV
    ALP of arXiv:2407.15942 Sec. III): free exponential decay point, P(decay) = 1."""
    event_acceptance: Callable[[Any, Mapping[str, Any]], tuple[np.ndarray, dict[str, np.ndarray]]] | None = \
        field(default=None, repr=False)
    """Optional ``event_acceptance(plan, chunk) -> (acceptance[n], {reason: rejected mask})`` replacing the
    experiment's generic daughter acceptance for this process (e.g. the tau-chain selection of the LFV
    ALP). ``chunk`` holds the lab arrays of one chunk of events: ``lepton_in_pdg``, ``p_out``, ``k``,
    ``channel``, ``daughters_p4``, ``daughters_pdg``, ``prod_vertex``, ``decay_vertex``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "approximations", dict(self.approximations))  # picklable (no mappingproxy)

    @property
    def methods(self) -> tuple[str, ...]:
        """``("exact", *approximations)``."""
        return ("exact", *self.approximations)

    @property
    def default_form_factor(self) -> str:
        return self.form_factors[0]

    def parameters(self, m_x: float, z: float, a: float, m_nucleus: float, ff_kind: int,
                   q2_cap: float = math.inf, e_k_min: float = 0.0,
                   params: Mapping[str, Any] | None = None) -> np.ndarray:
        """Parameter vector for the kernels (masses GeV, target Z and A, form-factor code, Q^2 cap in
        GeV^2, minimum boson energy in GeV); the vertex comes from ``params`` (the card fields)."""
        c_s, c_p = self.vertex(params or {})
        return make_params(self.m_in, self.m_out, m_x, m_nucleus, z, a, ff_kind, q2_cap, c_s, c_p, e_k_min)

    def threshold_energy(self, m_x: float, m_nucleus: float) -> float:
        """Lowest beam energy (GeV) with open phase space: s = (M + m' + m_X)^2."""
        big = m_nucleus + self.m_out + m_x
        return (big * big - self.m_in**2 - m_nucleus**2) / (2.0 * m_nucleus)

    def max_boson_mass(self, energy: float, m_nucleus: float = float("inf")) -> float:
        """Largest m_X (GeV) at beam ``energy``: sqrt(s) - M - m', which tends to E - m' for M -> inf."""
        if m_nucleus == float("inf"):
            return energy - self.m_out
        s = m_nucleus**2 + self.m_in**2 + 2.0 * m_nucleus * energy
        return float(np.sqrt(s) - m_nucleus - self.m_out)
