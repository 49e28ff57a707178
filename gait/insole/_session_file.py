"""Session files: the raw BLE stream of a recording, written crash-safe, read back as a Recording.

A session file keeps every notification exactly as received (plus its arrival time), so that
reading it again can use a better decoder later and nothing is lost by decoding early.

Layout (all integers little-endian)::

    magic  b"GAITSESS" | format u16 | header_len u32 | header (UTF-8 JSON) | crc32(header) u32
    record* : sync b"\\xa5\\x5a" | kind u8 | side u8 | length u32 | host_ns i64 | payload
              | crc32(kind .. payload) u32

Record kinds: ``DEVICE`` (JSON: address, decoder, info and layout characteristic bytes in
hex), ``NOTIFY`` (raw notification bytes), ``EVENT`` (JSON: connect, disconnect, ...) and
``END`` (JSON summary, last record). ``host_ns`` is the host monotonic clock relative to the
session start. The writer appends to ``<name>.partial``, fsyncs at least once a second and
renames to the final name after writing ``END``; a crash leaves a readable ``.partial`` file
whose last incomplete record is ignored.
"""

from __future__ import annotations

import enum
import json
import os
import struct
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gait.exceptions import RecordingReadError
from gait.insole._devices import shoestreet as _ours

__all__ = [
    "SESSION_SUFFIX",
    "RecordKind",
    "SessionRecord",
    "SessionWriter",
    "iter_session_records",
]

SESSION_SUFFIX = ".gsn"
_MAGIC = b"GAITSESS"
_FORMAT_VERSION = 1
_FILE_HEADER = struct.Struct("<8sHI")
_SYNC = b"\xa5\x5a"
_REC_HEADER = struct.Struct("<2sBBIq")  # sync, kind, side, length, host_ns
_CRC = struct.Struct("<I")
_MAX_PAYLOAD = 1 << 20
_SIDES = ("left", "right")
_NO_SIDE = 0xFF


class RecordKind(enum.IntEnum):
    """Kinds of session records."""

    DEVICE = 1
    NOTIFY = 2
    EVENT = 3
    END = 4


@dataclass(frozen=True)
class SessionRecord:
    """One record of a session file.

    Parameters
    ----------
    kind : RecordKind
    side : {"left", "right"} or None
    host_ns : int
        Arrival time, host monotonic nanoseconds since the session start.
    payload : bytes
    """

    kind: RecordKind
    side: str | None
    host_ns: int
    payload: bytes = field(repr=False)

    def json(self) -> dict[str, Any]:
        """The payload of a JSON record (DEVICE, EVENT, END)."""
        return json.loads(self.payload.decode("utf-8"))


class SessionWriter:
    """Append-only, crash-safe writer of one session file.

    Parameters
    ----------
    path : str or Path
        Final file name; data goes to ``path + ".partial"`` until :meth:`close`.
    meta : dict, optional
        JSON-serialisable header fields (application version, subject code...). Keep
        identifying data out of it: session files are health data.
    fsync_interval_s : float
        Upper bound on the time between fsyncs while recording.
    """

    def __init__(
        self, path: str | os.PathLike, meta: dict | None = None, fsync_interval_s: float = 1.0
    ) -> None:
        self.path = Path(path)
        self.partial_path = self.path.with_name(self.path.name + ".partial")
        if not self.path.parent.is_dir():
            raise RecordingReadError(f"cannot write session: no directory {self.path.parent}")
        self._t0_ns = time.monotonic_ns()
        self._fsync_interval_ns = int(fsync_interval_s * 1e9)
        self._last_sync_ns = self._t0_ns
        self._counts = {k: 0 for k in RecordKind}
        header = {
            "format": "gait-session",
            "format_version": _FORMAT_VERSION,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            **(meta or {}),
        }
        blob = json.dumps(header, sort_keys=True).encode("utf-8")
        # Owner-only permissions: the file holds biometric data.
        fd = os.open(self.partial_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._f = os.fdopen(fd, "wb", buffering=1 << 16)
        self._f.write(_FILE_HEADER.pack(_MAGIC, _FORMAT_VERSION, len(blob)))
        self._f.write(blob)
        self._f.write(_CRC.pack(zlib.crc32(blob)))
        self._sync()
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` or :meth:`abort` was called."""
        return self._closed

    def now_ns(self) -> int:
        """Host monotonic nanoseconds since the session started (the records' clock)."""
        return time.monotonic_ns() - self._t0_ns

    @property
    def counts(self) -> dict[RecordKind, int]:
        """Records written so far, by kind."""
        return dict(self._counts)

    def _sync(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())
        self._last_sync_ns = time.monotonic_ns()

    def _write(self, kind: RecordKind, side: str | None, host_ns: int, payload: bytes) -> None:
        if self._closed:
            raise RecordingReadError(f"session {self.path} is already closed")
        if len(payload) > _MAX_PAYLOAD:
            raise ValueError(f"record payload of {len(payload)} bytes is too large")
        side_b = _NO_SIDE if side is None else _SIDES.index(side)
        head = _REC_HEADER.pack(_SYNC, int(kind), side_b, len(payload), int(host_ns))
        crc = zlib.crc32(payload, zlib.crc32(head[2:]))
        self._f.write(head)
        self._f.write(payload)
        self._f.write(_CRC.pack(crc))
        self._counts[kind] += 1
        if time.monotonic_ns() - self._last_sync_ns >= self._fsync_interval_ns:
            self._sync()

    def write_device(
        self,
        side: str,
        *,
        address: str,
        info: bytes,
        layout: bytes | None,
        decoder: str = _ours.NAME,
        host_ns: int | None = None,
    ) -> None:
        """Record the identity and characteristics of one insole (once per connection)."""
        payload = {
            "address": address,
            "decoder": decoder,
            "info": info.hex(),
            "layout": None if layout is None else layout.hex(),
        }
        self._write(
            RecordKind.DEVICE,
            side,
            self.now_ns() if host_ns is None else host_ns,
            json.dumps(payload).encode(),
        )

    def write_notification(self, side: str, data: bytes, host_ns: int | None = None) -> None:
        """Record one raw notification, exactly as received."""
        self._write(RecordKind.NOTIFY, side, self.now_ns() if host_ns is None else host_ns, data)

    def write_event(
        self, side: str | None, event: str, host_ns: int | None = None, **detail: Any
    ) -> None:
        """Record a link event (``connected``, ``disconnected``, ``reconnected``...)."""
        payload = json.dumps({"event": event, **detail}).encode()
        self._write(RecordKind.EVENT, side, self.now_ns() if host_ns is None else host_ns, payload)

    def close(self, summary: dict | None = None) -> Path:
        """Write the END record, fsync and rename to the final name; returns the path."""
        if self._closed:
            return self.path
        self._write(RecordKind.END, None, self.now_ns(), json.dumps(summary or {}).encode())
        self._sync()
        self._f.close()
        self._closed = True
        os.replace(self.partial_path, self.path)
        return self.path

    def abort(self) -> None:
        """Flush and close without finalising; the ``.partial`` file stays readable."""
        if not self._closed:
            self._sync()
            self._f.close()
            self._closed = True

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _read_header(data: bytes, path: Path) -> tuple[dict, int]:
    if len(data) < _FILE_HEADER.size or data[:8] != _MAGIC:
        raise RecordingReadError(f"{path}: not a gait session file (bad magic)")
    _, version, hlen = _FILE_HEADER.unpack_from(data, 0)
    if version != _FORMAT_VERSION:
        raise RecordingReadError(f"{path}: unsupported session format version {version}")
    end = _FILE_HEADER.size + hlen
    if len(data) < end + _CRC.size:
        raise RecordingReadError(f"{path}: session header is truncated")
    blob = data[_FILE_HEADER.size : end]
    if zlib.crc32(blob) != _CRC.unpack_from(data, end)[0]:
        raise RecordingReadError(f"{path}: session header checksum mismatch")
    try:
        header = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordingReadError(f"{path}: session header is not valid JSON") from err
    return header, end + _CRC.size


def _record_at(buf: bytes, view: memoryview, off: int, eof: bool) -> tuple[int, int]:
    """One step of a scan: is the record at ``off`` of ``buf`` intact, cut off or damaged?

    The one place the record rules live (both scanners, :func:`iter_session_records` and
    :func:`gait.insole._session_scan.scan_batches`, step through damaged bytes with it).

    Parameters
    ----------
    buf : bytes
        The bytes read so far (the whole file, or one window of it).
    view : memoryview
        A view of ``buf`` (the checksum runs over it without copying the record).
    off : int
        Where the record should start.
    eof : bool
        Whether ``buf`` ends at the end of the file.

    Returns
    -------
    (end, resume) : (int, int)
        ``end > 0``: the record is intact (sync marker, length, checksum, kind and side) and
        ends at ``end`` (after its checksum). ``end == -1``: ``buf`` ends inside the record
        (read more, or a truncated tail at the end of the file). ``end == 0``: the record is
        damaged; scanning resumes at ``resume``, the next sync marker, else the end of
        ``buf`` (its last byte kept when more follows: a marker may straddle the edge).
    """
    n = len(buf)
    need = off + _REC_HEADER.size + _CRC.size
    ok = False
    if n >= off + _REC_HEADER.size:
        sync, kind, side_b, length, _ = _REC_HEADER.unpack_from(buf, off)
        end = off + _REC_HEADER.size + length
        ok = sync == _SYNC and length <= _MAX_PAYLOAD
        if ok:
            need = end + _CRC.size
    if n < need:
        return -1, 0
    if ok and 1 <= kind <= 4 and (side_b == _NO_SIDE or side_b < len(_SIDES)):
        # Header and payload are contiguous: one checksum over both.
        if zlib.crc32(view[off + 2 : end]) == _CRC.unpack_from(buf, end)[0]:
            return need, 0
    nxt = buf.find(_SYNC, off + 1)
    if nxt < 0:
        nxt = n if eof else n - 1
    return 0, nxt


def iter_session_records(path: str | os.PathLike) -> tuple[dict, list[SessionRecord], dict]:
    """Read the header and every intact record of a session file.

    Corrupt records are skipped by resynchronising on the next sync marker whose record has
    a valid checksum; a truncated last record (crash while writing) is ignored.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    header : dict
    records : list of SessionRecord
    integrity : dict
        ``corrupt_bytes`` skipped, ``corrupt_records`` (damaged spans skipped, each at least one
        record), ``truncated_tail`` (bool) and ``complete`` (END seen).
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise RecordingReadError(f"session file not found: {p}") from None
    except OSError as err:
        raise RecordingReadError(f"cannot read session file {p}: {err}") from err
    header, off = _read_header(data, p)
    records: list[SessionRecord] = []
    corrupt = 0
    corrupt_spans = 0
    truncated = False
    complete = False
    n = len(data)
    with memoryview(data) as view:
        while off < n:
            end, resume = _record_at(data, view, off, True)
            if end < 0:
                truncated = True
                break
            if end == 0:
                corrupt += resume - off
                corrupt_spans += 1
                off = resume
                continue
            _, kind, side_b, length, host_ns = _REC_HEADER.unpack_from(data, off)
            side = None if side_b == _NO_SIDE else _SIDES[side_b]
            start = off + _REC_HEADER.size
            records.append(
                SessionRecord(RecordKind(kind), side, host_ns, data[start : start + length])
            )
            off = end
            if kind == RecordKind.END:
                complete = True
    return (
        header,
        records,
        {
            "corrupt_bytes": corrupt,
            "corrupt_records": corrupt_spans,
            "truncated_tail": truncated,
            "complete": complete,
        },
    )
