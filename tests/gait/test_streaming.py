"""Streaming analyser: agreement with the offline analysis, latency, gaps, bounded memory."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from gait import (
    FootSignal,
    Recording,
    RecordingValidationError,
    StreamingAnalyzer,
    analyze,
    replay,
)
from gait.insole import synthesize_with_truth


@pytest.fixture(scope="module")
def walk():
    return synthesize_with_truth([("standing", 5), ("walking", 90)], seed=21)


def _stream(rec, block=1, drop=None):
    sa = StreamingAnalyzer(rec.sampling_rate_hz)
    fs = rec.sampling_rate_hz
    n = rec.left.n_samples
    events = []
    latency = []
    for i in range(0, n, block):
        for side, foot in rec.feet.items():
            idx = np.arange(i, min(i + block, n))
            if drop is not None:
                idx = idx[~drop[idx]]
            if idx.size == 0:
                continue
            new = sa.push(side, idx / fs, foot.values[idx])
            now = idx[-1] / fs
            latency += [now - e.t_s for e in new if e.kind in ("heel_strike", "toe_off")]
            events += new
    return sa, events, np.array(latency)


def test_matches_offline_and_truth(walk):
    rec, truth = walk
    sa, events, latency = _stream(rec)
    strides = [e for e in events if e.kind == "stride"]
    offline = analyze(rec)
    assert abs(len(strides) - offline.summary.n_strides) <= 4
    m = sa.metrics()
    assert m.cadence_spm == pytest.approx(offline.summary.cadence_spm, rel=0.03)
    assert m.stance_pct == pytest.approx(offline.summary.stance_pct, abs=3.0)
    assert m.stride_cv_pct is not None and m.stride_cv_pct < 4
    hs = np.array([e.t_s for e in events if e.kind == "heel_strike" and e.side == "left"])
    d = np.abs(hs[:, None] - truth.ic_s["left"][None, :]).min(axis=1)
    assert np.median(d) <= 0.015
    # Events are emitted within one stride (in fact within the onset search window).
    assert latency.max() <= 0.25


def test_block_push_equals_sample_push(walk):
    rec, _ = walk
    _, ev1, _ = _stream(rec, block=1)
    _, ev7, _ = _stream(rec, block=7)
    s1 = [(e.side, round(e.t_s, 6)) for e in ev1 if e.kind == "stride"]
    s7 = [(e.side, round(e.t_s, 6)) for e in ev7 if e.kind == "stride"]
    assert s1 == s7


def test_gap_reported_and_not_bridged(walk):
    rec, _ = walk
    n = rec.left.n_samples
    drop = np.zeros(n, bool)
    drop[4000:4150] = True  # 1.5 s lost on both feet
    sa, events, _ = _stream(rec, drop=drop)
    gaps = [e for e in events if e.kind == "gap"]
    assert {g.side for g in gaps} == {"left", "right"}
    assert all(g.data["lost_samples"] == 150 for g in gaps)
    assert sa.metrics().lost_samples == 300
    for e in events:
        if e.kind == "stride":
            assert not (e.data["heel_strike_s"] < 41.5 and e.t_s > 40.0)


def _state_bytes(sa) -> int:
    """Size of everything the analyser keeps (its whole object graph, pickled)."""
    return len(pickle.dumps(sa, protocol=pickle.HIGHEST_PROTOCOL))


def test_memory_does_not_grow_with_stream_length():
    # Two streams of the same walk, one six times longer: once the history windows are
    # full (64 strides, ~70 s), what the analyser keeps must not grow with the stream.
    # Evidence that can fail: a list that collects samples, events or strides makes the
    # long stream's state grow by hundreds of kB.
    short, _ = synthesize_with_truth([("walking", 150)], seed=5)
    long_, _ = synthesize_with_truth([("walking", 900)], seed=5)
    sa_short, ev_short, _ = _stream(short, block=200)
    sa_long, ev_long, _ = _stream(long_, block=200)
    assert sum(e.kind == "stride" for e in ev_long) > 5 * sum(e.kind == "stride" for e in ev_short)
    b_short, b_long = _state_bytes(sa_short), _state_bytes(sa_long)
    assert b_long <= 1.1 * b_short + 1024
    # The probe sees growth: the same analyser keeping every stride event would fail.
    sa_long._kept = [e for e in ev_long if e.kind == "stride"]
    assert _state_bytes(sa_long) > b_long + 20 * len(sa_long._kept)


def test_standing_gives_no_strides():
    rec, _ = synthesize_with_truth([("standing", 30)])
    sa, events, _ = _stream(rec, block=10)
    assert not [e for e in events if e.kind in ("stride", "heel_strike")]
    assert sa.metrics().activity == "still"


def test_bad_input():
    sa = StreamingAnalyzer(100.0)
    with pytest.raises(RecordingValidationError):
        sa.push("middle", 0.0, np.zeros(16))
    sa.push("left", 1.0, np.zeros(16))
    with pytest.raises(RecordingValidationError, match="increase"):
        sa.push("left", 0.5, np.zeros(16))
    with pytest.raises(RecordingValidationError):
        StreamingAnalyzer(0.0)
    # NaN samples count as lost, no crash.
    sa.push("left", 1.01, np.full(16, np.nan))
    assert sa.metrics().lost_samples == 1


def test_replay_reports_lost_samples(walk):
    rec, _ = walk
    valid = np.ones(rec.left.n_samples, bool)
    valid[3000:3100] = False
    left = FootSignal("left", rec.left.values, rec.left.sensor_xy_mm, valid)
    sa, events = replay(Recording(rec.sampling_rate_hz, left, rec.right), samples_per_push=4)
    gaps = [e for e in events if e.kind == "gap"]
    assert len(gaps) == 1 and gaps[0].side == "left" and gaps[0].data["lost_samples"] == 100
    assert sa.metrics().n_strides > 100


def test_streaming_agrees_with_offline_on_real_footswitch_data(shared_data):
    from gait import read_wfdb

    rec = read_wfdb(shared_data / "gaitndd" / "control1.hea")
    sa, events = replay(rec, samples_per_push=10)
    offline = analyze(rec)
    assert abs(sa.metrics().n_strides - offline.summary.n_strides) <= 5
    for side in ("left", "right"):
        online = np.array([e.t_s for e in events if e.kind == "heel_strike" and e.side == side])
        d = np.abs(offline.tables[side].ic_s[:, None] - online[None, :]).min(axis=1)
        assert np.mean(d <= 0.02) >= 0.97
