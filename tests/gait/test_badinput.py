"""Bad recordings: NaN, all-zero or saturated sensors, no walking, one foot, broken files."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from gait import (
    FootSignal,
    Recording,
    RecordingReadError,
    RecordingValidationError,
    analyze,
    load_recording,
    synthesize,
)


@pytest.fixture(scope="module")
def walk():
    return synthesize([("walking", 40)], seed=31)


def _with(rec, left=None, right=None):
    return Recording(rec.sampling_rate_hz, left or rec.left, right or rec.right, meta=rec.meta)


def _json(rep):
    return json.loads(json.dumps(rep.to_dict(), allow_nan=False))


def test_nan_samples_are_reported_not_crashing(walk):
    v = walk.left.values.copy()
    rng = np.random.default_rng(0)
    v[rng.random(v.shape[0]) < 0.02] = np.nan  # 2 % scattered single-sample losses
    v[2000:2300] = np.nan  # a 3 s hole
    rep = analyze(_with(walk, left=FootSignal("left", v, walk.left.sensor_xy_mm)))
    d = _json(rep)
    assert d["quality"]["lost_samples"] >= 300
    assert any(g["start_s"] == 20.0 and g["end_s"] == 23.0 for g in d["quality"]["gaps"])
    # No stride bridges the hole; the walk is still measured.
    for s in d["strides"]:
        if s["side"] == "left":
            assert not (s["heel_strike_s"] < 23.0 and s["heel_strike_s"] + s["stride_s"] > 20.0)
    assert d["summary"]["cadence_spm"] == pytest.approx(111, rel=0.03)


def test_all_zero_foot(walk):
    zero = FootSignal("right", np.zeros_like(walk.right.values), walk.right.sensor_xy_mm)
    d = _json(analyze(_with(walk, right=zero)))
    right_q = next(f for f in d["quality"]["feet"] if f["side"] == "right")
    assert right_q["usable"] is False and right_q["n_strides"] == 0
    assert any("right foot signal shows no loading" in n for n in d["quality"]["notes"])
    assert d["summary"]["double_support_pct"] is None
    assert d["summary"]["cadence_spm"] is not None  # the left foot still counts


def test_saturated_and_dead_sensors(walk):
    v = walk.left.values.copy()
    v[:, 3] = 4095.0  # saturated
    v[:, 9] = 0.0  # dead
    rep = analyze(_with(walk, left=FootSignal("left", v, walk.left.sensor_xy_mm)))
    assert rep.pressure.feet["left"].stuck == [3, 9]
    assert rep.summary.cadence_spm == pytest.approx(111, rel=0.03)
    assert any("never change" in n for n in rep.quality.notes)


def test_all_sensors_saturated(walk):
    sat = FootSignal("left", np.full_like(walk.left.values, 4095.0), walk.left.sensor_xy_mm)
    d = _json(analyze(_with(walk, left=sat)))
    assert next(f for f in d["quality"]["feet"] if f["side"] == "left")["usable"] is False


def test_no_walking_at_all():
    rec = synthesize([("standing", 20), ("sitting", 20)], seed=2)
    d = _json(analyze(rec))
    assert d["strides"] == []
    assert d["summary"]["cadence_spm"] is None and d["summary"]["n_strides"] == 0
    kinds = {a["kind"] for a in d["activity"]}
    assert "walking" not in kinds and "running" not in kinds
    assert {"standing", "sitting"} <= kinds
    assert all(c["status"] == "unknown" for c in d["care"])
    assert "no walking strides were found" in d["quality"]["notes"]


def test_one_foot_recording(walk):
    d = _json(analyze(Recording(100.0, right=walk.right)))
    assert d["summary"]["double_support_pct"] is None and d["summary"]["symmetry_index_pct"] is None
    assert {s["side"] for s in d["strides"]} == {"right"}


def test_wfdb_header_pointing_to_missing_file(tmp_path, shared_data):
    shutil.copy(shared_data / "gaitndd" / "als1.hea", tmp_path / "als1.hea")
    shutil.copy(shared_data / "gaitndd" / "als1.let", tmp_path / "als1.let")
    with pytest.raises(RecordingReadError, match=r"als1\.rit"):
        load_recording(tmp_path / "als1.hea")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Recording(100.0),
        lambda: Recording(0.0, FootSignal("left", np.zeros((10, 4)))),
        lambda: Recording(float("nan"), FootSignal("left", np.zeros((10, 4)))),
        lambda: Recording(100.0, FootSignal("left", np.zeros(10))),
        lambda: Recording(100.0, FootSignal("left", np.zeros((1, 4)))),
        lambda: Recording(100.0, FootSignal("left", np.zeros((10, 4)), valid=np.ones(5, bool))),
        lambda: Recording(
            100.0, FootSignal("left", np.zeros((10, 4)), sensor_xy_mm=np.zeros((3, 2)))
        ),
        lambda: Recording(100.0, left=FootSignal("right", np.zeros((10, 4)))),
        lambda: Recording(100.0, FootSignal("left", np.array([["a"] * 4] * 10))),
    ],
)
def test_malformed_recordings(make):
    with pytest.raises(RecordingValidationError):
        analyze(make())


def test_garbage_files(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RecordingReadError):
        load_recording(p)
    h = tmp_path / "r.hea"
    h.write_text("r two 300\n")
    with pytest.raises(RecordingReadError):
        load_recording(h)


def test_many_gaps_keep_the_report_bounded(walk):
    v = walk.left.values.copy()
    v[::7] = np.nan  # thousands of single-sample losses
    d = _json(analyze(_with(walk, left=FootSignal("left", v, walk.left.sensor_xy_mm))))
    assert d["quality"]["n_gaps"] == int(np.ceil(v.shape[0] / 7))
    assert len(d["quality"]["gaps"]) == 200
    assert any("gaps in total" in n for n in d["quality"]["notes"])
    # Single-sample losses are filled for event detection: the walk is still measured.
    assert d["summary"]["cadence_spm"] == pytest.approx(111, rel=0.03)


def test_feet_of_different_lengths(walk):
    short = FootSignal("right", walk.right.values[:3500], walk.right.sensor_xy_mm)
    d = _json(analyze(_with(walk, right=short)))
    assert {"side": "right", "start_s": 35.0, "end_s": 40.0} in d["quality"]["gaps"]
    assert d["activity"][-1]["kind"] == "unknown" and d["activity"][-1]["end_s"] == 40.0
    assert all(
        s["heel_strike_s"] + s["stride_s"] <= 35.0 for s in d["strides"] if s["side"] == "right"
    )
