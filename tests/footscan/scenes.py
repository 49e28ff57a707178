"""Test scenes for issue 8: carpets, two feet in one capture, turntable captures.

Pure generators (numpy + footscan's synthetic foot): every function takes a seed and returns a
frozen :class:`Scene` with the points in mm and the ground truth needed by the tests. Frames:
scenes are built in a *scene frame* (backing of the floor at ``z = 0``, Z up) and then moved by
a random rigid transform ``p_capture = R p_scene + t`` unless ``pose=False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from footscan import make_capture, make_foot
from footscan._synthetic import SyntheticFoot
from footscan._synthetic_capture import SyntheticCapture

__all__ = [
    "LABEL_DEBRIS",
    "LABEL_FLOOR",
    "LABEL_FOOT",
    "LABEL_LEG",
    "LABEL_OUTLIER",
    "Scene",
    "carpet_floor",
    "carpet_capture",
    "random_pose",
    "turntable_capture",
    "two_feet_capture",
]

LABEL_FOOT = 0
LABEL_FLOOR = 1
LABEL_LEG = 2
LABEL_OUTLIER = 3
LABEL_DEBRIS = 4


@dataclass(frozen=True)
class Scene:
    """A synthetic capture with its ground truth.

    Attributes
    ----------
    points_mm : (n, 3) float64
        The capture, mm, capture frame.
    labels : (n,) int8
        0 foot, 1 floor (carpet), 2 leg, 3 outlier, 4 debris.
    foot_ids : (n,) int8
        Which foot a foot/leg point belongs to (0, 1, ...), -1 for everything else.
    up : (3,) float64
        True floor normal (scene +Z) in the capture frame.
    base_offset_mm : float
        ``up . p + base_offset_mm`` is the height above the floor's base (the backing of a
        carpet, the floor itself for a hard floor, the sole's support plane without a floor).
    pile_mm : float
        Thickness of the floor layer above the base (0 for a hard floor).
    sole_height_mm : float
        Height above the base of the lowest sole point (where the foot stands: a foot sinks into
        a pile and compresses it).
    transform : (4, 4) float64
        Scene frame -> capture frame.
    feet : tuple of SyntheticFoot
        The feet in the scene, in ``foot_ids`` order.
    foot_offsets_mm : (k, 3) float64
        Where each foot's canonical origin sits in the scene frame.
    """

    points_mm: NDArray[np.float64] = field(repr=False)
    labels: NDArray[np.int8] = field(repr=False)
    foot_ids: NDArray[np.int8] = field(repr=False)
    up: NDArray[np.float64]
    base_offset_mm: float
    pile_mm: float
    sole_height_mm: float
    transform: NDArray[np.float64] = field(repr=False)
    feet: tuple[SyntheticFoot, ...] = field(repr=False)
    foot_offsets_mm: NDArray[np.float64] = field(repr=False)

    def heights_mm(self, points_mm: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        """True heights above the floor's base, mm (of the scene's points by default)."""
        p = self.points_mm if points_mm is None else points_mm
        return p @ self.up + self.base_offset_mm

    def to_scene(self, points_mm: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        """Points (capture frame, mm) back in the scene frame (floor base at z = 0)."""
        p = self.points_mm if points_mm is None else points_mm
        r, t = self.transform[:3, :3], self.transform[:3, 3]
        return (p - t) @ r


def random_pose(rng: np.random.Generator, tilt_deg: float = 30.0) -> NDArray[np.float64]:
    """A random rigid transform (4 x 4): yaw 0-360 deg, tilt up to ``tilt_deg``, +-300 mm."""
    yaw = rng.uniform(0.0, 2.0 * np.pi)
    c, s = np.cos(yaw), np.sin(yaw)
    rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    a = np.deg2rad(rng.uniform(0.0, tilt_deg))
    phi = rng.uniform(0.0, 2.0 * np.pi)
    axis = np.array([np.cos(phi), np.sin(phi), 0.0])
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rt = np.eye(3) + np.sin(a) * k + (1.0 - np.cos(a)) * (k @ k)
    t = np.eye(4)
    t[:3, :3] = rt @ rz
    t[:3, 3] = rng.uniform(-300.0, 300.0, 3)
    return t


def _footprint_mask(foot_xy: NDArray[np.float64], xy: NDArray[np.float64]) -> NDArray[np.bool_]:
    """True where ``xy`` lies under the foot (its low points' footprint, 4 mm cells + 1)."""
    from scipy.ndimage import binary_dilation

    cell = 4.0
    lo = foot_xy.min(axis=0) - 2 * cell
    ij = np.floor((foot_xy - lo) / cell).astype(np.int64)
    shape = ij.max(axis=0) + 3
    grid = np.zeros(shape, dtype=bool)
    grid[ij[:, 0], ij[:, 1]] = True
    grid = binary_dilation(grid, iterations=1)
    q = np.floor((xy - lo) / cell).astype(np.int64)
    inside = np.all((q >= 0) & (q < shape), axis=1)
    out = np.zeros(xy.shape[0], dtype=bool)
    out[inside] = grid[q[inside, 0], q[inside, 1]]
    return out


def carpet_floor(
    rng: np.random.Generator,
    lo_xy: NDArray[np.float64],
    hi_xy: NDArray[np.float64],
    pile_mm: float,
    density_per_mm2: float = 0.4,
    noise_mm: float = 0.7,
    stray_fraction: float = 0.01,
    fibres: bool = True,
) -> NDArray[np.float64]:
    """Points of a pile carpet (or a hard floor when ``pile_mm == 0``) in a rectangle.

    The backing is ``z = 0``. Tufts stand at random places, each a straight fibre of length
    ``U(0.6, 1.0) * pile_mm`` leaning up to 35 deg; points lie along the fibres, a third of
    them at the tips (what a camera sees most of a shag pile). A share ``stray_fraction`` are
    loose fibres lying on top (up to 3 mm above the pile). Gaussian noise ``noise_mm``.

    Parameters
    ----------
    rng : numpy.random.Generator
    lo_xy, hi_xy : (2,) float64
        Rectangle corners, mm.
    pile_mm : float
        Pile height, mm (0: a hard floor with noise only).
    density_per_mm2 : float
        Points per mm^2 of floor.
    noise_mm : float
        Sensor noise sigma, mm.
    stray_fraction : float
    fibres : bool
        False: heights uniform in ``0 .. pile_mm`` (a plain thick layer, no tufts).

    Returns
    -------
    (n, 3) float64
        Carpet points, mm, scene frame.
    """
    lo = np.asarray(lo_xy, dtype=np.float64)
    hi = np.asarray(hi_xy, dtype=np.float64)
    n = int(density_per_mm2 * float(np.prod(hi - lo)))
    xy = rng.uniform(lo, hi, size=(n, 2))
    if pile_mm <= 0:
        return np.column_stack([xy, rng.normal(0.0, noise_mm, n)])
    if not fibres:
        pts = np.column_stack([xy, rng.uniform(0.0, pile_mm, n)])
        return pts + rng.normal(0.0, noise_mm, pts.shape)
    length = rng.uniform(0.6, 1.0, n) * pile_mm
    lean = np.deg2rad(rng.uniform(0.0, 35.0, n))
    az = rng.uniform(0.0, 2.0 * np.pi, n)
    t = rng.uniform(0.0, 1.0, n)
    t[rng.random(n) < 1.0 / 3.0] = 1.0  # tips
    r = t * length
    pts = np.column_stack(
        [
            xy[:, 0] + r * np.sin(lean) * np.cos(az),
            xy[:, 1] + r * np.sin(lean) * np.sin(az),
            r * np.cos(lean),
        ]
    )
    stray = rng.random(n) < stray_fraction
    pts[stray, 2] = pile_mm + rng.uniform(0.0, 3.0, int(stray.sum()))
    return pts + rng.normal(0.0, noise_mm, pts.shape)


def _apply(t: NDArray[np.float64], p: NDArray[np.float64]) -> NDArray[np.float64]:
    return p @ t[:3, :3].T + t[:3, 3]


def carpet_capture(
    seed: int,
    pile_mm: float = 12.0,
    *,
    compression: float = 0.2,
    foot: SyntheticFoot | None = None,
    n_foot_points: int = 30_000,
    margin_mm: float = 120.0,
    pose: bool = True,
    noise_mm: float = 0.7,
    density_per_mm2: float = 0.4,
    fibres: bool = True,
) -> Scene:
    """A phone-like capture of a foot standing on a pile carpet.

    The foot (sole not captured, 150 mm of leg) sinks into the pile: its sole rests on the pile
    compressed to ``compression * pile_mm`` above the backing. The pile around the foot hides
    the foot's sides below the pile top (a camera above sees fibres there); the carpet under
    the foot is hidden by it.

    Parameters
    ----------
    seed : int
    pile_mm : float
        Pile height, mm (0-15 mm are realistic; 0 is a hard floor).
    compression : float
        Share of the pile left under the loaded sole.
    foot : SyntheticFoot, optional
        ``make_foot(seed, shape=False)`` by default.
    n_foot_points : int
    margin_mm : float
        Carpet margin around the foot, mm.
    pose : bool
        Random rigid transform (tilt up to 30 deg) of the whole scene.
    noise_mm : float
    density_per_mm2 : float
        Carpet points per mm^2.
    fibres : bool
        Tufted fibres (default) or a plain layer uniform in height (see :func:`carpet_floor`).

    Returns
    -------
    Scene
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xCA2]))
    foot = foot if foot is not None else make_foot(seed, shape=False)
    cap = _floorless(foot, seed, n_foot_points, noise_mm)
    sole = compression * pile_mm
    fpts = cap.cloud.points_mm + [0.0, 0.0, sole]
    flab = cap.labels
    hidden = (fpts[:, 2] < pile_mm) & (rng.random(fpts.shape[0]) < 0.85)
    fpts, flab = fpts[~hidden], flab[~hidden]
    v = np.asarray(foot.vertices_mm)
    lo = v[:, :2].min(axis=0) - margin_mm
    hi = v[:, :2].max(axis=0) + margin_mm
    carpet = carpet_floor(
        rng, lo, hi, pile_mm, density_per_mm2=density_per_mm2, noise_mm=noise_mm, fibres=fibres
    )
    carpet = carpet[~_footprint_mask(v[v[:, 2] < 30.0, :2], carpet[:, :2])]
    pts = np.vstack([fpts, carpet])
    labels = np.concatenate([flab, np.full(carpet.shape[0], LABEL_FLOOR)]).astype(np.int8)
    ids = np.where(labels == LABEL_FLOOR, -1, 0).astype(np.int8)
    return _posed_scene(
        rng,
        pts,
        labels,
        ids,
        pose=pose,
        feet=(foot,),
        offsets=np.array([[0.0, 0.0, sole]]),
        pile_mm=pile_mm,
        sole_mm=sole,
    )


def _posed_scene(
    rng: np.random.Generator,
    pts: NDArray[np.float64],
    labels: NDArray[np.int8],
    ids: NDArray[np.int8],
    *,
    pose: bool,
    feet: tuple[SyntheticFoot, ...],
    offsets: NDArray[np.float64],
    pile_mm: float = 0.0,
    sole_mm: float = 0.0,
    shuffle: bool = True,
) -> Scene:
    """The scene in a random pose (tilt up to 30 deg) or as built, points shuffled."""
    t = random_pose(rng) if pose else np.eye(4)
    up = t[:3, :3] @ np.array([0.0, 0.0, 1.0])
    order = rng.permutation(pts.shape[0]) if shuffle else np.arange(pts.shape[0])
    return Scene(
        points_mm=_apply(t, pts)[order],
        labels=labels[order],
        foot_ids=ids[order],
        up=up,
        base_offset_mm=float(-up @ t[:3, 3]),
        pile_mm=float(pile_mm),
        sole_height_mm=float(sole_mm),
        transform=t,
        feet=feet,
        foot_offsets_mm=offsets,
    )


def two_feet_capture(
    seed: int,
    gap_mm: float = 50.0,
    *,
    touching: bool = False,
    toe_out_deg: float | None = None,
    legs: bool = True,
    debris: int = 3,
    n_points: int = 60_000,
    pose: bool = True,
    shape: bool = False,
) -> Scene:
    """A phone-like capture of a left and a right foot standing side by side on one floor.

    Facing +X, the left foot stands at +Y (its medial side, -Y, towards the right foot) and
    the right foot at -Y: ``make_foot(seed + 1, side="right")``, a different foot, mirrored.
    Each foot turns out by ``toe_out_deg`` (default U(3, 10) deg, a natural stance); the
    closest floor-projected points of the two feet (below 60 mm) are ``gap_mm`` apart. With
    ``touching`` the feet turn in by 8 deg instead, their big toes touch (gap 0) and 5 strands
    of 20 points bridge them there (skin contact). Legs rise 150 mm above the 110 mm cut and,
    with ``legs``, lean towards each other (a body above). ``debris`` small clumps (100-300
    points, 10-20 mm) lie on the floor.

    Parameters
    ----------
    seed : int
    gap_mm : float
        Closest floor-projected distance between the feet, mm (20-100 mm in the tests).
    touching : bool
    toe_out_deg : float, optional
    legs : bool
    debris : int
    n_points : int
        Foot + leg points of both feet (the floor adds about as many).
    pose : bool
    shape : bool
        Vary the foot shapes with the FIND model.

    Returns
    -------
    Scene
        ``foot_ids`` 0 for the left foot, 1 for the right, -1 for the bridge, floor, debris.
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x2FEE7]))
    left = make_foot(seed, side="left", shape=shape)
    right = make_foot(seed + 1, side="right", shape=shape)
    if touching:
        turn, gap_mm = -8.0, 0.0
    else:
        turn = float(rng.uniform(3.0, 10.0)) if toe_out_deg is None else float(toe_out_deg)
    placed = [
        _turned_capture(foot, seed * 2 + k, n_points // 2, legs, turn, k)
        for k, foot in enumerate((left, right))
    ]
    dy = _gap_shift(placed, gap_mm)
    offsets = np.array([[0.0, dy, 0.0], [0.0, 0.0, 0.0]])
    parts = [_leaned(p + offsets[k], lab, dy, legs) for k, (p, lab) in enumerate(placed)]
    labels = [lab.astype(np.int8) for _, lab in placed]
    ids = [np.full(p.shape[0], k, dtype=np.int8) for k, p in enumerate(parts)]
    feet_pts = np.vstack(parts)
    extras = [(_bridge(rng, parts, labels), LABEL_FOOT)] if touching else []
    lo = feet_pts[:, :2].min(axis=0) - 100.0
    hi = feet_pts[:, :2].max(axis=0) + 100.0
    floor = carpet_floor(rng, lo, hi, 0.0, density_per_mm2=0.3, noise_mm=0.8)
    floor = floor[~_footprint_mask(feet_pts[feet_pts[:, 2] < 30.0, :2], floor[:, :2])]
    extras.append((floor, LABEL_FLOOR))
    extras += [(_debris_clump(rng, feet_pts, lo, hi), LABEL_DEBRIS) for _ in range(debris)]
    for pts_x, lab_x in extras:
        parts.append(pts_x)
        labels.append(np.full(pts_x.shape[0], lab_x, dtype=np.int8))
        ids.append(np.full(pts_x.shape[0], -1, dtype=np.int8))
    return _posed_scene(
        rng,
        np.vstack(parts),
        np.concatenate(labels),
        np.concatenate(ids),
        pose=pose,
        feet=(left, right),
        offsets=offsets,
    )


def _floorless(
    foot: SyntheticFoot, seed: int, n_points: int, noise_mm: float, leg: bool = True
) -> SyntheticCapture:
    """A capture of the foot alone in its canonical frame (no floor, no outliers, no sole)."""
    return make_capture(
        foot,
        seed,
        n_points=n_points,
        units="mm",
        pose=False,
        noise_mm=noise_mm,
        outlier_fraction=0.0,
        floor=False,
        leg=leg,
    )


def _leaned(
    p: NDArray[np.float64], lab: NDArray[np.int8], dy: float, legs: bool
) -> NDArray[np.float64]:
    """Lean the legs together above the cut, most of the way to the midline at 260 mm."""
    if legs:
        leg = lab == LABEL_LEG
        frac = np.clip((p[leg, 2] - 110.0) / 150.0, 0.0, 1.0)
        p[leg, 1] += frac * (0.5 * dy - np.median(p[leg, 1])) * 0.9
    return p


def _turned_capture(
    foot: SyntheticFoot, seed: int, n_points: int, legs: bool, turn_deg: float, k: int
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """One foot's capture (no floor), turned out by ``turn_deg`` (toes to its lateral side)."""
    cap = _floorless(foot, seed, n_points, 0.7, leg=legs)
    # Toe-out turns the left foot's toes to +Y (its lateral side), the right's to -Y.
    yaw = np.deg2rad(turn_deg) * (1.0 if k == 0 else -1.0)
    c, s = np.cos(yaw), np.sin(yaw)
    rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return cap.cloud.points_mm @ rz.T, cap.labels


def _gap_shift(placed: list[tuple[NDArray[np.float64], NDArray[np.int8]]], gap_mm: float) -> float:
    """Shift of the left foot to +Y that leaves its closest low points ``gap_mm`` from the right
    foot's (the nearest-point gap, not the bounding-box gap)."""
    from scipy.spatial import cKDTree

    (lp, llab), (rp, rlab) = placed
    low_l = lp[(lp[:, 2] < 60.0) & (llab == LABEL_FOOT), :2]
    low_r = rp[(rp[:, 2] < 60.0) & (rlab == LABEL_FOOT), :2]
    dy = low_r[:, 1].max() - low_l[:, 1].min() + gap_mm
    tree = cKDTree(low_r)
    for _ in range(6):
        d, _ = tree.query(low_l + [0.0, dy], k=1)
        dy += gap_mm - float(d.min())
    return float(dy)


def _bridge(
    rng: np.random.Generator, parts: list[NDArray[np.float64]], labels: list[NDArray[np.int8]]
) -> NDArray[np.float64]:
    """5 strands of 20 points where the two feet touch (skin contact)."""
    from scipy.spatial import cKDTree

    a = parts[0][(labels[0] == LABEL_FOOT) & (parts[0][:, 2] < 40.0)]
    b = parts[1][(labels[1] == LABEL_FOOT) & (parts[1][:, 2] < 40.0)]
    d, j = cKDTree(b).query(a, k=1)
    bridge = []
    for i in np.argsort(d)[:5]:
        t = rng.uniform(0.0, 1.0, (20, 1))
        bridge.append(a[i] + t * (b[j[i]] - a[i]))
    return np.vstack(bridge) + rng.normal(0.0, 0.5, (100, 3))


def _debris_clump(
    rng: np.random.Generator,
    feet_pts: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
) -> NDArray[np.float64]:
    """A small clump on the floor clear of the feet (a sock, a cable tie, a crumb)."""
    for _ in range(50):
        centre = rng.uniform(lo + 20.0, hi - 20.0)
        if np.min(np.linalg.norm(feet_pts[:, :2] - centre, axis=1)) > 50.0:
            break
    size = rng.uniform(10.0, 20.0)
    m = int(rng.integers(100, 300))
    return np.column_stack(
        [centre + rng.normal(0.0, size / 3.0, (m, 2)), rng.uniform(0.0, size, m)]
    )


def turntable_capture(
    seed: int,
    *,
    foot: SyntheticFoot | None = None,
    n_points: int = 40_000,
    leg: bool = True,
    noise_mm: float = 0.7,
    pose: bool = True,
) -> Scene:
    """A RealSense-turntable-like capture: the foot seen from around and above, no floor, no sole.

    Parameters
    ----------
    seed : int
    foot : SyntheticFoot, optional
        ``make_foot(seed, shape=False)`` by default.
    n_points : int
    leg : bool
        Keep 150 mm of leg above the cut.
    noise_mm : float
    pose : bool
        Random rigid transform, tilt up to 30 deg.

    Returns
    -------
    Scene
        ``up`` / ``base_offset_mm`` describe the true floor the foot stood on (the sole's
        support plane, ``z = 0`` of the foot).
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x7AB1E]))
    foot = foot if foot is not None else make_foot(seed, shape=False)
    cap = _floorless(foot, seed, n_points, noise_mm, leg=leg)
    labels = cap.labels.astype(np.int8)
    return _posed_scene(
        rng,
        cap.cloud.points_mm,
        labels,
        np.zeros(labels.shape[0], dtype=np.int8),
        pose=pose,
        feet=(foot,),
        offsets=np.zeros((1, 3)),
        shuffle=False,
    )
