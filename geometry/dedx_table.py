"""Tabulated mean muon stopping powers of one material: the PUMAS v1.1 tables and their interpolation.

``geometry/data/muon_dedx/<material>.csv`` holds the PUMAS v1.1 mean muon stopping powers (PDG/Groom
format, converted to CSV with provenance): comment lines ``#`` (with ``<Z/A>`` and the muon mass), one
header row, then per kinetic energy T [GeV] the components ionisation, brems, pair, photonuclear,
radiative, total [MeV cm^2/g] and the CSDA range [g/cm^2]. :class:`DedxTable` parses one file and
interpolates a component linearly in (ln E, ln S), E = T + m_mu the total muon energy.
:mod:`geometry.materials` attaches a table to each material.

References: D.E. Groom, N.V. Mokhov, S.I. Striganov, At. Data Nucl. Data Tables 78 (2001) 183;
PUMAS v1.1, V. Niess, Comput. Phys. Commun. 279 (2022) 108438.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.constants import M_MU

__all__ = ["DedxTable"]

_COMPONENTS = ("ionisation", "brems", "pair", "photonuclear", "radiative", "total")
_CSV_COLUMNS = (
    "T_GeV",
    "ionisation_MeV_cm2_g",
    "brems_MeV_cm2_g",
    "pair_MeV_cm2_g",
    "photonuclear_MeV_cm2_g",
    "radiative_MeV_cm2_g",
    "total_MeV_cm2_g",
    "csda_range_g_cm2",
)


@dataclass(frozen=True, slots=True, eq=False)
class DedxTable:
    """Tabulated mean muon mass stopping power of one material (PUMAS v1.1, PDG/Groom format).

    Interpolation is linear in (ln E, ln S)::

        ln S(E) = ln S_i + (ln S_{i+1} - ln S_i) (ln E - ln E_i) / (ln E_{i+1} - ln E_i)

    A component that is zero at low energy (the radiative ones below T = 0.5 GeV) is zero below its first
    non-zero node.

    References: Groom, Mokhov, Striganov, ADNDT 78 (2001) 183; PUMAS v1.1.
    """

    file: str
    """File name in ``geometry/data/muon_dedx/``."""
    energy_GeV: np.ndarray
    """Total muon energy E = T + m_mu of each row [GeV]."""
    columns: dict[str, np.ndarray]
    """Components ``ionisation, brems, pair, photonuclear, radiative, total`` [MeV cm^2/g]."""
    csda_range_g_cm2: np.ndarray
    """CSDA range of each row [g/cm^2] as tabulated."""
    z_over_a: float
    """<Z/A> printed in the table header [mol/g]."""
    muon_mass_MeV: float
    """Muon mass printed in the table header [MeV]."""

    @property
    def e_min_GeV(self) -> float:
        """Lowest tabulated total energy [GeV]."""
        return float(self.energy_GeV[0])

    @property
    def e_max_GeV(self) -> float:
        """Highest tabulated total energy [GeV]."""
        return float(self.energy_GeV[-1])

    @classmethod
    def from_text(cls, text: str, file: str) -> DedxTable:
        """Parse a ``muon_dedx/*.csv`` file (comment lines ``#``, one header row, then numbers)."""
        lines = text.splitlines()
        comments = [ln for ln in lines if ln.startswith("#")]
        body = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
        header = tuple(h.strip() for h in body[0].split(","))
        if header != _CSV_COLUMNS:
            raise ValueError(f"{file}: columns {header} but require {_CSV_COLUMNS}")
        data = np.loadtxt(io.StringIO("\n".join(body[1:])), delimiter=",", ndmin=2)
        joined = "\n".join(comments)
        m_za = re.search(r"<Z/A> = ([0-9.]+)", joined)
        m_mu = re.search(r"M = ([0-9.]+) MeV", joined)
        kinetic = data[:, 0]
        if np.any(np.diff(kinetic) <= 0):
            raise ValueError(f"{file}: kinetic energies are not strictly increasing")
        return cls(
            file=file,
            energy_GeV=kinetic + M_MU,
            columns={c: data[:, i + 1].copy() for i, c in enumerate(_COMPONENTS)},
            csda_range_g_cm2=data[:, 7].copy(),
            z_over_a=float(m_za.group(1)) if m_za else math.nan,
            muon_mass_MeV=float(m_mu.group(1)) if m_mu else math.nan,
        )

    def interpolate(self, energy_GeV: Any, component: str = "total") -> np.ndarray:
        """Mass stopping power S(E) of one component [MeV cm^2/g], log-log interpolated.

        Parameters
        ----------
        energy_GeV : float or array_like
            Total muon energy [GeV], within ``[e_min_GeV, e_max_GeV]``.
        component : str
            One of ``ionisation, brems, pair, photonuclear, radiative, total``.

        Raises
        ------
        ValueError
            For an unknown component or an energy outside the table.
        """
        if component not in self.columns:
            raise ValueError(f"component = {component!r} but require one of {', '.join(_COMPONENTS)}")
        e = np.asarray(energy_GeV, dtype=float)
        bad = ~((e >= self.e_min_GeV) & (e <= self.e_max_GeV))
        if np.any(bad):
            first = e[bad].flat[0]
            raise ValueError(
                f"E = {first} GeV outside the dE/dx table {self.file}: "
                f"require {self.e_min_GeV:.6g} <= E <= {self.e_max_GeV:.6g} GeV (total energy)"
            )
        return _loglog(self.energy_GeV, self.columns[component], e)


def _loglog(x_nodes: np.ndarray, y_nodes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Linear interpolation of ln y in ln x; y = 0 below the first positive node."""
    positive = np.nonzero(y_nodes > 0)[0]
    if positive.size == 0:
        return np.zeros_like(x)
    i0 = positive[0]
    lx = np.log(x_nodes[i0:])
    ly = np.log(y_nodes[i0:])
    out = np.exp(np.interp(np.log(x), lx, ly))
    return np.where(x >= x_nodes[i0], out, 0.0)
