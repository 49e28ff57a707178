"""Foot measurements in the foot frame (doc §2): the reference implementation.

:func:`measure_aligned` is the reference: the synthetic ground truth is this function run on the
clean mesh in its canonical frame, and :func:`footscan.measure_scan` calls the same code after
clean-up and alignment. Every value carries a status and a confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from footscan._align import MIRROR_Y, AxisFit, axis_from_landmarks, refine_axis
from footscan._clean import estimate_noise_mm
from footscan._landmarks import Extreme, SectionOutline, robust_extreme, section_outline

if TYPE_CHECKING:
    from footscan._completion import ModelLandmarks
from footscan.consts import (
    FLOOR_BAND_MM,
    HEEL_WIDTH_AT_FRAC,
    INSTEP_GIRTH_AT_FRAC,
    INSTEP_HEIGHT_AT_FRAC,
    LEG_CUT_FRAC,
    MTH1_AT_FRAC,
    MTH5_AT_FRAC,
    NOMINAL_LENGTH_MM,
    SECTION_HALF_WIDTH_MM,
)
from footscan.exceptions import NotAFootError, ScanValidationError

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

MEASURED = "measured"
MODEL_COMPLETED = "model-completed"
UNAVAILABLE = "unavailable"

SOLE_VISIBLE_MIN = 0.5  # share of heel/ball footprint cells seen from below


@dataclass(frozen=True)
class Measurement:
    """One foot measurement.

    Attributes
    ----------
    value : float or None
        The value in ``unit``; None when unavailable (never a guess).
    unit : str
        ``"mm"`` or ``"1"`` (dimensionless index).
    status : str
        ``"measured"``, ``"model-completed"`` or ``"unavailable"``.
    confidence : float
        0..1: data support of this value (coverage of the region, noise).
    definition : str
        The rule used, so that numbers from different systems are not mixed up.
    reason : str
        Why the value is unavailable or of low confidence ("" otherwise).
    uncertainty : float or None
        One standard deviation in ``unit`` for values that rely on model-completed surface
        (from the fit's posterior), None otherwise.
    """

    value: float | None
    unit: str
    status: str
    confidence: float
    definition: str
    reason: str = ""
    uncertainty: float | None = None

    @property
    def value_mm(self) -> float | None:
        """The value when the unit is mm, else None."""
        return self.value if self.unit == "mm" else None

    @property
    def available(self) -> bool:
        """True when a value is present."""
        return self.value is not None


def _unavailable(definition: str, reason: str, unit: str = "mm") -> Measurement:
    return Measurement(None, unit, UNAVAILABLE, 0.0, definition, reason)


@dataclass(frozen=True)
class FootMeasurements:
    """All measurements of one foot (definitions in ``docs/footscan.md``)."""

    foot_length: Measurement
    foot_breadth: Measurement
    ball_width: Measurement
    heel_width: Measurement
    ball_girth: Measurement
    instep_girth: Measurement
    instep_height: Measurement
    heel_to_ball_length: Measurement
    toe_height: Measurement
    arch_height: Measurement
    arch_height_index: Measurement

    def as_dict(self) -> dict[str, float | None]:
        """``{"foot_length_mm": 257.1, ..., "arch_height_index": 0.3}``; None when unavailable."""
        out: dict[str, float | None] = {}
        for f in fields(self):
            m: Measurement = getattr(self, f.name)
            key = f"{f.name}_mm" if m.unit == "mm" else f.name
            out[key] = None if m.value is None else round(float(m.value), 2)
        return out

    def values_mm(self) -> dict[str, float | None]:
        """``{name: value}`` with the bare field names."""
        return {f.name: getattr(self, f.name).value for f in fields(self)}


@dataclass(frozen=True)
class Coverage:
    """Share (0..1) of each foot region that the capture saw."""

    heel: float
    toes: float
    medial_side: float
    lateral_side: float
    sole: float
    dorsum: float


@dataclass(frozen=True)
class FrameMeasurement:
    """Everything the measurement core returns (internal to the pipeline)."""

    measurements: FootMeasurements
    axis: AxisFit
    coverage: Coverage
    points_foot: NDArray[np.float64] = field(repr=False)


def _conf(n_used: int, rms_mm: float, noise_mm: float, coverage: float = 1.0) -> float:
    support = min(1.0, n_used / 25.0)
    rms = 0.0 if not np.isfinite(rms_mm) else rms_mm
    noise_factor = 1.0 / (1.0 + (max(noise_mm, rms) / 2.5) ** 2)
    return float(np.clip(support * noise_factor * coverage, 0.0, 1.0))


def _slab_extreme(
    p: NDArray[np.float64], mask: NDArray[np.bool_], direction: tuple[float, float, float]
) -> Extreme | None:
    return robust_extreme(p[mask], direction) if mask.any() else None


def _side_landmark(
    pf: NDArray[np.float64], mask: NDArray[np.bool_], x_lo: float, x_hi: float, sign: float
) -> Extreme | None:
    """Most medial (``sign=-1``) or lateral (``+1``) point of the outline between two stations.

    The border of the forefoot is nearly straight, so the plain arg-max jumps along it with
    noise. The station is instead the vertex of a parabola fitted to the per-bin outline
    (clipped to the range), and the extreme is measured by :func:`robust_extreme` at it.
    """
    x, y = pf[:, 0], pf[:, 1]
    if x_hi - x_lo < 1.0:
        near = mask & (np.abs(x - x_lo) <= 6.0)
        ex = robust_extreme(pf[near], (0.0, sign, 0.0)) if near.sum() >= 12 else None
        if ex is None:
            return None
        point = ex.point.copy()
        point[0] = x_lo
        return Extreme(ex.value_mm, point, ex.n_used, ex.rms_mm)
    sel = mask & (x >= x_lo) & (x <= x_hi)
    if sel.sum() < 12:
        return None
    xs, ys = x[sel], sign * y[sel]
    edges = np.arange(x_lo, x_hi + 3.0, 3.0)
    bx, by = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        q = ys[(xs >= a) & (xs < b)]
        if q.size >= 3:
            bx.append(0.5 * (a + b))
            by.append(np.quantile(q, 0.95))
    station = 0.5 * (x_lo + x_hi)
    if len(bx) >= 4:
        c2, c1, c0 = np.polyfit(bx, by, 2)
        grid = np.linspace(x_lo, x_hi, 201)
        station = float(grid[np.argmax(c0 + c1 * grid + c2 * grid * grid)])
    near = sel & (np.abs(x - station) <= 6.0)
    ex = robust_extreme(pf[near], (0.0, sign, 0.0)) if near.sum() >= 12 else None
    if ex is None:
        return None
    point = ex.point.copy()
    point[0] = station
    return Extreme(ex.value_mm, point, ex.n_used, ex.rms_mm)


def _grid_share(p2: NDArray[np.float64], cell_mm: float, lo: NDArray, hi: NDArray) -> set:
    ij = np.floor((p2 - lo) / cell_mm).astype(np.int64)
    ok = np.all(p2 >= lo, axis=1) & np.all(p2 < hi, axis=1)
    return set(map(tuple, ij[ok]))


def _coverage(p: NDArray[np.float64], fl: float, heel_w: float, ball_lo: float, ball_hi: float):
    cell = max(3.0, 0.015 * fl)
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    # Heel cap: y-bins across the heel with points in the rearmost 6 % FL.
    hw = max(heel_w, 20.0)
    heel_bins = np.linspace(-0.4 * hw, 0.4 * hw, 9)
    rear = p[x < 0.06 * fl]
    heel = np.mean(
        [
            np.any((rear[:, 1] >= a) & (rear[:, 1] < b))
            for a, b in zip(heel_bins[:-1], heel_bins[1:])
        ]
    )
    # Toes: y-bins across the toe band with points in the front 6 % FL.
    front = p[x > 0.94 * fl]
    tb = np.linspace(ball_lo + 0.1 * (ball_hi - ball_lo), ball_lo + 0.6 * (ball_hi - ball_lo), 9)
    toes = np.mean(
        [np.any((front[:, 1] >= a) & (front[:, 1] < b)) for a, b in zip(tb[:-1], tb[1:])]
    )
    # Sides: x-bins holding side-facing surface (|normal y| > 0.7) on that side of the axis;
    # 12 such points (of every 2nd point), as noisy normals make a few stray ones anywhere.
    xb = np.linspace(0.1 * fl, 0.9 * fl, 11)
    # Normals of every 2nd point are plenty for coverage and halve the cost.
    sub = p[::2]
    ny = _abs_normals(sub, p)[:, 1] > 0.7
    x, y = sub[:, 0], sub[:, 1]

    def side_share(sel: NDArray[np.bool_], min_count: int = 12) -> float:
        return float(
            np.mean(
                [
                    np.count_nonzero(sel & (x >= a) & (x < b)) >= min_count
                    for a, b in zip(xb[:-1], xb[1:])
                ]
            )
        )

    medial = side_share(ny & (y < -0.15 * hw))
    lateral = side_share(ny & (y > 0.15 * hw))
    x, y = p[:, 0], p[:, 1]
    dorsum = side_share(z > 0.12 * fl, 25)
    # Sole: footprint cells under the midfoot seen from below as well as from above (two
    # layers more than 0.05 FL apart). The heel has no dorsal layer (the leg is above it) and
    # the contact patches lie inside the floor band, so the midfoot is where a sole shows.
    under = (np.abs(y) < 0.3 * hw) & (x > 0.25 * fl) & (x < 0.75 * fl)
    sole = 0.0
    if under.sum() >= 10:
        q = np.floor(p[under, :2] / cell).astype(np.int64)
        _, inv = np.unique(q, axis=0, return_inverse=True)
        inv = inv.ravel()
        n_cells = int(inv.max()) + 1
        zmin = np.full(n_cells, np.inf)
        zmax = np.full(n_cells, -np.inf)
        np.minimum.at(zmin, inv, z[under])
        np.maximum.at(zmax, inv, z[under])
        sole = float(np.mean((zmax - zmin) > 0.05 * fl))
    return Coverage(
        heel=float(heel),
        toes=float(toes),
        medial_side=medial,
        lateral_side=lateral,
        sole=sole,
        dorsum=dorsum,
    )


def _abs_normals(
    q: NDArray[np.float64], p: NDArray[np.float64], k: int = 12
) -> NDArray[np.float64]:
    """Unsigned unit normals ``(m, 3)`` at ``q`` from the PCA of ``k`` neighbours in ``p``."""
    if p.shape[0] <= k:
        return np.zeros_like(q)
    _, nb = cKDTree(p).query(q, k=k, workers=-1)
    nbh = p[nb] - p[nb].mean(axis=1, keepdims=True)
    cov = np.einsum("nki,nkj->nij", nbh, nbh)
    _, vecs = np.linalg.eigh(cov)
    return np.abs(vecs[:, :, 0])


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
    completed = landmarks is not None
    if from_model is None:
        from_model = np.zeros(points.shape[0], dtype=bool)
    if model_sd_mm is None:
        model_sd_mm = np.zeros(points.shape[0])
    # A completed foot keeps its model sole (below the floor band, the capture has nothing).
    keep = points[:, 2] >= (0.0 if completed else FLOOR_BAND_MM)
    p, from_model, model_sd_mm = points[keep], from_model[keep], model_sd_mm[keep]
    if p.shape[0] < 100:
        raise NotAFootError("nothing stands above the floor: no foot found")
    try:
        if landmarks is not None:
            # Length from the capture where it saw both ends: model points interleaved with
            # the capture at the toe tip would blur its extreme.
            q = p[~from_model] if np.count_nonzero(~from_model) >= 100 else p
            fit = axis_from_landmarks(
                q[q[:, 2] <= LEG_CUT_FRAC * fl_guess * 1.15],
                fl_guess,
                landmarks.heel_centre_xy,
                landmarks.second_toe_xy,
            )
        else:
            first = refine_axis(p[p[:, 2] <= LEG_CUT_FRAC * fl_guess * 1.15], fl_guess)
            fl = first.length_mm
            sel = p[:, 2] <= LEG_CUT_FRAC * fl
            p, from_model, model_sd_mm = p[sel], from_model[sel], model_sd_mm[sel]
            # Continue from the first axis: usually one more pass.
            fit = refine_axis(p @ first.rotation.T, fl)
            fit = replace(fit, rotation=fit.rotation @ first.rotation)
    except (ValueError, IndexError) as exc:
        raise NotAFootError(f"no heel and toe found: {exc}") from None
    fl = fit.length_mm
    pf = (p @ fit.rotation.T) - fit.origin
    sel = pf[:, 2] <= LEG_CUT_FRAC * fl
    pf, from_model, model_sd_mm = pf[sel], from_model[sel], model_sd_mm[sel]
    seen = ~from_model
    if noise_mm is None:
        noise_mm = estimate_noise_mm(pf[seen])
    x, y, z = pf[:, 0], pf[:, 1], pf[:, 2]
    low = z <= 0.15 * fl

    length_def = "pternion -> acropodion along the heel-centre -> 2nd-toe axis, floor projection"
    if completed:
        length_def = (
            "pternion -> acropodion along the axis heel centre -> 2nd-toe tip (landmarks from "
            "the fitted foot model), floor projection"
        )
    conf_len = min(
        _conf(fit.pternion.n_used, fit.pternion.rms_mm, noise_mm),
        _conf(fit.acropodion.n_used, fit.acropodion.rms_mm, noise_mm),
    )
    m_length = Measurement(fl, "mm", MEASURED, conf_len, length_def)
    if completed:
        ends_model = [
            _model_support(pf, from_model, model_sd_mm, e.point, 4.0)
            for e in (fit.pternion, fit.acropodion)
        ]
        share = max(s for s, _ in ends_model)
        if share > 0.5:
            sd_end = float(np.hypot(*[u for _, u in ends_model]))
            m_length = replace(
                m_length,
                status=MODEL_COMPLETED,
                uncertainty=sd_end,
                reason="heel or toe end not captured: completed by the foot model",
            )

    # Ball: MTH1 most medial in 60-85 % FL, MTH5 most lateral in 55-75 % FL (doc §2.2).
    # The forefoot border is nearly straight, so where exactly its extreme lies is ill-posed
    # (it jumped by 30 mm between captures). The ball line therefore uses fixed stations at
    # the mean proportions of the joints; the extremes are measured at those stations.
    if landmarks is not None:
        mth1 = _snap_keypoint(pf, seen, fit.rotation @ landmarks.mth1 - fit.origin, noise_mm)
        mth5 = _snap_keypoint(pf, seen, fit.rotation @ landmarks.mth5 - fit.origin, noise_mm)
    else:
        x_m1, x_m5 = MTH1_AT_FRAC * fl, MTH5_AT_FRAC * fl
        mth1 = _side_landmark(pf, low, x_m1, x_m1, -1.0)
        mth5 = _side_landmark(pf, low, x_m5, x_m5, 1.0)
    mth1_free = _side_landmark(pf, low, 0.60 * fl, 0.85 * fl, -1.0)
    if mth1 is None or mth5 is None:
        raise NotAFootError("no forefoot sides found")
    ball_def = (
        "floor-projected distance MTH1 (most medial at 74 % FL) - MTH5 (most lateral at 64 % FL)"
    )
    if completed:
        ball_def = (
            "floor-projected distance MTH1 - MTH5: the fitted foot model's keypoints (FIND "
            "inner / outer extrema) on the captured surface"
        )
    ball_w = float(np.hypot(*(mth1.point[:2] - mth5.point[:2])))
    conf_ball = min(
        _conf(mth1.n_used, mth1.rms_mm, noise_mm), _conf(mth5.n_used, mth5.rms_mm, noise_mm)
    )
    m_ball = Measurement(ball_w, "mm", MEASURED, conf_ball, ball_def)
    if completed and min(mth1.n_used, mth5.n_used) == 0:
        sd_b = float(np.median(model_sd_mm[from_model])) if from_model.any() else 0.0
        m_ball = replace(
            m_ball,
            status=MODEL_COMPLETED,
            confidence=0.5,
            uncertainty=sd_b,
            reason="a ball joint was not captured: the foot model's keypoint is used",
        )

    fore = low & (x >= 0.55 * fl) & (x <= 0.85 * fl)
    b_med = _slab_extreme(pf, fore, (0.0, -1.0, 0.0))
    b_lat = _slab_extreme(pf, fore, (0.0, 1.0, 0.0))
    breadth = b_med.value_mm + b_lat.value_mm  # both extremes, -y and +y
    m_breadth = Measurement(
        breadth,
        "mm",
        MEASURED,
        min(
            _conf(b_med.n_used, b_med.rms_mm, noise_mm), _conf(b_lat.n_used, b_lat.rms_mm, noise_mm)
        ),
        "extent perpendicular to the axis in 55-85 % FL (ANSUR footbreadthhorizontal)",
    )

    heel_slab = (np.abs(x - HEEL_WIDTH_AT_FRAC * fl) <= 6.0) & (z <= 0.155 * fl)
    h_med = _slab_extreme(pf, heel_slab, (0.0, -1.0, 0.0))
    h_lat = _slab_extreme(pf, heel_slab, (0.0, 1.0, 0.0))
    heel_def = "breadth perpendicular to the axis at 16 % FL, below 15.5 % FL height (Lee 2014)"
    if h_med is None or h_lat is None:
        m_heel = _unavailable(heel_def, "no points at the heel")
        heel_w = 0.0
    else:
        heel_w = h_med.value_mm + h_lat.value_mm
        m_heel = Measurement(
            heel_w,
            "mm",
            MEASURED,
            min(
                _conf(h_med.n_used, h_med.rms_mm, noise_mm),
                _conf(h_lat.n_used, h_lat.rms_mm, noise_mm),
            ),
            heel_def,
        )

    # Ball girth: vertical plane through MTH1 and MTH5.
    a, b = mth1.point[:2], mth5.point[:2]
    t_dir = (b - a) / max(np.linalg.norm(b - a), 1e-9)
    n_dir = np.array([-t_dir[1], t_dir[0]])
    dist = (pf[:, :2] - a) @ n_dir
    slab = np.abs(dist) <= SECTION_HALF_WIDTH_MM
    sector = None if completed else (-150.0, -30.0)
    sec = section_outline(np.column_stack([(pf[slab, :2] - a) @ t_dir, z[slab]]), 72, sector)
    girth_def = (
        "convex perimeter of the vertical section through MTH1 and MTH5, closed along the floor"
    )
    instep_def = "convex perimeter of the section perpendicular to the axis at 55 % FL, closed along the floor"
    if completed:
        girth_def = (
            "tape-like girth: convex-hull perimeter of the complete vertical section (capture "
            "plus model-completed sole) through MTH1 and MTH5"
        )
        instep_def = (
            "tape-like girth: convex-hull perimeter of the complete section perpendicular to "
            "the axis at 55 % FL (capture plus model-completed sole)"
        )
    m_ball_girth = _section_measure(sec, girth_def, noise_mm)
    if completed:
        m_ball_girth = _completed_girth(m_ball_girth, from_model[slab], model_sd_mm[slab])

    instep_slab = np.abs(x - INSTEP_GIRTH_AT_FRAC * fl) <= SECTION_HALF_WIDTH_MM
    sec_i = section_outline(np.column_stack([y[instep_slab], z[instep_slab]]), 72, sector)
    m_instep_girth = _section_measure(sec_i, instep_def, noise_mm)
    if completed:
        m_instep_girth = _completed_girth(
            m_instep_girth, from_model[instep_slab], model_sd_mm[instep_slab]
        )

    ih = _slab_extreme(pf, np.abs(x - INSTEP_HEIGHT_AT_FRAC * fl) <= 4.0, (0.0, 0.0, 1.0))
    ih_def = "highest dorsal point at 50 % FL (McPoil 2008)"
    if ih is None:
        m_ih = _unavailable(ih_def, "no dorsal points at 50 % FL")
    else:
        m_ih = Measurement(
            ih.value_mm, "mm", MEASURED, _conf(ih.n_used, ih.rms_mm, noise_mm), ih_def
        )

    hb_def = (
        "along-axis distance pternion -> most medial forefoot point in 60-85 % FL (parabola vertex)"
    )
    m_hb = (
        _unavailable(hb_def, "no medial forefoot outline")
        if mth1_free is None
        # The vertex of a nearly straight border is weakly determined: confidence is halved.
        else Measurement(float(mth1_free.point[0]), "mm", MEASURED, 0.5 * conf_ball, hb_def)
    )

    th = _slab_extreme(pf, (x >= 0.85 * fl) & (x <= 0.95 * fl), (0.0, 0.0, 1.0))
    th_def = "highest point in 85-95 % FL (hallux)"
    m_toe = (
        _unavailable(th_def, "no points over the toes")
        if th is None
        else Measurement(th.value_mm, "mm", MEASURED, _conf(th.n_used, th.rms_mm, noise_mm), th_def)
    )

    cov = _coverage(pf[seen], fl, heel_w, float(mth1.point[1]), float(mth5.point[1]))
    arch_def = "highest plantar point, medial half, 35-65 % FL (weight-bearing sole needed)"
    if cov.sole >= SOLE_VISIBLE_MIN:
        m_arch = _arch_height(pf[seen], fl, arch_def, noise_mm, cov.sole)
    elif completed:
        m_arch = _arch_height(pf, fl, arch_def, noise_mm, 1.0)
        if m_arch.value is not None:
            arch = (x >= 0.35 * fl) & (x <= 0.65 * fl) & (y < 0) & from_model
            u = float(np.median(model_sd_mm[arch])) if arch.any() else None
            m_arch = replace(
                m_arch,
                status=MODEL_COMPLETED,
                confidence=0.5 * m_arch.confidence,
                uncertainty=u,
                reason=(
                    f"sole not captured (coverage {cov.sole:.0%}): plantar surface of the "
                    "fitted foot model, non-weight-bearing shape"
                ),
            )
    else:
        m_arch = _unavailable(arch_def, f"sole not captured (coverage {cov.sole:.0%})")

    ahi_def = "dorsal height at 50 % FL / truncated foot length (pternion -> MTH1)"
    if m_ih.value is not None and mth1.point[0] > 0:
        m_ahi = Measurement(
            m_ih.value / float(mth1.point[0]),
            "1",
            MEASURED,
            min(m_ih.confidence, conf_ball),
            ahi_def,
        )
    else:
        m_ahi = _unavailable(ahi_def, "instep height unavailable", unit="1")

    meas = FootMeasurements(
        foot_length=m_length,
        foot_breadth=m_breadth,
        ball_width=m_ball,
        heel_width=m_heel,
        ball_girth=m_ball_girth,
        instep_girth=m_instep_girth,
        instep_height=m_ih,
        heel_to_ball_length=m_hb,
        toe_height=m_toe,
        arch_height=m_arch,
        arch_height_index=m_ahi,
    )
    return FrameMeasurement(measurements=meas, axis=fit, coverage=cov, points_foot=pf[seen])


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


def _model_support(
    pf: NDArray[np.float64],
    from_model: NDArray[np.bool_],
    sd: NDArray[np.float64],
    point: NDArray[np.float64],
    radius_mm: float,
) -> tuple[float, float]:
    """Share of model points near ``point`` and their median posterior sd (mm)."""
    near = np.linalg.norm(pf - point, axis=1) <= radius_mm
    if not near.any():
        return 0.0, 0.0
    share = float(from_model[near].mean())
    u = float(np.median(sd[near & from_model])) if (near & from_model).any() else 0.0
    return share, u


def _completed_girth(
    m: Measurement, from_model: NDArray[np.bool_], sd: NDArray[np.float64]
) -> Measurement:
    """Mark a girth that relies on model surface and give its uncertainty.

    A radial offset ``d`` over a share ``s`` of a loop changes its perimeter by about
    ``2 pi s d``; the posterior surface sd of the model points plays ``d``.
    """
    if m.value is None or from_model.size == 0:
        return m
    share = float(from_model.mean())
    if share < 0.1:
        return m
    d = float(np.median(sd[from_model])) if from_model.any() else 0.0
    return replace(
        m,
        status=MODEL_COMPLETED,
        uncertainty=float(2 * np.pi * share * d),
        reason=f"{share:.0%} of the section completed by the foot model (sole or holes)",
    )


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


def _section_measure(sec: SectionOutline | None, definition: str, noise_mm: float) -> Measurement:
    if sec is None:
        return _unavailable(definition, "too few points in the section")
    if sec.angular_coverage < 0.5:
        return Measurement(
            None,
            "mm",
            UNAVAILABLE,
            0.0,
            definition,
            f"section only {sec.angular_coverage:.0%} seen",
        )
    conf = sec.angular_coverage / (1.0 + (noise_mm / 2.5) ** 2)
    return Measurement(sec.perimeter_mm, "mm", MEASURED, float(np.clip(conf, 0, 1)), definition)


def _arch_height(
    pf: NDArray[np.float64], fl: float, definition: str, noise_mm: float, sole: float
) -> Measurement:
    x, y, z = pf[:, 0], pf[:, 1], pf[:, 2]
    region = (x >= 0.35 * fl) & (x <= 0.65 * fl) & (y < 0)
    if region.sum() < 20:
        return _unavailable(definition, "no points under the medial arch")
    cell = max(3.0, 0.015 * fl)
    q = np.floor(pf[region, :2] / cell).astype(np.int64)
    _, inv = np.unique(q, axis=0, return_inverse=True)
    inv = inv.ravel()
    n_cells = int(inv.max()) + 1
    zmin = np.full(n_cells, np.inf)
    zmax = np.full(n_cells, -np.inf)
    np.minimum.at(zmin, inv, z[region])
    np.maximum.at(zmax, inv, z[region])
    plantar = zmin[(zmax - zmin) > 0.04 * fl]  # cells that see both sole and dorsum
    if plantar.size < 3:
        return _unavailable(definition, "plantar surface under the arch not captured")
    value = float(np.quantile(plantar, 0.9))
    conf = sole / (1.0 + (noise_mm / 2.5) ** 2)
    return Measurement(value, "mm", MEASURED, float(np.clip(conf, 0, 1)), definition)


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


def _densify(vertices: NDArray[np.float64], faces: NDArray[np.int64], edge_mm: float = 1.5):
    """Vertices plus points on faces larger than ``edge_mm`` (deterministic barycentric grid)."""
    tri = vertices[faces]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    target = edge_mm * edge_mm * 0.5
    extra = []
    big = area > 2 * target
    if big.any():
        rng = np.random.default_rng(0)
        counts = np.ceil(area[big] / target).astype(np.int64) - 1
        idx = np.repeat(np.flatnonzero(big), counts)
        r1 = np.sqrt(rng.random(idx.size))
        r2 = rng.random(idx.size)
        t = tri[idx]
        extra.append(
            (1 - r1)[:, None] * t[:, 0]
            + (r1 * (1 - r2))[:, None] * t[:, 1]
            + (r1 * r2)[:, None] * t[:, 2]
        )
    return np.vstack([vertices, *extra]) if extra else vertices
