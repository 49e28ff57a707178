"""Pressure distribution: region load shares, peaks, centre-of-pressure paths, loading tendency.

All shares are computed over **stance** samples of walking strides (or, without strides, over
loaded samples), after removing each sensor's unloaded offset (its 2nd percentile) so that
FSR baselines do not count as load.

``ml_index`` is ``(medial - lateral) / (medial + lateral)`` of the midfoot and forefoot load
(-1 all lateral, +1 all medial). It is a *loading tendency*, compared against the wearer's
own baseline when one is given (``baseline_ml_index``), never a pronation diagnosis
(``docs/gait.md`` §8). ``heel_impact`` classifies the median loading rate: the steepest rise
of the foot's total force in the first 20 % of stance, divided by its mean stance force (1/s).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gait.analysis._feet import each_foot
from gait.analysis._quantiles import column_percentiles, foot_finite_rows
from gait.analysis._strides import StrideTable
from gait.insole._layouts import REGIONS, SensorLayout, get_layout, layout_from_positions
from gait.insole._recording import FootSignal

__all__ = [
    "COP_PATH_POINTS",
    "FootPressure",
    "PressureSummary",
    "analyse_pressure",
    "foot_layout",
    "stuck_sensors",
    "summarise_pressure",
]

#: Points of the mean CoP path (0 %, 5 %, ..., 100 % of stance).
COP_PATH_POINTS = 21
#: ml_index band around the reference that counts as "neutral" (no own baseline / baseline).
_ML_BAND_POPULATION = 0.15
_ML_BAND_OWN = 0.08
#: Loading-rate limits (1/s) of heel_impact.
_HARD_IMPACT_PER_S = 25.0
_SOFT_IMPACT_PER_S = 8.0


def foot_layout(foot: FootSignal) -> SensorLayout | None:
    """The layout of a foot: built-in when the positions match one, else labelled by position."""
    xy = foot.sensor_xy_mm
    k = foot.values.shape[1]
    if xy is None or k < 4:
        return None
    xy = np.asarray(xy, dtype=np.float64)
    if k in (8, 16):
        builtin = get_layout(k)
        if np.allclose(builtin.xy_mm, xy, atol=0.5):
            return builtin
    return layout_from_positions(xy)


def stuck_sensors(values: NDArray[np.float64], valid: NDArray[np.bool_] | None = None) -> list[int]:
    """Indices of sensors that never change (dead, all-zero or saturated).

    Parameters
    ----------
    values : (n, k) float64
        Sensor values.
    valid : (n,) bool, optional
        Samples to consider.

    Returns
    -------
    list of int
    """
    v = values if valid is None else values[valid]
    if v.shape[0] < 2:
        return []
    with np.errstate(invalid="ignore"):
        lo = np.nanpercentile(v, 1, axis=0) if np.isfinite(v).any() else np.zeros(v.shape[1])
        hi = np.nanpercentile(v, 99, axis=0) if np.isfinite(v).any() else np.zeros(v.shape[1])
    span = hi - lo
    ref = max(float(np.nanmax(span)) if np.isfinite(span).any() else 0.0, 1e-12)
    return [int(i) for i in np.flatnonzero(~(span > 1e-3 * ref))]


@dataclass(frozen=True)
class FootPressure:
    """Pressure results of one foot.

    Parameters
    ----------
    side : str
        The foot.
    region_load : dict of region -> float
        Summed stance load per region (sensor units x samples).
    medial_load, lateral_load : float
        Summed midfoot+forefoot stance load, medial and lateral sensors.
    sensor_mean : (k,) float64
        Mean stance value per sensor (heat map).
    sensor_peak : (k,) float64
        99th-percentile value per sensor.
    cop_path_mm : (COP_PATH_POINTS, 2) float64 or None
        Mean CoP path over steps, insole frame (+x medial).
    cop_steps_heel_to_toe_pct : float or None
        Share of steps whose CoP moves forward by at least a third of the sensor span.
    loading_rate_per_s : float or None
        Median loading rate over steps.
    stuck : list of int
        Sensors excluded as stuck.
    layout : SensorLayout
        The layout used.
    """

    side: str
    region_load: dict[str, float]
    medial_load: float
    lateral_load: float
    sensor_mean: NDArray[np.float64] = field(repr=False)
    sensor_peak: NDArray[np.float64] = field(repr=False)
    cop_path_mm: NDArray[np.float64] | None = field(repr=False)
    cop_steps_heel_to_toe_pct: float | None
    loading_rate_per_s: float | None
    stuck: list[int]
    layout: SensorLayout = field(repr=False)


@dataclass(frozen=True)
class PressureSummary:
    """Pressure results of the recording (None where not computable).

    Parameters
    ----------
    feet : dict of side -> FootPressure
        Per-foot results (feet without sensor positions are absent).
    region_share : dict of region -> float or None
        Share of stance load per region over both feet (sums to 1).
    ml_index : float or None
        Medial minus lateral share of midfoot+forefoot load.
    ml_reference : float
        Reference ``ml_index`` (the wearer's baseline, or 0 for the layout's neutral line).
    ml_reference_kind : str
        ``"own baseline"`` or ``"layout neutral (no baseline)"``.
    ml_tendency : str or None
        ``"medial"``, ``"neutral"`` or ``"lateral"`` against the reference.
    loading_rate_per_s : float or None
        Median loading rate over both feet.
    heel_impact : str or None
        ``"hard"``, ``"normal"`` or ``"soft"``.
    """

    feet: dict[str, FootPressure]
    region_share: dict[str, float | None]
    ml_index: float | None
    ml_reference: float
    ml_reference_kind: str
    ml_tendency: str | None
    loading_rate_per_s: float | None
    heel_impact: str | None


def _stance_mask(table: StrideTable | None, n: int, fs: float) -> NDArray[np.bool_]:
    m = np.zeros(n, dtype=bool)
    if table is None:
        return m
    walk = table.stance_s / np.maximum(table.stride_s, 1e-9) >= 0.3
    a = np.clip(np.rint(np.asarray(table.ic_s[walk], dtype=np.float64) * fs), 0, n).astype(int)
    b = np.clip(np.rint(np.asarray(table.fc_s[walk], dtype=np.float64) * fs), 0, n).astype(int)
    a, b = a[b > a], b[b > a]
    # Windows marked with +1/-1 at their ends: covered where the running count is positive.
    edge = np.zeros(n + 1, dtype=np.int64)
    np.add.at(edge, a, 1)
    np.add.at(edge, b, -1)
    m[:] = np.cumsum(edge[:n]) > 0
    return m


_BASE_KEY = "_column_p2"


def column_base(foot: FootSignal) -> NDArray[np.float64]:
    """Each sensor's 2nd percentile over the whole foot, NaN left out (its zero offset).

    ``np.nanpercentile(foot.values, 2, axis=0)``; remembered by the pressure analysis when
    it computed the same numbers (every value finite, or the rows it left out all NaN), else
    computed here.
    """
    cached = foot.__dict__.get(_BASE_KEY)
    if cached is not None:
        return np.array(cached)
    base: np.ndarray = column_percentiles(foot.values, [2.0], ignore_nan=True)[0]
    return base


def _foot_pressure(foot: FootSignal, table: StrideTable | None, fs: float) -> FootPressure | None:
    layout = foot_layout(foot)
    if layout is None:
        return None
    n = foot.n_samples
    values = np.asarray(foot.values, dtype=np.float64)
    valid = foot_finite_rows(foot)
    if foot.valid is not None:
        valid &= foot.valid
    if valid.sum() < 10:
        return None
    # One sort for every percentile needed (rows are finite where valid).
    whole = bool(valid.all())
    rows = values if whole else values.compress(valid, axis=0)
    p1, p2, p99 = column_percentiles(rows, [1.0, 2.0, 99.0])
    if whole or bool(np.isnan(values[~valid]).all()):
        # Every value finite, or the rows left out wholly missing (an export's dropouts): then
        # these are also the 2nd percentiles with NaN left out per sensor (column_base's).
        foot.__dict__[_BASE_KEY] = p2.copy()
    span = p99 - p1
    ref = max(float(np.max(span)), 1e-12)
    stuck = [int(i) for i in np.flatnonzero(~(span > 1e-3 * ref))]
    base = p2
    v = np.subtract(values, base)
    np.clip(v, 0.0, None, out=v)
    v[:, stuck] = 0.0
    v[~valid] = 0.0
    tot = v.sum(axis=1)
    stance = _stance_mask(table, n, fs) & valid
    if stance.sum() < 10:
        ref = np.percentile(tot[valid], 95) if valid.any() else 0.0
        stance = valid & (tot > 0.2 * ref)
    if stance.sum() < 10 or not np.any(tot[stance] > 0):
        return None
    vs = v.compress(stance, axis=0)

    def load(mask: NDArray[np.bool_]) -> float:
        # The same (m, c) copy as ``vs[:, mask]``, so the same sum; ``take`` copies faster.
        return float(vs.take(np.flatnonzero(mask), axis=1).sum())

    region_load = {r: load(layout.region_mask(r)) for r in REGIONS}
    mf = layout.region_mask("midfoot") | layout.region_mask("forefoot")
    medial = load(mf & layout.medlat_mask("medial"))
    lateral = load(mf & layout.medlat_mask("lateral"))
    sensor_mean = vs.mean(axis=0)
    # The 99th percentile commutes with the monotone offset-and-clip above.
    sensor_peak = np.clip(p99 - base, 0.0, None)
    sensor_peak[stuck] = 0.0
    cop_path, fwd, rates = _step_paths(v, tot, valid, table, fs, layout.xy_mm)
    return FootPressure(
        side=foot.side,
        region_load=region_load,
        medial_load=medial,
        lateral_load=lateral,
        sensor_mean=sensor_mean,
        sensor_peak=sensor_peak,
        cop_path_mm=cop_path,
        cop_steps_heel_to_toe_pct=float(100.0 * np.mean(fwd)) if fwd.size else None,
        loading_rate_per_s=float(np.median(rates)) if rates.size else None,
        stuck=stuck,
        layout=layout,
    )


def _step_windows(
    table: StrideTable | None, valid: NDArray[np.bool_], fs: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Sample windows ``[a, b)`` of the steps usable for CoP: >= 5 samples, all valid."""
    if table is None or table.ic_s.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # Python's round (half to even) like np.rint, per stride as before.
    a = np.rint(np.asarray(table.ic_s, dtype=np.float64) * fs).astype(np.int64)
    b = np.rint(np.asarray(table.fc_s, dtype=np.float64) * fs).astype(np.int64)
    n = valid.size
    bad_before = np.r_[0, np.cumsum(~valid)]
    inside = (a >= 0) & (b <= n) & (b - a >= 5)
    ac, bc = np.clip(a, 0, n), np.clip(b, 0, n)
    keep = inside & (bad_before[bc] - bad_before[ac] == 0)
    return a[keep], b[keep]


def _step_paths(
    v: NDArray[np.float64],
    tot: NDArray[np.float64],
    valid: NDArray[np.bool_],
    table: StrideTable | None,
    fs: float,
    xy: NDArray[np.float64],
) -> tuple[NDArray[np.float64] | None, NDArray[np.bool_], NDArray[np.float64]]:
    """Mean CoP path over steps, heel-to-toe flags and loading rates (1/s), all steps at once.

    Per step ``[a, b)``: samples above 5 % of the step's peak force give the CoP, resampled
    at :data:`COP_PATH_POINTS` phases of stance (linear, as ``np.interp``); the loading rate
    is the steepest rise of the total force in the first 20 % of stance over its mean.
    """
    a, b = _step_windows(table, valid, fs)
    if a.size == 0:
        return None, np.zeros(0, bool), np.zeros(0)
    n_w = b - a
    # Samples of all windows, concatenated (windows may overlap, so gather by index).
    starts = np.r_[0, np.cumsum(n_w)[:-1]]
    step_of = np.repeat(np.arange(a.size), n_w)
    local = np.arange(int(n_w.sum())) - starts[step_of]
    s = tot[a[step_of] + local]
    peak = np.maximum.reduceat(s, starts)
    ok = s > 0.05 * np.maximum(peak, 1e-12)[step_of]
    n_ok = np.add.reduceat(ok.astype(np.int64), starts)
    use = n_ok >= 4
    # Loading rate: max of diff over the first max(int(0.2 (b - a)), 2) samples, over the mean.
    head = np.maximum((0.2 * n_w).astype(np.int64), 2)
    d = np.diff(tot)
    idx = np.empty(2 * a.size, np.int64)
    idx[0::2], idx[1::2] = a, a + head - 1
    rise = np.maximum.reduceat(d, idx)[0::2] if d.size else np.zeros(a.size)
    mean_f = np.add.reduceat(s, starts) / n_w
    rates = rise[use] * fs / mean_f[use]
    # CoP of the loaded samples, phase = local index / (b - a - 1).
    sel = ok & use[step_of]
    g_step, g_local = step_of[sel], local[sel]
    rows = a[g_step] + g_local
    cop = (v[rows] @ xy) / tot[rows, None]
    ph = g_local / np.maximum(n_w[g_step] - 1, 1)
    steps = np.flatnonzero(use)
    path = _interp_steps(steps, g_step, ph, cop)
    span_y = float(np.ptp(xy[:, 1]))
    fwd = path[:, -3, 1] - path[:, 2, 1] >= span_y / 3.0
    return (np.mean(path, axis=0) if steps.size else None), fwd, rates


def _interp_steps(
    steps: NDArray[np.int64],
    g_step: NDArray[np.int64],
    ph: NDArray[np.float64],
    cop: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``np.interp`` of each step's CoP at the path phases, for all steps at once.

    ``g_step`` (sorted) names the step of each point, ``ph`` its phase (increasing within a
    step). Returns ``(len(steps), COP_PATH_POINTS, 2)``.
    """
    grid = np.linspace(0.0, 1.0, COP_PATH_POINTS)
    first = np.searchsorted(g_step, steps, side="left")
    last = np.searchsorted(g_step, steps, side="right") - 1
    # Index of the last point at or before each grid phase, within its step (phases <= 1).
    key = g_step * 4.0 + ph
    q = (steps[:, None] * 4.0 + grid[None, :]).ravel()
    j = np.searchsorted(key, q, side="right") - 1
    lo = np.repeat(first, COP_PATH_POINTS)
    hi = np.repeat(last, COP_PATH_POINTS)
    x = np.tile(grid, steps.size)
    below = j < lo
    above = j >= hi
    jj = np.clip(j, lo, np.maximum(hi - 1, lo))
    j1 = np.minimum(jj + 1, hi)
    out = np.empty((q.size, 2))
    for c in range(2):
        f = cop[:, c]
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = (f[j1] - f[jj]) / (ph[j1] - ph[jj])
            val = slope * (x - ph[jj]) + f[jj]
        val = np.where(x == ph[jj], f[jj], val)
        val = np.where(below, f[lo], val)
        val = np.where(above, f[hi], val)
        out[:, c] = val
    return out.reshape(steps.size, COP_PATH_POINTS, 2)


def analyse_pressure(
    feet: dict[str, FootSignal],
    tables: dict[str, StrideTable],
    sampling_rate_hz: float,
    baseline_ml_index: float | None = None,
) -> PressureSummary:
    """Pressure analysis of a recording.

    Parameters
    ----------
    feet : dict of side -> FootSignal
        The feet (only those with sensor positions and >= 4 sensors are analysed).
    tables : dict of side -> StrideTable
        Strides (stance windows); may be empty.
    sampling_rate_hz : float
        Sampling rate.
    baseline_ml_index : float, optional
        The wearer's own earlier ``ml_index`` (e.g. from a first session); without it the
        tendency is judged against the layout's neutral line with a wider band.

    Returns
    -------
    PressureSummary
    """
    each = each_foot(lambda s, f: _foot_pressure(f, tables.get(s), sampling_rate_hz), feet)
    res = {side: fp for side, fp in each.items() if fp is not None}
    return summarise_pressure(res, baseline_ml_index)


def summarise_pressure(
    res: dict[str, FootPressure], baseline_ml_index: float | None = None
) -> PressureSummary:
    """The recording-level pressure summary from per-foot results.

    Parameters
    ----------
    res : dict of side -> FootPressure
        Per-foot results (loads are sums, so results of consecutive parts can be added).
    baseline_ml_index : float, optional
        The wearer's own earlier ``ml_index``.

    Returns
    -------
    PressureSummary
    """
    if baseline_ml_index is None:
        ref, ref_kind, band = 0.0, "layout neutral (no baseline)", _ML_BAND_POPULATION
    else:
        ref, ref_kind, band = float(baseline_ml_index), "own baseline", _ML_BAND_OWN
    if not res:
        return PressureSummary({}, dict.fromkeys(REGIONS), None, ref, ref_kind, None, None, None)
    region_tot = {r: sum(fp.region_load[r] for fp in res.values()) for r in REGIONS}
    total = sum(region_tot.values())
    share = {r: (region_tot[r] / total if total > 0 else None) for r in REGIONS}
    med = sum(fp.medial_load for fp in res.values())
    lat = sum(fp.lateral_load for fp in res.values())
    ml = (med - lat) / (med + lat) if med + lat > 0 else None
    tendency = None
    if ml is not None:
        tendency = "medial" if ml > ref + band else "lateral" if ml < ref - band else "neutral"
    rates = [fp.loading_rate_per_s for fp in res.values() if fp.loading_rate_per_s is not None]
    rate = float(np.median(rates)) if rates else None
    impact = None
    if rate is not None:
        impact = (
            "hard"
            if rate > _HARD_IMPACT_PER_S
            else "soft"
            if rate < _SOFT_IMPACT_PER_S
            else "normal"
        )
    return PressureSummary(res, share, ml, ref, ref_kind, tendency, rate, impact)
