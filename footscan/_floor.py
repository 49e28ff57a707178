"""Floor (or, on floor-less scanner meshes, the sole's support plane) by a constrained RANSAC.

A candidate plane must *support* the points: almost nothing may lie beneath it. Hypotheses come
from random point triples (finds a captured floor quickly) and from convex-hull facets (every
support plane of a floor-less mesh is a hull facet, so the sole plane is found even when its
contact patch is a small share of the points). The best plane is refit by SVD on its inliers
and oriented towards the foot.

Thick floors (carpets, rugs: a layer of fibres up to ~15 mm above the backing) are recognised
from the heights of the *floor-only* points (those with no foot above them, in the plane's own
2-D projection): when that layer is thicker than a noisy hard floor can be
(:data:`PILE_MIN_MM`), the plane is refit to the whole layer and put at its **base** (the
backing), and the layer's top is reported as :attr:`FloorPlane.pile_mm`. A foot on a pile sinks
into it (the heel compresses a shag pile to a few mm), so the base is where the sole is, to
within the compressed pile; points of the floor layer reach up to ``pile_mm``, so the floor is
removed below :attr:`FloorPlane.cut_height_mm` rather than a fixed band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import ConvexHull, QhullError, cKDTree

from footscan.consts import FLOOR_CUT_MM, FLOOR_SUPPORT_MAX_BELOW, FLOOR_THRESHOLD_MM

__all__ = [
    "PILE_CUT_MARGIN_MM",
    "PILE_MAX_MM",
    "PILE_MIN_MM",
    "FloorPlane",
    "fit_floor",
    "floor_candidates",
    "heights_mm",
]

#: A floor layer whose thickness estimated from its spread (twice the inter-quartile range of
#: the floor-only heights: a uniform pile of height P has an IQR of P / 2, a hard floor with
#: Gaussian noise sigma 1.35 sigma) exceeds this is a pile (carpet), not a noisy hard floor.
#: Hard floors up to 2.4 mm sigma stay hard floors; piles from about 7 mm are piles. A thinner
#: pile is treated as a hard floor: the plane stays at its middle and the cut above its top.
PILE_MIN_MM = 6.5
#: Floor-only points are looked for below this height above the first plane: 15 mm pile +
#: strays + noise, and below anything of a foot but its lowest rim.
PILE_MAX_MM = 25.0
#: Floor removal above the layer top: 2.5 sigma of a 1 mm sensor noise (a hard floor with 1 mm
#: noise keeps the fixed 5 mm cut).
PILE_CUT_MARGIN_MM = 2.5
_PILE_CLEAR_MM = 20.0  # floor-only: no point above PILE_MAX_MM within this in-plane distance


@dataclass(frozen=True)
class FloorPlane:
    """A plane ``normal . p + offset_mm = height`` with ``normal`` pointing into the foot.

    Attributes
    ----------
    normal : (3,) float64
        Unit normal, oriented so that the foot is at positive height.
    offset_mm : float
    inlier_ratio : float
        Share of the (down-sampled) points within the inlier distance of the plane.
    rms_mm : float
        RMS distance of the inliers to the refit plane (floor noise).
    floor_found : bool
        True when the plane extends well beyond the foot (a captured floor); False when it is
        only the sole's support plane of a floor-less mesh.
    pile_mm : float
        Pile height of a carpet, mm (the plane is then the pile's base, where a foot that sinks
        into it stands); 0 for a hard floor (the plane is then the floor's mean surface).
    layer_top_mm : float
        Height above the plane of the floor layer's top (98th percentile of the floor-only
        points), mm: about 2 sigma of the floor noise on a hard floor, ``pile_mm`` on a
        carpet; 0 when there is no floor (a sole's support plane).
    """

    normal: NDArray[np.float64]
    offset_mm: float
    inlier_ratio: float
    rms_mm: float
    floor_found: bool
    pile_mm: float = 0.0
    layer_top_mm: float = 0.0

    @property
    def cut_height_mm(self) -> float:
        """Height above the plane below which points belong to the floor, mm.

        ``FLOOR_CUT_MM`` (5 mm) on a hard floor; the layer's top + ``PILE_CUT_MARGIN_MM`` on a
        carpet or a very noisy floor. Foot points below it are lost with the floor (a pile
        hides them anyway).
        """
        return max(FLOOR_CUT_MM, self.layer_top_mm + PILE_CUT_MARGIN_MM)


def heights_mm(points: NDArray[np.float64], plane: FloorPlane) -> NDArray[np.float64]:
    """Signed heights of ``(n, 3)`` points above ``plane``, mm."""
    return points @ plane.normal + plane.offset_mm


def _plane_from_triples(tri: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    norm = np.linalg.norm(n, axis=1)
    ok = norm > 1e-9
    n = n[ok] / norm[ok, None]
    d = -np.einsum("ij,ij->i", n, tri[ok, 0])
    return n, d


def _svd_plane(points: NDArray[np.float64]) -> tuple[NDArray, float]:
    c = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - c, full_matrices=False)
    n = vt[2]
    return n, float(-n @ c)


def floor_candidates(
    points: NDArray[np.float64],
    threshold_mm: float = FLOOR_THRESHOLD_MM,
    n_random: int = 400,
    seed: int = 0,
    max_planes: int = 3,
) -> list[FloorPlane]:
    """Support planes in decreasing order of inliers: the floor, or the sole, or a side.

    On a floor-less mesh of a relaxed foot a side can out-score the sole; the pipeline tries
    the candidates in order and keeps the first on which a foot stands (doc §4.3: "if the
    biggest plane is a wall, iterate").

    Parameters
    ----------
    points : (n, 3) float64
        Down-sampled, outlier-cleaned points in mm.
    threshold_mm : float
        Inlier distance.
    n_random : int
        Random-triple hypotheses (hull facets are added to these).
    seed : int
        Fixed seed: the same scan always gives the same plane (mirror and repeat tests rely
        on determinism).

    max_planes : int
        How many distinct planes to return.

    Returns
    -------
    list of FloorPlane
        Empty when no plane supports the points with a meaningful contact.
    """
    rng = np.random.default_rng(seed)
    n = points.shape[0]
    sample = points if n <= 6000 else points[np.linspace(0, n - 1, 6000).astype(np.int64)]
    m = sample.shape[0]
    tri = sample[rng.integers(0, m, size=(n_random, 3))]
    normals, offsets = _plane_from_triples(tri)
    try:
        hull = ConvexHull(sample)
        eq = hull.equations  # outward normals: inside points have n.p + d <= 0
        if eq.shape[0] > 1500:
            eq = eq[rng.choice(eq.shape[0], 1500, replace=False)]
        # Flip so that the points are on the positive side; shift up by the threshold so a
        # noisy floor's mean, not its lowest speckle, is scored.
        normals = np.vstack([normals, -eq[:, :3]])
        offsets = np.concatenate([offsets, -eq[:, 3] - threshold_mm])
    except (QhullError, ValueError):
        pass

    all_scores, all_n, all_d = [], [], []
    for start in range(0, normals.shape[0], 256):
        nn = normals[start : start + 256]
        dd = offsets[start : start + 256]
        dist = sample @ nn.T + dd  # (m, h)
        inl = (np.abs(dist) < threshold_mm).sum(axis=0)
        below = (dist < -3 * threshold_mm).sum(axis=0)
        above = (dist > 3 * threshold_mm).sum(axis=0)
        support = np.minimum(below, above) <= FLOOR_SUPPORT_MAX_BELOW * m
        all_scores.append(np.where(support, inl, -1))
        all_n.append(nn)
        all_d.append(dd)
    scores = np.concatenate(all_scores)
    cand_n = np.vstack(all_n)
    cand_d = np.concatenate(all_d)
    planes: list[FloorPlane] = []
    chosen: list[NDArray] = []
    for j in np.argsort(-scores, kind="stable"):
        if len(planes) >= max_planes or scores[j] < max(0.02 * m, 12):
            break
        # Distinct orientations only (a wall, the sole, a side): 25 deg apart.
        if any(abs(cand_n[j] @ c) > np.cos(np.radians(25.0)) for c in chosen):
            continue
        chosen.append(cand_n[j])
        planes.append(_refine(points, cand_n[j], float(cand_d[j]), threshold_mm))
    return planes


def fit_floor(
    points: NDArray[np.float64],
    threshold_mm: float = FLOOR_THRESHOLD_MM,
    n_random: int = 400,
    seed: int = 0,
) -> FloorPlane | None:
    """The best floor / support plane (see :func:`floor_candidates`), or None."""
    planes = floor_candidates(points, threshold_mm, n_random, seed, max_planes=1)
    return planes[0] if planes else None


def _refine(
    points: NDArray[np.float64], normal: NDArray, offset: float, threshold_mm: float
) -> FloorPlane:
    thr = threshold_mm
    for _ in range(3):
        dist = points @ normal + offset
        inliers = points[np.abs(dist) < thr]
        if inliers.shape[0] < 3:
            break
        normal, offset = _svd_plane(inliers)
        resid = inliers @ normal + offset
        thr = float(np.clip(2.5 * np.sqrt(np.mean(resid**2)), 1.0, 2 * threshold_mm))
    dist = points @ normal + offset
    if np.count_nonzero(dist > 3 * threshold_mm) < np.count_nonzero(dist < -3 * threshold_mm):
        normal, offset, dist = -normal, -offset, -dist
    pile, top = 0.0, 0.0
    layer = _floor_layer(points, normal, offset)
    if layer is not None:
        normal, offset, pile, top = layer
        dist = points @ normal + offset
    # Inliers: the floor layer (hard floor: within the refit threshold of the plane).
    inl = (dist > -thr) & (dist < pile + thr)
    rms = float(np.sqrt(np.mean((dist[inl] - 0.5 * pile) ** 2))) if inl.any() else float("nan")

    # A captured floor reaches well beyond the foot's footprint; a sole plane does not.
    basis = _in_plane_basis(normal)
    above = points[dist > pile + 10.0] @ basis
    on = points[inl] @ basis
    floor_found = False
    if above.shape[0] > 10 and on.shape[0] > 10:
        far, _ = cKDTree(above).query(on, k=1, workers=-1)
        floor_found = bool(np.mean(far > 10.0) > 0.25)
    return FloorPlane(
        normal=normal,
        offset_mm=float(offset),
        inlier_ratio=float(inl.mean()),
        rms_mm=rms,
        floor_found=floor_found,
        pile_mm=float(pile),
        layer_top_mm=float(top),
    )


def _in_plane_basis(normal: NDArray[np.float64]) -> NDArray[np.float64]:
    """(3, 2) orthonormal basis of the plane with this unit normal."""
    return np.linalg.svd(np.eye(3) - np.outer(normal, normal))[0][:, :2]


def _floor_layer(
    points: NDArray[np.float64], normal: NDArray[np.float64], offset: float
) -> tuple[NDArray[np.float64], float, float, float] | None:
    """The floor layer around the plane: a pile's base plane and height, and the layer's top.

    Floor-only points are those near the plane (-``PILE_MAX_MM`` .. ``PILE_MAX_MM``) with no
    point higher than ``PILE_MAX_MM`` within ``_PILE_CLEAR_MM`` in the plane's projection (the
    foot and the layer under its rim are left out). When their thickness (twice the
    inter-quartile range) exceeds :data:`PILE_MIN_MM` the layer is a pile: the plane is refit
    to the layer's central 96 % by SVD (the layer is a slab: its least-variance direction is
    its normal) and put at the layer's base (2nd percentile); the pile height is the 98th
    percentile above it. Otherwise the plane is kept.

    Parameters
    ----------
    points : (n, 3) float64
        mm.
    normal : (3,) float64
        Unit normal of the first plane, oriented to the foot.
    offset : float
        Its offset, mm (``height = normal . p + offset``).

    Returns
    -------
    (normal, offset_mm, pile_mm, layer_top_mm) or None
        None when there is no floor layer (a sole's support plane). ``pile_mm`` is 0 on a
        hard floor.
    """
    h = points @ normal + offset
    near = np.abs(h) < PILE_MAX_MM
    high = h > PILE_MAX_MM
    if np.count_nonzero(near) < 200:
        return None
    basis = _in_plane_basis(normal)
    cand = points[near]
    if np.any(high):
        d, _ = cKDTree(points[high] @ basis).query(cand @ basis, k=1, workers=-1)
        cand = cand[d > _PILE_CLEAR_MM]
    if cand.shape[0] < 200:
        return None
    hc = cand @ normal + offset
    lo, q1, q3, hi = np.percentile(hc, [2.0, 25.0, 75.0, 98.0])
    if 2.0 * (q3 - q1) <= PILE_MIN_MM:
        return normal, offset, 0.0, float(max(hi, 0.0))
    core = cand[(hc >= lo) & (hc <= hi)]
    n2, d2 = _svd_plane(core)
    if n2 @ normal < 0:
        n2, d2 = -n2, -d2
    h2 = cand @ n2 + d2
    base, top = np.percentile(h2, [2.0, 98.0])
    return n2, float(d2 - base), float(top - base), float(top - base)
