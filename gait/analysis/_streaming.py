"""Incremental gait analysis with bounded memory, for live BLE streams or replays.

:class:`StreamingAnalyzer` takes samples foot by foot (``push(side, t_s, values)``, one sample
or a block) with **device** timestamps and emits events as soon as they are certain:

* ``heel_strike`` when the causal hysteresis rises (latency: the rise itself);
* ``toe_off`` once the unloaded level after the fall has been seen (<= ``onset_search_s``);
* ``stride`` at the heel strike that closes a stride (with stride, stance and swing);
* ``gap`` when timestamps jump (lost samples); no stride is ever joined across a gap.

Everything is causal: the normalisation range is tracked from per-block minima and maxima
over the last ``norm_window_s`` (a ring buffer of block extremes), the onset search looks
back over a ring buffer of ``onset_search_s``, and running metrics use the last
``history_strides`` strides per foot. Memory does not grow with the stream length.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gait.analysis._events import EventParams
from gait.exceptions import RecordingValidationError
from gait.insole._recording import Recording

__all__ = ["RunningMetrics", "StreamEvent", "StreamingAnalyzer", "replay"]


@dataclass(frozen=True)
class StreamEvent:
    """One event emitted by the streaming analyser.

    Parameters
    ----------
    kind : str
        ``"heel_strike"``, ``"toe_off"``, ``"stride"`` or ``"gap"``.
    side : str
        The foot.
    t_s : float
        Event time on the device clock (for ``stride``: its closing heel strike; for
        ``gap``: the last sample before it).
    data : dict
        ``stride``: ``heel_strike_s, toe_off_s, stride_s, stance_s, swing_s``;
        ``gap``: ``lost_samples``, ``resume_s``.
    """

    kind: str
    side: str
    t_s: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunningMetrics:
    """Running metrics over the most recent strides (None until computable).

    Parameters
    ----------
    cadence_spm : float or None
        ``120 / mean stride`` over the last 10 strides of both feet.
    stride_cv_pct : float or None
        Stride CV over the recent strides within median +- 3 MAD (>= 8 strides).
    stance_pct : float or None
        Mean stance share of the last 10 strides.
    n_strides : int
        Strides seen since the start.
    lost_samples : int
        Samples lost in gaps.
    activity : str
        ``"walking"``, ``"running"`` (stance < 50 %) or ``"still"`` (no stride in 3 s).
    """

    cadence_spm: float | None
    stride_cv_pct: float | None
    stance_pct: float | None
    n_strides: int
    lost_samples: int
    activity: str


class _FootState:
    """Causal detector state of one foot (all buffers bounded)."""

    def __init__(self, side: str, fs: float, p: EventParams, block_s: float, history: int) -> None:
        self.side = side
        self.fs = fs
        self.p = p
        self.block_n = max(int(round(block_s * fs)), 1)
        n_blocks = max(int(round(p.norm_window_s / block_s)), 4)
        self.block_min: deque[float] = deque(maxlen=n_blocks)
        self.block_max: deque[float] = deque(maxlen=n_blocks)
        self.cur_min = np.inf
        self.cur_max = -np.inf
        self.cur_count = 0
        self.base = 0.0
        self.scale = 0.0
        self.ready = False
        self.w = max(int(round(p.onset_search_s * fs)), 1)
        self.recent: deque[tuple[float, float]] = deque(maxlen=self.w + 1)  # (t, norm)
        self.in_contact = False
        self.last_t: float | None = None
        self.last_ic: float | None = None
        self.last_fc: float | None = None
        self.pending_fc: list[Any] | None = None  # [fall_t, samples_left, min_norm, after: list]
        self.strides: deque[tuple[float, float, float]] = deque(
            maxlen=history
        )  # (ic, stride, stance)
        self.last_rise_t = -np.inf

    def reset(self) -> None:
        """Forget contact state after a gap (the range estimate is kept)."""
        self.in_contact = False
        self.last_ic = None
        self.last_fc = None
        self.pending_fc = None
        self.recent.clear()

    def _update_range(self, total: float) -> None:
        self.cur_min = min(self.cur_min, total)
        self.cur_max = max(self.cur_max, total)
        self.cur_count += 1
        if self.cur_count >= self.block_n:
            self.block_min.append(self.cur_min)
            self.block_max.append(self.cur_max)
            self.cur_min, self.cur_max, self.cur_count = np.inf, -np.inf, 0
            if len(self.block_min) >= 4:
                lo = float(np.percentile(self.block_min, 10))
                hi = float(np.percentile(self.block_max, 90))
                rng = hi - lo
                # Cycling needs a range that is a good part of the load (zero-based units) or
                # a clear swing between blocks; otherwise (standing, sitting) no events.
                zero_based = lo >= 0
                cyc = rng > 1e-9 and (not zero_based or rng >= 0.35 * max(hi, 1e-12))
                if cyc:
                    self.base, self.scale, self.ready = lo, rng, True
                else:
                    self.ready = False

    def step(
        self, t: float, total: float, out: list[StreamEvent]
    ) -> tuple[float, float, float] | None:
        """Process one sample; append events to ``out``; return a completed stride or None."""
        self._update_range(total)
        if not self.ready:
            self.recent.append((t, np.nan))
            return None
        x = (total - self.base) / self.scale
        p = self.p
        stride = None
        if self.pending_fc is not None:
            pf = self.pending_fc
            pf[3].append((t, x))
            pf[1] -= 1
            if pf[1] <= 0 or x > p.hi_frac:
                self._finish_fc(out)
        if not self.in_contact and x > p.hi_frac:
            # Onset: last sample at or below (local minimum + onset_frac) before the rise.
            ts = [r[0] for r in self.recent]
            xs = np.array([r[1] for r in self.recent], dtype=np.float64)
            ic_t = t
            if xs.size and np.isfinite(xs).any():
                level = max(float(np.nanmin(xs)), 0.0) + p.onset_frac
                below = np.flatnonzero(xs <= level)
                if below.size:
                    k = below[-1] + 1
                    ic_t = ts[k] if k < len(ts) else t
            if ic_t - self.last_rise_t >= p.min_ic_gap_s:
                self.in_contact = True
                self.last_rise_t = ic_t
                out.append(StreamEvent("heel_strike", self.side, ic_t))
                if (
                    self.last_ic is not None
                    and self.last_fc is not None
                    and self.last_ic < self.last_fc < ic_t
                    and 0.3 <= ic_t - self.last_ic <= 2.5
                ):
                    stride = (self.last_ic, self.last_fc, ic_t)
                self.last_ic = ic_t
                self.last_fc = None
        elif self.in_contact and x < p.lo_frac:
            self.in_contact = False
            self.pending_fc = [t, self.w, x, [(t, x)]]
        self.recent.append((t, x))
        return stride

    def _finish_fc(self, out: list[StreamEvent]) -> None:
        pf = self.pending_fc
        self.pending_fc = None
        if pf is None:
            return
        samples = pf[3]
        xs = np.array([s[1] for s in samples])
        level = max(float(np.min(xs)), 0.0) + self.p.onset_frac
        k = int(np.flatnonzero(xs <= level)[0]) if np.any(xs <= level) else 0
        # The fall sample itself was already below lo; the event is the first unloaded one.
        fc_t = samples[k][0]
        if self.last_ic is not None and fc_t - self.last_ic >= self.p.min_stance_s:
            self.last_fc = fc_t
            out.append(StreamEvent("toe_off", self.side, fc_t))


class StreamingAnalyzer:
    """Incremental analyser for one or two insoles.

    Parameters
    ----------
    sampling_rate_hz : float
        Nominal device sampling rate (used to detect gaps in the timestamps).
    params : EventParams, optional
        Detector parameters (as offline).
    block_s : float
        Block length of the range tracker.
    history_strides : int
        Strides kept per foot for running metrics.
    """

    def __init__(
        self,
        sampling_rate_hz: float,
        params: EventParams | None = None,
        block_s: float = 0.25,
        history_strides: int = 64,
    ) -> None:
        if not np.isfinite(sampling_rate_hz) or sampling_rate_hz <= 0:
            raise RecordingValidationError(f"sampling rate must be > 0 Hz, got {sampling_rate_hz}")
        self.sampling_rate_hz = float(sampling_rate_hz)
        self.params = params or EventParams()
        self._block_s = block_s
        self._history = history_strides
        self._feet: dict[str, _FootState] = {}
        self._n_strides = 0
        self._lost = 0
        self._last_event_t = -np.inf
        self._recent: deque[tuple[float, float, float]] = deque(maxlen=2 * history_strides)

    def _foot(self, side: str) -> _FootState:
        if side not in ("left", "right"):
            raise RecordingValidationError(f"side must be 'left' or 'right', got {side!r}")
        st = self._feet.get(side)
        if st is None:
            st = _FootState(side, self.sampling_rate_hz, self.params, self._block_s, self._history)
            self._feet[side] = st
        return st

    def push(self, side: str, t_s: float | ArrayLike, values: ArrayLike) -> list[StreamEvent]:
        """Feed one sample (``t_s`` scalar, ``values`` (k,)) or a block ((m,), (m, k)).

        Parameters
        ----------
        side : {"left", "right"}
            The foot.
        t_s : float or (m,) float
            Device timestamps, seconds (increasing).
        values : (k,) or (m, k) float
            Sensor values; NaN marks a missing sample.

        Returns
        -------
        list of StreamEvent
            Events that became certain with these samples.
        """
        st = self._foot(side)
        t_arr = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        v = np.asarray(values, dtype=np.float64)
        if v.ndim == 1:
            v = v[None, :] if t_arr.size == 1 else v[:, None]
        if v.ndim != 2 or v.shape[0] != t_arr.size:
            raise RecordingValidationError(
                f"values shape {v.shape} does not match {t_arr.size} timestamps"
            )
        totals = v.sum(axis=1)
        out: list[StreamEvent] = []
        period = 1.0 / self.sampling_rate_hz
        for t, tot in zip(t_arr.tolist(), totals.tolist(), strict=True):
            if st.last_t is not None:
                dt = t - st.last_t
                if dt <= 0:
                    raise RecordingValidationError(
                        f"{side}: timestamps must increase ({t} after {st.last_t})"
                    )
                lost = int(round(dt / period)) - 1
                if lost > 0:
                    self._lost += lost
                    out.append(
                        StreamEvent("gap", side, st.last_t, {"lost_samples": lost, "resume_s": t})
                    )
                    st.reset()
            st.last_t = t
            if not np.isfinite(tot):
                self._lost += 1
                st.reset()
                continue
            stride = st.step(t, tot, out)
            if stride is not None:
                ic, fc, nxt = stride
                self._n_strides += 1
                self._recent.append((nxt, nxt - ic, fc - ic))
                self._last_event_t = nxt
                out.append(
                    StreamEvent(
                        "stride",
                        side,
                        nxt,
                        {
                            "heel_strike_s": ic,
                            "toe_off_s": fc,
                            "stride_s": nxt - ic,
                            "stance_s": fc - ic,
                            "swing_s": nxt - fc,
                        },
                    )
                )
        return out

    def metrics(self) -> RunningMetrics:
        """Running metrics over the recent strides."""
        now = max((st.last_t or 0.0) for st in self._feet.values()) if self._feet else 0.0
        recent = list(self._recent)
        last10 = recent[-10:]
        cadence = stance = cv = None
        if last10:
            strides = np.array([r[1] for r in last10])
            cadence = 120.0 / float(np.mean(strides))
            stance = 100.0 * float(np.mean([r[2] / r[1] for r in last10]))
        if len(recent) >= 8:
            s = np.array([r[1] for r in recent])
            med = np.median(s)
            mad = max(float(np.median(np.abs(s - med))), 0.01 * med)
            s = s[np.abs(s - med) <= 3 * mad]
            if s.size >= 8:
                cv = 100.0 * float(np.std(s, ddof=1) / np.mean(s))
        if now - self._last_event_t > 3.0 or stance is None:
            activity = "still"
        else:
            activity = "running" if stance < 50.0 else "walking"
        return RunningMetrics(cadence, cv, stance, self._n_strides, self._lost, activity)


def replay(
    recording: Recording,
    analyzer: StreamingAnalyzer | None = None,
    samples_per_push: int = 1,
) -> tuple[StreamingAnalyzer, list[StreamEvent]]:
    """Feed a recording through a streaming analyser, both feet interleaved like a live link.

    Missing samples (``valid`` False) are skipped, so they show up as ``gap`` events exactly as
    lost BLE packets would.

    Parameters
    ----------
    recording : Recording
        The recording to replay.
    analyzer : StreamingAnalyzer, optional
        An existing analyser (default: a new one at the recording's rate).
    samples_per_push : int
        Samples per ``push`` call (1 = one per notification).

    Returns
    -------
    analyzer : StreamingAnalyzer
    events : list of StreamEvent
        In emission order.
    """
    if samples_per_push < 1:
        raise RecordingValidationError("samples_per_push must be >= 1")
    sa = analyzer or StreamingAnalyzer(recording.sampling_rate_hz)
    fs = recording.sampling_rate_hz
    events: list[StreamEvent] = []
    feet = list(recording.feet.items())
    n = max(f.n_samples for _, f in feet)
    for i in range(0, n, samples_per_push):
        for side, foot in feet:
            idx = np.arange(i, min(i + samples_per_push, foot.n_samples))
            if foot.valid is not None:
                idx = idx[foot.valid[idx]]
            if idx.size:
                events += sa.push(side, idx / fs, foot.values[idx])
    return sa, events
