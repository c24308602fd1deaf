"""Incident muons: a monochromatic beam, a weighted flux read from a file, and an APPROXIMATE built-in
source of secondary muons from 400 GeV protons on a thick target.

All three give a :class:`MuonFlux`: per muon a position (x, y, z) [m], a momentum (px, py, pz) [GeV],
a weight (muons per POT or per MOT, ``weight_unit``) and a PDG id (13 = mu-, -13 = mu+).

Flux files (CSV with a provenance header, ROOT, parquet) are read and written by
:mod:`geometry.flux_files` (``MuonFlux.from_file``, ``MuonFlux.to_csv``).

The secondary-muon source (:meth:`SecondaryMuonSource.proton_dump`) is APPROXIMATE: primary-interaction
pi/K yields from the BMPT parameterisation, decay in flight before absorption over the hadron's
interaction length, two-body pi/K -> mu nu. No hadronic cascade, no muons from charm/resonances/
Drell-Yan, no hadron energy loss. See its docstring for the list of limitations. It is kept as a documented
fallback only: the NA62 and SHiP cards read simulated fluxes made by ``mudump flux`` (:mod:`geometry.dump`,
a Pythia 8 hadronic cascade), which reproduce Rella-Doebrich-Yu's 97 %/95 % losses where this source gives
66 %/53 % (validation/secondary_muons.py).

References: M. Bonesini, A. Marchionni, F. Pietropaolo, T. Tabarelli de Fatis, Eur. Phys. J. C 20 (2001)
13 [BMPT]; D.S. Barton et al., Phys. Rev. D 27 (1983) 2580 (A dependence); PDG (masses, lifetimes, branching
fractions via ``particle``/PDG listings); SHiP Collaboration, Eur. Phys. J. C 80 (2020) 284 (muon flux).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from generator.constants import M_MU
from generator.lorentz import boost
from geometry.flux_files import FLUX_COLUMNS, flux_arrays, read_flux_columns, write_flux_csv
from geometry.materials import Material, get_material

__all__ = [
    "FLUX_COLUMNS",
    "MonochromaticBeam",
    "MuonFlux",
    "SecondaryMuonSource",
]

_WEIGHT_UNITS = ("per POT", "per MOT")


def _direction(v: Sequence[float]) -> np.ndarray:
    d = np.asarray(v, dtype=float)
    n = float(np.linalg.norm(d)) if d.shape == (3,) else math.nan
    if not (n > 0 and math.isfinite(n)):
        raise ValueError(f"direction = {tuple(np.ravel(d))} but require a finite non-zero 3-vector")
    return d / n


@dataclass(frozen=True, slots=True, eq=False)
class MuonFlux:
    """A weighted sample of muons (positions [m], momenta [GeV], weights, PDG ids).

    ``weight`` is in muons per POT (proton dumps) or per MOT (muon beams), ``weight_unit``; the expected
    number of muons in an exposure is ``N_POT * total_weight``. Build with :meth:`from_file`,
    :meth:`MonochromaticBeam.flux` or :meth:`SecondaryMuonSource.sample`.

    References: docs/physics.md section 8 (normalise per POT, multiply by N_POT).
    """

    x_m: np.ndarray
    """Production x [m]."""
    y_m: np.ndarray
    """Production y [m]."""
    z_m: np.ndarray
    """Production z [m] (from the target's upstream face)."""
    px_GeV: np.ndarray
    """Momentum x [GeV]."""
    py_GeV: np.ndarray
    """Momentum y [GeV]."""
    pz_GeV: np.ndarray
    """Momentum z [GeV]."""
    weight: np.ndarray
    """Muons per POT / MOT represented by each entry (>= 0)."""
    pdg: np.ndarray
    """PDG id, 13 (mu-) or -13 (mu+)."""
    weight_unit: str = "per POT"
    """``"per POT"`` or ``"per MOT"``."""
    source: str = ""
    """Where the sample came from (file path or generator description)."""
    approximate: bool = field(default=False)
    """True for the parameterised (APPROXIMATE) secondary-muon source."""

    def __post_init__(self) -> None:
        if self.weight_unit not in _WEIGHT_UNITS:
            raise ValueError(f"weight_unit = {self.weight_unit!r} but require one of {_WEIGHT_UNITS}")
        n = len(self.weight)
        for name in ("x_m", "y_m", "z_m", "px_GeV", "py_GeV", "pz_GeV", "pdg"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries but weight has {n}")

    # ----- construction from files ------------------------------------------------------------------
    @classmethod
    def from_columns(
        cls, columns: dict[str, Any], source: str, weight_unit: str = "per POT", approximate: bool = False
    ) -> MuonFlux:
        """Validate a mapping column -> values (see :data:`FLUX_COLUMNS`) and build a flux.

        Raises
        ------
        ValueError
            Naming ``source`` and the missing column(s), or the column and row (1-based data row) of a
            non-numeric / non-finite value, a negative weight or a pdg other than +-13.
        """
        arrays = flux_arrays(columns, source)
        return cls(
            arrays["x"],
            arrays["y"],
            arrays["z"],
            arrays["px"],
            arrays["py"],
            arrays["pz"],
            arrays["weight"],
            arrays["pdg"].astype(np.int64),
            weight_unit=weight_unit,
            source=source,
            approximate=approximate,
        )

    @classmethod
    def from_file(cls, path: str | Path, weight_unit: str = "per POT", tree: str | None = None) -> MuonFlux:
        """Read and validate a flux file: ``.csv``, ``.root`` (TTree) or ``.parquet``/``.pq``.

        Parameters
        ----------
        path : str or Path
            The file; the format comes from the suffix.
        weight_unit : str
            ``"per POT"`` (default) or ``"per MOT"``: what the ``weight`` column counts.
        tree : str, optional
            TTree name for ROOT files with more than one tree.

        Raises
        ------
        FileNotFoundError, ValueError, ImportError (parquet without pyarrow)
        """
        p = Path(path)
        cols = read_flux_columns(p, tree)
        return cls.from_columns(cols, str(p), weight_unit=weight_unit)

    def to_csv(self, path: str | Path) -> None:
        """Write the sample as a flux CSV (header ``x,y,z,px,py,pz,weight,pdg``)."""
        columns = [self.x_m, self.y_m, self.z_m, self.px_GeV, self.py_GeV, self.pz_GeV, self.weight, self.pdg]
        write_flux_csv(path, columns, self.source, self.weight_unit)

    # ----- accessors ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.weight)

    @property
    def total_weight(self) -> float:
        """Sum of weights: muons per POT (or per MOT)."""
        return float(np.sum(self.weight))

    @property
    def momentum_GeV(self) -> np.ndarray:
        """|p| [GeV]."""
        return np.sqrt(self.px_GeV**2 + self.py_GeV**2 + self.pz_GeV**2)

    @property
    def energy_GeV(self) -> np.ndarray:
        """Total energy E = sqrt(p^2 + m_mu^2) [GeV]."""
        return np.sqrt(self.momentum_GeV**2 + M_MU**2)

    @property
    def direction(self) -> np.ndarray:
        """Unit momentum vectors, shape (n, 3)."""
        p = np.column_stack([self.px_GeV, self.py_GeV, self.pz_GeV])
        return p / self.momentum_GeV[:, None]

    def select(self, mask: Any) -> MuonFlux:
        """Subset by a boolean mask or index array (weights unchanged)."""
        return MuonFlux(
            self.x_m[mask],
            self.y_m[mask],
            self.z_m[mask],
            self.px_GeV[mask],
            self.py_GeV[mask],
            self.pz_GeV[mask],
            self.weight[mask],
            self.pdg[mask],
            self.weight_unit,
            self.source,
            self.approximate,
        )

    def sample(self, n: int, rng: np.random.Generator) -> MuonFlux:
        """Draw ``n`` muons with probability proportional to weight (with replacement).

        Each drawn muon gets weight ``total_weight / n``, so sums of weights remain unbiased estimates
        of per-POT (per-MOT) rates.
        """
        if n < 1:
            raise ValueError(f"n = {n} but require n >= 1")
        total = self.total_weight
        if not total > 0:
            raise ValueError(f"cannot sample from {self.source}: total weight = {total} but require > 0")
        idx = rng.choice(len(self), size=n, p=self.weight / total)
        out = self.select(idx)
        return MuonFlux(
            out.x_m,
            out.y_m,
            out.z_m,
            out.px_GeV,
            out.py_GeV,
            out.pz_GeV,
            np.full(n, total / n),
            out.pdg,
            self.weight_unit,
            self.source,
            self.approximate,
        )


@dataclass(frozen=True, slots=True)
class MonochromaticBeam:
    """A pencil beam of muons of one total energy [GeV].

    >>> b = MonochromaticBeam(160.0, pdg=-13)
    >>> round(b.momentum_GeV, 5)
    159.99997

    References: docs/physics.md section 9 (NA64mu 160 GeV, FNAL 3 GeV).
    """

    energy_GeV: float
    """Total muon energy [GeV], > m_mu."""
    pdg: int = -13
    """13 (mu-) or -13 (mu+)."""
    position_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Start point [m]."""
    direction: tuple[float, float, float] = (0.0, 0.0, 1.0)
    """Direction (normalised on construction)."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.energy_GeV) and self.energy_GeV > M_MU):
            raise ValueError(
                f"energy = {self.energy_GeV} GeV but require a finite energy > m_mu = {M_MU:.7g} GeV"
            )
        if self.pdg not in (13, -13):
            raise ValueError(f"pdg = {self.pdg} but require 13 (mu-) or -13 (mu+)")
        object.__setattr__(self, "direction", tuple(float(v) for v in _direction(self.direction)))
        pos = tuple(float(v) for v in self.position_m)
        if len(pos) != 3 or not all(math.isfinite(v) for v in pos):
            raise ValueError(f"position = {self.position_m} m but require three finite numbers")
        object.__setattr__(self, "position_m", pos)

    @property
    def momentum_GeV(self) -> float:
        """|p| = sqrt(E^2 - m_mu^2) [GeV]."""
        return math.sqrt(self.energy_GeV**2 - M_MU**2)

    def flux(self, n: int = 1) -> MuonFlux:
        """``n`` identical muons with weight 1/n each (per MOT)."""
        if n < 1:
            raise ValueError(f"n = {n} but require n >= 1")
        p = self.momentum_GeV * np.asarray(self.direction)
        ones = np.ones(n)
        return MuonFlux(
            self.position_m[0] * ones,
            self.position_m[1] * ones,
            self.position_m[2] * ones,
            p[0] * ones,
            p[1] * ones,
            p[2] * ones,
            ones / n,
            np.full(n, self.pdg, dtype=np.int64),
            weight_unit="per MOT",
            source=f"monochromatic beam {self.energy_GeV} GeV pdg {self.pdg}",
        )

    def sample(self, n: int, rng: np.random.Generator | None = None) -> MuonFlux:
        """Same as :meth:`flux` (the beam has no spread; ``rng`` is accepted for a uniform interface)."""
        return self.flux(n)


# ----- APPROXIMATE secondary muons from a proton dump ---------------------------------------------------
#: BMPT parameters for p Be at 450 GeV ([BMPT] Table 2): A [per GeV^2], B, alpha, beta, a [GeV^-1], gamma, delta.
_BMPT = {
    "pi": {"A": 62.3, "B": 1.57, "alpha": 3.45, "beta": 0.517, "a": 6.10, "gamma": 0.153, "delta": 0.478},
    "K": {"A": 7.74, "B": 0.0, "alpha": 2.45, "beta": 0.444, "a": 5.04, "gamma": 0.121, "delta": 0.242},
}
#: Negative/positive ratios ([BMPT] eqs. 5-6): pi+/pi- = r0 (1 + x_R)^r1, K+/K- = r0 (1 - x_R)^r1.
_BMPT_RATIO = {"pi": (1.05, 2.65), "K": (1.15, -3.17)}
#: Branching fractions to mu nu (PDG 2022: pi 99.98770 %, K 63.56 %).
_BR_MU_NU = {"pi": 0.9998770, "K": 0.6356}
_A_BE = 9.0121831
_ALPHA_INELASTIC = 0.71  # sigma_inel(pA) ~ A^0.71 (PDG / Carroll et al. PLB 80 (1979) 319), approximate


def _bmpt_yield(kind: str, charge: int, x_r: np.ndarray, pt: np.ndarray) -> np.ndarray:
    """BMPT d^2n/(dx_R dp_T^2) [GeV^-2] per interacting proton, p Be 450 GeV, positive or negative meson.

    d^2n/dx_R dp_T^2 = A (1-x_R)^alpha (1 + B x_R) x_R^-beta (1 + a' p_T + b' p_T^2) exp(-a' p_T),
    a' = a / x_R^gamma, b' = a^2 / (2 x_R^delta)    ([BMPT] eq. 4)
    """
    c = _BMPT[kind]
    x_r = np.clip(x_r, 1e-12, 1.0 - 1e-12)
    ap = c["a"] / x_r ** c["gamma"]
    bp = c["a"] ** 2 / (2.0 * x_r ** c["delta"])
    f = (
        c["A"]
        * (1 - x_r) ** c["alpha"]
        * (1 + c["B"] * x_r)
        * x_r ** (-c["beta"])
        * (1 + ap * pt + bp * pt**2)
        * np.exp(-ap * pt)
    )
    if charge < 0:
        r0, r1 = _BMPT_RATIO[kind]
        f = f / (r0 * ((1 + x_r) if kind == "pi" else (1 - x_r)) ** r1)
    return f


@dataclass(frozen=True, slots=True)
class SecondaryMuonSource:
    """APPROXIMATE parameterised source of muons from pi/K decays in flight in a thick proton target.

    Model (per proton on target, POT; every proton interacts, the target being many lambda_I long)::

        d^2n/dx_R dp_T^2 (pi+-, K+-)   BMPT fit to p Be at 450 GeV, forward CM hemisphere,
                                       x_R = E*/E*_max with E*_max = sqrt(s)/2
        A scaling Be -> target         (A/9.01)^(alpha(x_F, p_T) - 0.71),
                                       alpha = (0.74 - 0.55 x_F + 0.26 x_F^2)(0.98 + 0.21 p_T^2)  [Barton]
        P(decay before absorption)     = lambda_I / (lambda_I + p c tau / m)  (~ lambda_I m /(p c tau))
        pi/K -> mu nu                  two-body, isotropic in the meson rest frame, BR from PDG
        production point               z = z_int + d, z_int ~ Exp(lambda_I), d ~ Exp(1/(1/lambda_I + m/(p c tau)))

    **Limitations** (why this is APPROXIMATE, good to a factor of a few at best): no hadronic cascade
    (tertiary pions/kaons from reinteractions, which dominate the soft muon yield in a thick target),
    only the forward CM hemisphere, BMPT fitted to Be at 450 GeV and extrapolated in A and sqrt(s), the
    meson's interaction length taken equal to the proton's nuclear interaction length, no meson energy
    loss, no prompt muons (charm, Drell-Yan, eta/omega/phi/rho Dalitz and dimuon decays), no
    mu multiple scattering or energy loss after production. For physics use a GEANT4/FLUKA flux file
    (e.g. the SHiP/NA62 samples, zenodo 6352043) through :meth:`MuonFlux.from_file`.

    References: [BMPT] M. Bonesini et al., Eur. Phys. J. C 20 (2001) 13; D.S. Barton et al., PRD 27 (1983)
    2580; SHiP Collaboration, Eur. Phys. J. C 80 (2020) 284 (measured muon flux, for comparison).
    """

    material: Material
    """Target material."""
    beam_energy_GeV: float = 400.0
    """Proton beam energy [GeV]."""
    n_pot_norm: float = 1.0
    """Weights are muons per ``n_pot_norm`` protons on target."""
    target_length_m: float = math.inf
    """Target length [m]; muons produced beyond it are dropped (inf: no cut)."""

    @classmethod
    def proton_dump(
        cls,
        material: Material | str,
        n_pot_norm: float = 1.0,
        beam_energy_GeV: float = 400.0,
        target_length_m: float = math.inf,
    ) -> SecondaryMuonSource:
        """APPROXIMATE muon source for ``beam_energy_GeV`` protons on a thick ``material`` target."""
        if not (n_pot_norm > 0 and math.isfinite(n_pot_norm)):
            raise ValueError(f"n_pot_norm = {n_pot_norm} but require a finite value > 0")
        if not (beam_energy_GeV > 10):
            raise ValueError(
                f"beam energy = {beam_energy_GeV} GeV but require > 10 GeV (BMPT range: 100-450 GeV)"
            )
        if not target_length_m > 0:
            raise ValueError(f"target_length_m = {target_length_m} but require > 0")
        return cls(get_material(material), float(beam_energy_GeV), float(n_pot_norm), float(target_length_m))

    def multiplicity(self, kind: str, charge: int, x_r_min: float = 1e-3) -> float:
        """BMPT mesons per interaction (p Be), forward CM hemisphere, x_R > x_r_min, kinematically allowed.

        A diagnostic for the APPROXIMATE source: integrates d^2n/dx_R dp_T^2 on a grid.
        """
        m_h = _mass_GeV(211 if kind == "pi" else 321)
        m_p = _mass_GeV(2212)
        e_star_max = 0.5 * math.sqrt(2 * m_p**2 + 2 * m_p * self.beam_energy_GeV)
        x = np.geomspace(x_r_min, 1 - 1e-9, 3000)
        pt = np.linspace(0.0, 5.0, 2001)
        xx, pp = np.meshgrid(x, pt, indexing="ij")
        f = _bmpt_yield(kind, charge, xx, pp) * 2 * pp
        f = np.where((xx * e_star_max) ** 2 > m_h**2 + pp**2, f, 0.0)
        return float(np.trapezoid(np.trapezoid(f, pt, axis=1), x))

    def sample(
        self, n_per_species: int, rng: np.random.Generator, x_r_min: float = 1e-3, pt_max_GeV: float = 3.0
    ) -> MuonFlux:
        """Weighted muon sample (APPROXIMATE), weights in muons per POT (times ``n_pot_norm``).

        Hadrons are drawn with x_R log-uniform in [x_r_min, 1) and p_T uniform in [0, pt_max_GeV];
        the weight carries the BMPT density, the decay probability and the branching fraction, so
        ``total_weight`` estimates muons per POT (from mesons with x_R > x_r_min and p_T < pt_max_GeV).

        Parameters
        ----------
        n_per_species : int
            Mesons sampled for each of pi+, pi-, K+, K- (one muon each).
        rng : numpy.random.Generator
            Random numbers.
        """
        if n_per_species < 1:
            raise ValueError(f"n_per_species = {n_per_species} but require >= 1")
        if not (0 < x_r_min < 1):
            raise ValueError(f"x_r_min = {x_r_min} but require 0 < x_r_min < 1")
        frame = _CentreOfMass.of(self.beam_energy_GeV, _mass_GeV(2212))
        parts = [self._muons_from(meson, n_per_species, rng, x_r_min, pt_max_GeV, frame)
                 for meson in (211, -211, 321, -321)]
        pos = np.concatenate([p[0] for p in parts])
        mom = np.concatenate([p[1] for p in parts])
        wt = np.concatenate([p[2] for p in parts])
        pdg = np.concatenate([p[3] for p in parts]).astype(np.int64)
        return MuonFlux(
            pos[:, 0],
            pos[:, 1],
            pos[:, 2],
            mom[:, 0],
            mom[:, 1],
            mom[:, 2],
            wt,
            pdg,
            weight_unit="per POT",
            source=(
                f"APPROXIMATE BMPT pi/K decay-in-flight source, {self.beam_energy_GeV:g} GeV p on "
                f"{self.material.name} (per {self.n_pot_norm:g} POT)"
            ),
            approximate=True,
        )

    def _muons_from(
        self, pdg_meson: int, n: int, rng: np.random.Generator, x_r_min: float, pt_max_GeV: float,
        frame: _CentreOfMass,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Positions, momenta, weights and PDG ids of the muons from ``n`` sampled mesons ``pdg_meson``
        that decay inside the target."""
        kind = "pi" if abs(pdg_meson) == 211 else "K"
        charge, m_h, ctau_m = _meson(pdg_meson)
        lam_m = self.material.nuclear_interaction_length_cm / 100.0
        ok, w, e_h, p_h = self._mesons(kind, charge, m_h, n, rng, x_r_min, pt_max_GeV, frame)
        p_abs = np.linalg.norm(p_h, axis=1)
        decay_len = p_abs * ctau_m / m_h
        w = w * lam_m / (lam_m + decay_len) * _BR_MU_NU[kind]
        # production point: proton interaction + meson flight before decay
        z_int = rng.exponential(lam_m, n)
        d = rng.exponential(1.0 / (1.0 / lam_m + 1.0 / decay_len))
        u_dir = p_h / p_abs[:, None]
        pos = np.column_stack([np.zeros(n), np.zeros(n), z_int]) + d[:, None] * u_dir
        p_mu = _two_body_muons(e_h, p_h, m_h, rng)
        keep = ok & (pos[:, 2] <= self.target_length_m)
        return pos[keep], p_mu[keep], w[keep] * self.n_pot_norm, np.full(keep.sum(), -int(np.sign(charge)) * 13)

    def _mesons(
        self, kind: str, charge: int, m_h: float, n: int, rng: np.random.Generator, x_r_min: float,
        pt_max_GeV: float, frame: _CentreOfMass,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``n`` mesons of one species: kinematically allowed (mask), weight (BMPT density over the sampling
        density, A scaling Be -> target), lab energy and momentum (shape (n, 3)) [GeV]."""
        a_ratio = self.material.a_g_mol / _A_BE
        ln_lo = math.log(x_r_min)
        x_r = np.exp(ln_lo * (1 - rng.random(n)))
        pt = pt_max_GeV * rng.random(n)
        # sampling density 1/(x_R ln(1/x_lo)) * 1/pt_max; dp_T^2 = 2 p_T dp_T
        w = _bmpt_yield(kind, charge, x_r, pt) * 2 * pt * x_r * (-ln_lo) * pt_max_GeV / n
        e_star = x_r * frame.e_star_max
        mt2 = m_h**2 + pt**2
        ok = e_star**2 > mt2
        pl_star = np.sqrt(np.where(ok, e_star**2 - mt2, 0.0))
        x_f = pl_star / frame.e_star_max
        alpha = (0.74 - 0.55 * x_f + 0.26 * x_f**2) * (0.98 + 0.21 * pt**2)
        w = np.where(ok, w * a_ratio ** (alpha - _ALPHA_INELASTIC), 0.0)
        e_h = frame.gamma * e_star + frame.beta_gamma * pl_star
        pz_h = frame.gamma * pl_star + frame.beta_gamma * e_star
        phi = 2 * np.pi * rng.random(n)
        p_h = np.column_stack([pt * np.cos(phi), pt * np.sin(phi), pz_h])
        return ok, w, e_h, p_h


@dataclass(frozen=True, slots=True)
class _CentreOfMass:
    """The centre-of-mass frame of a beam proton on a nucleon at rest, along the beam axis."""

    gamma: float
    """Lorentz factor of the frame in the lab."""
    beta_gamma: float
    """beta * gamma of the frame in the lab."""
    e_star_max: float
    """Largest energy of a produced particle in the frame, sqrt(s)/2 [GeV]."""

    @classmethod
    def of(cls, e_beam: float, m_p: float) -> _CentreOfMass:
        sqrt_s = math.sqrt(2 * m_p**2 + 2 * m_p * e_beam)
        return cls((e_beam + m_p) / sqrt_s, math.sqrt(e_beam**2 - m_p**2) / sqrt_s, 0.5 * sqrt_s)


def _two_body_muons(e_h: np.ndarray, p_h: np.ndarray, m_h: float, rng: np.random.Generator) -> np.ndarray:
    """Muon lab momenta (shape (n, 3)) [GeV] of the decays h -> mu nu, isotropic in the rest frame of the
    meson (energy ``e_h``, momentum ``p_h``, mass ``m_h``), boosted along p_h."""
    n = len(e_h)
    p_star = (m_h**2 - M_MU**2) / (2 * m_h)
    cth = 2 * rng.random(n) - 1
    phs = 2 * np.pi * rng.random(n)
    sth = np.sqrt(1 - cth**2)
    p_mu_rest = p_star * np.column_stack([sth * np.cos(phs), sth * np.sin(phs), cth])
    e_mu_rest = np.full(n, math.sqrt(p_star**2 + M_MU**2))
    return boost(np.column_stack([e_mu_rest, p_mu_rest]), np.column_stack([e_h, p_h]), parent_mass=m_h)[:, 1:]


def _mass_GeV(pdg: int) -> float:
    """Mass [GeV] of a hadron from ``particle``'s PDG table (imported here: its table costs 0.2 s of every
    command that imports beams)."""
    from particle import Particle

    mass = Particle.from_pdgid(pdg).mass
    if mass is None:
        raise ValueError(f"pdg = {pdg} has no mass in particle's table")
    return float(mass) / 1e3


def _meson(pdg: int) -> tuple[int, float, float]:
    """Charge, mass [GeV] and c tau [m] of a pion or kaon from ``particle``'s PDG table."""
    from particle import Particle

    meson = Particle.from_pdgid(pdg)
    if meson.charge is None or meson.mass is None or meson.ctau is None:
        raise ValueError(f"pdg = {pdg} has no charge, mass or lifetime in particle's table")
    return int(meson.charge), float(meson.mass) / 1e3, float(meson.ctau) / 1e3
