"""Analysis core: gait events, strides, pressure, activity, posture, care indicators, reports.

Builds on :mod:`gait.insole` (the :class:`~gait.insole.Recording` type, sensor layouts) and
:mod:`gait.readers` (files); neither imports anything from here.
"""

from gait.analysis._activity import ActivitySegment, classify_activity
from gait.analysis._care import CareIndicator, care_indicators
from gait.analysis._chunked import analyze_file
from gait.analysis._events import EventParams, FootEvents, detect_foot_events
from gait.analysis._pipeline import analyze, detect_events
from gait.analysis._posture import PostureSummary, analyse_posture
from gait.analysis._pressure import PressureSummary, analyse_pressure
from gait.analysis._report import GaitReport, QualityReport
from gait.analysis._streaming import RunningMetrics, StreamEvent, StreamingAnalyzer, replay
from gait.analysis._strides import (
    StrideSummary,
    StrideTable,
    strides_from_events,
    summarise_strides,
)
from gait.analysis._validation import validate_recording

__all__ = [
    "ActivitySegment",
    "CareIndicator",
    "EventParams",
    "FootEvents",
    "GaitReport",
    "PostureSummary",
    "PressureSummary",
    "QualityReport",
    "RunningMetrics",
    "StreamEvent",
    "StreamingAnalyzer",
    "StrideSummary",
    "StrideTable",
    "analyse_posture",
    "analyse_pressure",
    "analyze",
    "analyze_file",
    "care_indicators",
    "classify_activity",
    "detect_events",
    "detect_foot_events",
    "replay",
    "strides_from_events",
    "summarise_strides",
    "validate_recording",
]
