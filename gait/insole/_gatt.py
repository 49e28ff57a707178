"""The Shoe Street insole GATT profile: UUIDs and link parameters (see ``docs/gatt-profile.md``).

The UUIDs are random 128-bit values generated once for this profile; no Bluetooth SIG
profile covers pressure insoles.
"""

from __future__ import annotations

__all__ = [
    "INSOLE_SERVICE_UUID",
    "PRESSURE_CHAR_UUID",
    "INFO_CHAR_UUID",
    "LAYOUT_CHAR_UUID",
    "CONTROL_CHAR_UUID",
    "DEFAULT_ADV_NAME",
    "PREFERRED_MTU",
    "MIN_MTU",
    "ControlCommand",
]

import enum

#: Primary service advertised by every insole; scan filters on it.
INSOLE_SERVICE_UUID = "7ad7eb97-315e-4d11-9924-c28b94a51169"
#: Notify: :class:`gait.insole._packets.PressurePacket` (1..32 samples per notification).
PRESSURE_CHAR_UUID = "9d679a58-22df-4d4b-9369-f0a030930175"
#: Read: :class:`gait.insole._packets.InsoleInfo` (side, layout id, sensor count, rate, IMU scales).
INFO_CHAR_UUID = "a0c64a0f-2a96-422f-ae12-97fade0a297d"
#: Read: :class:`gait.insole._packets.SensorLayoutPacket` (sensor positions in mm).
LAYOUT_CHAR_UUID = "2a81f736-73d0-4c75-a8a1-f32c10f4e1d7"
#: Write: one :class:`ControlCommand` byte.
CONTROL_CHAR_UUID = "cb4cef1e-fa7e-4806-883e-acc0d9b00b6f"

#: Advertised local name prefix. Name + one 128-bit UUID must fit a 31-byte advertisement,
#: so names are at most 8 characters ("SSInsL", "SSInsR").
DEFAULT_ADV_NAME = "SSIns"
#: ATT MTU the client asks for: 5 samples of 16 cells + IMU (42 B each) fit one notification.
PREFERRED_MTU = 247
#: The default ATT MTU before negotiation.
MIN_MTU = 23


class ControlCommand(enum.IntEnum):
    """Values written to the control characteristic."""

    #: Stop streaming (notifications cease; the counter keeps running).
    PAUSE = 0x00
    #: Resume streaming.
    RESUME = 0x01
