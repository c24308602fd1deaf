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
it, by dotted key, in :attr:`Experiment.process_keys`, and **only** there
(:mod:`geometry.experiment_layout`). They are deliberately not fields of :class:`ProductionCuts`,
:class:`DaughterCuts` or :class:`Efficiency`, and no function of :mod:`geometry.acceptance` reads them,
so no run can look as if it applied a cut of one process to another. The declared keys come from the
process registry (:func:`process_keys`); this module names no process.

Loading by path
---------------
:func:`load_experiment` takes a shipped name (``"na64mu"``) or a path: anything ending in ``.toml`` or
containing a path separator. A relative path is resolved against ``base_dir`` (a run card passes its own
folder, so ``experiment = ../setups/x.toml`` in a card means "next to the card"), or against the
current directory when ``base_dir`` is None; ``~`` is expanded, ``..`` normalised, symlinks kept.

Modules
-------
This module is the loader and the public place of the experiment's names: the schema (one frozen,
typed class per TOML table, with its field checks) is :mod:`geometry.experiment_schema`; where the file's
layout differs from the classes (``[cuts.*]``, the process keys, ``semi_x``/``semi_y`` of elliptic
shapes), the mapping each way and the errors named as the file writes them are
:mod:`geometry.experiment_layout`. A problem raises :class:`ExperimentError` (a ``ValueError``, never a
``pydantic.ValidationError``) whose message names the file, the dotted key (e.g. ``decay_volume.z_end``)
and what was expected; an unknown key is reported with the nearest valid key, a missing one with a near
unknown key that may be its typo, following DESIGN.md rule 10 and STYLE.md items 5 and 12.

References
----------
[000] Chen, Pospelov, Zhong, PRD 95 115005 (2017), Sec. III.A, Table I.
[001] Rella, Döbrich, Yu, *Searching for Muonphilic Dark Sectors with Proton Beams*, Sec. V.
[004] Batell et al., arXiv:2407.15942, Sec. III.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

from generator._hints import did_you_mean
from geometry.experiment_layout import ExperimentError, process_keys
from geometry.experiment_schema import (
    BEAM_KINDS,
    DECAY_VOLUME_SHAPES,
    EXPOSURE_KINDS,
    PLANE_KINDS,
    PLANE_SHAPES,
    SIGNATURES,
    Background,
    BeamSpec,
    DaughterCuts,
    DecayVolume,
    Detector,
    DetectorPlane,
    DumpLayer,
    DumpSpec,
    Efficiency,
    Experiment,
    Exposure,
    ExposureAlternative,
    ProductionCuts,
    TargetSpec,
)

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
    "process_keys",
]

_SHIPPED = files("geometry") / "experiments"


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
        file, raw = str(path), _read_user_file(path, text_name, base_dir)
    else:
        file, raw = _read_shipped(text_name)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExperimentError(file, None, f"not valid TOML ({exc})", "a UTF-8 TOML document") from exc
    return replace(Experiment.from_dict(data, file=file), path=file)


def _read_user_file(path: Path, text_name: str, base_dir: str | Path | None) -> bytes:
    """The bytes of the user TOML file ``path`` (given as ``text_name``, relative to ``base_dir``)."""
    file = str(path)
    if not path.is_file():
        where = str(base_dir) if base_dir is not None else "the current directory"
        given = "" if text_name == file else f" (given as {text_name!r}, relative to {where})"
        stem = path.name[: -len(".toml")] if path.name.endswith(".toml") else None
        hint = (f"; a shipped experiment is named without a path: experiment = {stem}"
                if stem in available_experiments() else "")
        raise ExperimentError(file, None, f"no such file{given}", f"an existing experiment TOML file{hint}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ExperimentError(file, None, f"cannot read ({exc.strerror})", "a readable TOML file") from None


def _read_shipped(name: str) -> tuple[str, bytes]:
    """The file and the bytes of the shipped experiment ``name``."""
    names = available_experiments()
    if name not in names:
        raise ExperimentError(
            name,
            None,
            f"unknown experiment name{did_you_mean(name, names, n=3)}",
            f"one of {', '.join(names)} or a .toml path",
        )
    resource = _SHIPPED / f"{name}.toml"
    return str(resource), resource.read_bytes()


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
