"""Points spread over the faces of a triangle mesh (one sampler for every caller).

The pattern inside a face is fixed and low-discrepancy (not a random stream), so the points
depend neither on the order of the faces nor on a seed: a re-exported mesh gives the same
surface, and a mirrored mesh the mirrored points.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["face_areas", "sample_faces"]

_GOLDEN = 0.6180339887498949


def face_areas(v: NDArray[np.float64], f: NDArray[np.int64]) -> NDArray[np.float64]:
    """Area of every triangle ``(m,)``, in the square of the vertices' unit."""
    tri = v[f]
    return 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)


def sample_faces(
    v: NDArray[np.float64], f: NDArray[np.int64], counts: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``counts[i]`` points on face ``i`` on a fixed barycentric pattern.

    Parameters
    ----------
    v : (n, 3) float64
        Vertices.
    f : (m, 3) int64
        Triangles (valid indices).
    counts : (m,) int64
        Points per face (0 allowed).

    Returns
    -------
    points : (sum(counts), 3) float64
    face : (sum(counts),) int64
        The face each point lies on.
    """
    counts = np.maximum(np.asarray(counts, dtype=np.int64), 0)
    idx = np.repeat(np.arange(f.shape[0]), counts)
    if idx.size == 0:
        return np.zeros((0, 3)), idx
    # i-th of n points on its face: r1 spreads them by area (sqrt), r2 by the golden ratio.
    i = np.arange(idx.size) - np.repeat(np.cumsum(counts) - counts, counts)
    ni = np.repeat(counts, counts)
    r1 = np.sqrt((i + 0.5) / ni)
    r2 = np.mod((i + 0.5) * _GOLDEN, 1.0)
    t = v[f[idx]]
    pts = (
        (1 - r1)[:, None] * t[:, 0]
        + (r1 * (1 - r2))[:, None] * t[:, 1]
        + (r1 * r2)[:, None] * t[:, 2]
    )
    return pts, idx
