"""Point-cloud clean-up: voxel down-sampling, outlier removal, components, noise estimate.

All functions are pure: arrays in, arrays out. Shapes are ``(n, 3)`` in millimetres.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = [
    "voxel_downsample",
    "statistical_outlier_mask",
    "component_mask",
    "estimate_noise_mm",
]


def voxel_downsample(
    points: NDArray[np.float64],
    voxel_mm: float,
    centred: bool = False,
    dense_only: bool = False,
) -> NDArray[np.float64]:
    """Replace the points of each occupied voxel by their centroid.

    The centroid of a small surface patch lies on the surface, so extremes (toe tip, heel) move
    by far less than half a voxel, and averaging lowers the noise.

    Parameters
    ----------
    points : (n, 3) float64
        Coordinates in mm.
    voxel_mm : float
        Edge of the cubic voxel, mm.
    centred : bool
        Anchor the grid at the bounding-box centre instead of its corner, so that a cloud
        mirrored about that centre is voxelised into exactly mirrored cells (left/right
        consistency).
    dense_only : bool
        Drop sparsely filled voxels (fewer than a quarter of the count a typical point sees,
        when that is at least 8): on a dense capture these are scattered outliers, which would
        otherwise outnumber the surface cells of a coarse grid.

    Returns
    -------
    (m, 3) float64
        One centroid per occupied voxel, ``m <= n``, in a deterministic order.
    """
    if points.shape[0] == 0:
        return points.copy()
    if centred:
        lo, hi = points.min(axis=0), points.max(axis=0)
        q = np.floor((points - 0.5 * (lo + hi)) / voxel_mm).astype(np.int64)
        q -= q.min(axis=0)
    else:
        q = ((points - points.min(axis=0)) / voxel_mm).astype(np.int64)
    dims = q.max(axis=0) + 1
    key = (q[:, 0] * dims[1] + q[:, 1]) * dims[2] + q[:, 2]
    del q
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    del key
    out = np.empty((counts.shape[0], 3))
    for j in range(3):
        out[:, j] = np.bincount(inverse, weights=points[:, j], minlength=counts.shape[0])
    out /= counts[:, None]
    if dense_only:
        # Median count seen by a point (not by a voxel): outlier voxels are many but hold few
        # points, so this is the surface density even when outlier cells outnumber it.
        order = np.argsort(counts)
        cum = np.cumsum(counts[order])
        typical = float(counts[order][np.searchsorted(cum, 0.5 * cum[-1])])
        if typical >= 8:
            out = out[counts >= 0.25 * typical]
    return out


def statistical_outlier_mask(
    points: NDArray[np.float64], k: int, std_ratio: float
) -> NDArray[np.bool_]:
    """Keep points whose mean distance to their ``k`` neighbours is not unusually large.

    Parameters
    ----------
    points : (n, 3) float64
    k : int
        Number of neighbours.
    std_ratio : float
        Points with mean distance above ``mean + std_ratio * sd`` are outliers.

    Returns
    -------
    (n,) bool
        True for points to keep.
    """
    n = points.shape[0]
    if n <= k + 1:
        return np.ones(n, dtype=bool)
    dist, _ = cKDTree(points).query(points, k=k + 1, workers=-1)
    mean_d = dist[:, 1:].mean(axis=1)
    limit = mean_d.mean() + std_ratio * mean_d.std()
    return mean_d <= limit


def component_mask(
    points: NDArray[np.float64], radius_mm: float, min_share: float = 0.02
) -> NDArray[np.bool_]:
    """Keep the largest connected piece and the sizeable pieces lying over its footprint.

    Holes in a phone capture can split one foot into pieces, so pieces holding at least
    ``min_share`` of the points whose centroid lies inside the main piece's bounding box are
    kept; stray floor speckle and other objects are dropped.

    Parameters
    ----------
    points : (n, 3) float64
    radius_mm : float
        Points closer than this are connected.
    min_share : float
        Minimum share of all points for a secondary piece.

    Returns
    -------
    (n,) bool
    """
    n = points.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    # A k-nearest-neighbour graph cut at the radius: linear in n, unlike all pairs within it.
    k = min(10, n)
    dist, idx = cKDTree(points).query(points, k=k, distance_upper_bound=radius_mm, workers=-1)
    ok = np.isfinite(dist)
    rows = np.repeat(np.arange(n), k)[ok.ravel()]
    cols = idx.ravel()[ok.ravel()]
    graph = coo_matrix((np.ones(rows.shape[0], dtype=np.int8), (rows, cols)), shape=(n, n))
    n_comp, labels = connected_components(graph, directed=False)
    counts = np.bincount(labels, minlength=n_comp)
    main = int(np.argmax(counts))
    keep = labels == main
    lo = points[keep].min(axis=0)
    hi = points[keep].max(axis=0)
    for lab in np.flatnonzero(counts >= max(min_share * n, 2)):
        if lab == main:
            continue
        c = points[labels == lab].mean(axis=0)
        if np.all(c >= lo) and np.all(c <= hi):
            keep |= labels == lab
    return keep


def estimate_noise_mm(points: NDArray[np.float64], k: int = 16, n_sample: int = 3000) -> float:
    """Point noise as the median RMS distance of neighbourhoods to their best-fit plane.

    On a clean mesh this returns the curvature floor (~0.1 mm); on a capture with Gaussian
    noise of standard deviation sigma it returns roughly ``0.8 * sigma`` to ``sigma``.

    Parameters
    ----------
    points : (n, 3) float64
    k : int
        Neighbourhood size.
    n_sample : int
        Neighbourhoods evaluated (spread evenly over the points).

    Returns
    -------
    float
        Noise estimate in mm (NaN when there are too few points).
    """
    n = points.shape[0]
    if n <= k:
        return float("nan")
    idx = np.linspace(0, n - 1, min(n_sample, n)).astype(np.int64)
    _, nb = cKDTree(points).query(points[idx], k=k, workers=-1)
    nbh = points[nb]
    nbh = nbh - nbh.mean(axis=1, keepdims=True)
    cov = np.einsum("nki,nkj->nij", nbh, nbh) / k
    smallest = np.linalg.eigvalsh(cov)[:, 0]
    return float(np.sqrt(np.median(np.clip(smallest, 0.0, None))))
