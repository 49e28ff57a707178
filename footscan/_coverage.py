"""Which regions of a foot a capture saw (heel cap, toe band, sides, sole, dorsum)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from footscan._measurement import Coverage

__all__ = ["abs_normals", "cell_z_range", "foot_coverage"]


def abs_normals(q: NDArray[np.float64], p: NDArray[np.float64], k: int = 12) -> NDArray[np.float64]:
    """Unsigned unit normals ``(m, 3)`` at ``q`` from the PCA of ``k`` neighbours in ``p``."""
    if p.shape[0] <= k:
        return np.zeros_like(q)
    _, nb = cKDTree(p).query(q, k=k, workers=-1)
    nbh = p[nb] - p[nb].mean(axis=1, keepdims=True)
    cov = np.einsum("nki,nkj->nij", nbh, nbh)
    _, vecs = np.linalg.eigh(cov)
    return np.abs(vecs[:, :, 0])


def cell_z_range(
    p: NDArray[np.float64], cell_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lowest and highest z of the points in each occupied floor cell of ``cell_mm``."""
    q = np.floor(p[:, :2] / cell_mm).astype(np.int64)
    _, inv = np.unique(q, axis=0, return_inverse=True)
    inv = inv.ravel()
    n_cells = int(inv.max()) + 1
    zmin = np.full(n_cells, np.inf)
    zmax = np.full(n_cells, -np.inf)
    np.minimum.at(zmin, inv, p[:, 2])
    np.maximum.at(zmax, inv, p[:, 2])
    return zmin, zmax


def _bins_hit(values: NDArray[np.float64], edges: NDArray[np.float64]) -> float:
    """Share of the bins between ``edges`` that hold at least one value."""
    return float(
        np.mean([np.any((values >= a) & (values < b)) for a, b in zip(edges[:-1], edges[1:])])
    )


def _side_share(
    x: NDArray[np.float64], sel: NDArray[np.bool_], edges: NDArray[np.float64], min_count: int
) -> float:
    """Share of the x-bins holding at least ``min_count`` selected points."""
    return float(
        np.mean(
            [
                np.count_nonzero(sel & (x >= a) & (x < b)) >= min_count
                for a, b in zip(edges[:-1], edges[1:])
            ]
        )
    )


def _sole_share(p: NDArray[np.float64], fl: float, hw: float) -> float:
    """Midfoot footprint cells seen from below as well as from above (two layers > 0.05 FL).

    The heel has no dorsal layer (the leg is above it) and the contact patches lie inside the
    floor band, so the midfoot is where a sole shows.
    """
    x, y = p[:, 0], p[:, 1]
    under = (np.abs(y) < 0.3 * hw) & (x > 0.25 * fl) & (x < 0.75 * fl)
    if under.sum() < 10:
        return 0.0
    zmin, zmax = cell_z_range(p[under], max(3.0, 0.015 * fl))
    return float(np.mean((zmax - zmin) > 0.05 * fl))


def foot_coverage(
    p: NDArray[np.float64], fl: float, heel_w: float, ball_lo: float, ball_hi: float
) -> Coverage:
    """Coverage of a left-convention foot in its foot frame (captured points only).

    Parameters
    ----------
    p : (n, 3) float64
        Captured points, foot frame, mm.
    fl : float
        Foot length, mm.
    heel_w : float
        Heel width, mm (0 when unknown).
    ball_lo, ball_hi : float
        y of MTH1 and MTH5, mm (the toe band lies between them).

    Returns
    -------
    Coverage
    """
    hw = max(heel_w, 20.0)
    # Heel cap: y-bins across the heel with points in the rearmost 6 % FL.
    heel = _bins_hit(p[p[:, 0] < 0.06 * fl, 1], np.linspace(-0.4 * hw, 0.4 * hw, 9))
    # Toes: y-bins across the toe band with points in the front 6 % FL.
    span = ball_hi - ball_lo
    toes = _bins_hit(
        p[p[:, 0] > 0.94 * fl, 1], np.linspace(ball_lo + 0.1 * span, ball_lo + 0.6 * span, 9)
    )
    # Sides: x-bins holding side-facing surface (|normal y| > 0.7) on that side of the axis;
    # 12 such points, as noisy normals make a few stray ones anywhere. Normals of every 2nd
    # point are plenty for coverage and halve the cost.
    xb = np.linspace(0.1 * fl, 0.9 * fl, 11)
    sub = p[::2]
    ny = abs_normals(sub, p)[:, 1] > 0.7
    medial = _side_share(sub[:, 0], ny & (sub[:, 1] < -0.15 * hw), xb, 12)
    lateral = _side_share(sub[:, 0], ny & (sub[:, 1] > 0.15 * hw), xb, 12)
    dorsum = _side_share(p[:, 0], p[:, 2] > 0.12 * fl, xb, 25)
    return Coverage(
        heel=heel,
        toes=toes,
        medial_side=medial,
        lateral_side=lateral,
        sole=_sole_share(p, fl, hw),
        dorsum=dorsum,
    )
