"""End-to-end pipeline: frame, side, invariances (mirror, scale, rigid, order), mesh input."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from footscan import (
    PointCloud,
    ScanValidationError,
    load_scan,
    make_capture,
    make_foot,
    measure_scan,
    write_capture,
)
from footscan._align import MIRROR_Y

LENGTHS = ("foot_length", "foot_breadth", "ball_width", "heel_width", "ball_girth", "instep_girth")


@pytest.fixture(scope="module")
def foot():
    return make_foot(11, sex="female")


@pytest.fixture(scope="module")
def capture(foot):
    return make_capture(foot, seed=3, n_points=40_000, noise_mm=1.0)


@pytest.fixture(scope="module")
def result(capture):
    return measure_scan(capture.cloud)


def _cloud(points: np.ndarray) -> PointCloud:
    return PointCloud(points_mm=np.ascontiguousarray(points))


def test_result_shape(result, foot) -> None:
    assert result.side == foot.side == "left"
    assert result.side_method == "foot-model fit"
    d = result.as_dict()
    for key in (
        "side",
        "foot_length_mm",
        "ball_width_mm",
        "heel_width_mm",
        "ball_girth_mm",
        "instep_girth_mm",
        "arch_height_mm",
        "instep_height_mm",
        "sizes",
        "quality",
    ):
        assert key in d
    # Phone capture, no sole: the arch comes from the fitted model and says so.
    assert result.measurements.arch_height.status == "model-completed"
    assert result.measurements.arch_height.uncertainty is not None
    assert result.quality.floor_found
    assert result.sizes is not None and result.sizes.mondopoint % 5 == 0
    assert result.points_foot_mm.shape[1] == 3


def test_transform_recovers_the_pose(result, capture) -> None:
    # canonical -> capture (known) followed by capture -> foot frame (ours) is nearly identity.
    combo = result.transform_to_foot @ capture.transform
    yaw = np.degrees(np.arctan2(combo[1, 0], combo[0, 0]))
    assert abs(yaw) < 2.0
    assert np.allclose(combo[2, :3], [0, 0, 1], atol=0.02)
    assert np.all(np.abs(combo[:3, 3]) < 5.0)


def test_mirror_gives_other_side_same_numbers(capture, result) -> None:
    mirrored = measure_scan(_cloud(capture.cloud.points_mm @ MIRROR_Y))
    assert mirrored.side == "right"
    a, b = result.measurements.values_mm(), mirrored.measurements.values_mm()
    for k in LENGTHS:
        # Girths rest partly on the fitted model (no sole): their own uncertainty is ~1 mm.
        tol = 1.0 if k.endswith("girth") else 0.5
        assert abs(a[k] - b[k]) <= tol, k


@pytest.mark.parametrize("scale", [0.9, 1.1])
def test_scale_equivariance(capture, result, scale: float) -> None:
    scaled = measure_scan(_cloud(capture.cloud.points_mm * scale))
    a, b = result.measurements.values_mm(), scaled.measurements.values_mm()
    for k in ("foot_length", "foot_breadth", "ball_width", "ball_girth", "heel_width"):
        # ref §7 starts from 0.5 %; the toe crests found on a rescaled, re-noised outline can
        # move the axis by ~1 deg, which moves the breadth by up to ~0.5 %: 0.6 % is allowed.
        # The heel width at its 16 % station moves most with the axis: 1 % (0.65 mm).
        tol = 0.010 if k == "heel_width" else 0.006
        assert b[k] / (a[k] * scale) == pytest.approx(1.0, abs=tol), k


def test_rigid_and_order_invariance(capture, result) -> None:
    rng = np.random.default_rng(5)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))
    moved = capture.cloud.points_mm @ q.T + [500.0, -200.0, 80.0]
    moved = moved[rng.permutation(moved.shape[0])]
    other = measure_scan(_cloud(moved))
    a, b = result.measurements.values_mm(), other.measurements.values_mm()
    assert abs(a["foot_length"] - b["foot_length"]) < 0.5
    assert abs(a["ball_girth"] - b["ball_girth"]) < 1.5


def test_given_side_is_used(capture) -> None:
    r = measure_scan(capture.cloud, side="left")
    assert r.side_method == "given" and r.side_confidence == 1.0


def test_scanner_mesh_without_floor(foot) -> None:
    cap = make_capture(foot, seed=4, surface="mesh", noise_mm=0.3)
    r = measure_scan(cap.cloud)
    assert not r.quality.floor_found
    assert r.side == "left"
    # A relaxed (non-weight-bearing) mesh rests on heel and ball, so its support plane is
    # tilted against the canonical floor (lowest point): lengths agree to a few per cent only.
    fl = r.measurements.foot_length.value
    assert abs(fl / foot.achieved["foot_length_mm"] - 1.0) < 0.03


def test_file_in_metres_round_trip(tmp_path, capture, result) -> None:
    path = write_capture(capture, tmp_path / "scan.ply")
    cloud = load_scan(path)
    assert cloud.units_detected == "m"
    again = measure_scan(cloud)
    assert abs(again.measurements.foot_length.value - result.measurements.foot_length.value) < 0.3


def test_rejects_wrong_types() -> None:
    with pytest.raises(ScanValidationError):
        measure_scan(np.zeros((10, 3)))  # type: ignore[arg-type]
    with pytest.raises(ScanValidationError, match="side"):
        measure_scan(_cloud(np.zeros((400, 3))), side="both")
