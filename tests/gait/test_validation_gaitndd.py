"""Validation against PhysioNet gaitndd: our stride and swing times vs the published .ts files.

Targets (issue 3): median |stride error| <= 5 ms over all records; >= 97 % of published strides
matched in >= 90 % of records; swing median |error| <= 15 ms. The per-group table is in
docs/gait.md (regenerate it with ``python benchmarks/bench_gait_analysis.py --validation``).
"""

from __future__ import annotations

import pytest

from gait import detect_events, read_wfdb
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
