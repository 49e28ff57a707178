"""Round trips and malformed input for the insole packet layouts."""

from __future__ import annotations

import itertools
import struct

import pytest

from gait.exceptions import PacketError
from gait.insole._devices import decoder_names, get_decoder
from gait.insole._devices.fau_insole import decode as fau_decode
from gait.insole._packets import (
    MAX_SENSORS,
    InsoleInfo,
    PacketFlags,
    PressureFrame,
    PressurePacket,
    SensorLayoutPacket,
    Side,
    packet_size,
)


def _frames(n_sensors: int, n_samples: int, imu: bool, seq0: int = 65534, limit: int = 4095):
    out = []
    for j in range(n_samples):
        values = tuple((37 * i + 101 * j) % (limit + 1) for i in range(n_sensors))
        out.append(
            PressureFrame(
                (seq0 + j) & 0xFFFF,
                (0xFFFF_FFF0 + 10_000 * j) & 0xFFFF_FFFF,
                values,
                (-32768, 32767, 0, -1, 1, 12345) if imu else None,
            )
        )
    return tuple(out)


@pytest.mark.parametrize(
    ("n_sensors", "n_samples", "imu", "packed"),
    list(itertools.product([8, 16, 1, 3, MAX_SENSORS], [1, 5], [False, True], [False, True])),
)
def test_pressure_packet_round_trip(n_sensors, n_samples, imu, packed):
    pkt = PressurePacket(_frames(n_sensors, n_samples, imu), packed_12bit=packed)
    data = bytes(pkt)
    flags = (PacketFlags.IMU if imu else PacketFlags(0)) | (
        PacketFlags.PACKED_12BIT if packed else PacketFlags(0)
    )
    assert len(data) == packet_size(n_sensors, n_samples, flags)
    back = PressurePacket.from_bytes(data)
    assert back == pkt
    assert bytes(back) == data
    assert back.flags == flags


def test_known_bytes_of_a_one_sample_packet():
    pkt = PressurePacket((PressureFrame(0x0102, 0x0A0B0C0D, (1, 0x0FFF)),))
    assert bytes(pkt) == bytes(
        [1, 0, 2, 1, 0x02, 0x01, 0x0D, 0x0C, 0x0B, 0x0A, 0x01, 0x00, 0xFF, 0x0F]
    )
    packed = PressurePacket(pkt.frames, packed_12bit=True)
    # 12-bit packing: 0x001 and 0xFFF -> 01 F0 FF
    assert bytes(packed)[-3:] == bytes([0x01, 0xF0, 0xFF])


def test_full_16_bit_values_survive_unpacked():
    pkt = PressurePacket(_frames(16, 2, False, limit=65535))
    assert PressurePacket.from_bytes(bytes(pkt)) == pkt
    with pytest.raises(PacketError, match="12-bit"):
        PressurePacket((PressureFrame(0, 0, (4096,)),), packed_12bit=True)


@pytest.mark.parametrize("cut", [0, 1, 3, 4, 9, 20, -1])
def test_truncated_packets_are_rejected(cut):
    data = bytes(PressurePacket(_frames(16, 2, True)))
    with pytest.raises(PacketError):
        PressurePacket.from_bytes(data[:cut] if cut >= 0 else data[:cut])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: bytes([2]) + b[1:], "version"),
        (lambda b: b[:1] + bytes([0x80]) + b[2:], "flag"),
        (lambda b: b[:2] + bytes([0]) + b[3:], "sensors"),
        (lambda b: b[:2] + bytes([MAX_SENSORS + 1]) + b[3:], "sensors"),
        (lambda b: b[:3] + bytes([0]) + b[4:], "samples"),
        (lambda b: b + b"\x00", "needs"),
        (lambda b: b[:3] + bytes([3]) + b[4:], "needs"),
    ],
)
def test_malformed_packets_are_rejected(mutate, message):
    data = bytes(PressurePacket(_frames(8, 2, False)))
    with pytest.raises(PacketError, match=message):
        PressurePacket.from_bytes(mutate(data))


def test_frame_range_checks():
    with pytest.raises(PacketError, match="uint16"):
        PressureFrame(65536, 0, (1,))
    with pytest.raises(PacketError, match="uint32"):
        PressureFrame(0, -1, (1,))
    with pytest.raises(PacketError, match="sensor values"):
        PressureFrame(0, 0, ())
    with pytest.raises(PacketError, match="0..65535"):
        PressureFrame(0, 0, (70000,))
    with pytest.raises(PacketError, match="IMU"):
        PressureFrame(0, 0, (1,), (1, 2, 3))
    with pytest.raises(PacketError, match="same sensor count"):
        PressurePacket((PressureFrame(0, 0, (1,)), PressureFrame(1, 0, (1, 2))))
    with pytest.raises(PacketError, match="IMU"):
        PressurePacket((PressureFrame(0, 0, (1,), (0,) * 6), PressureFrame(1, 0, (1,))))
    with pytest.raises(PacketError, match="samples"):
        PressurePacket(())


@pytest.mark.parametrize("side", [Side.LEFT, Side.RIGHT])
@pytest.mark.parametrize("n", [8, 16])
def test_insole_info_round_trip(side, n):
    info = InsoleInfo(side, 2, n, 100.0, has_imu=True, serial=0xDEADBEEF, force_lsb_mn=100)
    data = bytes(info)
    assert len(data) == 19
    assert InsoleInfo.from_bytes(data) == info
    odd = InsoleInfo(side, 0, n, 66.6667)
    assert InsoleInfo.from_bytes(bytes(odd)).sampling_rate_hz == pytest.approx(66.667)


def test_insole_info_rejects_bad_values():
    good = bytes(InsoleInfo(Side.LEFT, 1, 8, 100.0))
    with pytest.raises(PacketError, match="bytes"):
        InsoleInfo.from_bytes(good[:-1])
    with pytest.raises(PacketError, match="side"):
        InsoleInfo.from_bytes(good[:1] + bytes([7]) + good[2:])
    with pytest.raises(PacketError, match="sampling rate"):
        InsoleInfo(Side.LEFT, 1, 8, 0.0)
    with pytest.raises(PacketError, match="flag"):
        InsoleInfo.from_bytes(good[:5] + bytes([0x10]) + good[6:])


def test_layout_round_trip_and_checks():
    pts = ((11.0, 22.1), (-11.04, 44.26), (0.0, 259.9))
    lay = SensorLayoutPacket(2, pts, 260.0)
    back = SensorLayoutPacket.from_bytes(bytes(lay))
    assert back == lay
    assert back.xy_mm[1] == (-11.0, 44.3)  # 0.1 mm resolution, rounded once on construction
    with pytest.raises(PacketError, match="needs"):
        SensorLayoutPacket.from_bytes(bytes(lay)[:-1])
    with pytest.raises(PacketError, match="positions"):
        SensorLayoutPacket(0, ((5000.0, 0.0),))


def test_decoder_registry():
    assert {"shoestreet-v1", "fau-insole"} <= set(decoder_names())
    pkt = PressurePacket(_frames(16, 3, False), packed_12bit=True)
    dec = get_decoder("shoestreet-v1")(bytes(pkt))
    assert [s.seq for s in dec.samples] == [65534, 65535, 0]
    assert dec.seq_bits == 16
    with pytest.raises(PacketError, match="no decoder"):
        get_decoder("nope")


def test_fau_decoder_known_answer():
    frame = struct.pack(">3h3hh3BxH", 1, 2, 3, 4, 5, 6, 7, 10, 20, 30, 0x8005)
    assert len(frame) == 20
    dec = fau_decode(frame * 2)
    assert dec.seq_bits == 15 and dec.t_bits == 0
    assert dec.samples[0].seq == 5  # the top bit is not part of the 15-bit counter
    assert dec.samples[0].values == (10, 20, 30)
    assert dec.samples[0].imu == (4, 5, 6, 1, 2, 3)
    with pytest.raises(PacketError, match="20 bytes"):
        fau_decode(frame[:-1])


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("imu", [False, True])
@pytest.mark.parametrize("n", [8, 15, 16])
def test_bulk_decoder_matches_the_packet_decoder(packed, imu, n):
    import numpy as np

    from gait.insole._devices.shoestreet import decode, decode_many

    rng = np.random.default_rng(n)
    payloads = []
    for j in range(40):
        m = int(rng.integers(1, 6))
        frames = tuple(
            PressureFrame(
                int(rng.integers(0, 65536)),
                int(rng.integers(0, 2**32)),
                tuple(int(v) for v in rng.integers(0, 4096, n)),
                tuple(int(v) for v in rng.integers(-32768, 32768, 6)) if imu else None,
            )
            for _ in range(m)
        )
        payloads.append(bytes(PressurePacket(frames, packed_12bit=packed)))
        if j % 7 == 0:
            payloads.append(b"\x01\x00garbage")
        if j % 11 == 0:  # a well-formed packet of another shape
            payloads.append(bytes(PressurePacket((PressureFrame(1, 2, (3,) * (n + 1)),))))
    bulk = decode_many(payloads, n, imu)
    ref = [(i, s) for i, p in enumerate(payloads) if p[2] == n for s in decode(p).samples]
    assert bulk.n_malformed == 6 and bulk.n_wrong_shape == 4
    assert bulk.record.tolist() == [i for i, _ in ref]
    assert bulk.seq.tolist() == [s.seq for _, s in ref]
    assert bulk.t_device_us.tolist() == [s.t_device_us for _, s in ref]
    assert bulk.values.tolist() == [list(s.values) for _, s in ref]
    if imu:
        assert bulk.imu.tolist() == [list(s.imu) for _, s in ref]


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("odd", [None, "flags", "version"])
def test_bulk_decoder_one_layout_batch_matches_the_packet_decoder(packed, odd):
    """A batch of one length and header takes the vectorised path; one odd header of the
    same length sends it back to the per-notification path, with the same result."""
    import numpy as np

    from gait.insole._devices.shoestreet import decode, decode_many

    rng = np.random.default_rng(7)
    n = 16
    payloads = []
    for _ in range(50):
        frames = tuple(
            PressureFrame(
                int(rng.integers(0, 65536)),
                int(rng.integers(0, 2**32)),
                tuple(int(v) for v in rng.integers(0, 4096, n)),
                tuple(int(v) for v in rng.integers(-32768, 32768, 6)),
            )
            for _ in range(4)
        )
        payloads.append(bytes(PressurePacket(frames, packed_12bit=packed)))
    if odd is not None:
        b = bytearray(payloads[20])
        b[0 if odd == "version" else 1] ^= 0x80  # same length, header not valid
        payloads[20] = bytes(b)
    bulk = decode_many(payloads, n, True)
    ref = [(i, s) for i, p in enumerate(payloads) if i != 20 or odd is None
           for s in decode(p).samples]  # fmt: skip
    assert bulk.n_malformed == (0 if odd is None else 1) and bulk.n_wrong_shape == 0
    assert bulk.record.tolist() == [i for i, _ in ref]
    assert bulk.seq.tolist() == [s.seq for _, s in ref]
    assert bulk.t_device_us.tolist() == [s.t_device_us for _, s in ref]
    assert bulk.values.tolist() == [list(s.values) for _, s in ref]
    assert bulk.imu.tolist() == [list(s.imu) for _, s in ref]
