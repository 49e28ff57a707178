"""Two feet in one capture: both are found, measured and reported; the longer one decides."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("onnxruntime")

from scenes import two_feet_capture

from footscan import PointCloud, measure_scan
from footscan.cli import summary_json


@pytest.mark.parametrize(
    ("seed", "kwargs"), [(1, {}), (2, {"gap_mm": 20.0}), (3, {"touching": True})]
)
def test_both_feet_measured_and_the_longer_chosen(seed, kwargs) -> None:
    scene = two_feet_capture(seed, **kwargs)
    res = measure_scan(PointCloud(scene.points_mm))
    results = [res, *res.other_feet]
    assert len(results) == 2
    assert {r.side for r in results} == {"left", "right"}
    truth = {f.side: f.achieved["foot_length_mm"] for f in scene.feet}
    for r in results:
        assert abs(r.measurements.foot_length.value - truth[r.side]) <= 1.5, r.side
    # The top-level foot is the longer one, and the message says which.
    assert res.measurements.foot_length.value >= res.other_feet[0].measurements.foot_length.value
    assert res.side in res.scene_note and "2 feet" in res.scene_note
    data = json.loads(json.dumps(summary_json(res)))
    assert [f["side"] for f in data["feet"]] == [r.side for r in results]
    assert data["foot_length_mm"] == data["feet"][0]["foot_length_mm"]
