"""The checks of a :class:`~generator.card_schema.RunConfig` beyond each value's type (DESIGN.md rule 10).

A key's own range is declared beside its field in the schema, as a :class:`Bound` in the field's metadata
(e.g. ``mass``: ``> 0``, ``precision``: ``0 < p < 1``), and one generic check applies them all
(:func:`check_bounds`, in the order the fields are declared). What needs several keys is a function of the
whole configuration, run by ``RunConfig.__post_init__`` in this order:

1. the process is registered (:func:`registered_process`), and the model, method and form factor are among
   its own (:func:`check_choices`);
2. every declared :class:`Bound` (:func:`check_bounds`);
3. the process's parameters, read by its schema (:func:`read_params`);
4. what the process refuses itself (``Process.validate``), an approximate method asked for events or with a
   ``max_q2`` cut (:func:`check_method`);
5. target XOR experiment, the beam energy, the kinematic limit of the mass (``M_nucleus -> infinity``, see
   :mod:`generator.cards`), ``min_muon_energy`` below the beam energy (:func:`check_beam`);
6. the ``scan_*`` grids (:mod:`generator.grids`): masses below the kinematic limit, perturbative couplings,
   models of the process (:func:`check_scan`).

Each refusal is a :class:`~generator.exceptions.CardError` naming the card, the key's line (when the
configuration came from a card), the bad value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ._hints import did_you_mean
from .card_keys import not_a_param
from .card_writer import format_param
from .constants import M_MU
from .exceptions import CardError
from .grids import parse_couplings, parse_masses, parse_names
from .process_spec import Params, Process
from .registry import PROCESSES

if TYPE_CHECKING:
    from .card_schema import RunConfig

__all__ = [
    "Bound",
    "check_beam",
    "check_bounds",
    "check_choices",
    "check_method",
    "check_scan",
    "non_empty",
    "read_params",
    "refusal",
    "registered_process",
]

_T = TypeVar("_T")


@dataclasses.dataclass(frozen=True, slots=True)
class Bound:
    """The range of one card field, declared in its metadata (``bound=``) and applied by :func:`check_bounds`
    once the field's type has read the value.

    >>> Bound(lambda v: v > 0, "{key} = {value} GeV").problem.format(key="mass", value=-1.0)
    'mass = -1.0 GeV'
    """

    within: Callable[[Any], bool]
    """Whether a value is allowed (e.g. a :class:`~generator.process_spec.Range`); None, an optional key left
    unset, is not checked."""
    problem: str = "{key} = {value}"
    """The refusal's problem, with ``{key}`` and ``{value}`` filled in."""
    expected: str | None = None
    """What is allowed; None: the field's documented ``expect``."""


def non_empty(text: str) -> bool:
    """Whether ``text`` has a character other than white space (the :class:`Bound` of a path)."""
    return bool(text.strip())


def refusal(config: RunConfig, key: str | None, problem: str, expected: str) -> CardError:
    """The :class:`CardError` of ``key`` of ``config``: its card, and the key's line when it has one."""
    line = None if key is None else config.source_lines.get(key)
    return CardError(config.source_path, line, key, problem, expected)


def registered_process(config: RunConfig) -> Process:
    """The registered process ``config.process``."""
    if config.process not in PROCESSES:
        raise refusal(config, "process", f"process = {config.process!r} is not registered"
                      f"{did_you_mean(config.process, PROCESSES)}", f"one of {', '.join(PROCESSES)}")
    return PROCESSES[config.process]


def check_choices(config: RunConfig, proc: Process) -> None:
    """The model, method and form factor are among those of the process."""
    choices = (("model", proc.models), ("method", proc.methods), ("form_factor", proc.form_factors))
    for key, allowed in choices:
        value = getattr(config, key)
        if value not in allowed:
            raise refusal(config, key, f"{key} = {value!r} is not a {key} of process {config.process!r}"
                          f"{did_you_mean(value, allowed)}", f"one of {', '.join(allowed)}")


def check_bounds(config: RunConfig) -> None:
    """Each field's own range (the :class:`Bound` in its metadata), in the order the fields are declared."""
    for f in dataclasses.fields(config):
        bound = f.metadata.get("bound")
        value = getattr(config, f.name)
        if bound is not None and value is not None and not bound.within(value):
            expected = bound.expected if bound.expected is not None else f.metadata["expect"]
            raise refusal(config, f.name, bound.problem.format(key=f.name, value=value), expected)


def read_params(config: RunConfig, proc: Process) -> Params:
    """The process's parameters read by its schema (:meth:`Process.read_params`), defaults filled in; a key
    of another process, a bad value, or a method-specific parameter changed for another method is refused."""
    given = dict(config.params) if isinstance(config.params, Mapping) else None
    if given is None:
        raise refusal(config, None, f"params = {config.params!r} is not a mapping",
                      "a mapping of parameter names to values")
    try:
        params = proc.read_params(given)
    except KeyError as exc:
        key = str(exc.args[0])
        fields = [f.name for f in dataclasses.fields(config) if "section" in f.metadata]
        raise not_a_param(config.source_path, config.source_lines.get(key), key, proc, fields) from None
    except ValueError as exc:
        key, problem, expected = exc.args
        raise refusal(config, key, problem, expected) from None
    for p in proc.params:
        if p.method is not None and config.method != p.method and params[p.name] != p.default:
            raise refusal(config, p.name, f"{p.name} = {params[p.name]!r} but method = {config.method!r}, "
                          "which does not read it",
                          f"{p.name} = {format_param(p.default)}, or method = {p.method}")
    return params


def check_method(config: RunConfig, proc: Process) -> None:
    """What the process refuses itself (``Process.validate``), and an approximate method (sigma(E) only)
    asked for events or with a ``max_q2`` cut."""
    problem = proc.validate(config)
    if problem is not None:
        raise refusal(config, *problem)
    if config.method != "exact" and config.nevents > 0:
        raise refusal(config, "method", f"method = {config.method!r} gives sigma(E) only, not the final "
                      "state events need", "method = exact for events, or nevents = 0 for sigma and counts")
    if config.max_q2 is not None and config.method != "exact":
        raise refusal(config, "max_q2", f"max_q2 = {config.max_q2} but method = {config.method!r}",
                      "max_q2 = none (the cut applies to the exact 2->3 only)")


def check_beam(config: RunConfig, proc: Process) -> None:
    """Target XOR experiment; a beam energy with a target; the mass below the kinematic limit
    (``M_nucleus -> infinity``); ``min_muon_energy`` between m_mu and the beam energy."""
    if (config.target is None) == (config.experiment is None):
        both = config.target is not None
        key = max(("target", "experiment"), key=lambda k: config.source_lines.get(k, 0)) if both else None
        problem = (
            f"both target = {config.target!r} and experiment = {config.experiment!r} are given"
            if both
            else "neither target nor experiment is given"
        )
        raise refusal(config, key, problem, "exactly one of target (e.g. Pb) and experiment (e.g. na64mu)")
    if config.beam_energy is None and config.experiment is None:
        raise refusal(config, "beam_energy", f"no beam_energy with target = {config.target!r}",
                      "a beam_energy > m_mu (GeV); only an experiment can supply it")
    if config.beam_energy is not None:
        limit = proc.max_boson_mass(config.beam_energy)
        if limit <= 0:
            raise refusal(config, "beam_energy",
                          f"beam_energy = {config.beam_energy} GeV is below the {config.process} threshold",
                          f"beam_energy > m_l' = {proc.m_out:.6g} GeV plus the boson mass")
        if config.mass >= limit:
            raise refusal(config, "mass", f"mass = {config.mass} GeV is at or above the kinematic limit of "
                          f"{config.process} at beam_energy = {config.beam_energy} GeV",
                          f"0 < mass < beam_energy - m_l' = {limit:.6g} GeV")
    if config.min_muon_energy is not None:
        upper = config.beam_energy if config.beam_energy is not None else math.inf
        if not M_MU < config.min_muon_energy < upper:
            raise refusal(config, "min_muon_energy", f"min_muon_energy = {config.min_muon_energy} GeV",
                          f"m_mu = {M_MU:.6g} GeV < min_muon_energy < beam_energy = {upper} GeV, or none")


def check_scan(config: RunConfig) -> None:
    """The ``scan_*`` grids (:mod:`generator.grids`): masses below the kinematic limit of the beam,
    couplings <= sqrt(4 pi), models of the process."""
    masses = _grid(config, "scan_masses", parse_masses)
    if masses and config.beam_energy is not None:
        limit = PROCESSES[config.process].max_boson_mass(config.beam_energy)
        if masses[-1] >= limit:
            raise refusal(config, "scan_masses", f"scan_masses reaches {masses[-1]:g} GeV, at or above the "
                          f"kinematic limit at beam_energy = {config.beam_energy} GeV",
                          f"masses < {limit:.6g} GeV")
    couplings = _grid(config, "scan_couplings", parse_couplings)
    if couplings and couplings[-1] > math.sqrt(4 * math.pi):
        raise refusal(config, "scan_couplings", f"scan_couplings reaches {couplings[-1]:g} > sqrt(4 pi) (not "
                      "perturbative)", "couplings <= 3.545")
    allowed = PROCESSES[config.process].models
    wrong = [m for m in _grid(config, "scan_models", parse_names) if m not in allowed]
    if wrong:
        raise refusal(config, "scan_models", f"scan_models: {wrong[0]!r} is not a model of process "
                      f"{config.process!r}{did_you_mean(wrong[0], allowed)}",
                      f"models among {', '.join(allowed)}")
    _grid(config, "scan_experiments", parse_names)


def _grid(config: RunConfig, key: str, parse: Callable[[str], tuple[_T, ...]]) -> tuple[_T, ...]:
    """The grid of the ``scan_*`` key ``key`` (empty when it is not given)."""
    text = getattr(config, key)
    if text is None:
        return ()
    try:
        return parse(text)
    except ValueError as exc:
        expect = config.__dataclass_fields__[key].metadata["expect"]
        raise refusal(config, key, f"{key} = {exc}", expect) from None
