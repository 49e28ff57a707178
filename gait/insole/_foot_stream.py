"""One foot of a session file streamed batch by batch (used by ``_session_parts``).

A :class:`_FootStream` decodes a foot's notifications, drops repeats and replays of earlier
data (recognised by sparse fingerprints), places the samples on the foot's grid by the device
clock and spills them to a temporary file; a :class:`_SpillReader` reads them back in order.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from gait.insole._clock import host_clock_fit, sample_indices, start_anchor
from gait.insole._devices import shoestreet as _ours
from gait.insole._packets import InsoleInfo
from gait.insole._session import fnv_rows, int_columns, repeated_samples

try:
    from gait.insole import _rowhash
except ImportError:  # pragma: no cover - built by setup.py wherever a C compiler is present
    _rowhash = None  # type: ignore[assignment]

__all__ = ["_FootStream", "_SpillReader", "in_recent"]

#: Recent samples remembered to drop repeats that straddle two batches.
_RECENT = 4096
#: Every this many grid positions a sample's fingerprint is kept to recognise replayed data.
_FINGERPRINT_EVERY = 256
#: Spilled as the decoder's own integers (cells: 12- or 16-bit counts, IMU: signed 16-bit
#: counts), exact, at half the bytes of float32: 2-hour session, spill writes 0.08-0.18 ->
#: 0.02-0.03 s (cProfile, three runs each).
_VAL_DTYPE = np.uint16
_IMU_DTYPE = np.int16


def _row_hash(
    seqs: np.ndarray, t_us: np.ndarray, vals: np.ndarray, imu: np.ndarray | None
) -> np.ndarray:
    """A 64-bit fingerprint of each sample: counter, timestamp, then every value and IMU count
    (:func:`fnv_rows` over :func:`int_columns`; in one pass by ``_rowhash.c`` when built, the
    same bits)."""
    h = (seqs.astype(np.uint64) & np.uint64(0xFFFF)) | (
        (t_us.astype(np.uint64) & np.uint64(0xFFFFFFFF)) << np.uint64(16)
    )
    if _rowhash is None:
        return fnv_rows(h, int_columns(vals, imu))
    tables = (vals,) if imu is None else (vals, imu)
    _rowhash.fold(h, tuple(np.ascontiguousarray(t, dtype=np.float64) for t in tables))
    return h


def in_recent(h: np.ndarray, recent: np.ndarray) -> np.ndarray:
    """``np.isin(h, recent)`` for a large batch ``h`` and few ``recent`` hashes, faster.

    First which recent hashes occur in the batch at all (searched in the sorted batch), then
    membership in those only (usually none).
    """
    out = np.zeros(h.size, dtype=bool)
    if h.size == 0 or recent.size == 0:
        return out
    hs = np.sort(h)
    at = np.minimum(np.searchsorted(hs, recent), hs.size - 1)
    seen = recent[hs[at] == recent]
    if seen.size:
        out = np.isin(h, seen)
    return out


class _FootStream:
    """One foot's samples placed on its grid batch by batch, spilled to temporary files.

    Memory holds one batch, the last :data:`_RECENT` samples and sparse fingerprints; the
    placed samples (grid position, cell counts, IMU counts) go to ``tmpdir``.
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

    def push(
        self, payloads: list[bytes] | np.ndarray, host_s: np.ndarray, full_scale: float
    ) -> None:
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
        if vals.size and vals.max() >= full_scale:  # rows with a cell at full scale (rare)
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
        h = _row_hash(seqs, t_us, vals, imu)
        drop = repeated_samples(seqs, t_us, vals, imu)
        if self.recent_key.size:
            drop |= in_recent(h, self.recent_key)
        self.n_duplicates += int(drop.sum())
        keep = ~drop
        if not keep.any():
            return None
        if not drop.any():
            self.recent_key = np.r_[self.recent_key, h][-_RECENT:]
            return seqs, t_us, vals, imu, host, h
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
        at = pos[arrival]
        in_order = bool((at[1:] > at[:-1]).all())
        if in_order:  # the usual case: arrived in grid order, none twice
            order = arrival
        else:
            order = arrival[np.argsort(at, kind="stable")]
            same = np.r_[False, pos[order][1:] == pos[order][:-1]]
            self.n_duplicates += int(same.sum())
            order = order[~same]
        every = in_order and order.size == pos.size  # every sample, in arrival order
        p = pos if every else pos[order]
        starts = np.r_[True, seg[1:] != seg[:-1]]
        for j in order[(p % _FINGERPRINT_EVERY == 0) | starts[order]]:
            self.fp_by_hash.setdefault(int(h[j]), int(pos[j]))
            self.fp_by_pos.setdefault(int(pos[j]), int(h[j]))
        self._pos_f.write(p.tobytes())
        self._val_f.write((vals if every else vals[order]).astype(_VAL_DTYPE).tobytes())
        if self._imu_f is not None and imu is not None:
            self._imu_f.write((imu if every else imu[order]).astype(_IMU_DTYPE).tobytes())
        self.n += int(order.size)
        self.max_written = int(p[-1])

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
        self.val = np.zeros((0, self.k), _VAL_DTYPE)
        self.imu: np.ndarray | None = np.zeros((0, 6), _IMU_DTYPE) if st.imu else None

    def _more(self) -> bool:
        m = min(self._BLOCK, self.left)
        if m == 0:
            return False
        fp, fv, fi = self._f
        assert fp is not None and fv is not None  # positions and values are always spilled
        pos = np.fromfile(fp, np.int64, m)
        val = np.fromfile(fv, _VAL_DTYPE, m * self.k).reshape(m, self.k)
        imu = np.fromfile(fi, _IMU_DTYPE, m * 6).reshape(m, 6) if fi is not None else None
        if self.pos.size:  # samples left from the previous block come first
            pos = np.concatenate([self.pos, pos])
            val = np.concatenate([self.val, val])
            if imu is not None and self.imu is not None:
                imu = np.concatenate([self.imu, imu])
        self.pos, self.val = pos, val
        if imu is not None:
            self.imu = imu
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
