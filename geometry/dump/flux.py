"""From the cascade's muons to a flux file: batches, summary numbers, thinning, and the file with its provenance.

The file is the project's flux format (:meth:`geometry.beams.MuonFlux.from_file`): a CSV with ``#``
comment lines, a header row and one muon per row::

    x, y, z [m], px, py, pz [GeV], weight [muons per POT], pdg (13 mu-, -13 mu+), parent

``parent`` (the PDG id of the particle whose decay made the muon; 0 for a muon from a collision) is an
extra column, which the reader ignores. The comment lines hold the provenance: the command that
regenerates the file, Pythia's version and settings, the seed, the number of protons and the geometry
(its layout and :func:`geometry.dump.layout.geometry_hash`), and the summary numbers; one of them,
``# provenance-json: {...}``, holds all of it as JSON (:func:`read_provenance`).

Thinning. To keep a file small the records can be thinned to about ``max_rows`` with an unbiased
Russian roulette: record i is kept with probability q_i = min(1, c w_i p_i) and then carries the weight
w_i / q_i (c solves sum q_i = max_rows), so sums of weights stay unbiased estimates and the rare,
energetic muons, which matter for the signal, are kept preferentially.

Units: metres, GeV; weights in muons per proton on target.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geometry.beams import FLUX_COLUMNS

__all__ = ["FLUX_FILE_COLUMNS", "FluxSummary", "batches", "read_provenance", "summarise", "thin",
           "write_flux_csv"]

#: Columns of a dump flux file: the flux format's columns and the parent id.
FLUX_FILE_COLUMNS: tuple[str, ...] = (*FLUX_COLUMNS, "parent")
_FORMATS = ["%.5f", "%.5f", "%.5f", "%.6g", "%.6g", "%.7g", "%.6e", "%d", "%d"]
#: Kaons and their PDG ids (the "kaon share" of the summary).
KAON_IDS: tuple[int, ...] = (321, 130, 310)
#: Prompt sources: light vector/pseudoscalar mesons decaying to muons, charm, quarkonia.
PROMPT_IDS: tuple[int, ...] = (221, 113, 223, 333, 331, 443, 100443, 411, 421, 431, 4122, 15)
#: Momentum thresholds [GeV] of the produced-muon yields in the summary.
THRESHOLDS_GeV: tuple[float, ...] = (1.0, 3.0, 10.0, 30.0, 100.0)


def batches(n_protons: int, batch_size: int) -> list[tuple[int, int]]:
    """``(protons, batch_index)`` of each batch: ``batch_size`` protons, the last batch the rest.

    >>> batches(1200, 500)
    [(500, 0), (500, 1), (200, 2)]
    """
    if n_protons < 1 or batch_size < 1:
        raise ValueError(f"protons = {n_protons}, batch size = {batch_size} but require both >= 1")
    full, rest = divmod(n_protons, batch_size)
    out = [(batch_size, i) for i in range(full)]
    if rest:
        out.append((rest, full))
    return out


@dataclass(frozen=True, slots=True)
class FluxSummary:
    """The numbers a flux run reports (``mudump flux --json``); all rates per proton on target."""

    protons: int
    """Protons simulated."""
    produced_per_pot: float
    """Muons made in the dump with p above the cascade's muon threshold (``muon_p_min_GeV``)."""
    produced_min_momentum_GeV: float
    """That threshold [GeV]."""
    produced_by_threshold: dict[str, float]
    """Muons per POT at production with p > 1, 3, 10, 30, 100 GeV."""
    emerging_per_pot: float
    """Muons with p > 3 GeV at the source plane (after CSDA loss and multiple scattering)."""
    source_plane_m: float
    """z of the source plane [m]."""
    mu_plus_over_mu_minus: float
    """mu+ / mu- of the emerging muons (p > 3 GeV at the plane)."""
    mu_plus_over_mu_minus_produced: float
    """mu+ / mu- of the produced muons (p > threshold)."""
    kaon_share: float
    """Share of the emerging muons from K+-, K_L, K_S decays."""
    kaon_share_produced: float
    """Share of the produced muons from kaon decays."""
    prompt_share: float
    """Share of the emerging muons from prompt decays (eta, rho, omega, phi, eta', J/psi, charm, tau)."""
    statistical_error: float
    """Relative statistical error of ``emerging_per_pot`` (from the spread of the record weights)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {k: getattr(self, k) for k in self.__slots__}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.inf if a > 0 else math.nan


def summarise(p_produced: np.ndarray, w: np.ndarray, pdg: np.ndarray, parent: np.ndarray, p_plane: np.ndarray,
              arrived: np.ndarray, n_protons: int, muon_p_min_GeV: float, source_plane_m: float) -> FluxSummary:
    """The summary numbers from muon records (weights before division by the protons).

    Parameters
    ----------
    p_produced : array
        |p| at production [GeV].
    w, pdg, parent : array
        Record weights, PDG ids (+-13), parent ids.
    p_plane : array
        |p| at the source plane [GeV] (NaN if not arrived).
    arrived : array of bool
        The record reached the source plane.
    n_protons : int
        Protons simulated.
    muon_p_min_GeV, source_plane_m : float
        The cascade's muon threshold and the plane, as reported.
    """
    per = 1.0 / n_protons
    kaon = np.isin(np.abs(parent), KAON_IDS)
    prompt = np.isin(np.abs(parent), PROMPT_IDS)
    emerging = arrived & (np.nan_to_num(p_plane, nan=0.0) > 3.0)
    w_em = w[emerging]
    produced = {f"p>{t:g}": float(w[p_produced > t].sum() * per) for t in THRESHOLDS_GeV}
    rel = float(np.sqrt(np.sum(w_em**2)) / w_em.sum()) if w_em.sum() > 0 else math.nan
    return FluxSummary(
        protons=int(n_protons),
        produced_per_pot=float(w.sum() * per),
        produced_min_momentum_GeV=float(muon_p_min_GeV),
        produced_by_threshold=produced,
        emerging_per_pot=float(w_em.sum() * per),
        source_plane_m=float(source_plane_m),
        mu_plus_over_mu_minus=_ratio(float(w_em[pdg[emerging] < 0].sum()), float(w_em[pdg[emerging] > 0].sum())),
        mu_plus_over_mu_minus_produced=_ratio(float(w[pdg < 0].sum()), float(w[pdg > 0].sum())),
        kaon_share=_ratio(float(w[emerging & kaon].sum()), float(w_em.sum())),
        kaon_share_produced=_ratio(float(w[kaon].sum()), float(w.sum())),
        prompt_share=_ratio(float(w[emerging & prompt].sum()), float(w_em.sum())),
        statistical_error=rel,
    )


def thin(weight: np.ndarray, momentum: np.ndarray, max_rows: int,
         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Unbiased Russian roulette down to about ``max_rows`` records (module docstring).

    Returns the indices kept (in their original order) and their new weights w_i / q_i,
    q_i = min(1, c w_i p_i).

    >>> idx, w = thin(np.ones(4), np.ones(4), 10, np.random.default_rng(1)); idx.tolist(), w.tolist()
    ([0, 1, 2, 3], [1.0, 1.0, 1.0, 1.0])
    """
    n = len(weight)
    if max_rows < 1:
        raise ValueError(f"max_rows = {max_rows} but require max_rows >= 1")
    if n <= max_rows:
        return np.arange(n), np.asarray(weight, dtype=float).copy()
    score = np.asarray(weight, float) * np.asarray(momentum, float)
    positive = score[score > 0]
    lo, hi = 0.0, 1.0 / float(positive.min()) if positive.size else 1.0
    for _ in range(200):  # sum_i min(1, c s_i) = max_rows: monotone in c, bisection
        mid = 0.5 * (lo + hi)
        if float(np.minimum(1.0, mid * score).sum()) > max_rows:
            hi = mid
        else:
            lo = mid
    q = np.minimum(1.0, lo * score)
    keep = rng.random(n) < q
    idx = np.nonzero(keep)[0]
    return idx, np.asarray(weight, float)[idx] / q[idx]


def write_flux_csv(path: str | os.PathLike[str], columns: Mapping[str, np.ndarray],
                   provenance: Mapping[str, Any]) -> Path:
    """Write a flux CSV atomically (``<name>.part`` then rename) with the provenance as comment lines.

    ``columns`` maps each of :data:`FLUX_FILE_COLUMNS` to an array (weights per POT). ``provenance``
    holds at least ``command``; every entry becomes a ``# key: value`` line and the whole mapping the
    ``# provenance-json:`` line.
    """
    out = Path(path)
    missing = [c for c in FLUX_FILE_COLUMNS if c not in columns]
    if missing:
        raise ValueError(f"flux file {out}: missing column(s) {', '.join(missing)}")
    data = np.column_stack([np.asarray(columns[c], dtype=float) for c in FLUX_FILE_COLUMNS])
    part = out.with_name(out.name + ".part")
    try:
        with part.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write("# mudump muon flux file: one muon per row at its production point in the dump "
                     "(read with geometry.beams.MuonFlux.from_file)\n")
            fh.write("# columns: x, y, z [m] (z from the dump's upstream face), px, py, pz [GeV], "
                     "weight [muons per POT], pdg (13 mu-, -13 mu+), parent (PDG id of the decaying particle; "
                     "extra column)\n")
            for key, value in provenance.items():
                text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                fh.write(f"# {key}: {text}\n")
            fh.write("# provenance-json: " + json.dumps(dict(provenance), sort_keys=True) + "\n")
            fh.write(",".join(FLUX_FILE_COLUMNS) + "\n")
            np.savetxt(fh, data, delimiter=",", fmt=_FORMATS)
        os.replace(part, out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return out


def read_provenance(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The provenance mapping of a flux file written by :func:`write_flux_csv` (empty if it has none)."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            if line.startswith("# provenance-json: "):
                return dict(json.loads(line[len("# provenance-json: "):]))
    return {}
