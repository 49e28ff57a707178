"""Decoded packet types and the name -> decoder table (no decoder imports it back)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gait.exceptions import PacketError

__all__ = [
    "DecodedSample",
    "DecodedPacket",
    "Decoder",
    "register_decoder",
    "get_decoder",
    "decoder_names",
]


@dataclass(frozen=True)
class DecodedSample:
    """One sample in device units.

    Parameters
    ----------
    seq : int
        Raw (wrapping) sample counter.
    t_device_us : int or None
        Raw (wrapping) device timestamp in microseconds, if the device sends one.
    values : tuple of int
        Raw sensor values.
    imu : tuple of int or None
        Raw IMU values (acc xyz, gyro xyz).
    """

    seq: int
    t_device_us: int | None
    values: tuple[int, ...]
    imu: tuple[int, ...] | None = None


@dataclass(frozen=True)
class DecodedPacket:
    """Samples of one notification plus the counter/timestamp widths of the device.

    Parameters
    ----------
    samples : tuple of DecodedSample
    seq_bits : int
        Width of the sample counter (it wraps at ``2**seq_bits``).
    t_bits : int
        Width of the device timestamp in microseconds (0 when the device sends none).
    """

    samples: tuple[DecodedSample, ...]
    seq_bits: int
    t_bits: int


Decoder = Callable[[bytes], DecodedPacket]

_REGISTRY: dict[str, Decoder] = {}


def register_decoder(name: str, decoder: Decoder) -> None:
    """Register ``decoder`` under ``name`` (replacing nothing: names are unique)."""
    if name in _REGISTRY and _REGISTRY[name] is not decoder:
        raise ValueError(f"a decoder named {name!r} is already registered")
    _REGISTRY[name] = decoder


def get_decoder(name: str) -> Decoder:
    """The decoder registered as ``name``; :class:`PacketError` if unknown."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise PacketError(
            f"no decoder for device type {name!r} (have {sorted(_REGISTRY)})"
        ) from None


def decoder_names() -> list[str]:
    """Names of the registered decoders."""
    return sorted(_REGISTRY)
