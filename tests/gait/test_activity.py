"""Activity segmentation against the synthetic plan."""

from __future__ import annotations

import numpy as np

from gait import FootSignal, Recording, analyze
from gait.insole import synthesize_with_truth


def _per_second(segments, duration_s):
    labels = np.array(["unknown"] * int(duration_s), dtype=object)
    for a, b, kind in segments:
        labels[int(round(a)) : int(round(b))] = kind
    return labels


def test_segments_follow_plan():
    plan = [("standing", 15), ("walking", 40), ("sitting", 15), ("running", 30), ("standing", 15)]
    rec, truth = synthesize_with_truth(plan, seed=9)
    rep = analyze(rec)
    segs = [(a.start_s, a.end_s, a.kind) for a in rep.activity]
    assert segs[0][0] == 0.0 and segs[-1][1] == rec.duration_s
    assert all(s[1] == t[0] for s, t in zip(segs, segs[1:], strict=False))
    ours = _per_second(segs, rec.duration_s)
    ref = _per_second(truth.activity, rec.duration_s)
    # Ignore 3 s around each transition (bouts start and end with settling steps).
    keep = np.ones(ours.size, bool)
    for a, _, _ in truth.activity[1:]:
        keep[max(int(a) - 3, 0) : int(a) + 3] = False
    agreement = np.mean(ours[keep] == ref[keep])
    assert agreement >= 0.95, list(zip(ours, ref, strict=True))
    assert rep.walking_s > 60


def test_running_not_walking():
    rec, _ = synthesize_with_truth([("running", 30)], seed=1)
    kinds = [a.kind for a in analyze(rec).activity if a.end_s - a.start_s > 3]
    assert kinds == ["running"]


def _one_foot(rec, imu=None):
    left = rec.left if imu is None else FootSignal("left", rec.left.values, rec.left.sensor_xy_mm,
                                                   rec.left.valid, imu)  # fmt: skip
    return Recording(rec.sampling_rate_hz, left=left, source="one-foot", meta=rec.meta)


def _agreement(activity, truth, kinds) -> float:
    """Share of the time in ``kinds`` (per the truth) that is labelled the same."""
    t = np.arange(0.0, truth.activity[-1][1], 0.1)
    want = np.array([next(k for a, b, k in truth.activity if a <= x < b) for x in t], dtype=object)
    got = np.array([next((s.kind for s in activity if s.start_s <= x < s.end_s), "unknown")
                    for x in t], dtype=object)  # fmt: skip
    sel = np.isin(want, kinds)
    return float(np.mean(got[sel] == want[sel]))


def test_one_insole_tells_walking_and_running():
    plan = [("standing", 10), ("walking", 40), ("running", 20), ("sitting", 10)]
    rec, truth = synthesize_with_truth(plan, seed=8, with_imu=True)
    act = analyze(_one_foot(rec)).activity
    assert _agreement(act, truth, ["walking", "running"]) >= 0.9
    assert {a.kind for a in act} <= {"walking", "running", "unknown"}  # no standing/sitting


def test_one_insole_with_a_still_imu_is_not_walking():
    # The load comes and goes like steps but the foot does not turn: not gait.
    rec, _ = synthesize_with_truth([("walking", 40)], seed=9, with_imu=True)
    still = np.zeros_like(rec.left.imu)
    still[:, 2] = 9.81
    act = analyze(_one_foot(rec, imu=still)).activity
    assert {a.kind for a in act} == {"unknown"}
