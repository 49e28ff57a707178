"""Device clocks: counter unwrapping, loss, resets and left/right alignment (pure functions).

Time comes from the device: a sample's position on the timeline is its unwrapped sample
counter divided by the nominal rate. Host arrival times are used only where the device
cannot help: to disambiguate a counter across gaps longer than half its range when the device
sends no timestamp, to place a segment after a device reset, and to align the two feet (each
insole has its own clock). Arrival time is a noisy upper bound of the true sample time
(latency is always positive and BLE delivers in bursts), so offsets are estimated from the
lower envelope ``min(host - device)``, which converges to the smallest link latency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "unwrap_counter",
    "sample_indices",
    "Timeline",
    "build_timeline",
    "find_gaps",
    "host_clock_fit",
    "start_anchor",
    "align_starts",
    "CounterTracker",
]

#: A device timestamp that goes back by more than this is a reboot, not reordering.
_RESET_BACKSTEP_S = 1.0
#: Counter and device clock may disagree by this many samples (jitter of the timestamp)...
_DEVICE_TOLERANCE_SAMPLES = 3.0
#: ...plus this share of the step (the real sample rate may be off nominal by up to 2 %).
_RATE_TOLERANCE = 0.02
#: Against host arrival times the disagreement may also include BLE latency bursts.
_HOST_TOLERANCE_S = 0.5


def _tolerance(expected, sampling_rate_hz: float, device_clock: bool):
    base = _DEVICE_TOLERANCE_SAMPLES if device_clock else _HOST_TOLERANCE_S * sampling_rate_hz
    return base + _RATE_TOLERANCE * np.abs(expected)


def unwrap_counter(raw: ArrayLike, bits: int) -> NDArray[np.int64]:
    """Unwrap a wrapping counter into a monotonic-ish int64 sequence.

    Consecutive values are assumed to differ by less than half the range; a step backwards of
    less than half the range stays a step backwards (reordering), it is not read as a wrap.

    Parameters
    ----------
    raw : (n,) int
        Counter values in ``[0, 2**bits)``, in arrival order.
    bits : int
        Counter width.

    Returns
    -------
    (n,) int64
        ``raw[0]`` plus the cumulative signed steps.
    """
    r = np.asarray(raw, dtype=np.int64)
    if r.size == 0:
        return r.copy()
    m = np.int64(1) << bits
    d = np.diff(r) % m
    d[d >= m // 2] -= m
    return np.concatenate([r[:1], r[0] + np.cumsum(d)])


def sample_indices(
    seq: ArrayLike,
    seq_bits: int,
    sampling_rate_hz: float,
    t_device_us: ArrayLike | None = None,
    t_bits: int = 0,
    host_s: ArrayLike | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Unwrapped sample indices and reset segments from raw counters.

    The counter step between consecutive arrivals is chosen as the value congruent to the raw
    counter difference (mod ``2**seq_bits``) that is nearest to the step the clock predicts
    (device clock if present, else host arrival time), so gaps longer than half the counter
    range (a 16-bit counter wraps every 10.9 min at 100 Hz) are still counted exactly.

    A new segment starts where the device clock jumps backwards by more than 1 s (reboot) or
    where the counter disagrees with the clock (counter reset) by more than 3 samples + 2 % of
    the step against the device clock, or 0.5 s + 2 % against arrival times.

    Parameters
    ----------
    seq : (n,) int
        Raw counters in arrival order.
    seq_bits : int
        Counter width.
    sampling_rate_hz : float
        Nominal rate: the counter advances once per sample.
    t_device_us : (n,) int, optional
        Raw device timestamps (microseconds, ``t_bits`` wide).
    t_bits : int
        Width of the device timestamp; 0 when absent.
    host_s : (n,) float, optional
        Arrival times (seconds, any origin), used when there is no device timestamp.

    Returns
    -------
    index : (n,) int64
        Unwrapped sample index, relative to the start of its segment's first arrival.
    segment : (n,) int64
        Segment number, 0 for the first; increases at each detected reset.
    """
    s = np.asarray(seq, dtype=np.int64)
    n = s.size
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    m = np.int64(1) << seq_bits
    if t_device_us is not None and t_bits > 0:
        clock_s = unwrap_counter(t_device_us, t_bits).astype(np.float64) * 1e-6
        device_clock = True
    elif host_s is not None:
        clock_s = np.asarray(host_s, dtype=np.float64)
        device_clock = False
    else:
        clock_s = None
        device_clock = False
    d = np.diff(s) % m
    if clock_s is None:
        step = np.where(d >= m // 2, d - m, d)
        reset = np.zeros(n - 1, dtype=bool)
    else:
        dt = np.diff(clock_s)
        expected = dt * sampling_rate_hz
        step = d + m * np.round((expected - d) / m).astype(np.int64)
        mismatch = np.abs(step - expected) > _tolerance(expected, sampling_rate_hz, device_clock)
        reset = mismatch
        if device_clock:
            reset = reset | (dt < -_RESET_BACKSTEP_S)
    segment = np.concatenate([[0], np.cumsum(reset)]).astype(np.int64)
    step = np.where(reset, 0, step)
    index = np.concatenate([[0], np.cumsum(step)]).astype(np.int64)
    # Restart each segment's index at zero from its first arrival.
    starts = np.flatnonzero(np.concatenate([[True], reset]))
    base = index[starts][segment]
    return index - base, segment


#: Fit a host/device clock rate only over segments at least this long (device seconds);
#: shorter ones use the nominal rate (drift of a crystal is ~1e-5, below one sample).
_MIN_RATE_FIT_S = 30.0
#: Device seconds at the start of a segment over which the host offset is taken: long enough
#: to catch low-latency arrivals (~100 notifications of a real insole), short enough that a
#: rate that is not constant (a faster than real time simulation) bends the fit little.
_OFFSET_WINDOW_S = 2.0
#: Device seconds over which the start of a foot is anchored to the host clock.
_ANCHOR_WINDOW_S = 0.5
#: Largest believable host/device rate error (crystals are off by ~1e-5).
_PLAUSIBLE_DRIFT = 0.05


def host_clock_fit(
    index: ArrayLike, host_s: ArrayLike, sampling_rate_hz: float, rate: float | None = None
) -> tuple[float, float]:
    """Host clock as ``offset + rate * device_time`` from the lower envelope of arrivals.

    Arrival = sample time + latency, latency >= 0 and bursty, so the fit goes through the
    per-chunk minima of ``host - device`` (16 chunks) rather than through all points.

    Parameters
    ----------
    index : (n,) int
        Sample indices (device time = index / rate).
    host_s : (n,) float
        Arrival times.
    sampling_rate_hz : float
    rate : float, optional
        Use this rate instead of fitting one.

    Returns
    -------
    rate : float
        Host seconds per device second (1.0 when the span is too short to fit).
    offset_s : float
        Host time of device time 0: the lower envelope (smallest latency) over the first
        2 device seconds.
    """
    t_dev = np.asarray(index, dtype=np.float64) / sampling_rate_hz
    host = np.asarray(host_s, dtype=np.float64)
    span = float(t_dev.max() - t_dev.min()) if t_dev.size else 0.0
    if rate is not None:
        pass
    elif span >= _MIN_RATE_FIT_S and t_dev.size >= 64:
        order = np.argsort(t_dev, kind="stable")
        xs, ys = [], []
        for chunk in np.array_split(order, 16):
            j = chunk[np.argmin(host[chunk] - t_dev[chunk])]
            xs.append(t_dev[j])
            ys.append(host[j])
        slope = float(np.polyfit(xs, ys, 1)[0])
        rate = slope if np.isfinite(slope) and slope > 0 else 1.0
    else:
        rate = 1.0
    # The offset comes from the start of the segment only: it anchors the first samples
    # (what the L/R alignment needs) even if the rate is not constant over the segment.
    early = t_dev <= t_dev.min() + _OFFSET_WINDOW_S
    return rate, float(np.min(host[early] - rate * t_dev[early]))


def start_anchor(
    index: ArrayLike, host_s: ArrayLike, sampling_rate_hz: float
) -> tuple[float, float]:
    """Host time of the first device sample, for aligning feet that have separate clocks.

    The lower envelope of ``host - rate * device_time`` over the first 0.5 device seconds,
    where the rate is the nominal 1 unless the local slope of the envelope (per-chunk minima)
    is physically impossible for a crystal (off by more than 5 %), which happens only when the
    source runs faster than real time (the simulator); then the local slope is used, so the
    anchor does not slide to the end of the window.

    Parameters
    ----------
    index : (n,) int
        Sample indices.
    host_s : (n,) float
        Arrival times.
    sampling_rate_hz : float

    Returns
    -------
    offset_s : float
        Host time of device time 0.
    start_rate : float
        Host seconds per device second used (1.0 for a real-time source).
    """
    t_dev = np.asarray(index, dtype=np.float64) / sampling_rate_hz
    host = np.asarray(host_s, dtype=np.float64)
    win = t_dev <= t_dev.min() + _ANCHOR_WINDOW_S
    t_w, h_w = t_dev[win], host[win]
    rate = 1.0
    if t_w.size >= 16 and np.ptp(t_w) > 0:
        order = np.argsort(t_w, kind="stable")
        xs, ys = [], []
        for chunk in np.array_split(order, 8):
            j = chunk[np.argmin(h_w[chunk] - t_w[chunk])]
            xs.append(t_w[j])
            ys.append(h_w[j])
        if np.ptp(xs) > 0:
            slope = float(np.polyfit(xs, ys, 1)[0])
            if np.isfinite(slope) and slope > 0 and abs(slope - 1.0) > _PLAUSIBLE_DRIFT:
                rate = slope
    return float(np.min(h_w - rate * t_w)), rate


@dataclass(frozen=True)
class Timeline:
    """Where each received sample lands on one foot's uniform grid.

    Parameters
    ----------
    position : (n,) int64
        Grid position of each received sample (``-1`` for a dropped duplicate).
    n_grid : int
        Grid length: last position + 1.
    t0_host_s : float
        Estimated host time of grid position 0 (for aligning the two feet).
    n_duplicates : int
        Received samples whose index had already been received (dropped, first kept).
    n_segments : int
        Number of counter segments (1 + detected resets).
    host_per_device : float
        Host seconds per device second in the first segment (1 + clock drift).
    start_rate : float
        Rate used to anchor the first sample (see :func:`start_anchor`).
    """

    position: NDArray[np.int64]
    n_grid: int
    t0_host_s: float
    n_duplicates: int
    n_segments: int
    host_per_device: float = 1.0
    start_rate: float = 1.0


def build_timeline(
    index: ArrayLike,
    segment: ArrayLike,
    host_s: ArrayLike,
    sampling_rate_hz: float,
) -> Timeline:
    """Place received samples on a uniform grid, dropping repeated indices.

    Inside a segment the grid spacing is exactly the counter spacing. Segments after a reset
    are placed by their arrival-time offset (lower envelope of ``host - index / rate``), never
    overlapping the previous segment; whatever lies between is a gap.

    Parameters
    ----------
    index, segment : (n,) int64
        From :func:`sample_indices`.
    host_s : (n,) float
        Arrival times in seconds.
    sampling_rate_hz : float
        Nominal rate.

    Returns
    -------
    Timeline
    """
    idx = np.asarray(index, dtype=np.int64)
    seg = np.asarray(segment, dtype=np.int64)
    host = np.asarray(host_s, dtype=np.float64)
    n = idx.size
    position = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return Timeline(position, 0, float("nan"), 0, 0, 1.0, 1.0)
    fs = float(sampling_rate_hz)
    n_dup = 0
    grid_end = 0  # first free grid position after the previous segment
    t0 = float("nan")
    host_per_device = 1.0
    start_rate = 1.0
    n_seg = int(seg.max()) + 1
    for k in range(n_seg):
        sel = np.flatnonzero(seg == k)
        if sel.size == 0:
            continue
        i = idx[sel]
        # Keep the first arrival of each index (stable order), drop repeats.
        _, first = np.unique(i, return_index=True)
        keep = np.zeros(sel.size, dtype=bool)
        keep[first] = True
        n_dup += int(sel.size - first.size)
        i_min = int(i[keep].min())
        rate, offset_s = host_clock_fit(i, host[sel], fs)
        if k == 0:
            kept = sel[keep]
            anchor_s, start_rate = start_anchor(idx[kept], host[kept], fs)
            t0 = anchor_s + start_rate * i_min / fs
            host_per_device = rate
            start = 0
        else:
            start = max(grid_end, round((offset_s + rate * i_min / fs - t0) / rate * fs))
        pos = start + (i - i_min)
        position[sel[keep]] = pos[keep]
        grid_end = int(pos[keep].max()) + 1
    return Timeline(position, grid_end, t0, n_dup, n_seg, host_per_device, start_rate)


def find_gaps(valid: ArrayLike) -> list[tuple[int, int]]:
    """Runs of missing samples strictly inside the received span.

    Parameters
    ----------
    valid : (n,) bool
        True where a sample was received.

    Returns
    -------
    list of (start, stop)
        Half-open index ranges of missing samples between the first and last valid sample.
    """
    v = np.asarray(valid, dtype=bool)
    ok = np.flatnonzero(v)
    if ok.size == 0:
        return []
    inner = ~v[ok[0] : ok[-1] + 1]
    edges = np.diff(np.concatenate([[0], inner.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1) + ok[0]
    stops = np.flatnonzero(edges == -1) + ok[0]
    return [(int(a), int(b)) for a, b in zip(starts, stops)]


def align_starts(
    t0_host_s: dict[str, float], sampling_rate_hz: float, host_per_device: float = 1.0
) -> dict[str, int]:
    """Grid shift per foot so both feet share one clock.

    Parameters
    ----------
    t0_host_s : dict side -> float
        Host time of each foot's grid position 0 (from :func:`build_timeline`).
    sampling_rate_hz : float
        Common rate.
    host_per_device : float
        Host seconds per device second (see :func:`host_clock_fit`).

    Returns
    -------
    dict side -> int
        Samples of padding to put before each foot (0 for the foot that started first).
    """
    if not t0_host_s:
        return {}
    origin = min(t0_host_s.values())
    return {
        side: round((t - origin) / host_per_device * sampling_rate_hz)
        for side, t in t0_host_s.items()
    }


class CounterTracker:
    """Incremental version of :func:`sample_indices` for live streams (loss/duplicate stats).

    Parameters
    ----------
    seq_bits : int
        Counter width.
    sampling_rate_hz : float
        Nominal rate.
    t_bits : int
        Device timestamp width (0 when the device sends none).
    window : int
        How many recent indices are remembered to tell late samples from duplicates.
    """

    def __init__(
        self, seq_bits: int, sampling_rate_hz: float, t_bits: int = 32, window: int = 4096
    ) -> None:
        self._m = 1 << seq_bits
        self._tm = 1 << t_bits if t_bits else 0
        self._fs = float(sampling_rate_hz)
        self._window = window
        self._last_seq: int | None = None
        self._last_t_us = 0
        self._index = 0
        self._highest = -1
        self._recent: set[int] = set()
        self.lost = 0
        self.duplicates = 0
        self.resets = 0

    def update(self, seq: int, t_device_us: int | None = None) -> int | None:
        """Feed one sample; returns its index, or None for a duplicate.

        After a detected reset the index continues after the highest index seen, so
        indices stay unique; :attr:`resets` counts such events.
        """
        if self._last_seq is None:
            self._last_seq, self._last_t_us = seq, t_device_us or 0
            self._index = self._highest = 0
            self._recent.add(0)
            return 0
        d = (seq - self._last_seq) % self._m
        if self._tm and t_device_us is not None:
            dt_us = (t_device_us - self._last_t_us) % self._tm
            if dt_us >= self._tm // 2:
                dt_us -= self._tm
            expected = dt_us * 1e-6 * self._fs
            step = d + self._m * round((expected - d) / self._m)
            reset = bool(
                abs(step - expected) > _tolerance(expected, self._fs, True)
                or dt_us < -_RESET_BACKSTEP_S * 1e6
            )
        else:
            step = d - self._m if d >= self._m // 2 else d
            reset = False
        self._last_seq, self._last_t_us = seq, t_device_us or 0
        if reset:
            self.resets += 1
            self._index = self._highest + 1
        else:
            self._index += step
        idx = self._index
        if idx in self._recent:
            self.duplicates += 1
            return None
        if idx > self._highest:
            if not reset:
                self.lost += idx - self._highest - 1
            self._highest = idx
        else:
            self.lost -= 1  # a late sample fills a hole counted as lost
        self._recent.add(idx)
        # Prune only at twice the window so the cost stays O(1) per sample on average.
        if len(self._recent) > 2 * self._window:
            floor = self._highest - self._window
            self._recent = {i for i in self._recent if i > floor}
        return idx
