"""Validation of recordings at the analysis boundary (one place, clear messages)."""

from __future__ import annotations

import math

import numpy as np

from gait.exceptions import RecordingValidationError
from gait.insole._recording import FootSignal, Recording

__all__ = ["validate_foot", "validate_recording"]


def validate_foot(foot: FootSignal) -> None:
    """Check shapes and types of one foot signal.

    Parameters
    ----------
    foot : FootSignal
        The foot.

    Raises
    ------
    RecordingValidationError
        Wrong side name, non-2-D values, mismatched ``valid``/``imu``/positions.
    """
    if foot.side not in ("left", "right"):
        raise RecordingValidationError(f"foot side must be 'left' or 'right', got {foot.side!r}")
    v = np.asarray(foot.values)
    if v.ndim != 2 or v.shape[1] < 1:
        raise RecordingValidationError(
            f"{foot.side} foot values must be (n, k) with k >= 1, got shape {v.shape}"
        )
    if not np.issubdtype(v.dtype, np.number):
        raise RecordingValidationError(f"{foot.side} foot values must be numeric, got {v.dtype}")
    n = v.shape[0]
    if foot.valid is not None and np.shape(foot.valid) != (n,):
        raise RecordingValidationError(
            f"{foot.side} foot: valid mask has shape {np.shape(foot.valid)}, need ({n},)"
        )
    if foot.sensor_xy_mm is not None and np.shape(foot.sensor_xy_mm) != (v.shape[1], 2):
        raise RecordingValidationError(
            f"{foot.side} foot: sensor positions have shape {np.shape(foot.sensor_xy_mm)}, need ({v.shape[1]}, 2)"
        )
    if foot.imu is not None and np.shape(foot.imu) != (n, 6):
        raise RecordingValidationError(
            f"{foot.side} foot: IMU has shape {np.shape(foot.imu)}, need ({n}, 6)"
        )


def validate_recording(recording: Recording) -> None:
    """Check that a recording can be analysed.

    Parameters
    ----------
    recording : Recording
        The recording.

    Raises
    ------
    RecordingValidationError
        No foot, no samples, a non-positive or non-finite rate, or a malformed foot.
    """
    rate = recording.sampling_rate_hz
    if not isinstance(rate, int | float) or not math.isfinite(rate) or rate <= 0:
        raise RecordingValidationError(f"sampling rate must be a positive number, got {rate!r}")
    feet = recording.feet
    if not feet:
        raise RecordingValidationError("the recording has no foot signal")
    for side, foot in (("left", recording.left), ("right", recording.right)):
        if foot is not None and foot.side != side:
            raise RecordingValidationError(f"the {side} slot holds a {foot.side!r} foot signal")
    for foot in feet.values():
        validate_foot(foot)
    n = max(f.n_samples for f in feet.values())
    if n < 2:
        raise RecordingValidationError("the recording has fewer than two samples")
