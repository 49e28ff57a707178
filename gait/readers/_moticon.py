"""Moticon OpenGo text exports, as the vendor's desktop software writes them.

Format (checked on the two real exports in ``../shared/data/insoles/moticon/``)::

    # Start time: 27.09.2023 10:21:14.922
    # Duration: 00:17.496
    # Sensor insoles: Left SN5968, Right SN9171
    # Size: 7
    # ...
    # time<TAB>left pressure 1[N/cm²]<TAB>...<TAB>left total force[N]<TAB>...
    0.00<TAB><TAB>...<TAB>6.50<TAB>...

UTF-8, tab-separated, ``#`` header lines with ``key: value``, the column line is the last
``#`` line. Per foot: 16 cell pressures (N/cm²), acceleration X/Y/Z (g), angular rate X/Y/Z
(deg/s), total force (N), centre of pressure X/Y (−0.5…+0.5 insole units); some exports add
step counters or event columns (text labels). A foot that is not transmitting has empty fields;
missing rows are gaps. 100 Hz in both files.

Sensor geometry
---------------
The vendor documents the 16 cell positions but we could not obtain the document, so the
positions and effective areas were **derived from the exports themselves**: the exported total
force is ``sum_i P_i * a_i`` (linear least squares over all loaded samples gives the effective
areas ``a_i`` in cm²) and the exported CoP is the force-weighted mean of the cell positions,
``CoP * sum_i P_i a_i = sum_i P_i a_i pos_i`` (linear in ``pos_i``). On both files and both feet
the fits reproduce the vendor's force to 0.3 N RMS and the CoP to < 1e-4 insole units, and the
normalised positions agree between insole sizes 3 and 7 and between feet to 0.005
(``tests/gait/test_moticon.py`` re-derives them from the data). Coordinates: the export's X
runs heel (−0.5) to toe (+0.5) and Y is **medial-positive for both feet** (the toe cell with the
highest push-off pressure, the hallux, is at +0.18; the unloaded medial-arch cell at +0.24).
Effective areas scale with the insole size (size 3 areas = 0.702 x size 7 areas).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingReadError
from gait.insole._layouts import SensorLayout, insole_outline_mm
from gait.insole._recording import Recording
from gait.readers._text import TextPlan
from gait.readers._textio import MAX_TEXT_BYTES, open_table

__all__ = [
    "OPENGO_CELLS",
    "OPENGO_AREAS_CM2",
    "is_opengo_export",
    "moticon_plan",
    "opengo_areas_cm2",
    "opengo_layout",
    "read_moticon",
]

#: Cell centres in the export's normalised insole frame: (X heel -> toe, Y medial-positive),
#: each in -0.5..+0.5, derived from the exported CoP (module docstring), mean of 4 fits.
OPENGO_CELLS: tuple[tuple[float, float], ...] = (
    (-0.404, 0.109),
    (-0.417, -0.166),
    (-0.266, 0.089),
    (-0.288, -0.225),
    (-0.125, 0.061),
    (-0.152, -0.274),
    (0.082, 0.244),
    (-0.012, -0.391),
    (0.256, 0.274),
    (0.241, 0.064),
    (0.226, -0.116),
    (0.207, -0.294),
    (0.170, -0.463),
    (0.414, 0.179),
    (0.408, -0.082),
    (0.359, -0.313),
)
#: Region and medial/lateral label of each cell (heel 1-4, midfoot 5-8, metatarsal heads
#: 9-13, toes 14-16; hallux = 14).
_LABELS: tuple[tuple[str, str], ...] = (
    ("heel", "medial"),
    ("heel", "lateral"),
    ("heel", "medial"),
    ("heel", "lateral"),
    ("midfoot", "medial"),
    ("midfoot", "lateral"),
    ("midfoot", "medial"),
    ("midfoot", "lateral"),
    ("forefoot", "medial"),
    ("forefoot", "medial"),
    ("forefoot", "central"),
    ("forefoot", "lateral"),
    ("forefoot", "lateral"),
    ("toe", "medial"),
    ("toe", "central"),
    ("toe", "lateral"),
)
#: Effective cell areas (cm²) of a size-7 insole: total force = sum(pressure * area).
OPENGO_AREAS_CM2: tuple[float, ...] = (
    12.36, 11.06, 13.37, 13.13, 13.13, 13.02, 17.98, 18.22,
    15.66, 12.43, 12.51, 12.68, 10.23, 10.13, 12.51, 6.48,
)  # fmt: skip
#: Area ratio per size step, from the size-3 and size-7 fits (size-3 areas are 0.702 of size 7).
_AREA_PER_SIZE = (1.0 / 0.702) ** (1.0 / 4.0)
#: Nominal insole used to express the normalised positions in millimetres.
_NOMINAL_LENGTH_MM = 260.0
_NOMINAL_WIDTH_MM = 0.38 * _NOMINAL_LENGTH_MM
_G = 9.80665


def opengo_areas_cm2(size: int | None) -> NDArray[np.float64]:
    """Effective cell areas (cm²) for an insole size (size 7 when unknown).

    Parameters
    ----------
    size : int or None
        The export's ``# Size:``; fitted on sizes 3 and 7, geometric in between and beyond.

    Returns
    -------
    (16,) float64
    """
    a = np.array(OPENGO_AREAS_CM2)
    if size is None:
        return a
    return a * _AREA_PER_SIZE ** (size - 7)


def opengo_layout(length_mm: float = _NOMINAL_LENGTH_MM) -> SensorLayout:
    """The OpenGo 16-cell layout in our insole frame (mm, +x medial, +y heel -> toe).

    Parameters
    ----------
    length_mm : float
        Insole length; the width is 0.38 of it (the normalised shape is size-independent).

    Returns
    -------
    SensorLayout
        Named ``"opengo16"``.
    """
    cells = np.array(OPENGO_CELLS)
    xy = np.column_stack([cells[:, 1] * 0.38 * length_mm, (cells[:, 0] + 0.5) * length_mm])
    return SensorLayout(
        "opengo16",
        xy,
        tuple(r for r, _ in _LABELS),
        tuple(m for _, m in _LABELS),
        insole_outline_mm(length_mm),
    )


def is_opengo_export(path: Path) -> bool:
    """Whether the first 4 KiB look like an OpenGo text export."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf")
    return head.startswith(b"#") and (
        b"Sensor insoles:" in head or b"left pressure 1[" in head or b"right pressure 1[" in head
    )


def _column(columns: tuple[str, ...], pattern: str) -> int | None:
    rx = re.compile(pattern, re.IGNORECASE)
    for j, c in enumerate(columns):
        if rx.fullmatch(c.strip()):
            return j
    return None


def moticon_plan(path: Path) -> TextPlan:
    """The :class:`~gait.readers._text.TextPlan` of an OpenGo export (see :func:`read_moticon`)."""
    table = open_table(path, MAX_TEXT_BYTES, "Moticon OpenGo export")
    header: dict[str, str] = {}
    for c in table.comments:
        if ":" in c and not c.lower().startswith("time\t"):
            k, v = c.split(":", 1)
            header[k.strip().lower()] = v.strip()
    cols = table.columns
    if not cols or _column(cols, r"time.*") != 0:
        raise RecordingReadError(f"{path}: no '# time ...' column line (OpenGo export expected)")
    size = None
    m = re.match(r"\s*(\d+)", header.get("size", ""))
    if m:
        size = int(m.group(1))
    use: list[int] = [0]
    feet_cols: dict[str, tuple[int, ...]] = {}
    imu_cols: dict[str, tuple[int, ...]] = {}
    for side in ("left", "right"):
        p = [_column(cols, rf"{side} pressure {i}\s*\[.*\]") for i in range(1, 17)]
        if any(j is None for j in p):
            if any(j is not None for j in p):
                raise RecordingReadError(f"{path}: {side} foot has only some of the 16 pressures")
            continue
        feet_cols[side] = tuple(range(len(use), len(use) + 16))
        use += [int(j) for j in p if j is not None]
        imu = [_column(cols, rf"{side} acceleration {a}\s*\[.*\]") for a in "XYZ"]
        imu += [_column(cols, rf"{side} angular {a}\s*\[.*\]") for a in "XYZ"]
        if all(j is not None for j in imu):
            imu_cols[side] = tuple(range(len(use), len(use) + 6))
            use += [int(j) for j in imu if j is not None]
    if not feet_cols:
        raise RecordingReadError(f"{path}: no 'left/right pressure 1..16' columns")
    layout = opengo_layout()
    xy = np.array(layout.xy_mm)
    meta: dict = {
        "units": "N",
        "layout": layout.name,
        "device": "Moticon OpenGo",
        "insole_size": size,
        "vendor_header": header,
    }
    return TextPlan(
        table,
        tuple(use),
        "s",
        "moticon",
        feet_cols,
        imu_cols=imu_cols,
        xy_mm=dict.fromkeys(feet_cols, xy),
        units="N",
        cell_scale=opengo_areas_cm2(size),
        imu_scale=np.array([_G, _G, _G, 1.0, 1.0, 1.0]),
        meta=meta,
    )


def read_moticon(path: str | Path) -> Recording:
    """Read a Moticon OpenGo text export.

    Parameters
    ----------
    path : str or Path
        The ``.txt`` export.

    Returns
    -------
    Recording
        ``format="moticon"``; per foot (n, 16) cell **forces in newtons** (pressure x effective
        area for the insole size), the ``opengo16`` layout, IMU (acceleration m/s², angular
        rate deg/s); ``meta`` holds the header fields (``vendor_header``), ``insole_size``
        and units ``"N"``.

    Raises
    ------
    RecordingReadError
        Not an OpenGo export (no pressure columns), bad time column, negative pressures.
    """
    return moticon_plan(Path(path)).read()
