"""The part reader's second thread: order, errors in order, one item ahead, clean stops."""

from __future__ import annotations

import threading
import time
from contextlib import closing

import pytest

from gait.analysis._prefetch import prefetched


def _threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == name]


def test_items_come_in_order_and_the_thread_ends() -> None:
    got = list(prefetched(lambda: iter(range(1000)), "t-order"))
    assert got == list(range(1000))
    assert not _threads("t-order")


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def items():
        yield 1
        yield 2
        raise ValueError("damaged part 3")

    seen = []
    with pytest.raises(ValueError, match="damaged part 3"):
        for x in prefetched(items, "t-error"):
            seen.append(x)
    assert seen == [1, 2]
    assert not _threads("t-error")


def test_at_most_one_item_is_made_ahead_of_the_caller() -> None:
    made: list[int] = []

    def items():
        for i in range(6):
            made.append(i)
            yield i

    it = prefetched(items, "t-ahead")
    for i in range(6):
        assert next(it) == i
        time.sleep(0.05)  # the producer has all the time it wants
        # item i is with the caller; only i + 1 may have been made meanwhile
        assert max(made) <= i + 1
    assert list(it) == []


def test_leaving_early_closes_the_source_on_its_thread_and_stops() -> None:
    closed = threading.Event()
    ran_on: list[str] = []

    def items():
        try:
            yield from range(10**6)
        finally:
            ran_on.append(threading.current_thread().name)
            closed.set()

    with closing(prefetched(items, "t-early")) as it:
        for x in it:
            if x == 3:
                break
    assert closed.is_set() and ran_on == ["t-early"]
    assert not _threads("t-early")


def test_an_error_of_the_caller_stops_the_reading_at_once() -> None:
    made: list[int] = []

    def items():
        for i in range(10**6):
            made.append(i)
            yield i

    with pytest.raises(RuntimeError), closing(prefetched(items, "t-caller")) as it:
        for x in it:
            if x == 2:
                raise RuntimeError("analysis failed")
    assert not _threads("t-caller")
    assert max(made) <= 3


def test_text_files_are_read_ahead_and_give_the_same_report(shared_data, monkeypatch) -> None:
    """analyze_file reads a text file's next part on the second thread, and the report is the
    one the single-threaded loop gives (a real Moticon export in 10-second parts)."""
    import gait
    from gait.analysis import _chunked

    export = shared_data / "insoles" / "moticon" / "230927_102114.txt"
    calls: list[str] = []
    real = _chunked.prefetched

    def spy(make, name):
        calls.append(name)
        return real(make, name)

    monkeypatch.setattr(_chunked, "prefetched", spy)
    ahead = gait.analyze_file(export, chunk_s=10.0)
    assert calls == ["gait-parts"] and ahead.meta["parts"] == 2
    monkeypatch.setattr(_chunked, "is_text_format", lambda path, format: False)
    alone = gait.analyze_file(export, chunk_s=10.0)
    assert calls == ["gait-parts"]
    assert ahead.to_json() == alone.to_json()


def test_session_files_are_read_on_the_callers_thread(tmp_path, monkeypatch) -> None:
    """The session reader holds the GIL: reading ahead there cost time and memory."""
    import gait
    from gait.analysis import _chunked
    from gait.cli import main
    from gait.readers._chunks import is_text_format

    session = tmp_path / "walk.gsn"
    assert main(["simulate", "--seconds", "12", "--speed", "20", "--out", str(session)]) == 0
    assert not is_text_format(session) and not is_text_format(tmp_path / "rec.hea")
    assert is_text_format(tmp_path / "walk.csv") and is_text_format(tmp_path / "x", "moticon")
    calls: list[str] = []
    monkeypatch.setattr(_chunked, "prefetched", lambda make, name: calls.append(name))
    assert gait.analyze_file(session).summary.n_strides > 0
    assert calls == []


class _NoStart(threading.Thread):
    """A thread that cannot start, as under a tight address-space limit."""

    def start(self) -> None:
        raise RuntimeError("can't start new thread")


def test_without_a_thread_the_items_are_made_here(monkeypatch) -> None:
    from gait.analysis import _prefetch

    closed: list[bool] = []

    def items():
        try:
            yield from range(5)
        finally:
            closed.append(True)

    monkeypatch.setattr(_prefetch.threading, "Thread", _NoStart)
    assert list(prefetched(items, "t-none")) == [0, 1, 2, 3, 4]
    with closing(prefetched(items, "t-none")) as it:
        assert next(it) == 0
    assert closed == [True, True]  # also closed when the caller stops early


def test_a_text_file_is_analysed_without_any_thread(shared_data, monkeypatch) -> None:
    """No reader thread, no read-ahead thread, no foot worker: the same report."""
    import gait
    from gait.analysis import _feet, _prefetch
    from gait.readers import _fastcsv

    export = shared_data / "insoles" / "moticon" / "230927_102114.txt"
    with_threads = gait.analyze_file(export, chunk_s=60.0)
    monkeypatch.setattr(_prefetch.threading, "Thread", _NoStart)
    monkeypatch.setattr(_fastcsv.threading, "Thread", _NoStart)

    class NoWorker:
        def submit(self, *args):
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(_feet, "_worker", lambda: NoWorker())
    monkeypatch.setattr(_feet, "MIN_PARALLEL_SAMPLES", 0)
    before = {t.name for t in threading.enumerate()}
    alone = gait.analyze_file(export, chunk_s=60.0)
    assert {t.name for t in threading.enumerate()} <= before
    assert alone.to_json() == with_threads.to_json()
