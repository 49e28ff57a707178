"""GLB export: metres, +Y up, heel at the origin, PBR material, watertight, atomic."""

from __future__ import annotations

import io
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import trimesh

from footscan._export import export_glb, foot_mesh_glb_bytes, reconstruct_surface
from footscan._io import load_scan
from footscan._synthetic import canonical_dimensions_mm, make_foot
from footscan._synthetic_capture import make_capture
from footscan.exceptions import MissingExtraError, ScanValidationError


@pytest.fixture(scope="module")
def foot():
    return make_foot(21, sex="male")


def _load_glb(data: bytes) -> trimesh.Trimesh:
    scene = trimesh.load(io.BytesIO(data), file_type="glb")
    (mesh,) = scene.geometry.values()
    return mesh


def test_mesh_export_units_axes_and_material(tmp_path, foot) -> None:
    path = export_glb(foot, tmp_path / "foot.glb")
    assert [p.name for p in tmp_path.iterdir()] == ["foot.glb"]  # no temporary left behind
    mesh = _load_glb(path.read_bytes())
    length, breadth = canonical_dimensions_mm(foot.vertices_mm)
    lo, hi = mesh.bounds
    # Metres, +Y up: the ground is y = 0, the leg cut at 0.110 m.
    assert lo[1] == pytest.approx(0.0, abs=1e-6)
    assert hi[1] == pytest.approx(0.110, abs=1e-5)
    # Heel (pternion: rear-most point up to 40 mm high) at x = 0, the foot length along +x;
    # the leg above may overhang the heel a little.
    low = mesh.vertices[mesh.vertices[:, 1] <= 0.040]
    assert low[:, 0].min() == pytest.approx(0.0, abs=1e-6)
    assert mesh.vertices[mesh.vertices[:, 1] < 0.050, 0].max() == pytest.approx(
        length / 1000.0, abs=1e-5
    )
    assert -0.01 < lo[0] <= 0.0
    # z = -y_foot: a left foot's medial side (-Y) is at +z.
    assert np.ptp(mesh.vertices[:, 2]) == pytest.approx(breadth / 1000.0, abs=1e-4)
    assert foot.keypoints_mm["big toe"][1] < 0
    assert hi[2] == pytest.approx(-foot.vertices_mm[:, 1].min() / 1000.0, abs=1e-5)
    assert mesh.is_watertight
    material = mesh.visual.material
    assert material.metallicFactor == 0.0
    assert material.roughnessFactor == pytest.approx(0.8)


def test_glb_round_trips_through_the_reader(tmp_path, foot) -> None:
    path = export_glb((foot.vertices_mm, foot.faces), tmp_path / "f.glb")
    back = load_scan(path)
    assert back.units_detected == "m"
    # The reader turns glTF's +Y up back into +Z up: the canonical foot again (float32 GLB).
    np.testing.assert_allclose(back.points_mm, foot.vertices_mm, atol=0.01)


@pytest.mark.parametrize("missing_sole", [True, False])
def test_points_are_meshed_watertight_near_the_truth(foot, missing_sole) -> None:
    cap = make_capture(
        foot,
        3,
        n_points=40_000,
        pose=False,
        floor=False,
        leg=False,
        outlier_fraction=0.0,
        missing_sole=missing_sole,
        holes=2,
    )
    verts, faces = reconstruct_surface(cap.cloud.points_mm)
    mesh = trimesh.Trimesh(verts, faces, process=False)
    assert mesh.is_watertight and mesh.volume > 0
    truth = trimesh.Trimesh(foot.vertices_mm, foot.faces, process=False)
    # Arch and toe gaps are bridged (display mesh): a little more volume, same size.
    assert truth.volume * 0.95 < mesh.volume < truth.volume * 1.35
    np.testing.assert_allclose(
        np.ptp(verts[:, :2], axis=0), np.ptp(truth.vertices[:, :2], axis=0), atol=5.0
    )
    glb = _load_glb(foot_mesh_glb_bytes(cap.cloud.points_mm))
    assert glb.bounds[0][1] == pytest.approx(0.0, abs=1e-6)
    heel_x = verts[verts[:, 2] <= verts[:, 2].min() + 40.0, 0].min()
    assert glb.bounds[1][0] == pytest.approx((verts[:, 0].max() - heel_x) / 1000, abs=1e-4)


def test_accepts_a_scan_result_like_object(foot) -> None:
    cap = make_capture(
        foot, 5, n_points=30_000, pose=False, floor=False, leg=False, outlier_fraction=0.0
    )
    result = SimpleNamespace(points_foot_mm=cap.cloud.points_mm, side="left")
    mesh = _load_glb(foot_mesh_glb_bytes(result))
    assert mesh.is_watertight
    assert mesh.bounds[0][1] == pytest.approx(0.0, abs=1e-6)


def test_export_without_path_returns_bytes(foot) -> None:
    data = export_glb(foot)
    assert isinstance(data, bytes) and data[:4] == b"glTF"
    assert _load_glb(data).is_watertight


def test_export_replaces_existing_file_atomically(tmp_path, foot) -> None:
    path = tmp_path / "foot.glb"
    path.write_bytes(b"old")
    export_glb(foot, path)
    assert path.read_bytes()[:4] == b"glTF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foot.glb"]


def test_bad_input_is_rejected(foot) -> None:
    with pytest.raises(ScanValidationError, match="too few"):
        foot_mesh_glb_bytes(np.zeros((10, 3)))
    bad = np.array(foot.vertices_mm)
    bad[5] = np.nan
    with pytest.raises(ScanValidationError, match="NaN"):
        foot_mesh_glb_bytes(bad, foot.faces)
    with pytest.raises(ScanValidationError, match="shape"):
        foot_mesh_glb_bytes(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="method"):
        reconstruct_surface(foot.vertices_mm, method="magic")


def test_poisson_needs_the_scan_extra(monkeypatch, foot) -> None:
    monkeypatch.setitem(sys.modules, "open3d", None)
    with pytest.raises(MissingExtraError, match=r"shoestreet\[scan\]"):
        reconstruct_surface(foot.vertices_mm, method="poisson")


def test_poisson_reconstruction_when_open3d_is_installed(foot) -> None:
    pytest.importorskip("open3d")
    cap = make_capture(
        foot,
        4,
        n_points=15_000,
        pose=False,
        floor=False,
        leg=False,
        outlier_fraction=0.0,
        missing_sole=False,
        noise_mm=0.5,
    )
    verts, faces = reconstruct_surface(cap.cloud.points_mm, method="poisson")
    assert faces.shape[0] > 1000
    np.testing.assert_allclose(np.ptp(verts[:, 0]), np.ptp(foot.vertices_mm[:, 0]), atol=8.0)
