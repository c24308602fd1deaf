"""What a process is: the frozen :class:`Process` spec that every other module reads (DESIGN.md rule 2).

A process  l N -> l' N X  is described once, in one module under :mod:`generator.processes`, by a
:class:`Process` value that owns

* the numba kernels: d sigma per unit-cube point and the lab four-vectors of a point (exact 2->3);
* the vertex coefficients built from the run's parameters (:attr:`Process.vertex`: for a spin-0 boson
  (c_s, c_p) of c_s + c_p gamma5, for a vector (c_v, c_a) of gamma^alpha (c_v + c_a gamma5); the kernel
  says what it reads);
* its **parameter schema** (:class:`Param`: name, card type, default, range, unit, help): the run-card
  keys, the CLI options of ``mudump xsec|width``, the keyword arguments of
  :func:`generator.cross_section` and the ``params`` of :class:`generator.cards.RunConfig` are all
  derived from it, and validated by it, on every path;
* its **experiment keys** (:class:`ExperimentKey`): keys an experiment TOML file may set for this
  process only (e.g. the LFV ALP's outgoing-lepton energy cut), validated by the experiment loader and
  handed to the process in ``Experiment.process_keys``;
* the model: its names, how a model object is built from the card (couplings), its decay channels
  (the model object gives widths, branching ratios and Delta a_mu);
* the boson: PDG id, spin and polarisation sum, its label in summaries and plots, the coupling's label;
* the approximate methods it supports beside ``exact`` (WW, IWW), each a function
  ``sigma(energy, mass, target, form_factor, params) -> pb at unit coupling``;
* the form factors it accepts and its default one; an example point for the documented card template.

Cards, the CLI, the run and :func:`generator.cross_section` look processes up in the registry
(:mod:`generator.registry`) and never name one, nor a model or a process parameter
(``tests/test_seam.py`` checks the source). Adding a process is one module and one
:func:`generator.registry.register` call (``tests/test_seam.py`` defines a whole process in the test).

Units: GeV, metres, pb.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from .decays import DecayChannel
    from .protocols import Model

__all__ = ["Approximation", "ExperimentKey", "KernelRef", "Param", "Params", "Process", "Range", "TargetLike"]


#: Kernels resolved by :class:`KernelRef`, by (module, name).
_RESOLVED: dict[tuple[str, str], Callable[..., Any]] = {}


@dataclass(frozen=True, slots=True)
class KernelRef:
    """A process kernel named by its module and function, imported on its first call (issue 19).

    A process spec holds its kernels as ``KernelRef("generator.processes.scalar_brems", "dsigma_batch")``, so
    the registry holds every process while importing none of their numba modules: a run or a cross
    section imports (and numba loads from its cache) only the kernels of its own process. Calling it calls
    the function; :meth:`resolve` returns the function itself. A spec may also hold the function directly
    (``tests/test_seam.py`` does). Picklable by name.

    >>> KernelRef("math", "hypot")(3.0, 4.0)
    5.0
    """

    module: str
    """Dotted module name, e.g. ``"generator.processes.scalar_brems"``."""
    name: str
    """The function's name in that module."""

    def resolve(self) -> Callable[..., Any]:
        """The function (the module imported on the first call)."""
        key = (self.module, self.name)
        fn = _RESOLVED.get(key)
        if fn is None:
            fn = _RESOLVED[key] = getattr(importlib.import_module(self.module), self.name)
        return fn

    def __call__(self, *args: Any) -> Any:
        return self.resolve()(*args)


@dataclass(frozen=True, slots=True)
class Range:
    """A picklable range check for :attr:`Param.check`: ``low <= v <= high`` (``<`` where ``open_low`` /
    ``open_high``); None leaves a side open.

    >>> Range(0.0, None, open_low=True)(0.0)
    False
    """

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False

    def __call__(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.open_high else value > self.high))


class TargetLike(Protocol):
    """What a cross section needs of a target (see :class:`generator.xsec.Target`)."""

    z: float
    a: float
    m_nucleus: float


@dataclass(frozen=True, slots=True)
class Approximation:
    """An approximate cross-section method of a process (WW, IWW), beside the exact 2->3."""

    name: str
    """Method name used on cards and the CLI, e.g. ``"iww"``."""
    description: str
    """What exactly is computed (which variant of the approximation, with its source)."""
    sigma: Callable[..., tuple[float, float]] = field(repr=False)
    """``sigma(energy, mass, target, form_factor, params) -> (sigma_pb, error_pb)`` at unit coupling;
    ``params`` is the mapping of the process's card fields (e.g. ``{"iww_end_point": "paper"}``)."""


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a process: a run-card key, a CLI option and a keyword of ``cross_section``.

    >>> from generator._schema import CardFloat
    >>> p = Param("theta", CardFloat, 0.0, "vertex angle", "0 <= theta <= pi (rad)", unit="rad",
    ...           check=Range(0.0, 3.1416))
    >>> p.read("0.5")
    0.5
    """

    name: str
    """The key (card), option (``--name`` with ``_`` as ``-``) and keyword argument."""
    kind: Any = field(repr=False)
    """Its card type (:mod:`generator._schema`: ``CardFloat``, ``optional(CardFloat)``, ``card_choice(...)``),
    which reads card text and Python values alike."""
    default: Any
    """Value when the card does not give it."""
    help: str
    """What it is (the card comment and the CLI help)."""
    expect: str
    """What is allowed, for error messages and the card comment (e.g. ``"0 <= theta <= pi (rad)"``)."""
    unit: str = ""
    """Unit (``"GeV"``, ``"rad"``) or ``""`` for a dimensionless number or a name."""
    check: Callable[[Any], bool] | None = field(default=None, repr=False)
    """Range check on the read value (None: any value of the type), e.g. a :class:`Range` (picklable: a run's
    plan, with its process, crosses process boundaries); a value failing it is refused with :attr:`expect`."""
    method: str | None = None
    """The approximate method that reads it (e.g. ``"iww"``), or None when every method does."""

    def read(self, value: Any) -> Any:
        """``value`` (card text or a Python value) as this parameter's type, range-checked.

        Raises
        ------
        ValueError
            ``(problem, expected)`` in ``args``: the bad value and what is allowed.
        """
        from pydantic import ValidationError

        from . import _schema

        try:
            out = _schema.adapter(self.kind).validate_python(value)
        except ValidationError as exc:
            found = _schema.first_problem(exc)
            raise ValueError(f"{self.name} = {found.problem}", _schema.expected_text(found, self.expect)) from None
        if out is not None and self.check is not None and not self.check(out):
            raise ValueError(f"{self.name} = {out!r}" + (f" {self.unit}" if self.unit else ""), self.expect)
        return out


@dataclass(frozen=True, slots=True)
class ExperimentKey:
    """A key an experiment file may set for one process only (e.g. ``cuts.production.max_outgoing_lepton_energy``).

    The loader (:mod:`geometry.experiments`) validates it with :attr:`kind` and records it in
    ``Experiment.process_keys``; only the process that declares it reads it, so no other process can look
    as if it applied it.
    """

    dotted: str
    """Table path and key, e.g. ``"cuts.daughters.min_tau_flight"``."""
    kind: str
    """Range of the number: ``"positive"``, ``"nonnegative"`` or ``"unit_interval"``."""
    unit: str
    """Unit named in messages (``"GeV"``, ``"m"``, ``""``)."""
    help: str
    """What it means, with its source."""


#: The registered processes by name (the registry's table: :data:`generator.registry.PROCESSES` is this
#: dict); here so that a :class:`Process` pickles as a reference to its registry entry.
REGISTERED: dict[str, Process] = {}


def _registered(name: str) -> Process:
    if name not in REGISTERED:
        raise ValueError(f"process {name!r} is not registered in this Python process; register it (at "
                         "import of the module that defines it) before unpickling a run of it")
    return REGISTERED[name]


def _by_value(cls: type, values: dict[str, Any]) -> Any:
    return cls(**values)


class Params(Mapping[str, Any]):
    """The read parameters of one run (an immutable, hashable, picklable mapping: name -> value).

    >>> Params({"theta": 0.5})["theta"]
    0.5
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        self._items = tuple((items or {}).items())

    def __getitem__(self, key: str) -> Any:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Any:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._items, key=lambda kv: kv[0])))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return f"Params({dict(self._items)!r})"

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        return Params, (dict(self._items),)


def _unit_vertex(params: Mapping[str, Any]) -> tuple[float, float]:
    return (1.0, 0.0)


def _no_checks(config: Any) -> tuple[str, str, str] | None:
    return None


@dataclass(frozen=True, slots=True)
class Process:
    """A 2->3 lepton-nucleus process l N -> l' N X and everything the generator needs to know of it."""

    name: str
    """Registry key (the name cards, the CLI and the API use)."""
    description: str
    """Human-readable reaction."""
    lepton_in_pdg: int
    """|PDG id| of the beam lepton (the sign comes from the beam charge)."""
    lepton_out_pdg: int
    """|PDG id| of the outgoing lepton (same charge sign as the beam lepton)."""
    boson_pdg: int
    """PDG id of the produced boson X."""
    m_in: float
    """Beam-lepton mass in GeV."""
    m_out: float
    """Outgoing-lepton mass in GeV."""
    dim: int
    """Number of unit-cube dimensions of the phase-space map."""
    dsigma: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] = field(repr=False)
    """Kernel ``(u[n, dim], energy[n], par) -> d sigma [pb] at unit coupling`` (a function, or a
    :class:`KernelRef` that imports it on first use)."""
    kinematics: Callable[..., tuple[np.ndarray, ...]] = field(repr=False)
    """Kernel ``(u, energy, par) -> (p_in, P_in, p_out, P_out, k, x, theta_k, Q2)``."""
    models: tuple[str, ...] = ()
    """Model names a card may choose (``model = ...``); the first is the default of the CLI."""
    make_model: Callable[[str, float, Mapping[str, Any]], Model] = field(default=None, repr=False)  # type: ignore[assignment]
    """``make_model(name, coupling, params)`` -> a model object with ``partial_widths(m)``,
    ``total_width(m)``, ``branching_ratios(m)``, ``decay_length(m, E)`` and ``delta_a_mu(m)``."""
    decay_channels: Callable[[Any, float], list[DecayChannel]] = field(default=None, repr=False)  # type: ignore[assignment]
    """``decay_channels(model, mass)`` -> the :class:`generator.decays.DecayChannel` list, in the order
    of ``model.partial_widths``' keys."""
    params: tuple[Param, ...] = ()
    """The process's parameter schema (run-card keys beside the process-independent ones of
    :class:`generator.cards.RunConfig`); a key of another process is refused on a card of this one."""
    experiment_keys: tuple[ExperimentKey, ...] = ()
    """Keys an experiment file may set for this process (validated by the loader, read by this process
    only, from ``Experiment.process_keys``)."""
    validate: Callable[[Any], tuple[str, str, str] | None] = field(default=_no_checks, repr=False)
    """``validate(config)`` -> None, or ``(key, problem, expected)`` for the card error (checks across keys,
    with ``config.params`` already read and range-checked)."""
    vertex: Callable[[Mapping[str, Any]], tuple[float, float]] = field(default=_unit_vertex, repr=False)
    """``vertex(params)`` -> the two vertex coefficients at unit coupling that the kernel reads
    (``par[P_CS]``, ``par[P_CP]``): (c_s, c_p) of c_s + c_p gamma5 for a spin-0 boson, (c_v, c_a) for a vector."""
    spin: int = 0
    """Spin of the boson X (0 or 1): the files' particle tables (SLHA QNUMBERS 2S+1) and the docs."""
    polarisation_sum: str = "none (spin 0)"
    """How the kernel sums over the boson's polarisations (e.g. ``-g_ab + k_a k_b/m^2``)."""
    boson_label: str = "X"
    """Short name of the boson in summaries and plots (``S``, ``a``, ``Z'``)."""
    coupling_label: str = "$g$"
    """The coupling's label in plots (matplotlib mathtext)."""
    example: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """A point for the documented card template (``model``, ``mass``, ``coupling``, beam and target)."""
    approximations: Mapping[str, Approximation] = field(default_factory=dict, repr=False)
    """Approximate methods by name (``"ww"``, ``"iww"``); ``"exact"`` is always available."""
    form_factors: tuple[str, ...] = ("tsai", "tsai_unsquared", "lfv")
    """Form factors the process accepts; the first is its default."""
    coupling_name: str = "g"
    """Name of the scanned coupling in messages and summaries (``g_mu``, ``g_mutau``)."""
    prompt_decay: bool = False
    """True if the boson decays where it is produced whatever the experiment's decay volume (the LFV
    ALP of arXiv:2407.15942 Sec. III): free exponential decay point, P(decay) = 1."""
    event_acceptance: Callable[[Any, Mapping[str, Any]], tuple[np.ndarray, dict[str, np.ndarray]]] | None = \
        field(default=None, repr=False)
    """Optional ``event_acceptance(plan, chunk) -> (acceptance[n], {reason: rejected mask})`` replacing the
    experiment's generic daughter acceptance for this process (e.g. the tau-chain selection of the LFV
    ALP). ``chunk`` holds the lab arrays of one chunk of events: ``lepton_in_pdg``, ``p_out``, ``k``,
    ``channel``, ``daughters_p4``, ``daughters_pdg``, ``prod_vertex``, ``decay_vertex``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "approximations", dict(self.approximations))  # picklable (no mappingproxy)
        object.__setattr__(self, "example", dict(self.example))
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"process {self.name!r}: parameter names repeat: {names}")

    def __reduce__(self) -> Any:
        """A registered process pickles as its name (its kernels, models and schema are code, looked up
        again where it is unpickled); an unregistered one by value."""
        if REGISTERED.get(self.name) is self:
            return _registered, (self.name,)
        return _by_value, (type(self), {f.name: getattr(self, f.name) for f in fields(self)})

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the process's parameters, in declaration order."""
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param:
        """The parameter ``name`` (KeyError if the process has none of that name)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def read_params(self, values: Mapping[str, Any]) -> Params:
        """Every parameter read from ``values`` (card text or Python values), defaults filled in.

        Raises
        ------
        KeyError
            A name that is not a parameter of this process.
        ValueError
            ``(key, problem, expected)`` in ``args`` for a bad value.
        """
        unknown = [k for k in values if k not in self.param_names]
        if unknown:
            raise KeyError(unknown[0])
        out = {}
        for p in self.params:
            if p.name in values:
                try:
                    out[p.name] = p.read(values[p.name])
                except ValueError as exc:
                    raise ValueError(p.name, *exc.args) from None
            else:
                out[p.name] = p.default
        return Params(out)

    @property
    def methods(self) -> tuple[str, ...]:
        """``("exact", *approximations)``."""
        return ("exact", *self.approximations)

    @property
    def default_form_factor(self) -> str:
        return self.form_factors[0]

    def parameters(self, m_x: float, z: float, a: float, m_nucleus: float, ff_kind: int,
                   q2_cap: float = math.inf, e_k_min: float = 0.0,
                   params: Mapping[str, Any] | None = None) -> np.ndarray:
        """Parameter vector for the kernels (masses GeV, target Z and A, form-factor code, Q^2 cap in
        GeV^2, minimum boson energy in GeV); the vertex comes from ``params`` (the card fields)."""
        from .phase_space import make_params

        c_s, c_p = self.vertex(params if params is not None else self.read_params({}))
        return make_params(self.m_in, self.m_out, m_x, m_nucleus, z, a, ff_kind, q2_cap, c_s, c_p, e_k_min)

    def threshold_energy(self, m_x: float, m_nucleus: float) -> float:
        """Lowest beam energy (GeV) with open phase space: s = (M + m' + m_X)^2."""
        big = m_nucleus + self.m_out + m_x
        return (big * big - self.m_in**2 - m_nucleus**2) / (2.0 * m_nucleus)

    def max_boson_mass(self, energy: float, m_nucleus: float = float("inf")) -> float:
        """Largest m_X (GeV) at beam ``energy``: sqrt(s) - M - m', which tends to E - m' for M -> inf."""
        if m_nucleus == float("inf"):
            return energy - self.m_out
        s = m_nucleus**2 + self.m_in**2 + 2.0 * m_nucleus * energy
        return float(np.sqrt(s) - m_nucleus - self.m_out)
