"""gait: smart-insole BLE streams and recordings -> gait events, strides, pressure, activity -> reports."""

from gait._recording import FootSignal, Recording
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
    "FootSignal",
    "Recording",
    "GaitError",
    "InsoleNotFoundError",
    "MissingExtraError",
    "PacketError",
    "RecordingReadError",
    "RecordingValidationError",
]
