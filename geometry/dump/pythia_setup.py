"""Pythia 8 for the dump: the lazy import, its version and setup file, and a batch's two Pythia instances.

A batch of :mod:`geometry.dump.cascade` uses two instances, both seeded from the batch's Pythia seed:

* ``PythiaCascade`` (initialised with ``InitDefaultMPI.cmnd``, ``eKinMin`` and ``enhanceSDtarget``)
  generates the hadron-nucleus collisions and the full (natural) decays;
* a plain ``Pythia`` with the process level off, whose muonic parents
  (:func:`geometry.dump.decays.muonic_parents`) decay only through their channels with a muon
  (``onIfAny = 13``): the forced decays.

Pythia is imported here only, lazily; without it :func:`import_pythia` raises an ``ImportError`` naming
``pip install 'mudump[pythia]'``. Pythia's C++ banners and tables on file descriptor 1 are silenced with
:func:`quiet_stdout`.

References: T. Sjostrand, M. Utheim, Eur. Phys. J. C 82 (2022) 21 [arXiv:2108.03481] (PythiaCascade;
Pythia examples main424 and main484-487); C. Bierlich et al., SciPost Phys. Codeb. 8 (2022)
[arXiv:2203.11601] (Pythia 8.3).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geometry.dump.decays import muonic_parents

__all__ = [
    "PYTHIA_INSTALL_HINT",
    "BatchPythia",
    "import_pythia",
    "pythia_setup_file",
    "pythia_version",
    "quiet_stdout",
    "start_pythia",
]

PYTHIA_INSTALL_HINT = "pip install 'mudump[pythia]'"


def import_pythia() -> Any:
    """The ``pythia8mc`` module, or an ImportError with the install hint."""
    try:
        import pythia8mc
    except ImportError as exc:
        raise ImportError(f"the dump simulation (mudump flux) needs Pythia 8: {PYTHIA_INSTALL_HINT}") from exc
    return pythia8mc


def pythia_version() -> str:
    """Installed pythia8mc version (``"8.317.2"``), or ``"not installed"``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pythia8mc")
    except PackageNotFoundError:
        return "not installed"


def pythia_setup_file(name: str = "InitDefaultMPI.cmnd") -> Path:
    """Absolute path of ``share/Pythia8/setups/<name>`` shipped by the pythia8mc wheel.

    Searched in the installation prefixes (``sys.prefix``, ``sys.base_prefix``, the user base), beside
    the module, and under ``$PYTHIA8DATA/..``.

    Raises
    ------
    FileNotFoundError
        Naming the places searched.
    """
    import site

    mod = import_pythia()
    roots = [Path(sys.prefix), Path(sys.base_prefix), Path(site.getuserbase())]
    here = Path(mod.__file__).resolve().parent
    roots += [here, *list(here.parents)[:4]]
    if os.environ.get("PYTHIA8DATA"):
        roots.append(Path(os.environ["PYTHIA8DATA"]).parent.parent.parent)
    tried = []
    for root in roots:
        path = root / "share" / "Pythia8" / "setups" / name
        tried.append(str(path))
        if path.is_file():
            return path.resolve()
    raise FileNotFoundError(f"Pythia 8 setup file {name} not found; looked in: {', '.join(dict.fromkeys(tried))}")


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send the C++ output on file descriptor 1 (Pythia's banners and tables) to /dev/null."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (embedded interpreters): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None).fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


@dataclass(frozen=True, slots=True)
class BatchPythia:
    """The Pythia objects of one batch (see the module docstring)."""

    module: Any
    """The ``pythia8mc`` module (for ``Vec4``)."""
    cascade: Any
    """``PythiaCascade``: collisions, cross sections and natural decays."""
    forced: Any
    """``Pythia`` whose muonic parents decay through their muonic channels only."""
    particle_data: Any
    """The particle table of ``cascade``."""
    forced_ids: list[int]
    """Positive ids of the particles with a muonic decay channel (restricted in ``forced``)."""


def start_pythia(e_kin_min_GeV: float, enhance_sd_target: float, pythia_seed: int) -> BatchPythia:
    """Initialise a batch's ``PythiaCascade`` and forced-decay ``Pythia`` with seed ``pythia_seed``.

    Raises
    ------
    RuntimeError
        If Pythia refuses a setting or fails to initialise.
    """
    p8 = import_pythia()
    setup = pythia_setup_file()
    with tempfile.NamedTemporaryFile("w", suffix=".cmnd", delete=False) as fh:
        fh.write(f"include = {setup}\nRandom:setSeed = on\nRandom:seed = {pythia_seed}\n")
        init_file = fh.name
    try:
        with quiet_stdout():
            cascade = p8.PythiaCascade()
            ok = cascade.init(e_kin_min_GeV, enhance_sd_target, init_file)
            cascade.rndm().init(pythia_seed)
            forced = p8.Pythia("", False)
            for s in ("ProcessLevel:all = off", "Print:quiet = on", "ParticleDecays:limitTau0 = off",
                      "211:mayDecay = on", "321:mayDecay = on", "130:mayDecay = on", "310:mayDecay = on",
                      "13:mayDecay = off", "Random:setSeed = on", f"Random:seed = {pythia_seed % 900_000_000 + 1}"):
                if not forced.readString(s):
                    raise RuntimeError(f"Pythia refused the setting {s!r}")
            particle_data = cascade.particleData()
            forced_ids = muonic_parents(particle_data)
            for pid in forced_ids:
                forced.readString(f"{pid}:onMode = off")
                forced.readString(f"{pid}:onIfAny = 13")
            ok = ok and forced.init()
    finally:
        os.unlink(init_file)
    if not ok:
        raise RuntimeError("Pythia 8 PythiaCascade failed to initialise (setup file "
                           f"{setup}); run with -v for Pythia's messages")
    return BatchPythia(p8, cascade, forced, particle_data, forced_ids)
