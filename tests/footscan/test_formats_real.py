"""Real exports of a real foot: USDZ, zipped OBJ+MTL+PNG, GLB (also Draco), inches.

The plate-scanned foot ``../shared/data/footscan/real/dupont_left_foot.stl`` (binary STL in
metres, MIT, Guy Dupont) is converted into the formats phones and apps export and measured
again: every format must give the foot length of the STL within 0.5 mm. The check is relative
(the pipeline that measures is changing; the readers must not change its input). Bad archives
and decompression bombs must end with exit status 2 and one line.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from footscan import load_scan, measure_scan
from footscan._io import read_scan_bytes, write_scan
from footscan.cli import main
from footscan.exceptions import ScaleUnknownError

pxr = pytest.importorskip("pxr", reason="usd-core (extra 'usd') is not installed")

LENGTH_TOL_MM = 0.5
MM_PER_INCH = 25.4


# --------------------------------------------------------------------------- writers


def write_usdz(
    path: Path,
    points_m: np.ndarray,
    faces: np.ndarray,
    *,
    up_axis: str = "Y",
    meters_per_unit: float = 1.0,
    translate_m: tuple[float, float, float] = (0.3, 0.05, -0.2),
    yaw_deg: float = 90.0,
) -> Path:
    """Write a mesh (Z-up points in metres) as a USDZ package the way an iPhone export looks.

    Parameters
    ----------
    path : Path
        The ``.usdz`` to write (a ``.usdc`` root layer is written beside it first).
    points_m : (n, 3) float64
        Vertices, metres, +Z up (footscan's frame).
    faces : (m, 3) int64
        Triangles.
    up_axis : {"Y", "Z"}
        Stage up axis; for ``"Y"`` the points are stored as (x, z, -y).
    meters_per_unit : float
        Stage ``metersPerUnit``; coordinates are stored in that unit.
    translate_m, yaw_deg : tuple, float
        A parent Xform (translation in metres, rotation about the up axis) so that the reader
        must apply the world transform.
    """
    from pxr import Gf, Sdf, Usd, UsdGeom, UsdUtils

    layer_path = path.with_suffix(".usdc")
    stage = Usd.Stage.CreateNew(str(layer_path))
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y if up_axis == "Y" else UsdGeom.Tokens.z)
    UsdGeom.SetStageMetersPerUnit(stage, meters_per_unit)
    root = UsdGeom.Xform.Define(stage, "/Scan")
    stage.SetDefaultPrim(root.GetPrim())
    pose = UsdGeom.Xform.Define(stage, "/Scan/Foot")
    t = np.asarray(translate_m) / meters_per_unit
    pts = np.asarray(points_m, dtype=np.float64) / meters_per_unit
    if up_axis == "Y":
        pts = np.column_stack([pts[:, 0], pts[:, 2], -pts[:, 1]])
        pose.AddTranslateOp().Set(Gf.Vec3d(float(t[0]), float(t[2]), float(-t[1])))
        pose.AddRotateYOp().Set(yaw_deg)
    else:
        pose.AddTranslateOp().Set(Gf.Vec3d(*map(float, t)))
        pose.AddRotateZOp().Set(yaw_deg)
    mesh = UsdGeom.Mesh.Define(stage, "/Scan/Foot/Mesh")
    mesh.CreatePointsAttr([Gf.Vec3f(*map(float, p)) for p in pts])
    mesh.CreateFaceVertexCountsAttr([3] * len(faces))
    mesh.CreateFaceVertexIndicesAttr([int(i) for i in np.asarray(faces).ravel()])
    stage.GetRootLayer().Save()
    assert UsdUtils.CreateNewUsdzPackage(Sdf.AssetPath(str(layer_path)), str(path))
    layer_path.unlink()
    return path


def tiny_png(rgb: tuple[int, int, int] = (224, 172, 150)) -> bytes:
    """A valid 1 x 1 RGB PNG (signature, IHDR, IDAT, IEND with CRCs)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def obj_zip(points_m: np.ndarray, faces: np.ndarray, compression: int) -> bytes:
    """A phone-app share: foot.obj (with UVs and mtllib) + foot.mtl + texture PNG + clutter."""
    uv = (points_m[:, :2] - points_m[:, :2].min(0)) / np.ptp(points_m[:, :2], axis=0)
    lines = ["# exported by a phone app", "mtllib foot.mtl", "o foot"]
    lines += [f"v {x:.7f} {y:.7f} {z:.7f}" for x, y, z in points_m]
    lines += [f"vt {u:.5f} {v:.5f}" for u, v in uv]
    lines.append("usemtl skin")
    lines += [f"f {a}/{a} {b}/{b} {c}/{c}" for a, b, c in np.asarray(faces) + 1]
    mtl = "newmtl skin\nKa 1 1 1\nKd 0.88 0.67 0.59\nmap_Kd textures/foot_albedo.png\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        zf.writestr("scan/foot.obj", "\n".join(lines) + "\n")
        zf.writestr("scan/foot.mtl", mtl)
        zf.writestr("scan/textures/foot_albedo.png", tiny_png())
        zf.writestr("__MACOSX/scan/._foot.obj", b"\x00\x05\x16\x07" + bytes(60))
        zf.writestr("scan/.DS_Store", bytes(64))
        zf.writestr("README.txt", "scanned with an app\n")
    return buf.getvalue()


def glb_bytes(points_m: np.ndarray, faces: np.ndarray, *, draco: bool = False) -> bytes:
    """A glTF binary in metres, +Y up (points stored as (x, z, -y))."""
    import trimesh
    from trimesh.exchange.gltf import export_glb

    verts = np.column_stack([points_m[:, 0], points_m[:, 2], -points_m[:, 1]])
    scene = trimesh.Scene(trimesh.Trimesh(verts, faces, process=False))
    return export_glb(scene, extension_draco=draco) if draco else export_glb(scene)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def real_foot(shared_data: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """The real foot as (points in metres, faces, foot length in mm from the STL)."""
    path = shared_data / "footscan" / "real" / "dupont_left_foot.stl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    cloud = load_scan(path)
    assert cloud.units_detected == "m"
    length = measure_scan(cloud).measurements.foot_length.value
    assert length is not None
    return cloud.points_mm / 1000.0, cloud.faces, float(length)


def _length_mm(cloud) -> float:  # type: ignore[no-untyped-def]
    value = measure_scan(cloud).measurements.foot_length.value
    assert value is not None
    return float(value)


def _same_geometry(cloud, points_m: np.ndarray, atol_mm: float = 1e-3) -> None:  # type: ignore[no-untyped-def]
    """Same point set up to a rigid motion: compare the sorted pairwise-invariant extents."""
    assert cloud.n_points == len(points_m)
    got = cloud.points_mm - cloud.points_mm.mean(0)
    ref = points_m * 1000.0 - (points_m * 1000.0).mean(0)
    np.testing.assert_allclose(
        np.sort(np.linalg.norm(got, axis=1)), np.sort(np.linalg.norm(ref, axis=1)), atol=atol_mm
    )


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("up_axis", "meters_per_unit"), [("Y", 1.0), ("Z", 0.01)], ids=["m-Yup", "cm-Zup"]
)
def test_usdz_gives_the_same_length(tmp_path, real_foot, up_axis, meters_per_unit) -> None:
    pts, faces, length = real_foot
    path = write_usdz(
        tmp_path / "foot.usdz", pts, faces, up_axis=up_axis, meters_per_unit=meters_per_unit
    )
    cloud = load_scan(path)
    assert cloud.source_format == "usdz"
    assert cloud.units_source == "file" and cloud.units_detected == "m"
    assert cloud.faces.shape == faces.shape
    _same_geometry(cloud, pts, atol_mm=1e-3)
    # Up axis honoured: the foot stands on Z (its height stays the smallest extent).
    extent = np.ptp(cloud.points_mm, axis=0)
    assert extent[2] == pytest.approx(np.ptp(pts[:, 2]) * 1000.0, abs=1e-3)
    assert _length_mm(cloud) == pytest.approx(length, abs=LENGTH_TOL_MM)
    # The same bytes as an upload, and inside a zip.
    data = path.read_bytes()
    assert read_scan_bytes(data, "upload.usdz").n_points == cloud.n_points
    assert read_scan_bytes(data, "no_extension").source_format == "usdz"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("capture/foot.usdz", data)
        zf.writestr("capture/preview.png", tiny_png())
    assert read_scan_bytes(buf.getvalue(), "share.zip").source_format == "zip:usdz"


@pytest.mark.parametrize(
    "compression",
    [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA],
    ids=["stored", "deflated", "bzip2", "lzma"],
)
def test_zipped_obj_mtl_png_gives_the_same_length(tmp_path, real_foot, compression) -> None:
    pts, faces, length = real_foot
    path = tmp_path / "foot_scan.zip"
    path.write_bytes(obj_zip(pts, faces, compression))
    cloud = load_scan(path)
    assert cloud.source_format == "zip:obj" and cloud.units_detected == "m"
    np.testing.assert_allclose(cloud.points_mm, pts * 1000.0, atol=1e-3)
    assert cloud.faces.shape == faces.shape
    if compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        assert _length_mm(cloud) == pytest.approx(length, abs=LENGTH_TOL_MM)


def test_png_texture_is_valid() -> None:
    """Signature, chunk CRCs, IHDR 1 x 1 RGB, IDAT inflating to one filtered pixel row."""
    png = tiny_png((1, 2, 3))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IHDR":
            assert struct.unpack(">IIBBBBB", body) == (1, 1, 8, 2, 0, 0, 0)
        if kind == b"IDAT":
            assert zlib.decompress(body) == b"\x00\x01\x02\x03"
        kinds.append(kind)
        pos += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]


@pytest.mark.parametrize("draco", [False, True], ids=["plain", "draco"])
def test_glb_y_up_metres_gives_the_same_length(tmp_path, real_foot, draco) -> None:
    if draco:
        pytest.importorskip("DracoPy", reason="DracoPy (extra 'draco') is not installed")
    pts, faces, length = real_foot
    path = tmp_path / "foot.glb"
    path.write_bytes(glb_bytes(pts, faces, draco=draco))
    cloud = load_scan(path)
    assert cloud.units_detected == "m"
    # Rotated back from +Y up to +Z up exactly: same coordinates as the STL.
    tol = 0.05 if draco else 1e-3  # Draco quantises positions (14 bits over 0.28 m)
    if draco:
        _same_geometry(cloud, pts, atol_mm=tol)
    else:
        np.testing.assert_allclose(cloud.points_mm, pts * 1000.0, atol=tol)
    assert _length_mm(cloud) == pytest.approx(length, abs=LENGTH_TOL_MM)


def test_inches_are_refused_with_the_fix_and_read_with_units_in(tmp_path, real_foot) -> None:
    pts, faces, length = real_foot
    path = write_scan(tmp_path / "foot_in.ply", pts * 1000.0 / MM_PER_INCH, faces)
    with pytest.raises(ScaleUnknownError, match=r"looks like inches.*--units in"):
        load_scan(path)
    cloud = load_scan(path, units="in")
    assert cloud.units_detected == "in" and cloud.units_source == "override"
    np.testing.assert_allclose(cloud.points_mm, pts * 1000.0, atol=1e-6)
    assert _length_mm(cloud) == pytest.approx(length, abs=LENGTH_TOL_MM)


def test_cli_inches(tmp_path, real_foot, capsys) -> None:
    pts, faces, length = real_foot
    path = write_scan(tmp_path / "foot_in.stl", pts * 1000.0 / MM_PER_INCH, faces)
    assert main(["measure", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--units in" in err
    assert main(["measure", str(path), "--units", "in", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["foot_length_mm"] == pytest.approx(length, abs=LENGTH_TOL_MM)


def test_unscaled_capture_is_refused_for_lack_of_metric_scale(real_foot) -> None:
    pts, faces, _ = real_foot
    extent_m = float(np.ptp(pts, axis=0).max())
    for extent_units in (1.0, 1.7, 2.9):  # arbitrary photogrammetry scales
        scaled = pts * (extent_units / extent_m)
        text = "\n".join(f"{x:.6f} {y:.6f} {z:.6f}" for x, y, z in scaled).encode()
        with pytest.raises(ScaleUnknownError, match="metric scale"):
            read_scan_bytes(text, "photogrammetry.xyz")


# --------------------------------------------------------------------------- bad archives


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


_OBJ = b"v 0 0 0\nv 0.26 0 0\nv 0 0.1 0.08\nf 1 2 3\n"


def _zip_bomb() -> bytes:
    """A 128 MiB member of zeros in a 128 KB zip (written in pieces, never held at once)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("foot.ply", "w", force_zip64=True) as fh:
            block = bytes(1 << 24)
            for _ in range(8):
                fh.write(block)
    return buf.getvalue()


BAD_ARCHIVES = {
    "no_mesh": (_zip({"foot.mtl": b"newmtl a\n", "tex.png": tiny_png()}), "no scan in the zip"),
    "two_meshes": (_zip({"left.obj": _OBJ, "right.obj": _OBJ}), "2 scans in one zip"),
    "traversal": (_zip({"../../etc/foot.obj": _OBJ}), "unsafe file name"),
    "absolute": (_zip({"/tmp/foot.obj": _OBJ}), "unsafe file name"),
    "nested": (_zip({"inner.zip": _zip({"foot.obj": _OBJ})}), "nested archives"),
    "not_a_zip": (b"PK\x03\x04" + bytes(100), "not a valid zip"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARCHIVES))
def test_bad_archives_exit_2_with_one_line(tmp_path, capsys, case) -> None:
    data, expected = BAD_ARCHIVES[case]
    path = tmp_path / "scan.zip"
    path.write_bytes(data)
    assert main(["measure", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footscan: error: scan.zip: ") and err.count("\n") == 1
    assert expected in err


def test_zip_bomb_exits_2_with_one_line_quickly(tmp_path, capsys) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(_zip_bomb())
    assert path.stat().st_size < 1 << 20
    assert main(["measure", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "decompression" in err


def _ply_face_bomb(n_faces: int) -> bytes:
    """A PLY whose face element holds ``n_faces`` one-byte records (empty lists)."""
    pts = np.random.default_rng(0).uniform(0.0, 0.26, (400, 3)).astype("<f4")
    header = (
        "ply\nformat binary_little_endian 1.0\nelement vertex 400\nproperty float x\n"
        f"property float y\nproperty float z\nelement face {n_faces}\n"
        "property list uchar int vertex_indices\nend_header\n"
    ).encode()
    return header + pts.tobytes() + bytes(n_faces)


_BOMB_PROBE = r"""
import json, resource, sys, time, tracemalloc
from footscan._io import read_scan_bytes
from footscan.exceptions import FootscanError
data = open(sys.argv[1], "rb").read()
name = sys.argv[2]
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
t0 = time.perf_counter()
try:
    read_scan_bytes(data, name)
    outcome = "read"
except FootscanError as exc:
    outcome = str(exc)
elapsed = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1]
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "seconds": elapsed, "peak_bytes": peak,
                  "rss_growth_bytes": (rss1 - rss0) * 1024}))
"""


@pytest.mark.parametrize(
    ("name", "n_faces", "compress"),
    [("bomb.ply.gz", 39_000_000, True), ("bomb.ply", 39_000_000, False)],
)
def test_face_record_bomb_is_refused_fast_and_small(tmp_path, name, n_faces, compress) -> None:
    """Issue 13: 39 M one-byte face records in a 50 KB gzip cost 3.2 GB and 110 s."""
    raw = _ply_face_bomb(n_faces)
    data = gzip.compress(raw, 9) if compress else raw
    del raw
    path = tmp_path / name
    path.write_bytes(data)
    proc = subprocess.run(
        [sys.executable, "-c", _BOMB_PROBE, str(path), name],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    probe = json.loads(proc.stdout)
    assert probe["outcome"].startswith(name), probe
    assert "limit" in probe["outcome"] or "bomb" in probe["outcome"], probe
    assert probe["seconds"] < 2.0, probe
    assert probe["peak_bytes"] < 100 * 2**20, probe
    assert probe["rss_growth_bytes"] < 100 * 2**20, probe
    assert main(["measure", str(path)]) == 2


def test_face_records_under_the_header_limit_cost_no_more_than_their_bytes() -> None:
    """9.9 M empty face records (under the 10 M limit) are skipped without a Python loop."""
    import time
    import tracemalloc

    data = _ply_face_bomb(9_900_000)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        cloud = read_scan_bytes(data, "empty_faces.ply")
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert cloud.n_points == 400 and cloud.faces is None
    assert elapsed < 2.0
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MiB"
