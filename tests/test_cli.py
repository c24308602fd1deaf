"""The ``mudump`` command line (generator/cli.py), run as a user would: in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import generator
from generator.cards import parse_card_text, template_config

CLI = [sys.executable, "-m", "generator.cli"]
REPO = Path(__file__).resolve().parents[1]


def mudump(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], check=False, capture_output=True, text=True, timeout=300, cwd=cwd or REPO
    )


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, f"exit code {proc.returncode}; stderr: {proc.stderr}"
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {proc.stderr}"
    assert proc.stdout == ""
    return lines[0]


def test_version():
    proc = mudump("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"mudump {generator.__version__}"


def test_console_script_version():
    exe = shutil.which("mudump")
    assert exe is not None, "the mudump console script is not on PATH"
    proc = subprocess.run([exe, "--version"], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"mudump {generator.__version__}"


# ------------------------------------------------------------------------------------------------
# xsec / width
# ------------------------------------------------------------------------------------------------
XSEC_ARGS = ("--target", "Pb", "--energy", "160", "--mass", "0.1", "--coupling", "5e-4")
XSEC_KEYS = {"sigma_pb", "error_pb", "method", "process", "target", "energy_GeV", "mass_GeV", "coupling"}


@pytest.mark.slow
def test_xsec_iww_json():
    proc = mudump("xsec", *XSEC_ARGS, "--method", "iww", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) >= XSEC_KEYS, f"missing {XSEC_KEYS - set(out)}"
    assert out["method"] == "iww"
    assert out["process"] == "scalar"
    assert out["target"] == "Pb"
    assert out["energy_GeV"] == 160.0
    assert out["mass_GeV"] == 0.1
    assert out["coupling"] == 5e-4
    assert out["sigma_pb"] > 0
    assert out["error_pb"] >= 0


@pytest.mark.slow
def test_xsec_exact_json():
    proc = mudump("xsec", *XSEC_ARGS, "--method", "exact", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (XSEC_KEYS | {"chi2_dof", "n_eval"}) <= set(out)
    assert out["method"] == "exact"
    assert out["sigma_pb"] > 0
    assert out["error_pb"] / out["sigma_pb"] <= 0.01
    assert isinstance(out["n_eval"], int)
    assert out["n_eval"] > 0
    assert out["chi2_dof"] is not None
    assert out["chi2_dof"] >= 0


@pytest.mark.slow
def test_width_json():
    proc = mudump("width", "--model", "leptophilic", "--mass", "0.1", "--coupling", "5e-4", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"width_GeV", "branching_ratios", "decay_length_m", "delta_a_mu"} <= set(out)
    br = out["branching_ratios"]
    assert isinstance(br, dict)
    assert {"ee", "mumu", "tautau", "gammagamma"} <= set(br)
    assert sum(br.values()) == pytest.approx(1.0, rel=1e-9)
    assert out["width_GeV"] > 0
    assert out["decay_length_m"] > 0
    assert out["delta_a_mu"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        pytest.param(("xsec", "--energy", "160", "--mass", "-0.1", "--coupling", "1"), ("mass", "-0.1"), id="negative-mass"),
        pytest.param(
            ("xsec", "--energy", "160", "--mass", "0.1", "--coupling", "-1"),
            ("coupling", ">= 0"),
            id="negative-coupling",
        ),
        # the message lists the available materials
        pytest.param(
            ("xsec", "--energy", "160", "--mass", "0.1", "--coupling", "1", "--target", "Unobtainium"),
            ("Unobtainium", "(Pb)", "(W)", "(Cu)"),
            id="unknown-target",
        ),
        # ... and the allowed models
        pytest.param(
            ("xsec", "--energy", "0.15", "--mass", "0.1", "--coupling", "1"), ("kinematic limit", "0.15"), id="below-threshold"
        ),
        pytest.param(("width", "--mass", "-0.1", "--coupling", "5e-4"), ("mass",), id="width-negative-mass"),
    ],
)
def test_error_paths(args, needles):
    line = _one_error_line(mudump(*args))
    assert line.startswith(f"mudump {args[0]}: error:")
    for needle in needles:
        assert needle in line, f"{needle!r} not in: {line}"


# ------------------------------------------------------------------------------------------------
# card
# ------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_card_template_parses_back():
    proc = mudump("card", "--template")
    assert proc.returncode == 0, proc.stderr
    cfg = parse_card_text(proc.stdout, path="<mudump card --template>")
    assert cfg == template_config()


# ------------------------------------------------------------------------------------------------
# run with broken cards: non-zero exit, file and line on stderr
# ------------------------------------------------------------------------------------------------
GOOD_LINES = [
    "# a small run card (line 1 is a comment)",  # 1
    "scalar       = process",  # 2
    "leptophilic  = model",  # 3
    "0.1          = mass",  # 4
    "5e-4         = coupling",  # 5
    "Pb           = target",  # 6
    "160.0        = beam_energy",  # 7
    "100          = nevents",  # 8
    "4            = nitn_adapt",  # 9
    "5000         = neval",  # 10
]

BROKEN = [
    # (id, line number to replace, new line, words stderr must contain)
    ("typo-key", 4, "0.1          = mas", ("mas", "'mass'")),
    ("missing-value", 4, "             = mass", ("mass",)),
    ("wrong-type", 8, "lots         = nevents", ("nevents", "lots")),
    ("negative-mass", 4, "-0.1         = mass", ("mass", "-0.1")),
    ("above-kinematic-limit", 4, "170.0        = mass", ("mass", "kinematic limit")),
    ("unknown-experiment", 6, "na65mu       = experiment", ("na65mu", "na64mu")),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("line_no", "new_line", "needles"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_run_broken_card(tmp_path, line_no, new_line, needles):
    lines = list(GOOD_LINES)
    lines[line_no - 1] = new_line
    card = tmp_path / "broken.dat"
    card.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    proc = mudump("run", str(card), "--output", str(out), "--quiet", cwd=tmp_path)
    assert proc.returncode != 0
    line = _one_error_line(proc)
    assert f"{card}:{line_no}:" in line, f"stderr does not name {card}:{line_no}: {line}"
    for needle in needles:
        assert needle in line, f"{needle!r} not in: {line}"
    assert not out.exists(), "a refused card must not create the output folder"


@pytest.mark.slow
def test_run_good_card_control(tmp_path):
    """The unbroken card runs (so the failures above are due to the broken line)."""
    card = tmp_path / "good.dat"
    card.write_text("\n".join(GOOD_LINES) + "\n")
    out = tmp_path / "out"
    proc = mudump("run", str(card), "--output", str(out), "--quiet", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["n_events"] == 100
    assert (out / "events.lhe").is_file()
    assert (out / "summary.json").is_file()


@pytest.mark.slow
@pytest.mark.parametrize(("option", "value"), [("--model", "darkphilic"), ("--method", "fast"),
                                               ("--process", "vector"), ("--form-factor", "dipole")])
def test_xsec_choices_come_from_the_registry(option, value):
    """An unknown process is an argparse error (exit 2) listing the registry's processes; an unknown model,
    method or form factor is refused by the card schema (exit 1, one line) listing the *process's* choices
    only (not every process's)."""
    from generator.registry import PROCESSES

    proc = mudump("xsec", "--energy", "160", "--mass", "0.1", "--coupling", "1", option, value)
    assert proc.returncode == (2 if option == "--process" else 1)
    if option != "--process":
        assert len(proc.stderr.strip().splitlines()) == 1
        assert "visible" not in proc.stderr
    allowed = {"--model": PROCESSES["scalar"].models, "--method": PROCESSES["scalar"].methods,
               "--process": tuple(PROCESSES), "--form-factor": PROCESSES["scalar"].form_factors}[option]
    assert value in proc.stderr
    assert all(a in proc.stderr for a in allowed)


@pytest.mark.slow
def test_xsec_iww_end_point_option():
    """--iww-end-point kinematic integrates x <= 1 - m_mu/E: a smaller sigma than the paper's x <= 1."""
    args = ("xsec", "--energy", "3", "--mass", "1", "--coupling", "1", "--method", "iww", "--json")
    paper = json.loads(mudump(*args).stdout)
    kinematic = json.loads(mudump(*args, "--iww-end-point", "kinematic").stdout)
    assert kinematic["sigma_pb"] < 0.9 * paper["sigma_pb"]
    assert paper["iww_end_point"] == "paper"


# ------------------------------------------------------------------------------------------------
# xsec / width in this process (main(argv)): help texts and what they print
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("command", "words"), [("xsec", ("cross section", "VEGAS", "quadrature")),
                                                ("width", ("widths", "branching ratios", "Delta a_mu"))])
def test_xsec_and_width_help_have_a_description(command, words):
    from generator.cli import build_parser

    sub = build_parser([command])._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    assert sub.description, f"mudump {command} --help has no description"
    assert all(w in sub.description for w in words), sub.description


@pytest.mark.parametrize("method", ["ww", "iww"])
def test_approximate_sigma_prints_no_fake_precision(mudump_here, method):
    """WW/IWW are one-dimensional quadratures: their 1e-6 pb is the quadrature's error, not the method's;
    no "+- 3.6e-06 pb (0.00%)" that reads as real precision."""
    proc = mudump_here("xsec", *XSEC_ARGS, "--method", method)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert "%" not in line, line
    assert "+-" not in line, line
    assert "numerical quadrature error" in line
    assert f"the {method} approximation's own error is not included" in line


# ------------------------------------------------------------------------------------------------
# run flags in this process
# ------------------------------------------------------------------------------------------------
def _tiny_card(tmp_path: Path, nevents: int = 50) -> Path:
    card = tmp_path / "tiny.dat"
    card.write_text("\n".join([*GOOD_LINES[:7], f"{nevents} = nevents", "0.3 = precision", "2 = nitn_adapt",
                               "2000 = neval", "lhe = output_formats", f"'{tmp_path / 'out'}' = output_dir"]) + "\n")
    return card


@pytest.mark.parametrize(("value", "needle"), [("1e12", "at most 1e+09 events per run"),
                                               ("lots", "--nevents = lots but require a whole number"),
                                               ("2.5", "--nevents = 2.5 but require a whole number")])
def test_run_nevents_flag_errors_are_one_line(tmp_path, mudump_here, value, needle):
    """--nevents takes what a card takes (1e3); an absurd or bad count is one error line and exit 1, not
    argparse's usage text and exit 2."""
    proc = mudump_here("run", str(_tiny_card(tmp_path)), "--nevents", value, cwd=tmp_path)
    assert proc.returncode == 1
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("mudump run: error:")]
    assert len(errors) == 1, proc.stderr
    assert needle in errors[0]
    assert "usage:" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_run_nevents_flag_takes_1e2(tmp_path, mudump_here):
    proc = mudump_here("run", str(_tiny_card(tmp_path)), "--nevents", "1e2", "-q", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["n_events"] == 100
