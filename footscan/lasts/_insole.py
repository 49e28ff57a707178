"""The custom insole: the last's bottom outline, a top that follows the plantar surface, reliefs.

Frame: as the last (built flat, then bent with the last's bend; a right insole is mirrored).
The insole's underside is the last's bottom; its outline is the last's feather line; its top
is the foot's plantar surface (so the arch is supported where the foot is) clipped to
``[insole_base_mm, insole_base_mm + arch_support_max_mm]`` in the arch region (30-60 % FL,
medial of the foot axis) and to a 3 mm cup elsewhere. The plantar surface is built from the
*measured* foot points only (the floor where a plate capture's floor cut removed the sole;
restored contact points are not used), and sampled across along the top's arc length so the
arch's steep medial wall is followed (docs/made-to-measure.md, step 7). Under pressure peaks above
``RELIEF_KPA`` the top is lowered by the style's ``relief_mm`` (Bus et al. 2011 target peaks
above 200 kPa).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import LinearNDInterpolator
from scipy.ndimage import uniform_filter
from scipy.spatial import cKDTree

from footscan.lasts._build import PersonalLast
from footscan.lasts._geometry import closed_tube_faces, outward
from footscan.lasts.exceptions import PressureMapError

__all__ = ["PressureMap", "Insole", "make_insole", "RELIEF_KPA"]

RELIEF_KPA = 200.0
_CELL_MM = 1.0  # plantar samples: the lowest measured foot point per cell
_CONTACT_GAP_MM = 3.0  # the floor is sampled no closer than this to a measured sole point
_FLOOR_STEP_MM = 2.0  # spacing of the floor samples
_N_ACROSS = 65
_N_FINE = 241  # profile samples across a station before the arc-length resampling
_SUBDIVIDE = 2  # insole stations per last station interval (the feather line is straight)
_ARCH_LATERAL_MM = 10.0
_MIN_FLOOR_MM = 1.0  # thinnest insole left under a relief
_CUP_MM = 3.0  # outside the arch the top follows the sole up to this above the base (heel cup)
_MAX_KPA = 5000.0


@dataclass(frozen=True)
class PressureMap:
    """Peak plantar pressure over the insole, kPa.

    Attributes
    ----------
    peak_kpa : (rows, cols) float64
        Grid over the insole: rows from the heel end to the toe end, columns from the medial to
        the lateral border (both normalised: each row spans the insole's local width).
    source : str
        Where the map comes from (e.g. a gait session).
    """

    peak_kpa: NDArray[np.float64] = field(repr=False)
    source: str = ""

    def __post_init__(self) -> None:
        a = np.asarray(self.peak_kpa, dtype=np.float64)
        if a.ndim != 2 or min(a.shape) < 1:
            raise PressureMapError(f"peak_kpa must be a 2-D grid, got shape {a.shape}")
        if not np.isfinite(a).all():
            raise PressureMapError("peak_kpa contains NaN or infinity")
        if (a < 0).any() or (a > _MAX_KPA).any():
            raise PressureMapError(f"peak_kpa must lie in [0, {_MAX_KPA:g}] kPa")
        object.__setattr__(self, "peak_kpa", a)

    @classmethod
    def from_points(
        cls,
        u: NDArray[np.float64],
        v: NDArray[np.float64],
        peak_kpa: NDArray[np.float64],
        radius: float = 0.07,
        shape: tuple[int, int] = (40, 16),
        source: str = "",
    ) -> PressureMap:
        """A grid from sensor cells at normalised positions.

        Parameters
        ----------
        u, v : (k,) float64
            Positions along (heel 0 -> toe 1) and across (medial 0 -> lateral 1) the insole.
        peak_kpa : (k,) float64
            Peak pressure of each cell.
        radius : float
            A grid cell takes the nearest sensor within this normalised distance (0 beyond).
        shape : (rows, cols)
        source : str
        """
        u, v, p = (np.asarray(a, dtype=np.float64).ravel() for a in (u, v, peak_kpa))
        if not (u.shape == v.shape == p.shape) or u.size == 0:
            raise PressureMapError("u, v and peak_kpa must have the same non-zero length")
        if not (np.isfinite(u).all() and np.isfinite(v).all()):
            raise PressureMapError("sensor positions contain NaN")
        rows, cols = shape
        gu = (np.arange(rows) + 0.5) / rows
        gv = (np.arange(cols) + 0.5) / cols
        uu, vv = np.meshgrid(gu, gv, indexing="ij")
        # Across is scaled to the insole's aspect (width ~ 0.38 length) for distances.
        d, j = cKDTree(np.column_stack([u, 0.38 * v])).query(
            np.column_stack([uu.ravel(), 0.38 * vv.ravel()])
        )
        grid = np.where(d <= radius, p[j], 0.0).reshape(rows, cols)
        return cls(grid, source)

    def sample(self, u: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
        """Peak kPa at normalised positions (nearest cell)."""
        rows, cols = self.peak_kpa.shape
        i = np.clip((np.asarray(u) * rows).astype(int), 0, rows - 1)
        j = np.clip((np.asarray(v) * cols).astype(int), 0, cols - 1)
        return self.peak_kpa[i, j]


@dataclass(frozen=True)
class Insole:
    """A printable custom insole (posed like its last).

    Attributes
    ----------
    vertices_mm, faces : arrays
        Closed, outward-wound triangle mesh, mm.
    station_x_mm : (k,) float64
        Flat-frame stations along the insole (heel -> toe).
    across_y_mm : (k, n) float64
        Flat-frame y of the samples across each station (medial -> lateral, left convention).
    thickness_mm : (k, n) float64
        Thickness map (top above the last bottom).
    relief_mm : (k, n) float64
        Depth removed under pressure peaks (0 where none).
    peak_kpa : (k, n) float64 or None
        The pressure map sampled at the same points.
    outline_mm : (m, 3) float64
        The insole's bottom outline, posed (equals the last's feather line).
    """

    vertices_mm: NDArray[np.float64] = field(repr=False)
    faces: NDArray[np.int64] = field(repr=False)
    station_x_mm: NDArray[np.float64] = field(repr=False)
    across_y_mm: NDArray[np.float64] = field(repr=False)
    thickness_mm: NDArray[np.float64] = field(repr=False)
    relief_mm: NDArray[np.float64] = field(repr=False)
    peak_kpa: NDArray[np.float64] | None = field(repr=False)
    outline_mm: NDArray[np.float64] = field(repr=False)
    side: str = "left"

    def summary(self) -> dict[str, Any]:
        """JSON-ready thickness and relief figures."""
        relieved = self.relief_mm > 0.05
        return {
            "length_mm": round(float(self.station_x_mm[-1] - self.station_x_mm[0]), 1),
            "thickness_min_mm": round(float(self.thickness_mm.min()), 2),
            "thickness_max_mm": round(float(self.thickness_mm.max()), 2),
            "relieved_share": round(float(relieved.mean()), 4),
            "relief_max_mm": round(float(self.relief_mm.max()), 2),
            "peak_kpa_max": None if self.peak_kpa is None else round(float(self.peak_kpa.max()), 1),
        }


def _ramp(x, a, b):
    return np.clip((x - a) / (b - a), 0.0, 1.0)


def arch_weight(x_frac: NDArray[np.float64], y_mm: NDArray[np.float64]) -> NDArray[np.float64]:
    """1 in the medial arch (30-60 % FL, medial of the foot axis), 0 away from it.

    ``y_mm`` is the flat-frame (left-convention) distance from the foot axis, medial < 0; the
    weight fades to 0 over 6 % FL behind and ahead of the arch and 10 mm lateral of the axis.
    """
    along = _ramp(x_frac, 0.24, 0.30) * (1.0 - _ramp(x_frac, 0.60, 0.66))
    return along * (1.0 - _ramp(np.asarray(y_mm), 0.0, _ARCH_LATERAL_MM))


def _cap_mm(x_frac, y_mm, style) -> NDArray[np.float64]:
    """Highest fill above the base: the arch support in the arch, a shallow cup elsewhere."""
    w = arch_weight(x_frac, y_mm)
    return _CUP_MM + (style.arch_support_max_mm - _CUP_MM) * w


def _bottom_stations(last: PersonalLast):
    """The last's rings that carry a bottom: station x and the bottom's medial/lateral y."""
    x_b0 = last._bottom_x_mm[0]
    xs, ylo, yhi = [], [], []
    for x, ring in zip(last._ring_x, last._rings, strict=True):
        if x < x_b0 - 1e-9:
            continue
        b = ring[ring[:, 2] <= 1e-9]
        if b.shape[0] >= 2:
            xs.append(x)
            ylo.append(b[:, 1].min())
            yhi.append(b[:, 1].max())
    return np.array(xs), np.array(ylo), np.array(yhi)


def _sole_samples(foot, lo, hi, z_max: float) -> NDArray[np.float64]:
    """Scattered samples of the plantar surface (flat frame, mm).

    The measured sole: the lowest *measured* foot point of every ``_CELL_MM`` cell that lies
    below ``z_max`` (at its own position). The floor: every cell centre farther than
    ``_CONTACT_GAP_MM`` from a measured sole point, at the foot's lift (a plate capture's
    floor cut removes the contact band, where the foot stood on the floor; beyond the foot the
    insole is flat too). Restored contact points are not used: they are set under the lowest
    point of a 2 mm cell up to 3 mm above the cut and would put the floor right under sole
    points of the arch's edge.
    """
    n = foot.n_measured if foot.n_measured >= 0 else foot.points_mm.shape[0]
    p = foot.points_mm[:n]
    p = p[p[:, 2] <= z_max]
    ij = np.floor((p[:, :2] - lo) / _CELL_MM).astype(np.int64)
    key = ij[:, 0] * 1_000_003 + ij[:, 1]
    order = np.lexsort((p[:, 2], key))
    first = order[np.concatenate([[True], key[order][1:] != key[order][:-1]])]
    sole = p[first]
    if sole.shape[0] < 50:
        raise PressureMapError("the foot has no plantar surface to shape an insole on")
    gx = np.arange(lo[0], hi[0] + _FLOOR_STEP_MM, _FLOOR_STEP_MM)
    gy = np.arange(lo[1], hi[1] + _FLOOR_STEP_MM, _FLOOR_STEP_MM)
    g = np.stack(np.meshgrid(gx, gy, indexing="ij"), axis=-1).reshape(-1, 2)
    d, _ = cKDTree(sole[:, :2]).query(g, distance_upper_bound=_CONTACT_GAP_MM)
    floor = g[~np.isfinite(d)]
    return np.vstack([sole, np.column_stack([floor, np.full(floor.shape[0], foot.lift_mm)])])


def _plantar(last: PersonalLast, lo, hi, xx, ys) -> NDArray[np.float64]:
    """Height of the plantar surface (flat frame, mm) at the sample points ``xx, ys``: the
    piecewise-linear surface over the sole and floor samples (Delaunay in plan)."""
    style, foot = last.style, last._flat_foot
    # Only points low enough to be sole count: above the highest support, a column's lowest
    # point is the dorsum of a capture that did not see the sole there (floor contact).
    z_max = style.insole_base_mm + style.arch_support_max_mm + 6.0
    s = _sole_samples(foot, lo, hi, z_max)
    surf = LinearNDInterpolator(s[:, :2], s[:, 2], fill_value=foot.lift_mm)
    return surf(xx, ys)


def _top(last: PersonalLast, sx, ylo, yhi):
    """The insole's top across every station (flat frame, mm): the plantar surface clipped to
    ``[base, base + cap]``, sampled at ``_N_ACROSS`` points spaced evenly along the top's
    profile (arc length), so steep walls at the arch's edge get as many samples as their
    length needs. Returns y (k, n), the across fraction (k, n, medial 0 -> lateral 1) and
    the top height (k, n)."""
    style = last.style
    tf = np.linspace(0.0, 1.0, _N_FINE)
    yf = ylo[:, None] + (yhi - ylo)[:, None] * tf[None, :]
    xf = np.repeat(sx[:, None], _N_FINE, axis=1)
    lo = np.array([sx[0] - 4.0, ylo.min() - 4.0])
    hi = np.array([sx[-1] + 4.0, yhi.max() + 4.0])
    base = style.insole_base_mm
    cap = _cap_mm(xf / last._flat_foot.foot_length_mm, yf, style)
    zf = np.clip(_plantar(last, lo, hi, xf, yf), base, base + cap)
    arc = np.concatenate(
        [np.zeros((sx.shape[0], 1)), np.cumsum(np.hypot(np.diff(yf), np.diff(zf)), axis=1)], axis=1
    )
    want = np.linspace(0.0, 1.0, _N_ACROSS)
    t = np.array([np.interp(want * a[-1], a, tf) for a in arc])
    top = np.array([np.interp(ti, tf, zi) for ti, zi in zip(t, zf, strict=True)])
    return ylo[:, None] + (yhi - ylo)[:, None] * t, t, top


def _relieve(top, full, u, v, pressure: PressureMap, style):
    """Lower the top under cells above ``RELIEF_KPA``; returns top, relief, sampled peaks."""
    peaks = pressure.sample(u, v)
    zone = (peaks > RELIEF_KPA).astype(float)
    relief = np.zeros_like(top)
    if zone.any():
        soft = uniform_filter(zone, size=3, mode="nearest")
        top = np.maximum(top - style.relief_mm * np.maximum(zone, soft), _MIN_FLOOR_MM)
        relief = np.clip(full - top, 0.0, None)
    return top, relief, peaks


def _insole_mesh(xx, ys, top, x_b1: float, base: float):
    """Closed mesh: per station a ring (bottom medial -> lateral at z = 0, top back), a heel
    centre and the toe tip; also the bottom outline (flat frame)."""
    bottom = np.stack([xx, ys, np.zeros_like(ys)], axis=2)
    topv = np.stack([xx, ys, top], axis=2)[:, ::-1]
    ring_v = np.concatenate([bottom, topv], axis=1)  # (k, 2n, 3)
    heel_c = ring_v[0].mean(axis=0)
    tip = np.array([x_b1, 0.0, 0.5 * base])
    v = np.vstack([heel_c[None], ring_v.reshape(-1, 3), tip[None]])
    fa = outward(v, closed_tube_faces(ring_v.shape[0], ring_v.shape[1]))
    outline = np.vstack([bottom[:, 0], [[x_b1, 0.0, 0.0]], bottom[::-1, -1]])
    return v, fa, outline


def make_insole(last: PersonalLast, pressure: PressureMap | None = None) -> Insole:
    """The custom insole for a personal last.

    Parameters
    ----------
    last : PersonalLast
    pressure : PressureMap, optional
        Peak pressures (kPa) from an insole session; zones above 200 kPa are relieved.

    Returns
    -------
    Insole

    Raises
    ------
    PressureMapError
        ``pressure`` is not a PressureMap, or the foot has no plantar surface.
    """
    if pressure is not None and not isinstance(pressure, PressureMap):
        raise PressureMapError(f"expected a PressureMap, got {type(pressure).__name__}")
    style = last.style
    x_b0, x_b1 = last._bottom_x_mm
    sx, ylo_a, yhi_a = _bottom_stations(last)
    # The feather line runs straight between the last's stations: finer insole stations on it.
    k = np.linspace(0.0, sx.shape[0] - 1.0, _SUBDIVIDE * (sx.shape[0] - 1) + 1)
    sx, ylo_a, yhi_a = (np.interp(k, np.arange(sx.shape[0]), a) for a in (sx, ylo_a, yhi_a))
    ys, t, full = _top(last, sx, ylo_a, yhi_a)
    xx = np.repeat(sx[:, None], _N_ACROSS, axis=1)
    top, relief, peaks = full, np.zeros_like(full), None
    if pressure is not None:
        u = (xx - x_b0) / (x_b1 - x_b0)
        top, relief, peaks = _relieve(full, full, u, t, pressure, style)
    v, fa, outline = _insole_mesh(xx, ys, top, x_b1, style.insole_base_mm)

    def pose(q):
        r = last.bend.apply(q)
        if last.side == "right":
            r[:, 1] = -r[:, 1]
        return r

    if last.side == "right":
        fa = fa[:, ::-1].copy()
    return Insole(
        vertices_mm=pose(v),
        faces=fa,
        station_x_mm=sx,
        across_y_mm=ys,
        thickness_mm=top,
        relief_mm=relief,
        peak_kpa=peaks,
        outline_mm=pose(outline),
        side=last.side,
    )
