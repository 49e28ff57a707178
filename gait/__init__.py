"""gait: smart-insole BLE streams and recordings -> gait events, strides, pressure, activity -> reports."""

from gait._layouts import (
    REGIONS,
    SensorLayout,
    get_layout,
    insole_outline_mm,
    layout_from_positions,
)
from gait._recording import FootSignal, Recording
from gait._synthetic import ACTIVITIES, SyntheticTruth, synthesize, synthesize_with_truth
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
    "REGIONS",
    "FootSignal",
    "Recording",
    "SensorLayout",
    "SyntheticTruth",
    "get_layout",
    "insole_outline_mm",
    "layout_from_positions",
    "synthesize",
    "synthesize_with_truth",
    "GaitError",
    "InsoleNotFoundError",
    "MissingExtraError",
    "PacketError",
    "RecordingReadError",
    "RecordingValidationError",
]
