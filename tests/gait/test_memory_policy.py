"""The C heap policy of long analyses (gait.analysis._memory): set once, always restored."""

from __future__ import annotations

import threading

import pytest

from gait.analysis import _memory


class _FakeLibc:
    """Records mallopt / malloc_trim calls instead of changing the process's heap."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("trim", pad))
        return 1


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> _FakeLibc:
    fake = _FakeLibc()
    monkeypatch.setattr(_memory, "_LIBC", fake)
    monkeypatch.setattr(_memory, "_USERS", 0)
    return fake


def test_heap_policy_is_set_on_entry_and_glibc_defaults_restored_on_exit(libc: _FakeLibc) -> None:
    with _memory.heap_for_parts():
        assert libc.calls == [
            ("mallopt", -3, 64 << 20),  # M_MMAP_THRESHOLD
            ("mallopt", -1, 1 << 30),  # M_TRIM_THRESHOLD
        ]
    assert libc.calls[2:] == [("mallopt", -3, 128 << 10), ("mallopt", -1, 128 << 10), ("trim", 0)]


def test_nested_and_concurrent_analyses_set_once_and_restore_after_the_last(
    libc: _FakeLibc,
) -> None:
    inside = threading.Barrier(2)
    leave = threading.Event()

    def other() -> None:
        with _memory.heap_for_parts():
            inside.wait()
            leave.wait(5)

    t = threading.Thread(target=other)
    t.start()
    with _memory.heap_for_parts():
        inside.wait()
        with _memory.heap_for_parts():
            pass
        leave.set()
        t.join()
        # The other analysis has left, this one has not: nothing restored yet.
        assert [c for c in libc.calls if c[0] == "trim"] == []
        assert len(libc.calls) == 2
    assert libc.calls[-1] == ("trim", 0)
    assert len(libc.calls) == 5


def test_an_error_inside_still_restores_the_defaults(libc: _FakeLibc) -> None:
    with pytest.raises(RuntimeError), _memory.heap_for_parts():
        raise RuntimeError("boom")
    assert libc.calls[-1] == ("trim", 0)
    assert _memory._USERS == 0


def test_without_glibc_nothing_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_memory, "_LIBC", False)
    with _memory.heap_for_parts():
        pass
    _memory.release_freed_memory()
