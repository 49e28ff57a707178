"""Scan readers, continued: PLY face lists, USD, glTF/Draco and archives (gzip, zip)."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import trimesh
from io_samples import binary_ply as _binary_ply

from footscan._io import read_scan_bytes
from footscan.exceptions import ScanReadError


def _ply_with_faces(polys: list[list[int]], ascii_: bool, n_vertices: int = 12) -> bytes:
    pts = np.random.default_rng(9).uniform([0, 0, 0], [0.26, 0.1, 0.09], (n_vertices, 3))
    kind = "ascii" if ascii_ else "binary_little_endian"
    head = (
        f"ply\nformat {kind} 1.0\nelement vertex {n_vertices}\nproperty float x\n"
        f"property float y\nproperty float z\nelement face {len(polys)}\n"
        "property list uchar int vertex_indices\nend_header\n"
    ).encode()
    if ascii_:
        body = "".join(f"{x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in pts)
        body += "".join(f"{len(p)} {' '.join(map(str, p))}\n" for p in polys)
        return head + body.encode()
    out = [head, pts.astype("<f4").tobytes()]
    for p in polys:
        out.append(struct.pack(f"<B{len(p)}i", len(p), *p))
    return b"".join(out)


@pytest.mark.parametrize("ascii_", [False, True], ids=["binary", "ascii"])
def test_ply_mixed_polygons_are_fan_triangulated(ascii_) -> None:
    from footscan._io_common import fan_triangulate

    rng = np.random.default_rng(10)
    polys = []
    for size in [3, 3, 4, 4, 4, 0, 1, 2, 5, 3, 6, 4, 3] * 20:
        polys.append([int(v) for v in rng.choice(12, size, replace=False)])
    cloud = read_scan_bytes(_ply_with_faces(polys, ascii_), "mixed.ply")
    assert cloud.faces.tolist() == fan_triangulate(polys).tolist()


@pytest.mark.parametrize("ascii_", [False, True], ids=["binary", "ascii"])
def test_ply_alternating_list_sizes_are_read_then_capped(monkeypatch, ascii_) -> None:
    import time

    import footscan._io_ply as fio
    from footscan._io_common import fan_triangulate

    polys = [[0, 1, 2] if i % 2 else [0, 1, 2, 3] for i in range(200_000)]
    data = _ply_with_faces(polys, ascii_)
    t0 = time.process_time()
    cloud = read_scan_bytes(data, "alternating.ply")
    assert time.process_time() - t0 < 2.0
    assert cloud.faces.tolist() == fan_triangulate(polys).tolist()
    monkeypatch.setattr(fio, "MAX_PLY_WALKED_RECORDS", 50_000)
    with pytest.raises(ScanReadError, match="changes its list lengths every few records"):
        read_scan_bytes(data, "alternating.ply")


def test_usd_style_polygons() -> None:
    from footscan._io_common import fan_triangulate
    from footscan._io_usd_child import UsdReadError, triangulate_polygons

    counts = np.array([3, 4, 5, 2, 4])
    polys = [list(range(s, s + c)) for s, c in zip(np.cumsum(counts) - counts, counts)]
    indices = np.arange(counts.sum())
    got = triangulate_polygons(counts, indices, int(counts.sum()), 100)
    assert got.tolist() == fan_triangulate(polys).tolist()
    with pytest.raises(UsdReadError, match="sum to"):
        triangulate_polygons(counts, indices[:-1], 20, 100)
    with pytest.raises(UsdReadError, match="more than the limit of 5"):
        triangulate_polygons(counts, indices, 20, 5)


def test_glb_accessor_counts_are_checked_before_decoding() -> None:
    doc = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": 12}],
        "bufferViews": [{"buffer": 0, "byteLength": 12}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "type": "VEC3", "count": 6_000_000}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "mode": 0}]}],
        "nodes": [{"mesh": 0}],
        "scenes": [{"nodes": [0]}],
    }
    from footscan._io_gltf import _glb_bytes

    data = _glb_bytes(doc, bytes(12))
    with pytest.raises(ScanReadError, match="6000000 vertices.*limit"):
        read_scan_bytes(data, "lying.glb")
    doc["accessors"][0]["count"] = 4_000_000
    with pytest.raises(ScanReadError, match="accessor 0 needs"):
        read_scan_bytes(_glb_bytes(doc, bytes(12)), "short.glb")


def test_draco_glb_without_dracopy_is_one_precise_line(monkeypatch, foot_mesh) -> None:
    from trimesh.exchange.gltf import export_glb

    pytest.importorskip("DracoPy")
    data = export_glb(trimesh.Scene(foot_mesh), extension_draco=True)
    monkeypatch.setitem(__import__("sys").modules, "DracoPy", None)
    with pytest.raises(ImportError) as info:
        read_scan_bytes(data, "draco.glb")
    assert str(info.value) == (
        "draco.glb: Draco-compressed GLB: install shoestreet[draco] or export without Draco"
    )


# --------------------------------------------------------------------------- gzip, zip, USD


def test_gzip_scans_and_nested_archives(foot_mesh) -> None:
    import gzip

    plain = _binary_ply()
    cloud = read_scan_bytes(gzip.compress(plain), "foot.ply.gz")
    assert cloud.source_format == "gz:ply" and cloud.n_points == 2000
    np.testing.assert_allclose(cloud.points_mm, read_scan_bytes(plain, "foot.ply").points_mm)
    assert read_scan_bytes(gzip.compress(plain), "sniffed").source_format == "gz:ply"
    with pytest.raises(ScanReadError, match="nested archives"):
        read_scan_bytes(gzip.compress(gzip.compress(plain)), "foot.ply.gz.gz")
    with pytest.raises(ScanReadError, match="foot.ply.gz: .*truncated"):
        read_scan_bytes(gzip.compress(plain)[:-500], "foot.ply.gz")
    with pytest.raises(ScanReadError, match="decompression bomb"):
        read_scan_bytes(gzip.compress(b"ply\n" + bytes(40 << 20)), "zeros.ply.gz")


def test_zip_member_errors_name_the_archive_and_the_member() -> None:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("scan/foot.ply", b"ply\nformat ascii 1.0\nelement vertex 3\n")
        zf.writestr("scan/foot.mtl", b"")
    with pytest.raises(ScanReadError, match=r"^share.zip: foot.ply: .*end_header"):
        read_scan_bytes(buf.getvalue(), "share.zip")


USDA = """#usda 1.0
(
    upAxis = "Z"
)
def Mesh "foot"
{
    int[] faceVertexCounts = [4, 3]
    int[] faceVertexIndices = [0, 1, 2, 3, 0, 2, 4]
    point3f[] points = [(0, 0, 0), (26, 0, 0), (26, 10, 0), (0, 10, 0), (13, 5, 9)]
    double3 xformOp:translate = (1, 2, 3)
    uniform token[] xformOpOrder = ["xformOp:translate"]
}
"""


def test_usda_text_layer_without_unit_is_auto_detected() -> None:
    pytest.importorskip("pxr")
    cloud = read_scan_bytes(USDA.encode(), "foot.usda")
    assert cloud.units_detected == "cm" and cloud.units_source == "auto"
    assert cloud.faces.tolist() == [[0, 1, 2], [0, 2, 3], [0, 2, 4]]
    np.testing.assert_allclose(cloud.points_mm[1], [270.0, 20.0, 30.0])
    assert read_scan_bytes(USDA.encode(), "sniffed").source_format == "usd"


def test_usd_references_to_other_files_are_refused(tmp_path) -> None:
    pytest.importorskip("pxr")
    text = "#usda 1.0\n(\n    subLayers = [@/etc/other.usda@]\n)\n"
    with pytest.raises(ScanReadError, match="references '/etc/other.usda'"):
        read_scan_bytes(text.encode(), "evil.usda")


def test_usd_child_crash_is_one_read_error(monkeypatch, tmp_path) -> None:
    """pxr aborts the process on some corrupt files: the child's death is a ScanReadError."""
    pytest.importorskip("pxr")
    import footscan._io_usd as fusd

    crash = tmp_path / "crash.py"
    crash.write_text("import os\nos.abort()\n")
    monkeypatch.setattr(fusd, "_CHILD", str(crash))
    with pytest.raises(ScanReadError, match=r"^foot.usda: the USD library could not read"):
        read_scan_bytes(USDA.encode(), "foot.usda")


def test_mutated_archives_and_glb_never_crash(foot_mesh) -> None:
    """Byte flips, cuts and insertions in zip, gzip and GLB: a FootscanError or a valid cloud."""
    import gzip
    import zipfile

    from trimesh.exchange.gltf import export_glb

    from footscan.exceptions import FootscanError

    verts = np.asarray(foot_mesh.vertices)[:400] / 1000.0
    faces = np.asarray(foot_mesh.faces)
    faces = faces[(faces < 400).all(axis=1)]
    obj = b"".join(write_scan_bytes_obj(verts, faces))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("scan/foot.obj", obj)
        zf.writestr("scan/foot.mtl", b"newmtl a\n")
    samples = [
        (buf.getvalue(), "zip"),
        (gzip.compress(obj), "obj.gz"),
        (export_glb(trimesh.Scene(trimesh.Trimesh(verts, faces, process=False))), "glb"),
    ]
    rng = np.random.default_rng(2027)
    for i in range(300):
        data, ext = samples[i % len(samples)]
        buf2 = bytearray(data)
        kind = i // len(samples) % 3
        if kind == 0:
            for _ in range(int(rng.integers(1, 12))):
                buf2[int(rng.integers(len(buf2)))] = int(rng.integers(256))
        elif kind == 1:
            buf2 = buf2[: int(rng.integers(len(buf2)))]
        else:
            at = int(rng.integers(len(buf2)))
            buf2[at:at] = rng.bytes(int(rng.integers(1, 40)))
        try:
            cloud = read_scan_bytes(bytes(buf2), f"fuzz.{ext}")
        except FootscanError:
            continue
        assert np.isfinite(cloud.points_mm).all()


def write_scan_bytes_obj(verts: np.ndarray, faces: np.ndarray):  # type: ignore[no-untyped-def]
    from footscan._io_obj import encode_obj

    return encode_obj(verts, faces, None, None)
