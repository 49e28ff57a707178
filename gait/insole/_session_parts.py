"""Reading a session file part by part, in memory bounded by one part (see ``read_session``).

Each foot's notifications are decoded in batches, de-duplicated (repeats, and replays of
earlier data recognised by sparse fingerprints), placed on the foot's grid by the device
clock and spilled to temporary files; parts are then cut on the common clock.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gait.exceptions import RecordingReadError
from gait.insole._clock import align_starts, host_clock_fit, sample_indices, start_anchor
from gait.insole._devices import shoestreet as _ours
from gait.insole._packets import InsoleInfo
from gait.insole._recording import FootSignal, Recording, as_side
from gait.insole._session import (
    device_info,
    device_xy_mm,
    full_scale,
    read_session,
    recover_devices,
    repeated_samples,
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
    scan_records,
)

__all__ = ["iter_session_parts"]


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
        """Decode one batch of notifications, place its samples and spill them."""
        bulk = _ours.decode_many(payloads, self.k, self.imu)
        self.n_malformed += bulk.n_malformed
        self.n_wrong_shape += bulk.n_wrong_shape
        if bulk.seq.size == 0:
            return
        b = self._dedupe(bulk.seq, bulk.t_device_us, bulk.values, bulk.imu, host_s[bulk.record])
        if b is None:
            return
        seqs, t_us, vals, imu, host, h = b
        self.n_saturated += int(np.count_nonzero((vals >= full_scale).any(axis=1)))
        idx, seg, base = self._indices(seqs, t_us, host)
        pos = self._positions(idx, seg, base, h, host)
        ok = pos >= 0
        # Samples older than what earlier batches wrote cannot be inserted any more (rare:
        # reordering across a batch boundary); inside the batch, samples are put in order.
        late = ok & (pos <= self.max_written)
        self.n_late += int(late.sum())
        ok &= ~late
        if not ok.any():
            return
        arrival = np.flatnonzero(ok)
        self._spill(arrival, pos, seg, h, vals, imu)
        # The next batch continues from the last sample that arrived (counter continuity).
        j = int(arrival[-1])
        self.last = (int(seqs[j]), int(t_us[j]), float(host[j]))
        self.carry_pos = int(pos[j])

    def _dedupe(
        self,
        seqs: np.ndarray,
        t_us: np.ndarray,
        vals: np.ndarray,
        imu: np.ndarray | None,
        host: np.ndarray,
    ) -> (
        tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray, np.ndarray] | None
    ):
        """Drop repeats inside the batch or of the last samples of the previous batch."""
        cols = vals if imu is None else np.concatenate([vals, imu], axis=1)
        h = _row_hash(seqs, t_us, cols)
        drop = repeated_samples(seqs, t_us, vals, imu)
        if self.recent_key.size:
            drop |= np.isin(h, self.recent_key)
        self.n_duplicates += int(drop.sum())
        keep = ~drop
        if not keep.any():
            return None
        self.recent_key = np.r_[self.recent_key, h[keep]][-_RECENT:]
        return (
            seqs[keep], t_us[keep], vals[keep], None if imu is None else imu[keep], host[keep],
            h[keep],
        )  # fmt: skip

    def _indices(
        self, seqs: np.ndarray, t_us: np.ndarray, host: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Unwrapped sample indices and counter segments, continuing the previous batch."""
        if self.last is not None:
            s0, t0u, h0 = self.last
            idx, seg = sample_indices(
                np.r_[s0, seqs], 16, self.fs, t_device_us=np.r_[t0u, t_us], t_bits=32,
                host_s=np.r_[h0, host],
            )  # fmt: skip
            return idx[1:], seg[1:], self.carry_pos
        idx, seg = sample_indices(seqs, 16, self.fs, t_device_us=t_us, t_bits=32, host_s=host)
        first = idx[seg == 0]
        win = (first - first.min()) <= 0.5 * self.fs
        self.t0_host, self.start_rate = start_anchor(first[win], host[seg == 0][win], self.fs)
        self.t0_host += self.start_rate * first.min() / self.fs
        return idx, seg, -int(first.min())

    def _positions(
        self, idx: np.ndarray, seg: np.ndarray, base: int, h: np.ndarray, host: np.ndarray
    ) -> np.ndarray:
        """Grid positions of the batch's samples (-1: dropped as a replay)."""
        pos = np.full(idx.size, -1, dtype=np.int64)
        for k in range(int(seg.max()) + 1):
            sel = np.flatnonzero(seg == k)
            if sel.size == 0:
                continue
            i = idx[sel]
            if k == 0 and self.replay_offset is None:
                p: np.ndarray | None = base + i
            elif k == 0 or self._new_segment(h[sel], i):
                p = self._replay(sel, i, h, pos)
            else:
                rate, off = host_clock_fit(i, host[sel], self.fs)
                i_min = int(i.min())
                start = max(
                    self.grid_end,
                    round((off + rate * i_min / self.fs - self.t0_host) / rate * self.fs),
                )
                p = start + (i - i_min)
            if p is None:
                continue
            pos[sel] = p
            self.grid_end = max(self.grid_end, int(p.max()) + 1)
        return pos

    def _new_segment(self, hs: np.ndarray, i: np.ndarray) -> bool:
        """A counter reset: True when it starts by replaying data seen before."""
        self.n_resets += 1
        self.replay_offset = None
        return self._replay_start(hs, i) is not None

    def _spill(
        self,
        arrival: np.ndarray,
        pos: np.ndarray,
        seg: np.ndarray,
        h: np.ndarray,
        vals: np.ndarray,
        imu: np.ndarray | None,
    ) -> None:
        """Write the placed samples in grid order; keep sparse fingerprints."""
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
        assert fp is not None and fv is not None  # positions and values are always spilled
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
    for kind, side_b, host_ns, payload, _ in scan_records(fh, start):
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
    recover_devices(devices, sample, notes)
    if not devices:
        raise RecordingReadError(f"{p}: the session has no insole (no device record)")
    return devices


def _stream_notifications(fh: Any, start: int, streams: dict[str, _FootStream]) -> dict[str, Any]:
    """Pass 2: every notification, batch by batch per foot; the file's integrity counts."""
    pending: dict[str, list[bytes]] = {s: [] for s in streams}
    hosts: dict[str, list[int]] = {s: [] for s in streams}
    fsc: dict[str, float] = {}
    out = {"corrupt_bytes": 0, "corrupt_records": 0, "truncated_tail": False, "complete": False}
    notify, end_kind = int(RecordKind.NOTIFY), int(RecordKind.END)
    # side byte -> (payloads, host times) of a streamed foot; the lists are swapped per batch.
    lists = {b: (pending[sd], hosts[sd]) for b, sd in enumerate(_SIDES) if sd in streams}
    for kind, side_b, host_ns, payload, skipped in scan_records(fh, start):
        if skipped:
            out["corrupt_bytes"] += skipped
            out["corrupt_records"] += 1
        if kind != notify:
            if kind == -1:
                out["truncated_tail"] = True
                break
            if kind == end_kind:
                out["complete"] = True
            continue
        pair = lists.get(side_b)
        if pair is None:
            continue
        pl, hl = pair
        pl.append(payload)
        hl.append(host_ns)
        if len(pl) >= _BATCH_NOTIFICATIONS:
            side = _SIDES[side_b]
            fsc.setdefault(side, full_scale(pl))
            streams[side].push(pl, np.array(hl, np.float64) * 1e-9, fsc[side])
            pending[side], hosts[side] = [], []
            lists[side_b] = (pending[side], hosts[side])
    for side, st in streams.items():
        if pending[side]:
            scale = fsc.get(side, full_scale(pending[side]))
            st.push(pending[side], np.array(hosts[side], np.float64) * 1e-9, scale)
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
    vals = np.full((n, st.k), np.nan)
    vals[rel] = val
    if st.info.force_lsb_mn:
        vals *= st.info.force_lsb_mn * 1e-3
    valid = np.zeros(n, dtype=bool)
    valid[rel] = True
    imu = None
    if imu_a is not None:
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
