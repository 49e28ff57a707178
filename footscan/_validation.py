"""Validation of point arrays at the pipeline boundary: the one place that says what is wrong."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from footscan.consts import (
    MAX_EXTENT_MM,
    MAX_NONFINITE_FRACTION,
    MIN_EXTENT_MM,
    MIN_POINTS,
)
from footscan.exceptions import ScanValidationError

__all__ = ["validate_points"]


def validate_points(points_mm: object) -> tuple[NDArray[np.float64], int]:
    """Check a raw point array and drop a few non-finite rows.

    Parameters
    ----------
    points_mm : array-like, (n, 3)
        Coordinates in millimetres.

    Returns
    -------
    points : (m, 3) float64
        The finite rows.
    n_dropped : int
        How many non-finite rows were dropped.

    Raises
    ------
    ScanValidationError
        Wrong shape, too many non-finite values, too few points, or an extent that cannot be a
        foot in millimetres (which usually means the units are wrong).
    """
    try:
        pts = np.asarray(points_mm, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ScanValidationError(f"points are not numeric: {exc}") from None
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ScanValidationError(f"points must have shape (n, 3), got {pts.shape}")
    n = pts.shape[0]
    if n < MIN_POINTS:
        raise ScanValidationError(f"too few points: {n} (a foot scan needs at least {MIN_POINTS})")
    finite = np.isfinite(pts).all(axis=1)
    n_bad = int(n - finite.sum())
    if n_bad > MAX_NONFINITE_FRACTION * n:
        raise ScanValidationError(
            f"{n_bad} of {n} points have NaN or infinite coordinates; the export is broken"
        )
    if n_bad:
        pts = pts[finite]
    if pts.shape[0] < MIN_POINTS:
        raise ScanValidationError(
            f"too few finite points: {pts.shape[0]} (need at least {MIN_POINTS})"
        )
    extent = float(np.max(np.ptp(pts, axis=0)))
    if extent < MIN_EXTENT_MM:
        raise ScanValidationError(
            f"the scan is only {extent:.3g} mm across, too small for a foot: "
            "are the units wrong (metres or km read as mm)? pass --units m, cm, mm or in"
        )
    if extent > MAX_EXTENT_MM:
        raise ScanValidationError(
            f"the scan is {extent:.4g} mm across, too large for a foot capture: "
            "are the units wrong? pass --units m, cm, mm or in"
        )
    return pts, n_bad
