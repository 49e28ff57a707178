"""The second foot analysed on a worker thread: same results, errors in order, fork-safe."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

import pytest

from gait.analysis import _feet
from gait.analysis._feet import MIN_PARALLEL_SAMPLES, each_foot


def _where(side: str, foot: int) -> tuple[int, str]:
    return foot * 10, threading.current_thread().name


def test_two_long_feet_run_side_by_side_and_come_back_in_order() -> None:
    out = each_foot(_where, {"left": 1, "right": 2}, MIN_PARALLEL_SAMPLES)
    assert list(out) == ["left", "right"]
    assert out["left"] == (10, threading.current_thread().name)
    assert out["right"][0] == 20 and out["right"][1].startswith("gait-foot")


def test_both_feet_do_overlap_in_time() -> None:
    """The two feet's work is under way at once (each waits until the other has started)."""
    started = threading.Barrier(2, timeout=10)

    def work(side: str, foot: int) -> str:
        started.wait()  # a serial loop would wait here for ever (BrokenBarrierError)
        return side

    assert each_foot(work, {"left": 0, "right": 0}, MIN_PARALLEL_SAMPLES) == {
        "left": "left",
        "right": "right",
    }


@pytest.mark.parametrize("feet", [{"left": 1}, {"left": 1, "right": 2}])
def test_one_foot_or_a_short_recording_stays_on_the_callers_thread(feet) -> None:
    out = each_foot(_where, feet, MIN_PARALLEL_SAMPLES - 1)
    me = threading.current_thread().name
    assert out == {s: (f * 10, me) for s, f in feet.items()}


def test_errors_are_raised_after_both_feet_first_foot_first() -> None:
    finished: list[str] = []

    def fail(which: set[str]):
        def work(side: str, foot: int) -> str:
            if side == "right":
                time.sleep(0.05)  # still running when the first foot fails
            finished.append(side)
            if side in which:
                raise ValueError(side)
            return side

        return work

    feet = {"left": 0, "right": 0}
    with pytest.raises(ValueError, match="left"):
        each_foot(fail({"left", "right"}), feet, MIN_PARALLEL_SAMPLES)
    assert sorted(finished) == ["left", "right"]  # the worker's foot was waited for
    finished.clear()
    with pytest.raises(ValueError, match="right"):
        each_foot(fail({"right"}), feet, MIN_PARALLEL_SAMPLES)
    finished.clear()
    with pytest.raises(ValueError, match="left"):
        each_foot(fail({"left"}), feet, MIN_PARALLEL_SAMPLES)
    assert sorted(finished) == ["left", "right"]


def _in_child(q) -> None:
    q.put(each_foot(lambda s, f: f + 1, {"left": 1, "right": 2}, MIN_PARALLEL_SAMPLES))


def test_a_forked_child_makes_its_own_worker() -> None:
    """The parent's worker thread does not exist in a forked child: the child must not hand
    its foot to it (it would wait for ever)."""
    each_foot(_where, {"left": 1, "right": 2}, MIN_PARALLEL_SAMPLES)  # the parent's worker
    assert _feet._POOL is not None
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    child = ctx.Process(target=_in_child, args=(q,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():  # pragma: no cover - the failure this test is for
        child.kill()
        pytest.fail("the forked child's analysis hung on the parent's worker thread")
    assert child.exitcode == 0
    assert q.get(timeout=5) == {"left": 2, "right": 3}


def test_reports_are_the_same_with_and_without_the_worker(shared_data, monkeypatch) -> None:
    """A real two-insole Moticon export (IMU, pressure, events) in 60-second parts: the report
    with each part's second foot on the worker is the one of the single-threaded loop."""
    import gait

    export = shared_data / "insoles" / "moticon" / "230927_102114.txt"
    calls: list[int] = []
    real = _feet.each_foot

    def spy(fn, feet, n=None):
        calls.append(n)
        return real(fn, feet, n)

    for module in ("_pipeline", "_pressure", "_speed"):
        monkeypatch.setattr(f"gait.analysis.{module}.each_foot", spy)
    monkeypatch.setattr(_feet, "MIN_PARALLEL_SAMPLES", 0)
    side_by_side = gait.analyze_file(export, chunk_s=60.0)
    assert len(calls) >= 3 and side_by_side.speed.n_strides > 0
    monkeypatch.setattr(_feet, "MIN_PARALLEL_SAMPLES", 10**12)
    alone = gait.analyze_file(export, chunk_s=60.0)
    assert side_by_side.to_json() == alone.to_json()


def test_without_a_thread_both_feet_run_here(monkeypatch) -> None:
    """Under an address-space limit a thread may not start: the analysis goes on, serially."""

    class NoThreads:
        def submit(self, *args):
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(_feet, "_worker", lambda: NoThreads())
    out = each_foot(_where, {"left": 1, "right": 2}, MIN_PARALLEL_SAMPLES)
    me = threading.current_thread().name
    assert out == {"left": (10, me), "right": (20, me)}
