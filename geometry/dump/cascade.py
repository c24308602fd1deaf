"""The hadronic cascade of a proton in a dump with Pythia 8 ``PythiaCascade``, and the muons it makes.

Every hadron of the shower is followed in a straight line through the dump's slabs
(:class:`geometry.dump.layout.DumpGeometry`). At each step it can interact with a nucleus of the slab
or decay; both are handled without ever losing a muon to chance:

Interaction. The hadron-nucleus inelastic cross section sigma_hA comes from Pythia (``sigmaSetuphN``
then ``sigmahA``, below), so the interaction rate in slab k is mu_k = n_k sigma_hA(A_k) [1/m], n_k the
number density of nuclei. The interaction point is drawn from the optical depth
tau(s) = sum_k mu_k s_k: s_int = tau^{-1}(X), X ~ Exp(1) (none if the hadron leaves the stack first),
and ``nextColl(Z, A)`` generates the collision; its products continue the cascade. In the presence of
decays (rate mu_d = m / (|p| c tau_0) [1/m]) the interacting hadron carries the survival weight
exp(-mu_d s_int), the probability that it did not decay first.

Decay in flight (forced). The probability that a hadron decays before it interacts or leaves the dump
is, over the path segments k (length l_k, starting after a path s_k and an optical depth tau_k)::

    P_dec = sum_k  mu_d / (mu_d + mu_k) * exp(-mu_d s_k - tau_k) * (1 - exp(-(mu_d + mu_k) l_k))

(the integral of the decay density mu_d exp(-mu_d s - tau(s)) along the path; cf. the decay-versus-
absorption factor of the BMPT source, lambda / (lambda + gamma beta c tau), for one infinite slab).
Each hadron with a muonic decay channel gives a muon record of weight ``w * P_dec * B_mu``, B_mu the
summed branching fraction of its channels with a muon (Pythia's decay table), at a decay point drawn
from that density (segment k with probability P_k / P_dec, then a truncated exponential of rate
mu_d + mu_k inside it), decayed by a second Pythia instance whose channels are restricted to those
with a muon (``onIfAny = 13``). Independently, with probability P_dec the hadron decays there through
its full decay table and its non-muon daughters continue the cascade with weight ``w``; muons of that
decay are not recorded (the forced branch has them). Both estimators are unbiased; their variance is
what makes a few thousand protons enough: every pi and K of the shower contributes a weighted muon.

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

pythia8mc 8.317: ``PythiaCascade::nCollAvg(A)`` interpolates between its tabulated nuclei (A = 1, 2, 4,
9, 12, 14, 16, 27, 40, 56, 63, 84, 107, 129, 197, 208) with an integer division ``A / tabA``, so for
any other A the second term vanishes and sigma_hA comes out too large (p Mo at 400 GeV: 1624 mb
instead of about 1020; p W: 4150 instead of about 1590). Here the interpolation it intends is done in
Python from the two bracketing tabulated nuclei (:func:`collisions_per_nucleus`), and the collision is
generated on one of them, chosen with the interpolation weight, so that <n_coll> is interpolated too.
With that, sigma_pA at 400 GeV agrees with the PDG nuclear interaction lengths to 2 % (Fe, Cu, Mo, W, Pb).

Pythia is imported here only, lazily; without it :func:`import_pythia` raises an ``ImportError`` naming
``pip install 'mudump[pythia]'``.

Units: GeV, metres (Pythia's vertices are in mm and are not used), millibarn for Pythia's cross sections.

References: T. Sjostrand, M. Utheim, Eur. Phys. J. C 82 (2022) 21 [arXiv:2108.03481] (PythiaCascade,
hadron-nucleus collisions in a medium; Pythia examples main424 and main484-487); C. Bierlich et al.,
SciPost Phys. Codeb. 8 (2022) [arXiv:2203.11601] (Pythia 8.3); PDG, "Atomic and Nuclear Properties"
(lambda_I); SHiP Collaboration, Eur. Phys. J. C 80 (2020) 284 (muons mainly from pi, K, rho, omega and
charm decays).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geometry.dump.layout import DumpGeometry

__all__ = [
    "MUON_FIELDS",
    "PYTHIA_INSTALL_HINT",
    "TABULATED_A",
    "CascadeResult",
    "CascadeSettings",
    "batch_seeds",
    "bethe_heitler_estimate",
    "collisions_per_nucleus",
    "decay_probability",
    "import_pythia",
    "interaction_point",
    "nucleus_bracket",
    "pythia_setup_file",
    "pythia_version",
    "simulate_batch",
    "truncated_exponential",
]

PYTHIA_INSTALL_HINT = "pip install 'mudump[pythia]'"
#: Nuclei of PythiaCascade's <n_coll>(sigma_hN) table (PythiaCascade.h, nCollAvg).
TABULATED_A: tuple[int, ...] = (1, 2, 4, 9, 12, 14, 16, 27, 40, 56, 63, 84, 107, 129, 197, 208)
_MB_TO_M2 = 1e-31
#: Attempts at a hadron-nucleus collision before the hadron is taken as absorbed.
_COLLISION_TRIES = 3
_MM = 1e-3
#: Particles that leave the cascade at once (their energy goes to the ledger): e, neutrinos, photons.
_LEPTONS_AND_PHOTONS = frozenset((11, 12, 14, 16, 22))


def import_pythia() -> Any:
    """The ``pythia8mc`` module, or an ImportError with the install hint."""
    try:
        import pythia8mc
    except ImportError as exc:
        raise ImportError(f"the dump simulation (mudump flux) needs Pythia 8: {PYTHIA_INSTALL_HINT}") from exc
    return pythia8mc


def pythia_version() -> str:
    """Installed pythia8mc version (``"8.317.2"``), or ``"not installed"``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pythia8mc")
    except PackageNotFoundError:
        return "not installed"


def pythia_setup_file(name: str = "InitDefaultMPI.cmnd") -> Path:
    """Absolute path of ``share/Pythia8/setups/<name>`` shipped by the pythia8mc wheel.

    Searched in the installation prefixes (``sys.prefix``, ``sys.base_prefix``, the user base), beside
    the module, and under ``$PYTHIA8DATA/..``.

    Raises
    ------
    FileNotFoundError
        Naming the places searched.
    """
    import site

    mod = import_pythia()
    roots = [Path(sys.prefix), Path(sys.base_prefix), Path(site.getuserbase())]
    here = Path(mod.__file__).resolve().parent
    roots += [here, *list(here.parents)[:4]]
    if os.environ.get("PYTHIA8DATA"):
        roots.append(Path(os.environ["PYTHIA8DATA"]).parent.parent.parent)
    tried = []
    for root in roots:
        path = root / "share" / "Pythia8" / "setups" / name
        tried.append(str(path))
        if path.is_file():
            return path.resolve()
    raise FileNotFoundError(f"Pythia 8 setup file {name} not found; looked in: {', '.join(dict.fromkeys(tried))}")


# ----------------------------------------------------------------------------------------------------
# pure pieces: the nucleus interpolation and the forced-decay weights
# ----------------------------------------------------------------------------------------------------
def nucleus_bracket(a: float) -> tuple[int, int, float]:
    """The tabulated nuclei A1 <= a <= A2 of :data:`TABULATED_A` and the weight w1 = (A2 - a)/(A2 - A1).

    >>> nucleus_bracket(63.0)
    (63, 63, 1.0)
    >>> a1, a2, w1 = nucleus_bracket(95.95); (a1, a2, round(w1, 3))
    (84, 107, 0.48)
    """
    if not 1 <= a <= TABULATED_A[-1]:
        raise ValueError(f"A = {a} but require 1 <= A <= {TABULATED_A[-1]} (PythiaCascade's range)")
    for lo, hi in itertools.pairwise(TABULATED_A):
        if a == lo:
            return lo, lo, 1.0
        if lo < a < hi:
            return lo, hi, (hi - a) / (hi - lo)
    return TABULATED_A[-1], TABULATED_A[-1], 1.0


def collisions_per_nucleus(a: float, a1: int, a2: int, w1: float, n1: float, n2: float) -> float:
    """Mean number of hadron-nucleon collisions in a hadron-nucleus one, interpolated in A.

    ``<n>(A) = 1 + w1 (A/A1)^(2/3) (n1 - 1) + (1 - w1) (A/A2)^(2/3) (n2 - 1)``, the interpolation that
    PythiaCascade::nCollAvg intends (<n> - 1 ~ A^(2/3); Sjostrand & Utheim, EPJC 82 (2022) 21), from its
    tabulated values n1 = <n>(A1), n2 = <n>(A2). sigma_hA = A sigma_hN / <n>.

    >>> collisions_per_nucleus(63.0, 63, 63, 1.0, 2.7, 2.7)
    2.7
    """
    if a1 == a2:
        return n1
    return 1.0 + w1 * (a / a1) ** (2.0 / 3.0) * (n1 - 1.0) + (1.0 - w1) * (a / a2) ** (2.0 / 3.0) * (n2 - 1.0)


def decay_probability(mu_d: float, lengths: list[float], mu_int: list[float]) -> tuple[float, list[float]]:
    """Probability that a hadron decays before it interacts or leaves, and its share per segment.

    ``P_k = mu_d/(mu_d + mu_k) exp(-mu_d s_k - tau_k) (1 - exp(-(mu_d + mu_k) l_k))`` (module docstring),
    with decay rate ``mu_d`` [1/m], segment lengths ``lengths`` [m] and interaction rates ``mu_int`` [1/m].

    >>> p, parts = decay_probability(0.01, [1e9], [0.0]); round(p, 12)  # no absorber: it decays
    1.0
    >>> round(decay_probability(0.01, [1e9], [1.0])[0], 6)  # one infinite slab: mu_d/(mu_d + mu_i)
    0.009901
    """
    parts = []
    s = tau = 0.0
    for length, mu in zip(lengths, mu_int):
        rate = mu_d + mu
        if rate > 0:
            parts.append(mu_d / rate * math.exp(-mu_d * s - tau) * -math.expm1(-rate * length))
        else:
            parts.append(0.0)
        s += length
        tau += mu * length
    return math.fsum(parts), parts


def truncated_exponential(rate: float, length: float, u: float) -> float:
    """Inverse CDF of the density ~ exp(-rate s) on [0, length] at u in [0, 1) [m].

    >>> round(truncated_exponential(0.0, 2.0, 0.25), 6)
    0.5
    """
    if rate * length < 1e-12:
        return u * length
    return -math.log1p(u * math.expm1(-rate * length)) / rate


def interaction_point(lengths: list[float], mu_int: list[float], x: float) -> float | None:
    """Path length [m] at which the optical depth sum mu_k l_k reaches x (an Exp(1) variate), or None if
    the path ends first.

    >>> interaction_point([1.0, 1.0], [0.0, 2.0], 1.0)
    1.5
    """
    s = 0.0
    for length, mu in zip(lengths, mu_int):
        depth = mu * length
        if x < depth:
            return s + x / mu
        x -= depth
        s += length
    return None


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


# ----------------------------------------------------------------------------------------------------
# the Pythia-driven cascade
# ----------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send the C++ output on file descriptor 1 (Pythia's banners and tables) to /dev/null."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (embedded interpreters): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None).fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


@dataclass(frozen=True, slots=True)
class _Species:
    """What the cascade needs to know about a particle id (from Pythia's particle table)."""

    m0: float
    ctau_mm: float
    hadron: bool
    can_decay: bool
    br_mu: float
    natural_matters: bool  # its full decay can give a hadron (else only leptons/photons)


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
        p8 = import_pythia()
        self.p8 = p8
        self.geometry = geometry
        self.settings = settings
        self.uniform = _Uniforms(rng)
        setup = pythia_setup_file()
        with tempfile.NamedTemporaryFile("w", suffix=".cmnd", delete=False) as fh:
            fh.write(f"include = {setup}\nRandom:setSeed = on\nRandom:seed = {pythia_seed}\n")
            init_file = fh.name
        try:
            with _quiet_stdout():
                self.cascade = p8.PythiaCascade()
                ok = self.cascade.init(settings.e_kin_min_GeV, settings.enhance_sd_target, init_file)
                self.cascade.rndm().init(pythia_seed)
                self.forced = p8.Pythia("", False)
                for s in ("ProcessLevel:all = off", "Print:quiet = on", "ParticleDecays:limitTau0 = off",
                          "211:mayDecay = on", "321:mayDecay = on", "130:mayDecay = on", "310:mayDecay = on",
                          "13:mayDecay = off", "Random:setSeed = on", f"Random:seed = {pythia_seed % 900_000_000 + 1}"):
                    if not self.forced.readString(s):
                        raise RuntimeError(f"Pythia refused the setting {s!r}")
                self.pd = self.cascade.particleData()
                self._forced_ids = self._muonic_parents()
                for pid in self._forced_ids:
                    self.forced.readString(f"{pid}:onMode = off")
                    self.forced.readString(f"{pid}:onIfAny = 13")
                ok = ok and self.forced.init()
        finally:
            os.unlink(init_file)
        if not ok:
            raise RuntimeError("Pythia 8 PythiaCascade failed to initialise (setup file "
                               f"{setup}); run with -v for Pythia's messages")
        self.species: dict[int, _Species] = {}
        self.mp = self.pd.m0(2212)
        self.sigma_scale: list[tuple[int, int, float]] = []
        for slab in geometry.slabs:
            self.sigma_scale.append(nucleus_bracket(slab.a_g_mol))
        self.counters: dict[str, float] = dict.fromkeys(
            ("collisions", "collision_retries", "collision_failures", "natural_decays", "forced_decays", "no_cross_section",
             "ledger_in", "ledger_escaped", "ledger_below_cut", "ledger_em", "ledger_neutrino", "ledger_muon",
             "ledger_other"), 0.0)

    def _muonic_parents(self) -> list[int]:
        """Positive ids of the particles (hadrons and tau) with a muonic decay channel in Pythia's table."""
        out = []
        for pid in (15, 211, 321, 130, 310, 221, 113, 223, 333, 331, 443, 100443, 411, 421, 431, 4122, 4132,
                    4232, 4332, 3122, 3112, 3312, 511, 521, 531, 553):
            if self._br_mu(pid) > 0:
                out.append(pid)
        return out

    def _br_mu(self, pid: int) -> float:
        entry = self.pd.particleDataEntryPtr(abs(pid))
        total = mu = 0.0
        for i in range(entry.sizeChannels()):
            ch = entry.channel(i)
            total += ch.bRatio()
            if any(abs(ch.product(j)) == 13 for j in range(ch.multiplicity())):
                mu += ch.bRatio()
        return mu / total if total > 0 else 0.0

    def _species(self, pid: int) -> _Species:
        sp = self.species.get(pid)
        if sp is None:
            pd = self.pd
            can = bool(pd.canDecay(pid)) and pid not in (2212, -2212, 2112, -2112, 13, -13)
            entry = pd.particleDataEntryPtr(abs(pid))
            natural = False
            for i in range(entry.sizeChannels()):
                ch = entry.channel(i)
                if any(pd.isHadron(ch.product(j)) for j in range(ch.multiplicity())):
                    natural = True
                    break
            br = self._br_mu(pid) if can and abs(pid) in self._forced_ids else 0.0
            sp = _Species(pd.m0(pid), pd.tau0(pid), bool(pd.isHadron(pid)), can, br, natural)
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

    def _natural_decay(self, stack: list[tuple[Any, ...]], pid: int, e: float, px: float, py: float, pz: float,
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
        geo = self.geometry
        settings = self.settings
        uniform = self.uniform
        counters = self.counters
        e_beam = geo.proton_energy_GeV
        p_beam = math.sqrt(e_beam * e_beam - self.mp * self.mp)
        stack: list[tuple[Any, ...]] = [(2212, e_beam, 0.0, 0.0, p_beam, self.mp, (0.0, 0.0, geo.z_front), 1.0)]
        counters["ledger_in"] += e_beam
        e_min = settings.muon_p_min_GeV
        while stack:
            pid, e, px, py, pz, m, pos, w = stack.pop()
            apid = abs(pid)
            if apid == 13:  # a muon straight from a collision
                counters["ledger_muon"] += w * e
                self._record(out, pos, px, py, pz, w, pid, 0)
                continue
            if apid in _LEPTONS_AND_PHOTONS or apid == 111:
                counters["ledger_neutrino" if apid in (12, 14, 16) else "ledger_em"] += w * e
                continue
            sp = self._species(pid)
            if sp.can_decay and sp.ctau_mm < settings.prompt_ctau_mm:  # prompt: decays where it is made
                if settings.forced_muon_decays and sp.br_mu > 0 and e > e_min:
                    self._forced_decay(out, pid, e, px, py, pz, m, pos, w * sp.br_mu)
                if sp.natural_matters:
                    self._natural_decay(stack, pid, e, px, py, pz, m, pos, w)
                else:
                    counters["ledger_em"] += w * e
                continue
            if not sp.hadron or apid > 1_000_000_000:
                counters["ledger_other"] += w * e
                continue
            if e - m < settings.e_kin_min_GeV or e < e_min:
                counters["ledger_below_cut"] += w * e
                continue
            p = math.sqrt(px * px + py * py + pz * pz)
            segs = geo.segments(pos[2], pz / p)
            if not segs:
                counters["ledger_escaped"] += w * e
                continue
            lengths = [s[0] for s in segs]
            # interaction rates per segment from Pythia's sigma_hA
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
                counters["no_cross_section"] += 1
            mu_d = 0.0
            if settings.in_flight_decays and sp.can_decay and sp.ctau_mm < 1e15:
                mu_d = m / (p * sp.ctau_mm * _MM)
            d = (px / p, py / p, pz / p)
            # decay branch (forced muons, and the full decay with probability P_dec)
            if mu_d > 0:
                p_dec, parts = decay_probability(mu_d, lengths, mu_int)
                want_forced = settings.forced_muon_decays and sp.br_mu > 0
                want_natural = sp.natural_matters and uniform() < p_dec
                if p_dec > 0 and (want_forced or want_natural):
                    r = uniform() * p_dec
                    k = 0
                    while k < len(parts) - 1 and r >= parts[k]:
                        r -= parts[k]
                        k += 1
                    s_dec = sum(lengths[:k]) + truncated_exponential(mu_d + mu_int[k], lengths[k], uniform())
                    where = (pos[0] + s_dec * d[0], pos[1] + s_dec * d[1], pos[2] + s_dec * d[2])
                    if want_forced:
                        self._forced_decay(out, pid, e, px, py, pz, m, where, w * p_dec * sp.br_mu)
                    if want_natural:
                        self._natural_decay(stack, pid, e, px, py, pz, m, where, w)
            # interaction branch
            s_int = interaction_point(lengths, mu_int, -math.log1p(-uniform())) if has_sigma else None
            if s_int is None:
                counters["ledger_escaped"] += w * e
                continue
            w_int = w * math.exp(-mu_d * s_int)
            k_slab = self._slab_of(segs, s_int)
            slab = geo.slabs[k_slab]
            a1, a2, w1 = self.sigma_scale[k_slab]
            a_pick = a1 if uniform() < w1 else a2
            z_pick = max(1, min(a_pick, round(slab.z * a_pick / slab.a_g_mol)))
            for _ in range(_COLLISION_TRIES):  # PythiaCascade returns an empty event on a failure
                ev = self.cascade.nextColl(int(z_pick), int(a_pick))
                if ev.size() > 0:
                    break
                counters["collision_retries"] += 1
            if ev.size() == 0:  # mostly hadrons of 1-2 GeV kinetic energy: absorbed where they stand
                counters["collision_failures"] += 1
                counters["ledger_below_cut"] += w_int * e
                continue
            counters["collisions"] += 1
            where = (pos[0] + s_int * d[0], pos[1] + s_int * d[1], pos[2] + s_int * d[2])
            for k in range(2, ev.size()):
                q = ev[k]
                status = q.status()
                if status in (-181, -182):  # a target nucleon: its mass enters the ledger
                    counters["ledger_in"] += w_int * self.pd.m0(q.id())
                elif status > 0:
                    stack.append((q.id(), q.e(), q.px(), q.py(), q.pz(), q.m(), where, w_int))

    @staticmethod
    def _slab_of(segs: list[tuple[float, int]], s: float) -> int:
        for length, i in segs:
            if s < length:
                return i
            s -= length
        return segs[-1][1]

    def _sigma_ha(self, i: int) -> float:
        """sigma_hA [mb] of the current hadron (after sigmaSetuphN) on slab i, interpolated in A."""
        a1, a2, w1 = self.sigma_scale[i]
        a = self.geometry.slabs[i].a_g_mol
        c = self.cascade
        if a1 == a2:
            return float(c.sigmahA(a1))
        n = collisions_per_nucleus(a, a1, a2, w1, c.nCollAvg(a1), c.nCollAvg(a2))
        return a * float(c.sigmahA(1)) / n


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
    with _quiet_stdout():
        for _ in range(n_protons):
            cascade.run_proton(out)
    arr = np.array(out, dtype=float).reshape(-1, len(MUON_FIELDS))
    cols = {f: arr[:, i] for i, f in enumerate(MUON_FIELDS)}
    cols["pdg"] = cols["pdg"].astype(np.int64)
    cols["parent"] = cols["parent"].astype(np.int64)
    counters = dict(cascade.counters)
    counters["cpu_seconds"] = time.process_time() - t0
    return CascadeResult(n_protons, counters=counters, **cols)
