"""The ``mudump`` command line: a thin argparse layer over the Python API (STYLE.md item 15).

Sub-commands::

    mudump xsec   --process scalar --model leptophilic --target Pb --energy 160 --mass 0.1 \
                  --coupling 5e-4 --method exact|ww|iww [--json]
    mudump width  --model leptophilic --mass 0.1 --coupling 5e-4 [--energy 160] [--json]
    mudump run    CARD [--output DIR] [--seed N] [--nevents N]
    mudump card   --template

Exit codes: 0 success, 1 a user error (one line on stderr saying what was wrong and what is allowed),
2 an argparse usage error.
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


def _process_and_model(args: argparse.Namespace):
    from .registry import get_process

    proc = get_process(args.process)
    model = args.model or proc.models[0]
    if model not in proc.models:
        raise UserError(f"--model = {model!r} is not a model of {args.process}; allowed: {', '.join(proc.models)}")
    return proc, proc.make_model(model, args.coupling, {}), model


def cmd_xsec(args: argparse.Namespace) -> int:
    from geometry.exceptions import UnknownMaterial

    from .xsec import Target, cross_section

    _positive("mass", args.mass)
    _positive("coupling", args.coupling, allow_zero=True)
    _positive("energy", args.energy)
    proc, _, model = _process_and_model(args)  # sigma depends on the coupling only, not the model
    if args.method not in proc.methods:
        raise UserError(f"--method = {args.method!r} is not a method of {args.process}; allowed: "
                        f"{', '.join(proc.methods)}")
    params = {"iww_end_point": args.iww_end_point} if args.method == "iww" else {}
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
              f"m = {args.mass} GeV, g_mu = {args.coupling:g}, {cs.method}) = "
              f"{cs.sigma_pb:.6g} +- {cs.error_pb:.2g} pb  ({rel:.2%})")
        if cs.method == "exact":
            print(f"  chi2/dof = {cs.chi2_dof:.2f}, {cs.n_eval} evaluations")
    return 0


def cmd_width(args: argparse.Namespace) -> int:
    _positive("mass", args.mass)
    _positive("coupling", args.coupling, allow_zero=True)
    _positive("energy", args.energy)
    if args.energy <= args.mass:
        raise UserError(f"--energy = {args.energy} GeV but require energy > mass = {args.mass} GeV")
    _, model, name = _process_and_model(args)
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
    }
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{args.process} ({name}, m = {args.mass} GeV, g_mu = {args.coupling:g})")
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
    summary = run_card(args.card, progress=not args.quiet, **overrides)
    if args.json:
        print(json.dumps(summary))
    return 0


def _registry_choices() -> dict[str, list[str]]:
    from .registry import PROCESSES

    def union(attr: str) -> list[str]:
        return sorted({c for p in PROCESSES.values() for c in getattr(p, attr)})

    return {"process": sorted(PROCESSES), "model": union("models"), "method": union("methods"),
            "form_factor": union("form_factors")}


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
    w.add_argument("--json", action="store_true", help="print JSON")
    w.set_defaults(func=cmd_width)

    r = sub.add_parser("run", help="generate events from a run card")
    r.add_argument("card")
    r.add_argument("--output", default=None)
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--nevents", type=int, default=None)
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--json", action="store_true", help="print summary.json to stdout")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("card", help="write a documented run-card template to stdout")
    c.add_argument("--template", action="store_true", required=True)
    c.set_defaults(func=cmd_card)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
