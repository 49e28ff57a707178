"""Planar helpers of the loft: convex sections, ray layouts, radial distances (mm)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import ConvexHull, QhullError

__all__ = [
    "N_ANGLES",
    "N_BOTTOM",
    "hull2",
    "radial",
    "layout",
    "inside_polygon",
    "disc",
    "closed_tube_faces",
    "outward",
]

N_ANGLES = 96
N_BOTTOM = 24  # rays along the bottom of each ring


def hull2(q: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """Convex hull vertices (CCW) of 2-D points; None for degenerate input."""
    if q.shape[0] < 3:
        return None
    try:
        h = ConvexHull(q)
    except QhullError:
        return None
    return q[h.vertices]


def radial(
    poly: NDArray[np.float64], c: NDArray[np.float64], u: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distance from ``c`` (inside the convex CCW polygon) to its boundary along unit ``u``."""
    a = poly
    b = np.roll(poly, -1, axis=0)
    e = b - a
    n = np.column_stack([e[:, 1], -e[:, 0]])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    d = np.einsum("ij,ij->i", n, a - c)
    flip = d < 0
    n[flip] *= -1
    d = np.abs(d)
    cos = u @ n.T  # (M, E)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(cos > 1e-9, d[None, :] / cos, np.inf)
    return r.min(axis=1)


def layout(hull: NDArray[np.float64], c: NDArray[np.float64], bottom: bool) -> NDArray[np.float64]:
    """Ray directions of one ring (M, 2): ray 0 at the lateral (+y) bottom corner, rays 0 to
    ``M - N_BOTTOM`` over the top to the medial corner, the last ``N_BOTTOM`` along the bottom.

    Every ring has its feather corners at the same vertex indices, so the bottom is one strip
    of faces and the feather line runs straight between stations. Rings without a bottom
    (behind the heel allowance) use corners at -45 and -135 degrees.
    """
    a_r, a_l = -np.pi / 4, -3 * np.pi / 4
    if bottom:
        bot = hull[hull[:, 1] <= 1e-6]
        if bot.shape[0] >= 2:
            right = bot[np.argmax(bot[:, 0])] - c
            left = bot[np.argmin(bot[:, 0])] - c
            a_r = float(np.arctan2(right[1], right[0]))
            a_l = float(np.arctan2(left[1], left[0]))
    if a_l > a_r:
        a_l -= 2 * np.pi
    upper = np.linspace(a_r, a_l + 2 * np.pi, N_ANGLES - N_BOTTOM + 1)[:-1]
    lower = np.linspace(a_l, a_r, N_BOTTOM + 1)[:-1]
    a = np.concatenate([upper, lower])
    return np.column_stack([np.cos(a), np.sin(a)])


def inside_polygon(poly: NDArray[np.float64], c: NDArray[np.float64]) -> bool:
    """Whether ``c`` lies inside the convex polygon."""
    a = poly
    b = np.roll(poly, -1, axis=0)
    cr = (b[:, 0] - a[:, 0]) * (c[1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[0] - a[:, 0])
    return bool((cr >= -1e-9).all() or (cr <= 1e-9).all())


def disc(n: int = 8) -> NDArray[np.float64]:
    """``n`` unit vectors around a circle (2-D)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([np.cos(t), np.sin(t)])


def closed_tube_faces(n_rings: int, m: int) -> NDArray[np.int64]:
    """Faces of ``n_rings`` rings of ``m`` vertices closed by two apexes.

    Vertex 0 is the first apex, ring ``i`` vertex ``j`` is ``1 + i * m + j``, the last vertex
    (``1 + n_rings * m``) the second apex. Winding is left to the caller.
    """
    j = np.arange(m)
    jn = (j + 1) % m
    faces = [np.column_stack([np.zeros(m, dtype=np.int64), 1 + jn, 1 + j])]
    for i in range(n_rings - 1):
        a, b = 1 + i * m + j, 1 + (i + 1) * m + j
        an, bn = 1 + i * m + jn, 1 + (i + 1) * m + jn
        faces.append(np.column_stack([a, an, bn]))
        faces.append(np.column_stack([a, bn, b]))
    last = 1 + (n_rings - 1) * m + j
    tip = 1 + n_rings * m
    faces.append(np.column_stack([last, last[jn], np.full(m, tip)]))
    return np.vstack(faces).astype(np.int64)


def outward(v: NDArray[np.float64], faces: NDArray[np.int64]) -> NDArray[np.int64]:
    """``faces`` wound so that the closed mesh has a positive signed volume."""
    tri = v[faces]
    vol = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum()
    return faces[:, ::-1].copy() if vol < 0 else faces
