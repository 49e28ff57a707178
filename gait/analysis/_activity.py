"""Activity segments (sitting, standing, walking, running, unknown) from two insoles.

Rules (``docs/gait.md`` §9), evaluated on 1 s blocks with a 4 s context window:

* ``unknown``: more than 30 % of the block missing, only one foot present, or no load
  reference for a static block;
* ``walking``: both feet make contacts in the window and the feet overlap (double support);
* ``running``: both feet make contacts and there is a flight phase (both unloaded for more
  than 5 % of the window) with no double support;
* ``standing``: no alternating contacts and both feet together carry >= 60 % of the load
  reference (body weight when the units are newtons and the mass is known, otherwise the
  wearer's own walking load);
* ``sitting``: no alternating contacts and <= 40 % of the load reference.

State changes need two consecutive blocks (shorter runs join the previous segment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait.analysis._events import FootEvents, foot_total
from gait.analysis._quantiles import foot_finite_rows, percentiles
from gait.analysis._strides import StrideTable, contact_mask
from gait.insole._recording import FootSignal, Recording

__all__ = ["ActivitySegment", "classify_activity", "load_reference"]

_G = 9.81


@dataclass(frozen=True)
class ActivitySegment:
    """One activity segment ``[start_s, end_s)``.

    Parameters
    ----------
    start_s, end_s : float
        Segment bounds, seconds from the start.
    kind : str
        ``"sitting"``, ``"standing"``, ``"walking"``, ``"running"`` or ``"unknown"``.
    """

    start_s: float
    end_s: float
    kind: str

    @property
    def duration_s(self) -> float:
        """Segment length in seconds."""
        return self.end_s - self.start_s


def _low_percentiles(x: NDArray[np.float64]) -> tuple[float, float]:
    """(1st, 2nd) percentiles of the finite samples."""
    xf = x[np.isfinite(x)]
    p1, p2 = percentiles(xf, [1.0, 2.0])
    return float(p1), float(p2)


def load_reference(
    recording: Recording,
    tables: dict[str, StrideTable],
) -> dict[str, tuple[float, float]] | None:
    """Per-foot ``(offset, body-weight reference)`` in the foot's units, or None.

    With newtons and a known body mass the reference is body weight. Otherwise it is the
    median peak of the foot's total force over its walking stances divided by 1.1 (walking
    peaks are ~1.1 body weights). Without either, static activities cannot be told apart.
    """
    fs = recording.sampling_rate_hz
    units = str(recording.meta.get("units", ""))
    mass = recording.meta.get("body_mass_kg")
    out: dict[str, tuple[float, float]] = {}
    for side, foot in recording.feet.items():
        tot = foot_total(foot)
        if not np.isfinite(tot).any():
            return None
        p1, p2 = _low_percentiles(tot)
        offset = 0.0 if p1 >= -1e-9 else p2
        ref = None
        if units == "N" and mass:
            try:
                ref = float(mass) * _G
            except (TypeError, ValueError):
                ref = None
        t = tables.get(side)
        if ref is None and t is not None and t.n >= 4:
            # Peak of every stance at once: fmax.reduceat over [ic, fc) pairs (stances are
            # disjoint and ordered); fmax ignores missing samples.
            a = np.clip((t.ic_s * fs).astype(np.int64), 0, tot.size - 1)
            b = np.clip((t.fc_s * fs).astype(np.int64), a + 1, tot.size)
            bounds = np.column_stack([a, b]).ravel()
            if bounds[-1] >= tot.size:
                bounds = bounds[:-1]
            peaks = np.fmax.reduceat(tot, bounds)[::2] - offset
            peaks = peaks[np.isfinite(peaks)]
            if peaks.size:
                ref = float(np.median(peaks)) / 1.1
        if ref is None or ref <= 0:
            return None
        out[side] = (offset, ref)
    return out


def classify_activity(
    recording: Recording,
    events: dict[str, FootEvents],
    tables: dict[str, StrideTable],
    block_s: float = 1.0,
    context_s: float = 4.0,
    reference: dict[str, tuple[float, float]] | None | bool = True,
) -> list[ActivitySegment]:
    """Segment a recording into activities.

    Parameters
    ----------
    recording : Recording
        The recording.
    events : dict of side -> FootEvents
        Detected contacts.
    tables : dict of side -> StrideTable
        Strides (for the load reference).
    block_s, context_s : float
        Block length and the context window around each block.
    reference : dict, None or True
        Load reference from :func:`load_reference` (``True``: compute it here).

    Returns
    -------
    list of ActivitySegment
        Contiguous, covering the whole recording.
    """
    fs = recording.sampling_rate_hz
    feet: dict[str, FootSignal] = recording.feet
    n = max(f.n_samples for f in feet.values())
    if n == 0:
        return []
    blk = max(int(round(block_s * fs)), 1)
    n_blocks = int(np.ceil(n / blk))
    half_ctx = int(round(0.5 * (context_s - block_s) * fs))
    valid = _valid_mask(feet, n)
    a0 = np.arange(n_blocks) * blk
    a1 = np.minimum(a0 + blk, n)
    c0 = np.maximum(a0 - half_ctx, 0)
    c1 = np.minimum(a1 + half_ctx, n)
    cs_valid = np.r_[0, np.cumsum(valid)]
    valid_frac = (cs_valid[a1] - cs_valid[a0]) / (a1 - a0)
    two_feet = len(feet) == 2 and len(events) == 2 and all(e.usable for e in events.values())
    if reference is True:
        reference = load_reference(recording, tables) if len(feet) == 2 else None
    level = np.full(n_blocks, np.nan)
    if isinstance(reference, dict) and len(feet) == 2:
        level = _load_level(feet, reference, valid, cs_valid, a0, a1, n)
    cyc = np.zeros(n_blocks, dtype=bool)
    flight = np.zeros(n_blocks)
    double = np.zeros(n_blocks)
    if two_feet:
        flight, double = _flight_double(events, valid, cs_valid, a0, a1, fs, n)
        cyc = _cyclic(events, tables, c0, c1, fs)
    kinds = _label_blocks(valid_frac, cyc, flight, double, level)
    if len(feet) == 1 and len(events) == 1 and next(iter(events.values())).usable:
        _one_foot_gait(kinds, next(iter(feet.values())), events, tables, valid_frac, c0, c1, fs)
    return _segments(kinds, blk, n, fs)


def _one_foot_gait(
    kinds: NDArray[np.object_],
    foot: FootSignal,
    events: dict[str, FootEvents],
    tables: dict[str, StrideTable],
    valid_frac: NDArray[np.float64],
    c0: NDArray[np.int64],
    c1: NDArray[np.int64],
    fs: float,
) -> None:
    """Walking and running from one insole (in place): its own contacts repeat, and with an
    IMU the foot also turns in swing (>= 50 deg/s), so a shifting load is not taken for steps.
    Running = the strides in the window spend under half of the stride on the ground (a
    flight phase); standing and sitting need both feet and stay unknown."""
    cyc = _cyclic(events, tables, c0, c1, fs) & (valid_frac >= 0.7)
    if foot.imu is not None:
        rate = np.nan_to_num(np.linalg.norm(np.asarray(foot.imu)[:, 3:], axis=1))
        peak = np.array([rate[a:b].max(initial=0.0) for a, b in zip(c0, c1, strict=True)])
        cyc &= peak >= 50.0
    t = next(iter(tables.values()), None)
    share = np.full(c0.size, 0.6)
    if t is not None and t.n:
        cs = np.r_[0.0, np.cumsum(t.stance_s / t.stride_s)]
        i0 = np.searchsorted(t.ic_s, c0 / fs)
        i1 = np.searchsorted(t.ic_s, c1 / fs)
        has = i1 > i0
        share[has] = (cs[i1[has]] - cs[i0[has]]) / (i1[has] - i0[has])
    kinds[cyc] = np.where(share[cyc] < 0.5, "running", "walking")


def _valid_mask(feet: dict[str, FootSignal], n: int) -> NDArray[np.bool_]:
    """Samples where every foot has a finite, valid value."""
    valid = np.ones(n, dtype=bool)
    for f in feet.values():
        v = foot_finite_rows(f)
        if f.valid is not None:
            v &= f.valid
        valid[: f.n_samples] &= v
        valid[f.n_samples :] = False
    return valid


def _load_level(
    feet: dict[str, FootSignal],
    reference: dict[str, tuple[float, float]],
    valid: NDArray[np.bool_],
    cs_valid: NDArray[np.int64],
    a0: NDArray[np.int64],
    a1: NDArray[np.int64],
    n: int,
) -> NDArray[np.float64]:
    """Mean load of both feet per block relative to the standing reference (1 = standing)."""
    load_rel = np.zeros(n)
    for side, foot in feet.items():
        off, r = reference[side]
        load_rel[: foot.n_samples] += np.nan_to_num((foot_total(foot) - off) / r)
    cs_load = np.r_[0.0, np.cumsum(np.where(valid, load_rel, 0.0))]
    cnt = cs_valid[a1] - cs_valid[a0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, (cs_load[a1] - cs_load[a0]) / np.maximum(cnt, 1), np.nan)


def _flight_double(
    events: dict[str, FootEvents],
    valid: NDArray[np.bool_],
    cs_valid: NDArray[np.int64],
    a0: NDArray[np.int64],
    a1: NDArray[np.int64],
    fs: float,
    n: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Share of flight (no foot down) and double support around each block."""
    lm = contact_mask(events["left"], n)
    rm = contact_mask(events["right"], n)
    cs_f = np.r_[0, np.cumsum(~lm & ~rm & valid)]
    cs_d = np.r_[0, np.cumsum(lm & rm & valid)]
    # Flight and double support recur every step, so a short window (block +- 0.5 s)
    # keeps brief runs from being averaged into the walking around them.
    h0 = np.maximum(a0 - int(round(0.5 * fs)), 0)
    h1 = np.minimum(a1 + int(round(0.5 * fs)), n)
    ok = np.maximum(cs_valid[h1] - cs_valid[h0], 1)
    return (cs_f[h1] - cs_f[h0]) / ok, (cs_d[h1] - cs_d[h0]) / ok


def _cyclic(
    events: dict[str, FootEvents],
    tables: dict[str, StrideTable],
    c0: NDArray[np.int64],
    c1: NDArray[np.int64],
    fs: float,
) -> NDArray[np.bool_]:
    """Blocks whose context window holds gait cycles of every foot."""
    cyc = np.ones(c0.size, dtype=bool)
    for side, ev in events.items():
        # Cyclic = each foot starts two contacts in the window, or one plus a valid
        # stride overlapping it (a single load change, like sitting down, is not gait).
        counts = np.searchsorted(ev.ic, c1) - np.searchsorted(ev.ic, c0)
        t = tables.get(side)
        overlap = np.zeros(c0.size, dtype=bool)
        if t is not None and t.n:
            k = np.searchsorted(t.ic_s, c1 / fs)
            run_end = np.maximum.accumulate(t.next_ic_s)
            overlap = (k > 0) & (run_end[np.maximum(k - 1, 0)] > c0 / fs)
        cyc &= (counts >= 2) | ((counts == 1) & overlap)
    return cyc


def _label_blocks(
    valid_frac: NDArray[np.float64],
    cyc: NDArray[np.bool_],
    flight: NDArray[np.float64],
    double: NDArray[np.float64],
    level: NDArray[np.float64],
) -> NDArray[np.object_]:
    """Activity of each block, then one-block runs joined to the previous segment."""
    n_blocks = valid_frac.size
    kinds = np.array(["unknown"] * n_blocks, dtype=object)
    for b in range(n_blocks):
        if valid_frac[b] < 0.7:
            continue
        if cyc[b]:
            if flight[b] > 0.05 and double[b] < 0.02:
                kinds[b] = "running"
                continue
            if double[b] > 0.02:
                kinds[b] = "walking"
                continue
        if np.isfinite(level[b]):
            if level[b] >= 0.6:
                kinds[b] = "standing"
            elif level[b] <= 0.4:
                kinds[b] = "sitting"
    # Hysteresis on state changes: a run of one block joins the previous segment.
    for b in range(1, n_blocks - 1):
        if kinds[b] != kinds[b - 1] and kinds[b] != kinds[b + 1]:
            kinds[b] = kinds[b - 1]
    return kinds


def _segments(kinds: NDArray[np.object_], blk: int, n: int, fs: float) -> list[ActivitySegment]:
    segs: list[ActivitySegment] = []
    start = 0
    n_blocks = kinds.size
    for b in range(1, n_blocks + 1):
        if b == n_blocks or kinds[b] != kinds[start]:
            segs.append(ActivitySegment(start * blk / fs, min(b * blk, n) / fs, str(kinds[start])))
            start = b
    return segs
