"""Reading a session file whole into a :class:`Recording` (see :mod:`gait.insole._session_file`).

Samples are placed by their device counters on a uniform grid; a damaged device record never
costs a whole foot (its settings are recovered from the packets or the other insole), repeated
records are dropped and lost samples stay NaN. :mod:`gait.insole._session_parts` reads long
files part by part with the same rules.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from gait.exceptions import PacketError, RecordingReadError, RecordingValidationError
from gait.insole._clock import align_starts, build_timeline, find_gaps, sample_indices
from gait.insole._devices import get_decoder
from gait.insole._devices import shoestreet as _ours
from gait.insole._layouts import get_layout
from gait.insole._packets import InsoleInfo, SensorLayoutPacket, Side
from gait.insole._recording import MAX_LOAD_BYTES, FootSignal, Recording, as_side, check_dense
from gait.insole._session_file import (
    _SIDES,
    SESSION_SUFFIX,
    RecordKind,
    SessionRecord,
    SessionWriter,
    iter_session_records,
)

__all__ = [
    "SESSION_SUFFIX",
    "RecordKind",
    "SessionRecord",
    "SessionWriter",
    "iter_session_records",
    "read_session",
]

#: Standard gravity (m/s^2), to turn accelerometer counts into m/s^2.
_G = 9.80665


def scale_imu(raw: np.ndarray, info: InsoleInfo) -> np.ndarray:
    """Raw IMU counts (acc xyz, gyro xyz) -> m/s^2 and deg/s, as float64 (a copy)."""
    scale = np.repeat([info.acc_range_g * _G / 32768.0, info.gyro_range_dps / 32768.0], 3)
    return np.multiply(raw, scale, dtype=np.float64)


def device_xy_mm(device: dict, n_sensors: int) -> tuple[np.ndarray | None, bool]:
    """Sensor positions of a device record: its layout characteristic, else the built-in one.

    Returns
    -------
    xy_mm : (n_sensors, 2) float64 or None
        None when neither the device nor a built-in layout of that size gives positions.
    layout_invalid : bool
        True when the device sent a layout that does not decode.
    """
    layout = None
    invalid = False
    if device.get("layout"):
        try:
            layout = SensorLayoutPacket.from_bytes(bytes.fromhex(device["layout"]))
        except (PacketError, ValueError, TypeError):
            invalid = True
    if layout is not None and len(layout.xy_mm) == n_sensors:
        return np.asarray(layout.xy_mm, dtype=np.float64), invalid
    try:
        return np.array(get_layout(n_sensors).xy_mm), invalid
    except RecordingValidationError:  # no built-in layout of that size: positions unknown
        return None, invalid


def recover_devices(
    devices: dict[str, dict], notifies: dict[str, list[SessionRecord]], notes: list[str]
) -> None:
    """Stand-in device records for feet that sent notifications but whose record is lost.

    ``devices`` is completed in place; what was inferred (or why a foot could not be
    decoded) is appended to ``notes``.
    """
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


def device_info(device: dict) -> InsoleInfo | None:
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
    other_info = device_info(other) if other is not None else None
    side_enum = _SIDES.index(side)
    if (
        other_info is not None
        and other_info.n_sensors == n_sensors
        and other_info.has_imu == has_imu
        and other is not None
        and other.get("decoder", _ours.NAME) == _ours.NAME
    ):
        info = replace(other_info, side=Side(side_enum), serial=0)
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
        info = InsoleInfo(Side(side_enum), 0, n_sensors, fs, has_imu=has_imu)
    except PacketError as err:
        return None, str(err)
    dev = {"address": None, "decoder": _ours.NAME, "info": bytes(info).hex(), "layout": None}
    return (
        dev,
        f"inferred from its packets ({n_sensors} cells, {fs:g} Hz from the device clock; forces uncalibrated)",
    )


def int_columns(cols: np.ndarray, more: np.ndarray | None = None) -> np.ndarray:
    """``cols`` (n, k) as int64, transposed to (k, n) so that each column is contiguous.

    Transposed in blocks of rows (cache-friendly; the values are those of ``astype``).
    ``more`` (n, k2) adds its columns after those of ``cols`` (the columns of
    ``np.concatenate([cols, more], axis=1)``, without building it).
    """
    k = cols.shape[1]
    out = np.empty((k + (0 if more is None else more.shape[1]), cols.shape[0]), np.int64)
    for i in range(0, cols.shape[0], 4096):
        out[:k, i : i + 4096] = cols[i : i + 4096].T
        if more is not None:
            out[k:, i : i + 4096] = more[i : i + 4096].T
    return out


def fnv_rows(h: np.ndarray, cols_int: np.ndarray) -> np.ndarray:
    """Fold the columns of ``cols_int`` (k, n) into the row hashes ``h`` (n,) uint64, in place."""
    prime = np.uint64(1099511628211)
    with np.errstate(over="ignore"):
        for j in range(cols_int.shape[0]):
            h *= prime
            h ^= cols_int[j].view(np.uint64)
    return h


def repeated_samples(
    seqs: np.ndarray,
    t_us: np.ndarray,
    values: np.ndarray,
    imu: np.ndarray | None,
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
    ks = np.sort(key)
    if not (ks[1:] == ks[:-1]).any():
        return drop  # no counter and timestamp twice: nothing repeats
    cols = values if imu is None else np.concatenate([values, imu], axis=1)
    h = fnv_rows(np.zeros(n, dtype=np.uint64), int_columns(cols))
    order = np.lexsort((np.arange(n), h, key))
    same = (key[order][1:] == key[order][:-1]) & (h[order][1:] == h[order][:-1])
    if not same.any():
        return drop
    a, b = order[:-1][same], order[1:][same]
    exact = np.all(cols[a] == cols[b], axis=1)
    drop[b[exact]] = True
    return drop


def full_scale(payloads: list[bytes] | np.ndarray) -> float:
    """Full-scale raw value: 4095 when the first decodable notification packs 12-bit values."""
    for pl in payloads[:16]:
        if len(pl) >= 4 and pl[0] == 1:
            return 4095.0 if pl[1] & 0x02 else 65535.0
    return 65535.0


def _decode_other(
    decoder_name: str, notifies: list[SessionRecord], info: InsoleInfo, host_all: np.ndarray
) -> dict[str, Any]:
    """Decode notifications with a registered (non-vectorised) decoder, sample by sample."""
    decode = get_decoder(decoder_name)
    rows: list[tuple] = []
    malformed = wrong_shape = 0
    seq_bits, t_bits = 16, 32
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
    return {
        "seq": np.array([r[0] for r in rows], dtype=np.int64),
        "t_us": np.array([r[1] for r in rows], dtype=np.int64),
        "host": np.array([r[2] for r in rows], dtype=np.float64),
        "values": np.array([r[3] for r in rows], dtype=np.float64).reshape(-1, info.n_sensors),
        "imu": np.array([r[4] for r in rows], dtype=np.float64) if info.has_imu else None,
        "malformed": malformed,
        "wrong_shape": wrong_shape,
        "seq_bits": seq_bits,
        "t_bits": t_bits,
    }


def _decode_foot(device: dict, notifies: list[SessionRecord], info: InsoleInfo) -> dict[str, Any]:
    """Raw samples of one foot (counter, device time, arrival time, values, IMU)."""
    decoder_name = device.get("decoder", _ours.NAME)
    host_all = np.array([r.host_ns for r in notifies], dtype=np.float64) * 1e-9
    if decoder_name != _ours.NAME:
        return _decode_other(decoder_name, notifies, info, host_all)
    bulk = _ours.decode_many([r.payload for r in notifies], info.n_sensors, info.has_imu)
    return {
        "seq": bulk.seq,
        "t_us": bulk.t_device_us,
        "host": host_all[bulk.record],
        "values": bulk.values,
        "imu": bulk.imu,
        "malformed": bulk.n_malformed,
        "wrong_shape": bulk.n_wrong_shape,
        "seq_bits": 16,
        "t_bits": 32,
    }


def _drop_repeats(raw: dict[str, Any]) -> int:
    """Remove samples that repeat an earlier one from ``raw`` (in place); their number."""
    repeated = repeated_samples(raw["seq"], raw["t_us"], raw["values"], raw["imu"])
    n_repeated = int(repeated.sum())
    if n_repeated:
        keep = ~repeated
        for key in ("seq", "t_us", "host", "values", "imu"):
            if raw[key] is not None:
                raw[key] = raw[key][keep]
    return n_repeated


def _foot_from_records(
    side: str, device: dict, notifies: list[SessionRecord], meta: dict
) -> tuple[dict, float] | None:
    """Decode one foot's notifications and place them on its grid."""
    info = device_info(device)
    if info is None:
        raise RecordingReadError(f"{side} insole info in the session is invalid")
    xy, layout_invalid = device_xy_mm(device, info.n_sensors)
    if layout_invalid:
        meta["ingest_notes"].append(
            f"the {side} insole's sensor layout is invalid: built-in positions used"
        )
    fs = info.sampling_rate_hz
    raw = _decode_foot(device, notifies, info)
    meta["malformed_packets"][side] = raw["malformed"]
    meta["wrong_shape_samples"][side] = raw["wrong_shape"]
    meta["devices"][side] = {
        "address": device.get("address"),
        "serial": info.serial,
        "layout_id": info.layout_id,
        "n_sensors": info.n_sensors,
        "sampling_rate_hz": fs,
    }
    if raw["seq"].size == 0:
        meta["received_samples"][side] = 0
        return None
    n_repeated = _drop_repeats(raw)
    fsc = full_scale([r.payload for r in notifies[:16]]) if info.n_sensors else 65535.0
    meta["saturated_samples"][side] = int(np.count_nonzero((raw["values"] >= fsc).any(axis=1)))
    t_bits = raw["t_bits"]
    index, segment = sample_indices(
        raw["seq"], raw["seq_bits"], fs, t_device_us=raw["t_us"] if t_bits else None,
        t_bits=t_bits, host_s=raw["host"],
    )  # fmt: skip
    tl = build_timeline(index, segment, raw["host"], fs)
    check_dense(tl.n_grid, info.n_sensors + (6 if info.has_imu else 0), fs, f"{side} insole")
    keep = tl.position >= 0
    vals = np.full((tl.n_grid, info.n_sensors), np.nan)
    vals[tl.position[keep]] = raw["values"][keep]
    if info.force_lsb_mn:
        vals *= info.force_lsb_mn * 1e-3
    imu = None
    if info.has_imu and raw["imu"] is not None:
        imu = np.full((tl.n_grid, 6), np.nan)
        imu[tl.position[keep]] = scale_imu(raw["imu"][keep], info)
    valid = np.zeros(tl.n_grid, dtype=bool)
    valid[tl.position[keep]] = True
    meta["received_samples"][side] = int(keep.sum())
    meta["duplicate_samples"][side] = tl.n_duplicates + n_repeated
    meta["counter_resets"][side] = tl.n_segments - 1
    out = {"values": vals, "valid": valid, "imu": imu, "xy": xy, "fs": fs}
    out["host_per_device"] = tl.host_per_device
    out["start_rate"] = tl.start_rate
    return out, tl.t0_host_s


def _group_records(
    p: Path, records: list[SessionRecord], integrity: dict
) -> tuple[dict[str, dict], dict[str, list[SessionRecord]], list[dict]]:
    """Device records (first per side), notifications per side and link events."""
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
    return devices, notifies, events


def _sample_notes(meta: dict[str, Any], notes: list[str]) -> None:
    """Notes on saturated and repeated samples."""
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


def _check_size(p: Path) -> None:
    try:
        size = p.stat().st_size
    except OSError:
        size = 0
    if size > MAX_LOAD_BYTES:
        raise RecordingReadError(
            f"{p}: {size / 2**20:.0f} MiB is too large to load at once: analyse it part by part "
            "with gait.analyze_file (the gait analyze command does)"
        )


def _common_grid(
    feet: dict[str, dict], shift: dict[str, int], fs: float, meta: dict[str, Any], source: str
) -> tuple[dict[str, FootSignal], list[dict]]:
    """The feet on one grid (``shift`` samples each) and the gaps of each foot."""
    n_total = max(shift[s] + f["values"].shape[0] for s, f in feet.items())
    check_dense(n_total, sum(f["values"].shape[1] + 6 for f in feet.values()), fs, source)
    signals = {}
    gaps = []
    for side, f in feet.items():
        a = shift[side]
        vals = np.full((n_total, f["values"].shape[1]), np.nan)
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
        signals[side] = FootSignal(as_side(side), vals, f["xy"], valid, imu)
    return signals, gaps


def _drop_invalid_devices(devices: dict[str, dict], notes: list[str]) -> None:
    for side in _SIDES:
        dev = devices.get(side)
        if dev is not None and device_info(dev) is None:
            devices.pop(side)
            notes.append(f"the {side} insole's device record is invalid")


def _new_meta(header: dict, integrity: dict, notes: list[str]) -> dict[str, Any]:
    return {
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
    _check_size(p)
    header, records, integrity = iter_session_records(p)
    devices, notifies, events = _group_records(p, records, integrity)
    notes: list[str] = []
    if integrity["corrupt_records"]:
        notes.append(
            f"{integrity['corrupt_records']} damaged record(s) ({integrity['corrupt_bytes']} bytes) "
            "failed their checksum and were skipped"
        )
    # A damaged or unreadable device record never costs a whole foot: its notifications carry
    # their own shape, and the other insole (same model) or the device clock give the rest.
    _drop_invalid_devices(devices, notes)
    recover_devices(devices, notifies, notes)
    if not devices:
        raise RecordingReadError(f"{p}: the session has no insole (no device record)")
    meta = _new_meta(header, integrity, notes)
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
    _sample_notes(meta, notes)
    if not feet:
        raise RecordingReadError(f"{p}: the session holds no valid pressure sample")
    rates = {f["fs"] for f in feet.values()}
    if len(rates) != 1:
        raise RecordingReadError(f"{p}: the insoles use different sampling rates {sorted(rates)}")
    fs = rates.pop()
    # Host time differences between the feet's first samples become device time at the
    # rate the starts were anchored with (1 for real insoles).
    rate = float(np.mean([f["start_rate"] for f in feet.values()]))
    signals, gaps = _common_grid(feet, align_starts(t0, fs, rate), fs, meta, str(p))
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
