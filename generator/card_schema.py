"""The run card's schema: :class:`RunConfig`, each key's type, default, range, help and card section.

The schema is declarative (STYLE.md item 5): :class:`RunConfig` is a frozen, slotted pydantic v2 dataclass
with ``extra="forbid"``. Each field is declared once, with everything about its key:

- its annotated type (:mod:`generator._schema`, shared with :mod:`geometry.experiments`), which reads card
  text and Python values alike (``CardFloat``: ``1.6d2``; ``optional(...)``: ``none``);
- its default (a key without one must be on the card);
- its range, a :class:`~generator.card_checks.Bound` (e.g. ``Bound(Range(0.0, open_low=True))``: ``> 0``),
  with the refusal's words when they are not the generic ``key = value``;
- its documentation (metadata): what is allowed (``expect``), the card comment (``help``), the card section;
  and a docstring under it.

``RunConfig.__post_init__`` applies the bounds and the cross-field checks (:mod:`generator.card_checks`).
The card text itself is read by :mod:`generator.card_parser` and written by :mod:`generator.card_writer`;
:mod:`generator.cards` holds the entry points (:func:`~generator.cards.load_card`, ...).

Units: GeV for masses and energies, radians for angles.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError
from pydantic.dataclasses import dataclass

from . import _schema, card_checks
from ._schema import QUOTED, SCHEMA_CONFIG, CardBool, CardFloat, CardInt, CardName, CardText
from .card_checks import Bound, non_empty
from .card_keys import unknown_key
from .card_writer import card_text
from .constants import M_MU
from .exceptions import CardError
from .process_spec import Range
from .registry import PROCESSES

__all__ = ["BEAM_PDG_ALLOWED", "ENERGY_LOSS_ALLOWED", "FIELD_BY_NAME", "OUTPUT_FORMATS_ALLOWED", "RunConfig"]

#: Muon energy-loss models in thick targets.
ENERGY_LOSS_ALLOWED: tuple[str, ...] = ("table", "constant")
#: Output formats.
OUTPUT_FORMATS_ALLOWED: tuple[str, ...] = ("lhe", "root", "hepmc", "fairship")
#: Beam particle PDG ids (13 = mu-, -13 = mu+).
BEAM_PDG_ALLOWED: tuple[int, ...] = (13, -13)

# The field types (generator._schema): each reads card syntax and Python values alike.
_RegistryName = Annotated[str, _schema.choice()]  # a name, checked against the process registry (card_checks)
_OptRegistryName = Annotated[str | None, _schema.or_none(_RegistryName)]
_OptFloat = Annotated[float | None, _schema.or_none(CardFloat)]
_OptName = Annotated[str | None, _schema.or_none(CardName)]
_OptText = Annotated[str | None, _schema.or_none(CardText), QUOTED]
_BeamPdg = Annotated[int | None, _schema.or_none(_schema.card_int(*BEAM_PDG_ALLOWED))]
_EnergyLoss = Annotated[str, _schema.choice(*ENERGY_LOSS_ALLOWED)]
_TauDecays = Annotated[str, _schema.choice("none", "pythia8")]
_EventNorm = Annotated[str, _schema.choice("average", "sum")]
_G2Band = Annotated[str, _schema.choice("wp2025", "wp2020", "none")]
_OutputFormats = Annotated[tuple[str, ...], _schema.name_list(*OUTPUT_FORMATS_ALLOWED)]
_SourcePath = Annotated[str, BeforeValidator(str)]


def _meta(expect: str, help: str, *, section: str, bound: Bound | None = None) -> dict[str, Any]:
    """A card field's documentation: what is allowed, the card comment and the card section; and its range
    (None: any value of its type)."""
    meta: dict[str, Any] = {"expect": expect, "help": help, "section": section}
    if bound is not None:
        meta["bound"] = bound
    return meta


def _config_error(exc: ValidationError, args: tuple[Any, ...], kwargs: dict[str, Any]) -> CardError:
    """The :class:`CardError` of a :class:`RunConfig` built from bad values (the key's card line when
    ``source_lines`` has it)."""
    found = _schema.first_problem(exc)
    path = str(kwargs.get("source_path", "<python>"))
    lines = kwargs.get("source_lines") or {}
    key = found.key
    if found.kind == "unknown" and key is not None:
        return unknown_key(path, None, key, kwargs.get("process"), FIELD_BY_NAME)
    if found.kind == "missing":
        missing = [str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing" and e["loc"]]
        return CardError(path, None, None, f"missing required key(s): {', '.join(missing)}",
                         "process, model, mass, coupling, target or experiment")
    documented = (FIELD_BY_NAME[key].metadata["expect"] if key is not None and key in FIELD_BY_NAME
                  else "a valid value")
    line = lines.get(key) if key is not None and isinstance(lines, Mapping) else None
    return CardError(path, line, key, found.problem, _schema.expected_text(found, documented))


@_schema.raising(_config_error)
@dataclass(frozen=True, slots=True, config=SCHEMA_CONFIG)
class RunConfig:
    """One run of mudump: process, model, target or experiment, beam, and generation settings.

    Built by :func:`~generator.cards.load_card` / :func:`~generator.cards.parse_card_text`, or directly in
    Python (strings are then read with the card syntax). The class is the schema: a pydantic dataclass
    (``extra="forbid"``) whose field types (:mod:`generator._schema`: ``CardFloat``, ``CardInt``,
    ``CardBool``, choices, lists, ``optional(...)``) read each value, and ``__post_init__`` applies each
    field's declared :class:`~generator.card_checks.Bound` and the cross-field checks
    (:mod:`generator.card_checks`: the registry's processes, models, methods and form factors; the
    kinematic limit; target XOR experiment). Any bad value or unknown key raises
    :class:`~generator.exceptions.CardError` naming the card line when there is one (never a
    ``pydantic.ValidationError``). The instance is frozen: use :meth:`replace` to change a field (it
    validates again) and :meth:`to_card` to write it out (``parse_card_text(cfg.to_card()) == cfg``;
    ``source_path`` and ``source_lines`` do not take part in the comparison).

    Units: GeV for masses and energies, radians for angles.

    >>> from generator.cards import template_config
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
            "a number > 0 (GeV) below the kinematic limit", "mass of the new boson [GeV]", section="physics",
            bound=Bound(Range(0.0, open_low=True), "{key} = {value} GeV", "a number > 0 (GeV)"),
        )
    )
    """Mass of the new boson (S or a) in GeV; 0 < mass < beam_energy - m_l' (l' = mu or tau)."""
    coupling: CardFloat = field(
        metadata=_meta(
            "a number >= 0", "the process's coupling (its coupling_name), dimensionless", section="physics",
            bound=Bound(Range(0.0), "{key} = {value} is negative"),
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
            bound=Bound(Range(M_MU, open_low=True), "{key} = {value} GeV",
                        f"a number > m_mu = {M_MU:.6g} GeV (total muon energy)"),
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
                       section="beam", bound=Bound(Range(1))),
    )
    """Size of the muon sample drawn from a flux (file or parameterised source) for the integration."""

    # --- generation --------------------------------------------------------------------------------
    nevents: CardInt = field(
        default=10000,
        metadata=_meta("an integer >= 0", "number of events; 0 = sigma and counts only",
                       section="generation", bound=Bound(Range(0))),
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
            "an integer >= 0", "random seed; same card + seed = same output", section="generation",
            bound=Bound(Range(0), "{key} = {value} is negative"),
        ),
    )
    """Seed of the one ``numpy.random.Generator`` of the run (>= 0)."""
    precision: CardFloat = field(
        default=0.01,
        metadata=_meta(
            "a number with 0 < precision < 1", "target relative error on sigma", section="generation",
            bound=Bound(Range(0.0, 1.0, open_low=True, open_high=True)),
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
            bound=Bound(Range(0.0, open_low=True), "{key} = {value} GeV^2", "a number > 0 (GeV^2), or none"),
        ),
    )
    """A user cut on the momentum transfer Q^2 = -t in GeV^2 (exact method); None (default) = no cut
    beyond what the form factor itself defines (the LFV set vanishes above 1 GeV^2)."""
    nitn_adapt: CardInt = field(
        default=10,
        metadata=_meta("an integer > 0", "VEGAS adaptation iterations", section="generation",
                       bound=Bound(Range(0, open_low=True))),
    )
    """Number of VEGAS iterations used to adapt the grid (> 0)."""
    neval: CardInt = field(
        default=20000,
        metadata=_meta(
            "an integer > 0", "VEGAS integrand evaluations per iteration", section="generation",
            bound=Bound(Range(0, open_low=True)),
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
                       section="scan", bound=Bound(Range(100))),
    )
    """Weighted events sampled once per mass and reweighted to every coupling (>= 100)."""
    scan_background: CardFloat = field(
        default=0.0,
        metadata=_meta("a number >= 0", "mudump scan: expected background events", section="scan",
                       bound=Bound(Range(0.0))),
    )
    """Expected background events b of the search (>= 0)."""
    scan_signal: _OptFloat = field(
        default=None,
        metadata=_meta("a number > 0, or none (= 95 % CL upper limit for the background)",
                       "mudump scan: signal count of the contour; none = 3 for b = 0", section="scan",
                       bound=Bound(Range(0.0, open_low=True), expected="a number > 0, or none")),
    )
    """Signal count of the exclusion contour; None takes the 95 % CL Poisson upper limit with background b
    and n_obs = round(b) (:func:`generator.sensitivity.signal_upper_limit`): 3 for b = 0, as in
    Chen–Pospelov–Zhong Fig. 5 and Rella–Döbrich–Yu Fig. 8."""
    g2_band: _G2Band = field(
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
        metadata=_meta("a non-empty path", "output folder", section="output",
                       bound=Bound(non_empty, "{key} is empty")),
    )
    """Folder the output files are written to."""
    event_norm: _EventNorm = field(
        default="average",
        metadata=_meta(
            "average or sum", "event weights: mean = sigma (Les Houches) | sum = sigma",
            section="output",
        ),
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
            section="output", bound=Bound(Range(0.0, 1.0)),
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
        proc = card_checks.registered_process(self)
        if self.form_factor is None:
            object.__setattr__(self, "form_factor", proc.default_form_factor)
        card_checks.check_choices(self, proc)
        card_checks.check_bounds(self)
        object.__setattr__(self, "params", card_checks.read_params(self, proc))
        card_checks.check_method(self, proc)
        card_checks.check_beam(self, proc)
        card_checks.check_scan(self)

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

        >>> from generator.cards import template_config
        >>> cfg = template_config().replace(mass=0.2)
        >>> cfg.mass
        0.2
        """
        process = str(changes.get("process", self.process)).strip().lower()
        params = dict(self.params) if process == self.process else {}
        fields = {}
        for key, value in changes.items():
            if key in FIELD_BY_NAME or key == "params":
                fields[key] = value
            elif process in PROCESSES and key in PROCESSES[process].param_names:
                params[key] = value
            else:
                raise unknown_key(self.source_path, None, key, process, FIELD_BY_NAME)
        lines = {k: v for k, v in self.source_lines.items() if k not in changes}
        return dataclasses.replace(self, **fields, params=fields.get("params", params), source_lines=lines)

    def to_card(self, header: str | None = None) -> str:
        """Write the configuration as a run card that :func:`~generator.cards.parse_card_text` reads back
        unchanged (:func:`generator.card_writer.card_text`).

        Parameters
        ----------
        header : str, optional
            Comment text put at the top (each line is prefixed with ``#``).

        Returns
        -------
        str
            The card text, one documented ``value = key ! comment`` line per field.

        >>> from generator.cards import parse_card_text, template_config
        >>> cfg = template_config()
        >>> parse_card_text(cfg.to_card()) == cfg
        True
        """
        return card_text(self, header)


def _restore_config(values: dict[str, Any]) -> RunConfig:
    return RunConfig(**values)


#: The card keys, in the schema's order (the fields with a card section), by name.
FIELD_BY_NAME: Mapping[str, dataclasses.Field[Any]] = MappingProxyType(
    {f.name: f for f in dataclasses.fields(RunConfig) if "section" in f.metadata}
)
