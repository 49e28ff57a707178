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
            "adult usual-speed cadence ~100-120 (literature, unverified); gaitndd controls 87-120 (measured)",
        ),
        ReferenceRange(
            "stride_cv_pct",
            "Stride-to-stride variation",
            "%",
            0.0,
            3.0,
            "healthy older adults ~2-3 % (literature, unverified); gaitndd controls IQR 2.0-2.8 % (measured)",
        ),
        ReferenceRange(
            "double_support_pct",
            "Time on both feet",
            "% of stride",
            18.0,
            32.0,
            "gaitndd controls median 27.4 % with FSRs (measured); textbook ~20 %",
        ),
        ReferenceRange(
            "stance_pct",
            "Time on the ground per step",
            "% of stride",
            58.0,
            66.0,
            "gaitndd controls median 63.2 % (measured); textbook ~60 %",
        ),
        ReferenceRange(
            "symmetry_index_pct",
            "Left/right difference (swing time)",
            "%",
            -6.0,
            6.0,
            "gaitndd controls GA median 2-4 % (measured); PD/HD medians 6-7 %",
        ),
    )
}
