"""Care indicators of one report: value, typical range, flag against a published threshold.

The typical range (``range_low``..``range_high``) is context and gives ``status``
(below/within/above); a **flag** (``watch``/``act``) is raised only against the published
threshold named in ``flag_source`` (:mod:`gait.consts`). Indicators without one carry
``flag = "none"`` and are followed against the wearer's own baseline
(:func:`gait.care.indicators_for`), where ``smallest_change`` says how much change is real.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gait.analysis._strides import StrideSummary
from gait.consts import REFERENCE_RANGES, ReferenceRange, reference_for

__all__ = ["CareIndicator", "care_indicators", "flag_of", "status_of"]


@dataclass(frozen=True)
class CareIndicator:
    """One indicator of one report.

    Parameters
    ----------
    name : str
        Key (``cadence_spm``...).
    label : str
        Plain-language label.
    value : float or None
        The wearer's value (None when not computable).
    unit : str
        Unit.
    range_low, range_high : float
        Typical range (context; ``range_high`` may be ``inf``: no upper concern).
    status : str
        Place in the typical range: ``"within"``, ``"below"``, ``"above"`` or ``"unknown"``.
    source : str
        Where the typical range comes from.
    flag : str
        ``"act"``, ``"watch"``, ``"none"`` (no published threshold crossed, or none exists)
        or ``"unknown"`` (no value).
    flag_source : str
        The published threshold's source (empty: the indicator has no population flag).
    smallest_change : float or None
        Smallest meaningful change, in ``unit``.
    change_source : str
        Where that comes from.
    """

    name: str
    label: str
    value: float | None
    unit: str
    range_low: float
    range_high: float
    status: str
    source: str
    flag: str = "none"
    flag_source: str = ""
    smallest_change: float | None = None
    change_source: str = ""


def status_of(value: float | None, ref: ReferenceRange) -> str:
    """Place of ``value`` in the typical range of ``ref``."""
    if value is None or not math.isfinite(value):
        return "unknown"
    if value < ref.low:
        return "below"
    if value > ref.high:
        return "above"
    return "within"


def flag_of(value: float | None, ref: ReferenceRange) -> str:
    """``"act"``, ``"watch"``, ``"none"`` or ``"unknown"`` against the published thresholds."""
    if value is None or not math.isfinite(value):
        return "unknown"
    below = ref.direction == "below"
    for level, thr in (("act", ref.act), ("watch", ref.watch)):
        if thr is not None and (value < thr if below else value > thr):
            return level
    return "none"


def care_indicators(
    summary: StrideSummary,
    walking_speed_m_s: float | None = None,
    daily_steps: float | None = None,
    age_years: float | None = None,
) -> list[CareIndicator]:
    """Indicators of one report against :data:`gait.consts.REFERENCE_RANGES`.

    Parameters
    ----------
    summary : StrideSummary
        Walking summary.
    walking_speed_m_s : float, optional
        From the insole IMU (``GaitReport.speed``).
    daily_steps : float, optional
        Steps per day (``GaitReport.daily``; only with >= 10 h of wear).
    age_years : float, optional
        Age of the wearer (thresholds by age band, :func:`gait.consts.reference_for`).

    Returns
    -------
    list of CareIndicator
        In the order of the reference table.
    """
    extra = {"walking_speed_m_s": walking_speed_m_s, "daily_steps": daily_steps}
    out = []
    for name in REFERENCE_RANGES:
        ref = reference_for(name, age_years)
        value = extra[name] if name in extra else getattr(summary, name, None)
        v = None if value is None else float(value)
        out.append(
            CareIndicator(
                name,
                ref.label,
                v,
                ref.unit,
                ref.low,
                ref.high,
                status_of(v, ref),
                ref.source,
                flag_of(v, ref),
                ref.flag_source,
                ref.smallest_change,
                ref.change_source,
            )  # fmt: skip
        )
    return out
