"""The hadronic cascade of a proton in a dump with Pythia 8 ``PythiaCascade``, and the muons it makes.

Every hadron of the shower is followed in a straight line through the dump's slabs
(:class:`geometry.dump.layout.DumpGeometry`). At each step it can interact with a nucleus of the slab
or decay; both are handled without ever losing a muon to chance:

Interaction. The hadron-nucleus inelastic cross section sigma_hA comes from Pythia (``sigmaSetuphN``
then ``sigmahA``, :mod:`geometry.dump.interactions`), so the interaction rate in slab k is
mu_k = n_k sigma_hA(A_k) [1/m], n_k the number density of nuclei. The interaction point is drawn from
the optical depth tau(s) = sum_k mu_k s_k: s_int = tau^{-1}(X), X ~ Exp(1) (none if the hadron leaves
the stack first), and ``nextColl(Z, A)`` generates the collision; its products continue the cascade. In
the presence of decays (rate mu_d = m / (|p| c tau_0) [1/m]) the interacting hadron carries the
survival weight exp(-mu_d s_int), the probability that it did not decay first.

Decay in flight (forced). The probability that a hadron decays before it interacts or leaves the dump
is, over the path segments k (length l_k, starting after a path s_k and an optical depth tau_k)::

    P_dec = sum_k  mu_d / (mu_d + mu_k) * exp(-mu_d s_k - tau_k) * (1 - exp(-(mu_d + mu_k) l_k))

(the integral of the decay density mu_d exp(-mu_d s - tau(s)) along the path; cf. the decay-versus-
absorption factor of the BMPT source, lambda / (lambda + gamma beta c tau), for one infinite slab).
Each hadron with a muonic decay channel gives a muon record of weight ``w * P_dec * B_mu``, B_mu the
summed branching fraction of its channels with a muon (Pythia's decay table), at a decay point drawn
from that density (segment k with probability P_k / P_dec, then a truncated exponential of rate
mu_d + mu_k inside it; :mod:`geometry.dump.decays`), decayed by a second Pythia instance whose
channels are restricted to those with a muon (``onIfAny = 13``; :mod:`geometry.dump.pythia_setup`).
Independently, with probability P_dec the hadron decays there through its full decay table and its
non-muon daughters continue the cascade with weight ``w``; muons of that decay are not recorded (the
forced branch has them). Both estimators are unbiased; their variance is what makes a few thousand
protons enough: every pi and K of the shower contributes a weighted muon.

Prompt sources. Particles with c tau_0 below ``prompt_ctau_mm`` (default 1 mm: pi0, eta, rho, omega,
phi, eta', J/psi, charm hadrons, tau) decay where they are made. Their muonic channels (eta -> mu mu
gamma and mu mu, rho/omega/phi -> mu mu, omega -> pi0 mu mu, eta' -> mu mu gamma, J/psi -> mu mu,
D -> mu nu X, ...) give a muon record of weight ``w * B_mu``; their full decay continues the cascade.
Charm produced in the soft inelastic collisions of ``PythiaCascade`` is included; hard processes
(Drell-Yan, c cbar and J/psi beyond what the soft model makes) and muon pairs from photons
(gamma N -> mu mu N, e+ e- -> mu mu) are not; :func:`bethe_heitler_estimate` gives the size of the
latter.

Hadrons below ``e_kin_min_GeV`` kinetic energy, photons, electrons, neutrinos and nuclear fragments
leave the cascade (an energy ledger records where the energy goes). Muons are recorded at their
production point with their momentum; the transport to the source plane is
:mod:`geometry.dump.transport`.

sigma_hA is interpolated in A between PythiaCascade's tabulated nuclei in Python, working around the
integer division in pythia8mc 8.317's ``nCollAvg`` (:mod:`geometry.dump.interactions`).

Pythia is imported lazily, by :mod:`geometry.dump.pythia_setup` only; without it
:func:`geometry.dump.pythia_setup.import_pythia` raises an ``ImportError`` naming
``pip install 'mudump[pythia]'``.

Units: GeV, metres (Pythia's vertices are in mm and are not used), millibarn for Pythia's cross sections.

References: T. Sjostrand, M. Utheim, Eur. Phys. J. C 82 (2022) 21 [arXiv:2108.03481] (PythiaCascade,
hadron-nucleus collisions in a medium; Pythia examples main424 and main484-487); C. Bierlich et al.,
SciPost Phys. Codeb. 8 (2022) [arXiv:2203.11601] (Pythia 8.3); PDG, "Atomic and Nuclear Properties"
(lambda_I); SHiP Collaboration, Eur. Phys. J. C 80 (2020) 284 (muons mainly from pi, K, rho, omega and
charm decays).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from geometry.dump.decays import Species, decay_distance, decay_probability, muon_branching, species_of
from geometry.dump.interactions import (
    collision_nucleus,
    interaction_point,
    nucleus_bracket,
    sigma_ha,
    slab_at_path,
)
from geometry.dump.layout import DumpGeometry
from geometry.dump.pythia_setup import quiet_stdout, start_pythia

__all__ = [
    "MUON_FIELDS",
    "CascadeResult",
    "CascadeSettings",
    "batch_seeds",
    "bethe_heitler_estimate",
    "simulate_batch",
]

_MB_TO_M2 = 1e-31
#: Attempts at a hadron-nucleus collision before the hadron is taken as absorbed.
_COLLISION_TRIES = 3
_MM = 1e-3
#: Particles that leave the cascade at once (their energy goes to the ledger): e, neutrinos, photons.
_LEPTONS_AND_PHOTONS = frozenset((11, 12, 14, 16, 22))
#: A particle on the cascade's stack: (pdg, E, px, py, pz, m [GeV], position (x, y, z) [m], weight).
_Particle = tuple[int, float, float, float, float, float, tuple[float, float, float], float]


def bethe_heitler_estimate(e_em_GeV: float, e_threshold_GeV: float) -> float:
    """Rough number of muon pairs from photon conversion gamma N -> mu+ mu- N in an EM shower.

    ``N ~ (7/9) (m_e/m_mu)^2 * T(> E_th)``, with the photon track length above E_th in radiation lengths
    ``T = 0.572 E_em / E_th`` (Rossi's approximation B; PDG "Passage of particles through matter",
    sec. 34.5) and the high-energy ratio of the mu mu to e e pair cross sections (m_e/m_mu)^2, which
    overestimates near threshold. An order-of-magnitude estimate for a source the cascade leaves out.

    >>> f"{bethe_heitler_estimate(100.0, 10.0):.1e}"
    '1.0e-04'
    """
    ratio = (0.51099895e-3 / 0.1056583755) ** 2
    return 7.0 / 9.0 * ratio * 0.572 * e_em_GeV / e_threshold_GeV


# ----------------------------------------------------------------------------------------------------
# settings and results (plain, picklable)
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CascadeSettings:
    """Settings of the cascade (recorded in the flux file's provenance header)."""

    e_kin_min_GeV: float = 0.5
    """Hadrons below this kinetic energy [GeV] leave the cascade (PythiaCascade's eKinMin as well)."""
    muon_p_min_GeV: float = 1.0
    """Muons are recorded above this momentum at production [GeV]; particles with E below it are dropped."""
    enhance_sd_target: float = 0.5
    """PythiaCascade's enhanceSDtarget (target-side single diffraction in later subcollisions; default)."""
    prompt_ctau_mm: float = 1.0
    """Particles with c tau_0 below this [mm] decay where they are made (charm, eta, rho, omega, phi, ...)."""
    in_flight_decays: bool = True
    """Decays in flight of the long-lived hadrons (pi, K, K_L, hyperons); False: they only interact."""
    forced_muon_decays: bool = True
    """Record the weighted muons of the muonic decay channels (else no muon from decays)."""

    def __post_init__(self) -> None:
        for name in ("e_kin_min_GeV", "muon_p_min_GeV", "prompt_ctau_mm"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} = {value} but require a finite value >= 0")
        if not 0 <= self.enhance_sd_target <= 1:
            raise ValueError(f"enhance_sd_target = {self.enhance_sd_target} but require 0 <= value <= 1")

    def describe(self) -> str:
        """One line for the provenance header."""
        return (f"e_kin_min={self.e_kin_min_GeV} GeV, muon_p_min={self.muon_p_min_GeV} GeV, "
                f"enhanceSDtarget={self.enhance_sd_target}, prompt c*tau0 < {self.prompt_ctau_mm} mm, "
                f"in_flight_decays={self.in_flight_decays}, forced_muon_decays={self.forced_muon_decays}")


#: Columns of the muon records of a :class:`CascadeResult`.
MUON_FIELDS = ("x", "y", "z", "px", "py", "pz", "weight", "pdg", "parent")


@dataclass
class CascadeResult:
    """Muons made by ``n_protons`` protons (one batch), at their production points, and counters.

    ``weight`` sums to the expected number of muons per proton times ``n_protons``; divide by the total
    number of protons for muons per POT.
    """

    n_protons: int
    """Protons simulated."""
    x: np.ndarray
    """Production x [m]."""
    y: np.ndarray
    """Production y [m]."""
    z: np.ndarray
    """Production z [m]."""
    px: np.ndarray
    """Momentum x at production [GeV]."""
    py: np.ndarray
    """Momentum y [GeV]."""
    pz: np.ndarray
    """Momentum z [GeV]."""
    weight: np.ndarray
    """Muons represented by each record (before dividing by the number of protons)."""
    pdg: np.ndarray
    """13 (mu-) or -13 (mu+)."""
    parent: np.ndarray
    """PDG id of the particle whose decay made the muon."""
    counters: dict[str, float] = field(default_factory=dict)
    """Collisions, decays, cpu seconds, and the energy ledger [GeV] (``ledger_*``)."""

    @classmethod
    def concatenate(cls, parts: list[CascadeResult]) -> CascadeResult:
        """One result from batches (in the given order; counters summed)."""
        arrays = {f: np.concatenate([getattr(p, f) for p in parts]) if parts else np.empty(0)
                  for f in MUON_FIELDS}
        counters: dict[str, float] = {}
        for p in parts:
            for k, v in p.counters.items():
                counters[k] = counters.get(k, 0.0) + v
        return cls(sum(p.n_protons for p in parts), counters=counters, **arrays)


class _Uniforms:
    """Uniform variates in [0, 1) from a numpy Generator, drawn in blocks (fast scalar access)."""

    def __init__(self, rng: np.random.Generator, block: int = 8192) -> None:
        self._rng = rng
        self._block = block
        self._buf: list[float] = []

    def __call__(self) -> float:
        if not self._buf:
            self._buf = self._rng.random(self._block).tolist()
        return self._buf.pop()


class _Cascade:
    """One batch's Pythia objects and the stepping loop (see the module docstring)."""

    def __init__(self, geometry: DumpGeometry, settings: CascadeSettings, pythia_seed: int,
                 rng: np.random.Generator) -> None:
        pythia = start_pythia(settings.e_kin_min_GeV, settings.enhance_sd_target, pythia_seed)
        self.p8 = pythia.module
        self.geometry = geometry
        self.settings = settings
        self.uniform = _Uniforms(rng)
        self.cascade = pythia.cascade
        self.forced = pythia.forced
        self.pd = pythia.particle_data
        self._forced_ids = pythia.forced_ids
        self.species: dict[int, Species] = {}
        self.mp = self.pd.m0(2212)
        self.sigma_scale: list[tuple[int, int, float]] = []
        for slab in geometry.slabs:
            self.sigma_scale.append(nucleus_bracket(slab.a_g_mol))
        self.counters: dict[str, float] = dict.fromkeys(
            ("collisions", "collision_retries", "collision_failures", "natural_decays", "forced_decays", "no_cross_section",
             "ledger_in", "ledger_escaped", "ledger_below_cut", "ledger_em", "ledger_neutrino", "ledger_muon",
             "ledger_other"), 0.0)

    def _br_mu(self, pid: int) -> float:
        return muon_branching(self.pd, pid)

    def _species(self, pid: int) -> Species:
        sp = self.species.get(pid)
        if sp is None:
            sp = species_of(self.pd, pid, self._forced_ids)
            self.species[pid] = sp
        return sp

    # ----- muons ----------------------------------------------------------------------------------
    def _record(self, out: list[tuple[float, ...]], pos: tuple[float, float, float], px: float, py: float,
                pz: float, w: float, pdg: int, parent: int) -> None:
        if px * px + py * py + pz * pz > self.settings.muon_p_min_GeV ** 2 and w > 0:
            out.append((pos[0], pos[1], pos[2], px, py, pz, w, float(pdg), float(parent)))

    def _forced_decay(self, out: list[tuple[float, ...]], pid: int, e: float, px: float, py: float, pz: float,
                      m: float, pos: tuple[float, float, float], w: float) -> None:
        """Decay through the muonic channels only and record the muons with weight ``w``."""
        ev = self.forced.event
        ev.reset()
        j = ev.append(pid, 12, 0, 0, 0, 0, 0, 0, px, py, pz, e, m)
        if not self.forced.moreDecays(j):
            return
        self.counters["forced_decays"] += 1
        part = ev[j]
        for k in range(part.daughter1(), part.daughter2() + 1):
            d = ev[k]
            if abs(d.id()) == 13:
                self._record(out, pos, d.px(), d.py(), d.pz(), w, d.id(), pid)

    def _natural_decay(self, stack: list[_Particle], pid: int, e: float, px: float, py: float, pz: float,
                       m: float, pos: tuple[float, float, float], w: float) -> None:
        """Full decay; the daughters except muons continue the cascade."""
        ev = self.cascade.nextDecay(pid, self.p8.Vec4(px, py, pz, e), m)
        if ev.size() == 0:
            return
        self.counters["natural_decays"] += 1
        for k in range(2, ev.size()):
            d = ev[k]
            if d.isFinal() and abs(d.id()) != 13:
                stack.append((d.id(), d.e(), d.px(), d.py(), d.pz(), d.m(), pos, w))

    # ----- one proton -----------------------------------------------------------------------------
    def run_proton(self, out: list[tuple[float, ...]]) -> None:
        """Shower one beam proton: follow it and everything it makes; its muons go to ``out``."""
        geo = self.geometry
        e_beam = geo.proton_energy_GeV
        p_beam = math.sqrt(e_beam * e_beam - self.mp * self.mp)
        stack: list[_Particle] = [(2212, e_beam, 0.0, 0.0, p_beam, self.mp, (0.0, 0.0, geo.z_front), 1.0)]
        self.counters["ledger_in"] += e_beam
        while stack:
            self._step(stack.pop(), stack, out)

    def _step(self, particle: _Particle, stack: list[_Particle], out: list[tuple[float, ...]]) -> None:
        """One particle off the stack: recorded (a muon), left to the ledger, decayed where it is made
        (prompt), or followed through the slabs (:meth:`_fly`)."""
        settings = self.settings
        counters = self.counters
        pid, e, px, py, pz, m, pos, w = particle
        apid = abs(pid)
        if apid == 13:  # a muon straight from a collision
            counters["ledger_muon"] += w * e
            self._record(out, pos, px, py, pz, w, pid, 0)
            return
        if apid in _LEPTONS_AND_PHOTONS or apid == 111:
            counters["ledger_neutrino" if apid in (12, 14, 16) else "ledger_em"] += w * e
            return
        sp = self._species(pid)
        if sp.can_decay and sp.ctau_mm < settings.prompt_ctau_mm:  # prompt: decays where it is made
            if settings.forced_muon_decays and sp.br_mu > 0 and e > settings.muon_p_min_GeV:
                self._forced_decay(out, pid, e, px, py, pz, m, pos, w * sp.br_mu)
            if sp.natural_matters:
                self._natural_decay(stack, pid, e, px, py, pz, m, pos, w)
            else:
                counters["ledger_em"] += w * e
            return
        if not sp.hadron or apid > 1_000_000_000:
            counters["ledger_other"] += w * e
            return
        if e - m < settings.e_kin_min_GeV or e < settings.muon_p_min_GeV:
            counters["ledger_below_cut"] += w * e
            return
        self._fly(particle, sp, stack, out)

    def _fly(self, particle: _Particle, sp: Species, stack: list[_Particle],
             out: list[tuple[float, ...]]) -> None:
        """A hadron through the slabs: it may decay in flight (weighted) and interacts at a sampled point or
        escapes."""
        pid, e, px, py, pz, m, pos, w = particle
        p = math.sqrt(px * px + py * py + pz * pz)
        segs = self.geometry.segments(pos[2], pz / p)
        if not segs:
            self.counters["ledger_escaped"] += w * e
            return
        lengths = [s[0] for s in segs]
        has_sigma, mu_int = self._interaction_rates(pid, e, px, py, pz, m, segs)
        mu_d = 0.0
        if self.settings.in_flight_decays and sp.can_decay and sp.ctau_mm < 1e15:
            mu_d = m / (p * sp.ctau_mm * _MM)
        d = (px / p, py / p, pz / p)
        if mu_d > 0:
            self._decay_in_flight(particle, sp, d, mu_d, lengths, mu_int, stack, out)
        s_int = interaction_point(lengths, mu_int, -math.log1p(-self.uniform())) if has_sigma else None
        if s_int is None:
            self.counters["ledger_escaped"] += w * e
            return
        w_int = w * math.exp(-mu_d * s_int)
        where = (pos[0] + s_int * d[0], pos[1] + s_int * d[1], pos[2] + s_int * d[2])
        self._collide(slab_at_path(segs, s_int), e, where, w_int, stack)

    def _interaction_rates(self, pid: int, e: float, px: float, py: float, pz: float, m: float,
                           segs: list[tuple[float, int]]) -> tuple[bool, list[float]]:
        """Whether Pythia has a cross section for the hadron, and its interaction rate [1/m] per segment."""
        geo = self.geometry
        mu_int = [0.0] * len(segs)
        has_sigma = self.cascade.sigmaSetuphN(pid, self.p8.Vec4(px, py, pz, e), m)
        if has_sigma:
            sig_cache: dict[int, float] = {}
            for k, (_, i) in enumerate(segs):
                if i >= 0:
                    if i not in sig_cache:
                        sig_cache[i] = self._sigma_ha(i)
                    mu_int[k] = geo.slabs[i].nuclei_per_m3 * sig_cache[i] * _MB_TO_M2
        else:
            self.counters["no_cross_section"] += 1
        return has_sigma, mu_int

    def _decay_in_flight(self, particle: _Particle, sp: Species, d: tuple[float, float, float], mu_d: float,
                         lengths: list[float], mu_int: list[float], stack: list[_Particle],
                         out: list[tuple[float, ...]]) -> None:
        """The decay branch: forced muons with weight ``w P_dec B_mu``, and the full decay with probability
        P_dec, both at a decay point drawn along the path."""
        pid, e, px, py, pz, m, pos, w = particle
        uniform = self.uniform
        p_dec, parts = decay_probability(mu_d, lengths, mu_int)
        want_forced = self.settings.forced_muon_decays and sp.br_mu > 0
        want_natural = sp.natural_matters and uniform() < p_dec
        if p_dec > 0 and (want_forced or want_natural):
            r = uniform() * p_dec
            s_dec = decay_distance(parts, lengths, mu_d, mu_int, r, uniform())
            where = (pos[0] + s_dec * d[0], pos[1] + s_dec * d[1], pos[2] + s_dec * d[2])
            if want_forced:
                self._forced_decay(out, pid, e, px, py, pz, m, where, w * p_dec * sp.br_mu)
            if want_natural:
                self._natural_decay(stack, pid, e, px, py, pz, m, where, w)

    def _collide(self, k_slab: int, e: float, where: tuple[float, float, float], w_int: float,
                 stack: list[_Particle]) -> None:
        """The hadron set up by ``sigmaSetuphN`` collides with a nucleus of slab ``k_slab`` at ``where``;
        the products continue the cascade with weight ``w_int``."""
        counters = self.counters
        slab = self.geometry.slabs[k_slab]
        z_pick, a_pick = collision_nucleus(slab.z, slab.a_g_mol, self.sigma_scale[k_slab], self.uniform())
        for _ in range(_COLLISION_TRIES):  # PythiaCascade returns an empty event on a failure
            ev = self.cascade.nextColl(int(z_pick), int(a_pick))
            if ev.size() > 0:
                break
            counters["collision_retries"] += 1
        if ev.size() == 0:  # mostly hadrons of 1-2 GeV kinetic energy: absorbed where they stand
            counters["collision_failures"] += 1
            counters["ledger_below_cut"] += w_int * e
            return
        counters["collisions"] += 1
        for k in range(2, ev.size()):
            q = ev[k]
            status = q.status()
            if status in (-181, -182):  # a target nucleon: its mass enters the ledger
                counters["ledger_in"] += w_int * self.pd.m0(q.id())
            elif status > 0:
                stack.append((q.id(), q.e(), q.px(), q.py(), q.pz(), q.m(), where, w_int))

    def _sigma_ha(self, i: int) -> float:
        """sigma_hA [mb] of the current hadron (after sigmaSetuphN) on slab i, interpolated in A."""
        return sigma_ha(self.cascade, self.geometry.slabs[i].a_g_mol, self.sigma_scale[i])


def batch_seeds(seed: int, batch_index: int) -> tuple[int, np.random.Generator]:
    """Pythia seed (1 ... 900 000 000) and numpy Generator of batch ``batch_index`` of a run with ``seed``.

    >>> batch_seeds(1, 0)[0] == batch_seeds(1, 0)[0] != batch_seeds(1, 1)[0]
    True
    """
    ss = np.random.SeedSequence([int(seed), int(batch_index)])
    pythia_seed = int(ss.generate_state(1)[0]) % 900_000_000 + 1
    return pythia_seed, np.random.default_rng(ss)


def simulate_batch(geometry: DumpGeometry, n_protons: int, seed: int, batch_index: int = 0,
                   settings: CascadeSettings | None = None) -> CascadeResult:
    """Shower ``n_protons`` protons in the dump and return the muons they make (pure, picklable job).

    The result depends only on the arguments: batch ``batch_index`` of a run with ``seed`` draws its
    Pythia seed and its numpy Generator from ``SeedSequence([seed, batch_index])``.

    Parameters
    ----------
    geometry : DumpGeometry
        The dump (slabs) and the proton energy.
    n_protons : int
        Protons in this batch (>= 1).
    seed : int
        The run's seed.
    batch_index : int
        Index of the batch in the run.
    settings : CascadeSettings, optional
        Cuts and switches (default :class:`CascadeSettings`).

    Returns
    -------
    CascadeResult
        Muons at production (weights summing to muons per proton times ``n_protons``) and counters.
    """
    if n_protons < 1:
        raise ValueError(f"n_protons = {n_protons} but require n_protons >= 1")
    settings = settings or CascadeSettings()
    t0 = time.process_time()
    pythia_seed, rng = batch_seeds(seed, batch_index)
    cascade = _Cascade(geometry, settings, pythia_seed, rng)
    out: list[tuple[float, ...]] = []
    with quiet_stdout():
        for _ in range(n_protons):
            cascade.run_proton(out)
    arr = np.array(out, dtype=float).reshape(-1, len(MUON_FIELDS))
    cols = {f: arr[:, i] for i, f in enumerate(MUON_FIELDS)}
    cols["pdg"] = cols["pdg"].astype(np.int64)
    cols["parent"] = cols["parent"].astype(np.int64)
    counters = dict(cascade.counters)
    counters["cpu_seconds"] = time.process_time() - t0
    return CascadeResult(n_protons, counters=counters, **cols)
