"""The GATT profile constants: valid, distinct 128-bit UUIDs that fit an advertisement."""

from __future__ import annotations

import uuid

from gait.insole import _gatt
from gait.insole._packets import InsoleInfo, PacketFlags, Side, packet_size


def test_uuids_are_distinct_random_128_bit():
    uuids = [
        _gatt.INSOLE_SERVICE_UUID,
        _gatt.PRESSURE_CHAR_UUID,
        _gatt.INFO_CHAR_UUID,
        _gatt.LAYOUT_CHAR_UUID,
        _gatt.CONTROL_CHAR_UUID,
    ]
    parsed = [uuid.UUID(u) for u in uuids]
    assert len(set(parsed)) == len(parsed)
    for u, p in zip(uuids, parsed):
        assert str(p) == u  # lower case, canonical form (bleak compares strings)
        assert p.version == 4
        assert not u.endswith("-0000-1000-8000-00805f9b34fb")  # not in the SIG base range


def test_advertisement_fits_31_bytes():
    name = _gatt.DEFAULT_ADV_NAME + "L"
    flags, name_ad, uuid_ad = 3, 2 + len(name), 2 + 16
    assert flags + name_ad + uuid_ad <= 31


def test_preferred_mtu_carries_five_full_samples():
    flags = PacketFlags.IMU | PacketFlags.PACKED_12BIT
    assert packet_size(16, 5, flags) <= _gatt.PREFERRED_MTU - 3
    # The default MTU (23) is too small for one 16-cell sample (34 B > 20 B): the MTU must be
    # negotiated (BlueZ, CoreBluetooth and WinRT do it; our bumble backend does it too).
    assert packet_size(16, 1, PacketFlags.PACKED_12BIT) == 34 > _gatt.MIN_MTU - 3
    # The info characteristic is read in one ATT read at any MTU.
    assert len(bytes(InsoleInfo(Side.LEFT, 2, 16, 100.0))) <= _gatt.MIN_MTU - 1
