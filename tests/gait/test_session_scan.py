"""The session scanners yield exactly the records the file format describes, damaged or not.

The reference below reads a session file record by record from the layout in
``gait/insole/_session_file.py`` (independent of the scanners' code): the window-at-a-time
scanner must give the same records and skipped bytes for any window size, and the whole-file
reader the same records.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from gait.insole._session_file import SessionWriter, _read_header, iter_session_records
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


def _reference(data: bytes, start: int) -> list[tuple[int, int, int, bytes, int]]:
    """(kind, side, host_ns, payload, skipped) of each intact record, read one by one.

    A record: sync ``a5 5a``, kind u8 (1-4), side u8 (0, 1 or 255), length u32 (at most
    1 MiB), host_ns i64, payload, crc32 of kind..payload (u32); all little-endian. A damaged
    record is skipped up to the next sync marker; a record cut off by the end of the file
    is reported as kind -1; damaged bytes after the last record are not reported.
    """
    out = []
    off, skipped, n = start, 0, len(data)
    while off < n:
        length = int.from_bytes(data[off + 4 : off + 8], "little")
        head_ok = n - off >= 16 and data[off : off + 2] == b"\xa5\x5a" and length <= 1 << 20
        size = 16 + length + 4 if head_ok else 20
        if n - off < size:
            out.append((-1, 0, 0, b"", skipped))
            break
        kind, side = data[off + 2], data[off + 3]
        body = data[off + 2 : off + 16 + length]
        crc = int.from_bytes(data[off + 16 + length : off + size], "little")
        if head_ok and 1 <= kind <= 4 and side in (0, 1, 255) and zlib.crc32(body) == crc:
            host = int.from_bytes(data[off + 8 : off + 16], "little", signed=True)
            out.append((kind, side, host, data[off + 16 : off + 16 + length], skipped))
            skipped = 0
            off += size
            continue
        nxt = data.find(b"\xa5\x5a", off + 1)
        if nxt < 0:
            break
        skipped += nxt - off
        off = nxt
    return out


def _flat(fh, start: int, window: int):
    out = []
    for b in scan_batches(fh, start, window):
        pays = b.payload_list()
        assert len(pays) == b.kind.size
        for j in range(b.kind.size):
            out.append((int(b.kind[j]), int(b.side[j]), int(b.host_ns[j]), pays[j],
                        int(b.skipped[j])))  # fmt: skip
    return out


@pytest.mark.parametrize(
    "damage", ["none", "flips", "sync", "truncate", "repeat", "garbage", "tail", "one_bit"]
)
@pytest.mark.parametrize("window", [4096, 1 << 16])
def test_scanners_read_the_records_the_format_describes(tmp_path, damage, window):
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
    elif damage == "one_bit":  # one bit of one payload in a long run of same-size records
        data[len(data) // 2] ^= 0x10
    elif damage == "tail":  # damaged bytes after the last record, no sync marker among them
        data += bytes(range(0x10, 0x60))
    p.write_bytes(bytes(data))
    want = _reference(bytes(data), start)
    with p.open("rb") as fh:
        got = _flat(fh, start, window)
    assert len(want) > 1000
    assert got == want
    if damage == "one_bit":
        assert sum(w[4] for w in want) > 0  # that record was skipped
    _, records, integrity = iter_session_records(p)
    whole = [(int(r.kind), 255 if r.side is None else ("left", "right").index(r.side), r.host_ns,
              r.payload) for r in records]  # fmt: skip
    assert whole == [w[:4] for w in want if w[0] != -1]
    assert integrity["truncated_tail"] == (want[-1][0] == -1)
