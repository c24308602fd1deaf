"""Validation of muon energy loss and propagation (docs/physics.md sections 7, 9, 11 rows C3-C5).

Prints:
  * C5: NA64 E_mu,min after 20 cm Pb, constant 12.7 MeV/cm ([CPZ17] 159.75) and tabulated (159.04);
  * FNAL: depth for 3 -> 0.5 GeV in W, constant 22.1 MeV/cm (113 cm) and tabulated (97 cm);
    cross-checked with an independent ODE integration (scipy solve_ivp);
  * minimum ionisation from the tables vs PDG, and x rho vs [CPZ17] Table I (12.7 / 22.1 MeV/cm);
  * dE/dx at the docs/physics.md section 7 energies vs the docs/physics.md table, a(100 GeV), b(100/1000 GeV);
  * muon critical energies vs docs/physics.md;
  * the APPROXIMATE secondary-muon source yield per POT (Mo, 400 GeV p) vs the SHiP order of magnitude.
Saves validation/figures/muon_dedx.png.

References: Groom, Mokhov, Striganov, ADNDT 78 (2001) 183; PUMAS v1.1; Chen, Pospelov, Zhong,
PRD 95 (2017) 115005, Table I; SHiP Collaboration, EPJ C 80 (2020) 284.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mplhep
import numpy as np
from scipy.integrate import solve_ivp

from geometry.beams import SecondaryMuonSource
from geometry.materials import EnergyLoss, get_material
from geometry.propagation import depth_to_energy, exit_energy


def ratio_str(ours: float, ref: float) -> str:
    return f"{ours / ref:.4f}"


def ode_exit_energy(e0: float, length_m: float, material: str) -> float:
    """Independent check: integrate dE/dy = -dE/dx(E) with an adaptive RK solver."""
    mat = get_material(material)
    sol = solve_ivp(lambda _y, e: -mat.dedx(e), (0.0, length_m), [e0], rtol=1e-10, atol=1e-12)
    return float(sol.y[0, -1])


def main() -> None:
    print("=== C5: NA64, 160 GeV muon through 0.2 m Pb ===")
    e_c = float(exit_energy(160.0, 0.2, EnergyLoss.constant(1.27, "Pb")).energy_GeV)
    e_t = float(exit_energy(160.0, 0.2, "Pb").energy_GeV)
    e_o = ode_exit_energy(160.0, 0.2, "Pb")
    print(f"constant 12.7 MeV/cm : E_min = {e_c:.3f} GeV   published 159.75   ratio {ratio_str(e_c, 159.75)}")
    print(f"PUMAS table (CSDA)   : E_min = {e_t:.3f} GeV   docs/physics.md 159.04  ratio {ratio_str(e_t, 159.04)}")
    print(f"   independent ODE   : E_min = {e_o:.4f} GeV (range-table vs ODE diff {e_t - e_o:.2e} GeV)")

    print("\n=== FNAL: 3 GeV -> 0.5 GeV in W ===")
    y_c = float(depth_to_energy(3.0, 0.5, EnergyLoss.constant(2.21, "W"))) * 100
    y_t = float(depth_to_energy(3.0, 0.5, "W")) * 100
    mat_w = get_material("W")
    sol = solve_ivp(lambda _e, y: 1.0 / mat_w.dedx(_e), (0.5, 3.0), [0.0], rtol=1e-10, atol=1e-14)
    print(f"constant 22.1 MeV/cm : {y_c:.1f} cm   docs/physics.md 113   ratio {ratio_str(y_c, 113)}")
    print(f"PUMAS table (CSDA)   : {y_t:.1f} cm   docs/physics.md  97   ratio {ratio_str(y_t, 97)}")
    print(f"   independent quad  : {sol.y[0, -1] * 100:.2f} cm")

    print("\n=== Minimum ionisation [MeV cm^2/g] (table, parabola-refined) vs PDG ===")
    pdg = {"Pb": 1.122, "W": 1.145, "Cu": 1.403, "Mo": 1.329}
    cpz = {"Pb": 12.7, "W": 22.1}
    for sym, ref in pdg.items():
        m = get_material(sym)
        e_min, s_min = m.minimum_ionisation()
        line = (
            f"{sym:2s} table {s_min:.4f} at E = {e_min:.3f} GeV   PDG {ref:.3f}   ratio {ratio_str(s_min, ref)}"
            f"   x rho = {s_min * m.density_g_cm3:.2f} MeV/cm"
        )
        if sym in cpz:
            line += f" (CPZ17 {cpz[sym]}, PDG x rho {ref * m.density_g_cm3:.2f})"
        print(line)

    print("\n=== dE/dx [MeV cm^2/g] at docs/physics.md section 7 energies (total energy) ===")
    energies = np.array([0.5, 1, 3, 10, 30, 100, 160, 300, 1000, 1500])
    ref_tab = {
        "Pb": [1.150, 1.255, 1.450, 1.689, 2.059, 3.217, 4.239, 6.676, 19.41, 28.70],
        "W": [1.163, 1.261, 1.452, 1.684, 2.036, 3.116, 4.066, 6.330, 18.15, 26.77],
        "Cu": [1.415, 1.513, 1.708, 1.924, 2.172, 2.772, 3.265, 4.412, 10.33, 14.65],
        "Mo": [1.341, 1.446, 1.639, 1.854, 2.131, 2.882, 3.520, 5.024, 12.83, 18.53],
    }
    print("E [GeV]  " + " ".join(f"{e:>8g}" for e in energies))
    for sym, ref in ref_tab.items():
        ours = get_material(sym).mass_stopping_power(energies)
        print(f"{sym:2s} ours  " + " ".join(f"{v:8.3f}" for v in ours))
        print("   ratio " + " ".join(f"{v:8.4f}" for v in ours / np.array(ref)))

    print("\n=== a(100 GeV) [MeV cm^2/g] and b(E) [1e-6 cm^2/g] ===")
    a_ref = {"Pb": 1.86, "W": 1.86, "Cu": 2.15, "Mo": 2.06}
    b_ref = {"Pb": (13.6, 17.4), "W": (12.6, 16.1), "Cu": (6.2, 8.0), "Mo": (8.2, 10.6)}
    for sym in pdg:
        m = get_material(sym)
        a100 = float(m.mass_stopping_power(100.0, "ionisation"))
        b1, b2 = (float(m.b(e)) * 1e6 for e in (100.0, 1000.0))
        print(
            f"{sym:2s} a(100) = {a100:.3f} (ref {a_ref[sym]}, ratio {ratio_str(a100, a_ref[sym])})   "
            f"b(100) = {b1:.2f} (ref {b_ref[sym][0]}, {ratio_str(b1, b_ref[sym][0])})   "
            f"b(1000) = {b2:.2f} (ref {b_ref[sym][1]}, {ratio_str(b2, b_ref[sym][1])})"
        )

    print("\n=== Muon critical energy [GeV] (ionisation = radiative) ===")
    ec_ref = {"Pb": 132, "W": 142, "Mo": 229, "Cu": 313}
    for sym, ref in ec_ref.items():
        ec = get_material(sym).critical_energy()
        print(
            f"{sym:2s} E_c = {ec:6.1f} GeV   docs/physics.md {ref}   ratio {ratio_str(ec, ref)}"
            + ("   (PDG quotes 141 GeV for Pb)" if sym == "Pb" else "")
        )

    print("\n=== APPROXIMATE secondary-muon source: 400 GeV p on a thick Mo target ===")
    src = SecondaryMuonSource.proton_dump("Mo")
    for kind in ("pi", "K"):
        print(
            f"BMPT {kind}+ / {kind}- per interaction (forward CM hemisphere, x_R > 1e-3): "
            f"{src.multiplicity(kind, 1):.2f} / {src.multiplicity(kind, -1):.2f}"
        )
    flux = src.sample(200_000, np.random.default_rng(12345))
    e = flux.energy_GeV
    for cut in (1.0, 5.0, 10.0, 50.0, 100.0):
        print(f"muons per POT with E > {cut:5.0f} GeV: {flux.weight[e > cut].sum():.3e}")
    print("SHiP, EPJ C 80 (2020) 284, Sec. 1: 'about 1e11 muons per spill' of 4e13 POT -> ~2.5e-3 per POT,")
    print("  all sources (pi, K, rho, omega, charm) incl. the cascade. Same order of magnitude as above.")
    print("  NOT checked: the measured momentum spectrum (Fig. of that paper) -- not available here.")
    print("  The BMPT pi multiplicities above look high (p Be charged multiplicity at sqrt(s) ~ 27 GeV is")
    print("  ~10 in all phase space): treat the source as order-of-magnitude only.")

    # ----- figure ----------------------------------------------------------------------------------
    plt.style.use(mplhep.style.ROOT)
    fig, ax = plt.subplots(figsize=(9, 7))
    e_plot = np.geomspace(0.2, 1e4, 400)
    colours = {"Pb": "C0", "W": "C1", "Cu": "C2", "Mo": "C3", "Fe": "C4"}
    for sym, col in colours.items():
        m = get_material(sym)
        ax.plot(e_plot, m.mass_stopping_power(e_plot), color=col, lw=2, label=f"{sym} total")
        ax.plot(e_plot, m.mass_stopping_power(e_plot, "ionisation"), color=col, ls="--", lw=1)
        rad = m.mass_stopping_power(e_plot, "radiative")
        ax.plot(e_plot[rad > 0], rad[rad > 0], color=col, ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-2, 1e2)
    ax.set_xlabel(r"muon total energy $E$ [GeV]")
    ax.set_ylabel(r"$-dE/dx$ [MeV cm$^2$/g]")
    ax.set_title("PUMAS v1.1: total (solid), ionisation (dashed), radiative (dotted)", fontsize=14)
    ax.legend(fontsize=12, loc="upper left")
    out = Path(__file__).parent / "figures" / "muon_dedx.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    print(f"\nsaved {out}")


if __name__ == "__main__":
    main()
