r"""The run directory: where one run writes, checked and locked before any work (issue 13).

A run writes into the card's ``output_dir`` (``--output``). Before the integration starts, :func:`prepare`

1. refuses a path that is (or runs through) a file, and a directory it cannot write into;
2. takes the directory's lock file ``.mudump.lock`` (``O_CREAT | O_EXCL``, holding the pid and host): a
   second run into the same directory at the same time stops at once with :class:`RunLocked`. A lock
   left by a process that no longer exists on this host (a ``kill -9``, a crash) is stale and cleared.
   ``mudump run`` takes it earlier, with :func:`hold_lock`, before its heavy imports (issue 18: a
   refused run took 24 s on a busy machine to say so); :func:`prepare` then uses that lock;
3. removes what a killed run left behind: ``*.part`` files (DESIGN.md rule 8: partial files live beside
   their final names) in the directory and in its ``run_NN`` sub-directories. Under the lock no other
   run can be writing them, so every one of them is stale;
4. never mixes two runs: if the directory holds an earlier run (a ``summary.json`` or an event file) or
   scan (``scan_summary.json``, grids, contours, plot: ``mudump scan`` prepares its directory alike, :func:`prepare_scan`),
   the new run goes to the next free ``run_01``, ``run_02``, ... below it, as MadGraph numbers its runs,
   or, with ``overwrite=True``, the earlier run's files are removed first (only those; ``run_NN``
   sub-directories and files mudump did not write are kept);
5. estimates the size of the output (:func:`estimate`) and refuses a run that does not fit in the free
   space of the disk, or whose ``nevents`` is above :data:`MAX_NEVENTS`, with the size and time.

While the run is inside :func:`prepare`, SIGINT and SIGTERM raise :class:`RunInterrupted` (the first one;
the cleanup ignores a second), so the writers' ``finally`` blocks run; on leaving, the run's ``*.part``
files are removed and the lock released, whatever happened. A signal that lands inside compiled code
can surface as another exception (numba reports ``SystemError``) or be swallowed by a library: the
signal is therefore also recorded, any exception that leaves the run after it becomes
:class:`RunInterrupted`, and :meth:`RunDirectory.checkpoint` (called between event chunks and VEGAS
iterations) raises it if nothing else did. A full disk (``ENOSPC``, ``EDQUOT``) or the
file-size limit (``EFBIG``; Python ignores ``SIGXFSZ``, so ``ulimit -f`` shows up as ``EFBIG``) while
writing becomes an :class:`OutputError` naming the directory.

The size model is measured, not guessed: bytes and seconds per event of each format, from a 40 000-event
NA64mu run with decays (``mudump run`` of a card like ``cards/na64mu_scalar.dat``, one format at a time;
the per-format seconds include sampling and assembling the events). Events without a decay are smaller,
so the estimate errs on the large side.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .exceptions import CardError, OutputError, RunInterrupted, RunLocked

__all__ = ["BYTES_PER_EVENT", "LOCK_NAME", "MAX_NEVENTS", "SECONDS_PER_EVENT", "Estimate", "RunDirectory",
           "check_nevents", "check_one_point", "estimate", "hold_lock", "prepare", "prepare_directory",
           "prepare_scan"]

logger = logging.getLogger(__name__)

#: Output file name of each format (the writers' names; kept here so that this module imports no writer).
FILE_NAMES = {"lhe": "events.lhe", "root": "events.root", "hepmc": "events.hepmc3",
              "fairship": "events_fairship.root"}
#: Bytes per event written, per format (measured, see the module docstring).
BYTES_PER_EVENT = {"lhe": 1540, "root": 255, "hepmc": 1450, "fairship": 150}
#: Wall-clock seconds per event, per format, on one core (measured, see the module docstring).
SECONDS_PER_EVENT = {"lhe": 7e-5, "root": 2.5e-5, "hepmc": 8e-5, "fairship": 1.2e-5}
#: The most events one run may ask for (about 1.5 TB of LHE and a day of one core); more is surely a
#: typo. Split a larger sample into runs with different seeds.
MAX_NEVENTS = 10**9
#: Headroom kept free on the disk beyond the estimate (a fraction of the estimate, at least 10 MB).
HEADROOM = 0.10
LOCK_NAME = ".mudump.lock"
SUMMARY_NAME = "summary.json"
#: What a finished ``mudump scan`` leaves (``generator.sensitivity.write_scan``; globs).
SCAN_NAMES = ("scan_summary.json", "grid_*.csv", "grid_*.json", "contour_*.csv", "contour_*.json",
              "sensitivity.png", "sensitivity.pdf")
_RUN_RE = re.compile(r"^run_(\d{2,})$")
_FULL = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
         errno.EFBIG: "a file reached the file-size limit (ulimit -f)"}


def _size(n_bytes: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB", "EB"):
        if abs(n_bytes) < 1000 or unit == "EB":
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.3g} EB"  # pragma: no cover


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


@dataclass(frozen=True)
class Estimate:
    """Expected size (bytes) and time (s) of writing ``nevents`` events in ``formats``."""

    nevents: int
    formats: tuple[str, ...]
    bytes: float
    seconds: float

    def __str__(self) -> str:
        per = ", ".join(f"{f} {_size(BYTES_PER_EVENT[f])}" for f in self.formats)
        return (f"about {_size(self.bytes)} ({per} per event) and {_duration(self.seconds)} for "
                f"{self.nevents:,} events")


def estimate(nevents: int, formats: Iterable[str]) -> Estimate:
    """Size and time of writing ``nevents`` events in ``formats`` (a ``summary.json`` of ~3 kB aside).

    >>> str(estimate(10**6, ["lhe"]))
    'about 1.54 GB (lhe 1.54 kB per event) and 70 s for 1,000,000 events'
    """
    formats = tuple(formats)
    n = max(int(nevents), 0)
    return Estimate(n, formats, float(n * sum(BYTES_PER_EVENT[f] for f in formats)),
                    float(n * sum(SECONDS_PER_EVENT[f] for f in formats)))


@dataclass
class RunDirectory:
    """Where a run writes (``path``), below the directory asked for (``base``), and what was cleaned."""

    base: Path
    path: Path
    lock: Path
    estimate: Estimate
    removed_stale: list[str] = field(default_factory=list)
    removed_earlier: list[str] = field(default_factory=list)
    interrupted: list[int] = field(default_factory=list)
    """Signals received during the run (SIGINT, SIGTERM)."""

    def checkpoint(self) -> None:
        """Raise :class:`RunInterrupted` if a signal arrived (for loops between chunks or iterations)."""
        if self.interrupted:
            raise _interrupted(self.interrupted[0])

    @property
    def numbered(self) -> bool:
        """True if the run went to a ``run_NN`` folder because ``base`` held an earlier run."""
        return self.path != self.base


# ---------------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------------
def _first_file_on_path(path: Path) -> Path | None:
    """The path itself or the first of its parents that exists and is not a directory."""
    for p in [*reversed(path.parents), path]:
        if p.exists() and not p.is_dir():
            return p
    return None


def _make_dir(path: Path) -> None:
    blocker = _first_file_on_path(path)
    if blocker is not None:
        what = "is a file" if blocker == path else f"is inside {blocker}, which is a file"
        raise OutputError(path, f"{what}, but the output must be a directory",
                          "remove it or choose another --output (output_dir)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise OutputError(path, "cannot be created (permission denied)",
                          "choose a directory you can write to with --output (output_dir)") from None
    except OSError as exc:
        raise OutputError(path, f"cannot be created ({exc.strerror})",
                          "choose another --output (output_dir)") from None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _read_lock(lock: Path) -> dict[str, str]:
    try:
        text = lock.read_text(errors="replace")
    except FileNotFoundError:
        return {}
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def _acquire(base: Path) -> Path:
    """Create ``base/.mudump.lock`` exclusively; clear it if its process is dead (same host)."""
    lock = base / LOCK_NAME
    body = f"pid={os.getpid()}\nhost={socket.gethostname()}\nstarted={time.strftime('%Y-%m-%d %H:%M:%S')}\n"
    for _attempt in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            info = _read_lock(lock)
            pid = int(info["pid"]) if info.get("pid", "").isdigit() else None
            same_host = info.get("host") == socket.gethostname()
            if pid is not None and same_host and not _pid_alive(pid):
                logger.warning("%s: removed the stale lock of mudump run pid %d, which no longer runs",
                               lock, pid)
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                continue
            if not info and not lock.exists():  # released in between
                continue
            who = (f"pid {pid}" if pid is not None else "an unknown process") + (
                f" on {info['host']}" if info.get("host") and not same_host else "")
            since = f", started {info['started']}" if info.get("started") else ""
            raise RunLocked(base, f"another mudump run ({who}{since}) is writing here",
                            f"wait for it to finish or choose another --output (if no run is left, "
                            f"delete {lock})") from None
        except PermissionError:
            raise OutputError(base, "is not writable (permission denied)",
                              "choose a directory you can write to with --output (output_dir)") from None
        except OSError as exc:
            raise _output_error(base, exc) from None
        try:
            os.write(fd, body.encode())
        finally:
            os.close(fd)
        return lock
    raise RunLocked(base, "its lock file keeps reappearing", f"delete {lock} if no mudump run is writing here")


#: Locks this process holds through :func:`hold_lock` (resolved paths) -> whether :func:`prepare_directory`
#: has used it (the run started).
_HELD: dict[Path, bool] = {}


@contextlib.contextmanager
def hold_lock(output_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Take the lock of ``output_dir`` (creating the directory) for the block; :func:`prepare` inside it
    uses this lock instead of taking its own.

    ``mudump run`` holds it before it imports the integration and the writers (numba kernels, vegas,
    awkward, uproot: seconds on a busy machine), so a second run into the same directory stops at once
    with :class:`RunLocked`. A directory the block created is removed again if the run was refused before
    :func:`prepare` (the plan's refusals): a refused run leaves no directory behind.
    """
    base = Path(output_dir)
    created = not base.exists()
    _make_dir(base)
    try:
        lock = _acquire(base)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                base.rmdir()
        raise
    key = lock.resolve()
    _HELD[key] = False
    try:
        yield lock
    finally:
        started = _HELD.pop(key, False)
        _release(lock)
        if created and not started:
            with contextlib.suppress(OSError):
                base.rmdir()


def _release(lock: Path) -> None:
    if _read_lock(lock).get("pid") == str(os.getpid()):
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _run_folders(base: Path) -> list[Path]:
    return sorted(p for p in base.iterdir() if p.is_dir() and _RUN_RE.match(p.name))


def _partial_files(folder: Path) -> list[Path]:
    """``*.part`` files and staging folders (``.mudump-spool-*``) of a run writing into ``folder``."""
    if not folder.is_dir():
        return []
    return sorted([*folder.glob("*.part"), *folder.glob(".mudump-spool-*")])


def _remove(paths: Iterable[Path]) -> list[str]:
    removed = []
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(str(p))
    return removed


def _earlier_run(folder: Path) -> list[Path]:
    """The files of a finished run or scan in ``folder``: its ``summary.json`` (``scan_summary.json``), the
    files it lists (inside ``folder``), the event files by their names (also gzipped, ``events.lhe.gz``)
    and a scan's grids, contours and plots (:data:`SCAN_NAMES`)."""
    names = [SUMMARY_NAME, *FILE_NAMES.values(), *(f"{n}.gz" for n in FILE_NAMES.values())]
    found = [folder / n for n in names if (folder / n).is_file()]
    found += [p for pattern in SCAN_NAMES for p in folder.glob(pattern) if p.is_file()]
    for summary in (SUMMARY_NAME, "scan_summary.json"):
        with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
            listed = json.loads((folder / summary).read_text()).get("files", {}).values()
            found += [folder / Path(f).name for f in listed
                      if Path(f).parent.resolve() == folder.resolve() and (folder / Path(f).name).is_file()]
    summaries = (SUMMARY_NAME, "scan_summary.json")
    return sorted(set(found), key=lambda p: (p.name not in summaries, p.name))


def _output_error(path: Path, exc: OSError) -> OutputError:
    if exc.errno in _FULL:
        where = exc.filename or path
        return OutputError(path, f"{_FULL[exc.errno]} while writing {where}",
                           "free space, raise the limit, or lower nevents; the run's partial files were removed")
    return OutputError(exc.filename or path, exc.strerror or str(exc), "check the output directory (--output)")


def _check_space(path: Path, est: Estimate, nevents_line: Any) -> None:
    free = shutil.disk_usage(path).free
    need = est.bytes * (1 + HEADROOM) + 10e6
    if need > free:
        raise OutputError(path, f"the run needs {est} but only {_size(free)} are free on this disk",
                          "lower nevents, drop an output format, or choose another --output")


def check_nevents(config: Any) -> Estimate:
    """The output estimate of ``config``; refuses ``nevents`` above :data:`MAX_NEVENTS` (CardError)."""
    writes_events = config.nevents > 0 and config.method == "exact"
    est = estimate(config.nevents if writes_events else 0, config.output_formats)
    if config.nevents > MAX_NEVENTS:
        raise CardError(config.source_path, config.source_lines.get("nevents"), "nevents",
                        f"nevents = {config.nevents:,} would write {est}",
                        f"at most {MAX_NEVENTS:.0e} events per run; split a larger sample into runs "
                        "with different seeds")
    return est


def check_one_point(config: Any, overrides: Any = ()) -> None:
    """Refuse to run one point from a scan card that does not give it (CardError).

    A card with ``scan_masses``/``scan_couplings`` but no ``mass`` or ``coupling`` line (nor an override)
    gets both from its grids, for ``mudump scan``; a run of it would silently pick a point (the lightest
    mass, the geometric mean of the couplings). Given explicitly, the run runs that point.
    """
    grids = [k for k in ("scan_masses", "scan_couplings") if getattr(config, k, None)]
    implicit = [k for k in ("mass", "coupling") if k not in config.source_lines and k not in overrides]
    if grids and implicit:
        raise CardError(config.source_path, config.source_lines.get(grids[0]), grids[0],
                        f"a scan card ({' and '.join(grids)}) without {' and '.join(implicit)}: a run would "
                        "pick a point itself",
                        "'mudump scan CARD' to scan the grid, or mass and coupling on the card to run one point")


# ---------------------------------------------------------------------------------------------------
# signals
# ---------------------------------------------------------------------------------------------------
_SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


def _interrupted(signum: int) -> RunInterrupted:
    return RunInterrupted(signum, f"interrupted by {_SIGNAL_NAMES.get(signum, signum)}")


@contextlib.contextmanager
def _signals_raise(record: list[int]) -> Iterator[None]:
    """SIGINT/SIGTERM -> :class:`RunInterrupted` inside the block, each signal appended to ``record``
    (main thread only; the previous handlers are restored after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = _SIGNAL_NAMES

    def handler(signum: int, _frame: Any) -> None:
        record.append(signum)
        for s in names:  # one interruption: the cleanup is not interrupted again
            signal.signal(s, signal.SIG_IGN)
        raise _interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in names}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


# ---------------------------------------------------------------------------------------------------
# the context
# ---------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def prepare(config: Any, *, overwrite: bool = False) -> Iterator[RunDirectory]:
    """Check, lock, clean and choose the run directory of ``config``; yield a :class:`RunDirectory`.

    Raises :class:`OutputError` (a file in the way, not writable, too little space, full disk during the
    run), :class:`RunLocked` (another run is writing there), :class:`CardError` (``nevents`` above
    :data:`MAX_NEVENTS`) before anything is written, and :class:`RunInterrupted` on SIGINT/SIGTERM.
    """
    est = check_nevents(config)
    with prepare_directory(Path(config.output_dir), est, overwrite=overwrite) as rd:
        yield rd


@contextlib.contextmanager
def prepare_scan(output_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[RunDirectory]:
    """:func:`prepare` for ``mudump scan``: the same checks, lock, cleanup, ``run_NN`` numbering and
    ``overwrite``, signals and errors, for a scan writing its grids, contours and plot into ``output_dir``
    (hold it over the whole scan, so that a second scan into the same directory stops at once)."""
    with prepare_directory(Path(output_dir), estimate(0, ()), overwrite=overwrite) as rd:
        yield rd


@contextlib.contextmanager
def prepare_directory(base: Path, est: Estimate, *, overwrite: bool = False) -> Iterator[RunDirectory]:
    """The directory part of :func:`prepare` (steps 1-5 of the module docstring) for output of size ``est``."""
    signals: list[int] = []
    with _signals_raise(signals):
        created = not base.exists()
        _make_dir(base)
        held = (base / LOCK_NAME).resolve() in _HELD  # taken already by hold_lock
        if held:
            _HELD[(base / LOCK_NAME).resolve()] = True
        try:
            lock = base / LOCK_NAME if held else _acquire(base)
        except BaseException:
            if created:
                with contextlib.suppress(OSError):
                    base.rmdir()
            raise
        rd = RunDirectory(base=base, path=base, lock=lock, estimate=est, interrupted=signals)
        try:
            stale = _partial_files(base) + [p for d in _run_folders(base) for p in _partial_files(d)]
            rd.removed_stale = _remove(stale)
            if rd.removed_stale:
                logger.warning("%s: removed %d partial file(s) of an interrupted run: %s", base,
                               len(rd.removed_stale), ", ".join(Path(p).name for p in rd.removed_stale))
            earlier = _earlier_run(base)
            if earlier and overwrite:
                rd.removed_earlier = _remove(earlier)
                logger.warning("%s: --overwrite removed the earlier run's %s", base,
                               ", ".join(Path(p).name for p in rd.removed_earlier))
            elif earlier:
                numbers = [int(_RUN_RE.match(d.name).group(1)) for d in _run_folders(base)]  # type: ignore[union-attr]
                rd.path = base / f"run_{max(numbers, default=0) + 1:02d}"
                rd.path.mkdir()
                logger.warning("%s holds an earlier run: this run writes to %s (--overwrite replaces the "
                               "earlier run instead)", base, rd.path)
            _check_space(rd.path, est, None)
            try:
                yield rd
            except OSError as exc:
                if isinstance(exc, OutputError) or exc.errno not in _FULL:
                    raise
                raise _output_error(rd.path, exc) from exc
        except BaseException as exc:
            _remove(_partial_files(rd.path))
            if rd.numbered and rd.path.is_dir() and not any(rd.path.iterdir()):
                rd.path.rmdir()
            if signals and not isinstance(exc, RunInterrupted):
                raise _interrupted(signals[0]) from exc  # e.g. numba's SystemError around the signal
            raise
        finally:
            if not held:
                _release(lock)
