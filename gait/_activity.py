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

from gait._events import FootEvents, foot_total
from gait._recording import FootSignal, Recording
from gait._strides import StrideTable, contact_mask

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


def _zero_based(x: NDArray[np.float64]) -> bool:
    xf = x[np.isfinite(x)]
    return bool(xf.size) and float(np.percentile(xf, 1)) >= -1e-9


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
        offset = 0.0 if _zero_based(tot) else float(np.nanpercentile(tot, 2))
        ref = None
        if units == "N" and mass:
            try:
                ref = float(mass) * _G
            except (TypeError, ValueError):
                ref = None
        t = tables.get(side)
        if ref is None and t is not None and t.n >= 4:
            peaks = []
            for a, b in zip(t.ic_s, t.fc_s, strict=True):
                seg = tot[int(a * fs) : int(b * fs)]
                if seg.size and np.isfinite(seg).any():
                    peaks.append(float(np.nanmax(seg)) - offset)
            if peaks:
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
    valid = np.ones(n, dtype=bool)
    for f in feet.values():
        v = np.isfinite(f.values).all(axis=1)
        if f.valid is not None:
            v &= f.valid
        valid[: f.n_samples] &= v
        valid[f.n_samples :] = False
    kinds = np.array(["unknown"] * n_blocks, dtype=object)
    two_feet = len(feet) == 2 and all(e.usable for e in events.values()) and len(events) == 2
    ref = load_reference(recording, tables) if len(feet) == 2 else None
    load_rel = None
    if ref is not None:
        load_rel = np.zeros(n)
        for side, foot in feet.items():
            off, r = ref[side]
            load_rel[: foot.n_samples] += (foot_total(foot) - off) / r
    masks = {s: contact_mask(e, n) for s, e in events.items()} if two_feet else {}
    ics = {s: e.ic for s, e in events.items()}
    empty = np.zeros(0)
    t_ic = {s: tables[s].ic_s if s in tables else empty for s in events}
    t_end = {s: tables[s].next_ic_s if s in tables else empty for s in events}
    for b in range(n_blocks):
        a0, a1 = b * blk, min((b + 1) * blk, n)
        if valid[a0:a1].mean() < 0.7:
            continue
        c0, c1 = max(a0 - half_ctx, 0), min(a1 + half_ctx, n)
        if two_feet:
            # Cyclic = each foot starts two contacts in the window, or one plus a valid stride
            # overlapping it (a single load change, like sitting down, is not gait).
            counts = {s: np.count_nonzero((ics[s] >= c0) & (ics[s] < c1)) for s in ics}
            cyc = all(
                counts[s] >= 2
                or (counts[s] == 1 and np.any((t_ic[s] < c1 / fs) & (t_end[s] > c0 / fs)))
                for s in ics
            )
            if cyc:
                lm, rm = masks["left"][c0:c1], masks["right"][c0:c1]
                ok = valid[c0:c1]
                flight = float(np.mean(~lm[ok] & ~rm[ok])) if ok.any() else 0.0
                double = float(np.mean(lm[ok] & rm[ok])) if ok.any() else 0.0
                if flight > 0.05 and double < 0.02:
                    kinds[b] = "running"
                    continue
                if double > 0.02:
                    kinds[b] = "walking"
                    continue
        if load_rel is not None:
            lv = load_rel[a0:a1][valid[a0:a1]]
            if lv.size and np.isfinite(lv).any():
                level = float(np.nanmedian(lv))
                if level >= 0.6:
                    kinds[b] = "standing"
                elif level <= 0.4:
                    kinds[b] = "sitting"
    # Hysteresis on state changes: a run of one block joins the previous segment.
    for b in range(1, n_blocks - 1):
        if kinds[b] != kinds[b - 1] and kinds[b] != kinds[b + 1]:
            kinds[b] = kinds[b - 1]
    segs: list[ActivitySegment] = []
    start = 0
    for b in range(1, n_blocks + 1):
        if b == n_blocks or kinds[b] != kinds[start]:
            segs.append(ActivitySegment(start * blk / fs, min(b * blk, n) / fs, str(kinds[start])))
            start = b
    return segs
