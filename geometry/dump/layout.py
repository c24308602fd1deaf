"""The geometry of a proton dump as plain, picklable data: blocks of material along the beam axis.

A dump is a stack of homogeneous, transversely unbounded slabs ``z_start <= z < z_end`` (metres, the
experiment file's coordinates: z along the proton beam from the dump's upstream face); gaps between
slabs are empty. It is read from an experiment's ``[dump]`` table (:class:`geometry.experiments.DumpSpec`)
and carries, per slab, what the cascade and the muon transport need: Z, the molar mass A [g/mol], the
density [g/cm^3], the radiation length X0 [m] and the material name for the muon dE/dx tables.

A straight line from a point (x, y, z) with direction cosine c_z = p_z/|p| crosses the slabs in
order; :meth:`DumpGeometry.segments` returns the path lengths [m] spent in each slab (and in each gap)
until the line leaves the stack through its first or last face::

    s(z') = (z' - z) / c_z            path length to the plane z'   (c_z != 0)

A line with |c_z| below ``1e-9`` never leaves an unbounded slab; its path is capped at
:data:`MAX_PATH_M` (a dump is a few metres wide, so nothing is lost that the real block would keep).

:func:`geometry_hash` is a SHA-256 of the canonical JSON of the layout and the proton energy; a flux
file records it, so a file made for another geometry is recognised.

Units: metres, GeV, g/cm^3, g/mol.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass

from geometry.experiments import Experiment
from geometry.materials import get_material

__all__ = ["MAX_PATH_M", "DumpGeometry", "Slab", "geometry_hash"]

#: Longest straight path [m] followed inside the (transversely unbounded) stack.
MAX_PATH_M = 20.0


@dataclass(frozen=True, slots=True)
class Slab:
    """One block: material data for the cascade and the muon transport (units in the names)."""

    material: str
    """Canonical material name (``geometry/data/materials.toml``), e.g. ``"copper"``."""
    z: int
    """Atomic number Z."""
    a_g_mol: float
    """Molar mass A [g/mol] (the A of the hadron-nucleus cross section, interpolated in A)."""
    density_g_cm3: float
    """Density [g/cm^3]."""
    x0_m: float
    """Radiation length X0 [m]."""
    z_start: float
    """Upstream face [m]."""
    z_end: float
    """Downstream face [m]."""

    @property
    def nuclei_per_m3(self) -> float:
        """Number density of nuclei n = rho N_A / A [m^-3]."""
        return self.density_g_cm3 * 6.02214076e23 / self.a_g_mol * 1e6


@dataclass(frozen=True, slots=True)
class DumpGeometry:
    """A proton dump: slabs along z, the proton beam and the source plane (metres, GeV)."""

    slabs: tuple[Slab, ...]
    """Blocks in beam order, not overlapping."""
    source_plane_m: float
    """z of the plane at which the emerging muons are reported [m]."""
    proton_energy_GeV: float
    """Total energy of the beam protons [GeV]."""
    name: str = ""
    """The experiment the dump belongs to."""

    @classmethod
    def from_experiment(cls, experiment: Experiment) -> DumpGeometry:
        """The ``[dump]`` of ``experiment`` with the material data filled in.

        Raises
        ------
        ValueError
            If the experiment has no ``[dump]`` table or its beam is not a proton dump.
        """
        spec = experiment.dump
        if spec is None:
            raise ValueError(f"experiment {experiment.name!r} has no [dump] table; a flux simulation needs one "
                             "(see geometry/experiments/na62_dump.toml)")
        if experiment.beam.kind != "proton_dump" or experiment.beam.energy is None:
            raise ValueError(f"experiment {experiment.name!r}: beam.kind = {experiment.beam.kind!r} but a flux "
                             "simulation needs beam.kind = 'proton_dump' with the proton energy")
        slabs = []
        for layer in spec.layers:
            mat = get_material(layer.material)
            slabs.append(Slab(mat.name, mat.z, mat.a_g_mol, mat.density_g_cm3, mat.radiation_length_cm / 100.0,
                              float(layer.z_start), float(layer.z_end)))
        return cls(tuple(slabs), float(spec.source_plane), float(experiment.beam.energy), experiment.name)

    @property
    def z_front(self) -> float:
        """Upstream face of the first slab [m]."""
        return self.slabs[0].z_start

    @property
    def z_back(self) -> float:
        """Downstream face of the last slab [m]."""
        return self.slabs[-1].z_end

    def slab_at(self, z: float) -> int:
        """Index of the slab containing z (``z_start <= z < z_end``), or -1 in a gap or outside."""
        for i, s in enumerate(self.slabs):
            if s.z_start <= z < s.z_end:
                return i
        return -1

    def segments(self, z: float, cz: float) -> list[tuple[float, int]]:
        """The straight path from z along direction cosine ``cz`` through the stack, as
        ``[(length [m], slab index or -1 for a gap), ...]`` until it leaves the stack (capped at
        :data:`MAX_PATH_M`).

        >>> from geometry.experiments import load_experiment
        >>> g = DumpGeometry.from_experiment(load_experiment("na62_dump"))
        >>> [(round(l, 3), i) for l, i in g.segments(1.0, 1.0)]
        [(0.6, 0), (1.6, 1)]
        """
        out: list[tuple[float, int]] = []
        if abs(cz) < 1e-9:
            i = self.slab_at(z)
            return [(MAX_PATH_M, i)] if i >= 0 else []
        # the planes of the stack, in the order the line meets them
        planes = sorted({p for s in self.slabs for p in (s.z_start, s.z_end)})
        ahead = [p for p in planes if (p > z if cz > 0 else p < z)]
        if cz < 0:
            ahead.reverse()
        total = 0.0
        here = z
        for p in ahead:
            mid = 0.5 * (here + p)
            length = (p - here) / cz
            if length > 0:
                length = min(length, MAX_PATH_M - total)
                out.append((length, self.slab_at(mid)))
                total += length
                if total >= MAX_PATH_M:
                    break
            here = p
        while out and out[-1][1] < 0:  # trailing gap: outside the stack
            out.pop()
        return out

    def to_dict(self) -> dict[str, object]:
        """Plain mapping of the layout (for the provenance header and the hash)."""
        return {"name": self.name, "proton_energy_GeV": self.proton_energy_GeV,
                "source_plane_m": self.source_plane_m, "slabs": [asdict(s) for s in self.slabs]}


def geometry_hash(geometry: DumpGeometry) -> str:
    """SHA-256 (first 16 hex digits) of the canonical JSON of the dump layout and the proton energy.

    >>> from geometry.experiments import load_experiment
    >>> len(geometry_hash(DumpGeometry.from_experiment(load_experiment("ship"))))
    16
    """
    text = json.dumps(geometry.to_dict(), sort_keys=True, separators=(",", ":"),
                      default=lambda v: v if not isinstance(v, float) or math.isfinite(v) else str(v))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
