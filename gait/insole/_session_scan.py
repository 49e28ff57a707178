"""Session records scanned a window at a time, runs of same-size records checked at once.

:func:`scan_batches` is the streaming scanner of session files: it reads a window at a time and
yields the intact records as arrays per window. A recording is mostly notifications of one
size, one after another, so from a record whose header is valid the following records are
assumed to have the same size and checked all together (sync marker, length, kind, side, then
the checksums); the run ends at the first record that fails any check, and that record and
what follows are stepped through one by one with
:func:`gait.insole._session_file._record_at` (the same rules as the whole-file reader
``iter_session_records``: resynchronise on the next sync marker after a damaged record, stop
at a truncated tail) until a new run starts.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gait.insole._session_file import (
    _CRC,
    _MAX_PAYLOAD,
    _NO_SIDE,
    _REC_HEADER,
    _SIDES,
    _SYNC,
    _record_at,
)

__all__ = ["RecordBatch", "scan_batches"]

#: Shortest run of same-size records checked at once (shorter ones are read one by one).
_MIN_RUN = 8


@dataclass(frozen=True)
class RecordBatch:
    """Consecutive intact records of a session file, as arrays.

    Parameters
    ----------
    kind : (m,) int64
        Record kinds; ``-1`` for the last item when the file ends in a truncated record.
    side : (m,) int64
        Side bytes (``0`` left, ``1`` right, ``255`` none).
    host_ns : (m,) int64
        Arrival times (host nanoseconds since the session start).
    payloads : (m, L) uint8
        Record payloads (a batch holds records of one payload size).
    skipped : (m,) int64
        Damaged bytes skipped before each record.
    """

    kind: NDArray[np.int64]
    side: NDArray[np.int64]
    host_ns: NDArray[np.int64]
    payloads: NDArray[np.uint8]
    skipped: NDArray[np.int64]

    def payload_list(self) -> list[bytes]:
        """The payloads as a list of bytes."""
        if isinstance(self.payloads, np.ndarray):
            return [row.tobytes() for row in self.payloads]
        return self.payloads


class _Batch:
    def __init__(self) -> None:
        self.kind: list[Any] = []
        self.side: list[Any] = []
        self.host: list[Any] = []
        self.pay: list[NDArray[np.uint8] | bytes] = []  # a table per run, bytes per record
        self.skip: list[Any] = []

    def one(self, kind: int, side: int, host: int, payload: bytes, skipped: int) -> None:
        self.kind.append(np.array([kind], np.int64))
        self.side.append(np.array([side], np.int64))
        self.host.append(np.array([host], np.int64))
        self.pay.append(payload)
        self.skip.append(np.array([skipped], np.int64))

    def take(self) -> list[RecordBatch]:
        """The records so far, as batches of equal payload size (in file order); reset."""
        out: list[RecordBatch] = []
        widths = [p.shape[1] if isinstance(p, np.ndarray) else len(p) for p in self.pay]
        a = 0
        for b in range(1, len(widths) + 1):
            if b < len(widths) and widths[b] == widths[a]:
                continue
            tables = [
                p if isinstance(p, np.ndarray) else np.frombuffer(p, np.uint8).reshape(1, -1)
                for p in self.pay[a:b]
            ]
            out.append(
                RecordBatch(
                    np.concatenate(self.kind[a:b]),
                    np.concatenate(self.side[a:b]),
                    np.concatenate(self.host[a:b]),
                    np.concatenate(tables) if len(tables) > 1 else tables[0],
                    np.concatenate(self.skip[a:b]),
                )  # fmt: skip
            )
            a = b
        self.__init__()  # type: ignore[misc]
        return out


#: CRC-32 of the first 0, 1, 2, ... intact records of a size, chained, by record size (bytes).
_INTACT_CRC: dict[int, NDArray[np.uint32]] = {}


def _intact_crc(stride: int, j: int) -> int:
    """CRC-32 over ``j`` consecutive intact records of ``stride`` bytes each, whatever they hold.

    A record ends with the CRC-32 of its kind..payload bytes, and the CRC-32 of a message
    followed by its own CRC-32 depends on the message length only (the checksum cancels the
    message, as CRC-32 is affine in it); so does the CRC-32 of a sync marker and such a record,
    and of ``j`` of them chained. The value is that of ``j`` copies of any intact record of the
    size, here an all-zero notification. A run whose CRC-32 differs holds a damaged record; one
    damaged record always changes it, several could only cancel with a 2^-32 chance, the chance
    of a damaged record passing its own checksum.
    """
    got = _INTACT_CRC.get(stride)
    if got is None or got.size <= j:
        length = stride - _REC_HEADER.size - _CRC.size
        head = _REC_HEADER.pack(_SYNC, 2, 0, length, 0)
        record = head + bytes(length) + _CRC.pack(zlib.crc32(head[2:] + bytes(length)))
        ext = [0] if got is None else got.tolist()
        c = ext[-1]
        for _ in range(j + 1 - len(ext)):
            c = zlib.crc32(record, c)
            ext.append(c)
        # A new array, then published: readers in other threads only ever see whole tables.
        got = np.array(ext, np.uint32)
        if stride not in _INTACT_CRC and len(_INTACT_CRC) >= 16:
            _INTACT_CRC.clear()  # damaged files have many sizes: keep a few
        _INTACT_CRC[stride] = got
    return int(got[j])


def _run(buf: bytes, view: memoryview, off: int, stride: int, length: int, batch: _Batch,
         skipped: int) -> int:  # fmt: skip
    """Records of ``stride`` bytes from ``off`` that pass every check, appended; their count."""
    hsize = _REC_HEADER.size
    m = (len(buf) - off) // stride
    if m < _MIN_RUN:
        return 0
    a = np.frombuffer(buf, np.uint8, m * stride, off).reshape(m, stride)
    kind = a[:, 2]
    side = a[:, 3]
    good = (a[:, 0] == _SYNC[0]) & (a[:, 1] == _SYNC[1]) & (kind >= 1) & (kind <= 4)
    good &= (side == _NO_SIDE) | (side < len(_SIDES))
    good &= (a[:, 4:8] == a[0, 4:8]).all(axis=1)
    bad = np.flatnonzero(~good)
    j = int(bad[0]) if bad.size else m
    if j < _MIN_RUN:
        return 0
    crc32 = zlib.crc32
    if crc32(view[off : off + j * stride]) != _intact_crc(stride, j):
        # Some record is damaged: each checksum, to find the first one.
        got = np.fromiter(
            (crc32(view[o : o + stride - 6]) for o in range(off + 2, off + 2 + j * stride, stride)),
            np.uint32,
            j,
        )
        want = np.ascontiguousarray(a[:j, stride - 4 :]).view("<u4").ravel()
        bad = np.flatnonzero(got != want)
        j = int(bad[0]) if bad.size else j
        if j == 0:
            return 0
    batch.kind.append(kind[:j].astype(np.int64))
    batch.side.append(side[:j].astype(np.int64))
    batch.host.append(np.ascontiguousarray(a[:j, 8:16]).view("<i8").ravel().astype(np.int64))
    batch.pay.append(a[:j, hsize : hsize + length])
    sk = np.zeros(j, np.int64)
    sk[0] = skipped
    batch.skip.append(sk)
    return j


def scan_batches(fh: Any, start: int, window: int = 8 << 20) -> Iterator[RecordBatch]:
    """Intact records from byte ``start``, a window at a time (see the module docstring).

    Parameters
    ----------
    fh : binary file
        The session file.
    start : int
        Offset of the first record.
    window : int
        Bytes read at once (the records found do not depend on it).

    Yields
    ------
    RecordBatch
        The records of one window, in file order, each with the damaged bytes skipped before
        it; a final record of kind ``-1`` reports a truncated tail. Damaged bytes at the very
        end of the file (no record after them) are not reported.
    """
    hsize = _REC_HEADER.size
    unpack = _REC_HEADER.unpack_from
    sync_b, no_side, n_sides = _SYNC, _NO_SIDE, len(_SIDES)
    fh.seek(start)
    buf = fh.read(window)
    view, n, off, skipped, batch = memoryview(buf), len(buf), 0, 0, _Batch()
    eof = n < window
    while True:
        if n >= off + hsize:  # a run of same-size records from an intact-looking header
            sync, kind, side_b, length, _ = unpack(buf, off)
            if (sync == sync_b and length <= _MAX_PAYLOAD and 1 <= kind <= 4
                    and (side_b == no_side or side_b < n_sides)):  # fmt: skip
                stride = hsize + length + _CRC.size
                j = _run(buf, view, off, stride, length, batch, skipped)
                if j:
                    skipped = 0
                    off += j * stride
                    continue
        end, resume = _record_at(buf, view, off, eof)
        if end > 0:
            _, kind, side_b, length, host_ns = unpack(buf, off)
            batch.one(kind, side_b, host_ns, buf[off + hsize : off + hsize + length], skipped)
            skipped = 0
            off = end
        elif end == 0:
            skipped += resume - off
            off = resume
            if off >= n:  # damaged bytes up to the end of the file
                break
        elif not eof:
            more = fh.read(window)
            eof = len(more) < window
            buf, off = buf[off:] + more, 0
            view.release()
            view = memoryview(buf)
            n = len(buf)
            yield from batch.take()
        else:
            if off < n:
                batch.one(-1, 0, 0, b"", skipped)
            break
    view.release()
    yield from batch.take()
