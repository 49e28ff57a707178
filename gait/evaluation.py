"""Compare detected gait events with published reference intervals (gaitndd ``.ts``).

Matching rule (documented in ``docs/gait.md``): a published row's left stride is *matched*
when we detected left initial contacts within ``tol_s`` of both its ends (the row's end time
and end minus its stride) and they are consecutive contacts of ours. Its right stride is the
one of ours that ends at our first right initial contact after that left stride starts (the
``.ts`` definition); it is matched when it exists and differs from the published value by at
most ``tol_s``. Errors are ours minus published, over matched strides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gait.analysis._events import FootEvents
from gait.datasets import GaitnddIntervals

__all__ = ["TsComparison", "compare_with_ts", "summarise_comparisons"]


@dataclass(frozen=True)
class TsComparison:
    """Per-row comparison of one record with its ``.ts`` file.

    Parameters
    ----------
    record : str
        Record name.
    group : str
        Group label.
    matched : (m, 2) bool
        Left/right stride of each published row matched.
    stride_err_s, swing_err_s, stance_err_s : (m, 2) float64
        Ours minus published (NaN where unmatched).
    ic_offset_s : (m,) float64
        Our matched left IC minus the published one (timing bias).
    """

    record: str
    group: str
    matched: NDArray[np.bool_] = field(repr=False)
    stride_err_s: NDArray[np.float64] = field(repr=False)
    swing_err_s: NDArray[np.float64] = field(repr=False)
    stance_err_s: NDArray[np.float64] = field(repr=False)
    ic_offset_s: NDArray[np.float64] = field(repr=False)

    @property
    def matched_frac(self) -> float:
        """Share of published strides (left and right) that were matched."""
        return float(self.matched.mean()) if self.matched.size else 0.0


def _nearest(sorted_t: NDArray[np.float64], q: NDArray[np.float64]) -> NDArray[np.int64]:
    k = np.clip(np.searchsorted(sorted_t, q), 1, max(sorted_t.size - 1, 1))
    left = np.clip(k - 1, 0, sorted_t.size - 1)
    right = np.clip(k, 0, sorted_t.size - 1)
    pick_left = np.abs(q - sorted_t[left]) <= np.abs(sorted_t[right] - q)
    return np.where(pick_left, left, right)


def compare_with_ts(
    left: FootEvents,
    right: FootEvents,
    ts: GaitnddIntervals,
    record: str = "",
    group: str = "",
    tol_s: float = 0.1,
) -> TsComparison:
    """Compare detected contacts of both feet with a record's published intervals.

    Parameters
    ----------
    left, right : FootEvents
        Our detected contacts.
    ts : GaitnddIntervals
        The published intervals.
    record, group : str
        Labels for the result.
    tol_s : float
        Matching tolerance (event position and stride length).

    Returns
    -------
    TsComparison
    """
    m = ts.n_rows
    matched = np.zeros((m, 2), dtype=bool)
    stride_err = np.full((m, 2), np.nan)
    swing_err = np.full((m, 2), np.nan)
    stance_err = np.full((m, 2), np.nan)
    ic_off = np.full(m, np.nan)
    li, lf = left.ic_s, left.fc_s
    ri, rf = right.ic_s, right.fc_s
    if li.size < 2:
        return TsComparison(record, group, matched, stride_err, swing_err, stance_err, ic_off)
    end_ref = ts.left_ic_end_s
    start_ref = end_ref - ts.stride_s[:, 0]
    j_end = _nearest(li, end_ref)
    j_start = _nearest(li, start_ref)
    ok_l = (
        (np.abs(li[j_end] - end_ref) <= tol_s)
        & (np.abs(li[j_start] - start_ref) <= tol_s)
        & (j_end == j_start + 1)
        & left.ic_ok[j_end]
        & left.ic_ok[j_start]
    )
    for i in np.flatnonzero(ok_l):
        j0, j1 = j_start[i], j_end[i]
        s = li[j1] - li[j0]
        e = s - ts.stride_s[i, 0]
        if abs(e) > tol_s:
            continue
        matched[i, 0] = True
        stride_err[i, 0] = e
        ic_off[i] = li[j1] - end_ref[i]
        if left.fc_ok[j0] and li[j0] < lf[j0] < li[j1]:
            swing_err[i, 0] = (li[j1] - lf[j0]) - ts.swing_s[i, 0]
            stance_err[i, 0] = (lf[j0] - li[j0]) - ts.stance_s[i, 0]
        # Right stride: ends at our first right IC after this left stride starts.
        k = int(np.searchsorted(ri, li[j0], side="right"))
        if 1 <= k < ri.size and right.ic_ok[k] and right.ic_ok[k - 1]:
            rs = ri[k] - ri[k - 1]
            er = rs - ts.stride_s[i, 1]
            if abs(er) <= tol_s:
                matched[i, 1] = True
                stride_err[i, 1] = er
                if right.fc_ok[k - 1] and ri[k - 1] < rf[k - 1] < ri[k]:
                    swing_err[i, 1] = (ri[k] - rf[k - 1]) - ts.swing_s[i, 1]
                    stance_err[i, 1] = (rf[k - 1] - ri[k - 1]) - ts.stance_s[i, 1]
    return TsComparison(record, group, matched, stride_err, swing_err, stance_err, ic_off)


def _med_abs_ms(x: NDArray[np.float64]) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(np.abs(x)) * 1000.0) if x.size else float("nan")


def _p90_abs_ms(x: NDArray[np.float64]) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(np.abs(x), 90) * 1000.0) if x.size else float("nan")


def summarise_comparisons(comparisons: list[TsComparison]) -> dict[str, dict[str, float]]:
    """Per-group and overall statistics of several record comparisons.

    Parameters
    ----------
    comparisons : list of TsComparison
        One per record.

    Returns
    -------
    dict of group (and ``"all"``) -> dict
        ``records``, ``matched_median_pct``, ``matched_min_pct``, ``records_ge97_pct``,
        ``stride_med_ms``, ``stride_p90_ms``, ``swing_med_ms``, ``stance_med_ms``,
        ``stance_bias_ms``, ``ic_offset_med_ms``.
    """
    groups: dict[str, list[TsComparison]] = {}
    for c in comparisons:
        groups.setdefault(c.group, []).append(c)
    groups["all"] = list(comparisons)
    out = {}
    for g, cs in groups.items():
        if not cs:
            continue
        fr = np.array([c.matched_frac for c in cs]) * 100.0
        se = np.concatenate([c.stride_err_s.ravel() for c in cs])
        we = np.concatenate([c.swing_err_s.ravel() for c in cs])
        te = np.concatenate([c.stance_err_s.ravel() for c in cs])
        io = np.concatenate([c.ic_offset_s for c in cs])
        tef = te[np.isfinite(te)]
        out[g] = {
            "records": float(len(cs)),
            "matched_median_pct": float(np.median(fr)),
            "matched_min_pct": float(np.min(fr)),
            "records_ge97_pct": float(np.mean(fr >= 97.0) * 100.0),
            "stride_med_ms": _med_abs_ms(se),
            "stride_p90_ms": _p90_abs_ms(se),
            "swing_med_ms": _med_abs_ms(we),
            "stance_med_ms": _med_abs_ms(te),
            "stance_bias_ms": float(np.mean(tef) * 1000.0) if tef.size else float("nan"),
            "ic_offset_med_ms": float(np.nanmedian(io) * 1000.0)
            if np.isfinite(io).any()
            else float("nan"),
        }
    return out


#: Summary fields whose within-session repeatability :func:`split_half_mdc` measures.
REPEATABILITY_FIELDS: tuple[str, ...] = (
    "cadence_spm",
    "stride_cv_pct",
    "stride_sd_ms",
    "stance_pct",
    "double_support_pct",
    "symmetry_index_pct",
)


def split_half_mdc(recordings: list[Any]) -> dict[str, tuple[float, int]]:
    """Smallest detectable change (MDC95) of each indicator from the two halves of walks.

    Each recording is cut at its middle and both halves are analysed alone; for each
    indicator the differences between halves give ``SEM = SD(diff) / sqrt(2)`` and
    ``MDC95 = 1.96 * sqrt(2) * SEM = 1.96 * SD(diff)`` (Weir 2005). Two halves of one walk
    are closer than two days, so this is a lower bound of the between-day change.

    Parameters
    ----------
    recordings : list of Recording
        Long steady walks (e.g. the 5-min gaitndd control walks).

    Returns
    -------
    dict name -> (mdc95, n_pairs)
        In the indicator's unit; fields missing in a half are left out of that pair.
    """
    from dataclasses import replace

    from gait.analysis import analyze
    from gait.insole import FootSignal

    diffs: dict[str, list[float]] = {k: [] for k in REPEATABILITY_FIELDS}
    for rec in recordings:
        n = max(f.n_samples for f in rec.feet.values())
        halves = []
        for a, b in ((0, n // 2), (n // 2, n)):
            feet = {
                s: FootSignal(
                    f.side,
                    f.values[a:b],
                    f.sensor_xy_mm,
                    None if f.valid is None else f.valid[a:b],
                    None if f.imu is None else f.imu[a:b],
                )  # fmt: skip
                for s, f in rec.feet.items()
            }
            halves.append(analyze(replace(rec, left=feet.get("left"), right=feet.get("right"))))
        for k in REPEATABILITY_FIELDS:
            v1, v2 = getattr(halves[0].summary, k), getattr(halves[1].summary, k)
            if v1 is not None and v2 is not None:
                diffs[k].append(float(v1) - float(v2))
    return {k: (1.96 * float(np.std(d, ddof=1)), len(d)) for k, d in diffs.items() if len(d) >= 3}
