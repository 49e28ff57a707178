"""Grading rules: from a labelled size to the dimensions of its last.

All rules are pure functions of the EU size (and a width fitting), so the catalog, the
benchmark catalogs and the tests share one definition. Sources: ``docs/catalog.md`` and the
reference notes (footscan §3 size systems, storefront §1.1 fit numbers).

* EU (Paris point) sizes are defined on the **last**: ``EU = 1.5 * last_cm``, one size is
  2/3 cm = 6.667 mm of last length.
* UK adult sizes: ``3 * last_in - 25``; UK children's sizes run 13 higher below adult 1.
  US men's = UK + 1, US women's = UK + 2.5 (children's US = UK child + 1, unisex).
* Mondopoint is the foot length the size is made for: last length minus the two-Paris-point
  (13.3 mm) allowance built into the EU system, on a 5 mm grid.
* Ball girth of the standard fitting follows the average foot of that length (the as-fitted
  study in storefront §1.1 found last girth ~= foot girth), graded +5 mm per EU size (Rossi's
  6.5 mm per UK size scaled to the shorter Paris-point step). One width fitting is 6.5 mm of girth.
"""

from __future__ import annotations

import math

__all__ = [
    "PARIS_POINT_MM",
    "EU_ALLOWANCE_MM",
    "GIRTH_PER_EU_SIZE_MM",
    "GIRTH_PER_FITTING_MM",
    "REFERENCE_FOOT_LENGTH_MM",
    "REFERENCE_BALL_GIRTH_MM",
    "WIDTH_FITTINGS",
    "last_length_mm",
    "eu_from_last_length",
    "average_ball_girth_mm",
    "average_ball_width_mm",
    "average_heel_width_mm",
    "average_instep_girth_mm",
    "fitting_steps",
    "size_row",
    "uk_size",
    "us_sizes",
    "mondopoint",
]

#: One Paris point (2/3 cm) in mm: the EU size step in last length.
PARIS_POINT_MM: float = 20.0 / 3.0
#: Toe allowance built into the EU formula ``1.5 * FL_cm + 2`` (two Paris points), mm.
EU_ALLOWANCE_MM: float = 2.0 * PARIS_POINT_MM
#: Ball-girth grading per whole EU size, mm.
GIRTH_PER_EU_SIZE_MM: float = 5.0
#: Girth between neighbouring width fittings (UK: a quarter inch), mm.
GIRTH_PER_FITTING_MM: float = 6.5
#: Anchor of the average-foot regression: a 265 mm foot ...
REFERENCE_FOOT_LENGTH_MM: float = 265.0
#: ... has an average ball girth of 247 mm (ANSUR-like adult mean, girth/length ~= 0.93).
REFERENCE_BALL_GIRTH_MM: float = 247.0
#: Width fittings in order, and their step from the standard fitting ("D") in fittings.
WIDTH_FITTINGS: dict[str, int] = {
    "B": -2,
    "C": -1,
    "D": 0,
    "E": 1,
    "2E": 2,
    "3E": 3,
    "4E": 4,
}

# Ratios of the average foot (and so of a standard last) to its ball girth; ball width is the
# MTH1-MTH5 diagonal, heel width the breadth at ~16 % of the length (footscan §2.3).
_BALL_WIDTH_PER_GIRTH = 0.395
_HEEL_WIDTH_PER_GIRTH = 0.265
_INSTEP_MINUS_BALL_GIRTH_MM = 4.0
# A last grips the heel: it is made ~2 mm narrower than the average foot's heel.
_HEEL_GRIP_MM = 2.0
# Girth grows with length along the grading line; per mm of length:
_GIRTH_PER_LENGTH = GIRTH_PER_EU_SIZE_MM / PARIS_POINT_MM


def _check_eu(eu: float) -> float:
    eu = float(eu)
    if not math.isfinite(eu) or not 10.0 <= eu <= 60.0:
        raise ValueError(f"EU size must be between 10 and 60, got {eu!r}")
    return eu


def last_length_mm(eu: float) -> float:
    """Last length of a labelled EU size, mm (``1.5 * last_cm = EU``)."""
    return _check_eu(eu) * PARIS_POINT_MM


def eu_from_last_length(length_mm: float) -> float:
    """Inverse of :func:`last_length_mm` (not rounded)."""
    return float(length_mm) / PARIS_POINT_MM


def average_ball_girth_mm(foot_length_mm: float) -> float:
    """Ball girth of an average foot of the given length, mm (linear grading line)."""
    return REFERENCE_BALL_GIRTH_MM + _GIRTH_PER_LENGTH * (
        float(foot_length_mm) - REFERENCE_FOOT_LENGTH_MM
    )


def average_ball_width_mm(foot_length_mm: float) -> float:
    """Ball width (MTH1-MTH5) of an average foot of the given length, mm."""
    return _BALL_WIDTH_PER_GIRTH * average_ball_girth_mm(foot_length_mm)


def average_heel_width_mm(foot_length_mm: float) -> float:
    """Heel width of an average foot of the given length, mm."""
    return _HEEL_WIDTH_PER_GIRTH * average_ball_girth_mm(foot_length_mm)


def average_instep_girth_mm(foot_length_mm: float) -> float:
    """Instep girth of an average foot of the given length, mm."""
    return average_ball_girth_mm(foot_length_mm) + _INSTEP_MINUS_BALL_GIRTH_MM


def fitting_steps(width: str) -> int:
    """Width fitting as whole fittings from the standard ("D"): ``"2E" -> 2``."""
    try:
        return WIDTH_FITTINGS[width]
    except KeyError:
        raise ValueError(
            f"unknown width fitting {width!r}; expected one of {sorted(WIDTH_FITTINGS)}"
        ) from None


def _half(x: float) -> float:
    return round(2.0 * x) / 2.0


def uk_size(eu: float) -> tuple[float, bool]:
    """UK size (rounded to a half) and whether it is on the children's scale."""
    last_in = last_length_mm(eu) / 25.4
    adult = 3.0 * last_in - 25.0
    if adult < 0.75:
        return _half(adult + 13.0), True
    return _half(adult), False


def us_sizes(eu: float) -> tuple[float, float]:
    """US men's and women's sizes (children's US, unisex, for children's sizes)."""
    uk, child = uk_size(eu)
    if child:
        return uk + 1.0, uk + 1.0
    return uk + 1.0, uk + 2.5


def mondopoint(eu: float) -> int:
    """Foot length the size is made for, on the 5 mm Mondopoint grid, mm."""
    return int(5 * round((last_length_mm(eu) - EU_ALLOWANCE_MM) / 5.0))


def size_row(
    eu: float,
    width: str = "D",
    *,
    girth_bias_mm: float = 0.0,
    length_bias_mm: float = 0.0,
) -> dict[str, object]:
    """Every graded dimension of one size and width of a last.

    Parameters
    ----------
    eu : float
        Labelled EU size.
    width : str
        Width fitting (``"B"`` ... ``"4E"``); each step is 6.5 mm of ball girth.
    girth_bias_mm : float
        Model-specific girth bias (for example a slim dress last), mm.
    length_bias_mm : float
        Model-specific change of last length (for example a pointed toe), mm.

    Returns
    -------
    dict
        The ``sizes[]`` entry of catalog.json without ``stock``.
    """
    length = last_length_mm(eu) + float(length_bias_mm)
    foot_for = last_length_mm(eu) - EU_ALLOWANCE_MM
    girth = (
        average_ball_girth_mm(foot_for)
        + fitting_steps(width) * GIRTH_PER_FITTING_MM
        + float(girth_bias_mm)
    )
    uk, child = uk_size(eu)
    us_m, us_w = us_sizes(eu)
    row: dict[str, object] = {
        "eu": float(eu),
        "uk": uk,
        "us_men": us_m,
        "us_women": us_w,
        "mondopoint": mondopoint(eu),
        "last_length_mm": round(length, 1),
        "ball_girth_mm": round(girth, 1),
        "ball_width_mm": round(_BALL_WIDTH_PER_GIRTH * girth, 1),
        "heel_width_mm": round(
            _HEEL_WIDTH_PER_GIRTH * average_ball_girth_mm(foot_for)
            + 0.5 * fitting_steps(width)
            - _HEEL_GRIP_MM,
            1,
        ),
        "instep_girth_mm": round(girth + _INSTEP_MINUS_BALL_GIRTH_MM, 1),
        "width": width,
    }
    if child:
        row["scale"] = "child"
    return row
