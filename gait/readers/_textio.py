"""Hostile-input-proof text tables: size limits, encoding, dialect, streaming rows, time units.

Every text reader (our CSV, PhysioNet gaitpdb, Moticon OpenGo exports) goes through here so
that the same rules hold everywhere:

- the file size is checked **before** reading (:data:`MAX_TEXT_BYTES`), and a file whose first
  64 KiB hold NUL bytes (a sparse or binary file) is refused without reading further;
- encoding: a UTF-8 BOM is honoured, UTF-16 BOMs are decoded, otherwise strict UTF-8 if the
  first MiB decodes, else Latin-1 (every byte decodes; the choice is recorded);
- dialect: tab, ``;``, ``,`` or whitespace separators, and a decimal comma when the separator
  is not a comma and numbers look like ``12,5``;
- rows are parsed in blocks of :data:`BLOCK_ROWS` lines (memory grows with the data kept,
  never with a whole-file string), empty fields are missing values (NaN);
- time stamps: the unit (s, ms or us) is detected from the data, and a file whose step gives
  no plausible insole rate in any unit is refused with the reason; rows are placed on a
  uniform grid by their time, so missing rows are gaps, never a shifted signal.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingReadError
from gait.readers._fastcsv import (
    ColumnGroups,
    GroupBlock,
    drop_header,
    fast_path_available,
    iter_fast_blocks,
    split_groups,
)

__all__ = [
    "BLOCK_ROWS",
    "MAX_TEXT_BYTES",
    "MIN_RATE_HZ",
    "MAX_RATE_HZ",
    "TextTable",
    "TimeGrid",
    "check_file_size",
    "grid_from_times",
    "ColumnGroups",
    "GroupBlock",
    "iter_blocks",
    "iter_group_blocks",
    "split_groups",
    "open_table",
]

#: Largest text recording accepted (bytes); a 24-hour two-insole Moticon export is ~3.5 GB.
MAX_TEXT_BYTES = 8 << 30
#: Lines parsed per block.
BLOCK_ROWS = 65_536
#: Plausible insole / footswitch sampling rates (Hz); outside them a time unit is wrong.
MIN_RATE_HZ = 5.0
MAX_RATE_HZ = 2_000.0
_SNIFF_BYTES = 1 << 20
#: Characters parsed at once by :func:`iter_blocks`.
_PIECE_CHARS = 2 << 20
_UNITS = (("s", 1.0), ("ms", 1e-3), ("us", 1e-6))


def check_file_size(path: Path, limit: int, what: str) -> int:
    """Size of ``path`` in bytes, refusing missing, non-regular, empty or too large files.

    Parameters
    ----------
    path : Path
        The file.
    limit : int
        Largest accepted size in bytes.
    what : str
        What the file should be, for the message.

    Returns
    -------
    int
        Size in bytes.

    Raises
    ------
    RecordingReadError
        Missing, not a regular file, empty or larger than ``limit``.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise RecordingReadError(f"{path}: file not found") from None
    except OSError as exc:
        raise RecordingReadError(f"{path}: cannot read ({exc.strerror})") from None
    if not path.is_file():
        raise RecordingReadError(f"{path}: not a regular file")
    if st.st_size == 0:
        raise RecordingReadError(f"{path}: empty file ({what} expected)")
    if st.st_size > limit:
        raise RecordingReadError(
            f"{path}: {st.st_size / 2**20:.0f} MiB is larger than the {limit / 2**20:.0f} MiB "
            f"accepted for a {what}"
        )
    return int(st.st_size)


@dataclass(frozen=True)
class TextTable:
    """How a text table is written (found by :func:`open_table`).

    Parameters
    ----------
    path : Path
        The file.
    encoding : str
        Python codec name used to read it (``utf-8-sig``, ``utf-8``, ``utf-16``, ``latin-1``).
    delimiter : str or None
        Field separator; None means runs of whitespace.
    decimal : str
        ``"."`` or ``","``.
    columns : tuple of str
        Header names (stripped; empty when the file has no header line).
    comments : tuple of str
        ``#`` comment lines before the data (without the ``#``), in order.
    n_fields : int
        Fields per data row.
    header_row : bool
        Whether the header is a data-area line (to skip), not a ``#`` comment.
    """

    path: Path
    encoding: str
    delimiter: str | None
    decimal: str
    columns: tuple[str, ...]
    comments: tuple[str, ...] = field(repr=False)
    n_fields: int
    header_row: bool = False

    @property
    def describe(self) -> str:
        """One phrase for reports: encoding, separator and decimal mark."""
        sep = {"\t": "tab", ";": "';'", ",": "','", None: "whitespace"}[self.delimiter]
        return f"{self.encoding}, {sep}-separated, decimal '{self.decimal}'"


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head[:65536]:
        raise RecordingReadError(f"{path}: binary data (NUL bytes), not a text table")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "latin-1"


_NUM = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?|nan|NaN|NAN"


def _split(line: str, delimiter: str | None) -> list[str]:
    return line.split() if delimiter is None else line.split(delimiter)


def _sniff_dialect(lines: list[str], path: Path) -> tuple[str | None, str]:
    """Separator and decimal mark from some data lines."""
    for cand in ("\t", ";", ","):
        counts = {ln.count(cand) for ln in lines}
        if len(counts) == 1 and counts.pop() > 0:
            delimiter: str | None = cand
            break
    else:
        delimiter = None
    fields = [f.strip() for ln in lines for f in _split(ln, delimiter)]
    fields = [f for f in fields if f]
    decimal = "."
    if delimiter != "," and any(re.fullmatch(r"[-+]?\d+,\d+", f) for f in fields):
        decimal = ","
    return delimiter, decimal


def open_table(path: Path, limit: int = MAX_TEXT_BYTES, what: str = "text table") -> TextTable:
    """Check, decode and sniff a text table without reading it whole.

    The header is the last comment line or the first non-numeric line before the data;
    ``#`` comment lines are kept for the caller (metadata).

    Parameters
    ----------
    path : Path
        The file.
    limit : int
        Largest accepted size (bytes).
    what : str
        What the file should be, for messages.

    Returns
    -------
    TextTable

    Raises
    ------
    RecordingReadError
        Too large, binary, undecodable, no data rows, inconsistent rows.
    """
    check_file_size(path, limit, what)
    encoding = _detect_encoding(path)
    comments: list[str] = []
    header_line: str | None = None
    data: list[str] = []
    try:
        with path.open("r", encoding=encoding, newline=None) as fh:
            for n_read, raw in enumerate(fh):
                if n_read > 10_000 and not data:
                    raise RecordingReadError(f"{path}: no data row in the first 10000 lines")
                if len(raw) > 1 << 16:
                    raise RecordingReadError(f"{path}: line {n_read + 1} is longer than 64 KiB")
                ln = raw.rstrip("\r\n")
                if not ln.strip():
                    continue
                if ln.lstrip().startswith("#"):
                    if not data:
                        comments.append(ln.lstrip()[1:].strip())
                    continue
                if not data and not re.match(rf"\s*(?:{_NUM})(?:[\s;,]|$)", ln):
                    if header_line is not None:
                        raise RecordingReadError(f"{path}: two header lines before the data")
                    header_line = ln
                    continue
                data.append(ln)
                if len(data) >= 20:
                    break
    except UnicodeDecodeError as exc:
        raise RecordingReadError(f"{path}: not valid {encoding} text ({exc.reason})") from None
    if not data:
        raise RecordingReadError(f"{path}: no data rows ({what} expected)")
    delimiter, decimal = _sniff_dialect(data, path)
    n_fields = len(_split(data[0], delimiter))
    header_row = header_line is not None
    if header_line is None and comments:
        # Vendor exports put the column line in a comment ("# time<TAB>left pressure 1...").
        last = comments[-1]
        if len(_split(last, delimiter)) == n_fields and re.match(r"(?i)time", last):
            header_line = last
    columns: tuple[str, ...] = ()
    if header_line is not None:
        columns = tuple(c.strip() for c in _split(header_line, delimiter))
        if delimiter is None and len(columns) != n_fields:
            columns = ()
    return TextTable(
        path, encoding, delimiter, decimal, columns, tuple(comments), n_fields, header_row
    )


def iter_blocks(
    table: TextTable, block_rows: int = BLOCK_ROWS, usecols: tuple[int, ...] | None = None
) -> Iterator[NDArray[np.float64]]:
    """Numeric data rows in blocks (float64, NaN for empty fields).

    The file is read in pieces of about ``block_rows`` lines (by characters, cut at a line
    end), and each piece is parsed (by Arrow on a second thread where it can, else by numpy's
    C reader): memory holds a few pieces.

    Parameters
    ----------
    table : TextTable
        From :func:`open_table`.
    block_rows : int
        Rows per block (approximately).
    usecols : tuple of int, optional
        Only these columns (others may hold text, e.g. event labels).

    Yields
    ------
    (m, n_fields or len(usecols)) float64

    Raises
    ------
    RecordingReadError
        A row with another field count or a field that is not a number (with its line).
    """
    for blk in iter_group_blocks(table, None, block_rows, usecols):
        yield blk[0]


def iter_group_blocks(
    table: TextTable,
    groups: ColumnGroups | None,
    block_rows: int = BLOCK_ROWS,
    usecols: tuple[int, ...] | None = None,
) -> Iterator[tuple[NDArray[np.float64], ...]]:
    """:func:`iter_blocks` with each block split into column groups.

    Parameters
    ----------
    table : TextTable
        From :func:`open_table`.
    groups : tuple of tuple of int, optional
        Column groups, as indices into ``usecols`` (or the file's columns); None: one group
        of every column.
    block_rows, usecols
        As :func:`iter_blocks`.

    Yields
    ------
    tuple of (m, len(group)) float64
        One C-contiguous array per group, the same rows. On the Arrow path each group is
        built straight from the parsed columns, so a reader that wants a foot's sensors as
        one row-major array gets them without another copy of the whole table.
    """
    # ~2 MB of text per piece: numpy's parser needs ~15x the text in transient memory.
    chars = max(4096, min(block_rows * 8 * table.n_fields, _PIECE_CHARS))
    if fast_path_available(table):
        yield from iter_fast_blocks(table, chars, usecols, _parse, groups)
        return
    skip_header = table.header_row
    line0 = 1
    pending = ""
    try:
        with table.path.open("r", encoding=table.encoding, newline=None) as fh:
            while True:
                buf = fh.read(chars)
                if not buf:
                    break
                buf = pending + buf
                cut = buf.rfind("\n")
                if cut < 0:
                    pending = buf
                    continue
                text, pending = buf[:cut], buf[cut + 1 :]
                if skip_header:
                    text, skip_header = drop_header(text), False
                arr = _parse(text, table, line0, usecols)
                line0 += text.count("\n") + 1
                if arr.shape[0]:
                    yield split_groups(arr, groups)
            if pending.strip():
                if skip_header:
                    pending = drop_header(pending)
                arr = _parse(pending, table, line0, usecols)
                if arr.shape[0]:
                    yield split_groups(arr, groups)
    except UnicodeDecodeError as exc:
        raise RecordingReadError(
            f"{table.path}: not valid {table.encoding} text ({exc.reason})"
        ) from None


def _malformed(
    text: str,
    table: TextTable,
    first_line: int,
    usecols: tuple[int, ...] | None,
    exc: ValueError,
) -> RecordingReadError:
    """The error for a piece numpy refused, naming the file's line (numpy counts rows within
    the piece): a row with another field count, or the first field that is not a number."""
    cols = range(table.n_fields) if usecols is None else usecols
    for i, ln in enumerate(text.split("\n")):
        if not ln.strip() or ln.lstrip().startswith("#"):
            continue
        f = _split(ln, table.delimiter)
        if len(f) != table.n_fields:
            return RecordingReadError(
                f"{table.path}: line {first_line + i} has {len(f)} fields, expected "
                f"{table.n_fields}"
            )
        for c in cols:
            try:
                float(f[c])
            except ValueError:
                return RecordingReadError(
                    f"{table.path}: malformed row at line {first_line + i}, column {c + 1}: "
                    f"{f[c].strip()!r} is not a number"
                )
    return RecordingReadError(f"{table.path}: malformed row: {exc}")


def _parse(
    text: str, table: TextTable, first_line: int, usecols: tuple[int, ...] | None = None
) -> np.ndarray:
    d = table.delimiter
    if d is not None and (d + d in text or d + "\n" in text or "\n" + d in text
                          or text.endswith(d) or text.startswith(d)):  # fmt: skip
        # Empty fields are missing values.
        text = text.replace(d + d, d + "nan" + d).replace(d + d, d + "nan" + d)
        text = text.replace(d + "\n", d + "nan\n").replace("\n" + d, "\nnan" + d)
        if text.endswith(d):
            text += "nan"
        if text.startswith(d):
            text = "nan" + text
    if table.decimal == ",":
        text = text.replace(",", ".")
    try:
        arr = np.loadtxt(
            io.StringIO(text), delimiter=d, dtype=np.float64, ndmin=2, usecols=usecols,
            comments="#",
        )  # fmt: skip
    except ValueError as exc:
        raise _malformed(text, table, first_line, usecols, exc) from None
    want = table.n_fields if usecols is None else len(usecols)
    if arr.size == 0:
        return np.zeros((0, want))
    if arr.shape[1] != want:
        raise RecordingReadError(f"{table.path}: rows have {arr.shape[1]} fields, expected {want}")
    return arr


@dataclass(frozen=True)
class TimeGrid:
    """Rows placed on a uniform grid by their time stamps.

    Parameters
    ----------
    sampling_rate_hz : float
        Rate from the median step.
    unit : str
        Time unit detected (``"s"``, ``"ms"`` or ``"us"``).
    index : (m,) int64
        Grid position of every row (``-1`` for a dropped repeated row).
    n_grid : int
        Grid length.
    t0_s : float
        Time of grid position 0 in seconds (the first row's time).
    n_repeated : int
        Rows whose grid position was already taken (dropped, first kept).
    n_unordered : int
        Rows whose time stamp is earlier than the row before (placed by their stamp).
    note : str
        Why the unit was chosen when it was not the declared one (else empty).
    """

    sampling_rate_hz: float
    unit: str
    index: NDArray[np.int64] = field(repr=False)
    n_grid: int
    t0_s: float
    n_repeated: int
    note: str = ""
    n_unordered: int = 0


def _time_unit(
    t: NDArray[np.float64], path: Path, declared: str | None
) -> tuple[float, str, float, str]:
    """Median time step, its unit and scale to seconds, and a note when the unit was guessed."""
    dt = np.diff(t)
    pos = dt[dt > 0]
    if pos.size == 0:
        raise RecordingReadError(f"{path}: the time column never increases")
    step = float(np.median(pos))
    candidates = [u for u in _UNITS if u[0] == declared] + [u for u in _UNITS if u[0] != declared]
    unit: str | None = None
    scale: float | None = None
    for name, sc in candidates:
        rate = 1.0 / (step * sc)
        if MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
            unit, scale = name, sc
            break
    if unit is None or scale is None:
        raise RecordingReadError(
            f"{path}: time step {step:g} gives no plausible sampling rate in s, ms or us "
            f"({MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz expected)"
        )
    note = ""
    if declared is not None and unit != declared:
        note = (
            f"time column declared in {declared} but its step ({step:g}) is only plausible in "
            f"{unit}: read as {unit} ({1.0 / (step * scale):g} Hz)"
        )
    elif declared is None and unit != "s":
        note = f"time step {step:g} read as {unit} ({1.0 / (step * scale):g} Hz)"
    return step, unit, scale, note


def grid_from_times(t: NDArray[np.float64], path: Path, declared: str | None = None) -> TimeGrid:
    """Detect the time unit and rate, and place rows on the grid.

    The unit is the declared one (``"s"``/``"ms"``/``"us"`` from a column name) when it gives
    a plausible rate (:data:`MIN_RATE_HZ`..:data:`MAX_RATE_HZ`), else the first unit that does.
    Rows off the grid by more than a third of a step, times that go backwards by more than
    a step, or no plausible unit are refused.

    Parameters
    ----------
    t : (m,) float64
        Time column as written.
    path : Path
        For messages.
    declared : str, optional
        Unit named by the header.

    Returns
    -------
    TimeGrid

    Raises
    ------
    RecordingReadError
        Fewer than two rows, non-finite times, no plausible rate, irregular times.
    """
    if t.size < 2:
        raise RecordingReadError(f"{path}: need at least two samples")
    if not np.all(np.isfinite(t)):
        row = int(np.flatnonzero(~np.isfinite(t))[0])
        raise RecordingReadError(f"{path}: data row {row + 1} has no time stamp")
    step, unit, scale, note = _time_unit(t, path, declared)
    rate = 1.0 / (step * scale)
    if abs(rate - round(rate)) < 1e-3 * rate:
        rate = float(round(rate))
    # Sort by time (stable): an appended copy or out-of-order rows land beside their twins.
    order = np.argsort(t, kind="stable")
    n_unordered = int(np.count_nonzero(np.diff(t) < 0))
    steps = np.diff(t[order]) * scale * rate
    # Each row advances by a whole number of samples from the previous one. Steps, not
    # absolute times, are rounded: text stamps drift (gaitpdb: 0.0099 s steps now and then,
    # 0.85 samples over 2 min) and a rate fitted over the whole file would still be off
    # somewhere; a step within a third of a sample of a whole number is trusted.
    k = np.rint(steps)
    off = np.abs(steps - k)
    bad = (k >= 1) & (off > 1 / 3)
    if np.any(bad):
        i = int(order[1:][bad][0])
        raise RecordingReadError(
            f"{path}: time column is not uniformly sampled (row {i + 1} at {t[i]:g} is off the "
            f"{rate:g} Hz grid)"
        )
    rep_sorted = k < 1
    idx_sorted = np.concatenate([[0], np.cumsum(np.maximum(k, 0))]).astype(np.int64)
    idx = np.empty(t.size, dtype=np.int64)
    idx[order] = idx_sorted
    rep = np.zeros(t.size, dtype=bool)
    rep[order[1:]] = rep_sorted
    n_rep = int(rep.sum())
    idx = np.where(rep, -1, idx)
    t0 = float(t[order[0]] * scale)
    return TimeGrid(rate, unit, idx, int(idx.max()) + 1, t0, n_rep, note, n_unordered)


def unit_from_name(name: str) -> str | None:
    """Time unit named by a column header (``time_s``, ``time [ms]``, ``t_us``), or None."""
    m = re.search(r"(?i)(?:_|\[|\(|\s)(s|sec|ms|us|µs)\]?\)?$", name.strip())
    if m is None:
        return None
    u = m.group(1).lower()
    return {"sec": "s", "µs": "us"}.get(u, u)


def file_size(path: Path) -> int:
    """Size in bytes (0 when it cannot be read)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
