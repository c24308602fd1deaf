"""The project's documentation (docs/*.md) says what the code does: the numbers it quotes are the code's,
and it names the tools that really read each file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import constants
from geometry.materials import get_material

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _quoted(text: str, name: str, unit: str) -> str:
    match = re.search(rf"{name} = ([0-9.]+) {unit}", text)
    assert match, f"docs/physics.md does not quote {name}"
    return match.group(1)


@pytest.mark.parametrize(("name", "unit", "value"), [("m_e", "MeV", constants.M_E * 1e3),
                                                     ("m_μ", "MeV", constants.M_MU * 1e3),
                                                     ("m_τ", "MeV", constants.M_TAU * 1e3),
                                                     ("m_p", "MeV", constants.M_P * 1e3),
                                                     ("cτ_τ", "μm", constants.CTAU_TAU_M * 1e6)])
def test_physics_md_constants_are_the_codes(name, unit, value):
    """The conventions' particle constants, to the digits quoted (m_τ was 1776.86 MeV in the docs and
    1776.93 MeV in the events)."""
    text = _quoted((DOCS / "physics.md").read_text(), name, unit)
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert float(text) == round(value, decimals), f"{name} = {text} {unit} in the docs, {value} in the code"


def test_physics_md_nucleus_masses_are_the_codes():
    """§9's table: the nucleus of each target and its mass as the events have it (Pb 193.0 there and
    193.69 GeV in the code before)."""
    section = (DOCS / "physics.md").read_text().split("## 9.")[1].split("## 10.")[0]
    rows = [ln.split("|")[1:-1] for ln in section.splitlines() if re.match(r"^\| (Pb|W|Cu|Mo) \|", ln)]
    assert len(rows) == 4
    for row in rows:
        material = get_material(row[0].strip())
        mass = row[-1].split()[0]
        decimals = len(mass.split(".")[1])
        assert float(mass) == round(material.nucleus_mass_GeV, decimals), row
        assert row[-2].strip().endswith(material.symbol)  # the isotope, e.g. 208Pb in superscripts


def test_output_md_names_the_readers_truthfully():
    """Pythia 8 refuses the LHE file's beams (mu on a nucleus); the docs say so and give the route to tau
    decays; no internal issue numbers."""
    text = (DOCS / "output.md").read_text()
    lhe_row = next(ln for ln in text.splitlines() if ln.startswith("| `lhe`"))
    assert "not Pythia 8" in lhe_row
    assert "BeamSetup::checkBeams: cannot handle this beam combination" in text
    assert "tau_decays = pythia8" in text
    assert "HepMC3" in text
    assert not re.search(r"\bissues? \d+|#\d+\b", text, flags=re.IGNORECASE), "internal issue numbers"
