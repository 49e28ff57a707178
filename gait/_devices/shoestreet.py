"""Decoder for our own insole profile (:mod:`gait._packets`, version 1)."""

from __future__ import annotations

from gait._devices import DecodedPacket, DecodedSample
from gait._packets import PressurePacket

__all__ = ["NAME", "decode"]

NAME = "shoestreet-v1"


def decode(data: bytes) -> DecodedPacket:
    """Decode one pressure notification; :class:`~gait.exceptions.PacketError` if malformed."""
    pkt = PressurePacket.from_bytes(data)
    return DecodedPacket(
        tuple(DecodedSample(f.seq, f.t_device_us, f.values, f.imu) for f in pkt.frames),
        seq_bits=16,
        t_bits=32,
    )
