"""Quality report of a scan: counts, density, noise, floor, coverage, ratio gates, verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from footscan._measure import Coverage, FootMeasurements
from footscan.consts import SOFT_RATIO_LIMITS

__all__ = ["QualityReport", "ratio_checks", "COVERAGE_MIN"]

COVERAGE_MIN = 0.5  # below this share a region counts as not captured
NOISE_WARN_MM = 2.5  # above this the accuracy bar (length MAE 1.5 mm) is not expected to hold


@dataclass(frozen=True)
class QualityReport:
    """What the scan was like and whether its numbers can be trusted.

    Attributes
    ----------
    n_points_input : int
        Points in the file.
    n_points_nonfinite : int
        NaN/inf rows dropped.
    n_points_foot : int
        Points of the cleaned foot used for measuring.
    point_spacing_mm : float
        Median distance between neighbouring foot points (density).
    noise_mm : float
        Estimated point noise of the foot surface.
    floor_found : bool
        A captured floor (not only the sole's support plane).
    floor_inlier_ratio : float
    floor_rms_mm : float
    coverage : Coverage
        Heel / toes / sides / sole / dorsum shares seen.
    ratios : dict[str, float]
        Breadth, ball girth and heel width over length.
    flags : tuple of str
        Warnings (ratios outside ANSUR p1-p99, high noise, regions not captured...).
    accepted : bool
        False when a main measurement (length, ball width or girth) could not be trusted.
    rejection_reasons : tuple of str
    floor_kind : str
        ``"floor"`` (captured), ``"support"`` (the sole's own support plane, no floor) or
        ``"rim"`` (the plane under a sole-less, floor-less capture's open rim).
    floor_pile_mm : float
        Carpet pile thickness under the foot (0 on a hard floor).
    fit_rms_mm, fit_inlier_share, fit_shape_score : float or None
        How well the foot model explains the capture (the "is it a foot" gate).
    """

    n_points_input: int
    n_points_nonfinite: int
    n_points_foot: int
    point_spacing_mm: float
    noise_mm: float
    floor_found: bool
    floor_inlier_ratio: float
    floor_rms_mm: float
    coverage: Coverage
    ratios: dict[str, float]
    flags: tuple[str, ...]
    accepted: bool
    rejection_reasons: tuple[str, ...]
    floor_kind: str = "floor"
    floor_pile_mm: float = 0.0
    fit_rms_mm: float | None = None
    fit_inlier_share: float | None = None
    fit_shape_score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = asdict(self)
        for k in ("point_spacing_mm", "noise_mm", "floor_inlier_ratio", "floor_rms_mm"):
            d[k] = round(float(d[k]), 3)
        for k in ("floor_pile_mm", "fit_rms_mm", "fit_inlier_share", "fit_shape_score"):
            d[k] = None if d[k] is None else round(float(d[k]), 3)
        d["coverage"] = {k: round(float(v), 3) for k, v in d["coverage"].items()}
        d["ratios"] = {k: round(float(v), 4) for k, v in d["ratios"].items()}
        d["flags"] = list(self.flags)
        d["rejection_reasons"] = list(self.rejection_reasons)
        return d


def ratio_checks(m: FootMeasurements) -> tuple[dict[str, float], list[str]]:
    """Proportions over foot length and the flags for those outside ANSUR II p1-p99."""
    fl = m.foot_length.value
    ratios: dict[str, float] = {}
    if not fl:
        return ratios, []
    pairs = {
        "breadth_to_length": m.foot_breadth.value,
        "ball_girth_to_length": m.ball_girth.value,
        "heel_width_to_length": m.heel_width.value,
    }
    flags = []
    for key, val in pairs.items():
        if val is None:
            continue
        r = val / fl
        ratios[key] = r
        lo, hi = SOFT_RATIO_LIMITS[key]
        if not lo <= r <= hi:
            flags.append(f"{key} {r:.3f} outside the adult range {lo}-{hi}")
    return ratios, flags
