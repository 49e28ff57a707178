"""Byte layouts of the Shoe Street insole GATT profile (version 1).

Every multi-byte field is little-endian. Each payload type is a frozen dataclass with a
``from_bytes`` class method and a ``__bytes__`` method that is its exact inverse; ranges are
checked in ``__post_init__`` so an object that exists can always be encoded, and ``from_bytes``
raises :class:`~gait.exceptions.PacketError` for any buffer it cannot decode completely.

The byte tables are documented in ``docs/gatt-profile.md``.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from gait.exceptions import PacketError

__all__ = [
    "PROTOCOL_VERSION",
    "MAX_SENSORS",
    "PacketFlags",
    "Side",
    "PressureFrame",
    "PressurePacket",
    "InsoleInfo",
    "SensorLayoutPacket",
    "packet_size",
]

#: Version byte carried by every payload of this profile.
PROTOCOL_VERSION = 1
#: Largest sensor count a frame may carry (a one-byte field could hold more, but 32 cells at
#: 16 bits plus the frame header already need an MTU above the 23-byte default).
MAX_SENSORS = 32
#: Largest number of samples batched in one notification.
MAX_SAMPLES_PER_PACKET = 32

_U16 = 0xFFFF
_U32 = 0xFFFF_FFFF
_ADC_12BIT_MAX = 0x0FFF

# Pressure notification header: version, flags, n_sensors, n_samples.
_PKT_HEADER = struct.Struct("<BBBB")
# Per-sample header: sequence counter (uint16), device timestamp in microseconds (uint32).
_SAMPLE_HEADER = struct.Struct("<HI")
_IMU = struct.Struct("<6h")
# Info: version, side, layout_id, n_sensors, flags, sampling rate (mHz), acc range (g),
# gyro range (deg/s), device serial, force calibration (mN per count, 0 = uncalibrated).
_INFO = struct.Struct("<BBHBBIBHIH")
# Layout: version, layout_id, n_sensors, insole length (0.1 mm); then n x (x, y) int16 (0.1 mm).
_LAYOUT_HEADER = struct.Struct("<BHBH")
_XY = struct.Struct("<hh")


class PacketFlags(enum.IntFlag):
    """Header bits of a pressure notification."""

    #: Each sample carries 6 x int16 IMU values (accelerometer xyz, gyroscope xyz).
    IMU = 0x01
    #: Sensor values are 12-bit, packed two per three bytes (else one uint16 each).
    PACKED_12BIT = 0x02


_KNOWN_FLAGS = PacketFlags.IMU | PacketFlags.PACKED_12BIT


class Side(enum.IntEnum):
    """Which foot an insole is worn on."""

    LEFT = 0
    RIGHT = 1


def _values_size(n_sensors: int, packed: bool) -> int:
    return (n_sensors * 3 + 1) // 2 if packed else 2 * n_sensors


def packet_size(n_sensors: int, n_samples: int, flags: PacketFlags) -> int:
    """Bytes of a pressure notification with these dimensions.

    Parameters
    ----------
    n_sensors, n_samples : int
        Sensors per sample and samples in the notification.
    flags : PacketFlags
        Header flags (IMU presence, 12-bit packing).

    Returns
    -------
    int
    """
    per = _SAMPLE_HEADER.size + _values_size(n_sensors, PacketFlags.PACKED_12BIT in flags)
    if PacketFlags.IMU in flags:
        per += _IMU.size
    return _PKT_HEADER.size + n_samples * per


def _pack12(values: Sequence[int]) -> bytes:
    out = bytearray()
    for i in range(0, len(values), 2):
        a = values[i]
        b = values[i + 1] if i + 1 < len(values) else 0
        out += bytes((a & 0xFF, (a >> 8) | ((b & 0x0F) << 4), b >> 4))
    # An odd count leaves the second half of the last triplet unused: drop its byte.
    return bytes(out[: _values_size(len(values), True)])


def _unpack12(buf: bytes | bytearray | memoryview, n: int) -> tuple[int, ...]:
    vals = []
    for i in range(0, n, 2):
        j = (i // 2) * 3
        b0, b1 = buf[j], buf[j + 1]
        vals.append(b0 | ((b1 & 0x0F) << 8))
        if i + 1 < n:
            vals.append((b1 >> 4) | (buf[j + 2] << 4))
    return tuple(vals)


@dataclass(frozen=True)
class PressureFrame:
    """One sample of one insole.

    Parameters
    ----------
    seq : int
        Sample counter, uint16; it advances by one per sample at the nominal rate and wraps.
    t_device_us : int
        Device clock at the sample, microseconds, uint32 (wraps every ~71.6 min).
    values : tuple of int
        Raw sensor readings (ADC counts), 1..MAX_SENSORS values, each 0..65535.
    imu : tuple of 6 int or None
        Raw accelerometer xyz and gyroscope xyz (int16, scaled by the ranges in
        :class:`InsoleInfo`), or ``None``.
    """

    seq: int
    t_device_us: int
    values: tuple[int, ...]
    imu: tuple[int, int, int, int, int, int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(int(v) for v in self.values))
        if self.imu is not None:
            object.__setattr__(self, "imu", tuple(int(v) for v in self.imu))
        if not 0 <= self.seq <= _U16:
            raise PacketError(f"sequence counter {self.seq} outside uint16")
        if not 0 <= self.t_device_us <= _U32:
            raise PacketError(f"device timestamp {self.t_device_us} us outside uint32")
        if not 1 <= len(self.values) <= MAX_SENSORS:
            raise PacketError(f"{len(self.values)} sensor values; expected 1..{MAX_SENSORS}")
        if any(not 0 <= v <= _U16 for v in self.values):
            raise PacketError("sensor values must be 0..65535")
        if self.imu is not None and (
            len(self.imu) != 6 or any(not -32768 <= v <= 32767 for v in self.imu)
        ):
            raise PacketError("IMU must be 6 int16 values")

    @property
    def n_sensors(self) -> int:
        """Number of sensor values."""
        return len(self.values)


@dataclass(frozen=True)
class PressurePacket:
    """One pressure notification: a header and 1..32 samples.

    Parameters
    ----------
    frames : tuple of PressureFrame
        The samples, in the order sent (normally oldest first). All have the same sensor
        count and all or none carry IMU values.
    packed_12bit : bool
        Encode sensor values as packed 12-bit (values must then be <= 4095).
    version : int
        Protocol version; only :data:`PROTOCOL_VERSION` is understood.

    Notes
    -----
    Layout: ``version u8 | flags u8 | n_sensors u8 | n_samples u8`` then per sample
    ``seq u16 | t_device_us u32 | values | [imu 6 x i16]``.
    """

    frames: tuple[PressureFrame, ...]
    packed_12bit: bool = False
    version: int = PROTOCOL_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "frames", tuple(self.frames))
        if self.version != PROTOCOL_VERSION:
            raise PacketError(f"unsupported protocol version {self.version}")
        if not 1 <= len(self.frames) <= MAX_SAMPLES_PER_PACKET:
            raise PacketError(
                f"{len(self.frames)} samples in one packet; expected 1..{MAX_SAMPLES_PER_PACKET}"
            )
        n = self.frames[0].n_sensors
        has_imu = self.frames[0].imu is not None
        for f in self.frames:
            if f.n_sensors != n:
                raise PacketError("all samples of a packet need the same sensor count")
            if (f.imu is not None) != has_imu:
                raise PacketError("either every sample of a packet has IMU values or none")
            if self.packed_12bit and max(f.values) > _ADC_12BIT_MAX:
                raise PacketError("12-bit packing needs sensor values <= 4095")

    @property
    def flags(self) -> PacketFlags:
        """Header flags implied by the contents."""
        flags = PacketFlags(0)
        if self.frames[0].imu is not None:
            flags |= PacketFlags.IMU
        if self.packed_12bit:
            flags |= PacketFlags.PACKED_12BIT
        return flags

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> PressurePacket:
        """Decode a notification.

        Raises
        ------
        PacketError
            Wrong version, unknown flags, zero or too many sensors/samples, or a length that
            does not match the header exactly (truncated or trailing bytes).
        """
        buf = memoryview(bytes(data))
        if len(buf) < _PKT_HEADER.size:
            raise PacketError(f"pressure packet of {len(buf)} bytes is shorter than its header")
        version, flag_bits, n_sensors, n_samples = _PKT_HEADER.unpack_from(buf, 0)
        if version != PROTOCOL_VERSION:
            raise PacketError(f"unsupported protocol version {version}")
        if flag_bits & ~int(_KNOWN_FLAGS):
            raise PacketError(f"unknown flag bits 0x{flag_bits:02x}")
        flags = PacketFlags(flag_bits)
        if not 1 <= n_sensors <= MAX_SENSORS:
            raise PacketError(f"header says {n_sensors} sensors; expected 1..{MAX_SENSORS}")
        if not 1 <= n_samples <= MAX_SAMPLES_PER_PACKET:
            raise PacketError(f"header says {n_samples} samples; expected 1..32")
        expected = packet_size(n_sensors, n_samples, flags)
        if len(buf) != expected:
            raise PacketError(
                f"pressure packet is {len(buf)} bytes; header ({n_sensors} sensors x "
                f"{n_samples} samples, flags {flag_bits:#04x}) needs {expected}"
            )
        packed = PacketFlags.PACKED_12BIT in flags
        vsize = _values_size(n_sensors, packed)
        off = _PKT_HEADER.size
        frames = []
        for _ in range(n_samples):
            seq, t_us = _SAMPLE_HEADER.unpack_from(buf, off)
            off += _SAMPLE_HEADER.size
            if packed:
                values = _unpack12(buf[off : off + vsize], n_sensors)
            else:
                values = struct.unpack_from(f"<{n_sensors}H", buf, off)
            off += vsize
            imu = None
            if PacketFlags.IMU in flags:
                imu = _IMU.unpack_from(buf, off)
                off += _IMU.size
            frames.append(PressureFrame(seq, t_us, values, imu))
        return cls(tuple(frames), packed_12bit=packed, version=version)

    def __bytes__(self) -> bytes:
        flags = self.flags
        n = self.frames[0].n_sensors
        out = bytearray(_PKT_HEADER.pack(self.version, int(flags), n, len(self.frames)))
        for f in self.frames:
            out += _SAMPLE_HEADER.pack(f.seq, f.t_device_us)
            out += _pack12(f.values) if self.packed_12bit else struct.pack(f"<{n}H", *f.values)
            if f.imu is not None:
                out += _IMU.pack(*f.imu)
        return bytes(out)


@dataclass(frozen=True)
class InsoleInfo:
    """The read-only *insole info* characteristic.

    Parameters
    ----------
    side : Side
        Left or right insole.
    layout_id : int
        Sensor layout (uint16): 1 = gaitpdb-like 8 cells, 2 = Moticon-like 16 cells,
        0 = custom (positions only in the layout characteristic).
    n_sensors : int
        Sensor values per sample (1..MAX_SENSORS).
    sampling_rate_hz : float
        Nominal sample rate; transmitted in millihertz (uint32).
    has_imu : bool
        Whether pressure samples carry IMU values.
    acc_range_g : int
        Accelerometer full scale: raw 32768 = this many g.
    gyro_range_dps : int
        Gyroscope full scale: raw 32768 = this many degrees per second.
    serial : int
        Device serial number (uint32).
    force_lsb_mn : int
        Force per ADC count in millinewtons (uint16); 0 when the cells are uncalibrated.
    version : int
        Protocol version.
    """

    side: Side
    layout_id: int
    n_sensors: int
    sampling_rate_hz: float
    has_imu: bool = False
    acc_range_g: int = 16
    gyro_range_dps: int = 2000
    serial: int = 0
    force_lsb_mn: int = 0
    version: int = PROTOCOL_VERSION

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "side", Side(self.side))
        except ValueError:
            raise PacketError(f"side must be 0 (left) or 1 (right), got {self.side}") from None
        if self.version != PROTOCOL_VERSION:
            raise PacketError(f"unsupported protocol version {self.version}")
        if not 0 <= self.layout_id <= _U16:
            raise PacketError(f"layout id {self.layout_id} outside uint16")
        if not 1 <= self.n_sensors <= MAX_SENSORS:
            raise PacketError(f"{self.n_sensors} sensors; expected 1..{MAX_SENSORS}")
        mhz = round(self.sampling_rate_hz * 1000.0)
        if not 1000 <= mhz <= 10_000_000:
            raise PacketError(f"sampling rate {self.sampling_rate_hz} Hz outside 1..10000 Hz")
        # Keep the value exactly representable so that decoding gives back the same float.
        object.__setattr__(self, "sampling_rate_hz", mhz / 1000.0)
        if not 1 <= self.acc_range_g <= 255:
            raise PacketError(f"accelerometer range {self.acc_range_g} g outside 1..255")
        if not 1 <= self.gyro_range_dps <= _U16:
            raise PacketError(f"gyroscope range {self.gyro_range_dps} deg/s outside uint16")
        if not 0 <= self.serial <= _U32:
            raise PacketError(f"serial {self.serial} outside uint32")
        if not 0 <= self.force_lsb_mn <= _U16:
            raise PacketError(f"force calibration {self.force_lsb_mn} mN outside uint16")

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> InsoleInfo:
        """Decode the characteristic value; :class:`PacketError` on a bad length or value."""
        if len(data) != _INFO.size:
            raise PacketError(f"insole info is {len(data)} bytes; expected {_INFO.size}")
        version, side, layout_id, n, flags, mhz, acc, gyro, serial, lsb = _INFO.unpack_from(data, 0)
        if version != PROTOCOL_VERSION:
            raise PacketError(f"unsupported protocol version {version}")
        if flags & ~0x01:
            raise PacketError(f"unknown insole info flag bits 0x{flags:02x}")
        return cls(
            side, layout_id, n, mhz / 1000.0, bool(flags & 0x01), acc, gyro, serial, lsb, version
        )

    def __bytes__(self) -> bytes:
        return _INFO.pack(
            self.version,
            int(self.side),
            self.layout_id,
            self.n_sensors,
            0x01 if self.has_imu else 0x00,
            round(self.sampling_rate_hz * 1000.0),
            self.acc_range_g,
            self.gyro_range_dps,
            self.serial,
            self.force_lsb_mn,
        )


@dataclass(frozen=True)
class SensorLayoutPacket:
    """The read-only *sensor layout* characteristic: sensor centres on the insole.

    Parameters
    ----------
    layout_id : int
        Same id as in :class:`InsoleInfo`.
    xy_mm : tuple of (x, y) pairs
        Sensor centres in millimetres, ``+x`` medial, ``+y`` heel -> toe, origin at the heel
        end; transmitted as int16 tenths of a millimetre (so +-3276.7 mm, 0.1 mm resolution).
        Values are rounded to 0.1 mm on construction so that decoding is exact.
    insole_length_mm : float
        Insole length heel to toe (uint16 tenths of a millimetre).
    version : int
        Protocol version.
    """

    layout_id: int
    xy_mm: tuple[tuple[float, float], ...]
    insole_length_mm: float = 260.0
    version: int = PROTOCOL_VERSION

    def __post_init__(self) -> None:
        if self.version != PROTOCOL_VERSION:
            raise PacketError(f"unsupported protocol version {self.version}")
        if not 0 <= self.layout_id <= _U16:
            raise PacketError(f"layout id {self.layout_id} outside uint16")
        pts = tuple((round(float(x) * 10) / 10, round(float(y) * 10) / 10) for x, y in self.xy_mm)
        if not 1 <= len(pts) <= MAX_SENSORS:
            raise PacketError(f"{len(pts)} sensor positions; expected 1..{MAX_SENSORS}")
        if any(not -3276.8 <= c <= 3276.7 for p in pts for c in p):
            raise PacketError("sensor positions must be within +-3276.7 mm")
        if not 0 < self.insole_length_mm <= 6553.5:
            raise PacketError(f"insole length {self.insole_length_mm} mm out of range")
        object.__setattr__(self, "xy_mm", pts)
        object.__setattr__(self, "insole_length_mm", round(self.insole_length_mm * 10) / 10)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> SensorLayoutPacket:
        """Decode the characteristic value; :class:`PacketError` on a bad length or value."""
        if len(data) < _LAYOUT_HEADER.size:
            raise PacketError(f"sensor layout of {len(data)} bytes is shorter than its header")
        version, layout_id, n, length = _LAYOUT_HEADER.unpack_from(data, 0)
        if version != PROTOCOL_VERSION:
            raise PacketError(f"unsupported protocol version {version}")
        expected = _LAYOUT_HEADER.size + n * _XY.size
        if len(data) != expected or n == 0:
            raise PacketError(
                f"sensor layout is {len(data)} bytes; header ({n} sensors) needs {expected}"
            )
        pts = tuple(
            (x / 10.0, y / 10.0)
            for x, y in (
                _XY.unpack_from(data, _LAYOUT_HEADER.size + i * _XY.size) for i in range(n)
            )
        )
        return cls(layout_id, pts, length / 10.0, version)

    def __bytes__(self) -> bytes:
        out = bytearray(
            _LAYOUT_HEADER.pack(
                self.version, self.layout_id, len(self.xy_mm), round(self.insole_length_mm * 10)
            )
        )
        for x, y in self.xy_mm:
            out += _XY.pack(round(x * 10), round(y * 10))
        return bytes(out)
