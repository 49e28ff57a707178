"""Care indicators of a person across sessions: population reference, own baseline, change.

The small Flask-free API a care manager's page calls::

    from gait.care import indicators_for

    for ind in indicators_for(reports, age_years=78):   # oldest first; GaitReport or dict
        print(ind.label, ind.value, ind.flag, ind.reason)

Each :class:`Indicator` carries the latest value, its typical range and that range's source,
a population flag only where a published threshold exists (age-adjusted,
:func:`gait.consts.reference_for`), the person's own baseline (median of their first
sessions), the change against it, the smallest meaningful change (repeatability) and whether
the change exceeds it. "Changed" is said only beyond the smallest meaningful change; no flag is
raised without a source.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gait.analysis import GaitReport
from gait.analysis._care import flag_of, status_of
from gait.consts import REFERENCE_RANGES, ReferenceRange, reference_for
from gait.exceptions import GaitError

__all__ = ["BASELINE_DAYS", "MIN_STRIDES", "CareDataError", "Indicator", "indicators_for"]

#: Sessions within this many days of the first one form the baseline (when dates are given).
BASELINE_DAYS = 28
#: Without dates, the first this many sessions form the baseline.
BASELINE_SESSIONS = 3

#: Fewest strides (both feet) for a session's gait values to count: a care manager should not act
#: on a few steps (the stride-time variability itself needs 10 cleaned strides per foot).
MIN_STRIDES = 20
#: Indicators measured from the strides (not from the day's activity).
_FROM_STRIDES = frozenset(
    {"walking_speed_m_s", "stride_sd_ms", "cadence_spm", "stride_cv_pct", "double_support_pct",
     "stance_pct", "symmetry_index_pct"}
)  # fmt: skip
#: Which way a change is unfavourable ("down", "up", or "away" from zero).
_ADVERSE = {
    "walking_speed_m_s": "down",
    "daily_steps": "down",
    "stride_sd_ms": "up",
    "stride_cv_pct": "up",
    "double_support_pct": "up",
    "cadence_spm": "down",
    "stance_pct": "up",
    "symmetry_index_pct": "away",
}
_LEVELS = {"unknown": 0, "none": 1, "watch": 2, "act": 3}


class CareDataError(GaitError, ValueError):
    """Sessions that cannot be compared (none, unknown type, dates not matching)."""


@dataclass(frozen=True)
class Indicator:
    """One indicator of one person: latest value, references, baseline, change and flag.

    Parameters
    ----------
    name, label, unit : str
        Key, plain-language label and unit.
    value : float or None
        Value of the latest session (None: not measured in it).
    reference_low, reference_high : float or None
        Typical range (context; ``reference_high`` None: no upper concern).
    reference_source : str
        Source of the typical range.
    population_flag : str
        ``"act"``, ``"watch"``, ``"none"`` or ``"unknown"`` against the published threshold.
    flag_source : str
        Source of that threshold (empty: the indicator has no population flag).
    baseline : float or None
        Median of the baseline sessions (the first 28 days, or the first 3 sessions).
    baseline_n : int
        Baseline sessions with a value.
    change : float or None
        ``value - baseline``.
    smallest_change : float or None
        Smallest meaningful change (repeatability), in ``unit``.
    change_source : str
        Its source.
    trend : str
        ``"worse"``, ``"better"``, ``"stable"`` (within the smallest meaningful change) or
        ``"unknown"`` (no baseline, or no established meaningful change).
    flag : str
        The final flag: the population flag, raised to ``"watch"`` by a change for the worse
        beyond the smallest meaningful change.
    reason : str
        Why, in words, with the sources.
    adjusted_for : tuple of str
        What the thresholds were adjusted for (``"age"``).
    n_sessions : int
        Sessions given.
    n_strides : int
        Strides of the latest session (its gait values count from 20 strides on).
    """

    name: str
    label: str
    unit: str
    value: float | None
    reference_low: float | None
    reference_high: float | None
    reference_source: str
    population_flag: str
    flag_source: str
    baseline: float | None
    baseline_n: int
    change: float | None
    smallest_change: float | None
    change_source: str
    trend: str
    flag: str
    reason: str
    adjusted_for: tuple[str, ...]
    n_sessions: int
    n_strides: int


def _values(session: GaitReport | Mapping[str, Any]) -> dict[str, float | None]:
    """Indicator values of one session (a report or its ``to_dict()``)."""
    if isinstance(session, GaitReport):
        d = session.to_dict()
    elif isinstance(session, Mapping):
        d = dict(session)
    else:
        raise CareDataError(f"a session must be a GaitReport or its dict, not {type(session)}")
    summary = d.get("summary") or {}
    daily = d.get("daily") or {}
    n_strides = summary.get("n_strides")
    enough = isinstance(n_strides, int) and n_strides >= MIN_STRIDES
    out: dict[str, float | None] = {"n_strides": float(n_strides or 0)}
    for name in REFERENCE_RANGES:
        v = daily.get(name) if name == "daily_steps" else summary.get(name)
        usable = enough or name not in _FROM_STRIDES
        if isinstance(v, int | float) and math.isfinite(v) and usable:
            out[name] = float(v)
        else:
            out[name] = None
    return out


def _baseline_indices(n: int, dates: Sequence[datetime] | None) -> list[int]:
    """Sessions forming the baseline, never the latest one."""
    if dates is None:
        return list(range(min(BASELINE_SESSIONS, n - 1)))
    first = dates[0]
    return [i for i in range(n - 1) if (dates[i] - first).total_seconds() <= BASELINE_DAYS * 86400]


def _trend(name: str, change: float | None, ref: ReferenceRange) -> str:
    if change is None or ref.smallest_change is None:
        return "unknown"
    if abs(change) <= ref.smallest_change:
        return "stable"
    adverse = _ADVERSE[name]
    worse = change < 0 if adverse == "down" else change > 0
    return "worse" if worse else "better"


def _indicator(
    name: str,
    series: list[float | None],
    base_idx: list[int],
    age_years: float | None,
    n_strides: int,
) -> Indicator:
    ref = reference_for(name, age_years)
    value = series[-1]
    base_vals = [v for i in base_idx if (v := series[i]) is not None]
    baseline = statistics.median(base_vals) if len(base_vals) >= 2 else None
    change = None
    if value is not None and baseline is not None:
        change = abs(value) - abs(baseline) if _ADVERSE[name] == "away" else value - baseline
    pop = flag_of(value, ref)
    trend = _trend(name, change, ref)
    flag = pop
    reasons = []
    if pop in ("watch", "act"):
        reasons.append(f"{pop}: {ref.label.lower()} {value:g} {ref.unit} ({ref.flag_source})")
    if trend == "worse":
        if _LEVELS[flag] < _LEVELS["watch"]:
            flag = "watch"
        reasons.append(
            f"changed for the worse by {abs(change or 0.0):.3g} {ref.unit} against the own "
            f"baseline {baseline:.3g} (more than the smallest meaningful change "
            f"{ref.smallest_change:g}: {ref.change_source})"
        )
    if value is None:
        reasons.append(
            f"not measured in the latest session (fewer than {MIN_STRIDES} strides)"
            if name in _FROM_STRIDES and n_strides < MIN_STRIDES
            else "not measured in the latest session"
        )
    if age_years is None and ref.adjusted_for:
        reasons.append("age unknown: thresholds for adults >= 60-65 y applied")
    return Indicator(
        name=name, label=ref.label, unit=ref.unit, value=value,
        reference_low=ref.low, reference_high=ref.high if math.isfinite(ref.high) else None,
        reference_source=ref.source, population_flag=pop, flag_source=ref.flag_source,
        baseline=baseline, baseline_n=len(base_vals), change=change,
        smallest_change=ref.smallest_change, change_source=ref.change_source, trend=trend,
        flag=flag, reason="; ".join(reasons) if reasons else status_of(value, ref),
        adjusted_for=ref.adjusted_for, n_sessions=len(series), n_strides=n_strides,
    )  # fmt: skip


def indicators_for(
    sessions: Sequence[GaitReport | Mapping[str, Any]],
    age_years: float | None = None,
    dates: Sequence[datetime] | None = None,
) -> tuple[Indicator, ...]:
    """Indicators of one person: the latest session against the population and the baseline.

    Parameters
    ----------
    sessions : sequence of GaitReport or dict
        The person's sessions, oldest first (reports or their ``to_dict()``, as stored).
    age_years : float, optional
        Age, for the age-banded thresholds (walking speed >= 65 y, daily steps < / >= 60 y).
    dates : sequence of datetime, optional
        When each session was recorded (increasing); the baseline is then the first 28 days,
        otherwise the first 3 sessions. The latest session is never part of its baseline.

    Returns
    -------
    tuple of Indicator
        In the order of :data:`gait.consts.REFERENCE_RANGES`.

    Raises
    ------
    CareDataError
        No session, a session of another type, dates of another length or not increasing,
        or an impossible age.
    """
    if not sessions:
        raise CareDataError("no session to compute indicators from")
    if age_years is not None and not 0 < age_years < 130:
        raise CareDataError(f"age must be between 0 and 130 years, got {age_years}")
    if dates is not None:
        if len(dates) != len(sessions):
            raise CareDataError(f"{len(dates)} dates for {len(sessions)} sessions")
        if any(b < a for a, b in zip(dates, dates[1:], strict=False)):
            raise CareDataError("sessions must be given oldest first (dates decrease)")
    values = [_values(s) for s in sessions]
    base_idx = _baseline_indices(len(values), dates)
    latest_strides = int(values[-1]["n_strides"] or 0)
    return tuple(
        _indicator(name, [v[name] for v in values], base_idx, age_years, latest_strides)
        for name in REFERENCE_RANGES
    )
