"""Export the cleaned, aligned foot as a GLB mesh for the 3D storefront.

Input is in the canonical foot frame (mm, +Z up, +X heel -> toe, floor at z = 0). Output is
glTF's convention: **metres, +Y up**, +X still heel -> toe, and ``z_gltf = -y_foot`` (a proper
rotation of -90 deg about X), with the pternion (heel) at the origin on the ground plane
``y = 0``. The mesh carries a PBR material with ``metallicFactor = 0`` so three.js does not
render it black without an environment map.

A point cloud is first turned into a closed surface: by default a voxel solid (gaps closed,
each horizontal slice filled by its convex hull, largest component kept) whose boundary is
Taubin-smoothed, in pure numpy/scipy. The parts a phone cannot see (sole, ankle cut) come out
closed, and the arch and the gaps between the toes are bridged, like a sock; for display, not
for measuring. Optionally Poisson reconstruction from open3d (extra ``scan``).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from footscan.exceptions import MissingExtraError, ScanValidationError

__all__ = [
    "SKIN_RGBA",
    "export_glb",
    "foot_mesh_glb_bytes",
    "foot_to_gltf_frame",
    "heel_origin_mm",
    "reconstruct_surface",
]

#: Default base colour (linear RGBA) of the exported foot.
SKIN_RGBA = (0.80, 0.62, 0.52, 1.0)
_PTERNION_MAX_Z_MM = 40.0
_MIN_POINTS = 100


def _as_geometry(foot: object, faces: NDArray | None) -> tuple[NDArray[np.float64], NDArray | None]:
    """Accept an array, (vertices, faces), a trimesh, a ScanResult, a PointCloud or a foot."""
    if isinstance(foot, tuple) and len(foot) == 2:
        foot, faces = foot
    # ScanResult.points_foot_mm (aligned, cleaned), SyntheticFoot.vertices_mm (canonical),
    # PointCloud.points_mm (taken as already aligned).
    for attr in ("points_foot_mm", "vertices_mm", "points_mm"):
        if hasattr(foot, attr):
            if faces is None:
                faces = getattr(foot, "faces", None)
            foot = getattr(foot, attr)
            break
    else:
        if hasattr(foot, "vertices") and hasattr(foot, "faces"):
            faces = np.asarray(foot.faces) if faces is None else faces
            foot = np.asarray(foot.vertices)
    pts = np.asarray(foot, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ScanValidationError(f"expected (n, 3) points in mm, got shape {pts.shape}")
    if not np.isfinite(pts).all():
        raise ScanValidationError("foot geometry has NaN or infinite coordinates")
    if faces is not None:
        faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
        if faces.size == 0:
            faces = None
        elif faces.min() < 0 or faces.max() >= pts.shape[0]:
            raise ScanValidationError("face indices out of range")
    return pts, faces


def heel_origin_mm(points_mm: NDArray[np.float64]) -> NDArray[np.float64]:
    """Floor point below the pternion: ``(X_p, Y_p, Z_min)``, mm.

    The pternion ``p`` is the min-X point among those within 40 mm of the floor ``Z_min``.
    """
    p = np.asarray(points_mm, dtype=np.float64)
    z0 = p[:, 2].min()
    low = p[p[:, 2] <= z0 + _PTERNION_MAX_Z_MM]
    pt = low[np.argmin(low[:, 0])]
    return np.array([pt[0], pt[1], z0])


def foot_to_gltf_frame(
    points_mm: NDArray[np.float64], origin_mm: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Canonical foot frame (mm, +Z up) -> glTF frame (m, +Y up), heel at the origin.

    Parameters
    ----------
    points_mm : (n, 3) float64
        Aligned foot (or lines drawn on it) in the canonical frame.
    origin_mm : (3,) float64, optional
        Canonical point that becomes the glTF origin; default :func:`heel_origin_mm`.

    Returns
    -------
    (n, 3) float64
        Metres: ``(x, y, z)_gltf = (X - X_o, Z - Z_o, -(Y - Y_o)) / 1000``.
    """
    p = np.asarray(points_mm, dtype=np.float64)
    origin = heel_origin_mm(p) if origin_mm is None else np.asarray(origin_mm, dtype=np.float64)
    shifted = p - origin
    return np.column_stack([shifted[:, 0], shifted[:, 2], -shifted[:, 1]]) / 1000.0


def reconstruct_surface(
    points_mm: NDArray[np.float64], *, method: str = "voxel", voxel_mm: float = 2.0
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Closed surface through an aligned foot point cloud.

    Parameters
    ----------
    points_mm : (n, 3) float64
        Cleaned foot points in the canonical frame (floor at z = 0; the sole may be missing).
    method : {"voxel", "poisson"}
        ``"voxel"``: pure numpy/scipy (always available). ``"poisson"``: open3d screened
        Poisson, trimmed to low-density-free regions (extra ``scan``).
    voxel_mm : float
        Voxel size of the ``"voxel"`` method (sets the mesh resolution).

    Returns
    -------
    vertices_mm : (v, 3) float64
    faces : (f, 3) int64
        Outward-wound triangles.
    """
    pts = np.asarray(points_mm, dtype=np.float64)
    if pts.shape[0] < _MIN_POINTS:
        raise ScanValidationError(
            f"{pts.shape[0]} points are too few to build a surface (need {_MIN_POINTS})"
        )
    if method == "poisson":
        return _poisson(pts)
    if method != "voxel":
        raise ValueError(f"method must be 'voxel' or 'poisson', got {method!r}")
    return _voxel_surface(pts, float(voxel_mm))


def _voxel_surface(pts: NDArray[np.float64], h: float) -> tuple[NDArray, NDArray]:
    from scipy import ndimage

    pad = 3
    lo = pts.min(axis=0) - pad * h
    idx = np.floor((pts - lo) / h).astype(np.int64)
    shape = tuple(int(s) for s in idx.max(axis=0) + pad + 1)
    if np.prod(shape, dtype=np.float64) > 60e6:
        raise ScanValidationError(
            f"a {shape} voxel grid is too large: is the foot in mm and cleaned of outliers?"
        )
    occ = np.zeros(shape, dtype=bool)
    occ[idx[:, 0], idx[:, 1], idx[:, 2]] = True
    # Close sampling gaps (a phone gives ~1-2 mm spacing; holes up to ~3 voxels).
    ball = ndimage.generate_binary_structure(3, 1)
    occ = ndimage.binary_closing(occ, structure=ball, iterations=2, border_value=0)
    # The sole (and the leg cut) are usually open, so a 3-D fill would leak. Fill each
    # horizontal slice by its convex hull instead: it closes the missing sole and the ankle
    # cut, patches holes and bridges the arch and the gaps between the toes, as a sock does.
    solid = np.zeros_like(occ)
    for k in range(shape[2]):
        if occ[:, :, k].any():
            solid[:, :, k] = _convex_fill(occ[:, :, k])
    labels, n = ndimage.label(solid)
    if n == 0:
        raise ScanValidationError("could not build a surface: the points enclose no volume")
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    solid = labels == int(np.argmax(sizes))
    verts, faces = _boundary_quads(solid)
    verts = verts * h + lo
    return _smooth(verts, faces, inset_mm=0.5 * h)


def _convex_fill(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Cells of a 2-D grid whose centres lie inside the convex hull of the true cells."""
    from scipy.spatial import ConvexHull, QhullError

    cells = np.argwhere(mask)
    corners = (cells[:, None, :] + np.array([[0, 0], [0, 1], [1, 0], [1, 1]])[None]).reshape(-1, 2)
    try:
        hull = ConvexHull(corners.astype(np.float64))
    except QhullError:
        return mask
    lo = cells.min(axis=0)
    hi = cells.max(axis=0) + 1
    gi, gj = np.mgrid[lo[0] : hi[0], lo[1] : hi[1]]
    centres = np.column_stack([gi.ravel(), gj.ravel()]) + 0.5
    inside = np.all(centres @ hull.equations[:, :2].T + hull.equations[:, 2] <= 1e-9, axis=1)
    out = mask.copy()
    out[gi.ravel()[inside], gj.ravel()[inside]] = True
    return out


def _boundary_quads(solid: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Triangles on every face between a solid and an empty voxel, wound outward."""
    nx, ny, nz = solid.shape
    padded = np.pad(solid, 1)
    tris = []
    normals = []
    # Corner offsets of the face on the + side of each axis, in cyclic order.
    for axis in range(3):
        for sign in (1, -1):
            nb = np.roll(padded, -sign, axis=axis)[1:-1, 1:-1, 1:-1]
            cells = np.argwhere(solid & ~nb)
            if cells.size == 0:
                continue
            base = cells.copy()
            if sign == 1:
                base[:, axis] += 1
            u, w = [a for a in range(3) if a != axis]
            c0 = base.copy()
            c1 = base.copy()
            c1[:, u] += 1
            c2 = c1.copy()
            c2[:, w] += 1
            c3 = base.copy()
            c3[:, w] += 1
            quad = np.stack([c0, c1, c2, c3], axis=1)  # (k, 4, 3)
            tris.append(quad[:, [0, 1, 2]])
            tris.append(quad[:, [0, 2, 3]])
            nrm = np.zeros(3)
            nrm[axis] = sign
            normals.append(np.repeat(nrm[None], 2 * len(cells), axis=0))
    corners = np.concatenate(tris).reshape(-1, 3)
    want = np.concatenate(normals)
    key = (corners[:, 0] * (ny + 1) + corners[:, 1]) * (nz + 1) + corners[:, 2]
    uniq, inverse = np.unique(key, return_inverse=True)
    verts = np.column_stack(
        [uniq // ((ny + 1) * (nz + 1)), (uniq // (nz + 1)) % (ny + 1), uniq % (nz + 1)]
    ).astype(np.float64)
    faces = inverse.reshape(-1, 3).astype(np.int64)
    tri = verts[faces]
    got = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    flip = np.einsum("ij,ij->i", got, want) < 0
    faces[flip] = faces[flip][:, ::-1]
    return verts, faces


def _smooth(verts: NDArray, faces: NDArray, inset_mm: float) -> tuple[NDArray, NDArray]:
    import trimesh

    mesh = trimesh.Trimesh(verts, faces, process=False)
    # Taubin smoothing removes the voxel staircase without shrinking the foot.
    trimesh.smoothing.filter_taubin(mesh, lamb=0.5, nu=-0.53, iterations=12)
    # Points lie inside the boundary voxels, on average half a voxel within the faces.
    out = np.asarray(mesh.vertices) - inset_mm * np.asarray(mesh.vertex_normals)
    return out.astype(np.float64), np.asarray(mesh.faces, dtype=np.int64)


def _poisson(pts: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    try:
        import open3d as o3d
    except ImportError:
        raise MissingExtraError("scan", "open3d") from None
    pc = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(pts))
    pc.estimate_normals(o3d.geometry.KDTreeSearchParamHybrid(radius=6.0, max_nn=30))
    # Normals point away from the foot's centre line (a foot is star-shaped enough for this).
    centre = pts.mean(axis=0)
    nrm = np.asarray(pc.normals)
    flip = np.einsum("ij,ij->i", nrm, pts - centre) < 0
    nrm[flip] *= -1.0
    pc.normals = o3d.utility.Vector3dVector(nrm)
    mesh, density = o3d.geometry.TriangleMesh.create_from_point_cloud_poisson(pc, depth=8)
    dens = np.asarray(density)
    mesh.remove_vertices_by_mask(dens < np.quantile(dens, 0.02))
    return np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.triangles, dtype=np.int64)


def _glb_bytes(verts_m: NDArray, faces: NDArray, rgba: tuple[float, ...]) -> bytes:
    import trimesh

    material = trimesh.visual.material.PBRMaterial(
        name="foot",
        baseColorFactor=[float(c) for c in rgba],
        metallicFactor=0.0,
        roughnessFactor=0.8,
        doubleSided=False,
    )
    mesh = trimesh.Trimesh(verts_m, faces, process=False)
    mesh.visual = trimesh.visual.TextureVisuals(material=material)
    scene = trimesh.Scene()
    scene.add_geometry(mesh, geom_name="foot", node_name="foot")
    return scene.export(file_type="glb")


def foot_mesh_glb_bytes(
    foot: object,
    faces: NDArray[np.int64] | None = None,
    *,
    method: str = "voxel",
    voxel_mm: float = 2.0,
    rgba: tuple[float, float, float, float] = SKIN_RGBA,
) -> bytes:
    """GLB bytes of an aligned foot (for the web service; see :func:`export_glb`)."""
    pts, tri = _as_geometry(foot, faces)
    if tri is None:
        pts, tri = reconstruct_surface(pts, method=method, voxel_mm=voxel_mm)
    return _glb_bytes(foot_to_gltf_frame(pts), tri, rgba)


def export_glb(
    foot: object,
    path: str | os.PathLike[str] | None = None,
    faces: NDArray[np.int64] | None = None,
    *,
    method: str = "voxel",
    voxel_mm: float = 2.0,
    rgba: tuple[float, float, float, float] = SKIN_RGBA,
) -> Path | bytes:
    """Write an aligned foot as a GLB file (metres, +Y up, heel at the origin), atomically.

    Parameters
    ----------
    foot : (n, 3) array, (vertices, faces), trimesh.Trimesh, ScanResult, PointCloud or SyntheticFoot
        The cleaned foot in the canonical frame, mm: a ``ScanResult`` gives its
        ``points_foot_mm``; a ``PointCloud`` must already be aligned (a raw capture is not).
        Points without faces are meshed with :func:`reconstruct_surface`.
    path : path-like, optional
        Destination ``.glb``. When None, the GLB bytes are returned instead (as
        :func:`foot_mesh_glb_bytes`).
    faces : (m, 3) int64, optional
        Triangles, when ``foot`` is a vertex array.
    method, voxel_mm
        Surface reconstruction for point input.
    rgba : tuple of 4 float
        Base colour of the PBR material (metallic 0, roughness 0.8).

    Returns
    -------
    Path or bytes
        The written path, or the bytes when ``path`` is None.
    """
    data = foot_mesh_glb_bytes(foot, faces, method=method, voxel_mm=voxel_mm, rgba=rgba)
    if path is None:
        return data
    out = Path(path)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with io.FileIO(tmp, "w") as fh:
            fh.write(data)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
