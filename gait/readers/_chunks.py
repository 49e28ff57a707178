"""Recordings read part by part, in memory bounded by one part, cut at long time gaps.

:func:`iter_chunks` yields consecutive parts of any supported file (text formats streamed
row block by row block, WFDB memory-mapped, session files through
:func:`gait.insole._session_parts.iter_session_parts`); a gap longer than ``max_gap_s`` ends
a part and nothing is allocated for it.
"""

from __future__ import annotations

import math
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingReadError, RecordingValidationError
from gait.insole._recording import FootSignal, Recording, as_side
from gait.insole._session_parts import iter_session_parts
from gait.readers._moticon import moticon_plan
from gait.readers._readers import FORMATS, _sniff
from gait.readers._text import TextPlan, csv_plan, gaitpdb_plan
from gait.readers._textio import (
    MIN_RATE_HZ,
    GroupBlock,
    grid_from_times,
    iter_group_blocks,
)
from gait.readers._wfdb import (
    WfdbHeader,
    WfdbSignalSpec,
    _confined,
    _signal_side,
    decode_format_212,
    load_header,
    read_wfdb,
)

__all__ = [
    "DEFAULT_CHUNK_S",
    "DEFAULT_MAX_GAP_S",
    "is_text_format",
    "iter_chunks",
    "resolve_format",
]

#: Length of one part (seconds of grid).
DEFAULT_CHUNK_S = 600.0
#: A gap longer than this ends a part (no dense grid over it).
DEFAULT_MAX_GAP_S = 60.0
_TEXT_FORMATS = ("csv", "gaitpdb", "moticon")


# --------------------------------------------------------------------------- text formats


def _text_plan(path: Path, fmt: str) -> TextPlan:
    if fmt == "csv":
        return csv_plan(path)
    if fmt == "gaitpdb":
        return gaitpdb_plan(path)
    return moticon_plan(path)


def _iter_text_chunks(
    plan: TextPlan, chunk_s: float, max_gap_s: float
) -> Iterator[tuple[float, Recording]]:
    """Stream a text recording: rows placed by time, cut at ``chunk_s`` and at long gaps.

    Rows that do not move time forward (a repeated stamp, or a block that goes back in
    time such as an appended copy of the file) are dropped and counted: in a stream they
    cannot be put back in order.
    """
    path = plan.table.path
    rate = scale = None
    unit = ""
    last_t = -math.inf
    last_pos = -1
    chunk_rows: list[GroupBlock] = []
    chunk_pos: list[NDArray[np.int64]] = []
    chunk_start = 0
    n_dropped = 0
    first_note = ""
    for blk in iter_group_blocks(plan.table, plan.groups, usecols=plan.usecols):
        if blk[0].shape[0] == 0:
            continue
        t = blk[0][:, 0]
        if not np.all(np.isfinite(t)):
            raise RecordingReadError(f"{path}: a data row has no time stamp")
        if rate is None:
            grid = grid_from_times(t if t.size > 1 else np.r_[t, t + 1], path, plan.declared_unit)
            rate, unit = grid.sampling_rate_hz, grid.unit
            scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6}[unit]
            first_note = grid.note
        prev_max = np.maximum.accumulate(np.r_[last_t, t])
        keep = t > prev_max[:-1]
        n_dropped += int((~keep).sum())
        if not keep.all():  # (a copy of the block only when rows are dropped)
            if not keep.any():
                continue
            t, blk = t[keep], tuple(g[keep] for g in blk)
        steps = np.diff(np.r_[last_t if last_pos >= 0 else t[0], t]) * scale * rate
        k = np.rint(steps)
        if last_pos < 0:
            k[0] = 0
        off = np.abs(steps - k)
        bad = (k >= 1) & (off > 1 / 3)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise RecordingReadError(
                f"{path}: time column is not uniformly sampled (at {t[i]:g} the row is off the "
                f"{rate:g} Hz grid)"
            )
        pos = last_pos + np.cumsum(np.maximum(k, 1)).astype(np.int64)
        if last_pos < 0:
            pos -= pos[0]
        # Cut points: before a long gap, and where a part is full.
        prev = last_pos if last_pos >= 0 else pos[0]
        gap_idx = np.flatnonzero(np.diff(np.r_[prev, pos]) > max_gap_s * rate)
        start = 0
        while True:
            full = int(np.searchsorted(pos, chunk_start + chunk_s * rate, side="left"))
            g = gap_idx[gap_idx > start]
            cut = min(full, int(g[0]) if g.size else pos.size)
            if cut >= pos.size:
                break
            if start < cut:
                chunk_rows.append(tuple(g[start:cut] for g in blk))
                chunk_pos.append(pos[start:cut])
            if chunk_rows:  # its rows let go before the part is handed on (and analysed)
                part = _emit_text(plan, chunk_rows, chunk_pos, chunk_start, rate, unit)
                del chunk_rows[:], chunk_pos[:]
                yield part
            chunk_start = int(pos[cut])
            start = cut
        chunk_rows.append(tuple(g[start:] for g in blk))
        chunk_pos.append(pos[start:])
        last_t, last_pos = float(t[-1]), int(pos[-1])
    if rate is None:
        raise RecordingReadError(f"{path}: no data rows")
    if chunk_rows:
        yield _emit_text(plan, chunk_rows, chunk_pos, chunk_start, rate, unit, n_dropped,
                         first_note)  # fmt: skip


def _emit_text(
    plan: TextPlan,
    rows: list[GroupBlock],
    pos: list[NDArray[np.int64]],
    start: int,
    rate: float,
    unit: str,
    n_dropped: int = 0,
    note: str = "",
) -> tuple[float, Recording]:
    p = np.concatenate(pos) - start
    notes: list[str] = []
    if note:
        notes.append(note)
    if n_dropped:
        notes.append(f"{n_dropped} row(s) did not move time forward (repeated or earlier stamps) "
                     "and were dropped")  # fmt: skip
    rec = plan.build(rows, p, int(p[-1]) + 1, rate, notes, allow_empty=True)
    if rec is not None:
        # A foot absent from one part is not absent from the file.
        kept = [n for n in notes if "has no sample in the file" not in n]
        rec.meta["ingest_notes"] = kept
    if rec is None:
        rec = Recording(rate, None, None, str(plan.table.path), plan.format, {})
    rec.meta["time_unit"] = unit
    return start / rate, rec


# --------------------------------------------------------------------------- WFDB


class _WfdbMaps:
    """Memory-mapped signal files of one record, checked for size; closed by :meth:`close`."""

    def __init__(self, hea: Path, folder: Path, header: WfdbHeader, n: int) -> None:
        self.maps: list[tuple[Any, mmap.mmap, WfdbSignalSpec]] = []
        self.sides: list[str] = []
        try:
            for i, spec in enumerate(header.signals):
                dp = _confined(folder, spec.file_name, hea)
                need = (3 * n + 1) // 2 if spec.fmt == 212 else 2 * n
                size = dp.stat().st_size if dp.is_file() else -1
                if size < 0:
                    raise RecordingReadError(
                        f"{hea}: data file {spec.file_name!r} named in the header is missing"
                    )
                if size < need or size > need + 3:
                    raise RecordingReadError(
                        f"{dp}: {size} bytes, the header's {n} samples need {need}"
                    )
                self.sides.append(_signal_side(spec, i))
                fh = dp.open("rb")
                self.maps.append((fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ), spec))
        except BaseException:
            self.close()
            raise

    def decode(self, k: int, a: int, b: int) -> NDArray[np.int16]:
        """Samples ``a:b`` of signal ``k``."""
        _, mm, spec = self.maps[k]
        if spec.fmt == 212:
            # ``a`` is even; an odd last piece needs its whole 3-byte group (one sample extra).
            m = b - a + (b - a) % 2
            return decode_format_212(np.frombuffer(mm, np.uint8, m * 3 // 2, a * 3 // 2))[: b - a]
        return np.frombuffer(mm, "<i2", b - a, 2 * a).copy()

    def check_sums(self, hea: Path, n: int, step: int) -> None:
        """Refuse a corrupt file before anything is analysed (WFDB 16-bit checksums)."""
        for k, (_, _, spec) in enumerate(self.maps):
            if spec.checksum is None:
                continue
            tot = 0
            for a in range(0, n, step):
                tot += int(np.sum(self.decode(k, a, min(n, a + step)), dtype=np.int64))
            csum = tot & 0xFFFF
            csum = csum - 0x10000 if csum >= 0x8000 else csum
            want = spec.checksum if spec.checksum < 0x8000 else spec.checksum - 0x10000
            if csum != want:
                raise RecordingReadError(
                    f"{hea}: checksum mismatch (data {csum}, header {spec.checksum}): corrupt file"
                )

    def close(self) -> None:
        for fh, mm, _ in self.maps:
            mm.close()
            fh.close()


def _iter_wfdb_chunks(path: Path, chunk_s: float) -> Iterator[tuple[float, Recording]]:
    """WFDB records decoded part by part from memory-mapped data files (checked first)."""
    hea, folder, header = load_header(path)
    fs = header.sampling_rate_hz
    small = header.n_samples is None or header.n_samples <= chunk_s * fs
    if small or any(s.fmt not in (212, 16) for s in header.signals) or len(header.signals) > 2:
        yield 0.0, read_wfdb(path)  # all checks (and their messages) of the whole reader
        return
    n = int(header.n_samples or 0)
    step = int(chunk_s * fs) // 2 * 2
    maps = _WfdbMaps(hea, folder, header, n)
    try:
        maps.check_sums(hea, n, step)
        for a in range(0, n, step):
            b = min(n, a + step)
            feet: dict[str, FootSignal] = {}
            inv: dict[str, int] = {}
            for k, side in enumerate(maps.sides):
                s = maps.decode(k, a, b)
                inv[side] = int(np.count_nonzero(s == -2048)) if maps.maps[k][2].fmt == 212 else 0
                feet[side] = FootSignal(as_side(side), s.astype(np.float64)[:, None],
                                        valid=np.ones(s.size, dtype=bool))  # fmt: skip
            meta = {"record": header.record_name, "wfdb_invalid_samples": inv, "units": "adu"}
            yield a / fs, Recording(fs, feet.get("left"), feet.get("right"), str(hea), "wfdb", meta)
    finally:
        maps.close()


# --------------------------------------------------------------------------- sessions


def _iter_session_chunks(
    path: Path, chunk_s: float, max_gap_s: float
) -> Iterator[tuple[float, Recording]]:
    yield from iter_session_parts(path, chunk_s, max_gap_s)


# --------------------------------------------------------------------------- any format


def resolve_format(path: str | Path, format: str = "auto") -> str:
    """The format :func:`iter_chunks` reads ``path`` in (``"auto"`` sniffed from the file).

    Raises
    ------
    RecordingReadError
        An unknown format name.
    """
    if format not in FORMATS:
        raise RecordingReadError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    return _sniff(Path(path)) if format == "auto" else format


def is_text_format(path: str | Path, format: str = "auto") -> bool:
    """Whether :func:`iter_chunks` reads ``path`` as a text table (CSV, gaitpdb, Moticon),
    parsed by compiled code on a thread of its own (see :mod:`gait.readers._fastcsv`)."""
    return resolve_format(path, format) in _TEXT_FORMATS


def iter_chunks(
    path: str | Path,
    format: str = "auto",
    chunk_s: float = DEFAULT_CHUNK_S,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> Iterator[tuple[float, Recording]]:
    """Consecutive parts of a recording, each at most ``chunk_s`` long, cut at long gaps.

    Parameters
    ----------
    path : str or Path
        Any file :func:`gait.load_recording` reads.
    format : str
        As for :func:`gait.load_recording`.
    chunk_s : float
        Longest part, seconds.
    max_gap_s : float
        A gap longer than this ends a part; nothing is allocated for it.

    Yields
    ------
    t0_s : float
        Start of the part, seconds from the start of the recording.
    recording : Recording
        The part (its own clock starts at 0).

    Raises
    ------
    RecordingReadError
        As the whole-file readers (a refused file yields nothing).
    """
    fmt = resolve_format(path, format)
    if chunk_s < 10 or max_gap_s <= 0:
        raise RecordingValidationError("chunk_s must be >= 10 s and max_gap_s > 0")
    p = Path(path)
    if fmt != "wfdb" and not p.is_file():
        raise RecordingReadError(f"{p}: file not found")
    if fmt in _TEXT_FORMATS:
        yield from _iter_text_chunks(_text_plan(p, fmt), chunk_s, max(max_gap_s, 1 / MIN_RATE_HZ))
    elif fmt == "wfdb":
        yield from _iter_wfdb_chunks(p, chunk_s)
    else:
        yield from _iter_session_chunks(p, chunk_s, max_gap_s)
