"""The session reader's row fingerprints in C give the numpy code's bits."""

from __future__ import annotations

import numpy as np
import pytest

from gait.insole import _foot_stream
from gait.insole._session import fnv_rows, int_columns

_rowhash = _foot_stream._rowhash


def test_the_extension_is_built_where_the_project_is_set_up() -> None:
    assert _rowhash is not None, "gait/insole/_rowhash.c was not built (setup.py, gcc)"


@pytest.mark.parametrize("with_imu", [True, False])
def test_fold_is_fnv_rows_of_int_columns(with_imu: bool) -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    vals = rng.integers(0, 4096, (n, 16)).astype(np.float64)
    imu = rng.integers(-32768, 32768, (n, 6)).astype(np.float64) if with_imu else None
    seed = rng.integers(0, 2**63, n, dtype=np.int64).view(np.uint64)
    want = fnv_rows(seed.copy(), int_columns(vals, imu))
    got = seed.copy()
    _rowhash.fold(got, (vals,) if imu is None else (vals, imu))
    assert np.array_equal(got, want)


def test_row_hash_is_the_same_with_and_without_the_extension(monkeypatch) -> None:
    rng = np.random.default_rng(4)
    seqs = rng.integers(0, 2**16, 5000)
    t_us = rng.integers(0, 2**32, 5000)
    vals = rng.integers(0, 65536, (5000, 8)).astype(np.float64)
    imu = rng.integers(-32768, 32768, (5000, 6)).astype(np.float64)
    fast = _foot_stream._row_hash(seqs, t_us, vals, imu)
    monkeypatch.setattr(_foot_stream, "_rowhash", None)
    slow = _foot_stream._row_hash(seqs, t_us, vals, imu)
    assert np.array_equal(fast, slow)
    # any change of one count changes the fingerprint of its row only
    vals[17, 3] += 1
    changed = _foot_stream._row_hash(seqs, t_us, vals, imu)
    assert np.flatnonzero(changed != slow).tolist() == [17]


def test_bad_arguments_raise() -> None:
    h = np.zeros(4, np.uint64)
    with pytest.raises(ValueError, match="float64"):
        _rowhash.fold(h, (np.zeros((3, 2)),))  # rows differ
    with pytest.raises(ValueError, match="float64"):
        _rowhash.fold(h, (np.zeros((4, 2), np.float32),))
    with pytest.raises(ValueError, match="uint64"):
        _rowhash.fold(np.zeros(4, np.float64), (np.zeros((4, 2)),))
    with pytest.raises((BufferError, TypeError, ValueError)):
        _rowhash.fold(h, (np.zeros((2, 4)).T,))  # not C-contiguous
