"""Scale equivariance against independent truths: a foot made s times larger measures s times
more, within the accuracy targets.

The foot mesh itself is scaled (not the capture), so the capture noise stays 1 mm as a real
larger foot would have it. The truth is computed here on the scaled clean mesh by another
route than the generator's: trimesh's plane section through the scaled MTH1 / MTH5 keypoints
and scipy's convex hull (perimeter) for the tape-like ball girth; the vertex extremes with the
scaled height limits for the foot length; the keypoints' floor distance for the ball width.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh
from scipy.spatial import ConvexHull

from footscan import make_capture, make_foot, measure_scan

pytest.importorskip("onnxruntime")

SCALES = (0.9, 1.0, 1.1)
LIMITS_MM = {"foot_length": 1.0, "ball_width": 2.0, "ball_girth": 3.0}  # issue 8's MAE targets


def _scaled(foot, s: float):
    return dataclasses.replace(
        foot,
        vertices_mm=foot.vertices_mm * s,
        keypoints_mm={k: v * s for k, v in foot.keypoints_mm.items()},
        cut_height_mm=foot.cut_height_mm * s,
    )


def _truth(foot, s: float) -> dict[str, float]:
    mesh = trimesh.Trimesh(foot.vertices_mm, foot.faces, process=False)
    v = np.asarray(mesh.vertices)
    length = v[v[:, 2] < 50.0 * s, 0].max() - v[v[:, 2] <= 40.0 * s, 0].min()
    a, b = foot.keypoints_mm["inner extrema"], foot.keypoints_mm["outer extrema"]
    along = np.array([b[0] - a[0], b[1] - a[1], 0.0])
    along /= np.linalg.norm(along)
    section = mesh.section(plane_origin=a, plane_normal=np.array([-along[1], along[0], 0.0]))
    pts = np.asarray(section.vertices)
    girth = ConvexHull(np.column_stack([pts @ along, pts[:, 2]])).area  # 2-D: the perimeter
    return {
        "foot_length": float(length),
        "ball_width": float(np.hypot(*(a[:2] - b[:2]))),
        "ball_girth": float(girth),
    }


@pytest.fixture(scope="module")
def runs() -> dict[float, tuple[dict[str, float], dict[str, float | None]]]:
    foot = make_foot(11, sex="female")
    out = {}
    for s in SCALES:
        big = _scaled(foot, s)
        res = measure_scan(make_capture(big, seed=3, n_points=40_000, noise_mm=1.0).cloud)
        assert res.quality.accepted
        out[s] = (_truth(big, s), res.measurements.values_mm())
    return out


def test_truth_route_agrees_with_the_generator() -> None:
    foot = make_foot(11, sex="female")
    t = _truth(foot, 1.0)
    assert t["foot_length"] == pytest.approx(foot.achieved["foot_length_mm"], abs=0.5)
    assert t["ball_girth"] == pytest.approx(foot.achieved["ball_girth_mm"], abs=1.0)


def test_scaled_foot_measures_scaled_truth(runs) -> None:
    for s, (truth, got) in runs.items():
        print(s, {k: round(got[k] - truth[k], 2) for k in LIMITS_MM})
        for k, limit in LIMITS_MM.items():
            assert abs(got[k] - truth[k]) <= limit, (s, k, got[k], truth[k])


def test_measured_length_ratio_follows_the_scale(runs) -> None:
    """measured(1.1) / measured(0.9) equals 1.1 / 0.9 within 0.6 % for the foot length (the
    two feet's errors against their truths differ by less than the accuracy band: 1 mm on 234
    and 287 mm is 0.4 %). Widths and girths are held to their truths above, not to a ratio of
    single captures: their capture-to-capture spread (girth SD ~1.5 mm over seeds 3-6, 0.6 %)
    is as large as the equivariance to test; over four captures each the girth ratio is
    0.75 +- 0.45 % off, no drift shown at that precision (docs/footscan.md §7)."""
    (_, small), (_, large) = runs[0.9], runs[1.1]
    ratio = large["foot_length"] / small["foot_length"] / (1.1 / 0.9)
    print(f"length ratio {ratio - 1.0:+.4f}")
    assert ratio == pytest.approx(1.0, abs=0.006)
