"""Exceptions raised by :mod:`gait`."""

from __future__ import annotations

import enum

__all__ = [
    "GaitError",
    "RecordingReadError",
    "RecordingValidationError",
    "PacketError",
    "InsoleNotFoundError",
    "NotFoundReason",
    "MissingExtraError",
]


class GaitError(Exception):
    """Base class of every gait error."""


class RecordingReadError(GaitError):
    """A recording file could not be read (missing, truncated, wrong format)."""


class RecordingValidationError(GaitError):
    """A recording was read but cannot be analysed as asked."""


class PacketError(GaitError, ValueError):
    """A BLE packet is malformed (length, version, counter, checksum)."""


class NotFoundReason(enum.Enum):
    """Why no insole was found."""

    NO_ADAPTER = "no Bluetooth adapter"
    TIMEOUT = "no insole advertised within the scan time"
    SIDE_MISSING = "only one side was found"


class InsoleNotFoundError(GaitError):
    """Scanning found no (or not both) insoles."""

    def __init__(self, reason: NotFoundReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}{': ' + detail if detail else ''}")
        self.reason = reason


class MissingExtraError(GaitError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, extra: str, package: str) -> None:
        super().__init__(
            f"this feature needs the optional package {package!r}: "
            f'install it with pip install "shoestreet[{extra}]"'
        )
        self.extra = extra
        self.package = package
