"""Measurement results: one value with its status, all values of a foot, region coverage."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = [
    "MEASURED",
    "MODEL_COMPLETED",
    "UNAVAILABLE",
    "Coverage",
    "FootMeasurements",
    "Measurement",
    "unavailable",
]

MEASURED = "measured"
MODEL_COMPLETED = "model-completed"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Measurement:
    """One foot measurement.

    Attributes
    ----------
    value : float or None
        The value in ``unit``; None when unavailable (never a guess).
    unit : str
        ``"mm"`` or ``"1"`` (dimensionless index).
    status : str
        ``"measured"``, ``"model-completed"`` or ``"unavailable"``.
    confidence : float
        0..1: data support of this value (coverage of the region, noise).
    definition : str
        The rule used, so that numbers from different systems are not mixed up.
    reason : str
        Why the value is unavailable or of low confidence ("" otherwise).
    uncertainty : float or None
        One standard deviation in ``unit`` for values that rely on model-completed surface
        (from the fit's posterior), None otherwise.
    """

    value: float | None
    unit: str
    status: str
    confidence: float
    definition: str
    reason: str = ""
    uncertainty: float | None = None

    @property
    def value_mm(self) -> float | None:
        """The value when the unit is mm, else None."""
        return self.value if self.unit == "mm" else None

    @property
    def available(self) -> bool:
        """True when a value is present."""
        return self.value is not None


def unavailable(definition: str, reason: str, unit: str = "mm") -> Measurement:
    """An unavailable value: no number, the definition and why."""
    return Measurement(None, unit, UNAVAILABLE, 0.0, definition, reason)


@dataclass(frozen=True)
class FootMeasurements:
    """All measurements of one foot (definitions in ``docs/footscan.md``)."""

    foot_length: Measurement
    foot_breadth: Measurement
    ball_width: Measurement
    heel_width: Measurement
    ball_girth: Measurement
    instep_girth: Measurement
    instep_height: Measurement
    heel_to_ball_length: Measurement
    toe_height: Measurement
    arch_height: Measurement
    arch_height_index: Measurement

    def as_dict(self) -> dict[str, float | None]:
        """``{"foot_length_mm": 257.1, ..., "arch_height_index": 0.3}``; None when unavailable."""
        out: dict[str, float | None] = {}
        for f in fields(self):
            m: Measurement = getattr(self, f.name)
            key = f"{f.name}_mm" if m.unit == "mm" else f.name
            out[key] = None if m.value is None else round(float(m.value), 2)
        return out

    def values_mm(self) -> dict[str, float | None]:
        """``{name: value}`` with the bare field names."""
        return {f.name: getattr(self, f.name).value for f in fields(self)}


@dataclass(frozen=True)
class Coverage:
    """Share (0..1) of each foot region that the capture saw."""

    heel: float
    toes: float
    medial_side: float
    lateral_side: float
    sole: float
    dorsum: float
