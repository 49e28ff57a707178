"""The gait report: one frozen result object with a JSON view and an HTML view.

JSON contract (``GaitReport.to_dict()``; other packages rely on these keys):

* ``strides``: list of ``{side, heel_strike_s, toe_off_s, stride_s, stance_s, swing_s}``;
* ``summary``: ``{cadence_spm, stride_cv_pct, stance_pct, swing_pct, double_support_pct,
  symmetry_index_pct, n_strides, walking_s, ...}``;
* ``activity``: list of ``{start_s, end_s, kind}``;
* ``pressure``: ``{region_share, ml_index, ml_tendency, heel_impact, cop_path, ...}``;
* ``posture``, ``care`` (list of ``{name, value, unit, range_low, range_high, status}``),
  ``quality`` (``{lost_samples, gaps, feet}``) and ``meta``.

Anything that cannot be computed is ``null``. Numbers are rounded for readability
(times to 0.1 ms, percentages to 0.01).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gait.analysis._activity import ActivitySegment
from gait.analysis._care import CareIndicator
from gait.analysis._daily import DailySummary
from gait.analysis._html import render_html
from gait.analysis._posture import PostureSummary
from gait.analysis._pressure import PressureSummary
from gait.analysis._speed import SpeedSummary
from gait.analysis._strides import StrideSummary, StrideTable

__all__ = ["GaitReport", "QualityReport"]


def _r(x: float | None, nd: int = 4) -> float | None:
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, nd)


@dataclass(frozen=True)
class QualityReport:
    """Data quality of the analysed recording.

    Parameters
    ----------
    lost_samples : int
        Samples missing or invalid (summed over feet).
    gaps : list of dict
        ``{side, start_s, end_s}`` per run of missing samples.
    feet : list of dict
        Per foot: ``side``, ``n_samples``, ``missing_samples``, ``usable``,
        ``stuck_sensors``, ``n_contacts`` and source-specific counts.
    notes : list of str
        Plain-language warnings (one foot only, no walking, unusable signal...).
    n_gaps : int
        Number of gaps (``gaps`` lists at most the 200 longest).
    """

    lost_samples: int
    gaps: list[dict[str, Any]]
    feet: list[dict[str, Any]]
    notes: list[str]
    n_gaps: int = 0


@dataclass(frozen=True)
class GaitReport:
    """Everything computed from one recording.

    Parameters
    ----------
    tables : dict of side -> StrideTable
        Strides per foot.
    summary : StrideSummary
        Walking summary.
    walking_s : float
        Time classified as walking or running.
    activity : list of ActivitySegment
        Activity segments.
    pressure : PressureSummary
        Pressure results.
    posture : PostureSummary
        Standing balance.
    care : list of CareIndicator
        Care indicators with ranges.
    quality : QualityReport
        Data quality.
    meta : dict
        Source, format, sampling rate, duration, versions.
    speed : SpeedSummary
        Walking speed and stride length from the insole IMU (unavailable without one).
    daily : DailySummary
        Steps, wear time, active minutes and steps per day.
    """

    tables: dict[str, StrideTable] = field(repr=False)
    summary: StrideSummary
    walking_s: float
    activity: list[ActivitySegment] = field(repr=False)
    pressure: PressureSummary = field(repr=False)
    posture: PostureSummary
    care: list[CareIndicator] = field(repr=False)
    quality: QualityReport = field(repr=False)
    meta: dict[str, Any] = field(repr=False)
    speed: SpeedSummary = field(default_factory=SpeedSummary)
    daily: DailySummary = field(default_factory=DailySummary)

    def strides_list(self) -> list[dict[str, Any]]:
        """Strides of both feet in time order (JSON-ready)."""
        rows = []
        for side, t in self.tables.items():
            for i in range(t.n):
                rows.append(
                    {
                        "side": side,
                        "heel_strike_s": _r(t.ic_s[i]),
                        "toe_off_s": _r(t.fc_s[i]),
                        "stride_s": _r(t.stride_s[i]),
                        "stance_s": _r(t.stance_s[i]),
                        "swing_s": _r(t.swing_s[i]),
                        "double_support_s": _r(t.double_support_s[i]),
                    }
                )
        rows.sort(key=lambda r: (r["heel_strike_s"], r["side"]))
        return rows

    def _pressure_dict(self) -> dict[str, Any]:
        p = self.pressure
        feet_p = {}
        for side, fp in p.feet.items():
            feet_p[side] = {
                "region_share": {
                    r: _r(v / tot if (tot := sum(fp.region_load.values())) > 0 else None)
                    for r, v in fp.region_load.items()
                },
                "sensor_mean": [_r(v, 3) for v in fp.sensor_mean],
                "sensor_peak": [_r(v, 3) for v in fp.sensor_peak],
                "stuck_sensors": list(fp.stuck),
                "cop_steps_heel_to_toe_pct": _r(fp.cop_steps_heel_to_toe_pct, 2),
                "loading_rate_per_s": _r(fp.loading_rate_per_s, 2),
                "layout": fp.layout.name,
            }
        return {
            "region_share": {k: _r(v) for k, v in p.region_share.items()},
            "ml_index": _r(p.ml_index),
            "ml_reference": _r(p.ml_reference),
            "ml_reference_kind": p.ml_reference_kind,
            "ml_tendency": p.ml_tendency,
            "loading_rate_per_s": _r(p.loading_rate_per_s, 2),
            "heel_impact": p.heel_impact,
            "cop_path": {
                side: [[_r(x, 2), _r(y, 2)] for x, y in fp.cop_path_mm]
                if fp.cop_path_mm is not None
                else None
                for side, fp in p.feet.items()
            },
            "cop_frame": "insole mm, +x medial, +y heel to toe; path over 0-100 % of stance",
            "feet": feet_p,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON report as plain Python objects (see the module docstring)."""
        s = self.summary
        return {
            "strides": self.strides_list(),
            "summary": {
                "cadence_spm": _r(s.cadence_spm, 2),
                "stride_s": _r(s.stride_s),
                "stride_cv_pct": _r(s.stride_cv_pct, 2),
                "stride_sd_ms": _r(s.stride_sd_ms, 1),
                "swing_cv_pct": _r(s.swing_cv_pct, 2),
                "stance_pct": _r(s.stance_pct, 2),
                "swing_pct": _r(s.swing_pct, 2),
                "double_support_pct": _r(s.double_support_pct, 2),
                "symmetry_index_pct": _r(s.symmetry_index_pct, 2),
                "gait_asymmetry_pct": _r(s.gait_asymmetry_pct, 2),
                "n_strides": int(s.n_strides),
                "n_clean_strides": int(s.n_clean_strides),
                "walking_s": _r(self.walking_s, 2),
                "walking_speed_m_s": _r(self.speed.walking_speed_m_s, 3),
                "stride_length_m": _r(self.speed.stride_length_m, 3),
                "walking_speed_source": self.speed.source,
                "walking_speed_note": self.speed.note,
                "stairs_up_strides": int(self.speed.stairs_up_strides),
                "stairs_down_strides": int(self.speed.stairs_down_strides),
            },
            "activity": [
                {"start_s": _r(a.start_s, 3), "end_s": _r(a.end_s, 3), "kind": a.kind}
                for a in self.activity
            ],
            "pressure": self._pressure_dict(),
            "posture": {
                "standing_s": _r(self.posture.standing_s, 2),
                "left_share_pct": _r(self.posture.left_share_pct, 2),
                "rear_share_pct": _r(self.posture.rear_share_pct, 2),
                "sway_ml_mm": _r(self.posture.sway_ml_mm, 2),
                "sway_ap_mm": _r(self.posture.sway_ap_mm, 2),
                "sway_velocity_mm_s": _r(self.posture.sway_velocity_mm_s, 2),
            },
            "care": [
                {
                    "name": c.name,
                    "label": c.label,
                    "value": _r(c.value, 2),
                    "unit": c.unit,
                    "range_low": _r(c.range_low, 4),
                    "range_high": _r(c.range_high, 4),
                    "status": c.status,
                    "source": c.source,
                    "flag": c.flag,
                    "flag_source": c.flag_source,
                    "smallest_change": c.smallest_change,
                    "change_source": c.change_source,
                }
                for c in self.care
            ],
            "daily": {
                "steps": int(self.daily.steps),
                "wear_s": _r(self.daily.wear_s, 1),
                "active_min": _r(self.daily.active_min, 2),
                "daily_steps": _r(self.daily.daily_steps, 0),
                "days": int(self.daily.days),
            },
            "quality": {
                "lost_samples": int(self.quality.lost_samples),
                "n_gaps": int(self.quality.n_gaps),
                "gaps": self.quality.gaps,
                "feet": self.quality.feet,
                "notes": list(self.quality.notes),
            },
            "meta": dict(self.meta),
        }

    def to_json(self, indent: int | None = None) -> str:
        """The JSON report as a string."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_html(self) -> str:
        """A self-contained HTML report (inline SVG, no external assets)."""
        return render_html(self)

    def write_html(self, path: str | Path) -> Path:
        """Write :meth:`to_html` atomically (temp file, then rename) and return the path."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_html(), encoding="utf-8")
        tmp.replace(path)
        return path
