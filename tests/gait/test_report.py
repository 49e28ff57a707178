"""JSON contract and the self-contained HTML report."""

from __future__ import annotations

import json

import pytest

from gait import FootSignal, Recording, analyze, synthesize

STRIDE_KEYS = {"side", "heel_strike_s", "toe_off_s", "stride_s", "stance_s", "swing_s"}
SUMMARY_KEYS = {
    "cadence_spm",
    "stride_cv_pct",
    "stance_pct",
    "swing_pct",
    "double_support_pct",
    "symmetry_index_pct",
    "n_strides",
    "walking_s",
}


@pytest.fixture(scope="module")
def report():
    return analyze(synthesize([("standing", 10), ("walking", 40), ("sitting", 10)], seed=8))


def test_json_contract(report):
    d = json.loads(report.to_json())
    assert set(d) >= {
        "strides",
        "summary",
        "activity",
        "pressure",
        "posture",
        "care",
        "quality",
        "meta",
    }
    assert d["strides"] and all(STRIDE_KEYS <= set(s) for s in d["strides"])
    times = [s["heel_strike_s"] for s in d["strides"]]
    assert times == sorted(times)
    for s in d["strides"]:
        assert s["stride_s"] == pytest.approx(s["stance_s"] + s["swing_s"], abs=2e-4)
    assert SUMMARY_KEYS <= set(d["summary"])
    assert all(set(a) == {"start_s", "end_s", "kind"} for a in d["activity"])
    p = d["pressure"]
    assert set(p["region_share"]) == {"heel", "midfoot", "forefoot", "toe"}
    assert p["ml_tendency"] in ("medial", "neutral", "lateral")
    assert p["heel_impact"] in ("hard", "normal", "soft")
    assert set(p["cop_path"]) == {"left", "right"} and len(p["cop_path"]["left"]) == 21
    for c in d["care"]:
        assert {"name", "value", "unit", "range_low", "range_high", "status"} <= set(c)
    assert set(d["quality"]) >= {"lost_samples", "gaps", "feet"}
    assert d["quality"]["lost_samples"] == 0 and len(d["quality"]["feet"]) == 2


def test_one_foot_gives_nulls():
    rec = synthesize([("walking", 30)], seed=8)
    one = Recording(rec.sampling_rate_hz, left=rec.left, source="one-foot", meta=rec.meta)
    d = analyze(one).to_dict()
    assert d["summary"]["double_support_pct"] is None
    assert d["summary"]["symmetry_index_pct"] is None
    assert d["summary"]["cadence_spm"] == pytest.approx(111, rel=0.05)
    assert {a["kind"] for a in d["activity"]} == {"walking"}  # its own contacts repeat
    assert any("only the left foot" in n for n in d["quality"]["notes"])
    json.dumps(d, allow_nan=False)


def test_html_self_contained_and_escaped(tmp_path):
    rec = synthesize([("standing", 10), ("walking", 30)], seed=8)
    evil = Recording(
        rec.sampling_rate_hz,
        rec.left,
        rec.right,
        source="/uploads/<script>alert(1)<\\script>.csv",
        meta=rec.meta,
    )
    rep = analyze(evil)
    html = rep.to_html()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "/uploads" not in html  # file name only, never the server's directories
    assert "http://" not in html and "https://" not in html and "<link" not in html
    for needle in (
        "cadence over time",
        "stride times",
        "pressure heat map",
        "centre-of-pressure path",
        "activity",
    ):
        assert needle in html
    assert html.count("<svg") >= 6
    out = rep.write_html(tmp_path / "r.html")
    assert out.read_text(encoding="utf-8") == html
    assert not list(tmp_path.glob("*.tmp"))


def test_html_without_pressure_or_strides():
    rec = synthesize([("standing", 20)], seed=1)
    bare = Recording(
        100.0, FootSignal("left", rec.left.values), FootSignal("right", rec.right.values)
    )
    html = analyze(bare).to_html()
    assert "No pressure map" in html and "no strides" in html
