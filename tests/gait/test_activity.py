"""Activity segmentation against the synthetic plan."""

from __future__ import annotations

import numpy as np

from gait import analyze
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
