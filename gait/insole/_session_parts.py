"""Reading a session file part by part, in memory bounded by one part (see ``read_session``).

Each foot's notifications are decoded in batches, de-duplicated (repeats, and replays of
earlier data recognised by sparse fingerprints), placed on the foot's grid by the device
clock and spilled to temporary files; parts are then cut on the common clock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gait.exceptions import RecordingReadError
from gait.insole._clock import align_starts
from gait.insole._devices import shoestreet as _ours
from gait.insole._foot_stream import _FootStream
from gait.insole._recording import FootSignal, Recording, as_side
from gait.insole._session import (
    device_info,
    device_xy_mm,
    full_scale,
    read_session,
    recover_devices,
    scale_imu,
)
from gait.insole._session_file import (
    _CRC,
    _FILE_HEADER,
    _MAGIC,
    _NO_SIDE,
    _SIDES,
    RecordKind,
    SessionRecord,
    _read_header,
)
from gait.insole._session_scan import scan_batches

__all__ = ["iter_session_parts"]


#: Notifications decoded at once by the streaming reader.
_BATCH_NOTIFICATIONS = 8192
#: Bytes read at once while looking for the device records.
_DEVICE_WINDOW = 1 << 16


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
                as_side(s),
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


def _read_devices(p: Path, fh: Any, start: int, notes: list[str]) -> dict[str, dict]:
    """Pass 1: the device records (normally at the start; a lost one is recovered from packets)."""
    devices: dict[str, dict] = {}
    sample: dict[str, list[SessionRecord]] = {"left": [], "right": []}
    n_read = 0
    # Small windows: the device records come first, and the scan stops at them.
    for rb in scan_batches(fh, start, _DEVICE_WINDOW):
        pays = rb.payload_list()
        for kind, side_b, host_ns, payload in zip(
            rb.kind.tolist(), rb.side.tolist(), rb.host_ns.tolist(), pays, strict=True
        ):
            n_read += len(payload)
            if kind == RecordKind.DEVICE and side_b != _NO_SIDE:
                side = _SIDES[side_b]
                if side not in devices:
                    try:
                        dev = json.loads(payload.decode("utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError):
                        continue
                    if device_info(dev) is not None:
                        devices[side] = dev
                    else:
                        notes.append(f"the {side} insole's device record is invalid")
            elif kind == RecordKind.NOTIFY and side_b != _NO_SIDE:
                side = _SIDES[side_b]
                if len(sample[side]) < 2000:
                    sample[side].append(SessionRecord(RecordKind.NOTIFY, side, host_ns, payload))
            if len(devices) == 2 or (n_read > 64 << 20 and devices):
                break
        else:
            continue
        break
    recover_devices(devices, sample, notes)
    if not devices:
        raise RecordingReadError(f"{p}: the session has no insole (no device record)")
    return devices


class _Pending:
    """One foot's notifications waiting to be pushed: tables of equal-size payloads, or bytes."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray | list[bytes]] = []
        self.hosts: list[np.ndarray] = []
        self.n = 0

    def add(self, payloads: np.ndarray | list[bytes], host_ns: np.ndarray) -> None:
        if isinstance(payloads, list) and payloads and len(set(map(len, payloads))) == 1:
            # Equal sizes (notifications of a window that also held other records): a table.
            w = len(payloads[0])
            payloads = np.frombuffer(b"".join(payloads), np.uint8).reshape(len(payloads), w)
        self.parts.append(payloads)
        self.hosts.append(host_ns)
        self.n += len(payloads)

    def pop(self, m: int) -> tuple[np.ndarray | list[bytes], np.ndarray]:
        """The first ``m`` notifications (a table when they all have the same size)."""
        host = np.concatenate(self.hosts)
        tables = [p for p in self.parts if isinstance(p, np.ndarray)]
        if len(tables) == len(self.parts) and len({t.shape[1] for t in tables}) == 1:
            allp: np.ndarray | list[bytes] = (
                np.concatenate(tables) if len(tables) > 1 else tables[0]
            )
        else:
            allp = []
            for p in self.parts:
                allp.extend([r.tobytes() for r in p] if isinstance(p, np.ndarray) else p)
        out, rest = allp[:m], allp[m:]
        self.parts, self.hosts, self.n = [rest], [host[m:]], len(rest)
        if not len(rest):
            self.parts, self.hosts = [], []
        return out, host[:m]


def _stream_notifications(fh: Any, start: int, streams: dict[str, _FootStream]) -> dict[str, Any]:
    """Pass 2: every notification, batch by batch per foot; the file's integrity counts.

    Records come a window at a time (:func:`scan_batches`); each foot's notifications are
    pushed in batches of exactly :data:`_BATCH_NOTIFICATIONS`, in file order, as when they
    were read one by one.
    """
    pending = {s: _Pending() for s in streams}
    fsc: dict[str, float] = {}
    out = {"corrupt_bytes": 0, "corrupt_records": 0, "truncated_tail": False, "complete": False}
    notify, end_kind = int(RecordKind.NOTIFY), int(RecordKind.END)
    sides = [(b, sd) for b, sd in enumerate(_SIDES) if sd in streams]
    for rb in scan_batches(fh, start):
        kind = rb.kind
        trunc = np.flatnonzero(kind == -1)
        stop = int(trunc[0]) if trunc.size else kind.size
        sk = rb.skipped[: stop + 1 if trunc.size else stop]
        out["corrupt_bytes"] += int(sk.sum())
        out["corrupt_records"] += int(np.count_nonzero(sk))
        kind = kind[:stop]
        if np.any(kind == end_kind):
            out["complete"] = True
        for side_b, side in sides:
            rows = np.flatnonzero((kind == notify) & (rb.side[:stop] == side_b))
            if not rows.size:
                continue
            pays = rb.payloads
            pd = pending[side]
            if isinstance(pays, np.ndarray):
                pd.add(pays[rows], rb.host_ns[rows])
            else:
                pd.add([pays[i] for i in rows], rb.host_ns[rows])
            while pd.n >= _BATCH_NOTIFICATIONS:
                push, host = pd.pop(_BATCH_NOTIFICATIONS)
                fsc.setdefault(side, full_scale(push))
                streams[side].push(push, host * 1e-9, fsc[side])
        if trunc.size:
            out["truncated_tail"] = True
            break
    for side, st in streams.items():
        pd = pending[side]
        if pd.n:
            push, host = pd.pop(pd.n)
            st.push(push, host * 1e-9, fsc.get(side, full_scale(push)))
        st.close()
    return out


def _stream_notes(live: dict[str, _FootStream], notes: list[str]) -> None:
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


def _part_foot(
    side: str,
    st: _FootStream,
    took: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    rel: np.ndarray,
    n: int,
    xy: np.ndarray | None,
) -> FootSignal:
    """One foot of a part: the taken samples at their places on a grid of ``n``."""
    _, val, imu_a = took
    whole = rel.size == n and np.array_equal(rel, np.arange(n))  # every position filled
    lsb_mn = st.info.force_lsb_mn
    if whole:  # converted and scaled in one pass (the same values as in two)
        vals = (
            np.multiply(val, lsb_mn * 1e-3, dtype=np.float64) if lsb_mn else val.astype(np.float64)
        )
        valid = np.ones(n, dtype=bool)
    else:
        vals = np.full((n, st.k), np.nan)
        vals[rel] = val
        valid = np.zeros(n, dtype=bool)
        valid[rel] = True
        if lsb_mn:
            vals *= lsb_mn * 1e-3
    imu = None
    if imu_a is not None:
        if whole:
            imu = scale_imu(imu_a, st.info)
        else:
            imu = np.full((n, 6), np.nan)
            imu[rel] = scale_imu(imu_a, st.info)
    return FootSignal(as_side(side), vals, xy, valid, imu)


def _cut_parts(
    live: dict[str, _FootStream],
    shift: dict[str, int],
    xy: dict[str, np.ndarray | None],
    fs: float,
    chunk_s: float,
    max_gap_s: float,
) -> Iterator[tuple[int, dict[str, FootSignal]]]:
    """Parts on the common clock: (first grid position, feet), ended at a long gap."""
    readers = {s: st.reader() for s, st in live.items()}
    length = int(chunk_s * fs)
    gap = max(1, int(max_gap_s * fs))
    try:
        while True:
            nxt = [f + shift[s] for s, r in readers.items() if (f := r.first()) is not None]
            if not nxt:
                break
            a = min(nxt)
            b = a + length
            # Each foot's positions are sorted: a stable sort (a merge of runs) is quick.
            got = np.concatenate([readers[s].upto(b - shift[s]) + shift[s] for s in live])
            got = np.sort(got, kind="stable")
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
            feet = {
                s: _part_foot(s, st, takes[s], takes[s][0] + shift[s] - a, n, xy.get(s))
                for s, st in live.items()
            }
            yield a, feet
    finally:
        for r in readers.values():
            r.close()


def _session_parts(
    p: Path, fh: Any, tmp: Path, chunk_s: float, max_gap_s: float
) -> Iterator[tuple[float, Recording]]:
    head = fh.read(_FILE_HEADER.size)
    if len(head) == _FILE_HEADER.size and head[:8] == _MAGIC:
        head += fh.read(_FILE_HEADER.unpack(head)[2] + _CRC.size)
    header, start = _read_header(head, p)
    notes: list[str] = []
    devices = _read_devices(p, fh, start, notes)
    streams: dict[str, _FootStream] = {}
    for side, dev in devices.items():
        info = device_info(dev)
        if dev.get("decoder", _ours.NAME) != _ours.NAME or info is None:
            raise _OtherDecoderError(dev.get("decoder"))
        streams[side] = _FootStream(side, info, tmp)
    integrity = _stream_notifications(fh, start, streams)
    if integrity["corrupt_records"]:
        notes.append(
            f"{integrity['corrupt_records']} damaged record(s) ({integrity['corrupt_bytes']} "
            "bytes) failed their checksum and were skipped"
        )
    live = {s: st for s, st in streams.items() if st.n}
    if not live:
        raise RecordingReadError(f"{p}: the session holds no valid pressure sample")
    rates = {st.fs for st in live.values()}
    if len(rates) != 1:
        raise RecordingReadError(f"{p}: the insoles use different sampling rates {sorted(rates)}")
    fs = rates.pop()
    _stream_notes(live, notes)
    rate = float(np.mean([st.start_rate for st in live.values()]))
    shift = align_starts({s: st.t0_host for s, st in live.items()}, fs, rate)
    meta_base: dict[str, Any] = {
        "header": header,
        **integrity,
        "received_samples": {s: st.n for s, st in live.items()},
        "duplicate_samples": {s: st.n_duplicates + st.n_replayed for s, st in live.items()},
        "counter_resets": {s: st.n_resets for s, st in live.items()},
        "units": "N" if all(st.info.force_lsb_mn for st in live.values()) else "raw",
    }
    xy = {side: device_xy_mm(dev, streams[side].k)[0] for side, dev in devices.items()}
    first_part = True
    for a, feet in _cut_parts(live, shift, xy, fs, chunk_s, max_gap_s):
        meta = dict(meta_base)
        meta["ingest_notes"] = list(notes) if first_part else []
        first_part = False
        yield a / fs, Recording(fs, feet.get("left"), feet.get("right"), str(p), "session", meta)
