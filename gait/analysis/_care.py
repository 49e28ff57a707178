"""Care indicators: stride-time variability, double support, cadence... against reference ranges.

Each indicator is shown with its range so a reader can see how far outside it a value is.
Ranges are population references (``gait.consts.REFERENCE_RANGES``); for one person the
trend against their own earlier sessions matters more than a single value.
"""

from __future__ import annotations

from dataclasses import dataclass

from gait.analysis._strides import StrideSummary
from gait.consts import REFERENCE_RANGES

__all__ = ["CareIndicator", "care_indicators"]


@dataclass(frozen=True)
class CareIndicator:
    """One indicator with its reference range.

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
        Reference range.
    status : str
        ``"within"``, ``"below"``, ``"above"`` or ``"unknown"``.
    source : str
        Where the range comes from.
    """

    name: str
    label: str
    value: float | None
    unit: str
    range_low: float
    range_high: float
    status: str
    source: str


def care_indicators(summary: StrideSummary) -> list[CareIndicator]:
    """Indicators of a stride summary against :data:`gait.consts.REFERENCE_RANGES`.

    Parameters
    ----------
    summary : StrideSummary
        Walking summary.

    Returns
    -------
    list of CareIndicator
        In the order of the reference table.
    """
    out = []
    for name, rr in REFERENCE_RANGES.items():
        value = getattr(summary, name, None)
        if value is None:
            status = "unknown"
        elif value < rr.low:
            status = "below"
        elif value > rr.high:
            status = "above"
        else:
            status = "within"
        out.append(
            CareIndicator(
                name,
                rr.label,
                None if value is None else float(value),
                rr.unit,
                rr.low,
                rr.high,
                status,
                rr.source,
            )
        )
    return out
