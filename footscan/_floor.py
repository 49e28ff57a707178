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
    "boundary_mask",
    "fit_floor",
    "floor_candidates",
    "heights_mm",
    "rim_plane",
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
    kind : {"floor", "support", "rim"}
        ``"floor"``: a captured floor (``floor_found``); ``"support"``: a support plane of a
        floor-less capture (the sole of a scanner mesh, or a side); ``"rim"``: the plane under
        the lowest rim of a capture with neither floor nor sole (a turntable), see
        :func:`rim_plane`.
    """

    normal: NDArray[np.float64]
    offset_mm: float
    inlier_ratio: float
    rms_mm: float
    floor_found: bool
    pile_mm: float = 0.0
    layer_top_mm: float = 0.0
    kind: str = "support"

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
    biggest plane is a wall, iterate"). When the best candidate is not a captured floor and the
    points have a large open rim (no floor and no sole: a turntable capture), the plane under that
    rim (:func:`rim_plane`) comes first.

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
    normals, offsets = _hypotheses(sample, rng, n_random, threshold_mm)
    scores = _support_scores(sample, normals, offsets, threshold_mm)
    m = sample.shape[0]
    planes: list[FloorPlane] = []
    chosen: list[NDArray[np.float64]] = []
    for j in np.argsort(-scores, kind="stable"):
        if len(planes) >= max_planes or scores[j] < max(0.02 * m, 12):
            break
        # Distinct orientations only (a wall, the sole, a side): 25 deg apart.
        if any(abs(normals[j] @ c) > np.cos(np.radians(25.0)) for c in chosen):
            continue
        chosen.append(normals[j])
        planes.append(_refine(points, normals[j], float(offsets[j]), threshold_mm))
    if not planes or not planes[0].floor_found:
        rim = rim_plane(points, threshold_mm=threshold_mm, seed=seed)
        if rim is not None:
            cos25 = np.cos(np.radians(25.0))
            others = [p for p in planes if abs(p.normal @ rim.normal) < cos25]
            planes = [rim, *others][:max_planes]
    return planes


def _hypotheses(
    sample: NDArray[np.float64], rng: np.random.Generator, n_random: int, threshold_mm: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Plane hypotheses: random triples, and the convex-hull facets (every support plane of
    a floor-less mesh is one), oriented with the points on the positive side."""
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
    return normals, offsets


def _support_scores(
    sample: NDArray[np.float64],
    normals: NDArray[np.float64],
    offsets: NDArray[np.float64],
    threshold_mm: float,
) -> NDArray[np.int64]:
    """Inliers of each plane that supports the points (few on one side of it), else -1."""
    m = sample.shape[0]
    scores = []
    for start in range(0, normals.shape[0], 256):
        dist = sample @ normals[start : start + 256].T + offsets[start : start + 256]  # (m, h)
        inl = (np.abs(dist) < threshold_mm).sum(axis=0)
        below = (dist < -3 * threshold_mm).sum(axis=0)
        above = (dist > 3 * threshold_mm).sum(axis=0)
        support = np.minimum(below, above) <= FLOOR_SUPPORT_MAX_BELOW * m
        scores.append(np.where(support, inl, -1))
    return np.concatenate(scores)


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
    # A floor layer (hard floor or carpet) only where the plane surrounds the object: a sole's
    # support plane has no layer (its "floor-only" points would be the toes).
    if _surrounds(points, normal, dist, np.abs(dist) < thr, PILE_MAX_MM):
        layer = _floor_layer(points, normal, offset)
        if layer is not None:
            normal, offset, pile, top = layer
            dist = points @ normal + offset
    # Inliers: the floor layer (hard floor: within the refit threshold of the plane).
    inl = (dist > -thr) & (dist < pile + thr)
    rms = float(np.sqrt(np.mean((dist[inl] - 0.5 * pile) ** 2))) if inl.any() else float("nan")
    # A captured floor reaches well beyond the foot's footprint; a sole plane does not.
    floor_found = _reaches_beyond(points, normal, dist, inl, pile + 10.0)
    return FloorPlane(
        normal=normal,
        offset_mm=float(offset),
        inlier_ratio=float(inl.mean()),
        rms_mm=rms,
        floor_found=floor_found,
        pile_mm=float(pile),
        layer_top_mm=float(top),
        kind="floor" if floor_found else "support",
    )


def _in_plane_basis(normal: NDArray[np.float64]) -> NDArray[np.float64]:
    """(3, 2) orthonormal basis of the plane with this unit normal."""
    return np.linalg.svd(np.eye(3) - np.outer(normal, normal))[0][:, :2]


def _inliers_far_from_object(
    points: NDArray[np.float64],
    normal: NDArray[np.float64],
    dist: NDArray[np.float64],
    inliers: NDArray[np.bool_],
    above_mm: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]] | None:
    """In-plane distance of each inlier to the nearest point above ``above_mm``, with the
    in-plane inliers and points above; None when either holds 10 points or fewer."""
    basis = _in_plane_basis(normal)
    above = points[dist > above_mm] @ basis
    on = points[inliers] @ basis
    if above.shape[0] <= 10 or on.shape[0] <= 10:
        return None
    far, _ = cKDTree(above).query(on, k=1, workers=-1)
    return far, on, above


def _reaches_beyond(
    points: NDArray[np.float64],
    normal: NDArray[np.float64],
    dist: NDArray[np.float64],
    inliers: NDArray[np.bool_],
    above_mm: float,
) -> bool:
    """True when a quarter of the inliers lie > 10 mm (in the plane) from everything above.

    ``above_mm`` is the height from which points count as the object standing on the plane.
    """
    split = _inliers_far_from_object(points, normal, dist, inliers, above_mm)
    if split is None:
        return False
    far, _, _ = split
    return bool(np.mean(far > 10.0) > 0.25)


def _surrounds(
    points: NDArray[np.float64],
    normal: NDArray[np.float64],
    dist: NDArray[np.float64],
    inliers: NDArray[np.bool_],
    above_mm: float,
) -> bool:
    """True when inliers > 30 mm (in the plane) from everything above ``above_mm`` lie all round.

    A captured floor surrounds the object standing on it: such inliers are seen in at least
    half of 36 directions from the object's centre. The rim of a sole's contact (a floor-less
    mesh) is closer to the foot's sides, and lifted toes are seen in a few directions only.
    """
    split = _inliers_far_from_object(points, normal, dist, inliers, above_mm)
    if split is None:
        return False
    far, on, above = split
    rel = on[far > 30.0] - above.mean(axis=0)
    if rel.shape[0] < 10:
        return False
    bins = np.floor((np.arctan2(rel[:, 1], rel[:, 0]) + np.pi) / (2 * np.pi) * 36).astype(int)
    return bool(np.unique(np.clip(bins, 0, 35)).shape[0] >= 18)


def _floor_only(
    points: NDArray[np.float64], normal: NDArray[np.float64], offset: float, high_mm: float
) -> NDArray[np.float64]:
    """Points within ``PILE_MAX_MM`` of the plane with nothing above ``high_mm`` nearby.

    "Nearby" is ``_PILE_CLEAR_MM`` in the plane's projection: the object standing on the floor
    and the floor layer under its rim are left out.
    """
    h = points @ normal + offset
    cand = points[np.abs(h) < PILE_MAX_MM]
    high = h > high_mm
    if np.any(high) and cand.shape[0]:
        basis = _in_plane_basis(normal)
        d, _ = cKDTree(points[high] @ basis).query(cand @ basis, k=1, workers=-1)
        cand = cand[d > _PILE_CLEAR_MM]
    return cand


def _floor_layer(
    points: NDArray[np.float64], normal: NDArray[np.float64], offset: float
) -> tuple[NDArray[np.float64], float, float, float] | None:
    """The floor layer around a floor plane: a pile's base plane and height, and the layer's top.

    Floor-only points (:func:`_floor_only`, first with anything above ``PILE_MAX_MM`` as the
    object) give the layer's thickness: twice its inter-quartile range. Up to
    :data:`PILE_MIN_MM` it is a hard floor: the plane is kept and the layer's top is its
    median + 2.05 robust sigma (the 98th percentile of a Gaussian, robust to the few toe points
    that pass as floor). Beyond, it is a pile: the floor-only points are taken again with
    anything 5 mm above the pile's top as the object, the plane is refit to the layer's central
    96 % by SVD (the layer is a slab: its least-variance direction is its normal) and put at
    the layer's base (2nd percentile); the pile height is the 98th percentile above it.

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
        None when too few floor-only points are seen. ``pile_mm`` is 0 on a hard floor.
    """
    cand = _floor_only(points, normal, offset, PILE_MAX_MM)
    if cand.shape[0] < 200:
        return None
    hc = cand @ normal + offset
    q02, q1, med, q3, q98 = np.percentile(hc, [2.0, 25.0, 50.0, 75.0, 98.0])
    if 2.0 * (q3 - q1) <= PILE_MIN_MM:
        sigma = 1.4826 * float(np.median(np.abs(hc - med)))
        return normal, offset, 0.0, float(max(med + 2.05 * sigma, 0.0))
    cand = _floor_only(points, normal, offset, float(q98) + 5.0)
    if cand.shape[0] < 200:
        return None
    hc = cand @ normal + offset
    lo, hi = np.percentile(hc, [2.0, 98.0])
    n2, d2 = _svd_plane(cand[(hc >= lo) & (hc <= hi)])
    if n2 @ normal < 0:
        n2, d2 = -n2, -d2
    base, top = np.percentile(cand @ n2 + d2, [2.0, 98.0])
    return n2, float(d2 - base), float(top - base), float(top - base)


#: A point is on the open boundary of a surface when its neighbours, seen in its tangent plane,
#: leave an angular gap wider than this (about 60-90 deg inside a uniformly sampled surface).
_RIM_GAP_RAD = 0.75 * np.pi
#: Rim points within this height of the rim's support plane belong to the rim (the rim of a
#: missing sole is not flat: the medial arch lifts it by ~10 mm).
_RIM_BAND_MM = 12.0
#: Least rim: as many points and at least half the cloud's in-plane extent (a sole's rim runs
#: round the whole foot; a hole in the dorsum or the cut top of a leg is smaller or higher).
_RIM_MIN_POINTS = 40
_RIM_MIN_SPAN = 0.5


def boundary_mask(points: NDArray[np.float64], k: int = 12) -> NDArray[np.bool_]:
    """Points on an open boundary of the sampled surface (the edge of a hole or a cut).

    Each point's ``k`` neighbours are projected on its local tangent plane (PCA); a boundary
    point sees them all on one side, so the widest angular gap between them exceeds 135 deg.

    Parameters
    ----------
    points : (n, 3) float64
        A roughly uniform sampling (e.g. the 4 mm grid of the pipeline), mm.
    k : int
        Neighbours.

    Returns
    -------
    (n,) bool
    """
    n = points.shape[0]
    if n <= k + 1:
        return np.zeros(n, dtype=bool)
    _, idx = cKDTree(points).query(points, k=k + 1, workers=-1)
    nb = points[idx[:, 1:]] - points[:, None, :]
    c = nb - nb.mean(axis=1, keepdims=True)
    _, vec = np.linalg.eigh(np.einsum("nki,nkj->nij", c, c))
    a = np.arctan2(
        np.einsum("nki,ni->nk", nb, vec[:, :, 1]), np.einsum("nki,ni->nk", nb, vec[:, :, 2])
    )
    a = np.sort(a, axis=1)
    gaps = np.diff(np.concatenate([a, a[:, :1] + 2.0 * np.pi], axis=1), axis=1)
    return gaps.max(axis=1) > _RIM_GAP_RAD


def rim_plane(
    points: NDArray[np.float64],
    threshold_mm: float = FLOOR_THRESHOLD_MM,
    n_random: int = 400,
    seed: int = 0,
) -> FloorPlane | None:
    """The support plane under the lowest open rim: the floor of a capture without floor or sole.

    A turntable or hand-held capture of a foot sees it from around and above: no floor, and the
    surface ends at a rim where the sole starts. Candidate planes are the convex-hull facets of
    the boundary points (:func:`boundary_mask`) and planes through random triples of them;
    a candidate must support the cloud (at most 3 % of the points more than ``3 x threshold``
    beneath) and is scored by the boundary points within ``_RIM_BAND_MM`` above it. The rim
    must hold at least 40 points and span half the cloud's extent (a sole's rim runs round the
    foot).

    Accuracy on synthetic sole-less, floor-less captures of FIND feet (tests): the plane rolls
    5-10 deg towards the medial side (the arch lifts the medial rim) and lies ~10 mm above the
    true floor (the hidden sole's depth under the rim). A fitted foot model is the way to
    better (the lead's shape-model fit).

    Parameters
    ----------
    points : (n, 3) float64
        Down-sampled, outlier-cleaned points in mm (the pipeline's 4 mm grid).
    threshold_mm : float
    n_random : int
    seed : int

    Returns
    -------
    FloorPlane or None
        ``kind="rim"``, ``floor_found=False``, normal towards the points; None when the points
        have no such rim (a closed mesh, a captured sole, a sphere).
    """
    b = boundary_mask(points)
    bp = points[b]
    if bp.shape[0] < _RIM_MIN_POINTS:
        return None
    rng = np.random.default_rng(seed)
    normals, offsets = _plane_from_triples(bp[rng.integers(0, bp.shape[0], size=(n_random, 3))])
    try:
        eq = ConvexHull(bp).equations
        normals = np.vstack([normals, -eq[:, :3]])
        offsets = np.concatenate([offsets, -eq[:, 3]])
    except (QhullError, ValueError):
        pass
    if normals.shape[0] == 0:
        return None
    # Orient every hypothesis towards the bulk of the points.
    sign = np.where((points @ normals.T + offsets).sum(axis=0) >= 0, 1.0, -1.0)
    normals, offsets = normals * sign[:, None], offsets * sign
    dist = points @ normals.T + offsets
    support = (dist < -3 * threshold_mm).sum(axis=0) <= FLOOR_SUPPORT_MAX_BELOW * points.shape[0]
    db = bp @ normals.T + offsets
    band = (db > -threshold_mm) & (db < _RIM_BAND_MM)
    score = np.where(support, band.sum(axis=0), -1)
    j = int(np.argmax(score))
    if score[j] < _RIM_MIN_POINTS:
        return None
    normal, offset = normals[j], float(offsets[j])
    # The rim must run round the object, not be a small hole or a cut leg top.
    basis = _in_plane_basis(normal)
    rim_uv = bp[band[:, j]] @ basis
    all_uv = points @ basis
    if np.ptp(rim_uv, axis=0).max() < _RIM_MIN_SPAN * np.ptp(all_uv, axis=0).max():
        return None
    # Lower the plane onto the rim's lowest points (the facet may be a noisy speckle).
    rim_h = bp[band[:, j]] @ normal + offset
    offset -= float(np.percentile(rim_h, 2.0))
    d_all = points @ normal + offset
    inl = np.abs(d_all) < threshold_mm
    return FloorPlane(
        normal=normal,
        offset_mm=offset,
        inlier_ratio=float(inl.mean()),
        rms_mm=float(np.sqrt(np.mean((rim_h - rim_h.mean()) ** 2))),
        floor_found=False,
        kind="rim",
    )
