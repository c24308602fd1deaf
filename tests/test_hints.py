"""Tests for generator._hints: the one "did you mean ...?" helper of all error messages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from generator._hints import did_you_mean, nearest


@pytest.mark.parametrize(
    ("name", "choices", "expected"),
    [
        pytest.param("mas", ["mass", "seed"], " (did you mean 'mass'?)", id="typo"),
        pytest.param("leptophillic", ("leptophilic", "muonphilic"), " (did you mean 'leptophilic'?)", id="tuple"),
        pytest.param("zzz", ["mass", "seed"], "", id="nothing-close"),
        pytest.param("mass", [], "", id="no-choices"),
        pytest.param("seed", iter(["seed", "speed"]), " (did you mean 'seed'?)", id="iterator"),
        pytest.param("nevent", {"nevents": 1, "seed": 2}, " (did you mean 'nevents'?)", id="dict-keys"),
    ],
)
def test_did_you_mean(name, choices, expected):
    assert did_you_mean(name, choices) == expected


def test_several_suggestions_best_first():
    assert did_you_mean("lead", ["lead_glass", "leaf", "lead", "iron"], n=2) == " (did you mean 'lead', 'leaf'?)"
    assert nearest("lead", ["lead_glass", "leaf", "lead", "iron"], n=3)[0] == "lead"


def test_cutoff_and_show():
    assert did_you_mean("volum", ["decay_volume"]) == ""
    assert did_you_mean("volum", ["decay_volume"], cutoff=0.5) == " (did you mean 'decay_volume'?)"
    shown = did_you_mean("z_edn", ["z_end", "z_start"], show=lambda k: f"decay_volume.{k}")
    assert shown == " (did you mean 'decay_volume.z_end'?)"


def test_is_a_stdlib_leaf():
    code = "import sys, generator._hints; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
           "('numpy', 'scipy', 'vegas', 'awkward', 'geometry')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
