"""Event detection: known answers, drift, gain, dropouts and gaps."""

from __future__ import annotations

import numpy as np
import pytest

from gait import EventParams, FootSignal, detect_foot_events
from gait.analysis._events import (
    detect_contacts,
    fill_short_gaps,
    hysteresis_state,
    normalise_force,
)
from gait.insole import synthesize_with_truth


@pytest.fixture(scope="module")
def walk():
    return synthesize_with_truth([("standing", 5), ("walking", 60)], n_sensors=16, seed=7)


def _match_errors(found_s, truth_s):
    truth_s = truth_s[np.isfinite(truth_s)]
    d = found_s[:, None] - truth_s[None, :]
    j = np.abs(d).argmin(axis=1)
    return d[np.arange(found_s.size), j], np.unique(j).size


def test_hysteresis_known_answer():
    x = np.array([0, 0.2, 0.5, 0.3, 0.15, 0.05, 0.2, 0.5, np.nan, 0.1, 0.0])
    s = hysteresis_state(x, lo=0.1, hi=0.4)
    np.testing.assert_array_equal(s, [0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0])


def test_fill_short_gaps():
    x = np.array([0.0, np.nan, 2.0, np.nan, np.nan, np.nan, 6.0, np.nan])
    y = fill_short_gaps(x, 1)
    np.testing.assert_allclose(y[:3], [0, 1, 2])
    assert np.isnan(y[3:6]).all() and np.isnan(y[7])


def test_constant_signal_is_unusable():
    norm, usable = normalise_force(np.full(3000, 350.0), 100.0)
    assert not usable and np.isnan(norm).all()


def test_events_match_truth(walk):
    rec, truth = walk
    for side, foot in rec.feet.items():
        ev = detect_foot_events(foot, rec.sampling_rate_hz)
        assert ev.usable
        n_true = int(np.sum(truth.ic_s[side] > 5.0))
        e_ic, n_matched = _match_errors(ev.ic_s, truth.ic_s[side])
        assert n_matched >= n_true - 1
        assert np.median(np.abs(e_ic)) <= 0.015  # within 1-2 samples at 100 Hz
        e_fc, _ = _match_errors(ev.fc_s[ev.fc_ok], truth.fc_s[side])
        assert np.median(np.abs(e_fc)) <= 0.02


def test_robust_to_drift_gain_and_dropouts(walk):
    rec, truth = walk
    fs = rec.sampling_rate_hz
    v = rec.right.values.copy()
    n = v.shape[0]
    # 3x gain, a slow baseline drift of 40 % of the peak load, and 30 ms dropouts.
    drift = np.linspace(0, 0.4 * v.sum(axis=1).max(), n) / v.shape[1]
    v = 3.0 * v + drift[:, None]
    rng = np.random.default_rng(0)
    for start in rng.integers(600, n - 10, 25):
        v[start : start + 3] = np.nan
    foot = FootSignal("right", v, rec.right.sensor_xy_mm)
    ev = detect_foot_events(foot, fs)
    e_ic, n_matched = _match_errors(ev.ic_s, truth.ic_s["right"])
    assert n_matched >= int(np.sum(truth.ic_s["right"] > 5.0)) - 2
    assert np.median(np.abs(e_ic)) <= 0.02


def test_no_contact_spans_a_long_gap(walk):
    rec, _ = walk
    fs = rec.sampling_rate_hz
    v = rec.left.values.copy()
    v[3000:3200] = np.nan  # 2 s gap
    valid = np.ones(v.shape[0], bool)
    valid[3000:3200] = False
    ev = detect_foot_events(FootSignal("left", v, valid=valid), fs)
    for a, b, ok_a, ok_b in zip(ev.ic, ev.fc, ev.ic_ok, ev.fc_ok, strict=True):
        if a < 3200 and b > 3000:
            assert not (ok_a and ok_b)
    # Contacts before and after are still found.
    assert np.any(ev.ic < 2900) and np.any(ev.ic > 3300)


def test_debounce_merges_short_blips():
    fs = 100.0
    x = np.zeros(400)
    x[50:120] = 1.0
    x[122:124] = 0.0  # 20 ms dip inside a contact: not a swing
    x[200:202] = 1.0  # 20 ms spike: not a contact
    ic, fc, _, _ = detect_contacts(x, fs, EventParams())
    assert ic.tolist() == [50] and fc.tolist() == [120]
