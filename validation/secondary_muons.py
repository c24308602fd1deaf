"""The built-in APPROXIMATE secondary-muon source against Rella–Döbrich–Yu's effective flux (issue #6, item 4).

Rella, Döbrich, Yu (Sec. IV, Figs. 4–6) quote, for 400 GeV protons on the NA62 (Cu) and SHiP (Mo) dumps:
  * the cuts (geometrical acceptance of the muon direction + IWW cut E_mu >= max(300 m_S, m_mu)) remove
    ~97 % (NA62) and ~95 % (SHiP) of the muons;
  * the effective flux after those cuts is ~1e-5 mu/POT for m_S >= 50 MeV.
This script applies the same cuts to the parameterised source of geometry.beams (BMPT pi/K yields,
decay before absorption; muons assumed to leave from the production point along their direction, as
[001] assumes the scalar collinear with its muon) and prints published / ours / ratio, plus the muon
momentum spectrum before and after the cuts (validation/figures/secondary_muons.png).

This is an order-of-magnitude check of an approximate source: the published numbers come from a GEANT4
sample (Ghinescu et al. 2021) that includes the hadronic cascade and muon transport, which the
parameterisation does not.

Run:  python validation/secondary_muons.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mplhep
import numpy as np

from generator.constants import M_MU
from geometry.acceptance import decay_volume_interval
from geometry.beams import SecondaryMuonSource
from geometry.experiments import load_experiment

FIG = Path(__file__).parent / "figures"
PUBLISHED = {"na62_dump": {"loss": 0.97, "flux": 1e-5}, "ship": {"loss": 0.95, "flux": 1e-5}}


def effective_flux(name: str, rng: np.random.Generator, n: int = 200_000):
    exp = load_experiment(name)
    src = SecondaryMuonSource.proton_dump(exp.target.material, target_length_m=exp.target.length)
    flux = src.sample(n, rng)
    origin = np.stack([flux.x_m, flux.y_m, flux.z_m], axis=1)
    s_min, s_max = decay_volume_interval(exp.decay_volume, origin, flux.direction)
    geo = s_max > s_min
    e = np.asarray(flux.energy_GeV)
    w = np.asarray(flux.weight)
    rows = {"total": w.sum(), "geometry": w[geo].sum()}
    for m_s in (0.05, 0.10, 0.15):
        rows[f"geometry+IWW {m_s * 1e3:.0f} MeV"] = w[geo & (e >= max(300 * m_s, M_MU))].sum()
    return rows, e, w, geo


def main() -> None:
    mplhep.style.use("ROOT")
    rng = np.random.default_rng(11)
    fig, axes = plt.subplots(1, 2, figsize=(15, 6))
    print(f"{'experiment':>10} {'cut':>24} {'mu/POT':>10} {'published':>10} {'ratio':>7}")
    for ax, name in zip(axes, ("na62_dump", "ship")):
        rows, e, w, geo = effective_flux(name, rng)
        for cut, val in rows.items():
            pub = PUBLISHED[name]["flux"] if cut.startswith("geometry+IWW") else None
            print(f"{name:>10} {cut:>24} {val:10.3e} {pub if pub else '':>10} "
                  f"{val / pub if pub else float('nan'):7.2f}")
        loss = 1 - rows["geometry+IWW 50 MeV"] / rows["total"]
        print(f"{name:>10} {'loss (geometry + IWW 50)':>24} {loss:10.3f} {PUBLISHED[name]['loss']:>10} "
              f"{loss / PUBLISHED[name]['loss']:7.2f}")
        bins = np.logspace(0, np.log10(400), 50)
        ax.hist(e, bins, weights=w, histtype="step", label="all muons (APPROX. source)")
        ax.hist(e[geo], bins, weights=w[geo], histtype="step", label="pointing into the decay volume")
        sel = geo & (e >= 15.0)
        ax.hist(e[sel], bins, weights=w[sel], histtype="step", label="+ IWW cut, m_S = 50 MeV")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$p_\mu$ [GeV]")
        ax.set_ylabel(r"muons / POT / bin")
        ax.set_title(name, fontsize=14)
        ax.legend(fontsize=11)
    fig.suptitle("Built-in APPROXIMATE secondary-muon source, 400 GeV p (cf. Rella–Döbrich–Yu Fig. 4)",
                 fontsize=14)
    fig.tight_layout()
    fig.savefig(FIG / "secondary_muons.png", dpi=110)
    print(f"figure: {FIG / 'secondary_muons.png'}")


if __name__ == "__main__":
    main()
