"""Foot and gait profiles: the inputs of fit and recommendation.

Built from the JSON that ``footscan measure --json`` and the gait report produce. This is the
validation boundary: absent or null values become ``None``; present but absurd values raise
:class:`storefront.domain_errors.ProfileError` naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from storefront.catalog.grading import (
    average_ball_girth_mm,
    average_ball_width_mm,
    average_heel_width_mm,
    average_instep_girth_mm,
)
from storefront.domain_errors import ProfileError
from storefront.scans.verdict import scan_verdict

__all__ = [
    "ACTIVITY_KINDS",
    "FootProfile",
    "GaitProfile",
]

ACTIVITY_KINDS: tuple[str, ...] = ("sitting", "standing", "walking", "running", "unknown")

# Plausible ranges (mm) cover a toddler's foot up to the largest adult feet.
_FOOT_RANGES: dict[str, tuple[float, float]] = {
    "foot_length_mm": (90.0, 360.0),
    "ball_width_mm": (35.0, 150.0),
    "heel_width_mm": (20.0, 110.0),
    "ball_girth_mm": (90.0, 360.0),
    "instep_girth_mm": (90.0, 380.0),
    "arch_height_mm": (0.0, 60.0),
    "instep_height_mm": (20.0, 130.0),
}
# Names used by other footscan outputs for the same measurements.
_ALIASES = {"length_mm": "foot_length_mm", "heel_breadth_mm": "heel_width_mm"}


def _opt_num(d: Mapping[str, Any], key: str, lo: float, hi: float, where: str) -> float | None:
    v = d.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ProfileError(f"{where}.{key}: expected a number or null, got {v!r}")
    v = float(v)
    if not math.isfinite(v):
        return None
    if not lo <= v <= hi:
        raise ProfileError(f"{where}.{key}: {v:g} is outside the plausible range [{lo:g}, {hi:g}]")
    return v


def _age(age_years: float | None) -> float | None:
    if age_years is None:
        return None
    if isinstance(age_years, bool) or not isinstance(age_years, int | float):
        raise ProfileError(f"age_years: expected a number, got {age_years!r}")
    if not 0.0 <= float(age_years) <= 120.0:
        raise ProfileError(f"age_years: {age_years} is outside [0, 120]")
    return float(age_years)


@dataclass(frozen=True)
class FootProfile:
    """Measurements of one foot (or the governing values of a pair), mm.

    Attributes
    ----------
    foot_length_mm : float
        Heel to the longest toe; the only required value.
    ball_girth_mm, ball_width_mm, heel_width_mm, instep_girth_mm, arch_height_mm,
    instep_height_mm : float or None
        Missing when the scan could not measure them.
    side : str or None
        ``"left"``, ``"right"``, ``"both"`` (a pair combined by :meth:`pair`) or None.
    sizes : mapping
        footscan's size suggestions, passed through for display.
    age_years : float or None
    """

    foot_length_mm: float
    ball_girth_mm: float | None = None
    ball_width_mm: float | None = None
    heel_width_mm: float | None = None
    instep_girth_mm: float | None = None
    arch_height_mm: float | None = None
    instep_height_mm: float | None = None
    side: str | None = None
    sizes: Mapping[str, Any] = field(default_factory=dict)
    age_years: float | None = None

    def __post_init__(self) -> None:
        """Check every measure against its plausible range (mm).

        Raises
        ------
        ProfileError
            ``foot_length_mm`` is missing, or a measure is outside its range.
        """
        for key, (lo, hi) in _FOOT_RANGES.items():
            v = getattr(self, key)
            if v is None:
                if key == "foot_length_mm":
                    raise ProfileError("foot_length_mm is required to fit shoes")
                continue
            if not isinstance(v, int | float) or not math.isfinite(v) or not lo <= v <= hi:
                raise ProfileError(f"{key}: {v!r} is outside the plausible range [{lo:g}, {hi:g}]")
        if self.side not in (None, "left", "right", "both"):
            raise ProfileError(f"side: {self.side!r} is not 'left', 'right' or 'both'")
        _age(self.age_years)

    @classmethod
    def from_footscan_json(
        cls, d: Mapping[str, Any], age_years: float | None = None
    ) -> FootProfile:
        """From the object ``footscan measure --json`` prints for one foot.

        A capture footscan did not accept (``quality.accepted`` false) builds no profile: it
        raises :class:`~storefront.domain_errors.ScanNotAccepted` with the reasons and advice.
        Keys: ``side, foot_length_mm, ball_width_mm, heel_width_mm, ball_girth_mm,
        instep_girth_mm, arch_height_mm, instep_height_mm, sizes``; values may be null. A nested
        ``measurements`` object is merged in; ``length_mm``/``heel_breadth_mm`` are accepted as
        aliases.
        """
        if not isinstance(d, Mapping):
            raise ProfileError(f"foot scan: expected a JSON object, got {type(d).__name__}")
        verdict = scan_verdict(d)
        if not verdict.accepted:
            raise verdict.error()
        flat: dict[str, Any] = dict(d)
        inner = d.get("measurements")
        if isinstance(inner, Mapping):
            flat = {**inner, **{k: v for k, v in d.items() if k != "measurements"}}
        for alias, key in _ALIASES.items():
            if flat.get(key) is None and flat.get(alias) is not None:
                flat[key] = flat[alias]
        vals = {k: _opt_num(flat, k, lo, hi, "foot scan") for k, (lo, hi) in _FOOT_RANGES.items()}
        if vals["foot_length_mm"] is None:
            raise ProfileError("foot scan: foot_length_mm is missing or null")
        side = flat.get("side")
        if isinstance(side, str):
            side = side.lower()
            if side in ("", "auto", "unknown"):
                side = None
        if side not in (None, "left", "right", "both"):
            raise ProfileError(f"foot scan.side: {side!r} is not 'left', 'right' or 'both'")
        sizes = flat.get("sizes") or {}
        if not isinstance(sizes, Mapping):
            raise ProfileError("foot scan.sizes: expected an object")
        if age_years is None:
            age_years = flat.get("age_years")
        length_mm = vals.pop("foot_length_mm")
        assert length_mm is not None  # checked above
        return cls(
            side=side,
            sizes=dict(sizes),
            age_years=_age(age_years),
            foot_length_mm=length_mm,
            **vals,
        )

    @classmethod
    def average(
        cls, foot_length_mm: float, girth_offset_mm: float = 0.0, age_years: float | None = None
    ) -> FootProfile:
        """A synthetic foot of average proportions for its length (the grading line).

        ``girth_offset_mm`` makes it wider (+) or slimmer (-) at the ball and instep.
        """
        fl = float(foot_length_mm)
        return cls(
            foot_length_mm=fl,
            ball_girth_mm=average_ball_girth_mm(fl) + girth_offset_mm,
            ball_width_mm=average_ball_width_mm(fl) + 0.395 * girth_offset_mm,
            heel_width_mm=average_heel_width_mm(fl),
            instep_girth_mm=average_instep_girth_mm(fl) + girth_offset_mm,
            side="right",
            age_years=age_years,
        )

    @classmethod
    def pair(cls, left: FootProfile, right: FootProfile) -> FootProfile:
        """Governing values of a pair: the longer foot's length and the larger of each girth."""

        def mx(a: float | None, b: float | None) -> float | None:
            vals = [v for v in (a, b) if v is not None]
            return max(vals) if vals else None

        longer = left if left.foot_length_mm >= right.foot_length_mm else right
        return cls(
            foot_length_mm=longer.foot_length_mm,
            ball_girth_mm=mx(left.ball_girth_mm, right.ball_girth_mm),
            ball_width_mm=mx(left.ball_width_mm, right.ball_width_mm),
            heel_width_mm=mx(left.heel_width_mm, right.heel_width_mm),
            instep_girth_mm=mx(left.instep_girth_mm, right.instep_girth_mm),
            arch_height_mm=mx(left.arch_height_mm, right.arch_height_mm),
            instep_height_mm=mx(left.instep_height_mm, right.instep_height_mm),
            side="both",
            sizes=dict(longer.sizes),
            age_years=left.age_years if left.age_years is not None else right.age_years,
        )

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON (measures in mm, size systems as a plain dict)."""
        d = asdict(self)
        d["sizes"] = dict(self.sizes)
        return d


@dataclass(frozen=True)
class GaitProfile:
    """Summary of a gait session relevant to shoe choice.

    Attributes
    ----------
    cadence_spm, stride_cv_pct, stance_pct, swing_pct, double_support_pct,
    symmetry_index_pct : float or None
        From the report's ``summary``.
    ml_tendency : str or None
        ``"medial"``, ``"neutral"`` or ``"lateral"`` loading tendency.
    heel_impact : str or None
        ``"hard"``, ``"normal"`` or ``"soft"``.
    activity_s : mapping
        Seconds spent per activity kind.
    age_years : float or None
    """

    cadence_spm: float | None = None
    stride_cv_pct: float | None = None
    stance_pct: float | None = None
    swing_pct: float | None = None
    double_support_pct: float | None = None
    symmetry_index_pct: float | None = None
    ml_tendency: str | None = None
    heel_impact: str | None = None
    activity_s: Mapping[str, float] = field(default_factory=dict)
    age_years: float | None = None

    @classmethod
    def from_gait_report(cls, d: Mapping[str, Any], age_years: float | None = None) -> GaitProfile:
        """From the gait JSON report (``summary``, ``pressure``, ``activity``); missing keys are
        tolerated, wrong types are not."""
        if not isinstance(d, Mapping):
            raise ProfileError(f"gait report: expected a JSON object, got {type(d).__name__}")
        summary = d.get("summary") or {}
        pressure = d.get("pressure") or {}
        if not isinstance(summary, Mapping) or not isinstance(pressure, Mapping):
            raise ProfileError("gait report: 'summary' and 'pressure' must be objects")
        s = {
            "cadence_spm": _opt_num(summary, "cadence_spm", 0.0, 300.0, "gait summary"),
            "stride_cv_pct": _opt_num(summary, "stride_cv_pct", 0.0, 200.0, "gait summary"),
            "stance_pct": _opt_num(summary, "stance_pct", 0.0, 100.0, "gait summary"),
            "swing_pct": _opt_num(summary, "swing_pct", 0.0, 100.0, "gait summary"),
            "double_support_pct": _opt_num(
                summary, "double_support_pct", 0.0, 100.0, "gait summary"
            ),
            "symmetry_index_pct": _opt_num(
                summary, "symmetry_index_pct", -200.0, 200.0, "gait summary"
            ),
        }
        ml = pressure.get("ml_tendency")
        if ml not in (None, "medial", "neutral", "lateral"):
            raise ProfileError(f"gait pressure.ml_tendency: {ml!r} is not medial/neutral/lateral")
        hi = pressure.get("heel_impact")
        if hi not in (None, "hard", "normal", "soft"):
            raise ProfileError(f"gait pressure.heel_impact: {hi!r} is not hard/normal/soft")
        activity = d.get("activity") or []
        if not isinstance(activity, list):
            raise ProfileError("gait report.activity: expected a list of segments")
        secs: dict[str, float] = {}
        for i, seg in enumerate(activity):
            if not isinstance(seg, Mapping):
                raise ProfileError(f"gait report.activity[{i}]: expected an object")
            kind = seg.get("kind", "unknown")
            if kind not in ACTIVITY_KINDS:
                raise ProfileError(
                    f"gait report.activity[{i}].kind: {kind!r} is not one of {list(ACTIVITY_KINDS)}"
                )
            t0 = _opt_num(seg, "start_s", 0.0, 1e9, f"gait report.activity[{i}]")
            t1 = _opt_num(seg, "end_s", 0.0, 1e9, f"gait report.activity[{i}]")
            if t0 is None or t1 is None or t1 < t0:
                raise ProfileError(f"gait report.activity[{i}]: needs start_s <= end_s")
            secs[kind] = secs.get(kind, 0.0) + (t1 - t0)
        return cls(ml_tendency=ml, heel_impact=hi, activity_s=secs, age_years=_age(age_years), **s)

    def activity_fraction(self, kind: str) -> float:
        """Share of the recorded time spent in one activity kind (0 when nothing recorded)."""
        total = sum(self.activity_s.values())
        return self.activity_s.get(kind, 0.0) / total if total > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The gait profile as JSON (activity durations in seconds as a plain dict)."""
        d = asdict(self)
        d["activity_s"] = dict(self.activity_s)
        return d
