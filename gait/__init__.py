"""gait: smart-insole recordings -> gait events, strides, pressure, activity -> reports.

Subpackages
-----------
gait.insole
    Acquisition: BLE client, session files, device decoders, virtual insoles, recordings.
gait.readers
    Recording files (CSV, PhysioNet gaitpdb/WFDB, Moticon OpenGo, session files).
gait.analysis
    Events, strides, pressure, activity, posture, care indicators, reports.

This top level re-exports the public API a user needs to read a recording and analyse it.
"""

from gait.analysis import (
    ActivitySegment,
    CareIndicator,
    EventParams,
    FootEvents,
    GaitReport,
    PostureSummary,
    PressureSummary,
    QualityReport,
    RunningMetrics,
    StreamEvent,
    StreamingAnalyzer,
    StrideSummary,
    StrideTable,
    analyse_posture,
    analyse_pressure,
    analyze,
    analyze_file,
    care_indicators,
    classify_activity,
    detect_events,
    detect_foot_events,
    replay,
    strides_from_events,
    summarise_strides,
    validate_recording,
)
from gait.consts import REFERENCE_RANGES, ReferenceRange
from gait.exceptions import (
    GaitError,
    InsoleNotFoundError,
    MissingExtraError,
    PacketError,
    RecordingReadError,
    RecordingValidationError,
)
from gait.insole import (
    REGIONS,
    FootSignal,
    Recording,
    SensorLayout,
    get_layout,
    insole_outline_mm,
    layout_from_positions,
    read_session,
    synthesize,
    upload_session,
)
from gait.readers import (
    FORMATS,
    load_recording,
    read_csv,
    read_gaitpdb,
    read_moticon,
    read_wfdb,
    write_csv,
)

# The re-export list repeats gait.analysis.__all__ by design (a flat top-level API); it is a
# declaration, not logic, so the copy detector is told to skip it here.
# pylint: disable=duplicate-code
__version__ = "0.1.0"

__all__ = [
    "FORMATS",
    "REFERENCE_RANGES",
    "REGIONS",
    "ActivitySegment",
    "CareIndicator",
    "EventParams",
    "FootEvents",
    "FootSignal",
    "GaitError",
    "GaitReport",
    "InsoleNotFoundError",
    "MissingExtraError",
    "PacketError",
    "PostureSummary",
    "PressureSummary",
    "QualityReport",
    "Recording",
    "RecordingReadError",
    "RecordingValidationError",
    "ReferenceRange",
    "RunningMetrics",
    "SensorLayout",
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
    "get_layout",
    "insole_outline_mm",
    "layout_from_positions",
    "load_recording",
    "read_csv",
    "read_gaitpdb",
    "read_moticon",
    "read_session",
    "read_wfdb",
    "replay",
    "strides_from_events",
    "summarise_strides",
    "synthesize",
    "upload_session",
    "validate_recording",
    "write_csv",
]
