"""Quality report: noise, coverage, floor, ratio gates and partial captures."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from footscan import make_capture, make_foot, measure_scan
from footscan._measure import FootMeasurements, Measurement
from footscan._quality import ratio_checks


@pytest.fixture(scope="module")
def foot():
    return make_foot(21, sex="male")


def _m(v: float | None) -> Measurement:
    return Measurement(v, "mm", "measured" if v is not None else "unavailable", 1.0, "")


def test_ratio_flags() -> None:
    names = FootMeasurements.__dataclass_fields__
    vals = dict.fromkeys(names, None)
    vals.update(foot_length=260.0, foot_breadth=130.0, ball_girth=240.0, heel_width=65.0)
    m = FootMeasurements(**{k: _m(v) for k, v in vals.items()})
    ratios, flags = ratio_checks(m)
    assert ratios["breadth_to_length"] == pytest.approx(0.5)
    assert any("breadth_to_length" in f for f in flags)
    assert not any("heel_width" in f for f in flags)


def test_clean_capture_report(foot) -> None:
    r = measure_scan(make_capture(foot, seed=1, n_points=40_000, noise_mm=0.5).cloud)
    q = r.quality
    assert q.accepted and not q.rejection_reasons
    assert q.floor_found and q.floor_inlier_ratio > 0.2
    assert q.n_points_input == 40_000 and q.n_points_foot > 5_000
    assert 0.5 < q.point_spacing_mm < 3.0
    assert q.coverage.heel > 0.8 and q.coverage.toes > 0.8
    assert q.coverage.medial_side > 0.8 and q.coverage.lateral_side > 0.8
    assert q.coverage.sole < 0.5  # phone capture
    d = q.as_dict()
    assert set(d["coverage"]) == {"heel", "toes", "medial_side", "lateral_side", "sole", "dorsum"}


def test_noise_estimate_follows_capture_noise(foot) -> None:
    lo = measure_scan(make_capture(foot, seed=2, n_points=40_000, noise_mm=0.3).cloud)
    hi = measure_scan(make_capture(foot, seed=2, n_points=40_000, noise_mm=2.0).cloud)
    assert hi.quality.noise_mm > 2.5 * lo.quality.noise_mm
    assert hi.measurements.foot_length.confidence < lo.measurements.foot_length.confidence


def test_occluded_side_drops_widths(foot) -> None:
    r = measure_scan(make_capture(foot, seed=3, n_points=40_000, occluded_side="medial").cloud)
    q = r.quality
    assert q.coverage.medial_side < 0.5
    assert not q.accepted and any("medial" in s for s in q.rejection_reasons)
    for name in ("ball_width", "ball_girth", "heel_width"):
        m = getattr(r.measurements, name)
        assert m.value is None and m.status == "unavailable" and "medial" in m.reason


def test_capture_with_sole_gives_arch_height(foot) -> None:
    r = measure_scan(make_capture(foot, seed=4, n_points=40_000, missing_sole=False).cloud)
    assert r.quality.coverage.sole > 0.5
    assert r.measurements.arch_height.value is not None
    assert r.measurements.arch_height.status == "measured"
    assert not any("sole not captured" in f for f in r.quality.flags)


def test_scanner_mesh_has_no_floor(foot) -> None:
    r = measure_scan(make_capture(foot, seed=4, surface="mesh", noise_mm=0.2).cloud)
    assert not r.quality.floor_found
    assert any("no floor" in f for f in r.quality.flags)


def test_sizes_follow_length(foot) -> None:
    r = measure_scan(make_capture(foot, seed=5, n_points=30_000).cloud)
    fl = r.measurements.foot_length.value
    assert r.sizes is not None
    assert abs(r.sizes.mondopoint - fl) <= 2.5
    assert r.sizes.width_fitting_basis == "ball girth"
    assert np.isfinite(r.sizes.exact["eu"])
