"""Faster forms used by the gait analysis give exactly what the plain numpy forms give."""

from __future__ import annotations

import numpy as np
import pytest

from gait.analysis._quantiles import finite_rows


@pytest.mark.parametrize("k", [1, 3, 8, 16, 24, 32])
def test_finite_rows_equal_isfinite_all(k):
    rng = np.random.default_rng(k)
    v = rng.normal(size=(5000, k))
    for bad in (np.nan, np.inf, -np.inf):
        i = rng.integers(0, v.shape[0], 200)
        j = rng.integers(0, k, 200)
        v[i, j] = bad
    want = np.isfinite(v).all(axis=1)
    assert np.array_equal(finite_rows(v), want)
    assert np.array_equal(finite_rows(v[::3]), want[::3])  # not contiguous
    assert np.array_equal(finite_rows(v[:0]), want[:0])


@pytest.mark.parametrize("k", [1, 5, 8, 16, 24])
def test_rows_all_any_equal_numpy(k):
    from gait.readers._rows import rows_all, rows_any

    rng = np.random.default_rng(10 + k)
    for p in (0.02, 0.5, 0.98):
        b = rng.random((3000, k)) < p
        b[:5] = True
        b[5:10] = False
        assert np.array_equal(rows_all(b), b.all(axis=1))
        assert np.array_equal(rows_any(b), b.any(axis=1))
        assert np.array_equal(rows_all(b[::2]), b[::2].all(axis=1))
        assert np.array_equal(rows_any(b[::2]), b[::2].any(axis=1))


def test_in_recent_equals_isin():
    from gait.insole._foot_stream import in_recent

    rng = np.random.default_rng(3)
    for n, m, shared in ((32768, 4096, 0), (32768, 4096, 17), (10, 4096, 3), (5000, 1, 1)):
        h = rng.integers(0, 2**63, n, dtype=np.int64).view(np.uint64)
        recent = rng.integers(0, 2**63, m, dtype=np.int64).view(np.uint64)
        recent[:shared] = h[rng.integers(0, n, shared)]
        h[: n // 3] = h[0]  # repeated values in the batch
        assert np.array_equal(in_recent(h, recent), np.isin(h, recent))
    assert not in_recent(np.zeros(0, np.uint64), recent).size


def test_column_base_remembered_by_pressure_equals_nanpercentile():
    from gait import synthesize
    from gait.analysis._pipeline import analyze
    from gait.analysis._pressure import _BASE_KEY, column_base

    rec = synthesize([("walking", 60.0), ("standing", 20.0)], sampling_rate_hz=100.0)
    analyze(rec)
    for foot in rec.feet.values():
        want = np.nanpercentile(foot.values, 2.0, axis=0)
        if np.isfinite(foot.values).all():
            assert _BASE_KEY in foot.__dict__
        assert np.array_equal(column_base(foot), want)
