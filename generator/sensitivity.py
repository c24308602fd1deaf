r"""Counts N(m, g) -> exclusion contours, the Delta a_mu band, and the files and plot of ``mudump scan``.

**Count level.** A point (m, g) is excluded at 95 % CL when the expected signal reaches s_up: with no
background s_up = 3 (Chen–Pospelov–Zhong Fig. 5 and Rella–Döbrich–Yu Fig. 8 "95 % CL" without
background, Batell et al. Fig. 6 "N = 3"; the Poisson value is -ln 0.05 = 2.996). With an expected
background b the classical Poisson upper limit for n = round(b) observed events is used::

    sum_{k=0}^{n} Pois(k; s_up + b) = 1 - CL

(:func:`signal_upper_limit`), unless the card fixes the level (``scan_signal``).

**Contours.** At each mass the accepted count N(g) is followed along the log-spaced coupling grid; where it
crosses the level, the crossing is interpolated linearly in (log g, log N). The first upward crossing is
the *lower* boundary (production-limited: N ~ g^2 for a long-lived boson), the last downward crossing the
*upper* one (lifetime-limited: the boson decays before the volume). A boundary at the edge of the grid is
reported as NaN with ``lower_open``/``upper_open`` set, never invented. The mass where the reach closes
is where max_g N(m, g) falls through the level, interpolated in (log m, log max N).

**Delta a_mu region** (the card's ``g2_band``, :data:`G2_BANDS`). The couplings g for which the boson's
Delta a_mu(m, g) = g^2 Delta a_mu(m, 1) (from the process's model, :mod:`generator.g_minus_2`) lies within
2 sigma of a_mu(exp) - a_mu(SM)::

    value - 2 error <= g^2 Delta a_mu(m, 1) <= value + 2 error

* ``wp2025`` (default): (38 +- 63) x 1e-11, the Muon g-2 Theory Initiative's 2025 White Paper
  (arXiv:2505.21476) with the final Fermilab result (2025). The interval holds zero: no new
  physics is needed, and the region is an **allowed** one, every g below the edge (a boson above it would
  spoil the agreement), drawn as such;
* ``wp2020``: (251 +- 59) x 1e-11, Fermilab + BNL 2021 with the 2020 White Paper, as used by
  Rella–Döbrich–Yu (eq. 1): a **favoured** band, the couplings that would explain a 4.2 sigma
  discrepancy (the seeds' plots, reproducible with ``g2_band = wp2020``);
* ``none``: no region.

References: Chen, Pospelov, Zhong, PRD 95 115005 (2017), Fig. 5; Rella, Döbrich, Yu, Searching for
Muonphilic Dark Sectors with Proton Beams, eq. 1 and Fig. 8; Batell et al., arXiv:2407.15942, Fig. 6.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, stats

from ._extras import require
from ._version import __version__
from .exceptions import MissingExtra

__all__ = ["DISCREPANCY_WP2020", "DISCREPANCY_WP2025", "G2_BANDS", "Contour", "Discrepancy", "contour",
           "delta_a_mu_band", "plot_sensitivity", "signal_upper_limit", "write_scan"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Discrepancy:
    """A measured Delta a_mu = a_mu(exp) - a_mu(SM) with its error and where it comes from."""

    value: float
    error: float
    source: str

    def favoured(self, n_sigma: float = 2.0) -> bool:
        """True if the n_sigma interval excludes zero (a band that new physics would explain), False if it
        holds zero (an upper bound: the region of the couplings it allows)."""
        return self.value - n_sigma * self.error > 0


#: a_mu(exp) - a_mu(SM) after the 2025 White Paper and the final Fermilab result: consistent with zero.
DISCREPANCY_WP2025 = Discrepancy(38e-11, 63e-11, "Theory Initiative WP25 (arXiv:2505.21476) + Fermilab final 2025")
#: The discrepancy of Rella–Döbrich–Yu eq. 1 (Fermilab + BNL 2021, 4.2 sigma), the band of their Fig. 8.
DISCREPANCY_WP2020 = Discrepancy(251e-11, 59e-11, "WP20 + Fermilab/BNL 2021 (Rella–Döbrich–Yu eq. 1)")
#: The card's ``g2_band`` -> the Delta a_mu drawn (None: no region); the card's choices are these keys.
G2_BANDS: dict[str, Discrepancy | None] = {"wp2025": DISCREPANCY_WP2025, "wp2020": DISCREPANCY_WP2020,
                                           "none": None}


def signal_upper_limit(background: float = 0.0, cl: float = 0.95) -> float:
    """Expected signal excluded at ``cl`` with expected ``background`` (see the module docstring).

    >>> signal_upper_limit(0.0)
    3.0
    >>> round(signal_upper_limit(1.0), 3)
    3.744
    """
    if not background >= 0 or not 0 < cl < 1:
        raise ValueError(f"background = {background}, cl = {cl} but require background >= 0 and 0 < cl < 1")
    if background == 0:
        return 3.0  # the papers' N = 3 (Poisson: -ln(1 - 0.95) = 2.996)
    n_obs = round(background)

    def f(s: float) -> float:
        return float(stats.poisson.cdf(n_obs, s + background)) - (1 - cl)

    return float(optimize.brentq(f, 0.0, 100.0 + 10.0 * background))


@dataclass
class Contour:
    """Boundaries of N(m, g) >= level at every mass of the grid (NaN: not excluded or beyond the grid)."""

    masses: np.ndarray
    lower: np.ndarray
    """Lower (production-limited) boundary g_low(m); NaN where nothing is excluded or it is off the grid."""
    upper: np.ndarray
    """Upper (lifetime-limited) boundary g_up(m)."""
    lower_open: np.ndarray
    """True where N >= level already at the smallest coupling of the grid (the boundary lies below it)."""
    upper_open: np.ndarray
    """True where N >= level still at the largest coupling (the boundary lies above it)."""
    level: float
    mass_reach: float
    """Largest mass reached (interpolated where max_g N crosses the level); NaN if none."""
    mass_reach_open: bool = False
    """True when the heaviest mass of the grid is still excluded (the reach lies beyond the grid)."""

    def rows(self) -> list[dict[str, Any]]:
        return [{"mass_GeV": float(m), "g_lower": _num(lo), "g_upper": _num(up), "lower_open": bool(lo_o),
                 "upper_open": bool(up_o)} for m, lo, up, lo_o, up_o in
                zip(self.masses, self.lower, self.upper, self.lower_open, self.upper_open)]


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else float(v)


def _crossing(g: np.ndarray, n: np.ndarray, i: int, level: float) -> float:
    """log-log interpolation of N = level between grid points i and i + 1."""
    tiny = 1e-300
    x0, x1 = math.log(g[i]), math.log(g[i + 1])
    y0, y1 = math.log(max(n[i], tiny)), math.log(max(n[i + 1], tiny))
    t = (math.log(level) - y0) / (y1 - y0) if y1 != y0 else 0.5
    return math.exp(x0 + t * (x1 - x0))


def contour(masses: Sequence[float], couplings: Sequence[float], counts: np.ndarray, level: float = 3.0) -> Contour:
    """Lower and upper boundaries of ``counts[mass, g] >= level`` (see the module docstring).

    >>> g = np.geomspace(1e-6, 1e-2, 200)
    >>> c = contour([0.1], g, (g / 1e-4)[None, :] ** 2 * np.exp(-((g / 1e-3) ** 2)), 3.0)
    >>> round(float(c.lower[0]) / 1.75906e-4, 3), round(float(c.upper[0]) / 2.26815e-3, 3)  # Lambert W
    (1.0, 1.0)
    """
    m = np.asarray(masses, dtype=float)
    g = np.asarray(couplings, dtype=float)
    n = np.asarray(counts, dtype=float)
    if n.shape != (len(m), len(g)):
        raise ValueError(f"counts shape {n.shape} but require (masses, couplings) = ({len(m)}, {len(g)})")
    if not level > 0:
        raise ValueError(f"level = {level} but require level > 0")
    lower, upper = np.full(len(m), np.nan), np.full(len(m), np.nan)
    lower_open, upper_open = np.zeros(len(m), bool), np.zeros(len(m), bool)
    for k in range(len(m)):
        above = n[k] >= level
        if not above.any():
            continue
        first, last = int(np.argmax(above)), len(g) - 1 - int(np.argmax(above[::-1]))
        if first == 0:
            lower_open[k] = True
        else:
            lower[k] = _crossing(g, n[k], first - 1, level)
        if last == len(g) - 1:
            upper_open[k] = True
        else:
            upper[k] = _crossing(g, n[k], last, level)
    n_max = n.max(axis=1)
    return Contour(m, lower, upper, lower_open, upper_open, level, _mass_reach(m, n_max, level),
                   bool(n_max[-1] >= level))


def _mass_reach(m: np.ndarray, n_max: np.ndarray, level: float) -> float:
    above = n_max >= level
    if not above.any():
        return math.nan
    last = len(m) - 1 - int(np.argmax(above[::-1]))
    if last == len(m) - 1:
        return float(m[-1])  # still excluded at the heaviest mass of the grid
    return _crossing(m, n_max, last, level)


def delta_a_mu_band(masses: Sequence[float] | np.ndarray, delta_a_unit: Sequence[float] | np.ndarray,
                    discrepancy: Discrepancy = DISCREPANCY_WP2025, n_sigma: float = 2.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Couplings (g_low, g_high) with value - n_sigma error <= g^2 Delta a_mu(m, 1) <= value + n_sigma error.

    g_low = 0 where the interval holds Delta a_mu = 0 (an allowed region below g_high), g_high = inf where
    Delta a_mu(m, 1) = 0 and the interval holds zero; both NaN where no g > 0 fits (a favoured band and a
    contribution of the wrong sign).

    >>> lo, hi = delta_a_mu_band([0.1, 0.1], [1e-3, -1e-3], DISCREPANCY_WP2025)
    >>> [float(x) for x in lo], [round(float(x), 7) for x in hi]
    ([0.0, 0.0], [0.0012806, 0.0009381])
    >>> [bool(x) for x in np.isnan(delta_a_mu_band([0.1], [-1e-3], DISCREPANCY_WP2020)[1])]
    [True]
    """
    d = np.asarray(delta_a_unit, dtype=float)
    lo_val = discrepancy.value - n_sigma * discrepancy.error
    hi_val = discrepancy.value + n_sigma * discrepancy.error
    with np.errstate(divide="ignore", invalid="ignore"):
        # d > 0: g^2 in [lo/d, hi/d]; d < 0: g^2 in [hi/d, lo/d]; d = 0: every g if lo <= 0 <= hi
        g2_lo = np.where(d > 0, lo_val / d, np.where(d < 0, hi_val / d, 0.0))
        g2_hi = np.where(d > 0, hi_val / d, np.where(d < 0, lo_val / d, np.inf))
        empty = (g2_hi < 0) | ((d == 0) & ~(lo_val <= 0 <= hi_val))
        g_lo = np.where(empty, np.nan, np.sqrt(np.maximum(g2_lo, 0.0)))
        g_hi = np.where(empty, np.nan, np.sqrt(np.where(empty, 0.0, g2_hi)))
    return g_lo, g_hi


def _g2_region(result: Any, model: str, masses: np.ndarray, discrepancy: Discrepancy | None
               ) -> tuple[np.ndarray, np.ndarray, str] | None:
    """What the plot draws for ``g2_band``: the lower and upper edge in g at ``masses`` (clipped to the
    coupling grid) and the legend; None for no region (``none``, or no g that fits)."""
    if discrepancy is None:
        return None
    lo, hi = delta_a_mu_band(masses, _model_delta_a_unit(result.config, model, masses), discrepancy)
    if not np.any(np.isfinite(hi)):
        return None
    g_min, g_max = float(result.couplings[0]), float(result.couplings[-1])
    value = rf"$\Delta a_\mu$ = ({discrepancy.value * 1e11:.0f} $\pm$ {discrepancy.error * 1e11:.0f})$\times10^{{-11}}$"
    if discrepancy.favoured():
        label = rf"{value}: favoured, $\pm2\sigma$"
    else:
        label = rf"{value}: allowed below, $2\sigma$"
    return np.clip(lo, g_min, g_max), np.clip(hi, g_min, g_max), label + "\n" + discrepancy.source


# ---------------------------------------------------------------------------------------------------
# files and plot
# ---------------------------------------------------------------------------------------------------
def _slug(name: str) -> str:
    stem = Path(name).stem if name.endswith(".toml") else name
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)


def _grid_csv(masses: np.ndarray, couplings: np.ndarray, counts: dict[str, np.ndarray]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    keys = ("produced", "decayed", "accepted", "accepted_error")
    w.writerow(["mass_GeV", "coupling", *keys])
    for i, m in enumerate(masses):
        for j, g in enumerate(couplings):
            w.writerow([repr(float(m)), repr(float(g)), *(repr(float(counts[k][i, j])) for k in keys)])
    return out.getvalue()


def _contour_csv(c: Contour) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["mass_GeV", "g_lower", "g_upper", "lower_open", "upper_open"])
    for r in c.rows():
        w.writerow([repr(r["mass_GeV"]), "nan" if r["g_lower"] is None else repr(r["g_lower"]),
                    "nan" if r["g_upper"] is None else repr(r["g_upper"]), int(r["lower_open"]),
                    int(r["upper_open"])])
    return out.getvalue()


def _model_delta_a_unit(config: Any, model: str, masses: np.ndarray) -> np.ndarray:
    from .registry import get_process

    proc = get_process(config.process)
    mdl = proc.make_model(model, 1.0, config.process_params())
    return np.array([mdl.delta_a_mu(float(m)) for m in masses])


def plot_sensitivity(result: Any, contours: dict[tuple[str, str], Contour], paths: Sequence[Path],
                     discrepancy: Discrepancy | None = DISCREPANCY_WP2025) -> None:
    """One panel per model (log m vs log g), each experiment a closed line, and the 2 sigma Delta a_mu
    region of ``discrepancy`` (None: none; see the module docstring) in the style of Chen–Pospelov–Zhong
    Fig. 5 / Rella–Döbrich–Yu Fig. 8; saved to every path in ``paths``."""
    import matplotlib.pyplot as plt

    fig = sensitivity_figure(result, contours, discrepancy)
    for path in paths:
        fig.savefig(path)
    plt.close(fig)


def sensitivity_figure(result: Any, contours: dict[tuple[str, str], Contour],
                       discrepancy: Discrepancy | None = DISCREPANCY_WP2025) -> Any:
    """The matplotlib figure of :func:`plot_sensitivity` (not saved, not closed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    models = list(dict.fromkeys(model for _, model in contours))
    experiments = list(dict.fromkeys(exp for exp, _ in contours))
    coupling_name = _coupling_label(result.config.process)
    with plt.style.context(mplhep.style.ROOT):
        fig, axes = plt.subplots(1, len(models), figsize=(8.5 * len(models), 7), squeeze=False)
        m_fine = np.geomspace(result.masses.min(), result.masses.max(), 200)
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for ax, model in zip(axes[0], models):
            region = _g2_region(result, model, m_fine, discrepancy)
            if region is not None and discrepancy is not None and discrepancy.favoured():
                ax.fill_between(m_fine, region[0], region[1], color="tab:green", alpha=0.35, lw=0,
                                label=region[2], gid="g2_band")
            elif region is not None:  # consistent with zero: the couplings below the edge are allowed
                ax.fill_between(m_fine, region[0], region[1], color="tab:gray", alpha=0.15, lw=0,
                                label=region[2], gid="g2_band")
                ax.plot(m_fine, region[1], color="tab:gray", lw=1.2, ls="--")
            for k, exp in enumerate(experiments):
                c = contours.get((exp, model))
                if c is None:
                    continue
                ok = np.isfinite(c.lower) | c.lower_open
                if not ok.any():
                    continue
                g_lo = np.where(c.lower_open, result.couplings[0], c.lower)[ok]
                g_up = np.where(c.upper_open, result.couplings[-1], c.upper)[ok]
                ms = c.masses[ok]
                tip_m, tip_g = [], []
                if math.isfinite(c.mass_reach) and not c.mass_reach_open and c.mass_reach > ms[-1]:
                    tip_m, tip_g = [c.mass_reach], [math.sqrt(g_lo[-1] * g_up[-1])]  # where the reach closes
                xs = np.concatenate([ms, tip_m, ms[::-1], ms[:1]])
                ys = np.concatenate([g_lo, tip_g, g_up[::-1], g_lo[:1]])
                ax.plot(xs, ys, color=colors[k % len(colors)], lw=2.2, label=f"{exp} (N = {c.level:g})")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_xlim(result.masses.min(), result.masses.max())
            ax.set_ylim(result.couplings[0], result.couplings[-1])
            ax.set_xlabel(r"$m$ [GeV]")
            ax.set_ylabel(coupling_name)
            ax.set_title(f"{result.config.process}, {model}", fontsize=18)
            ax.legend(fontsize=10, loc="lower right", frameon=False)
        fig.text(0.99, 0.005, f"mudump {__version__}, 95 % CL expected reach", ha="right", va="bottom", fontsize=10)
        fig.tight_layout()
    return fig


def _coupling_label(process: str) -> str:
    from .registry import get_process

    return get_process(process).coupling_label


def write_scan(result: Any, output_dir: str | os.PathLike[str], *, plot: bool = True,
               notes: Sequence[str] = ()) -> dict[str, Any]:
    """Write the grids, contours, plot and ``scan_summary.json`` of a scan; return the summary.

    ``notes`` are added to the summary's (``mudump scan``'s: no plot, matplotlib missing). Without the
    ``plots`` extra there is no plot, and the summary and a warning say so.

    Every file is first written under a ``.part`` folder inside ``output_dir`` and moved to its final
    name only when all are written, so a failed or interrupted scan leaves no file under a final name.
    """
    cfg = result.config
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".scan-{os.getpid()}.part"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    level = cfg.scan_signal if cfg.scan_signal is not None else signal_upper_limit(cfg.scan_background)
    band = G2_BANDS[cfg.g2_band]
    files: dict[str, str] = {}
    contours: dict[tuple[str, str], Contour] = {}
    summary_pairs = []
    try:
        for (exp, model), counts in result.counts.items():
            tag = f"{_slug(exp)}_{_slug(model)}"
            c = contour(result.masses, result.couplings, counts["accepted"], level)
            contours[(exp, model)] = c
            grid_json = {"experiment": exp, "model": model, "process": cfg.process, "masses_GeV": result.masses.tolist(),
                         "couplings": result.couplings.tolist(),
                         **{k: v.tolist() for k, v in counts.items()}, "points": result.points[(exp, model)]}
            contour_json = {"experiment": exp, "model": model, "process": cfg.process, "level": level,
                            "background": cfg.scan_background, "mass_reach_GeV": _num(c.mass_reach),
                            "mass_reach_beyond_grid": c.mass_reach_open,
                            "rows": c.rows()}
            for name, text in ((f"grid_{tag}.csv", _grid_csv(result.masses, result.couplings, counts)),
                               (f"grid_{tag}.json", json.dumps(grid_json, indent=1)),
                               (f"contour_{tag}.csv", _contour_csv(c)),
                               (f"contour_{tag}.json", json.dumps(contour_json, indent=1))):
                (staging / name).write_text(text)
                files[name] = str(out / name)
            summary_pairs.append({"experiment": exp, "model": model, "mass_reach_GeV": _num(c.mass_reach),
                                  "mass_reach_beyond_grid": c.mass_reach_open,
                                  "excluded_masses": int(np.sum(np.isfinite(c.lower) | c.lower_open))})
        notes = [*result.notes, *notes]
        if plot:
            try:
                require("plots", "the sensitivity plot")
                plot_sensitivity(result, contours, [staging / "sensitivity.png", staging / "sensitivity.pdf"],
                                 band)
                files["sensitivity.png"] = str(out / "sensitivity.png")
                files["sensitivity.pdf"] = str(out / "sensitivity.pdf")
            except MissingExtra as exc:
                notes.append(f"no plot: {exc}")
                logger.warning("no plot: %s", exc)
        summary = {
            "mudump_version": __version__, "card": cfg.source_path, "process": cfg.process,
            "masses_GeV": result.masses.tolist(), "couplings": result.couplings.tolist(),
            "level": level, "background": cfg.scan_background, "events_per_mass": cfg.scan_events,
            "precision": cfg.precision, "seed": cfg.seed, "executor": result.executor,
            "workers": result.workers, "seconds": result.seconds, "pairs": summary_pairs,
            "g2_band": cfg.g2_band, "discrepancy": asdict(band) if band is not None else None,
            "g2_region": None if band is None else "favoured" if band.favoured() else "allowed",
            "notes": notes, "files": files,
        }
        (staging / "scan_summary.json").write_text(json.dumps(summary, indent=1))
        files["scan_summary.json"] = str(out / "scan_summary.json")
        for name in files:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary
