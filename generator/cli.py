"""The ``mudump`` command line: a thin argparse layer over the Python API (STYLE.md item 15).

Sub-commands::

    mudump xsec   --process scalar --model leptophilic --target Pb --energy 160 --mass 0.1 \
                  --coupling 5e-4 --method exact|ww|iww [--json]
    mudump width  --model leptophilic --mass 0.1 --coupling 5e-4 [--energy 160] [--json]
    mudump run    CARD [--output DIR] [--seed N] [--nevents N] [--overwrite] [--json]
                  [--executor serial|processes|dask] [--jobs N] [--shards N]
                  [--scheduler tcp://HOST:8786 | --dask-local N]
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
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:
    import logging

    from .cards import RunConfig

    _SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

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


def _params_given(args: argparse.Namespace) -> dict:
    """The process-parameter options given on the command line (``--theta 0.5`` ...), as card text; the
    process's own schema reads them (and refuses one it does not have, naming the process that has it)."""
    names = getattr(args, "_param_names", ())
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def _whole_number(name: str, text: str) -> int:
    """A count given on the command line as a card takes it: ``1000``, ``1e3`` (an integral float) or ``1d3``."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text.lower().replace("d", "e"))
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number == int(number) and number >= 0):
        raise UserError(f"--{name} = {text} but require a whole number >= 0 (e.g. 1000 or 1e3)")
    return int(number)


#: Where a request from the command line comes from, in error messages.
_SOURCE = "command line"


def _request(args: argparse.Namespace, energy: float) -> RunConfig:
    """The validated :class:`~generator.cards.RunConfig` of an xsec/width request: the same schema and
    checks as a card and :func:`generator.cross_section` (one refusal, one message, on every path)."""
    from .plan import check_coupling
    from .xsec import request_config

    config = request_config(process=args.process, model=args.model, target=getattr(args, "target", "Pb"),
                            energy=energy, mass=args.mass, coupling=args.coupling,
                            method=getattr(args, "method", "exact"), form_factor=getattr(args, "form_factor", None),
                            precision=getattr(args, "precision", 0.01), seed=getattr(args, "seed", 0),
                            params=_params_given(args), source=_SOURCE)
    check_coupling(config)
    return config


def cmd_xsec(args: argparse.Namespace) -> int:
    from .plan import plan
    from .registry import get_process
    from .xsec import point_cross_section

    config = _request(args, args.energy)
    proc = get_process(config.process)
    run_plan = plan(config)
    cs = point_cross_section(run_plan)
    approximate = cs.method != "exact"
    out = {
        "sigma_pb": cs.sigma_pb,
        "error_pb": cs.error_pb,
        "error_meaning": ("numerical quadrature error of the approximation, not its accuracy" if approximate
                          else "VEGAS statistical error"),
        "method": cs.method,
        "method_description": (proc.approximations[cs.method].description if approximate
                               else "exact tree-level 2->3, VEGAS"),
        **config.process_params(),
        "process": config.process,
        "model": config.model,
        "target": run_plan.target.name,
        "energy_GeV": args.energy,
        "mass_GeV": config.mass,
        "coupling": config.coupling,
        "coupling_name": proc.coupling_name,
        "form_factor": config.form_factor,
        "chi2_dof": None if math.isnan(cs.chi2_dof) else cs.chi2_dof,
        "n_eval": cs.n_eval,
        "seed": config.seed,
        "mudump_version": __version__,
    }
    if args.json:
        print(json.dumps(out))
        return 0
    params = "".join(f", {k} = {v}" for k, v in config.process_params().items())
    print(f"sigma({config.process}, {config.model}, {run_plan.target.name}, E = {args.energy} GeV, "
          f"m = {config.mass} GeV, {proc.coupling_name} = {config.coupling:g}{params}, {cs.method}) = "
          + (f"{cs.sigma_pb:.6g} pb  (numerical quadrature error {cs.error_pb:.1g} pb; the {cs.method} "
             "approximation's own error is not included)" if approximate else
             f"{cs.sigma_pb:.6g} +- {cs.error_pb:.2g} pb  ({cs.error_pb / cs.sigma_pb:.2%})"))
    if not approximate:
        print(f"  chi2/dof = {cs.chi2_dof:.2f}, {cs.n_eval} evaluations")
    return 0


def cmd_width(args: argparse.Namespace) -> int:
    from .registry import PROCESSES, get_process

    _positive("energy", args.energy)
    if not args.energy > args.mass:
        raise UserError(f"--energy = {args.energy} GeV but require energy > mass = {args.mass} GeV")
    proc = get_process(args.process or next(iter(PROCESSES)))
    # the lab energy of the boson is not a beam energy: the request's beam is put safely above threshold
    config = _request(args, args.energy + args.mass + proc.m_out + 1.0)
    model = proc.make_model(config.model, config.coupling, config.params)
    mass = config.mass
    widths = model.partial_widths(mass)
    total = model.total_width(mass)
    out = {
        "process": config.process,
        "model": config.model,
        "boson": proc.boson_label,
        "spin": proc.spin,
        "mass_GeV": mass,
        "coupling": config.coupling,
        "coupling_name": proc.coupling_name,
        "energy_GeV": args.energy,
        "partial_widths_GeV": widths,
        "width_GeV": total,
        "branching_ratios": model.branching_ratios(mass) if total > 0 else {},
        "decay_length_m": model.decay_length(mass, args.energy) if total > 0 else math.inf,
        "ctau_m": model.decay_length(mass, mass * math.sqrt(2)) if total > 0 else math.inf,
        "delta_a_mu": model.delta_a_mu(mass),
        **config.process_params(),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{config.process} ({config.model}, m = {mass} GeV, {proc.coupling_name} = {config.coupling:g})")
    for ch, w in widths.items():
        br = out["branching_ratios"].get(ch, 0.0)
        print(f"  Gamma({ch:>10}) = {w:.4e} GeV   BR = {br:.4f}")
    print(f"  Gamma(total)     = {total:.4e} GeV")
    print(f"  decay length at E = {args.energy} GeV: {out['decay_length_m']:.4g} m")
    print(f"  Delta a_mu = {out['delta_a_mu']:.4e}")
    return 0


def cmd_card(args: argparse.Namespace) -> int:
    from .cards import template_card

    sys.stdout.write(template_card(args.process))
    if sys.stdout.isatty():
        print("mudump card: save it with: mudump card > my_run.dat", file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .cards import parse_card_text, read_card_text
    from .rundir import check_nevents, check_one_point, hold_lock

    overrides = {}
    if args.output is not None:
        overrides["output_dir"] = args.output
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.nevents is not None:  # 1e3 as on a card; an absurd count is refused with the size and time
        overrides["nevents"] = _whole_number("nevents", args.nevents)
    executor = _run_executor(args)
    text = read_card_text(args.card)
    config = parse_card_text(text, str(args.card), **overrides)
    check_one_point(config, overrides)
    check_nevents(config)
    # the lock before the integration's and writers' imports: a second run into the directory stops at once
    with hold_lock(config.output_dir):
        from .run import run_config

        summary = run_config(config, progress=not getattr(args, "quiet", False), card_text=text,
                             overwrite=args.overwrite, **executor)
    if args.json:
        print(json.dumps(summary))
    else:
        _print_run_summary(summary)
    return 0


def _run_executor(args: argparse.Namespace) -> dict:
    """How a run is sharded and where the shards go (``--shards``, ``--executor``, ``--jobs``,
    ``--scheduler``, ``--dask-local``), checked."""
    from .executors import check_options

    check_options(scheduler=args.scheduler, dask_local=args.dask_local, shards=args.shards, jobs=args.jobs)
    return {"executor": args.executor, "shards": args.shards, "jobs": args.jobs, "scheduler": args.scheduler,
            "dask_local": args.dask_local}


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

    return {"process": sorted(PROCESSES), "method": union("methods"), "form_factor": union("form_factors")}


def _param_options(p: argparse.ArgumentParser, registered: bool) -> None:
    """One option per process parameter of the registry (``--theta``, ``--m-chi`` ...), read by the process's
    own schema; unset = the process's default. Without the registry loaded (``mudump --help``) none."""
    if not registered:
        p.set_defaults(_param_names=())
        return
    from .registry import PROCESSES

    owners: dict[str, list] = {}
    for proc in PROCESSES.values():
        for par in proc.params:
            owners.setdefault(par.name, []).append((proc.name, par))
    group = p.add_argument_group("process parameters (each process reads its own; default: the process's)")
    for name, pairs in owners.items():
        par = pairs[0][1]
        unit = f" [{par.unit}]" if par.unit else ""
        group.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, metavar="VALUE",
                           help=f"{par.help}{unit}; {par.expect} ({', '.join(n for n, _ in pairs)})")
    p.set_defaults(_param_names=tuple(owners))


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; the choices of xsec/width come from the registry (loaded only for those commands)."""
    from .flux_command import add_parser as add_flux_parser  # mudump flux (generator/flux_command.py)
    from .scan_command import add_parser as add_scan_parser  # mudump scan (generator/scan_command.py)

    parser = argparse.ArgumentParser(prog="mudump", description="Dark-sector event generator for muon beams.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    reg = _registry_choices() if any(a in _REGISTRY_COMMANDS for a in argv) else None
    _add_xsec_parser(sub, reg)
    _add_width_parser(sub, reg)
    _add_run_parser(sub)
    add_scan_parser(sub)
    _add_card_parser(sub)
    add_flux_parser(sub)
    _add_common_options(parser)
    for p in sub.choices.values():
        _add_common_options(p)
        p.formatter_class = _HelpFormatter
    return parser


def _choices(reg: dict[str, list[str]] | None, key: str) -> list[str] | None:
    """The registry's names for an option (``--process``), or None (no check) without the registry loaded."""
    return reg[key] if reg else None


def _add_xsec_parser(sub: _SubParsers, reg: dict[str, list[str]] | None) -> None:
    """``mudump xsec``: the total cross section of one point (``reg``: the registry's choices, or None)."""
    x = sub.add_parser("xsec", help="total cross section (pb)",
                       description="The total cross section sigma (pb) of the process on one target nucleus at "
                       "one beam energy, boson mass and coupling: the exact tree-level 2->3 matrix element "
                       "integrated with VEGAS (statistical error +- and chi2/dof), or the WW / IWW "
                       "approximations (one-dimensional quadrature; the error printed is the quadrature's, "
                       "not the approximation's). Checked like a run card with the same keys. --json prints "
                       "it as one JSON object.")
    x.add_argument("--process", default=None, help="process (default: the first registered)",
                   choices=_choices(reg, "process"))
    x.add_argument("--model", default=None, help="model of the process (default: its first; mudump card "
                   "--process NAME lists them)")
    x.add_argument("--target", default="Pb", help="target material (default %(default)s)")
    x.add_argument("--energy", type=float, required=True, help="beam energy in GeV")
    x.add_argument("--mass", type=float, required=True, help="boson mass in GeV")
    x.add_argument("--coupling", type=float, required=True, help="the process's coupling (its coupling_name)")
    x.add_argument("--method", default="exact",
                   help="exact 2->3 (VEGAS), or an approximation of the process (ww, iww; each named in the "
                   "output's method_description) (default %(default)s)")
    x.add_argument("--form-factor", dest="form_factor", default=None, help="form factor (default: the process's)")
    _param_options(x, reg is not None)
    x.add_argument("--precision", type=float, default=0.01, help="target relative error, exact (default %(default)s)")
    x.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    x.add_argument("--json", action="store_true", help="print JSON")
    x.set_defaults(func=cmd_xsec)


def _add_width_parser(sub: _SubParsers, reg: dict[str, list[str]] | None) -> None:
    """``mudump width``: the boson's widths, branching ratios, decay length and Delta a_mu."""
    w = sub.add_parser("width", help="widths, branching ratios, decay length, Delta a_mu",
                       description="The boson's partial and total decay widths (GeV) and branching ratios for one "
                       "model, mass and coupling, its decay length in the lab at --energy and its proper c*tau "
                       "(m), and its one-loop contribution Delta a_mu to the muon g-2. --json prints them as "
                       "one JSON object.")
    w.add_argument("--process", default=None, help="process (default: the first registered)",
                   choices=_choices(reg, "process"))
    w.add_argument("--model", default=None, help="model of the process (default: its first)")
    w.add_argument("--mass", type=float, required=True, help="boson mass in GeV")
    w.add_argument("--coupling", type=float, required=True, help="the process's coupling")
    w.add_argument("--energy", type=float, default=160.0, help="lab energy of the boson for the decay length, GeV "
                   "(default %(default)s)")
    _param_options(w, reg is not None)
    w.add_argument("--json", action="store_true", help="print JSON")
    w.set_defaults(func=cmd_width)


def _add_run_parser(sub: _SubParsers) -> None:
    """``mudump run``: events from a run card, optionally in shards on local processes or Dask."""
    r = sub.add_parser("run", help="generate events from a run card",
                       description="Integrate, generate and write events as a run card says. Output goes to "
                       "the card's output_dir (relative to the current directory); a directory that holds an "
                       "earlier run gets a new run_01, run_02, ... folder unless --overwrite.")
    r.add_argument("card", help="the run card (MadGraph run_card.dat syntax; write one with: mudump card > my_run.dat)")
    r.add_argument("--output", metavar="DIR", default=None,
                   help="output directory (default: the card's output_dir)")
    r.add_argument("--seed", type=int, default=None, help="random seed (default: the card's seed)")
    r.add_argument("--nevents", metavar="N", default=None,
                   help="number of events (1000 or 1e3), 0 = sigma and counts only (default: the card's nevents)")
    r.add_argument("--overwrite", action="store_true",
                   help="remove the earlier run's files in the output directory first (default: a new run_NN folder)")
    r.add_argument("--json", action="store_true",
                   help="print summary.json to stdout, and nothing else (default: a short text summary)")
    g = r.add_argument_group("shards (integrate once, sample the events in shards, merge into one set of files)")
    g.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes",
                   help="where the shards run: in this process, local worker processes, or Dask")
    g.add_argument("--jobs", metavar="N", type=int, default=None,
                   help="local worker processes (default: all cores)")
    g.add_argument("--shards", metavar="N", type=int, default=None,
                   help="shards the events are sampled in: the files depend on the card, the seed and N only, "
                   "never on the executor or the cores (default: one per 100000 events; 1 = one stream)")
    g.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="address of a running Dask scheduler, e.g. tcp://HOST:8786 (implies --executor dask; its "
                   "workers write into the output directory, which they must share)")
    g.add_argument("--dask-local", dest="dask_local", metavar="N", type=int, default=None,
                   help="start a Dask LocalCluster of N worker processes (implies --executor dask)")
    r.set_defaults(func=cmd_run)


def _add_card_parser(sub: _SubParsers) -> None:
    """``mudump card``: the documented run-card template."""
    c = sub.add_parser("card", help="write a documented run-card template to stdout",
                       description="Write a run card with every key, its meaning, unit and allowed values: "
                       "mudump card > my_run.dat")
    c.add_argument("--template", action="store_true", help="the documented template (the only kind; default: on)")
    c.add_argument("--process", default=None, help="the process of the card (default: the first registered)")
    c.set_defaults(func=cmd_card)


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
    handler.setFormatter(_log_formatter(f"mudump {args.command}: %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _log_formatter(fmt: str) -> logging.Formatter:
    """``mudump run: warning: ...`` (level names in lower case, as the error lines); a subclass made here,
    where ``logging`` is imported, not with the module (``mudump --help`` imports no logging)."""
    import copy
    import logging

    class LowerCaseLevels(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            record = copy.copy(record)
            record.levelname = record.levelname.lower()
            return super().format(record)

    return LowerCaseLevels(fmt)


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
    """The ``mudump`` program (``argv`` None: ``sys.argv``, the process is mudump's own) or, with ``argv``,
    one command in a running Python (tests); returns the exit code.

    As the program (issue 19: a cross section in under a second) it starts numpy's and scipy's OpenBLAS
    with one thread (``OPENBLAS_NUM_THREADS``, unless set: mudump does no threaded linear algebra, and two
    thread pools cost 0.1 s to start and stop) and, once the command is done, freezes the garbage
    collector (``gc.freeze``), so the interpreter's last collections skip the objects of numba's compiler
    and kernels (0.2 s at every exit); every file and lock is closed by then.
    """
    if argv is None:
        import os

        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        try:
            return _main(sys.argv[1:])
        finally:
            import gc

            gc.freeze()
    return _main(list(argv))


def _main(argv: list[str]) -> int:
    import signal

    from .exceptions import MissingExtra

    parser = build_parser(argv)
    args = parser.parse_args(argv)
    _setup_logging(args)
    if getattr(args, "debug", False):
        return int(args.func(args))
    previous = signal.signal(signal.SIGTERM, _sigterm)
    try:
        return int(args.func(args))
    except (UserError, MissingExtra) as exc:
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
