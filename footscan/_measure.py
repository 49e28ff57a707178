"""Foot measurements in the foot frame (doc §2): axis, ball landmarks, then the table of
measurements in :mod:`footscan._measures`.

:func:`measure_aligned` measures a foot already standing in its foot frame (floor z = 0, +X
heel -> toe) by the same code as :func:`footscan.measure_scan` after clean-up and alignment.
Every value carries a status and a confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from footscan._align import MIRROR_Y, AxisFit, axis_from_landmarks, refine_axis
from footscan._clean import estimate_noise_mm
from footscan._landmarks import Extreme
from footscan._measurement import (
    MEASURED,
    MODEL_COMPLETED,
    UNAVAILABLE,
    Coverage,
    FootMeasurements,
    Measurement,
)
from footscan._measures import FootFrame, run_measures, side_landmark
from footscan._surface import face_areas, sample_faces
from footscan.consts import (
    FLOOR_BAND_MM,
    LEG_CUT_FRAC,
    MTH1_AT_FRAC,
    MTH5_AT_FRAC,
    NOMINAL_LENGTH_MM,
)
from footscan.exceptions import NotAFootError, ScanValidationError

if TYPE_CHECKING:
    from footscan._completion import ModelLandmarks

__all__ = [
    "MEASURED",
    "MODEL_COMPLETED",
    "UNAVAILABLE",
    "Measurement",
    "FootMeasurements",
    "Coverage",
    "FrameMeasurement",
    "measure_aligned",
    "measure_foot_frame",
    "measure_normalized",
]


@dataclass(frozen=True)
class FrameMeasurement:
    """Everything the measurement core returns (internal to the pipeline)."""

    measurements: FootMeasurements
    axis: AxisFit
    coverage: Coverage
    points_foot: NDArray[np.float64] = field(repr=False)


def measure_foot_frame(
    points: NDArray[np.float64],
    fl_guess: float,
    noise_mm: float | None = None,
    *,
    landmarks: ModelLandmarks | None = None,
    from_model: NDArray[np.bool_] | None = None,
    model_sd_mm: NDArray[np.float64] | None = None,
) -> FrameMeasurement:
    """Measurement core: axis refinement, landmarks and all measurements of a left foot.

    Parameters
    ----------
    points : (n, 3) float64
        Left-convention foot points in a floor frame (z = height above the floor, mm), roughly
        heel -> toe along +X. Points inside the floor band and above the leg cut are ignored.
    fl_guess : float
        Rough foot length for the first pass, mm.
    noise_mm : float, optional
        Point noise when known (estimated here otherwise).
    landmarks : ModelLandmarks, optional
        Heel centre, second-toe tip, MTH1 and MTH5 from the fitted shape model (frame of
        ``points``). With them the axis and the ball line come from the model, and the girths
        are the tape-like convex hull of the complete section (``points`` then hold the
        completed foot).
    from_model, model_sd_mm : (n,) arrays, optional
        Which points are model fill-in, and their posterior surface sd (mm).

    Returns
    -------
    FrameMeasurement

    Raises
    ------
    NotAFootError
        When the landmarks cannot be found.
    """
    n = points.shape[0]
    fm = np.zeros(n, dtype=bool) if from_model is None else from_model
    sd = np.zeros(n) if model_sd_mm is None else model_sd_mm
    # A completed foot keeps its model sole (below the floor band, the capture has nothing).
    keep = points[:, 2] >= (0.0 if landmarks is not None else FLOOR_BAND_MM)
    p, fm, sd = points[keep], fm[keep], sd[keep]
    if p.shape[0] < 100:
        raise NotAFootError("nothing stands above the floor: no foot found")
    axis, p, fm, sd = _axis(p, fm, sd, fl_guess, landmarks)
    fl = axis.length_mm
    pf = (p @ axis.rotation.T) - axis.origin
    sel = pf[:, 2] <= LEG_CUT_FRAC * fl
    pf, fm, sd = pf[sel], fm[sel], sd[sel]
    seen = ~fm
    noise = estimate_noise_mm(pf[seen]) if noise_mm is None else noise_mm
    frame = _foot_frame(pf, fm, sd, axis, noise, landmarks)
    values, cov = run_measures(frame)
    meas = FootMeasurements(**values)
    return FrameMeasurement(measurements=meas, axis=axis, coverage=cov, points_foot=pf[seen])


def _axis(
    p: NDArray[np.float64],
    fm: NDArray[np.bool_],
    sd: NDArray[np.float64],
    fl_guess: float,
    landmarks: ModelLandmarks | None,
) -> tuple[AxisFit, NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """The foot axis, from the model's landmarks or by refinement on the points."""
    try:
        if landmarks is not None:
            # Length from the capture where it saw both ends: model points interleaved with
            # the capture at the toe tip would blur its extreme.
            q = p[~fm] if np.count_nonzero(~fm) >= 100 else p
            fit = axis_from_landmarks(
                q[q[:, 2] <= LEG_CUT_FRAC * fl_guess * 1.15],
                fl_guess,
                landmarks.heel_centre_xy,
                landmarks.second_toe_xy,
            )
            return fit, p, fm, sd
        first = refine_axis(p[p[:, 2] <= LEG_CUT_FRAC * fl_guess * 1.15], fl_guess)
        sel = p[:, 2] <= LEG_CUT_FRAC * first.length_mm
        p, fm, sd = p[sel], fm[sel], sd[sel]
        # Continue from the first axis: usually one more pass.
        fit = refine_axis(p @ first.rotation.T, first.length_mm)
        return replace(fit, rotation=fit.rotation @ first.rotation), p, fm, sd
    except (ValueError, IndexError) as exc:
        raise NotAFootError(f"no heel and toe found: {exc}") from None


def _foot_frame(
    pf: NDArray[np.float64],
    fm: NDArray[np.bool_],
    sd: NDArray[np.float64],
    axis: AxisFit,
    noise_mm: float,
    landmarks: ModelLandmarks | None,
) -> FootFrame:
    """The foot in its frame with its ball joints.

    The forefoot border is nearly straight, so where exactly its extreme lies is ill-posed
    (it jumped by 30 mm between captures). Without a model, the ball line therefore uses
    fixed stations at the mean proportions of the joints (MTH1 74 %, MTH5 64 % FL) and the
    extremes are measured there; with a model, its keypoints moved onto the capture.
    """
    fl = axis.length_mm
    seen = ~fm
    low = pf[:, 2] <= 0.15 * fl
    mth1: Extreme | None
    mth5: Extreme | None
    if landmarks is not None:
        mth1 = _snap_keypoint(pf, seen, axis.rotation @ landmarks.mth1 - axis.origin, noise_mm)
        mth5 = _snap_keypoint(pf, seen, axis.rotation @ landmarks.mth5 - axis.origin, noise_mm)
    else:
        x_m1, x_m5 = MTH1_AT_FRAC * fl, MTH5_AT_FRAC * fl
        mth1 = side_landmark(pf, low, x_m1, x_m1, -1.0)
        mth5 = side_landmark(pf, low, x_m5, x_m5, 1.0)
    if mth1 is None or mth5 is None:
        raise NotAFootError("no forefoot sides found")
    return FootFrame(
        pf=pf,
        from_model=fm,
        model_sd_mm=sd,
        axis=axis,
        noise_mm=float(noise_mm),
        completed=landmarks is not None,
        mth1=mth1,
        mth5=mth5,
        mth1_free=side_landmark(pf, low, 0.60 * fl, 0.85 * fl, -1.0),
    )


def _snap_keypoint(
    pf: NDArray[np.float64], seen: NDArray[np.bool_], kp: NDArray[np.float64], noise_mm: float
) -> Extreme:
    """A model keypoint moved onto the captured surface (mean of capture points near it).

    The fitted model lies within about a millimetre of the capture, so the capture points
    within ``max(3 mm, 2 noise)`` of its keypoint sample the same spot of the real surface.
    Without such points (a hole), the model's own point is kept.
    """
    radius = max(3.0, 2.0 * noise_mm)
    q = pf[seen]
    near = q[np.linalg.norm(q - kp, axis=1) <= radius]
    if near.shape[0] >= 3:
        point = near.mean(axis=0)
        return Extreme(float(point[1]), point, int(near.shape[0]), float(noise_mm))
    return Extreme(float(kp[1]), np.asarray(kp, dtype=np.float64), 0, float("nan"))


def _rescaled(m: Measurement, factor: float) -> Measurement:
    if m.value is None or m.unit != "mm":
        return m
    u = None if m.uncertainty is None else m.uncertainty * factor
    return replace(m, value=m.value * factor, uncertainty=u)


def measure_normalized(
    points: NDArray[np.float64],
    fl_guess: float,
    noise_mm: float | None = None,
    *,
    landmarks: ModelLandmarks | None = None,
    from_model: NDArray[np.bool_] | None = None,
    model_sd_mm: NDArray[np.float64] | None = None,
) -> FrameMeasurement:
    """:func:`measure_foot_frame` on the foot scaled to a nominal length, results scaled back.

    Every rule is then relative to the foot's size (patch sizes, bins, slab widths included),
    so a capture scaled by ``s`` gives measurements scaled by ``s`` (scale equivariance) up to
    the tiny error of ``fl_guess`` itself.

    Parameters
    ----------
    points : (n, 3) float64
        As for :func:`measure_foot_frame`, mm.
    fl_guess : float
        Rough foot length, mm (sets the normalisation).
    noise_mm : float, optional

    Returns
    -------
    FrameMeasurement
        In mm of the input.
    """
    if not np.isfinite(fl_guess) or fl_guess <= 0:
        raise NotAFootError("no foot length could be estimated")
    k = NOMINAL_LENGTH_MM / fl_guess
    lm = None
    if landmarks is not None:
        lm = replace(
            landmarks,
            **{f.name: getattr(landmarks, f.name) * k for f in fields(landmarks)},
        )
    fm = measure_foot_frame(
        points * k,
        NOMINAL_LENGTH_MM,
        None if noise_mm is None else noise_mm * k,
        landmarks=lm,
        from_model=from_model,
        model_sd_mm=None if model_sd_mm is None else model_sd_mm * k,
    )
    inv = 1.0 / k
    meas = replace(
        fm.measurements,
        **{
            f.name: _rescaled(getattr(fm.measurements, f.name), inv)
            for f in fields(fm.measurements)
        },
    )
    ax = fm.axis
    axis = replace(
        ax,
        origin=ax.origin * inv,
        length_mm=ax.length_mm * inv,
        heel_centre_xy=ax.heel_centre_xy * inv,
        second_toe_xy=ax.second_toe_xy * inv,
        pternion=replace(
            ax.pternion, value_mm=ax.pternion.value_mm * inv, point=ax.pternion.point * inv
        ),
        acropodion=replace(
            ax.acropodion, value_mm=ax.acropodion.value_mm * inv, point=ax.acropodion.point * inv
        ),
    )
    return FrameMeasurement(meas, axis, fm.coverage, fm.points_foot * inv)


def measure_aligned(
    points_mm: NDArray[np.float64],
    faces: NDArray[np.int64] | None = None,
    side: str = "left",
) -> FootMeasurements:
    """Reference measurements of a foot already in the foot frame.

    Parameters
    ----------
    points_mm : (n, 3) float64
        Foot surface points (or mesh vertices), mm, floor at z = 0, +X roughly heel -> toe. The
        in-plane axis is re-derived (heel centre -> 2nd toe), exactly as for a scan.
    faces : (m, 3) int64, optional
        Mesh faces. When given, the surface is resampled to an even density so that coarse
        meshes are measured like dense captures.
    side : {"left", "right"}
        Which foot; right feet (medial side at +Y) are mirrored internally.

    Returns
    -------
    FootMeasurements
    """
    if side not in ("left", "right"):
        raise ScanValidationError(f"side must be 'left' or 'right', got {side!r}")
    pts = np.asarray(points_mm, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3 or pts.shape[0] < 100:
        raise ScanValidationError("points_mm must be an (n, 3) array with at least 100 points")
    if faces is not None and len(faces):
        pts = _densify(pts, np.asarray(faces, dtype=np.int64))
    if side == "right":
        pts = pts @ MIRROR_Y
    fl_guess = float(np.ptp(pts[pts[:, 2] <= 0.2 * np.ptp(pts[:, 0]), 0]))
    return measure_normalized(pts, fl_guess).measurements


def _densify(
    vertices: NDArray[np.float64], faces: NDArray[np.int64], edge_mm: float = 1.5
) -> NDArray[np.float64]:
    """Vertices plus points on faces larger than ``edge_mm`` (fixed barycentric pattern)."""
    area = face_areas(vertices, faces)
    target = edge_mm * edge_mm * 0.5
    counts = np.where(area > 2 * target, np.ceil(area / target).astype(np.int64) - 1, 0)
    extra, _ = sample_faces(vertices, faces, counts)
    return np.vstack([vertices, extra])
