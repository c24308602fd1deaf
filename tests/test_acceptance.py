"""Tests for geometry.acceptance: decay probability, vertex sampling, intersections, daughter cuts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geometry.acceptance import (
    INVISIBLE_PDG,
    Rejection,
    daughter_acceptance,
    decay_probability,
    decay_probability_for_coupling,
    decay_volume_interval,
    intersect_box,
    intersect_elliptic_cylinder,
    intersect_slab,
    point_in_volume,
    propagate_to_plane,
    sample_decay_distance,
)
from geometry.experiments import load_experiment

# ------------------------------------------------------------------------------------------------
# Decay probability ([001] eqs. 21-22, [000] eqs. 14-15)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("z_min", "z_max", "length"), [(2.0, 5.0, 3.0), (79.0, 160.0, 60.7), (5.2, np.inf, 4.0),
                                                        (0.5, 0.6, 0.05)])
def test_decay_probability_matches_direct_sampling(z_min: float, z_max: float, length: float) -> None:
    rng = np.random.default_rng(12345)
    n = 200_000
    z = rng.exponential(length, n)
    frac = np.mean((z > z_min) & (z < z_max))
    p = float(decay_probability(z_min, z_max, length))
    assert p == pytest.approx(math.exp(-z_min / length) - math.exp(-z_max / length), rel=1e-12)
    assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-12


def test_decay_probability_limits() -> None:
    # L >> Delta: P ~ Delta/L, no cancellation (the naive difference of exponentials loses all digits)
    assert float(decay_probability(1.0, 2.0, 1e15)) == pytest.approx(1e-15, rel=1e-9)
    # z_max = inf: P = exp(-z_min/L)
    assert float(decay_probability(3.0, np.inf, 2.0)) == pytest.approx(math.exp(-1.5))
    # misses (z_max <= z_min) give 0, vectorised
    p = decay_probability([0.0, 5.0, 5.0], [0.0, 5.0, 4.0], 1.0)
    np.testing.assert_array_equal(p, 0.0)


def test_decay_probability_rejects_bad_length() -> None:
    with pytest.raises(ValueError, match=r"decay_length = -1.0 m but require 0 < decay_length"):
        decay_probability(1.0, 2.0, -1.0)
    with pytest.raises(ValueError, match="z_min = -1.0 m but require z_min >= 0"):
        decay_probability(-1.0, 2.0, 1.0)


@pytest.mark.parametrize(("z_min", "z_max", "length"), [(2.0, 5.0, 3.0), (1.0, 3.0, 1e9), (5.2, np.inf, 4.0),
                                                        (79.0, 160.0, 0.5)])
def test_truncated_sampling_inside_and_mean(z_min: float, z_max: float, length: float) -> None:
    rng = np.random.default_rng(7)
    n = 100_000
    z = sample_decay_distance(z_min, z_max, length, rng.random(n))
    assert np.all(z >= z_min)
    assert np.all(z <= z_max)
    delta = z_max - z_min
    # mean of exp(-s/L) on [0, Delta]: L - Delta/(exp(Delta/L) - 1); Delta/(e^x - 1) -> L as Delta/L -> 0
    if math.isinf(delta):
        mean = z_min + length
    else:
        mean = z_min + length - delta / math.expm1(delta / length)
    assert abs(z.mean() - mean) < 5 * z.std() / math.sqrt(n)


def test_truncated_sampling_no_cancellation() -> None:
    z = sample_decay_distance(1.0, 3.0, 1e15, np.array([0.0, 0.25, 0.5, 0.999]))
    np.testing.assert_allclose(z, [1.0, 1.5, 2.0, 2.998], rtol=1e-12)
    assert np.isnan(sample_decay_distance(3.0, 1.0, 1.0, 0.5))
    with pytest.raises(ValueError, match="u = 1.0 but require 0 <= u < 1"):
        sample_decay_distance(1.0, 2.0, 1.0, 1.0)


def test_coupling_reweighting() -> None:
    rng = np.random.default_rng(3)
    s_min = rng.uniform(70, 80, 50)
    s_max = s_min + rng.uniform(10, 80, 50)
    l_ref = rng.uniform(1, 500, 50)
    g_ref = 1e-3
    for g in (1e-4, 5e-4, 3e-3):
        direct = decay_probability(s_min, s_max, l_ref * (g_ref / g) ** 2)
        np.testing.assert_allclose(decay_probability_for_coupling(s_min, s_max, l_ref, g_ref, g), direct, rtol=1e-12)
    # grid of couplings broadcast against the events
    grid = np.array([1e-4, 1e-3])[:, None]
    assert decay_probability_for_coupling(s_min, s_max, l_ref, g_ref, grid).shape == (2, 50)
    with pytest.raises(ValueError, match="require couplings > 0"):
        decay_probability_for_coupling(s_min, s_max, l_ref, g_ref, 0.0)


def test_reweighting_survives_underflow_at_reference() -> None:
    """P(g_ref) underflows to 0 (short L_ref), yet the event is reweighted correctly to a small g."""
    s_min, s_max, l_ref, g_ref, g = 100.0, 200.0, 0.1, 1.0, 1e-2
    assert float(decay_probability(s_min, s_max, l_ref)) == 0.0
    l_new = l_ref * (g_ref / g) ** 2  # 1000 m
    expected = math.exp(-s_min / l_new) - math.exp(-s_max / l_new)
    assert float(decay_probability_for_coupling(s_min, s_max, l_ref, g_ref, g)) == pytest.approx(expected)


# ------------------------------------------------------------------------------------------------
# Ray-volume intersection
# ------------------------------------------------------------------------------------------------


def test_slab_intersection() -> None:
    s = intersect_slab([[0, 0, 0.1], [0, 0, 0.1], [0, 0, 6.0], [0, 0, 1.0]],
                       [[0, 0, 1], [0, 0.6, 0.8], [0, 0, 1], [0, 0, -1]], 5.2, np.inf)
    np.testing.assert_allclose(s[0][:3], [5.1, 5.1 / 0.8, 0.0])
    assert np.all(np.isinf(s[1][:3]))
    assert s[1][3] <= s[0][3]  # backwards: miss
    s_fnal = intersect_slab([0, 0, 1.0], [0, 0, 1], 1.5, 4.5)
    np.testing.assert_allclose(np.ravel(s_fnal), [0.5, 3.5])


def test_box_intersection_hand_computed() -> None:
    d = np.array([0.01, 0.0, 1.0])
    s_min, s_max = intersect_box([0, 0, 0], d, 79.0, 160.0, 1.0, 1.0)
    norm = math.sqrt(1 + 1e-4)
    assert float(s_min) == pytest.approx(79.0 * norm)
    assert float(s_max) == pytest.approx(100.0 * norm)  # leaves through x = 1 m at z = 100 m
    # off-axis boson missing the 2 x 2 m^2 NA62 volume
    s_min, s_max = intersect_box([0, 0, 1.6], [0.1, 0, 1], 79.0, 160.0, 1.0, 1.0)
    assert s_max <= s_min
    # parallel to the axis, outside transversely
    s_min, s_max = intersect_box([1.5, 0, 0], [0, 0, 1], 79.0, 160.0, 1.0, 1.0)
    assert s_max <= s_min


def test_elliptic_cylinder_hand_computed() -> None:
    d = np.array([0.04, 0.04, 1.0])
    s_min, s_max = intersect_elliptic_cylinder([0, 0, 0], d, 53.2, 103.7, 2.5, 5.0)
    norm = float(np.linalg.norm(d))
    z_exit = math.sqrt(1 / (0.04**2 * (1 / 2.5**2 + 1 / 5.0**2)))  # = 55.90 m
    assert float(s_min) == pytest.approx(53.2 * norm)
    assert float(s_max) == pytest.approx(z_exit * norm)
    # on axis: the full length
    s = intersect_elliptic_cylinder([0, 0, 0], [0, 0, 1], 53.2, 103.7, 2.5, 5.0)
    np.testing.assert_allclose(np.ravel(s), [53.2, 103.7])
    # a point at x = 3 m is outside the 2.5 m semi-axis, y = 4 m inside the 5 m one
    assert np.ravel(intersect_elliptic_cylinder([3.0, 0, 0], [0, 0, 1], 53.2, 103.7, 2.5, 5.0))[1] == 0.0
    assert np.ravel(intersect_elliptic_cylinder([0, 4.0, 0], [0, 0, 1], 53.2, 103.7, 2.5, 5.0))[1] == 103.7


def _inside_box(p: np.ndarray, z0: float, z1: float, hx: float, hy: float, tol: float) -> np.ndarray:
    return ((p[..., 2] > z0 - tol) & (p[..., 2] < z1 + tol) & (np.abs(p[..., 0]) < hx + tol)
            & (np.abs(p[..., 1]) < hy + tol))


def _strictly_inside_box(p: np.ndarray, z0: float, z1: float, hx: float, hy: float, tol: float) -> np.ndarray:
    return _inside_box(p, z0 + 2 * tol, z1 - 2 * tol, hx - 2 * tol, hy - 2 * tol, tol)


def _inside_ellipse(p: np.ndarray, z0: float, z1: float, a: float, b: float, tol: float) -> np.ndarray:
    r = (p[..., 0] / a) ** 2 + (p[..., 1] / b) ** 2
    return (p[..., 2] > z0 - tol) & (p[..., 2] < z1 + tol) & (r < 1 + tol)


def _strictly_inside_ellipse(p: np.ndarray, z0: float, z1: float, a: float, b: float, tol: float) -> np.ndarray:
    r = (p[..., 0] / a) ** 2 + (p[..., 1] / b) ** 2
    return (p[..., 2] > z0 + tol) & (p[..., 2] < z1 - tol) & (r < 1 - tol)


coord = st.floats(-4.0, 4.0, allow_nan=False)
direction = st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1)).filter(
    lambda v: math.hypot(*v) > 1e-2
)


@settings(max_examples=300, deadline=None, database=None)
@given(ox=coord, oy=coord, oz=st.floats(-5.0, 130.0), d=direction, volume=st.sampled_from(["box", "ellipse"]))
def test_intersection_property(ox: float, oy: float, oz: float, d: tuple[float, float, float], volume: str) -> None:
    """Points at s in (s_min, s_max) are inside the volume; points at s >= 0 outside it are not."""
    origin = np.array([ox, oy, oz])
    dvec = np.array(d) / np.linalg.norm(d)
    if volume == "box":
        z0, z1, hx, hy = 79.0, 120.0, 1.0, 1.5
        s_min, s_max = (float(v) for v in intersect_box(origin, dvec, z0, z1, hx, hy))

        def inside(p: np.ndarray, tol: float) -> np.ndarray:
            return _inside_box(p, z0, z1, hx, hy, tol)

        def strictly(p: np.ndarray, tol: float) -> np.ndarray:
            return _strictly_inside_box(p, z0, z1, hx, hy, tol)
    else:
        z0, z1, hx, hy = 53.2, 103.7, 2.5, 3.5

        def inside(p: np.ndarray, tol: float) -> np.ndarray:
            return _inside_ellipse(p, z0, z1, hx, hy, tol)

        def strictly(p: np.ndarray, tol: float) -> np.ndarray:
            return _strictly_inside_ellipse(p, z0, z1, hx, hy, tol)

        s_min, s_max = (float(v) for v in intersect_elliptic_cylinder(origin, dvec, z0, z1, hx, hy))
    tol = 1e-7
    s_grid = np.linspace(0.0, 400.0, 4001)
    pts = origin + s_grid[:, None] * dvec
    if s_max > s_min:
        mid = origin + 0.5 * (s_min + s_max) * dvec
        assert inside(mid, tol)
        in_interval = (s_grid > s_min + 1e-6) & (s_grid < s_max - 1e-6)
        assert np.all(inside(pts[in_interval], tol))
        out_interval = (s_grid < s_min - 1e-6) | (s_grid > s_max + 1e-6)
        assert not np.any(strictly(pts[out_interval], tol))
    else:
        assert not np.any(strictly(pts, tol))


def test_decay_volume_interval_dispatch() -> None:
    for name, expected in [("na62_dump", (77.4, 158.4)), ("ship", (51.6, 102.1)), ("na64mu", (3.6, np.inf)),
                           ("fnal_mu", (0.0, 2.9)), ("fasernu2", (0.0, np.inf))]:
        e = load_experiment(name)
        s = decay_volume_interval(e.decay_volume, [0, 0, 1.6], [0, 0, 1])
        np.testing.assert_allclose(np.ravel(s), expected, err_msg=name)


# ------------------------------------------------------------------------------------------------
# Daughters
# ------------------------------------------------------------------------------------------------


def test_propagate_to_plane() -> None:
    xy = propagate_to_plane([[0, 0, 100.0], [0, 0, 100.0], [0, 0, 120.0]],
                            [[1.0, -2.0, 10.0], [1.0, 0, -10.0], [1.0, 0, 10.0]], 110.0)
    np.testing.assert_allclose(xy[0], [1.0, -2.0])
    assert np.all(np.isnan(xy[1]))  # backwards
    assert np.all(np.isnan(xy[2]))  # plane upstream of the vertex


def _pair(energy: float, pt: float, axis: int = 0, tilt: float = 0.0) -> np.ndarray:
    """Two massless daughters with +-pt along ``axis`` and total momentum along z tilted by ``tilt``."""
    pz = math.sqrt(energy**2 - pt**2)
    out = np.zeros((2, 4))
    out[:, 0] = energy
    out[0, 1 + axis], out[1, 1 + axis] = pt, -pt
    out[:, 3] = pz
    if tilt:
        c, s = math.cos(tilt), math.sin(tilt)
        px, pzz = out[:, 1].copy(), out[:, 3].copy()
        out[:, 1] = c * px + s * pzz
        out[:, 3] = -s * px + c * pzz
    return out


def test_na62_on_axis_accepted_and_off_axis_rejected() -> None:
    na62 = load_experiment("na62_dump")
    origin = np.array([0.0, 0.0, 1.6])  # middle of the TAX
    s_min, s_max = decay_volume_interval(na62.decay_volume, origin, [0, 0, 1])
    centre = origin + 0.5 * (float(s_min) + float(s_max)) * np.array([0, 0, 1.0])
    assert centre[2] == pytest.approx(119.5)
    # 20 GeV each, back-to-back transverse momenta of 50 MeV (m ~ 0.1 GeV boson): 0.245 m apart from the axis
    # at the LKr, inside 1 m - 5 cm, >= 15 cm from the hole, >= 10 cm apart
    p4 = np.stack([_pair(20.0, 0.05), _pair(20.0, 0.05, axis=1)])
    vertex = np.stack([centre, centre])
    for pdg in ([11, -11], [22, 22], [13, -13]):
        ok, why = daughter_acceptance(na62, vertex, p4, pdg)
        assert ok.all(), (pdg, why)
        assert np.all(why == Rejection.ACCEPTED)
    # boson 0.1 rad off axis misses the volume (no decay vertex: NaN)
    s_min, s_max = decay_volume_interval(na62.decay_volume, origin, [math.sin(0.1), 0, math.cos(0.1)])
    assert s_max <= s_min
    vertex_missed = np.full((1, 3), np.nan)
    ok, why = daughter_acceptance(na62, vertex_missed, p4[:1], [11, -11])
    assert not ok[0]
    assert why[0] == Rejection.MISSED_VOLUME
    # daughters pointing 0.1 rad off axis from the centre, and backwards: geometry
    tilted = _pair(20.0, 0.05, tilt=0.1)
    backwards = _pair(20.0, 0.05)
    backwards[:, 3] *= -1
    ok, why = daughter_acceptance(na62, np.stack([centre, centre]), np.stack([tilted, backwards]), [11, -11])
    assert not ok.any()
    np.testing.assert_array_equal(why, [Rejection.GEOMETRY, Rejection.GEOMETRY])


def test_na62_cut_reasons() -> None:
    na62 = load_experiment("na62_dump")
    centre = np.array([0.0, 0.0, 119.5])
    low = _pair(4.0, 0.01)  # charged tracks below 5 GeV
    close = _pair(20.0, 0.005, tilt=0.005)  # photons 4.9 cm apart at the LKr, 0.49 m off axis
    hole = _pair(20.0, 0.015)  # photons at r = 7.4 cm (< 15 cm), 14.7 cm apart
    soft = _pair(1.4, 0.01)  # photons: 1.4 + 1.4 < 3 GeV
    outside = np.stack([centre + [0.97, 0, 0]])[0]  # vertex inside the vessel, tracks within 5 cm of the wall
    cases = [
        (centre, low, [11, -11], Rejection.ENERGY),
        (centre, close, [22, 22], Rejection.SEPARATION),
        (centre, hole, [22, 22], Rejection.HOLE),
        (centre, soft, [22, 22], Rejection.ENERGY),
        (outside, _pair(20.0, 0.0001), [11, -11], Rejection.GEOMETRY),
        (centre, _pair(20.0, 0.05), [9000007, -9000007], Rejection.INVISIBLE),
        (centre + [0, 0, 50.0], _pair(20.0, 0.05), [11, -11], Rejection.MISSED_VOLUME),
    ]
    vertex = np.stack([c[0] for c in cases])
    p4 = np.stack([c[1] for c in cases])
    pdg = np.array([c[2] for c in cases])
    ok, why = daughter_acceptance(na62, vertex, p4, pdg)
    assert not ok.any()
    np.testing.assert_array_equal(why, [int(c[3]) for c in cases])
    counts = np.bincount(why, minlength=len(Rejection))
    assert counts[Rejection.ENERGY] == 2


def test_ship_elliptic_planes() -> None:
    ship = load_experiment("ship")
    vertex = np.array([[0.0, 0.0, 80.0], [0.0, 0.0, 80.0]])
    # tracks spreading 0.14 rad in y: ~4.6 m at the calorimeter (inside the 5 m semi-axis minus 5 cm) ...
    in_y = _pair(20.0, 20.0 * math.sin(0.14), axis=1)
    # ... but the same spread in x (2.5 m semi-axis) leaves the acceptance
    in_x = _pair(20.0, 20.0 * math.sin(0.14), axis=0)
    ok, why = daughter_acceptance(ship, vertex, np.stack([in_y, in_x]), [13, -13])
    np.testing.assert_array_equal(ok, [True, False])
    assert why[1] == Rejection.GEOMETRY


def test_fnal_energy_threshold_only() -> None:
    fnal = load_experiment("fnal_mu")
    vertex = np.array([[0, 0, 3.0], [0, 0, 3.0], [0, 0, 5.0]])
    p4 = np.stack([_pair(0.5, 0.05), _pair(0.008, 0.001), _pair(0.5, 0.05)])
    ok, why = daughter_acceptance(fnal, vertex, p4, [22, 22])
    np.testing.assert_array_equal(why, [Rejection.ACCEPTED, Rejection.ENERGY, Rejection.MISSED_VOLUME])
    assert ok.tolist() == [True, False, False]


def test_missing_energy_and_prompt_accept_invisible() -> None:
    na64 = load_experiment("na64mu")
    vertex = np.array([[0, 0, 50.0], [0, 0, 3.0]])  # beyond the detector / inside it
    p4 = np.stack([_pair(40.0, 0.05), _pair(40.0, 0.05)])
    ok, why = daughter_acceptance(na64, vertex, p4, [9000007, -9000007])
    # an invisible decay is missing energy wherever it happens, inside the detector too (issue 16: the Z')
    np.testing.assert_array_equal(why, [Rejection.ACCEPTED, Rejection.ACCEPTED])
    ok, why = daughter_acceptance(na64, vertex, p4, [11, -11])  # a visible one only beyond the detector
    np.testing.assert_array_equal(why, [Rejection.ACCEPTED, Rejection.MISSED_VOLUME])
    for name in ("fasernu2", "mucoll_thin"):
        ok, _ = daughter_acceptance(load_experiment(name), [[0, 0, 0.01]], p4[:1], [9000007, -9000007])
        assert ok.all()


def test_unknown_daughter_pdg_is_refused() -> None:
    with pytest.raises(ValueError, match="daughter pdg = 130 is a neutral"):
        daughter_acceptance(load_experiment("na62_dump"), [[0, 0, 100.0]], _pair(20, 0.05)[None], [130, 22])


def test_invisible_ids_match_generator_constants() -> None:
    from generator.constants import PDG_DARK_FERMION

    assert PDG_DARK_FERMION in INVISIBLE_PDG
    assert {12, 14, 16} <= INVISIBLE_PDG


def test_point_in_volume() -> None:
    na62 = load_experiment("na62_dump").decay_volume
    pts = np.array([[0, 0, 100.0], [1.1, 0, 100.0], [0, 0, 170.0], [np.nan, 0, 100.0]])
    assert point_in_volume(na62, pts).tolist() == [True, False, False, False]


def test_public_api_is_what_the_run_uses() -> None:
    """No public helper that the run does not use or should not use (production cuts are integration
    limits in the run; the lfv_alp tau-chain cuts wait for that process: Experiment.process_keys)."""
    from geometry import acceptance

    assert sorted(acceptance.__all__) == [
        "INVISIBLE_PDG", "Rejection", "daughter_acceptance", "decay_probability",
        "decay_probability_for_coupling", "decay_volume_interval", "intersect_box",
        "intersect_elliptic_cylinder", "intersect_slab", "point_in_volume", "propagate_to_plane",
        "sample_decay_distance",
    ]
    for gone in ("production_acceptance", "tau_survival_probability", "reweight_decay_probability",
                 "log_decay_probability"):
        assert not hasattr(acceptance, gone), gone


def test_charged_shortcut_agrees_with_particle():
    """The ids classified as charged without a look-up (issue 19) are charged in particle's table."""
    from particle import Particle

    from geometry.acceptance import _CHARGED

    for pdg in _CHARGED:
        assert Particle.from_pdgid(pdg).charge != 0
        assert Particle.from_pdgid(-pdg).charge != 0
