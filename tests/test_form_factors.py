"""Tests for generator.form_factors: atomic screening at small t, G2 ≈ Z² plateau (docs/physics.md section 6)."""

from __future__ import annotations

import numpy as np
import pytest

from generator.form_factors import FF_LFV, FF_TSAI, FF_TSAI_UNSQUARED, g2, g2_array

PB = (82.0, 207.2)


@pytest.mark.parametrize("kind", [FF_TSAI, FF_TSAI_UNSQUARED, FF_LFV])
def test_g2_screened_as_t_goes_to_zero(kind):
    t = np.logspace(-20, -12, 9)
    vals = g2_array(t, *PB, kind)
    assert np.all(vals >= 0)
    assert np.all(np.diff(vals) > 0)  # grows with t below the screening scale
    assert vals[0] < 1e-10 * 82**2
    assert g2(0.0, *PB, kind) == 0.0


@pytest.mark.parametrize("kind", [FF_TSAI, FF_TSAI_UNSQUARED, FF_LFV])
@pytest.mark.parametrize("t", [1e-6, 1e-5, 1e-4])
def test_g2_plateau_is_z_squared(kind, t):
    """Between atomic screening (1/a² ~ 4e-10 GeV²) and the nuclear scale (d ~ 5e-3 GeV²)."""
    assert g2(t, *PB, kind) / 82**2 == pytest.approx(1.0, abs=0.05)


def test_g2_nuclear_suppression_and_lfv_cutoff():
    assert g2(0.5, *PB, FF_TSAI) < 1e-3 * 82**2
    assert g2(1.5, *PB, FF_LFV) == 0.0
