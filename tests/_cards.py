"""Small run cards shared by the end-to-end tests (Pb target, leptophilic S, g_mu = 5e-4)."""

from __future__ import annotations


def small_card(*, mass: float, energy: float, seed: int, nevents: int, weighted: bool = False,
               nitn_adapt: int = 4, neval: int = 5000, extra: str = "") -> str:
    """A quick card: precision 3 %, few VEGAS iterations; ``extra`` lines are appended verbatim."""
    return f"""# small test card
  scalar        = process
  leptophilic   = model
  {mass!r}      = mass
  5e-4          = coupling
  Pb            = target
  {energy!r}    = beam_energy
  {nevents}     = nevents
  {weighted}    = weighted
  {seed}        = seed
  0.03          = precision
  {nitn_adapt}  = nitn_adapt
  {neval}       = neval
{extra}"""
