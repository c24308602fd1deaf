"""Two-body decays: kinematics, isotropy, channel sampling (generator/decays.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from generator import constants
from generator.decays import (
    DecayChannel,
    alp_channels,
    decay_events,
    invariant_mass,
    sample_channels,
    scalar_channels,
    two_body_decay,
)


def _parents(rng: np.random.Generator, n: int, mass: float, p_max: float) -> np.ndarray:
    """Parents of mass ``mass`` with random directions and |p| up to ``p_max`` GeV."""
    p = p_max * rng.random(n)
    cos_t = rng.uniform(-1, 1, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    sin_t = np.sqrt(1 - cos_t**2)
    p3 = p[:, None] * np.column_stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t])
    return np.column_stack([np.sqrt(mass**2 + p**2), p3])


def _to_rest(p4: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Boost ``p4`` into the rest frame of ``parent`` (inverse of the decay boost)."""
    mass = invariant_mass(parent)
    inv = parent.copy()
    inv[:, 1:] *= -1
    e_p, p_vec = inv[:, 0], inv[:, 1:]
    pdot = np.einsum("ij,ij->i", p_vec, p4[:, 1:])
    out = np.empty_like(p4)
    out[:, 0] = (e_p * p4[:, 0] + pdot) / mass
    out[:, 1:] = p4[:, 1:] + p_vec * (pdot / (mass * (e_p + mass)) + p4[:, 0] / mass)[:, None]
    return out


def test_daughters_mass_and_momentum_conservation() -> None:
    rng = np.random.default_rng(1)
    m_s = 0.7
    parent = _parents(rng, 5000, m_s, 50.0)
    d1, d2 = two_body_decay(parent, constants.M_MU, constants.M_MU, rng, parent_mass=m_s)
    total = d1 + d2
    scale = parent[:, :1]
    np.testing.assert_allclose(total / scale, parent / scale, rtol=0, atol=1e-13)
    np.testing.assert_allclose(invariant_mass(total), m_s, rtol=1e-9)
    # daughters on shell: |E^2 - p^2 - m^2| at the rounding level of E^2
    for d in (d1, d2):
        m2 = d[:, 0] ** 2 - np.sum(d[:, 1:] ** 2, axis=1)
        assert np.all(np.abs(m2 - constants.M_MU**2) < 1e-12 * d[:, 0] ** 2 + 1e-15)


def test_unequal_masses_rest_frame_momentum() -> None:
    """a -> mu tau at rest: |p*| = lambda^{1/2}(M^2, m1^2, m2^2) / 2M, energies (M^2 +- ...)/2M."""
    rng = np.random.default_rng(2)
    m_a, m1, m2 = 3.0, constants.M_MU, constants.M_TAU
    parent = np.tile([m_a, 0.0, 0.0, 0.0], (100, 1))
    d1, d2 = two_body_decay(parent, m1, m2, rng)
    lam = m_a**4 + m1**4 + m2**4 - 2 * (m_a**2 * m1**2 + m_a**2 * m2**2 + m1**2 * m2**2)
    p_star = np.sqrt(lam) / (2 * m_a)
    np.testing.assert_allclose(np.linalg.norm(d1[:, 1:], axis=1), p_star, rtol=1e-12)
    np.testing.assert_allclose(d1[:, 0], (m_a**2 + m1**2 - m2**2) / (2 * m_a), rtol=1e-12)
    np.testing.assert_allclose(d2[:, 0], (m_a**2 - m1**2 + m2**2) / (2 * m_a), rtol=1e-12)
    np.testing.assert_allclose(d1[:, 1:], -d2[:, 1:], atol=1e-14)


@settings(max_examples=50, deadline=None)
@given(
    mass=st.floats(0.01, 10.0),
    f1=st.floats(0.0, 0.49),
    f2=st.floats(0.0, 0.49),
    p=st.floats(0.0, 100.0),
)
def test_property_invariant_mass(mass: float, f1: float, f2: float, p: float) -> None:
    rng = np.random.default_rng(3)
    parent = np.array([[np.hypot(mass, p), 0.3 * p, -0.4 * p, np.sqrt(0.75) * p]])
    d1, d2 = two_body_decay(parent, f1 * mass, f2 * mass, rng, parent_mass=mass)
    np.testing.assert_allclose(invariant_mass(d1 + d2), mass, rtol=1e-9 * max(1.0, p / mass))
    np.testing.assert_allclose((d1 + d2)[0], parent[0], rtol=1e-12, atol=1e-12 * parent[0, 0])


def test_isotropic_in_rest_frame() -> None:
    """cos(theta*) w.r.t. the parent direction is flat in [-1, 1] (chi^2), phi* flat too."""
    rng = np.random.default_rng(4)
    n = 40_000
    parent = _parents(rng, n, 0.5, 20.0)
    d1, _ = two_body_decay(parent, constants.M_E, constants.M_E, rng)
    rest = _to_rest(d1, parent)
    np.testing.assert_allclose(rest[:, 0], 0.25, rtol=1e-6)  # E* = M/2
    axis = parent[:, 1:] / np.linalg.norm(parent[:, 1:], axis=1)[:, None]
    cos_star = np.einsum("ij,ij->i", rest[:, 1:], axis) / np.linalg.norm(rest[:, 1:], axis=1)
    counts, _ = np.histogram(cos_star, bins=20, range=(-1, 1))
    assert stats.chisquare(counts).pvalue > 1e-3
    phi = np.arctan2(rest[:, 2], rest[:, 1])
    counts, _ = np.histogram(phi, bins=20, range=(-np.pi, np.pi))
    assert stats.chisquare(counts).pvalue > 1e-3


def test_massless_lab_energy_flat() -> None:
    """S -> gamma gamma: lab energies flat in [E(1-beta)/2, E(1+beta)/2] (docs/physics.md section 10)."""
    rng = np.random.default_rng(5)
    n = 40_000
    m_s, e_s = 0.2, 10.0
    pz = np.sqrt(e_s**2 - m_s**2)
    parent = np.tile([e_s, 0.0, 0.0, pz], (n, 1))
    d1, _ = two_body_decay(parent, 0.0, 0.0, rng)
    beta = pz / e_s
    lo, hi = e_s * (1 - beta) / 2, e_s * (1 + beta) / 2
    assert np.all(d1[:, 0] >= lo * (1 - 1e-9))
    assert np.all(d1[:, 0] <= hi * (1 + 1e-9))
    counts, _ = np.histogram(d1[:, 0], bins=20, range=(lo, hi))
    assert stats.chisquare(counts).pvalue > 1e-3


def test_below_threshold_refused() -> None:
    rng = np.random.default_rng(6)
    parent = np.array([[1.0, 0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="require M > m1 \\+ m2"):
        two_body_decay(parent, constants.M_TAU, constants.M_TAU, rng)
    with pytest.raises(ValueError, match="shape"):
        two_body_decay(np.zeros(4), 0.0, 0.0, rng)


def test_reproducible_with_seed() -> None:
    parent = _parents(np.random.default_rng(7), 100, 1.0, 10.0)
    a = two_body_decay(parent, 0.0, 0.0, np.random.default_rng(8))
    b = two_body_decay(parent, 0.0, 0.0, np.random.default_rng(8))
    np.testing.assert_array_equal(a[0], b[0])


def test_sample_channels_frequencies() -> None:
    rng = np.random.default_rng(9)
    names = ["ee", "mumu", "tautau", "gammagamma"]
    br = np.array([0.3, 0.5, 0.0, 0.1])  # sums to 0.9 < 1; tautau closed
    n = 100_000
    idx = sample_channels(names, br, n, rng)
    assert idx.dtype == np.int32
    counts = np.bincount(idx, minlength=4)
    assert counts[2] == 0
    expected = br / br.sum() * n
    keep = br > 0
    assert stats.chisquare(counts[keep], expected[keep]).pvalue > 1e-3


def test_sample_channels_trailing_zero_never_chosen() -> None:
    idx = sample_channels(["a", "b", "c"], [0.2, 0.8, 0.0], 50_000, np.random.default_rng(10))
    assert set(np.unique(idx).tolist()) == {0, 1}


@pytest.mark.parametrize(
    ("br", "match"),
    [
        ([0.0, 0.0], "sum to 0"),
        ([-0.1, 0.5], "BR\\(a\\) = -0.1"),
        ([0.7, 0.7], "sum to 1.4"),
        ([np.nan, 0.5], "BR\\(a\\) = nan"),
        ([0.5], "2 channel names"),
    ],
)
def test_sample_channels_refuses(br: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        sample_channels(["a", "b"], br, 10, np.random.default_rng(0))


def test_scalar_channels_from_pdg() -> None:
    chans = {c.name: c for c in scalar_channels()}
    assert list(chans) == ["ee", "mumu", "tautau", "gammagamma"]
    assert chans["mumu"].pdg == (13, -13)
    assert chans["mumu"].masses == (constants.M_MU, constants.M_MU)
    assert chans["tautau"].threshold == pytest.approx(2 * constants.M_TAU)
    assert chans["gammagamma"].pdg == (22, 22)
    assert not chans["gammagamma"].cp_conjugate
    assert all(c.visible for c in chans.values())
    alp = {c.name: c for c in alp_channels(0.05)}
    assert alp["mutau"].masses == (constants.M_MU, constants.M_TAU)
    assert not alp["chichi"].visible
    assert alp["chichi"].pdg == (constants.PDG_DARK_FERMION, -constants.PDG_DARK_FERMION)


def test_channel_validation() -> None:
    with pytest.raises(ValueError, match="masses"):
        DecayChannel("bad", (11, -11), (-1.0, 0.0), visible=True)
    with pytest.raises(ValueError, match="exactly 2"):
        DecayChannel("bad", (11,), (0.0,), visible=True)  # type: ignore[arg-type]


def test_decay_events_channels_and_cp() -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    m_s = 4.0
    parent = _parents(rng, n, m_s, 30.0)
    chans = scalar_channels()
    idx = sample_channels([c.name for c in chans], [0.25, 0.25, 0.25, 0.25], n, rng)
    idx[:100] = -1
    p4, pdg = decay_events(parent, chans, idx, rng, parent_mass=m_s)
    assert p4.shape == (n, 2, 4)
    assert pdg.shape == (n, 2)
    assert pdg.dtype == np.int32
    assert np.all(np.isnan(p4[:100]))
    assert np.all(pdg[:100] == 0)
    dec = idx >= 0
    np.testing.assert_allclose(invariant_mass(p4[dec].sum(axis=1)), m_s, rtol=1e-9)
    for i, ch in enumerate(chans):
        sel = idx == i
        np.testing.assert_allclose(invariant_mass(p4[sel, 0]), ch.masses[0], atol=1e-5)
        if ch.cp_conjugate:
            first = pdg[sel, 0]
            assert set(np.unique(first).tolist()) == {ch.pdg[0], -ch.pdg[0]}
            assert np.all(pdg[sel, 1] == -pdg[sel, 0])
            frac = np.mean(first == ch.pdg[0])
            assert abs(frac - 0.5) < 5 * 0.5 / np.sqrt(sel.sum())
        else:
            assert np.all(pdg[sel] == ch.pdg)


def test_decay_events_bad_index() -> None:
    rng = np.random.default_rng(12)
    parent = _parents(rng, 3, 1.0, 1.0)
    with pytest.raises(ValueError, match="channel_index in"):
        decay_events(parent, scalar_channels(), np.array([0, 4, 1]), rng)
    with pytest.raises(ValueError, match="shape"):
        decay_events(parent, scalar_channels(), np.array([0, 1]), rng)
