"""Exact mu N -> mu N Z' kernel (vector_brems) and its WW / IWW (zprime_ww): Ward identity, gauge and
Lorentz invariance, polarisation sums, the 2->2 closed form, and sigma_exact vs WW."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

from generator.beam_integrands import ExactKernel, FixedEnergyIntegrand
from generator.constants import GEV2_TO_PB, M_MU, M_TAU
from generator.form_factors import g2_scales
from generator.integrate import VegasSettings, integrate
from generator.phase_space import DIM, make_params, map_point
from generator.processes.vector_brems import (
    amplitude_squared_lab_vector,
    dsigma_batch,
    kinematics_batch,
    lepton_amplitudes_vector,
    lepton_current_squared_vector,
    polarisation_vectors,
)
from generator.processes.zprime_ww import (
    amplitude_squared_gamma_lepton_vector,
    amplitude_squared_gamma_lepton_vector_closed,
    dsigma_dx_iww_vector,
    sigma_iww_vector,
    sigma_ww_vector,
)
from generator.xsec import Target

M_PB = 193.0
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])


def _minkowski(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


def _random_points(rng, energy, m_x, m_out=M_MU, n=40, theta_frac=1.0):
    par = make_params(M_MU, m_out, m_x, M_PB, 82.0, 207.2, 0)
    pts = []
    while len(pts) < n:
        u = rng.random(4)
        u[1] *= theta_frac
        jac, _e_k, _th, _q2, _phi, d, w_den, kin = map_point(*u, energy, par)
        if jac > 0:
            kin = np.array(kin)
            pts.append((kin[0:4], kin[4:8], kin[8:12], kin[12:16], d, w_den))
    return pts


def _pol_sum(p, pp, k, j, m_x, d, w_den, m_out=M_MU):
    return sum(lepton_current_squared_vector(p, pp, k, j, M_MU, m_out, eps, -d, w_den)
               for eps in polarisation_vectors(k, m_x))


def _metric_sum(p, pp, k, j, d, w_den):
    """-g_ab M^a M^b*: M(eps) = eps_a M^a, so eps = e_0 gives M^0 and eps = e_i gives -M^i."""
    basis = np.eye(4)
    return sum(-METRIC[a, a] * lepton_current_squared_vector(p, pp, k, j, M_MU, M_MU, basis[a], -d, w_den)
               for a in range(4))


# ------------------------------------------------------------------------------------------------
# polarisation vectors
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("energy", "m_x"), [(3.0, 0.5), (160.0, 0.01), (160.0, 1.0)])
def test_polarisation_vectors_are_physical(rng, energy, m_x):
    """eps_1, eps_2 transverse and orthonormal; eps~_L = eps_L - k/m with eps_L . k = 0, eps_L^2 = -1."""
    for _p, k, _pp, _q, _d, _w in _random_points(rng, energy, m_x, n=10):
        pols = polarisation_vectors(k, m_x)
        kabs = np.linalg.norm(k[1:])
        eps_l = np.concatenate([[kabs], k[0] * k[1:] / kabs]) / m_x
        assert pols[2] == pytest.approx(eps_l - k / m_x, abs=1e-9 * np.abs(eps_l).max())
        for a in range(2):
            assert _minkowski(pols[a], k) == pytest.approx(0.0, abs=1e-12 * k[0])
            for b in range(2):
                assert _minkowski(pols[a], pols[b]) == pytest.approx(-float(a == b), abs=1e-14)
            assert _minkowski(pols[a], eps_l) == pytest.approx(0.0, abs=1e-12 * np.abs(eps_l).max())
        assert np.abs(pols[2]).max() < 1.0  # no large components (m/(E+|k|) <= 1)


# ------------------------------------------------------------------------------------------------
# Ward identity k_a M^a = 0 and the eps~_L trick
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("energy", "m_x"), [(160.0, 0.01), (3.0, 0.5), (160.0, 1.0), (1500.0, 0.1)])
def test_ward_identity(rng, energy, m_x):
    """eps = k: the amplitude vanishes up to rounding.

    Each diagram is ubar J/ u analytically (module docstring); with eps = k it is computed as a product whose
    terms are larger by A = |k|(|W0| + |W|)/|W^2 - m^2| (resp. V), so the residual is bounded by
    ~eps_mach * A * |ubar J/ u| at every point. Relative to the physical (transverse) amplitude,
    |k.M| / (|k| |M_T|) < 1e-10 holds for the bulk of the points (90 %); near Q^2_min at 1.5 TeV single points
    reach ~1e-8, purely from the rounding of eps = k itself (the eps~_L the kernel uses has no such terms).
    """
    j = np.array([2 * M_PB, 0, 0, 0])
    ratios = []
    for p, k, pp, _q, d, w_den in _random_points(rng, energy, m_x, n=200):
        pols = polarisation_vectors(k, m_x)
        ward = np.abs(lepton_amplitudes_vector(p, pp, k, j, M_MU, M_MU, k, -d, w_den)).max()
        m_t = math.sqrt(sum(lepton_current_squared_vector(p, pp, k, j, M_MU, M_MU, pols[a], -d, w_den)
                            for a in range(2)))
        assert m_t > 0
        w, v = pp + k, p - k
        amplification = k[0] * ((abs(w[0]) + np.linalg.norm(w[1:])) / abs(w_den)
                                + (abs(v[0]) + np.linalg.norm(v[1:])) / d)
        ubar_j_u = 2 * M_PB * 2 * math.sqrt(p[0] * pp[0])  # |ubar(p') 2M gamma0 u(p)| <= 4M sqrt(E E')
        assert ward < 1e-11 * amplification * ubar_j_u
        ratios.append(ward / (np.linalg.norm(k[1:]) * m_t))
    assert np.quantile(ratios, 0.9) < 1e-10


def test_ward_identity_fails_for_unequal_masses(rng):
    """The check has teeth: for mu -> tau the vector current is not conserved and k.M is O(1)."""
    j = np.array([2 * M_PB, 0, 0, 0])
    ratios = []
    for p, k, pp, _q, d, w_den in _random_points(rng, 160.0, 1.0, m_out=M_TAU, n=10):
        pols = polarisation_vectors(k, 1.0)
        ward = np.abs(lepton_amplitudes_vector(p, pp, k, j, M_MU, M_TAU, k, -d, w_den))
        m_t = math.sqrt(sum(lepton_current_squared_vector(p, pp, k, j, M_MU, M_TAU, pols[a], -d, w_den)
                            for a in range(2)))
        ratios.append(ward.max() / (np.linalg.norm(k[1:]) * m_t))
    assert max(ratios) > 1e-4


def test_longitudinal_tilde_equals_longitudinal(rng):
    """At moderate E/m the naive eps_L = (|k|, E k^)/m and eps~_L = eps_L - k/m give the same |M|^2."""
    j = np.array([2 * M_PB, 0, 0, 0])
    m_x = 0.5
    for p, k, pp, _q, d, w_den in _random_points(rng, 3.0, m_x, n=30):
        kabs = np.linalg.norm(k[1:])
        eps_l = np.concatenate([[kabs], k[0] * k[1:] / kabs]) / m_x
        naive = lepton_current_squared_vector(p, pp, k, j, M_MU, M_MU, eps_l, -d, w_den)
        tilde = lepton_current_squared_vector(p, pp, k, j, M_MU, M_MU, polarisation_vectors(k, m_x)[2], -d, w_den)
        assert tilde == pytest.approx(naive, rel=1e-8)


@pytest.mark.parametrize(("energy", "m_x"), [(3.0, 0.5), (10.0, 0.3)])
def test_three_state_sum_equals_metric_sum(rng, energy, m_x):
    """sum over the 3 physical polarisations = -g_ab M^a M^b* (the kk/m^2 term drops)."""
    j = np.array([2 * M_PB, 0, 0, 0])
    for p, k, pp, _q, d, w_den in _random_points(rng, energy, m_x, n=30):
        assert _pol_sum(p, pp, k, j, m_x, d, w_den) == pytest.approx(_metric_sum(p, pp, k, j, d, w_den),
                                                                      rel=1e-8)


# ------------------------------------------------------------------------------------------------
# photon gauge invariance, J = 2P, Lorentz invariance, trace
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("energy", "m_x"), [(160.0, 0.1), (3.0, 0.01), (1500.0, 0.5), (160.0, 0.01)])
def test_photon_gauge_invariance(rng, energy, m_x):
    """J -> q makes the bracket vanish for every polarisation (relative to one diagram)."""
    for p, k, pp, q, d, w_den in _random_points(rng, energy, m_x, theta_frac=0.6):
        for eps in polarisation_vectors(k, m_x):
            gauge = lepton_current_squared_vector(p, pp, k, q, M_MU, M_MU, eps, -d, w_den)
            one_diagram = lepton_current_squared_vector(p, pp, k, q, M_MU, M_MU, eps, -d, 1e300)
            assert one_diagram > 0
            assert gauge <= 1e-16 * one_diagram


def test_j_equals_2p_drops_only_zero(rng):
    """J = 2P (lab) instead of P + P' changes the polarisation-summed |M|^2 only at rounding level."""
    j2p = np.array([2 * M_PB, 0, 0, 0])
    for p, k, pp, q, d, w_den in _random_points(rng, 160.0, 0.1):
        assert _pol_sum(p, pp, k, j2p, 0.1, d, w_den) == pytest.approx(_pol_sum(p, pp, k, j2p + q, 0.1, d, w_den),
                                                                       rel=1e-9)


def _boost(v, beta):
    b2 = beta @ beta
    gamma = 1 / math.sqrt(1 - b2)
    bp = beta @ v[1:]
    e = gamma * (v[0] - bp)
    vec = v[1:] + ((gamma - 1) * bp / b2 - gamma * v[0]) * beta
    return np.concatenate([[e], vec])


def _rotation(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q @ np.diag(np.sign(np.diag(r)))
    return q if np.linalg.det(q) > 0 else -q


@pytest.mark.parametrize(("energy", "m_x"), [(10.0, 0.2), (160.0, 0.05)])
def test_lorentz_invariance(rng, energy, m_x):
    """The polarisation-summed |M|^2 (J = P + P') is unchanged by a random rotation and boost, with the
    polarisation vectors rebuilt in the new frame."""
    for p, k, pp, q, d, w_den in _random_points(rng, energy, m_x, n=20):
        j = np.array([2 * M_PB, 0, 0, 0]) + q
        ref = _pol_sum(p, pp, k, j, m_x, d, w_den)
        rot = _rotation(rng)
        direction = rng.normal(size=3)
        beta = 0.6 * direction / np.linalg.norm(direction)
        pb, kb, ppb, jb = (_boost(np.concatenate([[v[0]], rot @ v[1:]]), beta) for v in (p, k, pp, j))
        v = pb - kb
        w = ppb + kb
        den_a = _minkowski(v, v) - M_MU**2
        den_b = _minkowski(w, w) - M_MU**2
        boosted = sum(lepton_current_squared_vector(pb, ppb, kb, jb, M_MU, M_MU, eps, den_a, den_b)
                      for eps in polarisation_vectors(kb, m_x))
        assert boosted == pytest.approx(ref, rel=1e-6)


def test_spinor_sum_matches_trace(rng):
    """sum_spins sum_pol |ubar O u|^2 = -g_ab Tr[(p/' + m) O^a (p/ + m) Obar^b] with explicit gamma matrices."""
    g0 = np.diag([1, 1, -1, -1]).astype(complex)
    sig = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
    gs = [g0] + [np.block([[np.zeros((2, 2)), s], [-s, np.zeros((2, 2))]]) for s in sig]
    one = np.eye(4)

    def slash(a):
        return a[0] * gs[0] - a[1] * gs[1] - a[2] * gs[2] - a[3] * gs[3]

    m_x = 0.3
    for p, k, pp, _q, d, w_den in _random_points(rng, 20.0, m_x, n=10):
        j = np.array([2 * M_PB, 0, 0, 0])
        total = 0.0
        for a in range(4):
            o = (slash(j) @ (slash(p - k) + M_MU * one) @ gs[a] / (-d)
                 + gs[a] @ (slash(pp + k) + M_MU * one) @ slash(j) / w_den)
            obar = g0 @ o.conj().T @ g0
            tr = np.trace((slash(pp) + M_MU * one) @ o @ (slash(p) + M_MU * one) @ obar).real
            total += -METRIC[a, a] * tr
        assert _pol_sum(p, pp, k, j, m_x, d, w_den) == pytest.approx(total, rel=1e-6)


# ------------------------------------------------------------------------------------------------
# the batch kernel
# ------------------------------------------------------------------------------------------------
def test_dsigma_batch_direct(rng):
    """dsigma_batch = |M|^2 jac GEV2_TO_PB point by point, scales as c_v^2, and refuses c_p != 0."""
    energy, m_x = 160.0, 0.05
    par = make_params(M_MU, M_MU, m_x, M_PB, 82.0, 207.2, 0, c_s=1.0, c_p=0.0)
    u = rng.random((200, DIM))
    e = np.full(len(u), energy)
    ds = dsigma_batch(u, e, par)
    assert np.all(np.isfinite(ds))
    assert np.all(ds >= 0)
    assert np.count_nonzero(ds) > 100
    scales = g2_scales(82.0, 207.2, 0)
    for i in range(0, 200, 17):
        jac, _e_k, _th, q2, _phi, d, w_den, kin = map_point(*u[i], energy, par)
        want = 0.0 if jac <= 0 else amplitude_squared_lab_vector(
            kin, M_PB, M_MU, M_MU, m_x, 1.0, q2, d, w_den, 82.0, 207.2, 0, scales) * jac * GEV2_TO_PB
        assert ds[i] == pytest.approx(want, rel=1e-12)
    par2 = make_params(M_MU, M_MU, m_x, M_PB, 82.0, 207.2, 0, c_s=2.0, c_p=0.0)
    assert dsigma_batch(u, e, par2) == pytest.approx(4 * ds, rel=1e-12)
    bad = make_params(M_MU, M_MU, m_x, M_PB, 82.0, 207.2, 0, c_s=1.0, c_p=1.0)
    with pytest.raises(ValueError, match="P_CP"):
        dsigma_batch(u, e, bad)
    # kinematics are the scalar's: the boson four-vector is on shell with the vector mass
    kin = kinematics_batch(u, e, par)
    k4 = kin[4][ds > 0]
    assert np.sqrt(k4[:, 0] ** 2 - (k4[:, 1:] ** 2).sum(axis=1)) == pytest.approx(m_x, rel=1e-6)


# ------------------------------------------------------------------------------------------------
# 2 -> 2 and WW / IWW
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("m_x", [0.01, 0.3, 2.0])
def test_gamma_mu_to_mu_v_matches_closed_form(rng, m_x):
    """Spinor 2->2 |M|^2 (3 polarisations) = closed-form massive Compton at random (s, cos theta)."""
    for _ in range(20):
        s2 = (M_MU + m_x) ** 2 * (1 + 30 * rng.random())
        rs = math.sqrt(s2)
        w = (s2 - M_MU**2) / (2 * rs)
        e_p = (s2 + M_MU**2) / (2 * rs)
        e_k = (s2 + m_x**2 - M_MU**2) / (2 * rs)
        kk = math.sqrt(e_k**2 - m_x**2)
        u2 = M_MU**2 + m_x**2 - 2 * (e_p * e_k + w * kk * (2 * rng.random() - 1))
        kern = amplitude_squared_gamma_lepton_vector(s2, u2, M_MU, m_x)
        assert kern == pytest.approx(amplitude_squared_gamma_lepton_vector_closed(s2, u2, M_MU, m_x), rel=1e-10)


def test_closed_form_limits():
    """m_V -> 0: Compton (Peskin–Schroeder eq. 5.87); m_mu -> 0: q g -> q gamma*."""
    e4 = (4 * math.pi / 137.035999) ** 2
    s2, u2, m = 1.7, -0.4, 0.3
    st, ut = s2 - m * m, u2 - m * m
    compton = 2 * e4 * (-ut / st - st / ut + 4 * m * m * (1 / st + 1 / ut) + 4 * m**4 * (1 / st + 1 / ut) ** 2)
    assert amplitude_squared_gamma_lepton_vector_closed(s2, u2, m, 0.0) * (4 * math.pi / 137.035999) == \
        pytest.approx(compton, rel=1e-6)
    mv = 0.8
    t2 = mv * mv - s2 - u2
    qg = 2 * e4 * (-s2 / u2 - u2 / s2 - 2 * mv * mv * t2 / (s2 * u2))
    assert amplitude_squared_gamma_lepton_vector_closed(s2, u2, 0.0, mv) * (4 * math.pi / 137.035999) == \
        pytest.approx(qg, rel=1e-6)


@pytest.mark.parametrize(("energy", "m_x"), [(160.0, 0.01), (160.0, 1.0), (1000.0, 0.1)])
def test_iww_is_ww_with_fixed_t_min(energy, m_x):
    """The analytic angle integral of the IWW equals the WW quadrature with t_min = m^4/4E^2."""
    t_fixed = m_x**4 / (4 * energy**2)
    ww_fixed = sigma_ww_vector(energy, m_x, 82.0, 207.2, 0, n_x=100, n_theta=100, t_min_fixed=t_fixed)
    assert ww_fixed == pytest.approx(sigma_iww_vector(energy, m_x, 82.0, 207.2, 0).sigma_pb, rel=1e-3)


def test_iww_reduces_to_a_prime_form():
    """For m_mu^2 x^2 << m^2 (1-x) the IWW is g^2 alpha^2 chi beta (1 - x + x^2/3) / (pi U_0)."""
    from generator.processes.iww import photon_flux_chi

    energy, m_x = 160.0, 2.0
    chi = photon_flux_chi(energy, m_x, 82.0, 207.2, 0)
    for x in (0.05, 0.2, 0.5, 0.8):
        u0 = m_x**2 * (1 - x) / x + M_MU**2 * x
        beta = math.sqrt(1 - (m_x / (x * energy)) ** 2)
        a_prime = (1 / 137.035999) ** 2 * chi * beta * (1 - x + x * x / 3) / (math.pi * u0) * GEV2_TO_PB
        assert dsigma_dx_iww_vector(energy, m_x, x, 82.0, 207.2, 0) == pytest.approx(a_prime, rel=2e-3)


def _exact_sigma(energy, m_x, seed, direct=False):
    tgt = Target.from_material("Pb")
    par = make_params(M_MU, M_MU, m_x, tgt.m_nucleus, tgt.z, tgt.a, 0, c_s=1.0, c_p=0.0)
    settings = VegasSettings(rel_precision=0.005, neval=30_000)
    if direct:
        def f(u):
            return dsigma_batch(np.ascontiguousarray(u), np.full(len(u), energy), par)
        return integrate(f, DIM, settings=settings, seed=seed), tgt
    proc = types.SimpleNamespace(dim=DIM, dsigma=dsigma_batch, kinematics=kinematics_batch)
    f = FixedEnergyIntegrand(ExactKernel(proc, par), energy)
    return integrate(f, f.dim, settings=settings, seed=seed), tgt


@pytest.mark.parametrize(("energy", "m_x", "direct"), [(160.0, 0.01, False), (1000.0, 0.01, True)])
def test_exact_matches_ww_at_small_mass(energy, m_x, direct):
    """sigma_exact (VEGAS over the 2->3) / sigma_WW -> 1 within 3 % at m = 10 MeV (Pb), and IWW is above."""
    r, tgt = _exact_sigma(energy, m_x, seed=3, direct=direct)
    assert r.q_value > 1e-3
    ww = sigma_ww_vector(energy, m_x, tgt.z, tgt.a, 0)
    assert abs(ww / r.mean - 1) < 0.03 + 5 * r.sdev / r.mean
    assert sigma_iww_vector(energy, m_x, tgt.z, tgt.a, 0).sigma_pb > ww
