"""Length units of a scan: inferred from the extent, or given by the caller.

A scan that contains a foot (with or without some leg and floor) spans roughly 80-750 mm along
its longest principal direction: an adult foot is 0.2-0.32 m long, a floor patch of 15 cm
around it makes ~0.6 m. That window is narrower than a factor of ten, so the same raw extent
can never be a plausible scan in two units; raw extents that fall in the gaps between the
windows (or outside them all) raise :class:`~footscan.exceptions.ScaleUnknownError`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from footscan.exceptions import ScaleUnknownError, ScanValidationError

__all__ = ["MM_PER_UNIT", "PLAUSIBLE_EXTENT_MM", "detect_units", "robust_extent", "to_mm"]

#: Millimetres per unit, for every unit a scan may be in.
MM_PER_UNIT: dict[str, float] = {"m": 1000.0, "cm": 10.0, "mm": 1.0}

#: Longest principal extent (mm) a foot scan may have for its unit to be inferred.
PLAUSIBLE_EXTENT_MM: tuple[float, float] = (80.0, 750.0)

_UNIT_CHOICES = ("auto", "m", "cm", "mm")
# Enough points for a stable extent; more only costs time.
_EXTENT_SAMPLE = 200_000


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
        The only unit in which the scan's longest extent lies in :data:`PLAUSIBLE_EXTENT_MM`.

    Raises
    ------
    ScaleUnknownError
        When no unit (or, by construction never, more than one) makes the extent plausible.
    """
    extent = robust_extent(points)
    lo, hi = PLAUSIBLE_EXTENT_MM
    fits = [u for u, f in MM_PER_UNIT.items() if lo <= extent * f <= hi]
    if len(fits) == 1:
        return fits[0]
    if not np.isfinite(extent):
        raise ScaleUnknownError("cannot infer units: coordinates are too large to be a foot scan")
    if extent <= 0:
        raise ScaleUnknownError("cannot infer units: the scan has no extent (all points equal)")
    readings = ", ".join(f"{extent * f:.4g} mm if {u}" for u, f in MM_PER_UNIT.items())
    raise ScaleUnknownError(
        f"cannot infer units from the scan's extent {extent:.4g} ({readings}); a foot scan "
        f"spans {lo:.0f}-{hi:.0f} mm: pass units='m', 'cm' or 'mm' (--units) if it is really a foot"
    )


def to_mm(points: NDArray[np.float64], units: str) -> tuple[NDArray[np.float64], str, str]:
    """Convert raw coordinates to millimetres.

    Parameters
    ----------
    points : (n, 3) float64
        Raw coordinates.
    units : {"auto", "m", "cm", "mm"}
        ``"auto"`` infers the unit with :func:`detect_units`; anything else overrides it.

    Returns
    -------
    points_mm : (n, 3) float64
        Coordinates in millimetres (a new array, or the input when already mm).
    unit : str
        The unit the input was in.
    source : str
        ``"auto"`` or ``"override"``.
    """
    if units not in _UNIT_CHOICES:
        raise ScanValidationError(f"units must be one of {_UNIT_CHOICES}, got {units!r}")
    if units == "auto":
        unit = detect_units(points)
        source = "auto"
    else:
        unit = units
        source = "override"
    factor = MM_PER_UNIT[unit]
    pts = np.asarray(points, dtype=np.float64)
    return (pts * factor if factor != 1.0 else pts), unit, source
