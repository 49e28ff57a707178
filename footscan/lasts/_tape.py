"""Tape-like measures: convex-hull perimeters of planar sections of meshes and point slabs."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import ConvexHull, QhullError

__all__ = [
    "plane_basis",
    "hull_perimeter_2d",
    "mesh_edges",
    "mesh_section_points",
    "slab_points",
]


def mesh_edges(faces: NDArray[np.int64]) -> NDArray[np.int64]:
    """Unique undirected edges (m, 2) of a triangle mesh."""
    e = np.vstack([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    return np.unique(np.sort(e, axis=1), axis=0)


def plane_basis(normal: NDArray[np.float64]) -> NDArray[np.float64]:
    """(2, 3) orthonormal in-plane axes for a plane with ``normal``."""
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    ref = np.array([0.0, 0.0, 1.0]) if abs(n[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(n, ref)
    u /= np.linalg.norm(u)
    return np.vstack([u, np.cross(n, u)])


def hull_perimeter_2d(q: NDArray[np.float64]) -> float:
    """Perimeter of the convex hull of 2-D points (mm); 0 for fewer than 3 points."""
    if q.shape[0] < 3:
        return 0.0
    try:
        h = ConvexHull(q)
    except QhullError:
        return 0.0
    v = q[h.vertices]
    return float(np.linalg.norm(v - np.roll(v, 1, axis=0), axis=1).sum())


def mesh_section_points(
    vertices: NDArray[np.float64],
    faces: NDArray[np.int64],
    origin: NDArray[np.float64],
    normal: NDArray[np.float64],
    edges: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """Points where the mesh edges cross the plane (n, 3); pass ``edges`` to reuse them."""
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    d = (vertices - origin) @ n
    e = mesh_edges(faces) if edges is None else edges
    da, db = d[e[:, 0]], d[e[:, 1]]
    cross = (da * db < 0) | ((da == 0) & (db != 0))
    e, da, db = e[cross], da[cross], db[cross]
    t = da / (da - db)
    return vertices[e[:, 0]] + t[:, None] * (vertices[e[:, 1]] - vertices[e[:, 0]])


def slab_points(
    points: NDArray[np.float64],
    origin: NDArray[np.float64],
    normal: NDArray[np.float64],
    half_width_mm: float,
) -> NDArray[np.float64]:
    """Points within ``half_width_mm`` of the plane, projected onto it (n, 3)."""
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    d = (points - origin) @ n
    sel = np.abs(d) <= half_width_mm
    return points[sel] - d[sel, None] * n
