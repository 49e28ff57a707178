"""Synthetic insole generator: shapes, determinism, ground truth and plan validation."""

from __future__ import annotations

import numpy as np
import pytest

from gait import RecordingValidationError, get_layout, synthesize
from gait.insole import synthesize_with_truth


def test_shapes_and_truth_consistency():
    rec, truth = synthesize_with_truth([("standing", 5), ("walking", 30)], n_sensors=16, seed=3)
    assert rec.sampling_rate_hz == 100.0
    assert rec.left.values.shape == (3500, 16)
    assert rec.right.values.shape == (3500, 16)
    assert np.all(rec.left.values >= 0)
    np.testing.assert_allclose(rec.left.sensor_xy_mm, get_layout(16).xy_mm)
    for side in ("left", "right"):
        ic, fc = truth.ic_s[side], truth.fc_s[side]
        assert ic.size >= 20
        assert np.all(np.diff(ic) > 0.5)
        done = np.isfinite(fc)
        assert np.all(fc[done] > ic[done])
        # Stance share of walking contacts follows the requested 62 %.
        stance = (fc[done][:-1] - ic[done][:-1]) / np.diff(ic[done])
        assert 0.55 < np.median(stance) < 0.70
    assert truth.activity == ((0.0, 5.0, "standing"), (5.0, 35.0, "walking"))


def test_deterministic_by_seed():
    a = synthesize([("walking", 10)], seed=1)
    b = synthesize([("walking", 10)], seed=1)
    c = synthesize([("walking", 10)], seed=2)
    np.testing.assert_array_equal(a.left.values, b.left.values)
    assert not np.array_equal(a.left.values, c.left.values)


def test_walking_has_double_support_and_running_has_flight():
    rec, _ = synthesize_with_truth([("walking", 20)], noise_n=0.0)
    lo, ro = rec.left.total > 5, rec.right.total > 5
    assert np.mean(lo & ro) > 0.1
    assert np.mean(~lo & ~ro) < 0.01
    rec, _ = synthesize_with_truth([("running", 20)], noise_n=0.0)
    lo, ro = rec.left.total > 5, rec.right.total > 5
    assert np.mean(~lo & ~ro) > 0.1
    # Running peaks are well above body weight; standing carries about half of it per foot.
    assert rec.left.total.max() > 2.0 * 70 * 9.81
    rec = synthesize([("standing", 10)], noise_n=0.0)
    np.testing.assert_allclose(np.median(rec.left.total + rec.right.total), 70 * 9.81, rtol=0.05)


def test_imu_optional():
    assert synthesize([("walking", 5)]).left.imu is None
    rec = synthesize([("walking", 5)], with_imu=True)
    assert rec.left.imu.shape == (500, 6)


def test_eight_sensor_layout():
    rec = synthesize([("walking", 5)], n_sensors=8, sampling_rate_hz=300.0)
    assert rec.left.values.shape == (1500, 8)


@pytest.mark.parametrize(
    "plan",
    [[], [("flying", 3)], [("walking", -1)], [("walking",)], [("walking", float("nan"))]],
)
def test_bad_plans(plan):
    with pytest.raises(RecordingValidationError):
        synthesize(plan)


def test_unknown_sensor_count():
    with pytest.raises(RecordingValidationError, match="layout"):
        synthesize([("walking", 5)], n_sensors=5)
