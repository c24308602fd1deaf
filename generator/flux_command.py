"""``mudump flux``: simulate a proton dump's secondary-muon flux and write it as a flux file.

::

    mudump flux EXPERIMENT --protons N [--seed S] [--output FILE] [--json] [--jobs N | --dask-local N |
                --scheduler tcp://HOST:8786] [--batch-size B] [--min-momentum P] [--max-rows R]
                [--at production|source-plane] [--e-kin-min E]

EXPERIMENT is a shipped experiment name or a TOML path with a ``[dump]`` table
(``geometry/experiments/na62_dump.toml``, ``ship.toml``). The protons are split into batches of
``--batch-size``; each batch is a pure job ``geometry.dump.cascade.simulate_batch(geometry, n, seed,
batch_index)`` run on local processes (``--jobs``, the executors of :mod:`generator.executors`) or on Dask, and
the batches are joined in their order, so the output does not depend on ``--jobs``. The muons are then
carried to the dump's source plane (CSDA loss + Highland scattering, ``geometry.dump.transport``) for
``emerging_per_pot``.

The file (``--output``, CSV) holds the muons with p > ``--min-momentum`` (default 3 GeV, below which no
muon of the shipped experiments can give a signal) at their production points (``--at production``, the
input a run expects: it lets the muons radiate along their path through the target itself), or at the
source plane (``--at source-plane``), optionally thinned to about ``--max-rows`` records
(``geometry.dump.flux.thin``). Its comment lines carry the provenance (command, Pythia version and
settings, seed, geometry and its hash, summary numbers).

Printed (``--json``: only JSON on stdout): ``produced_per_pot`` (muons made in the dump with p > 1 GeV),
``emerging_per_pot`` (p > 3 GeV at the source plane), the mu+/mu- ratio, the kaon and prompt shares, the
rate in protons per second.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "cmd_flux", "flux_provenance", "run_flux"]

logger = logging.getLogger("mudump")

_AT = ("production", "source-plane")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``flux`` sub-command to ``mudump``'s sub-parsers."""
    f = subparsers.add_parser(
        "flux", help="simulate a proton dump's muon flux (Pythia 8 cascade) and write a flux file",
        description="Shower the beam protons in the experiment's [dump] with Pythia 8 PythiaCascade, record "
        "every muon with a decay weight, carry them to the source plane, and write a flux file with its "
        "provenance. Needs the pythia extra: pip install 'mudump[pythia]'.")
    f.add_argument("experiment", help="experiment name (na62_dump, ship) or a TOML file with a [dump] table")
    f.add_argument("--protons", type=int, required=True, help="protons on target to simulate")
    f.add_argument("--seed", type=int, default=1, help="random seed (the file depends on it, not on --jobs)")
    f.add_argument("--output", default=None, help="flux file to write (.csv); none: only the summary")
    f.add_argument("--json", action="store_true", help="print the summary as JSON (only JSON on stdout)")
    f.add_argument("--jobs", type=int, default=1, help="local worker processes")
    f.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://HOST:8786)")
    f.add_argument("--dask-local", dest="dask_local", type=int, default=None, help="start a local Dask cluster "
                   "with N workers")
    f.add_argument("--batch-size", dest="batch_size", type=int, default=500, help="protons per job")
    f.add_argument("--min-momentum", dest="min_momentum", type=float, default=3.0,
                   help="write muons with p above this at production, GeV")
    f.add_argument("--max-rows", dest="max_rows", type=int, default=None,
                   help="thin the file to about this many rows (unbiased Russian roulette)")
    f.add_argument("--at", choices=_AT, default="production",
                   help="write the muons at their production points or at the source plane")
    f.add_argument("--e-kin-min", dest="e_kin_min", type=float, default=0.5,
                   help="hadrons below this kinetic energy leave the cascade, GeV")
    f.set_defaults(func=cmd_flux)
    return f


def _check(args: argparse.Namespace) -> None:
    from .executors import check_options

    check_options(scheduler=args.scheduler, dask_local=args.dask_local, protons=args.protons, jobs=args.jobs,
                  batch_size=args.batch_size, max_rows=args.max_rows)
    if not (math.isfinite(args.min_momentum) and args.min_momentum >= 0):
        raise ValueError(f"--min-momentum = {args.min_momentum} GeV but require >= 0")
    if args.output is not None and not str(args.output).endswith(".csv"):
        raise ValueError(f"--output = {args.output}: a flux file is written as CSV; require a name ending in .csv")
    if args.output is not None:
        folder = Path(args.output).expanduser().resolve().parent
        if not folder.is_dir():
            raise ValueError(f"--output = {args.output}: folder {folder} does not exist")


def regenerate_command(args: argparse.Namespace) -> str:
    """The command line that reproduces the file (``--jobs`` and the executor do not change it)."""
    parts = ["mudump", "flux", str(args.experiment), "--protons", str(args.protons), "--seed", str(args.seed),
             "--batch-size", str(args.batch_size), "--min-momentum", f"{args.min_momentum:g}",
             "--e-kin-min", f"{args.e_kin_min:g}", "--at", args.at]
    if args.max_rows is not None:
        parts += ["--max-rows", str(args.max_rows)]
    if args.output is not None:
        parts += ["--output", str(args.output)]
    return " ".join(parts)


def run_flux(args: argparse.Namespace, progress: bool = True) -> dict[str, Any]:
    """Simulate, transport, summarise and (with ``--output``) write; the summary mapping."""
    import numpy as np

    from geometry.dump.cascade import CascadeResult, CascadeSettings, simulate_batch
    from geometry.dump.flux import batches, summarise, thin, write_flux_csv
    from geometry.dump.layout import DumpGeometry, geometry_hash
    from geometry.dump.pythia_setup import import_pythia
    from geometry.dump.transport import transport_muons
    from geometry.experiments import load_experiment

    from .executors import make_executor

    _check(args)
    experiment = load_experiment(args.experiment)
    geometry = DumpGeometry.from_experiment(experiment)
    import_pythia()  # the one-line install hint before any work
    settings = CascadeSettings(e_kin_min_GeV=args.e_kin_min)
    work = batches(args.protons, args.batch_size)
    tasks = [(geometry, n, args.seed, i, settings) for n, i in work]
    parts: list[Any] = [None] * len(tasks)
    executor = make_executor("processes" if args.jobs > 1 else "serial", workers=args.jobs,
                             scheduler=args.scheduler, dask_local=args.dask_local)
    t0 = time.perf_counter()
    done_protons = 0

    def done(i: int, result: Any) -> None:
        nonlocal done_protons
        parts[i] = result
        done_protons += result.n_protons
        if progress:
            rate = done_protons / max(time.perf_counter() - t0, 1e-9)
            print(f"\rmudump flux: {done_protons}/{args.protons} protons ({rate:.1f}/s)", end="",
                  file=sys.stderr, flush=True)

    try:
        executor.run(simulate_batch, tasks, done)
    finally:
        executor.close()
    if progress:
        print(file=sys.stderr)
    wall = time.perf_counter() - t0
    res = CascadeResult.concatenate(parts)
    p = np.sqrt(res.px**2 + res.py**2 + res.pz**2)
    rng_transport = np.random.default_rng(np.random.SeedSequence([args.seed, 1_000_003]))
    moved = transport_muons(res.x, res.y, res.z, res.px, res.py, res.pz, geometry, rng_transport)
    p_plane = np.sqrt(moved.px**2 + moved.py**2 + moved.pz**2)
    summary = summarise(p, res.weight, res.pdg, res.parent, p_plane, moved.arrived, res.n_protons,
                        settings.muon_p_min_GeV, geometry.source_plane_m).to_dict()
    cpu = float(res.counters.get("cpu_seconds", math.nan))
    summary.update({
        "experiment": experiment.name, "seed": args.seed, "wall_seconds": wall, "cpu_seconds": cpu,
        "protons_per_second": args.protons / wall, "protons_per_cpu_second": args.protons / cpu if cpu else None,
        "records": len(res.weight), "geometry_hash": geometry_hash(geometry),
        "collisions_per_proton": res.counters.get("collisions", 0.0) / res.n_protons,
    })
    if args.output is not None:
        if args.at == "production":
            cols = {"x": res.x, "y": res.y, "z": res.z, "px": res.px, "py": res.py, "pz": res.pz}
            keep = p > args.min_momentum
        else:
            cols = {"x": moved.x, "y": moved.y, "z": moved.z, "px": moved.px, "py": moved.py, "pz": moved.pz}
            keep = moved.arrived & (np.nan_to_num(p_plane) > args.min_momentum)
        idx = np.nonzero(keep)[0]
        weight = res.weight[idx] / res.n_protons
        if args.max_rows is not None:
            sub, weight = thin(weight, (p if args.at == "production" else p_plane)[idx], args.max_rows,
                               np.random.default_rng(np.random.SeedSequence([args.seed, 2_000_003])))
            idx = idx[sub]
        columns = {k: v[idx] for k, v in cols.items()}
        columns.update({"weight": weight, "pdg": res.pdg[idx], "parent": res.parent[idx]})
        summary["rows_written"] = len(idx)
        summary["file_weight_per_pot"] = float(weight.sum())
        path = write_flux_csv(args.output, columns, flux_provenance(args, geometry, settings, summary))
        summary["output"] = str(path)
        summary["output_bytes"] = path.stat().st_size
    return summary


def flux_provenance(args: argparse.Namespace, geometry: Any, settings: Any, summary: dict[str, Any]) -> dict[str, Any]:
    """The provenance header of a flux file."""
    from geometry.dump.layout import geometry_hash
    from geometry.dump.pythia_setup import pythia_setup_file, pythia_version

    from ._version import __version__

    keep = ("protons", "produced_per_pot", "produced_min_momentum_GeV", "produced_by_threshold",
            "emerging_per_pot", "source_plane_m", "mu_plus_over_mu_minus", "mu_plus_over_mu_minus_produced",
            "kaon_share", "kaon_share_produced", "prompt_share", "statistical_error", "records", "rows_written",
            "file_weight_per_pot", "collisions_per_proton")
    return {
        "command": regenerate_command(args),
        "generator": f"mudump {__version__} (geometry/dump: Pythia 8 PythiaCascade + forced muonic decays)",
        "pythia": f"pythia8mc {pythia_version()}, PythiaCascade.init(eKinMin={settings.e_kin_min_GeV}, "
                  f"enhanceSDtarget={settings.enhance_sd_target}, {Path(pythia_setup_file()).name})",
        "settings": settings.describe(),
        "seed": args.seed,
        "protons": args.protons,
        "batches": f"{math.ceil(args.protons / args.batch_size)} of up to {args.batch_size} protons",
        "rows": f"muons with p > {args.min_momentum:g} GeV at {args.at.replace('-', ' ')}"
                + (f", thinned to about {args.max_rows} rows (Russian roulette, q = min(1, c w p))"
                   if args.max_rows is not None else ""),
        "weight": "muons per proton on target",
        "geometry_hash": geometry_hash(geometry),
        "geometry": geometry.to_dict(),
        "summary": {k: summary[k] for k in keep if k in summary},
    }


def cmd_flux(args: argparse.Namespace) -> int:
    """Entry point of ``mudump flux``."""
    try:
        summary = run_flux(args, progress=not getattr(args, "quiet", False) and not args.json)
    except ImportError as exc:  # no pythia extra: one line naming the install command, exit 1
        print(f"mudump flux: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, default=lambda v: None if isinstance(v, float) and not math.isfinite(v) else v))
        return 0
    print(f"{summary['experiment']}: {summary['protons']} protons, {summary['records']} muon records "
          f"in {summary['wall_seconds']:.1f} s ({summary['protons_per_second']:.1f} protons/s)")
    print(f"  produced_per_pot (p > {summary['produced_min_momentum_GeV']:g} GeV) = {summary['produced_per_pot']:.4g}"
          f"; p > 3 / 10 / 30 GeV: " + " / ".join(f"{summary['produced_by_threshold'][k]:.3g}"
                                                  for k in ("p>3", "p>10", "p>30")))
    print(f"  emerging_per_pot (p > 3 GeV at z = {summary['source_plane_m']:g} m) = {summary['emerging_per_pot']:.4g}"
          f" (+- {summary['statistical_error']:.1%})")
    print(f"  mu+/mu- = {summary['mu_plus_over_mu_minus']:.3g}, kaon share = {summary['kaon_share']:.3f}, "
          f"prompt share = {summary['prompt_share']:.3f} (emerging)")
    if "output" in summary:
        print(f"  wrote {summary['output']} ({summary['rows_written']} rows, {summary['output_bytes'] / 1e6:.2f} MB)")
    return 0
