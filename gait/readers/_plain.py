"""Plain decimal tables parsed by our own C loop (``_decimals.c``): the first try of the fast path.

Insole exports are tables of plain decimals (``6.50``, ``-0.196777``) and empty fields. For
such pieces a C loop that only knows that form parses ~4x faster than Arrow's general CSV
reader (0.5 s against 2.1 s for a 2-hour Moticon export on one core), and, as Arrow, without
holding the GIL. It converts a decimal as ``mantissa / 10**digits`` with both exact doubles,
so each value is the correctly rounded double, bit for bit what Arrow and numpy give
(``tests/gait/test_plain.py`` checks it against Python's own ``float``). Anything else in a piece
(an exponent, ``nan``, a space, a field count that differs from the header) and the whole
piece goes to Arrow, and from there to numpy's parser with its error messages, as before.

The extension is optional: built by ``setup.py`` when a C compiler is present; without it
:func:`plain_parser` returns None and every piece goes to Arrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from gait.readers._fastcsv import ColumnGroups
    from gait.readers._textio import TextTable

__all__ = ["PlainParser", "count_lines", "plain_available", "plain_parser"]

try:
    from gait.readers import _decimals
except ImportError:  # pragma: no cover - built by setup.py wherever a C compiler is present
    _decimals = None  # type: ignore[assignment]


class PlainParser:
    """The field maps of one table for :func:`_decimals.parse`.

    Parameters
    ----------
    n_fields : int
        Fields per row of the file.
    delimiter, decimal : str
        One ASCII character each.
    usecols : tuple of int
        The fields wanted, in output order.
    groups : tuple of tuple of int
        Output arrays, as indices into ``usecols``.
    """

    def __init__(
        self,
        n_fields: int,
        delimiter: str,
        decimal: str,
        usecols: tuple[int, ...],
        groups: ColumnGroups,
    ) -> None:
        field_group = np.full(n_fields, -1, dtype=np.int32)
        field_col = np.zeros(n_fields, dtype=np.int32)
        for g, cols in enumerate(groups):
            for c, u in enumerate(cols):
                field_group[usecols[u]] = g
                field_col[usecols[u]] = c
        self._group = field_group.tobytes()
        self._col = field_col.tobytes()
        self._delimiter = ord(delimiter)
        self._decimal = ord(decimal)
        self._widths = tuple(len(g) for g in groups)
        self._n_fields = n_fields

    def blocks(self, body: bytes, max_rows: int) -> list[tuple[NDArray[np.float64], ...]] | None:
        """The rows of ``body`` as one block (one C-contiguous array per group), or None when
        the text is not a plain decimal table with the header's field count.

        Parameters
        ----------
        body : bytes
            Data rows, ``\n`` line ends (empty lines allowed), no header or comment line.
        max_rows : int
            At least the number of lines in ``body``.
        """
        # A data row has at least its separators and a line end: a piece of mostly empty
        # lines (hostile or damaged input) must not size the arrays by its line count.
        max_rows = min(max_rows, len(body) // max(self._n_fields, 2) + 1)
        outs = tuple(np.empty((max_rows, w)) for w in self._widths)
        rows = _decimals.parse(
            body, self._delimiter, self._decimal, self._group, self._col, max_rows, outs
        )
        if rows < 0:
            return None
        if rows == 0:
            return []
        return [tuple(o[:rows] for o in outs)]


def count_lines(text: bytes) -> int:
    """Lines in a piece (its ``\n`` + 1), counted without holding the GIL (which the caller's
    thread needs meanwhile): by the extension's ``memchr`` loop, ~4x faster than numpy's
    comparison and count, or else by numpy."""
    if _decimals is not None:
        return _decimals.count_lines(text) + 1
    return int(np.count_nonzero(np.frombuffer(text, dtype=np.uint8) == 10)) + 1


def plain_available() -> bool:
    """Whether the C extension is built (``setup.py``; it needs a C compiler)."""
    return _decimals is not None


def plain_parser(
    table: TextTable, usecols: tuple[int, ...] | None, groups: ColumnGroups | None
) -> PlainParser | None:
    """The :class:`PlainParser` of ``table``, or None (no extension, a column in two groups,
    a separator or decimal mark that is not one ASCII character)."""
    if not plain_available():
        return None
    delimiter, decimal = table.delimiter, table.decimal
    if delimiter is None or len(delimiter) != 1 or not delimiter.isascii():
        return None
    if len(decimal) != 1 or not decimal.isascii() or decimal == delimiter:
        return None
    cols = tuple(range(table.n_fields)) if usecols is None else usecols
    grouped = (tuple(range(len(cols))),) if groups is None else groups
    flat = [cols[u] for g in grouped for u in g]
    if len(set(flat)) != len(flat) or not all(0 <= c < table.n_fields for c in flat):
        return None
    return PlainParser(table.n_fields, delimiter, decimal, cols, grouped)
