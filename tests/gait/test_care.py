"""Care indicators: typical ranges (context), cited flags, baselines, meaningful change."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from gait import REFERENCE_RANGES, care_indicators
from gait.analysis._strides import StrideSummary
from gait.care import CareDataError, indicators_for
from gait.consts import reference_for


def _summary(**kw):
    base = dict(
        cadence_spm=110.0,
        stride_s=1.09,
        stride_cv_pct=2.0,
        swing_cv_pct=3.0,
        stance_pct=62.0,
        swing_pct=38.0,
        double_support_pct=25.0,
        symmetry_index_pct=1.0,
        gait_asymmetry_pct=1.0,
        n_strides=100,
        n_clean_strides=90,
        stride_sd_ms=30.0,
    )
    base.update(kw)
    return StrideSummary(**base)


def _session(speed=None, steps=None, **summary):
    """A stored report as the storefront keeps it (``GaitReport.to_dict()``)."""
    s = {k: v for k, v in _summary(**summary).__dict__.items()}
    s["walking_speed_m_s"] = speed
    return {"summary": s, "daily": {"daily_steps": steps}}


def test_every_range_and_flag_names_its_source():
    for name, ref in REFERENCE_RANGES.items():
        assert ref.source, name
        assert ref.low < ref.high, name
        has_threshold = ref.watch is not None or ref.act is not None
        assert has_threshold == bool(ref.flag_source), name  # no flag without a source
        assert (ref.smallest_change is None) == (ref.change_source in ("", "not established"))


def test_typical_range_gives_status_but_never_a_flag():
    cs = {
        c.name: c
        for c in care_indicators(
            _summary(stride_cv_pct=6.5, cadence_spm=80.0, double_support_pct=None)
        )
    }
    assert cs["stride_cv_pct"].status == "above" and cs["stride_cv_pct"].flag == "none"
    assert cs["cadence_spm"].status == "below" and cs["cadence_spm"].flag == "none"
    assert cs["double_support_pct"].status == "unknown" and cs["double_support_pct"].value is None


def test_published_thresholds_flag():
    cs = {c.name: c for c in care_indicators(_summary(stride_sd_ms=90.0), 0.75, 3000.0)}
    assert cs["stride_sd_ms"].flag == "act" and "Hausdorff" in cs["stride_sd_ms"].flag_source
    assert cs["walking_speed_m_s"].flag == "act"  # below EWGSOP2's 0.8 m/s
    assert cs["daily_steps"].flag == "act"  # below Paluch's lowest-quartile median
    cs = {c.name: c for c in care_indicators(_summary(stride_sd_ms=60.0), 0.9, 5000.0)}
    assert cs["stride_sd_ms"].flag == "none"
    assert cs["walking_speed_m_s"].flag == "watch"  # below AWGS 2019's 1.0 m/s
    assert cs["daily_steps"].flag == "watch"


def test_age_adjustment():
    assert reference_for("daily_steps", 45).watch == 8000.0
    assert reference_for("daily_steps", 75).watch == 6000.0
    young = reference_for("walking_speed_m_s", 40)
    assert young.watch is None and young.act is None  # cut-offs published for >= 65 y
    assert reference_for("walking_speed_m_s", 70).act == 0.8
    inds = {i.name: i for i in indicators_for([_session(speed=0.9, steps=7000)], age_years=50)}
    assert inds["walking_speed_m_s"].flag == "none"
    assert inds["daily_steps"].flag == "watch"  # 7,000 < 8,000 below 60 y
    inds = {i.name: i for i in indicators_for([_session(speed=0.9, steps=7000)], age_years=80)}
    assert inds["walking_speed_m_s"].flag == "watch"
    assert inds["daily_steps"].flag == "none"


def test_change_against_own_baseline_beyond_the_meaningful_change():
    base = [_session(speed=1.20, stride_sd_ms=30.0) for _ in range(3)]
    # Within the smallest meaningful change (0.05 m/s, 10 ms): stable, no flag.
    inds = {i.name: i for i in indicators_for([*base, _session(speed=1.17, stride_sd_ms=36.0)])}
    assert inds["walking_speed_m_s"].trend == "stable" and inds["walking_speed_m_s"].flag == "none"
    assert inds["stride_sd_ms"].trend == "stable"
    # Beyond it: worse -> watch, with the reason and its source.
    inds = {i.name: i for i in indicators_for([*base, _session(speed=1.10, stride_sd_ms=45.0)])}
    sp = inds["walking_speed_m_s"]
    assert sp.baseline == pytest.approx(1.20) and sp.change == pytest.approx(-0.10)
    assert sp.trend == "worse" and sp.flag == "watch" and "LIFE-P" in sp.reason
    assert inds["stride_sd_ms"].trend == "worse" and inds["stride_sd_ms"].flag == "watch"
    # Better is not flagged.
    inds = {i.name: i for i in indicators_for([*base, _session(speed=1.35)])}
    assert inds["walking_speed_m_s"].trend == "better"
    assert inds["walking_speed_m_s"].flag == "none"
    # No meaningful change established for steps: the trend stays unknown.
    assert inds["daily_steps"].trend == "unknown"


def test_baseline_is_the_first_four_weeks_when_dated():
    t0 = datetime(2026, 1, 1)
    sessions = [_session(speed=s) for s in (1.3, 1.3, 1.0, 1.0, 1.0)]
    dates = [t0, t0 + timedelta(days=7), t0 + timedelta(days=40), t0 + timedelta(days=50),
             t0 + timedelta(days=60)]  # fmt: skip
    sp = next(i for i in indicators_for(sessions, dates=dates) if i.name == "walking_speed_m_s")
    assert sp.baseline == pytest.approx(1.3) and sp.baseline_n == 2 and sp.trend == "worse"
    # Undated: the first three sessions (1.3, 1.3, 1.0) -> median 1.3.
    sp = next(i for i in indicators_for(sessions) if i.name == "walking_speed_m_s")
    assert sp.baseline_n == 3


def test_a_session_with_little_walking_does_not_count():
    few = _session(speed=0.6, stride_sd_ms=120.0, n_strides=12, steps=2000)
    inds = {i.name: i for i in indicators_for([few], age_years=80)}
    for name in ("walking_speed_m_s", "stride_sd_ms", "cadence_spm"):
        assert inds[name].value is None and inds[name].flag == "unknown", name
        assert "fewer than 20 strides" in inds[name].reason
    assert inds["daily_steps"].flag == "act"  # the day's activity does not need strides
    assert inds["cadence_spm"].n_strides == 12


def test_a_single_session_has_no_baseline():
    inds = indicators_for([_session(speed=1.2)])
    assert all(i.baseline is None and i.trend == "unknown" for i in inds)
    assert math.isinf(REFERENCE_RANGES["walking_speed_m_s"].high)
    assert next(i for i in inds if i.name == "walking_speed_m_s").reference_high is None


@pytest.mark.parametrize(
    ("sessions", "kw"),
    [
        ([], {}),
        (["not a report"], {}),
        ([{"summary": {}}], {"age_years": 200}),
        ([{"summary": {}}, {"summary": {}}], {"dates": [datetime(2026, 1, 2)]}),
        ([{"summary": {}}] * 2, {"dates": [datetime(2026, 1, 2), datetime(2026, 1, 1)]}),
    ],
)
def test_bad_input_is_refused(sessions, kw):
    with pytest.raises(CareDataError):
        indicators_for(sessions, **kw)
