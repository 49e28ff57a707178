"""Reference values of the care indicators: typical ranges, flag thresholds, meaningful change.

Every number here names its source (paper, population, age band, device) in the entry itself.
Three kinds of number, kept apart:

- the **typical range** (``low``..``high``) is context shown beside a value; where no
  published range exists it is what PhysioNet's gaitndd controls (16 adults, 20-74 y, FSR
  footswitches, 5-min usual-speed walks) measured, and says so. It never raises a flag;
- a **flag** (``watch`` / ``act``) is raised only against a published threshold
  (``flag_source``), for the population and age band it was published for; an indicator
  without one has no population flag and is followed against the wearer's own baseline;
- the **smallest meaningful change** (``smallest_change``) is a published minimal important
  change where one exists, otherwise the smallest detectable change (MDC95) measured here from
  the two halves of the gaitndd control walks (``gait.evaluation.split_half_mdc``), a lower
  bound of the change between days.

Insoles detect contact at low force, so stance and double support read higher than the
textbook force-plate values (docs/gait.md §5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

__all__ = ["REFERENCE_RANGES", "ReferenceRange", "reference_for"]

_GAITNDD = (
    "PhysioNet gaitndd controls (16 adults, 20-74 y, FSR footswitches, 5-min usual-speed "
    "walk), measured here"
)
_SPLIT_HALF = (
    "MDC95 measured here: two halves of the 5-min gaitndd control walks (8 adults, 20-74 y, "
    "FSR footswitches), 1.96 x SD of the differences; a lower bound of the day-to-day change"
)


@dataclass(frozen=True)
class ReferenceRange:
    """Reference values of one care indicator.

    Parameters
    ----------
    name : str
        Indicator key (the report summary field).
    label : str
        Plain-language label.
    unit : str
        Unit shown.
    low, high : float
        Typical range (context, never a flag); ``math.inf`` when there is no upper concern.
    source : str
        Where the typical range comes from.
    watch, act : float or None
        Flag thresholds ("watch": look at it; "act": contact the person); None: no published
        threshold, no population flag.
    direction : {"below", "above"}
        A flag is raised when the value is below (speed, steps) or above (variability) them.
    flag_source : str
        The published source of the thresholds (empty when there are none).
    min_age_years : float or None
        The thresholds apply from this age (the source population); None: any adult.
    smallest_change : float or None
        Smallest meaningful change, in ``unit``.
    change_source : str
        Where it comes from.
    adjusted_for : tuple of str
        What the thresholds depend on (``"age"``).
    """

    name: str
    label: str
    unit: str
    low: float
    high: float
    source: str
    watch: float | None = None
    act: float | None = None
    direction: str = "above"
    flag_source: str = ""
    min_age_years: float | None = None
    smallest_change: float | None = None
    change_source: str = ""
    adjusted_for: tuple[str, ...] = ()


#: Reference values of the care indicators, by name (thresholds for the older-adult band).
REFERENCE_RANGES: dict[str, ReferenceRange] = {
    r.name: r
    for r in (
        ReferenceRange(
            "walking_speed_m_s", "Walking speed", "m/s", 1.0, math.inf,
            "AWGS 2019 (Asian Working Group for Sarcopenia, adults >= 65 y, 6 m usual-pace "
            "walk): below 1.0 m/s is low physical performance; pooled cohorts >= 65 y "
            "(Studenski et al., JAMA 2011, n = 34,485): mean 0.92 m/s",
            watch=1.0, act=0.8, direction="below",
            flag_source="watch: AWGS 2019 cut-off 1.0 m/s (Asia, >= 65 y, screening prompt for "
            "an SPPB/grip check, not a diagnosis); act: EWGSOP2 cut-off 0.8 m/s (Europe, "
            ">= 65 y)",
            min_age_years=65.0, smallest_change=0.05,
            change_source="minimally important change 0.03-0.05 m/s, substantial 0.08 m/s "
            "(LIFE-P, Perera et al. 2006; older adults)",
            adjusted_for=("age",),
        ),
        ReferenceRange(
            "stride_sd_ms", "Stride-to-stride variation (time)", "ms", 0.0, 57.0,
            "Hausdorff et al. 2001 (n = 52, >= 70 y, force-sensitive insoles, 1-year "
            "follow-up): stride-time SD 49 +- 4 ms in non-fallers",
            act=77.5, direction="above",
            flag_source="Hausdorff et al. 2001 (n = 52, >= 70 y, force-sensitive insoles): "
            "stride-time SD 106 +- 30 ms in later fallers vs 49 +- 4 ms in non-fallers; the "
            "flag is at the midpoint of the two group means (77.5 ms)",
            min_age_years=None, smallest_change=10.0,
            change_source="stance/swing-time variability: meaningful change about 0.01 s "
            "(Brach et al. 2010, older adults); split-half MDC95 here 11.3 ms",
        ),
        ReferenceRange(
            "daily_steps", "Steps per day", "steps/day", 6000.0, math.inf,
            "Paluch et al., Lancet Public Health 2022 (15 cohorts): for adults >= 60 y "
            "mortality risk levels off at 6,000-8,000 steps/day, for < 60 y at 8,000-10,000",
            watch=6000.0, act=3553.0, direction="below",
            flag_source="Paluch et al. 2022: watch below the start of the plateau (6,000/day at "
            ">= 60 y, 8,000 below 60); act below 3,553/day, the median of the lowest quartile "
            "(hazard ratio 1 vs 0.60 for the next quartile)",
            smallest_change=None, change_source="not established",
            adjusted_for=("age",),
        ),
        ReferenceRange(
            "cadence_spm", "Steps per minute", "steps/min", 90.0, 125.0,
            f"{_GAITNDD}: 87-120 steps/min",
            smallest_change=2.4, change_source=_SPLIT_HALF,
        ),
        ReferenceRange(
            "stride_cv_pct", "Stride-to-stride variation", "%", 0.0, 3.0,
            f"{_GAITNDD}: IQR 2.0-2.8 %; the 'CV above 2.5-3 %' rule has no primary source, "
            "so no population flag (followed against the wearer's baseline)",
            smallest_change=0.92, change_source=_SPLIT_HALF,
        ),
        ReferenceRange(
            "double_support_pct", "Time on both feet", "% of stride", 18.0, 32.0,
            f"{_GAITNDD}: median 27.4 %; Verghese et al. 2009 (n = 597, >= 70 y): fall risk "
            "ratio 1.165 per unit of double-support phase (no threshold published)",
            smallest_change=2.1, change_source=_SPLIT_HALF,
        ),
        ReferenceRange(
            "stance_pct", "Time on the ground per step", "% of stride", 58.0, 66.0,
            f"{_GAITNDD}: median 63.2 % (textbook ~60 % with force plates)",
            smallest_change=1.1, change_source=_SPLIT_HALF,
        ),
        ReferenceRange(
            "symmetry_index_pct", "Left/right difference (swing time)", "%", -6.0, 6.0,
            f"{_GAITNDD}: gait asymmetry median 2-4 % (PD/HD 6-7 %)",
            smallest_change=8.9, change_source=_SPLIT_HALF,
        ),
    )
}  # fmt: skip


def reference_for(name: str, age_years: float | None = None) -> ReferenceRange:
    """The reference values of indicator ``name`` for a person of ``age_years``.

    Age changes the daily-step thresholds (8,000 instead of 6,000 below 60 y, Paluch et al.
    2022) and switches off flags whose source population is older than the person (walking
    speed cut-offs are for >= 65 y). Without an age the older-adult values apply (the
    product's care users are older adults) and :func:`gait.care.indicators_for` says so.

    Parameters
    ----------
    name : str
        A key of :data:`REFERENCE_RANGES`.
    age_years : float, optional
        The person's age.

    Returns
    -------
    ReferenceRange

    Raises
    ------
    KeyError
        Unknown indicator.
    """
    ref = REFERENCE_RANGES[name]
    if age_years is None:
        return ref
    if name == "daily_steps" and age_years < 60:
        return replace(ref, low=8000.0, watch=8000.0)
    if ref.min_age_years is not None and age_years < ref.min_age_years:
        return replace(ref, watch=None, act=None,
                       flag_source=f"no flag below {ref.min_age_years:g} y (source population)")  # fmt: skip
    return ref
