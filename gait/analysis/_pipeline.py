"""``analyze(recording) -> GaitReport``: the whole offline analysis in one call."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath
from typing import Any

import numpy as np

from gait.analysis._activity import classify_activity, load_reference
from gait.analysis._care import care_indicators
from gait.analysis._daily import daily_summary
from gait.analysis._events import EventParams, FootEvents, detect_foot_events
from gait.analysis._feet import each_foot
from gait.analysis._posture import analyse_posture
from gait.analysis._pressure import PressureSummary, analyse_pressure
from gait.analysis._quantiles import foot_finite_rows
from gait.analysis._report import GaitReport, QualityReport
from gait.analysis._speed import walking_speed
from gait.analysis._strides import (
    StrideSummary,
    StrideTable,
    strides_from_events,
    summarise_strides,
)
from gait.analysis._validation import validate_recording
from gait.insole._recording import FootSignal, Recording, as_side

__all__ = ["analyze", "detect_events"]


def detect_events(
    recording: Recording,
    params: EventParams = EventParams(),
) -> dict[str, FootEvents]:
    """Contacts of every foot of a (validated) recording.

    Parameters
    ----------
    recording : Recording
        The recording.
    params : EventParams
        Detector parameters.

    Returns
    -------
    dict of side -> FootEvents
    """
    validate_recording(recording)
    fs = recording.sampling_rate_hz
    return each_foot(lambda s, f: detect_foot_events(f, fs, params), recording.feet)


_MAX_GAPS_LISTED = 200


def _gaps(recording: Recording) -> tuple[int, list[dict[str, Any]], dict[str, int], int]:
    fs = recording.sampling_rate_hz
    gaps: list[dict[str, Any]] = []
    lost = 0
    per_foot = {}
    for side, f in recording.feet.items():
        bad = ~foot_finite_rows(f)
        if f.valid is not None:
            bad |= ~f.valid
        per_foot[side] = int(bad.sum())
        lost += per_foot[side]
        if bad.any():
            d = np.diff(np.r_[0, bad.astype(np.int8), 0])
            for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):
                gaps.append(
                    {
                        "side": side,
                        "start_s": round(float(a) / fs, 4),
                        "end_s": round(float(b) / fs, 4),
                    }
                )
    n_gaps = len(gaps)
    gaps.sort(key=lambda g: (-(g["end_s"] - g["start_s"]), g["start_s"], g["side"]))
    # Keep the report bounded: the longest gaps are listed (in time order), the rest counted.
    gaps = sorted(gaps[:_MAX_GAPS_LISTED], key=lambda g: (g["start_s"], g["side"]))
    return lost, gaps, per_foot, n_gaps


def _pad_feet(recording: Recording) -> Recording:
    """Give both feet the same length: a shorter foot gets a missing (NaN, invalid) tail."""
    feet = recording.feet
    n = max(f.n_samples for f in feet.values())
    if all(f.n_samples == n for f in feet.values()):
        return recording
    padded = {}
    for side, f in feet.items():
        k = n - f.n_samples
        values = np.vstack(
            [np.asarray(f.values, dtype=np.float64), np.full((k, f.values.shape[1]), np.nan)]
        )
        valid = (
            np.ones(f.n_samples, dtype=bool) if f.valid is None else np.asarray(f.valid, dtype=bool)
        )
        imu = None if f.imu is None else np.vstack([f.imu, np.full((k, 6), np.nan)])
        padded[side] = FootSignal(
            as_side(side), values, f.sensor_xy_mm, np.r_[valid, np.zeros(k, dtype=bool)], imu
        )
    return replace(recording, left=padded.get("left"), right=padded.get("right"))


def _foot_quality(
    side: str,
    f: FootSignal,
    ev: FootEvents,
    table: StrideTable,
    stuck: list[int],
    missing: int,
    meta: dict[str, Any],
    notes: list[str],
) -> dict[str, Any]:
    if not ev.usable:
        notes.append(
            f"the {side} foot signal shows no loading/unloading cycles (flat, zero or missing)"
        )
    if stuck:
        notes.append(f"{side} insole: {len(stuck)} sensor(s) never change and were ignored")
    q = {
        "side": side,
        "n_samples": f.n_samples,
        "missing_samples": missing,
        "usable": bool(ev.usable),
        "n_contacts": int(ev.ic.size),
        "n_strides": int(table.n),
        "stuck_sensors": stuck,
    }
    inv = meta.get("wfdb_invalid_samples")
    if isinstance(inv, dict) and side in inv:
        q["wfdb_invalid_code_samples"] = int(inv[side])
    return q


def _quality(
    recording: Recording,
    events: dict[str, FootEvents],
    tables: dict[str, StrideTable],
    summary: StrideSummary,
    pressure: PressureSummary,
) -> QualityReport:
    """Lost samples, gaps, per-foot usability and the notes a reader needs."""
    lost, gaps, per_foot, n_gaps = _gaps(recording)
    notes = []
    if n_gaps > len(gaps):
        notes.append(f"{n_gaps} gaps in total; the {len(gaps)} longest are listed")
    notes += [str(n) for n in recording.meta.get("ingest_notes", ())]
    if len(recording.feet) == 1:
        only = next(iter(recording.feet))
        notes.append(
            f"only the {only} foot was recorded: double support and symmetry are not available, and "
            "activity tells only walking and running"
        )
    feet_q = []
    for side, f in recording.feet.items():
        stuck = pressure.feet[side].stuck if side in pressure.feet else []
        feet_q.append(
            _foot_quality(
                side, f, events[side], tables[side], stuck, per_foot[side], recording.meta, notes
            )  # fmt: skip
        )
    if summary.n_strides == 0:
        notes.append("no walking strides were found")
    elif summary.n_clean_strides == 0:
        notes.append(
            f"{summary.n_strides} strides found, too few for variability (10 per foot are "
            "needed after dropping 5 at each end of every walking bout)"
        )
    return QualityReport(lost, gaps, feet_q, notes, n_gaps)


def _meta(recording: Recording) -> dict[str, Any]:
    meta = {
        # File name only: reports are shown to wearers and stored by the storefront, and the
        # directory layout of the machine that analysed the file is nobody's business.
        "source": PurePath(recording.source).name if recording.source else "",
        "format": recording.format,
        "sampling_rate_hz": float(recording.sampling_rate_hz),
        "duration_s": round(recording.duration_s, 3),
        "feet": list(recording.feet),
        "analysis": "gait.analyze 0.1.0",
    }
    for k in ("record", "subject", "group", "study", "treadmill", "layout", "units"):
        if k in recording.meta:
            meta[k] = recording.meta[k]
    return meta


def analyze(
    recording: Recording,
    params: EventParams = EventParams(),
    baseline_ml_index: float | None = None,
) -> GaitReport:
    """Analyse a recording: events, strides, activity, pressure, posture, care indicators.

    Parameters
    ----------
    recording : Recording
        One or two feet on a common clock.
    params : EventParams
        Event-detector parameters.
    baseline_ml_index : float, optional
        The wearer's own earlier medial/lateral loading index (see :mod:`gait.analysis._pressure`).

    Returns
    -------
    GaitReport

    Raises
    ------
    RecordingValidationError
        When the recording cannot be analysed at all (no samples, bad rate, bad shapes).
    """
    validate_recording(recording)
    recording = _pad_feet(recording)
    events = detect_events(recording, params)
    fs = recording.sampling_rate_hz
    n = max(f.n_samples for f in recording.feet.values())
    tables: dict[str, StrideTable] = {}
    for side, ev in events.items():
        other = events.get("right" if side == "left" else "left")
        tables[side] = strides_from_events(ev, other, n)
    summary = summarise_strides(tables)
    reference = load_reference(recording, tables) if len(recording.feet) == 2 else None
    activity = classify_activity(recording, events, tables, reference=reference)
    walking_s = float(sum(a.duration_s for a in activity if a.kind in ("walking", "running")))
    pressure = analyse_pressure(recording.feet, tables, fs, baseline_ml_index)
    posture = analyse_posture(recording, activity, tables, reference=reference)
    quality = _quality(recording, events, tables, summary, pressure)
    meta = _meta(recording)
    speed = walking_speed(recording.feet, tables, fs)
    daily = daily_summary(tables, activity, recording.duration_s)
    care = care_indicators(summary, speed.walking_speed_m_s, daily.daily_steps)
    return GaitReport(
        tables, summary, walking_s, activity, pressure, posture, care, quality, meta, speed, daily
    )
