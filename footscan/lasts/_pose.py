"""Re-posing: bend the flat-standing foot (and the last built on it) to heel height and toe spring.

The map bends the floor plane ``z = 0`` of the foot frame into the last's bottom curve
``C(x)`` (arc length = flat ``x``) and carries every point along the curve's normal::

    B(x, y, z) = C(x) + z * n(x) + y * e_y

The rearfoot (behind ``rear_bend[0]``) and the toes (ahead of ``toe_bend[1]``) move rigidly; the
bends are spread over the two zones so that no point within the foot's height folds over. The
ball region between the zones is not moved at all (it stays on the floor, ``B`` = identity), so
planes through the ball joints are the same in both frames, and every plane ``x = const`` maps
to a plane (section shapes and girths are kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

__all__ = ["Bend", "make_bend"]

_STEP_MM = 0.25


def _blend(x: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    """0 before ``a``, 1 after ``b``, cosine ramp between."""
    t = np.clip((x - a) / max(b - a, 1e-9), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * t)


@dataclass(frozen=True)
class Bend:
    """The re-posing map (see the module docstring); all lengths in mm, angles in radians."""

    heel_angle_rad: float
    toe_angle_rad: float
    rear_bend_mm: tuple[float, float]
    toe_bend_mm: tuple[float, float]
    grid_x_mm: NDArray[np.float64] = field(repr=False)
    curve_mm: NDArray[np.float64] = field(repr=False)  # (n, 2): x, z of C
    theta_rad: NDArray[np.float64] = field(repr=False)

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


def _curve(grid, rear, toe, th_h, th_t, anchor):
    theta = -th_h * (1.0 - _blend(grid, *rear)) + th_t * _blend(grid, *toe)
    dx, dz = np.cos(theta), np.sin(theta)
    cx = np.concatenate([[0.0], np.cumsum(0.5 * (dx[1:] + dx[:-1]) * np.diff(grid))])
    cz = np.concatenate([[0.0], np.cumsum(0.5 * (dz[1:] + dz[:-1]) * np.diff(grid))])
    i = int(np.argmin(np.abs(grid - anchor)))
    cx = cx - cx[i] + grid[i]
    cz = cz - cz[i]
    return theta, np.column_stack([cx, cz])


def make_bend(
    x_range_mm: tuple[float, float],
    rear_bend_mm: tuple[float, float],
    toe_bend_mm: tuple[float, float],
    heel_point_mm: float,
    heel_height_mm: float,
    toe_point_mm: float,
    toe_spring_mm: float,
) -> Bend:
    """The bend that lifts the bottom at ``heel_point_mm`` to ``heel_height_mm`` and at
    ``toe_point_mm`` to ``toe_spring_mm`` (flat x positions, mm)."""
    grid = np.arange(x_range_mm[0] - 5.0, x_range_mm[1] + 5.0, _STEP_MM)
    anchor = 0.5 * (rear_bend_mm[1] + toe_bend_mm[0])

    def height(th_h: float, th_t: float, xq: float) -> float:
        _, c = _curve(grid, rear_bend_mm, toe_bend_mm, th_h, th_t, anchor)
        return float(np.interp(xq, grid, c[:, 1]))

    th_h = 0.0
    if heel_height_mm > 0:
        th_h = brentq(lambda a: height(a, 0.0, heel_point_mm) - heel_height_mm, 0.0, 1.2)
    th_t = 0.0
    if toe_spring_mm > 0:
        th_t = brentq(lambda a: height(0.0, a, toe_point_mm) - toe_spring_mm, 0.0, 1.2)
    theta, c = _curve(grid, rear_bend_mm, toe_bend_mm, th_h, th_t, anchor)
    return Bend(float(th_h), float(th_t), rear_bend_mm, toe_bend_mm, grid, c, theta)
