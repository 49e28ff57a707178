"""The full pipeline: raw capture -> clean, aligned foot -> measurements, sizes, quality."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan._align import MIRROR_Y, detect_side, floor_basis, initial_axis, rotation_z
from footscan._clean import (
    component_mask,
    estimate_noise_mm,
    statistical_outlier_mask,
    voxel_downsample,
)
from footscan._cloud import PointCloud
from footscan._completion import complete_foot, model_landmarks
from footscan._fit import ModelFit, fit_foot_model
from footscan._floor import FloorPlane, floor_candidates
from footscan._measure import (
    UNAVAILABLE,
    FootMeasurements,
    Measurement,
    measure_normalized,
)
from footscan._quality import COVERAGE_MIN, NOISE_WARN_MM, QualityReport, ratio_checks
from footscan._scene import split_feet
from footscan._shape_model import load_shape_basis
from footscan._sizes import Sizes, SizeTable, sizes_from_measurements
from footscan._surface import face_areas, sample_faces
from footscan._validation import validate_points
from footscan.consts import (
    COARSE_VOXEL_MM,
    COMPONENT_RADIUS_MM,
    FINE_VOXEL_MM,
    FLOOR_CUT_MM,
    FOOT_LENGTH_RANGE_MM,
    HARD_RATIO_LIMITS,
    LEG_CUT_FRAC,
    MAX_FINE_POINTS,
    MAX_FIT_RMS_MM,
    MAX_NOISE_MM,
    MAX_SHAPE_ENERGY,
    MIN_FIT_INLIERS,
    NOMINAL_LENGTH_MM,
    PTERNION_HEIGHT_FRAC,
    SOR_K,
    SOR_STD_RATIO,
)
from footscan.exceptions import FootscanError, NotAFootError, ScanValidationError

__all__ = ["ScanResult", "measure_scan", "measure_points"]

AXIS_NAME = (
    "heel centre -> 2nd-toe tip (Brannock-style); landmarks from the fitted foot model "
    "(hallux and 2nd-toe crests on the capture's toe front, searched around the model's toes)"
)
_SIDE_FIT_ITER = 8  # enough to tell a left from a right foot
_FIT_ITER = 15
_MAX_MESH_SAMPLES = 30_000
_SIDE_MARGIN = 0.04  # relative RMS difference of the two mirror fits that decides the side


@dataclass(frozen=True)
class ScanResult:
    """Result of :func:`measure_scan`.

    Attributes
    ----------
    side : str
        ``"left"`` or ``"right"``.
    side_method : str
        ``"given"`` or ``"toe-line slope"``; ``side_confidence`` says how clear it was.
    side_confidence : float
    measurements : FootMeasurements
    sizes : Sizes or None
        None when the foot length is unavailable.
    quality : QualityReport
    axis : str
        The axis definition used.
    axis_iterations : int
    transform_to_foot : (4, 4) float64
        Homogeneous transform from the input coordinates (mm) to the foot frame of this foot
        (origin on the floor under the pternion, X heel -> toe, Z up, Y = Z x X).
    points_foot_mm : (n, 3) float64
        Cleaned foot points in the foot frame (floor band and leg removed), for export.
    other_feet : tuple of ScanResult
        The other feet when the capture held more than one (two feet side by side); this
        result is the one that decides the size (the longer accepted foot).
    scene_note : str
        Which foot the top-level values describe, when there were several.
    """

    side: str
    side_method: str
    side_confidence: float
    measurements: FootMeasurements
    sizes: Sizes | None
    quality: QualityReport
    axis: str
    axis_iterations: int
    transform_to_foot: NDArray[np.float64] = field(repr=False)
    points_foot_mm: NDArray[np.float64] = field(repr=False)
    other_feet: tuple[ScanResult, ...] = field(default=(), repr=False)
    scene_note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON object printed by ``footscan measure --json``."""
        out: dict[str, Any] = {"side": self.side, "side_method": self.side_method}
        out.update(self.measurements.as_dict())
        out["sizes"] = None if self.sizes is None else self.sizes.as_dict()
        out["measurement_details"] = {
            name: {
                "status": m.status,
                "confidence": round(m.confidence, 3),
                "definition": m.definition,
                "reason": m.reason,
                "uncertainty": None if m.uncertainty is None else round(m.uncertainty, 2),
            }
            for name, m in vars(self.measurements).items()
        }
        out["quality"] = self.quality.as_dict()
        out["axis"] = self.axis
        out["transform_to_foot"] = np.round(self.transform_to_foot, 6).tolist()
        if self.other_feet:
            out["scene_note"] = self.scene_note
            out["feet"] = [
                replace(r, other_feet=()).as_dict()
                for r in (replace(self, other_feet=()), *self.other_feet)
            ]
        return out


def _homog(rot: NDArray[np.float64], trans: NDArray[np.float64]) -> NDArray[np.float64]:
    t = np.eye(4)
    t[:3, :3] = rot
    t[:3, 3] = trans
    return t


def _apply(t: NDArray[np.float64], p: NDArray[np.float64]) -> NDArray[np.float64]:
    return p @ t[:3, :3].T + t[:3, 3]


def _drop(m: Measurement, reason: str) -> Measurement:
    return replace(m, value=None, status=UNAVAILABLE, confidence=0.0, reason=reason)


def measure_scan(
    cloud: PointCloud,
    side: str = "auto",
    size_table: SizeTable | None = None,
    rounding: str = "nearest",
) -> ScanResult:
    """Measure a raw foot capture (phone or scanner; floor and leg may be present).

    Parameters
    ----------
    cloud : PointCloud
        The capture in millimetres, in any pose.
    side : {"auto", "left", "right"}
        Which foot; ``"auto"`` decides from the toe line.
    size_table : SizeTable, optional
        Brand size table (the bundled formula table by default).
    rounding : {"nearest", "up"}
        Size rounding policy.

    Returns
    -------
    ScanResult

    Raises
    ------
    ScanValidationError
        Too few points, NaN, units implausible, too noisy.
    NotAFootError
        The object does not have the shape of a foot.
    """
    if not isinstance(cloud, PointCloud):
        raise ScanValidationError(f"expected a PointCloud, got {type(cloud).__name__}")
    points = cloud.points_mm
    if cloud.faces is not None and len(cloud.faces):
        points = _mesh_surface_points(points, np.asarray(cloud.faces, dtype=np.int64))
    return measure_points(points, side=side, size_table=size_table, rounding=rounding)


def _mesh_surface_points(v: NDArray[np.float64], f: NDArray[np.int64]) -> NDArray[np.float64]:
    """Vertices plus points spread on the faces, so that a coarse mesh is measured as a surface.

    Scanner meshes often have 5 mm triangles: their vertices alone cannot show the notch
    between two toes, and leave gaps that the foot model would fill. At most
    ``_MAX_MESH_SAMPLES`` points are added (under the fine grid's limit), deterministically.
    """
    ok = (f >= 0).all(axis=1) & (f < v.shape[0]).all(axis=1)
    f = f[ok]
    if f.shape[0] == 0 or v.shape[0] >= MAX_FINE_POINTS:
        return v
    area = face_areas(v, f)
    step = max(FINE_VOXEL_MM, float(np.sqrt(2.0 * area.sum() / _MAX_MESH_SAMPLES)))
    n = np.floor(area / (0.5 * step * step)).astype(np.int64)
    if n.sum() == 0:
        return v
    extra, _ = sample_faces(v, f, n)
    return np.vstack([v, extra])


def measure_points(
    points_mm: NDArray[np.float64],
    side: str = "auto",
    size_table: SizeTable | None = None,
    rounding: str = "nearest",
) -> ScanResult:
    """:func:`measure_scan` on a bare ``(n, 3)`` array in mm."""
    if side not in ("auto", "left", "right"):
        raise ScanValidationError(f"side must be auto, left or right, got {side!r}")
    n_input = int(np.shape(points_mm)[0]) if np.ndim(points_mm) == 2 else 0
    pts, n_nonfinite = validate_points(points_mm)

    # 1. Floor on a coarse grid (fast, bounded memory even for 5 M points).
    coarse = voxel_downsample(pts, COARSE_VOXEL_MM, dense_only=True)
    coarse = coarse[statistical_outlier_mask(coarse, SOR_K, SOR_STD_RATIO)]
    planes = floor_candidates(coarse)
    if not planes:
        raise NotAFootError(
            "no floor and no flat sole contact found: the object does not stand like a foot"
        )
    first_error: NotAFootError | None = None
    for plane in planes:
        try:
            return _measure_on_plane(pts, plane, side, size_table, rounding, n_input, n_nonfinite)
        except NotAFootError as exc:
            first_error = first_error or exc
            if plane.floor_found:
                break  # a real floor with no foot on it: walls are no better
    assert first_error is not None
    raise first_error


def _measure_on_plane(
    pts: NDArray[np.float64],
    plane: FloorPlane,
    side: str,
    size_table: SizeTable | None,
    rounding: str,
    n_input: int,
    n_nonfinite: int,
) -> ScanResult:
    basis = floor_basis(plane.normal)
    to_floor = _homog(basis, np.array([0.0, 0.0, plane.offset_mm]))
    h = pts @ plane.normal + plane.offset_mm
    above = pts[h > max(FLOOR_CUT_MM, plane.cut_height_mm)]  # carpets: above the pile
    del h
    if above.shape[0] < 100:
        raise NotAFootError("nothing stands above the floor plane: it is flat, not a foot")

    pf = _apply(to_floor, above)
    del above

    # Two feet in one capture: split on the floor-projected footprint, measure each.
    def measure(points: NDArray[np.float64]) -> ScanResult:
        return _measure_foot(
            points, to_floor, plane, side, size_table, rounding, n_input, n_nonfinite
        )

    clusters = split_feet(pf) if _wider_than_one_foot(pf) else []
    longest = max((c.length_mm for c in clusters), default=0.0)
    # Two feet are two foot-sized pieces; a scrap beside one foot is not a second foot (and
    # the single foot is then measured with everything around it, as before the split).
    # A foot's footprint is at least a third as broad as long (ANSUR p1 0.337); narrower
    # pieces are halves of one foot cut lengthwise by the splitter on dense captures.
    clusters = [
        c
        for c in clusters
        if c.n_points >= 100 and c.length_mm >= 0.6 * longest and c.breadth_mm >= 0.32 * c.length_mm
    ]
    if len(clusters) < 2:
        return measure(pf)
    results: list[ScanResult] = []
    errors: list[FootscanError] = []
    for c in clusters:
        try:
            results.append(measure(c.points_mm))
        except FootscanError as exc:
            errors.append(exc)
    if len(results) < 2:
        # One foot among the pieces: the split cut something that belongs to it (a dense
        # capture's leg or toes); measure the capture whole, as a single foot.
        try:
            return measure(pf)
        except FootscanError:
            if not results:
                raise errors[0] from None
            return results[0]
    return _choose_foot(results, n_objects=len(clusters))


def _wider_than_one_foot(pf: NDArray[np.float64]) -> bool:
    """Whether the floor-projected footprint is too broad for one foot (two feet, or debris).

    One foot's footprint is 0.34-0.45 times as broad as long (ANSUR p1-p99 0.337-0.420);
    two feet side by side are at least 0.6. Only then is the capture split (the splitter can
    cut one dense foot lengthwise).
    """
    low = pf[pf[:, 2] <= 100.0, :2]
    if low.shape[0] < 100:
        return False
    sample = low[:: max(1, low.shape[0] // 20_000)]
    centred = sample - sample.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    proj = centred @ vt.T
    lo, hi = np.quantile(proj, [0.005, 0.995], axis=0)
    length, breadth = hi - lo
    return bool(breadth >= 0.55 * length)


def _choose_foot(results: list[ScanResult], n_objects: int) -> ScanResult:
    """The foot that decides the size (the longer accepted one, ref §4.9), with the others."""

    def key(r: ScanResult) -> tuple[bool, float]:
        return (r.quality.accepted, r.measurements.foot_length.value or 0.0)

    ordered = sorted(results, key=key, reverse=True)
    chosen = ordered[0]
    sides = [r.side for r in ordered]
    note = (
        f"{len(results)} feet found in the capture ({', '.join(sides)}); each is measured, the "
        f"top-level values are the {chosen.side} foot"
        + (" (the longer)" if len(results) > 1 else "")
    )
    if n_objects > len(results):
        note += f"; {n_objects - len(results)} other object(s) were not feet"
    quality = replace(chosen.quality, flags=(*chosen.quality.flags, note))
    return replace(chosen, quality=quality, other_feet=tuple(ordered[1:]), scene_note=note)


def _measure_foot(
    pf: NDArray[np.float64],
    to_floor: NDArray[np.float64],
    plane: FloorPlane,
    side: str,
    size_table: SizeTable | None,
    rounding: str,
    n_input: int,
    n_nonfinite: int,
) -> ScanResult:
    """Measure one foot standing on the floor (``pf``: floor frame, floor removed, mm)."""
    # 2. First axis on a coarse grid, so that the fine grid is laid out in the foot's own
    #    frame: a mirrored capture is then voxelised into mirrored cells.
    rough = voxel_downsample(pf, COARSE_VOXEL_MM, dense_only=True)
    rough = rough[statistical_outlier_mask(rough, SOR_K, SOR_STD_RATIO)]
    angle, fl0 = initial_axis(rough)
    if not FOOT_LENGTH_RANGE_MM[0] * 0.8 <= fl0 <= FOOT_LENGTH_RANGE_MM[1] * 1.5:
        raise NotAFootError(f"the object is {fl0:.0f} mm long, not a foot (units?)")
    rot0 = rotation_z(-angle)
    # Work on the foot scaled to a nominal length: every later rule is then relative to the
    # foot's size and the result is scale-equivariant (scaled back at the end).
    k = NOMINAL_LENGTH_MM / fl0
    pf = (pf @ rot0.T) * k
    pf = pf[pf[:, 2] <= LEG_CUT_FRAC * NOMINAL_LENGTH_MM * 1.3]
    if pf.shape[0] < 100:
        raise NotAFootError("too few points below the ankle")

    # 3. Fine grid for measuring (the voxel grows when a capture is huge), foot component.
    # Captures of normal size are used as they are (no resampling: a mirrored capture then
    # gives the mirrored point set exactly); only large ones are voxelised.
    voxel = FINE_VOXEL_MM
    fine = pf
    while fine.shape[0] > MAX_FINE_POINTS:
        fine = voxel_downsample(pf, voxel, centred=True, dense_only=True)
        voxel *= np.sqrt(fine.shape[0] / MAX_FINE_POINTS) * 1.05
    del pf
    radius = max(COMPONENT_RADIUS_MM, 3.0 * _spacing(fine))
    fine = fine[statistical_outlier_mask(fine, SOR_K, SOR_STD_RATIO)]
    if fine.shape[0] < 100:
        raise NotAFootError("too few points below the ankle")
    fine = fine[component_mask(fine, radius)]
    noise = estimate_noise_mm(fine)
    if noise / k > MAX_NOISE_MM:
        raise ScanValidationError(
            f"the scan is too noisy: estimated point noise {noise / k:.1f} mm "
            f"(limit {MAX_NOISE_MM} mm)"
        )
    _, fl1 = initial_axis(fine)
    noise_mm = noise / k

    # 4. Fit the foot model (both mirror images unless the side is given): left or right,
    #    "is this a foot", and the surface the capture did not see.
    # Under a turntable capture's open rim there is no ground: the model's sole may hang below
    # the plane, and the frame is then re-seated on the fitted sole.
    on_ground = plane.kind != "rim"
    fit, side_found, side_conf, side_method = _fit_model(fine, fl1, side, on_ground)
    _foot_gate(fit)
    mirror = MIRROR_Y if side_found == "right" else np.eye(3)
    work = fine @ mirror
    if not on_ground:
        basis = load_shape_basis()
        drop = float(fit.vertices_mm[basis.surface_vertex, 2].min())
        if drop < 0.0:
            shift = np.array([0.0, 0.0, drop])
            work = work - shift
            fit = replace(
                fit,
                vertices_mm=fit.vertices_mm - shift,
                translation=fit.translation - shift,
                keypoints_mm={n: v - shift for n, v in fit.keypoints_mm.items()},
            )
            to_floor = to_floor.copy()
            to_floor[2, 3] -= drop / k
    completed = complete_foot(work, fit, noise, LEG_CUT_FRAC * NOMINAL_LENGTH_MM)
    marks = model_landmarks(completed, fit, fl1, PTERNION_HEIGHT_FRAC * fl1, noise)
    marks = replace(marks, **{f.name: getattr(marks, f.name) / k for f in fields(marks)})
    fm = measure_normalized(
        completed.points_mm / k,
        fl1 / k,
        noise_mm=noise_mm,
        landmarks=marks,
        from_model=completed.from_model,
        model_sd_mm=completed.model_sd_mm / k,
    )
    meas = fm.measurements
    cov = fm.coverage

    # 5. Frame bookkeeping: input -> floor -> first axis -> (mirror) -> refined axis.
    core = _homog(fm.axis.rotation, -fm.axis.origin)
    total = _homog(mirror, np.zeros(3)) @ core @ _homog(mirror, np.zeros(3))
    total = total @ _homog(rot0, np.zeros(3)) @ to_floor
    points_foot = fm.points_foot @ mirror

    # 6. Gates: a non-foot is an error; a partial foot loses the values it cannot support.
    fl = meas.foot_length.value or 0.0
    if not FOOT_LENGTH_RANGE_MM[0] <= fl <= FOOT_LENGTH_RANGE_MM[1]:
        raise NotAFootError(f"foot length {fl:.0f} mm is outside {FOOT_LENGTH_RANGE_MM} mm")
    reasons: list[str] = []
    updates: dict[str, Measurement] = {}
    if cov.heel < COVERAGE_MIN or cov.toes < COVERAGE_MIN:
        missing = "heel" if cov.heel < COVERAGE_MIN else "toes"
        why = f"{missing} not captured (coverage {min(cov.heel, cov.toes):.0%})"
        for name in ("foot_length", "heel_to_ball_length", "arch_height_index"):
            updates[name] = _drop(getattr(meas, name), why)
        reasons.append(why)
    if cov.medial_side < COVERAGE_MIN or cov.lateral_side < COVERAGE_MIN:
        which = "medial" if cov.medial_side < COVERAGE_MIN else "lateral"
        why = f"{which} side not captured"
        for name in ("foot_breadth", "ball_width", "heel_width", "ball_girth", "instep_girth"):
            updates[name] = _drop(getattr(meas, name), why)
        reasons.append(why)
    if updates:
        meas = replace(meas, **updates)
    ratios, flags = ratio_checks(meas)
    # The shape gate uses the raw values (a foot whose toes were missed is still a foot, but a
    # side wall taken for the floor is not), except widths of a side that was not seen.
    raw_ratios, _ = ratio_checks(fm.measurements)
    sides_seen = min(cov.medial_side, cov.lateral_side) >= COVERAGE_MIN
    heel_r = ratios.get("heel_width_to_length")
    lo_h, hi_h = HARD_RATIO_LIMITS["heel_width_to_length"]
    if heel_r is not None and not lo_h <= heel_r <= hi_h:
        # One odd value (holes at the heel station) is not a verdict on the whole shape.
        why = f"heel width implausible ({heel_r:.2f} x length): heel sides not captured"
        meas = replace(meas, heel_width=_drop(meas.heel_width, why))
        ratios.pop("heel_width_to_length")
        flags = [f for f in flags if not f.startswith("heel_width_to_length")]
        reasons.append(why)
    for key in ("breadth_to_length", "ball_girth_to_length"):
        lo, hi = HARD_RATIO_LIMITS[key]
        r = raw_ratios.get(key) if sides_seen else ratios.get(key)
        if r is not None and not lo <= r <= hi:
            raise NotAFootError(
                f"not a foot: {key.replace('_', ' ')} is {r:.2f} (a foot has {lo}-{hi})"
            )
    if noise_mm > NOISE_WARN_MM:
        flags.append(f"high point noise {noise_mm:.1f} mm: expect errors above 1.5 mm")
    for region in ("heel", "toes", "medial_side", "lateral_side", "dorsum"):
        if getattr(cov, region) < COVERAGE_MIN:
            flags.append(f"{region.replace('_', ' ')} poorly covered")
    if cov.sole < 0.5:
        flags.append("sole not captured: arch height unavailable")
    if not plane.floor_found:
        flags.append("no floor in the capture: the sole's support plane was used")
    if side == "auto" and side_conf < 0.5:
        flags.append("left/right was unclear from the toe line; pass --side")
    for key in ("ball_width", "ball_girth"):
        if getattr(meas, key).value is None and key not in updates:
            reasons.append(f"{key.replace('_', ' ')} unavailable")

    sizes = None
    # A capture that is not accepted gets no sizes anywhere (CLI, JSON, shop): a size printed
    # beside a warning is still read as a size.
    if meas.foot_length.value is not None and not reasons:
        sizes = sizes_from_measurements(
            meas.foot_length.value,
            ball_girth_mm=meas.ball_girth.value,
            ball_width_mm=meas.ball_width.value,
            table=size_table,
            rounding=rounding,
        )
    spacing = _spacing(fm.points_foot)
    quality = QualityReport(
        n_points_input=n_input,
        n_points_nonfinite=n_nonfinite,
        n_points_foot=int(fm.points_foot.shape[0]),
        point_spacing_mm=spacing,
        noise_mm=float(noise_mm),
        floor_found=plane.floor_found,
        floor_inlier_ratio=plane.inlier_ratio,
        floor_rms_mm=plane.rms_mm,
        coverage=cov,
        ratios=ratios,
        flags=tuple(flags),
        accepted=not reasons,
        rejection_reasons=tuple(reasons),
        floor_kind=plane.kind,
        floor_pile_mm=float(plane.pile_mm),
        fit_rms_mm=float(fit.rms_mm / k),
        fit_inlier_share=float(fit.inlier_share),
        fit_shape_score=float(fit.shape_energy),
    )
    return ScanResult(
        side=side_found,
        side_method=side_method,
        side_confidence=float(side_conf),
        measurements=meas,
        sizes=sizes,
        quality=quality,
        axis=AXIS_NAME,
        axis_iterations=fm.axis.iterations,
        transform_to_foot=total,
        points_foot_mm=points_foot,
    )


def _fit_model(
    fine: NDArray[np.float64], fl: float, side: str, on_ground: bool = True
) -> tuple[ModelFit, str, float, str]:
    """Fit the foot model; with ``side="auto"`` fit both mirror images and keep the better.

    Returns the fit (of the left-convention points), the side, a confidence 0..1 and the
    method. When the two fits are within a few per cent, the toe-line slope decides.
    """
    if side != "auto":
        pts = fine @ MIRROR_Y if side == "right" else fine
        return fit_foot_model(pts, fl, support_plane=on_ground), side, 1.0, "given"
    # Trial fits: no posterior (only the refined fit's surface sd is reported).
    trial = {"max_iter": _SIDE_FIT_ITER, "support_plane": on_ground, "posterior": False}
    as_left = fit_foot_model(fine, fl, **trial)
    as_right = fit_foot_model(fine @ MIRROR_Y, fl, **trial)
    lo, hi = sorted([as_left.rms_mm, as_right.rms_mm])
    margin = (hi - lo) / max(hi, 1e-9)
    model_side = "left" if as_left.rms_mm <= as_right.rms_mm else "right"
    if margin >= _SIDE_MARGIN:
        found, conf, method = model_side, min(1.0, margin / (2 * _SIDE_MARGIN)), "foot-model fit"
    else:
        found, conf = detect_side(fine, fl)
        method = "toe-line slope (foot-model fits of both sides within a few per cent)"
        conf = min(conf, 0.49)
    start = as_left if found == "left" else as_right
    pts = fine @ MIRROR_Y if found == "right" else fine
    refined = fit_foot_model(
        pts,
        fl,
        init=(start.rotation, start.translation, start.coeffs),
        max_iter=_FIT_ITER,
        support_plane=on_ground,
    )
    return refined, found, float(conf), method


def _foot_gate(fit: ModelFit) -> None:
    """Refuse captures that the foot model cannot explain (shoes, hands, blobs...)."""
    if fit.rms_mm > MAX_FIT_RMS_MM or fit.inlier_share < MIN_FIT_INLIERS:
        raise NotAFootError(
            f"not a foot: the foot model fits it poorly ({fit.inlier_share:.0%} of the points "
            f"within 4 mm, RMS {fit.rms_mm:.1f} mm; a foot gives over {MIN_FIT_INLIERS:.0%})"
        )
    if fit.shape_energy > MAX_SHAPE_ENERGY:
        raise NotAFootError(
            f"not a foot: only an implausible foot shape fits it (shape score "
            f"{fit.shape_energy:.1f}, feet stay below {MAX_SHAPE_ENERGY})"
        )


def _spacing(p: NDArray[np.float64]) -> float:
    from scipy.spatial import cKDTree

    if p.shape[0] < 2:
        return float("nan")
    sample = p[:: max(1, p.shape[0] // 5000)]
    d, _ = cKDTree(p).query(sample, k=2, workers=-1)
    return float(np.median(d[:, 1]))
