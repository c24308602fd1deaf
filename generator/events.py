"""The event schema: one awkward record array per batch of events (DESIGN.md rule 7).

Every writer in :mod:`generator.output` reads this schema and nothing else. One event is::

    particles : var * {pdgid: int32, status: int32, mother1: int32, mother2: int32,
                       E: float64, px: float64, py: float64, pz: float64, m: float64,
                       vx: float64, vy: float64, vz: float64, vt: float64, proper_ct: float64}
        [0] incoming lepton       status -1, mothers (-1, -1)
        [1] target nucleus        status -1, mothers (-1, -1), at rest
        [2] outgoing lepton       status  1, mothers (0, 1)
        [3] recoil nucleus        status  1, mothers (0, 1)
        [4] new boson             status  2 if decayed else 1, mothers (0, 1)
        [5], [6] its daughters    status  1, mothers (4, -1)      (only if decayed)
        [7...] tau decay products status  1, mothers (tau, -1)    (tau_decays = pythia8; the tau gets status 2)
    prod_x, prod_y, prod_z    : float64   production vertex in m (lab frame, beam along +z)
    decay_x, decay_y, decay_z : float64   boson decay vertex in m (= production vertex if undecayed)
    channel                   : int32     index into RunInfo.channel_names, -1 if undecayed
    ctau_m                    : float64   mean proper decay length c*tau of the boson in m (1/Gamma)
    proper_ctau_m             : float64   this event's sampled proper decay distance c*t in m:
                                          |decay vertex - production vertex| * m / |k|, 0 if undecayed
    E_beam                    : float64   incoming-lepton energy at the production point in GeV
    charge_flip               : bool      the boson's decay muons carry the muon number opposite to the beam
                                          lepton's (a -> mu+ tau- for a mu- beam, [004] Fig. 7); False if
                                          undecayed or without a net muon number (S -> mu+ mu-)
    weights : {w_xsec: float64      MC cross-section weight in pb
               p_decay: float64     probability to decay inside the decay volume (1 if not applied)
               acceptance: float64  daughter acceptance (1 if not applied)
               weight: float64}     w_xsec * p_decay * acceptance

Every particle carries its production vertex ``(vx, vy, vz)`` in m and time ``vt`` = c*t in m (lab; t = 0
at the event's production point): the incoming particles, outgoing lepton, recoil and boson sit at the
production vertex, the boson's daughters at its decay vertex with vt = |decay - production| E/|k|, tau decay
products at the tau's decay vertex (:mod:`generator.tau_decays`; pi0 -> gamma gamma photons ~25 nm x gamma
later). ``proper_ct`` is the sampled proper decay distance c*t of an unstable particle in m: the boson's
(= ``proper_ctau_m``) and every tau's (decayed by Pythia 8, or with ``tau_decays = none`` drawn from the tau
lifetime), 0 otherwise; the flight from ``(vx, vy, vz)`` to the decay vertex is ``proper_ct`` |p|/m.

Status codes follow the Les Houches convention (-1 incoming, 1 final state, 2 decayed); mother
indices are 0-based into the event's own particle list, -1 = none (writers convert, e.g. LHE is
1-based with 0 = none). Units: GeV, metres, pb. Kinematics are lab frame, the beam along +z.

References
----------
Les Houches status and mother conventions: E. Boos et al., hep-ph/0109068; J. Alwall et al.,
Comput. Phys. Commun. 176 (2007) 300, hep-ph/0609017.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import awkward as ak
import numpy as np

from generator import constants

__all__ = [
    "EVENT_FIELDS",
    "PARTICLE_FIELDS",
    "WEIGHT_FIELDS",
    "RunInfo",
    "build_events",
    "check_events",
]

#: Per-particle fields: name -> (dtype, description).
PARTICLE_FIELDS: dict[str, tuple[str, str]] = {
    "pdgid": ("int32", "PDG Monte Carlo id"),
    "status": ("int32", "LHE status: -1 incoming, 1 final state, 2 decayed"),
    "mother1": ("int32", "0-based index of the first mother in the event, -1 = none"),
    "mother2": ("int32", "0-based index of the second mother in the event, -1 = none"),
    "E": ("float64", "energy in GeV (lab)"),
    "px": ("float64", "momentum x in GeV (lab)"),
    "py": ("float64", "momentum y in GeV (lab)"),
    "pz": ("float64", "momentum z in GeV (lab, beam axis)"),
    "m": ("float64", "mass in GeV"),
    "vx": ("float64", "production vertex x in m (lab)"),
    "vy": ("float64", "production vertex y in m (lab)"),
    "vz": ("float64", "production vertex z in m (lab, beam axis)"),
    "vt": ("float64", "production time c*t in m (lab), 0 at the event's production point"),
    "proper_ct": (
        "float64",
        "sampled proper decay distance c*t in m of an unstable particle (LHE VTIMUP), 0 if stable or not set",
    ),
}

#: Named weights, in the order writers emit them.
WEIGHT_FIELDS: dict[str, tuple[str, str]] = {
    "w_xsec": ("float64", "MC cross-section weight in pb"),
    "p_decay": ("float64", "probability to decay inside the decay volume (1 if not applied)"),
    "acceptance": ("float64", "daughter acceptance (1 if not applied)"),
    "weight": ("float64", "w_xsec * p_decay * acceptance"),
}

#: Per-event fields: name -> (type, description). ``particles`` and ``weights`` are records.
EVENT_FIELDS: dict[str, tuple[str, str]] = {
    "particles": (
        "var * particle",
        "all particles of the event, see PARTICLE_FIELDS and the module docstring",
    ),
    "prod_x": ("float64", "production vertex x in m"),
    "prod_y": ("float64", "production vertex y in m"),
    "prod_z": ("float64", "production vertex z in m"),
    "decay_x": ("float64", "boson decay vertex x in m (= prod_x if undecayed)"),
    "decay_y": ("float64", "boson decay vertex y in m (= prod_y if undecayed)"),
    "decay_z": ("float64", "boson decay vertex z in m (= prod_z if undecayed)"),
    "channel": ("int32", "index into RunInfo.channel_names, -1 if undecayed"),
    "ctau_m": ("float64", "mean proper decay length c*tau of the boson in m"),
    "proper_ctau_m": (
        "float64",
        "sampled proper decay distance c*t of the boson in m: |decay - production vertex| m/|k|, 0 if undecayed",
    ),
    "E_beam": ("float64", "incoming lepton energy at the production point in GeV"),
    "charge_flip": (
        "bool",
        "True if the boson's decay muons carry the muon number opposite to the beam lepton's (a -> mu+ tau-)",
    ),
    "weights": ("weights", "named weights, see WEIGHT_FIELDS"),
}

_FLAT_EVENT_FIELDS = [k for k in EVENT_FIELDS if k not in ("particles", "weights")]


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Run-level information every writer stores (cross section, beam, target, model, seed).

    >>> ri = RunInfo(process="scalar_brem", beam_pdg=13, beam_energy=160.0, target_z=82, target_a=207,
    ...              nucleus_mass=192.8, sigma_pb=1.0, error_pb=0.01, weighted=True)
    >>> ri.nucleus_pdg
    1000822070
    """

    process: str
    """Process name (a key of the registry, :data:`generator.registry.PROCESSES`)."""
    beam_pdg: int
    """PDG id of the incoming lepton."""
    beam_energy: float
    """Nominal beam energy in GeV (per event, ``E_beam`` is the energy at the production point)."""
    target_z: int
    """Atomic number Z of the target nucleus."""
    target_a: int
    """Mass number A of the target nucleus."""
    nucleus_mass: float
    """Target nucleus mass in GeV."""
    sigma_pb: float
    """Integrated cross section in pb."""
    error_pb: float
    """Its statistical error in pb."""
    weighted: bool
    """True if events carry varying weights; False if unweighted (all ``w_xsec`` equal)."""
    weight_names: tuple[str, ...] = tuple(WEIGHT_FIELDS)
    """Names of the per-event weights, in output order."""
    channel_names: tuple[str, ...] = ()
    """Decay channel names; the event field ``channel`` indexes this."""
    seed: int | None = None
    """Seed of the run's ``numpy.random.Generator``."""
    generator_version: str = ""
    """mudump version string."""
    n_events: int = 0
    """Number of events in the file (-1 / 0 if unknown when the header is written)."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Model parameters (model name, mass in GeV, couplings, ...), all JSON-serialisable."""
    event_norm: str = "average"
    """Weight normalisation of the files (MadGraph's ``event_norm``): ``"average"`` -- the mean of the
    cross-section weights over the file is sigma (Les Houches); ``"sum"`` -- their sum is sigma. The
    schema's ``w_xsec`` always sums to sigma; writers scale by ``n_events`` for ``"average"``."""
    boson: Mapping[str, Any] = field(default_factory=dict)
    """The new boson for the files' particle tables (LHE ``<slha>``): ``pdg``, ``name``, ``mass_GeV``,
    ``width_GeV``, ``decays`` = [[BR, [pdg1, pdg2], channel name], ...], ``charge3``, ``spin_states``
    (2S+1), ``colour``, ``self_conjugate``, and ``new_daughters`` = [{the same keys}, ...] for the new
    particles among its daughters (chi); empty if not given."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight_names", tuple(self.weight_names))
        object.__setattr__(self, "channel_names", tuple(self.channel_names))
        if self.beam_energy <= 0:
            raise ValueError(f"beam_energy = {self.beam_energy} GeV but require > 0")
        if not 1 <= self.target_z <= self.target_a:
            raise ValueError(f"target Z = {self.target_z}, A = {self.target_a} but require 1 <= Z <= A")
        if self.nucleus_mass <= 0:
            raise ValueError(f"nucleus_mass = {self.nucleus_mass} GeV but require > 0")
        if self.event_norm not in ("average", "sum"):
            raise ValueError(f"event_norm = {self.event_norm!r} but require 'average' or 'sum'")
        unknown = [w for w in self.weight_names if w not in WEIGHT_FIELDS]
        if unknown:
            raise ValueError(f"unknown weight names {unknown}; allowed: {list(WEIGHT_FIELDS)}")

    @property
    def nucleus_pdg(self) -> int:
        """PDG ion code 100ZZZAAA0 of the target nucleus."""
        return constants.nucleus_pdgid(self.target_z, self.target_a)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-serialisable if ``extra`` is), with ``nucleus_pdg`` added."""
        d = asdict(self)
        d["extra"] = dict(self.extra)
        d["boson"] = dict(self.boson)
        d["weight_names"] = list(self.weight_names)
        d["channel_names"] = list(self.channel_names)
        d["nucleus_pdg"] = self.nucleus_pdg
        return d

    def to_json(self) -> str:
        """Deterministic JSON string (sorted keys) of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), sort_keys=True, default=_json_default)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"RunInfo.extra value {obj!r} of type {type(obj).__name__} is not JSON-serialisable")


def _as_p4(name: str, a: np.ndarray, n: int | None) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 4 or (n is not None and a.shape[0] != n):
        raise ValueError(f"{name} has shape {a.shape} but require ({n if n is not None else 'n'}, 4)")
    return a


def _per_event(name: str, value: Any, n: int, dtype: Any = np.float64) -> np.ndarray:
    a = np.asarray(value, dtype=dtype)
    if a.ndim == 0:
        return np.full(n, a, dtype=dtype)
    if a.shape != (n,):
        raise ValueError(f"{name} has shape {a.shape} but require () or ({n},)")
    return a


def _vertex(name: str, v: np.ndarray | None, n: int, default: np.ndarray | None) -> np.ndarray:
    if v is None:
        return np.zeros((n, 3)) if default is None else default
    v = np.asarray(v, dtype=np.float64)
    if v.shape == (3,):
        v = np.broadcast_to(v, (n, 3))
    if v.shape != (n, 3):
        raise ValueError(f"{name} has shape {v.shape} but require (3,) or ({n}, 3) in m")
    return v


def _mass(p4: np.ndarray) -> np.ndarray:
    m2 = p4[..., 0] ** 2 - p4[..., 1] ** 2 - p4[..., 2] ** 2 - p4[..., 3] ** 2
    return np.sqrt(np.maximum(m2, 0.0))


def build_events(
    p_in: np.ndarray, P_in: np.ndarray, p_out: np.ndarray, P_out: np.ndarray, k: np.ndarray, *,
    lepton_in_pdg: int | np.ndarray, lepton_out_pdg: int | np.ndarray, nucleus_pdg: int, boson_pdg: int,
    daughters_p4: np.ndarray | None = None, daughters_pdg: np.ndarray | None = None,
    channel: np.ndarray | None = None, prod_vertex: np.ndarray | None = None,
    decay_vertex: np.ndarray | None = None, ctau_m: float | np.ndarray, w_xsec: float | np.ndarray,
    p_decay: float | np.ndarray | None = None, acceptance: float | np.ndarray | None = None,
    E_beam: float | np.ndarray | None = None, masses: tuple[float, float, float, float] | None = None,
    daughters_m: np.ndarray | None = None,
) -> ak.Array:
    """Assemble a batch of events in the mudump schema from numpy arrays (no loop over events).

    Parameters
    ----------
    p_in, P_in, p_out, P_out, k : ndarray, shape (n, 4)
        Lab four-momenta ``(E, px, py, pz)`` in GeV of the incoming lepton, target nucleus, outgoing
        lepton, recoil nucleus and new boson.
    lepton_in_pdg, lepton_out_pdg, nucleus_pdg, boson_pdg : int (the leptons: or ndarray of shape (n,))
        PDG ids (the nucleus as ``100ZZZAAA0``, see :func:`generator.constants.nucleus_pdgid`).
    daughters_p4 : ndarray, shape (n, 2, 4), optional
        Boson daughters' lab four-momenta in GeV (rows of undecayed events are ignored).
    daughters_pdg : ndarray of int, shape (n, 2), optional
        Daughters' PDG ids. Required with ``daughters_p4``.
    channel : ndarray of int, shape (n,), optional
        Channel index per event, -1 = undecayed. Required with ``daughters_p4``; an event is
        "decayed" (7 particles) iff ``channel >= 0``. Without ``daughters_p4`` all events are undecayed.
    prod_vertex : ndarray, shape (n, 3) or (3,), optional
        Production vertex in m (default: origin).
    decay_vertex : ndarray, shape (n, 3) or (3,), optional
        Decay vertex in m (default and for undecayed events: the production vertex).
    ctau_m : float or ndarray of shape (n,)
        Boson mean proper decay length c*tau in m. The per-event sampled value ``proper_ctau_m`` is
        computed here from the vertices: |decay_vertex - prod_vertex| * m / |k| (m the boson's nominal
        mass, ``masses[3]``, else that of ``k``), 0 for undecayed events and for |k| = 0.
    w_xsec : float or ndarray of shape (n,)
        MC cross-section weight in pb.
    p_decay, acceptance : float or ndarray of shape (n,), optional
        Decay-in-volume probability and daughter acceptance (default 1: not applied).
    E_beam : float or ndarray of shape (n,), optional
        Incoming lepton energy at the production point in GeV (default: ``p_in[:, 0]``).
    masses : tuple of 4 floats, optional
        Nominal masses in GeV of (incoming lepton, nucleus, outgoing lepton, boson). Default:
        ``sqrt(max(E^2 - p^2, 0))`` of each four-vector.
    daughters_m : ndarray, shape (n, 2), optional
        Nominal daughter masses in GeV (default: from ``daughters_p4``), e.g.
        ``np.array([c.masses for c in channels])[channel]``.

    Returns
    -------
    ak.Array
        ``n`` events in the schema of :data:`EVENT_FIELDS` (checked by :func:`check_events`).

    Raises
    ------
    ValueError
        On inconsistent shapes or missing daughter information.
    """
    moms = _momenta(p_in, P_in, p_out, P_out, k)
    n = len(moms[0])
    decayed, chan, d_p4, d_pdg = _daughters(n, daughters_p4, daughters_pdg, channel)
    ids = (lepton_in_pdg, nucleus_pdg, lepton_out_pdg, nucleus_pdg, boson_pdg)
    table = _particle_table(moms, ids, decayed, d_p4, d_pdg, masses, daughters_m)
    prod, dec, proper_ctau, vertices = _vertices(prod_vertex, decay_vertex, decayed, moms[4], table["m"][:, 4])
    weights = _weights(n, w_xsec, p_decay, acceptance)
    fields = {
        "particles": _jagged_particles({**table, **vertices}, decayed),
        "prod_x": np.ascontiguousarray(prod[:, 0]),
        "prod_y": np.ascontiguousarray(prod[:, 1]),
        "prod_z": np.ascontiguousarray(prod[:, 2]),
        "decay_x": np.ascontiguousarray(dec[:, 0]),
        "decay_y": np.ascontiguousarray(dec[:, 1]),
        "decay_z": np.ascontiguousarray(dec[:, 2]),
        "channel": chan.astype(np.int32),
        "ctau_m": _per_event("ctau_m", ctau_m, n),
        "proper_ctau_m": proper_ctau,
        "E_beam": _per_event("E_beam", moms[0][:, 0] if E_beam is None else E_beam, n),
        "charge_flip": _charge_flip(table["pdgid"][:, 0], d_pdg, decayed),
        "weights": weights,
    }
    return ak.zip(fields, depth_limit=1)


def _momenta(p_in: np.ndarray, P_in: np.ndarray, p_out: np.ndarray, P_out: np.ndarray, k: np.ndarray
             ) -> list[np.ndarray]:
    """The five four-momenta (n, 4) as float64 arrays, their shapes checked."""
    p_in = _as_p4("p_in", p_in, None)
    n = p_in.shape[0]
    return [p_in] + [
        _as_p4(nm, a, n) for nm, a in (("P_in", P_in), ("p_out", p_out), ("P_out", P_out), ("k", k))
    ]


def _jagged_particles(columns: dict[str, np.ndarray], decayed: np.ndarray) -> ak.Array:
    """The particle records from their [n, 7] columns, without the daughter slots of undecayed events."""
    keep = np.ones((len(decayed), 7), dtype=bool)
    keep[:, 5:] = decayed[:, None]
    counts = np.where(decayed, 7, 5).astype(np.int64)
    return ak.unflatten(ak.zip({name: a[keep] for name, a in columns.items()}), counts)


def _daughters(
    n: int, daughters_p4: np.ndarray | None, daughters_pdg: np.ndarray | None, channel: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(decayed, channel, daughter four-momenta (n, 2, 4), daughter ids (n, 2)), checked; zeros and
    channel -1 without daughters."""
    if daughters_p4 is None:
        if channel is not None and np.any(np.asarray(channel) >= 0):
            raise ValueError("channel >= 0 for some events but daughters_p4 is None")
        return np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int32), np.zeros((n, 2, 4)), np.zeros(
            (n, 2), dtype=np.int32)
    d_p4 = np.asarray(daughters_p4, dtype=np.float64)
    if d_p4.shape != (n, 2, 4):
        raise ValueError(f"daughters_p4 has shape {d_p4.shape} but require ({n}, 2, 4)")
    if daughters_pdg is None or channel is None:
        raise ValueError("daughters_p4 given but daughters_pdg or channel is None; give all three")
    d_pdg = np.asarray(daughters_pdg, dtype=np.int32)
    if d_pdg.shape != (n, 2):
        raise ValueError(f"daughters_pdg has shape {d_pdg.shape} but require ({n}, 2)")
    chan = _per_event("channel", channel, n, np.int32)
    if np.any(chan < -1):
        raise ValueError(f"channel min = {chan.min()} but require >= -1")
    return chan >= 0, chan, d_p4, d_pdg


def _particle_table(
    moms: list[np.ndarray], ids: tuple[int | np.ndarray, ...], decayed: np.ndarray, d_p4: np.ndarray,
    d_pdg: np.ndarray, masses: tuple[float, float, float, float] | None, daughters_m: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """Ids, status, mothers, four-momenta and masses of the 7 particle slots, [n, 7] per field: the
    incoming lepton, nucleus, outgoing lepton, recoil, boson (``moms``, ``ids``) and its two daughters."""
    n = len(decayed)
    p4 = np.empty((n, 7, 4))
    for i, a in enumerate(moms):
        p4[:, i] = a
    p4[:, 5:] = d_p4
    pdg = np.empty((n, 7), dtype=np.int32)
    for col, pdg_id in enumerate(ids):
        pdg[:, col] = pdg_id  # a scalar, or one id per event (a mixed mu+/mu- flux)
    pdg[:, 5:] = d_pdg
    status = np.broadcast_to(np.array([-1, -1, 1, 1, 1, 1, 1], dtype=np.int32), (n, 7)).copy()
    status[decayed, 4] = 2
    mother1 = np.broadcast_to(np.array([-1, -1, 0, 0, 0, 4, 4], dtype=np.int32), (n, 7))
    mother2 = np.broadcast_to(np.array([-1, -1, 1, 1, 1, -1, -1], dtype=np.int32), (n, 7))
    m = np.empty((n, 7))
    if masses is None:
        m[:, :5] = _mass(p4[:, :5])
    else:
        if len(masses) != 4:
            raise ValueError(
                f"masses = {masses} but require 4 values (lepton_in, nucleus, lepton_out, boson)"
            )
        m[:, :5] = np.array([masses[0], masses[1], masses[2], masses[1], masses[3]], dtype=np.float64)
    if daughters_m is None:
        m[:, 5:] = _mass(d_p4)
    else:
        dm = np.asarray(daughters_m, dtype=np.float64)
        if dm.shape != (n, 2):
            raise ValueError(f"daughters_m has shape {dm.shape} but require ({n}, 2)")
        m[:, 5:] = dm
    return {"pdgid": pdg, "status": status, "mother1": mother1, "mother2": mother2, "E": p4[..., 0],
            "px": p4[..., 1], "py": p4[..., 2], "pz": p4[..., 3], "m": m}


def _vertices(
    prod_vertex: np.ndarray | None, decay_vertex: np.ndarray | None, decayed: np.ndarray, k: np.ndarray,
    m_boson: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(production vertex, decay vertex, the boson's proper c*t, the particles' vx, vy, vz, vt, proper_ct
    [n, 7]): slots 0-4 at the production point (t = 0), the boson's daughters at its decay point."""
    n = len(decayed)
    prod = _vertex("prod_vertex", prod_vertex, n, None)
    dec = _vertex("decay_vertex", decay_vertex, n, prod)
    dec = np.where(decayed[:, None], dec, prod)
    k_abs = np.sqrt(k[:, 1] ** 2 + k[:, 2] ** 2 + k[:, 3] ** 2)
    flight = np.sqrt(np.sum((dec - prod) ** 2, axis=1))  # 0 for undecayed events (dec = prod)
    proper_ctau = np.divide(flight * m_boson, k_abs, out=np.zeros(n), where=k_abs > 0.0)
    t_dec = np.divide(flight * k[:, 0], k_abs, out=np.zeros(n), where=k_abs > 0.0)  # c t_lab
    v4 = np.empty((n, 7, 4))
    v4[:, :5, :3] = prod[:, None, :]
    v4[:, :5, 3] = 0.0
    v4[:, 5:, :3] = dec[:, None, :]
    v4[:, 5:, 3] = t_dec[:, None]
    pct = np.zeros((n, 7))
    pct[:, 4] = proper_ctau
    columns = {name: v4[..., i] for i, name in enumerate(("vx", "vy", "vz", "vt"))}
    return prod, dec, proper_ctau, {**columns, "proper_ct": pct}


def _charge_flip(beam_pdg: np.ndarray, d_pdg: np.ndarray, decayed: np.ndarray) -> np.ndarray:
    """The boson's muons carry the opposite muon number to the beam lepton's."""
    l_mu_beam = np.where(beam_pdg == 13, 1, np.where(beam_pdg == -13, -1, 0))
    l_mu_dau = (np.sum(d_pdg == 13, axis=1) - np.sum(d_pdg == -13, axis=1)) * decayed
    return (l_mu_beam != 0) & (l_mu_dau == -l_mu_beam)


def _weights(
    n: int, w_xsec: float | np.ndarray, p_decay: float | np.ndarray | None, acceptance: float | np.ndarray | None
) -> ak.Array:
    """The named weights (WEIGHT_FIELDS); p_decay and acceptance 1 if not applied."""
    w_x = _per_event("w_xsec", w_xsec, n)
    p_d = _per_event("p_decay", 1.0 if p_decay is None else p_decay, n)
    acc = _per_event("acceptance", 1.0 if acceptance is None else acceptance, n)
    return ak.zip({"w_xsec": w_x, "p_decay": p_d, "acceptance": acc, "weight": w_x * p_d * acc})


def _primitive(layout_type: Any) -> str | None:
    return getattr(layout_type, "primitive", None)


def check_events(events: ak.Array) -> None:
    """Validate that ``events`` follows the schema (fields, dtypes, particle layout, weight product).

    Parameters
    ----------
    events : ak.Array
        A batch of events.

    Raises
    ------
    TypeError
        If ``events`` is not an awkward Array.
    ValueError
        Naming the first violation found.
    """
    if not isinstance(events, ak.Array):
        raise TypeError(f"events is a {type(events).__name__} but require an awkward Array")
    _check_types(events)
    decayed = ak.to_numpy(events.channel) >= 0
    _check_particle_counts(events, decayed)
    _check_status_and_mothers(events, decayed)
    _check_weights_and_vertices(events, decayed)


def _check_types(events: ak.Array) -> None:
    """The event, particle and weight fields in schema order, each of its dtype."""
    fields = list(ak.fields(events))
    if fields != list(EVENT_FIELDS):
        raise ValueError(f"event fields {fields} but require {list(EVENT_FIELDS)}")
    pfields = list(ak.fields(events.particles))
    if pfields != list(PARTICLE_FIELDS):
        raise ValueError(f"particle fields {pfields} but require {list(PARTICLE_FIELDS)}")
    wfields = list(ak.fields(events.weights))
    if wfields != list(WEIGHT_FIELDS):
        raise ValueError(f"weight fields {wfields} but require {list(WEIGHT_FIELDS)}")
    if events.particles.ndim != 2:
        raise ValueError(f"particles has {events.particles.ndim} dimensions but require 2 (event, particle)")
    for name, (dtype, _) in PARTICLE_FIELDS.items():
        got = _primitive(ak.type(events.particles[name]).content.content)
        if got != dtype:
            raise ValueError(f"particles.{name} has dtype {got} but require {dtype}")
    for name in _FLAT_EVENT_FIELDS:
        got = _primitive(ak.type(events[name]).content)
        if got != EVENT_FIELDS[name][0]:
            raise ValueError(f"{name} has dtype {got} but require {EVENT_FIELDS[name][0]}")
    for name, (dtype, _) in WEIGHT_FIELDS.items():
        got = _primitive(ak.type(events.weights[name]).content)
        if got != dtype:
            raise ValueError(f"weights.{name} has dtype {got} but require {dtype}")


def _check_particle_counts(events: ak.Array, decayed: np.ndarray) -> None:
    """7 particles if decayed else 5, plus tau decay products (:mod:`generator.tau_decays`)."""
    counts = ak.to_numpy(ak.num(events.particles))
    base = np.where(decayed, 7, 5)
    bad = counts < base
    if np.any(counts > base):  # particles beyond the base must be tau decay products (generator.tau_decays)
        parts = events.particles
        extra = ak.local_index(parts) >= ak.Array(base)[:, None]
        mother = ak.where(parts.mother1 >= 0, parts.mother1, 0)
        from_tau = abs(parts.pdgid[mother]) == constants.PDG_TAU
        bad |= ak.to_numpy(ak.any(extra & ~from_tau, axis=1))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        channel = ak.to_numpy(events.channel)
        raise ValueError(
            f"event {i} has {counts[i]} particles with channel {channel[i]} but require 7 if channel >= 0 "
            "else 5, plus tau decay products (mother a tau)"
        )


def _check_status_and_mothers(events: ak.Array, decayed: np.ndarray) -> None:
    """Les Houches status of the incoming particles and the boson; mothers earlier in the event."""
    status = events.particles.status
    st4 = ak.to_numpy(status[:, 4])
    if np.any(st4 != np.where(decayed, 2, 1)):
        raise ValueError("boson status must be 2 if decayed (channel >= 0) else 1")
    if np.any(ak.to_numpy(status[:, 0]) != -1) or np.any(ak.to_numpy(status[:, 1]) != -1):
        raise ValueError("particles [0] and [1] must be incoming (status -1)")
    if np.any(ak.to_numpy(events.particles.mother1[:, 2]) != 0):
        raise ValueError("particle [2] must have mother1 = 0")
    m1 = ak.flatten(events.particles.mother1)
    if len(m1) and (
        ak.min(m1) < -1 or np.any(ak.to_numpy(m1 >= ak.flatten(ak.local_index(events.particles))))
    ):
        raise ValueError("mother indices must be -1 or point to an earlier particle")


def _check_weights_and_vertices(events: ak.Array, decayed: np.ndarray) -> None:
    """weight = w_xsec p_decay acceptance; proper decay distances >= 0; undecayed: decay = production vertex."""
    w = events.weights
    prod = ak.to_numpy(w.w_xsec * w.p_decay * w.acceptance)
    weight = ak.to_numpy(w.weight)
    if not np.allclose(weight, prod, rtol=1e-12, atol=0.0):
        raise ValueError("weights.weight != w_xsec * p_decay * acceptance")
    undec = ~decayed
    proper = ak.to_numpy(events.proper_ctau_m)
    if np.any(~(proper >= 0.0)) or np.any(proper[undec] != 0.0):
        raise ValueError("proper_ctau_m must be >= 0, and 0 for undecayed events")
    pct = ak.to_numpy(ak.flatten(events.particles.proper_ct))
    if np.any(~(pct >= 0.0)):
        raise ValueError("particles.proper_ct must be >= 0 (0 = stable or not set)")
    for ax in "xyz":
        if np.any(ak.to_numpy(events[f"decay_{ax}"])[undec] != ak.to_numpy(events[f"prod_{ax}"])[undec]):
            raise ValueError(f"decay_{ax} != prod_{ax} for an undecayed event")
