"""Scan readers: every format round trip, unit rules, and clear errors on bad input."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
import trimesh
from io_samples import binary_ply as _binary_ply

from footscan._io import MAX_POINTS, load_scan, read_scan_bytes, write_scan
from footscan._units import detect_units
from footscan.exceptions import ScaleUnknownError, ScanReadError, ScanValidationError


def _same_points(a: np.ndarray, b: np.ndarray, tol: float) -> None:
    assert a.shape == b.shape
    ia = np.lexsort(np.round(a, 3).T)
    ib = np.lexsort(np.round(b, 3).T)
    np.testing.assert_allclose(a[ia], b[ib], atol=tol)


WRITE_CASES = [
    ("ply", "scan.ply", True, True, True),
    ("ply_ascii", "scan.ply", True, True, True),
    ("ply_be", "scan.ply", True, True, True),
    ("pcd", "scan.pcd", False, True, True),
    ("pcd_ascii", "scan.pcd", False, True, True),
    ("xyz", "scan.xyz", False, True, False),
    ("csv", "scan.csv", False, True, True),
    ("obj", "scan.obj", True, False, False),
    ("stl", "scan.stl", True, False, False),
    ("stl_ascii", "scan.stl", True, False, False),
]


@pytest.mark.parametrize(("fmt", "name", "has_faces", "has_normals", "has_colors"), WRITE_CASES)
@pytest.mark.parametrize("unit", ["m", "cm", "mm"])
def test_round_trip_every_format_and_unit(
    tmp_path, foot_mesh, fmt, name, has_faces, has_normals, has_colors, unit
) -> None:
    factor = {"m": 1000.0, "cm": 10.0, "mm": 1.0}[unit]
    verts_mm = np.asarray(foot_mesh.vertices)
    normals = np.asarray(foot_mesh.vertex_normals)
    colors = np.random.default_rng(0).integers(0, 256, (len(verts_mm), 3)).astype(np.uint8)
    path = write_scan(
        tmp_path / name,
        verts_mm / factor,
        np.asarray(foot_mesh.faces),
        normals=normals if has_normals else None,
        colors=colors if has_colors else None,
        fmt=fmt,
    )
    cloud = load_scan(path)
    assert cloud.units_detected == unit
    assert cloud.units_source == "auto"
    _same_points(cloud.points_mm, verts_mm, tol=1e-4 * max(factor, 1.0))
    if has_faces:
        assert cloud.faces is not None and cloud.faces.shape == foot_mesh.faces.shape
        rebuilt = trimesh.Trimesh(cloud.points_mm, cloud.faces, process=False)
        assert rebuilt.is_watertight
        assert rebuilt.volume == pytest.approx(foot_mesh.volume, rel=1e-4)
    if has_normals:
        assert cloud.normals is not None
        assert np.allclose(np.linalg.norm(cloud.normals, axis=1), 1.0, atol=1e-4)
    if has_colors and fmt != "pcd_ascii":
        assert cloud.colors is not None and cloud.colors.dtype == np.uint8
        if fmt.startswith("ply"):
            np.testing.assert_array_equal(cloud.colors, colors)


@pytest.mark.parametrize("ext", ["ply", "stl", "obj", "glb", "off"])
def test_reads_files_written_by_trimesh(tmp_path, foot_mesh, ext) -> None:
    path = tmp_path / f"tm.{ext}"
    mesh = foot_mesh.copy()
    mesh.vertices = mesh.vertices / 1000.0  # metres, like phone apps
    mesh.export(path)
    if ext == "off":
        with pytest.raises(ScanReadError, match="unrecognised|unparseable"):
            load_scan(path)
        return
    cloud = load_scan(path)
    assert cloud.units_detected == "m"
    assert cloud.faces is not None and len(cloud.faces) == len(foot_mesh.faces)
    extent = np.sort(np.ptp(cloud.points_mm, axis=0))
    np.testing.assert_allclose(extent, np.sort(np.ptp(foot_mesh.vertices, axis=0)), rtol=1e-5)


def test_gltf_is_rotated_from_y_up_to_z_up(tmp_path) -> None:
    box = trimesh.creation.box(extents=[0.26, 0.08, 0.10])  # glTF: x 0.26, y (up) 0.08, z 0.10
    path = tmp_path / "b.glb"
    box.export(path)
    cloud = load_scan(path)
    np.testing.assert_allclose(np.ptp(cloud.points_mm, axis=0), [260.0, 100.0, 80.0], atol=1e-3)


def test_ply_polygons_are_triangulated_and_big_endian_works() -> None:
    header = (
        b"ply\nformat binary_big_endian 1.0\nelement vertex 5\nproperty float x\n"
        b"property float y\nproperty float z\nelement face 2\n"
        b"property list uchar int vertex_indices\nend_header\n"
    )
    verts = np.array(
        [[0, 0, 0], [0.25, 0, 0], [0.25, 0.1, 0], [0, 0.1, 0], [0.1, 0.05, 0.08]], ">f4"
    )
    quad = np.array([4], ">u1").tobytes() + np.array([0, 1, 2, 3], ">i4").tobytes()
    tri = np.array([3], ">u1").tobytes() + np.array([0, 1, 4], ">i4").tobytes()
    cloud = read_scan_bytes(header + verts.tobytes() + quad + tri, "poly.ply")
    assert cloud.faces.tolist() == [[0, 1, 2], [0, 2, 3], [0, 1, 4]]
    assert cloud.points_mm[1, 0] == pytest.approx(250.0)


def test_ascii_ply_with_mixed_polygons_and_float_colours() -> None:
    text = (
        "ply\nformat ascii 1.0\ncomment made by hand\nelement vertex 4\nproperty double x\n"
        "property double y\nproperty double z\nproperty float red\nproperty float green\n"
        "property float blue\nelement face 2\nproperty list uchar int vertex_index\nend_header\n"
        "0 0 0 1 0 0\n260 0 0 0 1 0\n260 100 0 0 0 1\n0 100 80 0.5 0.5 0.5\n3 0 1 2\n4 0 1 2 3\n"
    )
    cloud = read_scan_bytes(text.encode(), "hand.ply")
    assert cloud.units_detected == "mm"
    assert cloud.faces.shape == (3, 3)
    assert cloud.colors.tolist()[0] == [255, 0, 0] and cloud.colors[3, 0] == 128


def test_xyz_variants_header_comments_extra_columns() -> None:
    pts = np.random.default_rng(1).uniform([0, 0, 0], [0.26, 0.1, 0.09], (200, 3))
    body = "\n".join(f"{x:.6f},{y:.6f},{z:.6f},7" for x, y, z in pts)
    csv = read_scan_bytes(("X,Y,Z,intensity\n" + body).encode(), "p.csv")
    np.testing.assert_allclose(csv.points_mm, pts * 1000, atol=1e-3)
    # Leica PTS: a count line, then x y z intensity r g b.
    pts_lines = "\n".join(
        f"{x * 100:.4f} {y * 100:.4f} {z * 100:.4f} -512 10 20 30" for x, y, z in pts
    )
    leica = read_scan_bytes(f"200\n{pts_lines}\n".encode(), "scan.pts")
    assert leica.units_detected == "cm"
    assert leica.colors.tolist()[0] == [10, 20, 30]
    # Semicolons, comment lines and Windows line ends.
    semi = "# exported\r\n" + "\r\n".join(f"{x};{y};{z}" for x, y, z in pts * 1000)
    assert read_scan_bytes(semi.encode(), "s.txt").n_points == 200


def test_obj_with_texture_and_normal_indices_and_negative_indices() -> None:
    text = (
        "o foot\nv 0 0 0\nv 0.26 0 0\nv 0.26 0.1 0\nv 0 0.1 0.08\nvt 0 0\nvn 0 0 1\n"
        "f 1/1/1 2/1/1 3/1/1\nf -4//1 -2//1 -1//1\n"
    )
    cloud = read_scan_bytes(text.encode(), "t.obj")
    assert cloud.faces.tolist() == [[0, 1, 2], [0, 2, 3]]
    assert cloud.units_detected == "m"


def test_units_override_and_detection_rules() -> None:
    foot = np.random.default_rng(2).uniform([0, 0, 0], [0.26, 0.1, 0.09], (500, 3))
    assert detect_units(foot) == "m"
    assert detect_units(foot * 100) == "cm"
    assert detect_units(foot * 1000) == "mm"
    # A foot with floor and leg, up to ~0.6 m, is still recognised.
    assert detect_units(np.vstack([foot, [[0.6, 0.0, 0.0]] * 10])) == "m"
    data = "\n".join(" ".join(map(str, p)) for p in foot * 3).encode()  # 0.78 raw: no unit fits
    with pytest.raises(ScaleUnknownError, match="units='m'"):
        read_scan_bytes(data, "odd.xyz")
    forced = read_scan_bytes(data, "odd.xyz", units="mm")
    assert forced.units_source == "override" and forced.units_detected == "mm"
    np.testing.assert_allclose(forced.points_mm, foot * 3, atol=1e-9)
    with pytest.raises(ScanValidationError, match="units must be one of"):
        read_scan_bytes(data, "odd.xyz", units="inch")


BAD_INPUTS = [
    ("empty.ply", b"", ScanReadError, "empty"),
    (
        "random.ply",
        bytes(np.random.default_rng(4).integers(0, 256, 4096, dtype=np.uint8)),
        ScanReadError,
        "not a PLY",
    ),
    (
        "random.bin",
        bytes(np.random.default_rng(5).integers(0, 256, 4096, dtype=np.uint8)),
        ScanReadError,
        "unrecognised",
    ),
    (
        "random.stl",
        bytes(np.random.default_rng(6).integers(0, 256, 4099, dtype=np.uint8)),
        ScanReadError,
        "STL",
    ),
    ("random.glb", b"glTF" + bytes(200), ScanReadError, "GLB"),
    ("random.obj", b"hello\nworld\n", ScanReadError, "no vertex"),
    ("random.xyz", b"hello\nworld\n", ScanReadError, "numeric"),
    ("noheader.ply", b"ply\nformat ascii 1.0\nelement vertex 3\n", ScanReadError, "end_header"),
    (
        "huge.ply",
        b"ply\nformat binary_little_endian 1.0\nelement vertex 4000000000\n"
        b"property float x\nproperty float y\nproperty float z\nend_header\n" + bytes(64),
        ScanReadError,
        "limit",
    ),
    (
        "trunc.pcd",
        b"VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 1000\n"
        b"HEIGHT 1\nPOINTS 1000\nDATA binary\n" + bytes(100),
        ScanReadError,
        "truncated",
    ),
    ("allnan.xyz", b"nan nan nan\n" * 20, ScanValidationError, "NaN"),
    ("mostlyinf.xyz", b"inf 0 0\n" * 20 + b"0.1 0.2 0.05\n", ScanValidationError, "NaN or inf"),
    ("km.xyz", b"0 0 0\n0.00026 0.0001 0\n0.0001 0.00005 0.00009\n", ScaleUnknownError, "extent"),
    (
        "ascii_trunc.ply",
        b"ply\nformat ascii 1.0\nelement vertex 10\nproperty float x\n"
        b"property float y\nproperty float z\nend_header\n0 0 0\n1 1 1\n",
        ScanReadError,
        "truncated",
    ),
    (
        "badidx.ply",
        b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
        b"property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
        b"0 0 0\n0.26 0 0\n0 0.1 0.09\n3 0 1 7\n",
        ScanReadError,
        "out of range",
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "exc", "match"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_gives_clear_error(name, data, exc, match) -> None:
    with pytest.raises(exc, match=match) as info:
        read_scan_bytes(data, name)
    assert str(info.value).startswith(name)


@pytest.mark.parametrize("cut", [0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
def test_truncated_binary_ply_is_a_read_error(cut) -> None:
    data = _binary_ply()
    with pytest.raises(ScanReadError, match="truncated|end_header"):
        read_scan_bytes(data[: int(len(data) * cut)], "cut.ply")


def test_nan_minority_is_dropped_and_faces_reindexed() -> None:
    pts = np.random.default_rng(7).uniform([0, 0, 0], [260, 100, 90], (10, 3))
    pts[3] = np.nan
    faces = np.array([[0, 1, 2], [2, 3, 4], [4, 5, 6]])
    buf = io.BytesIO()
    header = (
        "ply\nformat ascii 1.0\nelement vertex 10\nproperty double x\nproperty double y\n"
        "property double z\nelement face 3\nproperty list uchar int vertex_indices\nend_header\n"
    )
    buf.write(header.encode())
    buf.write("\n".join(" ".join(str(v) for v in p) for p in pts).encode() + b"\n")
    buf.write("\n".join("3 " + " ".join(map(str, f)) for f in faces).encode() + b"\n")
    cloud = read_scan_bytes(buf.getvalue(), "nan.ply")
    assert cloud.n_points == 9
    assert cloud.faces.tolist() == [[0, 1, 2], [3, 4, 5]]
    np.testing.assert_allclose(cloud.points_mm[3], pts[4])


def test_missing_file_and_wrong_type(tmp_path) -> None:
    with pytest.raises(ScanReadError, match="no such file"):
        load_scan(tmp_path / "nope.ply")
    with pytest.raises(ScanReadError, match="expected bytes"):
        read_scan_bytes("not bytes", "x.ply")  # type: ignore[arg-type]


def test_five_million_points_load_in_bounded_memory(tmp_path) -> None:
    n = 5_000_000
    assert n <= MAX_POINTS
    rng = np.random.default_rng(8)
    pts = rng.uniform([0, 0, 0], [0.26, 0.1, 0.09], (n, 3)).astype(np.float32)
    path = write_scan(tmp_path / "big.ply", pts, fmt="ply", float32=True)
    del pts
    tracemalloc.start()
    try:
        cloud = load_scan(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert cloud.n_points == n and cloud.units_detected == "m"
    # File bytes (60 MB) + float64 result (120 MB) + temporaries: well under 0.5 GB.
    assert peak < 500 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_mutated_files_never_crash(tmp_path, foot_mesh) -> None:
    """Random byte flips, cuts and insertions give a FootscanError or a valid cloud."""
    from footscan.exceptions import FootscanError

    rng = np.random.default_rng(2026)
    verts = np.asarray(foot_mesh.vertices)[:400] / 1000.0
    faces = np.asarray(foot_mesh.faces)
    faces = faces[(faces < 400).all(axis=1)]
    samples = []
    for fmt, ext in [
        ("ply", "ply"),
        ("ply_ascii", "ply"),
        ("ply_be", "ply"),
        ("pcd", "pcd"),
        ("xyz", "xyz"),
        ("csv", "csv"),
        ("obj", "obj"),
        ("stl", "stl"),
    ]:
        path = write_scan(tmp_path / f"m_{fmt}.{ext}", verts, faces, fmt=fmt)
        samples.append((path.read_bytes(), ext))
    for i in range(600):
        data, ext = samples[i % len(samples)]
        buf = bytearray(data)
        kind = i // len(samples) % 3
        if kind == 0:
            for _ in range(int(rng.integers(1, 12))):
                buf[int(rng.integers(len(buf)))] = int(rng.integers(256))
        elif kind == 1:
            buf = buf[: int(rng.integers(len(buf)))]
        else:
            at = int(rng.integers(len(buf)))
            buf[at:at] = rng.bytes(int(rng.integers(1, 40)))
        try:
            cloud = read_scan_bytes(bytes(buf), f"fuzz.{ext}")
        except FootscanError:
            continue
        assert np.isfinite(cloud.points_mm).all()
        if cloud.faces is not None:
            assert cloud.faces.min() >= 0 and cloud.faces.max() < cloud.n_points


# --------------------------------------------------------------------------- units: inches, no scale


def test_inches_are_never_guessed_and_cm_keeps_working() -> None:
    from footscan._units import to_mm

    foot = np.random.default_rng(2).uniform([0, 0, 0], [0.26, 0.1, 0.09], (500, 3))
    extent_m = 0.26
    inches = foot * 1000.0 / 25.4  # extent ~10.2 in: 102 mm as cm, 260 mm as inches
    with pytest.raises(ScaleUnknownError, match=r"looks like inches \(26\d mm\).*--units in"):
        detect_units(inches)
    small = foot * 0.5 * 1000.0 / 25.4  # a 130 mm child's foot in inches: only inches fit
    with pytest.raises(ScaleUnknownError, match="looks like inches"):
        detect_units(small)
    pts_mm, unit, source = to_mm(inches, "in")
    assert (unit, source) == ("in", "override")
    np.testing.assert_allclose(pts_mm, foot * 1000.0)
    # cm stays detected where inches would be an implausibly large scene (26 raw -> 660 mm).
    assert detect_units(foot * 100) == "cm"
    # With a floor patch (45 raw) only cm fits.
    assert detect_units(np.vstack([foot * 100, [[45.0, 0.0, 0.0]] * 10])) == "cm"
    # 22 raw: 220 mm as cm, 559 mm as inches: both typical, refused naming both fixes.
    with pytest.raises(ScaleUnknownError, match=r"--units in.*--units cm"):
        detect_units(foot * (22.0 / extent_m))


@pytest.mark.parametrize("extent", [0.02, 1.0, 1.7, 2.9, 5000.0])
def test_unscaled_extents_ask_for_a_metric_scale(extent) -> None:
    foot = np.random.default_rng(3).uniform([0, 0, 0], [0.26, 0.1, 0.09], (500, 3))
    with pytest.raises(ScaleUnknownError, match="metric scale") as info:
        detect_units(foot * (extent / 0.26))
    assert "\n" not in str(info.value)


def test_units_in_through_load_scan(tmp_path, foot_mesh) -> None:
    path = write_scan(tmp_path / "inch.obj", np.asarray(foot_mesh.vertices) / 25.4, foot_mesh.faces)
    with pytest.raises(ScaleUnknownError, match="pass --units in"):
        load_scan(path)
    cloud = load_scan(path, units="in")
    np.testing.assert_allclose(cloud.points_mm, foot_mesh.vertices, atol=1e-5)


# --------------------------------------------------------------------------- polygons and budgets
