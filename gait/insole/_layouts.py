"""Insole sensor layouts as data: sensor positions, region labels and the insole outline.

Frame (shared by every layout): millimetres, origin at the heel end of the insole on its long
axis, ``+y`` from heel to toe, ``+x`` **medial**. Because ``+x`` is medial for both feet the same
table serves the left and the right insole; :meth:`SensorLayout.plot_xy` mirrors it into a
top-view frame (``+x`` to the wearer's right) for drawing the two feet side by side.

The 8-sensor layout is the Infotronic insole of PhysioNet ``gaitpdb`` rescaled to millimetres
(its arbitrary units span 400 across and 1600 along the foot; we map them onto a 260 mm insole).
The 16-sensor layout is our own Moticon-like arrangement: three heel cells, four midfoot cells
(mostly lateral, where the midfoot carries load), six forefoot cells under the metatarsal heads
and three toe cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingValidationError

__all__ = [
    "REGIONS",
    "SensorLayout",
    "get_layout",
    "insole_outline_mm",
    "layout_from_positions",
]

Region = Literal["heel", "midfoot", "forefoot", "toe"]
MedLat = Literal["medial", "lateral", "central"]

#: Anatomical regions from heel to toe, in that order.
REGIONS: tuple[str, ...] = ("heel", "midfoot", "forefoot", "toe")

#: Nominal insole length (mm); roughly EU 42.
_INSOLE_LENGTH_MM = 260.0


def insole_outline_mm(
    length_mm: float = _INSOLE_LENGTH_MM, n_points: int = 72
) -> NDArray[np.float64]:
    """Closed outline of a left-convention insole (``+x`` medial).

    Parameters
    ----------
    length_mm : float
        Insole length heel to toe.
    n_points : int
        Points per side (medial and lateral); the polygon has ``2 * n_points`` vertices.

    Returns
    -------
    (2 * n_points, 2) float64
        Polygon vertices, counter-clockwise, not repeated at the end.
    """
    # Half-widths as fractions of length along the foot: a narrow rounded heel, a lateral
    # midfoot edge that stays out while the medial arch edge comes in, the widest part at
    # the metatarsal heads (~72 % of length) and a toe box that ends further forward on the
    # medial (big-toe) side.
    s = np.linspace(0.0, 1.0, n_points)
    u_knots = np.array([0.0, 0.04, 0.12, 0.25, 0.40, 0.55, 0.70, 0.80, 0.90, 0.96, 1.0])
    med_knots = np.array([0.0, 0.095, 0.125, 0.125, 0.105, 0.125, 0.175, 0.175, 0.150, 0.100, 0.0])
    lat_knots = np.array([0.0, 0.095, 0.125, 0.135, 0.150, 0.170, 0.185, 0.170, 0.120, 0.040, 0.0])
    # Slightly bias the tip to the medial side: the toe end is not symmetric.
    y = s * length_mm
    med = np.interp(s, u_knots, med_knots) * length_mm
    lat_s = np.clip(s / 0.97, 0.0, 1.0)
    lat = np.interp(lat_s, u_knots, lat_knots) * length_mm
    lat_y = lat_s * 0.97 * length_mm
    # Round the heel: half-width follows a circle over the first few percent.
    medial_side = np.column_stack([med, y])
    lateral_side = np.column_stack([-lat, lat_y])[::-1]
    poly = np.vstack([medial_side[1:], lateral_side[:-1]])
    # Counter-clockwise orientation check via the shoelace formula.
    area2 = float(
        np.sum(poly[:, 0] * np.roll(poly[:, 1], -1) - np.roll(poly[:, 0], -1) * poly[:, 1])
    )
    if area2 < 0:
        poly = poly[::-1]
    return poly


@dataclass(frozen=True)
class SensorLayout:
    """Positions and region labels of the sensors of one insole model.

    Parameters
    ----------
    name : str
        Layout name (``"gaitpdb8"``, ``"moticon16"``...).
    xy_mm : (k, 2) float64
        Sensor centres in the insole frame (``+x`` medial, ``+y`` heel -> toe), mm.
    regions : tuple of str, length k
        ``"heel"``, ``"midfoot"``, ``"forefoot"`` or ``"toe"`` per sensor.
    medlat : tuple of str, length k
        ``"medial"``, ``"lateral"`` or ``"central"`` per sensor.
    outline_mm : (m, 2) float64
        Insole outline polygon in the same frame, for heat maps.
    """

    name: str
    xy_mm: NDArray[np.float64] = field(repr=False)
    regions: tuple[str, ...] = field(repr=False)
    medlat: tuple[str, ...] = field(repr=False)
    outline_mm: NDArray[np.float64] = field(repr=False)

    def __post_init__(self) -> None:
        xy = np.asarray(self.xy_mm, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise RecordingValidationError(f"sensor positions must be (k, 2), got {xy.shape}")
        if len(self.regions) != xy.shape[0] or len(self.medlat) != xy.shape[0]:
            raise RecordingValidationError("one region and one medial/lateral label per sensor")
        bad = set(self.regions) - set(REGIONS)
        if bad:
            raise RecordingValidationError(f"unknown region labels {sorted(bad)}")
        xy.flags.writeable = False
        outline = np.asarray(self.outline_mm, dtype=np.float64)
        outline.flags.writeable = False
        object.__setattr__(self, "xy_mm", xy)
        object.__setattr__(self, "outline_mm", outline)

    @property
    def n_sensors(self) -> int:
        """Number of sensors ``k``."""
        return int(self.xy_mm.shape[0])

    def region_mask(self, region: str) -> NDArray[np.bool_]:
        """(k,) True for the sensors in ``region`` (heel/midfoot/forefoot/toe)."""
        return np.array([r == region for r in self.regions], dtype=bool)

    def medlat_mask(self, which: str) -> NDArray[np.bool_]:
        """(k,) True for the sensors labelled ``which`` (medial/lateral/central)."""
        return np.array([m == which for m in self.medlat], dtype=bool)

    def plot_xy(self, side: str, xy_mm: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        """Positions in a top-view frame (``+x`` to the wearer's right), for drawing.

        Parameters
        ----------
        side : {"left", "right"}
            The foot. The medial side of a left foot points right, of a right foot left.
        xy_mm : (n, 2) float64, optional
            Points in the insole frame; defaults to the sensor positions.

        Returns
        -------
        (n, 2) float64
        """
        pts = self.xy_mm if xy_mm is None else np.asarray(xy_mm, dtype=np.float64)
        out = pts.copy()
        if side == "right":
            out[:, 0] = -out[:, 0]
        return out


def _gaitpdb8() -> SensorLayout:
    # gaitpdb left-foot table: x in [-700, -300] (lateral edge -700, medial edge -300),
    # y in [-800, 800]. Map the foot centre (x = -500, y = 0) to (0, L/2) and scale
    # 1600 units -> 0.86 L so the heel and toe sensors sit inside the outline.
    raw = np.array(
        [
            [-500, -800],
            [-700, -400],
            [-300, -400],
            [-700, 0],
            [-300, 0],
            [-700, 400],
            [-300, 400],
            [-500, 800],
        ],
        dtype=np.float64,
    )
    scale = 0.86 * _INSOLE_LENGTH_MM / 1600.0
    x_mm = (raw[:, 0] + 500.0) * 0.11  # -300 (medial) -> +22 mm, -700 (lateral) -> -22 mm
    y_mm = _INSOLE_LENGTH_MM / 2.0 + raw[:, 1] * scale
    xy = np.column_stack([x_mm, y_mm])
    regions = ("heel", "midfoot", "midfoot", "midfoot", "midfoot", "forefoot", "forefoot", "toe")
    medlat = ("central", "lateral", "medial", "lateral", "medial", "lateral", "medial", "central")
    return SensorLayout("gaitpdb8", xy, regions, medlat, insole_outline_mm())


def _moticon16() -> SensorLayout:
    L = _INSOLE_LENGTH_MM
    table: list[tuple[float, float, str, str]] = [
        # x (+medial), y as a fraction of length, region, medial/lateral
        (11.0, 0.085, "heel", "medial"),
        (-11.0, 0.085, "heel", "lateral"),
        (0.0, 0.17, "heel", "central"),
        (-24.0, 0.32, "midfoot", "lateral"),
        (-27.0, 0.44, "midfoot", "lateral"),
        (8.0, 0.36, "midfoot", "medial"),
        (14.0, 0.50, "midfoot", "medial"),
        (-36.0, 0.63, "forefoot", "lateral"),
        (-21.0, 0.69, "forefoot", "lateral"),
        (-4.0, 0.72, "forefoot", "central"),
        (14.0, 0.73, "forefoot", "medial"),
        (31.0, 0.71, "forefoot", "medial"),
        (2.0, 0.61, "forefoot", "central"),
        (26.0, 0.89, "toe", "medial"),
        (3.0, 0.87, "toe", "central"),
        (-20.0, 0.83, "toe", "lateral"),
    ]
    xy = np.array([[x, f * L] for x, f, _, _ in table])
    return SensorLayout(
        "moticon16",
        xy,
        tuple(r for *_, r, _ in table),
        tuple(m for *_, m in table),
        insole_outline_mm(),
    )


_LAYOUTS = {8: _gaitpdb8, 16: _moticon16}


def get_layout(n_sensors: int) -> SensorLayout:
    """The built-in layout for an insole with ``n_sensors`` sensors.

    Parameters
    ----------
    n_sensors : int
        8 (gaitpdb-like) or 16 (Moticon-like).

    Returns
    -------
    SensorLayout

    Raises
    ------
    RecordingValidationError
        When no built-in layout has that many sensors.
    """
    try:
        return _LAYOUTS[int(n_sensors)]()
    except KeyError:
        raise RecordingValidationError(
            f"no built-in insole layout with {n_sensors} sensors (have {sorted(_LAYOUTS)})"
        ) from None


def layout_from_positions(xy_mm: NDArray[np.float64], name: str = "custom") -> SensorLayout:
    """Build a layout from sensor positions alone, labelling regions by position.

    Regions split the insole length at 27 % / 57 % / 80 % (heel / midfoot / forefoot / toe);
    sensors more than 5 mm either side of the long axis are medial or lateral.

    Parameters
    ----------
    xy_mm : (k, 2) float64
        Sensor positions in the insole frame.
    name : str
        Layout name.

    Returns
    -------
    SensorLayout
    """
    xy = np.asarray(xy_mm, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] == 0:
        raise RecordingValidationError(
            f"sensor positions must be (k, 2) with k >= 1, got {xy.shape}"
        )
    y0, y1 = float(xy[:, 1].min()), float(xy[:, 1].max())
    length = max(y1 - y0, 1.0) / 0.8  # sensors usually span ~80 % of the insole
    start = y0 - 0.1 * length
    frac = (xy[:, 1] - start) / length
    edges = np.array([0.27, 0.57, 0.80])
    regions = tuple(REGIONS[int(i)] for i in np.searchsorted(edges, frac))
    medlat = tuple("medial" if x > 5 else "lateral" if x < -5 else "central" for x in xy[:, 0])
    outline = insole_outline_mm(length)
    outline = outline + np.array([0.0, start])
    return SensorLayout(name, xy, regions, medlat, outline)
