"""Drawn clearance views for the spec sheet: side and top outlines of the foot inside the last.

Computed here from the preview data of :func:`footscan.lasts.preview_json` (frame: X heel to
toe, Y across, Z up; millimetres): each view projects the last's vertices and the foot's points
on a plane (side: X-Z, top: X-Y), draws each silhouette as its envelope (per 2 mm slice along
X, the least and the greatest other coordinate), and marks the foot points that touch or press
(clearance below :data:`TIGHT_MM`). The result is inline SVG with numbers only (no script, no
external reference), which the sheet's ``default-src 'none'`` policy allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SLICE_MM", "TIGHT_MM", "ClearanceView", "clearance_views", "envelope"]

#: Slice width along X of the outlines, mm.
SLICE_MM = 2.0
#: Foot points with less clearance than this are marked (mm); below 0 the last presses.
TIGHT_MM = 1.0
#: At most this many marked points per view (the tightest first).
_MAX_MARKS = 400
_MARGIN_MM = 6.0


@dataclass(frozen=True)
class ClearanceView:
    """One drawn view.

    Attributes
    ----------
    name : {"side", "top"}
    svg : str
        The ``<svg>`` element (viewBox in millimetres).
    last_outline_mm : numpy.ndarray
        (n, 2) polygon of the last's silhouette in the view plane, mm.
    foot_outline_mm : numpy.ndarray
        (m, 2) polygon of the foot's silhouette, mm.
    pressing : int
        Foot points with negative clearance (the last presses there).
    tight : int
        Foot points with clearance below :data:`TIGHT_MM` (including the pressing ones).
    """

    name: str
    svg: str
    last_outline_mm: np.ndarray
    foot_outline_mm: np.ndarray
    pressing: int
    tight: int


def envelope(points_mm: np.ndarray, slice_mm: float = SLICE_MM) -> np.ndarray:
    """The silhouette of 2D points as a polygon: per slice along the first axis, min and max.

    Parameters
    ----------
    points_mm : numpy.ndarray
        (n, 2) points, mm; at least one.
    slice_mm : float
        Slice width along the first axis, mm (> 0).

    Returns
    -------
    numpy.ndarray
        (2k, 2) polygon: the upper envelope from the least to the greatest first coordinate,
        then the lower one back; the first and last slices reach the points' extreme first
        coordinates.

    Raises
    ------
    ValueError
        No points, not (n, 2), non-finite values or a slice width that is not positive.
    """
    pts = np.asarray(points_mm, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] == 0:
        raise ValueError(f"points must be (n, 2) with n >= 1, got shape {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("points must be finite")
    if not slice_mm > 0:
        raise ValueError(f"slice_mm must be positive, got {slice_mm}")
    x0, x1 = float(pts[:, 0].min()), float(pts[:, 0].max())
    n = max(1, int(np.ceil((x1 - x0) / slice_mm)))
    idx = np.minimum(((pts[:, 0] - x0) / slice_mm).astype(int), n - 1)
    upper, lower = [], []
    for i in np.unique(idx):
        sel = pts[idx == i]
        x = x0 if i == 0 else (x1 if i == n - 1 else x0 + (i + 0.5) * slice_mm)
        upper.append((x, float(sel[:, 1].max())))
        lower.append((x, float(sel[:, 1].min())))
    return np.array(upper + lower[::-1], dtype=float)


def _path(poly: np.ndarray, flip: float) -> str:
    return " ".join(f"{x:.1f},{flip - y:.1f}" for x, y in poly)


def _view(
    name: str, last_2d: np.ndarray, foot_2d: np.ndarray, clearance: np.ndarray, title: str
) -> ClearanceView:
    last_poly, foot_poly = envelope(last_2d), envelope(foot_2d)
    both = np.vstack([last_poly, foot_poly])
    lo, hi = both.min(axis=0) - _MARGIN_MM, both.max(axis=0) + _MARGIN_MM
    flip = float(lo[1] + hi[1])  # y drawn upwards: v -> lo + hi - v stays inside the box
    order = np.argsort(clearance)
    tight = order[clearance[order] < TIGHT_MM][:_MAX_MARKS]
    marks = "".join(
        f'<circle cx="{foot_2d[i, 0]:.1f}" cy="{flip - foot_2d[i, 1]:.1f}" r="1.2" '
        f'fill="{"#c0392b" if clearance[i] < 0 else "#e08a00"}"/>'
        for i in tight
    )
    w, h = hi - lo
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="clearance-view" data-view="{name}" '
        f'viewBox="{lo[0]:.1f} {lo[1]:.1f} {w:.1f} {h:.1f}" role="img" '
        f'style="width:100%;max-width:520px;height:auto"><title>{title}</title>'
        f'<polygon class="last" points="{_path(last_poly, flip)}" fill="#eef2f7" '
        'stroke="#1f3b5a" stroke-width="0.8"/>'
        f'<polygon class="foot" points="{_path(foot_poly, flip)}" fill="#f6d7b0" '
        'fill-opacity="0.7" stroke="#8a5a2b" stroke-width="0.6" stroke-dasharray="2 1"/>'
        f"{marks}</svg>"
    )
    return ClearanceView(
        name, svg, last_poly, foot_poly, int((clearance < 0).sum()), int(len(tight))
    )


def clearance_views(preview: dict[str, Any], titles: dict[str, str]) -> list[ClearanceView]:
    """Side (X-Z) and top (X-Y) views of the foot in the last from preview data.

    Parameters
    ----------
    preview : dict
        ``last.vertices`` (n, 3) mm, ``foot.points`` (m, 3) mm and ``foot.clearance_mm`` (m,)
        as :func:`footscan.lasts.preview_json` gives them.
    titles : dict
        ``side`` and ``top``: the accessible title of each view (already translated, plain
        text; it is escaped here).

    Raises
    ------
    ValueError
        Missing or malformed arrays.
    """
    from html import escape

    try:
        last = np.asarray(preview["last"]["vertices"], dtype=float)
        foot = np.asarray(preview["foot"]["points"], dtype=float)
        clearance = np.asarray(preview["foot"]["clearance_mm"], dtype=float)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"preview data lacks the last or the foot: {exc}") from None
    if last.ndim != 2 or last.shape[1] != 3 or foot.ndim != 2 or foot.shape[1] != 3:
        raise ValueError("last vertices and foot points must be (n, 3) arrays in mm")
    if clearance.shape != (foot.shape[0],):
        raise ValueError("one clearance per foot point is needed")
    return [
        _view(name, last[:, [0, k]], foot[:, [0, k]], clearance, escape(titles[name]))
        for name, k in (("side", 2), ("top", 1))
    ]
