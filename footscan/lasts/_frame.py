"""The construction frame of a personal last: stations, the foot's convex sections, the toe box.

Everything here is independent of the clearance field that the solver adjusts
(:mod:`footscan.lasts._loft` turns a frame and a clearance field into rings and a mesh).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from footscan.lasts._foot import SLAB_MM, PreparedFoot
from footscan.lasts._geometry import N_ANGLES, hull2, inside_polygon, layout, radial
from footscan.lasts._styles import Style, style_data
from footscan.lasts.exceptions import LastBuildError

__all__ = ["Frame", "make_frame", "TOE_CLEARANCE_MM"]

_STEP_MM = 2.5
_BOTTOM_BAND_FRAC = 0.08  # the bottom (feather) spans the foot's width below 8 % FL
TOE_CLEARANCE_MM = 2.0


@dataclass
class Frame:
    """Everything of the construction that does not depend on the clearance field (mm)."""

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
    cap_x: float
    dirs: NDArray[np.float64]  # (K, M, 2) per-ring ray directions (corners snapped)


def _stations(foot: PreparedFoot, x_min: float, x_b0: float, x_b1: float, x_tb: float):
    """Ring stations (every 2.5 mm, exact at the landmarks, finer at the toe) and the knots of
    the clearance field."""
    fr = style_data()["landmarks_frac"]
    m = foot.landmarks_mm
    x_i = float(m["instep"][0])
    x_ball = 0.5 * (m["mth1"][0] + m["mth5"][0])
    x_w = 0.5 * (x_ball + x_i)
    knots = {
        "back": x_min,
        "heel": fr["heel_station"] * foot.foot_length_mm,
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
    tail = x_b1 - (x_b1 - x[-1]) * np.array([0.6, 0.3, 0.1])
    return np.concatenate([x, tail]), knots


def _section_hulls(p, x, x_b0, band):
    """Per station the convex (y, z) section of the foot, widened to the bottom under the
    foot's low band from the heel allowance on (None where the foot has too few points)."""
    hulls: list[NDArray[np.float64] | None] = []
    for xk in x:
        h = None
        for half in (SLAB_MM, 3.0, 5.0):
            s = p[np.abs(p[:, 0] - xk) <= half]
            if s.shape[0] >= 12:
                q = s[:, 1:3]
                if xk >= x_b0:
                    low = s[s[:, 2] <= band]
                    low = low if low.shape[0] else s
                    q = np.vstack([q, [[low[:, 1].min(), 0.0], [low[:, 1].max(), 0.0]]])
                h = hull2(q)
                if h is not None:
                    break
        hulls.append(h)
    return hulls


def _toe_box(f: Frame, hulls, lift: float) -> None:
    """The style's toe box (plan and profile superellipses from the toe-box start)."""
    shape = style_data()["toe_shapes"][f.style.toe_shape]
    fl = f.foot.foot_length_mm
    h_tb = hulls[int(np.argmin(np.abs(f.x - f.x_tb)))]
    if h_tb is None:
        raise LastBuildError("no foot points at the toe-box start")
    zc_tb = float(h_tb.mean(axis=0)[1])
    y0 = 0.5 * (h_tb[:, 0].min() + h_tb[:, 0].max())
    a0 = 0.5 * np.ptp(h_tb[:, 0]) + TOE_CLEARANCE_MM
    h0 = max(float(h_tb[:, 1].max()) + TOE_CLEARANCE_MM, lift + shape["toe_box_height_frac"] * fl)
    pw, ph = shape["plan_exponent"], shape["profile_exponent"]
    tt = np.linspace(0.0, np.pi, 25)
    cy, sz = np.cos(tt), np.sin(tt)
    for i, xk in enumerate(f.x):
        if xk <= f.x_tb + 1e-6:
            continue
        uu = min((xk - f.x_tb) / (f.x_b1 - f.x_tb), 1.0)
        a = a0 * (1.0 - uu**pw) ** (1.0 / pw)
        hh = h0 * (1.0 - uu**ph) ** (1.0 / ph)
        yc = y0 * (1.0 - uu)
        f.toe_rings[i] = np.column_stack(
            [yc + a * np.sign(cy) * np.abs(cy) ** (2.0 / pw), hh * sz ** (2.0 / ph)]
        )
        f.toe_hulls[i] = hulls[i]
        f.centre[i] = (yc, min(zc_tb * (1.0 - uu) + 0.4 * hh * uu, 0.6 * hh))


def _centres_and_radii(f: Frame, hulls) -> None:
    """Section centres (gaps filled, smoothed) and the foot's radial distances per ray."""
    k = f.x.shape[0]
    for i, h in enumerate(hulls):
        if f.x[i] <= f.x_tb + 1e-6 and h is not None:
            f.centre[i] = h.mean(axis=0)
    have = np.array([h is not None for h in hulls]) | (f.x > f.x_tb)
    idx = np.flatnonzero(have)
    for j in range(2):
        f.centre[:, j] = np.interp(np.arange(k), idx, f.centre[idx, j])
    sm = f.centre.copy()
    main = f.x <= f.x_tb
    for j in range(2):
        c = np.convolve(np.pad(f.centre[main, j], 3, mode="edge"), np.ones(7) / 7, mode="valid")
        sm[main, j] = c
    for i, xk in enumerate(f.x):
        h = hulls[i]
        if xk > f.x_tb or h is None:
            continue
        c = sm[i] if inside_polygon(h, sm[i]) else f.centre[i]
        f.centre[i] = c
        f.dirs[i] = layout(h, c, xk >= f.x_b0)
        f.r_foot[i] = radial(h, c, f.dirs[i])
    # Stations without foot data take the neighbours' radii.
    bad = ~np.isfinite(f.r_foot).all(axis=1) & main
    if bad.any():
        good = np.flatnonzero(~bad & main)
        for j in range(N_ANGLES):
            f.r_foot[bad, j] = np.interp(f.x[bad], f.x[good], f.r_foot[good, j])
        for ib in np.flatnonzero(bad):
            f.dirs[ib] = f.dirs[good[np.argmin(np.abs(f.x[good] - f.x[ib]))]]


def make_frame(foot: PreparedFoot, style: Style) -> Frame:
    """The construction frame of ``foot`` in ``style`` (flat last frame, mm).

    Raises
    ------
    LastBuildError
        Too few foot points along the length or at the toe-box start.
    """
    fl, lift = foot.foot_length_mm, foot.lift_mm
    x_b0 = style.heel_allowance_mm
    x_b1 = fl + style.toe_allowance_mm
    x_tb = style_data()["landmarks_frac"]["toe_box_start"] * fl
    z_top = float(foot.landmarks_mm["instep"][2] + style.top_above_instep_mm)
    p = foot.points_mm[foot.points_mm[:, 2] <= z_top - 1.0]
    x_min = float(p[:, 0].min())
    x, knots = _stations(foot, x_min, x_b0, x_b1, x_tb)
    k = x.shape[0]
    hulls = _section_hulls(p, x, x_b0, lift + _BOTTOM_BAND_FRAC * fl)
    if sum(h is not None for h in hulls) < 0.6 * k:
        raise LastBuildError("the foot has too few points along its length to carry a last")
    t = np.linspace(0.0, 2 * np.pi, N_ANGLES, endpoint=False)
    u = np.column_stack([np.cos(t), np.sin(t)])  # (y, z) directions, angle from +y
    f = Frame(
        foot=foot,
        style=style,
        x=x,
        centre=np.zeros((k, 2)),
        r_foot=np.full((k, N_ANGLES), np.inf),
        toe_rings={},
        toe_hulls={},
        x_b0=x_b0,
        x_b1=x_b1,
        x_tb=x_tb,
        z_top=z_top,
        knots=knots,
        cap_x=x_min - 1.0,
        dirs=np.repeat(u[None], k, axis=0),
    )
    _toe_box(f, hulls, lift)
    _centres_and_radii(f, hulls)
    return f
