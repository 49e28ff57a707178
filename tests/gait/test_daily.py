"""Daily activity: steps against the synthetic truth, wear time, steps per day."""

from __future__ import annotations

import numpy as np

from gait import analyze
from gait.analysis._activity import ActivitySegment
from gait.analysis._daily import MIN_WEAR_S, daily_summary
from gait.analysis._strides import StrideTable
from gait.insole import synthesize_with_truth


def test_steps_match_the_true_heel_strikes():
    plan = [("sitting", 60), ("walking", 120), ("standing", 30), ("walking", 90), ("sitting", 30)]
    rec, truth = synthesize_with_truth(plan, seed=11)
    report = analyze(rec)
    # Every true heel strike, including the last one of a bout that lands into standing.
    true_steps = sum(truth.ic_s[s].size for s in ("left", "right"))
    d = report.to_dict()["daily"]
    assert abs(d["steps"] - true_steps) <= 0.02 * true_steps, (d["steps"], true_steps)
    assert abs(d["active_min"] - 3.5) < 0.1
    assert abs(d["wear_s"] - 330) < 5  # every second of this recording is classified
    assert d["daily_steps"] is None  # minutes of data are no day


def _table(n, bouts):
    ic = np.arange(n) * 1.1
    return StrideTable("left", ic, ic + 0.66, ic + 1.1, np.repeat(np.arange(bouts), n // bouts),
                       np.full(n, 0.25))  # fmt: skip


def test_steps_per_day_need_ten_hours_of_wear():
    tables = {"left": _table(3000, 30), "right": _table(3000, 30)}
    worn = [ActivitySegment(0.0, MIN_WEAR_S, "sitting")]
    d = daily_summary(tables, worn, 86400.0)
    assert d.steps == 6060 and d.daily_steps == 6060 and d.days == 1
    short = [ActivitySegment(0.0, MIN_WEAR_S - 60, "sitting")]
    assert daily_summary(tables, short, 86400.0).daily_steps is None
    # Two days of recording: steps per day halve.
    assert daily_summary(tables, worn, 2 * 86400.0).daily_steps == 3030
    # One foot recorded: its steps count twice.
    assert daily_summary({"left": _table(3000, 30)}, worn, 86400.0).steps == 6060
