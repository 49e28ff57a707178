"""The personal last: a style's base last deformed onto a foot, region by region.

Method (docs/made-to-measure.md):

1. **Foot in the last frame** (:mod:`footscan.lasts._foot`). The completed foot (footscan
   frame: origin on the floor under the pternion, X heel -> toe, Z up; right feet mirrored to
   left) is lifted by the insole's base thickness. Its missing floor-contact band is restored.
2. **Base last** (:mod:`footscan.lasts._frame`, :mod:`footscan.lasts._loft`). The style's last
   is a loft of cross-section rings: a bottom (the insole board) between the feather edges from
   ``heel allowance`` to ``FL + toe allowance``, the heel curve, a top (cone) cut above the
   instep, and the style's toe box (plan and profile superellipses). Landmarks (MTH1, MTH5,
   instep, waist, heel, toe-box start) are stations at fractions of foot length (style data).
3. **Deformation** (:mod:`footscan.lasts._solve`). Each ring is the foot's section (convex
   hull, as a tape bridges hollows) pushed out radially by a clearance field
   ``delta(x, phi) = base(x) + side(x) |cos phi|`` that is piecewise linear between the landmark
   stations. Its five landmark values are solved (Newton, finite-difference Jacobian, Broyden)
   so that ball, waist, instep and heel girths and the ball width of the last equal the foot's
   plus the style's allowances; the toe box keeps the style's shape (it only grows where the
   toes would touch it).
4. **Re-pose** (:mod:`footscan.lasts._pose`). Last and foot are bent together onto the style's
   bottom curve: heel seat at the heel height, shank curve down to the ball break, flat tread,
   toe spring. Measures are taken in the posed frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan.lasts._clearance import ClearanceRegion, clearance, region_summary
from footscan.lasts._foot import LOW_FRAC, PreparedFoot, prepare_foot
from footscan.lasts._frame import Frame, make_frame
from footscan.lasts._loft import close_mesh, rings
from footscan.lasts._measure import Plane, foot_measures, last_measures, widest
from footscan.lasts._pose import Bend, make_bend
from footscan.lasts._solve import SOLVED, solve
from footscan.lasts._styles import GIRTHS, Style, style_data

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


def _planes_flat(foot: PreparedFoot, f: Frame) -> dict[str, Plane]:
    m = foot.landmarks_mm
    d = m["mth1"][:2] - m["mth5"][:2]
    n_ball = np.array([d[1], -d[0], 0.0])
    n_ball /= np.linalg.norm(n_ball)
    if n_ball[0] < 0:
        n_ball = -n_ball
    a = np.array([0.0, 0.0, 0.0])
    n_heel = np.cross(m["instep"] - a, [0.0, 1.0, 0.0])
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


def _bend(f: Frame) -> Bend:
    fr = style_data()["landmarks_frac"]
    fl = f.foot.foot_length_mm
    return make_bend(
        (f.cap_x - 10.0, f.x_b1 + 10.0),
        (fr["shank"][0] * fl, fr["shank"][1] * fl),
        (fr["toe_bend"][0] * fl, fr["toe_bend"][1] * fl),
        f.x_b0,
        f.style.heel_height_mm,
        f.x_b1,
        f.style.toe_spring_mm,
        seat_share=float(fr["seat_pitch_share"]),
        max_height_mm=f.z_top,
    )


def _bent_planes(
    planes: dict[str, Plane], bend: Bend, instep: NDArray[np.float64]
) -> dict[str, Plane]:
    """The measuring planes carried by the bend (left convention). A plane ``x = const`` maps
    to the plane through its image along the curve's tangent; the long heel plane is the plane
    through the bent pternion floor point and instep point, square to the foot's axis."""
    out = {}
    for k, pl in planes.items():
        o = bend.apply(pl.origin[None])[0]
        th = float(np.interp(pl.origin[0], bend.grid_x_mm, bend.theta_rad))
        n = pl.normal
        c, s = np.cos(th), np.sin(th)
        n = np.array([n[0] * c - n[2] * s, n[1], n[0] * s + n[2] * c])
        out[k] = Plane(o, n / np.linalg.norm(n))
    a, b = bend.apply(np.vstack([planes["heel_girth"].origin, instep]))
    n_heel = np.cross(b - a, [0.0, 1.0, 0.0])
    out["heel_girth"] = Plane(a, n_heel / np.linalg.norm(n_heel))
    return out


def _outline(ring_v: NDArray[np.float64], x_b1: float) -> NDArray[np.float64]:
    """Bottom outline (feather line): per ring the outermost bottom vertices, closed loop."""
    left, right = [], []
    for ring in ring_v:
        b = ring[ring[:, 2] <= 1e-9]
        if b.shape[0] >= 2:
            left.append(b[np.argmin(b[:, 1])])
            right.append(b[np.argmax(b[:, 1])])
    return np.vstack([np.array(left), [[x_b1, 0.0, 0.0]], np.array(right)[::-1]])


def _marks_flat(f: Frame, ring_v: NDArray[np.float64], band: float):
    m = f.foot.landmarks_mm
    return {
        "heel_seat_back": np.array([f.x_b0, 0.0, 0.0]),
        "toe_tip": np.array([f.x_b1, 0.0, 0.0]),
        "mth1": widest(ring_v[np.argmin(np.abs(f.x - m["mth1"][0]))], -1.0, band),
        "mth5": widest(ring_v[np.argmin(np.abs(f.x - m["mth5"][0]))], 1.0, band),
        "instep": np.array([m["instep"][0], m["instep"][1], m["instep"][2]]),
        "cone_top": np.array([f.knots["instep"], m["instep"][1], f.z_top]),
    }


def _vertex_regions(v_flat: NDArray[np.float64], fl: float) -> dict[str, NDArray[np.bool_]]:
    regs = style_data()["regions"]
    vx = v_flat[:, 0] / fl
    out = {n: (vx >= regs[n]["x"][0]) & (vx < regs[n]["x"][1]) for n in regs if n != "doc"}
    out["bottom"] = v_flat[:, 2] <= 1e-9
    return out


class _Poser:
    """Flat frame -> posed frame (the bend, then the mirror of a right last)."""

    def __init__(self, bend: Bend, side: str) -> None:
        self.bend, self.right = bend, side == "right"

    def __call__(self, p: NDArray[np.float64]) -> NDArray[np.float64]:
        q = self.bend.apply(p)
        if self.right:
            q[:, 1] = -q[:, 1]
        return q

    def plane(self, pl: Plane) -> Plane:
        """A plane of the bent (left) frame in the output frame (mirrored for a right last)."""
        if not self.right:
            return pl
        m = np.array([1.0, -1.0, 1.0])
        return Plane(pl.origin * m, pl.normal * m)


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
    f = make_frame(foot, style)
    fl = foot.foot_length_mm
    band = foot.lift_mm + LOW_FRAC * fl
    bend = _bend(f)
    planes = _bent_planes(_planes_flat(foot, f), bend, foot.landmarks_mm["instep"])
    inside = foot.points_mm[foot.points_mm[:, 2] <= f.z_top - 2.0]
    posed_foot = bend.apply(inside)
    foot_m = foot_measures(posed_foot, planes, band)
    # The foot standing on its insole: the insole fills the space between the sole (and the
    # arch) and the last bottom. Its envelope is the last with zero clearance; the last's
    # girths are the envelope's plus the style's ease, taken on the same planes (posed).
    v0, fa0, _ = close_mesh(f, rings(f, np.zeros(5)))
    on_insole = last_measures(bend.apply(v0), fa0, planes, band)
    target = {k: on_insole[k] + style.ease_mm[k] for k in GIRTHS}
    target["ball_width"] = foot_m["ball_width"] + style.ease_mm["ball_width"]
    allow = {k: target[k] - foot_m[k] for k in SOLVED}
    _, ring_v, v_flat, fa = solve(f, planes, target, band, pose=bend.apply)
    v_bent = bend.apply(v_flat)
    last_m = last_measures(v_bent, fa, planes, band)
    foot_m["bottom_length"] = fl
    allow["bottom_length"] = style.toe_allowance_mm - style.heel_allowance_mm
    last_m["bottom_length"] = f.x_b1 - f.x_b0
    pose = _Poser(bend, foot.side)
    # Clearance of the re-posed foot (below the last's top) in the re-posed last.
    clr = clearance(v_bent, fa, posed_foot)
    flat = v_flat.copy()
    if foot.side == "right":
        flat[:, 1] = -flat[:, 1]
    return PersonalLast(
        style=style,
        side=foot.side,
        vertices_mm=pose(v_flat),
        faces=fa[:, ::-1].copy() if foot.side == "right" else fa,
        foot_points_mm=pose(inside),
        planes={k: pose.plane(pl) for k, pl in planes.items()},
        foot_mm=foot_m,
        last_mm=last_m,
        allowance_mm=allow,
        width_band_mm=band,
        clearance=region_summary(clr, inside[:, 0] / fl),
        clearance_points_mm=clr,
        bottom_outline_mm=pose(_outline(ring_v, f.x_b1)),
        landmarks_mm={k: pose(p[None])[0] for k, p in _marks_flat(f, ring_v, band).items()},
        regions=_vertex_regions(v_flat, fl),
        bend=bend,
        flat_vertices_mm=flat,
        envelope_term_mm={k: on_insole[k] - foot_m[k] for k in GIRTHS},
        _rings=ring_v,
        _ring_x=f.x,
        _flat_foot=foot,
        _bottom_x_mm=(f.x_b0, f.x_b1),
    )
