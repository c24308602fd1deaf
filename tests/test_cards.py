"""Tests for generator/cards.py: run-card parsing, validation, round trips and error messages."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cards import (
    RunConfig,
    load_card,
    parse_card_text,
    template_card,
    template_config,
)
from generator.constants import M_MU
from generator.exceptions import CardError, UnphysicalRequest
from generator.registry import PROCESSES

CARDS = sorted((Path(__file__).resolve().parents[1] / "cards").glob("*.dat"))

#: A valid card; line numbers matter for the table of broken cards below.
BASE = [
    "# a test card",  # 1
    "scalar      = process   ! mu N -> mu N S",  # 2
    "leptophilic = model",  # 3
    "0.1         = mass      ! GeV",  # 4
    "5e-4        = coupling",  # 5
    "Pb          = target",  # 6
    "160         = beam_energy",  # 7
    "100         = nevents",  # 8
]


def _card(
    replace: dict[int, str] | None = None, drop: tuple[int, ...] = (), add: tuple[str, ...] = ()
) -> str:
    """BASE with line ``n`` replaced by ``replace[n]``, lines ``drop`` removed and ``add`` appended."""
    replace = replace or {}
    lines = [replace.get(n, text) for n, text in enumerate(BASE, start=1) if n not in drop]
    return "\n".join([*lines, *add]) + "\n"


def test_base_card_is_valid() -> None:
    cfg = parse_card_text(_card())
    assert (cfg.process, cfg.model, cfg.mass, cfg.coupling) == ("scalar", "leptophilic", 0.1, 5e-4)
    assert (cfg.target, cfg.experiment, cfg.beam_energy, cfg.nevents) == ("Pb", None, 160.0, 100)
    assert cfg.source_lines["mass"] == 4


# --------------------------------------------------------------------------------------------------
# template and shipped cards
# --------------------------------------------------------------------------------------------------
def test_template_parses_to_template_config() -> None:
    text = template_card()
    cfg = parse_card_text(text, "template.dat")
    assert cfg == template_config()
    assert cfg.source_path == "template.dat"


def test_template_documents_every_key() -> None:
    keys = {
        line.split("=")[1].split("!")[0].strip()
        for line in template_card().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    card_keys = {name for name in RunConfig.__dataclass_fields__ if not name.startswith("source_")} - {"params"}
    assert keys == card_keys | set(PROCESSES["scalar"].param_names)
    for line in template_card().splitlines():
        if not line.lstrip().startswith("#"):
            assert "!" in line, line


@pytest.mark.parametrize("path", CARDS, ids=[p.name for p in CARDS])
def test_shipped_card_parses(path: Path) -> None:
    cfg = load_card(path)
    assert cfg.source_path == str(path)
    assert (cfg.target is None) != (cfg.experiment is None)
    assert cfg.process in PROCESSES


def test_shipped_cards_present() -> None:
    assert {p.name for p in CARDS} >= {"na64mu_scalar.dat", "fnal_mu_scalar.dat", "pb_160gev_scalar.dat"}
    na64 = load_card(CARDS[[p.name for p in CARDS].index("na64mu_scalar.dat")])
    assert na64.experiment == "na64mu"
    assert na64.output_formats == ("lhe", "root", "hepmc")
    assert not na64.weighted


@pytest.mark.parametrize("path", CARDS, ids=[p.name for p in CARDS])
def test_round_trip_shipped(path: Path) -> None:
    cfg = load_card(path)
    again = parse_card_text(cfg.to_card())
    assert again == cfg
    assert again.to_card(header="h") == cfg.to_card(header="h")


@settings(max_examples=40, deadline=None)
@given(
    mass=st.floats(1e-3, 150.0),
    coupling=st.floats(0.0, 10.0),
    seed=st.integers(0, 2**63),
    formats=st.lists(
        st.sampled_from(["lhe", "root", "hepmc", "fairship"]), min_size=1, max_size=4, unique=True
    ),
    weighted=st.booleans(),
    output_dir=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12),
)
def test_round_trip_property(
    mass: float, coupling: float, seed: int, formats: list[str], weighted: bool, output_dir: str
) -> None:
    cfg = template_config().replace(
        mass=mass,
        coupling=coupling,
        seed=seed,
        output_formats=formats,
        weighted=weighted,
        output_dir=output_dir,
    )
    assert parse_card_text(cfg.to_card()) == cfg


def test_round_trip_free_and_process_params() -> None:
    iww = template_config().replace(method="iww", nevents=0, iww_end_point="kinematic", max_q2=None)
    assert parse_card_text(iww.to_card()) == iww
    assert iww.process_params() == {"g_e": 0.0, "g_tau": 0.0, "cp_angle": 0.0, "iww_end_point": "kinematic"}
    free = template_config().replace(model="free", g_e=-1e-5, g_tau=3e-3)
    assert parse_card_text(free.to_card()) == free


# --------------------------------------------------------------------------------------------------
# syntax
# --------------------------------------------------------------------------------------------------
def test_syntax_variants() -> None:
    text = _card(
        replace={6: "'Pb' = TARGET ! quoted, key in capitals", 7: "1.6d2 = beam_energy"},
        add=(
            "",
            "   # indented comment",
            ".false. = decay",
            "T = weighted",
            "'out!dir' = output_dir ! the ! in quotes is kept",
            "LHE, root = output_formats",
            "1e3 = neval",
        ),
    )
    cfg = parse_card_text(text)
    assert cfg.target == "Pb"
    assert cfg.beam_energy == 160.0
    assert cfg.decay is False
    assert cfg.weighted is True
    assert cfg.output_dir == "out!dir"
    assert cfg.output_formats == ("lhe", "root")
    assert cfg.neval == 1000


@pytest.mark.parametrize(
    ("text", "value"), [("True", True), ("F", False), (".TRUE.", True), ("false", False)]
)
def test_booleans(text: str, value: bool) -> None:
    assert parse_card_text(_card(add=(f"{text} = weighted",))).weighted is value


def test_experiment_without_beam_energy() -> None:
    cfg = parse_card_text(_card(replace={6: "na64mu = experiment"}, drop=(7,)))
    assert cfg.experiment == "na64mu"
    assert cfg.target is None
    assert cfg.beam_energy is None


# --------------------------------------------------------------------------------------------------
# broken cards: each error names the file, the line and the key
# --------------------------------------------------------------------------------------------------
BROKEN = [
    pytest.param(_card(replace={4: "0.1 = mas"}), 4, "mas", "did you mean 'mass'", id="typo-key"),
    pytest.param(_card(add=("7 = iseed",)), 9, "iseed", "'seed'", id="madgraph-habit-key"),
    pytest.param(_card(replace={4: "   = mass ! GeV"}), 4, "mass", "no value", id="missing-value"),
    pytest.param(_card(replace={4: "abc = mass"}), 4, "mass", "not a number", id="wrong-type"),
    pytest.param(_card(replace={4: "0.1 mass"}), 4, None, "'value = key", id="no-equals"),
    pytest.param(_card(replace={4: "-0.1 = mass"}), 4, "mass", "> 0", id="negative-mass"),
    pytest.param(_card(replace={4: "0 = mass"}), 4, "mass", "> 0", id="zero-mass"),
    pytest.param(_card(replace={4: "160 = mass"}), 4, "mass", "kinematic limit", id="above-kinematic-limit"),
    pytest.param(_card(replace={5: "-1e-3 = coupling"}), 5, "coupling", ">= 0", id="negative-coupling"),
    pytest.param(
        _card(replace={3: "hidden = model"}),
        3,
        "model",
        "one of leptophilic, muonphilic, free",
        id="unknown-model",
    ),
    pytest.param(
        _card(replace={3: "leptophillic = model"}), 3, "model", "did you mean 'leptophilic'", id="model-typo"
    ),
    pytest.param(
        _card(replace={3: "visible = model"}),
        3,
        "model",
        "leptophilic, muonphilic, free",
        id="model-of-other-process",
    ),
    pytest.param(
        _card(replace={2: "vector = process"}), 2, "process", "one of scalar", id="unknown-process"
    ),
    pytest.param(_card(add=("0.2 = mass",)), 9, "mass", "lines 4 and 9", id="duplicate-key"),
    pytest.param(_card(drop=(5,)), None, None, "coupling", id="missing-required-key"),
    pytest.param(_card(drop=(4, 6)), None, None, "mass, target or experiment", id="missing-several-keys"),
    pytest.param(_card(drop=(7,)), None, None, "beam_energy", id="missing-beam-energy"),
    pytest.param(
        _card(add=("1.5 = precision",)), 9, "precision", "0 < precision < 1", id="precision-above-1"
    ),
    pytest.param(_card(add=("0 = precision",)), 9, "precision", "0 < precision < 1", id="precision-zero"),
    pytest.param(_card(replace={8: "-1 = nevents"}), 8, "nevents", "integer >= 0", id="nevents-negative"),
    pytest.param(_card(add=("iww = method",)), 9, "method", "nevents = 0", id="iww-asked-for-events"),
    pytest.param(_card(add=("ww = method",)), 9, "method", "nevents = 0", id="ww-asked-for-events"),
    pytest.param(_card(add=("-1 = max_q2",)), 9, "max_q2", "> 0", id="max-q2-negative"),
    pytest.param(_card(add=("sideways = iww_end_point",)), 9, "iww_end_point", "kinematic", id="bad-iww-end"),
    pytest.param(_card(replace={8: "1.5 = nevents"}), 8, "nevents", "not an integer", id="nevents-float"),
    pytest.param(_card(add=("-1 = seed",)), 9, "seed", ">= 0", id="negative-seed"),
    pytest.param(_card(add=("yes = weighted",)), 9, "weighted", "True or False", id="bad-bool"),
    pytest.param(_card(add=("11 = beam_pdg",)), 9, "beam_pdg", "-13", id="bad-beam-pdg"),
    pytest.param(_card(add=("lhe, csv = output_formats",)), 9, "output_formats", "fairship", id="bad-format"),
    pytest.param(
        _card(add=("na64mu = experiment",)), 9, "experiment", "exactly one", id="target-and-experiment"
    ),
    pytest.param(_card(add=("fast = method",)), 9, "method", "exact, ww, iww", id="unknown-method"),
    pytest.param(_card(add=("1e-3 = g_e",)), 9, "g_e", "model = free", id="g_e-with-leptophilic"),
    pytest.param(_card(add=("0.5 = theta",)), 9, "theta", "a parameter of process lfv_alp, not of 'scalar'", id="theta-with-scalar"),
    pytest.param(
        _card(replace={7: "0.05 = beam_energy"}), 7, "beam_energy", "m_mu", id="beam-below-muon-mass"
    ),
    pytest.param(
        _card(add=("200 = min_muon_energy",)), 9, "min_muon_energy", "beam_energy", id="min-energy-high"
    ),
]


@pytest.mark.parametrize(("text", "line", "key", "fragment"), BROKEN)
def test_broken_card(tmp_path: Path, text: str, line: int | None, key: str | None, fragment: str) -> None:
    path = tmp_path / "broken.dat"
    path.write_text(text)
    with pytest.raises(CardError) as info:
        load_card(path)
    err = info.value
    message = str(err)
    assert "broken.dat" in message
    assert err.line == line
    assert err.key == key
    if line is not None:
        assert f"broken.dat:{line}: " in message
    if key is not None:
        assert f": {key}: " in message
    assert fragment in message
    assert "; expected " in message
    assert isinstance(err, ValueError)


def test_broken_card_names_all_missing_keys() -> None:
    with pytest.raises(CardError, match=r"<string>: missing required key\(s\): model, mass, coupling"):
        parse_card_text("scalar = process\nPb = target\n160 = beam_energy\n")


# --------------------------------------------------------------------------------------------------
# overrides, replace, choices
# --------------------------------------------------------------------------------------------------
def test_overrides_take_precedence_and_are_said_at_info(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An override is what the user asked for: an info line (not a warning) per changed card value."""
    path = tmp_path / "run.dat"
    path.write_text(_card())
    with caplog.at_level(logging.INFO, logger="generator.cards"):
        cfg = load_card(path, mass=0.2, nevents="50", seed=7)
    assert (cfg.mass, cfg.nevents, cfg.seed) == (0.2, 50, 7)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("run.dat:4" in w and "mass" in w and "0.2" in w for w in warnings)
    assert any("run.dat:8" in w and "nevents" in w for w in warnings)
    assert not any("seed" in w for w in warnings)  # not in the card: nothing is overridden
    assert "mass" not in cfg.source_lines  # the value no longer comes from line 4


def test_override_fills_a_missing_key(tmp_path: Path) -> None:
    path = tmp_path / "run.dat"
    path.write_text(_card(drop=(5,)))
    assert load_card(path, coupling=1e-3).coupling == 1e-3


def test_bad_override(tmp_path: Path) -> None:
    path = tmp_path / "run.dat"
    path.write_text(_card())
    with pytest.raises(CardError, match=r"run\.dat \(keyword override\): nevent: .*did you mean 'nevents'"):
        load_card(path, nevent=5)
    with pytest.raises(CardError, match=r"run\.dat: mass: mass = -1\.0 GeV; expected a number > 0"):
        load_card(path, mass=-1.0)


def test_replace_validates() -> None:
    cfg = template_config()
    assert cfg.replace(mass=0.3).mass == 0.3
    with pytest.raises(CardError, match="kinematic limit"):
        cfg.replace(mass=170.0)
    with pytest.raises(CardError, match="did you mean 'coupling'"):
        cfg.replace(couplng=1.0)
    with pytest.raises(CardError, match="not a number"):
        cfg.replace(mass=True)


def test_schema_is_declarative_and_never_leaks_pydantic_errors() -> None:
    """RunConfig is a pydantic dataclass with extra="forbid"; a bad value, an unknown or a missing key in
    the constructor is a CardError (with the line from source_lines), never a pydantic ValidationError."""
    import pydantic

    assert pydantic.dataclasses.is_pydantic_dataclass(RunConfig)
    assert RunConfig.__pydantic_config__["extra"] == "forbid"  # type: ignore[attr-defined]
    base = {"process": "scalar", "model": "leptophilic", "mass": 0.1, "coupling": 5e-4, "target": "Pb",
            "beam_energy": 160.0}
    with pytest.raises(CardError, match=r"<python>: nevent: unknown key 'nevent'.*did you mean 'nevents'"):
        RunConfig(**base, nevent=3)  # type: ignore[call-arg]
    with pytest.raises(CardError, match=r"missing required key\(s\): mass, coupling"):
        RunConfig(process="scalar", model="leptophilic", target="Pb")  # type: ignore[call-arg]
    with pytest.raises(CardError, match=r"^c\.dat:4: mass: 'heavy' is not a number; expected a number > 0") as err:
        RunConfig(**{**base, "mass": "heavy"}, source_path="c.dat", source_lines={"mass": 4})
    assert not isinstance(err.value, pydantic.ValidationError)
    with pytest.raises(CardError, match=r"weighted: 'yes' is not a boolean; expected True or False \(also T/F"):
        RunConfig(**base, weighted="yes")


@pytest.mark.parametrize("flux_file", ["a!b.csv", "it's.csv", 'say "x".csv', "plain.csv"])
def test_optional_text_round_trips(flux_file: str) -> None:
    """An optional text (a path) is quoted in the card when unquoted it would read differently."""
    cfg = template_config().replace(flux_file=flux_file)
    assert cfg.flux_file == flux_file
    assert parse_card_text(cfg.to_card()) == cfg
    assert parse_card_text(cfg.to_card()).flux_file == flux_file
    assert ("'plain.csv'" in cfg.to_card()) is False


def test_frozen() -> None:
    cfg = template_config()
    with pytest.raises(AttributeError):
        cfg.mass = 1.0  # type: ignore[misc]
    assert hash(cfg) == hash(cfg.replace())


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_every_model_of_the_registry_is_accepted(process: str) -> None:
    for model in PROCESSES[process].models:  # decay = False: the template's 0.1 GeV may be below a decay threshold
        cfg = template_config().replace(process=process, model=model, decay=False)
        assert (cfg.process, cfg.model) == (process, model)


@pytest.mark.parametrize("model", ["visible", "Leptophilic "])
def test_choice_check(model: str) -> None:
    if model.strip().lower() in PROCESSES["scalar"].models:  # case and spaces are forgiven
        assert template_config().replace(model=model).model == model.strip().lower()
    else:
        with pytest.raises(CardError, match="expected one of"):
            template_config().replace(model=model)


def test_kinematic_limit() -> None:
    scalar = PROCESSES["scalar"]
    assert scalar.max_boson_mass(160.0) == pytest.approx(160.0 - M_MU)
    # finite nucleus mass: stricter, and -> E - m' for a heavy nucleus
    assert scalar.max_boson_mass(160.0, 0.938) < scalar.max_boson_mass(160.0)
    assert scalar.max_boson_mass(160.0, 1e9) == pytest.approx(160.0 - M_MU, rel=1e-6)
    just_below = 160.0 - M_MU - 1e-6
    assert template_config().replace(mass=just_below).mass == just_below


def test_exceptions_pickle() -> None:
    err = CardError("run.dat", 3, "mass", "mass = -1.0 GeV", "a number > 0 (GeV)")
    again = pickle.loads(pickle.dumps(err))
    assert (str(again), again.line, again.key) == (str(err), 3, "mass")
    unphys = UnphysicalRequest(
        "above the kinematic limit", name="mass", value=200.0, allowed="mass < 159.9 GeV"
    )
    assert str(pickle.loads(pickle.dumps(unphys))) == str(unphys)
    assert str(unphys) == "mass = 200.0: above the kinematic limit; require mass < 159.9 GeV"


def test_form_factor_defaults_to_the_process_default() -> None:
    """No form_factor on a card means the process's own default (it used to be tsai for every process)."""
    for name, proc in PROCESSES.items():
        cfg = template_config().replace(process=name, model=proc.models[0], mass=2.5, decay=False, form_factor=None)
        assert cfg.form_factor == proc.default_form_factor
    assert PROCESSES["lfv_alp"].default_form_factor == "lfv"
    assert template_config().form_factor == "tsai"


def test_card_with_a_utf8_byte_order_mark(tmp_path: Path) -> None:
    """A card saved by an editor that writes a UTF-8 BOM reads like the same card without it (issue 18 item 7)."""
    path = tmp_path / "bom.dat"
    path.write_bytes(b"\xef\xbb\xbf" + _card().encode())
    assert load_card(path) == load_card_text_equivalent(_card())


def load_card_text_equivalent(text: str):
    from generator.cards import parse_card_text

    return parse_card_text(text)


@pytest.mark.parametrize("value", ["0", "-5"])
def test_n_flux_muons_must_be_positive(value):
    """``n_flux_muons = 0`` was accepted and emptied the flux sample; its documented range is > 0."""
    from _cards import small_card

    card = small_card(mass=0.1, energy=160.0, seed=1, nevents=0, extra=f"{value} = n_flux_muons")
    with pytest.raises(CardError, match=rf"n_flux_muons: n_flux_muons = {value}; expected an integer > 0"):
        parse_card_text(card)
