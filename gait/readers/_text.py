"""Text recordings: PhysioNet gaitpdb walk files and our CSV layout (streamed, checked).

``gaitpdb``
    PhysioNet *Gait in Parkinson's Disease* walk files: 19 tab-separated columns (time,
    8 left and 8 right sensor forces in newtons, two totals), 100 Hz.
``csv``
    Our documented CSV layout (see :func:`read_csv`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingReadError
from gait.insole._layouts import get_layout
from gait.insole._recording import MAX_LOAD_BYTES, FootSignal, Recording, as_side, check_dense
from gait.readers._rows import rows_all, rows_any
from gait.readers._textio import (
    MAX_TEXT_BYTES,
    ColumnGroups,
    GroupBlock,
    TextTable,
    file_size,
    grid_from_times,
    iter_group_blocks,
    open_table,
    unit_from_name,
)

__all__ = [
    "FORCE_UNITS",
    "TextPlan",
    "check_physical",
    "csv_plan",
    "gaitpdb_plan",
    "read_csv",
    "read_gaitpdb",
    "write_csv",
]

#: Units in which a value below zero is physically impossible (forces and pressures).
FORCE_UNITS: frozenset[str] = frozenset({"N", "N/cm2", "kPa", "kg"})
#: A foot whose loaded samples are negative more often than this is refused (sign inverted).
_NEGATIVE_REFUSE_SHARE = 0.05
#: Negative values within this fraction of the foot's peak are offset noise, not impossible.
_NEGATIVE_TOLERANCE = 0.01


def check_physical(
    values: NDArray[np.float64], side: str, units: str, source: str
) -> tuple[NDArray[np.bool_], list[str]]:
    """Flag physically impossible samples of one foot; refuse a foot that is mostly impossible.

    In force or pressure units a value below zero cannot happen. A few negative samples
    (beyond 1 % of the foot's peak, which is offset noise) are marked invalid and reported;
    when more than 5 % of the loaded samples are negative, or the foot is negative where it
    should be loaded (a sign-inverted export), the file is refused: guessing the sign would
    invent data. In raw units (ADC counts, WFDB units) an offset may be negative and nothing
    is flagged, except a foot that is never above zero while it varies (an inverted raw signal).

    Parameters
    ----------
    values : (n, k) float64
        Sensor values, NaN for missing.
    side : {"left", "right"}
        For messages.
    units : str
        ``"N"``, ``"N/cm2"``, ``"kPa"``, ``"kg"`` (zero-based physical) or anything else (raw).
    source : str
        File name for messages.

    Returns
    -------
    bad : (n,) bool
        Samples to mark invalid.
    notes : list of str
        What was flagged.

    Raises
    ------
    RecordingReadError
        When the foot's values are impossible as a whole.
    """
    n = values.shape[0]
    bad = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        if not finite.any():
            return bad, []
        vmax = float(np.fmax.reduce(values, axis=None))  # nanmax without its NaN-free copy
        vmin = float(np.fmin.reduce(values, axis=None))
    if units not in FORCE_UNITS:
        if vmax <= 0 < -vmin:
            raise RecordingReadError(
                f"{source}: every {side} value is <= 0 (min {vmin:.4g}): insole values do not "
                "go negative under load (sign inverted?)"
            )
        return bad, []
    tol = _NEGATIVE_TOLERANCE * max(vmax, abs(vmin))
    if not vmin < -tol:
        return bad, []  # no sample below -tol (NaN compares False either way)
    with np.errstate(invalid="ignore"):
        neg = rows_any(values < -tol)
        loaded = rows_any(np.abs(values) > tol)
    n_neg = int(neg.sum())
    if n_neg == 0:
        return bad, []
    share = n_neg / max(int(loaded.sum()), 1)
    if share > _NEGATIVE_REFUSE_SHARE:
        raise RecordingReadError(
            f"{source}: {100 * share:.0f} % of the {side} foot's loaded samples have negative "
            f"{units} values (min {vmin:.4g}): forces cannot be negative (sign inverted?)"
        )
    bad |= neg
    return bad, [
        f"{side} foot: {n_neg} sample(s) with negative {units} values (physically impossible) "
        "were marked missing"
    ]


def _group(rows: list[GroupBlock], gi: int) -> NDArray[np.float64]:
    """Group ``gi`` of the blocks, one after the other, as a new C-contiguous array."""
    return np.concatenate([b[gi] for b in rows])


def _place_on_grid(
    rows: NDArray[np.float64], grid_index: NDArray[np.int64], n_grid: int
) -> NDArray[np.float64]:
    """Rows at their grid positions; unfilled positions are NaN (missing, never interpolated).

    ``rows`` is a fresh array of the caller's (from :func:`_group`): in the usual case it is
    returned as it is.
    """
    if grid_index.size == n_grid and np.array_equal(grid_index, np.arange(n_grid)):
        # Every grid position has its row, in order (the usual case): no grid to fill.
        return rows
    out = np.full((n_grid, rows.shape[1]), np.nan)
    keep = grid_index >= 0
    out[grid_index[keep]] = rows[keep]
    return out


def _foot(
    side: str,
    values: NDArray[np.float64],
    xy: NDArray[np.float64] | None,
    units: str,
    source: str,
    notes: list[str],
    imu: NDArray[np.float64] | None = None,
) -> FootSignal | None:
    """A foot from grid-placed values, with impossible samples flagged; None if never present."""
    present = ~rows_all(np.isnan(values))
    if not present.any():
        notes.append(f"the {side} foot has no sample in the file")
        return None
    bad, why = check_physical(values, side, units, source)
    notes += why
    if bad.any():
        values = values.copy()
        values[bad] = np.nan
    return FootSignal(
        side=as_side(side), values=values, sensor_xy_mm=xy, valid=present & ~bad, imu=imu
    )


def _timing_notes(grid, notes: list[str]) -> None:
    if grid.note:
        notes.append(grid.note)
    if grid.n_repeated:
        notes.append(f"{grid.n_repeated} row(s) repeat an earlier time stamp and were dropped")
    if grid.n_unordered:
        notes.append(
            f"{grid.n_unordered} row(s) were out of time order and were placed by their time stamps"
        )


@dataclass(frozen=True)
class TextPlan:
    """How to turn the rows of one text recording into feet (shared by whole and chunked reads).

    Parameters
    ----------
    table : TextTable
        The sniffed file.
    usecols : tuple of int
        File columns to parse; the first is the time.
    declared_unit : str or None
        Time unit named by the header.
    format : str
        Recording format name.
    feet_cols : dict of side -> tuple of int
        Sensor columns per foot, as indices into ``usecols``.
    imu_cols : dict of side -> tuple of int
        Six IMU columns per foot (acc xyz, gyro xyz), indices into ``usecols``.
    xy_mm : dict of side -> (k, 2) float64 or None
        Sensor positions.
    units : str
        Units of the values after ``cell_scale``.
    cell_scale : (k,) float64 or None
        Multiplier per sensor column (pressure -> force).
    imu_scale : (6,) float64 or None
        Multiplier per IMU column (g -> m/s²).
    meta : dict
        Recording metadata (copied into every recording built).
    """

    table: TextTable
    usecols: tuple[int, ...]
    declared_unit: str | None
    format: str
    feet_cols: dict[str, tuple[int, ...]]
    imu_cols: dict[str, tuple[int, ...]] = field(default_factory=dict)
    xy_mm: dict[str, NDArray[np.float64] | None] = field(default_factory=dict, repr=False)
    units: str = "raw"
    cell_scale: NDArray[np.float64] | None = field(default=None, repr=False)
    imu_scale: NDArray[np.float64] | None = field(default=None, repr=False)
    meta: dict = field(default_factory=dict, repr=False)

    @cached_property
    def _group_of(self) -> dict[tuple[str, str], int]:
        """Index in :attr:`groups` of each foot's ``("cells" | "imu", side)`` columns."""
        out: dict[tuple[str, str], int] = {}
        for side in self.feet_cols:
            out["cells", side] = len(out) + 1  # group 0 is the time
            if self.imu_cols.get(side):
                out["imu", side] = len(out) + 1
        return out

    @property
    def groups(self) -> ColumnGroups:
        """Column groups the blocks are read in: the time, then per foot (in
        :attr:`feet_cols` order) its sensors and, where present, its IMU."""
        cols = {"cells": self.feet_cols, "imu": self.imu_cols}
        return ((0,), *(cols[kind][side] for kind, side in self._group_of))

    def build(
        self,
        rows: list[GroupBlock],
        grid_index: NDArray[np.int64],
        n_grid: int,
        sampling_rate_hz: float,
        notes: list[str],
        allow_empty: bool = False,
    ) -> Recording | None:
        """A recording from parsed rows placed at ``grid_index`` on a grid of ``n_grid``.

        ``rows`` are the blocks in order, split by :attr:`groups`.

        Returns None (``allow_empty``) when no foot has a sample, else raises.
        """
        path = self.table.path
        feet: dict[str, FootSignal | None] = {}
        for side in self.feet_cols:
            v = _place_on_grid(_group(rows, self._group_of["cells", side]), grid_index, n_grid)
            if self.cell_scale is not None:
                v *= self.cell_scale
            imu = None
            if ("imu", side) in self._group_of:
                imu = _place_on_grid(_group(rows, self._group_of["imu", side]), grid_index, n_grid)
                if self.imu_scale is not None:
                    imu *= self.imu_scale
            feet[side] = _foot(side, v, self.xy_mm.get(side), self.units, path.name, notes, imu)
        if not any(f is not None for f in feet.values()):
            if allow_empty:
                return None
            raise RecordingReadError(f"{path}: no foot has any sample")
        meta = dict(self.meta)
        meta["ingest_notes"] = notes
        meta["text_dialect"] = self.table.describe
        return Recording(
            sampling_rate_hz, feet.get("left"), feet.get("right"), str(path), self.format, meta
        )

    def read(self) -> Recording:
        """The whole file as one recording (refused when it would not fit: see below).

        Raises
        ------
        RecordingReadError
            Files over :data:`MAX_LOAD_BYTES` or a grid over :data:`MAX_DENSE_BYTES` (a long
            recording, or a long time gap): analyse those with :func:`gait.analyze_file`.
        """
        size = file_size(self.table.path)
        if size > MAX_LOAD_BYTES:
            raise RecordingReadError(
                f"{self.table.path}: {size / 2**20:.0f} MiB is too large to load at once "
                f"(limit {MAX_LOAD_BYTES / 2**20:.0f} MiB): analyse it part by part with "
                "gait.analyze_file (the gait analyze command does)"
            )
        parts = list(iter_group_blocks(self.table, self.groups, usecols=self.usecols))
        if not parts:
            raise RecordingReadError(f"{self.table.path}: no data rows")
        grid = grid_from_times(_group(parts, 0)[:, 0], self.table.path, self.declared_unit)
        check_dense(grid.n_grid, len(self.usecols) + 6, grid.sampling_rate_hz, str(self.table.path))
        notes: list[str] = []
        _timing_notes(grid, notes)
        rec = self.build(parts, grid.index, grid.n_grid, grid.sampling_rate_hz, notes)
        assert rec is not None
        rec.meta["time_unit"] = grid.unit
        return rec


def gaitpdb_plan(path: Path) -> TextPlan:
    """The :class:`TextPlan` of a gaitpdb walk file (19 columns, N, 8 cells per foot)."""
    table = open_table(path, MAX_TEXT_BYTES, "gaitpdb walk (19 columns)")
    if table.n_fields != 19:
        raise RecordingReadError(f"{path}: gaitpdb walks have 19 columns, found {table.n_fields}")
    layout = get_layout(8)
    meta: dict = {"layout": layout.name, "units": "N"}
    m = re.match(r"^(Ga|Ju|Si)(Co|Pt)(\d+)_(\d+)", path.stem)
    if m:
        meta.update(
            study=m.group(1),
            group="control" if m.group(2) == "Co" else "PD",
            subject=f"{m.group(1)}{m.group(2)}{m.group(3)}",
            walk=int(m.group(4)),
            treadmill=m.group(1) == "Si",
        )
    xy = np.array(layout.xy_mm)
    return TextPlan(
        table,
        tuple(range(17)),
        "s",
        "gaitpdb",
        {"left": tuple(range(1, 9)), "right": tuple(range(9, 17))},
        xy_mm={"left": xy, "right": xy},
        units="N",
        meta=meta,
    )


def read_gaitpdb(path: str | Path) -> Recording:
    """Read a PhysioNet gaitpdb walk file (``GaCo01_01.txt``...).

    Parameters
    ----------
    path : str or Path
        The walk file: 19 whitespace-separated columns, time in s then 8 left and 8 right
        sensor forces (N) then the two totals. Tabs, ``;``, commas, a decimal comma, a BOM
        or Latin-1 are accepted (:mod:`gait.readers._textio`); rows are placed by their time, so a
        missing row is a gap.

    Returns
    -------
    Recording
        Two feet with (n, 8) values in newtons and the gaitpdb sensor layout (mm).

    Raises
    ------
    RecordingReadError
        Unreadable file, wrong column count, implausible time step, negative forces.
    """
    return gaitpdb_plan(Path(path)).read()


def csv_plan(path: Path) -> TextPlan:
    """The :class:`TextPlan` of a CSV in our layout (see :func:`read_csv`)."""
    table = open_table(path, MAX_TEXT_BYTES, "CSV recording")
    meta: dict = {"units": "raw"}
    for c in table.comments:
        kv = c.split("=", 1)
        if len(kv) == 2 and kv[0].strip().isidentifier():
            meta[kv[0].strip()] = kv[1].strip()
    if not table.columns:
        raise RecordingReadError(f"{path}: the CSV needs a header row (time_s,left_1,...)")
    header = [h.strip().lower().lstrip("\ufeff") for h in table.columns]
    if not re.fullmatch(r"time(?:[_ ]?(?:s|ms|us|\[s\]|\[ms\]|\[us\]))?", header[0]):
        raise RecordingReadError(
            f"{path}: the first CSV column must be the time ('time_s'), found {header[0]!r}"
        )
    cols: dict[str, list[int]] = {"left": [], "right": []}
    for j, h in enumerate(header[1:], start=1):
        m = re.fullmatch(r"(left|right)_(\d+)", h)
        if m is None:
            raise RecordingReadError(f"{path}: unknown CSV column {h!r} (use left_<i>/right_<i>)")
        cols[m.group(1)].append(j)
    if not cols["left"] and not cols["right"]:
        raise RecordingReadError(f"{path}: no left_<i> or right_<i> sensor columns")
    if cols["left"] and cols["right"] and len(cols["left"]) != len(cols["right"]):
        raise RecordingReadError(f"{path}: left and right have different sensor counts")
    if table.n_fields != len(header):
        raise RecordingReadError(
            f"{path}: rows have {table.n_fields} fields, header has {len(header)}"
        )
    xy: dict[str, NDArray[np.float64] | None] = {}
    for side, idx in cols.items():
        try:
            xy[side] = np.array(get_layout(len(idx)).xy_mm)
        except Exception:
            xy[side] = None
    return TextPlan(
        table,
        tuple(range(len(header))),
        unit_from_name(header[0]) or "s",
        "csv",
        {s: tuple(c) for s, c in cols.items() if c},
        xy_mm=xy,
        units=str(meta.get("units", "raw")),
        meta=meta,
    )


def read_csv(path: str | Path) -> Recording:
    """Read our CSV layout.

    Layout (``#`` comment lines ignored)::

        # optional comments, e.g. # body_mass_kg=70 or # units=N
        time_s,left_1,...,left_k,right_1,...,right_k
        0.00,12.5,...

    The header row is required; its first column is the time (``time_s``, ``time_ms``,
    ``time``...). The time unit is the declared one when it gives a plausible rate, else the
    one that does (millisecond stamps under ``time_s`` are read as ms and reported); rows are
    placed by their time, so missing rows are gaps. Either foot may be absent; both feet
    need the same sensor count when both are present. Empty fields or ``nan`` are missing
    samples. With 8 or 16 sensors the built-in layout positions are attached. A
    ``# key=value`` comment line sets ``meta[key]``; ``# units=N`` (or ``N/cm2``, ``kPa``)
    makes negative values impossible (flagged or refused). Separators ``,``/``;``/tab, a
    decimal comma, a UTF-8 BOM and Latin-1 text are detected.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    Recording

    Raises
    ------
    RecordingReadError
        Unreadable or malformed file, unknown columns, implausible time, impossible values.
    """
    return csv_plan(Path(path)).read()


def write_csv(recording: Recording, path: str | Path) -> None:
    """Write a recording in our CSV layout (atomically: temp file, then rename).

    Parameters
    ----------
    recording : Recording
        Any recording.
    path : str or Path
        Destination.
    """
    path = Path(path)
    feet = recording.feet
    n = max(f.n_samples for f in feet.values())
    cols = [np.arange(n) / recording.sampling_rate_hz]
    names = ["time_s"]
    for side in ("left", "right"):
        f = feet.get(side)
        if f is None:
            continue
        v = f.values.astype(np.float64).copy()
        if f.valid is not None:
            v[~f.valid] = np.nan
        for j in range(v.shape[1]):
            cols.append(v[:, j])
            names.append(f"{side}_{j + 1}")
    arr = np.column_stack(cols)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(",".join(names) + "\n")
        np.savetxt(fh, arr, delimiter=",", fmt="%.6g")
    tmp.replace(path)
