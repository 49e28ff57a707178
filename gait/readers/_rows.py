"""Row-wise ``all`` / ``any`` of boolean tables, eight flags at a time.

numpy reduces ``(n, k)`` tables along ``axis=1`` row by row, which for the short rows of
insole data (8-32 cells) costs more than computing the flags. A C-contiguous boolean table
whose rows are a whole number of 8-byte words is read as 64-bit words instead: a row is all
True when each of its words is ``0x0101010101010101``, any True when one is non-zero. Other
shapes use numpy's reduction; the results are the same.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["rows_all", "rows_any"]

_ALL_ONES = np.uint64(0x0101010101010101)


def _words(b: NDArray[np.bool_]) -> NDArray[np.uint64] | None:
    if b.ndim != 2 or b.shape[1] == 0 or b.shape[1] % 8 or not b.flags.c_contiguous:
        return None
    return b.view(np.uint64)


def rows_all(b: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``b.all(axis=1)`` of a boolean ``(n, k)`` table."""
    w = _words(b)
    if w is None:
        return np.asarray(b.all(axis=1), dtype=bool)
    acc = w[:, 0].copy()
    for j in range(1, w.shape[1]):
        acc &= w[:, j]
    return np.asarray(acc == _ALL_ONES, dtype=bool)


def rows_any(b: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``b.any(axis=1)`` of a boolean ``(n, k)`` table."""
    w = _words(b)
    if w is None:
        return np.asarray(b.any(axis=1), dtype=bool)
    acc = w[:, 0].copy()
    for j in range(1, w.shape[1]):
        acc |= w[:, j]
    return np.asarray(acc != 0, dtype=bool)
