"""The target nucleus of a cross section, and the refusals that need it (DESIGN.md rule 10).

:class:`Target` holds what the kernels need of a material (Z, A, nucleus mass), resolved through
:mod:`geometry.materials`; :func:`check_request` refuses an unphysical (energy, mass, coupling) before any
work, with the exact threshold on that nucleus. Used by the plan stage; imports no wiring module.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from geometry.materials import Material, get_material

from .exceptions import NotANumber, UnphysicalRequest
from .process_spec import Process

__all__ = ["Target", "check_request", "require_number"]


@dataclass(frozen=True, slots=True)
class Target:
    """What the cross section needs of a target: Z, A (g/mol, enters the form factor), nucleus mass."""

    name: str
    """Material name as given by the user."""
    z: float
    """Atomic number."""
    a: float
    """Atomic weight in g/mol (the A of the form factors' d = 0.164 A^-2/3 GeV^2)."""
    m_nucleus: float
    """Nucleus mass in GeV (of the most abundant isotope, see ``geometry.materials``)."""
    mass_number: int
    """Integer mass number (for PDG ion codes)."""

    @classmethod
    def from_material(cls, name: str | Material) -> Target:
        """Resolve a material name (``Pb``, ``tungsten``, ...) through ``geometry.materials``."""
        mat = get_material(name)
        return cls(name=mat.symbol, z=float(mat.z), a=float(mat.a_g_mol), m_nucleus=float(mat.nucleus_mass_GeV),
                   mass_number=int(mat.mass_number))


def require_number(name: str, value: object, expected: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise NotANumber(name, value, expected)


def check_request(process: Process, target: Target, energy: float, mass: float, coupling: float) -> None:
    """Refuse unphysical requests before any work (DESIGN.md rule 10); a non-number raises
    :class:`~generator.exceptions.NotANumber` (a ``TypeError`` naming the argument)."""
    require_number("energy", energy, "a number > 0 (GeV)")
    require_number("mass", mass, "a number > 0 (GeV)")
    require_number("coupling", coupling, "a number >= 0")
    if not (math.isfinite(mass) and mass > 0):
        raise UnphysicalRequest(f"mass = {mass} GeV but require mass > 0")
    if not (math.isfinite(coupling) and coupling >= 0):
        raise UnphysicalRequest(f"coupling = {coupling} but require coupling >= 0")
    if not (math.isfinite(energy) and energy > 0):
        raise UnphysicalRequest(f"energy = {energy} GeV but require energy > 0")
    e_thr = process.threshold_energy(mass, target.m_nucleus)
    if energy <= e_thr:
        raise UnphysicalRequest(
            f"energy = {energy} GeV is below the threshold {e_thr:.6g} GeV of {process.description} "
            f"for mass = {mass} GeV on {target.name}; require energy > {e_thr:.6g} GeV "
            f"(or mass < {energy - process.m_out:.6g} GeV)"
        )
