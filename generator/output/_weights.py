"""The files' weight normalisation (``RunInfo.event_norm``), shared by every writer.

The event schema's ``w_xsec`` and ``weight`` (pb) always *sum* to the cross section over the run's N
events. A file carries them in MadGraph's ``event_norm`` convention:

* ``average`` (default; the Les Houches accord's, what Pythia 8 assumes for IDWTUP = 4): every
  cross-section weight times N, so the **mean** over the file is sigma;
* ``sum``: as in the schema, the **sum** over the file is sigma.

``p_decay`` and ``acceptance`` are probabilities and never scaled. N is ``RunInfo.n_events``, the
number of events the run generated (a FairShip file that drops events keeps the run's N).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from generator.events import RunInfo

__all__ = ["SCALED_WEIGHTS", "norm_factor", "scaled_weights"]

#: Named weights in pb, scaled by the normalisation; the others are probabilities.
SCALED_WEIGHTS = frozenset({"w_xsec", "weight"})


def norm_factor(run_info: RunInfo) -> float:
    """Factor from the schema's weights (sum = sigma) to the file's (``event_norm``).

    >>> ri = RunInfo(process="p", beam_pdg=13, beam_energy=10.0, target_z=1, target_a=1, nucleus_mass=0.9,
    ...              sigma_pb=1.0, error_pb=0.1, weighted=True, n_events=1000, event_norm="average")
    >>> norm_factor(ri)
    1000.0
    """
    if run_info.event_norm == "sum":
        return 1.0
    if run_info.n_events <= 0:
        raise ValueError(
            f"event_norm = average needs the run's number of events, but RunInfo.n_events = {run_info.n_events}"
        )
    return float(run_info.n_events)


def scaled_weights(chunk: ak.Array, names: tuple[str, ...], factor: float) -> dict[str, np.ndarray]:
    """The chunk's named weights in the file's normalisation (float64 arrays)."""
    out = {}
    for w in names:
        a = ak.to_numpy(chunk.weights[w]).astype(np.float64, copy=False)
        out[w] = a * factor if w in SCALED_WEIGHTS and factor != 1.0 else a
    return out
