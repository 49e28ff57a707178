"""The personal last: a style's base last deformed onto a foot, region by region.

Method (docs/made-to-measure.md):

1. **Foot in the last frame.** The completed foot (footscan frame: origin on the floor under the
   pternion, X heel -> toe, Z up; right feet mirrored to left) is lifted by the insole's base
   thickness. Its missing floor-contact band is restored from the lowest points.
2. **Base last.** The style's last is a loft of cross-section rings: a flat bottom (the insole
   board) between the feather edges from ``heel allowance`` to ``FL + toe allowance``, the
   heel curve, a top (cone) cut above the instep, and the style's toe box (plan and profile
   superellipses). Landmarks (MTH1, MTH5, instep, waist, heel, toe-box start) are stations at
   fractions of foot length (style data).
3. **Deformation.** Each ring is the foot's section (convex hull, as a tape bridges hollows)
   pushed out radially by a clearance field ``delta(x, phi) = base(x) + side(x) |cos phi|``
   that is piecewise linear between the landmark stations. Its five landmark values are solved
   (Newton, finite-difference Jacobian) so that ball, waist, instep and heel girths and the
   ball width of the last equal the foot's plus the style's allowances; the toe box beyond the
   toe-box start keeps the style's shape (it only grows where the toes would touch it).
4. **Re-pose.** Last and foot are bent together to the style's heel height and toe spring
   (:mod:`footscan.lasts._pose`); sections and girths are unchanged by the bend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import ConvexHull, QhullError, cKDTree

from footscan.lasts._pose import Bend, make_bend
from footscan.lasts._styles import GIRTHS, Style, style_data
from footscan.lasts._tape import (
    hull_perimeter_2d,
    mesh_edges,
    mesh_section_points,
    plane_basis,
    slab_points,
)
from footscan.lasts.exceptions import LastBuildError

__all__ = [
    "Plane",
    "PreparedFoot",
    "PersonalLast",
    "ClearanceRegion",
    "prepare_foot",
    "build_last",
    "MEASURES",
]

MEASURES = (
    "bottom_length",
    "ball_girth",
    "waist_girth",
    "instep_girth",
    "heel_girth",
    "ball_width",
)

_N_ANGLES = 96
_N_BOTTOM = 24  # rays along the flat bottom of each ring
_STEP_MM = 2.5
_SLAB_MM = 1.5
_LOW_FRAC = 0.15  # width band: points up to 15 % FL above the foot's sole (footscan §2.3)
_BOTTOM_BAND_FRAC = 0.08  # the bottom (feather) spans the foot's width below 8 % FL
_CHAMFER_TAN = 1.0  # 45 degrees  # heel-back bottom corner behind the heel allowance
_TOE_CLEARANCE_MM = 2.0
_BACK_CLEARANCE_MM = 0.5


@dataclass(frozen=True)
class Plane:
    """A measuring plane (posed last frame, mm): ``origin`` and unit ``normal``."""

    origin: NDArray[np.float64]
    normal: NDArray[np.float64]

    def as_dict(self) -> dict[str, list[float]]:
        return {
            "origin": np.round(self.origin, 3).tolist(),
            "normal": np.round(self.normal, 6).tolist(),
        }


@dataclass(frozen=True)
class PreparedFoot:
    """The foot in the flat last frame (left convention, lifted onto the insole).

    Attributes
    ----------
    points_mm : (n, 3) float64
        Foot points, z = 0 is the last bottom, the sole rests at ``lift_mm``.
    side : str
    foot_length_mm : float
    lift_mm : float
    landmarks_mm : dict of name -> (3,) float64
        ``mth1``, ``mth5``, ``instep`` (dorsal point), ``pternion``.
    """

    points_mm: NDArray[np.float64] = field(repr=False)
    side: str
    foot_length_mm: float
    lift_mm: float
    landmarks_mm: dict[str, NDArray[np.float64]] = field(repr=False)


@dataclass(frozen=True)
class ClearanceRegion:
    """Clearance (last surface minus foot, mm; negative = the last presses) in one region."""

    name: str
    n_points: int
    min_mm: float
    p5_mm: float
    median_mm: float
    max_compression_allowed_mm: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.name,
            "n_points": self.n_points,
            "min_mm": round(self.min_mm, 2),
            "p5_mm": round(self.p5_mm, 2),
            "median_mm": round(self.median_mm, 2),
            "max_compression_allowed_mm": self.max_compression_allowed_mm,
        }


@dataclass(frozen=True)
class PersonalLast:
    """A personal last (posed: heel height and toe spring applied), with the foot in it.

    Attributes
    ----------
    style : Style
    side : str
        The foot's side; a right last is the mirror image of the left construction.
    vertices_mm, faces : arrays
        Closed, manifold, outward-wound triangle mesh of the last, posed frame (mm): the ball
        tread on z = 0, X heel -> toe, Z up (foot frame of footscan).
    foot_points_mm : (n, 3) float64
        The foot, re-posed into the last (below the last's top).
    planes : dict of name -> Plane
        Measuring planes of ``ball_girth``, ``waist_girth``, ``instep_girth``, ``heel_girth``,
        and ``mth1`` / ``mth5`` (ball width stations).
    foot_mm, last_mm, allowance_mm : dict of measure -> float
        Measures of the re-posed foot and of the last, and the allowance (last - foot): the
        style's ease plus, for girths, ``envelope_term_mm``.
    width_band_mm : float
        Ball width is measured on points up to this height in the MTH planes.
    clearance : tuple of ClearanceRegion
    clearance_points_mm : (n,) float64
        Per foot point clearance (same order as ``foot_points_mm``).
    bottom_outline_mm : (n, 3) float64
        The feather line (bottom outline), posed, closed loop.
    landmarks_mm : dict of name -> (3,) float64
        Posed landmarks of the last: heel seat back, toe tip, MTH1, MTH5, instep, cone top.
    regions : dict of name -> (n_vertices,) bool
        Style regions as vertex masks.
    bend : Bend
    envelope_term_mm : dict of girth -> float
        Girth of the foot's envelope minus the bare foot's, per girth plane. The envelope is
        the zero-ease last: per station the convex section of the foot standing on its insole
        (the insole fills sole and arch down to the flat last bottom; like a tape, a last
        bridges hollows).
    flat_vertices_mm : (n, 3) float64
        The last before re-posing (same faces).
    """

    style: Style
    side: str
    vertices_mm: NDArray[np.float64] = field(repr=False)
    faces: NDArray[np.int64] = field(repr=False)
    foot_points_mm: NDArray[np.float64] = field(repr=False)
    planes: dict[str, Plane] = field(repr=False)
    foot_mm: dict[str, float]
    last_mm: dict[str, float]
    allowance_mm: dict[str, float]
    width_band_mm: float
    clearance: tuple[ClearanceRegion, ...]
    clearance_points_mm: NDArray[np.float64] = field(repr=False)
    bottom_outline_mm: NDArray[np.float64] = field(repr=False)
    landmarks_mm: dict[str, NDArray[np.float64]] = field(repr=False)
    regions: dict[str, NDArray[np.bool_]] = field(repr=False)
    bend: Bend = field(repr=False)
    flat_vertices_mm: NDArray[np.float64] = field(repr=False)
    # Construction data reused by the insole (flat frame).
    envelope_term_mm: dict[str, float] = field(default_factory=dict)
    _rings: NDArray[np.float64] = field(repr=False, default=None)  # type: ignore[arg-type]
    _ring_x: NDArray[np.float64] = field(repr=False, default=None)  # type: ignore[arg-type]
    _flat_foot: PreparedFoot = field(repr=False, default=None)  # type: ignore[assignment]
    _bottom_x_mm: tuple[float, float] = (0.0, 0.0)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: measures of foot and last, allowances, clearance per region."""
        return {
            "style": self.style.name,
            "side": self.side,
            "heel_height_mm": self.style.heel_height_mm,
            "toe_spring_mm": self.style.toe_spring_mm,
            "measures": {
                k: {
                    "foot_mm": round(self.foot_mm[k], 2),
                    "last_mm": round(self.last_mm[k], 2),
                    "allowance_mm": round(self.allowance_mm[k], 2),
                    "error_mm": round(self.last_mm[k] - self.foot_mm[k] - self.allowance_mm[k], 2),
                }
                for k in MEASURES
            },
            "clearance": [c.as_dict() for c in self.clearance],
            "planes": {k: p.as_dict() for k, p in self.planes.items()},
        }


# --------------------------------------------------------------------------------------------
# Foot


def prepare_foot(
    points_mm: NDArray[np.float64],
    side: str,
    style: Style,
    foot_length_mm: float | None = None,
) -> PreparedFoot:
    """Put a foot into the flat last frame.

    Parameters
    ----------
    points_mm : (n, 3) float64
        Foot surface points in footscan's foot frame (``ScanResult.points_foot_mm`` or a
        complete foot mesh's vertices), mm.
    side : {"left", "right"}
    style : Style
    foot_length_mm : float, optional
        The measured foot length (footscan); the points' X extent when not given.

    Returns
    -------
    PreparedFoot

    Raises
    ------
    LastBuildError
        Too few points, NaN, not in the foot frame.
    """
    p = np.asarray(points_mm, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 3 or p.shape[0] < 500:
        raise LastBuildError(f"expected at least 500 foot points (n, 3), got {p.shape}")
    if not np.isfinite(p).all():
        raise LastBuildError("foot points contain NaN or infinity")
    if side not in ("left", "right"):
        raise LastBuildError(f"side must be 'left' or 'right', got {side!r}")
    p = p.copy()
    if side == "right":
        p[:, 1] = -p[:, 1]
    fl = float(foot_length_mm) if foot_length_mm else float(np.ptp(p[:, 0]))
    if not 100.0 <= fl <= 360.0:
        raise LastBuildError(f"foot length {fl:.0f} mm is not a foot's (100-360 mm; units?)")
    if abs(np.quantile(p[:, 0], 0.001)) > 0.2 * fl or np.quantile(p[:, 2], 0.001) < -10.0:
        raise LastBuildError(
            "the points are not in the foot frame (pternion at x = 0, floor z = 0)"
        )
    p = p[p[:, 2] >= -2.0]
    p[:, 2] = np.maximum(p[:, 2], 0.0)
    # Restore the floor-contact band a capture's floor cut removed: under every 2 mm cell whose
    # lowest point is within 3 mm of the sole, the sole touches the floor.
    z0 = float(np.quantile(p[:, 2], 0.002))
    if z0 > 1.0:
        cell = np.floor(p[:, :2] / 2.0).astype(np.int64)
        key = cell[:, 0] * 100_003 + cell[:, 1]
        order = np.lexsort((p[:, 2], key))
        first = order[np.concatenate([[True], key[order][1:] != key[order][:-1]])]
        low = first[p[first, 2] <= z0 + 3.0]
        contact = p[low].copy()
        contact[:, 2] = 0.0
        p = np.vstack([p, contact])
    lift = style.insole_base_mm
    p[:, 2] += lift
    fr = style_data()["landmarks_frac"]
    band = lift + _LOW_FRAC * fl
    marks: dict[str, NDArray[np.float64]] = {"pternion": np.array([0.0, 0.0, lift])}
    for name, sign in (("mth1", -1.0), ("mth5", 1.0)):
        x = fr[name] * fl
        s = p[(np.abs(p[:, 0] - x) <= _SLAB_MM) & (p[:, 2] <= band)]
        if s.shape[0] < 3:
            raise LastBuildError(f"no foot points at the {name.upper()} station ({x:.0f} mm)")
        i = int(np.argmax(sign * s[:, 1]))
        marks[name] = np.array([x, s[i, 1], s[i, 2]])
    xi = fr["instep"] * fl
    s = p[np.abs(p[:, 0] - xi) <= _SLAB_MM]
    if s.shape[0] < 10:
        raise LastBuildError("no foot points at the instep station")
    ymid = 0.5 * (s[:, 1].min() + s[:, 1].max())
    top = s[np.abs(s[:, 1] - ymid) <= 0.15 * np.ptp(s[:, 1])]
    marks["instep"] = np.array([xi, ymid, float(top[:, 2].max())])
    return PreparedFoot(p, side, fl, lift, marks)


# --------------------------------------------------------------------------------------------
# Geometry helpers


def _hull2(q: NDArray[np.float64]) -> NDArray[np.float64] | None:
    if q.shape[0] < 3:
        return None
    try:
        h = ConvexHull(q)
    except QhullError:
        return None
    return q[h.vertices]


def _radial(poly: NDArray[np.float64], c: NDArray[np.float64], u: NDArray[np.float64]):
    """Distance from ``c`` (inside the convex CCW polygon) to its boundary along unit ``u``."""
    a = poly
    b = np.roll(poly, -1, axis=0)
    e = b - a
    n = np.column_stack([e[:, 1], -e[:, 0]])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    d = np.einsum("ij,ij->i", n, a - c)
    flip = d < 0
    n[flip] *= -1
    d = np.abs(d)
    cos = u @ n.T  # (M, E)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(cos > 1e-9, d[None, :] / cos, np.inf)
    return r.min(axis=1)


def _layout(hull: NDArray[np.float64], c: NDArray[np.float64], bottom: bool):
    """Ray directions of one ring (M, 2): ray 0 at the lateral (+y) bottom corner, rays 0 to
    ``M - N_BOTTOM`` over the top to the medial corner, the last ``N_BOTTOM`` along the bottom.

    Every ring has its feather corners at the same vertex indices, so the bottom is one strip
    of faces and the feather line runs straight between stations. Rings without a bottom
    (behind the heel allowance) use corners at -45 and -135 degrees.
    """
    a_r, a_l = -np.pi / 4, -3 * np.pi / 4
    if bottom:
        bot = hull[hull[:, 1] <= 1e-6]
        if bot.shape[0] >= 2:
            right = bot[np.argmax(bot[:, 0])] - c
            left = bot[np.argmin(bot[:, 0])] - c
            a_r = float(np.arctan2(right[1], right[0]))
            a_l = float(np.arctan2(left[1], left[0]))
    if a_l > a_r:
        a_l -= 2 * np.pi
    upper = np.linspace(a_r, a_l + 2 * np.pi, _N_ANGLES - _N_BOTTOM + 1)[:-1]
    lower = np.linspace(a_l, a_r, _N_BOTTOM + 1)[:-1]
    a = np.concatenate([upper, lower])
    return np.column_stack([np.cos(a), np.sin(a)])


def _inside(poly: NDArray[np.float64], c: NDArray[np.float64]) -> bool:
    a = poly
    b = np.roll(poly, -1, axis=0)
    cr = (b[:, 0] - a[:, 0]) * (c[1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[0] - a[:, 0])
    return bool((cr >= -1e-9).all() or (cr <= 1e-9).all())


def _disc(n: int = 8) -> NDArray[np.float64]:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([np.cos(t), np.sin(t)])


@dataclass
class _Frame:
    """Everything of the construction that does not depend on the clearance field."""

    foot: PreparedFoot
    style: Style
    x: NDArray[np.float64]  # ring stations
    centre: NDArray[np.float64]  # (K, 2)
    r_foot: NDArray[np.float64]  # (K, M) radial distance of the foot hull (inf: no foot)
    toe_rings: dict[int, NDArray[np.float64]]  # station -> style toe polygon (y, z)
    toe_hulls: dict[int, NDArray[np.float64] | None]
    x_b0: float
    x_b1: float
    x_tb: float
    z_top: float
    knots: dict[str, float]
    u: NDArray[np.float64]  # (M, 2) ray directions (y, z)
    cap_x: float
    dirs: NDArray[np.float64]  # (K, M, 2) per-ring ray directions (corners snapped)


def _frame(foot: PreparedFoot, style: Style) -> _Frame:
    data = style_data()
    fr = data["landmarks_frac"]
    shape = data["toe_shapes"][style.toe_shape]
    p, fl, lift = foot.points_mm, foot.foot_length_mm, foot.lift_mm
    x_b0 = style.heel_allowance_mm
    x_b1 = fl + style.toe_allowance_mm
    x_tb = fr["toe_box_start"] * fl
    z_top = float(foot.landmarks_mm["instep"][2] + style.top_above_instep_mm)
    p = p[p[:, 2] <= z_top - 1.0]
    x_min = float(p[:, 0].min())
    m = foot.landmarks_mm
    x_i = float(m["instep"][0])
    x_ball = 0.5 * (m["mth1"][0] + m["mth5"][0])
    x_w = 0.5 * (x_ball + x_i)
    knots = {
        "back": x_min,
        "heel": fr["heel_station"] * fl,
        "instep": x_i,
        "waist": x_w,
        "ball": x_ball,
        "ball_front": 0.5 * (float(m["mth1"][0]) + x_tb),
        "toe_box": x_tb,
    }
    exact = [x_b0, x_i, x_w, float(m["mth1"][0]), float(m["mth5"][0]), x_tb]
    grid = list(np.arange(x_min + 0.6, x_b1 - 1.0, _STEP_MM))
    grid = [g for g in grid if min(abs(g - e) for e in exact) > 0.6] + exact
    x = np.array(sorted(grid))
    # The toe end: finer rings where the toe cap closes.
    tail = x_b1 - (x_b1 - x[-1]) * np.array([0.6, 0.3, 0.1])
    x = np.concatenate([x, tail])
    k = x.shape[0]
    t = np.linspace(0.0, 2 * np.pi, _N_ANGLES, endpoint=False)
    u = np.column_stack([np.cos(t), np.sin(t)])  # (y, z) directions, angle from +y
    band = lift + _BOTTOM_BAND_FRAC * fl
    hulls: list[NDArray[np.float64] | None] = []
    for xk in x:
        h = None
        for half in (_SLAB_MM, 3.0, 5.0):
            s = p[np.abs(p[:, 0] - xk) <= half]
            if s.shape[0] >= 12:
                q = s[:, 1:3]
                if xk >= x_b0:
                    low = s[s[:, 2] <= band]
                    low = low if low.shape[0] else s
                    q = np.vstack([q, [[low[:, 1].min(), 0.0], [low[:, 1].max(), 0.0]]])
                h = _hull2(q)
                if h is not None:
                    break
        hulls.append(h)
    if sum(h is not None for h in hulls) < 0.6 * k:
        raise LastBuildError("the foot has too few points along its length to carry a last")
    # Toe box (style region): plan and profile superellipses from the toe-box start.
    i_tb = int(np.argmin(np.abs(x - x_tb)))
    h_tb = hulls[i_tb]
    zc_tb = float(h_tb.mean(axis=0)[1]) if h_tb is not None else 0.0
    if h_tb is None:
        raise LastBuildError("no foot points at the toe-box start")
    y0 = 0.5 * (h_tb[:, 0].min() + h_tb[:, 0].max())
    a0 = 0.5 * np.ptp(h_tb[:, 0]) + _TOE_CLEARANCE_MM
    h0 = max(float(h_tb[:, 1].max()) + _TOE_CLEARANCE_MM, lift + shape["toe_box_height_frac"] * fl)
    pw, ph = shape["plan_exponent"], shape["profile_exponent"]
    centre = np.zeros((k, 2))
    r_foot = np.full((k, _N_ANGLES), np.inf)
    dirs = np.repeat(u[None], k, axis=0)
    toe_rings: dict[int, NDArray[np.float64]] = {}
    toe_hulls: dict[int, NDArray[np.float64] | None] = {}
    tt = np.linspace(0.0, np.pi, 25)
    for i, xk in enumerate(x):
        if xk > x_tb + 1e-6:
            uu = min((xk - x_tb) / (x_b1 - x_tb), 1.0)
            a = a0 * (1.0 - uu**pw) ** (1.0 / pw)
            hh = h0 * (1.0 - uu**ph) ** (1.0 / ph)
            yc = y0 * (1.0 - uu)
            cy, sz = np.cos(tt), np.sin(tt)
            ring = np.column_stack(
                [yc + a * np.sign(cy) * np.abs(cy) ** (2.0 / pw), hh * sz ** (2.0 / ph)]
            )
            toe_rings[i] = ring
            toe_hulls[i] = hulls[i]
            centre[i] = (yc, min(zc_tb * (1.0 - uu) + 0.4 * hh * uu, 0.6 * hh))
            continue
        h = hulls[i]
        if h is None:
            continue
        centre[i] = h.mean(axis=0)
    have = np.array([h is not None for h in hulls]) | (x > x_tb)
    # Fill stations without foot data (gaps) from their neighbours, smooth the centre line.
    idx = np.flatnonzero(have)
    for j in range(2):
        centre[:, j] = np.interp(np.arange(k), idx, centre[idx, j])
    sm = centre.copy()
    main = x <= x_tb
    for j in range(2):
        c = np.convolve(np.pad(centre[main, j], 3, mode="edge"), np.ones(7) / 7, mode="valid")
        sm[main, j] = c
    for i, xk in enumerate(x):
        if xk > x_tb:
            continue
        h = hulls[i]
        if h is None:
            continue
        c = sm[i] if _inside(h, sm[i]) else centre[i]
        centre[i] = c
        dirs[i] = _layout(h, c, xk >= x_b0)
        r_foot[i] = _radial(h, c, dirs[i])
    # Stations without foot data take the neighbours' radii.
    bad = ~np.isfinite(r_foot).all(axis=1) & main
    if bad.any():
        good = np.flatnonzero(~bad & main)
        for j in range(_N_ANGLES):
            r_foot[bad, j] = np.interp(x[bad], x[good], r_foot[good, j])
        for ib in np.flatnonzero(bad):
            dirs[ib] = dirs[good[np.argmin(np.abs(x[good] - x[ib]))]]
    return _Frame(
        foot,
        style,
        x,
        centre,
        r_foot,
        toe_rings,
        toe_hulls,
        x_b0,
        x_b1,
        x_tb,
        z_top,
        knots,
        u,
        x_min - 1.0,
        dirs,
    )


def _rings(
    f: _Frame,
    params: NDArray[np.float64],
    ends_mm: tuple[float, float] = (_BACK_CLEARANCE_MM, _TOE_CLEARANCE_MM),
) -> NDArray[np.float64]:
    """Ring vertices (K, M, 3) of the flat last for clearance parameters
    ``[heel, instep, waist, ball, ball_side]`` (mm)."""
    kn = f.knots
    xs = [kn["back"], kn["heel"], kn["instep"], kn["waist"], kn["ball"], kn["ball_front"]]
    base = np.interp(f.x, [*xs, kn["toe_box"]], [ends_mm[0], *params[:4], params[3], ends_mm[1]])
    side = np.interp(
        f.x,
        [kn["waist"], kn["ball"], kn["ball_front"], kn["toe_box"]],
        [0.0, params[4], params[4], 0.0],
    )
    k = f.x.shape[0]
    out = np.zeros((k, _N_ANGLES, 3))
    out[:, :, 0] = f.x[:, None]
    for i in range(k):
        c = f.centre[i]
        hull = None
        if i in f.toe_rings:
            ring = f.toe_rings[i]
            h = f.toe_hulls[i]
            if h is not None:
                grown = (h[:, None, :] + _TOE_CLEARANCE_MM * _disc()[None]).reshape(-1, 2)
                ring = np.vstack([ring, grown])
            ring = np.vstack([ring, [[c[0], 0.0]]])
            hull = _hull2(ring)
        if hull is not None:
            dirs = _layout(hull, c, True)
            r = _radial(hull, c, dirs)
        else:  # a station behind the toes, or a toe ring too degenerate for a hull
            r = f.r_foot[i] + base[i]
            dirs = f.dirs[i]
        yz = c + r[:, None] * dirs
        if f.x[i] >= f.x_b0 - 1e-9:
            # The flat bottom (the insole board) stays on z = 0 whatever the clearance.
            yz[_N_ANGLES - _N_BOTTOM :, 1] = 0.0
            yz[0, 1] = 0.0
        if side[i] != 0.0:
            # The side term widens (narrows) the section by 2 * side: a scale across.
            # Below the section's centre fully, fading to nothing at its top: the dorsum is
            # not squeezed by a width change.
            half = 0.5 * np.ptp(yz[:, 0])
            top = float(yz[:, 1].max())
            w = np.clip((top - yz[:, 1]) / max(top - c[1], 1.0), 0.0, 1.0)
            yz[:, 0] = c[0] + (yz[:, 0] - c[0]) * (1.0 + w * side[i] / max(half, 1.0))
        zlo = 0.0 if f.x[i] >= f.x_b0 - 1e-9 else (f.x_b0 - f.x[i]) * _CHAMFER_TAN
        yz[:, 1] = np.clip(yz[:, 1], zlo, f.z_top)
        out[i, :, 1:] = yz
    return out


def _mesh(f: _Frame, rings: NDArray[np.float64]):
    """Close the rings into a triangle mesh: a rounded heel cap and the toe tip."""
    k, m, _ = rings.shape
    # Heel cap: rings shrinking towards an apex behind the first ring.
    first = rings[0]
    c0 = np.array([first[0, 0], *f.centre[0]])
    depth = first[0, 0] - f.cap_x
    caps = []
    for a in np.radians([30.0, 55.0, 75.0]):
        r = c0 + (first - c0) * np.cos(a)
        r[:, 0] = first[0, 0] - depth * np.sin(a)
        caps.append(r)
    allr = np.concatenate([np.array(caps[::-1]), rings], axis=0)
    kk = allr.shape[0]
    apex0 = np.array([first[0, 0] - depth, *f.centre[0]])
    apex1 = np.array([f.x_b1, 0.0, 0.0])
    v = np.vstack([apex0[None], allr.reshape(-1, 3), apex1[None]])
    faces = []
    j = np.arange(m)
    jn = (j + 1) % m
    ring0 = 1 + j
    faces.append(np.column_stack([np.zeros(m, dtype=np.int64), ring0[jn], ring0[j]]))
    for i in range(kk - 1):
        a = 1 + i * m + j
        b = 1 + (i + 1) * m + j
        an = 1 + i * m + jn
        bn = 1 + (i + 1) * m + jn
        faces.append(np.column_stack([a, an, bn]))
        faces.append(np.column_stack([a, bn, b]))
    last = 1 + (kk - 1) * m + j
    tip = v.shape[0] - 1
    faces.append(np.column_stack([last, last[jn], np.full(m, tip)]))
    fa = np.vstack(faces).astype(np.int64)
    # Outward winding: positive signed volume.
    tri = v[fa]
    vol = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0
    if vol < 0:
        fa = fa[:, ::-1]
    return v, fa, len(caps)


def _width(rings_or_pts: NDArray[np.float64], sign: float, band: float) -> NDArray[np.float64]:
    q = rings_or_pts[rings_or_pts[:, 2] <= band]
    return q[int(np.argmax(sign * q[:, 1]))]


def _planes_flat(foot: PreparedFoot, f: _Frame) -> dict[str, Plane]:
    m = foot.landmarks_mm
    d = m["mth1"][:2] - m["mth5"][:2]
    n_ball = np.array([d[1], -d[0], 0.0])
    n_ball /= np.linalg.norm(n_ball)
    if n_ball[0] < 0:
        n_ball = -n_ball
    a = np.array([0.0, 0.0, 0.0])
    dvec = m["instep"] - a
    n_heel = np.cross(dvec, [0.0, 1.0, 0.0])
    n_heel /= np.linalg.norm(n_heel)
    ex = np.array([1.0, 0.0, 0.0])
    return {
        "ball_girth": Plane(np.array([*m["mth5"][:2], 0.0]), n_ball),
        "waist_girth": Plane(np.array([f.knots["waist"], 0.0, 0.0]), ex),
        "instep_girth": Plane(np.array([f.knots["instep"], 0.0, 0.0]), ex),
        "heel_girth": Plane(a, n_heel),
        "mth1": Plane(np.array([m["mth1"][0], 0.0, 0.0]), ex),
        "mth5": Plane(np.array([m["mth5"][0], 0.0, 0.0]), ex),
    }


def foot_measures(points: NDArray[np.float64], planes: dict[str, Plane], band: float) -> dict:
    """Tape-like measures of foot points: slab convex-hull girths and the ball width."""
    out: dict[str, float] = {}
    for g in GIRTHS:
        pl = planes[g]
        q = slab_points(points, pl.origin, pl.normal, _SLAB_MM)
        out[g] = hull_perimeter_2d(q @ plane_basis(pl.normal).T)
    ends = []
    for name, sign in (("mth1", -1.0), ("mth5", 1.0)):
        pl = planes[name]
        q = slab_points(points, pl.origin, pl.normal, _SLAB_MM)
        ends.append(_width(q, sign, band))
    out["ball_width"] = float(np.linalg.norm(ends[0][:2] - ends[1][:2]))
    return out


def last_measures(
    v: NDArray[np.float64],
    faces: NDArray[np.int64],
    planes: dict[str, Plane],
    band: float,
    edges: NDArray[np.int64] | None = None,
) -> dict[str, float]:
    """Tape-like measures of a last mesh: section convex-hull girths and the ball width."""
    out: dict[str, float] = {}
    edges = mesh_edges(faces) if edges is None else edges
    for g in GIRTHS:
        pl = planes[g]
        q = mesh_section_points(v, faces, pl.origin, pl.normal, edges)
        out[g] = hull_perimeter_2d(q @ plane_basis(pl.normal).T)
    ends = []
    for name, sign in (("mth1", -1.0), ("mth5", 1.0)):
        pl = planes[name]
        q = mesh_section_points(v, faces, pl.origin, pl.normal, edges)
        ends.append(_width(q, sign, band))
    out["ball_width"] = float(np.linalg.norm(ends[0][:2] - ends[1][:2]))
    return out


_SOLVED = ("heel_girth", "instep_girth", "waist_girth", "ball_girth", "ball_width")


def _solve(f: _Frame, planes: dict[str, Plane], target: dict[str, float], band: float):
    t = np.array([target[k] for k in _SOLVED])

    edges: list[NDArray[np.int64]] = []

    def measure(params):
        rings = _rings(f, params)
        v, fa, _ = _mesh(f, rings)
        if not edges:
            edges.append(mesh_edges(fa))
        lm = last_measures(v, fa, planes, band, edges[0])
        return np.array([lm[k] for k in _SOLVED]), rings, v, fa

    params = np.zeros(5)
    val, rings, v, fa = measure(params)
    jac = np.zeros((5, 5))
    h = 1.0
    for j in range(5):
        dp = params.copy()
        dp[j] += h
        jac[:, j] = (measure(dp)[0] - val) / h
    for _ in range(10):
        err = t - val
        if np.abs(err).max() < 0.05:
            break
        step = np.linalg.lstsq(jac, err, rcond=None)[0]
        new = params + step
        nval, nrings, nv, nfa = measure(new)
        # Broyden update of the Jacobian.
        dv = nval - val
        ds = new - params
        jac += np.outer(dv - jac @ ds, ds) / max(ds @ ds, 1e-12)
        params, val, rings, v, fa = new, nval, nrings, nv, nfa
    return params, rings, v, fa


def _clearance(
    v: NDArray[np.float64], fa: NDArray[np.int64], pts: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Signed distance from each point to the closed mesh, positive inside (mm)."""
    tri = v[fa]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    n = np.maximum(1, np.ceil(area / 0.5).astype(np.int64))
    idx = np.repeat(np.arange(fa.shape[0]), n)
    rng = np.random.default_rng(7)
    r1 = np.sqrt(rng.random(idx.size))
    r2 = rng.random(idx.size)
    t = tri[idx]
    s = (
        (1 - r1)[:, None] * t[:, 0]
        + (r1 * (1 - r2))[:, None] * t[:, 1]
        + (r1 * r2)[:, None] * t[:, 2]
    )
    d, _ = cKDTree(s).query(pts, workers=1)
    return np.where(inside_mesh(v, fa, pts), d, -d)


def inside_mesh(
    v: NDArray[np.float64], fa: NDArray[np.int64], pts: NDArray[np.float64], cell_mm: float = 4.0
) -> NDArray[np.bool_]:
    """Inside test for a closed mesh: parity of crossings of the ray from each point along +z.

    Triangles are bucketed by their floor-projected bounding boxes, so each point meets only
    the few triangles above or below it.
    """
    tri = v[fa]
    lo = np.minimum(pts[:, :2].min(axis=0), v[:, :2].min(axis=0)) - cell_mm
    tmin = np.floor((tri[:, :, :2].min(axis=1) - lo) / cell_mm).astype(np.int64)
    tmax = np.floor((tri[:, :, :2].max(axis=1) - lo) / cell_mm).astype(np.int64)
    pc = np.floor((pts[:, :2] - lo) / cell_mm).astype(np.int64)
    ny = int(max(tmax[:, 1].max(), pc[:, 1].max())) + 2
    pc = pc.clip(min=0)
    # Expand each triangle over its cells.
    span = (tmax - tmin + 1).clip(min=1)
    n_cells = span[:, 0] * span[:, 1]
    tid = np.repeat(np.arange(fa.shape[0]), n_cells)
    off = np.arange(tid.size) - np.repeat(np.cumsum(n_cells) - n_cells, n_cells)
    cx = tmin[tid, 0] + off // span[tid, 1]
    cy = tmin[tid, 1] + off % span[tid, 1]
    key = cx * ny + cy
    order = np.argsort(key, kind="stable")
    key, tid = key[order], tid[order]
    pkey = pc[:, 0] * ny + pc[:, 1]
    start = np.searchsorted(key, pkey, "left")
    stop = np.searchsorted(key, pkey, "right")
    cnt = stop - start
    pid = np.repeat(np.arange(pts.shape[0]), cnt)
    cand = tid[
        np.repeat(start, cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    ]
    a, b, c = tri[cand, 0], tri[cand, 1], tri[cand, 2]
    p = pts[pid]
    # Barycentric coordinates in the floor projection.
    d = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    ok = np.abs(d) > 1e-12
    d = np.where(ok, d, 1.0)
    l1 = ((b[:, 1] - c[:, 1]) * (p[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (p[:, 1] - c[:, 1])) / d
    l2 = ((c[:, 1] - a[:, 1]) * (p[:, 0] - c[:, 0]) + (a[:, 0] - c[:, 0]) * (p[:, 1] - c[:, 1])) / d
    l3 = 1.0 - l1 - l2
    hit = ok & (l1 >= 0) & (l2 >= 0) & (l3 > 0)
    zt = l1 * a[:, 2] + l2 * b[:, 2] + l3 * c[:, 2]
    hit &= zt > p[:, 2]
    crossings = np.bincount(pid[hit], minlength=pts.shape[0])
    return crossings % 2 == 1


def build_last(foot: PreparedFoot, style: Style) -> PersonalLast:
    """Deform the style's base last onto ``foot`` (see the module docstring).

    Parameters
    ----------
    foot : PreparedFoot
        From :func:`prepare_foot` with the same style.
    style : Style

    Returns
    -------
    PersonalLast

    Raises
    ------
    LastBuildError
        The foot cannot carry a last.
    """
    data = style_data()
    f = _frame(foot, style)
    fl = foot.foot_length_mm
    band = foot.lift_mm + _LOW_FRAC * fl
    planes = _planes_flat(foot, f)
    inside = foot.points_mm[foot.points_mm[:, 2] <= f.z_top - 2.0]
    foot_m = foot_measures(inside, planes, band)
    # The foot standing on its insole: the insole fills the space between the sole (and the
    # arch) and the flat last bottom. Its envelope is the last with zero clearance (each
    # station's convex section of foot + insole); the last's girths are the envelope's plus the
    # style's ease, taken on the same planes.
    v0, fa0, _ = _mesh(f, _rings(f, np.zeros(5)))
    on_insole = last_measures(v0, fa0, planes, band)
    target = {k: on_insole[k] + style.ease_mm[k] for k in GIRTHS}
    target["ball_width"] = foot_m["ball_width"] + style.ease_mm["ball_width"]
    allow = {k: target[k] - foot_m[k] for k in _SOLVED}
    envelope_term = {k: on_insole[k] - foot_m[k] for k in GIRTHS}
    params, rings, v_flat, fa = _solve(f, planes, target, band)
    last_m = last_measures(v_flat, fa, planes, band)
    foot_m["bottom_length"] = fl
    allow["bottom_length"] = style.toe_allowance_mm - style.heel_allowance_mm
    last_m["bottom_length"] = f.x_b1 - f.x_b0

    fr = data["landmarks_frac"]
    bend = make_bend(
        (f.cap_x - 10.0, f.x_b1 + 10.0),
        (fr["rear_bend"][0] * fl, fr["rear_bend"][1] * fl),
        (fr["toe_bend"][0] * fl, fr["toe_bend"][1] * fl),
        f.x_b0,
        style.heel_height_mm,
        f.x_b1,
        style.toe_spring_mm,
    )
    # Clearance of the re-posed foot (below the last's top) in the re-posed last.
    clr = _clearance(bend.apply(v_flat), fa, bend.apply(inside))
    regs = data["regions"]
    names = [k for k in regs if k != "doc"]
    xf = inside[:, 0] / fl
    regions_out = []
    for name in names:
        lo, hi = regs[name]["x"]
        sel = (xf >= lo) & (xf < hi)
        c = clr[sel]
        if c.size == 0:
            continue
        regions_out.append(
            ClearanceRegion(
                name,
                int(c.size),
                float(c.min()),
                float(np.quantile(c, 0.05)),
                float(np.median(c)),
                float(regs[name]["max_compression_mm"]),
            )
        )
    vx = v_flat[:, 0] / fl
    vreg = {n: (vx >= regs[n]["x"][0]) & (vx < regs[n]["x"][1]) for n in names}
    vreg["bottom"] = v_flat[:, 2] <= 1e-9
    # Bottom outline (feather line): per ring the outermost bottom vertices.
    left, right = [], []
    for ring in rings:
        b = ring[ring[:, 2] <= 1e-9]
        if b.shape[0] >= 2:
            left.append(b[np.argmin(b[:, 1])])
            right.append(b[np.argmax(b[:, 1])])
    outline = np.vstack([np.array(left), [[f.x_b1, 0.0, 0.0]], np.array(right)[::-1]])
    m = foot.landmarks_mm
    marks_flat = {
        "heel_seat_back": np.array([f.x_b0, 0.0, 0.0]),
        "toe_tip": np.array([f.x_b1, 0.0, 0.0]),
        "mth1": _width(rings[np.argmin(np.abs(f.x - m["mth1"][0]))], -1.0, band),
        "mth5": _width(rings[np.argmin(np.abs(f.x - m["mth5"][0]))], 1.0, band),
        "instep": np.array([m["instep"][0], m["instep"][1], m["instep"][2]]),
        "cone_top": np.array([f.knots["instep"], m["instep"][1], f.z_top]),
    }

    # Pose everything; mirror a right last.
    def pose(p):
        q = bend.apply(p)
        if foot.side == "right":
            q[:, 1] = -q[:, 1]
        return q

    v = pose(v_flat)
    faces = fa[:, ::-1].copy() if foot.side == "right" else fa
    planes_posed = {}
    for k, pl in planes.items():
        o = pose(pl.origin[None])[0]
        th = float(np.interp(pl.origin[0], bend.grid_x_mm, bend.theta_rad))
        n = pl.normal
        n = np.array(
            [n[0] * np.cos(th) - n[2] * np.sin(th), n[1], n[0] * np.sin(th) + n[2] * np.cos(th)]
        )
        if foot.side == "right":
            n[1] = -n[1]
        planes_posed[k] = Plane(o, n / np.linalg.norm(n))
    flat = v_flat.copy()
    if foot.side == "right":
        flat[:, 1] = -flat[:, 1]
    return PersonalLast(
        style=style,
        side=foot.side,
        vertices_mm=v,
        faces=faces,
        foot_points_mm=pose(inside),
        planes=planes_posed,
        foot_mm=foot_m,
        last_mm=last_m,
        allowance_mm=allow,
        width_band_mm=band,
        clearance=tuple(regions_out),
        clearance_points_mm=clr,
        bottom_outline_mm=pose(outline),
        landmarks_mm={k: pose(p[None])[0] for k, p in marks_flat.items()},
        regions=vreg,
        bend=bend,
        flat_vertices_mm=flat,
        envelope_term_mm=envelope_term,
        _rings=rings,
        _ring_x=f.x,
        _flat_foot=foot,
        _bottom_x_mm=(f.x_b0, f.x_b1),
    )
