"""One BLAS thread during analyze_file (gait.analysis._threads): set once, restored after."""

from __future__ import annotations

import threading

import pytest
from threadpoolctl import threadpool_info

import gait
from gait.analysis import _chunked, _threads


def _blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


class _FakeLimit:
    """Counts limits set and restored instead of changing the BLAS library."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        log.append("set")

    def restore_original_limits(self) -> None:
        self.log.append("restored")


@pytest.fixture
def limit_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    log: list[str] = []
    monkeypatch.setattr(_threads, "_SET_LIMIT", lambda: _FakeLimit(log))
    monkeypatch.setattr(_threads, "_USERS", 0)
    return log


def test_analyze_file_runs_with_one_blas_thread_and_restores_it(
    monkeypatch: pytest.MonkeyPatch, shared_data
) -> None:
    """On the calling thread (the storefront runs analyses in a child process's main thread)."""
    before = _blas_threads()
    if not before:
        pytest.skip("no BLAS library loaded that threadpoolctl can control")
    path = shared_data / "insoles" / "moticon" / "230927_102114.txt"
    if not path.is_file():
        pytest.skip(f"real Moticon export not found at {path}")
    seen: list[list[int]] = []
    analyze = _chunked.analyze

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return analyze(*args, **kwargs)

    monkeypatch.setattr(_chunked, "analyze", spy)
    gait.analyze_file(path)
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert _blas_threads() == before


def test_concurrent_users_share_one_limit_restored_after_the_last(limit_log: list[str]) -> None:
    inside = threading.Barrier(2)
    leave = threading.Event()

    def other() -> None:
        with _threads.one_blas_thread():
            inside.wait()
            leave.wait(5)

    t = threading.Thread(target=other)
    t.start()
    with _threads.one_blas_thread():
        inside.wait()
        with _threads.one_blas_thread():  # nested: nothing more
            pass
    assert limit_log == ["set"]  # the other analysis is still running
    leave.set()
    t.join()
    assert limit_log == ["set", "restored"]


def test_an_error_inside_restores_the_limit(limit_log: list[str]) -> None:
    with pytest.raises(RuntimeError), _threads.one_blas_thread():
        raise RuntimeError("boom")
    assert limit_log == ["set", "restored"]
    with _threads.one_blas_thread():
        pass
    assert limit_log == ["set", "restored"] * 2
