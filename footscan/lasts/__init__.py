"""Made to measure: a personal last and a custom insole from a measured foot.

Typical use::

    from footscan import load_scan, measure_scan
    from footscan.lasts import load_style, make_last, make_insole

    scan = measure_scan(load_scan("foot.stl"))
    last = make_last(scan, load_style("running"))
    insole = make_insole(last, pressure=None)
"""

from __future__ import annotations

from footscan.lasts._build import (
    MEASURES,
    ClearanceRegion,
    PersonalLast,
    Plane,
    PreparedFoot,
    build_last,
    prepare_foot,
)
from footscan.lasts._export import (
    order_files,
    preview_json,
    spec_sheet_html,
    stl_bytes,
    threemf_bytes,
)
from footscan.lasts._insole import RELIEF_KPA, Insole, PressureMap, make_insole
from footscan.lasts._session import pressure_from_session
from footscan.lasts._step import step_available, step_bytes
from footscan.lasts._styles import (
    Style,
    load_style,
    style_data,
    style_for_catalog_model,
    style_names,
)
from footscan.lasts.exceptions import (
    LastBuildError,
    LastError,
    PressureMapError,
    StepUnavailableError,
    UnknownStyleError,
)

__all__ = [
    "MEASURES",
    "ClearanceRegion",
    "PersonalLast",
    "Plane",
    "PreparedFoot",
    "Style",
    "build_last",
    "prepare_foot",
    "load_style",
    "style_for_catalog_model",
    "style_names",
    "style_data",
    "make_last",
    "make_insole",
    "order_files",
    "preview_json",
    "spec_sheet_html",
    "stl_bytes",
    "threemf_bytes",
    "step_available",
    "step_bytes",
    "pressure_from_session",
    "Insole",
    "PressureMap",
    "RELIEF_KPA",
    "LastBuildError",
    "LastError",
    "PressureMapError",
    "StepUnavailableError",
    "UnknownStyleError",
]


def make_last(scan: object, style: Style) -> PersonalLast:
    """The personal last of a measured foot (a :class:`footscan.ScanResult`).

    Parameters
    ----------
    scan : ScanResult
        An accepted measurement (its completed foot points and foot length are used).
    style : Style

    Returns
    -------
    PersonalLast

    Raises
    ------
    LastBuildError
        The scan is not accepted or the foot cannot carry a last.
    """
    quality = getattr(scan, "quality", None)
    if quality is None or not quality.accepted:
        why = "; ".join(getattr(quality, "rejection_reasons", ())) or "not a ScanResult"
        raise LastBuildError(f"the scan is not accepted ({why}): no last from it")
    fl = scan.measurements.foot_length.value  # type: ignore[attr-defined]
    foot = prepare_foot(scan.points_foot_mm, scan.side, style, fl)  # type: ignore[attr-defined]
    return build_last(foot, style)
