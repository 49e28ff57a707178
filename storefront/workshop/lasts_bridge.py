"""The one place that talks to :mod:`footscan.lasts`: personal last, insole, files, preview.

No Flask, no database: the job handlers in :mod:`storefront.workshop.production` read the
stored foot and hand its points here. footscan's errors become domain errors (the shopper's
foot or session cannot carry a last: 409 ``last_not_buildable``), never 500s.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storefront.domain_errors import Conflict

__all__ = [
    "STOCK_MEASURES",
    "Built",
    "build",
    "foot_points_from_npy",
    "mesh_files",
    "pressure_map",
    "preview_payload",
    "stock_changes",
]

#: Measure -> (the stock last's catalogue field, the scan's measurement for a girth or None).
#: Both sides of a row are in one convention. Lengths and widths: read on the lasts. Girths:
#: the catalogue's convention, a tape round the foot the last is made to fit with no insole
#: (a stock size's girth is the average foot girth it fits, ``storefront.catalog.grading``), so
#: the personal side is the foot's girth as footscan measures it + the style's ease. The
#: personal last itself measures more (its girths are taken over the insole fill under its
#: flat bottom and on its own tape planes, ``PersonalLast.envelope_term_mm``): each girth row
#: also carries that reading (``last_mm``) and the difference (``last_offset_mm``).
STOCK_MEASURES: dict[str, tuple[str, str | None]] = {
    "bottom_length": ("last_length_mm", None),
    "ball_width": ("ball_width_mm", None),
    "ball_girth": ("ball_girth_mm", "ball_girth_mm"),
    "instep_girth": ("instep_girth_mm", "instep_girth_mm"),
}


@dataclass(frozen=True)
class Built:
    """A personal last and (optionally) its insole for one order or quote.

    Attributes
    ----------
    last : footscan.lasts.PersonalLast
    insole : footscan.lasts.Insole or None
    """

    last: Any
    insole: Any = None


def foot_points_from_npy(data: bytes) -> NDArray[np.float64]:
    """The stored foot points (``.npy``, mm, footscan's foot frame) as float64 (n, 3)."""
    try:
        pts = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise Conflict(f"the stored foot cannot be read ({exc})", code="foot_unreadable") from None
    return np.asarray(pts, dtype=np.float64)


def _style(model: Any) -> Any:
    """The last style of a catalogue model (its category, toe allowance, drop, toe box)."""
    from footscan.lasts import style_for_catalog_model

    return style_for_catalog_model(
        {
            "category": model.category,
            "toe_allowance_mm": model.toe_allowance_mm,
            "traits": {"drop_mm": model.traits.drop_mm, "toe_box": model.traits.toe_box},
        }
    )


def build(
    points_mm: NDArray[np.float64],
    side: str,
    foot_length_mm: float,
    model: Any,
    pressure: Any = None,
    with_insole: bool = True,
) -> Built:
    """Build the personal last (and insole) of a foot for a catalogue model.

    Parameters
    ----------
    points_mm : (n, 3) float64
        The accepted scan's foot points, footscan's foot frame, mm.
    side : {"left", "right"}
    foot_length_mm : float
        footscan's measured foot length (the scan's ``foot_length_mm``).
    model : storefront.catalog.models.ShoeModel
    pressure : footscan.lasts.PressureMap, optional
        Peak pressure map of the shopper's insole session (relieves peaks > 200 kPa).
    with_insole : bool

    Raises
    ------
    Conflict
        ``last_not_buildable``: footscan cannot build a last from this foot.
    """
    from footscan.lasts import LastError, build_last, make_insole, prepare_foot

    try:
        style = _style(model)
        last = build_last(prepare_foot(points_mm, side, style, foot_length_mm), style)
        insole = make_insole(last, pressure) if with_insole else None
    except LastError as exc:
        raise Conflict(
            f"no personal last can be built from this scan: {exc}", code="last_not_buildable"
        ) from None
    return Built(last, insole)


def pressure_map(path: Path, side: str) -> tuple[Any, str]:
    """The peak pressure map of a recorded session, or ``(None, why not)``."""
    from footscan.lasts import LastError, pressure_from_session

    try:
        pm = pressure_from_session(path, side)
    except LastError as exc:
        return None, f"session not usable for the insole: {exc}"
    return pm, pm.source


def mesh_files(built: Built) -> dict[str, bytes]:
    """``last.stl``, ``last.3mf``, ``insole.stl``, ``insole.3mf`` (millimetres, watertight)."""
    from footscan.lasts import stl_bytes, threemf_bytes

    last, insole = built.last, built.insole
    return {
        "last.stl": stl_bytes(last.vertices_mm, last.faces, "last"),
        "last.3mf": threemf_bytes([("last", last.vertices_mm, last.faces)]),
        "insole.stl": stl_bytes(insole.vertices_mm, insole.faces, "insole"),
        "insole.3mf": threemf_bytes([("insole", insole.vertices_mm, insole.faces)]),
    }


def stock_changes(last: Any, base_size: Any, measurements: dict[str, Any]) -> list[dict[str, Any]]:
    """What the personal last changes compared with the nearest stock last (mm).

    Parameters
    ----------
    last : PersonalLast
    base_size : storefront.catalog.models.LastSize
        The nearest stock size (the quote's base last).
    measurements : dict
        The scan's measurements (footscan keys, mm).

    Returns
    -------
    list of dict
        ``{"measure", "stock_mm", "personal_mm", "change_mm", "basis", "last_mm",
        "last_offset_mm"}`` per :data:`STOCK_MEASURES`; ``change_mm`` = ``personal_mm - stock_mm``,
        > 0: the personal last is longer or fuller there. ``basis`` is ``"last"`` (both read
        on the lasts) or ``"foot+ease"`` (a girth in the catalogue's convention on both
        sides). ``last_mm`` is the personal last's own reading (the spec sheet's "last"
        column; for a girth it includes the insole fill) and ``last_offset_mm = last_mm -
        personal_mm`` (0 for lengths and widths).
    """
    out = []
    for measure, (field, scan_key) in STOCK_MEASURES.items():
        stock = float(getattr(base_size, field))
        if scan_key is not None and isinstance(measurements.get(scan_key), int | float):
            personal = float(measurements[scan_key]) + float(last.style.ease_mm.get(measure, 0.0))
            basis = "foot+ease"
        elif scan_key is not None:
            continue  # the scan has no such girth
        else:
            personal, basis = float(last.last_mm[measure]), "last"
        on_last = float(last.last_mm[measure])
        out.append(
            {
                "measure": measure,
                "stock_mm": round(stock, 1),
                "personal_mm": round(personal, 1),
                "change_mm": round(personal - stock, 1),
                "basis": basis,
                "last_mm": round(on_last, 1),
                "last_offset_mm": round(on_last - personal, 1),
            }
        )
    return out


def preview_payload(
    built: Built, base_size: Any, base: dict[str, Any], measurements: dict[str, Any]
) -> dict[str, Any]:
    """The shopper's preview: footscan's preview JSON plus the changes from the stock size."""
    from footscan.lasts import preview_json

    out = preview_json(built.last, max_foot_points=3000)
    out.pop("planes", None)
    out["nearest_stock_size"] = {"eu": base["eu"], "width": base["width"]}
    out["stock_changes"] = stock_changes(built.last, base_size, measurements)
    return out
