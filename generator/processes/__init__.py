"""Registry of processes: each exposes a batch integrand over the unit hypercube (DESIGN.md rule 2).

A :class:`Process` is a frozen description: the numba kernels (d sigma per unit-cube point and the lab
four-vectors of a point), the particle content and how the coupling enters. Adding a process (the LFV
ALP, a Z', ...) means adding one module here and one entry in ``PROCESSES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..constants import M_MU, PDG_DARK_SCALAR, PDG_MUON
from ..phase_space import DIM, make_params
from . import scalar_brems


@dataclass(frozen=True, slots=True)
class Process:
    """A 2->3 lepton-nucleus process l N -> l' N X evaluated on the unit hypercube."""

    name: str
    """Registry key, e.g. ``"scalar"``."""
    description: str
    """Human-readable reaction."""
    lepton_in_pdg: int
    """|PDG id| of the beam lepton (sign from the beam charge)."""
    lepton_out_pdg: int
    """|PDG id| of the outgoing lepton."""
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
    vertex: tuple[float, float] = (1.0, 0.0)
    """(c_s, c_p) of the Yukawa vertex c_s + c_p gamma5 at unit coupling."""

    def parameters(self, m_x: float, z: float, a: float, m_nucleus: float, ff_kind: int,
                   q2_cap: float = 1.0, e_k_min: float = 0.0) -> np.ndarray:
        """Parameter vector for the kernels (masses GeV, target Z and A, form-factor code, minimum
        boson energy in GeV)."""
        c_s, c_p = self.vertex
        return make_params(self.m_in, self.m_out, m_x, m_nucleus, z, a, ff_kind, q2_cap, c_s, c_p, e_k_min)

    def threshold_energy(self, m_x: float, m_nucleus: float) -> float:
        """Lowest beam energy (GeV) with open phase space: s = (M + m' + m_X)^2."""
        big = m_nucleus + self.m_out + m_x
        return (big * big - self.m_in**2 - m_nucleus**2) / (2.0 * m_nucleus)


SCALAR = Process(
    name="scalar",
    description="mu N -> mu N S (CP-even scalar, photon exchange, exact tree level)",
    lepton_in_pdg=PDG_MUON,
    lepton_out_pdg=PDG_MUON,
    boson_pdg=PDG_DARK_SCALAR,
    m_in=M_MU,
    m_out=M_MU,
    dim=DIM,
    dsigma=scalar_brems.dsigma_batch,
    kinematics=scalar_brems.kinematics_batch,
)

#: All processes by name.
PROCESSES: dict[str, Process] = {SCALAR.name: SCALAR}


def get_process(name: str) -> Process:
    """Look up a process by name, with the allowed names in the error."""
    try:
        return PROCESSES[name]
    except KeyError:
        raise ValueError(f"process = {name!r} but require one of {sorted(PROCESSES)}") from None
