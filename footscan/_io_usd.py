"""USD readers: ``.usdz`` (the iPhone's default 3D export) and single-file ``.usd/.usda/.usdc``.

Read with Pixar's ``usd-core`` (``pxr``; extra ``usd``). Every ``UsdGeom.Mesh`` (and
``UsdGeom.Points``) of the composed stage is taken with its local-to-world transform, polygons
are fan-triangulated, the stage's ``upAxis`` is honoured (Y up is rotated to our +Z up, like
glTF) and an authored ``metersPerUnit`` becomes the declared unit (coordinates are returned in
metres with ``units_hint="m"``; without it the unit is inferred from the extent as for any
other format).

``pxr`` opens files by path only, so the bytes go to a private temporary file. A layer may
reference other files by path: a USDZ may only reference files inside its own package, and a
single-file USD nothing at all, so a scan can never pull in files from the server's disk.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import zipfile
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan._io_common import MAX_FACES, MAX_POINTS, Raw, check_count, short_error
from footscan.exceptions import MissingExtraError, ScanReadError

__all__ = ["read_usd_bytes", "read_usdz_bytes", "triangulate_polygons"]

_log = logging.getLogger("footscan")
_USD_LAYERS = (".usdc", ".usda", ".usd")


def _pxr() -> tuple[Any, Any, Any]:
    try:
        from pxr import Sdf, Usd, UsdGeom
    except ImportError:
        raise MissingExtraError("usd", "usd-core") from None
    return Sdf, Usd, UsdGeom


def read_usdz_bytes(data: bytes) -> Raw:
    """Read a USDZ package from memory.

    Parameters
    ----------
    data : bytes
        The ``.usdz`` file (a zip, members stored uncompressed, first member the root layer).

    Returns
    -------
    Raw
        Mesh vertices in world coordinates, +Z up; in metres with ``units_hint="m"`` when the
        stage authors ``metersPerUnit``, else in the stage's own unit.

    Raises
    ------
    ScanReadError
        Not a USDZ, references outside the package, no mesh, counts over the budgets.
    MissingExtraError
        ``usd-core`` is not installed.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [i.filename for i in zf.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ScanReadError(f"not a USDZ package ({exc})") from None
    if not names or not names[0].lower().endswith(_USD_LAYERS):
        raise ScanReadError("not a USDZ package (its first file is not a USD layer)")
    layers = [n for n in names if n.lower().endswith(_USD_LAYERS)]
    return _read_usd(data, ".usdz", layers)


def read_usd_bytes(data: bytes) -> Raw:
    """Read a single-file USD layer (``.usd``, ``.usda`` text or ``.usdc`` crate) from memory.

    Parameters
    ----------
    data : bytes
        The layer; it may not reference other files.

    Returns
    -------
    Raw
        As :func:`read_usdz_bytes`.
    """
    if data.startswith(b"PXR-USDC"):
        suffix = ".usdc"
    elif data.lstrip().startswith(b"#usda"):
        suffix = ".usda"
    else:
        raise ScanReadError("not a USD layer (no 'PXR-USDC' or '#usda' header)")
    return _read_usd(data, suffix, None)


def _read_usd(data: bytes, suffix: str, package_layers: list[str] | None) -> Raw:
    Sdf, Usd, UsdGeom = _pxr()
    fd, tmp = tempfile.mkstemp(suffix=suffix, prefix="footscan-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        _check_dependencies(Sdf, tmp, package_layers)
        try:
            stage = Usd.Stage.Open(tmp, Usd.Stage.LoadAll)
        except Exception as exc:  # pxr raises Tf.ErrorException on corrupt layers
            raise ScanReadError(f"cannot open USD stage ({short_error(exc)})") from None
        if stage is None:
            raise ScanReadError("cannot open USD stage")
        return _stage_geometry(stage, Usd, UsdGeom)
    finally:
        os.unlink(tmp)


def _check_dependencies(Sdf: Any, path: str, package_layers: list[str] | None) -> None:
    """Refuse layers that reference files outside the package (or any file, for one layer)."""
    layer_ids = [path] if package_layers is None else [f"{path}[{n}]" for n in package_layers]
    for ident in layer_ids:
        try:
            layer = Sdf.Layer.FindOrOpen(ident)
        except Exception as exc:
            raise ScanReadError(f"cannot open USD layer ({short_error(exc)})") from None
        if layer is None:
            raise ScanReadError("cannot open USD layer")
        for dep in layer.GetCompositionAssetDependencies():
            dep = str(dep)
            outside = (
                package_layers is None
                or dep.startswith(("/", "\\"))
                or ":" in dep
                or ".." in dep.replace("\\", "/").split("/")
            )
            if outside:
                raise ScanReadError(
                    f"the USD file references {dep!r} outside itself; export a self-contained USDZ"
                )


def _stage_geometry(stage: Any, Usd: Any, UsdGeom: Any) -> Raw:
    time = Usd.TimeCode.EarliestTime()
    pts_list: list[NDArray[np.float64]] = []
    face_list: list[NDArray[np.int64]] = []
    n_points = n_faces = 0
    cache = UsdGeom.XformCache(time)
    for prim in Usd.PrimRange.Stage(stage, Usd.TraverseInstanceProxies()):
        if not (prim.IsA(UsdGeom.Mesh) or prim.IsA(UsdGeom.Points)):
            continue
        imageable = UsdGeom.Imageable(prim)
        if imageable.ComputeVisibility(time) == UsdGeom.Tokens.invisible:
            continue
        if imageable.ComputePurpose() == UsdGeom.Tokens.guide:
            continue
        points = UsdGeom.PointBased(prim).GetPointsAttr().Get(time)
        if points is None or len(points) == 0:
            continue
        check_count(n_points + len(points), "vertices (USD meshes)", MAX_POINTS)
        local = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        matrix = np.asarray(cache.GetLocalToWorldTransform(prim), dtype=np.float64)
        # USD uses row vectors: p_world = [p, 1] @ M.
        world = local @ matrix[:3, :3] + matrix[3, :3]
        if prim.IsA(UsdGeom.Mesh):
            mesh = UsdGeom.Mesh(prim)
            counts = np.asarray(mesh.GetFaceVertexCountsAttr().Get(time) or [], dtype=np.int64)
            indices = np.asarray(mesh.GetFaceVertexIndicesAttr().Get(time) or [], dtype=np.int64)
            tris = triangulate_polygons(counts, indices, len(local))
            if mesh.GetOrientationAttr().Get(time) == UsdGeom.Tokens.leftHanded:
                tris = tris[:, [0, 2, 1]]
            if np.linalg.det(matrix[:3, :3]) < 0:
                tris = tris[:, [0, 2, 1]]
            n_faces += tris.shape[0]
            check_count(n_faces, "triangles (USD meshes)", MAX_FACES)
            face_list.append(tris + n_points)
        pts_list.append(world)
        n_points += len(local)
    if not pts_list:
        raise ScanReadError("the USD stage contains no mesh or points")
    pts = np.vstack(pts_list)
    up = str(UsdGeom.GetStageUpAxis(stage))
    if up == "Y":
        pts = np.column_stack([pts[:, 0], -pts[:, 2], pts[:, 1]])
    elif up != "Z":
        raise ScanReadError(f"unsupported USD upAxis {up!r}")
    hint = None
    if stage.HasAuthoredMetadata("metersPerUnit"):
        mpu = float(UsdGeom.GetStageMetersPerUnit(stage))
        if not (np.isfinite(mpu) and mpu > 0):
            raise ScanReadError(f"USD metersPerUnit {mpu!r} is not a positive number")
        pts = pts * mpu
        hint = "m"
    _log.info(
        "USD stage: upAxis %s, metersPerUnit %s, %d vertices",
        up,
        "authored" if hint else "not authored",
        pts.shape[0],
    )
    faces = np.vstack(face_list) if face_list else None
    return Raw(pts, faces if faces is not None and faces.size else None, units_hint=hint)


def triangulate_polygons(
    counts: NDArray[np.int64], indices: NDArray[np.int64], n_vertices: int
) -> NDArray[np.int64]:
    """Fan-triangulate USD-style polygons (``faceVertexCounts`` / ``faceVertexIndices``).

    Parameters
    ----------
    counts : (f,) int64
        Vertices per polygon; polygons with fewer than 3 are skipped.
    indices : (sum(counts),) int64
        Vertex indices, polygon after polygon.
    n_vertices : int
        Number of vertices the indices refer to.

    Returns
    -------
    (m, 3) int64
        Triangles ``(p0, pj, pj+1)``, without a Python loop over polygons.

    Raises
    ------
    ScanReadError
        Counts that do not match the indices, indices out of range, too many triangles.
    """
    if counts.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    if counts.min() < 0 or int(counts.sum()) != indices.size:
        raise ScanReadError(
            f"USD mesh faceVertexCounts sum to {int(counts.sum())}, "
            f"faceVertexIndices has {indices.size}"
        )
    if indices.size and (indices.min() < 0 or indices.max() >= n_vertices):
        raise ScanReadError("USD mesh face indices out of range")
    n_tri = np.maximum(counts - 2, 0)
    check_count(int(n_tri.sum()), "triangles (USD polygons)", MAX_FACES)
    starts = np.cumsum(counts) - counts
    first = np.repeat(starts, n_tri)
    # Position j = 1 .. c-2 inside each polygon's fan.
    j = np.arange(int(n_tri.sum())) - np.repeat(np.cumsum(n_tri) - n_tri, n_tri) + 1
    return np.column_stack([indices[first], indices[first + j], indices[first + j + 1]])
