"""Small immutable result containers shared by the integrators (IWW quadrature, VEGAS, ...).

Units: cross sections in pb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["CrossSection"]


@dataclass(frozen=True, slots=True)
class CrossSection:
    """A total cross section with its numerical-integration uncertainty.

    Examples
    --------
    >>> CrossSection(1.0, 0.01, "iww").relative_error
    0.01
    """

    sigma_pb: float
    """Cross section in pb."""
    error_pb: float
    """Estimated absolute integration error in pb (not a physics uncertainty)."""
    method: str
    """How it was computed, e.g. ``"iww"`` (quadrature of the IWW dσ/dx) or ``"exact"`` (VEGAS)."""
    n_eval: int = 0
    """Number of integrand evaluations used (0 if unknown)."""
    chi2_dof: float = math.nan
    """χ²/dof of the VEGAS iterations (nan for deterministic quadrature)."""

    @property
    def relative_error(self) -> float:
        """error_pb / sigma_pb (nan when sigma_pb == 0)."""
        return self.error_pb / self.sigma_pb if self.sigma_pb != 0.0 else math.nan

    def scaled(self, factor: float) -> CrossSection:
        """Return the cross section multiplied by ``factor`` (e.g. g² reweighting, DESIGN.md rule 3)."""
        return CrossSection(
            self.sigma_pb * factor, abs(self.error_pb * factor), self.method, self.n_eval, self.chi2_dof
        )
