"""The USD decoding that runs in a child process (see :mod:`footscan._io_usd`).

Pixar's USD library aborts the whole process on some corrupt files ("FATAL ERROR: Dereferenced
an invalid SdfPrimSpec", found by mutating a valid USDZ), so it never runs in the process that
serves the shop. This file is run by path (``python -I _io_usd_child.py IN OUT LIMITS``): it
imports only numpy and ``pxr``, not the ``footscan`` package, and runs under memory and CPU
limits. It writes ``OUT`` (``.npz`` with ``points`` (n, 3) float64, ``faces`` (m, 3) int64,
``units_hint``, ``up_axis``) or ``OUT.json`` with ``{"error": message, "kind": "read"|"budget"}``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

_USD_LAYERS = (".usdc", ".usda", ".usd")


class UsdReadError(Exception):
    """A message for the user; ``kind`` is ``"budget"`` for counts over the limits."""

    def __init__(self, message: str, kind: str = "read") -> None:
        super().__init__(message)
        self.kind = kind


def check_count(count: int, what: str, limit: int) -> None:
    """Refuse ``count`` above ``limit`` (same wording as :func:`footscan._io_common.check_count`)."""
    if count < 0 or count > limit:
        raise UsdReadError(
            f"the file announces {count} {what}, more than the limit of {limit}", "budget"
        )


def triangulate_polygons(
    counts: NDArray[np.int64], indices: NDArray[np.int64], n_vertices: int, max_faces: int
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
    max_faces : int
        Largest number of triangles allowed.

    Returns
    -------
    (m, 3) int64
        Triangles ``(p0, pj, pj+1)``, without a Python loop over polygons.

    Raises
    ------
    UsdReadError
        Counts that do not match the indices, indices out of range, too many triangles.
    """
    if counts.size == 0:
        return np.zeros((0, 3), dtype=np.int64)
    if counts.min() < 0 or int(counts.sum()) != indices.size:
        raise UsdReadError(
            f"USD mesh faceVertexCounts sum to {int(counts.sum())}, "
            f"faceVertexIndices has {indices.size}"
        )
    if indices.size and (indices.min() < 0 or indices.max() >= n_vertices):
        raise UsdReadError("USD mesh face indices out of range")
    n_tri = np.maximum(counts - 2, 0)
    total = int(n_tri.sum())
    check_count(total, "triangles (USD polygons)", max_faces)
    first = np.repeat(np.cumsum(counts) - counts, n_tri)
    # Position j = 1 .. c-2 inside each polygon's fan.
    j = np.arange(total) - np.repeat(np.cumsum(n_tri) - n_tri, n_tri) + 1
    return np.column_stack([indices[first], indices[first + j], indices[first + j + 1]])


def check_dependencies(Sdf: Any, path: str, package_layers: list[str] | None) -> None:
    """Refuse layers that reference files outside the package (or any file, for one layer)."""
    layer_ids = [path] if package_layers is None else [f"{path}[{n}]" for n in package_layers]
    for ident in layer_ids:
        layer = Sdf.Layer.FindOrOpen(ident)
        if layer is None:
            raise UsdReadError("cannot open USD layer")
        for dep in layer.GetCompositionAssetDependencies():
            dep = str(dep)
            outside = (
                package_layers is None
                or dep.startswith(("/", "\\"))
                or ":" in dep
                or ".." in dep.replace("\\", "/").split("/")
            )
            if outside:
                raise UsdReadError(
                    f"the USD file references {dep!r} outside itself; export a self-contained USDZ"
                )


def stage_geometry(
    stage: Any, Usd: Any, UsdGeom: Any, max_points: int, max_faces: int
) -> tuple[NDArray[np.float64], NDArray[np.int64], str, str]:
    """World-space vertices (+Z up, metres when the unit is authored) and triangles of a stage.

    Returns
    -------
    points : (n, 3) float64
    faces : (m, 3) int64
    units_hint : str
        ``"m"`` when ``metersPerUnit`` is authored (points converted to metres), else ``""``.
    up_axis : str
        The stage's ``upAxis`` (``"Y"`` was rotated to +Z up).
    """
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
        check_count(n_points + len(points), "vertices (USD meshes)", max_points)
        local = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        matrix = np.asarray(cache.GetLocalToWorldTransform(prim), dtype=np.float64)
        # USD uses row vectors: p_world = [p, 1] @ M.
        world = local @ matrix[:3, :3] + matrix[3, :3]
        if prim.IsA(UsdGeom.Mesh):
            mesh = UsdGeom.Mesh(prim)
            counts = np.asarray(mesh.GetFaceVertexCountsAttr().Get(time) or [], dtype=np.int64)
            indices = np.asarray(mesh.GetFaceVertexIndicesAttr().Get(time) or [], dtype=np.int64)
            tris = triangulate_polygons(counts, indices, len(local), max_faces - n_faces)
            flip = mesh.GetOrientationAttr().Get(time) == UsdGeom.Tokens.leftHanded
            if flip != (np.linalg.det(matrix[:3, :3]) < 0):
                tris = tris[:, [0, 2, 1]]
            n_faces += tris.shape[0]
            face_list.append(tris + n_points)
        pts_list.append(world)
        n_points += len(local)
    if not pts_list:
        raise UsdReadError("the USD stage contains no mesh or points")
    pts = np.vstack(pts_list)
    up = str(UsdGeom.GetStageUpAxis(stage))
    if up == "Y":
        pts = np.column_stack([pts[:, 0], -pts[:, 2], pts[:, 1]])
    elif up != "Z":
        raise UsdReadError(f"unsupported USD upAxis {up!r}")
    hint = ""
    if stage.HasAuthoredMetadata("metersPerUnit"):
        mpu = float(UsdGeom.GetStageMetersPerUnit(stage))
        if not (np.isfinite(mpu) and mpu > 0):
            raise UsdReadError(f"USD metersPerUnit {mpu!r} is not a positive number")
        pts = pts * mpu
        hint = "m"
    faces = np.vstack(face_list) if face_list else np.zeros((0, 3), dtype=np.int64)
    return pts, faces, hint, up


def _limit_resources(max_memory_bytes: int, max_cpu_s: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    for what, value in ((resource.RLIMIT_AS, max_memory_bytes), (resource.RLIMIT_CPU, max_cpu_s)):
        soft, hard = resource.getrlimit(what)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(what, (value, hard))


def main(argv: list[str]) -> int:
    """Child entry point: ``IN OUT LIMITS_JSON``; returns the exit status."""
    src, out, limits_json = argv
    limits = json.loads(limits_json)
    _limit_resources(int(limits["max_memory_bytes"]), int(limits["max_cpu_s"]))
    try:
        from pxr import Sdf, Usd, UsdGeom

        try:
            check_dependencies(Sdf, src, limits.get("package_layers"))
            stage = Usd.Stage.Open(src, Usd.Stage.LoadAll)
            if stage is None:
                raise UsdReadError("cannot open USD stage")
            pts, faces, hint, up = stage_geometry(
                stage, Usd, UsdGeom, int(limits["max_points"]), int(limits["max_faces"])
            )
        except UsdReadError:
            raise
        except MemoryError:
            msg = "the USD file needs more memory than a scan may use"
            raise UsdReadError(msg, "budget") from None
        except Exception as exc:  # pxr raises Tf.ErrorException on corrupt layers
            text = " ".join(str(exc).split())
            raise UsdReadError(f"corrupt USD data ({text[-160:]})") from None
    except UsdReadError as exc:
        with open(out + ".json", "w", encoding="utf-8") as fh:
            json.dump({"error": str(exc), "kind": exc.kind}, fh)
        return 0
    with open(out, "wb") as fh:
        np.savez(fh, points=pts, faces=faces, units_hint=np.array(hint), up_axis=np.array(up))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
