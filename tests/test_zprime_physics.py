"""Z' of L_mu - L_tau (zprime_physics): widths, thresholds, branching ratios, decay length, Delta a_mu,
kinetic mixing and decay channels."""

from __future__ import annotations

import dataclasses
import math

import pytest

from generator.constants import ALPHA_EM, HBARC_GEV_M, M_MU, M_TAU, PDG_DARK_FERMION
from generator.processes.zprime_physics import (
    ZPRIME_CHANNELS,
    ZPRIME_MODEL_NAMES,
    ZPrimeModel,
    epsilon_kinetic_mixing,
    epsilon_kinetic_mixing_na64mu_proposal,
    gamma_ff_vector,
    gamma_nunu_vector,
    zprime_channels,
)

MASSES = (0.05, 0.15, 0.3, 1.0, 3.0, 5.0)


def _gamma_ll(g, m, m_l):
    """docs/physics.md section 13, written out independently."""
    if m <= 2 * m_l:
        return 0.0
    r = m_l**2 / m**2
    return g * g * m / (12 * math.pi) * (1 + 2 * r) * math.sqrt(1 - 4 * r)


@pytest.mark.parametrize("m", MASSES)
def test_widths_match_closed_forms(m):
    g = 3e-4
    z = ZPrimeModel(g)
    pw = z.partial_widths(m)
    assert pw["mumu"] == pytest.approx(_gamma_ll(g, m, M_MU), rel=1e-13, abs=0.0)
    assert pw["tautau"] == pytest.approx(_gamma_ll(g, m, M_TAU), rel=1e-13, abs=0.0)
    assert pw["nunu_mu"] == pytest.approx(g * g * m / (24 * math.pi), rel=1e-13)
    assert pw["nunu_tau"] == pw["nunu_mu"]
    dm = ZPrimeModel(g, "lmu_ltau_dm", m_chi=0.01, g_chi=0.5).partial_widths(m)
    assert dm["chichi"] == pytest.approx(_gamma_ll(0.5, m, 0.01), rel=1e-13)


def test_width_limits():
    """Far above threshold a charged lepton pair is twice one neutrino flavour (two helicities vs one);
    at threshold the width vanishes like beta."""
    g = 1e-3
    pw = ZPrimeModel(g).partial_widths(100.0)
    assert pw["mumu"] / pw["nunu_mu"] == pytest.approx(2.0, rel=1e-5)
    assert gamma_nunu_vector(1.0, 1.0) == pytest.approx(0.5 * gamma_ff_vector(1.0, 1.0, 0.0), rel=1e-15)
    eps = 1e-8
    near = gamma_ff_vector(2 * M_MU * (1 + eps), g, M_MU)
    assert near == pytest.approx(g * g * 2 * M_MU / (12 * math.pi) * 1.5 * math.sqrt(2 * eps), rel=1e-4)


def test_thresholds():
    z = ZPrimeModel(1e-3)
    for m in (0.1, 2 * M_MU, 2 * M_MU * (1 - 1e-12)):
        pw = z.partial_widths(m)
        assert pw["mumu"] == 0.0
        assert pw["tautau"] == 0.0
        assert pw["nunu_mu"] > 0.0
        assert z.branching_ratios(m)["nunu_mu"] == 0.5
        assert z.invisible_fraction(m) == 1.0
    assert z.partial_widths(2 * M_MU * (1 + 1e-9))["mumu"] > 0.0
    assert z.partial_widths(2 * M_TAU)["tautau"] == 0.0
    assert z.partial_widths(2 * M_TAU * (1 + 1e-9))["tautau"] > 0.0
    dm = ZPrimeModel(1e-3, "lmu_ltau_dm", m_chi=0.2)
    assert dm.partial_widths(0.4)["chichi"] == 0.0
    assert dm.partial_widths(0.41)["chichi"] > 0.0


@pytest.mark.parametrize("name", ZPRIME_MODEL_NAMES)
@pytest.mark.parametrize("m", MASSES)
def test_branching_ratios_sum_to_one(name, m):
    z = ZPrimeModel(5e-4, name)
    br = z.branching_ratios(m)
    assert tuple(br) == z.channel_names()
    if name == "muonphilic_vector" and m <= 2 * M_MU:
        assert z.total_width(m) == 0.0
        assert set(br.values()) == {0.0}
        assert math.isinf(z.decay_length(m, 10.0))
        assert z.invisible_fraction(m) == 1.0
        return
    assert math.fsum(br.values()) == pytest.approx(1.0, rel=1e-14)
    assert all(0.0 <= v <= 1.0 for v in br.values())
    assert z.total_width(m) == pytest.approx(math.fsum(z.partial_widths(m).values()), rel=1e-15)


def test_channel_keys_per_model():
    assert list(ZPrimeModel(1e-3).partial_widths(1.0)) == ["mumu", "tautau", "nunu_mu", "nunu_tau"]
    assert list(ZPrimeModel(1e-3, "lmu_ltau_dm").partial_widths(1.0)) == list(ZPRIME_CHANNELS)
    assert list(ZPrimeModel(1e-3, "muonphilic_vector").partial_widths(1.0)) == ["mumu"]


def test_dark_matter_benchmark():
    """m_chi = None means m_Z' = 3 m_chi (chi chi-bar open); g_chi = 1 means alpha_D = 1/(4 pi)."""
    z = ZPrimeModel(1e-3, "lmu_ltau_dm")
    assert z.dark_fermion_mass(0.6) == pytest.approx(0.2)
    assert z.alpha_dark == pytest.approx(1 / (4 * math.pi))
    assert z.partial_widths(0.6)["chichi"] == pytest.approx(_gamma_ll(1.0, 0.6, 0.2), rel=1e-13)
    # g_chi >> g: the Z' is invisible
    assert z.invisible_fraction(0.6) > 0.999


def test_delta_a_mu():
    """Positive; -> g^2/(8 pi^2) for m << m_mu; = 2.92e-9 at g = 4.8e-4 (docs/physics.md A13); falls as
    m_mu^2/(3 m^2) * g^2/(4 pi^2) for m >> m_mu."""
    z = ZPrimeModel(4.8e-4)
    assert z.delta_a_mu(1e-5) == pytest.approx(4.8e-4**2 / (8 * math.pi**2), rel=1e-3)
    assert z.delta_a_mu(1e-4) == pytest.approx(2.92e-9, rel=5e-3)
    heavy = z.delta_a_mu(50.0)
    assert heavy == pytest.approx(4.8e-4**2 / (4 * math.pi**2) * M_MU**2 / (3 * 50.0**2), rel=1e-3)
    assert 0 < z.delta_a_mu(1.0) < z.delta_a_mu(0.1) < z.delta_a_mu(0.01)
    assert ZPrimeModel(4.8e-4, "muonphilic_vector").delta_a_mu(0.01) == z.delta_a_mu(0.01)


def test_decay_length_scales_as_inverse_coupling_squared():
    z = ZPrimeModel(1e-4)
    for m in (0.1, 0.5, 4.0):
        energy = 50.0
        length = z.decay_length(m, energy)
        p = math.sqrt(energy**2 - m**2)
        assert length == pytest.approx(p / (m * z.total_width(m)) * HBARC_GEV_M, rel=1e-12)
        z3 = z.with_coupling(3e-4)
        assert z3.decay_length(m, energy) == pytest.approx(length / 9, rel=1e-12)
        assert z3.total_width(m) == pytest.approx(9 * z.total_width(m), rel=1e-12)


def test_with_coupling_keeps_the_model():
    z = ZPrimeModel(1e-3, "lmu_ltau_dm", m_chi=0.05, g_chi=0.3)
    z2 = z.with_coupling(2e-3)
    assert (z2.g, z2.name, z2.m_chi, z2.g_chi) == (2e-3, "lmu_ltau_dm", 0.05, 0.3)
    # the dark width does not scale with g
    assert z2.partial_widths(0.5)["chichi"] == z.partial_widths(0.5)["chichi"]


def test_validation_messages():
    with pytest.raises(ValueError, match="name = 'dark_photon'.*lmu_ltau"):
        ZPrimeModel(1e-3, "dark_photon")
    for bad in (-1e-3, math.nan, math.inf):
        with pytest.raises(ValueError, match="g = "):
            ZPrimeModel(bad)
        with pytest.raises(ValueError, match="g_chi = "):
            ZPrimeModel(1e-3, g_chi=bad)
    with pytest.raises(ValueError, match="m_chi = -0.1 GeV"):
        ZPrimeModel(1e-3, "lmu_ltau_dm", m_chi=-0.1)
    with pytest.raises(ValueError, match="m_Z' = 0.0 GeV"):
        ZPrimeModel(1e-3).partial_widths(0.0)
    z = ZPrimeModel(1e-3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        z.g = 2e-3  # type: ignore[misc]


def test_kinetic_mixing():
    """docs/physics.md A12: standard e g/(6 pi^2) ln(m_tau/m_mu) = 6.93e-6 at g = 4.8e-4 (NA64mu quotes
    6.8e-6); the proposal's printed 3 e g/(16 pi^2) ln(...) gives 7.79e-6 instead."""
    assert epsilon_kinetic_mixing(4.8e-4) == pytest.approx(6.93e-6, rel=2e-3)
    assert epsilon_kinetic_mixing_na64mu_proposal(4.8e-4) == pytest.approx(7.79e-6, rel=2e-3)
    e = math.sqrt(4 * math.pi * ALPHA_EM)
    assert epsilon_kinetic_mixing(1.0) == pytest.approx(e / (6 * math.pi**2) * math.log(M_TAU / M_MU))
    assert epsilon_kinetic_mixing_na64mu_proposal(1.0) / epsilon_kinetic_mixing(1.0) == pytest.approx(9 / 8)


def test_decay_channels():
    chans = zprime_channels(0.07)
    assert [c.name for c in chans] == list(ZPRIME_CHANNELS)
    by = {c.name: c for c in chans}
    assert by["mumu"].pdg == (13, -13)
    assert by["mumu"].masses == (M_MU, M_MU)
    assert by["mumu"].visible
    assert by["tautau"].pdg == (15, -15)
    assert by["tautau"].masses == (M_TAU, M_TAU)
    assert by["tautau"].visible
    assert by["nunu_mu"].pdg == (14, -14)
    assert by["nunu_mu"].masses == (0.0, 0.0)
    assert by["nunu_tau"].pdg == (16, -16)
    assert by["chichi"].pdg == (PDG_DARK_FERMION, -PDG_DARK_FERMION)
    assert by["chichi"].masses == (0.07, 0.07)
    assert not any(by[k].visible for k in ("nunu_mu", "nunu_tau", "chichi"))
    assert all(c.cp_conjugate for c in chans)
    # a process spec maps the model's keys onto the channels by name: every key has a channel
    for name in ZPRIME_MODEL_NAMES:
        assert set(ZPrimeModel(1e-3, name).partial_widths(1.0)) <= set(by)
