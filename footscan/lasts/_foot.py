"""The foot in the flat last frame: mirrored to the left, floor band restored, lifted, landmarks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from footscan.lasts._styles import Style, style_data
from footscan.lasts.exceptions import LastBuildError

__all__ = ["PreparedFoot", "prepare_foot", "LOW_FRAC", "SLAB_MM"]

LOW_FRAC = 0.15  # width band: points up to 15 % FL above the foot's sole (footscan §2.3)
SLAB_MM = 1.5


@dataclass(frozen=True)
class PreparedFoot:
    """The foot in the flat last frame (left convention, lifted onto the insole).

    Attributes
    ----------
    points_mm : (n, 3) float64
        Foot points, z = 0 is the last bottom, the sole rests at ``lift_mm``.
    side : str
    foot_length_mm : float
    lift_mm : float
    landmarks_mm : dict of name -> (3,) float64
        ``mth1``, ``mth5``, ``instep`` (dorsal point), ``pternion``.
    n_measured : int
        The first ``n_measured`` points are measured (the capture or the completed model);
        the rest are floor-contact points restored on the floor (``z = lift_mm``).
    """

    points_mm: NDArray[np.float64] = field(repr=False)
    side: str
    foot_length_mm: float
    lift_mm: float
    landmarks_mm: dict[str, NDArray[np.float64]] = field(repr=False)
    n_measured: int = -1


def _checked(points_mm: NDArray[np.float64], side: str) -> NDArray[np.float64]:
    p = np.asarray(points_mm, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 3 or p.shape[0] < 500:
        raise LastBuildError(f"expected at least 500 foot points (n, 3), got {p.shape}")
    if not np.isfinite(p).all():
        raise LastBuildError("foot points contain NaN or infinity")
    if side not in ("left", "right"):
        raise LastBuildError(f"side must be 'left' or 'right', got {side!r}")
    p = p.copy()
    if side == "right":
        p[:, 1] = -p[:, 1]
    return p


def _restore_contact(p: NDArray[np.float64]) -> tuple[NDArray[np.float64], int]:
    """Restore the floor-contact band a capture's floor cut removed: under every 2 mm cell
    whose lowest point is within 3 mm of the sole, the sole touches the floor. Returns the
    points (measured first, restored after) and the number of measured points."""
    p = p[p[:, 2] >= -2.0]
    p[:, 2] = np.maximum(p[:, 2], 0.0)
    z0 = float(np.quantile(p[:, 2], 0.002))
    if z0 <= 1.0:
        return p, p.shape[0]
    cell = np.floor(p[:, :2] / 2.0).astype(np.int64)
    key = cell[:, 0] * 100_003 + cell[:, 1]
    order = np.lexsort((p[:, 2], key))
    first = order[np.concatenate([[True], key[order][1:] != key[order][:-1]])]
    low = first[p[first, 2] <= z0 + 3.0]
    contact = p[low].copy()
    contact[:, 2] = 0.0
    return np.vstack([p, contact]), p.shape[0]


def _landmarks(p: NDArray[np.float64], fl: float, lift: float) -> dict[str, NDArray[np.float64]]:
    fr = style_data()["landmarks_frac"]
    band = lift + LOW_FRAC * fl
    marks: dict[str, NDArray[np.float64]] = {"pternion": np.array([0.0, 0.0, lift])}
    for name, sign in (("mth1", -1.0), ("mth5", 1.0)):
        x = fr[name] * fl
        s = p[(np.abs(p[:, 0] - x) <= SLAB_MM) & (p[:, 2] <= band)]
        if s.shape[0] < 3:
            raise LastBuildError(f"no foot points at the {name.upper()} station ({x:.0f} mm)")
        i = int(np.argmax(sign * s[:, 1]))
        marks[name] = np.array([x, s[i, 1], s[i, 2]])
    xi = fr["instep"] * fl
    s = p[np.abs(p[:, 0] - xi) <= SLAB_MM]
    if s.shape[0] < 10:
        raise LastBuildError("no foot points at the instep station")
    ymid = 0.5 * (s[:, 1].min() + s[:, 1].max())
    top = s[np.abs(s[:, 1] - ymid) <= 0.15 * np.ptp(s[:, 1])]
    marks["instep"] = np.array([xi, ymid, float(top[:, 2].max())])
    return marks


def prepare_foot(
    points_mm: NDArray[np.float64],
    side: str,
    style: Style,
    foot_length_mm: float | None = None,
) -> PreparedFoot:
    """Put a foot into the flat last frame.

    Parameters
    ----------
    points_mm : (n, 3) float64
        Foot surface points in footscan's foot frame (``ScanResult.points_foot_mm`` or a
        complete foot mesh's vertices), mm.
    side : {"left", "right"}
    style : Style
    foot_length_mm : float, optional
        The measured foot length (footscan); the points' X extent when not given.

    Returns
    -------
    PreparedFoot

    Raises
    ------
    LastBuildError
        Too few points, NaN, not in the foot frame.
    """
    p = _checked(points_mm, side)
    fl = float(foot_length_mm) if foot_length_mm else float(np.ptp(p[:, 0]))
    if not 100.0 <= fl <= 360.0:
        raise LastBuildError(f"foot length {fl:.0f} mm is not a foot's (100-360 mm; units?)")
    if abs(np.quantile(p[:, 0], 0.001)) > 0.2 * fl or np.quantile(p[:, 2], 0.001) < -10.0:
        raise LastBuildError(
            "the points are not in the foot frame (pternion at x = 0, floor z = 0)"
        )
    p, n_measured = _restore_contact(p)
    lift = style.insole_base_mm
    p[:, 2] += lift
    return PreparedFoot(p, side, fl, lift, _landmarks(p, fl, lift), n_measured)
