"""Scenes with more than one object: split a capture into foot-sized pieces (two feet).

The split works on the **floor-projected footprint** of the low points, not on 3-D
connectivity: two feet standing side by side are joined higher up (legs, trousers, a body
above), and a phone capture cannot see the sole, but their footprints on the floor are apart,
or touch only along a narrow bridge (skin contact at the ball or the big toes).

Algorithm (:func:`split_feet`)
------------------------------
1. Occupancy grid of the points below ``footprint_height_mm`` projected on the floor (cell
   ``cell_mm``, grown for sparse clouds), closed by one cell so that a sparse capture is one
   piece per foot.
2. Connected pieces (8-connected), holes filled (the projection of a capture without sole
   can be hollow at the heel); pieces smaller than a small foot are debris.
3. A piece too broad for one foot (floor-projected breadth / length > ``split_ratio``; one foot
   is 0.33-0.45) is split in two: first by erosion into two foot-sized cores (bridges narrower
   than twice the erosion depth break; each cell then goes to the nearer core), else by
   2-segments clustering of its cells (feet pressed together over a stretch: toes of toe-in feet, balls),
   keeping the split with the shortest cut whose halves are foot-shaped.
4. Every input point (also the leg above the footprint height) goes to the piece whose
   footprint it stands over, within ``max_distance_mm``; the rest is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from footscan.exceptions import ScanValidationError

__all__ = ["FootCluster", "split_feet"]

#: Smallest footprint (floor-projected area, mm^2) of a foot: an infant's 90 x 35 mm foot.
MIN_FOOTPRINT_MM2 = 2500.0
#: Shortest floor-projected piece that may be a foot, mm (the pipeline's length gate is 90 mm).
MIN_FOOT_LENGTH_MM = 80.0
_EIGHT = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class FootCluster:
    """One foot-sized piece of a scene.

    Attributes
    ----------
    indices : (k,) int64
        Rows of the input array that belong to this piece (sorted).
    points_mm : (k, 3) float64
        Those points (floor frame, mm).
    n_points : int
    length_mm : float
        Floor-projected extent of the footprint along its long axis, mm.
    breadth_mm : float
        Floor-projected extent across it, mm.
    area_mm2 : float
        Footprint area (occupied grid cells), mm^2.
    centroid_mm : (2,) float64
        Footprint centroid on the floor (x, y), mm.
    axis : (2,) float64
        Unit vector of the footprint's long axis on the floor (sign arbitrary).
    """

    indices: NDArray[np.int64] = field(repr=False)
    points_mm: NDArray[np.float64] = field(repr=False)
    n_points: int
    length_mm: float
    breadth_mm: float
    area_mm2: float
    centroid_mm: NDArray[np.float64]
    axis: NDArray[np.float64] = field(repr=False)


def split_feet(
    points_floor_mm: NDArray[np.float64],
    *,
    min_points: int = 300,
    footprint_height_mm: float = 100.0,
    cell_mm: float = 4.0,
    split_ratio: float = 0.55,
    max_erosion_mm: float = 16.0,
    max_distance_mm: float = 30.0,
) -> list[FootCluster]:
    """Split the points standing on a floor into foot-sized pieces (e.g. a left and a right foot).

    Parameters
    ----------
    points_floor_mm : (n, 3) float64
        Points above the floor (floor band already removed), in a floor frame: z = height above
        the floor, mm; x, y on the floor, any orientation.
    min_points : int
        Fewer points than this (footprint and what stands over it) is debris.
    footprint_height_mm : float
        Points below this height make the footprint: the whole foot up to the ankle, so that
        the dorsum covers the footprint of a capture without sole, and far below where legs
        join.
    cell_mm : float
        Footprint grid cell, mm; grown to 2.5 x the median point spacing of sparse clouds.
    split_ratio : float
        A piece broader than this share of its length holds more than one foot and is split.
    max_erosion_mm : float
        Deepest erosion tried when splitting: bridges up to about twice this wide break.
    max_distance_mm : float
        A point is assigned to a piece when it stands within this floor distance of its
        footprint.

    Returns
    -------
    list of FootCluster
        Foot-sized pieces (footprint >= 2500 mm^2 and >= 80 mm long, >= ``min_points``
        points), **longest first** (sizes come from the longer foot); ties by more points.
        Empty when nothing foot-sized stands on the floor. Debris and points far from every
        footprint belong to no piece.

    Raises
    ------
    ScanValidationError
        ``points_floor_mm`` is not a finite ``(n, 3)`` array.

    Examples
    --------
    >>> feet = split_feet(points_above_floor)          # doctest: +SKIP
    >>> [round(f.length_mm) for f in feet]             # doctest: +SKIP
    [262, 255]
    """
    pts = np.asarray(points_floor_mm, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ScanValidationError(f"points must have shape (n, 3), got {pts.shape}")
    if not np.isfinite(pts).all():
        raise ScanValidationError("points must be finite")
    low = np.flatnonzero(pts[:, 2] < footprint_height_mm)
    if low.shape[0] < max(min_points, 10):
        return []
    grid = _footprint_grid(pts[low, :2], cell_mm)
    pieces = _footprint_pieces(grid, split_ratio, max_erosion_mm)
    if not pieces:
        return []
    owner = _owners(pts, grid, pieces, max_distance_mm)
    out = [
        c
        for k, mask in enumerate(pieces, start=1)
        if (c := _cluster(pts, np.flatnonzero(owner == k), mask, grid, min_points)) is not None
    ]
    out.sort(key=lambda c: (-round(c.length_mm, 6), -c.n_points))
    return out


@dataclass(frozen=True)
class _Grid:
    """The occupied footprint cells on a floor grid."""

    occupied: NDArray[np.bool_] = field(repr=False)
    origin: NDArray[np.float64]
    cell: float


def _footprint_grid(xy: NDArray[np.float64], cell_mm: float) -> _Grid:
    """Occupancy of the floor-projected low points (closed over one cell)."""
    cell = max(float(cell_mm), 2.5 * _median_spacing_2d(xy))
    origin = xy.min(axis=0) - 3 * cell
    ij = np.floor((xy - origin) / cell).astype(np.int64)
    occ = np.zeros(tuple(ij.max(axis=0) + 4), dtype=bool)
    occ[ij[:, 0], ij[:, 1]] = True
    return _Grid(ndimage.binary_closing(occ, structure=_EIGHT, border_value=0), origin, cell)


def _footprint_pieces(
    grid: _Grid, split_ratio: float, max_erosion_mm: float
) -> list[NDArray[np.bool_]]:
    """Connected footprints, filled, large enough, split when broader than one foot."""
    labels, n_lab = ndimage.label(grid.occupied, structure=_EIGHT)
    min_cells = MIN_FOOTPRINT_MM2 / grid.cell**2
    pieces: list[NDArray[np.bool_]] = []
    for lab in range(1, n_lab + 1):
        # Filled: the projection of a capture without sole can be hollow (heel ring).
        mask = ndimage.binary_fill_holes(labels == lab)
        if mask.sum() < min_cells:
            continue
        pieces.extend(_split_piece(mask, grid.cell, split_ratio, max_erosion_mm, min_cells))
    return pieces


def _owners(
    pts: NDArray[np.float64],
    grid: _Grid,
    pieces: list[NDArray[np.bool_]],
    max_distance_mm: float,
) -> NDArray[np.int64]:
    """Piece number (1..) of every point: its nearest footprint within the distance, else 0."""
    shape = grid.occupied.shape
    piece_map = np.zeros(shape, dtype=np.int64)
    for k, mask in enumerate(pieces, start=1):
        piece_map[mask] = k
    dist, (ni, nj) = ndimage.distance_transform_edt(piece_map == 0, return_indices=True)
    q = np.floor((pts[:, :2] - grid.origin) / grid.cell).astype(np.int64)
    inside = np.all((q >= 0) & (q < np.array(shape)), axis=1)
    owner = np.zeros(pts.shape[0], dtype=np.int64)
    qi, qj = q[inside, 0], q[inside, 1]
    near = dist[qi, qj] * grid.cell <= max_distance_mm
    owner[inside] = np.where(near, piece_map[ni[qi, qj], nj[qi, qj]], 0)
    return owner


def _cluster(
    pts: NDArray[np.float64],
    idx: NDArray[np.int64],
    mask: NDArray[np.bool_],
    grid: _Grid,
    min_points: int,
) -> FootCluster | None:
    """One piece as a FootCluster (PCA of its footprint cells), None when not foot-sized."""
    if idx.shape[0] < min_points:
        return None
    cell = grid.cell
    xy = (np.argwhere(mask) + 0.5) * cell + grid.origin
    centre = xy.mean(axis=0)
    _, vec = np.linalg.eigh(np.cov((xy - centre).T))
    axis = vec[:, 1]
    length = float(np.ptp((xy - centre) @ axis) + cell)
    if length < MIN_FOOT_LENGTH_MM:
        return None
    return FootCluster(
        indices=idx,
        points_mm=pts[idx],
        n_points=int(idx.shape[0]),
        length_mm=length,
        breadth_mm=float(np.ptp((xy - centre) @ vec[:, 0]) + cell),
        area_mm2=float(mask.sum() * cell**2),
        centroid_mm=centre,
        axis=axis,
    )


def _median_spacing_2d(xy: NDArray[np.float64]) -> float:
    """Median nearest-neighbour distance of (a sample of) the floor-projected points, mm."""
    from scipy.spatial import cKDTree

    sample = xy[:: max(1, xy.shape[0] // 5000)]
    d, _ = cKDTree(xy).query(sample, k=2)
    return float(np.median(d[:, 1]))


def _extent_ratio(mask: NDArray[np.bool_]) -> float:
    """Breadth / length of a footprint (PCA extents of its cells)."""
    cells = np.argwhere(mask).astype(np.float64)
    if cells.shape[0] < 3:
        return 0.0
    c = cells - cells.mean(axis=0)
    _, vec = np.linalg.eigh(np.cov(c.T))
    length = np.ptp(c @ vec[:, 1]) + 1.0
    breadth = np.ptp(c @ vec[:, 0]) + 1.0
    return float(breadth / length)


def _split_piece(
    mask: NDArray[np.bool_],
    cell: float,
    split_ratio: float,
    max_erosion_mm: float,
    min_cells: float,
) -> list[NDArray[np.bool_]]:
    """Split one footprint that is too broad for a foot into foot-sized parts (or keep it)."""
    if _extent_ratio(mask) <= split_ratio:
        return [mask]
    for it in range(1, int(max_erosion_mm / cell) + 1):
        core = ndimage.binary_erosion(mask, structure=_EIGHT, iterations=it)
        lab, n = ndimage.label(core, structure=_EIGHT)
        if n < 2:
            continue
        sizes = ndimage.sum(core, lab, index=np.arange(1, n + 1))
        # An eroded foot-sized core loses a rim of `it` cells all round. A merged piece holds
        # two feet: the two largest cores seed them (a toe cut off by erosion joins one).
        big = np.argsort(-sizes)[:2] + 1
        if sizes[big[1] - 1] < 0.3 * min_cells:
            continue
        markers = np.zeros(mask.shape, dtype=np.int64)
        for k, lab_k in enumerate(big, start=1):
            markers[lab == lab_k] = k
        parts = _grow(mask, markers, 2)
        if _all_foot_like(parts, split_ratio, min_cells):
            return parts
    return _two_means(mask, split_ratio, min_cells)


def _grow(mask: NDArray[np.bool_], markers: NDArray[np.int64], n: int) -> list[NDArray[np.bool_]]:
    """Grow the markers (labels 1..n) through ``mask`` in turn, one cell ring at a time.

    The growth is geodesic (inside the footprint): a hollow heel ring that erosion removed from
    a foot's core goes back to that foot, not to the other foot's nearby heel. Cells no marker
    reaches go to the nearest marker.
    """
    owner = np.where(mask, markers, 0)
    free = mask & (owner == 0)
    while free.any():
        grew = False
        for k in range(1, n + 1):
            ring = ndimage.binary_dilation(owner == k, structure=_EIGHT) & free
            if ring.any():
                owner[ring] = k
                free &= ~ring
                grew = True
        if not grew:
            break
    if free.any():
        _, (ni, nj) = ndimage.distance_transform_edt(owner == 0, return_indices=True)
        owner = np.where(free, owner[ni, nj], owner)
    return [mask & (owner == k) for k in range(1, n + 1)]


def _all_foot_like(parts: list[NDArray[np.bool_]], split_ratio: float, min_cells: float) -> bool:
    return all(p.sum() >= min_cells and _extent_ratio(p) <= split_ratio for p in parts)


def _segment_distance(
    cells: NDArray[np.float64], cluster: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distance of ``cells`` to the segment spanning ``cluster`` along its principal axis."""
    c = cluster.mean(axis=0)
    _, vec = np.linalg.eigh(np.cov((cluster - c).T))
    axis = vec[:, 1]
    t = (cluster - c) @ axis
    along = np.clip((cells - c) @ axis, t.min(), t.max())
    foot = c + along[:, None] * axis
    return np.linalg.norm(cells - foot, axis=1)


def _two_means(
    mask: NDArray[np.bool_], split_ratio: float, min_cells: float
) -> list[NDArray[np.bool_]]:
    """Two feet whose footprints merge over a stretch (toes or balls pressed together).

    There is no neck to erode, but the two feet are two elongated halves: 2-segments clustering
    of the cells (each half is modelled by the segment along its long axis; every cell goes to
    the nearer segment; plain 2-means would cut a broad V of feet front / back) is started
    from four directions (0, 45, 90, 135 deg: a V of toe-in feet has no clear short axis);
    each split is bent to the gap (each cell to the nearer of the two halves' cores, a
    2-cell rim removed). Of the splits whose halves are both foot-sized and foot-shaped, the
    one with the shortest cut (fewest neighbouring cell pairs across it) is kept.
    """
    cells = np.argwhere(mask).astype(np.float64)
    centre = cells.mean(axis=0)
    best: list[NDArray[np.bool_]] = [mask]
    best_cut = np.inf
    for angle in np.radians([0.0, 45.0, 90.0, 135.0]):
        side = (cells - centre) @ np.array([np.cos(angle), np.sin(angle)]) > 0
        for _ in range(30):
            if side.sum() < 3 or (~side).sum() < 3:
                break
            new = _segment_distance(cells, cells[side]) < _segment_distance(cells, cells[~side])
            if np.array_equal(new, side):
                break
            side = new
        if side.all() or not side.any():
            continue
        markers = np.zeros(mask.shape, dtype=np.int64)
        for label, part_cells in ((1, cells[~side]), (2, cells[side])):
            part = np.zeros_like(mask)
            ij = part_cells.astype(np.int64)
            part[ij[:, 0], ij[:, 1]] = True
            core = ndimage.binary_erosion(part, structure=_EIGHT, iterations=2)
            markers[core if core.any() else part] = label
        parts = _grow(mask, markers, 2)
        if not _all_foot_like(parts, split_ratio, min_cells):
            continue
        a = parts[0]
        b = parts[1]
        cut = int(
            np.count_nonzero(a[1:, :] & b[:-1, :])
            + np.count_nonzero(a[:-1, :] & b[1:, :])
            + np.count_nonzero(a[:, 1:] & b[:, :-1])
            + np.count_nonzero(a[:, :-1] & b[:, 1:])
        )
        if cut < best_cut:
            best, best_cut = parts, cut
    return best
