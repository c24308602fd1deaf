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

ALP-mode keys (*), applied by the lfv_alp process only
------------------------------------------------------
``cuts.production.max_outgoing_lepton_energy``, ``cuts.daughters.min_tau_flight`` and
``efficiency.tau_branching`` (:data:`LFV_KEYS`) belong to the LFV ALP process mu N -> tau N a of [004]
Sec. III.C (``generator/processes/lfv_alp.py``, its ``event_acceptance`` hook). Shipped files set them (``na64mu``, ``fasernu2``,
``mucoll_thin``: they carry the published ALP-mode numbers with their sources), so the loader does not
refuse them: it validates them like any other key and records them, by dotted key, in
:attr:`Experiment.lfv_keys`, and **only** there. They are deliberately not fields of
:class:`ProductionCuts`, :class:`DaughterCuts` or :class:`Efficiency`, and no function of
:mod:`geometry.acceptance` reads them, so no run can look as if it applied an 80 GeV lepton cut, a tau
flight cut or a tau branching fraction to the scalar process (to which they do not belong). The lfv_alp
process reads ``experiment.lfv_keys`` and applies them to its events.

Loading by path
---------------
:func:`load_experiment` takes a shipped name (``"na64mu"``) or a path: anything ending in ``.toml`` or
containing a path separator. A relative path is resolved against ``base_dir`` (a run card passes its own
folder, so ``experiment = ../setups/x.toml`` in a card means "next to the card"), or against the
current directory when ``base_dir`` is None; ``~`` is expanded, ``..`` normalised, symlinks kept.

Validation raises :class:`ExperimentError` (a ``ValueError``) whose message names the file, the dotted
key (e.g. ``decay_volume.z_end``) and what was expected; an unknown key is reported with the nearest
valid key (:func:`generator._hints.did_you_mean`), following DESIGN.md rule 10 and STYLE.md items 5 and 12.

References
----------
[000] Chen, Pospelov, Zhong, PRD 95 115005 (2017), Sec. III.A, Table I.
[001] Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, Sec. V.
[004] Batell et al., arXiv:2407.15942, Sec. III.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from generator._hints import did_you_mean, nearest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "BEAM_KINDS",
    "DECAY_VOLUME_SHAPES",
    "EXPOSURE_KINDS",
    "LFV_KEYS",
    "PLANE_KINDS",
    "PLANE_SHAPES",
    "SIGNATURES",
    "Background",
    "BeamSpec",
    "DaughterCuts",
    "DecayVolume",
    "Detector",
    "DetectorPlane",
    "Efficiency",
    "Experiment",
    "ExperimentError",
    "Exposure",
    "ExposureAlternative",
    "ProductionCuts",
    "TargetSpec",
    "available_experiments",
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
#: Dotted keys of the LFV ALP process (applied by it only): validated, kept in ``Experiment.lfv_keys``, never
#: applied here (the lfv_alp process applies them; module docstring, "ALP-mode keys").
LFV_KEYS: tuple[str, ...] = (
    "cuts.production.max_outgoing_lepton_energy",  # GeV, outgoing lepton E below (NA64 ALP mode: 80)
    "cuts.daughters.min_tau_flight",  # m, tau decay length above the vertex resolution d
    "efficiency.tau_branching",  # branching fraction of the selected tau decay mode
)

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
# Dataclasses
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BeamSpec:
    """The incident beam."""

    kind: str
    """``"mono"`` (monochromatic muons), ``"proton_dump"`` (secondary muons from dumped protons) or
    ``"flux_file"`` (muon spectrum read from a file)."""
    particle: int
    """PDG id of the beam particle (-13 = mu+, 13 = mu-, 2212 = proton). For a flux of both charges
    give 13 and say so in ``description``."""
    energy: float | None
    """Beam energy in GeV (the proton energy for ``proton_dump``); optional for ``flux_file``."""
    flux: str | None = None
    """Where the muon flux comes from (file name or description), for ``proton_dump``/``flux_file``."""
    source: str = ""
    """Reference for the numbers above."""


@dataclass(frozen=True, slots=True)
class ExposureAlternative:
    """Another exposure quoted in the literature (kept for scans and comparisons)."""

    label: str
    """Short name, e.g. ``"phase2_003"``."""
    count: float
    """Number of muons (MOT) or protons (POT) on target."""
    source: str = ""
    """Reference for the number."""


@dataclass(frozen=True, slots=True)
class Exposure:
    """Integrated exposure: muons on target (MOT) or protons on target (POT)."""

    kind: str
    """``"MOT"``, ``"POT"`` or ``"flux_file"`` (the flux file carries the normalisation)."""
    count: float | None
    """Number of particles on target; optional only for ``kind = "flux_file"``."""
    alternatives: tuple[ExposureAlternative, ...] = ()
    """Other quoted exposures (e.g. NA64mu phases)."""
    source: str = ""
    """Reference for ``count``."""


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """The target (dump) in which the boson is produced."""

    material: str
    """Material name as in ``geometry/data/materials.toml`` (``"Pb"``, ``"W"``, ``"Cu"``, ``"Mo"``)."""
    length: float
    """Thickness along the beam in metres."""
    z_start: float = 0.0
    """Position of the upstream face in metres (0 by the coordinate convention)."""
    half_x: float | None = None
    """Transverse half-width in x in metres (None: not relevant / not given)."""
    half_y: float | None = None
    """Transverse half-width in y in metres (None: not relevant / not given)."""
    source: str = ""
    """Reference for the numbers above."""

    @property
    def z_end(self) -> float:
        """Downstream face of the target in metres."""
        return self.z_start + self.length


@dataclass(frozen=True, slots=True)
class DecayVolume:
    """The fiducial region in which the boson must decay.

    ``slab`` is bounded only in z (1D geometry of [000]), ``box`` has half-widths ``half_x``,
    ``half_y``; ``elliptic_cylinder`` has semi-axes ``half_x``, ``half_y`` (written ``semi_x``,
    ``semi_y`` in TOML); ``none`` means no fiducial restriction (prompt decays, [004]).
    """

    shape: str
    """One of :data:`DECAY_VOLUME_SHAPES`."""
    z_start: float = 0.0
    """Upstream end in metres."""
    z_end: float = math.inf
    """Downstream end in metres (``inf`` allowed: NA64 'decays beyond the detector')."""
    half_x: float | None = None
    """Half-width (box) or semi-axis (elliptic cylinder) in x, metres."""
    half_y: float | None = None
    """Half-width (box) or semi-axis (elliptic cylinder) in y, metres."""
    source: str = ""
    """Reference for the numbers above."""


@dataclass(frozen=True, slots=True)
class DetectorPlane:
    """A detector plane perpendicular to the beam axis, hit by straight daughter tracks."""

    name: str
    """Plane name, e.g. ``"STRAW1"``, ``"LKr"``."""
    z: float
    """Position along the beam in metres."""
    kind: str = "tracker"
    """``"tracker"`` or ``"calorimeter"``."""
    shape: str = "box"
    """Transverse acceptance: ``"box"`` (half-widths), ``"ellipse"`` (semi-axes) or ``"unbounded"``."""
    half_x: float | None = None
    """Half-width (box) or semi-axis (ellipse) in x, metres."""
    half_y: float | None = None
    """Half-width (box) or semi-axis (ellipse) in y, metres."""
    required_for: tuple[str, ...] = ()
    """Which daughters must hit this plane: subset of ``("charged", "photon")``."""
    source: str = ""
    """Reference for the numbers above."""


@dataclass(frozen=True, slots=True)
class Detector:
    """The detector: its extent along z and its planes."""

    z_start: float
    """Upstream end in metres."""
    z_end: float
    """Downstream end in metres."""
    planes: tuple[DetectorPlane, ...] = ()
    """Planes the daughters are checked against (may be empty: no geometric daughter cut)."""
    source: str = ""
    """Reference for the numbers above."""


@dataclass(frozen=True, slots=True)
class ProductionCuts:
    """Cuts on the muon and the boson at production."""

    min_muon_energy: float = 0.0
    """Minimum muon energy at the production point in GeV (FNAL: 0.5 GeV, [000] Sec. III.A.2)."""
    x_min: float = 0.0
    """Minimum boson energy fraction x = E_X/E_mu (NA64: 1/3, [000] Sec. III.A.1)."""
    iww_energy_factor: float | None = None
    """If set, in IWW mode require E_mu >= max(factor * m_X, m_mu) ([001] Sec. III: factor 300)."""
    source: str = ""
    """Reference for the numbers above."""


@dataclass(frozen=True, slots=True)
class DaughterCuts:
    """Cuts on the decay products.

    ``signature`` selects the logic of :func:`geometry.acceptance.daughter_acceptance`:
    ``"missing_energy"`` (NA64: the boson must decay beyond the detector, no daughter cut, invisible
    decays accepted); ``"displaced_vertex"`` (FNAL, NA62, SHiP: visible daughters checked against the
    energy thresholds and the detector planes, invisible decays rejected); ``"prompt"`` ([004] FASERnu2
    and the thin target: the ALP decays in the target, the selection is on the tau chain, invisible and
    visible decays both accepted; the tau flight cut ``min_tau_flight`` of [004] is an lfv_alp key, see
    :attr:`Experiment.lfv_keys`).
    """

    signature: str
    """One of :data:`SIGNATURES`."""
    min_charged_energy: float = 0.0
    """Minimum energy of each charged daughter in GeV."""
    min_photon_energy: float = 0.0
    """Minimum energy of each photon in GeV."""
    min_photon_energy_sum: float = 0.0
    """Minimum summed photon energy in GeV."""
    min_photon_separation: float = 0.0
    """Minimum distance between the two photons at the calorimeter, metres."""
    photon_min_radius: float = 0.0
    """Minimum distance of each photon from the beam axis at the calorimeter (central hole), metres."""
    wall_distance: float = 0.0
    """Impact points must be at least this far inside each plane's transverse edge, metres."""
    source: str = ""
    """Reference for the numbers above."""


@dataclass(frozen=True, slots=True)
class Efficiency:
    """Signal efficiency and branching fractions applied as constant factors."""

    signal: float = 1.0
    """Reconstruction efficiency in [0, 1]."""
    source: str = ""
    """Reference for the numbers above."""


@dataclass(frozen=True, slots=True)
class Background:
    """Expected background."""

    events: float = 0.0
    """Expected background events after all cuts for the full exposure."""
    per_exposure: float | None = None
    """Background per MOT/POT, where quoted."""
    source: str = ""
    """Reference for the numbers above."""


@dataclass(frozen=True, slots=True)
class Experiment:
    """One experiment: beam, exposure, target, decay volume, detector and cuts (units GeV, metres).

    Build with :func:`load_experiment`; :meth:`to_dict` gives the TOML-shaped mapping back, so
    ``Experiment.from_dict(e.to_dict()) == e``.
    """

    name: str
    """Short name (the file stem of a shipped experiment)."""
    description: str
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
    references: tuple[str, ...] = ()
    """Bibliographic references for the file."""
    coordinates: str = ""
    """Statement of the coordinate convention used by the file."""
    flags: tuple[str, ...] = ()
    """Numbers or choices that are assumed, from memory, or otherwise to be checked."""
    lfv_keys: dict[str, float] = field(default_factory=dict, hash=False)
    """Keys of the LFV ALP process (:data:`LFV_KEYS`) set in the file, by dotted key, e.g.
    ``{"efficiency.tau_branching": 0.1739}``. Validated here, applied only by the lfv_alp process
    (module docstring). Part of equality, not of the hash."""
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
    separators = [sep for sep in (os.sep, os.altsep, "/") if sep]
    is_path = isinstance(name_or_path, Path) or text_name.endswith(".toml") or any(
        sep in text_name for sep in separators
    )
    if is_path:
        path = _resolve(name_or_path, base_dir)
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
# Validation helpers
# ----------------------------------------------------------------------------------------------------

_MISSING = object()


class _Table:
    """Reads keys of one TOML table, checking types and ranges; reports unknown keys at the end."""

    def __init__(self, data: object, file: str, prefix: str) -> None:
        self.file = file
        self.prefix = prefix
        if not isinstance(data, Mapping):
            raise ExperimentError(file, prefix or None, f"got {type(data).__name__} {data!r}", "a table")
        self.data = data
        self.allowed: list[str] = []

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, problem: str, expected: str) -> ExperimentError:
        return ExperimentError(self.file, self.key(name), problem, expected)

    def raw(self, name: str, required: bool) -> object:
        self.allowed.append(name)
        if name in self.data:
            return self.data[name]
        if required:
            typo = nearest(name, self.data, n=1, cutoff=0.6)
            hint = f" (found '{self.key(typo[0])}': a typo?)" if typo else ""
            raise self.error(name, "missing key", f"a value for '{self.key(name)}'{hint}")
        return _MISSING

    def string(self, name: str, *, required: bool = True, default: str | None = "",
               choices: tuple[str, ...] | None = None) -> Any:
        value = self.raw(name, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            raise self.error(name, f"got {type(value).__name__} {value!r}", "a string")
        if choices is not None and value not in choices:
            hint = did_you_mean(value, choices)
            raise self.error(name, f"unknown value {value!r}{hint}", f"one of {', '.join(choices)}")
        return value

    def number(self, name: str, *, required: bool = True, default: float | None = 0.0,
               check: str = "finite", unit: str = "m") -> Any:
        """A float; ``check`` is ``finite``, ``positive``, ``nonnegative``, ``unit_interval``, or ``any``
        (inf allowed, nan not)."""
        value = self.raw(name, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(name, f"got {type(value).__name__} {value!r}", f"a number ({unit})")
        value = float(value)
        if math.isnan(value):
            raise self.error(name, f"{name} = nan", f"a number ({unit})")
        tests: dict[str, tuple[Callable[[float], bool], str]] = {
            "finite": (math.isfinite, f"a finite number ({unit})"),
            "positive": (lambda v: math.isfinite(v) and v > 0, f"a finite number > 0 ({unit})"),
            "nonnegative": (lambda v: math.isfinite(v) and v >= 0, f"a finite number >= 0 ({unit})"),
            "unit_interval": (lambda v: 0 <= v <= 1, "a number in [0, 1]"),
            "any": (lambda v: True, f"a number ({unit})"),
        }
        ok, expected = tests[check]
        if not ok(value):
            sign = "negative" if value < 0 else "out of range"
            raise self.error(name, f"{name} = {value} {unit} is {sign}".replace("  ", " "), expected)
        return value

    def integer(self, name: str, *, required: bool = True) -> Any:
        value = self.raw(name, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"got {type(value).__name__} {value!r}", "an integer (PDG id)")
        return value

    def strings(self, name: str, *, choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.raw(name, False)
        if value is _MISSING:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(name, f"got {value!r}", "a list of strings")
        if choices is not None:
            for v in value:
                if v not in choices:
                    raise self.error(name, f"unknown entry {v!r}", f"entries from {', '.join(choices)}")
        return tuple(value)

    def table(self, name: str, *, required: bool = True) -> _Table:
        value = self.raw(name, required)
        return _Table({} if value is _MISSING else value, self.file, self.key(name))

    def tables(self, name: str) -> list[_Table]:
        value = self.raw(name, False)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            raise self.error(name, f"got {type(value).__name__}", f"an array of tables [[{self.key(name)}]]")
        return [_Table(v, self.file, f"{self.key(name)}[{i}]") for i, v in enumerate(value)]

    def finish(self) -> None:
        for name in self.data:
            if name not in self.allowed:
                hint = did_you_mean(name, self.allowed, cutoff=0.5, show=self.key)
                raise self.error(
                    name, f"unknown key{hint}", f"valid keys here: {', '.join(sorted(set(self.allowed)))}"
                )


def _transverse(t: _Table, names: tuple[str, str], *, required: bool) -> tuple[float | None, float | None]:
    hx = t.number(names[0], required=required, default=None, check="positive")
    hy = t.number(names[1], required=required, default=None, check="positive")
    return hx, hy


def _build_experiment(data: Mapping[str, Any], file: str) -> Experiment:
    top = _Table(data, file, "")
    name = top.string("name")
    description = top.string("description")
    references = top.strings("references")
    coordinates = top.string("coordinates", required=False)
    flags = top.strings("flags")

    t = top.table("beam")
    kind = t.string("kind", choices=BEAM_KINDS)
    beam = BeamSpec(
        kind=kind,
        particle=t.integer("particle"),
        energy=t.number("energy", required=kind != "flux_file", default=None, check="positive", unit="GeV"),
        flux=t.string("flux", required=False, default=None),
        source=t.string("source"),
    )
    t.finish()

    t = top.table("exposure")
    kind = t.string("kind", choices=EXPOSURE_KINDS)
    count = t.number("count", required=kind != "flux_file", default=None, check="positive", unit="")
    alternatives = []
    for a in t.tables("alternatives"):
        alternatives.append(
            ExposureAlternative(
                label=a.string("label"), count=a.number("count", check="positive", unit=""),
                source=a.string("source"),
            )
        )
        a.finish()
    exposure = Exposure(kind=kind, count=count, alternatives=tuple(alternatives), source=t.string("source"))
    t.finish()

    t = top.table("target")
    hx, hy = _transverse(t, ("half_x", "half_y"), required=False)
    target = TargetSpec(
        material=t.string("material"),
        length=t.number("length", check="positive"),
        z_start=t.number("z_start", required=False, default=0.0),
        half_x=hx,
        half_y=hy,
        source=t.string("source"),
    )
    if not target.material:
        raise t.error("material", "empty material name", "a material name such as 'Pb', 'W', 'Cu', 'Mo'")
    t.finish()

    decay_volume = _build_decay_volume(top.table("decay_volume"))
    detector = _build_detector(top.table("detector"))

    lfv_keys: dict[str, float] = {}

    def lfv(table: _Table, name: str, check: str, unit: str) -> None:
        value = table.number(name, required=False, default=None, check=check, unit=unit)
        if value is not None:
            lfv_keys[table.key(name)] = value

    cuts = top.table("cuts")
    t = cuts.table("production", required=False)
    lfv(t, "max_outgoing_lepton_energy", "positive", "GeV")
    production_cuts = ProductionCuts(
        min_muon_energy=t.number("min_muon_energy", required=False, check="nonnegative", unit="GeV"),
        x_min=t.number("x_min", required=False, check="unit_interval", unit=""),
        iww_energy_factor=t.number("iww_energy_factor", required=False, default=None, check="positive", unit=""),
        source=t.string("source", required=False),
    )
    t.finish()
    t = cuts.table("daughters")
    lfv(t, "min_tau_flight", "nonnegative", "m")
    daughter_cuts = DaughterCuts(
        signature=t.string("signature", choices=SIGNATURES),
        min_charged_energy=t.number("min_charged_energy", required=False, check="nonnegative", unit="GeV"),
        min_photon_energy=t.number("min_photon_energy", required=False, check="nonnegative", unit="GeV"),
        min_photon_energy_sum=t.number("min_photon_energy_sum", required=False, check="nonnegative", unit="GeV"),
        min_photon_separation=t.number("min_photon_separation", required=False, check="nonnegative"),
        photon_min_radius=t.number("photon_min_radius", required=False, check="nonnegative"),
        wall_distance=t.number("wall_distance", required=False, check="nonnegative"),
        source=t.string("source"),
    )
    t.finish()
    cuts.finish()

    t = top.table("efficiency", required=False)
    lfv(t, "tau_branching", "unit_interval", "")
    efficiency = Efficiency(
        signal=t.number("signal", required=False, default=1.0, check="unit_interval", unit=""),
        source=t.string("source", required=False),
    )
    t.finish()
    t = top.table("background", required=False)
    background = Background(
        events=t.number("events", required=False, check="nonnegative", unit="events"),
        per_exposure=t.number("per_exposure", required=False, default=None, check="nonnegative", unit="per MOT/POT"),
        source=t.string("source", required=False),
    )
    t.finish()
    top.finish()

    return Experiment(
        name=name, description=description, beam=beam, exposure=exposure, target=target,
        decay_volume=decay_volume, detector=detector, production_cuts=production_cuts,
        daughter_cuts=daughter_cuts, efficiency=efficiency, background=background,
        references=references, coordinates=coordinates, flags=flags, lfv_keys=lfv_keys,
    )


def _build_decay_volume(t: _Table) -> DecayVolume:
    shape = t.string("shape", choices=DECAY_VOLUME_SHAPES)
    if shape == "none":
        dv = DecayVolume(shape=shape, source=t.string("source"))
        t.finish()
        return dv
    z_start = t.number("z_start")
    z_end = t.number("z_end", check="any")
    if not z_end > z_start:
        raise t.error("z_end", f"z_end = {z_end} m <= z_start = {z_start} m", f"z_end > {z_start} m (inf allowed)")
    hx = hy = None
    if shape == "box":
        hx, hy = _transverse(t, ("half_x", "half_y"), required=True)
    elif shape == "elliptic_cylinder":
        hx, hy = _transverse(t, ("semi_x", "semi_y"), required=True)
    if shape != "slab" and not math.isfinite(z_end):
        raise t.error("z_end", f"z_end = {z_end} m for a bounded {shape}", "a finite z_end (m)")
    dv = DecayVolume(shape=shape, z_start=z_start, z_end=z_end, half_x=hx, half_y=hy, source=t.string("source"))
    t.finish()
    return dv


def _build_detector(t: _Table) -> Detector:
    z_start = t.number("z_start")
    z_end = t.number("z_end")
    if not z_end > z_start:
        raise t.error("z_end", f"z_end = {z_end} m <= z_start = {z_start} m", f"z_end > {z_start} m")
    planes = []
    for p in t.tables("planes"):
        shape = p.string("shape", required=False, default="box", choices=PLANE_SHAPES)
        kind = p.string("kind", required=False, default="tracker", choices=PLANE_KINDS)
        name = p.string("name")
        z = p.number("z")
        hx = hy = None
        if shape == "box":
            hx, hy = _transverse(p, ("half_x", "half_y"), required=True)
        elif shape == "ellipse":
            hx, hy = _transverse(p, ("semi_x", "semi_y"), required=True)
        planes.append(
            DetectorPlane(
                name=name, z=z, kind=kind, shape=shape, half_x=hx, half_y=hy,
                required_for=p.strings("required_for", choices=PLANE_PARTICLES), source=p.string("source"),
            )
        )
        p.finish()
    names = [p.name for p in planes]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise t.error(f"planes[{i}].name", f"duplicate plane name {n!r}", "unique plane names")
    detector = Detector(z_start=z_start, z_end=z_end, planes=tuple(planes), source=t.string("source"))
    t.finish()
    return detector


# ----------------------------------------------------------------------------------------------------
# Back to a TOML-shaped mapping
# ----------------------------------------------------------------------------------------------------


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _xy_keys(shape: str) -> tuple[str, str]:
    return ("semi_x", "semi_y") if shape in ("elliptic_cylinder", "ellipse") else ("half_x", "half_y")


def _experiment_to_dict(e: Experiment) -> dict[str, Any]:
    dv = e.decay_volume
    if dv.shape == "none":
        dv_dict: dict[str, Any] = {"shape": "none", "source": dv.source}
    else:
        kx, ky = _xy_keys(dv.shape)
        dv_dict = _drop_none(
            {"shape": dv.shape, "z_start": dv.z_start, "z_end": dv.z_end, kx: dv.half_x, ky: dv.half_y,
             "source": dv.source}
        )
    planes = []
    for p in e.detector.planes:
        kx, ky = _xy_keys(p.shape)
        planes.append(
            _drop_none(
                {"name": p.name, "z": p.z, "kind": p.kind, "shape": p.shape, kx: p.half_x, ky: p.half_y,
                 "required_for": list(p.required_for), "source": p.source}
            )
        )
    detector: dict[str, Any] = {"z_start": e.detector.z_start, "z_end": e.detector.z_end,
                                "source": e.detector.source}
    if planes:
        detector["planes"] = planes
    exposure = _drop_none({"kind": e.exposure.kind, "count": e.exposure.count, "source": e.exposure.source})
    if e.exposure.alternatives:
        exposure["alternatives"] = [
            {"label": a.label, "count": a.count, "source": a.source} for a in e.exposure.alternatives
        ]
    pc, dc = e.production_cuts, e.daughter_cuts
    out: dict[str, Any] = {
        "name": e.name,
        "description": e.description,
        "references": list(e.references),
        "coordinates": e.coordinates,
        "flags": list(e.flags),
        "beam": _drop_none(
            {"kind": e.beam.kind, "particle": e.beam.particle, "energy": e.beam.energy, "flux": e.beam.flux,
             "source": e.beam.source}
        ),
        "exposure": exposure,
        "target": _drop_none(
            {"material": e.target.material, "length": e.target.length, "z_start": e.target.z_start,
             "half_x": e.target.half_x, "half_y": e.target.half_y, "source": e.target.source}
        ),
        "decay_volume": dv_dict,
        "detector": detector,
        "cuts": {
            "production": _drop_none(
                {"min_muon_energy": pc.min_muon_energy, "x_min": pc.x_min,
                 "iww_energy_factor": pc.iww_energy_factor, "source": pc.source}
            ),
            "daughters": {
                "signature": dc.signature, "min_charged_energy": dc.min_charged_energy,
                "min_photon_energy": dc.min_photon_energy, "min_photon_energy_sum": dc.min_photon_energy_sum,
                "min_photon_separation": dc.min_photon_separation, "photon_min_radius": dc.photon_min_radius,
                "wall_distance": dc.wall_distance, "source": dc.source,
            },
        },
        "efficiency": _drop_none(
            {"signal": e.efficiency.signal, "source": e.efficiency.source}
        ),
        "background": _drop_none(
            {"events": e.background.events, "per_exposure": e.background.per_exposure,
             "source": e.background.source}
        ),
    }
    for dotted, value in e.lfv_keys.items():  # back into their tables
        *tables, key = dotted.split(".")
        node = out
        for name in tables:
            node = node.setdefault(name, {})
        node[key] = value
    return out
