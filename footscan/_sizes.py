"""Shoe sizes from foot measurements, driven by a data table (``footscan/data/size_tables.json``).

The default table holds the standard length formulas with the toe allowance built in and the
JIS/KS ball-girth width letters. A brand table with the same layout replaces it
(:func:`load_size_table`). Rounding is policy: ``"nearest"`` half size (Brannock practice) or
``"up"`` (always leave toe room).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from footscan.exceptions import FootscanError

__all__ = ["SizeTable", "Sizes", "load_size_table", "default_size_table", "sizes_from_measurements"]

ROUNDING_POLICIES = ("nearest", "up")
SYSTEMS = ("mondopoint", "kr_mm", "jp_cm", "eu", "uk", "us_men", "us_women")


@dataclass(frozen=True)
class SizeTable:
    """A validated size table.

    Attributes
    ----------
    name : str
    systems : dict
        ``{system: {"scale_per_mm", "offset", "step", "unit"}}``.
    width : dict
        Ball-girth letter scheme (see the JSON file).
    """

    name: str
    systems: dict[str, dict[str, Any]]
    width: dict[str, Any]


@dataclass(frozen=True)
class Sizes:
    """Sizes for one foot.

    Attributes
    ----------
    mondopoint, kr_mm : int
        Foot length in mm on a 5 mm grid.
    jp_cm, eu, uk, us_men, us_women : float
        Rounded per ``rounding`` to the system's step.
    exact : dict[str, float]
        Unrounded values, for brand look-ups.
    width_fitting : str or None
        JIS/KS ball-girth letter for the foot length (None without girth or width).
    width_fitting_basis : str
        ``"ball girth"``, ``"ball width (estimated girth)"`` or ``"unavailable"``.
    mondopoint_marking : str
        ``"length/width"`` in mm, e.g. ``"265/100"`` (ISO 9407 style).
    rounding : str
    table : str
        Name of the size table used.
    foot_length_mm : float
    """

    mondopoint: int
    kr_mm: int
    jp_cm: float
    eu: float
    uk: float
    us_men: float
    us_women: float
    exact: dict[str, float]
    width_fitting: str | None
    width_fitting_basis: str
    mondopoint_marking: str
    rounding: str
    table: str
    foot_length_mm: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "mondopoint": self.mondopoint,
            "kr_mm": self.kr_mm,
            "jp_cm": self.jp_cm,
            "eu": self.eu,
            "uk": self.uk,
            "us_men": self.us_men,
            "us_women": self.us_women,
            "width_fitting": self.width_fitting,
            "width_fitting_basis": self.width_fitting_basis,
            "mondopoint_marking": self.mondopoint_marking,
            "rounding": self.rounding,
            "table": self.table,
            "exact": {k: round(v, 3) for k, v in self.exact.items()},
        }


def _parse_table(raw: Any, origin: str) -> SizeTable:
    try:
        systems = raw["systems"]
        for name in SYSTEMS:
            entry = systems[name]
            for key in ("scale_per_mm", "offset", "step"):
                float(entry[key])
            if float(entry["step"]) <= 0:
                raise ValueError(f"{name}: step must be positive")
        width = raw["width"]
        letters = list(width["letters"])
        if width["reference_letter"] not in letters:
            raise ValueError("reference_letter not among letters")
        for key in ("letter_step_mm", "reference_length_mm", "girth_per_length_mm"):
            float(width[key])
        float(width["reference_girth_mm"]["men"])
        float(width["reference_girth_mm"]["women"])
        return SizeTable(name=str(raw.get("name", origin)), systems=systems, width=width)
    except (KeyError, TypeError, ValueError) as exc:
        raise FootscanError(f"size table {origin} is invalid: {exc!r}") from None


def load_size_table(path: str | Path) -> SizeTable:
    """Load a size table (same layout as the bundled ``size_tables.json``)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FootscanError(f"cannot read size table {path}: {exc}") from None
    return _parse_table(raw, str(path))


def default_size_table() -> SizeTable:
    """The bundled formula table."""
    text = resources.files("footscan").joinpath("data/size_tables.json").read_text("utf-8")
    return _parse_table(json.loads(text), "footscan/data/size_tables.json")


def _round(value: float, step: float, rounding: str) -> float:
    q = value / step
    # A tiny tolerance keeps exact grid values (265.0 mm) on their own size when rounding up.
    k = math.ceil(q - 1e-9) if rounding == "up" else math.floor(q + 0.5)
    return k * step


def width_letter(
    foot_length_mm: float, ball_girth_mm: float, table: SizeTable, sex: str = "men"
) -> str:
    """Nearest ball-girth letter for the length (JIS/KS scheme)."""
    w = table.width
    letters = list(w["letters"])
    ref = letters.index(w["reference_letter"])
    ref_girth = float(w["reference_girth_mm"][sex]) + float(w["girth_per_length_mm"]) * (
        foot_length_mm - float(w["reference_length_mm"])
    )
    k = round((ball_girth_mm - ref_girth) / float(w["letter_step_mm"]))
    return str(letters[int(min(max(ref + k, 0), len(letters) - 1))])


def sizes_from_measurements(
    foot_length_mm: float,
    ball_girth_mm: float | None = None,
    ball_width_mm: float | None = None,
    table: SizeTable | None = None,
    rounding: str = "nearest",
    sex: str = "men",
) -> Sizes:
    """Map foot length (and ball girth or width) to sizes.

    Parameters
    ----------
    foot_length_mm : float
        Foot length (the longer foot decides when both are known).
    ball_girth_mm, ball_width_mm : float, optional
        For the width fitting; girth is preferred.
    table : SizeTable, optional
        Defaults to the bundled formula table.
    rounding : {"nearest", "up"}
    sex : {"men", "women"}
        Which girth reference the width letter uses.

    Returns
    -------
    Sizes
    """
    if rounding not in ROUNDING_POLICIES:
        raise FootscanError(f"rounding must be one of {ROUNDING_POLICIES}, got {rounding!r}")
    if sex not in ("men", "women"):
        raise FootscanError(f"sex must be 'men' or 'women', got {sex!r}")
    if not (math.isfinite(foot_length_mm) and foot_length_mm > 0):
        raise FootscanError(f"foot length must be a positive number, got {foot_length_mm!r}")
    table = table or default_size_table()
    exact: dict[str, float] = {}
    rounded: dict[str, float] = {}
    for name in SYSTEMS:
        e = table.systems[name]
        val = float(e["scale_per_mm"]) * foot_length_mm + float(e["offset"])
        exact[name] = val
        rounded[name] = _round(val, float(e["step"]), rounding)
    if ball_girth_mm is not None:
        letter, basis = width_letter(foot_length_mm, ball_girth_mm, table, sex), "ball girth"
    elif ball_width_mm is not None:
        est = float(table.width.get("girth_per_ball_width", 2.7)) * ball_width_mm
        letter, basis = (
            width_letter(foot_length_mm, est, table, sex),
            "ball width (estimated girth)",
        )
    else:
        letter, basis = None, "unavailable"
    mp = int(round(rounded["mondopoint"]))
    marking = f"{mp}/{round(ball_width_mm)}" if ball_width_mm is not None else f"{mp}"
    return Sizes(
        mondopoint=mp,
        kr_mm=int(round(rounded["kr_mm"])),
        jp_cm=round(rounded["jp_cm"], 1),
        eu=round(rounded["eu"], 1),
        uk=round(rounded["uk"], 1),
        us_men=round(rounded["us_men"], 1),
        us_women=round(rounded["us_women"], 1),
        exact=exact,
        width_fitting=letter,
        width_fitting_basis=basis,
        mondopoint_marking=marking,
        rounding=rounding,
        table=table.name,
        foot_length_mm=float(foot_length_mm),
    )
