r"""The integrands VEGAS sees: d sigma of one process, with the beam's energy at the production point.

A *kernel* knows the process at a given beam energy per point: ``kernel.dsigma(u[n, dim], energy[n])``
(pb at unit coupling per unit-cube volume) and, when ``kernel.has_final_state``, ``kernel.momenta(u,
energy)`` (lab four-vectors). Two kernels exist:

* :class:`ExactKernel` — the process's numba kernels with its parameter vector (DESIGN.md rule 2);
* :class:`SigmaTableKernel` — a method that gives only sigma(E) (WW, IWW): sigma tabulated on a log grid
  of energies and interpolated in log-log; its unit-cube variable is a dummy (d sigma = sigma(E)).

The *beam integrands* put the kernel on the unit cube with the beam's degrees of freedom appended:

* :class:`FixedEnergyIntegrand` — thin target at a fixed energy: ``f(u[n, dim])``; the integral is sigma.
* :class:`DepthIntegrand` — monochromatic beam in a thick target (Chen–Pospelov–Zhong eqs. (14)–(17)):
  y = u_dim y_max, E(y) from the muon's energy loss; the integral is the depth-averaged cross section
  sigma_eff = (1/L_tg) int_0^L_tg dy sigma(E(y)).
* :class:`FluxIntegrand` — a weighted muon sample (proton dumps, flux files; Rella–Döbrich–Yu eq. (23)):
  muon i picked by u_{dim+1} with probability w_i/W, y = u_dim path_i along its direction; the integral is
  the depth-averaged cross section per muon of the sample.

y_max (path_i) stops where E(y) reaches the energy cut, so the integrand has no step inside the cube.
Units: GeV, metres, pb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from geometry.propagation import depth_to_energy, energy_after

from .process_spec import Process
from .protocols import FinalStateKernel, Kernel

__all__ = [
    "DepthIntegrand",
    "ExactKernel",
    "FixedEnergyIntegrand",
    "FluxIntegrand",
    "SigmaTableKernel",
]


def _final_state(kernel: Kernel) -> FinalStateKernel:
    """The kernel as one whose points map to four-vectors; an approximate method's has none."""
    if not kernel.has_final_state:
        raise TypeError("this cross-section method gives sigma(E) only: no four-vectors, so no events")
    return cast(FinalStateKernel, kernel)


@dataclass(frozen=True, slots=True)
class ExactKernel:
    """The exact 2->3 d sigma of ``process`` with the kernel parameter vector ``par``."""

    process: Process
    par: np.ndarray = field(repr=False)

    has_final_state = True
    """Points map to lab four-vectors (:meth:`momenta`), so events can be made."""

    @property
    def dim(self) -> int:
        return self.process.dim

    def dsigma(self, u: np.ndarray, energy: np.ndarray) -> np.ndarray:
        return self.process.dsigma(np.ascontiguousarray(u[:, : self.dim]), energy, self.par)

    def momenta(self, u: np.ndarray, energy: np.ndarray) -> tuple[np.ndarray, ...]:
        """(p_in, P_in, p_out, P_out, k, x, theta_k, Q^2) in the lab, beam along +z, azimuth of k = 0."""
        return self.process.kinematics(np.ascontiguousarray(u[:, : self.dim]), energy, self.par)


@dataclass(frozen=True, slots=True)
class SigmaTableKernel:
    """sigma(E) of an approximate method, log-log interpolated on ``energies`` (GeV); 0 below the first
    node (the threshold) and constant-slope above the last. ``dim = 1`` (a dummy variable)."""

    method: str
    energies: np.ndarray = field(repr=False)
    sigmas: np.ndarray = field(repr=False)
    errors: np.ndarray = field(repr=False)

    dim = 1
    has_final_state = False
    """sigma(E) only: no four-vectors, so no events (a card asking for them is refused)."""

    @classmethod
    def build(cls, method: str, sigma_of_energy: Any, e_min: float, e_max: float,
              n_nodes: int = 25) -> SigmaTableKernel:
        """Tabulate ``sigma_of_energy(E) -> (sigma_pb, error_pb)`` on ``n_nodes`` log-spaced energies."""
        e = np.geomspace(e_min, e_max, n_nodes) if e_max > e_min * (1 + 1e-9) else np.array([e_min])
        values = np.array([sigma_of_energy(float(x)) for x in e], dtype=float)
        return cls(method, e, values[:, 0], values[:, 1])

    def sigma(self, energy: np.ndarray) -> np.ndarray:
        energy = np.asarray(energy, dtype=float)
        if len(self.energies) == 1:
            return np.where(np.isclose(energy, self.energies[0]), self.sigmas[0], 0.0)
        ok = self.sigmas > 0
        le, ls = np.log(self.energies[ok]), np.log(self.sigmas[ok])
        out = np.exp(np.interp(np.log(np.maximum(energy, 1e-300)), le, ls))
        return np.where(energy >= self.energies[ok][0], out, 0.0)

    def dsigma(self, u: np.ndarray, energy: np.ndarray) -> np.ndarray:
        return self.sigma(energy)


@dataclass(frozen=True, slots=True)
class FixedEnergyIntegrand:
    """d sigma [pb, unit coupling] on the unit cube at a fixed beam energy: ``f(u[n, dim]) -> w[n]``."""

    kernel: Kernel
    energy: float

    @property
    def dim(self) -> int:
        return self.kernel.dim

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        return self.kernel.dsigma(u, np.full(u.shape[0], self.energy))

    def momenta(self, u: np.ndarray) -> tuple[np.ndarray, ...]:
        """Lab four-vectors (p_in, P_in, p_out, P_out, k) and (x, theta_k, Q^2) of the points ``u``."""
        u = np.ascontiguousarray(u, dtype=np.float64)
        return _final_state(self.kernel).momenta(u, np.full(u.shape[0], self.energy))

    def event_inputs(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(energy at production, production vertex [m], beam direction, beam index) of sampled points;
        the beam index is -1 (a single beam; its charge is the run's)."""
        n = len(u)
        return (np.full(n, self.energy), np.zeros((n, 3)), np.tile([0.0, 0.0, 1.0], (n, 1)),
                np.full(n, -1))


@dataclass(frozen=True, slots=True)
class DepthIntegrand:
    """d sigma with the production depth as the last unit-cube variable (monochromatic beam)."""

    kernel: Kernel
    e_beam: float
    length_m: float
    e_cut: float
    energy_loss: Any = field(repr=False)
    y_max: float = 0.0

    @classmethod
    def build(cls, kernel: Kernel, e_beam: float, length_m: float, e_cut: float, energy_loss: Any
              ) -> DepthIntegrand:
        y_cut = float(depth_to_energy(e_beam, e_cut, energy_loss)) if e_cut < e_beam else 0.0
        return cls(kernel, e_beam, length_m, e_cut, energy_loss, min(length_m, y_cut))

    @property
    def dim(self) -> int:
        return self.kernel.dim + 1

    def energies(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = u[:, -1] * self.y_max
        prop = energy_after(np.full(len(y), self.e_beam), y, self.energy_loss)
        e = np.asarray(prop.energy_GeV, dtype=float)
        ok = ~np.asarray(prop.stopped) & (e > self.e_cut)
        return y, np.where(ok, e, -1.0)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        _, e = self.energies(u)
        ok = e > 0
        out = np.zeros(len(u))
        if ok.any():
            out[ok] = self.kernel.dsigma(u[ok], e[ok]) * (self.y_max / self.length_m)
        return out

    def momenta(self, u: np.ndarray) -> tuple[np.ndarray, ...]:
        return _final_state(self.kernel).momenta(u, self.energies(u)[1])

    def event_inputs(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        y, e = self.energies(u)
        vertex = np.zeros((len(u), 3))
        vertex[:, 2] = y
        return e, vertex, np.tile([0.0, 0.0, 1.0], (len(u), 1)), np.full(len(u), -1)


@dataclass(frozen=True, slots=True)
class FluxIntegrand:
    """d sigma summed over a weighted muon sample; ``total_weight`` W (muons per POT/MOT) enters counts.

    ``pdg`` holds each muon's PDG id (13 mu-, -13 mu+): an event's lepton charge is its muon's.
    """

    kernel: Kernel
    length_m: float
    e_cut: float
    energy_loss: Any = field(repr=False)
    e0: np.ndarray = field(repr=False)
    origin: np.ndarray = field(repr=False)
    direction: np.ndarray = field(repr=False)
    path_m: np.ndarray = field(repr=False)
    cdf: np.ndarray = field(repr=False)
    pdg: np.ndarray = field(repr=False)
    total_weight: float = 1.0

    @property
    def dim(self) -> int:
        return self.kernel.dim + 2

    def _muons(self, u: np.ndarray) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, u[:, -1], side="right"), len(self.cdf) - 1)

    def energies(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i = self._muons(u)
        y = u[:, -2] * self.path_m[i]
        prop = energy_after(self.e0[i], y, self.energy_loss)
        e = np.asarray(prop.energy_GeV, dtype=float)
        ok = ~np.asarray(prop.stopped) & (e > self.e_cut) & (self.path_m[i] > 0)
        return i, y, np.where(ok, e, -1.0)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        i, _, e = self.energies(u)
        ok = e > 0
        out = np.zeros(len(u))
        if ok.any():
            out[ok] = self.kernel.dsigma(u[ok], e[ok]) * self.path_m[i[ok]] / self.length_m
        return out

    def momenta(self, u: np.ndarray) -> tuple[np.ndarray, ...]:
        return _final_state(self.kernel).momenta(u, self.energies(u)[2])

    def event_inputs(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        i, y, e = self.energies(u)
        vertex = self.origin[i] + y[:, None] * self.direction[i]
        return e, vertex, self.direction[i], i
