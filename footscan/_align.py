"""Alignment into the foot frame: floor basis, first axis, heel vs toe end, left vs right, and
the refined heel-centre -> second-toe axis.

Frame (doc §2.1): origin on the floor below the pternion, Z up, X heel -> toe along the axis from
the heel centre to the second-toe tip, Y = Z x X. Landmark rules are written for a LEFT foot
(medial side at -Y); right feet are mirrored (y -> -y) before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from footscan._landmarks import Extreme, robust_extreme
from footscan.consts import ACROPODION_HEIGHT_FRAC, PTERNION_HEIGHT_FRAC

__all__ = [
    "floor_basis",
    "rotation_z",
    "initial_axis",
    "detect_side",
    "AxisFit",
    "refine_axis",
    "axis_from_landmarks",
]

MIRROR_Y = np.diag([1.0, -1.0, 1.0])


def floor_basis(normal: NDArray[np.float64]) -> NDArray[np.float64]:
    """(3, 3) rotation whose third row is ``normal``: ``points @ R.T`` has z along the normal."""
    n = normal / np.linalg.norm(normal)
    helper = np.array([1.0, 0.0, 0.0]) if abs(n[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = helper - (helper @ n) * n
    x /= np.linalg.norm(x)
    y = np.cross(n, x)
    return np.vstack([x, y, n])


def rotation_z(angle_rad: float) -> NDArray[np.float64]:
    """(3, 3) rotation about +Z by ``angle_rad``."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def initial_axis(points: NDArray[np.float64]) -> tuple[float, float]:
    """First guess of the foot axis in a floor frame (z = height).

    PCA of the floor-projected low points gives the direction; the heel end is the one under
    the ankle and leg (where the high points are).

    Parameters
    ----------
    points : (n, 3) float64
        Foot points in a floor frame.

    Returns
    -------
    angle_rad : float
        Angle of the heel -> toe direction from +X.
    length_mm : float
        Rough foot length (extent of the low points along the axis).
    """
    xy_extent = float(np.max(np.ptp(points[:, :2], axis=0)))
    low = points[points[:, 2] <= 0.2 * xy_extent]
    if low.shape[0] < 10:
        low = points
    xy = low[:, :2] - low[:, :2].mean(axis=0)
    _, _, vt = np.linalg.svd(xy, full_matrices=False)
    d = vt[0]
    s_all = (points[:, :2] - low[:, :2].mean(axis=0)) @ d
    s_low = xy @ d
    mid = 0.5 * (s_low.min() + s_low.max())
    z = points[:, 2]
    high = z > 0.5 * z.max()
    if high.sum() >= 5 and np.mean(s_all[high]) > mid:
        d = -d
    length = float(np.ptp(s_low))
    return float(np.arctan2(d[1], d[0])), length


def detect_side(points: NDArray[np.float64], length_mm: float) -> tuple[str, float]:
    """Left or right foot from the slope of the toe line.

    In a frame with X heel -> toe and Y = Z x X, the toe tips fall away from the long medial toes
    to the short lateral ones. For a left foot the medial side is -Y, so the front edge of the
    forefoot is further forward at -Y (negative slope of front-x against y).

    Parameters
    ----------
    points : (n, 3) float64
        Foot points, X heel -> toe, Z up.
    length_mm : float
        Approximate foot length.

    Returns
    -------
    side : str
        ``"left"`` or ``"right"``.
    confidence : float
        0..1, from the front-edge drop across the forefoot relative to 10 mm.
    """
    z_ok = points[:, 2] <= 0.25 * length_mm
    p = points[z_ok]
    x_front = np.quantile(p[:, 0], 0.995)
    fore = p[p[:, 0] > x_front - 0.3 * length_mm]
    if fore.shape[0] < 20:
        return "left", 0.0
    y_lo, y_hi = np.quantile(fore[:, 1], [0.1, 0.9])
    edges = np.linspace(y_lo, y_hi, 9)
    ys, xs = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        sel = fore[(fore[:, 1] >= a) & (fore[:, 1] < b), 0]
        if sel.size >= 3:
            ys.append(0.5 * (a + b))
            xs.append(np.quantile(sel, 0.9))
    if len(ys) < 3:
        return "left", 0.0
    slope = float(np.polyfit(ys, xs, 1)[0])
    drop_mm = abs(slope) * (y_hi - y_lo)
    conf = float(np.clip(drop_mm / 10.0, 0.0, 1.0))
    return ("left" if slope < 0 else "right"), conf


@dataclass(frozen=True)
class AxisFit:
    """Result of the axis refinement, in the input (left-convention, floor) frame.

    Attributes
    ----------
    rotation : (3, 3) float64
        Rotation about Z taking the input to the foot frame (before translation).
    origin : (3,) float64
        Subtracted after rotation: the floor point below the pternion, on the axis line.
    length_mm : float
        Foot length (pternion -> acropodion along the axis).
    heel_centre_xy, second_toe_xy : (2,) float64
        Axis end points in the final foot frame.
    iterations : int
    converged : bool
    pternion, acropodion : Extreme
        In the final foot frame.
    """

    rotation: NDArray[np.float64]
    origin: NDArray[np.float64]
    length_mm: float
    heel_centre_xy: NDArray[np.float64]
    second_toe_xy: NDArray[np.float64]
    iterations: int
    converged: bool
    pternion: Extreme
    acropodion: Extreme


def _ends(p: NDArray[np.float64], fl_guess: float) -> tuple[Extreme, Extreme]:
    heel_zone = p[p[:, 2] <= PTERNION_HEIGHT_FRAC * fl_guess]
    toe_zone = p[p[:, 2] <= ACROPODION_HEIGHT_FRAC * fl_guess]
    pt = robust_extreme(heel_zone, (-1.0, 0.0, 0.0))
    ac = robust_extreme(toe_zone, (1.0, 0.0, 0.0))
    if pt is None or ac is None:
        raise ValueError("no points near the floor at the heel or toe end")
    return pt, ac


def _length_landmarks(p: NDArray[np.float64], fl_guess: float) -> tuple[Extreme, Extreme, float]:
    fl = fl_guess
    for _ in range(3):
        pt, ac = _ends(p, fl)
        new = ac.value_mm + pt.value_mm  # pternion value is -x_P
        if abs(new - fl) < 0.05:
            fl = new
            break
        fl = new
    return pt, ac, fl


def refine_axis(points: NDArray[np.float64], fl_guess: float, max_iter: int = 8) -> AxisFit:
    """Heel-centre -> second-toe axis by fixed-point iteration from a first guess along +X.

    Each pass finds, in the current frame, the pternion and acropodion (robust extremes of the
    low points), the heel centre (mid-breadth of the rear 10 % FL) and the second-toe tip (the
    foremost point in the band 50-70 % of the ball breadth from the medial border, where the
    second toe sits on FIND and on typical feet), then rotates about Z so that the axis through
    them is +X.

    Parameters
    ----------
    points : (n, 3) float64
        Left-convention foot points in a floor frame, roughly heel -> toe along +X.
    fl_guess : float
        Rough foot length, mm.
    max_iter : int

    Returns
    -------
    AxisFit
    """
    total = np.eye(3)
    p = points
    converged = False
    it = 0
    fl = fl_guess
    hc = np.zeros(2)
    t2 = np.zeros(2)
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        pt, ac, fl = _length_landmarks(p, fl)
        x_p = -pt.value_mm
        low = p[:, 2] <= PTERNION_HEIGHT_FRAC * fl
        rear = p[low & (p[:, 0] <= x_p + 0.10 * fl)]
        y_lo, y_hi = np.quantile(rear[:, 1], [0.02, 0.98])
        hc = np.array([x_p + 0.05 * fl, 0.5 * (y_lo + y_hi)])
        ball = p[(p[:, 0] >= x_p + 0.6 * fl) & (p[:, 0] <= x_p + 0.8 * fl) & low]
        if ball.shape[0] < 10:
            ball = p[(p[:, 0] >= x_p + 0.6 * fl) & (p[:, 0] <= x_p + 0.8 * fl)]
        b_lo, b_hi = np.quantile(ball[:, 1], [0.02, 0.98])
        breadth = b_hi - b_lo
        toe = p[
            (p[:, 2] <= ACROPODION_HEIGHT_FRAC * fl)
            & (p[:, 0] >= x_p + 0.7 * fl)
            & (p[:, 1] >= b_lo + 0.50 * breadth)
            & (p[:, 1] <= b_lo + 0.70 * breadth)
        ]
        ex = robust_extreme(toe, (1.0, 0.0, 0.0), cap_mm=4.0)
        if ex is None:
            break
        t2 = ex.point[:2]
        angle = float(np.arctan2(t2[1] - hc[1], t2[0] - hc[0]))
        rot = rotation_z(-angle)
        p = p @ rot.T
        total = rot @ total
        hc = rot[:2, :2] @ hc
        t2 = rot[:2, :2] @ t2
        if abs(angle) < 2e-4:
            converged = True
            break
    return _axis_fit(p, total, fl, hc, t2, it, converged)


def _axis_fit(
    p: NDArray[np.float64],
    rotation: NDArray[np.float64],
    fl_guess: float,
    hc: NDArray[np.float64],
    t2: NDArray[np.float64],
    iterations: int,
    converged: bool,
) -> AxisFit:
    """Length landmarks of the rotated points ``p`` and the frame origin under the pternion."""
    pt, ac, fl = _length_landmarks(p, fl_guess)
    origin = np.array([-pt.value_mm, hc[1], 0.0])
    shift = origin[:2]
    return AxisFit(
        rotation=rotation,
        origin=origin,
        length_mm=float(fl),
        heel_centre_xy=hc - shift,
        second_toe_xy=t2 - shift,
        iterations=iterations,
        converged=converged,
        pternion=Extreme(pt.value_mm + origin[0], pt.point - origin, pt.n_used, pt.rms_mm),
        acropodion=Extreme(ac.value_mm - origin[0], ac.point - origin, ac.n_used, ac.rms_mm),
    )


def axis_from_landmarks(
    points: NDArray[np.float64],
    fl_guess: float,
    heel_centre_xy: NDArray[np.float64],
    second_toe_xy: NDArray[np.float64],
) -> AxisFit:
    """The foot frame from a given heel centre and second-toe tip (no band search).

    Used when the landmarks come from the fitted shape model (``footscan._completion``).

    Parameters
    ----------
    points : (n, 3) float64
        Left-convention foot points in a floor frame, mm.
    fl_guess : float
        Rough foot length, mm.
    heel_centre_xy, second_toe_xy : (2,) float64
        Axis end points in the frame of ``points``, mm.

    Returns
    -------
    AxisFit
    """
    hc = np.asarray(heel_centre_xy, dtype=np.float64)
    t2 = np.asarray(second_toe_xy, dtype=np.float64)
    angle = float(np.arctan2(t2[1] - hc[1], t2[0] - hc[0]))
    rot = rotation_z(-angle)
    p = points @ rot.T
    return _axis_fit(p, rot, fl_guess, rot[:2, :2] @ hc, rot[:2, :2] @ t2, 1, True)
