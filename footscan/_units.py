"""Length units of a scan: declared by the file, inferred from the extent, or given by the caller.

A scan that contains a foot (with or without some leg and floor) spans roughly 80-750 mm along
its longest principal direction: an adult foot is 0.2-0.32 m long (any foot 90-400 mm), a floor
patch of 15 cm around it makes ~0.6 m. That window is narrower than a factor of ten, so m, cm
and mm can never both make one raw extent plausible. Inches (factor 25.4) overlap centimetres
(factor 10): a raw extent of 8-29.5 is a plausible scan in both. There the *typical* window of
an adult foot scan, 200-600 mm, breaks the tie when only one reading falls in it (a 26-unit
extent is a 260 mm foot in cm, a 660 mm scene in inches: cm); otherwise, and for extents only
inches explain (3.15-8), the scan is refused with "looks like inches: pass --units in", never
converted on a guess. Extents no unit explains (e.g. 1-3 units: scale-free photogrammetry) are
refused with the reason: a metric scale is needed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from footscan.exceptions import ScaleUnknownError, ScanValidationError

__all__ = [
    "MM_PER_UNIT",
    "PLAUSIBLE_EXTENT_MM",
    "TYPICAL_EXTENT_MM",
    "UNIT_CHOICES",
    "detect_units",
    "robust_extent",
    "to_mm",
]

#: Millimetres per unit, for every unit a scan may be in.
MM_PER_UNIT: dict[str, float] = {"m": 1000.0, "cm": 10.0, "mm": 1.0, "in": 25.4}

#: Longest principal extent (mm) a foot scan may have for its unit to be inferred.
PLAUSIBLE_EXTENT_MM: tuple[float, float] = (80.0, 750.0)
#: Longest principal extent (mm) of a typical adult foot scan; breaks the cm/inch tie.
TYPICAL_EXTENT_MM: tuple[float, float] = (200.0, 600.0)

#: Values accepted by ``units=`` and ``--units``.
UNIT_CHOICES = ("auto", "m", "cm", "mm", "in")
# Units detected from the extent alone; inches only when the caller says so.
_AUTO_UNITS = ("m", "cm", "mm")
# Enough points for a stable extent; more only costs time.
_EXTENT_SAMPLE = 200_000
_SCALE_HINT = (
    "a foot scan needs a metric scale (LiDAR/depth capture, or a marker of known size); "
    "photogrammetry without scale cannot be measured"
)


def robust_extent(points: NDArray[np.float64]) -> float:
    """Longest extent along the principal axes, ignoring the outer 0.1 % on each side.

    Parameters
    ----------
    points : (n, 3) float64
        Coordinates in any unit; finite.

    Returns
    -------
    float
        Extent in the points' own unit. Principal axes make it independent of the pose, and
        the percentiles keep a few stray outliers from deciding the unit.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.shape[0] > _EXTENT_SAMPLE:
        # A fixed stride keeps the result deterministic without a random generator.
        pts = pts[:: pts.shape[0] // _EXTENT_SAMPLE + 1]
    with np.errstate(all="ignore"):
        centred = pts - pts.mean(axis=0)
        box = float(np.max(np.ptp(centred, axis=0))) if pts.shape[0] else 0.0
    # Degenerate, absurd or overflowing clouds: the box decides (and fails the unit windows);
    # LAPACK's SVD can also stall on values near the float limits.
    if pts.shape[0] < 3 or not np.isfinite(box) or box > 1e9 or box < 1e-9:
        return box
    _, _, vt = np.linalg.svd(centred / box, full_matrices=False)
    proj = centred @ vt.T
    lo, hi = np.percentile(proj, [0.1, 99.9], axis=0)
    return float(np.max(hi - lo))


def detect_units(points: NDArray[np.float64]) -> str:
    """Infer ``"m"``, ``"cm"`` or ``"mm"`` from the extent of a foot scan.

    Parameters
    ----------
    points : (n, 3) float64
        Raw coordinates as stored in the file.

    Returns
    -------
    str
        The only metric unit in which the scan's longest extent lies in
        :data:`PLAUSIBLE_EXTENT_MM` (and, when inches would also fit, the only one of the two
        readings in :data:`TYPICAL_EXTENT_MM`).

    Raises
    ------
    ScaleUnknownError
        No unit makes the extent plausible (message: a metric scale is needed), or the extent
        looks like inches (message: pass ``--units in``), or cm and inches are both plausible.
    """
    extent = robust_extent(points)
    if not np.isfinite(extent):
        raise ScaleUnknownError("cannot infer units: coordinates are too large to be a foot scan")
    if extent <= 0:
        raise ScaleUnknownError("cannot infer units: the scan has no extent (all points equal)")
    lo, hi = PLAUSIBLE_EXTENT_MM
    t_lo, t_hi = TYPICAL_EXTENT_MM
    fits = [u for u, f in MM_PER_UNIT.items() if lo <= extent * f <= hi]
    metric = [u for u in fits if u in _AUTO_UNITS]
    if len(fits) == 1 and fits == metric:
        return fits[0]
    if "in" in fits and metric:
        typical = [u for u in fits if t_lo <= extent * MM_PER_UNIT[u] <= t_hi]
        if typical == metric:
            return metric[0]
    readings = ", ".join(f"{extent * f:.4g} mm if {u}" for u, f in MM_PER_UNIT.items())
    if "in" in fits:
        other = (
            f"; as {metric[0]} it would be {extent * MM_PER_UNIT[metric[0]]:.0f} mm "
            f"(--units {metric[0]})"
            if metric
            else ""
        )
        raise ScaleUnknownError(
            f"the scan's extent {extent:.4g} looks like inches ({extent * 25.4:.0f} mm): "
            f"pass --units in (units='in') if it is in inches{other}"
        )
    raise ScaleUnknownError(
        f"cannot infer units from the scan's extent {extent:.4g} ({readings}); a foot scan "
        f"spans {lo:.0f}-{hi:.0f} mm in m, cm, mm or inches: {_SCALE_HINT}; if the unit is "
        "known, pass units='m', 'cm', 'mm' or 'in' (--units)"
    )


def to_mm(
    points: NDArray[np.float64], units: str, declared: str | None = None
) -> tuple[NDArray[np.float64], str, str]:
    """Convert raw coordinates to millimetres.

    Parameters
    ----------
    points : (n, 3) float64
        Raw coordinates.
    units : {"auto", "m", "cm", "mm", "in"}
        ``"auto"`` uses the unit the file declares (``declared``) or infers it with
        :func:`detect_units`; anything else overrides both.
    declared : str, optional
        Unit declared by the file itself (USD ``metersPerUnit``), one of :data:`MM_PER_UNIT`.

    Returns
    -------
    points_mm : (n, 3) float64
        Coordinates in millimetres (a new array, or the input when already mm).
    unit : str
        The unit the input was in.
    source : str
        ``"auto"`` (inferred), ``"file"`` (declared by the file) or ``"override"``.

    Raises
    ------
    ScaleUnknownError
        ``"auto"`` and the unit cannot be inferred, or the declared unit gives an extent no
        foot scan has (an unscaled capture saved with a nominal unit).
    """
    if units not in UNIT_CHOICES:
        raise ScanValidationError(f"units must be one of {UNIT_CHOICES}, got {units!r}")
    if units != "auto":
        unit, source = units, "override"
    elif declared is not None:
        if declared not in MM_PER_UNIT:
            raise ScanValidationError(f"declared unit {declared!r} is not one of {MM_PER_UNIT}")
        unit, source = declared, "file"
        extent_mm = robust_extent(points) * MM_PER_UNIT[unit]
        lo, hi = PLAUSIBLE_EXTENT_MM
        if not lo <= extent_mm <= hi:
            raise ScaleUnknownError(
                f"the file declares its unit ({unit}), which makes the scan {extent_mm:.4g} mm "
                f"across; a foot scan spans {lo:.0f}-{hi:.0f} mm: {_SCALE_HINT}; pass --units "
                "if the declared unit is wrong"
            )
    else:
        unit, source = detect_units(points), "auto"
    factor = MM_PER_UNIT[unit]
    pts = np.asarray(points, dtype=np.float64)
    return (pts * factor if factor != 1.0 else pts), unit, source
