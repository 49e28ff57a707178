"""Quality report of a scan: counts, density, noise, floor, coverage, ratio gates, verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from footscan._measurement import UNAVAILABLE, Coverage, FootMeasurements, Measurement
from footscan.consts import (
    HARD_RATIO_LIMITS,
    MAX_FIT_RMS_MM,
    MAX_LENGTH_DISAGREEMENT,
    MAX_SHAPE_ENERGY,
    MIN_FIT_INLIERS,
    MIN_MODEL_SURFACE_SEEN,
    SOFT_RATIO_LIMITS,
)
from footscan.exceptions import NotAFootError

if TYPE_CHECKING:
    from footscan._fit import ModelFit

__all__ = [
    "COVERAGE_MIN",
    "GateOutcome",
    "QualityReport",
    "apply_gates",
    "foot_model_gate",
    "model_surface_seen",
    "surface_seen_gate",
    "ratio_checks",
]

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


# --------------------------------------------------------------------------- acceptance gates


@dataclass(frozen=True)
class GateOutcome:
    """Measurements after the gates, their ratios, warnings and rejection reasons."""

    measurements: FootMeasurements
    ratios: dict[str, float]
    flags: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def accepted(self) -> bool:
        """No rejection reason: sizes may be given."""
        return not self.reasons


def foot_model_gate(fit: ModelFit, capture_length_mm: float) -> None:
    """Refuse captures that the foot model cannot explain (shoes, hands, blobs, chairs...).

    Two independent tests: how well the model explains the points (distance, shape prior),
    and whether the fitted foot is as long as the capture it was fitted to (a model shrunk or
    stretched onto a piece of furniture fits its points closely, but not as a foot of that
    length).

    Parameters
    ----------
    fit : ModelFit
    capture_length_mm : float
        Length of the prepared capture along its first axis (same scale as the fit), mm.

    Raises
    ------
    NotAFootError
        Fewer than 77 % of the points within 4 mm of the fitted model, a trimmed RMS above
        2.6 mm, the fitted model's length more than 25 % away from the capture's, or only an
        implausible shape fits (shape score above 1.9).
    """
    if fit.rms_mm > MAX_FIT_RMS_MM or fit.inlier_share < MIN_FIT_INLIERS:
        raise NotAFootError(
            f"not a foot: the foot model fits it poorly ({fit.inlier_share:.0%} of the points "
            f"within 4 mm, RMS {fit.rms_mm:.1f} mm; a foot gives over {MIN_FIT_INLIERS:.0%})"
        )
    ratio = fit.length_mm / max(capture_length_mm, 1e-9)
    if not abs(ratio - 1.0) <= MAX_LENGTH_DISAGREEMENT:
        raise NotAFootError(
            f"not a foot: the best-fitting foot is {ratio:.2f} times as long as the object "
            f"(a foot's fit matches its length within {MAX_LENGTH_DISAGREEMENT:.0%})"
        )
    if fit.shape_energy > MAX_SHAPE_ENERGY:
        raise NotAFootError(
            f"not a foot: only an implausible foot shape fits it (shape score "
            f"{fit.shape_energy:.1f}, feet stay below {MAX_SHAPE_ENERGY})"
        )


def model_surface_seen(
    fit: ModelFit, points_mm: NDArray[np.float64], radius_mm: float = 4.0
) -> float:
    """Share of the fitted model's visible surface that has a capture point near it.

    The fit pulls the model onto the capture (capture -> model distances); this looks the
    other way: where the fitted foot has surface a camera sees (normal not pointing down,
    0.08-0.30 of the model's length above its sole: above a carpet's pile, below the leg cut),
    is the capture there? On a foot it is; the model fitted to a hand or a potato hangs in
    the air over much of it.

    Parameters
    ----------
    fit : ModelFit
    points_mm : (n, 3) float64
        The points the model was fitted to (same frame), mm.
    radius_mm : float
        Distance within which a model vertex counts as seen, mm.

    Returns
    -------
    float
        Share 0..1 (1.0 when the model has no such surface).
    """
    from scipy.spatial import cKDTree

    from footscan._shape_model import load_shape_basis

    rot, t = fit.rotation, fit.translation
    v = (fit.vertices_mm - t) @ rot
    f = fit.faces
    fn = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    vn = np.zeros_like(v)
    for k in range(3):
        np.add.at(vn, f[:, k], fn)
    length = float(np.ptp(v[:, 0]))
    z = v[:, 2] - v[load_shape_basis().surface_vertex, 2].min()
    seen_side = load_shape_basis().surface_vertex & (vn[:, 2] > -0.3 * np.linalg.norm(vn, axis=1))
    sel = seen_side & (z >= 0.08 * length) & (z <= 0.30 * length)
    if not sel.any():
        return 1.0
    d, _ = cKDTree((points_mm - t) @ rot).query(v[sel], distance_upper_bound=radius_mm)
    return float(np.isfinite(d).mean())


def surface_seen_gate(fit: ModelFit, points_mm: NDArray[np.float64], cov: Coverage) -> None:
    """Refuse a complete capture on which the fitted foot's visible surface is largely empty.

    Applied only when heel, toes and both sides were captured (a foot with an occluded side
    leaves a quarter of the model unseen: 0.61-0.77, and is reported as such instead).
    ``points_mm``: the points the model was fitted to (see :func:`model_surface_seen`).

    Raises
    ------
    NotAFootError
        ``seen_share`` below ``MIN_MODEL_SURFACE_SEEN``.
    """
    if min(cov.heel, cov.toes, cov.medial_side, cov.lateral_side) < COVERAGE_MIN:
        return
    seen_share = model_surface_seen(fit, points_mm)
    if seen_share < MIN_MODEL_SURFACE_SEEN:
        raise NotAFootError(
            f"not a foot: the best-fitting foot has capture points over only "
            f"{seen_share:.0%} of its visible surface (a foot gives over "
            f"{MIN_MODEL_SURFACE_SEEN:.0%})"
        )


def _drop(m: Measurement, reason: str) -> Measurement:
    return replace(m, value=None, status=UNAVAILABLE, confidence=0.0, reason=reason)


_NEEDS_ENDS = ("foot_length", "heel_to_ball_length", "arch_height_index")
_NEEDS_SIDES = ("foot_breadth", "ball_width", "heel_width", "ball_girth", "instep_girth")


def _coverage_drops(
    meas: FootMeasurements, cov: Coverage
) -> tuple[dict[str, Measurement], list[str]]:
    """Values a missing heel/toe end or side cannot support, and the reasons."""
    updates: dict[str, Measurement] = {}
    reasons: list[str] = []
    if cov.heel < COVERAGE_MIN or cov.toes < COVERAGE_MIN:
        missing = "heel" if cov.heel < COVERAGE_MIN else "toes"
        why = f"{missing} not captured (coverage {min(cov.heel, cov.toes):.0%})"
        updates.update({n: _drop(getattr(meas, n), why) for n in _NEEDS_ENDS})
        reasons.append(why)
    if cov.medial_side < COVERAGE_MIN or cov.lateral_side < COVERAGE_MIN:
        which = "medial" if cov.medial_side < COVERAGE_MIN else "lateral"
        why = f"{which} side not captured"
        updates.update({n: _drop(getattr(meas, n), why) for n in _NEEDS_SIDES})
        reasons.append(why)
    return updates, reasons


def _shape_gate(raw: FootMeasurements, ratios: dict[str, float], sides_seen: bool) -> None:
    """Refuse a shape no foot has (a box, a sphere, a side wall taken for the floor).

    The raw values are used (a foot whose toes were missed is still a foot), except widths
    of a side that was not seen.
    """
    raw_ratios, _ = ratio_checks(raw)
    for key in ("breadth_to_length", "ball_girth_to_length"):
        lo, hi = HARD_RATIO_LIMITS[key]
        r = raw_ratios.get(key) if sides_seen else ratios.get(key)
        if r is not None and not lo <= r <= hi:
            raise NotAFootError(
                f"not a foot: {key.replace('_', ' ')} is {r:.2f} (a foot has {lo}-{hi})"
            )


def _capture_flags(
    cov: Coverage, noise_mm: float, floor_found: bool, side_unclear: bool
) -> list[str]:
    flags = []
    if noise_mm > NOISE_WARN_MM:
        flags.append(f"high point noise {noise_mm:.1f} mm: expect errors above 1.5 mm")
    for region in ("heel", "toes", "medial_side", "lateral_side", "dorsum"):
        if getattr(cov, region) < COVERAGE_MIN:
            flags.append(f"{region.replace('_', ' ')} poorly covered")
    if cov.sole < 0.5:
        flags.append("sole not captured: arch height unavailable")
    if not floor_found:
        flags.append("no floor in the capture: the sole's support plane was used")
    if side_unclear:
        flags.append("left/right was unclear from the toe line; pass --side")
    return flags


def apply_gates(
    raw: FootMeasurements,
    cov: Coverage,
    noise_mm: float,
    *,
    floor_found: bool,
    side_unclear: bool,
    fitted: tuple[ModelFit, NDArray[np.float64]] | None = None,
) -> GateOutcome:
    """The acceptance gates of docs/footscan.md §6 (except the unit and foot-model gates).

    Parameters
    ----------
    raw : FootMeasurements
        Measurements as measured.
    cov : Coverage
    noise_mm : float
        Point noise of the capture (mm of the input).
    floor_found : bool
    side_unclear : bool
        The side was guessed from the toe line and is unclear ("pass --side").
    fitted : (ModelFit, (n, 3) float64), optional
        The foot model and the points it was fitted to: with them a complete capture must
        cover the model's visible surface (:func:`surface_seen_gate`).

    Returns
    -------
    GateOutcome
        A partial foot loses the values it cannot support; any reason means not accepted.

    Raises
    ------
    NotAFootError
        Breadth or ball girth over length outside what a foot has; a complete capture
        that leaves the fitted foot's visible surface largely empty.
    """
    if fitted is not None:
        surface_seen_gate(*fitted, cov)
    updates, reasons = _coverage_drops(raw, cov)
    meas = replace(raw, **updates) if updates else raw
    ratios, flags = ratio_checks(meas)
    heel_r = ratios.get("heel_width_to_length")
    lo_h, hi_h = HARD_RATIO_LIMITS["heel_width_to_length"]
    if heel_r is not None and not lo_h <= heel_r <= hi_h:
        # One odd value (holes at the heel station) is not a verdict on the whole shape.
        why = f"heel width implausible ({heel_r:.2f} x length): heel sides not captured"
        meas = replace(meas, heel_width=_drop(meas.heel_width, why))
        ratios.pop("heel_width_to_length")
        flags = [f for f in flags if not f.startswith("heel_width_to_length")]
        reasons.append(why)
    _shape_gate(raw, ratios, min(cov.medial_side, cov.lateral_side) >= COVERAGE_MIN)
    flags += _capture_flags(cov, noise_mm, floor_found, side_unclear)
    for key in ("ball_width", "ball_girth"):
        if getattr(meas, key).value is None and key not in updates:
            reasons.append(f"{key.replace('_', ' ')} unavailable")
    return GateOutcome(meas, ratios, tuple(flags), tuple(reasons))
