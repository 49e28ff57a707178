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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan._ansur import sample_foot_targets
from footscan._find import find_shape_displacement_m, load_find_template

__all__ = ["CUT_HEIGHT_MM", "SyntheticFoot", "canonical_dimensions_mm", "make_foot", "rot_z"]

#: Height (mm above the floor) where the leg is cut off and capped.
CUT_HEIGHT_MM = 110.0
_PTERNION_MAX_Z_MM = 40.0
_ACROPODION_MAX_Z_MM = 50.0
_HEEL_RADIUS_MM = 20.0
_SHAPE_CLIP_SD = 2.5
_GIRTH_Z_RANGE = 0.15


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


def rot_z(angle: float) -> NDArray[np.float64]:
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


def _template_with_keypoints(
    coeffs: NDArray[np.float64] | None,
) -> tuple[NDArray[np.float64], NDArray[np.int64], list[str]]:
    """FIND template (shape-varied by ``coeffs``) in mm on z = 0, with its keypoints as
    extra rows at the end, so that every transform applies to them too."""
    tmpl_m, tmpl_faces, kp_index = load_find_template()
    verts_m = np.array(tmpl_m)
    if coeffs is not None:
        verts_m = verts_m + find_shape_displacement_m(coeffs)
    v = verts_m * 1000.0
    v[:, 2] -= v[:, 2].min()
    names = list(kp_index)
    allv = np.vstack([v, np.array([v[kp_index[n]] for n in names])])
    return allv, np.asarray(tmpl_faces, dtype=np.int64), names


def _aligned(a: NDArray[np.float64], names: list[str]) -> NDArray[np.float64]:
    """Rotate heel centre -> 2nd toe onto +X, origin below the pternion (keypoint rows last)."""
    n_kp = len(names)
    body = a[:-n_kp]
    for _ in range(3):
        _, hc = _pternion_and_heel_centre(a[:-n_kp])
        toe = a[-n_kp + names.index("2nd toe")]
        ang = np.arctan2(toe[1] - hc[1], toe[0] - hc[0])
        a = a @ rot_z(-ang).T
        body = a[:-n_kp]
    p, _ = _pternion_and_heel_centre(body)
    return a - np.array([p[0], p[1], 0.0])


def _sized(
    allv: NDArray[np.float64], f: NDArray[np.int64], names: list[str], sampled: dict[str, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Scale to the target length and breadth (and the height towards the ball girth)."""
    n_kp = len(names)
    length_t = sampled["foot_length_mm"]
    breadth_t = sampled["foot_breadth_mm"]
    girth_t = sampled.get("ball_girth_mm")
    base = _aligned(allv, names)
    length, breadth = canonical_dimensions_mm(base[:-n_kp])
    sx, sy, g = length_t / length, breadth_t / breadth, 1.0
    scale_total = np.ones(3)
    for it in range(6):
        scale_total = np.array([sx, sy, np.sqrt(sx * sy) * g])
        allv = _aligned(base * scale_total, names)
        length, breadth = canonical_dimensions_mm(allv[:-n_kp])
        sx *= length_t / length
        sy *= breadth_t / breadth
        if girth_t is not None and it < 3:
            # Height follows the in-plane scale, adjusted (within +-15 %) towards the girth.
            t = _girth_height_factor(allv, n_kp, names, f, girth_t)
            g = float(np.clip(g * t, 1.0 - _GIRTH_Z_RANGE, 1.0 + _GIRTH_Z_RANGE))
    return _aligned(allv, names), scale_total


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
    if not shape:
        coeffs = np.zeros(3)
    allv, f, names = _template_with_keypoints(coeffs if shape else None)
    n_kp = len(names)
    # Size and align the whole template; cut the leg last so the cap is at exactly 110 mm.
    allv, scale_total = _sized(allv, f, names, sampled)
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


_CAPTURE_NAMES = ("SyntheticCapture", "make_capture", "write_capture")


def __getattr__(name: str) -> Any:
    """The captures live in :mod:`footscan._synthetic_capture` (which builds on this module);
    their names stay reachable here, imported on first use (no import cycle)."""
    if name in _CAPTURE_NAMES:
        from footscan import _synthetic_capture

        return getattr(_synthetic_capture, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
