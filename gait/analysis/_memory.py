"""Returning freed memory to the system between the parts of a long analysis (glibc only)."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["release_freed_memory"]


def release_freed_memory() -> None:
    """Give the C heap's free pages back to the system after a part (glibc ``malloc_trim``).

    A part's arrays are freed when the next is read, but glibc keeps freed heap pages (its
    mmap threshold grows with the largest array freed), so the resident set of a 24-hour
    analysis grew with its length; trimming keeps it at what one part needs. Only above
    :data:`_TRIM_ABOVE_BYTES` resident (trimmed pages are faulted in again by the next part, a
    cost not worth paying for a short recording); elsewhere than glibc this does nothing.
    """
    global _TRIM
    try:
        with open("/proc/self/statm", "rb") as fh:
            rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return
    if rss < _TRIM_ABOVE_BYTES:
        return
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None
#: Resident size above which freed heap pages are returned after a part.
_TRIM_ABOVE_BYTES = 200 << 20
