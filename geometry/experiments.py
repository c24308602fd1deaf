"""Experiment definitions: target, decay volume, detector planes, cuts and exposure, loaded from TOML.

Geometry is data (DESIGN.md rule 5): each experiment is one small TOML file in
``geometry/experiments/<name>.toml`` (shipped: ``na64mu``, ``fnal_mu``, ``na62_dump``, ``ship``,
``fasernu2``, ``mucoll_thin``). A user adds an experiment by writing one such file and passing its path to
:func:`load_experiment`; no code changes.

Units and coordinates
---------------------
GeV for energies, metres for **every** length (also the 10 cm photon separation, written ``0.10``); no
key carries a unit suffix because there is only one unit per dimension. Positions use one convention in
every file: ``z`` along the beam axis, measured from the **upstream face of the target** (the dump), ``x``
horizontal and ``y`` vertical, transverse origin on the beam axis. This is the convention of [000]
Table I and of [001] Sec. V ("z measured from the target's upstream face", docs/physics.md section 9).

File layout (every table has a ``source`` string naming where each of its numbers comes from)::

    name, description, references = [...], coordinates, flags = [...]
    [beam]                kind = "mono" | "proton_dump" | "flux_file"; particle (PDG id); energy (GeV)
    [exposure]            kind = "MOT" | "POT" | "flux_file"; count; [[exposure.alternatives]]
    [target]              material; length; z_start; half_x, half_y (optional)
    [decay_volume]        shape = "slab" | "box" | "elliptic_cylinder" | "none"; z_start; z_end (inf ok);
                          half_x, half_y (box) or semi_x, semi_y (elliptic_cylinder)
    [detector]            z_start; z_end; [[detector.planes]] name, z, kind, shape, sizes, required_for
    [cuts.production]     min_muon_energy; x_min; iww_energy_factor; max_outgoing_lepton_energy (*)
    [cuts.daughters]      signature; energy thresholds; photon separation; hole radius; wall distance;
                          min_tau_flight (*)
    [efficiency]          signal; tau_branching (*)
    [background]          events; per_exposure
    [dump] (optional)     source_plane; source; [[dump.layers]] material, z_start, z_end, source: the proton
                          dump a ``mudump flux`` simulation steps through (geometry.dump); a dump's own
                          blocks, which may differ from the [001]-style ``[target]`` used for production

Process keys (*), applied by the process that declares them only
-----------------------------------------------------------------
A process may declare keys of its own in these tables (``Process.experiment_keys``, e.g. the LFV ALP's
``cuts.production.max_outgoing_lepton_energy``, ``cuts.daughters.min_tau_flight`` and
``efficiency.tau_branching`` of [004] Sec. III.C). Shipped files set them with their sources, so the
loader does not refuse them: it validates each with the range and unit its process declares and records
it, by dotted key, in :attr:`Experiment.process_keys`, and **only** there. They are deliberately not
fields of :class:`ProductionCuts`, :class:`DaughterCuts` or :class:`Efficiency`, and no function of
:mod:`geometry.acceptance` reads them, so no run can look as if it applied a cut of one process to
another. The declared keys come from the process registry (:func:`process_keys`); this module names no
process.

Loading by path
---------------
:func:`load_experiment` takes a shipped name (``"na64mu"``) or a path: anything ending in ``.toml`` or
containing a path separator. A relative path is resolved against ``base_dir`` (a run card passes its own
folder, so ``experiment = ../setups/x.toml`` in a card means "next to the card"), or against the
current directory when ``base_dir`` is None; ``~`` is expanded, ``..`` normalised, symlinks kept.

Schema and validation
---------------------
The classes below are the schema (STYLE.md item 5): one frozen, slotted, keyword-only pydantic v2
dataclass per TOML table, with ``extra="forbid"``; each field's type (:mod:`generator._schema`, shared
with the run cards: ``toml_float("positive", "GeV")``, ``toml_choice(*BEAM_KINDS)``, ...) checks the
value, its range and its unit, and ``__post_init__`` the checks across keys (``z_end > z_start``, the
transverse sizes a shape needs, unique plane names, ``beam.energy`` unless the beam is a flux file).
Where the file's layout differs from the classes (``[cuts.*]``, the process keys, ``semi_x``/``semi_y`` of
elliptic shapes) one function maps it each way (:func:`_fields_from_toml`, :func:`_experiment_to_dict`).
A problem raises :class:`ExperimentError` (a ``ValueError``, never a ``pydantic.ValidationError``) whose
message names the file, the dotted key (e.g. ``decay_volume.z_end``) and what was expected; an unknown
key is reported with the nearest valid key (:func:`generator._hints.did_you_mean`), a missing one with
a near unknown key that may be its typo, following DESIGN.md rule 10 and STYLE.md items 5 and 12.

References
----------
[000] Chen, Pospelov, Zhong, PRD 95 115005 (2017), Sec. III.A, Table I.
[001] Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, Sec. V.
[004] Batell et al., arXiv:2407.15942, Sec. III.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import sys
import typing
from collections.abc import Mapping
from dataclasses import field
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from generator import _schema
from generator._hints import did_you_mean, nearest
from generator._schema import SCHEMA_CONFIG, TomlInt, TomlStr, toml_choice, toml_float, toml_strings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "BEAM_KINDS",
    "DECAY_VOLUME_SHAPES",
    "EXPOSURE_KINDS",
    "PLANE_KINDS",
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
    "ExperimentError",
    "Exposure",
    "ExposureAlternative",
    "ProductionCuts",
    "TargetSpec",
    "available_experiments",
    "experiment_file",
    "load_experiment",
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


def process_keys() -> dict[str, Any]:
    """The keys the registered processes declare for experiment files (``Process.experiment_keys``), by
    dotted key: validated here, kept in ``Experiment.process_keys``, applied only by their process (module
    docstring, "Process keys")."""
    from generator.registry import PROCESSES  # the registry decides; geometry keeps no list of processes

    out: dict[str, Any] = {}
    for proc in PROCESSES.values():
        for key in proc.experiment_keys:
            out.setdefault(key.dotted, key)
    return out

_SHIPPED = files("geometry") / "experiments"


class ExperimentError(ValueError):
    """An experiment file (or dictionary) that does not describe a valid experiment.

    The message reads ``"{file}: {key}: {problem}; expected {expected}"``; the parts are kept as
    attributes for a CLI or a test.

    Parameters
    ----------
    file : str
        The TOML file, or ``"<dict>"`` when built from a mapping.
    key : str or None
        Dotted key path, e.g. ``"decay_volume.z_end"`` or ``"detector.planes[2].z"``.
    problem : str
        What is wrong, including the offending value.
    expected : str
        What is allowed (type, range, choices, nearest valid key).

    >>> str(ExperimentError("x.toml", "target.length", "length = -1.0 m is negative", "a number > 0 (m)"))
    'x.toml: target.length: length = -1.0 m is negative; expected a number > 0 (m)'
    """

    def __init__(self, file: str, key: str | None, problem: str, expected: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.expected = expected
        what = problem if key is None else f"{key}: {problem}"
        super().__init__(f"{self.file}: {what}; expected {expected}")

    def __reduce__(self) -> tuple[type[ExperimentError], tuple[str, str | None, str, str]]:
        return (type(self), (self.file, self.key, self.problem, self.expected))


# ----------------------------------------------------------------------------------------------------
# The schema: frozen pydantic dataclasses (extra="forbid"), one per TOML table
# ----------------------------------------------------------------------------------------------------
# Field types (generator._schema): a TOML value of the right type, in range; the unit is named in errors.
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


def _table(cls: type[_T]) -> type[_T]:
    """A table of the schema: frozen, slotted, keyword-only pydantic dataclass refusing unknown keys;
    built in Python with a bad value it raises :class:`ExperimentError` (file ``"<python>"``)."""
    made = dataclass(frozen=True, slots=True, kw_only=True, config=SCHEMA_CONFIG)(cls)
    return _schema.raising(lambda exc, args, kwargs: _error_from(exc, "<python>", _Shapes(), made))(made)




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

    Build with :func:`load_experiment`; :meth:`to_dict` gives the TOML-shaped mapping back, so
    ``Experiment.from_dict(e.to_dict()) == e``.
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
    """Keys that a process declares (:func:`process_keys`) set in the file, by dotted key, e.g.
    ``{"efficiency.tau_branching": 0.1739}``. Validated here, applied only by their process (module
    docstring). Part of equality, not of the hash."""
    path: str | None = field(default=None, compare=False)
    """The file the experiment was read from (not part of equality)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, file: str = "<dict>") -> Experiment:
        """Validate a TOML-shaped mapping and build an :class:`Experiment`.

        Raises
        ------
        ExperimentError
            Naming ``file``, the dotted key and what was expected.
        """
        return _build_experiment(data, file)

    def to_dict(self) -> dict[str, Any]:
        """The TOML-shaped mapping of this experiment (None fields left out), for ``tomli_w.dumps``."""
        return _experiment_to_dict(self)


# ----------------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------------


def available_experiments() -> list[str]:
    """Names of the shipped experiments (``geometry/experiments/*.toml``), sorted.

    >>> "na64mu" in available_experiments()
    True
    """
    return sorted(p.name[: -len(".toml")] for p in _SHIPPED.iterdir() if p.name.endswith(".toml"))


def load_experiment(name_or_path: str | Path, base_dir: str | Path | None = None) -> Experiment:
    """Load a shipped experiment by name, or a user experiment from a TOML file path.

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        A shipped name (see :func:`available_experiments`), or a path: a :class:`~pathlib.Path`, or a
        string ending in ``.toml`` or containing a path separator.
    base_dir : str or pathlib.Path, optional
        Folder a relative path is resolved against (a run card passes its own folder); None: the
        current directory. Ignored for shipped names and absolute paths.

    Returns
    -------
    Experiment

    Raises
    ------
    ExperimentError
        Unknown name (with the nearest names), missing file (naming the resolved path), unreadable or
        invalid TOML, or invalid content; the message names the file, the dotted key and what was
        expected.

    >>> load_experiment("na62_dump").decay_volume.z_start
    79.0
    """
    text_name = str(name_or_path)
    path = experiment_file(name_or_path, base_dir)
    if path is not None:
        file = str(path)
        if not path.is_file():
            where = str(base_dir) if base_dir is not None else "the current directory"
            given = "" if text_name == file else f" (given as {text_name!r}, relative to {where})"
            stem = path.name[: -len(".toml")] if path.name.endswith(".toml") else None
            hint = (f"; a shipped experiment is named without a path: experiment = {stem}"
                    if stem in available_experiments() else "")
            raise ExperimentError(file, None, f"no such file{given}", f"an existing experiment TOML file{hint}")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ExperimentError(file, None, f"cannot read ({exc.strerror})", "a readable TOML file") from None
    else:
        names = available_experiments()
        if text_name not in names:
            raise ExperimentError(
                text_name,
                None,
                f"unknown experiment name{did_you_mean(text_name, names, n=3)}",
                f"one of {', '.join(names)} or a .toml path",
            )
        resource = _SHIPPED / f"{text_name}.toml"
        raw = resource.read_bytes()
        file = str(resource)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExperimentError(file, None, f"not valid TOML ({exc})", "a UTF-8 TOML document") from exc
    experiment = _build_experiment(data, file)
    return _replace_path(experiment, file)


def experiment_file(name_or_path: str | Path, base_dir: str | Path | None = None) -> Path | None:
    """The user TOML file that ``name_or_path`` names, or None for a shipped experiment's name.

    A path is a :class:`~pathlib.Path`, or a string ending in ``.toml`` or holding a path separator; a
    relative one is resolved against ``base_dir`` (the card's folder), else the current directory.

    >>> experiment_file("na64mu") is None
    True
    """
    text_name = str(name_or_path)
    separators = [sep for sep in (os.sep, os.altsep, "/") if sep]
    if isinstance(name_or_path, Path) or text_name.endswith(".toml") or any(s in text_name for s in separators):
        return _resolve(name_or_path, base_dir)
    return None


def _resolve(name_or_path: str | Path, base_dir: str | Path | None) -> Path:
    """Absolute, normalised path (``~`` expanded, ``..`` folded, symlinks kept) of a user TOML file."""
    path = Path(name_or_path).expanduser()
    if not path.is_absolute():
        path = Path(base_dir).expanduser() / path if base_dir is not None else path
    return Path(os.path.abspath(path))


def _replace_path(experiment: Experiment, file: str) -> Experiment:
    from dataclasses import replace

    return replace(experiment, path=file)


# ----------------------------------------------------------------------------------------------------
# From the TOML layout to the schema and back
# ----------------------------------------------------------------------------------------------------
# The file's layout differs from the classes in three places, handled here and nowhere else:
# [cuts.production] / [cuts.daughters] are the fields production_cuts / daughter_cuts; the process keys go
# to Experiment.process_keys (validated with their declared range); an elliptic shape writes its semi-axes semi_x / semi_y
# into half_x / half_y, and a shape without transverse size (slab, none, unbounded) takes neither.


#: Fields that the TOML file names differently: field -> (table path of the file).
_CUTS = {"production_cuts": ("cuts", "production"), "daughter_cuts": ("cuts", "daughters")}
#: The table (field path) of each table a process key may sit in.
_KEY_TABLES = {"cuts.production": "production_cuts", "cuts.daughters": "daughter_cuts", "efficiency": "efficiency"}
#: Transverse keys each shape takes (others are unknown keys); semi_* are stored as half_*.
_TRANSVERSE = {
    "box": ("half_x", "half_y"), "elliptic_cylinder": ("semi_x", "semi_y"), "slab": (),
    "ellipse": ("semi_x", "semi_y"), "unbounded": (), "none": (),
}
_ALL_TRANSVERSE = ("half_x", "half_y", "semi_x", "semi_y")


class _Shapes(dict[tuple[Any, ...], str]):
    """The shape of each decay volume or plane of a file, by its location in the schema."""


def _require_transverse(part: DecayVolume | DetectorPlane) -> None:
    for name in ("half_x", "half_y"):
        if getattr(part, name) is None:
            raise _schema.Missing(name)


def _fields_from_toml(data: object, file: str) -> tuple[dict[str, Any], _Shapes]:
    """The file's top-level table as the fields of :class:`Experiment` (see the comment above), and the
    shapes met (to name the keys back in errors)."""
    if not isinstance(data, Mapping):
        raise ExperimentError(file, None, f"got {type(data).__name__} {data!r}", "a table")
    top = dict(data)
    shapes = _Shapes()
    for reserved in ("process_keys", "path", *_CUTS):
        if reserved in top:
            raise _unknown(file, (), reserved, shapes)
    if "cuts" not in top:
        raise _missing(file, (), "cuts", top)
    cuts = top.pop("cuts")
    if not isinstance(cuts, Mapping):
        raise ExperimentError(file, "cuts", f"got {type(cuts).__name__} {cuts!r}", "a table")
    for name in cuts:
        if name not in ("production", "daughters"):
            raise _unknown(file, ("cuts",), name, shapes)
    if "daughters" not in cuts:
        raise _missing(file, ("cuts",), "daughters", cuts)
    top["production_cuts"] = cuts.get("production", {})
    top["daughter_cuts"] = cuts["daughters"]

    found: dict[str, Any] = {}
    for dotted, key in process_keys().items():
        table, name = dotted.rsplit(".", 1)
        field_name = _KEY_TABLES.get(table)
        values = top.get(field_name) if field_name else None
        if isinstance(values, Mapping) and name in values:
            values = dict(values)
            value = values.pop(name)
            top[field_name] = values
            try:
                found[dotted] = _schema.adapter(toml_float(key.kind, key.unit)).validate_python(value)
            except ValidationError as exc:
                bad = _schema.first_problem(exc)
                raise ExperimentError(file, dotted, bad.problem.replace("value", name, 1),
                                      bad.expected or "a number") from None
    top["process_keys"] = found

    volume = top.get("decay_volume")
    if isinstance(volume, Mapping):
        top["decay_volume"] = _transverse(file, ("decay_volume",), volume, None, shapes)
    detector = top.get("detector")
    if isinstance(detector, Mapping) and isinstance(detector.get("planes"), list):
        planes = [
            _transverse(file, ("detector", "planes", i), p, "box", shapes) if isinstance(p, Mapping) else p
            for i, p in enumerate(detector["planes"])
        ]
        top["detector"] = {**detector, "planes": planes}
    return top, shapes


def _transverse(file: str, loc: tuple[Any, ...], table: Mapping[str, Any], default: str | None,
                shapes: _Shapes) -> dict[str, Any]:
    """``table`` with its semi-axes stored as half-widths. A decay volume (``default`` None) of a real
    shape needs z_start and z_end; a shape needs its transverse keys and refuses the others."""
    out = dict(table)
    shape = out.get("shape", default)
    if shape not in _TRANSVERSE:
        return out  # the schema names the bad shape
    shapes[loc] = shape
    if shape == "none":
        for name in out:
            if name not in ("shape", "source"):
                raise _unknown(file, loc, name, shapes)
        return out
    if default is None:
        for name in ("z_start", "z_end"):
            if name not in out:
                raise _missing(file, loc, name, out)
    for name in _TRANSVERSE[shape]:
        if name not in out:
            raise _missing(file, loc, name, out)
    for name in _ALL_TRANSVERSE:
        if name in out and name not in _TRANSVERSE[shape]:
            raise _unknown(file, loc, name, shapes)
    for semi, half in (("semi_x", "half_x"), ("semi_y", "half_y")):
        if semi in out:
            out[half] = out.pop(semi)
    return out


def _toml_loc(loc: tuple[Any, ...], shapes: _Shapes) -> tuple[Any, ...]:
    """A location in the schema as the file writes it (``production_cuts`` -> ``cuts.production``,
    ``half_x`` of an elliptic shape -> ``semi_x``)."""
    if loc and loc[0] in _CUTS:
        loc = (*_CUTS[loc[0]], *loc[1:])
    if len(loc) >= 1 and loc[-1] in ("half_x", "half_y") and _TRANSVERSE.get(shapes.get(loc[:-1], ""), ("",))[0] == "semi_x":
        loc = (*loc[:-1], "semi" + loc[-1][4:])
    return loc


def _dotted(loc: tuple[Any, ...]) -> str:
    return _schema.Problem(tuple(loc), "value", "", None).dotted or ""


def _class_at(loc: tuple[Any, ...], root: Any) -> Any:
    """The schema class of the table at ``loc`` (a location in the file's layout, from ``root``), or
    None for the ``[cuts]`` table."""
    names = tuple(p for p in loc if isinstance(p, str))
    if root is Experiment and names == ("cuts",):
        return None
    if root is Experiment and names[:1] == ("cuts",):
        names = ({v: k for k, v in _CUTS.items()}[names[:2]], *names[2:])
    cls: Any = root
    for name in names:
        hints = typing.get_type_hints(cls)
        kind = hints.get(name)
        args = typing.get_args(kind)
        cls = args[0] if args and dataclasses.is_dataclass(args[0]) else kind
        if not dataclasses.is_dataclass(cls):
            return None
    return cls


def _keys_at(loc: tuple[Any, ...], shapes: _Shapes, root: Any) -> list[str]:
    """The keys the table at ``loc`` (file layout, from ``root``) may hold."""
    cls = _class_at(loc, root)
    if cls is None:
        return ["production", "daughters"]
    keys = [f.name for f in dataclasses.fields(cls)]
    if cls is Experiment:
        keys = [k for k in keys if k not in (*_CUTS, "process_keys", "path")] + ["cuts"]
    table = _dotted(loc) if root is Experiment else None
    keys += [d.rsplit(".", 1)[1] for d in process_keys() if d.rsplit(".", 1)[0] == table]
    schema_loc = tuple(loc)
    shape = shapes.get(schema_loc)
    if cls in (DecayVolume, DetectorPlane):
        keys = [k for k in keys if k not in ("half_x", "half_y")]
        keys += list(_TRANSVERSE.get(shape or "", ("half_x", "half_y")))
        if shape == "none":
            keys = ["shape", "source"]
    return keys


def _unknown(file: str, loc: tuple[Any, ...], name: str, shapes: _Shapes, root: Any = None) -> ExperimentError:
    allowed = _keys_at(loc, shapes, root or Experiment)
    hint = did_you_mean(name, allowed, cutoff=0.5, show=lambda k: _dotted((*loc, k)))
    return ExperimentError(file, _dotted((*loc, name)), f"unknown key{hint}",
                           f"valid keys here: {', '.join(sorted(set(allowed)))}")


def _missing(file: str, loc: tuple[Any, ...], name: str, present: object) -> ExperimentError:
    key = _dotted((*loc, name))
    typo = nearest(name, present, n=1, cutoff=0.6) if isinstance(present, Mapping | list) else []
    hint = f" (found '{_dotted((*loc, typo[0]))}': a typo?)" if typo else ""
    return ExperimentError(file, key, "missing key", f"a value for '{key}'{hint}")


def _error_from(exc: ValidationError, file: str, shapes: _Shapes, root: Any = None) -> ExperimentError:
    """The :class:`ExperimentError` of the first problem pydantic found in a ``root`` (default
    :class:`Experiment`), named as the file writes it."""
    root = root or Experiment
    found = _schema.problems(exc)
    first = found[0]
    loc = _toml_loc(first.loc, shapes) if root is Experiment else first.loc
    key = _dotted(loc)
    if first.kind == "missing":
        unknown = [str(p.loc[-1]) for p in found
                   if p.kind == "unknown" and (_toml_loc(p.loc[:-1], shapes) == loc[:-1] or root is not Experiment)]
        return _missing(file, loc[:-1], str(loc[-1]), unknown)
    if first.kind == "unknown":
        return _unknown(file, loc[:-1], str(loc[-1]), shapes, root)
    if first.kind == "array":
        return ExperimentError(file, key, first.problem, f"an array of tables [[{key}]]")
    return ExperimentError(file, key or None, first.problem, first.expected or "a valid value")


def _build_experiment(data: Mapping[str, Any], file: str) -> Experiment:
    fields, shapes = _fields_from_toml(data, file)
    try:
        return Experiment.__pydantic_validator__.validate_python(fields)  # type: ignore[attr-defined,no-any-return]
    except ValidationError as exc:
        raise _error_from(exc, file, shapes) from None


# ----------------------------------------------------------------------------------------------------
# Back to the TOML layout
# ----------------------------------------------------------------------------------------------------


def _experiment_to_dict(e: Experiment) -> dict[str, Any]:
    """The schema's own dump (None left out), laid out as the file: the inverse of
    :func:`_fields_from_toml`."""
    out: dict[str, Any] = _adapter().dump_python(e, exclude_none=True)
    own = out.pop("process_keys")
    out.pop("path", None)
    out["cuts"] = {"production": out.pop("production_cuts"), "daughters": out.pop("daughter_cuts")}
    parts = [out["decay_volume"], *out["detector"].get("planes", ())]
    for part in parts:
        if _TRANSVERSE[part["shape"]][:1] == ("semi_x",):
            for half, semi in (("half_x", "semi_x"), ("half_y", "semi_y")):
                if half in part:
                    part[semi] = part.pop(half)
    if out["decay_volume"]["shape"] == "none":
        out["decay_volume"] = {"shape": "none", "source": out["decay_volume"]["source"]}
    if not out["detector"]["planes"]:
        del out["detector"]["planes"]
    if not out["exposure"]["alternatives"]:
        del out["exposure"]["alternatives"]
    _lists(out)
    for dotted, value in own.items():  # back into their tables
        *tables, key = dotted.split(".")
        node = out
        for name in tables:
            node = node.setdefault(name, {})
        node[key] = value
    return out


def _lists(node: Any) -> Any:
    """Tuples as lists, in place (TOML arrays)."""
    if isinstance(node, dict):
        for k, v in node.items():
            node[k] = _lists(v)
        return node
    if isinstance(node, (list, tuple)):
        return [_lists(v) for v in node]
    return node


@functools.cache
def _adapter() -> TypeAdapter[Experiment]:
    return TypeAdapter(Experiment)
