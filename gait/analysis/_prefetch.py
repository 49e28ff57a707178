"""The next item of an iterator made on a second thread while the caller works on this one.

:func:`gait.analyze_file` spends its time in two stages: reading a part (cutting the parsed rows
into parts, building each foot's arrays, joining the neighbours' overlap) and analysing it.
Both are mostly numpy work on large arrays, which runs without the GIL, so on two cores the
next part is read while the current one is analysed. At most one item is made ahead: the
producer starts on item k+1 only once the caller has taken item k, so memory holds one part
more than without the thread, not a queue of them. 2-hour Moticon export, five alternating
runs each: median wall 2.23 -> 2.05 s, peak RSS 201 -> 230 MB; reports byte-identical.

Only for text files (:func:`gait.readers._chunks.is_text_format`): the session and WFDB readers do
their work in Python and numpy calls that hold the GIL, and there reading ahead cost more than
it gave (2-hour session file 2.0 -> 2.4 s, peak RSS 192 -> 286 MB).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")

_DONE = object()


class _Finished(Exception):
    """The producer has no more items."""


def _close(items: Iterator[Any]) -> None:
    """Close a generator (or any iterator with ``close``); others have nothing to close."""
    close = getattr(items, "close", None)
    if close is not None:
        close()


def _take(out: queue.Queue[Any]) -> Any:
    """The next item (raising the producer's exception in its place); the producer is told
    it was taken, and starts on the next one."""
    item = out.get()
    out.task_done()
    if item is _DONE:
        raise _Finished
    if isinstance(item, BaseException):
        raise item
    return item


def _produce(
    make: Callable[[], Iterator[Any]], out: queue.Queue[Any], stop: threading.Event
) -> None:
    """The thread: each item into ``out``, waiting until it is taken before making the next;
    then the end marker, or the exception raised (handed to the caller's thread)."""
    try:
        it = make()
        try:
            for item in it:
                if stop.is_set():
                    return
                out.put(item)
                del item  # the caller's reference is the only one while it works on it
                out.join()
        finally:
            _close(it)  # a generator is closed on the thread that ran it
        out.put(_DONE)
    except BaseException as exc:
        out.put(exc)


def prefetched(make: Callable[[], Iterator[T]], name: str) -> Generator[T, None, None]:
    """The items of ``make()``, each made on a thread while the caller works on the previous.

    Parameters
    ----------
    make : callable
        Returns the iterator; called on the thread (so a generator runs, and is closed, there).
    name : str
        The thread's name.

    Yields
    ------
    The items, in order. An exception raised by the iterator is raised here, after the items
    before it; leaving the loop early stops and closes the iterator before this returns. Where
    no thread can start (an address-space limit) the items are made here, one at a time.
    """
    out: queue.Queue[Any] = queue.Queue(1)
    stop = threading.Event()
    worker = threading.Thread(target=_produce, args=(make, out, stop), name=name, daemon=True)
    try:
        worker.start()
    except RuntimeError:  # no thread can start (an address-space limit): made here instead
        items = make()
        try:
            yield from items
        finally:
            _close(items)
        return
    try:
        while True:
            # Not bound to a name here: the caller's reference is the item's only one, so the
            # caller can free it before it asks for the next.
            yield _take(out)
    except _Finished:
        return
    finally:
        stop.set()
        while worker.is_alive():  # take what the producer offers until it sees ``stop``
            try:
                out.get(timeout=0.05)
                out.task_done()
            except queue.Empty:
                pass
        worker.join()
