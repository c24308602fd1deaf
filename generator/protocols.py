"""The interfaces the stages of a run rely on, as protocols (structural types: nothing subclasses them).

- :class:`Model`: a process's model at one coupling (its widths and branching ratios; the scan and the
  counts re-evaluate it at other couplings with :meth:`Model.with_coupling`). The registry's models are in
  :mod:`generator.processes.models`.
- :class:`Kernel`: d sigma of one process on the unit cube at given beam energies, and, when
  ``has_final_state`` (a :class:`FinalStateKernel`), the lab four-vectors of the same points (:mod:`generator.beam_integrands`:
  ``ExactKernel``, ``SigmaTableKernel``).
- :class:`Integrand`: what VEGAS integrates (pb at unit coupling per unit-cube volume) and what the events
  of a sampled point start from: the beam energy, the production point, the beam direction and the beam
  muon (``FixedEnergyIntegrand``, ``DepthIntegrand``, ``FluxIntegrand``).

A leaf module: it imports nothing of the project.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["FinalStateKernel", "Integrand", "Kernel", "Model"]


class Model(Protocol):
    """A model at one coupling: partial widths (GeV) per decay channel name, and what follows from them."""

    def with_coupling(self, g: float) -> Model: ...

    def partial_widths(self, m: float) -> dict[str, float]: ...

    def total_width(self, m: float) -> float: ...

    def branching_ratios(self, m: float) -> dict[str, float]: ...

    def decay_length(self, m: float, energy: float) -> float:
        """Lab decay length (m) of a boson of mass ``m`` and energy ``energy`` (GeV)."""
        ...

    def delta_a_mu(self, m: float) -> float:
        """The boson's one-loop contribution to the muon's anomalous magnetic moment."""
        ...


class Kernel(Protocol):
    """d sigma [pb, unit coupling] of one process at points ``u`` of the unit cube and beam energies."""

    @property
    def dim(self) -> int: ...

    @property
    def has_final_state(self) -> bool: ...

    def dsigma(self, u: np.ndarray, energy: np.ndarray) -> np.ndarray: ...


class FinalStateKernel(Kernel, Protocol):
    """A :class:`Kernel` with ``has_final_state``: its points map to lab four-vectors."""

    def momenta(self, u: np.ndarray, energy: np.ndarray) -> tuple[np.ndarray, ...]:
        """(p_in, P_in, p_out, P_out, k, ...) in the lab, beam along +z."""
        ...


class Integrand(Protocol):
    """``f(u[n, dim]) -> w[n]`` for VEGAS, and the inputs of the events made from sampled points."""

    @property
    def kernel(self) -> Kernel: ...

    @property
    def dim(self) -> int: ...

    def __call__(self, u: np.ndarray) -> np.ndarray: ...

    def momenta(self, u: np.ndarray) -> tuple[np.ndarray, ...]:
        """The lab four-vectors of the points ``u`` (a kernel with a final state only)."""
        ...

    def event_inputs(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(beam energy at the production point, production point, beam direction, beam muon index)."""
        ...
