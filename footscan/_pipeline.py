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
from footscan._measure import FootMeasurements, FrameMeasurement, measure_normalized
from footscan._quality import GateOutcome, QualityReport, apply_gates, foot_model_gate
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
    LEG_CUT_FRAC,
    MAX_FINE_POINTS,
    MAX_NOISE_MM,
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
    model_coeffs, model_scale : (k,) float64, float
        The fit's raw coefficients (``ModelFit.coeffs``, left convention) and input mm per mm
        of the fit: the foot is ``model_scale * ShapeBasis.shape(model_coeffs)`` (rigid aside).
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
    model_coeffs: NDArray[np.float64] | None = field(default=None, repr=False)
    model_scale: float = 1.0

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
    req = _Request(side, size_table, rounding, n_input, n_nonfinite)
    first_error: NotAFootError | None = None
    for plane in planes:
        try:
            return _measure_on_plane(pts, plane, req)
        except NotAFootError as exc:
            first_error = first_error or exc
            if plane.floor_found:
                break  # a real floor with no foot on it: walls are no better
    assert first_error is not None
    raise first_error


def _measure_on_plane(pts: NDArray[np.float64], plane: FloorPlane, req: _Request) -> ScanResult:
    """Measure the foot (or the two feet) standing on one candidate plane."""
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
        return _measure_foot(points, to_floor, plane, req)

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


@dataclass(frozen=True)
class _Request:
    """What the caller asked for and what the whole capture said (shared by both feet)."""

    side: str
    size_table: SizeTable | None
    rounding: str
    n_input: int
    n_nonfinite: int


@dataclass(frozen=True)
class _Prepared:
    """One foot cleaned and scaled to the nominal length (``points = input mm x k``)."""

    points: NDArray[np.float64] = field(repr=False)
    rot0: NDArray[np.float64] = field(repr=False)
    k: float
    fl: float
    noise: float

    @property
    def noise_mm(self) -> float:
        """Point noise in mm of the input."""
        return self.noise / self.k


def _prepare(pf: NDArray[np.float64]) -> _Prepared:
    """First axis, nominal scale, leg cut, fine grid, foot component and noise."""
    # First axis on a coarse grid, so that the fine grid is laid out in the foot's own frame:
    # a mirrored capture is then voxelised into mirrored cells.
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
    # Captures of normal size are used as they are (no resampling: a mirrored capture then
    # gives the mirrored point set exactly); only large ones are voxelised (the voxel grows).
    voxel = FINE_VOXEL_MM
    fine = pf
    while fine.shape[0] > MAX_FINE_POINTS:
        fine = voxel_downsample(pf, voxel, centred=True, dense_only=True)
        voxel *= np.sqrt(fine.shape[0] / MAX_FINE_POINTS) * 1.05
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
    return _Prepared(points=fine, rot0=rot0, k=k, fl=fl1, noise=noise)


@dataclass(frozen=True)
class _Fitted:
    """The foot model fitted to a prepared foot, and the completed foot (nominal scale)."""

    fit: ModelFit
    side: str
    side_confidence: float
    side_method: str
    work: NDArray[np.float64] = field(repr=False)
    to_floor: NDArray[np.float64] = field(repr=False)
    level: NDArray[np.float64] = field(repr=False)  # levelling of a floor-less capture (mm)


def _fit(prep: _Prepared, plane: FloorPlane, side: str, to_floor: NDArray[np.float64]) -> _Fitted:
    """Fit the model (both mirror images unless the side is given): side, "is it a foot".

    Under a turntable capture's open rim there is no ground: the frame is then levelled and
    re-seated on the fitted foot (see :func:`_level_on_model`).
    """
    on_ground = plane.kind != "rim"
    fit, side_found, side_conf, side_method = _fit_model(prep.points, prep.fl, side, on_ground)
    foot_model_gate(fit, prep.fl)
    work = prep.points @ (MIRROR_Y if side_found == "right" else np.eye(3))
    level = np.eye(4)
    if not on_ground:
        fit, work, level = _level_on_model(fit, work, prep.k)
    return _Fitted(fit, side_found, side_conf, side_method, work, to_floor, level)


def _level_on_model(
    fit: ModelFit, work: NDArray[np.float64], k: float
) -> tuple[ModelFit, NDArray[np.float64], NDArray[np.float64]]:
    """Level a floor-less capture on the fitted foot and seat it on the model's sole.

    The plane under a turntable's open rim is tilted against the floor the foot stood on
    (3.6 and 8.1 deg on two synthetic captures, mostly a roll about the foot's long axis); in
    that frame the ball section and the "floor-projected" widths are oblique and the ball
    girth read 2-4 mm low. The fitted model's own up (its canonical Z, the floor of the FIND
    frame) is the best estimate of the floor's normal there: the frame is turned so that it
    is vertical, then shifted so the model's sole touches z = 0.

    Returns the fit and points in the levelled frame and the 4 x 4 (mm of the work frame
    before levelling -> after, in input mm) to put into the result's transform.
    """
    up = fit.rotation[:, 2]
    axis = np.cross(up, [0.0, 0.0, 1.0])
    sin, cos = float(np.linalg.norm(axis)), float(up[2])
    rot = np.eye(3)
    if sin > 1e-12:
        a = axis / sin
        kx = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
        rot = np.eye(3) + sin * kx + (1.0 - cos) * (kx @ kx)
    verts = fit.vertices_mm @ rot.T
    drop = float(verts[load_shape_basis().surface_vertex, 2].min())
    shift = np.array([0.0, 0.0, drop])
    fit = replace(
        fit,
        vertices_mm=verts - shift,
        rotation=rot @ fit.rotation,
        translation=rot @ fit.translation - shift,
        keypoints_mm={n: rot @ v - shift for n, v in fit.keypoints_mm.items()},
    )
    return fit, work @ rot.T - shift, _homog(rot, -shift / k)


def _measure_fitted(prep: _Prepared, fitted: _Fitted) -> FrameMeasurement:
    """Complete the foot with the model's sole, take its landmarks, measure (mm of input)."""
    k, fl1, noise = prep.k, prep.fl, prep.noise
    completed = complete_foot(fitted.work, fitted.fit, noise, LEG_CUT_FRAC * NOMINAL_LENGTH_MM)
    marks = model_landmarks(completed, fitted.fit, fl1, PTERNION_HEIGHT_FRAC * fl1, noise)
    marks = replace(marks, **{f.name: getattr(marks, f.name) / k for f in fields(marks)})
    return measure_normalized(
        completed.points_mm / k,
        fl1 / k,
        noise_mm=prep.noise_mm,
        landmarks=marks,
        from_model=completed.from_model,
        model_sd_mm=completed.model_sd_mm / k,
    )


def _measure_foot(
    pf: NDArray[np.float64], to_floor: NDArray[np.float64], plane: FloorPlane, req: _Request
) -> ScanResult:
    """Measure one foot standing on the floor (``pf``: floor frame, floor removed, mm)."""
    prep = _prepare(pf)
    del pf
    fitted = _fit(prep, plane, req.side, to_floor)
    fm = _measure_fitted(prep, fitted)
    fl = fm.measurements.foot_length.value or 0.0
    if not FOOT_LENGTH_RANGE_MM[0] <= fl <= FOOT_LENGTH_RANGE_MM[1]:
        raise NotAFootError(f"foot length {fl:.0f} mm is outside {FOOT_LENGTH_RANGE_MM} mm")
    # Gates: a non-foot is an error; a partial foot loses the values it cannot support.
    gates = apply_gates(
        fm.measurements,
        fm.coverage,
        prep.noise_mm,
        floor_found=plane.floor_found,
        side_unclear=req.side == "auto" and fitted.side_confidence < 0.5,
        fitted=(fitted.fit, fitted.work),
    )
    # Frame bookkeeping: input -> floor -> first axis -> (mirror) -> refined axis.
    mirror = MIRROR_Y if fitted.side == "right" else np.eye(3)
    core = _homog(fm.axis.rotation, -fm.axis.origin)
    total = _homog(mirror, np.zeros(3)) @ core @ fitted.level @ _homog(mirror, np.zeros(3))
    total = total @ _homog(prep.rot0, np.zeros(3)) @ fitted.to_floor
    return ScanResult(
        side=fitted.side,
        side_method=fitted.side_method,
        side_confidence=float(fitted.side_confidence),
        measurements=gates.measurements,
        sizes=_sizes(gates, req),
        quality=_quality(fm, gates, plane, prep, fitted.fit, req),
        axis=AXIS_NAME,
        axis_iterations=fm.axis.iterations,
        transform_to_foot=total,
        points_foot_mm=fm.points_foot @ mirror,
        model_coeffs=fitted.fit.coeffs.copy(),
        model_scale=1.0 / prep.k,
    )


def _sizes(gates: GateOutcome, req: _Request) -> Sizes | None:
    """Sizes of an accepted foot; a capture that is not accepted gets none anywhere (CLI,
    JSON, shop): a size printed beside a warning is still read as a size."""
    meas = gates.measurements
    if meas.foot_length.value is None or not gates.accepted:
        return None
    return sizes_from_measurements(
        meas.foot_length.value,
        ball_girth_mm=meas.ball_girth.value,
        ball_width_mm=meas.ball_width.value,
        table=req.size_table,
        rounding=req.rounding,
    )


def _quality(
    fm: FrameMeasurement,
    gates: GateOutcome,
    plane: FloorPlane,
    prep: _Prepared,
    fit: ModelFit,
    req: _Request,
) -> QualityReport:
    return QualityReport(
        n_points_input=req.n_input,
        n_points_nonfinite=req.n_nonfinite,
        n_points_foot=int(fm.points_foot.shape[0]),
        point_spacing_mm=_spacing(fm.points_foot),
        noise_mm=float(prep.noise_mm),
        floor_found=plane.floor_found,
        floor_inlier_ratio=plane.inlier_ratio,
        floor_rms_mm=plane.rms_mm,
        coverage=fm.coverage,
        ratios=gates.ratios,
        flags=gates.flags,
        accepted=gates.accepted,
        rejection_reasons=gates.reasons,
        floor_kind=plane.kind,
        floor_pile_mm=float(plane.pile_mm),
        fit_rms_mm=float(fit.rms_mm / prep.k),
        fit_inlier_share=float(fit.inlier_share),
        fit_shape_score=float(fit.shape_energy),
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
    as_left, as_right = (
        fit_foot_model(p, fl, max_iter=_SIDE_FIT_ITER, support_plane=on_ground, posterior=False)
        for p in (fine, fine @ MIRROR_Y)
    )
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


def _spacing(p: NDArray[np.float64]) -> float:
    from scipy.spatial import cKDTree

    if p.shape[0] < 2:
        return float("nan")
    sample = p[:: max(1, p.shape[0] // 5000)]
    d, _ = cKDTree(p).query(sample, k=2, workers=-1)
    return float(np.median(d[:, 1]))
