"""The run's sums as a fold over the decay records that flowed (weights in pb).

Each chunk of events comes with the :class:`Tally` of its own record (:meth:`Tally.of`, a pure function);
the run's tally is their sum, in chunk order (``sum(tallies, Tally())``), whoever consumed the chunks:
the writers, a count-only run, or the shards of a sharded run. :mod:`generator.summary` reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import awkward as ak
import numpy as np

from .decay_records import DecayRecord

__all__ = ["EventChunk", "Tally"]


@dataclass(frozen=True)
class Tally:
    """Sums over events: count, sum of w_xsec, of w_xsec P(decay in volume), of the final weight (and of
    their squares); the w_xsec P rejected by each reason, and the events of each decay channel."""

    n: int = 0
    sum_w: float = 0.0
    sum_w2: float = 0.0
    sum_w_decay: float = 0.0
    sum_w_decay2: float = 0.0
    sum_weight: float = 0.0
    sum_weight2: float = 0.0
    rejections: Mapping[str, float] = field(default_factory=dict)
    channels: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, rec: DecayRecord, channel_names: Sequence[str]) -> Tally:
        """The sums of one chunk's record at the sampling coupling; decay channels are counted when the
        run draws decays (``rec.daughters_p4`` not None)."""
        if rec.at_g0 is None:
            raise ValueError("a reduced decay record (no decay at the sampling coupling) has no tally")
        w, p, accept = rec.w_xsec, rec.at_g0.p_decay, rec.at_g0.acceptance
        w_decay = w * p
        weight = w_decay * accept
        channels = {}
        if rec.daughters_p4 is not None:
            channels = {name: int(np.count_nonzero(rec.channel == i)) for i, name in enumerate(channel_names)}
        return cls(
            n=len(w), sum_w=float(w.sum()), sum_w2=float((w * w).sum()), sum_w_decay=float(w_decay.sum()),
            sum_w_decay2=float((w_decay**2).sum()), sum_weight=float(weight.sum()),
            sum_weight2=float((weight * weight).sum()),
            rejections={name: float(np.sum(w_decay[mask])) for name, mask in rec.at_g0.rejections.items()},
            channels=channels,
        )

    def __add__(self, other: Tally) -> Tally:
        rejections, channels = dict(self.rejections), dict(self.channels)
        for key, value in other.rejections.items():
            rejections[key] = rejections.get(key, 0.0) + value
        for key, count in other.channels.items():
            channels[key] = channels.get(key, 0) + count
        return Tally(self.n + other.n, self.sum_w + other.sum_w, self.sum_w2 + other.sum_w2,
                     self.sum_w_decay + other.sum_w_decay, self.sum_w_decay2 + other.sum_w_decay2,
                     self.sum_weight + other.sum_weight, self.sum_weight2 + other.sum_weight2, rejections,
                     channels)


class EventChunk(NamedTuple):
    """One chunk of events (the schema of :mod:`generator.events`) and the tally of its decay record."""

    events: ak.Array
    tally: Tally
