"""Gait events (initial and final contact) from insole pressure or footswitch force.

Method (see ``docs/gait.md``):

1. Sum the sensors of a foot (stuck sensors are constant offsets and drop out in step 2).
2. Normalise to a robust, drift-following range: the 5th and 95th percentiles in windows of
   ``norm_window_s``; windows without clear loading/unloading cycles (standing, sitting) take
   the range of the nearest cycling window, so a steady load is not mistaken for steps.
3. Fill dropouts up to ``max_fill_s`` by linear interpolation; longer gaps stay missing, and
   no contact or stride is allowed to span them.
4. Hysteresis decides *whether* the foot is in contact (rise above ``hi_frac``, fall below
   ``lo_frac``); the event *times* are the crossings of the lower ``onset_frac`` level just
   before the rise and just after the fall, because low onset thresholds match force-plate
   style timing best.
5. Debounce: contacts shorter than ``min_stance_s`` are dropped, gaps shorter than
   ``min_swing_s`` are merged and successive contacts start at least ``min_ic_gap_s`` apart.

All positions are sample indices; intervals are half-open ``[ic, fc)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gait.analysis._quantiles import percentiles, row_percentiles
from gait.insole._recording import FootSignal

__all__ = [
    "EventParams",
    "FootEvents",
    "detect_contacts",
    "detect_foot_events",
    "fill_short_gaps",
    "hysteresis_state",
    "normalise_force",
]


@dataclass(frozen=True)
class EventParams:
    """Parameters of the contact detector (fractions of the normalised force range).

    Parameters
    ----------
    lo_frac, hi_frac : float
        Hysteresis: contact starts above ``hi_frac``, ends below ``lo_frac``.
    onset_frac : float
        Level whose crossings time the events (the doc's 5-10 %).
    norm_window_s : float
        Window of the drift-following percentile range.
    min_stance_s, min_swing_s, min_ic_gap_s : float
        Debounce limits.
    max_fill_s : float
        Longest dropout filled by interpolation.
    onset_search_s : float
        How far before the rise (after the fall) the unloaded level is searched.
    offset_frac : float or None
        Level whose crossing times the toe-off (None: ``onset_frac``). A vendor that ends
        contact at a higher load is reproduced with its own level (docs/gait.md §7.3).
    """

    lo_frac: float = 0.15
    hi_frac: float = 0.30
    onset_frac: float = 0.06
    norm_window_s: float = 5.0
    min_stance_s: float = 0.08
    min_swing_s: float = 0.06
    min_ic_gap_s: float = 0.15
    max_fill_s: float = 0.10
    onset_search_s: float = 0.2
    offset_frac: float | None = None


@dataclass(frozen=True)
class FootEvents:
    """Contacts of one foot.

    Parameters
    ----------
    side : str
        ``"left"`` or ``"right"``.
    sampling_rate_hz : float
        Rate of the sample indices.
    ic : (m,) int64
        Initial-contact sample index of each contact.
    fc : (m,) int64
        Final-contact sample index (first unloaded sample) of each contact.
    ic_ok, fc_ok : (m,) bool
        False where the event is not observed (recording edge, or next to a data gap).
    usable : bool
        False when the foot signal has no usable loading range (flat, all-zero or all missing).
    normalised : (n,) float64
        The normalised force used (NaN in gaps).
    """

    side: str
    sampling_rate_hz: float
    ic: NDArray[np.int64] = field(repr=False)
    fc: NDArray[np.int64] = field(repr=False)
    ic_ok: NDArray[np.bool_] = field(repr=False)
    fc_ok: NDArray[np.bool_] = field(repr=False)
    usable: bool = True
    normalised: NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def ic_s(self) -> NDArray[np.float64]:
        """(m,) initial-contact times, seconds."""
        return self.ic / self.sampling_rate_hz

    @property
    def fc_s(self) -> NDArray[np.float64]:
        """(m,) final-contact times, seconds."""
        return self.fc / self.sampling_rate_hz


#: Contact levels that reproduce an insole vendor's own event definition, by vendor.
#: ``moticon``: the median normalised load at the vendor's initial contacts (0.047) and toe-offs
#: (0.103) over the 14 steps of its gait report of the shared OpenGo walk (docs/gait.md §7.3).
#: Not the default: one rule (:class:`EventParams`) is validated on gaitndd for every insole.
VENDOR_EVENT_PARAMS: dict[str, EventParams] = {
    "moticon": EventParams(onset_frac=0.047, offset_frac=0.103),
}


def fill_short_gaps(x: NDArray[np.float64], max_len: int) -> NDArray[np.float64]:
    """Linearly interpolate NaN runs of at most ``max_len`` samples between finite samples.

    Parameters
    ----------
    x : (n,) float64
        Signal with NaN gaps.
    max_len : int
        Longest run filled.

    Returns
    -------
    (n,) float64
        Copy with short interior gaps filled; longer or edge gaps stay NaN.
    """
    x = np.array(x, dtype=np.float64)
    bad = ~np.isfinite(x)
    if not bad.any() or bad.all():
        return x
    edges = np.diff(np.r_[0, bad.astype(np.int8), 0])
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    keep = (ends - starts <= max_len) & (starts > 0) & (ends < x.size)
    a, b = starts[keep], ends[keep]
    if a.size == 0:
        return x
    # All gaps at once: each is a straight line between its two finite neighbours.
    length = b - a
    offset = np.cumsum(length) - length  # where each gap starts in the concatenation
    idx = np.repeat(a - offset, length) + np.arange(int(length.sum()))
    frac = (idx - np.repeat(a, length) + 1) / np.repeat(length + 1, length)
    left, right = np.repeat(x[a - 1], length), np.repeat(x[b], length)
    x[idx] = left + (right - left) * frac
    return x


def _window_percentiles(
    x: NDArray[np.float64], finite: NDArray[np.bool_], win: int, hop: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """5th/95th percentiles of half-overlapping windows: (starts, (2, m) percentiles, counts)."""
    n = x.size
    starts = np.arange(0, max(n - hop, 1), hop)
    full = starts + win <= n
    q = np.full((2, starts.size), np.nan)
    counts = np.empty(starts.size)
    if full.any():
        windows = np.lib.stride_tricks.sliding_window_view(x, win)[starts[full]]
        if finite.all():
            q[:, full] = row_percentiles(windows, [5.0, 95.0])
            counts[full] = win
        else:
            c = np.isfinite(windows).sum(axis=1)
            counts[full] = c
            ok = c >= win // 4
            if ok.any():
                sub = row_percentiles(windows[ok], [5.0, 95.0], ignore_nan=True)
                idx_full = np.flatnonzero(full)
                q[:, idx_full[ok]] = sub
    for i in np.flatnonzero(~full):
        seg = x[starts[i] :]
        seg = seg[np.isfinite(seg)]
        counts[i] = seg.size
        if seg.size >= win // 4:
            q[:, i] = np.percentile(seg, [5.0, 95.0])
    return starts, q, counts


def normalise_force(
    total: NDArray[np.float64],
    sampling_rate_hz: float,
    window_s: float = 20.0,
    zero_based: bool | None = None,
) -> tuple[NDArray[np.float64], bool]:
    """Normalise a foot's total force to ~0 (unloaded) .. ~1 (loaded), following drift.

    Parameters
    ----------
    total : (n,) float64
        Total force (any units; NaN where missing).
    sampling_rate_hz : float
        Sampling rate.
    window_s : float
        Window of the local percentile range (half-overlapping windows, interpolated).
    zero_based : bool, optional
        True when the units have a physical zero (forces, counts): then a record whose
        loading range is small against its load (standing, sitting, a stuck sensor) is
        reported unusable instead of amplifying noise into steps. Default: inferred
        (no value below zero).

    Returns
    -------
    normalised : (n,) float64
        ``(total - p5) / (p95 - p5)`` with locally estimated percentiles; NaN where missing.
    usable : bool
        False when no window shows loading/unloading cycles.
    """
    x = np.asarray(total, dtype=np.float64)
    n = x.size
    finite = np.isfinite(x)
    if n == 0 or finite.sum() < max(10, int(sampling_rate_hz)):
        return np.full(n, np.nan), False
    xf = x[finite]
    g_p1, g_lo, g_hi, g_top = percentiles(xf, [1.0, 5.0, 95.0, 99.0])
    if zero_based is None:
        zero_based = bool(g_p1 >= -1e-9)
    win = max(int(window_s * sampling_rate_hz), 16)
    hop = max(win // 2, 1)
    # All windows at once: a strided view (no per-window Python loop), percentiles along
    # axis 1; the NaN-aware path is only taken when samples are missing.
    starts, q, counts = _window_percentiles(x, finite, win, hop)
    enough = (counts >= win // 4) & np.isfinite(q).all(axis=0)
    centres = (starts + np.minimum(win, n - starts) / 2.0)[enough]
    los = q[0, enough]
    his = q[1, enough]
    centres_a = np.asarray(centres)
    los_a = np.asarray(los)
    rng_a = np.asarray(his) - los_a
    g_range = float(np.max(rng_a)) if rng_a.size else 0.0
    # A window "cycles" when its range is a good part of the largest local range, and (for
    # zero-based units) a good part of the load itself.
    cycling = rng_a >= 0.4 * g_range
    if zero_based:
        cycling &= rng_a >= 0.35 * max(g_top, 1e-12)
    if g_range <= 1e-9 or not cycling.any():
        usable = False
        if g_hi - g_lo <= 1e-9:
            return np.full(n, np.nan), False
        base = np.full(n, g_lo)
        scale = np.full(n, g_hi - g_lo)
    else:
        usable = True
        idx = np.arange(n)
        base = np.interp(idx, centres_a[cycling], los_a[cycling])
        scale = np.interp(idx, centres_a[cycling], rng_a[cycling])
    out = (x - base) / scale
    out[~finite] = np.nan
    return out, usable


def hysteresis_state(x: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.bool_]:
    """Two-threshold state: True after a rise above ``hi`` until a fall below ``lo``.

    NaN samples keep the previous state; the state before the first decision is False.

    Parameters
    ----------
    x : (n,) float64
        Normalised signal.
    lo, hi : float
        Thresholds, ``lo < hi``.

    Returns
    -------
    (n,) bool
    """
    with np.errstate(invalid="ignore"):
        above = x > hi
        below = x < lo
    decided = above | below
    idx = np.where(decided, np.arange(x.size), -1)
    last = np.maximum.accumulate(idx) if x.size else idx
    state = np.zeros(x.size, dtype=bool)
    has = last >= 0
    state[has] = above[last[has]]
    return state


def _window_hits(
    x: NDArray[np.float64],
    start: NDArray[np.int64],
    length: NDArray[np.int64],
    w: int,
    onset_frac: float,
    last: bool,
) -> NDArray[np.int64]:
    """Per window ``x[start:start+length]`` (length <= w): the last (or first) offset where the
    signal is within ``onset_frac`` of the window's lowest level (floored at 0); -1 if none.

    All windows at once: an (m, w) gather, masked beyond each window's length.
    """
    m = start.size
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    off = np.arange(w)
    inside = off[None, :] < length[:, None]
    vals = x[np.clip(start[:, None] + off[None, :], 0, x.size - 1)]
    low = np.where(inside, vals, np.inf).min(axis=1)
    hit = inside & (vals <= (np.maximum(low, 0.0) + onset_frac)[:, None])
    found = hit.any(axis=1)
    idx = (w - 1 - np.argmax(hit[:, ::-1], axis=1)) if last else np.argmax(hit, axis=1)
    return np.where(found, idx, -1).astype(np.int64)


def _refine_onsets(
    norm: NDArray[np.float64],
    missing: NDArray[np.bool_],
    rise: NDArray[np.int64],
    fall: NDArray[np.int64],
    fs: float,
    params: EventParams,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Contact start and end moved from the hysteresis crossings to the load onsets."""
    n = norm.size
    # Timing: the event is where the signal crosses ``onset_frac`` above the lowest level
    # found within ``onset_search_s`` before the rise (after the fall). The level is local
    # because FSRs creep during swing and shuffling feet never fully unload: a fixed global
    # onset level would move events far from the actual heel strike.
    w = max(int(round(params.onset_search_s * fs)), 1)
    prev_fall = np.r_[0, fall[:-1]]
    next_rise = np.r_[rise[1:], n]
    filled = np.where(missing, -np.inf, norm)
    a = np.maximum(rise - w, prev_fall)
    last = _window_hits(filled, a, rise - a, w, params.onset_frac, last=True)
    ic = np.where(last >= 0, a + last + 1, rise)
    b = np.minimum(fall + w, next_rise)
    off = params.onset_frac if params.offset_frac is None else params.offset_frac
    first = _window_hits(filled, fall, b - fall, w, off, last=False)
    fc = np.where(first >= 0, fall + first, fall)
    return ic, fc


def detect_contacts(
    norm: NDArray[np.float64],
    sampling_rate_hz: float,
    params: EventParams = EventParams(),
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_], NDArray[np.bool_]]:
    """Contacts ``[ic, fc)`` from a normalised force signal.

    Parameters
    ----------
    norm : (n,) float64
        Normalised force (NaN = missing, never filled here).
    sampling_rate_hz : float
        Sampling rate.
    params : EventParams
        Detector parameters.

    Returns
    -------
    ic, fc : (m,) int64
        Contact start and end sample indices.
    ic_ok, fc_ok : (m,) bool
        Whether each event was observed (not at the record edge or beside missing data).
    """
    fs = float(sampling_rate_hz)
    n = norm.size
    empty = np.zeros(0, dtype=np.int64)
    if n == 0:
        return empty, empty, np.zeros(0, bool), np.zeros(0, bool)
    missing = ~np.isfinite(norm)
    state = hysteresis_state(norm, params.lo_frac, params.hi_frac)
    state[missing] = False
    d = np.diff(np.r_[0, state.astype(np.int8), 0])
    rise = np.flatnonzero(d == 1)
    fall = np.flatnonzero(d == -1)
    if rise.size == 0:
        return empty, empty, np.zeros(0, bool), np.zeros(0, bool)
    # Debounce: merge contacts separated by a too-short unloaded gap, then drop short ones.
    min_swing = int(round(params.min_swing_s * fs))
    if rise.size > 1 and min_swing > 0:
        gap = rise[1:] - fall[:-1]
        # any missing sample in each gap [fall_i, rise_i+1): counted by a running sum
        missing_before = np.r_[0, np.cumsum(missing)]
        gap_missing = missing_before[rise[1:]] - missing_before[fall[:-1]] > 0
        keep = (gap >= min_swing) | gap_missing
        rise = rise[np.r_[True, keep]]
        fall = fall[np.r_[keep, True]]
    min_stance = int(round(params.min_stance_s * fs))
    ok = (fall - rise) >= min_stance
    rise, fall = rise[ok], fall[ok]
    min_gap = int(round(params.min_ic_gap_s * fs))
    if rise.size > 1 and min_gap > 0:
        keep = np.r_[True, np.diff(rise) >= min_gap]
        # A contact starting too soon after the previous one is merged into it.
        fall = np.maximum.reduceat(fall, np.flatnonzero(keep)) if keep.size else fall
        rise = rise[keep]
    if rise.size == 0:
        return empty, empty, np.zeros(0, bool), np.zeros(0, bool)
    ic, fc = _refine_onsets(norm, missing, rise, fall, fs, params)
    ic = np.minimum(ic, rise)
    fc = np.maximum(fc, fall)
    # Observed only when the unloaded sample before/after exists and is real data.
    ic_ok = (ic > 0) & ~missing[np.clip(ic - 1, 0, n - 1)]
    fc_ok = (fc < n) & ~missing[np.clip(fc, 0, n - 1)]
    if missing.any():
        # A contact that contains missing data is not trusted at either end.
        cms = np.r_[0, np.cumsum(missing)]
        inner = (cms[np.minimum(fc, n)] - cms[ic]) > 0
        ic_ok &= ~inner
        fc_ok &= ~inner
    return ic.astype(np.int64), fc.astype(np.int64), ic_ok, fc_ok


def foot_total(foot: FootSignal) -> NDArray[np.float64]:
    """(n,) total force with invalid samples set to NaN."""
    tot = foot.total
    if foot.valid is not None:
        tot = tot.copy()
        tot[~foot.valid] = np.nan
    return tot


def detect_foot_events(
    foot: FootSignal,
    sampling_rate_hz: float,
    params: EventParams = EventParams(),
) -> FootEvents:
    """Detect the contacts of one foot.

    Parameters
    ----------
    foot : FootSignal
        The foot's sensor values.
    sampling_rate_hz : float
        Sampling rate.
    params : EventParams
        Detector parameters.

    Returns
    -------
    FootEvents
    """
    tot = foot_total(foot)
    tot = fill_short_gaps(tot, int(round(params.max_fill_s * sampling_rate_hz)))
    norm, usable = normalise_force(tot, sampling_rate_hz, params.norm_window_s)
    if not usable:
        empty = np.zeros(0, dtype=np.int64)
        return FootEvents(
            foot.side,
            sampling_rate_hz,
            empty,
            empty,
            np.zeros(0, bool),
            np.zeros(0, bool),
            False,
            norm,
        )
    ic, fc, ic_ok, fc_ok = detect_contacts(norm, sampling_rate_hz, params)
    return FootEvents(foot.side, sampling_rate_hz, ic, fc, ic_ok, fc_ok, True, norm)
