"""The experiment schema: one frozen, typed table class per TOML table of an experiment file.

The classes below are the schema (STYLE.md item 5): one frozen, slotted, keyword-only pydantic v2
dataclass per TOML table, with ``extra="forbid"``; each field's type (:mod:`generator._schema`, shared
with the run cards: ``toml_float("positive", "GeV")``, ``toml_choice(*BEAM_KINDS)``, ...) checks the
value, its range and its unit, and ``__post_init__`` the checks across keys (``z_end > z_start``, the
transverse sizes a shape needs, unique plane names, ``beam.energy`` unless the beam is a flux file).
A table built in Python with a bad value raises :class:`~geometry.experiment_layout.ExperimentError`
(file ``"<python>"``), never a ``pydantic.ValidationError``.

Units: GeV and metres; coordinates, the file layout and the loader: :mod:`geometry.experiments`. Where
the file's layout differs from these classes (``[cuts.*]``, the process keys, ``semi_x``/``semi_y`` of
elliptic shapes): :mod:`geometry.experiment_layout`.

References
----------
[000] Chen, Pospelov, Zhong, PRD 95 115005 (2017), Sec. III.A, Table I.
[001] Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, Sec. V.
[004] Batell et al., arXiv:2407.15942, Sec. III.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic.dataclasses import dataclass

from generator import _schema
from generator._schema import SCHEMA_CONFIG, TomlInt, TomlStr, toml_choice, toml_float, toml_strings
from geometry.experiment_layout import Shapes, build_experiment, error_from, experiment_to_dict

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10 (typing_extensions comes with pydantic)
    from typing_extensions import dataclass_transform

__all__ = [
    "BEAM_KINDS",
    "DECAY_VOLUME_SHAPES",
    "EXPOSURE_KINDS",
    "PLANE_KINDS",
    "PLANE_PARTICLES",
    "PLANE_SHAPES",
    "SIGNATURES",
    "Background",
    "BeamSpec",
    "DaughterCuts",
    "DecayVolume",
    "Detector",
    "DetectorPlane",
    "DumpLayer",
    "DumpSpec",
    "Efficiency",
    "Experiment",
    "Exposure",
    "ExposureAlternative",
    "ProductionCuts",
    "TargetSpec",
]

#: Allowed ``beam.kind`` values.
BEAM_KINDS: tuple[str, ...] = ("mono", "proton_dump", "flux_file")
#: Allowed ``exposure.kind`` values (muons on target, protons on target, normalised by a flux file).
EXPOSURE_KINDS: tuple[str, ...] = ("MOT", "POT", "flux_file")
#: Allowed ``decay_volume.shape`` values.
DECAY_VOLUME_SHAPES: tuple[str, ...] = ("slab", "box", "elliptic_cylinder", "none")
#: Allowed ``detector.planes[].shape`` values.
PLANE_SHAPES: tuple[str, ...] = ("box", "ellipse", "unbounded")
#: Allowed ``detector.planes[].kind`` values.
PLANE_KINDS: tuple[str, ...] = ("tracker", "calorimeter")
#: Allowed entries of ``detector.planes[].required_for``.
PLANE_PARTICLES: tuple[str, ...] = ("charged", "photon")
#: Allowed ``cuts.daughters.signature`` values (see :class:`DaughterCuts`).
SIGNATURES: tuple[str, ...] = ("missing_energy", "displaced_vertex", "prompt")


# ----------------------------------------------------------------------------------------------------
# Field types (generator._schema): a TOML value of the right type, in range; the unit is named in errors
# ----------------------------------------------------------------------------------------------------
if TYPE_CHECKING:  # what each field holds; at run time the types below also check the value
    _BeamKind = str
    _ExposureKind = str
    _VolumeShape = str
    _PlaneShape = str
    _PlaneKind = str
    _Signature = str
    _PlaneParticles = tuple[str, ...]
    _Strings = tuple[str, ...]
    _FiniteM = float
    _AnyM = float
    _PositiveM = float
    _NonNegativeM = float
    _PositiveGeV = float
    _NonNegativeGeV = float
    _PositiveCount = float
    _PositiveFactor = float
    _Fraction = float
    _NonNegativeEvents = float
    _PerExposure = float
else:
    _BeamKind = toml_choice(*BEAM_KINDS)
    _ExposureKind = toml_choice(*EXPOSURE_KINDS)
    _VolumeShape = toml_choice(*DECAY_VOLUME_SHAPES)
    _PlaneShape = toml_choice(*PLANE_SHAPES)
    _PlaneKind = toml_choice(*PLANE_KINDS)
    _Signature = toml_choice(*SIGNATURES)
    _PlaneParticles = toml_strings(*PLANE_PARTICLES)
    _Strings = toml_strings()
    _FiniteM = toml_float("finite", "m")
    _AnyM = toml_float("any", "m")  # inf allowed (a decay volume open downstream)
    _PositiveM = toml_float("positive", "m")
    _NonNegativeM = toml_float("nonnegative", "m")
    _PositiveGeV = toml_float("positive", "GeV")
    _NonNegativeGeV = toml_float("nonnegative", "GeV")
    _PositiveCount = toml_float("positive", "")
    _PositiveFactor = toml_float("positive", "")
    _Fraction = toml_float("unit_interval", "")
    _NonNegativeEvents = toml_float("nonnegative", "events")
    _PerExposure = toml_float("nonnegative", "per MOT/POT")

_T = TypeVar("_T")


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
def _table(cls: type[_T]) -> type[_T]:
    """A table of the schema: frozen, slotted, keyword-only pydantic dataclass refusing unknown keys;
    built in Python with a bad value it raises :class:`~geometry.experiment_layout.ExperimentError`
    (file ``"<python>"``)."""
    made = dataclass(frozen=True, slots=True, kw_only=True, config=SCHEMA_CONFIG)(cls)
    checked = _schema.raising(lambda exc, args, kwargs: error_from(exc, "<python>", Shapes(), made))(made)
    return cast("type[_T]", checked)  # pydantic's stub types the made class as a PydanticDataclass


def _require_transverse(part: DecayVolume | DetectorPlane) -> None:
    for name in ("half_x", "half_y"):
        if getattr(part, name) is None:
            raise _schema.Missing(name)


@_table
class BeamSpec:
    """The incident beam."""

    kind: _BeamKind
    """``"mono"`` (monochromatic muons), ``"proton_dump"`` (secondary muons from dumped protons) or
    ``"flux_file"`` (muon spectrum read from a file)."""
    particle: TomlInt
    """PDG id of the beam particle (-13 = mu+, 13 = mu-, 2212 = proton). For a flux of both charges
    give 13 and say so in ``description``."""
    energy: _PositiveGeV | None = None
    """Beam energy in GeV (the proton energy for ``proton_dump``); optional for ``flux_file``."""
    flux: TomlStr | None = None
    """Where the muon flux comes from (file name or description), for ``proton_dump``/``flux_file``."""
    source: TomlStr
    """Reference for the numbers above."""

    def __post_init__(self) -> None:
        if self.energy is None and self.kind != "flux_file":
            raise _schema.Missing("energy")


@_table
class ExposureAlternative:
    """Another exposure quoted in the literature (kept for scans and comparisons)."""

    label: TomlStr
    """Short name, e.g. ``"phase2_003"``."""
    count: _PositiveCount
    """Number of muons (MOT) or protons (POT) on target."""
    source: TomlStr
    """Reference for the number."""


@_table
class Exposure:
    """Integrated exposure: muons on target (MOT) or protons on target (POT)."""

    kind: _ExposureKind
    """``"MOT"``, ``"POT"`` or ``"flux_file"`` (the flux file carries the normalisation)."""
    count: _PositiveCount | None = None
    """Number of particles on target; optional only for ``kind = "flux_file"``."""
    alternatives: tuple[ExposureAlternative, ...] = ()
    """Other quoted exposures (e.g. NA64mu phases)."""
    source: TomlStr
    """Reference for ``count``."""

    def __post_init__(self) -> None:
        if self.count is None and self.kind != "flux_file":
            raise _schema.Missing("count")


@_table
class TargetSpec:
    """The target (dump) in which the boson is produced."""

    material: TomlStr
    """Material name as in ``geometry/data/materials.toml`` (``"Pb"``, ``"W"``, ``"Cu"``, ``"Mo"``)."""
    length: _PositiveM
    """Thickness along the beam in metres."""
    z_start: _FiniteM = 0.0
    """Position of the upstream face in metres (0 by the coordinate convention)."""
    half_x: _PositiveM | None = None
    """Transverse half-width in x in metres (None: not relevant / not given)."""
    half_y: _PositiveM | None = None
    """Transverse half-width in y in metres (None: not relevant / not given)."""
    source: TomlStr
    """Reference for the numbers above."""

    def __post_init__(self) -> None:
        if not self.material:
            raise _schema.Invalid("material", "empty material name", "a material name such as 'Pb', 'W', 'Cu', 'Mo'")


    @property
    def z_end(self) -> float:
        """Downstream face of the target in metres."""
        return self.z_start + self.length


@_table
class DecayVolume:
    """The fiducial region in which the boson must decay.

    ``slab`` is bounded only in z (1D geometry of [000]), ``box`` has half-widths ``half_x``,
    ``half_y``; ``elliptic_cylinder`` has semi-axes ``half_x``, ``half_y`` (written ``semi_x``,
    ``semi_y`` in TOML); ``none`` means no fiducial restriction (prompt decays, [004]).
    """

    shape: _VolumeShape
    """One of :data:`DECAY_VOLUME_SHAPES`."""
    z_start: _FiniteM = 0.0
    """Upstream end in metres."""
    z_end: _AnyM = math.inf
    """Downstream end in metres (``inf`` allowed: NA64 'decays beyond the detector')."""
    half_x: _PositiveM | None = None
    """Half-width (box) or semi-axis (elliptic cylinder) in x, metres."""
    half_y: _PositiveM | None = None
    """Half-width (box) or semi-axis (elliptic cylinder) in y, metres."""
    source: TomlStr
    """Reference for the numbers above."""

    def __post_init__(self) -> None:
        if self.shape == "none":
            return
        if not self.z_end > self.z_start:
            raise _schema.Invalid("z_end", f"z_end = {self.z_end} m <= z_start = {self.z_start} m",
                                  f"z_end > {self.z_start} m (inf allowed)")
        if self.shape in ("box", "elliptic_cylinder"):
            _require_transverse(self)
        if self.shape != "slab" and not math.isfinite(self.z_end):
            raise _schema.Invalid("z_end", f"z_end = {self.z_end} m for a bounded {self.shape}", "a finite z_end (m)")


@_table
class DetectorPlane:
    """A detector plane perpendicular to the beam axis, hit by straight daughter tracks."""

    name: TomlStr
    """Plane name, e.g. ``"STRAW1"``, ``"LKr"``."""
    z: _FiniteM
    """Position along the beam in metres."""
    kind: _PlaneKind = "tracker"
    """``"tracker"`` or ``"calorimeter"``."""
    shape: _PlaneShape = "box"
    """Transverse acceptance: ``"box"`` (half-widths), ``"ellipse"`` (semi-axes) or ``"unbounded"``."""
    half_x: _PositiveM | None = None
    """Half-width (box) or semi-axis (ellipse) in x, metres."""
    half_y: _PositiveM | None = None
    """Half-width (box) or semi-axis (ellipse) in y, metres."""
    required_for: _PlaneParticles = ()
    """Which daughters must hit this plane: subset of ``("charged", "photon")``."""
    source: TomlStr
    """Reference for the numbers above."""

    def __post_init__(self) -> None:
        if self.shape in ("box", "ellipse"):
            _require_transverse(self)


@_table
class Detector:
    """The detector: its extent along z and its planes."""

    z_start: _FiniteM
    """Upstream end in metres."""
    z_end: _FiniteM
    """Downstream end in metres."""
    planes: tuple[DetectorPlane, ...] = ()
    """Planes the daughters are checked against (may be empty: no geometric daughter cut)."""
    source: TomlStr
    """Reference for the numbers above."""

    def __post_init__(self) -> None:
        if not self.z_end > self.z_start:
            raise _schema.Invalid("z_end", f"z_end = {self.z_end} m <= z_start = {self.z_start} m",
                                  f"z_end > {self.z_start} m")
        names = [p.name for p in self.planes]
        for i, n in enumerate(names):
            if n in names[:i]:
                raise _schema.Invalid(f"planes[{i}].name", f"duplicate plane name {n!r}", "unique plane names")


@_table
class ProductionCuts:
    """Cuts on the muon and the boson at production."""

    min_muon_energy: _NonNegativeGeV = 0.0
    """Minimum muon energy at the production point in GeV (FNAL: 0.5 GeV, [000] Sec. III.A.2)."""
    x_min: _Fraction = 0.0
    """Minimum boson energy fraction x = E_X/E_mu (NA64: 1/3, [000] Sec. III.A.1)."""
    iww_energy_factor: _PositiveFactor | None = None
    """If set, in IWW mode require E_mu >= max(factor * m_X, m_mu) ([001] Sec. III: factor 300)."""
    source: TomlStr = ""
    """Reference for the numbers above."""


@_table
class DaughterCuts:
    """Cuts on the decay products.

    ``signature`` selects the logic of :func:`geometry.acceptance.daughter_acceptance`:
    ``"missing_energy"`` (NA64: the boson must decay beyond the detector, no daughter cut, invisible
    decays accepted); ``"displaced_vertex"`` (FNAL, NA62, SHiP: visible daughters checked against the
    energy thresholds and the detector planes, invisible decays rejected); ``"prompt"`` ([004] FASERnu2
    and the thin target: the ALP decays in the target, the selection is on the tau chain, invisible and
    visible decays both accepted; the tau flight cut ``min_tau_flight`` of [004] is a process key, see
    :attr:`Experiment.process_keys`).
    """

    signature: _Signature
    """One of :data:`SIGNATURES`."""
    min_charged_energy: _NonNegativeGeV = 0.0
    """Minimum energy of each charged daughter in GeV."""
    min_photon_energy: _NonNegativeGeV = 0.0
    """Minimum energy of each photon in GeV."""
    min_photon_energy_sum: _NonNegativeGeV = 0.0
    """Minimum summed photon energy in GeV."""
    min_photon_separation: _NonNegativeM = 0.0
    """Minimum distance between the two photons at the calorimeter, metres."""
    photon_min_radius: _NonNegativeM = 0.0
    """Minimum distance of each photon from the beam axis at the calorimeter (central hole), metres."""
    wall_distance: _NonNegativeM = 0.0
    """Impact points must be at least this far inside each plane's transverse edge, metres."""
    source: TomlStr
    """Reference for the numbers above."""


@_table
class Efficiency:
    """Signal efficiency and branching fractions applied as constant factors."""

    signal: _Fraction = 1.0
    """Reconstruction efficiency in [0, 1]."""
    source: TomlStr = ""
    """Reference for the numbers above."""


@_table
class Background:
    """Expected background."""

    events: _NonNegativeEvents = 0.0
    """Expected background events after all cuts for the full exposure."""
    per_exposure: _PerExposure | None = None
    """Background per MOT/POT, where quoted."""
    source: TomlStr = ""
    """Reference for the numbers above."""


@_table
class DumpLayer:
    """One block of a proton dump: a homogeneous material between two planes z_start < z_end (metres),
    transversely unbounded (the dump blocks are wide compared with the hadron shower)."""

    material: TomlStr
    """Material name as in ``geometry/data/materials.toml`` (``"Cu"``, ``"Fe"``, ``"Mo"``, ``"W"``)."""
    z_start: _FiniteM
    """Upstream face in metres (the file's coordinates)."""
    z_end: _FiniteM
    """Downstream face in metres."""
    source: TomlStr
    """Reference for the numbers above."""

    def __post_init__(self) -> None:
        if not self.z_end > self.z_start:
            raise _schema.Invalid("z_end", f"z_end = {self.z_end} m <= z_start = {self.z_start} m",
                                  f"z_end > {self.z_start} m")


@_table
class DumpSpec:
    """The proton dump simulated by ``mudump flux`` (:mod:`geometry.dump`): its blocks in beam order and
    the plane at which the emerging muon flux is reported. Gaps between blocks are empty."""

    layers: tuple[DumpLayer, ...]
    """The blocks, ordered along z and not overlapping."""
    source_plane: _FiniteM
    """z of the plane (metres) at which the transported muons are reported (``emerging_per_pot``)."""
    source: TomlStr
    """Reference for the numbers above."""

    def __post_init__(self) -> None:
        if not self.layers:
            raise _schema.Invalid("layers", "no layers", "at least one [[dump.layers]] table")
        for i in range(1, len(self.layers)):
            if self.layers[i].z_start < self.layers[i - 1].z_end:
                raise _schema.Invalid(f"layers[{i}].z_start",
                                      f"z_start = {self.layers[i].z_start} m < z_end = {self.layers[i - 1].z_end} m "
                                      "of the layer before", "layers ordered along z, not overlapping")
        if self.source_plane < self.layers[0].z_start:
            raise _schema.Invalid("source_plane", f"source_plane = {self.source_plane} m is upstream of the dump",
                                  f"a z >= {self.layers[0].z_start} m")


@_table
class Experiment:
    """One experiment: beam, exposure, target, decay volume, detector and cuts (units GeV, metres).

    Build with :func:`geometry.experiments.load_experiment`; :meth:`to_dict` gives the TOML-shaped
    mapping back, so ``Experiment.from_dict(e.to_dict()) == e``.
    """

    name: TomlStr
    """Short name (the file stem of a shipped experiment)."""
    description: TomlStr
    """One-paragraph description."""
    beam: BeamSpec
    """The incident beam."""
    exposure: Exposure
    """MOT or POT."""
    target: TargetSpec
    """The target (dump)."""
    decay_volume: DecayVolume
    """Where the boson must decay."""
    detector: Detector
    """Detector extent and planes."""
    production_cuts: ProductionCuts
    """Cuts at production (``[cuts.production]``)."""
    daughter_cuts: DaughterCuts
    """Cuts on the decay products (``[cuts.daughters]``)."""
    efficiency: Efficiency = field(default_factory=Efficiency)
    """Efficiency and branching factors."""
    background: Background = field(default_factory=Background)
    """Expected background."""
    dump: DumpSpec | None = None
    """The proton dump for ``mudump flux`` (``[dump]``; None: not given)."""
    references: _Strings = ()
    """Bibliographic references for the file."""
    coordinates: TomlStr = ""
    """Statement of the coordinate convention used by the file."""
    flags: _Strings = ()
    """Numbers or choices that are assumed, from memory, or otherwise to be checked."""
    process_keys: dict[str, float] = field(default_factory=dict, hash=False)
    """Keys that a process declares (:func:`geometry.experiment_layout.process_keys`) set in the file, by
    dotted key, e.g. ``{"efficiency.tau_branching": 0.1739}``. Validated by the loader, applied only by
    their process (:mod:`geometry.experiments`, "Process keys"). Part of equality, not of the hash."""
    path: str | None = field(default=None, compare=False)
    """The file the experiment was read from (not part of equality)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, file: str = "<dict>") -> Experiment:
        """Validate a TOML-shaped mapping and build an :class:`Experiment`.

        Raises
        ------
        geometry.experiment_layout.ExperimentError
            Naming ``file``, the dotted key and what was expected.
        """
        return build_experiment(cls, data, file)

    def to_dict(self) -> dict[str, Any]:
        """The TOML-shaped mapping of this experiment (None fields left out), for ``tomli_w.dumps``."""
        return experiment_to_dict(self)

