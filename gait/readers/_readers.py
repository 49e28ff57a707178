"""Readers for recorded insole and footswitch data; every reader returns a :class:`Recording`.

Formats
-------
``wfdb``
    PhysioNet WFDB records (``.hea`` or the older ``.hea-`` header plus one binary file per
    signal), format 212 (two 12-bit samples in three bytes) or 16 (little-endian int16),
    decoded here. Sides come from the signal description (``left-foot``/``right-foot``) or
    the file extension (``.let``/``.rit``). ``-2048`` is WFDB's "invalid" code for format 212;
    in the gait databases it also marks the negative rail during swing, so those samples
    are kept as the lowest value (unloaded), not dropped, and counted in
    ``meta["wfdb_invalid_samples"]``.
``gaitpdb``
    PhysioNet *Gait in Parkinson's Disease* walk files: 19 tab-separated columns (time,
    8 left and 8 right sensor forces in newtons, two totals), 100 Hz.
``csv``
    Our documented CSV layout (see :func:`read_csv`).
``moticon``
    Moticon OpenGo text exports (:mod:`gait.readers._moticon`).
``session``
    Our BLE session files, read by :func:`gait.insole._session.read_session`.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingReadError
from gait.insole._layouts import get_layout
from gait.insole._recording import (
    MAX_LOAD_BYTES,
    FootSignal,
    Recording,
    check_dense,
)
from gait.readers._textio import (
    MAX_RATE_HZ,
    MAX_TEXT_BYTES,
    MIN_RATE_HZ,
    TextTable,
    check_file_size,
    file_size,
    grid_from_times,
    iter_blocks,
    open_table,
    unit_from_name,
)

__all__ = [
    "FORMATS",
    "WfdbHeader",
    "WfdbSignalSpec",
    "decode_format_212",
    "load_recording",
    "parse_wfdb_header",
    "read_csv",
    "read_gaitpdb",
    "read_wfdb",
]

#: Formats accepted by :func:`load_recording`.
FORMATS: tuple[str, ...] = ("auto", "session", "csv", "gaitpdb", "wfdb", "moticon")

_WFDB_INVALID_212 = -2048


@dataclass(frozen=True)
class WfdbSignalSpec:
    """One signal line of a WFDB header.

    Parameters
    ----------
    file_name : str
        Data file, relative to the header.
    fmt : int
        Storage format (212 or 16 supported).
    gain_adu : float or None
        ADC units per physical unit (None when absent).
    adc_resolution_bits : int or None
        ADC resolution.
    adc_zero : int or None
        ADC zero.
    initial_value : int or None
        First sample, for checking.
    checksum : int or None
        16-bit sum of all samples, for checking.
    description : str
        Free text (``left-foot``...).
    """

    file_name: str
    fmt: int
    gain_adu: float | None
    adc_resolution_bits: int | None
    adc_zero: int | None
    initial_value: int | None
    checksum: int | None
    description: str


@dataclass(frozen=True)
class WfdbHeader:
    """A parsed WFDB header.

    Parameters
    ----------
    record_name : str
        Record name.
    sampling_rate_hz : float
        Sampling frequency.
    n_samples : int or None
        Samples per signal (absent in ``.hea-`` headers).
    signals : tuple of WfdbSignalSpec
        One per signal.
    """

    record_name: str
    sampling_rate_hz: float
    n_samples: int | None
    signals: tuple[WfdbSignalSpec, ...]


def _int_or_none(tok: str | None) -> int | None:
    if tok is None:
        return None
    try:
        return int(tok)
    except ValueError:
        return None


def parse_wfdb_header(text: str, source: str = "<header>") -> WfdbHeader:
    """Parse the text of a WFDB ``.hea`` (or short ``.hea-``) header.

    Parameters
    ----------
    text : str
        Header contents (CRLF or LF line ends; ``#`` comment lines allowed).
    source : str
        Name used in error messages.

    Returns
    -------
    WfdbHeader

    Raises
    ------
    RecordingReadError
        When the record or a signal line is malformed.
    """
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise RecordingReadError(f"{source}: empty WFDB header")
    rec = lines[0].split()
    if len(rec) < 2:
        raise RecordingReadError(f"{source}: bad WFDB record line {lines[0]!r}")
    name = rec[0].split("/")[0]
    try:
        n_sig = int(rec[1])
        fs = float(rec[2].split("/")[0]) if len(rec) > 2 else 250.0
        n_samples = int(rec[3]) if len(rec) > 3 else None
    except ValueError:
        raise RecordingReadError(f"{source}: bad WFDB record line {lines[0]!r}") from None
    if n_sig < 1 or fs <= 0:
        raise RecordingReadError(f"{source}: record line needs >= 1 signal and a positive rate")
    sig_lines = lines[1 : 1 + n_sig]
    if len(sig_lines) != n_sig:
        raise RecordingReadError(
            f"{source}: header announces {n_sig} signals but has {len(sig_lines)} signal lines"
        )
    specs = []
    for ln in sig_lines:
        tok = ln.split()
        if len(tok) < 2:
            raise RecordingReadError(f"{source}: bad WFDB signal line {ln!r}")
        fmt_tok = re.match(r"^(\d+)", tok[1])
        if fmt_tok is None:
            raise RecordingReadError(f"{source}: bad storage format in {ln!r}")
        gain = None
        if len(tok) > 2:
            m = re.match(r"^([-+0-9.eE]+)", tok[2])
            gain = float(m.group(1)) if m else None
        specs.append(
            WfdbSignalSpec(
                file_name=tok[0],
                fmt=int(fmt_tok.group(1)),
                gain_adu=gain,
                adc_resolution_bits=_int_or_none(tok[3] if len(tok) > 3 else None),
                adc_zero=_int_or_none(tok[4] if len(tok) > 4 else None),
                initial_value=_int_or_none(tok[5] if len(tok) > 5 else None),
                checksum=_int_or_none(tok[6] if len(tok) > 6 else None),
                description=" ".join(tok[8:]) if len(tok) > 8 else "",
            )
        )
    return WfdbHeader(name, fs, n_samples, tuple(specs))


def decode_format_212(raw: bytes | NDArray[np.uint8]) -> NDArray[np.int16]:
    """Decode WFDB format 212: two 12-bit two's-complement samples per three bytes.

    Parameters
    ----------
    raw : bytes or (3m,) uint8
        The data file contents (one signal). A trailing incomplete byte group is an error.

    Returns
    -------
    (2m,) int16
        Digital samples in -2048..2047.

    Raises
    ------
    RecordingReadError
        When the length is not a multiple of three.
    """
    b = (
        np.frombuffer(raw, dtype=np.uint8)
        if isinstance(raw, bytes | bytearray)
        else np.asarray(raw, np.uint8)
    )
    if b.size % 3:
        raise RecordingReadError(
            f"format 212 data length {b.size} is not a multiple of 3 bytes (truncated file?)"
        )
    b = b.reshape(-1, 3).astype(np.int16)
    s0 = b[:, 0] | ((b[:, 1] & 0x0F) << 8)
    s1 = b[:, 2] | ((b[:, 1] & 0xF0) << 4)
    out = np.empty(2 * b.shape[0], dtype=np.int16)
    out[0::2] = s0
    out[1::2] = s1
    out[out > 2047] -= 4096
    return out


def _wfdb_paths(path: Path) -> tuple[Path, Path]:
    """(header path, directory) for a ``.hea``/``.hea-``/data-file/record-name path."""
    suffix = path.suffix.lower()
    if suffix in (".hea", ".hea-"):
        return path, path.parent
    base = path.with_suffix("") if suffix in (".let", ".rit", ".dat") else path
    for cand in (base.with_name(base.name + ".hea"), base.with_name(base.name + ".hea-")):
        if cand.is_file():
            return cand, cand.parent
    raise RecordingReadError(f"{path}: no WFDB header ({base.name}.hea or .hea-) found")


#: Largest WFDB header accepted (bytes); real ones are a few hundred.
_MAX_HEADER_BYTES = 1 << 16
#: Largest WFDB signal accepted (samples): 48 h at 300 Hz.
_MAX_WFDB_SAMPLES = 48 * 3600 * 300


def _confined(folder: Path, name: str, hea: Path) -> Path:
    """``folder / name`` if ``name`` is a plain file name inside the record's folder.

    WFDB headers name their data files; a name with a directory part, an absolute path or
    a symbolic link that leaves the folder is refused, so a header cannot make the reader
    open any other file on the machine.
    """
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or Path(name).is_absolute()
        or Path(name).name != name
    ):
        raise RecordingReadError(
            f"{hea}: data file name {name!r} in the header is not a plain file name in the "
            "record's folder: refused"
        )
    target = folder / name
    try:
        resolved = target.resolve()
        inside = resolved.parent == folder.resolve()
    except OSError:
        inside = False
    if not inside:
        raise RecordingReadError(
            f"{hea}: data file {name!r} resolves outside the record's folder: refused"
        )
    return target


def read_wfdb(path: str | Path) -> Recording:
    """Read a WFDB footswitch record (one signal per foot).

    Parameters
    ----------
    path : str or Path
        The ``.hea`` (or ``.hea-``) header, one of its data files, or the record path
        without extension.

    Returns
    -------
    Recording
        Values are digital ADC units, shape (n, 1) per foot; ``-2048`` kept as the rail.

    Raises
    ------
    RecordingReadError
        Missing header or data file, unsupported format, truncated data, checksum mismatch.
    """
    path = Path(path)
    hea, folder = _wfdb_paths(path)
    if not hea.is_file():
        raise RecordingReadError(f"{hea}: WFDB header not found")
    check_file_size(hea, _MAX_HEADER_BYTES, "WFDB header")
    try:
        text = hea.read_bytes().decode("ascii", errors="replace")
    except OSError as exc:
        raise RecordingReadError(f"{hea}: cannot read header ({exc.strerror})") from None
    if "\x00" in text:
        raise RecordingReadError(f"{hea}: binary data (NUL bytes), not a WFDB header")
    header = parse_wfdb_header(text, str(hea))
    if not MIN_RATE_HZ <= header.sampling_rate_hz <= MAX_RATE_HZ:
        raise RecordingReadError(
            f"{hea}: sampling rate {header.sampling_rate_hz:g} Hz is not a plausible insole or "
            f"footswitch rate ({MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz)"
        )
    if header.n_samples is not None:
        check_dense(header.n_samples, 2, header.sampling_rate_hz, str(hea))
    if header.n_samples is not None and header.n_samples > _MAX_WFDB_SAMPLES:
        raise RecordingReadError(
            f"{hea}: header announces {header.n_samples} samples per signal, more than the "
            f"{_MAX_WFDB_SAMPLES} accepted"
        )
    if len(header.signals) > 2:
        raise RecordingReadError(
            f"{hea}: expected one or two foot signals, header has {len(header.signals)}"
        )
    feet: dict[str, FootSignal] = {}
    invalid_counts: dict[str, int] = {}
    lengths = []
    for i, spec in enumerate(header.signals):
        data_path = _confined(folder, spec.file_name, hea)
        if not data_path.is_file():
            raise RecordingReadError(
                f"{hea}: data file {spec.file_name!r} named in the header is missing"
            )
        bytes_per = 1.5 if spec.fmt == 212 else 2.0
        limit = (
            int(np.ceil(header.n_samples * bytes_per)) + 3
            if header.n_samples is not None
            else int(_MAX_WFDB_SAMPLES * bytes_per)
        )
        check_file_size(data_path, max(limit, 3), f"WFDB format {spec.fmt} signal")
        raw = data_path.read_bytes()
        if spec.fmt == 212:
            samples = decode_format_212(raw)
        elif spec.fmt == 16:
            if len(raw) % 2:
                raise RecordingReadError(f"{data_path}: format 16 data has an odd number of bytes")
            samples = np.frombuffer(raw, dtype="<i2").copy()
        else:
            raise RecordingReadError(
                f"{hea}: WFDB storage format {spec.fmt} is not supported (212 and 16 are)"
            )
        if header.n_samples is not None:
            if samples.size < header.n_samples:
                raise RecordingReadError(
                    f"{data_path}: truncated: {samples.size} samples, header says {header.n_samples}"
                )
            samples = samples[: header.n_samples]
        if spec.checksum is not None and header.n_samples is not None:
            csum = int(np.sum(samples, dtype=np.int64)) & 0xFFFF
            if csum >= 0x8000:
                csum -= 0x10000
            want = spec.checksum if spec.checksum < 0x8000 else spec.checksum - 0x10000
            if csum != want:
                raise RecordingReadError(
                    f"{data_path}: checksum mismatch (data {csum}, header {spec.checksum}): corrupt file"
                )
        desc = (spec.description + " " + spec.file_name).lower()
        if "left" in desc or spec.file_name.lower().endswith(".let"):
            side = "left"
        elif "right" in desc or spec.file_name.lower().endswith(".rit"):
            side = "right"
        else:
            side = "left" if i == 0 else "right"
        if side in feet:
            raise RecordingReadError(f"{hea}: two signals for the {side} foot")
        invalid_counts[side] = (
            int(np.count_nonzero(samples == _WFDB_INVALID_212)) if spec.fmt == 212 else 0
        )
        values = samples.astype(np.float64)[:, None]
        feet[side] = FootSignal(side=side, values=values, valid=np.ones(samples.size, dtype=bool))
        lengths.append(samples.size)
    if len(set(lengths)) > 1:
        n = min(lengths)
        feet = {
            s: FootSignal(
                side=s, values=f.values[:n], valid=f.valid[:n] if f.valid is not None else None
            )
            for s, f in feet.items()
        }
    return Recording(
        sampling_rate_hz=header.sampling_rate_hz,
        left=feet.get("left"),
        right=feet.get("right"),
        source=str(hea),
        format="wfdb",
        meta={
            "record": header.record_name,
            "wfdb_invalid_samples": invalid_counts,
            "units": "adu",
        },
    )


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
        vmax = float(np.nanmax(values))
        vmin = float(np.nanmin(values))
    if units not in FORCE_UNITS:
        if vmax <= 0 < -vmin:
            raise RecordingReadError(
                f"{source}: every {side} value is <= 0 (min {vmin:.4g}): insole values do not "
                "go negative under load (sign inverted?)"
            )
        return bad, []
    tol = _NEGATIVE_TOLERANCE * max(vmax, abs(vmin))
    with np.errstate(invalid="ignore"):
        neg = (values < -tol).any(axis=1)
        loaded = (np.abs(values) > tol).any(axis=1)
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


def _place_on_grid(
    rows: NDArray[np.float64], grid_index: NDArray[np.int64], n_grid: int
) -> NDArray[np.float64]:
    """Rows at their grid positions; unfilled positions are NaN (missing, never interpolated)."""
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
    present = ~np.all(np.isnan(values), axis=1)
    if not present.any():
        notes.append(f"the {side} foot has no sample in the file")
        return None
    bad, why = check_physical(values, side, units, source)
    notes += why
    if bad.any():
        values = values.copy()
        values[bad] = np.nan
    return FootSignal(side=side, values=values, sensor_xy_mm=xy, valid=present & ~bad, imu=imu)


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

    def build(
        self,
        rows: NDArray[np.float64],
        grid_index: NDArray[np.int64],
        n_grid: int,
        sampling_rate_hz: float,
        notes: list[str],
        allow_empty: bool = False,
    ) -> Recording | None:
        """A recording from parsed rows placed at ``grid_index`` on a grid of ``n_grid``.

        Returns None (``allow_empty``) when no foot has a sample, else raises.
        """
        path = self.table.path
        feet: dict[str, FootSignal | None] = {}
        for side, cols in self.feet_cols.items():
            v = _place_on_grid(rows[:, list(cols)], grid_index, n_grid)
            if self.cell_scale is not None:
                v *= self.cell_scale
            imu = None
            ic = self.imu_cols.get(side)
            if ic:
                imu = _place_on_grid(rows[:, list(ic)], grid_index, n_grid)
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
        parts = list(iter_blocks(self.table, usecols=self.usecols))
        if not parts:
            raise RecordingReadError(f"{self.table.path}: no data rows")
        rows = np.concatenate(parts) if len(parts) > 1 else parts[0]
        del parts
        grid = grid_from_times(rows[:, 0], self.table.path, self.declared_unit)
        check_dense(grid.n_grid, rows.shape[1] + 6, grid.sampling_rate_hz, str(self.table.path))
        notes: list[str] = []
        _timing_notes(grid, notes)
        rec = self.build(rows, grid.index, grid.n_grid, grid.sampling_rate_hz, notes)
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


def _sniff(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".hea", ".hea-", ".let", ".rit", ".dat"):
        return "wfdb"
    if suffix == ".csv":
        return "csv"
    if suffix == ".txt":
        from gait.readers._moticon import is_opengo_export

        return "moticon" if is_opengo_export(path) else "gaitpdb"
    if path.is_file():
        with path.open("rb") as fh:
            head = fh.read(64)
        if head.startswith(b"time_s"):
            return "csv"
    if not path.exists() and (
        path.with_name(path.name + ".hea").is_file()
        or path.with_name(path.name + ".hea-").is_file()
    ):
        return "wfdb"
    return "session"


def load_recording(path: str | Path, format: str = "auto") -> Recording:
    """Read a recording in any supported format.

    Parameters
    ----------
    path : str or Path
        File to read (for WFDB: the ``.hea`` header, a data file or the record name).
    format : {"auto", "session", "csv", "gaitpdb", "wfdb", "moticon"}
        ``auto`` picks by extension: ``.hea``/``.hea-``/``.let``/``.rit``/``.dat`` -> wfdb, ``.csv`` ->
        csv, ``.txt`` -> Moticon OpenGo export when it starts like one, else gaitpdb; anything
        else -> our session format.

    Returns
    -------
    Recording

    Raises
    ------
    RecordingReadError
        Unknown format, missing file, or a file that does not parse.
    """
    if format not in FORMATS:
        raise RecordingReadError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    fmt = _sniff(path) if format == "auto" else format
    if fmt != "wfdb" and not path.is_file():
        raise RecordingReadError(f"{path}: file not found")
    if fmt == "wfdb":
        return read_wfdb(path)
    if fmt == "gaitpdb":
        return read_gaitpdb(path)
    if fmt == "csv":
        return read_csv(path)
    if fmt == "moticon":
        from gait.readers._moticon import read_moticon

        return read_moticon(path)
    try:
        session = importlib.import_module("gait.insole._session")
    except ImportError:
        raise RecordingReadError(
            f"{path}: session files cannot be read (gait.insole._session is unavailable)"
        ) from None
    return session.read_session(path)
