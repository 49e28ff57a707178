"""Synthetic feet and captures: canonical frame, sizing, determinism, degradations."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

from footscan._ansur import fit_foot_stats, load_foot_stats, sample_foot_targets
from footscan._io import load_scan
from footscan._synthetic import CUT_HEIGHT_MM, canonical_dimensions_mm, make_foot
from footscan._synthetic_capture import make_capture, write_capture


@pytest.fixture(scope="module")
def foot():
    return make_foot(11, sex="female")


@pytest.fixture(scope="module")
def right_foot():
    return make_foot(11, sex="female", side="right")


def _to_canonical(capture) -> np.ndarray:
    t = capture.transform
    return (capture.cloud.points_mm - t[:3, 3]) @ t[:3, :3]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_foot_matches_sampled_length_and_breadth(seed) -> None:
    f = make_foot(seed)
    length, breadth = canonical_dimensions_mm(f.vertices_mm)
    assert abs(length - f.targets["foot_length_mm"]) < 0.5
    assert abs(breadth - f.targets["foot_breadth_mm"]) < 0.5
    assert 200 < length < 320 and 0.3 < breadth / length < 0.45
    mesh = trimesh.Trimesh(f.vertices_mm, f.faces, process=False)
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0


def test_canonical_frame(foot) -> None:
    v = foot.vertices_mm
    assert v[:, 2].min() == pytest.approx(0.0, abs=1e-9)
    assert v[:, 2].max() == pytest.approx(CUT_HEIGHT_MM, abs=1e-6)
    low = v[v[:, 2] <= 40.0]
    pternion = low[np.argmin(low[:, 0])]
    assert pternion[:2] == pytest.approx([0.0, 0.0], abs=1e-6)
    # Axis heel centre -> 2nd toe lies on +X.
    near = low[np.linalg.norm(low - pternion, axis=1) <= 20.0]
    heel_centre = near[:, :2].mean(axis=0)
    toe = foot.keypoints_mm["2nd toe"]
    angle = np.degrees(np.arctan2(toe[1] - heel_centre[1], toe[0] - heel_centre[0]))
    assert abs(angle) < 0.05
    assert toe[0] > 150
    # Left foot: medial (big toe, inner ball) at -Y, lateral (little toe) at +Y.
    assert foot.keypoints_mm["big toe"][1] < foot.keypoints_mm["little toe"][1]
    assert foot.keypoints_mm["inner extrema"][1] < 0 < foot.keypoints_mm["outer extrema"][1]
    # The cap closes the cut exactly at the cut height.
    assert np.allclose(v[np.unique(foot.faces[foot.cap_face_mask]), 2], CUT_HEIGHT_MM)


def test_right_foot_is_the_mirror_image(foot, right_foot) -> None:
    assert right_foot.side == "right"
    np.testing.assert_allclose(right_foot.vertices_mm, foot.vertices_mm * [1, -1, 1])
    mesh = trimesh.Trimesh(right_foot.vertices_mm, right_foot.faces, process=False)
    assert mesh.volume == pytest.approx(
        trimesh.Trimesh(foot.vertices_mm, foot.faces, process=False).volume
    )
    assert right_foot.keypoints_mm["big toe"][1] > right_foot.keypoints_mm["little toe"][1]


def test_determinism(foot) -> None:
    again = make_foot(11, sex="female")
    np.testing.assert_array_equal(again.vertices_mm, foot.vertices_mm)
    assert again.targets == foot.targets
    a = make_capture(foot, 5, n_points=5000)
    b = make_capture(foot, 5, n_points=5000)
    c = make_capture(foot, 6, n_points=5000)
    np.testing.assert_array_equal(a.cloud.points_mm, b.cloud.points_mm)
    np.testing.assert_array_equal(a.transform, b.transform)
    assert not np.array_equal(a.cloud.points_mm, c.cloud.points_mm)
    assert make_foot(12, shape=False).targets != foot.targets


def test_ansur_stats_match_the_csvs(shared_data) -> None:
    fitted = fit_foot_stats(shared_data / "footscan" / "ansur2")
    bundled = load_foot_stats()
    for sex in ("male", "female"):
        np.testing.assert_allclose(fitted[sex]["mean_mm"], bundled[sex]["mean_mm"], atol=1e-3)
        np.testing.assert_allclose(fitted[sex]["cov_mm2"], bundled[sex]["cov_mm2"], atol=1e-3)
    assert bundled["male"]["mean_mm"][0] == pytest.approx(271.2, abs=0.1)
    assert bundled["female"]["mean_mm"][0] == pytest.approx(246.3, abs=0.1)
    rng = np.random.default_rng(0)
    draws = np.array([list(sample_foot_targets(rng, "male").values()) for _ in range(2000)])
    assert draws[:, 0].mean() == pytest.approx(271.2, abs=1.0)
    r = np.corrcoef(draws[:, 0], draws[:, 4])[0, 1]  # length vs ball length ~0.93
    assert r > 0.85


def test_default_capture_is_phone_like(foot) -> None:
    cap = make_capture(foot, 1, n_points=30_000)
    assert cap.cloud.n_points == 30_000
    assert cap.cloud.units_detected == "m"
    counts = np.bincount(cap.labels, minlength=4)
    assert counts[3] == 600  # 2 % outliers
    assert counts[1] > 0 and counts[2] > 0
    canon = _to_canonical(cap)
    floor = canon[cap.labels == 1]
    assert abs(floor[:, 2].mean()) < 0.2 and 0.5 < floor[:, 2].std() < 1.5
    leg = canon[cap.labels == 2]
    assert leg[:, 2].min() > CUT_HEIGHT_MM - 5
    # Surface noise ~1 mm: distance of foot points to the dense mesh vertices.
    foot_pts = canon[cap.labels == 0]
    d, _ = cKDTree(foot.vertices_mm).query(foot_pts)
    assert 0.6 < np.median(d) < 2.5
    # Pose: a rotation about the vertical plus a small tilt.
    rot = cap.transform[:3, :3]
    np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
    tilt = np.degrees(np.arccos(rot[2, 2]))
    assert tilt <= 4.0 + 1e-9


def test_missing_sole_and_occlusion_and_holes(foot) -> None:
    kw = dict(n_points=20_000, floor=False, leg=False, outlier_fraction=0.0, noise_mm=0.0)
    full = _to_canonical(make_capture(foot, 2, missing_sole=False, **kw))
    phone = _to_canonical(make_capture(foot, 2, missing_sole=True, **kw))
    # The relaxed sole is not flat: look at the lowest 8 mm.
    assert np.mean(full[:, 2] < 8.0) > 0.05
    assert np.mean(phone[:, 2] < 8.0) < 0.1 * np.mean(full[:, 2] < 8.0)
    medial = _to_canonical(make_capture(foot, 2, occluded_side="medial", **kw))
    lateral = _to_canonical(make_capture(foot, 2, occluded_side="lateral", **kw))
    assert np.mean(medial[:, 1] < -35) < 0.3 * np.mean(full[:, 1] < -35)
    assert np.mean(lateral[:, 1] > 35) < 0.3 * np.mean(full[:, 1] > 35)
    holed = make_capture(foot, 2, holes=3, **kw)
    pts = _to_canonical(holed)
    for c, r in zip(holed.degradations["hole_centres_mm"], holed.degradations["hole_radii_mm"]):
        assert np.min(np.linalg.norm(pts - c, axis=1)) > r - 1e-6


def test_no_pose_keeps_canonical_frame(foot) -> None:
    cap = make_capture(foot, 3, n_points=5000, pose=False, noise_mm=0.0, outlier_fraction=0.0)
    np.testing.assert_array_equal(cap.transform, np.eye(4))
    assert cap.cloud.points_mm[cap.labels == 0, 2].min() >= -1e-9


@pytest.mark.parametrize(
    ("unit", "fmt", "name"),
    [
        ("m", "ply", "c.ply"),
        ("cm", "xyz", "c.xyz"),
        ("mm", "pcd", "c.pcd"),
        ("m", "obj", "c.obj"),
    ],
)
def test_write_capture_round_trips_in_its_unit(tmp_path, foot, unit, fmt, name) -> None:
    cap = make_capture(foot, 4, n_points=8000, units=unit)
    path = write_capture(cap, tmp_path / name, fmt=fmt)
    back = load_scan(path)
    assert back.units_detected == unit
    np.testing.assert_allclose(back.points_mm, cap.cloud.points_mm, atol=1e-4)


def test_mesh_capture_is_a_scanner_like_mesh(tmp_path, right_foot) -> None:
    cap = make_capture(right_foot, 5, surface="mesh", units="mm", noise_mm=0.3)
    assert cap.cloud.faces is not None
    back = load_scan(write_capture(cap, tmp_path / "scan.stl"))
    assert back.units_detected == "mm"
    assert back.faces.shape == right_foot.faces.shape
    with pytest.raises(ValueError, match="mesh"):
        make_capture(right_foot, 5, surface="mesh", holes=2)


def test_large_capture_counts_are_exact(foot) -> None:
    cap = make_capture(foot, 9, n_points=200_000)
    assert cap.cloud.n_points == 200_000
    assert cap.cloud.points_mm.dtype == np.float64


def test_bundled_demo_capture_is_reproducible(tmp_path) -> None:
    from footscan._demo_assets import build_demo_capture
    from footscan._find import assets_dir

    fresh = build_demo_capture(tmp_path)
    bundled = assets_dir() / "demo" / "phone_scan_left.ply"
    assert fresh.read_bytes() == bundled.read_bytes()
    cloud = load_scan(bundled)
    assert cloud.units_detected == "m" and cloud.n_points == 150_000


def test_bundled_find_assets_match_the_reference_data(shared_data) -> None:
    import hashlib

    from footscan._find import assets_dir, load_find_template

    ref = shared_data / "footscan"
    verts, faces, keypoints = load_find_template()
    obj = load_scan(ref / "find_template" / "template.obj", units="m")
    np.testing.assert_allclose(verts * 1000.0, obj.points_mm, atol=1e-9)
    np.testing.assert_array_equal(faces, obj.faces)
    assert keypoints["2nd toe"] == 42683 and keypoints["heel"] == 12309
    for name, src in [
        ("model.onnx", "find_model/model.onnx"),
        ("LICENSE.FIND.txt", "find_model/LICENSE.FIND.txt"),
        ("LICENSE.FOCUS.txt", "find_template/LICENSE.FOCUS.txt"),
    ]:
        a = hashlib.sha256((assets_dir() / "find" / name).read_bytes()).hexdigest()
        assert a == hashlib.sha256((ref / src).read_bytes()).hexdigest()
