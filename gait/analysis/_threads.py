"""One BLAS thread while long recordings are analysed (:func:`gait.analyze_file`).

The text readers parse on a second thread while the caller analyses the parts already read.
OpenBLAS's worker threads keep spinning for a while after each matrix product (the CoP's
``(m, 16) @ (16, 2)``) and take the core the parser needs. On the 2-core machine, 2-hour
Moticon export, eight alternating runs each: median wall 2.65 -> 2.36 s and CPU 4.9 -> 4.0 s
with one BLAS thread (on a worker thread too: 3.09 -> 2.75 s), peak RSS 271 -> 262 MB;
reports byte-identical.

threadpoolctl sets the library's own thread count, which is process-wide, so concurrent
analyses share one limit: set by the first, restored after the last, as
:func:`gait.analysis._memory.heap_for_parts` does for the heap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["one_blas_thread"]

_LOCK = threading.Lock()
_USERS = 0
_LIMIT: Any = None


def _limit_blas() -> Any:
    """Limit BLAS to one thread; the returned object's ``restore_original_limits`` undoes it."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


#: What sets the limit (replaced in tests).
_SET_LIMIT: Callable[[], Any] = _limit_blas


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS on one thread; the previous limits come back after the last
    concurrent user leaves."""
    global _USERS, _LIMIT
    with _LOCK:
        _USERS += 1
        if _USERS == 1:
            _LIMIT = _SET_LIMIT()
    try:
        yield
    finally:
        with _LOCK:
            _USERS -= 1
            if _USERS == 0 and _LIMIT is not None:
                _LIMIT.restore_original_limits()
                _LIMIT = None
