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
import math
import os
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from gait.exceptions import PacketError, RecordingReadError, RecordingValidationError
from gait.insole._clock import (
    align_starts,
    build_timeline,
    find_gaps,
    host_clock_fit,
    sample_indices,
    start_anchor,
)
from gait.insole._devices import get_decoder
from gait.insole._devices import shoestreet as _ours
from gait.insole._layouts import get_layout
from gait.insole._packets import InsoleInfo, SensorLayoutPacket
from gait.insole._recording import MAX_LOAD_BYTES, FootSignal, Recording, check_dense

__all__ = [
    "SESSION_SUFFIX",
    "RecordKind",
    "SessionRecord",
    "SessionWriter",
    "iter_session_records",
    "read_session",
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
_G = 9.80665


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
    while off < n:
        if n - off < _REC_HEADER.size + _CRC.size:
            truncated = True
            break
        sync, kind, side_b, length, host_ns = _REC_HEADER.unpack_from(data, off)
        end = off + _REC_HEADER.size + length
        ok = sync == _SYNC and length <= _MAX_PAYLOAD
        if ok and end + _CRC.size > n:
            truncated = True
            break
        if ok:
            crc = zlib.crc32(
                data[off + _REC_HEADER.size : end],
                zlib.crc32(data[off + 2 : off + _REC_HEADER.size]),
            )
            ok = crc == _CRC.unpack_from(data, end)[0] and kind in RecordKind._value2member_map_
            ok = ok and (side_b == _NO_SIDE or side_b < len(_SIDES))
        if not ok:
            nxt = data.find(_SYNC, off + 1)
            nxt = n if nxt < 0 else nxt
            corrupt += nxt - off
            corrupt_spans += 1
            off = nxt
            continue
        side = None if side_b == _NO_SIDE else _SIDES[side_b]
        records.append(
            SessionRecord(RecordKind(kind), side, host_ns, data[off + _REC_HEADER.size : end])
        )
        off = end + _CRC.size
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


def _device_info(device: dict) -> InsoleInfo | None:
    """The insole info of a device record, or None when it does not decode."""
    try:
        return InsoleInfo.from_bytes(bytes.fromhex(device["info"]))
    except (PacketError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _recover_device(
    side: str, notifies: list[SessionRecord], other: dict | None
) -> tuple[dict | None, str]:
    """A stand-in device record for a foot whose own record is lost.

    Only our decoder's packets describe themselves (sensor count, IMU flag in the header).
    The sampling rate comes from the other insole when its packets have the same shape (a
    pair of one model), else from the device clock: microseconds per counter step.

    Returns
    -------
    device : dict or None
        A device record (JSON fields) or None when the foot cannot be decoded.
    how : str
        What was inferred, for the report.
    """
    heads: dict[tuple[int, bool], int] = {}
    for r in notifies[:2000]:
        p = r.payload
        if len(p) >= 4 and p[0] == 1:
            key = (p[2], bool(p[1] & 0x01))
            heads[key] = heads.get(key, 0) + 1
    if not heads:
        return None, "no notification has a known packet header"
    (n_sensors, has_imu), _ = max(heads.items(), key=lambda kv: kv[1])
    other_info = _device_info(other) if other is not None else None
    side_enum = _SIDES.index(side)
    if (
        other_info is not None
        and other_info.n_sensors == n_sensors
        and other_info.has_imu == has_imu
        and other.get("decoder", _ours.NAME) == _ours.NAME
    ):
        info = replace(other_info, side=side_enum, serial=0)
        dev = {
            "address": None,
            "decoder": _ours.NAME,
            "info": bytes(info).hex(),
            "layout": other.get("layout"),
        }
        return dev, f"taken from the {_SIDES[1 - side_enum]} insole (same packet shape)"
    bulk = _ours.decode_many([r.payload for r in notifies[:5000]], n_sensors, has_imu)
    if bulk.seq.size < 2:
        return None, "too few samples to measure the sampling rate"
    dseq = np.diff(bulk.seq) % 65536
    dt = np.diff(bulk.t_device_us) % (1 << 32)
    ok = (dseq > 0) & (dseq < 100)
    if not ok.any():
        return None, "the device counters do not advance"
    fs = float(1e6 / np.median(dt[ok] / dseq[ok]))
    if not 1.0 <= fs <= 10_000.0:
        return None, f"the device clock gives an impossible rate ({fs:.3g} Hz)"
    fs = float(round(fs)) if abs(fs - round(fs)) < 0.01 * fs else fs
    try:
        info = InsoleInfo(side_enum, 0, n_sensors, fs, has_imu=has_imu)
    except PacketError as err:
        return None, str(err)
    dev = {"address": None, "decoder": _ours.NAME, "info": bytes(info).hex(), "layout": None}
    return (
        dev,
        f"inferred from its packets ({n_sensors} cells, {fs:g} Hz from the device clock; forces uncalibrated)",
    )


def _repeated_samples(
    seqs: np.ndarray, t_us: np.ndarray, values: np.ndarray, imu: np.ndarray | None
) -> np.ndarray:
    """Mask of samples that repeat an earlier one: same counter, timestamp and values.

    A record written twice (a session file concatenated with itself, a notification
    delivered twice after a reconnect) repeats the device counter *and* timestamp; a device
    reboot restarts both but not with identical sensor values, so those samples stay.
    Vectorised: a hash of the values sorts candidates next to each other and exact equality
    is then checked pairwise; the first arrival is kept.

    Returns
    -------
    (n,) bool
        True for the samples to drop.
    """
    n = seqs.size
    drop = np.zeros(n, dtype=bool)
    if n < 2:
        return drop
    key = (seqs.astype(np.uint64) & np.uint64(0xFFFF)) | (
        (t_us.astype(np.uint64) & np.uint64(0xFFFFFFFF)) << np.uint64(16)
    )
    cols = values if imu is None else np.concatenate([values, imu], axis=1)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(cols.shape[1]):
            h = (h * np.uint64(1099511628211)) ^ cols[:, j].astype(np.int64).view(np.uint64)
    order = np.lexsort((np.arange(n), h, key))
    same = (key[order][1:] == key[order][:-1]) & (h[order][1:] == h[order][:-1])
    if not same.any():
        return drop
    a, b = order[:-1][same], order[1:][same]
    exact = np.all(cols[a] == cols[b], axis=1)
    drop[b[exact]] = True
    return drop


def _packed_12bit(notifies: list[SessionRecord]) -> bool:
    """Whether the first decodable notification packs 12-bit values (full scale 4095)."""
    for r in notifies[:16]:
        if len(r.payload) >= 4 and r.payload[0] == 1:
            return bool(r.payload[1] & 0x02)
    return False


def _foot_from_records(
    side: str, device: dict, notifies: list[SessionRecord], meta: dict
) -> tuple[dict, float] | None:
    """Decode one foot's notifications and place them on its grid."""
    info = _device_info(device)
    if info is None:
        raise RecordingReadError(f"{side} insole info in the session is invalid")
    layout = None
    if device.get("layout"):
        try:
            layout = SensorLayoutPacket.from_bytes(bytes.fromhex(device["layout"]))
        except (PacketError, ValueError, TypeError):
            meta["ingest_notes"].append(
                f"the {side} insole's sensor layout is invalid: built-in positions used"
            )
    decoder_name = device.get("decoder", _ours.NAME)
    fs = info.sampling_rate_hz
    host_all = np.array([r.host_ns for r in notifies], dtype=np.float64) * 1e-9
    seq_bits, t_bits = 16, 32
    if decoder_name == _ours.NAME:
        bulk = _ours.decode_many([r.payload for r in notifies], info.n_sensors, info.has_imu)
        seqs, t_us, raw_values, raw_imu = bulk.seq, bulk.t_device_us, bulk.values, bulk.imu
        host = host_all[bulk.record]
        malformed, wrong_shape = bulk.n_malformed, bulk.n_wrong_shape
    else:
        decode = get_decoder(decoder_name)
        rows: list[tuple] = []
        malformed = wrong_shape = 0
        for i, rec in enumerate(notifies):
            try:
                pkt = decode(rec.payload)
            except PacketError:
                malformed += 1
                continue
            seq_bits, t_bits = pkt.seq_bits, pkt.t_bits
            for s in pkt.samples:
                if len(s.values) != info.n_sensors or (info.has_imu and s.imu is None):
                    wrong_shape += 1
                    continue
                rows.append((s.seq, s.t_device_us or 0, host_all[i], s.values, s.imu))
        seqs = np.array([r[0] for r in rows], dtype=np.int64)
        t_us = np.array([r[1] for r in rows], dtype=np.int64)
        host = np.array([r[2] for r in rows], dtype=np.float64)
        raw_values = np.array([r[3] for r in rows], dtype=np.float64).reshape(-1, info.n_sensors)
        raw_imu = np.array([r[4] for r in rows], dtype=np.float64) if info.has_imu else None
    meta["malformed_packets"][side] = malformed
    meta["wrong_shape_samples"][side] = wrong_shape
    meta["devices"][side] = {
        "address": device.get("address"),
        "serial": info.serial,
        "layout_id": info.layout_id,
        "n_sensors": info.n_sensors,
        "sampling_rate_hz": fs,
    }
    if seqs.size == 0:
        meta["received_samples"][side] = 0
        return None
    repeated = _repeated_samples(seqs, t_us, raw_values, raw_imu)
    n_repeated = int(repeated.sum())
    if n_repeated:
        keep_rows = ~repeated
        seqs, t_us, host = seqs[keep_rows], t_us[keep_rows], host[keep_rows]
        raw_values = raw_values[keep_rows]
        raw_imu = raw_imu[keep_rows] if raw_imu is not None else None
    full_scale = 4095.0 if info.n_sensors and _packed_12bit(notifies) else 65535.0
    meta["saturated_samples"][side] = int(np.count_nonzero((raw_values >= full_scale).any(axis=1)))
    index, segment = sample_indices(
        seqs, seq_bits, fs, t_device_us=t_us if t_bits else None, t_bits=t_bits, host_s=host
    )
    tl = build_timeline(index, segment, host, fs)
    check_dense(tl.n_grid, info.n_sensors + (6 if info.has_imu else 0), fs, f"{side} insole")
    keep = tl.position >= 0
    vals = np.full((tl.n_grid, info.n_sensors), np.nan)
    vals[tl.position[keep]] = raw_values[keep]
    if info.force_lsb_mn:
        vals *= info.force_lsb_mn * 1e-3
    imu = None
    if info.has_imu:
        imu = np.full((tl.n_grid, 6), np.nan)
        raw = raw_imu[keep].copy()
        raw[:, :3] *= info.acc_range_g * _G / 32768.0
        raw[:, 3:] *= info.gyro_range_dps / 32768.0
        imu[tl.position[keep]] = raw
    valid = np.zeros(tl.n_grid, dtype=bool)
    valid[tl.position[keep]] = True
    if layout is not None and len(layout.xy_mm) == info.n_sensors:
        xy = np.asarray(layout.xy_mm, dtype=np.float64)
    else:
        try:
            xy = np.array(get_layout(info.n_sensors).xy_mm)
        except RecordingValidationError:  # no built-in layout of that size: positions unknown
            xy = None
    meta["received_samples"][side] = int(keep.sum())
    meta["duplicate_samples"][side] = tl.n_duplicates + n_repeated
    meta["counter_resets"][side] = tl.n_segments - 1
    out = {"values": vals, "valid": valid, "imu": imu, "xy": xy, "fs": fs}
    out["host_per_device"] = tl.host_per_device
    out["start_rate"] = tl.start_rate
    return out, tl.t0_host_s


def read_session(path: str | os.PathLike) -> Recording:
    """Read a session file (complete or ``.partial``) into a :class:`Recording`.

    Samples are placed by their device counters on a uniform grid; lost samples are NaN with
    ``valid`` False and are listed, never interpolated. The two feet are aligned on a common
    clock from their arrival-time offsets.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Recording
        ``format="session"``; ``meta`` holds ``gaps`` (list of dicts with ``side``,
        ``start_s``, ``end_s``, ``n_samples``), ``lost_samples``, ``duplicate_samples``,
        ``malformed_packets``, ``counter_resets``, ``received_samples`` (per side),
        ``events`` (link events with ``t_s`` on the recording clock), ``complete`` and
        ``corrupt_bytes``.

    Raises
    ------
    RecordingReadError
        Missing or unreadable file, bad header, no insole in the session, insoles with
        different rates, or a session without any valid sample.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        size = 0
    if size > MAX_LOAD_BYTES:
        raise RecordingReadError(
            f"{p}: {size / 2**20:.0f} MiB is too large to load at once: analyse it part by part "
            "with gait.analyze_file (the gait analyze command does)"
        )
    header, records, integrity = iter_session_records(p)
    devices: dict[str, dict] = {}
    notifies: dict[str, list[SessionRecord]] = {"left": [], "right": []}
    events = []
    for r in records:
        if r.kind == RecordKind.DEVICE and r.side is not None:
            try:
                devices.setdefault(r.side, r.json())
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise RecordingReadError(f"{p}: device record is not valid JSON") from err
        elif r.kind == RecordKind.NOTIFY and r.side is not None:
            notifies[r.side].append(r)
        elif r.kind == RecordKind.EVENT:
            try:
                events.append({"side": r.side, "host_s": r.host_ns * 1e-9, **r.json()})
            except (UnicodeDecodeError, json.JSONDecodeError):
                integrity["corrupt_bytes"] += len(r.payload)
    notes: list[str] = []
    if integrity["corrupt_records"]:
        notes.append(
            f"{integrity['corrupt_records']} damaged record(s) ({integrity['corrupt_bytes']} bytes) "
            "failed their checksum and were skipped"
        )
    # A damaged or unreadable device record never costs a whole foot: its notifications carry
    # their own shape, and the other insole (same model) or the device clock give the rest.
    for side in _SIDES:
        dev = devices.get(side)
        if dev is not None and _device_info(dev) is None:
            devices.pop(side)
            notes.append(f"the {side} insole's device record is invalid")
    for side in _SIDES:
        if side in devices or not notifies[side]:
            continue
        other = next((d for s, d in devices.items() if s != side), None)
        dev, how = _recover_device(side, notifies[side], other)
        if dev is None:
            notes.append(
                f"the {side} insole's device record is missing or damaged and its "
                f"{len(notifies[side])} notifications could not be decoded without it: {how}"
            )
            continue
        devices[side] = dev
        notes.append(
            f"the {side} insole's device record is missing or damaged: its settings were {how}"
        )
    if not devices:
        raise RecordingReadError(f"{p}: the session has no insole (no device record)")
    meta: dict[str, Any] = {
        "header": header,
        **integrity,
        "malformed_packets": {},
        "wrong_shape_samples": {},
        "received_samples": {},
        "duplicate_samples": {},
        "counter_resets": {},
        "lost_samples": {},
        "saturated_samples": {},
        "devices": {},
        "ingest_notes": notes,
    }
    feet: dict[str, dict] = {}
    t0: dict[str, float] = {}
    for side, dev in devices.items():
        got = _foot_from_records(side, dev, notifies[side], meta)
        if got is not None:
            feet[side], t0[side] = got
        elif notifies[side]:
            notes.append(
                f"the {side} insole sent {len(notifies[side])} notifications but none held a "
                "valid sample"
            )
    for side, n_sat in meta["saturated_samples"].items():
        n_rx = meta["received_samples"].get(side, 0)
        if n_rx and n_sat > 0.005 * n_rx:
            notes.append(
                f"{side} insole: {n_sat} sample(s) ({100 * n_sat / n_rx:.1f} %) have a cell at "
                "full scale (saturated): peak pressures are underestimated"
            )
    for side, n_dup in meta["duplicate_samples"].items():
        if n_dup:
            notes.append(f"{side} insole: {n_dup} repeated sample(s) (same device counter) dropped")
    if not feet:
        raise RecordingReadError(f"{p}: the session holds no valid pressure sample")
    rates = {f["fs"] for f in feet.values()}
    if len(rates) != 1:
        raise RecordingReadError(f"{p}: the insoles use different sampling rates {sorted(rates)}")
    fs = rates.pop()
    # Host time differences between the feet's first samples become device time at the
    # rate the starts were anchored with (1 for real insoles).
    rate = float(np.mean([f["start_rate"] for f in feet.values()]))
    shift = align_starts(t0, fs, rate)
    n_total = max(shift[s] + f["values"].shape[0] for s, f in feet.items())
    check_dense(n_total, sum(f["values"].shape[1] + 6 for f in feet.values()), fs, str(p))
    signals = {}
    gaps = []
    for side, f in feet.items():
        a = shift[side]
        k = f["values"].shape[1]
        vals = np.full((n_total, k), np.nan)
        vals[a : a + f["values"].shape[0]] = f["values"]
        valid = np.zeros(n_total, dtype=bool)
        valid[a : a + f["valid"].shape[0]] = f["valid"]
        imu = None
        if f["imu"] is not None:
            imu = np.full((n_total, 6), np.nan)
            imu[a : a + f["imu"].shape[0]] = f["imu"]
        foot_gaps = find_gaps(valid)
        meta["lost_samples"][side] = int(sum(b - a_ for a_, b in foot_gaps))
        gaps += [
            {"side": side, "start_s": g0 / fs, "end_s": g1 / fs, "n_samples": g1 - g0}
            for g0, g1 in foot_gaps
        ]
        signals[side] = FootSignal(side, vals, f["xy"], valid, imu)
    origin = min(t0.values())
    for e in events:
        e["t_s"] = e.pop("host_s") - origin
    meta["gaps"] = sorted(gaps, key=lambda g: (g["start_s"], g["side"]))
    meta["events"] = events
    meta["clock_offset_s"] = {s: t - origin for s, t in t0.items()}
    meta["host_per_device"] = {s: f["host_per_device"] for s, f in feet.items()}
    return Recording(
        sampling_rate_hz=fs,
        left=signals.get("left"),
        right=signals.get("right"),
        source=str(p),
        format="session",
        meta=meta,
    )


def _scan(fh: Any, start: int, window: int = 8 << 20) -> Iterator[tuple[int, int, int, bytes, int]]:
    """Intact records from byte ``start``: (kind, side byte, host_ns, payload, skipped).

    The same rules as :func:`iter_session_records` (resynchronise on the sync marker after a
    damaged record, stop at a truncated tail), reading ``window`` bytes at a time and without
    building record objects: a 24-hour file holds millions of records and memory holds one
    window. ``skipped`` counts the bytes skipped before the record; a final item with kind
    ``-1`` reports a truncated tail.
    """
    hsize, csize = _REC_HEADER.size, _CRC.size
    unpack, crc_unpack = _REC_HEADER.unpack_from, _CRC.unpack_from
    crc32 = zlib.crc32
    fh.seek(start)
    buf = fh.read(window)
    eof = len(buf) < window
    off = 0
    skipped = 0
    while True:
        n = len(buf)
        need = off + hsize + csize
        if n >= off + hsize:
            sync, kind, side_b, length, host_ns = unpack(buf, off)
            ok = sync == _SYNC and length <= _MAX_PAYLOAD
            end = off + hsize + length
            if ok:
                need = end + csize
        if n < need:
            if not eof:
                more = fh.read(window)
                eof = len(more) < window
                buf, off = buf[off:] + more, 0
                continue
            if off < n:
                yield -1, 0, 0, b"", skipped
            return
        if ok:
            crc = crc32(buf[off + hsize : end], crc32(buf[off + 2 : off + hsize]))
            ok = crc == crc_unpack(buf, end)[0] and 1 <= kind <= 4
            ok = ok and (side_b == _NO_SIDE or side_b < len(_SIDES))
        if not ok:
            nxt = buf.find(_SYNC, off + 1)
            if nxt < 0:
                keep = n - 1 if not eof else n  # a marker may straddle the window edge
                skipped += keep - off
                off = keep
                if eof:
                    return
                continue
            skipped += nxt - off
            off = nxt
            continue
        yield kind, side_b, host_ns, buf[off + hsize : end], skipped
        skipped = 0
        off = end + csize


#: Notifications decoded at once by the streaming reader.
_BATCH_NOTIFICATIONS = 8192
#: Recent samples remembered to drop repeats that straddle two batches.
_RECENT = 4096
#: Every this many grid positions a sample's fingerprint is kept to recognise replayed data.
_FINGERPRINT_EVERY = 256


def _row_hash(seqs: np.ndarray, t_us: np.ndarray, cols: np.ndarray) -> np.ndarray:
    h = (seqs.astype(np.uint64) & np.uint64(0xFFFF)) | (
        (t_us.astype(np.uint64) & np.uint64(0xFFFFFFFF)) << np.uint64(16)
    )
    with np.errstate(over="ignore"):
        for j in range(cols.shape[1]):
            h = (h * np.uint64(1099511628211)) ^ cols[:, j].astype(np.int64).view(np.uint64)
    return h


class _FootStream:
    """One foot's samples placed on its grid batch by batch, spilled to temporary files.

    Memory holds one batch, the last :data:`_RECENT` samples and sparse fingerprints; the
    placed samples (grid position, values as float32, IMU) go to ``tmpdir``.
    """

    def __init__(self, side: str, info: InsoleInfo, tmpdir: Path) -> None:
        self.side = side
        self.info = info
        self.fs = info.sampling_rate_hz
        self.k = info.n_sensors
        self.imu = info.has_imu
        self._pos_f = (tmpdir / f"{side}.pos").open("wb")
        self._val_f = (tmpdir / f"{side}.val").open("wb")
        self._imu_f = (tmpdir / f"{side}.imu").open("wb") if self.imu else None
        self.tmpdir = tmpdir
        self.n = 0
        self.t0_host = math.nan
        self.start_rate = 1.0
        self.grid_end = 0
        self.last: tuple[int, int, float] | None = None  # seq, t_us, host of the last sample
        self.carry_pos = -1
        self.max_written = -1
        self.replay_offset: int | None = None
        self.recent_key = np.zeros(0, np.uint64)
        self.fp_by_hash: dict[int, int] = {}
        self.fp_by_pos: dict[int, int] = {}
        self.n_duplicates = 0
        self.n_replayed = 0
        self.n_resets = 0
        self.n_late = 0
        self.n_saturated = 0
        self.n_malformed = 0
        self.n_wrong_shape = 0

    def push(self, payloads: list[bytes], host_s: np.ndarray, full_scale: float) -> None:
        bulk = _ours.decode_many(payloads, self.k, self.imu)
        self.n_malformed += bulk.n_malformed
        self.n_wrong_shape += bulk.n_wrong_shape
        if bulk.seq.size == 0:
            return
        seqs, t_us, vals = bulk.seq, bulk.t_device_us, bulk.values
        imu = bulk.imu
        host = host_s[bulk.record]
        cols = vals if imu is None else np.concatenate([vals, imu], axis=1)
        h = _row_hash(seqs, t_us, cols)
        # Repeats inside the batch or of the last samples of the previous batch.
        drop = _repeated_samples(seqs, t_us, vals, imu)
        if self.recent_key.size:
            drop |= np.isin(h, self.recent_key)
        self.n_duplicates += int(drop.sum())
        keep = ~drop
        seqs, t_us, vals, host, h = seqs[keep], t_us[keep], vals[keep], host[keep], h[keep]
        imu = imu[keep] if imu is not None else None
        if seqs.size == 0:
            return
        self.recent_key = np.r_[self.recent_key, h][-_RECENT:]
        self.n_saturated += int(np.count_nonzero((vals >= full_scale).any(axis=1)))
        if self.last is not None:
            s0, t0u, h0 = self.last
            idx, seg = sample_indices(
                np.r_[s0, seqs], 16, self.fs, t_device_us=np.r_[t0u, t_us], t_bits=32,
                host_s=np.r_[h0, host],
            )  # fmt: skip
            idx, seg = idx[1:], seg[1:]
            base = self.carry_pos
        else:
            idx, seg = sample_indices(seqs, 16, self.fs, t_device_us=t_us, t_bits=32, host_s=host)
            first = idx[seg == 0]
            win = (first - first.min()) <= 0.5 * self.fs
            self.t0_host, self.start_rate = start_anchor(first[win], host[seg == 0][win], self.fs)
            self.t0_host += self.start_rate * first.min() / self.fs
            base = -int(first.min())
        pos = np.full(seqs.size, -1, dtype=np.int64)
        for k in range(int(seg.max()) + 1):
            sel = np.flatnonzero(seg == k)
            if sel.size == 0:
                continue
            i = idx[sel]
            if k == 0:
                p = base + i
                if self.replay_offset is not None:
                    p = self._replay(sel, i, h, pos)
                    if p is None:
                        continue
            else:
                self.n_resets += 1
                self.replay_offset = None
                j = self._replay_start(h[sel], i)
                if j is not None:
                    p = self._replay(sel, i, h, pos)
                    if p is None:
                        continue
                else:
                    rate, off = host_clock_fit(i, host[sel], self.fs)
                    i_min = int(i.min())
                    start = max(
                        self.grid_end,
                        round((off + rate * i_min / self.fs - self.t0_host) / rate * self.fs),
                    )
                    p = start + (i - i_min)
            pos[sel] = p
            self.grid_end = max(self.grid_end, int(p.max()) + 1)
        ok = pos >= 0
        # Samples older than what earlier batches wrote cannot be inserted any more (rare:
        # reordering across a batch boundary); inside the batch, samples are put in order.
        late = ok & (pos <= self.max_written)
        self.n_late += int(late.sum())
        ok &= ~late
        if not ok.any():
            return
        arrival = np.flatnonzero(ok)
        order = arrival[np.argsort(pos[arrival], kind="stable")]
        same = np.r_[False, pos[order][1:] == pos[order][:-1]]
        self.n_duplicates += int(same.sum())
        order = order[~same]
        starts = np.r_[True, seg[1:] != seg[:-1]]
        for j in order[(pos[order] % _FINGERPRINT_EVERY == 0) | starts[order]]:
            self.fp_by_hash.setdefault(int(h[j]), int(pos[j]))
            self.fp_by_pos.setdefault(int(pos[j]), int(h[j]))
        self._pos_f.write(pos[order].tobytes())
        self._val_f.write(vals[order].astype(np.float32).tobytes())
        if self._imu_f is not None and imu is not None:
            self._imu_f.write(imu[order].astype(np.float32).tobytes())
        self.n += int(order.size)
        self.max_written = int(pos[order][-1])
        # The next batch continues from the last sample that arrived (counter continuity).
        j = int(arrival[-1])
        self.last = (int(seqs[j]), int(t_us[j]), float(host[j]))
        self.carry_pos = int(pos[j])

    def _replay_start(self, hs: np.ndarray, i: np.ndarray) -> int | None:
        """Start a replay if one of a new segment's first samples was seen before."""
        for j in range(min(hs.size, 2 * _FINGERPRINT_EVERY)):
            p = self.fp_by_hash.get(int(hs[j]))
            if p is not None:
                self.replay_offset = p - int(i[j])
                return j
        return None

    def _replay(
        self, sel: np.ndarray, i: np.ndarray, h: np.ndarray, pos: np.ndarray
    ) -> np.ndarray | None:
        """Drop the samples of a replayed segment while they match what was kept before."""
        assert self.replay_offset is not None
        orig = self.replay_offset + i
        bad = np.zeros(sel.size, dtype=bool)
        for j in np.flatnonzero(orig % _FINGERPRINT_EVERY == 0):
            want = self.fp_by_pos.get(int(orig[j]))
            if want is not None and want != int(h[sel[j]]):
                bad[j] = True
                break
        stop = int(np.flatnonzero(bad)[0]) if bad.any() else sel.size
        self.n_replayed += stop
        pos[sel[:stop]] = -1
        if stop == sel.size:
            return None
        # The data diverged: the rest is new and goes after everything kept so far.
        self.replay_offset = None
        rest = i[stop:]
        p = np.full(sel.size, -1, dtype=np.int64)
        p[stop:] = self.grid_end + (rest - rest.min())
        return p

    def close(self) -> None:
        for f in (self._pos_f, self._val_f, self._imu_f):
            if f is not None:
                f.close()

    def reader(self) -> _SpillReader:
        """Sequential reader of the placed samples (positions ascending)."""
        return _SpillReader(self)


class _SpillReader:
    """Reads a foot's spilled samples in order, holding at most a part plus one block."""

    _BLOCK = 1 << 17

    def __init__(self, st: _FootStream) -> None:
        self.k = st.k
        self.left = st.n
        self._f = [
            (st.tmpdir / f"{st.side}.pos").open("rb"),
            (st.tmpdir / f"{st.side}.val").open("rb"),
            (st.tmpdir / f"{st.side}.imu").open("rb") if st.imu else None,
        ]
        self.pos = np.zeros(0, np.int64)
        self.val = np.zeros((0, self.k), np.float32)
        self.imu: np.ndarray | None = np.zeros((0, 6), np.float32) if st.imu else None

    def _more(self) -> bool:
        m = min(self._BLOCK, self.left)
        if m == 0:
            return False
        fp, fv, fi = self._f
        self.pos = np.r_[self.pos, np.fromfile(fp, np.int64, m)]
        self.val = np.vstack([self.val, np.fromfile(fv, np.float32, m * self.k).reshape(m, self.k)])
        if fi is not None and self.imu is not None:
            self.imu = np.vstack([self.imu, np.fromfile(fi, np.float32, m * 6).reshape(m, 6)])
        self.left -= m
        return True

    def first(self) -> int | None:
        """Position of the next sample, or None at the end."""
        if self.pos.size == 0 and not self._more():
            return None
        return int(self.pos[0])

    def upto(self, b: int) -> np.ndarray:
        """Positions of the buffered-and-read samples before ``b`` (not consumed)."""
        while (self.pos.size == 0 or self.pos[-1] < b) and self._more():
            pass
        return self.pos[: int(np.searchsorted(self.pos, b, side="left"))]

    def take(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Consume the first ``j`` buffered samples."""
        out = (self.pos[:j], self.val[:j], None if self.imu is None else self.imu[:j])
        self.pos, self.val = self.pos[j:], self.val[j:]
        if self.imu is not None:
            self.imu = self.imu[j:]
        return out

    def close(self) -> None:
        for f in self._f:
            if f is not None:
                f.close()


def iter_session_parts(
    path: str | os.PathLike, chunk_s: float, max_gap_s: float
) -> Iterator[tuple[float, Recording]]:
    """Consecutive parts of a session file, in memory bounded by one part.

    The file is memory-mapped and scanned record by record; each foot's samples are decoded
    in batches, de-duplicated (repeats, and replays of earlier data recognised by sparse
    fingerprints), placed on the foot's grid by the device clock (as :func:`read_session`)
    and spilled to temporary files. Parts are then cut on the common clock at ``chunk_s``
    and at gaps longer than ``max_gap_s``; nothing is allocated for a gap between parts.

    Parameters
    ----------
    path : str or Path
        The session file.
    chunk_s : float
        Longest part (seconds).
    max_gap_s : float
        A longer gap ends a part.

    Yields
    ------
    (t0_s, Recording)
        Start of the part on the recording clock and the part.

    Raises
    ------
    RecordingReadError
        As :func:`read_session`.
    """
    import tempfile

    p = Path(path)
    try:
        fh = p.open("rb")
    except FileNotFoundError:
        raise RecordingReadError(f"session file not found: {p}") from None
    except OSError as err:
        raise RecordingReadError(f"cannot read session file {p}: {err.strerror}") from None
    with fh, tempfile.TemporaryDirectory(prefix="gait-session-") as tmp:
        try:
            yield from _session_parts(p, fh, Path(tmp), chunk_s, max_gap_s)
            return
        except _OtherDecoderError:
            pass  # raised before any part: decode the whole file with its own decoder
    yield from _whole_session_parts(p, chunk_s)


class _OtherDecoderError(Exception):
    """A device uses a decoder the streaming path does not vectorise (internal)."""


def _whole_session_parts(p: Path, chunk_s: float) -> Iterator[tuple[float, Recording]]:
    """Parts of a session read whole (other insole decoders; bounded by the load limits)."""
    rec = read_session(p)
    fs = rec.sampling_rate_hz
    n = max(f.n_samples for f in rec.feet.values())
    step = max(1, int(chunk_s * fs))
    for a in range(0, n, step):
        b = min(n, a + step)
        feet = {
            s: FootSignal(
                s,
                f.values[a:b],
                f.sensor_xy_mm,
                None if f.valid is None else f.valid[a:b],
                None if f.imu is None else f.imu[a:b],
            )
            for s, f in rec.feet.items()
        }
        meta = rec.meta if a == 0 else {**rec.meta, "ingest_notes": []}
        yield (
            a / fs,
            Recording(fs, feet.get("left"), feet.get("right"), rec.source, rec.format, meta),
        )


def _session_parts(
    p: Path, fh: Any, tmp: Path, chunk_s: float, max_gap_s: float
) -> Iterator[tuple[float, Recording]]:
    head = fh.read(_FILE_HEADER.size)
    if len(head) == _FILE_HEADER.size and head[:8] == _MAGIC:
        head += fh.read(_FILE_HEADER.unpack(head)[2] + _CRC.size)
    header, start = _read_header(head, p)
    # Pass 1: device records (normally at the start; a lost one is recovered from packets).
    devices: dict[str, dict] = {}
    sample: dict[str, list[SessionRecord]] = {"left": [], "right": []}
    notes: list[str] = []
    n_read = 0
    for kind, side_b, host_ns, payload, _ in _scan(fh, start):
        n_read += len(payload)
        if kind == RecordKind.DEVICE and side_b != _NO_SIDE:
            side = _SIDES[side_b]
            if side not in devices:
                try:
                    dev = json.loads(payload.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    continue
                if _device_info(dev) is not None:
                    devices[side] = dev
                else:
                    notes.append(f"the {side} insole's device record is invalid")
        elif kind == RecordKind.NOTIFY and side_b != _NO_SIDE:
            side = _SIDES[side_b]
            if len(sample[side]) < 2000:
                sample[side].append(SessionRecord(RecordKind.NOTIFY, side, host_ns, payload))
        if len(devices) == 2 or (n_read > 64 << 20 and devices):
            break
    for side in _SIDES:
        if side in devices or not sample[side]:
            continue
        other = next((d for s, d in devices.items() if s != side), None)
        dev, how = _recover_device(side, sample[side], other)
        if dev is None:
            notes.append(f"the {side} insole's device record is missing or damaged: {how}")
            continue
        devices[side] = dev
        notes.append(
            f"the {side} insole's device record is missing or damaged: its settings were {how}"
        )
    del sample
    if not devices:
        raise RecordingReadError(f"{p}: the session has no insole (no device record)")
    streams: dict[str, _FootStream] = {}
    full_scale: dict[str, float] = {}
    for side, dev in devices.items():
        if dev.get("decoder", _ours.NAME) != _ours.NAME:
            raise _OtherDecoderError(dev.get("decoder"))
        info = _device_info(dev)
        assert info is not None
        streams[side] = _FootStream(side, info, tmp)
    # Pass 2: every notification, batch by batch per foot.
    pending: dict[str, list[bytes]] = {s: [] for s in streams}
    hosts: dict[str, list[int]] = {s: [] for s in streams}
    corrupt_bytes = corrupt_records = 0
    truncated = complete = False
    for kind, side_b, host_ns, payload, skipped in _scan(fh, start):
        if skipped:
            corrupt_bytes += skipped
            corrupt_records += 1
        if kind == -1:
            truncated = True
            break
        if kind == RecordKind.END:
            complete = True
        if kind != RecordKind.NOTIFY or side_b == _NO_SIDE:
            continue
        side = _SIDES[side_b]
        if side not in streams:
            continue
        pending[side].append(payload)
        hosts[side].append(host_ns)
        if len(pending[side]) >= _BATCH_NOTIFICATIONS:
            if side not in full_scale:
                full_scale[side] = 4095.0 if _packed_12bit_payloads(pending[side]) else 65535.0
            streams[side].push(
                pending[side], np.array(hosts[side], np.float64) * 1e-9, full_scale[side]
            )
            pending[side], hosts[side] = [], []
    for side, st in streams.items():
        if pending[side]:
            fsc = full_scale.get(side, 4095.0 if _packed_12bit_payloads(pending[side]) else 65535.0)
            st.push(pending[side], np.array(hosts[side], np.float64) * 1e-9, fsc)
        st.close()
    if corrupt_records:
        notes.append(
            f"{corrupt_records} damaged record(s) ({corrupt_bytes} bytes) failed their checksum "
            "and were skipped"
        )
    live = {s: st for s, st in streams.items() if st.n}
    if not live:
        raise RecordingReadError(f"{p}: the session holds no valid pressure sample")
    rates = {st.fs for st in live.values()}
    if len(rates) != 1:
        raise RecordingReadError(f"{p}: the insoles use different sampling rates {sorted(rates)}")
    fs = rates.pop()
    for side, st in live.items():
        if st.n_duplicates or st.n_replayed:
            notes.append(
                f"{side} insole: {st.n_duplicates + st.n_replayed} repeated sample(s) (same device counter) dropped"
            )
        if st.n_late:
            notes.append(
                f"{side} insole: {st.n_late} sample(s) arrived after later ones and were dropped"
            )
        if st.n_saturated > 0.005 * st.n:
            notes.append(
                f"{side} insole: {st.n_saturated} sample(s) ({100 * st.n_saturated / st.n:.1f} %) have a cell at full scale (saturated): peak pressures are underestimated"
            )
    rate = float(np.mean([st.start_rate for st in live.values()]))
    shift = align_starts({s: st.t0_host for s, st in live.items()}, fs, rate)
    meta_base: dict[str, Any] = {
        "header": header,
        "corrupt_bytes": corrupt_bytes,
        "corrupt_records": corrupt_records,
        "truncated_tail": truncated,
        "complete": complete,
        "received_samples": {s: st.n for s, st in live.items()},
        "duplicate_samples": {s: st.n_duplicates + st.n_replayed for s, st in live.items()},
        "counter_resets": {s: st.n_resets for s, st in live.items()},
        "units": "N" if all(st.info.force_lsb_mn for st in live.values()) else "raw",
    }
    xy: dict[str, np.ndarray | None] = {}
    for side, dev in devices.items():
        layout = None
        if dev.get("layout"):
            try:
                layout = SensorLayoutPacket.from_bytes(bytes.fromhex(dev["layout"]))
            except (PacketError, ValueError, TypeError):
                layout = None
        k = streams[side].k
        if layout is not None and len(layout.xy_mm) == k:
            xy[side] = np.asarray(layout.xy_mm, dtype=np.float64)
        else:
            try:
                xy[side] = np.array(get_layout(k).xy_mm)
            except RecordingValidationError:
                xy[side] = None
    readers = {s: st.reader() for s, st in live.items()}
    L = int(chunk_s * fs)
    gap = max(1, int(max_gap_s * fs))
    first_part = True
    try:
        while True:
            firsts = [(r.first(), s) for s, r in readers.items()]
            nxt = [f + shift[s] for f, s in firsts if f is not None]
            if not nxt:
                break
            a = min(nxt)
            b = a + L
            got = np.sort(np.concatenate([readers[s].upto(b - shift[s]) + shift[s] for s in live]))
            big = np.flatnonzero(np.diff(got) > gap)
            if big.size:  # end the part at a long gap (common clock, both feet)
                b = int(got[big[0]]) + 1
            takes = {}
            last = a
            for s, r in readers.items():
                j = int(np.searchsorted(r.upto(b - shift[s]), b - shift[s], side="left"))
                takes[s] = r.take(j)
                if j:
                    last = max(last, int(takes[s][0][-1]) + shift[s])
            n = last - a + 1
            feet: dict[str, FootSignal] = {}
            for s, st in live.items():
                pos, val, imu_a = takes[s]
                rel = pos + shift[s] - a
                vals = np.full((n, st.k), np.nan)
                vals[rel] = val
                if st.info.force_lsb_mn:
                    vals *= st.info.force_lsb_mn * 1e-3
                valid = np.zeros(n, dtype=bool)
                valid[rel] = True
                imu = None
                if imu_a is not None:
                    imu = np.full((n, 6), np.nan)
                    raw = imu_a.astype(np.float64)
                    raw[:, :3] *= st.info.acc_range_g * _G / 32768.0
                    raw[:, 3:] *= st.info.gyro_range_dps / 32768.0
                    imu[rel] = raw
                feet[s] = FootSignal(s, vals, xy.get(s), valid, imu)
            meta = dict(meta_base)
            meta["ingest_notes"] = list(notes) if first_part else []
            first_part = False
            yield (
                a / fs,
                Recording(fs, feet.get("left"), feet.get("right"), str(p), "session", meta),
            )
    finally:
        for r in readers.values():
            r.close()


def _packed_12bit_payloads(payloads: list[bytes]) -> bool:
    for pl in payloads[:16]:
        if len(pl) >= 4 and pl[0] == 1:
            return bool(pl[1] & 0x02)
    return False
