"""Daily activity of long recordings: steps, wear time, active minutes, steps per day.

Steps are heel strikes inside walking and running strides of both feet (each stride of a
foot is one step of that foot, plus the last strike of each bout). Wear time is time the
activity classifier could name (sitting, standing, walking, running); "unknown" (insole off,
missing data) is not worn. Steps per day are given only for at least 10 hours of wear, the
usual valid-day rule of accelerometer step counts (a design choice, documented), scaled to the
number of calendar-day lengths the recording spans.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gait.analysis._activity import ActivitySegment
from gait.analysis._strides import StrideTable

__all__ = ["MIN_WEAR_S", "DailySummary", "daily_summary"]

#: Wear time needed before steps per day are given (s): 10 hours.
MIN_WEAR_S = 10 * 3600.0


@dataclass(frozen=True)
class DailySummary:
    """Amount of activity in a recording.

    Parameters
    ----------
    steps : int
        Heel strikes in walking or running strides (both feet; one foot recorded: doubled).
    wear_s : float
        Time classified as sitting, standing, walking or running (s).
    active_min : float
        Walking and running time (min).
    daily_steps : float or None
        Steps per day; None below 10 h of wear.
    days : int
        Day lengths the recording spans (at least 1).
    """

    steps: int = 0
    wear_s: float = 0.0
    active_min: float = 0.0
    daily_steps: float | None = None
    days: int = 1


def daily_summary(
    tables: dict[str, StrideTable], activity: list[ActivitySegment], span_s: float
) -> DailySummary:
    """Steps, wear time and active minutes of a recording (see the module docstring).

    Parameters
    ----------
    tables : dict of side -> StrideTable
        Strides of each foot.
    activity : list of ActivitySegment
        Activity timeline.
    span_s : float
        Length of the recording (s).

    Returns
    -------
    DailySummary
    """
    steps = 0
    for t in tables.values():
        if t.n:
            steps += int(t.n + np.unique(t.bout).size)
    if len(tables) == 1:
        steps *= 2
    wear_s = float(sum(a.end_s - a.start_s for a in activity if a.kind != "unknown"))
    active_min = float(
        sum(a.end_s - a.start_s for a in activity if a.kind in ("walking", "running")) / 60.0
    )
    days = max(1, int(round(span_s / 86400.0)))
    daily = steps / days if wear_s >= MIN_WEAR_S else None
    return DailySummary(steps, wear_s, active_min, daily, days)
