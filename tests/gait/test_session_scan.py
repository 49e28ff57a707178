"""The window-at-a-time session scanner yields exactly what the record-by-record one yields."""

from __future__ import annotations

import numpy as np
import pytest

from gait.insole._session_file import SessionWriter, _read_header, scan_records
from gait.insole._session_scan import scan_batches


def _write(path, rng: np.random.Generator, n: int = 3000) -> None:
    w = SessionWriter(path, meta={"test": True})
    w.write_device("left", address="AA", info=b"\x01\x02", layout=None, host_ns=0)
    for i in range(n):
        side = ("left", "right")[i % 2]
        size = 164 if rng.random() > 0.02 else int(rng.integers(4, 300))
        w.write_notification(side, rng.integers(0, 256, size, dtype=np.uint8).tobytes(), i * 10)
        if i % 997 == 0:
            w.write_event(side, "connected", host_ns=i * 10)
    w.close({"ok": True})


def _flat(fh, start: int, window: int):
    out = []
    for b in scan_batches(fh, start, window):
        pays = b.payload_list()
        assert len(pays) == b.kind.size
        for j in range(b.kind.size):
            out.append((int(b.kind[j]), int(b.side[j]), int(b.host_ns[j]), pays[j],
                        int(b.skipped[j])))  # fmt: skip
    return out


@pytest.mark.parametrize("damage", ["none", "flips", "sync", "truncate", "repeat", "garbage"])
@pytest.mark.parametrize("window", [4096, 1 << 16])
def test_scan_batches_equal_scan_records(tmp_path, damage, window):
    rng = np.random.default_rng(7)
    p = tmp_path / "s.gsn"
    _write(p, rng)
    data = bytearray(p.read_bytes())
    _, start = _read_header(bytes(data[:4096]), p)
    if damage == "flips":
        for at in rng.integers(start, len(data), 40):
            data[at] ^= 1 << int(rng.integers(0, 8))
    elif damage == "sync":  # sync markers inside payloads and damaged headers
        for at in rng.integers(start, len(data) - 2, 40):
            data[at : at + 2] = b"\xa5\x5a"
    elif damage == "truncate":
        data = data[: len(data) - 37]
    elif damage == "repeat":
        data += data[start : start + 50_000]
    elif damage == "garbage":
        at = len(data) // 2
        data[at:at] = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    p.write_bytes(bytes(data))
    with p.open("rb") as fh:
        want = list(scan_records(fh, start, window))
        got = _flat(fh, start, window)
    assert len(want) > 1000
    assert got == want
