"""Validation against PhysioNet gaitndd: our stride and swing times vs the published .ts files.

Targets (issue 3): median |stride error| <= 5 ms over all records; >= 97 % of published strides
matched in >= 90 % of records; swing median |error| <= 15 ms. The per-group table is in
docs/gait.md (regenerate it with ``python benchmarks/bench_gait_analysis.py --validation``).
"""

from __future__ import annotations

import numpy as np
import pytest

from gait import analyze, detect_events, read_wfdb
from gait.datasets import (
    gaitndd_group,
    list_gaitndd_records,
    read_gaitndd_subjects,
    read_gaitndd_ts,
)
from gait.evaluation import compare_with_ts, summarise_comparisons


@pytest.fixture(scope="module")
def comparisons(shared_data):
    folder = shared_data / "gaitndd"
    records = list_gaitndd_records(folder)
    assert len(records) == 33
    out = []
    for name in records:
        rec = read_wfdb(folder / f"{name}.hea")
        ev = detect_events(rec)
        ts = read_gaitndd_ts(folder / f"{name}.ts")
        out.append(compare_with_ts(ev["left"], ev["right"], ts, name, gaitndd_group(name)))
    return out


def test_stride_and_swing_accuracy(comparisons):
    stats = summarise_comparisons(comparisons)["all"]
    assert stats["stride_med_ms"] <= 5.0
    assert stats["swing_med_ms"] <= 15.0
    assert stats["records_ge97_pct"] >= 90.0


def test_every_group_is_accurate(comparisons):
    stats = summarise_comparisons(comparisons)
    assert set(stats) == {"control", "PD", "HD", "ALS", "all"}
    for g in ("control", "PD", "HD", "ALS"):
        assert stats[g]["stride_med_ms"] <= 5.0, g
        assert stats[g]["matched_median_pct"] >= 97.0, g
    # Controls are the cleanest signals: every record matches.
    assert stats["control"]["matched_min_pct"] >= 97.0
    assert stats["control"]["stride_p90_ms"] <= 10.0


def test_subject_descriptions(shared_data):
    subjects = read_gaitndd_subjects(shared_data / "gaitndd" / "subject-description.txt")
    assert len(subjects) == 64
    assert subjects["als1"].group == "ALS"
    assert subjects["hunt20"].group == "HD"
    assert subjects["control1"].height_m == pytest.approx(1.94)


def _reference_summary(ts):
    """Per-record values from the .ts file: strides within median +- 3 MAD (as in the shared doc)."""
    st = ts.stride_s[:, 0]
    med = np.median(st)
    keep = np.abs(st - med) <= 3 * np.median(np.abs(st - med))
    return {
        "cadence_spm": 120 / np.mean(st[keep]),
        "stance_pct": 100 * np.mean(ts.stance_s[keep, 0] / st[keep]),
        "double_support_pct": 100 * np.mean(ts.double_support_s[keep] / st[keep]),
        "stride_cv_pct": 100 * np.std(st[keep], ddof=1) / np.mean(st[keep]),
    }


def test_record_summaries_match_published_intervals(shared_data):
    folder = shared_data / "gaitndd"
    diffs = {k: [] for k in ("cadence_spm", "stance_pct", "double_support_pct", "stride_cv_pct")}
    for name in list_gaitndd_records(folder):
        ours = analyze(read_wfdb(folder / f"{name}.hea")).summary
        ref = _reference_summary(read_gaitndd_ts(folder / f"{name}.ts"))
        for k in diffs:
            diffs[k].append(getattr(ours, k) - ref[k])
    d = {k: np.abs(np.array(v)) for k, v in diffs.items()}
    assert np.median(d["cadence_spm"]) <= 0.5 and np.percentile(d["cadence_spm"], 90) <= 1.5
    assert np.median(d["stance_pct"]) <= 2.0
    assert np.median(d["double_support_pct"]) <= 2.5
    assert np.median(d["stride_cv_pct"]) <= 0.5 and np.percentile(d["stride_cv_pct"], 90) <= 1.0


def test_gaitndd_control_walks_carry_no_flag(shared_data):
    """Issue 9's control flag rate on a second set: the 8 shared gaitndd control walks (5 min,
    FSR footswitches, 20-74 y) carry no flag, as the 7 gaitpdb control walks do
    (``test_at_most_5_pct_of_control_walks_carry_a_flag``): 0 of 15 control walks. With 15
    walks, 0 flagged bounds the control flag rate below 18 % (one-sided 95 %, exact binomial):
    consistent with the <= 5 % target, not a proof of it (docs/gait.md §5)."""
    folder = shared_data / "gaitndd"
    controls = [r for r in list_gaitndd_records(folder) if gaitndd_group(r) == "control"]
    assert len(controls) == 8
    sds = {}
    for name in controls:
        rep = analyze(read_wfdb(folder / f"{name}.hea"))
        assert not [c.name for c in rep.care if c.flag in ("watch", "act")], name
        sds[name] = rep.summary.stride_sd_ms
    # The highest control stride-time SD here is far below the 77.5 ms threshold.
    assert max(sds.values()) < 50.0, sds
