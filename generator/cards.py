"""MadGraph-style run cards -> one validated, typed, frozen :class:`RunConfig`.

Syntax (that of MadGraph's ``run_card.dat``)::

    # a comment line (``#`` as the first non-blank character)
      0.1       = mass           ! boson mass in GeV
      'Pb'      = target         ! quotes are optional for names
      1.6d2     = beam_energy    ! Fortran exponents (d/D) are accepted
      .true.    = decay          ! True/False, T/F, .true./.false. (any case)
      lhe, root = output_formats ! lists are comma separated
      none      = experiment     ! 'none' leaves an optional key unset

Each non-comment line is ``value = key``, with an optional ``! comment`` (a ``!`` inside quotes is
part of the value). Blank lines are ignored; keys are case-insensitive.

Precedence is card < CLI flags < Python keyword arguments (STYLE.md item 6); both of the latter reach
this module as keyword ``overrides`` to :func:`load_card`, and an override of a value that the card sets
logs an info line (it is what the user asked for).

Each process owns its parameters (:attr:`generator.process_spec.Process.params`, e.g. the LFV ALP's
``theta``): on a card they are ordinary ``value = key`` lines, read and range-checked by the card's process
into :attr:`RunConfig.params`; a parameter of another process is refused, naming the process it belongs to.

Errors are for people (DESIGN.md rule 10): every problem raises :class:`~generator.exceptions.CardError`
naming the file, the line, the key, the bad value and what is allowed (the nearest valid key for a
typo, the list of choices for a choice). Requests that are unphysical and can be judged from the card
alone are refused here too, before any work starts:

- ``mass`` at or above the kinematic limit. For ``mu N -> l' N X`` on a nucleus of mass ``M`` at rest
  the threshold is ``s = (M + m_X + m_l')^2``. The card does not know ``M`` (the material table does),
  so the card check uses the ``M -> infinity`` limit, ``m_X < E - m_l'``; that bound never refuses a
  physical request, and the plan applies the exact one (``Process.threshold_energy``).
- what the process itself refuses (``Process.validate``: e.g. a coupling the chosen model fixes),
  a process-specific key that the chosen process does not read, a model, method or form factor that
  the process does not have, and an approximate method (sigma(E) only) asked for events.

The lists of processes, models, methods and form factors are the registry's
(:mod:`generator.registry`); this module keeps no copy of them.

Whether an ``experiment`` or a ``target`` name exists is checked later by ``geometry`` (it needs the
data files); the card checks only that the name is well formed.

The schema is declarative (STYLE.md item 5): :class:`RunConfig` is a frozen, slotted pydantic v2
dataclass with ``extra="forbid"``; each field's annotated type (:mod:`generator._schema`, shared with
:mod:`geometry.experiments`) reads card text and Python values alike, and each field's metadata
documents it (what is allowed, the card comment, the card section). One value of a card line is read
with the same type (:func:`_read_value`), so a bad value is reported with its line at once.

References: MadGraph5_aMC@NLO run_card format (arXiv:1405.0301); Batell et al., arXiv:2407.15942 (the
``m_chi = m_a/3``, ``g_chi = 1`` benchmark of Fig. 6).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import typing
from collections.abc import Mapping
from dataclasses import field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError
from pydantic.dataclasses import dataclass

from . import _schema
from ._hints import did_you_mean
from ._schema import QUOTED, SCHEMA_CONFIG, CardBool, CardFloat, CardInt, CardName, CardText, optional
from .constants import M_MU
from .exceptions import CardError, CardFileError
from .grids import parse_couplings, parse_masses, parse_names
from .process_spec import Process
from .registry import PROCESSES

__all__ = [
    "ENERGY_LOSS_ALLOWED",
    "OUTPUT_FORMATS_ALLOWED",
    "RunConfig",
    "load_card",
    "parse_card_text",
    "read_card_text",
    "template_card",
    "template_config",
]

logger = logging.getLogger(__name__)

#: Muon energy-loss models in thick targets.
ENERGY_LOSS_ALLOWED: tuple[str, ...] = ("table", "constant")
#: Output formats.
OUTPUT_FORMATS_ALLOWED: tuple[str, ...] = ("lhe", "root", "hepmc", "fairship")
#: Beam particle PDG ids (13 = mu-, -13 = mu+).
BEAM_PDG_ALLOWED: tuple[int, ...] = (13, -13)

# The field types (generator._schema): each reads card syntax and Python values alike.
_RegistryName = _schema.card_choice()  # a name, checked against the process registry in _validate
_OptRegistryName = optional(_RegistryName)
_OptFloat = optional(CardFloat)
_OptName = optional(CardName)
_OptText = optional(CardText)
_BeamPdg = optional(_schema.card_int(*BEAM_PDG_ALLOWED))
_EnergyLoss = _schema.card_choice(*ENERGY_LOSS_ALLOWED)
_TauDecays = _schema.card_choice("none", "pythia8")
_EventNorm = _schema.card_choice("average", "sum")
_OutputFormats = _schema.card_list(*OUTPUT_FORMATS_ALLOWED)
_SourcePath = Annotated[str, BeforeValidator(str)]
#: Keys people write out of habit (MadGraph, papers) and the key mudump uses instead.
_KEY_HINTS: Mapping[str, str] = MappingProxyType(
    {
        "g_mu": "coupling",
        "g_mutau": "coupling",
        "g": "coupling",
        "m_s": "mass",
        "m_a": "mass",
        "ebeam": "beam_energy",
        "ebeam1": "beam_energy",
        "iseed": "seed",
        "nevt": "nevents",
        "n_adapt": "nitn_adapt",
        "nitn": "nitn_adapt",
    }
)


def _meta(expect: str, help: str, *, section: str) -> dict[str, Any]:
    """A card field's documentation: what is allowed, the card comment and the card section."""
    return {"expect": expect, "help": help, "section": section}


def _config_error(exc: ValidationError, args: tuple[Any, ...], kwargs: dict[str, Any]) -> CardError:
    """The :class:`CardError` of a :class:`RunConfig` built from bad values (the key's card line when
    ``source_lines`` has it)."""
    found = _schema.first_problem(exc)
    path = str(kwargs.get("source_path", "<python>"))
    lines = kwargs.get("source_lines") or {}
    key = found.key
    if found.kind == "unknown" and key is not None:
        return _unknown_key(path, None, key, kwargs.get("process"))
    if found.kind == "missing":
        missing = [str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing" and e["loc"]]
        return CardError(path, None, None, f"missing required key(s): {', '.join(missing)}",
                         "process, model, mass, coupling, target or experiment")
    documented = _FIELD_BY_NAME[key].metadata["expect"] if key in _FIELD_BY_NAME else "a valid value"
    line = lines.get(key) if key is not None and isinstance(lines, Mapping) else None
    return CardError(path, line, key, found.problem, _schema.expected_text(found, documented))


@_schema.raising(_config_error)
@dataclass(frozen=True, slots=True, config=SCHEMA_CONFIG)
class RunConfig:
    """One run of mudump: process, model, target or experiment, beam, and generation settings.

    Built by :func:`load_card` / :func:`parse_card_text`, or directly in Python (strings are then read
    with the card syntax). The class is the schema: a pydantic dataclass (``extra="forbid"``) whose
    field types (:mod:`generator._schema`: ``CardFloat``, ``CardInt``, ``CardBool``, choices, lists,
    ``optional(...)``) read each value, and ``__post_init__`` runs the cross-field checks (the
    registry's processes, models, methods and form factors; the kinematic limit; target XOR
    experiment). Any bad value or unknown key raises :class:`~generator.exceptions.CardError` naming
    the card line when there is one (never a ``pydantic.ValidationError``). The instance is
    frozen: use :meth:`replace` to change a field (it validates again) and :meth:`to_card` to write it
    out (``parse_card_text(cfg.to_card()) == cfg``; ``source_path`` and ``source_lines`` do not take
    part in the comparison).

    Units: GeV for masses and energies, radians for angles.

    >>> cfg = template_config()   # a process's example point (Process.example)
    >>> cfg.nevents, cfg.output_formats
    (10000, ('lhe',))
    """

    # --- physics -----------------------------------------------------------------------------------
    process: _RegistryName = field(
        metadata=_meta(
            "a registered process (generator.registry)",
            "the process (mudump card --process NAME writes its card)",
            section="physics",
        )
    )
    """Process: a name in the registry :data:`generator.registry.PROCESSES`."""
    model: _RegistryName = field(
        metadata=_meta(
            "a model of the process (mudump card --process NAME lists them)",
            "model of the process (its couplings and decays)",
            section="physics",
        )
    )
    """Model: one of the process's ``Process.models`` (its coupling pattern and decays; each process module
    documents its own, and ``mudump card --process NAME`` lists them)."""
    mass: CardFloat = field(
        metadata=_meta(
            "a number > 0 (GeV) below the kinematic limit", "mass of the new boson [GeV]", section="physics"
        )
    )
    """Mass of the new boson (S or a) in GeV; 0 < mass < beam_energy - m_l' (l' = mu or tau)."""
    coupling: CardFloat = field(
        metadata=_meta(
            "a number >= 0", "the process's coupling (its coupling_name), dimensionless", section="physics"
        )
    )
    """The coupling that is scanned (the process's ``coupling_name``); >= 0. Cross sections
    scale as coupling^2, so a scan integrates once at coupling = 1 and reweights."""
    params: Any = field(
        default_factory=dict,
        metadata={"expect": "the process's parameters (generator/processes/<process>.py)", "help": "",
                  "process_params": True},
    )
    """The process's own parameters (its :attr:`~generator.process_spec.Process.params` schema: e.g. the
    LFV ALP's ``theta``), read and range-checked by it, defaults filled in; on a card they are ordinary
    ``value = key`` lines. A :class:`~generator.process_spec.Params` mapping (hashable, picklable)."""

    # --- target and beam ---------------------------------------------------------------------------
    target: _OptName = field(
        default=None,
        metadata=_meta(
            "a material name such as Pb, or none (give target or experiment)",
            "target material (XOR experiment)",
            section="beam",
        ),
    )
    """Target material name (e.g. ``"Pb"``), looked up in the materials table. Exactly one of target
    and experiment is set."""
    experiment: _OptText = field(
        default=None,
        metadata=_meta(
            "an experiment name such as na64mu (geometry/experiments/*.toml), a path to an experiment "
            "TOML file (relative to the card's folder), or none",
            "experiment setup (XOR target)",
            section="beam",
        ),
    )
    """Experiment name, a ``geometry/experiments/<name>.toml`` file (e.g. ``"na64mu"``), which supplies
    target, decay volume, detector and beam. Exactly one of target and experiment is set."""
    beam_energy: _OptFloat = field(
        default=None,
        metadata=_meta(
            "a number > m_mu (GeV), or none to take it from the experiment",
            "muon beam energy [GeV]",
            section="beam",
        ),
    )
    """Total energy of the beam muon in GeV. Required with ``target``; with ``experiment`` None takes
    the experiment's beam and a value overrides it."""
    beam_pdg: _BeamPdg = field(
        default=None,
        metadata=_meta(
            "13 (mu-) or -13 (mu+), or none", "beam particle PDG id; none = the experiment's, else -13",
            section="beam",
        ),
    )
    """PDG id of the beam: -13 (mu+, as in Chen-Pospelov-Zhong; at tree level sigma is the same for
    mu-) or 13 (mu-). None takes the experiment's beam particle, or -13 without an experiment."""
    energy_loss: _EnergyLoss = field(
        default="table",
        metadata=_meta(
            "one of table, constant",
            "muon dE/dx in thick targets",
            section="beam",
        ),
    )
    """Muon energy loss while stepping through the target: ``"table"`` (PDG/Groom a(E), b(E)) or
    ``"constant"`` (a fixed dE/dx)."""
    min_muon_energy: _OptFloat = field(
        default=None,
        metadata=_meta(
            "a number with m_mu < value < beam_energy (GeV), or none",
            "stop tracking the muon below this energy [GeV]; none = threshold",
            section="beam",
        ),
    )
    """Energy in GeV below which the beam muon is no longer followed through a thick target; None
    means the production threshold."""
    flux_file: _OptText = field(
        default=None,
        metadata=_meta(
            "a path to a CSV/ROOT/parquet muon flux file (x,y,z,px,py,pz,weight,pdg), or none",
            "muon flux file for flux/proton-dump experiments; none = built-in approximate source",
            section="beam",
        ),
    )
    """Muon flux file (columns x, y, z [m], px, py, pz [GeV], weight [per POT or MOT], pdg) for
    experiments whose beam is a flux; None uses the experiment's built-in source (proton dumps)."""
    n_flux_muons: CardInt = field(
        default=20000,
        metadata=_meta("an integer > 0", "muons drawn from the flux/parameterised source",
                       section="beam"),
    )
    """Size of the muon sample drawn from a flux (file or parameterised source) for the integration."""

    # --- generation --------------------------------------------------------------------------------
    nevents: CardInt = field(
        default=10000,
        metadata=_meta("an integer >= 0", "number of events; 0 = sigma and counts only",
                       section="generation"),
    )
    """Number of events to write (>= 0; 0 computes sigma and the expected counts and writes no events)."""
    weighted: CardBool = field(
        default=False,
        metadata=_meta(
            "True or False", "write weighted events (False = unweighted)", section="generation"
        ),
    )
    """If True write weighted events, otherwise unweighted ones (default)."""
    seed: CardInt = field(
        default=0,
        metadata=_meta(
            "an integer >= 0", "random seed; same card + seed = same output", section="generation"
        ),
    )
    """Seed of the one ``numpy.random.Generator`` of the run (>= 0)."""
    precision: CardFloat = field(
        default=0.01,
        metadata=_meta(
            "a number with 0 < precision < 1", "target relative error on sigma", section="generation"
        ),
    )
    """Target relative error on the cross section, 0 < precision < 1."""
    method: _RegistryName = field(
        default="exact",
        metadata=_meta(
            "exact, or an approximation of the process (e.g. ww, iww); the approximations need nevents = 0",
            "exact 2->3 | an approximation of the process (sigma and counts only)",
            section="generation",
        ),
    )
    """Cross-section method: ``"exact"`` 2->3 or one of the process's approximations (scalar: ``"ww"``,
    WW with the exact t_min(x, theta); ``"iww"``, Chen–Pospelov–Zhong eqs. 12–13). The approximations
    give sigma(E) only, not a final state: they give sigma and the expected counts with ``nevents = 0``;
    a card asking them for events is refused."""
    form_factor: _OptRegistryName = field(
        default=None,
        metadata=_meta(
            "a form factor of the process, or none for the process's default",
            "nuclear/atomic form factor; none = the process's default",
            section="generation",
        ),
    )
    """Form factor: one of the process's (``"tsai"``, Tsai's G2; ``"tsai_unsquared"``; ``"lfv"``,
    arXiv:2407.15942); None (default) resolves to the process's default (``Process.form_factors[0]``)."""
    decay: CardBool = field(
        default=True,
        metadata=_meta("True or False", "decay the new boson", section="generation"),
    )
    """If True decay the new boson and weight by the decay probability in the volume."""
    tau_decays: _TauDecays = field(
        default="none",
        metadata=_meta(
            "none (taus written undecayed) or pythia8 (decay-only Pythia 8; extra 'pythia')",
            "decay the event's taus",
            section="generation",
        ),
    )
    """``"pythia8"``: decay every final-state tau (mu N -> tau N a, a -> mu tau, S -> tau tau) with Pythia 8
    in decay-only mode and append the products to the event (:mod:`generator.tau_decays`); ``"none"``: the
    taus are written undecayed."""
    iww_validity_cut: CardBool = field(
        default=False,
        metadata=_meta("True or False", "restrict to where IWW is valid", section="generation"),
    )
    """If True keep only the phase space where the IWW approximation is valid."""
    max_q2: _OptFloat = field(
        default=None,
        metadata=_meta(
            "a number > 0 (GeV^2), or none for no cut",
            "user cut Q^2 = -t < max_q2 [GeV^2] on the exact 2->3; none = no cut",
            section="generation",
        ),
    )
    """A user cut on the momentum transfer Q^2 = -t in GeV^2 (exact method); None (default) = no cut
    beyond what the form factor itself defines (the LFV set vanishes above 1 GeV^2)."""
    nitn_adapt: CardInt = field(
        default=10,
        metadata=_meta("an integer > 0", "VEGAS adaptation iterations", section="generation"),
    )
    """Number of VEGAS iterations used to adapt the grid (> 0)."""
    neval: CardInt = field(
        default=20000,
        metadata=_meta(
            "an integer > 0", "VEGAS integrand evaluations per iteration", section="generation"
        ),
    )
    """Integrand evaluations per VEGAS iteration (> 0)."""

    # --- scan (mudump scan) -------------------------------------------------------------------------
    scan_masses: _OptText = field(
        default=None,
        metadata=_meta("a list of masses in GeV, or lo:hi:n[:lin|log] (e.g. 0.01:0.2:40), or none",
                       "mudump scan: mass grid [GeV]; a range is log-spaced unless :lin", section="scan"),
    )
    """Mass grid of ``mudump scan`` (GeV): ``"0.01, 0.05, 0.1"`` or ``"lo:hi:n[:lin|log]"``
    (:mod:`generator.grids`). A scan card may then omit ``mass``."""
    scan_couplings: _OptText = field(
        default=None,
        metadata=_meta("lo:hi:n with 0 < lo < hi (log-spaced), or none",
                       "mudump scan: coupling grid, log-spaced", section="scan"),
    )
    """Coupling grid of ``mudump scan``, log-spaced ``"lo:hi:n"``. A scan card may then omit ``coupling``
    (the reference coupling of the weighted samples is then the geometric middle of the range)."""
    scan_models: _OptText = field(
        default=None,
        metadata=_meta("comma-separated models of the process, or none (= model)",
                       "mudump scan: models drawn (one panel each)", section="scan"),
    )
    """Models of the process scanned, comma-separated; None scans the card's ``model``."""
    scan_experiments: _OptText = field(
        default=None,
        metadata=_meta("comma-separated experiment names or TOML paths, or none (= experiment)",
                       "mudump scan: experiments drawn (one line each)", section="scan"),
    )
    """Experiments scanned (e.g. ``"na64mu, fnal_mu"``); None scans the card's ``experiment``."""
    scan_events: CardInt = field(
        default=10_000,
        metadata=_meta("an integer >= 100", "mudump scan: weighted events per mass (reweighted in g)",
                       section="scan"),
    )
    """Weighted events sampled once per mass and reweighted to every coupling (>= 100)."""
    scan_background: CardFloat = field(
        default=0.0,
        metadata=_meta("a number >= 0", "mudump scan: expected background events", section="scan"),
    )
    """Expected background events b of the search (>= 0)."""
    scan_signal: _OptFloat = field(
        default=None,
        metadata=_meta("a number > 0, or none (= 95 % CL upper limit for the background)",
                       "mudump scan: signal count of the contour; none = 3 for b = 0", section="scan"),
    )
    """Signal count of the exclusion contour; None takes the 95 % CL Poisson upper limit with background b
    and n_obs = round(b) (:func:`generator.sensitivity.signal_upper_limit`): 3 for b = 0, as in
    Chen–Pospelov–Zhong Fig. 5 and Rella–Döbrich–Yu Fig. 8."""
    g2_band: _schema.card_choice("wp2025", "wp2020", "none") = field(  # type: ignore[valid-type]
        default="wp2025",
        metadata=_meta("wp2025, wp2020 or none",
                       "mudump scan: the Delta a_mu region drawn; wp2025 = (38 +- 63)e-11, allowed; wp2020 = "
                       "(251 +- 59)e-11, favoured", section="scan"),
    )
    """The muon g-2 region the sensitivity plot draws (:data:`generator.sensitivity.G2_BANDS`): ``wp2025``
    (default) a_mu(exp) - a_mu(SM) = (38 +- 63) x 1e-11, Theory Initiative 2025 (arXiv:2505.21476) with the
    final Fermilab result, consistent with zero: the couplings it allows at 2 sigma; ``wp2020`` (251 +- 59) x
    1e-11, Fermilab + BNL 2021 with the 2020 White Paper, the band of the seed papers (Rella–Döbrich–Yu
    Fig. 8): the couplings that would explain it; ``none``: no region."""

    # --- output ------------------------------------------------------------------------------------
    output_formats: _OutputFormats = field(
        default=("lhe",),
        metadata=_meta(
            "a comma-separated subset of lhe, root, hepmc, fairship",
            "output formats",
            section="output",
        ),
    )
    """Output formats, a non-empty subset of OUTPUT_FORMATS_ALLOWED (order kept, duplicates refused)."""
    output_dir: CardText = field(
        default="output",
        metadata=_meta("a non-empty path", "output folder", section="output"),
    )
    """Folder the output files are written to."""
    event_norm: _EventNorm = field(
        default="average",
        metadata=_meta(
            "average or sum", "event weights: mean = sigma (Les Houches) | sum = sigma",
            section="output",        ),
    )
    """Normalisation of the event weights in every file, MadGraph's ``event_norm``: ``average`` (default,
    the Les Houches accord's) -- the mean of the cross-section weights (LHE XWGTUP) is sigma; ``sum`` --
    their sum is sigma."""
    lhe_gzip: CardBool = field(
        default=False,
        metadata=_meta("True or False", "write events.lhe.gz (gzip, as MadGraph does)", section="output"),
    )
    """If True the LHE file is ``events.lhe.gz`` (gzip) instead of ``events.lhe``."""
    fairship_min_decay_prob: CardFloat = field(
        default=0.0,
        metadata=_meta(
            "a number with 0 <= p <= 1", "FairShip tree: drop events with decay probability below this",
            section="output",
        ),
    )
    """FairShip tree only: events with ``p_decay`` below this are not written; the dropped weight is
    reported in ``summary.json`` (``output.fairship``). 0 keeps every event."""

    # --- provenance (not compared) -----------------------------------------------------------------
    source_path: _SourcePath = field(default="<python>", compare=False)
    """Where the configuration came from (the card path), for error messages."""
    source_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Card line (1-based) of each key given in the card, for error messages."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "source_lines", MappingProxyType(dict(self.source_lines)))
        self._validate()

    # -- validation ---------------------------------------------------------------------------------
    def _error(self, key: str | None, problem: str, expected: str) -> CardError:
        line = None if key is None else self.source_lines.get(key)
        return CardError(self.source_path, line, key, problem, expected)

    def _validate(self) -> None:
        if self.process not in PROCESSES:
            raise self._error("process", f"process = {self.process!r} is not registered"
                              f"{did_you_mean(self.process, PROCESSES)}", f"one of {', '.join(PROCESSES)}")
        proc = PROCESSES[self.process]
        if self.form_factor is None:
            object.__setattr__(self, "form_factor", proc.default_form_factor)
        for key, allowed in (("model", proc.models), ("method", proc.methods),
                             ("form_factor", proc.form_factors)):
            value = getattr(self, key)
            if value not in allowed:
                raise self._error(key, f"{key} = {value!r} is not a {key} of process {self.process!r}"
                                  f"{did_you_mean(value, allowed)}", f"one of {', '.join(allowed)}")
        if not self.mass > 0:
            raise self._error("mass", f"mass = {self.mass} GeV", "a number > 0 (GeV)")
        if not self.coupling >= 0:
            raise self._error("coupling", f"coupling = {self.coupling} is negative", "a number >= 0")
        self._read_params(proc)
        problem = proc.validate(self)
        if problem is not None:
            raise self._error(*problem)
        if self.method != "exact" and self.nevents > 0:
            raise self._error("method", f"method = {self.method!r} gives sigma(E) only, not the final state "
                              "events need", "method = exact for events, or nevents = 0 for sigma and counts")
        if self.max_q2 is not None and not self.max_q2 > 0:
            raise self._error("max_q2", f"max_q2 = {self.max_q2} GeV^2", "a number > 0 (GeV^2), or none")
        if self.max_q2 is not None and self.method != "exact":
            raise self._error("max_q2", f"max_q2 = {self.max_q2} but method = {self.method!r}",
                              "max_q2 = none (the cut applies to the exact 2->3 only)")

        # target XOR experiment
        if (self.target is None) == (self.experiment is None):
            both = self.target is not None
            key = max(("target", "experiment"), key=lambda k: self.source_lines.get(k, 0)) if both else None
            problem = (
                f"both target = {self.target!r} and experiment = {self.experiment!r} are given"
                if both
                else "neither target nor experiment is given"
            )
            raise self._error(key, problem, "exactly one of target (e.g. Pb) and experiment (e.g. na64mu)")
        if self.beam_energy is None and self.experiment is None:
            raise self._error(
                "beam_energy",
                f"no beam_energy with target = {self.target!r}",
                "a beam_energy > m_mu (GeV); only an experiment can supply it",
            )
        if self.beam_energy is not None and not self.beam_energy > M_MU:
            raise self._error(
                "beam_energy",
                f"beam_energy = {self.beam_energy} GeV",
                f"a number > m_mu = {M_MU:.6g} GeV (total muon energy)",
            )

        # kinematic limit (M_nucleus -> infinity; see the module docstring)
        if self.beam_energy is not None:
            limit = proc.max_boson_mass(self.beam_energy)
            if limit <= 0:
                raise self._error(
                    "beam_energy",
                    f"beam_energy = {self.beam_energy} GeV is below the {self.process} threshold",
                    f"beam_energy > m_l' = {proc.m_out:.6g} GeV plus the boson mass",
                )
            if self.mass >= limit:
                raise self._error(
                    "mass",
                    f"mass = {self.mass} GeV is at or above the kinematic limit of {self.process} "
                    f"at beam_energy = {self.beam_energy} GeV",
                    f"0 < mass < beam_energy - m_l' = {limit:.6g} GeV",
                )
        if self.min_muon_energy is not None:
            upper = self.beam_energy if self.beam_energy is not None else math.inf
            if not M_MU < self.min_muon_energy < upper:
                raise self._error(
                    "min_muon_energy",
                    f"min_muon_energy = {self.min_muon_energy} GeV",
                    f"m_mu = {M_MU:.6g} GeV < min_muon_energy < beam_energy = {upper} GeV, or none",
                )

        # generation
        if self.nevents < 0:
            raise self._error("nevents", f"nevents = {self.nevents}", "an integer >= 0")
        if self.seed < 0:
            raise self._error("seed", f"seed = {self.seed} is negative", "an integer >= 0")
        if not 0 < self.precision < 1:
            raise self._error("precision", f"precision = {self.precision}", "a number with 0 < precision < 1")
        if self.nitn_adapt <= 0:
            raise self._error("nitn_adapt", f"nitn_adapt = {self.nitn_adapt}", "an integer > 0")
        if self.neval <= 0:
            raise self._error("neval", f"neval = {self.neval}", "an integer > 0")
        if not self.output_dir.strip():
            raise self._error("output_dir", "output_dir is empty", "a non-empty path")
        self._validate_scan()

    def _read_params(self, proc: Process) -> None:
        """The process's parameters read by its schema (:meth:`Process.read_params`), defaults filled in; a
        key of another process, a bad value, or a method-specific parameter changed for another method is
        refused."""
        given = dict(self.params) if isinstance(self.params, Mapping) else None
        if given is None:
            raise self._error(None, f"params = {self.params!r} is not a mapping", "a mapping of parameter names to values")
        try:
            params = proc.read_params(given)
        except KeyError as exc:
            key = str(exc.args[0])
            raise _not_a_param(self.source_path, self.source_lines.get(key), key, proc) from None
        except ValueError as exc:
            key, problem, expected = exc.args
            raise self._error(key, problem, expected) from None
        object.__setattr__(self, "params", params)
        for p in proc.params:
            if p.method is not None and self.method != p.method and params[p.name] != p.default:
                raise self._error(p.name, f"{p.name} = {params[p.name]!r} but method = {self.method!r}, which "
                                  "does not read it", f"{p.name} = {_format_param(p.default)}, or method = {p.method}")

    def _validate_scan(self) -> None:
        """The ``scan_*`` keys (:mod:`generator.grids`); masses below the kinematic limit of the beam."""
        for key, parse in (("scan_masses", parse_masses), ("scan_couplings", parse_couplings),
                           ("scan_models", parse_names), ("scan_experiments", parse_names)):
            if getattr(self, key) is not None:
                try:
                    values = parse(getattr(self, key))
                except ValueError as exc:
                    raise self._error(key, f"{key} = {exc}", _FIELD_BY_NAME[key].metadata["expect"]) from None
                if key == "scan_couplings" and values[-1] > math.sqrt(4 * math.pi):
                    raise self._error(key, f"{key} reaches {values[-1]:g} > sqrt(4 pi) (not perturbative)",
                                      "couplings <= 3.545")
                if key == "scan_masses" and self.beam_energy is not None:
                    limit = PROCESSES[self.process].max_boson_mass(self.beam_energy)
                    if values[-1] >= limit:
                        raise self._error(key, f"{key} reaches {values[-1]:g} GeV, at or above the kinematic "
                                          f"limit at beam_energy = {self.beam_energy} GeV",
                                          f"masses < {limit:.6g} GeV")
                if key == "scan_models":
                    allowed = PROCESSES[self.process].models
                    bad = [m for m in values if m not in allowed]
                    if bad:
                        raise self._error(key, f"{key}: {bad[0]!r} is not a model of process "
                                          f"{self.process!r}{did_you_mean(bad[0], allowed)}",
                                          f"models among {', '.join(allowed)}")
        if self.scan_events < 100:
            raise self._error("scan_events", f"scan_events = {self.scan_events}", "an integer >= 100")
        if not self.scan_background >= 0:
            raise self._error("scan_background", f"scan_background = {self.scan_background}", "a number >= 0")
        if self.scan_signal is not None and not self.scan_signal > 0:
            raise self._error("scan_signal", f"scan_signal = {self.scan_signal}", "a number > 0, or none")
        if not 0.0 <= self.fairship_min_decay_prob <= 1.0:
            raise self._error("fairship_min_decay_prob", f"fairship_min_decay_prob = {self.fairship_min_decay_prob}",
                              "a number with 0 <= p <= 1")

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Pickle as the field values (a run's config crosses process boundaries in scans)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["source_lines"] = dict(self.source_lines)
        values["params"] = dict(self.params)
        return _restore_config, (values,)

    # -- derived quantities -------------------------------------------------------------------------
    @property
    def card_dir(self) -> Path | None:
        """The folder of the card file this configuration was read from (None if not from a file):
        paths written in a card (flux file, experiment TOML) are relative to it."""
        path = Path(self.source_path)
        return path.parent if path.is_file() else None

    def card_path(self, name: str) -> Path:
        """A path written in the card, resolved against :attr:`card_dir` (the current directory if none)."""
        path = Path(name).expanduser()
        return path if path.is_absolute() or self.card_dir is None else self.card_dir / path

    def process_params(self) -> dict[str, Any]:
        """The process's parameters (:attr:`params`) as a plain dict."""
        return dict(self.params)

    # -- copying and writing ------------------------------------------------------------------------
    def replace(self, **changes: Any) -> RunConfig:
        """Return a copy with ``changes`` applied, validated like a card.

        Parameters
        ----------
        **changes
            Card keys and their new values (Python values, or strings in card syntax).

        Returns
        -------
        RunConfig
            The new configuration; the card lines of the changed keys are forgotten.

        Raises
        ------
        CardError
            For an unknown key (naming the nearest valid one) or an invalid value.

        >>> cfg = template_config().replace(mass=0.2)
        >>> cfg.mass
        0.2
        """
        process = str(changes.get("process", self.process)).strip().lower()
        params = dict(self.params) if process == self.process else {}
        fields = {}
        for key, value in changes.items():
            if key in _FIELD_BY_NAME or key == "params":
                fields[key] = value
            elif process in PROCESSES and key in PROCESSES[process].param_names:
                params[key] = value
            else:
                raise _unknown_key(self.source_path, None, key, process)
        lines = {k: v for k, v in self.source_lines.items() if k not in changes}
        return dataclasses.replace(self, **fields, params=fields.get("params", params), source_lines=lines)

    def to_card(self, header: str | None = None) -> str:
        """Write the configuration as a run card that :func:`parse_card_text` reads back unchanged.

        Parameters
        ----------
        header : str, optional
            Comment text put at the top (each line is prefixed with ``#``).

        Returns
        -------
        str
            The card text, one documented ``value = key ! comment`` line per field.

        >>> cfg = template_config()
        >>> parse_card_text(cfg.to_card()) == cfg
        True
        """
        out: list[str] = []
        if header is None:
            header = f"mudump run card (written from {self.source_path})"
        out.extend(f"# {h}".rstrip() for h in header.splitlines())
        section = None
        for f in _card_fields():
            meta = f.metadata
            if meta["section"] != section:
                section = meta["section"]
                out.append("#" + "-" * 99)
                out.append(f"# {_SECTION_TITLES[section]}")
                out.append("#" + "-" * 99)
            value = _format_value(f, getattr(self, f.name))
            out.append(f"  {value:<18} = {f.name:<17} ! {meta['help']}; {meta['expect']}")
            if f.name == "coupling":  # the process's own parameters follow its coupling
                for p in PROCESSES[self.process].params:
                    value = _format_param(self.params[p.name])
                    unit = f" [{p.unit}]" if p.unit else ""
                    note = f"; method = {p.method} only" if p.method else ""
                    out.append(f"  {value:<18} = {p.name:<17} ! {p.help}{unit}{note}; {p.expect}")
        return "\n".join(out) + "\n"


def _restore_config(values: dict[str, Any]) -> RunConfig:
    return RunConfig(**values)


_SECTION_TITLES = {
    "physics": "Physics: process, model, mass [GeV] and couplings",
    "beam": "Target and beam (give target OR experiment)",
    "generation": "Generation: events, integration (VEGAS), methods",
    "scan": "Sensitivity scan (mudump scan): grids in mass and coupling, models, experiments, count level",
    "output": "Output",
}


def _card_fields() -> tuple[dataclasses.Field[Any], ...]:
    return _CARD_FIELDS


_CARD_FIELDS: tuple[dataclasses.Field[Any], ...] = tuple(
    f for f in dataclasses.fields(RunConfig) if "section" in f.metadata
)
_FIELD_BY_NAME: Mapping[str, dataclasses.Field[Any]] = MappingProxyType({f.name: f for f in _CARD_FIELDS})
#: Keys a card must give (``target``/``experiment`` and ``beam_energy`` are checked separately).
_REQUIRED = ("process", "model", "mass", "coupling")


# ---------------------------------------------------------------------------------------------------
# one value (a card line, an override): the field's type from the schema
# ---------------------------------------------------------------------------------------------------
@functools.cache
def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(RunConfig, include_extras=True)


def _read_value(key: str, value: Any) -> Any:
    """``value`` (card text or a Python value) read as the type of field ``key``.

    Raises
    ------
    pydantic.ValidationError
        For a bad value (:func:`generator._schema.first_problem` says why).
    """
    return _schema.adapter(_field_types()[key]).validate_python(value)


def _format_param(value: Any) -> str:
    """A process parameter's value in card syntax."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "True" if value else "False"
    return repr(value) if isinstance(value, float) else str(value)


def _format_value(f: dataclasses.Field[Any], value: Any) -> str:
    """``value`` of field ``f`` in card syntax (what :func:`_read_value` reads back to ``value``)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return ", ".join(value)
    kind = _field_types()[f.name]
    if QUOTED in getattr(kind, "__metadata__", ()) and (
        type(None) not in typing.get_args(kind.__origin__) or _schema.needs_quotes(value)
    ):  # free text: always quoted, or (optional text, e.g. a path) when unquoted it would read differently
        quote = "'" if "'" not in value else '"'
        return f"{quote}{value}{quote}"
    return str(value)


# ---------------------------------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------------------------------
def _param_names() -> set[str]:
    return {name for p in PROCESSES.values() for name in p.param_names}


def _not_a_param(path: str, line: int | None, key: str, process: Process) -> CardError:
    """A key that is a parameter of other processes, or of none, on a card of ``process``."""
    owners = [p.name for p in PROCESSES.values() if key in p.param_names]
    mine = ", ".join(process.param_names) or "none"
    if owners:
        return CardError(path, line, key, f"{key} is a parameter of process {' and '.join(owners)}, not of "
                         f"{process.name!r}", f"a parameter of {process.name} ({mine}), or process = "
                         f"{' or '.join(owners)}")
    return _unknown_key(path, line, key, process.name)


def _unknown_key(path: str, line: int | None, key: str, process: str | None = None) -> CardError:
    if process in PROCESSES and key in _param_names() and key not in PROCESSES[process].param_names:
        return _not_a_param(path, line, key, PROCESSES[process])
    if key in _KEY_HINTS:
        hint = _KEY_HINTS[key]
        return CardError(path, line, key, f"unknown key {key!r}", f"{hint!r} (mudump's name for it)")
    known = [*_FIELD_BY_NAME, *(PROCESSES[process].param_names if process in PROCESSES else _param_names())]
    hint = did_you_mean(key, known)
    if hint:
        return CardError(path, line, key, f"unknown key {key!r}", f"a valid key; {hint.rstrip(')').lstrip(' (')}")
    return CardError(path, line, key, f"unknown key {key!r}", f"one of {', '.join(_FIELD_BY_NAME)}")


def _strip_comment(text: str) -> str:
    """Drop a ``! comment`` (a ``!`` inside quotes is kept)."""
    quote = None
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "!":
            return text[:i]
    return text


def _read_lines(text: str, path: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, int]]:
    """Parse card text into converted values, the process parameters' texts (read later by the card's
    process) and the line of each key. A UTF-8 byte-order mark (Windows editors) is skipped."""
    values: dict[str, Any] = {}
    params: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        body = _strip_comment(stripped).strip()
        if not body:
            continue  # a line holding only a ! comment
        if "=" not in body:
            raise CardError(path, number, None, f"line {body!r} has no '='", "a line 'value = key ! comment'")
        value_text, _, key_text = body.rpartition("=")
        key = key_text.strip().lower()
        value_text = value_text.strip()
        if not key:
            raise CardError(
                path, number, None, f"no key after '=' in {body!r}", "a line 'value = key ! comment'"
            )
        if key not in _FIELD_BY_NAME and key not in _param_names():
            raise _unknown_key(path, number, key, _process_given(values))
        if key in lines:
            raise CardError(
                path,
                number,
                key,
                f"{key} is given twice, on lines {lines[key]} and {number}",
                "each key once",
            )
        if key not in _FIELD_BY_NAME:  # a process parameter: its process reads it (RunConfig)
            if not value_text:
                raise CardError(path, number, key, f"no value before '= {key}'", "a value")
            params[key] = value_text
            lines[key] = number
            continue
        f = _FIELD_BY_NAME[key]
        if not value_text:
            raise CardError(path, number, key, f"no value before '= {key}'", f.metadata["expect"])
        try:
            values[key] = _read_value(key, value_text)
        except ValidationError as exc:
            bad = _schema.first_problem(exc)
            raise CardError(path, number, key, f"{key} = {bad.problem}",
                            _schema.expected_text(bad, f.metadata["expect"])) from None
        lines[key] = number
    return values, params, lines


def _process_given(values: Mapping[str, Any]) -> str | None:
    process = values.get("process")
    return process if isinstance(process, str) else None


def _build(
    values: dict[str, Any], params: dict[str, Any], lines: dict[str, int], path: str,
    overrides: Mapping[str, Any]
) -> RunConfig:
    for key, value in overrides.items():
        if key in _FIELD_BY_NAME:
            changed = key in values and _changes(_FIELD_BY_NAME[key], values[key], value)
            old = values.get(key)
            values[key] = value
        elif key in _param_names():
            changed = key in params and str(params[key]) != str(value)
            old = params.get(key)
            params[key] = value
        else:
            raise _unknown_key(f"{path} (keyword override)", None, key, _process_given(values))
        if changed:  # an override is what the user asked for: said at info level, only on a change
            logger.info("%s:%d: %s = %r from the card is overridden by %r", path, lines[key], key, old, value)
        lines.pop(key, None)
    if "mass" not in values and values.get("scan_masses"):  # a scan card: mass and coupling from its grids
        values["mass"] = _grid_default(values["scan_masses"], parse_masses, lines.get("scan_masses"), path,
                                       "scan_masses")[0]
    if "coupling" not in values and values.get("scan_couplings"):
        g = _grid_default(values["scan_couplings"], parse_couplings, lines.get("scan_couplings"), path,
                          "scan_couplings")
        values["coupling"] = math.sqrt(g[0] * g[-1])
    missing = [k for k in _REQUIRED if k not in values]
    if values.get("target") is None and values.get("experiment") is None:
        missing.append("target or experiment")
        if values.get("beam_energy") is None:
            missing.append("beam_energy")
    elif values.get("experiment") is None and values.get("beam_energy") is None:
        missing.append("beam_energy")
    if missing:
        raise CardError(
            path,
            None,
            None,
            f"missing required key(s): {', '.join(missing)}",
            "process, model, mass, coupling, target or experiment, and beam_energy "
            "unless an experiment supplies it",
        )
    return RunConfig(**values, params=params, source_path=path, source_lines=lines)


def _grid_default(text: Any, parse: Any, line: int | None, path: str, key: str) -> tuple[float, ...]:
    try:
        return parse(str(text))
    except ValueError as exc:
        raise CardError(path, line, key, f"{key} = {exc}", _FIELD_BY_NAME[key].metadata["expect"]) from None


def _changes(f: dataclasses.Field[Any], card_value: Any, override: Any) -> bool:
    """Whether ``override`` (a Python value or card-syntax string) differs from the card's value."""
    try:
        return bool(_read_value(f.name, override) != card_value)
    except ValidationError:
        return True  # RunConfig reports the bad value


def read_card_text(path: str | PathLike[str]) -> str:
    """The text of the card file ``path``, or an error for people naming the path.

    Raises
    ------
    CardFileError
        The file does not exist, cannot be read, or is a directory (``OSError``).
    CardError
        The file is binary or not UTF-8 text (with the line of the first bad byte).
    """
    p = Path(path)
    remedy = "give the path of a run card (write one with: mudump card > my_run.dat)"
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise CardFileError(p, "no such file", remedy) from None
    except IsADirectoryError:
        raise CardFileError(p, "is a directory, not a run card", remedy) from None
    except NotADirectoryError:
        raise CardFileError(p, "no such file (a part of the path is a file)", remedy) from None
    except PermissionError:
        raise CardFileError(p, "cannot be read (permission denied)", "make it readable or copy it") from None
    except OSError as exc:
        raise CardFileError(p, f"cannot be read ({exc.strerror or exc})", remedy) from None
    if b"\0" in data:
        raise CardError(str(p), None, None, "is a binary file, not a run card",
                        "a text file of 'value = key ! comment' lines (mudump card writes one)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CardError(str(p), line, None, f"byte 0x{data[exc.start]:02x} is not UTF-8 text",
                        "a run card saved as UTF-8 (plain ASCII is fine)") from None


def parse_card_text(text: str, path: str = "<string>", **overrides: Any) -> RunConfig:
    """Parse run-card text into a validated :class:`RunConfig`.

    Parameters
    ----------
    text : str
        The card, ``value = key ! comment`` lines (see the module docstring).
    path : str, optional
        Name used in error messages.
    **overrides
        Card keys and values that take precedence over the card (a warning is logged for each
        value of the card that they replace).

    Returns
    -------
    RunConfig

    Raises
    ------
    CardError
        Naming ``path``, the line, the key, the bad value and what is allowed.

    >>> parse_card_text("scalar = process\\nleptophilic = model\\n0.1 = mass\\n"
    ...                 "5e-4 = coupling\\nPb = target\\n160 = beam_energy").beam_energy
    160.0
    """
    values, params, lines = _read_lines(text, str(path))
    return _build(values, params, lines, str(path), overrides)


def load_card(path: str | PathLike[str], **overrides: Any) -> RunConfig:
    """Read a run card from ``path``; keyword ``overrides`` take precedence over it.

    Parameters
    ----------
    path : str or os.PathLike
        The card file.
    **overrides
        Card keys and values (Python values, or strings in card syntax); each one that replaces a
        value given in the card logs a warning.

    Returns
    -------
    RunConfig

    Raises
    ------
    CardError
        For a bad card or override (file, line, key, value, what is allowed), or a file that is binary
        or not UTF-8 text.
    CardFileError
        If ``path`` does not exist, cannot be read or is a directory (an ``OSError``).

    Example: ``load_card("cards/pb_160gev_scalar.dat", nevents=10).nevents`` is 10.
    """
    return parse_card_text(read_card_text(path), str(path), **overrides)


def template_config(process: str | None = None) -> RunConfig:
    """The configuration written by :func:`template_card`: the example point of ``process`` (default: the
    first registered process) from its spec (``Process.example``)."""
    name = process if process is not None else next(iter(PROCESSES))
    if name not in PROCESSES:
        raise CardError("mudump card", None, "process", f"process = {name!r} is not registered"
                        f"{did_you_mean(name, PROCESSES)}", f"one of {', '.join(PROCESSES)}")
    proc = PROCESSES[name]
    example = dict(proc.example)
    fields = {k: v for k, v in example.items() if k in _FIELD_BY_NAME}
    params = {k: v for k, v in example.items() if k not in _FIELD_BY_NAME}
    fields.setdefault("model", proc.models[0])
    return RunConfig(process=name, **fields, params=params, source_path="<template>")


def template_card(process: str | None = None) -> str:
    """A documented run card for ``process`` (default: the first registered): every key, with its meaning,
    unit and allowed values, the process's own parameters included.

    Returns
    -------
    str
        Card text that parses to :func:`template_config` (``parse_card_text(template_card())``).

    >>> parse_card_text(template_card()).process in PROCESSES
    True
    """
    proc = PROCESSES[template_config(process).process]
    others = [p for p in PROCESSES if p != proc.name]
    header = (
        f"mudump run card for process {proc.name}: {proc.description}.\n"
        f"Models: {', '.join(proc.models)}; methods: {', '.join(proc.methods)}; form factors: "
        f"{', '.join(proc.form_factors)}.\n"
        + (f"Other processes: {', '.join(others)} (mudump card --process NAME writes their card).\n" if others else "")
        + "'value = key ! comment' per line; '#' starts a comment line.\n"
        "Units: GeV for masses and energies, radians for angles. 'none' leaves an optional key unset.\n"
        "Give target OR experiment (e.g. na64mu, from geometry/experiments/<name>.toml).\n"
        "Booleans: True/False, T/F, .true./.false.; numbers may use Fortran exponents (1.6d2).\n"
        "Write it with: mudump card > my_run.dat"
    )
    return template_config(process).to_card(header=header)
