"""Strides and summary against synthetic ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from gait import analyze
from gait.analysis._strides import StrideTable, clean_mask
from gait.insole import synthesize_with_truth


@pytest.fixture(scope="module")
def report_and_truth():
    rec, truth = synthesize_with_truth(
        [("walking", 150)], stride_s=1.2, stride_cv=0.03, stance_frac=0.64, seed=11
    )
    return analyze(rec), truth


def test_stride_times_match_truth(report_and_truth):
    rep, truth = report_and_truth
    t = rep.tables["left"]
    ic = truth.ic_s["left"]
    true_stride = np.diff(ic)
    # Each of our strides corresponds to the true stride starting nearest to it.
    k = np.abs(t.ic_s[:, None] - ic[None, :-1]).argmin(axis=1)
    err = t.stride_s - true_stride[k]
    assert np.median(np.abs(err)) <= 0.011
    assert t.n >= len(true_stride) - 3


def test_summary_close_to_generator(report_and_truth):
    rep, _ = report_and_truth
    s = rep.summary
    assert s.cadence_spm == pytest.approx(100.0, rel=0.02)
    assert s.stance_pct == pytest.approx(64.0, abs=2.5)
    assert s.swing_pct == pytest.approx(36.0, abs=2.5)
    # Double support = 2 x (stance - 50 %) of the stride.
    assert s.double_support_pct == pytest.approx(28.0, abs=4.0)
    assert abs(s.symmetry_index_pct) < 5.0
    # Cleaning removes the tails, so the CV sits a little below the generator's 3 %.
    assert 1.8 <= s.stride_cv_pct <= 3.5


def test_clean_mask_drops_bout_edges_and_outliers():
    ic = np.arange(30) * 1.0
    nxt = ic + 1.0
    nxt[15] += 0.5  # a turn
    t = StrideTable("left", ic, ic + 0.6, nxt, np.zeros(30, np.int64), np.full(30, np.nan))
    keep = clean_mask(t, trim_strides=5)
    assert not keep[:5].any() and not keep[-5:].any()
    assert not keep[15]
    assert keep[5:15].all()


def test_pause_splits_bouts():
    rec, _ = synthesize_with_truth([("walking", 20), ("standing", 5), ("walking", 20)], seed=2)
    t = analyze(rec).tables["left"]
    assert len(np.unique(t.bout)) == 2
    assert t.stride_s.max() < 2.5


def test_clean_mask_without_trimming_keeps_bout_edges():
    ic = np.arange(12) * 1.0
    t = StrideTable("left", ic, ic + 0.6, ic + 1.0, np.zeros(12, np.int64), np.full(12, np.nan))
    assert clean_mask(t, trim_strides=0).all()


def test_short_mixed_walk_has_means_but_no_cv():
    rec, _ = synthesize_with_truth([("walking", 12), ("running", 8), ("walking", 12)], seed=5)
    s = analyze(rec).summary
    assert s.cadence_spm == pytest.approx(111, rel=0.05)  # running strides are left out
    assert s.stride_cv_pct is None  # too few cleaned strides for a variability estimate
