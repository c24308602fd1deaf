"""mudump xsec / width for lfv_alp through a subprocess (theta, m_chi, g_chi options)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # every test starts mudump in a subprocess


def _mudump(*args):
    return subprocess.run([sys.executable, "-m", "generator.cli", *args], capture_output=True, text=True, check=False)


def test_xsec_lfv_json_keys_like_scalar():
    out = _mudump("xsec", "--process", "lfv_alp", "--target", "Pb", "--energy", "1500", "--mass", "2",
                  "--coupling", "1", "--theta", "0.785", "--form-factor", "tsai", "--method", "exact", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    scalar = json.loads(_mudump("xsec", "--energy", "160", "--mass", "0.1", "--coupling", "1", "--json").stdout)
    from generator.registry import PROCESSES

    assert set(scalar) - set(PROCESSES["scalar"].param_names) <= set(d)
    assert (d["theta"], d["process"], d["form_factor"]) == (0.785, "lfv_alp", "tsai")
    assert d["sigma_pb"] > 0
    assert d["error_pb"] < 0.02 * d["sigma_pb"]


def test_width_lfv_channels_and_params():
    out = _mudump("width", "--process", "lfv_alp", "--model", "invisible", "--mass", "6", "--coupling", "1e-3",
                  "--theta", "1.5708", "--g-chi", "0.5", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert set(d["partial_widths_GeV"]) == {"mutau", "chichi"}
    assert d["branching_ratios"]["chichi"] > 0.99
    assert d["delta_a_mu"] > 0
    assert d["g_chi"] == 0.5


@pytest.mark.parametrize("args", [["--process", "scalar", "--theta", "1"], ["--process", "lfv_alp", "--model", "leptophilic"]])
def test_width_refuses_foreign_options(args):
    out = _mudump("width", "--mass", "6", "--coupling", "1e-3", *args)
    assert out.returncode == 1
    assert "theta" in out.stderr or "leptophilic" in out.stderr


def test_xsec_json_lists_the_process_parameters(capsys):
    """``mudump xsec --json`` records every parameter of the process, theta included (issue 18 item 15)."""
    from generator.cli import main

    assert main(["xsec", "--process", "lfv_alp", "--target", "Pb", "--energy", "160", "--mass", "2",
                 "--coupling", "1", "--theta", "0.3", "--method", "iww", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["theta"] == 0.3
    assert d["m_chi"] is None
    assert d["g_chi"] == 1.0
