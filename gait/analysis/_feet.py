"""The two feet of a recording analysed side by side: the second foot on a worker thread.

Most of :func:`gait.analyze` is per foot and the feet do not depend on each other: contact
detection, the pressure analysis and the IMU strapdown of each foot's strides. Their work is
numpy on arrays of a part's length, which runs without the GIL, so with two feet the second
one is analysed on a worker thread while the caller's thread does the first. Each foot's
numbers are computed by the same code on the same arrays either way, so the report is the
same (``tests/gait/test_feet.py`` compares them on real exports).

Measured on a 2-hour Moticon export (AMD EPYC, 2 cores, alternating fresh processes): the
caller's thread spends 0.9-1.0 s on the analysis instead of 1.4-1.7 s, and the file takes
0.1-0.3 s less wall time while the part reader parses on the other core. Recordings shorter
than :data:`MIN_PARALLEL_SAMPLES` stay on the caller's thread: handing a small foot over
costs more than it saves.

One worker serves the process (a second concurrent analysis queues behind the first's foot,
it never deadlocks: the work handed over never hands work over itself). A forked child starts
without it, and makes its own when it first needs one; where no thread can be started (the
storefront's jobs run under an address-space limit) both feet run on the caller's thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["MIN_PARALLEL_SAMPLES", "each_foot"]

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")

#: Below this many samples per foot (3.3 min at 100 Hz) both feet run on the caller's thread.
MIN_PARALLEL_SAMPLES = 20_000

_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def _worker() -> ThreadPoolExecutor:
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gait-foot")
        return _POOL


def _forget_worker() -> None:
    """In a forked child the parent's worker thread does not exist: make a new one on use."""
    global _POOL, _LOCK
    _POOL = None
    _LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_worker)


def each_foot(
    fn: Callable[[K, V], R], feet: dict[K, V], n_samples: int | None = None
) -> dict[K, R]:
    """``{side: fn(side, foot)}`` with the second of two feet computed on the worker thread.

    Parameters
    ----------
    fn : callable
        ``fn(side, foot) -> result``; must not call :func:`each_foot` itself.
    feet : dict
        One or two feet (any values), in report order.
    n_samples : int, optional
        Samples per foot: below :data:`MIN_PARALLEL_SAMPLES` everything runs here. Default:
        the longest foot's ``n_samples`` (the feet are :class:`FootSignal`).

    Returns
    -------
    dict
        The results in the order of ``feet``. An exception is raised after both feet are
        done; the first foot's when both raised (as a loop over the feet would).
    """
    sides = list(feet)
    if n_samples is None and len(sides) == 2:
        n_samples = max(getattr(f, "n_samples", 0) for f in feet.values())
    if len(sides) != 2 or (n_samples or 0) < MIN_PARALLEL_SAMPLES:
        return {s: fn(s, feet[s]) for s in sides}
    try:
        second = _worker().submit(fn, sides[1], feet[sides[1]])
    except RuntimeError:  # no thread can be started (an address-space limit, shutdown)
        return {s: fn(s, feet[s]) for s in sides}
    try:
        first = fn(sides[0], feet[sides[0]])
    except BaseException:
        # the worker's foot is finished (or failed) before this returns: nothing keeps
        # running on the recording after the call, whatever happened
        second.exception()
        raise
    return {sides[0]: first, sides[1]: second.result()}
