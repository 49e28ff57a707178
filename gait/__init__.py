"""gait: smart-insole BLE streams and recordings -> gait events, strides, pressure, activity -> reports."""

from gait._activity import ActivitySegment, classify_activity
from gait._ble import (
    InsoleConnection,
    ReconnectPolicy,
    SessionSummary,
    record_session,
    scan_insoles,
)
from gait._care import CareIndicator, care_indicators
from gait._chunked import analyze_file, iter_chunks
from gait._clock import CounterTracker, sample_indices, unwrap_counter
from gait._devices import DecodedPacket, DecodedSample, get_decoder, register_decoder
from gait._events import EventParams, FootEvents, detect_foot_events
from gait._gatt import (
    CONTROL_CHAR_UUID,
    INFO_CHAR_UUID,
    INSOLE_SERVICE_UUID,
    LAYOUT_CHAR_UUID,
    PRESSURE_CHAR_UUID,
)
from gait._layouts import (
    REGIONS,
    SensorLayout,
    get_layout,
    insole_outline_mm,
    layout_from_positions,
)
from gait._moticon import read_moticon
from gait._packets import InsoleInfo, PacketFlags, PressureFrame, PressurePacket, SensorLayoutPacket
from gait._pipeline import analyze, detect_events
from gait._posture import PostureSummary, analyse_posture
from gait._pressure import PressureSummary, analyse_pressure
from gait._readers import FORMATS, load_recording, read_csv, read_gaitpdb, read_wfdb, write_csv
from gait._recording import FootSignal, Recording
from gait._report import GaitReport, QualityReport
from gait._session import SESSION_SUFFIX, SessionWriter, read_session
from gait._simulate import SimulationResult, simulate_session
from gait._sources import InsoleFrame, InsoleSource, QueueInsoleSource, ReplayInsoleSource
from gait._streaming import RunningMetrics, StreamEvent, StreamingAnalyzer, replay
from gait._strides import StrideSummary, StrideTable, strides_from_events, summarise_strides
from gait._synthetic import ACTIVITIES, SyntheticTruth, synthesize, synthesize_with_truth
from gait._upload import UploadError, upload_session
from gait._validation import validate_recording
from gait._virtual import FaultPlan, InsoleSignal, VirtualInsole, synthetic_signals
from gait.consts import REFERENCE_RANGES, ReferenceRange
from gait.exceptions import (
    GaitError,
    InsoleNotFoundError,
    MissingExtraError,
    PacketError,
    RecordingReadError,
    RecordingValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIVITIES",
    "FORMATS",
    "REFERENCE_RANGES",
    "REGIONS",
    "ActivitySegment",
    "CareIndicator",
    "EventParams",
    "FootEvents",
    "FootSignal",
    "GaitReport",
    "PostureSummary",
    "PressureSummary",
    "QualityReport",
    "Recording",
    "ReferenceRange",
    "RunningMetrics",
    "StreamEvent",
    "StreamingAnalyzer",
    "SensorLayout",
    "StrideSummary",
    "StrideTable",
    "SyntheticTruth",
    "analyse_posture",
    "analyse_pressure",
    "analyze",
    "analyze_file",
    "iter_chunks",
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
    "read_wfdb",
    "replay",
    "strides_from_events",
    "summarise_strides",
    "synthesize",
    "synthesize_with_truth",
    "validate_recording",
    "write_csv",
    "GaitError",
    "InsoleNotFoundError",
    "MissingExtraError",
    "PacketError",
    "RecordingReadError",
    "RecordingValidationError",
    "CONTROL_CHAR_UUID",
    "INFO_CHAR_UUID",
    "INSOLE_SERVICE_UUID",
    "LAYOUT_CHAR_UUID",
    "PRESSURE_CHAR_UUID",
    "SESSION_SUFFIX",
    "CounterTracker",
    "DecodedPacket",
    "DecodedSample",
    "FaultPlan",
    "InsoleConnection",
    "InsoleFrame",
    "InsoleInfo",
    "InsoleSignal",
    "InsoleSource",
    "PacketFlags",
    "PressureFrame",
    "PressurePacket",
    "QueueInsoleSource",
    "ReconnectPolicy",
    "ReplayInsoleSource",
    "SensorLayoutPacket",
    "SessionSummary",
    "SessionWriter",
    "SimulationResult",
    "UploadError",
    "VirtualInsole",
    "get_decoder",
    "read_session",
    "record_session",
    "register_decoder",
    "sample_indices",
    "scan_insoles",
    "simulate_session",
    "synthetic_signals",
    "unwrap_counter",
    "upload_session",
]
