"""The fast path of :func:`gait.readers._textio.iter_blocks`: pieces parsed by compiled code.

The text is cut into the same pieces as the numpy path (about 2 MB, at a line end). Each piece
goes first to our plain decimal parser (:mod:`gait.readers._plain`, C: fields that are empty
or plain decimals, the usual insole export), and when that refuses it to Arrow's CSV reader
(``pyarrow.csv``: tokenised and converted, imported only when first needed); memory holds one
piece, no whole-file buffer. Only what both parsers read the same way takes this path: ASCII
pieces (UTF-8 and Latin-1 agree on them) with a single-character separator, no quoting, no
comment inside the data, empty fields as NaN. Anything else in a piece, and any piece Arrow
refuses (a row with another field count, a field that is not a number), is handed to the
numpy parser with the same text and line number, so results and error messages are those of
the numpy path. Without either compiled parser every piece goes to the numpy parser.
"""

from __future__ import annotations

import codecs
import importlib.util
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from gait.readers._plain import count_lines, plain_available, plain_parser

if TYPE_CHECKING:
    from gait.readers._textio import TextTable

__all__ = [
    "ColumnGroups",
    "GroupBlock",
    "drop_header",
    "fast_path_available",
    "iter_fast_blocks",
    "split_groups",
]

#: Text of either kind (the Arrow path reads bytes, the numpy path decoded str).
AnyText = TypeVar("AnyText", str, bytes)

#: Column groups of a block: indices into the parsed columns, one tuple per group.
ColumnGroups = tuple[tuple[int, ...], ...]
#: A block split by column groups: one C-contiguous (m, len(group)) float64 array per group.
GroupBlock = tuple[NDArray[np.float64], ...]

_ENCODINGS = ("utf-8", "utf-8-sig", "latin-1")
#: Pieces parsed ahead of the one the caller holds (each ~2 MB of text, ~2.7 MB as float64 at
#: 45 columns). The caller (the part builder of gait.analyze_file) is itself one part ahead
#: of the analysis, so a short queue keeps the parser busy: 12 held ~15 MB more at the
#: memory peak than 6 and ran no faster (2-hour Moticon export, four runs each).
_AHEAD = 6

#: Fewer pieces waiting than this: the caller is about to wait, parse on both cores.
_HUNGRY = 2

SlowParse = Callable[[str, "TextTable", int, "tuple[int, ...] | None"], NDArray[np.float64]]


def _arrow() -> tuple[Any, Any] | None:
    try:
        import pyarrow as pa
        import pyarrow.csv as pc
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    return pa, pc


def fast_path_available(table: TextTable) -> bool:
    """Whether ``table`` can take the fast path (encoding, one-character separator, and the
    plain decimal parser or pyarrow installed); pyarrow is not imported here."""
    return (
        table.encoding in _ENCODINGS
        and table.delimiter is not None
        and len(table.delimiter) == 1
        and (plain_available() or importlib.util.find_spec("pyarrow") is not None)
    )


def _data_line(text: AnyText) -> tuple[int, int]:
    """Start and end offsets of the first line of ``text`` (bytes or str, ``\n`` line ends)
    that is neither blank nor a ``#`` comment; ``(len, len)`` when there is none."""
    nl, hash_ = (b"\n", b"#") if isinstance(text, bytes) else ("\n", "#")
    start = 0
    while start < len(text):
        end = text.find(nl, start)
        stop = len(text) if end < 0 else end
        line = text[start:stop]
        if line.strip() and not line.lstrip().startswith(hash_):
            return start, stop
        start = stop + 1
    return len(text), len(text)


def drop_header(text: AnyText) -> AnyText:
    """``text`` with its first line that is neither blank nor a comment made blank (the line
    stays, so that line numbers in messages are the file's)."""
    start, stop = _data_line(text)
    return text[:start] + text[stop:]


def _data_start(text: bytes) -> int:
    """Offset of the first line that is neither blank nor a ``#`` comment."""
    return _data_line(text)[0]


class _FastPieces:
    """The parsers of one table's pieces: the plain decimal parser first, then Arrow (its
    options made, and pyarrow imported, only when a piece first needs it), and the
    conversion of Arrow's tables to float64 blocks."""

    def __init__(
        self, table: TextTable, usecols: tuple[int, ...] | None, groups: ColumnGroups | None
    ) -> None:
        self.names = [f"c{i}" for i in range(table.n_fields)]
        self.cols = self.names if usecols is None else [self.names[i] for i in usecols]
        self.groups = [list(range(len(self.cols)))] if groups is None else [list(g) for g in groups]
        self.delimiter = table.delimiter
        self.decimal_comma = table.decimal == ","
        self.encoding = table.encoding
        self.plain = plain_parser(table, usecols, groups)
        self._ready = False

    def _arrow_options(self) -> bool:
        """Arrow's module and options on first use; False without pyarrow."""
        if self._ready:
            return True
        arrow = _arrow()
        if arrow is None:  # pragma: no cover - pyarrow is a dependency
            return False
        self.pa, self.pc = pa, pc = arrow
        names = self.names
        # The C heap rather than Arrow's own allocator: the blocks are freed by numpy long
        # after they were made, and on the C heap their memory is reused by the next ones
        # (see gait.analysis._memory.heap_for_parts) instead of being returned and faulted in.
        self.pool = pa.system_memory_pool()
        # 1 MB blocks: two per piece parse ~15 % faster than one (they stay in cache). Both
        # cores parse (``read_both``) only while the caller's thread waits for blocks (at the
        # start): otherwise Arrow's second thread would take the core the caller analyses on.
        self.read = pc.ReadOptions(column_names=names, use_threads=False, block_size=1 << 20)
        self.read_both = pc.ReadOptions(column_names=names, use_threads=True, block_size=1 << 20)
        self.parse = pc.ParseOptions(
            delimiter=self.delimiter, quote_char=False, double_quote=False, escape_char=False,
            newlines_in_values=False, ignore_empty_lines=True,
        )  # fmt: skip
        self.convert = pc.ConvertOptions(
            column_types={n: pa.float64() for n in names},
            null_values=[""],
            true_values=[],
            false_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            include_columns=self.cols,
        )
        self._ready = True
        return True

    def table(self, data: bytes, both_cores: bool = False) -> Any:
        """The piece parsed by Arrow (a ``pyarrow.Table``), or None when Arrow refuses it.

        Runs on the parsing thread: Arrow holds no GIL while it parses.
        """
        if not self._arrow_options():  # pragma: no cover - pyarrow is a dependency
            return None
        try:
            return self.pc.read_csv(
                self.pa.py_buffer(data), read_options=self.read_both if both_cores else self.read,
                parse_options=self.parse,
                convert_options=self.convert, memory_pool=self.pool,
            )  # fmt: skip
        except (self.pa.ArrowInvalid, self.pa.ArrowTypeError, ValueError):
            return None

    def blocks(self, t: Any) -> list[GroupBlock]:
        """A parsed piece as blocks, one per Arrow batch (in order), each a tuple of row-major
        ``(m, len(group))`` arrays, one per column group.

        Arrow builds each array (``RecordBatch.to_tensor``) without the GIL, so this runs on
        the parsing thread beside the caller's analysis; a column-by-column conversion to
        numpy would take the GIL once per column and keep waiting for the caller's thread.
        """
        return [
            tuple(
                np.asarray(
                    b.select(g).to_tensor(null_to_nan=True, row_major=True, memory_pool=self.pool)
                )
                for g in self.groups
            )
            for b in t.to_batches()
            if b.num_rows
        ]


def split_groups(
    arr: NDArray[np.float64], groups: ColumnGroups | None
) -> tuple[NDArray[np.float64], ...]:
    """The column groups of a parsed ``(m, k)`` block, each a C-contiguous array."""
    if groups is None:
        return (arr,)
    return tuple(arr.take(list(g), axis=1) for g in groups)


def _pieces(table: TextTable, chars: int) -> Iterator[bytes]:
    """The text of ``table`` in pieces of about ``chars`` bytes, cut at line ends, with ``\n``
    line ends only and the header line dropped (blank and comment lines are kept, so that
    line numbers stay those of the file).

    The file is read into one reused buffer and each piece copied out of it once: reading
    fresh ``bytes`` and joining the previous piece's unfinished line to them copied every
    piece three times (0.15-0.27 s against 0.09 s for a 2-hour Moticon export).
    """
    skip_header = table.header_row
    buf = bytearray(chars + (1 << 16))
    with table.path.open("rb") as fh:
        head = fh.read(len(codecs.BOM_UTF8))
        if table.encoding == "utf-8-sig" and head == codecs.BOM_UTF8:
            head = b""
        buf[: len(head)] = head
        have = len(head)  # bytes at the buffer's start: the unfinished line of the last read
        while True:
            if len(buf) < have + chars:  # a line longer than a piece: room for more of it
                buf.extend(bytes(have + chars - len(buf)))
            with memoryview(buf) as view:
                got = fh.readinto(view[have : have + chars])
            end = have + got
            if got:
                cut = buf.rfind(b"\n", 0, end)
                if cut < 0:  # old Mac line ends (the text path reads them); a \r at the
                    # very end may be the first half of a \r\n: it waits for the next read
                    cut = buf.rfind(b"\r", 0, end - 1)
                if cut < 0:  # no line end yet: keep it all, read on
                    have = end
                    continue
                with memoryview(buf) as view:
                    text = bytes(view[:cut])
                buf[: end - cut - 1] = buf[cut + 1 : end]
                have = end - cut - 1
                if text.endswith(b"\r"):  # the \r of a \r\n line end
                    text = text[:-1]
            else:
                with memoryview(buf) as view:
                    text = bytes(view[:end])
                if not text.strip():
                    return
            if b"\r" in text:
                text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if skip_header:
                text, skip_header = drop_header(text), False
            yield text
            if not got:
                return


def iter_fast_blocks(
    table: TextTable,
    chars: int,
    usecols: tuple[int, ...] | None,
    slow_parse: SlowParse,
    groups: ColumnGroups | None = None,
) -> Iterator[tuple[NDArray[np.float64], ...]]:
    """Numeric data rows of ``table`` in blocks, as :func:`iter_group_blocks` yields them.

    A second thread reads the file and parses each piece into its row-major float64 blocks
    (the plain decimal parser or Arrow, neither holding the GIL) while the caller analyses the
    blocks already made. At most :data:`_AHEAD` pieces wait (~16 MB), so memory does not grow
    with the file. Where no thread can start (an address-space limit) the pieces are parsed on
    the caller's thread, one at a time.

    Parameters
    ----------
    table : TextTable
        A table for which :func:`fast_path_available` holds.
    chars : int
        Bytes read at once (the numpy path's characters per piece).
    usecols : tuple of int, optional
        Only these columns.
    slow_parse : callable
        The numpy parser ``(text, table, first_line, usecols) -> block``, for pieces Arrow
        does not take (it raises the reader's error for a bad row).
    groups : tuple of tuple of int, optional
        Column groups (indices into ``usecols``); None: one group of every column.

    Yields
    ------
    tuple of (m, len(group)) float64
    """
    out: queue.Queue[Any] = queue.Queue(_AHEAD)
    stop = threading.Event()
    fast = _FastPieces(table, usecols, groups)
    worker = threading.Thread(
        target=_produce, args=(table, chars, fast, usecols, slow_parse, out, stop, groups),
        daemon=True,
        name="gait-csv",
    )  # fmt: skip
    try:
        worker.start()
    except RuntimeError:  # no thread can start: the same pieces, parsed here
        for got in _piece_blocks(table, chars, fast, usecols, slow_parse, groups):
            yield from got
        return
    try:
        while True:
            item = out.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full queue see ``stop``
            try:
                out.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def _piece_blocks(
    table: TextTable,
    chars: int,
    fast: _FastPieces,
    usecols: tuple[int, ...] | None,
    slow_parse: SlowParse,
    groups: ColumnGroups | None = None,
    hungry: Callable[[], bool] | None = None,
) -> Iterator[list[GroupBlock]]:
    """The blocks of each piece of ``table`` with rows (a list per piece: by the plain decimal
    parser or Arrow, or for a refused piece by the numpy parser, which raises the reader's error
    for a bad row with its line number). ``hungry``: the consumer waits (Arrow on both cores)."""
    line0 = 1
    for text in _pieces(table, chars):
        lines = count_lines(text)
        got = _fast_piece(text, fast, lines, hungry is not None and hungry())
        if got is None:  # refused by Arrow too: the numpy path, with its line numbers
            got = [split_groups(_slow_piece(text, table, line0, usecols, slow_parse), groups)]
        line0 += lines
        if any(b[0].shape[0] for b in got):
            yield got


def _produce(
    table: TextTable,
    chars: int,
    fast: _FastPieces,
    usecols: tuple[int, ...] | None,
    slow_parse: SlowParse,
    out: queue.Queue[Any],
    stop: threading.Event,
    groups: ColumnGroups | None = None,
) -> None:
    """The parsing thread: :func:`_piece_blocks` into ``out``, then None; an error is handed
    over in its place (raised in the caller's thread after every earlier block)."""
    try:

        def hungry() -> bool:
            return out.qsize() < _HUNGRY

        for got in _piece_blocks(table, chars, fast, usecols, slow_parse, groups, hungry):
            if stop.is_set():
                return
            out.put(got)
        out.put(None)
    except BaseException as exc:  # handed to the caller's thread, raised there as it is
        out.put(exc)


def _fast_piece(
    text: bytes, fast: _FastPieces, lines: int, both_cores: bool = False
) -> list[GroupBlock] | None:
    """The blocks of one piece (``lines`` lines) by the plain decimal parser or else Arrow, or
    None when the piece needs the numpy path."""
    start = _data_start(text)
    body = text[start:]
    if not body.isascii() or b"#" in body:
        return None
    if start and not text[:start].isascii():
        # Leading comment lines (a vendor header with units such as "°/s"): Arrow skips
        # them, but they must still be valid text in the file's encoding.
        try:
            text[:start].decode(fast.encoding)
        except UnicodeDecodeError:
            return None
    if fast.plain is not None:
        got = fast.plain.blocks(body, lines)
        if got is not None:
            return got
    if fast.decimal_comma:
        body = body.replace(b",", b".")
    parsed = fast.table(body, both_cores)
    return None if parsed is None else fast.blocks(parsed)


def _slow_piece(
    text: bytes,
    table: TextTable,
    line0: int,
    usecols: tuple[int, ...] | None,
    slow_parse: SlowParse,
) -> NDArray[np.float64]:
    try:
        decoded = text.decode(table.encoding)
    except UnicodeDecodeError as exc:
        from gait.exceptions import RecordingReadError

        raise RecordingReadError(
            f"{table.path}: not valid {table.encoding} text ({exc.reason})"
        ) from None
    return slow_parse(decoded, table, line0, usecols)
