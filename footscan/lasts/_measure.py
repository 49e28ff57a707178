"""Measuring planes and tape-like measures (girths, ball width) of foot points and last meshes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from footscan.lasts._foot import SLAB_MM
from footscan.lasts._styles import GIRTHS
from footscan.lasts._tape import (
    hull_perimeter_2d,
    mesh_edges,
    mesh_section_points,
    plane_basis,
    slab_points,
)

__all__ = ["Plane", "foot_measures", "last_measures", "widest"]


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


def widest(points: NDArray[np.float64], sign: float, band: float) -> NDArray[np.float64]:
    """The point furthest along ``sign * y`` among points up to height ``band`` (mm)."""
    q = points[points[:, 2] <= band]
    return q[int(np.argmax(sign * q[:, 1]))]


def foot_measures(
    points: NDArray[np.float64], planes: dict[str, Plane], band: float
) -> dict[str, float]:
    """Tape-like measures of foot points: slab convex-hull girths and the ball width (mm)."""
    out: dict[str, float] = {}
    for g in GIRTHS:
        pl = planes[g]
        q = slab_points(points, pl.origin, pl.normal, SLAB_MM)
        out[g] = hull_perimeter_2d(q @ plane_basis(pl.normal).T)
    ends = []
    for name, sign in (("mth1", -1.0), ("mth5", 1.0)):
        pl = planes[name]
        q = slab_points(points, pl.origin, pl.normal, SLAB_MM)
        ends.append(widest(q, sign, band))
    out["ball_width"] = float(np.linalg.norm(ends[0][:2] - ends[1][:2]))
    return out


def last_measures(
    v: NDArray[np.float64],
    faces: NDArray[np.int64],
    planes: dict[str, Plane],
    band: float,
    edges: NDArray[np.int64] | None = None,
) -> dict[str, float]:
    """Tape-like measures of a last mesh: section convex-hull girths and the ball width (mm)."""
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
        ends.append(widest(q, sign, band))
    out["ball_width"] = float(np.linalg.norm(ends[0][:2] - ends[1][:2]))
    return out
