"""The measurements of a foot as a table of small functions (definitions: docs/footscan.md §3).

Each entry takes a :class:`FootFrame` (the foot in its frame, its landmarks and noise) and the
values measured before it, and returns one :class:`~footscan._measurement.Measurement`. The
order of :data:`MEASURES` is the order of evaluation: the arch height needs the coverage, the
arch height index needs the instep height.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from footscan._align import AxisFit
from footscan._coverage import cell_z_range, foot_coverage
from footscan._landmarks import Extreme, SectionOutline, robust_extreme, section_outline
from footscan._measurement import (
    MEASURED,
    MODEL_COMPLETED,
    UNAVAILABLE,
    Coverage,
    Measurement,
    unavailable,
)
from footscan.consts import (
    HEEL_WIDTH_AT_FRAC,
    INSTEP_GIRTH_AT_FRAC,
    INSTEP_HEIGHT_AT_FRAC,
    SECTION_HALF_WIDTH_MM,
)
from footscan.exceptions import NotAFootError

__all__ = ["MEASURES", "FootFrame", "SOLE_VISIBLE_MIN", "confidence", "side_landmark"]

SOLE_VISIBLE_MIN = 0.5  # share of midfoot footprint cells seen from below

_LENGTH_DEF = "pternion -> acropodion along the heel-centre -> 2nd-toe axis, floor projection"
_LENGTH_DEF_MODEL = (
    "pternion -> acropodion along the axis heel centre -> 2nd-toe tip (landmarks from "
    "the fitted foot model), floor projection"
)
_BALL_DEF = (
    "floor-projected distance MTH1 (most medial at 74 % FL) - MTH5 (most lateral at 64 % FL)"
)
_BALL_DEF_MODEL = (
    "floor-projected distance MTH1 - MTH5: the fitted foot model's keypoints (FIND "
    "inner / outer extrema) on the captured surface"
)
_GIRTH_DEF = (
    "convex perimeter of the vertical section through MTH1 and MTH5, closed along the floor"
)
_GIRTH_DEF_MODEL = (
    "tape-like girth: convex-hull perimeter of the complete vertical section (capture "
    "plus model-completed sole) through MTH1 and MTH5"
)
_INSTEP_DEF = (
    "convex perimeter of the section perpendicular to the axis at 55 % FL, closed along the floor"
)
_INSTEP_DEF_MODEL = (
    "tape-like girth: convex-hull perimeter of the complete section perpendicular to "
    "the axis at 55 % FL (capture plus model-completed sole)"
)
_BREADTH_DEF = "extent perpendicular to the axis in 55-85 % FL (ANSUR footbreadthhorizontal)"
_HEEL_DEF = "breadth perpendicular to the axis at 16 % FL, below 15.5 % FL height (Lee 2014)"
_IH_DEF = "highest dorsal point at 50 % FL (McPoil 2008)"
_HB_DEF = (
    "along-axis distance pternion -> most medial forefoot point in 60-85 % FL (parabola vertex)"
)
_TOE_DEF = "highest point in 85-95 % FL (hallux)"
_ARCH_DEF = "highest plantar point, medial half, 35-65 % FL (weight-bearing sole needed)"
_AHI_DEF = "dorsal height at 50 % FL / truncated foot length (pternion -> MTH1)"


@dataclass(frozen=True)
class FootFrame:
    """A left-convention foot in its foot frame, with what every measurement needs.

    Attributes
    ----------
    pf : (n, 3) float64
        Points (capture, plus model fill-in when ``completed``), mm, floor z = 0, +X along
        the axis, origin below the pternion.
    from_model : (n,) bool
        Model fill-in points.
    model_sd_mm : (n,) float64
        Posterior surface sd of model points (0 for capture points).
    axis : AxisFit
    noise_mm : float
    completed : bool
        The foot was completed by a fitted model (tape-like girths, model landmarks).
    mth1, mth5 : Extreme
        Ball joints at their stations.
    mth1_free : Extreme or None
        Most medial forefoot point in 60-85 % FL (heel-to-ball length).
    """

    pf: NDArray[np.float64] = field(repr=False)
    from_model: NDArray[np.bool_] = field(repr=False)
    model_sd_mm: NDArray[np.float64] = field(repr=False)
    axis: AxisFit
    noise_mm: float
    completed: bool
    mth1: Extreme
    mth5: Extreme
    mth1_free: Extreme | None

    @property
    def fl(self) -> float:
        """Foot length, mm."""
        return float(self.axis.length_mm)

    @property
    def seen(self) -> NDArray[np.bool_]:
        """Captured (not model) points."""
        return ~self.from_model

    @property
    def ball_confidence(self) -> float:
        """Confidence of the two ball joints."""
        return min(self._conf(self.mth1), self._conf(self.mth5))

    def _conf(self, ex: Extreme) -> float:
        return confidence(ex.n_used, ex.rms_mm, self.noise_mm)


@dataclass(frozen=True)
class Done:
    """Values measured so far, and the coverage once it is known."""

    values: Mapping[str, Measurement]
    coverage: Coverage | None = None


Rule = Callable[[FootFrame, Done], Measurement]


def confidence(n_used: int, rms_mm: float, noise_mm: float, coverage: float = 1.0) -> float:
    """Data support (points in the patch) x noise factor ``1 / (1 + (noise / 2.5 mm)^2)``."""
    support = min(1.0, n_used / 25.0)
    rms = 0.0 if not np.isfinite(rms_mm) else rms_mm
    noise_factor = 1.0 / (1.0 + (max(noise_mm, rms) / 2.5) ** 2)
    return float(np.clip(support * noise_factor * coverage, 0.0, 1.0))


def _slab_extreme(
    p: NDArray[np.float64], mask: NDArray[np.bool_], direction: tuple[float, float, float]
) -> Extreme | None:
    return robust_extreme(p[mask], direction) if mask.any() else None


def side_landmark(
    pf: NDArray[np.float64], mask: NDArray[np.bool_], x_lo: float, x_hi: float, sign: float
) -> Extreme | None:
    """Most medial (``sign=-1``) or lateral (``+1``) point of the outline between two stations.

    The border of the forefoot is nearly straight, so the plain arg-max jumps along it with
    noise. The station is instead the vertex of a parabola fitted to the per-bin outline
    (clipped to the range), and the extreme is measured by :func:`robust_extreme` at it.
    """
    x = pf[:, 0]
    station = x_lo
    if x_hi - x_lo >= 1.0:
        sel = mask & (x >= x_lo) & (x <= x_hi)
        if sel.sum() < 12:
            return None
        station = _outline_vertex(x[sel], sign * pf[sel, 1], x_lo, x_hi)
        mask = sel
    near = mask & (np.abs(x - station) <= 6.0)
    ex = robust_extreme(pf[near], (0.0, sign, 0.0)) if near.sum() >= 12 else None
    if ex is None:
        return None
    point = ex.point.copy()
    point[0] = station
    return Extreme(ex.value_mm, point, ex.n_used, ex.rms_mm)


def _outline_vertex(
    xs: NDArray[np.float64], ys: NDArray[np.float64], lo: float, hi: float
) -> float:
    """Station of the outline's extreme: vertex of a parabola through 3 mm bins (95 % of y)."""
    edges = np.arange(lo, hi + 3.0, 3.0)
    bx, by = [], []
    for a, b in zip(edges[:-1], edges[1:]):
        q = ys[(xs >= a) & (xs < b)]
        if q.size >= 3:
            bx.append(0.5 * (a + b))
            by.append(np.quantile(q, 0.95))
    if len(bx) < 4:
        return 0.5 * (lo + hi)
    c2, c1, c0 = np.polyfit(bx, by, 2)
    grid = np.linspace(lo, hi, 201)
    return float(grid[np.argmax(c0 + c1 * grid + c2 * grid * grid)])


def _model_support(
    f: FootFrame, point: NDArray[np.float64], radius_mm: float
) -> tuple[float, float]:
    """Share of model points near ``point`` and their median posterior sd (mm)."""
    near = np.linalg.norm(f.pf - point, axis=1) <= radius_mm
    if not near.any():
        return 0.0, 0.0
    share = float(f.from_model[near].mean())
    both = near & f.from_model
    return share, float(np.median(f.model_sd_mm[both])) if both.any() else 0.0


def _width(f: FootFrame, mask: NDArray[np.bool_], definition: str, why: str) -> Measurement:
    """Extent perpendicular to the axis of the points in ``mask`` (both robust extremes)."""
    med = _slab_extreme(f.pf, mask, (0.0, -1.0, 0.0))
    lat = _slab_extreme(f.pf, mask, (0.0, 1.0, 0.0))
    if med is None or lat is None:
        return unavailable(definition, why)
    conf = min(f._conf(med), f._conf(lat))
    return Measurement(med.value_mm + lat.value_mm, "mm", MEASURED, conf, definition)


# --------------------------------------------------------------------------- the rules


def foot_length(f: FootFrame, done: Done) -> Measurement:
    """Pternion -> acropodion along the axis; model-completed when an end rests on the model."""
    ax = f.axis
    conf = min(f._conf(ax.pternion), f._conf(ax.acropodion))
    m = Measurement(f.fl, "mm", MEASURED, conf, _LENGTH_DEF_MODEL if f.completed else _LENGTH_DEF)
    if not f.completed:
        return m
    ends = [_model_support(f, e.point, 4.0) for e in (ax.pternion, ax.acropodion)]
    if max(s for s, _ in ends) <= 0.5:
        return m
    return replace(
        m,
        status=MODEL_COMPLETED,
        uncertainty=float(np.hypot(ends[0][1], ends[1][1])),
        reason="heel or toe end not captured: completed by the foot model",
    )


def foot_breadth(f: FootFrame, done: Done) -> Measurement:
    """Extent perpendicular to the axis in 55-85 % FL, below 0.15 FL.

    Raises
    ------
    NotAFootError
        When no points lie at the forefoot (nothing to measure a foot by).
    """
    x, z = f.pf[:, 0], f.pf[:, 2]
    fore = (z <= 0.15 * f.fl) & (x >= 0.55 * f.fl) & (x <= 0.85 * f.fl)
    m = _width(f, fore, _BREADTH_DEF, "no forefoot points")
    if m.value is None:
        raise NotAFootError("no forefoot found between 55 and 85 % of the length")
    return m


def ball_width(f: FootFrame, done: Done) -> Measurement:
    """Floor-projected distance MTH1 - MTH5."""
    value = float(np.hypot(*(f.mth1.point[:2] - f.mth5.point[:2])))
    m = Measurement(
        value, "mm", MEASURED, f.ball_confidence, _BALL_DEF_MODEL if f.completed else _BALL_DEF
    )
    if f.completed and min(f.mth1.n_used, f.mth5.n_used) == 0:
        sd = float(np.median(f.model_sd_mm[f.from_model])) if f.from_model.any() else 0.0
        m = replace(
            m,
            status=MODEL_COMPLETED,
            confidence=0.5,
            uncertainty=sd,
            reason="a ball joint was not captured: the foot model's keypoint is used",
        )
    return m


def heel_width(f: FootFrame, done: Done) -> Measurement:
    """Breadth at 16 % FL below 0.155 FL, slab +-6 mm."""
    x, z = f.pf[:, 0], f.pf[:, 2]
    slab = (np.abs(x - HEEL_WIDTH_AT_FRAC * f.fl) <= 6.0) & (z <= 0.155 * f.fl)
    return _width(f, slab, _HEEL_DEF, "no points at the heel")


def _section_measure(sec: SectionOutline | None, definition: str, noise_mm: float) -> Measurement:
    if sec is None:
        return unavailable(definition, "too few points in the section")
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


def _girth(
    f: FootFrame, slab: NDArray[np.bool_], uv: NDArray[np.float64], definition: str
) -> Measurement:
    """Perimeter of a section (``uv``: in-plane coordinates of the slab's points)."""
    sector = None if f.completed else (-150.0, -30.0)
    m = _section_measure(section_outline(uv, 72, sector), definition, f.noise_mm)
    if not f.completed or m.value is None or not slab.any():
        return m
    # A radial offset d over a share s of a loop changes its perimeter by about 2 pi s d;
    # the posterior surface sd of the model points plays d.
    share = float(f.from_model[slab].mean())
    if share < 0.1:
        return m
    model = f.from_model & slab
    d = float(np.median(f.model_sd_mm[model])) if model.any() else 0.0
    return replace(
        m,
        status=MODEL_COMPLETED,
        uncertainty=float(2 * np.pi * share * d),
        reason=f"{share:.0%} of the section completed by the foot model (sole or holes)",
    )


def ball_girth(f: FootFrame, done: Done) -> Measurement:
    """Section perimeter in the vertical plane through MTH1 and MTH5."""
    a, b = f.mth1.point[:2], f.mth5.point[:2]
    t_dir = (b - a) / max(float(np.linalg.norm(b - a)), 1e-9)
    n_dir = np.array([-t_dir[1], t_dir[0]])
    slab = np.abs((f.pf[:, :2] - a) @ n_dir) <= SECTION_HALF_WIDTH_MM
    uv = np.column_stack([(f.pf[slab, :2] - a) @ t_dir, f.pf[slab, 2]])
    return _girth(f, slab, uv, _GIRTH_DEF_MODEL if f.completed else _GIRTH_DEF)


def instep_girth(f: FootFrame, done: Done) -> Measurement:
    """Section perimeter perpendicular to the axis at 55 % FL."""
    slab = np.abs(f.pf[:, 0] - INSTEP_GIRTH_AT_FRAC * f.fl) <= SECTION_HALF_WIDTH_MM
    uv = f.pf[slab][:, 1:3]
    return _girth(f, slab, uv, _INSTEP_DEF_MODEL if f.completed else _INSTEP_DEF)


def _height(f: FootFrame, mask: NDArray[np.bool_], definition: str, why: str) -> Measurement:
    ex = _slab_extreme(f.pf, mask, (0.0, 0.0, 1.0))
    if ex is None:
        return unavailable(definition, why)
    return Measurement(ex.value_mm, "mm", MEASURED, f._conf(ex), definition)


def instep_height(f: FootFrame, done: Done) -> Measurement:
    """Highest dorsal point at 50 % FL."""
    mask = np.abs(f.pf[:, 0] - INSTEP_HEIGHT_AT_FRAC * f.fl) <= 4.0
    return _height(f, mask, _IH_DEF, "no dorsal points at 50 % FL")


def heel_to_ball_length(f: FootFrame, done: Done) -> Measurement:
    """Along-axis distance to the most medial forefoot point (weak: confidence halved)."""
    if f.mth1_free is None:
        return unavailable(_HB_DEF, "no medial forefoot outline")
    # The vertex of a nearly straight border is weakly determined: confidence is halved.
    value = float(f.mth1_free.point[0])
    return Measurement(value, "mm", MEASURED, 0.5 * f.ball_confidence, _HB_DEF)


def toe_height(f: FootFrame, done: Done) -> Measurement:
    """Highest point in 85-95 % FL."""
    x = f.pf[:, 0]
    return _height(f, (x >= 0.85 * f.fl) & (x <= 0.95 * f.fl), _TOE_DEF, "no points over the toes")


def _arch_value(pf: NDArray[np.float64], fl: float, noise_mm: float, sole: float) -> Measurement:
    """90th percentile of the lowest height in medial 35-65 % FL cells that see two layers."""
    x, y = pf[:, 0], pf[:, 1]
    region = (x >= 0.35 * fl) & (x <= 0.65 * fl) & (y < 0)
    if region.sum() < 20:
        return unavailable(_ARCH_DEF, "no points under the medial arch")
    zmin, zmax = cell_z_range(pf[region], max(3.0, 0.015 * fl))
    plantar = zmin[(zmax - zmin) > 0.04 * fl]  # cells that see both sole and dorsum
    if plantar.size < 3:
        return unavailable(_ARCH_DEF, "plantar surface under the arch not captured")
    conf = sole / (1.0 + (noise_mm / 2.5) ** 2)
    value = float(np.quantile(plantar, 0.9))
    return Measurement(value, "mm", MEASURED, float(np.clip(conf, 0, 1)), _ARCH_DEF)


def arch_height(f: FootFrame, done: Done) -> Measurement:
    """Plantar arch height: measured with a captured sole, model-completed on a fitted foot."""
    sole = done.coverage.sole if done.coverage is not None else 0.0
    if sole >= SOLE_VISIBLE_MIN:
        return _arch_value(f.pf[f.seen], f.fl, f.noise_mm, sole)
    if not f.completed:
        return unavailable(_ARCH_DEF, f"sole not captured (coverage {sole:.0%})")
    m = _arch_value(f.pf, f.fl, f.noise_mm, 1.0)
    if m.value is None:
        return m
    x, y = f.pf[:, 0], f.pf[:, 1]
    arch = (x >= 0.35 * f.fl) & (x <= 0.65 * f.fl) & (y < 0) & f.from_model
    return replace(
        m,
        status=MODEL_COMPLETED,
        confidence=0.5 * m.confidence,
        uncertainty=float(np.median(f.model_sd_mm[arch])) if arch.any() else None,
        reason=(
            f"sole not captured (coverage {sole:.0%}): plantar surface of the "
            "fitted foot model, non-weight-bearing shape"
        ),
    )


def arch_height_index(f: FootFrame, done: Done) -> Measurement:
    """Instep height / truncated length (pternion -> MTH1)."""
    ih = done.values["instep_height"]
    if ih.value is None or f.mth1.point[0] <= 0:
        return unavailable(_AHI_DEF, "instep height unavailable", unit="1")
    value = ih.value / float(f.mth1.point[0])
    return Measurement(value, "1", MEASURED, min(ih.confidence, f.ball_confidence), _AHI_DEF)


def coverage_of(f: FootFrame, done: Done) -> Coverage:
    """Coverage of the captured points (needs the heel width)."""
    hw = done.values["heel_width"].value or 0.0
    return foot_coverage(f.pf[f.seen], f.fl, hw, float(f.mth1.point[1]), float(f.mth5.point[1]))


#: Field name -> rule, in order of evaluation; ``None`` marks where the coverage is computed.
MEASURES: tuple[tuple[str, Rule | None], ...] = (
    ("foot_length", foot_length),
    ("ball_width", ball_width),
    ("foot_breadth", foot_breadth),
    ("heel_width", heel_width),
    ("ball_girth", ball_girth),
    ("instep_girth", instep_girth),
    ("instep_height", instep_height),
    ("heel_to_ball_length", heel_to_ball_length),
    ("toe_height", toe_height),
    ("coverage", None),
    ("arch_height", arch_height),
    ("arch_height_index", arch_height_index),
)


def run_measures(f: FootFrame) -> tuple[dict[str, Measurement], Coverage]:
    """Evaluate :data:`MEASURES` in order; returns the values and the coverage."""
    done = Done({})
    values: dict[str, Measurement] = {}
    for name, rule in MEASURES:
        if rule is None:
            done = Done(values, coverage_of(f, done))
            continue
        values[name] = rule(f, done)
        done = Done(values, done.coverage)
    assert done.coverage is not None
    return values, done.coverage
