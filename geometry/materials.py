"""Target materials: element data, muon mean energy loss and the energy-loss model used for propagation.

Materials are data (DESIGN.md rule 6): ``geometry/data/materials.toml`` lists each material (symbol,
radiation and nuclear interaction lengths, table file), ``periodictable`` supplies Z, A and density unless
the entry overrides them, and ``geometry/data/muon_dedx/<material>.csv`` holds the PUMAS v1.1 mean
muon stopping powers (PDG/Groom format, converted to CSV with provenance). Add a material by adding one
TOML entry and one CSV table; no code change.

Mean energy loss ([GMS01]; docs/physics.md section 7)::

    -dE/dx = a(E) + b(E) E                      [MeV cm^2/g]  (mass stopping power)
    -dE/dx [GeV/m] = 0.1 * rho [g/cm^3] * S [MeV cm^2/g]
    n_atom [cm^-3] = rho N_A / A

The target nucleus of the event record is one real isotope, the most abundant naturally occurring
isotope of the element (``periodictable`` abundances; stable for every material here: Pb-208, W-184,
Cu-63, Mo-98, Fe-56, Ta-181, Ti-48, Al-27, Be-9, C-12; standard rock, Z = 11, uses Na-23). Its PDG id
100ZZZAAA0 and its mass describe the same nucleus::

    M_nucleus = M_atom(Z, A_iso) - Z m_e + B_e(Z),   B_e(Z) = 14.4381 Z^2.39 + 1.55468e-6 Z^5.35 eV

M_atom is the isotope's atomic mass: from ``particle`` (``Particle.from_pdgid(100ZZZAAA0).mass``, which
for nuclei is the *atomic* mass, AME / CODATA 2022 u: C-12 gives 12 u) when it knows the nucleus, else
``periodictable``'s isotope mass times u. B_e is the total electron binding energy [LPT03] (0.57 MeV,
3e-6 of M, for Pb). The molar mass ``a_g_mol`` (mean over the isotopes) is unchanged and is what enters
n_atom and the form factors' A.

The table columns are interpolated linearly in (ln E, ln S), E the total muon energy. The ionisation
part is a(E); the radiative part (bremsstrahlung + pair production + photonuclear) is b(E) E.

Two energy-loss modes share one interface, :class:`EnergyLoss`:

* ``EnergyLoss.table(material)`` -- the tabulated, energy-dependent mean loss (continuous slowing down);
* ``EnergyLoss.constant(value_GeV_m)`` -- a constant ``<dE/dy>`` as in Chen, Pospelov, Zhong [CPZ17]
  eqs. 16-17 and Table I (12.7 MeV/cm in Pb and 22.1 MeV/cm in W, i.e. 1.27 and 2.21 GeV/m, which are the
  minimum-ionisation values times the density; ``EnergyLoss.minimum_ionising(material)`` builds that
  from the tables).

Units: energies in GeV (total energy E = T + m_mu), lengths in metres, unless a name says otherwise.

References: [GMS01] D.E. Groom, N.V. Mokhov, S.I. Striganov, At. Data Nucl. Data Tables 78 (2001) 183;
PUMAS v1.1, V. Niess, Comput. Phys. Commun. 279 (2022) 108438; PDG Atomic and Nuclear Properties;
[CPZ17] C.-Y. Chen, M. Pospelov, Y.-M. Zhong, Phys. Rev. D 95 (2017) 115005; [LPT03] D. Lunney,
J.M. Pearson, C. Thibault, Rev. Mod. Phys. 75 (2003) 1021, eq. (A4); AME2020: M. Wang et al., Chin.
Phys. C 45 (2021) 030003 (atomic masses, via ``particle`` and ``periodictable``).
"""

from __future__ import annotations

import functools
import math
import sys
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import numpy as np
import periodictable

from generator.constants import AMU_GEV, AVOGADRO, M_E, nucleus_pdgid
from geometry.dedx_table import DedxTable
from geometry.exceptions import UnknownMaterial

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "DedxTable",
    "EnergyLoss",
    "Material",
    "available_materials",
    "get_material",
]

#: MeV cm^2/g times g/cm^3 -> GeV/m.
_MEV_CM2_G_TO_GEV_M_PER_RHO = 0.1


def _data_dir() -> Any:
    return resources.files("geometry") / "data"


@functools.cache
def _nuclei_table() -> dict[int, tuple[int, float, str]]:
    """``data/nuclei.csv``: (A, atomic mass [GeV], its source) of the elements of ``materials.toml``, as
    :func:`_nucleus_from_packages` gives them (``tests/test_materials.py`` checks every row): the PDG
    nuclear table of ``particle`` costs 0.2 s to load, which a cross section should not pay (issue 19)."""
    out = {}
    for line in (_data_dir() / "nuclei.csv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith(("#", "z,")):
            z, a, mass, source = line.split(",")
            out[int(z)] = (int(a), float(mass), source)
    return out


def _atom_from_packages(z: int) -> tuple[int, float, str]:
    """(A, atomic mass [GeV], source) of element z's most abundant isotope: the mass from ``particle`` if
    it knows the nucleus 100ZZZAAA0, else from ``periodictable`` (its isotope mass times u)."""
    element = periodictable.elements[z]
    natural = [(element[a].abundance, a) for a in element.isotopes if element[a].abundance]
    if not natural:
        raise ValueError(f"element Z = {z} ({element.symbol}) has no naturally occurring isotope in periodictable")
    _, a = max(natural)
    from particle import (  # its table: 0.2 s, here only for an element not in nuclei.csv
        Particle,
        ParticleNotFound,
    )

    try:
        m_atom_mev = Particle.from_pdgid(nucleus_pdgid(z, a)).mass
    except ParticleNotFound:
        m_atom_mev = None
    if m_atom_mev is not None:
        return a, float(m_atom_mev) / 1e3, "particle"
    return a, float(element[a].mass) * AMU_GEV, "periodictable"


@functools.cache
def _nucleus(z: int) -> tuple[int, float, str]:
    """(A, nuclear mass [GeV], source of the atomic mass) of element z's most abundant isotope.

    M = M_atom - Z m_e + B_e(Z) (module docstring): M_atom from ``data/nuclei.csv`` (generated from
    ``particle`` / ``periodictable``) or, for an element not in it, from those packages
    (:func:`_atom_from_packages`); B_e(Z) = 14.4381 Z^2.39 + 1.55468e-6 Z^5.35 eV [LPT03 eq. (A4)].
    """
    a, m_atom, source = _nuclei_table().get(z) or _atom_from_packages(z)
    binding = (14.4381 * z**2.39 + 1.55468e-6 * z**5.35) * 1e-9
    return a, m_atom - z * M_E + binding, source


@dataclass(frozen=True, slots=True)
class Material:
    """A homogeneous target material with its tabulated muon mean energy loss.

    Derived quantities::

        n_atom [cm^-3]        = rho N_A / A
        M_nucleus [GeV]       = M of the most abundant isotope (Pb-208: 193.687 GeV; module docstring)
        A_iso                 = its mass number (Pb 208, Cu 63, W 184), the A of the PDG id 100ZZZAAA0
        X0 [cm]               = X0 [g/cm^2] / rho
        -dE/dx [GeV/m]        = 0.1 rho S(E),  S = a(E) + b(E) E  [MeV cm^2/g]

    Build with :func:`get_material`.

    >>> pb = get_material("lead")
    >>> round(pb.n_atom_cm3 / 1e22, 2)
    3.3

    References: Groom, Mokhov, Striganov, ADNDT 78 (2001) 183; PDG Atomic and Nuclear Properties.
    """

    name: str
    """Canonical name (key in materials.toml), e.g. ``"lead"``."""
    symbol: str
    """Chemical symbol, e.g. ``"Pb"`` (``"rock"`` for standard rock)."""
    z: int
    """Atomic number Z."""
    a_g_mol: float
    """Molar mass A [g/mol]."""
    density_g_cm3: float
    """Density rho [g/cm^3]."""
    radiation_length_g_cm2: float
    """Radiation length X0 [g/cm^2] (PDG)."""
    nuclear_interaction_length_g_cm2: float
    """Nuclear interaction length lambda_I [g/cm^2] (PDG)."""
    dedx_file: str
    """Table file name in ``geometry/data/muon_dedx/``."""
    aliases: tuple[str, ...] = ()
    """Other accepted names (lower case)."""
    sources: tuple[str, ...] = ()
    """Provenance notes for values that do not come from periodictable / PDG."""
    table: DedxTable | None = field(default=None, compare=False, repr=False)
    """The parsed dE/dx table."""

    def __post_init__(self) -> None:
        for key in ("a_g_mol", "density_g_cm3", "radiation_length_g_cm2", "nuclear_interaction_length_g_cm2"):
            value = getattr(self, key)
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"material {self.name!r}: {key} = {value} but require a finite value > 0")
        if not (1 <= self.z <= 118):
            raise ValueError(f"material {self.name!r}: z = {self.z} but require 1 <= z <= 118")

    # ----- derived element data -------------------------------------------------------------------
    @property
    def n_atom_cm3(self) -> float:
        """Atom number density n = rho N_A / A [cm^-3]."""
        return self.density_g_cm3 * AVOGADRO / self.a_g_mol

    @property
    def nucleus_mass_GeV(self) -> float:
        """Mass [GeV] of the target nucleus, the most abundant isotope (A = :attr:`mass_number`):
        M_atom - Z m_e + B_e (module docstring). Pb-208 193.687, Cu-63 58.604 GeV."""
        return _nucleus(self.z)[1]

    @property
    def mean_atomic_mass_GeV(self) -> float:
        """Mean atomic mass A [g/mol] u [GeV] of the natural element; Cu 59.19, Mo 89.38 GeV ([001] fn. 6)."""
        return self.a_g_mol * AMU_GEV

    @property
    def mass_number(self) -> int:
        """Mass number of the target nucleus: the most abundant isotope (Pb 208, Cu 63, W 184)."""
        return _nucleus(self.z)[0]

    @property
    def nucleus_pdgid(self) -> int:
        """PDG ion code 100ZZZAAA0 of the target nucleus (the isotope of :attr:`nucleus_mass_GeV`)."""
        return nucleus_pdgid(self.z, self.mass_number)

    @property
    def radiation_length_cm(self) -> float:
        """Radiation length X0 [cm] = X0 [g/cm^2] / rho."""
        return self.radiation_length_g_cm2 / self.density_g_cm3

    @property
    def nuclear_interaction_length_cm(self) -> float:
        """Nuclear interaction length lambda_I [cm] = lambda_I [g/cm^2] / rho."""
        return self.nuclear_interaction_length_g_cm2 / self.density_g_cm3

    # ----- energy loss -----------------------------------------------------------------------------
    def _table(self) -> DedxTable:
        if self.table is None:
            raise ValueError(f"material {self.name!r} has no dE/dx table loaded")
        return self.table

    @property
    def e_min_GeV(self) -> float:
        """Lowest total muon energy of the dE/dx table [GeV] (T = 1 MeV)."""
        return self._table().e_min_GeV

    @property
    def e_max_GeV(self) -> float:
        """Highest total muon energy of the dE/dx table [GeV]."""
        return self._table().e_max_GeV

    def mass_stopping_power(self, energy_GeV: Any, component: str = "total") -> np.ndarray:
        """Mean mass stopping power S(E) [MeV cm^2/g] of ``component`` at total energy E [GeV].

        ``component`` is one of ``ionisation`` (a(E)), ``brems``, ``pair``, ``photonuclear``,
        ``radiative`` (b(E) E) or ``total``. Vectorised; log-log interpolation of the table.
        """
        return self._table().interpolate(energy_GeV, component)

    def dedx(self, energy_GeV: Any) -> np.ndarray:
        """Total mean energy loss -dE/dx [GeV/m] at total muon energy E [GeV].

        ``-dE/dx = 0.1 rho [g/cm^3] S_total(E) [MeV cm^2/g]``, S_total interpolated in ln E - ln S.

        >>> round(float(get_material("Pb").dedx(160.0)), 2)  # 4.24 MeV cm^2/g * 11.35 g/cm^3
        4.81
        """
        return (
            _MEV_CM2_G_TO_GEV_M_PER_RHO * self.density_g_cm3 * self.mass_stopping_power(energy_GeV, "total")
        )

    def dedx_ionisation(self, energy_GeV: Any) -> np.ndarray:
        """Ionisation part a(E) of -dE/dx [GeV/m] at total energy E [GeV]."""
        return (
            _MEV_CM2_G_TO_GEV_M_PER_RHO
            * self.density_g_cm3
            * self.mass_stopping_power(energy_GeV, "ionisation")
        )

    def dedx_radiative(self, energy_GeV: Any) -> np.ndarray:
        """Radiative part b(E) E of -dE/dx [GeV/m] (brems + pair + photonuclear) at total energy E [GeV]."""
        return (
            _MEV_CM2_G_TO_GEV_M_PER_RHO
            * self.density_g_cm3
            * self.mass_stopping_power(energy_GeV, "radiative")
        )

    def b(self, energy_GeV: Any) -> np.ndarray:
        """Radiative loss coefficient b(E) = S_rad(E) / E in **cm^2/g** (g^-1 cm^2).

        docs/physics.md quotes b in 1e-6 g^-1 cm^2: Pb 13.6 (17.4) at 100 (1000) GeV. Multiply by
        ``100 * density_g_cm3`` for b in m^-1 (see :meth:`b_per_m`).
        """
        e = np.asarray(energy_GeV, dtype=float)
        return self.mass_stopping_power(e, "radiative") / (1e3 * e)

    def b_per_m(self, energy_GeV: Any) -> np.ndarray:
        """Radiative loss coefficient b(E) rho in m^-1 (so that b E is in GeV/m for E in GeV)."""
        return self.b(energy_GeV) * self.density_g_cm3 * 100.0

    def minimum_ionisation(self) -> tuple[float, float]:
        """Minimum of the total mass stopping power: (E_min [GeV], S_min [MeV cm^2/g]).

        The table minimum is refined with a parabola in ln E through the lowest node and its neighbours.
        PDG: Pb 1.122, W 1.145, Cu 1.403, Mo 1.329 MeV cm^2/g.
        """
        t = self._table()
        s = t.columns["total"]
        i = int(np.argmin(s))
        i = min(max(i, 1), len(s) - 2)
        x = np.log(t.energy_GeV[i - 1 : i + 2])
        y = s[i - 1 : i + 2]
        c2, c1, c0 = np.polyfit(x, y, 2)
        if c2 <= 0:
            return float(t.energy_GeV[i]), float(s[i])
        x0 = -c1 / (2 * c2)
        return float(np.exp(x0)), float(c0 - c1**2 / (4 * c2))

    def critical_energy(self) -> float:
        """Muon critical energy E_c [GeV] (total energy) where ionisation a(E) equals radiative b(E) E.

        Root of ln a(E) - ln(b(E) E) = 0 by Brent's method between the bracketing table nodes.
        docs/physics.md section 7: Pb 132, W 142, Mo 229, Cu 313 GeV.
        """
        t = self._table()
        a, r = t.columns["ionisation"], t.columns["radiative"]
        above = np.nonzero((r > 0) & (r >= a))[0]
        if above.size == 0:
            raise ValueError(f"material {self.name!r}: radiative loss never exceeds ionisation in the table")
        j = int(above[0])
        e_lo, e_hi = t.energy_GeV[j - 1], t.energy_GeV[j]
        if r[j - 1] <= 0:  # first radiative node: bracket from there
            e_lo = t.energy_GeV[j]

        def f(log_e: float) -> float:
            e = math.exp(log_e)
            return math.log(float(t.interpolate(e, "ionisation"))) - math.log(
                float(t.interpolate(e, "radiative"))
            )

        from scipy.optimize import brentq

        return math.exp(brentq(f, math.log(e_lo), math.log(e_hi), xtol=1e-12))

    def with_constant_dedx(self, dedx_GeV_m: float) -> EnergyLoss:
        """Constant-loss model ``EnergyLoss.constant(dedx_GeV_m)`` (material kept for reference)."""
        return EnergyLoss.constant(dedx_GeV_m, material=self)


@dataclass(frozen=True, slots=True)
class EnergyLoss:
    """Mean muon energy-loss model used by :mod:`geometry.propagation`.

    Two modes::

        "table":    -dE/dx = 0.1 rho S(E)   [GeV/m], S from the PUMAS table of ``material``
        "constant": -dE/dx = <dE/dy>         [GeV/m], independent of E ([CPZ17] eqs. 16-17, Table I)

    With the constant mode the depth is linear, Delta y = (E0 - E) / <dE/dy>, exactly as in [CPZ17]:
    ``EnergyLoss.constant(1.27)`` (Pb, 12.7 MeV/cm) gives 160 - 0.2 * 1.27 = 159.746 GeV after 20 cm.

    >>> EnergyLoss.constant(1.27).dedx(160.0)
    array(1.27)

    References: [CPZ17] Chen, Pospelov, Zhong, PRD 95 (2017) 115005; Groom, Mokhov, Striganov,
    ADNDT 78 (2001) 183.
    """

    mode: Literal["table", "constant"]
    """``"table"`` or ``"constant"``."""
    material: Material | None = None
    """Material (required for ``"table"``; informative for ``"constant"``)."""
    constant_GeV_m: float | None = None
    """The constant -dE/dx [GeV/m] (``"constant"`` mode only)."""

    def __post_init__(self) -> None:
        if self.mode == "table":
            if self.material is None or self.material.table is None:
                raise ValueError("EnergyLoss mode 'table' requires a Material with a dE/dx table")
        elif self.mode == "constant":
            c = self.constant_GeV_m
            if c is None or not (math.isfinite(c) and c > 0):
                raise ValueError(f"constant dE/dx = {c} GeV/m but require a finite value > 0")
        else:
            raise ValueError(f"mode = {self.mode!r} but require 'table' or 'constant'")

    @classmethod
    def table(cls, material: Material | str) -> EnergyLoss:
        """Tabulated (energy-dependent) mean loss of ``material`` (a Material or a name)."""
        return cls("table", material=get_material(material))

    @classmethod
    def constant(cls, value_GeV_m: float, material: Material | str | None = None) -> EnergyLoss:
        """Constant mean loss ``value_GeV_m`` [GeV/m] (12.7 MeV/cm = 1.27 GeV/m)."""
        mat = None if material is None else get_material(material)
        return cls("constant", material=mat, constant_GeV_m=float(value_GeV_m))

    @classmethod
    def minimum_ionising(cls, material: Material | str) -> EnergyLoss:
        """Constant loss equal to the table's minimum ionisation times rho [GeV/m] ([CPZ17]'s choice).

        Pb: 1.122 MeV cm^2/g x 11.35 g/cm^3 = 12.73 MeV/cm (CPZ17 print 12.7).
        """
        mat = get_material(material)
        return cls.constant(
            _MEV_CM2_G_TO_GEV_M_PER_RHO * mat.density_g_cm3 * mat.minimum_ionisation()[1], mat
        )

    @property
    def e_max_GeV(self) -> float:
        """Highest total energy the model covers [GeV] (infinite for the constant mode)."""
        if self.mode == "constant":
            return math.inf
        assert self.material is not None
        return self.material.e_max_GeV

    def dedx(self, energy_GeV: Any) -> np.ndarray:
        """Mean -dE/dx [GeV/m] at total muon energy E [GeV] (vectorised)."""
        if self.mode == "constant":
            e = np.asarray(energy_GeV, dtype=float)
            return np.full_like(e, self.constant_GeV_m)
        assert self.material is not None
        return self.material.dedx(energy_GeV)

    def describe(self) -> str:
        """One-line human-readable description."""
        if self.mode == "constant":
            where = f" ({self.material.name})" if self.material is not None else ""
            return f"constant -dE/dx = {self.constant_GeV_m:.6g} GeV/m{where}"
        assert self.material is not None
        return f"tabulated -dE/dx of {self.material.name} (PUMAS v1.1, {self.material.dedx_file})"


# ----- registry ------------------------------------------------------------------------------------
@functools.cache
def _registry() -> dict[str, Material]:
    raw = tomllib.loads((_data_dir() / "materials.toml").read_text(encoding="utf-8"))
    out: dict[str, Material] = {}
    for name, entry in raw.get("materials", {}).items():
        out[name] = _material_from_entry(name, entry)
    return out


def _material_from_entry(name: str, entry: dict[str, Any]) -> Material:
    allowed = {
        "symbol",
        "z",
        "a_g_mol",
        "density_g_cm3",
        "radiation_length_g_cm2",
        "nuclear_interaction_length_g_cm2",
        "dedx_table",
        "aliases",
    }
    unknown = [k for k in entry if k not in allowed and not k.startswith("source_")]
    if unknown:
        raise ValueError(
            f"materials.toml [materials.{name}]: unknown key(s) {unknown}; allowed: {sorted(allowed)} + source_*"
        )
    missing = [
        k
        for k in ("symbol", "radiation_length_g_cm2", "nuclear_interaction_length_g_cm2", "dedx_table")
        if k not in entry
    ]
    if missing:
        raise ValueError(f"materials.toml [materials.{name}]: missing key(s) {missing}")
    symbol = str(entry["symbol"])
    element = getattr(periodictable, symbol, None)
    sources = tuple(f"{k}: {v}" for k, v in entry.items() if k.startswith("source_"))

    def from_pt(key: str, attr: str) -> float:
        if key in entry:
            return float(entry[key])
        if element is None or getattr(element, attr, None) is None:
            raise ValueError(
                f"materials.toml [materials.{name}]: {key} missing and {symbol!r} is not an element"
            )
        return float(getattr(element, attr))

    table_file = str(entry["dedx_table"])
    text = (_data_dir() / "muon_dedx" / table_file).read_text(encoding="utf-8")
    return Material(
        name=name,
        symbol=symbol,
        z=int(from_pt("z", "number")),
        a_g_mol=from_pt("a_g_mol", "mass"),
        density_g_cm3=from_pt("density_g_cm3", "density"),
        radiation_length_g_cm2=float(entry["radiation_length_g_cm2"]),
        nuclear_interaction_length_g_cm2=float(entry["nuclear_interaction_length_g_cm2"]),
        dedx_file=table_file,
        aliases=tuple(str(a).lower() for a in entry.get("aliases", [])),
        sources=sources,
        table=DedxTable.from_text(text, table_file),
    )


def available_materials() -> list[str]:
    """Canonical names of the materials in ``geometry/data/materials.toml``, sorted."""
    return sorted(_registry())


def get_material(name: str | Material) -> Material:
    """Look up a material by name, symbol or alias, case-insensitively ("Pb", "lead", "W", "tungsten").

    A :class:`Material` is returned unchanged.

    Raises
    ------
    UnknownMaterial
        (a ``KeyError``) naming the bad value and listing the available materials.

    >>> get_material("PB").name
    'lead'
    """
    if isinstance(name, Material):
        return name
    key = str(name).strip().lower()
    reg = _registry()
    if key in reg:
        return reg[key]
    for mat in reg.values():
        if key == mat.symbol.lower() or key in mat.aliases:
            return mat
    raise UnknownMaterial(str(name), [f"{n} ({reg[n].symbol})" for n in available_materials()])
