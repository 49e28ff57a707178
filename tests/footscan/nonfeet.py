"""A corpus of captures that are **not** a usable foot, for the "is this a foot?" gate (issue 8).

Procedural generators (numpy + trimesh only, deterministic by seed) of what a shopper may hand
to ``footscan measure``: shoes, a hand, a mug, a chair, a potato-like blob, a random cloud, a
sole impression in foam, and a real foot in the wrong units (inches, unscaled
photogrammetry). Each returns a frozen :class:`NonFoot` with the points and the unit they are
written in; :func:`write_ply` writes them as a binary PLY. Shapes are built in a scene frame
(floor ``z = 0``, Z up, mm), captured phone-like where realistic (surface facing down more
than 60 deg is not seen, 0.5-1 mm Gaussian noise, a floor patch around the object), then
moved by a random rigid transform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "NONFEET",
    "NonFoot",
    "blob",
    "boot",
    "chair",
    "foam_impression",
    "foot_in_inches",
    "hand",
    "mug",
    "random_cloud",
    "sandal",
    "sneaker",
    "unscaled_foot",
    "write_ply",
]

#: The real plate-scanned foot (STL, metres, z up, floor at z = 0), MIT licence.
REAL_FOOT = Path("footscan") / "real" / "dupont_left_foot.stl"
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class NonFoot:
    """One capture of the corpus.

    Attributes
    ----------
    name : str
    points : (n, 3) float64
        Coordinates in ``unit``.
    unit : str
        ``"mm"``, ``"m"``, ``"in"`` or ``"arbitrary"`` (what the numbers in the file are).
    description : str
        What it is and why a foot gate must refuse it.
    """

    name: str
    points: NDArray[np.float64] = field(repr=False)
    unit: str
    description: str


# ------------------------------------------------------------------------------ helpers


def _rng(seed: int, salt: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), salt]))


def _pose(rng: np.random.Generator, p: NDArray[np.float64]) -> NDArray[np.float64]:
    """A random rigid transform: yaw 0-360 deg, tilt up to 20 deg, +-300 mm."""
    yaw = rng.uniform(0.0, 2.0 * np.pi)
    c, s = np.cos(yaw), np.sin(yaw)
    rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    a = np.deg2rad(rng.uniform(0.0, 20.0))
    ca, sa = np.cos(a), np.sin(a)
    rx = np.array([[1.0, 0.0, 0.0], [0.0, ca, -sa], [0.0, sa, ca]])
    return p @ (rx @ rz).T + rng.uniform(-300.0, 300.0, 3)


def _sample_mesh(
    rng: np.random.Generator, mesh: object, n: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` area-uniform surface points of a trimesh and their face normals."""
    v = np.asarray(mesh.vertices, dtype=np.float64)  # type: ignore[attr-defined]
    f = np.asarray(mesh.faces, dtype=np.int64)  # type: ignore[attr-defined]
    tri = v[f]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area = 0.5 * np.linalg.norm(cross, axis=1)
    face = rng.choice(f.shape[0], size=n, p=area / area.sum())
    r1, r2 = rng.random(n), rng.random(n)
    flip = r1 + r2 > 1.0
    r1[flip], r2[flip] = 1.0 - r1[flip], 1.0 - r2[flip]
    t = tri[face]
    pts = t[:, 0] + r1[:, None] * (t[:, 1] - t[:, 0]) + r2[:, None] * (t[:, 2] - t[:, 0])
    nrm = cross[face] / np.maximum(np.linalg.norm(cross[face], axis=1, keepdims=True), 1e-12)
    return pts, nrm


def _seen_from_above(pts: NDArray[np.float64], nrm: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drop surface facing down more than 60 deg (a phone above cannot see it)."""
    return pts[nrm[:, 2] >= -0.5]


def _floor(
    rng: np.random.Generator,
    obj: NDArray[np.float64],
    margin_mm: float = 100.0,
    density_per_mm2: float = 0.25,
    noise_mm: float = 0.8,
) -> NDArray[np.float64]:
    """A floor patch around ``obj`` (scene frame), not under its low footprint."""
    from scenes import _footprint_mask, carpet_floor

    lo = obj[:, :2].min(axis=0) - margin_mm
    hi = obj[:, :2].max(axis=0) + margin_mm
    fl = carpet_floor(rng, lo, hi, 0.0, density_per_mm2=density_per_mm2, noise_mm=noise_mm)
    low = obj[obj[:, 2] < 30.0, :2]
    if low.shape[0]:
        fl = fl[~_footprint_mask(low, fl[:, :2])]
    return fl


def _finish(
    rng: np.random.Generator,
    obj: NDArray[np.float64],
    noise_mm: float,
    floor: bool = True,
) -> NDArray[np.float64]:
    """Noise, a floor, a random pose, shuffled."""
    parts = [obj + rng.normal(0.0, noise_mm, obj.shape)]
    if floor:
        parts.append(_floor(rng, obj))
    pts = _pose(rng, np.vstack(parts))
    return pts[rng.permutation(pts.shape[0])]


def _outline_half_width(x: NDArray[np.float64], length: float, width: float) -> NDArray:
    """Half-width of a foot- / shoe-like outline along its length (heel x = 0), mm."""
    u = np.clip(x / length, 0.0, 1.0)
    # Narrow heel, widest at ~70 %, rounded toe.
    return 0.5 * width * np.sqrt(np.clip(np.sin(np.pi * u**0.85), 0.0, 1.0)) * (0.75 + 0.25 * u)


# ------------------------------------------------------------------------------ shoes


def _shoe_surface(
    rng: np.random.Generator,
    n: int,
    length: float,
    width: float,
    sole_heel: float,
    sole_toe: float,
    upper_toe: float,
    upper_collar: float,
) -> NDArray[np.float64]:
    """Points of a closed-toe shoe: sole side walls, upper shell, collar opening, insole."""
    n_sole, n_upper, n_insole = int(0.25 * n), int(0.65 * n), n - int(0.25 * n) - int(0.65 * n)
    # Sole slab: side walls (its top is under the upper, its bottom on the floor).
    x = rng.uniform(0.0, length, n_sole)
    hw = _outline_half_width(x, length, width)
    sole_t = sole_heel + (sole_toe - sole_heel) * x / length
    z = rng.uniform(0.0, 1.0, n_sole) * sole_t
    side = np.where(rng.random(n_sole) < 0.5, -1.0, 1.0)
    sole = np.column_stack([x, side * (hw + 2.0), z])
    # Upper: half-elliptic cross-sections over the outline, lower at the toe.
    x = rng.uniform(0.0, length, n_upper)
    th = rng.uniform(0.0, np.pi, n_upper)
    hw = _outline_half_width(x, length, width)
    sole_t = sole_heel + (sole_toe - sole_heel) * x / length
    u = x / length
    height = upper_toe + (upper_collar - upper_toe) * np.clip((0.75 - u) / 0.6, 0.0, 1.0)
    upper = np.column_stack([x, hw * np.cos(th), sole_t + height * np.sin(th) ** 0.7])
    # Opening: the collar (rear top) is open; through it the insole is seen.
    collar = (u > 0.06) & (u < 0.42) & (np.abs(np.cos(th)) < 0.7)
    upper = upper[~collar]
    x = rng.uniform(0.08 * length, 0.40 * length, n_insole)
    hw = _outline_half_width(x, length, width)
    insole = np.column_stack(
        [
            x,
            rng.uniform(-0.6, 0.6, n_insole) * hw,
            sole_heel + (sole_toe - sole_heel) * x / length + 4.0,
        ]
    )
    return np.vstack([sole, upper, insole])


def sneaker(seed: int = 0, n_points: int = 40_000) -> NonFoot:
    """A sneaker (290 mm, 30 mm sole, closed toe box, open collar) standing on a floor."""
    rng = _rng(seed, 0x5EA)
    obj = _shoe_surface(rng, n_points, 290.0, 105.0, 30.0, 18.0, 45.0, 85.0)
    return NonFoot(
        "sneaker",
        _finish(rng, obj, noise_mm=0.7),
        "mm",
        "a sneaker on a floor: foot-sized and foot-shaped from above (issue 8: EU 47 today)",
    )


def boot(seed: int = 0, n_points: int = 50_000) -> NonFoot:
    """An ankle boot: a shoe (285 mm) with a 200 mm elliptic shaft open at the top."""
    rng = _rng(seed, 0xB007)
    n_shaft = n_points // 3
    obj = _shoe_surface(rng, n_points - n_shaft, 285.0, 108.0, 35.0, 22.0, 50.0, 80.0)
    th = rng.uniform(0.0, 2.0 * np.pi, n_shaft)
    z = rng.uniform(80.0, 250.0, n_shaft)
    shaft = np.column_stack([70.0 + 52.0 * np.cos(th), 44.0 * np.sin(th), z])
    obj = obj[~((obj[:, 0] < 122.0) & (obj[:, 2] > 80.0))]
    return NonFoot(
        "boot",
        _finish(rng, np.vstack([obj, shaft]), noise_mm=0.8),
        "mm",
        "an ankle boot with its shaft (a shoe type that looks like a foot and leg)",
    )


def sandal(seed: int = 0, n_points: int = 30_000) -> NonFoot:
    """An empty sandal: a foot-shaped sole slab (270 x 100 x 22 mm) with three straps."""
    rng = _rng(seed, 0x5A4D)
    length, width, thick = 270.0, 100.0, 22.0
    n_top, n_side = int(0.55 * n_points), int(0.2 * n_points)
    n_strap = n_points - n_top - n_side
    x = rng.uniform(0.0, length, n_top)
    hw = _outline_half_width(x, length, width)
    top = np.column_stack([x, rng.uniform(-1.0, 1.0, n_top) * hw, np.full(n_top, thick)])
    x = rng.uniform(0.0, length, n_side)
    hw = _outline_half_width(x, length, width)
    side = np.where(rng.random(n_side) < 0.5, -1.0, 1.0)
    sides = np.column_stack([x, side * hw, rng.uniform(0.0, thick, n_side)])
    # Straps: thin half-elliptic bands (20 mm wide) over the sole at three stations.
    station = rng.choice([0.25, 0.55, 0.75], n_strap) * length + rng.uniform(-10, 10, n_strap)
    hw = _outline_half_width(station, length, width)
    th = rng.uniform(0.0, np.pi, n_strap)
    straps = np.column_stack([station, hw * np.cos(th), thick + 45.0 * np.sin(th)])
    obj = np.vstack([top, sides, straps])
    return NonFoot(
        "sandal",
        _finish(rng, obj, 0.7),
        "mm",
        "an empty sandal: a foot-shaped sole with straps, no foot in it",
    )


# ------------------------------------------------------------------------------ other objects


def hand(seed: int = 0, n_points: int = 30_000) -> NonFoot:
    """A hand lying palm down on a floor: palm ellipsoid + five finger capsules."""
    import trimesh

    rng = _rng(seed, 0x4A2D)
    palm = trimesh.creation.icosphere(subdivisions=3)
    palm.apply_scale([50.0, 42.0, 15.0])
    palm.apply_translation([0.0, 0.0, 15.0])
    parts = [palm]
    # (base x, base y, length, radius, angle deg): thumb out to the side.
    fingers = [
        (40.0, -38.0, 55.0, 11.0, -50.0),
        (48.0, -22.0, 75.0, 9.5, -8.0),
        (50.0, -3.0, 82.0, 9.5, 0.0),
        (48.0, 15.0, 76.0, 9.0, 6.0),
        (42.0, 31.0, 60.0, 8.0, 14.0),
    ]
    for bx, by, length, r, ang in fingers:
        cap = trimesh.creation.capsule(height=length, radius=r, count=[16, 16])
        # Capsule along +Z centred at the origin: lay it along +X, base at (bx, by).
        cap.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [0, 1, 0]))
        cap.apply_translation([length / 2.0, 0.0, 0.0])
        cap.apply_transform(trimesh.transformations.rotation_matrix(np.radians(ang), [0, 0, 1]))
        cap.apply_translation([bx, by, r])
        parts.append(cap)
    mesh = trimesh.util.concatenate(parts)
    pts, nrm = _sample_mesh(rng, mesh, n_points)
    obj = _seen_from_above(pts, nrm)
    return NonFoot("hand", _finish(rng, obj, 0.7), "mm", "a hand lying flat on a floor")


def mug(seed: int = 0, n_points: int = 20_000) -> NonFoot:
    """A mug on a floor: outer and inner wall, rim, inner bottom, handle."""
    rng = _rng(seed, 0x3A6)
    r_out, r_in, h = 42.0, 38.0, 95.0
    n_out, n_in, n_rim, n_bot = (int(f * n_points) for f in (0.4, 0.3, 0.05, 0.1))
    n_handle = n_points - n_out - n_in - n_rim - n_bot
    th = rng.uniform(0.0, 2 * np.pi, n_points)
    outer = np.column_stack(
        [r_out * np.cos(th[:n_out]), r_out * np.sin(th[:n_out]), rng.uniform(0, h, n_out)]
    )
    t = th[n_out : n_out + n_in]
    inner = np.column_stack([r_in * np.cos(t), r_in * np.sin(t), rng.uniform(8.0, h, n_in)])
    t = th[:n_rim]
    rr = rng.uniform(r_in, r_out, n_rim)
    rim = np.column_stack([rr * np.cos(t), rr * np.sin(t), np.full(n_rim, h)])
    t = th[:n_bot]
    rr = r_in * np.sqrt(rng.random(n_bot))
    bottom = np.column_stack([rr * np.cos(t), rr * np.sin(t), np.full(n_bot, 8.0)])
    # Handle: half a torus tube in the XZ plane outside the wall.
    phi = rng.uniform(-np.pi / 2, np.pi / 2, n_handle)
    psi = rng.uniform(0.0, 2 * np.pi, n_handle)
    big, small = 28.0, 6.0
    handle = np.column_stack(
        [
            r_out - 4.0 + (big + small * np.cos(psi)) * np.cos(phi),
            small * np.sin(psi),
            h / 2.0 + (big + small * np.cos(psi)) * np.sin(phi),
        ]
    )
    obj = np.vstack([outer, inner, rim, bottom, handle])
    return NonFoot("mug", _finish(rng, obj, 0.6), "mm", "a mug on a table")


def chair(seed: int = 0, n_points: int = 60_000) -> NonFoot:
    """A chair on a floor: 450 x 450 mm seat at 450 mm, four legs, a back."""
    import trimesh

    rng = _rng(seed, 0xC4A1)
    parts = [trimesh.creation.box(extents=[450.0, 450.0, 40.0])]
    parts[0].apply_translation([0.0, 0.0, 450.0])
    for sx in (-1, 1):
        for sy in (-1, 1):
            leg = trimesh.creation.cylinder(radius=15.0, height=430.0)
            leg.apply_translation([sx * 200.0, sy * 200.0, 215.0])
            parts.append(leg)
    back = trimesh.creation.box(extents=[40.0, 450.0, 500.0])
    back.apply_translation([-205.0, 0.0, 720.0])
    parts.append(back)
    pts, nrm = _sample_mesh(rng, trimesh.util.concatenate(parts), n_points)
    obj = _seen_from_above(pts, nrm)
    return NonFoot("chair", _finish(rng, obj, 1.0), "mm", "a chair standing on a floor")


def blob(seed: int = 0, n_points: int = 30_000) -> NonFoot:
    """A smooth random potato of foot size (~260 x 100 x 80 mm) lying on a floor."""
    import trimesh

    rng = _rng(seed, 0xB10B)
    sphere = trimesh.creation.icosphere(subdivisions=4)
    v = np.asarray(sphere.vertices, dtype=np.float64)
    # Low-frequency bumps: a few random cosine waves over the direction.
    bump = np.zeros(v.shape[0])
    for _ in range(6):
        d = rng.normal(size=3)
        d /= np.linalg.norm(d)
        bump += rng.uniform(0.03, 0.08) * np.cos(
            rng.uniform(1.0, 3.0) * (v @ d) + rng.uniform(0, 6)
        )
    v = v * (1.0 + bump)[:, None] * [130.0, 50.0, 40.0]
    v[:, 2] -= v[:, 2].min()
    mesh = trimesh.Trimesh(v, np.asarray(sphere.faces), process=False)
    pts, nrm = _sample_mesh(rng, mesh, n_points)
    obj = _seen_from_above(pts, nrm)
    return NonFoot(
        "blob", _finish(rng, obj, 0.7), "mm", "a foot-sized potato (issue 8: EU 41 today)"
    )


def random_cloud(seed: int = 0, n_points: int = 20_000) -> NonFoot:
    """Uniform random points in a 300 x 150 x 100 mm box: no surface at all."""
    rng = _rng(seed, 0x2A4D)
    pts = rng.uniform([0.0, 0.0, 0.0], [300.0, 150.0, 100.0], size=(n_points, 3))
    return NonFoot("random_cloud", _pose(rng, pts), "mm", "random points, no surface")


def foam_impression(seed: int = 0, n_points: int = 50_000) -> NonFoot:
    """A foam block (350 x 150 x 80 mm) with a foot-shaped depression 25 mm deep in its top.

    What a podiatrist's foam box captures: the negative of a sole, not a foot.
    """
    rng = _rng(seed, 0xF0A)
    lx, ly, lz, depth = 350.0, 150.0, 80.0, 25.0
    n_top = int(0.7 * n_points)
    xy = rng.uniform([0.0, -ly / 2], [lx, ly / 2], size=(n_top, 2))
    # Foot outline 260 x 100 mm from x = 45 mm; the depression is deepest at heel and ball.
    fx = xy[:, 0] - 45.0
    hw = _outline_half_width(fx, 260.0, 100.0)
    inside = (fx > 0) & (fx < 260.0) & (np.abs(xy[:, 1]) < hw)
    r = np.where(inside, np.abs(xy[:, 1]) / np.maximum(hw, 1e-6), 1.0)
    u = np.clip(fx / 260.0, 0.0, 1.0)
    profile = 0.7 + 0.3 * np.cos(2 * np.pi * (u - 0.15)) ** 2  # shallower at the arch
    z = lz - np.where(inside, depth * profile * (1.0 - r**4), 0.0)
    top = np.column_stack([xy, z])
    n_side = n_points - n_top
    t = rng.uniform(0.0, 2 * (lx + ly), n_side)
    zs = rng.uniform(0.0, lz, n_side)
    x = np.where(t < lx, t, np.where(t < lx + ly, lx, np.where(t < 2 * lx + ly, t - lx - ly, 0.0)))
    y = np.where(
        t < lx,
        -ly / 2,
        np.where(t < lx + ly, t - lx - ly / 2, np.where(t < 2 * lx + ly, ly / 2, 0.0)),
    )
    last = t >= 2 * lx + ly
    y = np.where(last, t - 2 * lx - ly - ly / 2, y)
    sides = np.column_stack([x, y, zs])
    obj = np.vstack([top, sides])
    return NonFoot(
        "foam_impression",
        _finish(rng, obj, 0.6),
        "mm",
        "a sole impression in a foam box (the negative of a foot)",
    )


# ------------------------------------------------------------------------------ real foot, wrong units


def _real_foot_mm(
    shared_data: Path, seed: int, n_points: int = 30_000, floor: bool = True
) -> NDArray[np.float64]:
    """The real foot (sampled surface, 0.5 mm noise, a floor) in mm, posed."""
    import trimesh

    rng = _rng(seed, 0xF007)
    mesh = trimesh.load(shared_data / REAL_FOOT, force="mesh")
    mesh.apply_scale(1000.0)
    pts, nrm = _sample_mesh(rng, mesh, n_points)
    obj = _seen_from_above(pts, nrm)
    obj[:, 2] -= obj[:, 2].min()
    return _finish(rng, obj, 0.5, floor=floor)


def foot_in_inches(shared_data: Path, seed: int = 0) -> NonFoot:
    """The real left foot (276 mm) saved in inches: 10.9 units long.

    A gate must detect it ("looks like inches, pass --units in") or refuse it; read as cm it
    is a 109 mm foot (issue 8: 106 mm, US men -9.5 today).
    """
    return NonFoot(
        "foot_in_inches",
        _real_foot_mm(shared_data, seed) / MM_PER_INCH,
        "in",
        "a real foot written in inches",
    )


def unscaled_foot(shared_data: Path, seed: int = 0, factor: float = 7.3) -> NonFoot:
    """The real foot in arbitrary photogrammetry units: metres times ``factor``.

    ``factor`` 7.3 gives a foot 2.0 units long (read as metres: a 2 m object), 0.0037 x mm
    (``factor=3.7``) about 1.0 unit; neither has a metric scale and both must be refused.
    """
    return NonFoot(
        f"unscaled_foot_x{factor:g}",
        _real_foot_mm(shared_data, seed) / 1000.0 * factor,
        "arbitrary",
        f"a real foot in photogrammetry units (metres x {factor:g}), no metric scale",
    )


# ------------------------------------------------------------------------------ corpus + writer

#: Generators that need no shared data, by name.
NONFEET: dict[str, Callable[[int], NonFoot]] = {
    "sneaker": sneaker,
    "boot": boot,
    "sandal": sandal,
    "hand": hand,
    "mug": mug,
    "chair": chair,
    "blob": blob,
    "random_cloud": random_cloud,
    "foam_impression": foam_impression,
}


def write_ply(path: Path, points: NDArray[np.float64]) -> Path:
    """Write ``(n, 3)`` points as a binary little-endian PLY (float32 x, y, z)."""
    pts = np.ascontiguousarray(points, dtype="<f4")
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {pts.shape[0]}\n"
        "property float x\nproperty float y\nproperty float z\nend_header\n"
    )
    path = Path(path)
    path.write_bytes(header.encode("ascii") + pts.tobytes())
    return path
