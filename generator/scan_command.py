"""``mudump scan``: count the expected signal on a scan card's (mass x coupling) grid, write the grids,
contours and plot.

::

    mudump scan CARD [--output DIR] [--overwrite] [--executor serial|processes|dask] [--workers N]
                [--scheduler tcp://HOST:8786 | --dask-local N] [--cache-dir DIR | --no-cache] [--no-plot]
                [--g2-band wp2025|wp2020|none] [--json]

The scan itself is :func:`generator.scan.scan_config` (one integration per mass, reweighted in g), the
files :func:`generator.sensitivity.write_scan`; the output directory is prepared as a run's
(:func:`generator.rundir.prepare_scan`). The heavy modules are imported when the command runs, so
``mudump --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .scan import ScanResult

__all__ = ["add_parser", "cmd_scan"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add the ``scan`` sub-command to ``mudump``'s sub-parsers."""
    sc = subparsers.add_parser(
        "scan", help="sensitivity scan N(m, g), contours and plot from a scan card",
        description="Count the expected signal on the card's (scan_masses x scan_couplings) grid, one "
        "integration per mass reweighted in g, for each of scan_models and scan_experiments; write "
        "grid_*.csv/json, contour_*.csv/json, sensitivity.png/pdf and scan_summary.json.")
    sc.add_argument("card", help="a run card with scan_masses and scan_couplings (see cards/*_scan.dat)")
    sc.add_argument("--output", metavar="DIR", default=None, help="output directory (default: the card's output_dir)")
    sc.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes",
                    help="where mass points run: in this process, local worker processes, or Dask")
    sc.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    sc.add_argument("--scheduler", metavar="ADDRESS", default=None,
                    help="address of a running Dask scheduler, e.g. tcp://HOST:8786 (implies --executor dask)")
    sc.add_argument("--dask-local", dest="dask_local", metavar="N", type=int, default=None,
                    help="start a Dask LocalCluster of N worker processes (implies --executor dask)")
    sc.add_argument("--cache-dir", dest="cache_dir", metavar="DIR", default=None,
                    help="cache of mass points (default: $MUDUMP_CACHE or ~/.cache/mudump/scan)")
    sc.add_argument("--no-cache", dest="no_cache", action="store_true", help="neither read nor write the cache")
    sc.add_argument("--no-plot", dest="no_plot", action="store_true", help="write no PNG/PDF")
    sc.add_argument("--g2-band", dest="g2_band", choices=["wp2025", "wp2020", "none"], default=None,
                    help="the Delta a_mu region drawn: wp2025 = (38 +- 63)e-11 (2025 White Paper + final "
                    "Fermilab; allowed couplings), wp2020 = (251 +- 59)e-11 (the 2021 discrepancy; favoured band), "
                    "none (default: the card's g2_band, wp2025 if not set)")
    sc.add_argument("--overwrite", action="store_true",
                    help="remove the earlier scan's (or run's) files in the output directory first "
                    "(default: a new run_NN folder)")
    sc.add_argument("--json", action="store_true", help="print scan_summary.json to stdout, and nothing else")
    sc.set_defaults(func=cmd_scan)
    return sc


def cmd_scan(args: argparse.Namespace) -> int:
    from .cards import load_card
    from .executors import check_options
    from .rundir import prepare_scan
    from .scan import scan_config, scan_points
    from .sensitivity import write_scan

    check_options(scheduler=args.scheduler, dask_local=args.dask_local, workers=args.workers)
    plot, notes = _check_extras(args)
    config = load_card(args.card, **({"g2_band": args.g2_band} if args.g2_band is not None else {}))
    work = scan_points(config)  # the grid's card errors before the output directory is touched
    # checked, locked (a second scan into the directory stops at once), cleaned, run_NN or --overwrite
    with prepare_scan(args.output or config.output_dir, overwrite=args.overwrite) as out:
        result = scan_config(config, executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                             dask_local=args.dask_local, cache_dir=args.cache_dir, use_cache=not args.no_cache,
                             progress=not getattr(args, "quiet", False), work=work)
        summary = write_scan(result, out.path, plot=plot, notes=notes)
    if args.json:
        print(json.dumps(summary))
        return 0
    _print_scan_summary(result, summary)
    return 0


def _check_extras(args: argparse.Namespace) -> tuple[bool, list[str]]:
    """Optional dependencies before any work: Dask is needed (MissingExtra), the plot is skipped (one
    warning); whether the plot is drawn, and the notes for the summary."""
    import logging

    from ._extras import missing, require
    from .exceptions import MissingExtra

    dask_by = ("--scheduler" if args.scheduler is not None else "--dask-local" if args.dask_local is not None
               else "--executor dask" if args.executor == "dask" else None)
    if dask_by is not None:
        require("dask", dask_by)
    plot, notes = not args.no_plot, []
    if plot and missing("plots"):
        plot = False
        notes.append(f"no plot: {MissingExtra('plots', missing('plots'), 'the sensitivity plot')}")
        logging.getLogger("mudump").warning("%s; the scan writes its grids and contours without "
                                            "sensitivity.png/pdf (or say --no-plot)", notes[0])
    return plot, notes


def _print_scan_summary(result: ScanResult, summary: dict[str, Any]) -> None:
    """The short report of a finished scan: the grid, the reach of each (experiment, model), every path written."""
    print(f"N(m, g) on {len(result.masses)} masses x {len(result.couplings)} couplings in {result.seconds:.1f} s "
          f"({result.executor}, {result.workers} worker(s)); contour level N = {summary['level']:g}")
    for pair in summary["pairs"]:
        reach = pair["mass_reach_GeV"]
        print(f"  {pair['experiment']:>12} {pair['model']:<12} excluded at {pair['excluded_masses']} masses"
              + ("" if reach is None else f", still excluded at the grid's heaviest mass {reach:.4g} GeV"
                 if pair["mass_reach_beyond_grid"] else f", reach closes at m = {reach:.4g} GeV"))
    for note in summary["notes"]:
        print(f"  note: {note}")
    for path in summary["files"].values():
        print(f"  wrote {path}")
