"""Counter unwrapping, loss, duplicates, resets and L/R alignment."""

from __future__ import annotations

import numpy as np
import pytest

from gait.insole._clock import (
    CounterTracker,
    align_starts,
    build_timeline,
    find_gaps,
    host_clock_fit,
    sample_indices,
    start_anchor,
    unwrap_counter,
)

FS = 100.0


def _stream(idx, seq0=65500, t0_us=4_294_000_000, latency_s=0.005):
    idx = np.asarray(idx, dtype=np.int64)
    seq = (seq0 + idx) % 65536
    t_us = (t0_us + idx * 10_000) % 2**32
    host = 100.0 + idx / FS + latency_s
    return seq, t_us, host


def test_unwrap_counter_wraps_and_steps_back():
    raw = [65533, 65534, 65535, 0, 1, 0, 2]
    assert unwrap_counter(raw, 16).tolist() == [65533, 65534, 65535, 65536, 65537, 65536, 65538]
    assert unwrap_counter([32766, 32767, 0, 1], 15).tolist() == [32766, 32767, 32768, 32769]
    assert unwrap_counter([], 16).size == 0


def test_indices_across_wrap_with_loss():
    idx = np.r_[0:100, 150:400]
    seq, t_us, host = _stream(idx)  # counter and timestamp both wrap inside
    index, seg = sample_indices(seq, 16, FS, t_us, 32, host)
    assert index.tolist() == idx.tolist()
    assert seg.max() == 0


def test_gap_longer_than_half_the_counter_range_is_counted_exactly():
    # 40,000 samples (> 32768) missing: the half-range rule alone would be wrong by 65536.
    idx = np.r_[0:10, 40_010:40_020]
    seq, t_us, host = _stream(idx)
    index, seg = sample_indices(seq, 16, FS, t_us, 32, host)
    assert index.tolist() == idx.tolist()
    # Without a device timestamp the host arrival time disambiguates it too.
    index2, _ = sample_indices(seq, 16, FS, host_s=host)
    assert index2.tolist() == idx.tolist()
    # With nothing but the counter, the half-range rule is all there is.
    index3, _ = sample_indices(seq, 16, FS)
    assert index3[-1] != idx[-1]


def test_out_of_order_and_repeated_counters():
    idx = np.array([0, 1, 2, 4, 3, 5, 5, 6, 6, 6, 7])
    seq, t_us, host = _stream(idx)
    index, seg = sample_indices(seq, 16, FS, t_us, 32, host)
    assert index.tolist() == idx.tolist()
    tl = build_timeline(index, seg, host, FS)
    assert tl.n_duplicates == 3
    assert tl.n_grid == 8
    kept = tl.position[tl.position >= 0]
    assert sorted(kept.tolist()) == list(range(8))


def test_device_reset_starts_a_new_segment_placed_by_arrival_time():
    a = np.arange(0, 300)
    seq_a, t_a, host_a = _stream(a)
    b = np.arange(0, 200)  # the insole rebooted: counter and clock restart
    seq_b, t_b, host_b = _stream(b, seq0=0, t0_us=0)
    host_b = host_b + 5.0  # ...two seconds after the last sample of the first segment
    seq = np.r_[seq_a, seq_b]
    t_us = np.r_[t_a, t_b]
    host = np.r_[host_a, host_b]
    index, seg = sample_indices(seq, 16, FS, t_us, 32, host)
    assert seg.tolist() == [0] * 300 + [1] * 200
    tl = build_timeline(index, seg, host, FS)
    assert tl.n_segments == 2
    assert tl.position[300] == 500  # 5 s after sample 0, on the grid
    valid = np.zeros(tl.n_grid, bool)
    valid[tl.position] = True
    assert find_gaps(valid) == [(300, 500)]


def test_counter_reset_with_running_clock_is_a_new_segment():
    idx = np.arange(0, 100)
    seq, t_us, host = _stream(idx)
    seq = seq.copy()
    seq[50:] = np.arange(50)  # counter restarts, clock keeps going
    _, seg = sample_indices(seq, 16, FS, t_us, 32, host)
    assert seg[49] == 0 and seg[50] == 1


def test_find_gaps():
    v = np.array([0, 1, 1, 0, 0, 1, 0, 1, 0, 0], bool)
    assert find_gaps(v) == [(3, 5), (6, 7)]
    assert find_gaps(np.zeros(4, bool)) == []


def test_clock_fit_recovers_offset_and_drift():
    rng = np.random.default_rng(0)
    idx = np.arange(0, 12_000)
    true_rate = 1.0 + 40e-6  # 40 ppm crystal error
    host = 7.0 + true_rate * idx / FS + 0.004 + rng.exponential(0.02, idx.size)
    rate, offset = host_clock_fit(idx, host, FS)
    assert rate == pytest.approx(true_rate, abs=5e-6)
    assert offset == pytest.approx(7.004, abs=0.005)


def test_align_starts():
    shift = align_starts({"left": 10.0, "right": 10.25}, FS)
    assert shift == {"left": 0, "right": 25}


def test_counter_tracker_matches_batch_logic():
    idx = np.r_[0:100, 103:200, 199, 150, 200:250]
    seq, t_us, _ = _stream(idx)
    tr = CounterTracker(16, FS)
    out = [tr.update(int(s), int(t)) for s, t in zip(seq, t_us)]
    assert out.count(None) == 2  # 199 and 150 repeated
    assert tr.lost == 3
    assert tr.duplicates == 2
    late = CounterTracker(16, FS)
    for k in (0, 1, 3, 2, 4):
        late.update(k, k * 10_000)
    assert late.lost == 0 and late.duplicates == 0


def test_start_anchor_real_time_and_time_warped():
    rng = np.random.default_rng(1)
    idx = np.arange(0, 3000)
    # Real time: latency 3 ms + bursts; the anchor is the smallest latency.
    host = 50.0 + idx / FS + 0.003 + rng.exponential(0.015, idx.size)
    offset, rate = start_anchor(idx, host, FS)
    assert rate == 1.0 and offset == pytest.approx(50.003, abs=0.002)
    # A source running 40x faster than real time: the local slope is used.
    host_fast = 50.0 + idx / FS / 40 + 0.001 + rng.exponential(0.0005, idx.size)
    offset, rate = start_anchor(idx, host_fast, FS)
    assert rate == pytest.approx(1 / 40, rel=0.05)
    assert offset == pytest.approx(50.001, abs=0.0005)
