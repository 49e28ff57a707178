"""FootProfile / GaitProfile constructors from footscan and gait JSON."""

from __future__ import annotations

import pytest

from storefront.domain_errors import ProfileError
from storefront.fit.profiles import FootProfile, GaitProfile


def test_from_footscan_json_with_nulls_and_aliases() -> None:
    d = {
        "side": "Left",
        "foot_length_mm": 262.4,
        "ball_width_mm": 101.0,
        "heel_width_mm": None,
        "ball_girth_mm": 245.0,
        "instep_girth_mm": None,
        "arch_height_mm": 14.0,
        "instep_height_mm": 66.0,
        "sizes": {"eu": 41.5, "mondopoint": 260},
    }
    f = FootProfile.from_footscan_json(d, age_years=70)
    assert f.side == "left" and f.foot_length_mm == 262.4 and f.heel_width_mm is None
    assert f.sizes["eu"] == 41.5 and f.age_years == 70.0
    g = FootProfile.from_footscan_json({"measurements": {"length_mm": 250, "heel_breadth_mm": 62}})
    assert g.foot_length_mm == 250.0 and g.heel_width_mm == 62.0
    assert FootProfile.from_footscan_json(f.to_dict()) == f


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({}, "foot_length_mm"),
        ({"foot_length_mm": None}, "foot_length_mm"),
        ({"foot_length_mm": "265"}, "expected a number"),
        ({"foot_length_mm": 2650}, "plausible range"),
        ({"foot_length_mm": 265, "ball_girth_mm": -3}, "ball_girth_mm"),
        ({"foot_length_mm": 265, "side": "middle"}, "side"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_foot_json_is_refused_clearly(doc, match: str) -> None:
    with pytest.raises(ProfileError, match=match):
        FootProfile.from_footscan_json(doc)


def test_pair_takes_the_longer_foot_and_larger_girths() -> None:
    left = FootProfile(foot_length_mm=262.0, ball_girth_mm=250.0, side="left")
    right = FootProfile(foot_length_mm=266.0, ball_girth_mm=246.0, side="right")
    p = FootProfile.pair(left, right)
    assert p.foot_length_mm == 266.0 and p.ball_girth_mm == 250.0 and p.side == "both"


def test_from_gait_report() -> None:
    rep = {
        "summary": {"cadence_spm": 96.0, "stride_cv_pct": 5.2, "stance_pct": 63.0},
        "pressure": {"ml_tendency": "medial", "heel_impact": None},
        "activity": [
            {"start_s": 0, "end_s": 60, "kind": "walking"},
            {"start_s": 60, "end_s": 90, "kind": "running"},
            {"start_s": 90, "end_s": 120, "kind": "sitting"},
        ],
    }
    g = GaitProfile.from_gait_report(rep, age_years=72)
    assert g.cadence_spm == 96.0 and g.swing_pct is None and g.ml_tendency == "medial"
    assert g.activity_fraction("running") == pytest.approx(0.25)
    assert GaitProfile.from_gait_report({}).activity_fraction("walking") == 0.0


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"pressure": {"ml_tendency": "inward"}}, "ml_tendency"),
        ({"pressure": {"heel_impact": 3}}, "heel_impact"),
        ({"summary": {"cadence_spm": "fast"}}, "cadence_spm"),
        ({"activity": [{"start_s": 5, "end_s": 1, "kind": "walking"}]}, "start_s <= end_s"),
        ({"activity": [{"start_s": 0, "end_s": 1, "kind": "flying"}]}, "kind"),
        ({"activity": "walking"}, "list"),
    ],
)
def test_bad_gait_report_is_refused_clearly(doc, match: str) -> None:
    with pytest.raises(ProfileError, match=match):
        GaitProfile.from_gait_report(doc)


def test_real_footscan_output_fits_by_the_rule() -> None:
    """A synthetic foot scanned and measured by footscan, end to end into the fit."""
    footscan = pytest.importorskip("footscan")
    from storefront.catalog import load_catalog
    from storefront.fit.rules import fit_model

    foot_truth = footscan.make_foot(3, sex="male", side="left")
    capture = footscan.make_capture(foot_truth, 4, n_points=20000, units="mm")
    doc = footscan.measure_scan(capture.cloud).as_dict()
    foot = FootProfile.from_footscan_json(doc)
    assert foot.side == "left"
    assert foot.foot_length_mm == pytest.approx(foot_truth.targets["foot_length_mm"], abs=4.0)
    m = next(m for m in load_catalog().models if m.shop_id == "norma" and m.category == "running")
    r = fit_model(foot, m)
    need = foot.foot_length_mm + m.toe_allowance_mm
    assert r.best_size == min(s.eu for s in m.sizes if s.last_length_mm >= need)
    assert r.best.width_verdict != "unknown"


def test_real_gait_report_drives_the_profile() -> None:
    gait = pytest.importorskip("gait")
    rec = gait.synthesize([("walking", 40.0), ("running", 20.0), ("standing", 10.0)], seed=1)
    doc = gait.analyze(rec).to_dict()
    g = GaitProfile.from_gait_report(doc, age_years=35)
    assert g.cadence_spm is not None and 80.0 < g.cadence_spm < 200.0
    assert g.ml_tendency in ("medial", "neutral", "lateral")
    assert g.activity_fraction("running") > 0.1
