"""The C heap during a long analysis: reuse freed memory between parts, bound what is kept.

glibc only; elsewhere these do nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["heap_for_parts", "release_freed_memory"]

# mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: glibc's starting values of both (its defaults).
_DEFAULT_THRESHOLD_BYTES = 128 << 10
#: While parts are analysed, arrays up to this size come from the heap, not from mmap.
_HEAP_ARRAY_BYTES = 64 << 20
#: ... and free() does not shrink the heap by itself (a part's arrays are reused by the next).
_HEAP_KEEP_BYTES = 1 << 30
#: Resident size above which freed heap pages are returned after a part.
_TRIM_ABOVE_BYTES = 270 << 20

_LIBC: Any = None
_LOCK = threading.Lock()
_USERS = 0


def _libc() -> Any:
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            lib = ctypes.CDLL("libc.so.6")
            _LIBC = lib if hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim") else False
        except (OSError, AttributeError):
            _LIBC = False
    return _LIBC


@contextmanager
def heap_for_parts() -> Iterator[None]:
    """Serve large arrays from the heap while a recording is analysed part by part.

    By default glibc gives every array above its (growing) mmap threshold fresh pages from
    the system and returns them on free: each part of a long analysis then faults in the
    same ~150 MB again, zeroed page by page (measured: 180,000 page faults and ~15 % of the
    time of a 2-hour Moticon export). Inside this context arrays up to 64 MB come from the
    heap, and the heap keeps its freed pages, so the next part reuses them;
    :func:`release_freed_memory` still trims after a part when the process has grown
    large, so memory stays bounded by one part. On leaving (the last of concurrent users)
    glibc's default thresholds are set again and the freed heap is returned.
    """
    global _USERS
    libc = _libc()
    if not libc:
        yield
        return
    with _LOCK:
        _USERS += 1
        if _USERS == 1:
            libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_ARRAY_BYTES)
            libc.mallopt(_M_TRIM_THRESHOLD, _HEAP_KEEP_BYTES)
    try:
        yield
    finally:
        with _LOCK:
            _USERS -= 1
            if _USERS == 0:
                libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD_BYTES)
                libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD_BYTES)
                libc.malloc_trim(0)


def release_freed_memory() -> None:
    """Give the C heap's free pages back to the system after a part (glibc ``malloc_trim``).

    A part's arrays are freed when the next is read, but the heap keeps freed pages, so the
    resident set of a 24-hour analysis could grow with its length; trimming keeps it at what
    one part needs. Only above :data:`_TRIM_ABOVE_BYTES` resident (trimmed pages are faulted
    in again by the next part, a cost not worth paying while the process is small).
    """
    try:
        with open("/proc/self/statm", "rb") as fh:
            rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return
    if rss < _TRIM_ABOVE_BYTES:
        return
    libc = _libc()
    if libc:
        libc.malloc_trim(0)
