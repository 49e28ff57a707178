"""A pressure map from a recorded insole session, through gait's public API only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from shapely.geometry import MultiPoint, Polygon
from shapely.ops import voronoi_diagram

from footscan.lasts._insole import PressureMap
from footscan.lasts.exceptions import PressureMapError

__all__ = ["pressure_from_session"]

_TO_KPA = {"kPa": 1.0, "N/cm2": 10.0, "N/cm²": 10.0}


def _voronoi_areas_cm2(xy_mm: np.ndarray, outline_mm: np.ndarray) -> np.ndarray:
    """Each sensor's share of the insole (Voronoi cell clipped to the outline), cm²."""
    shape = Polygon(outline_mm).buffer(0)
    cells = voronoi_diagram(MultiPoint([tuple(p) for p in xy_mm]), envelope=shape.envelope)
    areas = np.zeros(xy_mm.shape[0])
    for cell in cells.geoms:
        inside = [i for i, p in enumerate(xy_mm) if cell.contains(MultiPoint([tuple(p)]).geoms[0])]
        if inside:
            areas[inside[0]] = cell.intersection(shape).area / 100.0
    return areas


def pressure_from_session(
    path: str | Path, side: str, sensor_area_cm2: float | None = None
) -> PressureMap:
    """Peak pressure map (kPa) of one foot of a recorded insole session.

    Parameters
    ----------
    path : str or Path
        Any recording ``gait.load_recording`` reads (e.g. a Moticon export or a session file).
    side : {"left", "right"}
    sensor_area_cm2 : float, optional
        Sensing area of one cell, to turn forces (N) into pressure. Without it, a force is
        spread over the sensor's share of the insole (Voronoi cell), which underestimates a
        small cell's peak: the relief is then conservative.

    Returns
    -------
    PressureMap
        The 99th percentile of each sensor over the walk, on a grid heel -> toe by
        medial -> lateral.

    Raises
    ------
    PressureMapError
        No such foot, no sensor positions, unknown units.
    """
    import gait

    try:
        rec = gait.load_recording(str(path))
    except gait.GaitError as exc:
        raise PressureMapError(f"cannot read the session {path}: {exc}") from None
    foot = getattr(rec, side, None)
    if foot is None or foot.sensor_xy_mm is None:
        raise PressureMapError(f"the session has no {side} foot with sensor positions")
    vals = np.asarray(foot.values, dtype=np.float64)
    peak = np.nanpercentile(vals, 99, axis=0)
    units = str(rec.meta.get("units", ""))
    xy = np.asarray(foot.sensor_xy_mm, dtype=np.float64)
    outline = gait.insole_outline_mm()
    if units in _TO_KPA:
        kpa = peak * _TO_KPA[units]
    elif units == "N":
        area = (
            np.full(xy.shape[0], float(sensor_area_cm2))
            if sensor_area_cm2
            else _voronoi_areas_cm2(xy, outline)
        )
        if (area <= 0).any():
            raise PressureMapError("a sensor has no area: cannot turn forces into pressure")
        kpa = peak / area * 10.0  # N/cm² -> kPa
    else:
        raise PressureMapError(f"session units {units!r} are not a force or pressure")
    lo, hi = outline.min(axis=0), outline.max(axis=0)
    u = (xy[:, 1] - lo[1]) / (hi[1] - lo[1])
    v = (hi[0] - xy[:, 0]) / (hi[0] - lo[0])  # +x is medial in gait's insole frame
    return PressureMap.from_points(
        u, v, np.clip(kpa, 0.0, None), source=f"{Path(path).name} ({side}, p99 per sensor)"
    )
