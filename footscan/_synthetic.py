"""Synthetic feet with known dimensions, and phone-like captures of them.

Ground truth comes by construction: :func:`make_foot` builds a clean, watertight foot mesh in
the canonical foot frame and sizes it to dimensions drawn from ANSUR II; :func:`make_capture`
turns it into a degraded capture (pose, floor, leg, noise, outliers, missing sole, holes,
occluded side, unit) and keeps the transform that did it.

Canonical foot frame (all ``SyntheticFoot`` geometry, millimetres)
------------------------------------------------------------------
* **Z** up; the floor is ``z = 0`` and is the sole's lowest point.
* **X** forward along the foot axis from the *heel centre* to the *2nd-toe tip* (FIND keypoint
  ``2nd toe``). The heel centre is the XY centroid of the mesh vertices with ``z <= 40`` that
  lie within 20 mm (3-D distance) of the pternion. The template's own axis is ~9 deg off X, so
  the mesh is rotated about Z until this axis is +X (to < 0.01 deg).
* **Origin** on the floor below the **pternion**: the rear-most vertex (min X) among vertices
  with ``z <= 40`` (the leg overhangs the heel higher up, so the height limit matters).
* **Y** = Z x X (right-handed). A **left** foot has its medial side (big toe, arch) at **-Y**
  and its lateral side (little toe) at **+Y**; a **right** foot is the left one mirrored
  ``y -> -y`` (face winding flipped so normals stay outward), so its medial side is at +Y.
* The leg is cut at ``z = cut_height_mm`` (110 mm) and closed with a flat cap.

Simple reference dimensions (used to size the mesh; see :func:`canonical_dimensions_mm`):
length = ``max X (z < 50) - min X (z <= 40)`` (pternion to acropodion on the floor projection,
as in the footscan reference), breadth = ``max Y - min Y`` of all vertices.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from footscan._ansur import sample_foot_targets
from footscan._cloud import PointCloud
from footscan._find import find_shape_displacement_m, load_find_template
from footscan._io import write_scan
from footscan._units import MM_PER_UNIT

__all__ = [
    "CUT_HEIGHT_MM",
    "SyntheticCapture",
    "SyntheticFoot",
    "canonical_dimensions_mm",
    "make_capture",
    "make_foot",
    "write_capture",
]

#: Height (mm above the floor) where the leg is cut off and capped.
CUT_HEIGHT_MM = 110.0
_PTERNION_MAX_Z_MM = 40.0
_ACROPODION_MAX_Z_MM = 50.0
_HEEL_RADIUS_MM = 20.0
_SHAPE_CLIP_SD = 2.5
_GIRTH_Z_RANGE = 0.15
_FLOOR_DENSITY = 0.5


@dataclass(frozen=True)
class SyntheticFoot:
    """A clean, watertight foot in the canonical foot frame (see module docstring).

    Attributes
    ----------
    vertices_mm : (n, 3) float64
        Vertices, mm, canonical frame.
    faces : (m, 3) int64
        Outward-wound triangles; the last ``n_cap_faces`` close the leg cut.
    side : {"left", "right"}
    sex : {"male", "female"}
    seed : int
    targets : dict
        Sampled ANSUR II dimensions (mm): ``foot_length_mm``, ``foot_breadth_mm`` (the mesh is
        sized to these two), ``ball_girth_mm`` (approached through the height scale),
        ``heel_breadth_mm``, ``ball_length_mm`` (sampled only, not imposed).
    achieved : dict
        The same simple measures on the finished mesh: ``foot_length_mm``,
        ``foot_breadth_mm``, ``ball_girth_mm`` (vertical section through MTH1-MTH5, convex
        hull perimeter).
    shape_coeffs : (3,) float64
        FIND shape coefficients (standard deviations).
    scale_xyz : (3,) float64
        Total anisotropic scale applied to the (shape-varied) template.
    keypoints_mm : dict
        FIND keypoints (big toe, 2nd toe, ..., heel) in the canonical frame, mm.
    cut_height_mm : float
    n_cap_faces : int
    """

    vertices_mm: NDArray[np.float64] = field(repr=False)
    faces: NDArray[np.int64] = field(repr=False)
    side: str
    sex: str
    seed: int
    targets: dict[str, float]
    achieved: dict[str, float]
    shape_coeffs: NDArray[np.float64] = field(repr=False)
    scale_xyz: NDArray[np.float64] = field(repr=False)
    keypoints_mm: dict[str, NDArray[np.float64]] = field(repr=False)
    cut_height_mm: float = CUT_HEIGHT_MM
    n_cap_faces: int = 0

    @property
    def cap_face_mask(self) -> NDArray[np.bool_]:
        """(m,) bool: True for the flat faces that close the leg cut."""
        mask = np.zeros(self.faces.shape[0], dtype=bool)
        if self.n_cap_faces:
            mask[-self.n_cap_faces :] = True
        return mask


@dataclass(frozen=True)
class SyntheticCapture:
    """A degraded capture of a :class:`SyntheticFoot`.

    Attributes
    ----------
    cloud : PointCloud
        The capture in mm, in the capture frame. ``units_detected`` is the unit the capture
        "was taken in" (what :func:`write_capture` writes); ``source_format`` is
        ``"synthetic"``.
    foot : SyntheticFoot
    transform : (4, 4) float64
        Canonical frame -> capture frame, mm: ``p_capture = R @ p_canonical + t``.
    degradations : dict
        Every degradation parameter actually used (after defaults and random draws).
    labels : (n,) int8
        Origin of each point: 0 foot, 1 floor, 2 leg, 3 outlier.
    """

    cloud: PointCloud
    foot: SyntheticFoot
    transform: NDArray[np.float64] = field(repr=False)
    degradations: dict[str, object]
    labels: NDArray[np.int8] = field(repr=False)


# ------------------------------------------------------------------------------ the foot


def canonical_dimensions_mm(vertices_mm: NDArray[np.float64]) -> tuple[float, float]:
    """Length and breadth of a foot mesh already in the canonical frame.

    Parameters
    ----------
    vertices_mm : (n, 3) float64

    Returns
    -------
    length_mm, breadth_mm : float
        ``max X (z < 50) - min X (z <= 40)`` and ``max Y - min Y`` of the vertices below the
        leg cut (``z <= 110``).
    """
    v = np.asarray(vertices_mm, dtype=np.float64)
    z = v[:, 2]
    length = v[z < _ACROPODION_MAX_Z_MM, 0].max() - v[z <= _PTERNION_MAX_Z_MM, 0].min()
    return float(length), float(np.ptp(v[z <= CUT_HEIGHT_MM + 1e-6, 1]))


def _pternion_and_heel_centre(v: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    low = v[v[:, 2] <= _PTERNION_MAX_Z_MM]
    p = low[np.argmin(low[:, 0])]
    near = low[np.linalg.norm(low - p, axis=1) <= _HEEL_RADIUS_MM]
    return p, near[:, :2].mean(axis=0)


def _rot_z(angle: float) -> NDArray[np.float64]:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _cut_and_cap(
    v: NDArray[np.float64], f: NDArray[np.int64], height: float
) -> tuple[NDArray[np.float64], NDArray[np.int64], int]:
    """Keep the part below ``z = height`` and close it with a fan from the cut's centroid."""
    import trimesh

    vv, ff = trimesh.intersections.slice_faces_plane(
        v, f, plane_normal=[0.0, 0.0, -1.0], plane_origin=[0.0, 0.0, height]
    )[:2]
    verts, faces = _merge_cut_vertices(np.asarray(vv, np.float64), np.asarray(ff, np.int64), height)
    # Directed boundary edges (a -> b) of the open cut; the cap walks them backwards.
    edges = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    key = np.sort(edges, axis=1)
    _, inv, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    boundary = edges[counts[inv.ravel()] == 1]
    if boundary.shape[0] < 3:
        raise RuntimeError("leg cut produced no boundary loop")
    centre = verts[np.unique(boundary)].mean(axis=0)
    centre[2] = height
    c_idx = verts.shape[0]
    cap = np.column_stack([boundary[:, 1], boundary[:, 0], np.full(len(boundary), c_idx)])
    return np.vstack([verts, centre]), np.vstack([faces, cap]), int(cap.shape[0])


def _merge_cut_vertices(
    v: NDArray[np.float64], f: NDArray[np.int64], height: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Weld the duplicate vertices the slice creates on the cut plane, and nothing else.

    (A global weld would also fuse a few distinct template vertices that share a position
    and break the mesh's manifoldness.)
    """
    on_cut = np.flatnonzero(np.abs(v[:, 2] - height) < 1e-7)
    key = np.round(v[on_cut, :2], 6)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    remap = np.arange(v.shape[0])
    remap[on_cut] = on_cut[first[inverse.ravel()]]
    f = remap[f]
    used = np.unique(f)
    new_index = np.full(v.shape[0], -1, dtype=np.int64)
    new_index[used] = np.arange(used.shape[0])
    return v[used], new_index[f]


def _ball_girth_mm(
    v: NDArray[np.float64], f: NDArray[np.int64], m1: NDArray[np.float64], m5: NDArray[np.float64]
) -> float:
    """Convex-hull perimeter of the vertical section through MTH1 and MTH5.

    ``m1``/``m5`` are the FIND keypoints ``inner extrema`` / ``outer extrema`` (the medial
    and lateral bulges of the ball), carried along through every deformation.
    """
    import trimesh
    from scipy.spatial import ConvexHull

    d = np.array([m5[0] - m1[0], m5[1] - m1[1], 0.0])
    d /= np.linalg.norm(d)
    normal = np.cross(d, [0.0, 0.0, 1.0])
    seg = trimesh.intersections.mesh_plane(
        trimesh.Trimesh(v, f, process=False), plane_normal=normal, plane_origin=m1
    )
    pts = seg.reshape(-1, 3)
    pts = pts[pts[:, 2] <= CUT_HEIGHT_MM]
    uv = np.column_stack([(pts - m1) @ d, pts[:, 2]])
    hull = ConvexHull(uv)
    ring = uv[hull.vertices]
    return float(np.linalg.norm(ring - np.roll(ring, 1, axis=0), axis=1).sum())


def make_foot(
    seed: int,
    sex: str | None = None,
    side: str = "left",
    *,
    shape: bool = True,
    targets: dict[str, float] | None = None,
) -> SyntheticFoot:
    """Build one synthetic foot with ANSUR II dimensions, in the canonical foot frame.

    Parameters
    ----------
    seed : int
        Everything (sex when not given, shape, dimensions) follows from it.
    sex : {"male", "female"}, optional
        Drawn with equal probability when None.
    side : {"left", "right"}
        A right foot is the left one mirrored in Y.
    shape : bool
        Vary the shape with the FIND model (needs the ``model`` extra, onnxruntime); False
        uses the template shape, only rescaled.
    targets : dict, optional
        Override the sampled dimensions (keys as in :attr:`SyntheticFoot.targets`; at least
        ``foot_length_mm`` and ``foot_breadth_mm``).

    Returns
    -------
    SyntheticFoot
        Its :func:`canonical_dimensions_mm` equal the targets to < 0.05 mm.
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5F007]))
    if sex is None:
        sex = "male" if rng.random() < 0.5 else "female"
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    sampled = sample_foot_targets(rng, sex)
    if targets:
        sampled.update({k: float(val) for k, val in targets.items()})
    coeffs = np.clip(rng.standard_normal(3), -_SHAPE_CLIP_SD, _SHAPE_CLIP_SD)
    tmpl_m, tmpl_faces, kp_index = load_find_template()
    verts_m = np.array(tmpl_m)
    if shape:
        verts_m = verts_m + find_shape_displacement_m(coeffs)
    else:
        coeffs = np.zeros(3)
    v = verts_m * 1000.0
    v[:, 2] -= v[:, 2].min()
    kp = {name: v[i].copy() for name, i in kp_index.items()}
    # Size and align the whole template; cut the leg last so the cap is at exactly 110 mm.
    f = np.asarray(tmpl_faces, dtype=np.int64)
    n_kp = len(kp)
    names = list(kp)
    # Keypoints ride along as extra rows so every transform applies to them too.
    allv = np.vstack([v, np.array([kp[n] for n in names])])
    scale_total = np.ones(3)

    def align(a: NDArray[np.float64]) -> NDArray[np.float64]:
        body = a[:-n_kp]
        for _ in range(3):
            _, hc = _pternion_and_heel_centre(a[:-n_kp])
            toe = a[-n_kp + names.index("2nd toe")]
            ang = np.arctan2(toe[1] - hc[1], toe[0] - hc[0])
            a = a @ _rot_z(-ang).T
            body = a[:-n_kp]
        p, _ = _pternion_and_heel_centre(body)
        return a - np.array([p[0], p[1], 0.0])

    length_t = sampled["foot_length_mm"]
    breadth_t = sampled["foot_breadth_mm"]
    girth_t = sampled.get("ball_girth_mm")
    base = align(allv)
    length, breadth = canonical_dimensions_mm(base[:-n_kp])
    sx, sy, g = length_t / length, breadth_t / breadth, 1.0
    for it in range(6):
        scale_total = np.array([sx, sy, np.sqrt(sx * sy) * g])
        allv = align(base * scale_total)
        length, breadth = canonical_dimensions_mm(allv[:-n_kp])
        sx *= length_t / length
        sy *= breadth_t / breadth
        if girth_t is not None and it < 3:
            # Height follows the in-plane scale, adjusted (within +-15 %) towards the girth.
            t = _girth_height_factor(allv, n_kp, names, f, girth_t)
            g = float(np.clip(g * t, 1.0 - _GIRTH_Z_RANGE, 1.0 + _GIRTH_Z_RANGE))
    allv = align(allv)
    kp = {n: allv[-n_kp + i].copy() for i, n in enumerate(names)}
    v, f, n_cap = _cut_and_cap(allv[:-n_kp], f, CUT_HEIGHT_MM)
    length, breadth = canonical_dimensions_mm(v)
    achieved = {
        "foot_length_mm": length,
        "foot_breadth_mm": breadth,
        "ball_girth_mm": _ball_girth_mm(v, f, kp["inner extrema"], kp["outer extrema"]),
    }
    if side == "right":
        v = v * np.array([1.0, -1.0, 1.0])
        f = f[:, ::-1]
        kp = {n: p * np.array([1.0, -1.0, 1.0]) for n, p in kp.items()}
    v = np.ascontiguousarray(v)
    f = np.ascontiguousarray(f, dtype=np.int64)
    for arr in (v, f, coeffs, scale_total):
        arr.setflags(write=False)
    return SyntheticFoot(
        vertices_mm=v,
        faces=f,
        side=side,
        sex=sex,
        seed=int(seed),
        targets=sampled,
        achieved=achieved,
        shape_coeffs=coeffs,
        scale_xyz=scale_total,
        keypoints_mm=kp,
        cut_height_mm=CUT_HEIGHT_MM,
        n_cap_faces=n_cap,
    )


def _girth_height_factor(
    allv: NDArray[np.float64], n_kp: int, names: list[str], f: NDArray[np.int64], girth_t: float
) -> float:
    """Extra Z scale that brings the ball girth to its target (bounded to +-15 %)."""
    m1 = allv[-n_kp + names.index("inner extrema")]
    m5 = allv[-n_kp + names.index("outer extrema")]
    v = allv[:-n_kp]

    def girth(t: float) -> float:
        sc = np.array([1.0, 1.0, t])
        return _ball_girth_mm(v * sc, f, m1 * sc, m5 * sc)

    lo, hi = 1.0 - _GIRTH_Z_RANGE, 1.0 + _GIRTH_Z_RANGE
    g_lo, g_hi = girth(lo), girth(hi)
    if girth_t <= g_lo:
        return lo
    if girth_t >= g_hi:
        return hi
    # Girth is close to linear in the height scale over this range: two secant steps.
    for _ in range(2):
        mid = lo + (girth_t - g_lo) * (hi - lo) / (g_hi - g_lo)
        g_mid = girth(mid)
        if g_mid < girth_t:
            lo, g_lo = mid, g_mid
        else:
            hi, g_hi = mid, g_mid
    return lo + (girth_t - g_lo) * (hi - lo) / (g_hi - g_lo)


# ------------------------------------------------------------------------------ the capture


def _sample_surface(
    rng: np.random.Generator, v: NDArray, f: NDArray, n: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    tri = v[f]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    face = rng.choice(len(f), size=n, p=area / area.sum())
    r1, r2 = rng.random(n), rng.random(n)
    flip = r1 + r2 > 1.0
    r1[flip], r2[flip] = 1.0 - r1[flip], 1.0 - r2[flip]
    t = tri[face]
    pts = t[:, 0] + r1[:, None] * (t[:, 1] - t[:, 0]) + r2[:, None] * (t[:, 2] - t[:, 0])
    return pts, face


def _face_normals(v: NDArray, f: NDArray) -> NDArray[np.float64]:
    tri = v[f]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def _random_rotation(rng: np.random.Generator, tilt_deg: float) -> NDArray[np.float64]:
    yaw = rng.uniform(0.0, 2.0 * np.pi)
    tilt = np.deg2rad(rng.uniform(0.0, tilt_deg))
    axis_angle = rng.uniform(0.0, 2.0 * np.pi)
    axis = np.array([np.cos(axis_angle), np.sin(axis_angle), 0.0])
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    r_tilt = np.eye(3) + np.sin(tilt) * k + (1.0 - np.cos(tilt)) * (k @ k)
    return r_tilt @ _rot_z(yaw)


def make_capture(
    foot: SyntheticFoot,
    seed: int,
    *,
    n_points: int = 60_000,
    units: str = "m",
    surface: str = "points",
    pose: bool = True,
    tilt_deg: float = 4.0,
    noise_mm: float = 1.0,
    outlier_fraction: float = 0.02,
    floor: bool | None = None,
    floor_margin_mm: float | None = None,
    floor_noise_mm: float = 1.0,
    leg: bool | None = None,
    leg_length_mm: float = 150.0,
    missing_sole: bool | None = None,
    holes: int = 0,
    hole_radius_mm: tuple[float, float] = (10.0, 25.0),
    occluded_side: str | None = None,
) -> SyntheticCapture:
    """Turn a synthetic foot into a phone-like (or scanner-mesh) capture.

    Parameters
    ----------
    foot : SyntheticFoot
    seed : int
        All random draws (pose, sampling, noise, holes) follow from it.
    n_points : int
        Points in the capture (``surface="points"``): foot + floor + leg samples after
        the drops, plus outliers; exact.
    units : {"m", "cm", "mm"}
        Unit the capture is "taken" in (``cloud.units_detected``; :func:`write_capture`
        writes in it). ``cloud.points_mm`` is always mm.
    surface : {"points", "mesh"}
        ``"points"``: surface samples (phone LiDAR / photogrammetry). ``"mesh"``: the foot
        mesh itself with vertex noise, like a scanner export (no floor, leg, holes or
        outliers; those arguments must then be left at their defaults).
    pose : bool
        Random rigid pose: yaw 0-360 deg, tilt ``U(0, tilt_deg)`` about a random horizontal
        axis, translation ``U(-300, 300)`` mm per axis. False keeps the canonical frame.
    tilt_deg : float
    noise_mm : float
        Isotropic Gaussian noise (sigma, mm) on foot and leg points (mesh vertices).
    outlier_fraction : float
        Share of ``n_points`` that are uniform outliers in the capture's bounding box + 30 mm.
    floor : bool, optional
        Add a floor patch around the foot (default True for points), sampled at half the
        foot's point density. Its margin is
        ``floor_margin_mm`` (default ``U(50, 150)`` mm per side); the footprint under the
        foot is left out, as the foot hides it.
    floor_noise_mm : float
        Gaussian sigma of the floor's height, mm.
    leg : bool, optional
        Continue the leg above the cut as an elliptic cylinder of ``leg_length_mm``
        (default True for points). The flat cap of the foot mesh is never sampled.
    missing_sole : bool, optional
        Drop points on downward-facing surface (normal z < -0.5), as a phone cannot see the
        sole of a standing foot (default True for points).
    holes : int
        Number of spherical holes (radius ``U(*hole_radius_mm)``) cut in the foot surface.
    occluded_side : {"medial", "lateral"}, optional
        Drop foot points on surface facing that side (normal component > 0.3).

    Returns
    -------
    SyntheticCapture
    """
    if units not in MM_PER_UNIT:
        raise ValueError(f"units must be one of {list(MM_PER_UNIT)}, got {units!r}")
    if occluded_side not in (None, "medial", "lateral"):
        raise ValueError(
            f"occluded_side must be None, 'medial' or 'lateral', got {occluded_side!r}"
        )
    if surface not in ("points", "mesh"):
        raise ValueError(f"surface must be 'points' or 'mesh', got {surface!r}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xCA97]))
    rot = _random_rotation(rng, tilt_deg) if pose else np.eye(3)
    trans = rng.uniform(-300.0, 300.0, 3) if pose else np.zeros(3)
    if surface == "mesh":
        if floor or leg or missing_sole or holes or occluded_side:
            raise ValueError("surface='mesh' supports pose, noise and units only")
        pts, labels, faces, deg = _mesh_capture(foot, rng, noise_mm)
    else:
        floor = True if floor is None else floor
        leg = True if leg is None else leg
        missing_sole = True if missing_sole is None else missing_sole
        margin = floor_margin_mm
        if floor and margin is None:
            margin = float(rng.uniform(50.0, 150.0))
        params = {
            "noise_mm": noise_mm,
            "outlier_fraction": outlier_fraction,
            "floor": floor,
            "floor_margin_mm": margin if floor else None,
            "floor_noise_mm": floor_noise_mm if floor else None,
            "leg": leg,
            "leg_length_mm": leg_length_mm if leg else None,
            "missing_sole": missing_sole,
            "holes": int(holes),
            "hole_radius_mm": tuple(hole_radius_mm),
            "occluded_side": occluded_side,
        }
        pts, labels = _point_capture(foot, rng, n_points, params)
        faces = None
        deg = params
    deg = {
        "surface": surface,
        "pose": pose,
        "tilt_deg": tilt_deg if pose else 0.0,
        "units": units,
        "side": foot.side,
        "n_points": int(pts.shape[0]),
        **deg,
    }
    captured = pts @ rot.T + trans
    transform = np.eye(4)
    transform[:3, :3] = rot
    transform[:3, 3] = trans
    cloud = PointCloud(
        points_mm=np.ascontiguousarray(captured),
        faces=faces,
        units_detected=units,
        units_source="synthetic",
        source_format="synthetic",
    )
    return SyntheticCapture(
        cloud=cloud, foot=foot, transform=transform, degradations=deg, labels=labels
    )


def _mesh_capture(
    foot: SyntheticFoot, rng: np.random.Generator, noise_mm: float
) -> tuple[NDArray, NDArray, NDArray, dict[str, object]]:
    v = np.array(foot.vertices_mm)
    v = v + rng.normal(0.0, noise_mm, v.shape) if noise_mm > 0 else v
    labels = np.zeros(v.shape[0], dtype=np.int8)
    return v, labels, np.array(foot.faces), {"noise_mm": noise_mm}


def _point_capture(
    foot: SyntheticFoot, rng: np.random.Generator, n_points: int, p: dict[str, object]
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    v = np.asarray(foot.vertices_mm)
    f = np.asarray(foot.faces)[~foot.cap_face_mask]
    fn = _face_normals(v, f)
    medial_sign = -1.0 if foot.side == "left" else 1.0
    hole_centres = np.zeros((0, 3))
    hole_radii = np.zeros(0)
    if p["holes"]:
        # Holes sit on the visible upper surface (a phone's blind spots are not on the sole).
        cand, cf = _sample_surface(rng, v, f, 2000)
        cand = cand[fn[cf, 2] > -0.2]
        pick = rng.choice(len(cand), size=int(p["holes"]), replace=False)
        hole_centres = cand[pick]
        hole_radii = rng.uniform(*p["hole_radius_mm"], size=int(p["holes"]))
    # Recorded (canonical frame) so tests and reports can see where the holes are.
    p["hole_centres_mm"] = hole_centres.tolist()
    p["hole_radii_mm"] = hole_radii.tolist()

    def foot_keep(pts: NDArray, face: NDArray) -> NDArray[np.bool_]:
        keep = np.ones(len(pts), dtype=bool)
        nrm = fn[face]
        if p["missing_sole"]:
            keep &= nrm[:, 2] >= -0.5
        if p["occluded_side"] is not None:
            sign = medial_sign if p["occluded_side"] == "medial" else -medial_sign
            keep &= nrm[:, 1] * sign <= 0.3
        for c, r in zip(hole_centres, hole_radii):
            keep &= np.linalg.norm(pts - c, axis=1) > r
        return keep

    # Area of each component decides its share of points, at one common density.
    tri = v[f]
    foot_area = (
        0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1).sum()
    )
    probe_pts, probe_face = _sample_surface(rng, v, f, 20_000)
    foot_share = foot_keep(probe_pts, probe_face).mean()
    visible_foot_area = foot_area * max(foot_share, 1e-3)
    floor_rect = None
    floor_area = 0.0
    if p["floor"]:
        m = float(p["floor_margin_mm"])
        lo = v[:, :2].min(axis=0) - m
        hi = v[:, :2].max(axis=0) + m
        floor_rect = (lo, hi)
        # The floor is seen at grazing angles and sampled at half the foot's density.
        floor_area = _FLOOR_DENSITY * (float(np.prod(hi - lo)) - _footprint_area(v))
    leg_geom = None
    leg_area = 0.0
    if p["leg"]:
        leg_geom = _leg_ellipse(foot)
        a, b = leg_geom[2], leg_geom[3]
        perim = np.pi * (3 * (a + b) - np.sqrt((3 * a + b) * (a + 3 * b)))
        leg_area = perim * float(p["leg_length_mm"])
    n_out = int(round(float(p["outlier_fraction"]) * n_points))
    n_surface = n_points - n_out
    total = visible_foot_area + floor_area + leg_area
    n_foot = int(round(n_surface * visible_foot_area / total))
    n_leg = int(round(n_surface * leg_area / total))
    n_floor = n_surface - n_foot - n_leg

    # Foot: oversample, drop the invisible parts, keep exactly n_foot.
    need = int(n_foot / max(foot_share, 1e-3) * 1.15) + 100
    got = np.zeros((0, 3))
    while got.shape[0] < n_foot:
        s_pts, s_face = _sample_surface(rng, v, f, need)
        got = np.vstack([got, s_pts[foot_keep(s_pts, s_face)]])
    foot_pts = got[:n_foot]
    foot_pts = foot_pts + rng.normal(0.0, float(p["noise_mm"]), foot_pts.shape)
    parts = [foot_pts]
    labels = [np.zeros(n_foot, dtype=np.int8)]
    if floor_rect is not None and n_floor > 0:
        lo, hi = floor_rect
        foot_print = _footprint(v)
        fl = np.zeros((0, 2))
        while fl.shape[0] < n_floor:
            cand = rng.uniform(lo, hi, size=(int(n_floor * 1.3) + 100, 2))
            fl = np.vstack([fl, cand[foot_print.find_simplex(cand) < 0]])
        fl = fl[:n_floor]
        z = rng.normal(0.0, float(p["floor_noise_mm"]), n_floor)
        parts.append(np.column_stack([fl, z]))
        labels.append(np.ones(n_floor, dtype=np.int8))
    if leg_geom is not None and n_leg > 0:
        c, axes, a, b = leg_geom
        th = rng.uniform(0.0, 2.0 * np.pi, n_leg)
        zz = foot.cut_height_mm + rng.uniform(0.0, float(p["leg_length_mm"]), n_leg)
        xy = c + np.outer(a * np.cos(th), axes[0]) + np.outer(b * np.sin(th), axes[1])
        leg_pts = np.column_stack([xy, zz]) + rng.normal(0.0, float(p["noise_mm"]), (n_leg, 3))
        parts.append(leg_pts)
        labels.append(np.full(n_leg, 2, dtype=np.int8))
    pts = np.vstack(parts)
    if n_out:
        lo3 = pts.min(axis=0) - 30.0
        hi3 = pts.max(axis=0) + 30.0
        parts.append(rng.uniform(lo3, hi3, size=(n_out, 3)))
        labels.append(np.full(n_out, 3, dtype=np.int8))
        pts = np.vstack(parts)
    lab = np.concatenate(labels)
    order = rng.permutation(pts.shape[0])
    return pts[order], lab[order]


def _footprint_area(v: NDArray[np.float64]) -> float:
    from scipy.spatial import ConvexHull

    return float(ConvexHull(v[v[:, 2] < 30.0, :2]).volume)


def _footprint(v: NDArray[np.float64]):  # type: ignore[no-untyped-def]
    from scipy.spatial import Delaunay

    low = v[v[:, 2] < 30.0, :2]
    return Delaunay(low[::4])


def _leg_ellipse(foot: SyntheticFoot) -> tuple[NDArray, NDArray, float, float]:
    cap = np.asarray(foot.faces)[foot.cap_face_mask]
    counts = np.bincount(cap.ravel())
    ring_idx = np.setdiff1d(np.unique(cap), [int(np.argmax(counts))])
    ring = np.asarray(foot.vertices_mm)[ring_idx, :2]
    c = ring.mean(axis=0)
    cov = np.cov((ring - c).T)
    w, vec = np.linalg.eigh(cov)
    # Points spread evenly on an ellipse have variance r^2 / 2 along each axis.
    a, b = np.sqrt(2.0 * w[1]), np.sqrt(2.0 * w[0])
    return c, np.array([vec[:, 1], vec[:, 0]]), float(a), float(b)


def write_capture(
    capture: SyntheticCapture, path: str | os.PathLike[str], fmt: str | None = None
) -> Path:
    """Write a capture to a scan file in its own unit (``capture.cloud.units_detected``).

    Parameters
    ----------
    capture : SyntheticCapture
    path : path-like
    fmt : str, optional
        A :data:`footscan._io.WRITE_FORMATS` name; default from the extension. STL needs a
        mesh capture (``surface="mesh"``).

    Returns
    -------
    Path
    """
    cloud = capture.cloud
    factor = MM_PER_UNIT[cloud.units_detected]
    return write_scan(path, cloud.points_mm / factor, cloud.faces, fmt=fmt)
