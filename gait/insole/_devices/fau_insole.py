"""Decoder for the FAU MaD-lab InsoleSensor stream (layout from ``docs`` of the gait reference).

Each notification holds ``n`` 20-byte frames: gyroscope 3 x int16, accelerometer 3 x int16,
barometer int16, three uint8 force cells and a 15-bit big-endian sample counter in the last two
bytes (byte 17 is not described and is ignored), at 200 Hz. The device sends no timestamp, so
time comes from the counter alone.
"""

from __future__ import annotations

import struct

from gait.exceptions import PacketError
from gait.insole._devices._registry import DecodedPacket, DecodedSample

__all__ = ["NAME", "FRAME_SIZE", "decode"]

NAME = "fau-insole"
FRAME_SIZE = 20
# The reference lists 19 bytes of fields for a 20-byte frame with the counter in the last two
# bytes; byte 17 is undocumented and skipped ("x").
_FRAME = struct.Struct(">3h3hh3BxH")


def decode(data: bytes) -> DecodedPacket:
    """Decode one notification of whole 20-byte frames; :class:`PacketError` otherwise."""
    if len(data) == 0 or len(data) % FRAME_SIZE:
        raise PacketError(f"FAU insole notification of {len(data)} bytes is not n x 20 bytes")
    samples = []
    for off in range(0, len(data), FRAME_SIZE):
        gx, gy, gz, ax, ay, az, _baro, f0, f1, f2, counter = _FRAME.unpack_from(data, off)
        samples.append(
            DecodedSample(counter & 0x7FFF, None, (f0, f1, f2), (ax, ay, az, gx, gy, gz))
        )
    return DecodedPacket(tuple(samples), seq_bits=15, t_bits=0)
