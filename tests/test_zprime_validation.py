"""Fast checks behind validation/zprime.py: the (g-2)-preferred Z' coupling of the NA64mu proposal and the
``mudump width --json`` record of the Z' (docs/physics.md section 13).

The NA64mu proposal (Gninenko for NA64, talk) quotes a_exp = 116592089(63) and a_SM = 116591803(49)
(x 1e-11), i.e. Delta a_mu = 2.86e-9, and "g_mu = 4.8e-4 for m_Z' < m_mu". For m_Z' << m_mu the vector loop
gives Delta a_mu = g^2/(8 pi^2), so g = sqrt(8 pi^2 Delta a_mu) = 4.75e-4.
"""

from __future__ import annotations

import json
import math

import pytest
from scipy.optimize import brentq

from generator.g_minus_2 import significance
from generator.processes.zprime_physics import ZPrimeModel

#: The proposal's a_mu values, x 1e-11 (inputs, not results).
A_EXP, ERR_EXP, A_SM, ERR_SM = 116592089.0, 63.0, 116591803.0, 49.0


def _g_for(delta_a: float, m: float) -> float:
    return brentq(lambda g: ZPrimeModel(g).delta_a_mu(m) - delta_a, 1e-7, 1.0, xtol=1e-15, rtol=1e-12)


def test_g_minus_2_preferred_coupling_of_the_na64mu_proposal():
    delta_a = significance(A_EXP, ERR_EXP, A_SM, ERR_SM).delta * 1e-11
    assert delta_a == pytest.approx(2.86e-9, rel=1e-12)
    closed = math.sqrt(8.0 * math.pi**2 * delta_a)  # m_Z' << m_mu: Delta a_mu = g^2 / (8 pi^2)
    g = _g_for(delta_a, 1e-5)  # m_Z' = 10 keV
    assert g == pytest.approx(closed, rel=1e-3)
    assert g == pytest.approx(4.8e-4, rel=0.02), "the proposal's rounded 4.8e-4"
    # the loop is suppressed once m_Z' ~ m_mu: a heavier Z' needs a larger g for the same Delta a_mu
    assert _g_for(delta_a, 0.01) > g
    assert _g_for(delta_a, 0.1) > _g_for(delta_a, 0.01)


@pytest.mark.usefixtures("_restore_logging")
def test_width_json_has_width_delta_a_mu_and_branching_ratios(capsys):
    from generator.cli import main

    assert main(["width", "--process", "zprime", "--model", "lmu_ltau", "--mass", "0.01",
                 "--coupling", "4.8e-4", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert {"width_GeV", "delta_a_mu", "branching_ratios"} <= set(record)
    model = ZPrimeModel(4.8e-4)
    assert record["width_GeV"] == pytest.approx(model.total_width(0.01), rel=1e-12)
    assert record["delta_a_mu"] == pytest.approx(model.delta_a_mu(0.01), rel=1e-12)
    br = record["branching_ratios"]
    assert sum(br.values()) == pytest.approx(1.0, rel=1e-12)
    assert br["nunu_mu"] + br["nunu_tau"] == pytest.approx(1.0, rel=1e-12), "below 2 m_mu: invisible only"
