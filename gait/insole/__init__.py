"""Acquisition: insole BLE link, session files, device decoders, virtual insoles, recordings.

Nothing here imports the analysis (:mod:`gait.analysis`) or the file readers
(:mod:`gait.readers`); they build on this package.
"""

from gait.insole._ble import (
    InsoleConnection,
    ReconnectPolicy,
    SessionSummary,
    record_session,
    scan_insoles,
)
from gait.insole._devices import DecodedPacket, DecodedSample, get_decoder, register_decoder
from gait.insole._layouts import (
    REGIONS,
    SensorLayout,
    get_layout,
    insole_outline_mm,
    layout_from_positions,
)
from gait.insole._recording import FootSignal, Recording
from gait.insole._session import SESSION_SUFFIX, SessionWriter, read_session
from gait.insole._simulate import SimulationResult, simulate_session
from gait.insole._synthetic import ACTIVITIES, SyntheticTruth, synthesize, synthesize_with_truth
from gait.insole._upload import UploadError, upload_session
from gait.insole._virtual import FaultPlan, VirtualInsole, synthetic_signals

__all__ = [
    "ACTIVITIES",
    "REGIONS",
    "SESSION_SUFFIX",
    "DecodedPacket",
    "DecodedSample",
    "FaultPlan",
    "FootSignal",
    "InsoleConnection",
    "Recording",
    "ReconnectPolicy",
    "SensorLayout",
    "SessionSummary",
    "SessionWriter",
    "SimulationResult",
    "SyntheticTruth",
    "UploadError",
    "VirtualInsole",
    "get_decoder",
    "get_layout",
    "insole_outline_mm",
    "layout_from_positions",
    "read_session",
    "record_session",
    "register_decoder",
    "scan_insoles",
    "simulate_session",
    "synthesize",
    "synthesize_with_truth",
    "synthetic_signals",
    "upload_session",
]
