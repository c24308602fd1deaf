r"""The process spec of  mu N -> mu N S  (dark scalar S, CP-even or with a CP mixing angle), DESIGN.md rule 2.

The vertex is  -g S lbar (cos phi + i sin phi gamma5) l  with phi = ``cp_angle`` in [-pi/2, pi/2]: 0 is the
CP-even scalar of Chen-Pospelov-Zhong, pi/2 a pure pseudoscalar (the parity-odd case of Rella-Doebrich-Yu);
cos phi >= 0 keeps the sign of the CP-even coupling (widths, Delta a_mu: :class:`generator.models.ScalarModel`).
The approximations (WW, IWW) are those of the CP-even scalar and are refused for cp_angle != 0.

Everything the generator knows of this process is here: the exact 2->3 kernels
(:mod:`generator.processes.scalar_brems`, vertex Gamma = 1), the models (leptophilic g_l = g_mu m_l/m_mu,
muonphilic, free g_e, g_mu, g_tau; :class:`generator.models.ScalarModel`), the decay channels S -> l+ l-,
gamma gamma (:func:`generator.decays.scalar_channels`), its card fields (``g_e``, ``g_tau`` for the free
model; ``iww_end_point`` for the IWW method) and its approximate methods:

* ``iww`` — improved Weizsaecker–Williams, Chen–Pospelov–Zhong eqs. (12)–(13): d sigma/dx with the
  x-independent photon flux chi(t_min = m_S^4/4E^2); x integrated up to 1 as printed in the paper, or up
  to the kinematic end point 1 - m_mu/E with ``iww_end_point = kinematic``
  (:mod:`generator.processes.iww`).
* ``ww`` — Weizsaecker–Williams with the exact t_min(x, theta_S) per point and the 2->2 amplitude
  gamma mu -> mu S from the same spinor kernel (the DMG4 choice; :mod:`generator.processes.ww`). WW is a
  family: near threshold the variants differ by up to 2x (3 GeV, m = 1 GeV), so the summary names this one.

References: Chen, Pospelov, Zhong, PRD 95 115005 (2017); Kim & Tsai, PRD 8 (1973) 3109.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .._schema import CardFloat, card_choice
from ..constants import M_MU, PDG_DARK_SCALAR, PDG_MUON
from ..decays import scalar_channels
from ..models import ScalarModel
from ..phase_space import DIM
from ..process_spec import Approximation, KernelRef, Param, Process, Range, TargetLike

__all__ = ["SCALAR"]

#: Models of the scalar: name -> how the lepton couplings follow from g_mu.
MODELS = ("leptophilic", "muonphilic", "free")
#: The scalar's own parameters (run-card keys, CLI options, ``cross_section`` keywords).
PARAMS = (
    Param("g_e", CardFloat, 0.0, "electron coupling of S, model = free only (signed: the gamma gamma loop)",
          "a real number (0 unless model = free)"),
    Param("g_tau", CardFloat, 0.0, "tau coupling of S, model = free only (signed)",
          "a real number (0 unless model = free)"),
    Param("cp_angle", CardFloat, 0.0,
          "CP mixing angle phi, vertex g (cos phi + i sin phi g5): 0 = CP-even scalar, pi/2 = pseudoscalar",
          "-pi/2 <= cp_angle <= pi/2 (rad)", unit="rad", check=Range(-math.pi / 2, math.pi / 2)),
    Param("iww_end_point", card_choice("paper", "kinematic"), "paper",
          "upper end of the IWW x integral: paper = 1 (Chen-Pospelov-Zhong eqs. 12-15), kinematic = 1 - m_mu/E",
          "paper or kinematic", method="iww"),
)


def make_model(name: str, coupling: float, params: Mapping[str, Any]) -> ScalarModel:
    """The :class:`ScalarModel` of a card: ``name`` in :data:`MODELS`, g_mu = ``coupling``."""
    if name == "free":
        return ScalarModel.free(params["g_e"], coupling, params["g_tau"], cp_angle=params["cp_angle"])
    return ScalarModel.from_name(name, coupling, cp_angle=params["cp_angle"])


def vertex(params: Mapping[str, Any]) -> tuple[float, float]:
    """(c_s, c_p) = (cos phi, sin phi) of the kernel's vertex c_s + c_p gamma5 at unit coupling.

    The Lagrangian's i in front of sin phi gamma5 is dropped: the spin-summed |M|^2 has no c_s c_p cross
    term, so |M|^2(phi) = cos^2 phi |M|^2(0) + sin^2 phi |M|^2(pi/2) with either phase (checked numerically
    point by point to 1e-15); phi and -phi (CP conjugates) give the same rates."""
    phi = float(params["cp_angle"])
    return math.cos(phi), math.sin(phi)


def decay_channels(model: ScalarModel, mass: float) -> list:
    """The open channels of S, in the order of ``model.partial_widths(mass)``."""
    widths = model.partial_widths(mass)
    by_name = {c.name: c for c in scalar_channels()}
    return [by_name[name] for name in widths]


def validate(config: Any) -> tuple[str, str, str] | None:
    """g_e and g_tau are free parameters of ``model = free`` only; the other models fix them. WW and IWW are
    the CP-even scalar's: refused for cp_angle != 0."""
    if config.method != "exact" and config.params["cp_angle"] != 0:
        problem = (f"cp_angle = {config.params['cp_angle']} but method = {config.method!r} is the CP-even "
                   "scalar's approximation")
        return "cp_angle", problem, "cp_angle = 0, or method = exact"
    if config.model != "free":
        for key in ("g_e", "g_tau"):
            if config.params[key] != 0:
                return key, f"{key} = {config.params[key]} but model = {config.model!r} fixes it", \
                    f"{key} = 0, or model = free"
    return None


def _sigma_iww(energy: float, mass: float, target: TargetLike, ff_kind: int,
               params: Mapping[str, Any]) -> tuple[float, float]:
    from .iww import (
        sigma_iww,  # imported when the method is asked for (issue 19: the registry loads no kernel)
    )

    kinematic = params["iww_end_point"] == "kinematic"
    x_cut = 1.0 - M_MU / energy if kinematic else None
    cs = sigma_iww(energy, mass, 1.0, target.z, target.a, ff_kind, x_max=x_cut)
    return cs.sigma_pb, cs.error_pb


def _sigma_ww(energy: float, mass: float, target: TargetLike, ff_kind: int,
              params: Mapping[str, Any]) -> tuple[float, float]:
    from .ww import sigma_ww

    s = sigma_ww(energy, mass, target.z, target.a, ff_kind)
    s2 = sigma_ww(energy, mass, target.z, target.a, ff_kind, n_x=80, n_theta=80)
    return s, abs(s - s2)


SCALAR = Process(
    name="scalar",
    description="mu N -> mu N S (CP-even scalar, photon exchange, exact tree level)",
    lepton_in_pdg=PDG_MUON,
    lepton_out_pdg=PDG_MUON,
    boson_pdg=PDG_DARK_SCALAR,
    m_in=M_MU,
    m_out=M_MU,
    dim=DIM,
    dsigma=KernelRef("generator.processes.scalar_brems", "dsigma_batch"),
    kinematics=KernelRef("generator.processes.scalar_brems", "kinematics_batch"),
    models=MODELS,
    make_model=make_model,
    decay_channels=decay_channels,
    params=PARAMS,
    validate=validate,
    vertex=vertex,
    spin=0,
    boson_label="S",
    coupling_label=r"$g_\mu$",
    example={"model": "leptophilic", "mass": 0.1, "coupling": 5e-4, "target": "Pb", "beam_energy": 160.0},
    approximations={
        "ww": Approximation("ww", "WW with the exact t_min(x, theta_S) and the 2->2 gamma mu -> mu S "
                            "amplitude (DMG4's choice; generator/processes/ww.py)", _sigma_ww),
        "iww": Approximation("iww", "improved WW, Chen-Pospelov-Zhong eqs. (12)-(13), x up to 1 as printed "
                             "(iww_end_point = kinematic: x <= 1 - m_mu/E)", _sigma_iww),
    },
    form_factors=("tsai", "tsai_unsquared", "lfv"),
    coupling_name="g_mu",
)
