"""Re-posing: bend the flat-standing foot (and the last built on it) onto the last's bottom curve.

The map bends the floor plane ``z = 0`` of the foot frame into the last's bottom curve
``C(x)`` (arc length = flat ``x``) and carries every point along the curve's normal::

    B(x, y, z) = C(x) + z * n(x) + y * e_y

Every plane ``x = const`` maps rigidly to a plane, so section shapes (and girths taken on
such planes) are kept. The bottom curve, from the back (side view, slope angle ``theta(x)``):

* **heel seat** (behind ``shank[0]``): straight, pitched down towards the toe by
  ``seat_share * A`` (the heel seat is nearly level; it carries the heel height);
* **shank curve** (``shank[0]`` to ``shank[1]``, the ball break): the slope steepens to about
  ``A`` in the waist and levels off into the tread, ``theta = -(seat_share * A * (1 - b) +
  A * sin^2(pi t))`` with ``b`` a cosine ramp and ``t`` the position in the shank: an S-curve
  with continuous curvature, tangent to the tread at the ball break;
* **tread** (ball break to ``toe_bend[0]``): flat on the floor, not moved (planes through the
  ball joints are the same in both frames);
* **toe spring** (``toe_bend``): a cosine ramp of the slope up to the spring angle, then rigid.

``A`` is solved so that the bottom at the heel seat back stands at the style's heel height, the
spring angle so that the toe tip stands at the style's toe spring. Points above the concave
part of the curve come closer together by ``1 - z * curvature``; the curve is rejected if
that would fold a point within the last's height.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from footscan.lasts.exceptions import LastBuildError

__all__ = ["Bend", "make_bend"]

_STEP_MM = 0.25
_MAX_FOLD = 0.8  # largest z * curvature allowed (1 would fold the surface onto itself)


def _blend(x: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    """0 before ``a``, 1 after ``b``, cosine ramp between."""
    t = np.clip((x - a) / max(b - a, 1e-9), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * t)


@dataclass(frozen=True)
class Bend:
    """The re-posing map (see the module docstring); all lengths in mm, angles in radians.

    Attributes
    ----------
    heel_angle_rad : float
        ``A``: the steepest slope of the shank curve.
    toe_angle_rad : float
        The toe spring angle.
    rear_bend_mm : tuple of float
        The shank curve's span (heel seat end, ball break), flat x.
    toe_bend_mm : tuple of float
        The toe spring's bend span, flat x.
    grid_x_mm, curve_mm, theta_rad : arrays
        The bottom curve sampled along flat x: points (x, z) and slope angles.
    seat_pitch_rad : float
        Slope of the heel seat (down towards the toe).
    """

    heel_angle_rad: float
    toe_angle_rad: float
    rear_bend_mm: tuple[float, float]
    toe_bend_mm: tuple[float, float]
    grid_x_mm: NDArray[np.float64] = field(repr=False)
    curve_mm: NDArray[np.float64] = field(repr=False)  # (n, 2): x, z of C
    theta_rad: NDArray[np.float64] = field(repr=False)
    seat_pitch_rad: float = 0.0

    def apply(self, p: NDArray[np.float64]) -> NDArray[np.float64]:
        """Bend points ``p`` (n, 3), flat foot frame -> posed frame."""
        p = np.asarray(p, dtype=np.float64)
        x = p[:, 0]
        cx = np.interp(x, self.grid_x_mm, self.curve_mm[:, 0])
        cz = np.interp(x, self.grid_x_mm, self.curve_mm[:, 1])
        th = np.interp(x, self.grid_x_mm, self.theta_rad)
        # Beyond the grid the curve continues straight.
        lo, hi = self.grid_x_mm[0], self.grid_x_mm[-1]
        for mask, x0, t0 in ((x < lo, lo, self.theta_rad[0]), (x > hi, hi, self.theta_rad[-1])):
            if mask.any():
                d = x[mask] - x0
                cx[mask] = np.interp(x0, self.grid_x_mm, self.curve_mm[:, 0]) + d * np.cos(t0)
                cz[mask] = np.interp(x0, self.grid_x_mm, self.curve_mm[:, 1]) + d * np.sin(t0)
        z = p[:, 2]
        return np.column_stack([cx - z * np.sin(th), p[:, 1], cz + z * np.cos(th)])

    def height_at(self, x_mm: float) -> float:
        """Height of the bent floor (the last bottom) at flat position ``x_mm``."""
        return float(self.apply(np.array([[x_mm, 0.0, 0.0]]))[0, 2])

    def curvature_per_mm(self) -> NDArray[np.float64]:
        """Curvature of the bottom curve along ``grid_x_mm`` (1/mm, > 0 where concave up)."""
        return np.gradient(self.theta_rad, self.grid_x_mm)


def _theta(grid, shank, toe, a, seat_share, th_t):
    t = np.clip((grid - shank[0]) / max(shank[1] - shank[0], 1e-9), 0.0, 1.0)
    rear = seat_share * a * (1.0 - _blend(grid, *shank)) + a * np.sin(np.pi * t) ** 2
    return -rear + th_t * _blend(grid, *toe)


def _curve(theta, grid, anchor):
    dx, dz = np.cos(theta), np.sin(theta)
    cx = np.concatenate([[0.0], np.cumsum(0.5 * (dx[1:] + dx[:-1]) * np.diff(grid))])
    cz = np.concatenate([[0.0], np.cumsum(0.5 * (dz[1:] + dz[:-1]) * np.diff(grid))])
    i = int(np.argmin(np.abs(grid - anchor)))
    cx = cx - cx[i] + grid[i]
    cz = cz - cz[i]
    return np.column_stack([cx, cz])


def make_bend(
    x_range_mm: tuple[float, float],
    rear_bend_mm: tuple[float, float],
    toe_bend_mm: tuple[float, float],
    heel_point_mm: float,
    heel_height_mm: float,
    toe_point_mm: float,
    toe_spring_mm: float,
    seat_share: float = 0.5,
    max_height_mm: float | None = None,
) -> Bend:
    """The bend that lifts the bottom at ``heel_point_mm`` to ``heel_height_mm`` and at
    ``toe_point_mm`` to ``toe_spring_mm`` (flat x positions, mm).

    Parameters
    ----------
    x_range_mm : (float, float)
        Flat x range the bend is sampled over.
    rear_bend_mm : (float, float)
        The shank curve: heel seat end and ball break (flat x, mm).
    toe_bend_mm : (float, float)
        Where the toe spring bends (flat x, mm).
    heel_point_mm, heel_height_mm, toe_point_mm, toe_spring_mm : float
    seat_share : float
        Heel seat pitch as a share of the steepest shank slope.
    max_height_mm : float, optional
        The highest point carried behind the tread (the last's top); the shank curve must not
        fold it.

    Raises
    ------
    LastBuildError
        The heel height or toe spring cannot be reached, or the curve would fold the last.
    """
    grid = np.arange(x_range_mm[0] - 5.0, x_range_mm[1] + 5.0, _STEP_MM)
    anchor = 0.5 * (rear_bend_mm[1] + toe_bend_mm[0])

    def height(a: float, th_t: float, xq: float) -> float:
        c = _curve(_theta(grid, rear_bend_mm, toe_bend_mm, a, seat_share, th_t), grid, anchor)
        return float(np.interp(xq, grid, c[:, 1]))

    try:
        a = 0.0
        if heel_height_mm > 0:
            a = brentq(lambda s: height(s, 0.0, heel_point_mm) - heel_height_mm, 0.0, 1.0)
        th_t = 0.0
        if toe_spring_mm > 0:
            th_t = brentq(lambda s: height(0.0, s, toe_point_mm) - toe_spring_mm, 0.0, 1.2)
    except ValueError as exc:
        raise LastBuildError(
            f"heel height {heel_height_mm} mm / toe spring {toe_spring_mm} mm out of reach"
        ) from exc
    theta = _theta(grid, rear_bend_mm, toe_bend_mm, a, seat_share, th_t)
    bend = Bend(
        float(a),
        float(th_t),
        rear_bend_mm,
        toe_bend_mm,
        grid,
        _curve(theta, grid, anchor),
        theta,
        float(seat_share * a),
    )
    if max_height_mm is not None:
        # Ahead of the tread only the toe box (about a third of the last's height) is bent.
        rear = grid < toe_bend_mm[0]
        fold = float(bend.curvature_per_mm()[rear].max()) * max_height_mm
        if fold > _MAX_FOLD:
            raise LastBuildError(
                f"the bottom curve bends too sharply for a {max_height_mm:.0f} mm high last"
            )
    return bend
