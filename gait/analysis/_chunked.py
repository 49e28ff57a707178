"""Long recordings in bounded memory: chunked readers, gap-aware, and merged reports.

:func:`analyze_file` reads a recording part by part (:func:`iter_chunks`), analyses each part
with :func:`gait.analyze` and merges the reports. Memory is bounded by one part (10 min by
default), not by the length of the recording, and a long time gap is never filled with a
dense grid: a gap longer than ``max_gap_s`` (60 s) ends a part and the next part starts after
it, so a reboot after 8 hours or 30 days costs nothing but a line in the gap list.

Merging (what is exact and what is not):

- strides, activity segments, gaps, lost samples and pressure loads are concatenated or
  summed (exact); the stride summary and care indicators are recomputed from all strides
  (exact for means; the CV's bout-end trimming also trims at part boundaries);
- a stride that spans a part boundary is lost (at most one per foot per part, < 0.2 % at
  15-minute parts) and activity is classified per part;
- per-sensor mean pressures and CoP paths are stride-weighted means of the parts, sensor
  peaks the largest part peak (the 99th percentile of each part), posture is weighted by
  standing time.

A recording of one part is analysed exactly as ``analyze(load_recording(path))``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from gait.analysis._activity import ActivitySegment
from gait.analysis._care import care_indicators
from gait.analysis._daily import daily_summary
from gait.analysis._events import EventParams
from gait.analysis._memory import heap_for_parts, release_freed_memory
from gait.analysis._overlap import DEFAULT_OVERLAP_S, Part, with_overlap
from gait.analysis._pipeline import analyze
from gait.analysis._posture import PostureSummary
from gait.analysis._prefetch import prefetched
from gait.analysis._pressure import FootPressure, PressureSummary, summarise_pressure
from gait.analysis._quantiles import finite_rows
from gait.analysis._report import GaitReport, QualityReport
from gait.analysis._speed import merge_speeds
from gait.analysis._strides import StrideTable, summarise_strides
from gait.analysis._threads import one_blas_thread
from gait.exceptions import RecordingValidationError
from gait.insole._recording import Recording
from gait.readers._chunks import (
    DEFAULT_CHUNK_S,
    DEFAULT_MAX_GAP_S,
    is_text_format,
    iter_chunks,
    resolve_format,
)

__all__ = [
    "DEFAULT_CHUNK_S",
    "DEFAULT_MAX_GAP_S",
    "DEFAULT_OVERLAP_S",
    "Part",
    "PartReport",
    "analyze_file",
    "iter_chunks",
    "merge_reports",
]

# --------------------------------------------------------------------------- merging


def _shift_table(t: StrideTable, dt: float, bout0: int) -> StrideTable:
    return StrideTable(t.side, t.ic_s + dt, t.fc_s + dt, t.next_ic_s + dt, t.bout + bout0,
                       t.double_support_s)  # fmt: skip


def _wmean(values: list[Any], weights: list[float]) -> Any:
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None]
    if not pairs:
        return None
    tot = sum(w for _, w in pairs)
    if tot <= 0:
        return sum(np.asarray(v, dtype=np.float64) for v, _ in pairs) / len(pairs)
    return sum(np.asarray(v, dtype=np.float64) * w for v, w in pairs) / tot


def _merge_pressure(parts: list[GaitReport], baseline: float | None) -> PressureSummary:
    feet: dict[str, FootPressure] = {}
    for side in ("left", "right"):
        fps = [(r.pressure.feet[side], r.tables[side].n if side in r.tables else 0)
               for r in parts if side in r.pressure.feet]  # fmt: skip
        if not fps:
            continue
        w = [float(n) for _, n in fps]
        fp0 = fps[0][0]
        stuck = set(fp0.stuck)
        for fp, _ in fps[1:]:
            stuck &= set(fp.stuck)
        cop = _wmean([fp.cop_path_mm for fp, _ in fps], w)
        h2t = _wmean([fp.cop_steps_heel_to_toe_pct for fp, _ in fps], w)
        rate = _wmean([fp.loading_rate_per_s for fp, _ in fps], w)
        feet[side] = FootPressure(
            side,
            {r: float(sum(fp.region_load[r] for fp, _ in fps)) for r in fp0.region_load},
            float(sum(fp.medial_load for fp, _ in fps)),
            float(sum(fp.lateral_load for fp, _ in fps)),
            np.asarray(_wmean([fp.sensor_mean for fp, _ in fps], w)),
            np.nanmax(np.vstack([fp.sensor_peak for fp, _ in fps]), axis=0),
            None if cop is None else np.asarray(cop),
            None if h2t is None else float(h2t),
            None if rate is None else float(rate),
            sorted(stuck),
            fp0.layout,
        )
    return summarise_pressure(feet, baseline)


def _merge_posture(parts: list[GaitReport]) -> PostureSummary:
    w = [r.posture.standing_s for r in parts]
    fields = ("left_share_pct", "rear_share_pct", "sway_ml_mm", "sway_ap_mm", "sway_velocity_mm_s")
    vals = {}
    for f in fields:
        v = _wmean([getattr(r.posture, f) for r in parts], w)
        vals[f] = None if v is None else float(v)
    return PostureSummary(float(sum(w)), **vals)


_PART_NOTES = ("no walking strides were found", "strides found, too few for variability")


@dataclass(frozen=True)
class PartReport:
    """The report of one part and the span it owns (input of :func:`merge_reports`).

    Parameters
    ----------
    t0_s : float
        Recording time of the part's first sample.
    own_start_s, own_end_s : float
        Span this part reports.
    report : GaitReport
        Analysis of the part (times relative to ``t0_s``).
    lost_samples : int
        Missing samples inside the owned span (both feet).
    missing_by_side : dict of side -> int
        The same per foot.
    """

    t0_s: float
    own_start_s: float
    own_end_s: float
    report: GaitReport = field(repr=False)
    lost_samples: int = 0
    missing_by_side: dict[str, int] = field(default_factory=dict)


def _own_table(t: StrideTable, p: PartReport, bout0: int) -> StrideTable:
    ic = t.ic_s + p.t0_s
    keep = (ic >= p.own_start_s) & (ic < p.own_end_s)
    return StrideTable(
        t.side,
        ic[keep],
        t.fc_s[keep] + p.t0_s,
        t.next_ic_s[keep] + p.t0_s,
        t.bout[keep] + bout0,
        t.double_support_s[keep],
    )


def _clip(a: float, b: float, p: PartReport) -> tuple[float, float] | None:
    a, b = max(a, p.own_start_s), min(b, p.own_end_s)
    return (a, b) if b > a + 1e-9 else None


def merge_reports(
    parts: list[PartReport],
    span_s: float,
    meta: dict[str, Any] | None = None,
    baseline_ml_index: float | None = None,
) -> GaitReport:
    """One report from the reports of consecutive parts of a recording.

    Parameters
    ----------
    parts : list of PartReport
        In time order; owned spans do not overlap.
    span_s : float
        Length of the whole recording (seconds), for the activity timeline.
    meta : dict, optional
        Report metadata (source, format...); the first part's is used otherwise.
    baseline_ml_index : float, optional
        As for :func:`gait.analyze`.

    Returns
    -------
    GaitReport
    """
    if not parts:
        raise RecordingValidationError("no part of the recording could be analysed")
    tables = _merge_tables(parts)
    summary = summarise_strides(tables)
    tl = _Timeline()
    for p in parts:
        tl.add_part(p)
    tl.close(span_s)
    fs = float(parts[0].report.meta.get("sampling_rate_hz", 0.0)) or 1.0
    owned_s = sum(p.own_end_s - p.own_start_s for p in parts)
    for side, acc in tl.feet_q.items():
        acc["n_strides"] = int(tables[side].n) if side in tables else 0
        acc["n_samples"] = int(round(owned_s * fs))
        acc["missing_samples"] = int(sum(p.missing_by_side.get(side, 0) for p in parts))
    lost = int(sum(p.lost_samples for p in parts))
    notes = tl.notes
    if summary.n_strides == 0:
        notes.append("no walking strides were found")
    elif summary.n_clean_strides == 0:
        notes.append(
            f"{summary.n_strides} strides found, too few for variability (10 per foot are "
            "needed after dropping 5 at each end of every walking bout)"
        )
    if len(parts) > 1:
        longest = max(p.own_end_s - p.own_start_s for p in parts)
        notes.append(
            f"analysed in {len(parts)} parts of up to {longest:.0f} s (gaps over the part limit "
            "are not filled; contact counts are scaled from each part to its own span)"
        )
    gaps = sorted(tl.gaps, key=lambda g: (-(g["end_s"] - g["start_s"]), g["start_s"], g["side"]))
    gaps = sorted(gaps[:200], key=lambda g: (g["start_s"], g["side"]))
    walking_s = float(
        sum(a.end_s - a.start_s for a in tl.activity if a.kind in ("walking", "running"))
    )
    n_gaps = tl.n_gaps + len(tl.gaps)
    quality = QualityReport(lost, gaps, list(tl.feet_q.values()), notes, n_gaps)
    m = dict(parts[0].report.meta if meta is None else meta)
    m["duration_s"] = round(span_s, 3)
    m["parts"] = len(parts)
    reports = [p.report for p in parts]
    speed = merge_speeds([p.report.speed for p in parts])
    daily = daily_summary(tables, tl.activity, span_s)
    return GaitReport(
        tables,
        summary,
        walking_s,
        tl.activity,
        _merge_pressure(reports, baseline_ml_index),
        _merge_posture(reports),
        care_indicators(summary, speed.walking_speed_m_s, daily.daily_steps),
        quality,
        m,
        speed,
        daily,
    )


def _merge_tables(parts: list[PartReport]) -> dict[str, StrideTable]:
    """Each foot's strides of every part (owned span only), bouts numbered across parts."""
    tables: dict[str, StrideTable] = {}
    bout0 = 0
    last_bout = -1
    prev_end = -1.0
    for p in parts:
        owned = [_own_table(t, p, 0) for t in p.report.tables.values()]
        first = min((int(t.bout.min()) for t in owned if t.n), default=None)
        if first is not None and last_bout >= 0 and abs(p.own_start_s - prev_end) < 1e-6:
            # Contiguous parts: the walk goes on, so the bout does too (no trimming here).
            bout0 = last_bout - first
        elif first is not None:
            bout0 = last_bout + 1 - first
        prev_end = p.own_end_s
        for side, t in p.report.tables.items():
            st = _own_table(t, p, bout0)
            old = tables.get(side)
            if old is not None:
                st = StrideTable(
                    side,
                    np.r_[old.ic_s, st.ic_s],
                    np.r_[old.fc_s, st.fc_s],
                    np.r_[old.next_ic_s, st.next_ic_s],
                    np.r_[old.bout, st.bout],
                    np.r_[old.double_support_s, st.double_support_s],
                )
            tables[side] = st
            if st.n:
                last_bout = max(last_bout, int(st.bout.max()))
    return tables


class _Timeline:
    """Activity segments, gaps, notes and per-foot quality gathered part by part."""

    def __init__(self) -> None:
        self.activity: list[ActivitySegment] = []
        self.gaps: list[dict[str, Any]] = []
        self.n_gaps = 0  # unlisted gaps of the parts
        self.notes: list[str] = []
        self.feet_q: dict[str, dict[str, Any]] = {}
        self.end_prev = 0.0

    def segment(self, a: float, b: float, kind: str) -> None:
        act = self.activity
        if act and act[-1].kind == kind and abs(act[-1].end_s - a) < 1e-6:
            act[-1] = ActivitySegment(act[-1].start_s, b, kind)
        else:
            act.append(ActivitySegment(a, b, kind))

    def add_part(self, p: PartReport) -> None:
        r = p.report
        if p.own_start_s > self.end_prev + 1e-6:
            self.segment(self.end_prev, p.own_start_s, "unknown")
            for side in r.meta.get("feet", []):
                self.gaps.append(
                    {"side": side, "start_s": round(self.end_prev, 4),
                     "end_s": round(p.own_start_s, 4)}
                )  # fmt: skip
        for seg in r.activity:
            c = _clip(seg.start_s + p.t0_s, seg.end_s + p.t0_s, p)
            if c is not None:
                self.segment(c[0], c[1], seg.kind)
        self.end_prev = p.own_end_s
        for g in r.quality.gaps:
            c = _clip(g["start_s"] + p.t0_s, g["end_s"] + p.t0_s, p)
            if c is not None:
                self.gaps.append({**g, "start_s": round(c[0], 4), "end_s": round(c[1], 4)})
        self.n_gaps += r.quality.n_gaps - len(r.quality.gaps)  # the unlisted ones (approximate)
        for n in r.quality.notes:
            if n not in self.notes and not any(k in n for k in _PART_NOTES):
                self.notes.append(n)
        # Counts of a part include its overlap with the neighbours: scale to the owned span.
        share = min(1.0, (p.own_end_s - p.own_start_s) / max(r.meta.get("duration_s", 0.0), 1e-9))
        for q in r.quality.feet:
            self._add_foot(q, share)

    def _add_foot(self, q: dict[str, Any], share: float) -> None:
        acc = self.feet_q.get(q["side"])
        if acc is None:
            acc = self.feet_q[q["side"]] = {**q, "n_contacts": 0, "usable": False}
            acc.pop("wfdb_invalid_code_samples", None)
        else:
            acc["stuck_sensors"] = sorted(
                set(acc.get("stuck_sensors", [])) & set(q.get("stuck_sensors", []))
            )
        acc["n_contacts"] += int(round(int(q.get("n_contacts", 0)) * share))
        acc["usable"] = bool(acc["usable"] or q.get("usable"))
        if "wfdb_invalid_code_samples" in q:
            acc["wfdb_invalid_code_samples"] = acc.get("wfdb_invalid_code_samples", 0) + int(
                round(int(q["wfdb_invalid_code_samples"]) * share)
            )

    def close(self, span_s: float) -> None:
        if span_s > self.end_prev + 1e-6:
            self.segment(self.end_prev, span_s, "unknown")


def _lost_in(part: Part) -> dict[str, int]:
    """Missing samples per foot inside the part's owned span."""
    rec = part.recording
    fs = rec.sampling_rate_hz
    a = int(round((part.own_start_s - part.t0_s) * fs))
    b = int(round((part.own_end_s - part.t0_s) * fs))
    out = {}
    for side, f in rec.feet.items():
        bad = ~finite_rows(f.values[a:b])
        if f.valid is not None:
            bad |= ~f.valid[a:b]
        out[side] = int(bad.sum()) + max(0, (b - a) - f.values[a:b].shape[0])
    return out


def _analyse_parts(
    chunks: Iterator[tuple[float, Recording]],
    params: EventParams,
    baseline_ml_index: float | None,
    overlap_s: float,
    min_part_s: float,
    read_ahead: bool = False,
) -> tuple[list[PartReport], float, str, str, float]:
    """Reports of the parts (with their overlap), the span covered, source, format and rate.

    ``read_ahead``: the next part read on a second thread (:func:`prefetched`), for text files
    (see :mod:`gait.analysis._prefetch` for why not for the others).
    """
    parts: list[PartReport] = []
    span = 0.0
    src = fmt = ""
    fs = 0.0

    def make() -> Generator[Part, None, None]:
        return with_overlap(chunks, overlap_s, min_part_s)

    # closed on any exit: an error in the analysis stops the reading at once
    with closing(prefetched(make, "gait-parts") if read_ahead else make()) as ahead:
        for part in ahead:
            rec = part.recording
            span = max(span, part.own_end_s)
            src, fmt, fs = rec.source, rec.format, rec.sampling_rate_hz
            if not rec.feet:
                continue
            rep = analyze(rec, params, baseline_ml_index)
            miss = _lost_in(part)
            parts.append(PartReport(part.t0_s, part.own_start_s, part.own_end_s, rep,
                                    sum(miss.values()), miss))  # fmt: skip
            del rec, part
            release_freed_memory()
    return parts, span, src, fmt, fs


def analyze_file(
    path: str | Path,
    format: str = "auto",
    params: EventParams = EventParams(),
    baseline_ml_index: float | None = None,
    chunk_s: float = DEFAULT_CHUNK_S,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    overlap_s: float = DEFAULT_OVERLAP_S,
) -> GaitReport:
    """Analyse a recording file of any length in bounded memory.

    Parameters
    ----------
    path : str or Path
        Any file :func:`gait.load_recording` reads.
    format : str
        As for :func:`gait.load_recording`.
    params : EventParams
        Event-detector parameters.
    baseline_ml_index : float, optional
        The wearer's own earlier medial/lateral loading index.
    chunk_s : float
        Longest part analysed at once (seconds); memory grows with it.
    max_gap_s : float
        A gap longer than this ends a part (never filled with a grid).
    overlap_s : float
        Data of the neighbouring parts added on each side for context (seconds).

    Returns
    -------
    GaitReport
        Times are seconds from the start of the recording; ``meta["parts"]`` says how many
        parts were analysed. One part: the same report as ``analyze(load_recording(path))``.

    Raises
    ------
    RecordingReadError
        The file cannot be read (see the readers).
    RecordingValidationError
        Nothing in the file can be analysed.
    """
    # one BLAS thread: its idle workers would spin on the core the text reader parses on
    resolved = resolve_format(path, format)  # sniffed once, for the reader and the read-ahead
    with heap_for_parts(), one_blas_thread():
        parts, span, src, fmt, fs = _analyse_parts(
            iter_chunks(path, resolved, chunk_s, max_gap_s), params, baseline_ml_index,
            overlap_s, min(60.0, chunk_s / 2), read_ahead=is_text_format(path, resolved),
        )  # fmt: skip
    if len(parts) == 1 and parts[0].t0_s == 0.0 and parts[0].own_start_s == 0.0:
        return parts[0].report
    meta = dict(parts[0].report.meta) if parts else {}
    meta.update(source=PurePath(src).name if src else "", format=fmt, sampling_rate_hz=float(fs))
    meta["analysis"] = "gait.analyze_file 0.1.0"
    return merge_reports(parts, span, meta, baseline_ml_index)
