"""The process seam (issue 16): each process owns its parameters, models, channels and labels.

* A process defined *entirely* in this file (its own parameter schema, vertex, model, decay channels,
  experiment key, labels) runs from a card to events and to a scan, with no other module edited.
* No module outside ``generator/processes/`` and the registry names a process, a model or a process
  parameter (an AST walk over the source, so a new leak fails here).
* The same bad request through the API, the CLI and a card is refused with the same message.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from generator._schema import CardFloat
from generator.cards import parse_card_text, template_card
from generator.constants import M_MU, PDG_DARK_FERMION, PDG_MUON
from generator.decays import DecayChannel
from generator.exceptions import CardError
from generator.phase_space import DIM
from generator.process_spec import ExperimentKey, Param, Process, Range
from generator.processes.scalar_brems import dsigma_batch, kinematics_batch
from generator.registry import PROCESSES, register, unregister
from generator.run import generate, run_config
from generator.xsec import cross_section

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------------
# a whole process, defined here
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ToyModel:
    """A boson decaying to mu+ mu- (width g^2 m beta / 8 pi) and to an invisible pair with strength ``lam``."""

    g: float
    lam: float

    def partial_widths(self, m: float) -> dict[str, float]:
        beta = math.sqrt(max(0.0, 1.0 - 4.0 * M_MU**2 / m**2))
        return {"toy_mumu": self.g**2 * m * beta / (8 * math.pi), "toy_dark": self.lam**2 * self.g**2 * m / (8 * math.pi)}

    def total_width(self, m: float) -> float:
        return sum(self.partial_widths(m).values())

    def branching_ratios(self, m: float) -> dict[str, float]:
        pw = self.partial_widths(m)
        tot = sum(pw.values())
        return {k: v / tot for k, v in pw.items()}

    def decay_length(self, m: float, energy: float) -> float:
        return math.sqrt(energy**2 - m**2) / m * 1.973269804e-16 / self.total_width(m)

    def delta_a_mu(self, m: float) -> float:
        return 0.0

    def with_coupling(self, g: float) -> ToyModel:
        return ToyModel(g, self.lam)


def _toy_model(name: str, coupling: float, params) -> ToyModel:
    return ToyModel(coupling, params["lam"])


def _toy_channels(model: ToyModel, mass: float) -> list[DecayChannel]:
    return [DecayChannel("toy_mumu", (PDG_MUON, -PDG_MUON), (M_MU, M_MU), visible=True, cp_conjugate=True),
            DecayChannel("toy_dark", (PDG_DARK_FERMION, -PDG_DARK_FERMION), (0.0, 0.0), visible=False)]


def _toy_vertex(params) -> tuple[float, float]:
    return (math.cos(params["mix"]), math.sin(params["mix"]))  # c_s + c_p gamma5


def _toy_validate(config):
    if config.model == "dark_free" and config.params["lam"] != 0:
        return "lam", f"lam = {config.params['lam']} but model = dark_free", "lam = 0"
    return None


TOY = Process(
    name="toy_boson", description="mu N -> mu N T (a toy defined in tests/test_seam.py)",
    lepton_in_pdg=PDG_MUON, lepton_out_pdg=PDG_MUON, boson_pdg=9000098, m_in=M_MU, m_out=M_MU, dim=DIM,
    dsigma=dsigma_batch, kinematics=kinematics_batch, models=("toy_default", "dark_free"),
    make_model=_toy_model, decay_channels=_toy_channels,
    params=(Param("lam", CardFloat, 0.5, "toy invisible strength", "a number >= 0", check=Range(0.0)),
            Param("mix", CardFloat, 0.0, "toy CP angle", "0 <= mix <= pi/2 (rad)", unit="rad",
                  check=Range(0.0, math.pi / 2))),
    experiment_keys=(ExperimentKey("cuts.daughters.toy_min_angle", "nonnegative", "rad", "a toy cut"),),
    validate=_toy_validate, vertex=_toy_vertex, spin=0, boson_label="T", coupling_label="$g_T$",
    coupling_name="g_toy", form_factors=("tsai",),
    example={"model": "toy_default", "mass": 0.3, "coupling": 1e-3, "target": "Pb", "beam_energy": 160.0},
)


@pytest.fixture
def toy():
    register(TOY)
    yield TOY
    unregister(TOY.name)


def _card(tmp_path: Path, *lines: str, nevents: int = 300) -> str:
    return "\n".join([
        "toy_boson = process", "toy_default = model", "0.3 = mass", "1e-3 = coupling", "Pb = target",
        "160 = beam_energy", f"{nevents} = nevents", "1 = seed", "0.05 = precision", "4 = nitn_adapt",
        "4000 = neval", f"'{tmp_path / 'out'}' = output_dir", "lhe, root = output_formats", *lines]) + "\n"


def test_toy_process_runs_from_a_card_to_events(toy, tmp_path):
    cfg = parse_card_text(_card(tmp_path, "0.8 = lam", "0.4 = mix"))
    assert dict(cfg.params) == {"lam": 0.8, "mix": 0.4}
    summary = run_config(cfg, progress=False)
    assert Path(summary["files"]["lhe"]).exists()
    assert Path(summary["files"]["root"]).exists()
    events, _ = generate(cfg)
    assert np.all(np.asarray(events.particles.pdgid[:, 4]) == 9000098)
    dark = np.asarray(events.channel) == 1
    assert 0.2 < dark.mean() < 0.6  # BR(toy_dark) = 0.64 / (0.64 + beta) with beta = 0.87 -> 0.42
    # the vertex is the toy's: mix = pi/2 is a pseudoscalar, whose rate differs from mix = 0
    s0 = cross_section(process="toy_boson", target="Pb", energy=160.0, mass=0.3, coupling=1.0, precision=0.02)
    s1 = cross_section(process="toy_boson", target="Pb", energy=160.0, mass=0.3, coupling=1.0, precision=0.02,
                       mix=math.pi / 2)
    assert abs(s1.sigma_pb / s0.sigma_pb - 1) > 0.1
    # its own checks, its own parameters only
    with pytest.raises(CardError, match="lam = 0"):
        parse_card_text(_card(tmp_path, "dark_free = model", "0.3 = lam").replace("toy_default = model\n", ""))
    with pytest.raises(CardError, match="a parameter of process lfv_alp"):
        parse_card_text(_card(tmp_path, "0.5 = theta"))
    with pytest.raises(CardError, match="not a method"):
        parse_card_text(_card(tmp_path, "iww = method", nevents=0))


def test_toy_process_scans_and_is_documented(toy, tmp_path):
    from generator.scan import scan_config

    text = (_card(tmp_path, nevents=0).replace("Pb = target\n", "").replace("160 = beam_energy\n", "")
            + "na64mu = experiment\n0.2, 0.3 = scan_masses\n1e-4:1e-2:5 = scan_couplings\n500 = scan_events\n")
    result = scan_config(parse_card_text(text), executor="serial", use_cache=False)
    counts = result.counts[("na64mu", "toy_default")]["accepted"]
    assert counts.shape == (2, 5)
    assert np.all(np.isfinite(counts))
    assert counts.max() > 0
    card = template_card("toy_boson")
    assert "= lam" in card
    assert "= mix" in card
    assert "toy_boson" in card
    assert "toy_boson" in template_card()  # the other cards list it


def test_toy_experiment_key_is_validated_by_the_loader(toy):
    from geometry.experiments import ExperimentError, load_experiment

    e = load_experiment("na64mu")
    d = e.to_dict()
    d["cuts"]["daughters"]["toy_min_angle"] = 0.01
    assert type(e).from_dict(d).process_keys["cuts.daughters.toy_min_angle"] == 0.01
    d["cuts"]["daughters"]["toy_min_angle"] = -1.0
    with pytest.raises(ExperimentError, match="toy_min_angle"):
        type(e).from_dict(d)


def test_toy_cli_options_come_from_its_schema(toy):
    from generator.cli import main

    assert main(["xsec", "--process", "toy_boson", "--target", "Pb", "--energy", "160", "--mass", "0.3",
                 "--coupling", "1e-3", "--lam", "0.2", "--precision", "0.1", "--json"]) == 0
    assert main(["xsec", "--process", "toy_boson", "--target", "Pb", "--energy", "160", "--mass", "0.3",
                 "--coupling", "1e-3", "--mix", "3"]) == 1


# --------------------------------------------------------------------------------------------------
# nothing outside the processes names a process, a model or a process parameter
# --------------------------------------------------------------------------------------------------
#: Physics libraries the processes are built from (pure functions of masses and couplings; DESIGN.md
#: rule 1): they name couplings such as g_e or theta as physics, not as process parameters.
PHYSICS_LIBRARIES = {"widths.py", "g_minus_2.py", "decays.py"}


def _names() -> tuple[set[str], set[str]]:
    strings = set(PROCESSES)
    for p in PROCESSES.values():
        strings |= set(p.models) | set(p.param_names)
    params = {name for p in PROCESSES.values() for name in p.param_names}
    return strings, params


def _leaks(path: Path, strings: set[str], params: set[str]) -> list[str]:
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                and node.value in strings:
            out.append(f"{path.name}:{node.lineno}: string {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr in params:
            out.append(f"{path.name}:{node.lineno}: attribute .{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg in params:
            out.append(f"{path.name}:{node.value.lineno}: keyword {node.arg}=")
    return out


def test_no_module_outside_the_processes_names_a_process_model_or_parameter():
    strings, params = _names()
    leaks = []
    for folder in ("generator", "geometry"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel.parts[:2] == ("generator", "processes") or path.name in PHYSICS_LIBRARIES \
                    or rel.as_posix() == "generator/registry.py":
                continue
            leaks += [f"{rel.parent}/{leak}" for leak in _leaks(path, strings, params)]
    assert not leaks, "\n".join(leaks)


def test_the_leak_check_can_fail(tmp_path):
    strings, params = _names()
    bad = tmp_path / "bad.py"
    bad.write_text('"""Docstring naming scalar is fine."""\nx = "lfv_alp"\ny = cfg.theta\nf(m_chi=1)\n')
    assert len(_leaks(bad, strings, params)) == 3


# --------------------------------------------------------------------------------------------------
# one entry path: the same refusal on the API, the CLI and a card
# --------------------------------------------------------------------------------------------------
REQUESTS = [
    pytest.param({"process": "lfv_alp", "model": "visible", "mass": 2.0, "coupling": 1e-3, "theta": 5.0,
                  "method": "iww"}, "theta", id="theta-out-of-range-iww"),
    pytest.param({"process": "scalar", "model": "leptophilic", "mass": 0.1, "coupling": 0.0}, "coupling",
                 id="zero-coupling"),
    pytest.param({"process": "scalar", "model": "leptophilic", "mass": 0.1, "coupling": 1.0, "theta": 0.3},
                 "theta", id="parameter-of-another-process"),
    pytest.param({"process": "zprime", "model": "lmu_ltau", "mass": 0.1, "coupling": 1e-3, "m_chi": 0.01},
                 "m_chi", id="zprime-dm-parameter-without-dm"),
    pytest.param({"process": "scalar", "model": "leptophilic", "mass": 0.1, "coupling": 1.0,
                  "cp_angle": 0.5, "method": "ww"}, "cp_angle", id="cp-angle-with-ww"),
]


def _tail(message: str, key: str) -> str:
    """The refusal after its location: ``{key}: {problem}; expected {expected}``."""
    return message[message.index(f"{key}: "):].strip()


@pytest.mark.parametrize(("request_", "key"), REQUESTS)
def test_same_refusal_on_api_cli_and_card(request_, key, tmp_path, capsys):
    from generator.cli import main

    kw = dict(request_)
    with pytest.raises(CardError) as api:
        cross_section(target="Pb", energy=160.0, **kw)
    lines = [f"{v} = {k}" for k, v in kw.items()] + ["Pb = target", "160 = beam_energy", "0 = nevents"]
    path = tmp_path / "bad.dat"
    path.write_text("\n".join(lines) + "\n")
    from generator.cards import load_card
    from generator.plan import check_coupling

    with pytest.raises(CardError) as card:
        check_coupling(load_card(path))
    assert card.value.line is not None or key == "coupling"
    argv = ["xsec", "--target", "Pb", "--energy", "160"]
    for k, v in kw.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert _tail(str(api.value), key) == _tail(str(card.value), key) == _tail(err, key)
