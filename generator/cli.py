"""The ``mudump`` command line: a thin argparse layer over the Python API (STYLE.md item 15).

Sub-commands::

    mudump xsec   --process scalar --model leptophilic --target Pb --energy 160 --mass 0.1 \
                  --coupling 5e-4 --method exact|ww|iww [--json]
    mudump width  --model leptophilic --mass 0.1 --coupling 5e-4 [--energy 160] [--json]
    mudump run    CARD [--output DIR] [--seed N] [--nevents N] [--overwrite] [--json]
    mudump card   [--template] > my_run.dat
    mudump scan   CARD [--output DIR] [--overwrite] [--executor serial|processes|dask] [--workers N]
                  [--scheduler tcp://HOST:8786 | --dask-local N] [--cache-dir DIR | --no-cache] [--json]

Every sub-command takes ``-v`` (info, ``-vv`` debug), ``-q`` (errors only, no progress),
``--log-level LEVEL`` and ``--debug`` (show the traceback of an error). Progress and log lines go to
stderr, results to stdout (``--json``: only JSON on stdout).

Exit codes: 0 success, 1 a user error (one line on stderr saying what was wrong and what is allowed,
naming the file or directory), 2 an argparse usage error, 130 / 143 a run stopped by SIGINT / SIGTERM
(its partial files removed).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

from ._version import __version__

#: Sub-commands whose options list the registry's processes, models, methods and form factors; the
#: registry (numba kernels) is loaded only for them, so ``mudump --help`` and ``--version`` stay fast.
_REGISTRY_COMMANDS = ("xsec", "width")


class UserError(Exception):
    """Input the user can fix; printed as one line, exit code 1."""


def _positive(name: str, value: float, allow_zero: bool = False) -> float:
    ok = value >= 0 if allow_zero else value > 0
    if not (math.isfinite(value) and ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise UserError(f"--{name} = {value} but require {name} {bound}")
    return value


def _coupling(g: float) -> float:
    """--coupling >= 0; a warning about the coupling for 0 (nothing happens) and g^2/4pi > 1."""
    import logging

    _positive("coupling", g, allow_zero=True)
    if g == 0:
        logging.getLogger("mudump").warning("--coupling = 0: the boson is neither produced (sigma ~ g^2) nor "
                                            "decays (width ~ g^2)")
    elif g * g / (4 * math.pi) > 1:
        logging.getLogger("mudump").warning(
            "--coupling = %g: g^2/4pi = %.3g > 1 is not perturbative; the tree-level sigma and widths do not "
            "apply (require g <= sqrt(4 pi) = %.4g)", g, g * g / (4 * math.pi), math.sqrt(4 * math.pi))
    return g


def _process_and_model(args: argparse.Namespace):
    from .registry import get_process

    proc = get_process(args.process)
    model = args.model or proc.models[0]
    if model not in proc.models:
        raise UserError(f"--model = {model!r} is not a model of {args.process}; allowed: {', '.join(proc.models)}")
    return proc, proc.make_model(model, args.coupling, _process_params(args, proc)), model


#: Process parameters the xsec/width commands take as options (a process reads those in its card_fields).
_PARAM_OPTIONS = ("theta", "m_chi", "g_chi")


def _process_params(args: argparse.Namespace, proc) -> dict:
    """The options given for the process's own card fields (``--theta`` ...); refused for a process without them."""
    params = {}
    for name in _PARAM_OPTIONS:
        value = getattr(args, name, None)
        if value is None:
            continue
        if name not in proc.card_fields:
            raise UserError(f"--{name.replace('_', '-')} = {value} but process {proc.name} has no {name}; "
                            f"its parameters: {', '.join(proc.card_fields) or 'none'}")
        params[name] = value
    return params


def cmd_xsec(args: argparse.Namespace) -> int:
    from geometry.exceptions import UnknownMaterial

    from .xsec import Target, cross_section

    _positive("mass", args.mass)
    _coupling(args.coupling)
    _positive("energy", args.energy)
    proc, _, model = _process_and_model(args)  # sigma depends on the coupling only, not the model
    if args.method not in proc.methods:
        raise UserError(f"--method = {args.method!r} is not a method of {args.process}; allowed: "
                        f"{', '.join(proc.methods)}")
    params = _process_params(args, proc)
    if args.method == "iww" and "iww_end_point" in proc.card_fields:
        params["iww_end_point"] = args.iww_end_point
    try:
        target = Target.from_material(args.target)
    except UnknownMaterial as exc:
        raise UserError(f"--target: {exc}") from None
    cs = cross_section(
        process=args.process, target=target, energy=args.energy, mass=args.mass, coupling=args.coupling,
        method=args.method, form_factor=args.form_factor, precision=args.precision, seed=args.seed, **params,
    )
    out = {
        "sigma_pb": cs.sigma_pb,
        "error_pb": cs.error_pb,
        "method": cs.method,
        "method_description": (proc.approximations[cs.method].description if cs.method != "exact"
                               else "exact tree-level 2->3, VEGAS"),
        **params,
        "process": args.process,
        "model": model,
        "target": target.name,
        "energy_GeV": args.energy,
        "mass_GeV": args.mass,
        "coupling": args.coupling,
        "form_factor": args.form_factor,
        "chi2_dof": None if math.isnan(cs.chi2_dof) else cs.chi2_dof,
        "n_eval": cs.n_eval,
        "seed": args.seed,
        "mudump_version": __version__,
    }
    if args.json:
        print(json.dumps(out))
    else:
        rel = cs.error_pb / cs.sigma_pb if cs.sigma_pb else float("nan")
        print(f"sigma({args.process}, {model}, {target.name}, E = {args.energy} GeV, "
              f"m = {args.mass} GeV, {proc.coupling_name} = {args.coupling:g}, {cs.method}) = "
              f"{cs.sigma_pb:.6g} +- {cs.error_pb:.2g} pb  ({rel:.2%})")
        if cs.method == "exact":
            print(f"  chi2/dof = {cs.chi2_dof:.2f}, {cs.n_eval} evaluations")
    return 0


def cmd_width(args: argparse.Namespace) -> int:
    _positive("mass", args.mass)
    _coupling(args.coupling)
    _positive("energy", args.energy)
    if args.energy <= args.mass:
        raise UserError(f"--energy = {args.energy} GeV but require energy > mass = {args.mass} GeV")
    proc, model, name = _process_and_model(args)
    widths = model.partial_widths(args.mass)
    total = model.total_width(args.mass)
    out = {
        "process": args.process,
        "model": name,
        "mass_GeV": args.mass,
        "coupling": args.coupling,
        "energy_GeV": args.energy,
        "partial_widths_GeV": widths,
        "width_GeV": total,
        "branching_ratios": model.branching_ratios(args.mass) if total > 0 else {},
        "decay_length_m": model.decay_length(args.mass, args.energy) if total > 0 else math.inf,
        "ctau_m": model.decay_length(args.mass, args.mass * math.sqrt(2)) if total > 0 else math.inf,
        "delta_a_mu": model.delta_a_mu(args.mass),
        **_process_params(args, proc),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{args.process} ({name}, m = {args.mass} GeV, {proc.coupling_name} = {args.coupling:g})")
    for ch, w in widths.items():
        br = out["branching_ratios"].get(ch, 0.0)
        print(f"  Gamma({ch:>10}) = {w:.4e} GeV   BR = {br:.4f}")
    print(f"  Gamma(total)     = {total:.4e} GeV")
    print(f"  decay length at E = {args.energy} GeV: {out['decay_length_m']:.4g} m")
    print(f"  Delta a_mu = {out['delta_a_mu']:.4e}")
    return 0


def cmd_card(args: argparse.Namespace) -> int:
    from .cards import template_card

    sys.stdout.write(template_card())
    if sys.stdout.isatty():
        print("mudump card: save it with: mudump card > my_run.dat", file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .run import run_card

    overrides = {}
    if args.output is not None:
        overrides["output_dir"] = args.output
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.nevents is not None:
        overrides["nevents"] = args.nevents
    summary = run_card(args.card, progress=not getattr(args, "quiet", False), overwrite=args.overwrite,
                       **overrides)
    if args.json:
        print(json.dumps(summary))
    else:
        _print_run_summary(summary)
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from .cards import load_card
    from .rundir import prepare_scan
    from .scan import scan_config, scan_points
    from .sensitivity import write_scan

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers = {args.workers} but require workers >= 1")
    if args.dask_local is not None and args.dask_local < 1:
        raise UserError(f"--dask-local = {args.dask_local} but require N >= 1")
    if args.scheduler is not None and args.dask_local is not None:
        raise UserError("--scheduler and --dask-local both given; require one (an existing cluster or a local one)")
    config = load_card(args.card)
    work = scan_points(config)  # the grid's card errors before the output directory is touched
    # checked, locked (a second scan into the directory stops at once), cleaned, run_NN or --overwrite
    with prepare_scan(args.output or config.output_dir, overwrite=args.overwrite) as out:
        result = scan_config(config, executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                             dask_local=args.dask_local, cache_dir=args.cache_dir, use_cache=not args.no_cache,
                             progress=not getattr(args, "quiet", False), work=work)
        summary = write_scan(result, out.path, plot=not args.no_plot)
    if args.json:
        print(json.dumps(summary))
        return 0
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
    return 0


def _print_run_summary(s: dict) -> None:
    """The short report of a finished run: sigma, the expected counts, every path written."""
    rel = f" ({s['precision_reached']:.1%})" if s.get("precision_reached") is not None else ""
    chi2 = f", chi2/dof = {s['chi2_dof']:.2f}" if s.get("chi2_dof") is not None else ""
    print(f"sigma = {s['sigma_pb']:.5g} +- {s['error_pb']:.2g} pb{rel}{chi2}  [{s['sigma_meaning']}, "
          f"{s['method']}, {s['coupling_name']} = {s['coupling']:g}, m = {s['mass_GeV']:g} GeV]")
    if s.get("n_events"):
        kind = "weighted" if s.get("weighted") else "unweighted"
        eff = s.get("unweighting_efficiency")
        eff_text = f" (unweighting efficiency {eff:.2%})" if eff and not s.get("weighted") else ""
        print(f"events: {s['n_events']:,} {kind}{eff_text}")
    exp = s.get("expected_events")
    if exp:
        def n(key: str) -> str:
            value, err = exp.get(key), exp.get(f"{key}_error")
            if value is None:
                return "n/a"
            return f"{value:.4g}" + (f" +- {err:.2g}" if err else "")

        print(f"expected signal for {exp['exposure']:.3g} {exp['exposure_unit']}: produced {n('produced')} "
              f"-> decayed in volume {n('decayed_in_volume')} -> accepted {n('accepted')}")
        if exp.get("note"):
            print(f"  ({exp['note']})")
    files = s.get("files", {})
    for i, path in enumerate(files.values()):
        print(("written: " if i == 0 else "         ") + str(path))


def _registry_choices() -> dict[str, list[str]]:
    from .registry import PROCESSES

    def union(attr: str) -> list[str]:
        return sorted({c for p in PROCESSES.values() for c in getattr(p, attr)})

    return {"process": sorted(PROCESSES), "model": union("models"), "method": union("methods"),
            "form_factor": union("form_factors")}


def _param_options(p: argparse.ArgumentParser) -> None:
    """Options for process parameters (lfv_alp: theta, m_chi, g_chi); unset = the process's default."""
    p.add_argument("--theta", type=float, default=None, help="LFV vertex angle in rad, g (sin + cos g5) (lfv_alp)")
    p.add_argument("--m-chi", dest="m_chi", type=float, default=None,
                   help="dark fermion mass in GeV (lfv_alp; default m_a/3 invisible, 3 m_a visible)")
    p.add_argument("--g-chi", dest="g_chi", type=float, default=None, help="a -> chi chi~ coupling (lfv_alp; default 1)")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; the choices of xsec/width come from the registry (loaded only for those commands)."""
    parser = argparse.ArgumentParser(prog="mudump", description="Dark-sector event generator for muon beams.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    reg = _registry_choices() if any(a in _REGISTRY_COMMANDS for a in argv) else None

    def choices(key: str) -> dict[str, object]:
        return {"choices": reg[key]} if reg else {}

    x = sub.add_parser("xsec", help="total cross section (pb)")
    x.add_argument("--process", default="scalar", help="process (default %(default)s)", **choices("process"))
    x.add_argument("--model", default=None, help="model of the process (default: its first)",
                   **choices("model"))
    x.add_argument("--target", default="Pb", help="target material (default %(default)s)")
    x.add_argument("--energy", type=float, required=True, help="beam energy in GeV")
    x.add_argument("--mass", type=float, required=True, help="boson mass in GeV")
    x.add_argument("--coupling", type=float, required=True, help="the process's coupling (g_mu for scalar)")
    x.add_argument("--method", default="exact", **choices("method"),
                   help="exact 2->3 (VEGAS); ww = WW with the exact t_min(x, theta) and the 2->2 amplitude "
                   "(DMG4's variant); iww = Chen-Pospelov-Zhong eqs. 12-13 (default %(default)s)")
    x.add_argument("--iww-end-point", dest="iww_end_point", default="paper", choices=["paper", "kinematic"],
                   help="upper end of the IWW x integral: paper = 1, kinematic = 1 - m_mu/E (default %(default)s)")
    x.add_argument("--form-factor", dest="form_factor", default=None, **choices("form_factor"),
                   help="form factor (default: the process's, tsai for scalar)")
    _param_options(x)
    x.add_argument("--precision", type=float, default=0.01, help="target relative error, exact (default %(default)s)")
    x.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    x.add_argument("--json", action="store_true", help="print JSON")
    x.set_defaults(func=cmd_xsec)

    w = sub.add_parser("width", help="widths, branching ratios, decay length, Delta a_mu")
    w.add_argument("--process", default="scalar", help="process (default %(default)s)", **choices("process"))
    w.add_argument("--model", default=None, help="model of the process (default: its first)",
                   **choices("model"))
    w.add_argument("--mass", type=float, required=True, help="boson mass in GeV")
    w.add_argument("--coupling", type=float, required=True, help="the process's coupling")
    w.add_argument("--energy", type=float, default=160.0, help="lab energy of the boson for the decay length, GeV "
                   "(default %(default)s)")
    _param_options(w)
    w.add_argument("--json", action="store_true", help="print JSON")
    w.set_defaults(func=cmd_width)

    r = sub.add_parser("run", help="generate events from a run card",
                       description="Integrate, generate and write events as a run card says. Output goes to "
                       "the card's output_dir (relative to the current directory); a directory that holds an "
                       "earlier run gets a new run_01, run_02, ... folder unless --overwrite.")
    r.add_argument("card", help="the run card (MadGraph run_card.dat syntax; write one with: mudump card > my_run.dat)")
    r.add_argument("--output", metavar="DIR", default=None,
                   help="output directory (default: the card's output_dir)")
    r.add_argument("--seed", type=int, default=None, help="random seed (default: the card's seed)")
    r.add_argument("--nevents", type=int, default=None,
                   help="number of events, 0 = sigma and counts only (default: the card's nevents)")
    r.add_argument("--overwrite", action="store_true",
                   help="remove the earlier run's files in the output directory first (default: a new run_NN folder)")
    r.add_argument("--json", action="store_true",
                   help="print summary.json to stdout, and nothing else (default: a short text summary)")
    r.set_defaults(func=cmd_run)

    sc = sub.add_parser("scan", help="sensitivity scan N(m, g), contours and plot from a scan card",
                        description="Count the expected signal on the card's (scan_masses x scan_couplings) grid, "
                        "one integration per mass reweighted in g, for each of scan_models and scan_experiments; "
                        "write grid_*.csv/json, contour_*.csv/json, sensitivity.png/pdf and scan_summary.json.")
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
    sc.add_argument("--overwrite", action="store_true",
                    help="remove the earlier scan's (or run's) files in the output directory first "
                    "(default: a new run_NN folder)")
    sc.add_argument("--json", action="store_true", help="print scan_summary.json to stdout, and nothing else")
    sc.set_defaults(func=cmd_scan)

    c = sub.add_parser("card", help="write a documented run-card template to stdout",
                       description="Write a run card with every key, its meaning, unit and allowed values: "
                       "mudump card > my_run.dat")
    c.add_argument("--template", action="store_true", help="the documented template (the only kind; default: on)")
    c.set_defaults(func=cmd_card)
    from .flux_command import add_parser as add_flux_parser  # mudump flux (generator/flux_command.py)

    add_flux_parser(sub)
    _add_common_options(parser)
    for p in sub.choices.values():
        _add_common_options(p)
        p.formatter_class = _HelpFormatter
    return parser


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default (unless it says it already, or has none)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.required and action.option_strings:
            return text + " (required)"
        if "default" in text or action.required or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        if action.default is None:
            return text + " (default: not set)"
        if action.nargs == 0 and action.default is False:  # a flag
            return text + " (default: off)"
        return text + " (default: %(default)s)"


def _add_common_options(p: argparse.ArgumentParser) -> None:
    """-v/-q/--log-level/--debug, accepted before or after the sub-command."""
    g = p.add_argument_group("reporting")
    g.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                   help="more log lines on stderr: -v info, -vv debug (default: warnings and progress)")
    g.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="errors only: no progress, no warnings (default: off)")
    g.add_argument("--log-level", choices=["debug", "info", "warning", "error"], type=str.lower,
                   default=argparse.SUPPRESS, help="log level, overrides -v/-q (default: warning)")
    g.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the Python traceback of an error (default: one line)")


def _setup_logging(args: argparse.Namespace) -> None:
    import logging

    level = logging.WARNING
    if getattr(args, "quiet", False):
        level = logging.ERROR
    verbose = getattr(args, "verbose", 0)
    if verbose:
        level = logging.INFO if verbose == 1 else logging.DEBUG
    if getattr(args, "log_level", None):
        level = getattr(logging, args.log_level.upper())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(f"mudump {args.command}: %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)


class _LogFormatter:
    """``mudump run: warning: ...`` (level names in lower case, as the error lines)."""

    def __init__(self, fmt: str) -> None:
        import logging

        self._fmt = logging.Formatter(fmt)

    def format(self, record: object) -> str:
        import copy

        record = copy.copy(record)
        record.levelname = record.levelname.lower()  # type: ignore[attr-defined]
        return self._fmt.format(record)  # type: ignore[arg-type]


def _sigterm(signum: int, _frame: object) -> None:
    from .exceptions import RunInterrupted

    raise RunInterrupted(signum, "interrupted by SIGTERM")


def _os_error_message(exc: OSError) -> str:
    from .exceptions import CardFileError, OutputError

    if isinstance(exc, (CardFileError, OutputError)):
        return str(exc)
    where = exc.filename if exc.filename is not None else "output"
    return f"{where}: {exc.strerror or exc}"


def main(argv: Sequence[str] | None = None) -> int:
    import signal

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    _setup_logging(args)
    if getattr(args, "debug", False):
        return int(args.func(args))
    previous = signal.signal(signal.SIGTERM, _sigterm)
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"mudump {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, KeyError) as exc:  # CardError, UnphysicalRequest, UnknownMaterial, ...
        plain_key_error = type(exc).__str__ is KeyError.__str__ and len(exc.args) == 1
        msg = str(exc.args[0]) if plain_key_error else str(exc)
        print(f"mudump {args.command}: error: {msg}", file=sys.stderr)
        return 1
    except OSError as exc:  # CardFileError, OutputError (file in the way, full disk, ulimit -f), ...
        print(f"mudump {args.command}: error: {_os_error_message(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:  # SIGINT, or RunInterrupted (SIGINT/SIGTERM) from a run
        signum = getattr(exc, "signum", signal.SIGINT)
        name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT"
        done = f"; the {args.command}'s partial files were removed" if args.command in ("run", "scan") else ""
        print(f"mudump {args.command}: interrupted by {name}{done}", file=sys.stderr)
        return 128 + int(signum)
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
