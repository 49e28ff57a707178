"""Constants of the gait analysis: reference ranges shown with the care indicators.

Every range is for adults walking at their usual speed, measured with foot pressure or
force sensors (FSR-based stance and double support are higher than textbook values because
contact is detected at low force). Sources are in ``docs/gait.md`` §"Reference ranges".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["REFERENCE_RANGES", "ReferenceRange"]


@dataclass(frozen=True)
class ReferenceRange:
    """A reference range for one indicator.

    Parameters
    ----------
    name : str
        Indicator key (matches the summary field).
    label : str
        Plain-language label for reports.
    unit : str
        Unit shown.
    low, high : float
        Range limits (inclusive).
    source : str
        Where the range comes from.
    """

    name: str
    label: str
    unit: str
    low: float
    high: float
    source: str


#: Reference ranges of the care indicators, by name.
REFERENCE_RANGES: dict[str, ReferenceRange] = {
    r.name: r
    for r in (
        ReferenceRange(
            "cadence_spm",
            "Steps per minute",
            "steps/min",
            90.0,
            125.0,
            "PhysioNet gaitndd controls (16 adults, 20-74 y, FSR footswitches, 5-min usual-speed walk): "
            "87-120 steps/min, measured from the published .ts intervals; adult usual-speed ~100-120 "
            "(literature, unverified)",
        ),
        ReferenceRange(
            "stride_cv_pct",
            "Stride-to-stride variation",
            "%",
            0.0,
            3.0,
            "gaitndd controls (16 adults, 20-74 y, FSR footswitches): IQR 2.0-2.8 %, measured; context: "
            "Hausdorff et al. 2001 (n=52, >= 70 y, FSR insoles): stride-time SD 49 +- 4 ms in "
            "non-fallers vs 106 +- 30 ms in later fallers",
        ),
        ReferenceRange(
            "double_support_pct",
            "Time on both feet",
            "% of stride",
            18.0,
            32.0,
            "gaitndd controls (16 adults, 20-74 y, FSR footswitches): median 27.4 %, measured; textbook "
            "~20 % (force plates); Verghese et al. 2009 (n=597, >= 70 y): fall risk ratio 1.165 per "
            "unit of double-support phase",
        ),
        ReferenceRange(
            "stance_pct",
            "Time on the ground per step",
            "% of stride",
            58.0,
            66.0,
            "gaitndd controls (16 adults, 20-74 y, FSR footswitches): median 63.2 %, measured; textbook "
            "~60 % (insoles detect contact at low force, so stance reads higher)",
        ),
        ReferenceRange(
            "symmetry_index_pct",
            "Left/right difference (swing time)",
            "%",
            -6.0,
            6.0,
            "gaitndd (FSR footswitches): controls gait asymmetry median 2-4 %, PD/HD medians 6-7 %, "
            "measured from the published .ts intervals",
        ),
    )
}
