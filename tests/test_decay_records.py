"""One decay stage for events and counts; tallies as folds; the checkpoint between VEGAS iterations (issue 21).

Before issue 21 the counts N(g) re-implemented the events' decay and acceptance (``reweight.py`` beside
``assemble.py``), the summary read a ``Tally`` that the event stream mutated while it was consumed, and a
run stopped on SIGTERM by raising through the VEGAS progress hook. These tests pin the new contracts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from generator.assemble import events_from_points, production
from generator.cards import parse_card_text, read_card_text
from generator.decay_records import concatenate, decay_stage, in_volume
from generator.integrate import EventSampler, integrate
from generator.plan import plan
from generator.point import integrate_point
from generator.tally import Tally

CARDS = Path(__file__).resolve().parents[1] / "cards"


@pytest.fixture(scope="module")
def fnal():
    """A displaced-vertex experiment with visible daughters and daughter cuts (Fermilab muon dump)."""
    card = CARDS / "fnal_mu_scalar.dat"
    config = parse_card_text(read_card_text(card), str(card), nevents=0, seed=5, precision=0.05)
    run_plan = plan(config)
    point = integrate_point(run_plan, np.random.default_rng(5))
    rng = np.random.default_rng(6)
    sampler = EventSampler(point.integration, rng, adapt=False)
    g2 = config.coupling**2
    draws = list(sampler.weighted(6000, 2000))
    return run_plan, [(u, w * g2) for u, w in draws]


def test_counts_at_the_sampling_coupling_reproduce_the_events(fnal):
    """in_volume (what N(g) uses) at g0 with the record's own uniforms gives the events' P and acceptance."""
    run_plan, draws = fnal
    rng = np.random.default_rng(1)
    u, w = draws[0]
    rec = decay_stage(run_plan, production(run_plan, u, w, rng)[0], rng)
    at = in_volume(run_plan, rec, rec.decay_length)
    assert rec.at_g0 is not None
    np.testing.assert_array_equal(at.p_decay, rec.at_g0.p_decay)
    live = at.p_decay > 0
    assert live.sum() > 100, "the test needs events that decay in the volume"
    np.testing.assert_array_equal(at.acceptance[live], rec.at_g0.acceptance[live])
    np.testing.assert_array_equal(at.decay_vertex[live], rec.at_g0.decay_vertex[live])
    assert 0 < rec.at_g0.acceptance[live].mean() < 1, "the daughter cuts must cut something"
    # the weight that counts: the same events' sum at g0
    assert np.sum(w * at.p_decay * at.acceptance) == pytest.approx(
        np.sum(w * rec.at_g0.p_decay * rec.at_g0.acceptance), rel=1e-14)


def test_decay_length_scales_the_decay_probability(fnal):
    """A longer decay length (smaller coupling) moves P as exp(-s_min/L) - exp(-s_max/L) of the record."""
    run_plan, draws = fnal
    rng = np.random.default_rng(2)
    u, w = draws[0]
    rec = decay_stage(run_plan, production(run_plan, u, w, rng)[0], rng)
    longer = rec.decay_length * 7.0
    at = in_volume(run_plan, rec, longer)
    hit = rec.s_max > rec.s_min
    expected = np.exp(-rec.s_min[hit] / longer[hit]) - np.exp(-rec.s_max[hit] / longer[hit])
    np.testing.assert_allclose(at.p_decay[hit], expected, rtol=1e-9, atol=1e-300)
    assert np.all(at.p_decay[~hit] == 0)


def test_tally_is_the_fold_of_the_chunks(fnal):
    """The tally of a stream is the sum of its chunks' tallies, and matches the events' own weights."""
    run_plan, draws = fnal
    rng = np.random.default_rng(3)
    chunks = [events_from_points(run_plan, u, w, rng) for u, w in draws]
    total = sum((c.tally for c in chunks), Tally())
    assert total.n == sum(len(c.events) for c in chunks) == 6000
    weight = np.concatenate([np.asarray(c.events.weights.weight) for c in chunks])
    w_xsec = np.concatenate([np.asarray(c.events.weights.w_xsec) for c in chunks])
    assert total.sum_weight == pytest.approx(weight.sum(), rel=1e-12)
    assert total.sum_w == pytest.approx(w_xsec.sum(), rel=1e-12)
    assert total.sum_weight > 0
    assert sum(total.channels.values()) == 6000
    # rejections: every event that decays in the volume is accepted or rejected for one reason
    assert sum(total.rejections.values()) == pytest.approx(total.sum_w_decay, rel=1e-12)
    # the fold does not depend on how the events were cut into chunks: one chunk of everything
    one = Tally() + chunks[0].tally
    assert one == chunks[0].tally
    assert (Tally() + total) == total


def test_tally_needs_the_decay_at_the_sampling_coupling(fnal):
    run_plan, draws = fnal
    rng = np.random.default_rng(4)
    u, w = draws[0]
    rec = concatenate([decay_stage(run_plan, production(run_plan, u, w, rng)[0], rng)])
    assert rec.at_g0 is None  # reduced (a scan's sample)
    with pytest.raises(ValueError, match="reduced decay record"):
        Tally.of(rec, [c.name for c in run_plan.channels])


def test_run_plan_and_point_are_frozen(fnal):
    run_plan, _ = fnal
    with pytest.raises(dataclasses.FrozenInstanceError):
        run_plan.width_GeV = 1.0  # type: ignore[misc]
    point = integrate_point(plan(run_plan.config.replace(precision=0.2)), np.random.default_rng(1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.integration = None  # type: ignore[misc]


class _Stop(Exception):
    pass


def test_checkpoint_stops_vegas_and_progress_only_reports():
    """The checkpoint runs after every iteration, before the progress report, and can stop the integration."""
    calls: list[str] = []

    def checkpoint() -> None:
        calls.append("checkpoint")
        if calls.count("checkpoint") == 3:
            raise _Stop

    def progress(phase: str, itn: int, mean: float, sdev: float) -> None:
        calls.append(phase)

    with pytest.raises(_Stop):
        integrate(lambda u: 3 * u[:, 0] ** 2, 1, seed=1, progress=progress, checkpoint=checkpoint)
    assert calls == ["checkpoint", "adapt", "checkpoint", "adapt", "checkpoint"]
    # without a checkpoint the same integration runs to the end, and the report sees every iteration
    seen: list[str] = []
    r = integrate(lambda u: 3 * u[:, 0] ** 2, 1, seed=1, progress=lambda *a: seen.append(a[0]))
    assert abs(r.mean - 1) < 5 * r.sdev
    assert "integrate" in seen


def test_proper_decay_lengths_follow_the_lifetime():
    """Without a decay volume the decay point is the free exponential: the rest-frame decay lengths
    (distance m/|k|) of the record average to c tau = hbar c / Gamma, and are exponential (median ln 2 c tau)."""
    from generator.constants import HBARC_GEV_M

    card = CARDS / "pb_160gev_scalar.dat"
    config = parse_card_text(read_card_text(card), str(card), nevents=0, seed=2, precision=0.1, coupling=0.05)
    run_plan = plan(config)
    point = integrate_point(run_plan, np.random.default_rng(2))
    rng = np.random.default_rng(3)
    u, w = next(iter(EventSampler(point.integration, rng, adapt=False).weighted(20000, 20000)))
    rec = decay_stage(run_plan, production(run_plan, u, w, rng)[0], rng)
    ct = rec.proper_decay_length
    ctau = HBARC_GEV_M / run_plan.width_GeV
    assert ct.mean() == pytest.approx(ctau, rel=4 / np.sqrt(len(ct)))
    assert np.median(ct) == pytest.approx(np.log(2) * ctau, rel=0.05)
