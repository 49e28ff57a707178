"""Foot-model fit: steps stay inside a trust region, so a non-foot cannot run the fit away."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("threadpoolctl")

from footscan._fit import (
    _MAX_STEP_ROT_RAD,
    _MAX_STEP_SD,
    _MAX_STEP_SHIFT_FRAC,
    _trust_region,
    fit_foot_model,
)
from footscan._shape_model import load_shape_basis


def test_a_huge_step_is_scaled_into_the_trust_region() -> None:
    sd = load_shape_basis().mode_sd
    delta = np.concatenate([[3.0, 0.0, 0.0], [1e6, 0.0, 0.0], 1e9 * sd])
    step = _trust_region(delta, sd, 260.0)
    assert np.linalg.norm(step[:3]) <= _MAX_STEP_ROT_RAD + 1e-12
    assert np.linalg.norm(step[3:6]) <= _MAX_STEP_SHIFT_FRAC * 260.0 + 1e-9
    assert np.abs(step[6:] / sd).max() <= _MAX_STEP_SD + 1e-9
    # One factor for the whole step: its direction is kept.
    assert np.allclose(step / np.linalg.norm(step), delta / np.linalg.norm(delta))


def test_a_small_step_is_left_alone() -> None:
    sd = load_shape_basis().mode_sd
    delta = np.concatenate([[0.01, 0.0, 0.0], [1.0, 0.0, 0.0], 0.1 * sd])
    assert np.array_equal(_trust_region(delta, sd, 260.0), delta)


def test_fit_to_a_box_of_random_points_stays_finite() -> None:
    # Not a foot at all (a chair made the unlimited fit diverge to RMS 1e17): the fit must
    # stay finite so that the "is it a foot" gate can refuse it with numbers that mean something.
    rng = np.random.default_rng(0)
    pts = rng.uniform([0.0, -60.0, 0.0], [260.0, 60.0, 90.0], (3000, 3))
    fit = fit_foot_model(pts, 260.0, max_iter=15)
    assert np.isfinite(fit.rms_mm) and fit.rms_mm < 100.0
    assert np.all(np.isfinite(fit.vertices_mm))
