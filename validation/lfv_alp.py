"""Validation of the LFV ALP process mu N -> tau N a against Batell et al., arXiv:2407.15942 ([004]).

Prints, with the published value beside ours, the ratio and the reason for any difference:

1. the model numbers of [004] / docs/physics.md section 11 (E1 g at C/Lambda = 1/TeV, A10 (g-2)-preferred
   coupling at m_a = m_tau, theta = pi/2, A9 eq. (10) limit, E4 c tau_a, E5 gamma beta c tau_a, E2 t_min,
   E7 thin-Pb / FASERnu2 rate ratio);
2. sigma(mu Pb -> tau Pb a) at Lambda = 1 TeV (C = 1, g = m_tau/TeV) for m_a = 2 and 10 GeV at 160 GeV and
   1.5 TeV, theta = pi/2 and 0, form factors lfv and tsai, exact / WW / IWW side by side;
3. sigma vs E_mu from 100 GeV to 5 TeV, coherent / diffractive / total ([004] Fig. 3) and exact / WW / IWW,
   saved as validation/figures/lfv_alp_sigma.png (needs the 'plots' extra; the table is printed anyway).
   [004] prints no cross-section number (Fig. 3 is a curve), so no published sigma is compared here;
4. the tau decay-length distributions d sigma/d log10 L_tau (L_tau = gamma beta c tau) at 160 GeV, 1.5 TeV and
   5 TeV for the production tau and for the tau of a -> mu tau ([004] Fig. 5), with the fractions beyond
   d = 2 mm and 2 cm; validation/figures/lfv_alp_tau_length.png;
5. the reach in C/Lambda (N = 3 accepted events, zero background, [004] Fig. 6 caption) of NA64-mu (1e13 MOT),
   the 1.5 TeV thin target (d = 2 mm, 2 cm, "ultimate") and FASERnu2 (SYNTHETIC flux, indicative only),
   invisible ([004] Fig. 6 left) and visible with the charge flip (Fig. 7), with the (g-2)_mu-preferred
   C/Lambda for several theta; validation/figures/lfv_alp_reach.png;
6. the Pythia 8-decayed tau sample (tau_decays = pythia8): branching fractions against the PDG and the
   flight length against exp(-l / gamma beta c tau).

Run:  python validation/lfv_alp.py  [--quick]
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from generator.constants import HBARC_GEV_M, M_MU, M_TAU
from generator.g_minus_2 import delta_a_mu_lfv_light_alp
from generator.models import LFVAxion
from generator.processes.lfv_alp import iww_t_min
from generator.xsec import cross_section
from geometry.materials import get_material

G_1TEV = M_TAU / 1000.0  # g_mutau at C/Lambda = 1/TeV


def _row(name: str, published: str, ours: float, ratio: float | None, reason: str) -> None:
    r = f"{ratio:6.3f}" if ratio is not None else "   -  "
    print(f"  {name:<44} {published:>12} {ours:>12.4g}  {r}  {reason}")


def model_numbers() -> None:
    from scipy.optimize import brentq

    print("== 1. model numbers ([004], docs/physics.md section 11): published | ours | ratio | reason ==")
    _row("E1 g_mutau at C/Lambda = 1/TeV", "~2e-3", G_1TEV, G_1TEV / 2e-3, "the paper rounds m_tau/TeV = 1.777e-3")
    g = brentq(lambda g: LFVAxion(g, theta=math.pi / 2).delta_a_mu(M_TAU) - 249e-11, 1e-4, 1e-1)
    _row("A10 C/Lambda [1/TeV] for Da_mu = 249e-11 (pi/2)", "~2", g / G_1TEV, g / G_1TEV / 2,
         "read off Fig. 6 right (band centre); ours solves Delta a_mu = 249e-11 exactly")
    da = LFVAxion.from_c_over_lambda(2.0, theta=math.pi / 2).delta_a_mu(M_TAU)
    _row("A10 Delta a_mu at C/Lambda = 2/TeV, m_a = m_tau", "2.49e-9", da, da / 2.49e-9, "2/TeV is a rounded reading")
    full = LFVAxion(1e-3, theta=math.pi / 2).delta_a_mu(0.01)
    _row("A9 full loop / eq. (10) at m_a = 10 MeV", "1 (limit)", full / delta_a_mu_lfv_light_alp(1e-3, math.pi / 2),
         None, "eq. (10) drops O(m_mu/m_tau) terms")
    a = LFVAxion(2e-3, theta=0.7, m_chi=100.0)
    ctau_cm = HBARC_GEV_M / a.total_width(10.0) * 100
    _row("E4 c tau_a [cm], g = 2e-3, m_a = 10 GeV", "~1e-8", ctau_cm, ctau_cm / 1e-8,
         "eq. (6) is an order of magnitude; both charge modes summed (one mode: x2)")
    for theta in (0.0, math.pi / 4, math.pi / 2):
        b = LFVAxion.from_c_over_lambda(1e-2, theta=theta, m_chi=100.0)
        length = b.decay_length(2.0, 300.0) * 100
        _row(f"E5 gamma beta c tau_a [cm], C/L = 1e-2, 2 GeV, theta = {theta:.2f}", "a few", length, None,
             "E_a = 300 GeV; theta changes the phase space near threshold")
    _row("E2 t_min / (m_a^2/2E)^2 at m_a = 2 GeV", "1 ([004])", iww_t_min(1000.0, 2.0) / (4.0 / 2000.0) ** 2, None,
         "[004] drops m_tau in t_min (docs/physics.md section 12 item 5)")
    pb, w = get_material("Pb"), get_material("W")
    ratio = pb.n_atom_cm3 * 0.02 * 82**2 / (w.n_atom_cm3 * 6.4 * 74**2)
    _row("E7 thin Pb (2 cm) / FASERnu2 (6.4 m W), n L Z^2", "< 1e-2", ratio, None, "'more than two orders lower'")


def sigma_table() -> None:
    print("\n== 2. sigma(mu Pb -> tau Pb a) [pb] at C/Lambda = 1/TeV (g = 1.777e-3) ==")
    print(f"  {'E [GeV]':>8} {'m_a':>5} {'theta':>6} {'ff':>5} {'exact':>11} {'+-':>8} {'WW':>11} {'IWW':>11} "
          f"{'WW/ex':>6} {'IWW/ex':>7} {'t_ex[s]':>7}")
    for energy in (160.0, 1500.0):
        for m_a in (2.0, 10.0):
            for theta in (math.pi / 2, 0.0):
                for ff in ("lfv", "tsai"):
                    kw = {"process": "lfv_alp", "target": "Pb", "energy": energy, "mass": m_a, "coupling": G_1TEV,
                          "form_factor": ff, "theta": theta}
                    t0 = time.perf_counter()
                    ex = cross_section(**kw, precision=0.005, seed=1)
                    dt = time.perf_counter() - t0
                    ww = cross_section(**kw, method="ww").sigma_pb
                    iww = cross_section(**kw, method="iww").sigma_pb
                    print(f"  {energy:8.0f} {m_a:5.1f} {theta:6.3f} {ff:>5} {ex.sigma_pb:11.4e} {ex.error_pb:8.2e} "
                          f"{ww:11.4e} {iww:11.4e} {ww / ex.sigma_pb:6.3f} {iww / ex.sigma_pb:7.2f} {dt:7.2f}")
    print("  WW: exact t_min(x, theta_a) and the 2->2 gamma mu -> tau a amplitude; IWW: x-independent t_min =\n"
          "  [(m_a + m_tau)^2 - m_mu^2]^2/4E^2. IWW overestimates because t_min(x) grows ~ (m_tau^2 + m_a^2(1-x)/x)^2\n"
          "  /(1-x)^2 far above its minimum (docs/physics.md section 4, 'Cause'); the heavy tau makes it worse than\n"
          "  for the scalar. [004] integrates the full 2->3 (as our 'exact') and quotes no IWW number.")


def sigma_vs_energy(quick: bool) -> None:
    print("\n== 3. sigma vs E_mu at C/Lambda = 1/TeV, theta = pi/4, lfv form factors ([004] Fig. 3) ==")
    energies = np.geomspace(100.0, 5000.0, 6 if quick else 12)
    curves: dict[tuple[float, str], list[float]] = {}
    print(f"  {'E [GeV]':>8} {'m_a':>5} {'coherent':>11} {'diffractive':>11} {'total':>11} {'coh+dif':>8} "
          f"{'WW':>11} {'IWW':>11}")
    for m_a in (2.0, 10.0):
        for e in energies:
            kw = {"process": "lfv_alp", "target": "Pb", "energy": float(e), "mass": m_a, "coupling": G_1TEV,
                  "theta": math.pi / 4}
            row = {ff: cross_section(**kw, form_factor=ff, precision=0.01, seed=2).sigma_pb
                   for ff in ("lfv_coherent", "lfv_incoherent", "lfv")}
            row["ww"] = cross_section(**kw, form_factor="lfv", method="ww").sigma_pb
            row["iww"] = cross_section(**kw, form_factor="lfv", method="iww").sigma_pb
            for k, v in row.items():
                curves.setdefault((m_a, k), []).append(v)
            tot = row["lfv"]
            print(f"  {e:8.0f} {m_a:5.1f} {row['lfv_coherent']:11.4e} {row['lfv_incoherent']:11.4e} {tot:11.4e} "
                  f"{(row['lfv_coherent'] + row['lfv_incoherent']) / tot:8.3f} {row['ww']:11.4e} {row['iww']:11.4e}")
    print("  [004] Fig. 3: diffractive dominates at 160 GeV for heavy ALPs, coherent at TeV energies (qualitative;\n"
          "  the figure's values cannot be read from the OCR text).")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib not installed: pip install 'mudump[plots]' for the figure)")
        return
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for m_a, colour in ((2.0, "tab:blue"), (10.0, "tab:green")):
        ax.plot(energies, curves[(m_a, "lfv")], "-", color=colour, label=f"total, m_a = {m_a:g} GeV")
        ax.plot(energies, curves[(m_a, "lfv_coherent")], ":", color=colour, label="coherent")
        ax.plot(energies, curves[(m_a, "lfv_incoherent")], "--", color=colour, label="diffractive")
        ax.plot(energies, curves[(m_a, "iww")], "-.", color=colour, alpha=0.5, label="IWW")
    ax.set(xscale="log", yscale="log", xlabel="E_mu [GeV]", ylabel="sigma(mu Pb -> tau Pb a) [pb]",
           title="C/Lambda = 1/TeV, theta = pi/4 (cf. [004] Fig. 3)")
    ax.legend(fontsize=7)
    out = Path(__file__).resolve().parent / "figures" / "lfv_alp_sigma.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    print(f"  figure: {out}")


def _plt():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib not installed: pip install 'mudump[plots]' for the figure)")
        return None
    return plt


def _figure_path(name: str) -> Path:
    out = Path(__file__).resolve().parent / "figures" / name
    out.parent.mkdir(exist_ok=True)
    return out


def tau_lengths(quick: bool) -> None:
    """[004] Fig. 5: d sigma / d log10 L_tau, production tau (left) and tau of a -> mu tau (right)."""
    import awkward as ak

    from generator.cards import RunConfig
    from generator.constants import CTAU_TAU_M
    from generator.run import generate

    print("\n== 4. tau decay length L = gamma beta c tau ([004] Fig. 5), C/Lambda = 1/TeV, theta = pi/4, lfv ==")
    print(f"  {'E [GeV]':>8} {'m_a':>5} {'tau':>10} {'median L [mm]':>13} {'P(L>2mm)':>9} {'P(L>2cm)':>9}")
    bins = np.linspace(-6, 0, 61)  # log10(L / m): 1 um to 1 m
    hists = {}
    for energy in (160.0, 1500.0, 5000.0):
        for m_a in (2.0, 10.0):
            cfg = RunConfig(process="lfv_alp", model="visible", mass=m_a, coupling=G_1TEV, theta=math.pi / 4,
                            target="Pb", beam_energy=energy, nevents=4000 if quick else 20000, weighted=True,
                            precision=0.02, form_factor="lfv", seed=3)
            events, _ = generate(cfg)
            w = ak.to_numpy(events.weights.w_xsec)
            parts = events.particles
            for label, col in (("production", 2), ("a -> mu tau", None)):
                if col is None:  # the tau daughter of the ALP is row 5 or 6
                    is_tau = np.abs(ak.to_numpy(parts.pdgid[:, 5])) == 15
                    col_idx = np.where(is_tau, 5, 6)
                    p = np.stack([ak.to_numpy(parts[f][:, 5]) * is_tau + ak.to_numpy(parts[f][:, 6]) * ~is_tau
                                  for f in ("px", "py", "pz")], axis=1)
                    del col_idx
                else:
                    p = np.stack([ak.to_numpy(parts[f][:, col]) for f in ("px", "py", "pz")], axis=1)
                length = np.linalg.norm(p, axis=1) / M_TAU * CTAU_TAU_M
                hists[(energy, m_a, label)] = np.histogram(np.log10(length), bins=bins, weights=w)[0] / np.diff(bins)
                order = np.argsort(length)
                med = length[order][np.searchsorted(np.cumsum(w[order]), 0.5 * w.sum())]
                print(f"  {energy:8.0f} {m_a:5.1f} {label:>10} {med * 1e3:13.3g} "
                      f"{w[length > 0.002].sum() / w.sum():9.3f} {w[length > 0.02].sum() / w.sum():9.3f}")
    print("  [004] text: at m_a = 2 GeV muons of a few hundred GeV give taus resolvable at d = 2 mm; the a -> mu tau\n"
          "  tau at m_a = 2 GeV mostly decays outside the 2 cm plate at 1.5 TeV; at 10 GeV a plateau (flat energies).")
    plt = _plt()
    if plt is None:
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    centres = 0.5 * (bins[1:] + bins[:-1])
    for ax, label in zip(axes, ("production", "a -> mu tau"), strict=True):
        for energy, colour in ((160.0, "black"), (1500.0, "red"), (5000.0, "blue")):
            for m_a, style in ((2.0, "-"), (10.0, "--")):
                ax.plot(10 ** centres * 1e3, hists[(energy, m_a, label)], style, color=colour,
                        label=f"E = {energy:g} GeV, m_a = {m_a:g} GeV")
        ax.axvspan(1e-3, 2.0, color="grey", alpha=0.2)  # d = 2 mm (emulsion / interleaved tracking)
        ax.axvspan(2.0, 20.0, color="green", alpha=0.1)
        ax.set(xscale="log", yscale="log", xlabel="L_tau = gamma beta c tau [mm]", title=f"tau from {label}")
    axes[0].set_ylabel("d sigma / d log10 L [pb]")
    axes[0].legend(fontsize=7)
    out = _figure_path("lfv_alp_tau_length.png")
    fig.savefig(out, dpi=120, bbox_inches="tight")
    print(f"  figure: {out}")


def reach(quick: bool) -> None:
    """N = 3 reach in C/Lambda from accepted counts at C/Lambda = 1/TeV (counts ~ g^2 BR(g))."""
    from scipy.optimize import brentq

    from generator.cards import load_card
    from generator.exceptions import UnphysicalRequest
    from generator.run import generate

    print("\n== 5. reach: C/Lambda [1/TeV] for N = 3 ([004] Fig. 6 left invisible, Fig. 7 visible) ==")
    cards = Path(__file__).resolve().parent.parent / "cards"
    masses = [2.0, 4.0, 7.0, 10.0, 15.0] if quick else [2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 15.0, 20.0]
    quick_kw = {"nevents": 1500 if quick else 4000, "precision": 0.02}
    # the [004] variants are shipped experiments: geometry/experiments/{mucoll_thin_2cm,mucoll_thin_ultimate,
    # fasernu2_ultimate}.toml
    setups = {
        "NA64-mu 1e13 MOT (invisible)": ("na64mu_lfv_alp.dat", "invisible", None, 1e13 / 8e12),
        "thin 1.5 TeV d = 2 mm (invisible)": ("mucoll_thin_lfv_alp.dat", "invisible", None, 1.0),
        "thin 1.5 TeV d = 2 cm (invisible)": ("mucoll_thin_lfv_alp.dat", "invisible", "mucoll_thin_2cm", 1.0),
        "thin 1.5 TeV ultimate (invisible)": ("mucoll_thin_lfv_alp.dat", "invisible", "mucoll_thin_ultimate", 1.0),
        "FASERnu2 SYNTHETIC flux, 3/ab (invisible)": ("fasernu2_lfv_alp.dat", "invisible", None, 3000.0),
        "FASERnu2 SYNTH. 3/ab ultimate (invisible)": ("fasernu2_lfv_alp.dat", "invisible",
                                                           "fasernu2_ultimate", 3000.0),
        "thin 1.5 TeV d = 2 mm (visible, flip)": ("mucoll_thin_lfv_alp.dat", "visible", None, 1.0),
        "thin 1.5 TeV d = 2 cm (visible, flip)": ("mucoll_thin_lfv_alp.dat", "visible", "mucoll_thin_2cm", 1.0),
    }
    curves: dict[str, list[float]] = {}
    for label, (card, model, toml, scale) in setups.items():
        row = []
        for m_a in masses:
            kw = dict(quick_kw, mass=m_a, model=model, coupling=G_1TEV, m_chi=None)
            if toml is not None:
                kw["experiment"] = toml
            cfg = load_card(cards / card, **kw)
            try:
                _, summary = generate(cfg)
            except UnphysicalRequest:  # sigma = 0: t_min above the lfv set's t < 1 GeV^2 (e.g. 160 GeV, 20 GeV)
                row.append(math.inf)
                continue
            n1 = summary["expected_events"]["accepted"] * scale  # at C/Lambda = 1/TeV
            br1 = summary["branching_ratios"]["chichi" if model == "invisible" else "mutau"]
            model_obj = LFVAxion(G_1TEV, theta=cfg.theta, m_chi=None, g_chi=cfg.g_chi, name=model)

            def n_of(c, m_a=m_a, n1=n1, br1=br1, model_obj=model_obj, model=model):
                br = model_obj.with_coupling(c * G_1TEV).branching_ratios(m_a)["chichi" if model == "invisible"
                                                                                else "mutau"]
                return n1 * c * c * br / br1 - 3.0

            row.append(brentq(n_of, 1e-6, 1e4) if n1 > 0 and n_of(1e4) > 0 else math.inf)
        curves[label] = row
    print(f"  {'setup':<44}" + "".join(f"{m:>9.0f}" for m in masses) + "   <- m_a [GeV]")
    for label, row in curves.items():
        print(f"  {label:<44}" + "".join(f"{c:9.3g}" for c in row))
    bands = {}
    for theta in (math.pi / 2, 3 * math.pi / 8, 5 * math.pi / 16):
        row = []
        for m_a in masses:
            one = LFVAxion(G_1TEV, theta=theta).delta_a_mu(m_a)
            row.append(math.sqrt(249e-11 / one) if one > 0 else math.inf)
        bands[theta] = row
        print(f"  {f'(g-2) central C/Lambda, theta = {theta:.3f}':<44}" + "".join(f"{c:9.3g}" for c in row))
    print("  Published beside ours ([004] text; the curves of Figs. 6-7 are not in the OCR):")
    na64_now = curves["NA64-mu 1e13 MOT (invisible)"][0] * math.sqrt(1e13 / 2e10)
    _row("NA64-mu current (2e10 MOT) reach at 2 GeV", "~100 ([004])", na64_now, na64_now / 100,
         "'current bounds exclude C/Lambda above 100/TeV' (mass not stated)")
    best_vis = min(curves["thin 1.5 TeV d = 2 mm (visible, flip)"]) * G_1TEV
    _row("visible thin target: smallest g_mutau reached", "~1e-3", best_vis, best_vis / 1e-3,
         "'values as low as g ~ 1e-3 can be probed'")
    i10 = masses.index(10.0)
    _row("thin 2 mm invisible / (g-2) pi/2 at m_a = 10 GeV", "< 1 (probed)",
         curves["thin 1.5 TeV d = 2 mm (invisible)"][i10] / bands[math.pi / 2][i10], None,
         "'probes the (g-2) region up to theta ~ pi/2 and m_a ~ 10 GeV'")
    plt = _plt()
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(7, 5))
    for label, row in curves.items():
        style = "--" if "ultimate" in label else "-"
        ax.plot(masses, row, style + ("o" if "(visible" in label else ""), ms=3, label=label)
    for theta, row in bands.items():
        ax.plot(masses, row, ":", color="grey", label=f"(g-2) centre, theta = {theta:.2f}")
    ax.set(xscale="log", yscale="log", xlabel="m_a [GeV]", ylabel="C/Lambda [1/TeV] (N = 3)",
           title="LFV ALP reach (cf. [004] Figs. 6-7)")
    ax.legend(fontsize=6)
    out = _figure_path("lfv_alp_reach.png")
    fig.savefig(out, dpi=120, bbox_inches="tight")
    print(f"  figure: {out}")


def _prongs(ids: np.ndarray) -> int:
    """Charged tracks of a tau decay: charged hadrons and muons, plus |net electron charge| (an e+e- pair
    from a pi0/eta Dalitz decay is not a prong; the electron of tau -> e nu nu is)."""
    a = np.abs(ids)
    return int(np.isin(a, (13, 211, 321, 2212)).sum() + abs(int(np.sum(np.sign(ids[a == 11])))))


def pythia_sample() -> None:
    from scipy import stats

    from generator.constants import CTAU_TAU_M
    from generator.tau_decays import decay_taus

    print("\n== 6. Pythia 8 tau decays (decay-only), 20000 taus of p = 100 GeV: ours | PDG 2022 | ratio ==")
    n, p_tau = 20000, 100.0
    p4 = np.tile([math.hypot(p_tau, M_TAU), 0.0, 0.0, p_tau], (n, 1))
    td = decay_taus(p4, np.where(np.arange(n) % 2 == 0, 15, -15), np.zeros((n, 3)), seed=99)
    n_ch = np.array([_prongs(td.pdg[td.offsets[i]:td.offsets[i + 1]]) for i in range(n)])
    has = {lep: np.array([lep in np.abs(td.pdg[td.offsets[i]:td.offsets[i + 1]]) for i in range(n)]) for lep in (11, 13)}
    for name, ours, pdg in (("tau -> mu nu nu", has[13].mean(), 0.1739), ("leptonic (e + mu)", (has[11] | has[13]).mean(),
                            0.3521), ("1-prong", np.mean(n_ch == 1), 0.8524), ("3-prong", np.mean(n_ch == 3), 0.1457)):
        err = math.sqrt(pdg * (1 - pdg) / n)
        print(f"  {name:<20} {ours:8.4f} +- {err:.4f} | {pdg:.4f} | {ours / pdg:.3f}")
    scale = p_tau / M_TAU * CTAU_TAU_M
    flight = np.linalg.norm(td.tau_decay_vertex, axis=1)
    print(f"  mean flight {flight.mean() * 1e3:.4f} mm vs gamma beta c tau = {scale * 1e3:.4f} mm (ratio "
          f"{flight.mean() / scale:.4f} +- {1 / math.sqrt(n):.4f}); KS p-value vs exponential "
          f"{stats.kstest(flight, 'expon', args=(0, scale)).pvalue:.3f}")
    print("  [004] uses B(tau -> mu nu nu) = 0.1739 and B(3-prong) ~ 0.15 (PDG); Pythia's tau tables are its own.")


def main() -> None:
    quick = "--quick" in sys.argv
    t0 = time.perf_counter()
    model_numbers()
    sigma_table()
    sigma_vs_energy(quick)
    tau_lengths(quick)
    reach(quick)
    pythia_sample()
    print(f"\n(total {time.perf_counter() - t0:.0f} s; m_mu = {M_MU} GeV, m_tau = {M_TAU} GeV)")


if __name__ == "__main__":
    main()
