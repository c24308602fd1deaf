"""The lfv_alp process spec (mu N -> tau N a, arXiv:2407.15942): amplitude identities, spec, methods."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generator.cards import parse_card_text
from generator.constants import M_MU, M_TAU, PDG_ALP, PDG_TAU
from generator.exceptions import CardError
from generator.phase_space import make_params, map_point
from generator.processes.lfv_alp import LFV_ALP, iww_t_min, vertex
from generator.processes.scalar_brems import lepton_current_squared
from generator.registry import get_process
from generator.xsec import cross_section

M_PB = 193.0


def _points(rng, energy, m_a, n=30):
    par = make_params(M_MU, M_TAU, m_a, M_PB, 82.0, 207.2, 2)
    pts = []
    while len(pts) < n:
        u = rng.random(4)
        u[1] *= 0.6
        jac, _e_k, _th, _q2, _phi, d, w_den, kin = map_point(*u, energy, par)
        if jac > 0:
            kin = np.array(kin)
            pts.append((kin[0:4], kin[4:8], kin[8:12], kin[12:16], d, w_den))
    return pts


def _msq(p, k, pp, j, cs, cp, d, w_den, m_out=M_TAU):
    return lepton_current_squared(p, pp, k, j, M_MU, m_out, cs, cp, -d, w_den)


def test_registered_spec():
    proc = get_process("lfv_alp")
    assert proc is LFV_ALP
    assert (proc.m_in, proc.m_out, proc.lepton_out_pdg, proc.boson_pdg) == (M_MU, M_TAU, PDG_TAU, PDG_ALP)
    assert proc.methods == ("exact", "ww", "iww")
    assert proc.default_form_factor == "lfv"
    assert set(proc.form_factors) == {"lfv", "tsai", "lfv_coherent", "lfv_incoherent"}
    assert proc.param_names == ("theta", "m_chi", "g_chi")
    assert vertex({"theta": math.pi / 2}) == pytest.approx((1.0, 0.0), abs=1e-15)
    assert vertex({"theta": 0.0}) == (0.0, -1.0)  # mu- -> tau-: tau~ (sin - cos g5) mu (docs/physics.md section 1)


@pytest.mark.parametrize(("energy", "m_a"), [(160.0, 2.0), (1500.0, 10.0), (5000.0, 2.0), (20.0, 5.0)])
def test_gauge_invariance(rng, energy, m_a):
    """J -> q: the two diagrams (internal tau and mu) cancel to rounding for the LFV vertex."""
    cs, cp = vertex({"theta": 0.6})
    for p, k, pp, q, d, w_den in _points(rng, energy, m_a):
        gauge = _msq(p, k, pp, q, cs, cp, d, w_den)
        one = lepton_current_squared(p, pp, k, q, M_MU, M_TAU, cs, cp, -d, 1e300)
        assert one > 0
        assert gauge <= 1e-14 * one


def _boost(v, beta):
    b2 = beta @ beta
    gamma = 1 / math.sqrt(1 - b2)
    bp = beta @ v[1:]
    return np.concatenate([[gamma * (v[0] - bp)], v[1:] + ((gamma - 1) * bp / b2 - gamma * v[0]) * beta])


def _mink(a):
    return a[0] ** 2 - a[1] ** 2 - a[2] ** 2 - a[3] ** 2


def test_lorentz_invariance(rng):
    cs, cp = vertex({"theta": 1.1})
    for p, k, pp, q, d, w_den in _points(rng, 30.0, 3.0, n=15):
        j = np.array([2 * M_PB, 0, 0, 0]) + q
        ref = _msq(p, k, pp, j, cs, cp, d, w_den)
        direction = rng.normal(size=3)
        beta = 0.7 * direction / np.linalg.norm(direction)
        pb, kb, ppb, jb = (_boost(v, beta) for v in (p, k, pp, j))
        den_a = _mink(pb - kb) - M_TAU**2
        den_b = _mink(ppb + kb) - M_MU**2
        assert lepton_current_squared(pb, ppb, kb, jb, M_MU, M_TAU, cs, cp, den_a, den_b) == pytest.approx(ref, rel=1e-6)


def test_gamma5_is_scalar_with_negative_tau_mass(rng):
    """|M|^2_g5(m_tau) = |M|^2_1(-m_tau) (docs/physics.md section 1, check G0b), on the lfv kinematics."""
    for p, k, pp, _q, d, w_den in _points(rng, 160.0, 2.0, n=15):
        j = np.array([2 * M_PB, 0, 0, 0])
        assert _msq(p, k, pp, j, 0.0, 1.0, d, w_den) == pytest.approx(
            _msq(p, k, pp, j, 1.0, 0.0, d, w_den, m_out=-M_TAU), rel=1e-9)


def test_only_sin2_cos2_enter(rng):
    """|M|^2(theta) = sin^2 |M|^2(pi/2) + cos^2 |M|^2(0); the sign of c_p (convention) does not matter."""
    for p, k, pp, _q, d, w_den in _points(rng, 1500.0, 10.0, n=15):
        j = np.array([2 * M_PB, 0, 0, 0])
        s_only = _msq(p, k, pp, j, 1.0, 0.0, d, w_den)
        p_only = _msq(p, k, pp, j, 0.0, 1.0, d, w_den)
        for th in (0.3, 0.785, 2.0):
            cs, cp = vertex({"theta": th})
            mixed = _msq(p, k, pp, j, cs, cp, d, w_den)
            assert mixed == pytest.approx(math.sin(th) ** 2 * s_only + math.cos(th) ** 2 * p_only, rel=1e-9)
            assert _msq(p, k, pp, j, cs, -cp, d, w_den) == pytest.approx(mixed, rel=1e-9)


def test_theta_dependence_is_small_and_sigma_positive():
    """sigma(theta = 0) vs sigma(pi/2) differ by a few % only (chirality flip ~ m_mu m_tau; docs/physics.md 5.4)."""
    s0 = cross_section(process="lfv_alp", target="Pb", energy=160.0, mass=2.0, theta=0.0, precision=0.003)
    s1 = cross_section(process="lfv_alp", target="Pb", energy=160.0, mass=2.0, theta=math.pi / 2, precision=0.003)
    assert s0.sigma_pb > 0
    assert s1.sigma_pb > 0
    assert abs(s0.sigma_pb / s1.sigma_pb - 1) < 0.05


@pytest.mark.parametrize("energy", ["threshold", 160.0, 1500.0, 5000.0])
def test_stable_from_threshold_to_5_tev(energy):
    """sigma converges (chi2/dof sane, precision met) from 1.05 x threshold to 5 TeV, m_a = 2 GeV.

    Near threshold t_min ~ 3 GeV^2, above the lfv set's t < 1 GeV^2 cut (sigma = 0 there, by definition),
    so the threshold point uses Tsai's G2, which has no cut."""
    e = 1.05 * LFV_ALP.threshold_energy(2.0, M_PB) if energy == "threshold" else energy
    ff = "tsai" if energy == "threshold" else "lfv"
    cs = cross_section(process="lfv_alp", target="Pb", energy=e, mass=2.0, theta=0.785, precision=0.01,
                       form_factor=ff)
    assert cs.sigma_pb > 0
    assert math.isfinite(cs.sigma_pb)
    assert cs.error_pb < 0.02 * cs.sigma_pb
    assert cs.chi2_dof < 5


def test_sigma_grows_with_energy():
    sig = [cross_section(process="lfv_alp", target="Pb", energy=e, mass=10.0, theta=1.0).sigma_pb
           for e in (100.0, 500.0, 5000.0)]
    assert sig[0] < sig[1] < sig[2]


def test_ww_matches_exact_where_it_must():
    """At 1.5 TeV, m_a = 2 GeV (t_min << nuclear scale) WW with the exact t_min(x, theta) and the unequal-mass
    2->2 amplitude agrees with the exact 2->3 within 3 %; IWW (x-independent t_min) is larger than WW."""
    ex = cross_section(process="lfv_alp", target="Pb", energy=1500.0, mass=2.0, theta=0.785, precision=0.003)
    ww = cross_section(process="lfv_alp", target="Pb", energy=1500.0, mass=2.0, theta=0.785, method="ww")
    iww = cross_section(process="lfv_alp", target="Pb", energy=1500.0, mass=2.0, theta=0.785, method="iww")
    assert ww.sigma_pb == pytest.approx(ex.sigma_pb, rel=0.03)
    assert iww.sigma_pb > ww.sigma_pb


def test_iww_t_min_is_the_absolute_threshold():
    """[(m_a + m_tau)^2 - m_mu^2]^2/4E^2 is 12.7x [004]'s (m_a^2/2E)^2 at m_a = 2 GeV (docs/physics.md E2)."""
    assert iww_t_min(1000.0, 2.0) / (4.0 / 2000.0) ** 2 == pytest.approx(12.7, rel=0.01)


_CARD = """lfv_alp = process
{model} = model
{mass} = mass
1e-3 = coupling
Pb = target
160 = beam_energy
{extra}
"""


def test_card_validation():
    ok = parse_card_text(_CARD.format(model="invisible", mass=6.0, extra="0.785 = theta"))
    assert ok.process_params() == {"theta": 0.785, "m_chi": None, "g_chi": 1.0}
    with pytest.raises(CardError, match="m_chi"):
        parse_card_text(_CARD.format(model="invisible", mass=6.0, extra="3.5 = m_chi"))
    with pytest.raises(CardError, match="a -> mu tau is closed"):
        parse_card_text(_CARD.format(model="visible", mass=1.5, extra=""))
    assert parse_card_text(_CARD.format(model="visible", mass=1.5, extra="False = decay")).decay is False
    with pytest.raises(CardError, match="theta"):
        parse_card_text(_CARD.format(model="visible", mass=6.0, extra="4.0 = theta"))
    with pytest.raises(CardError, match="theta"):  # a scalar card may not set theta
        parse_card_text("scalar = process\nleptophilic = model\n0.1 = mass\n1e-3 = coupling\nPb = target\n"
                        "160 = beam_energy\n0.5 = theta\n")


def test_coherent_and_diffractive_parts_add_up():
    """lfv_coherent + lfv_incoherent = lfv ([004] eq. 16); at 160 GeV the diffractive part dominates for
    m_a = 10 GeV, at 1.5 TeV the coherent part for m_a = 2 GeV ([004] Fig. 3, docs/physics.md 5.4)."""
    from generator.form_factors import FF_LFV, FF_LFV_COHERENT, FF_LFV_INCOHERENT, g2

    for t in (1e-6, 1e-3, 0.05, 0.5, 0.99, 1.5):
        assert g2(t, 82.0, 207.2, FF_LFV_COHERENT) + g2(t, 82.0, 207.2, FF_LFV_INCOHERENT) == pytest.approx(
            g2(t, 82.0, 207.2, FF_LFV), rel=1e-12, abs=0.0)

    def sig(e, m, ff):
        return cross_section(process="lfv_alp", target="Pb", energy=e, mass=m, form_factor=ff, precision=0.01).sigma_pb

    assert sig(160.0, 10.0, "lfv_incoherent") > 100 * sig(160.0, 10.0, "lfv_coherent")
    assert sig(1500.0, 2.0, "lfv_coherent") > 3 * sig(1500.0, 2.0, "lfv_incoherent")
