"""The virtual insole and the bumble backend: GATT layout, faults, and the emulator traps."""

from __future__ import annotations

import asyncio

import bleak
import numpy as np
import pytest
from bleak.exc import BleakError
from bumble.link import LocalLink

from gait.insole._bumble_backend import BumbleCentral, make_backend
from gait.insole._gatt import (
    CONTROL_CHAR_UUID,
    INFO_CHAR_UUID,
    INSOLE_SERVICE_UUID,
    LAYOUT_CHAR_UUID,
    PRESSURE_CHAR_UUID,
    ControlCommand,
)
from gait.insole._layouts import get_layout
from gait.insole._packets import InsoleInfo, PressurePacket, SensorLayoutPacket, Side
from gait.insole._recording import FootSignal, Recording
from gait.insole._virtual import (
    VirtualInsole,
    signal_from_foot,
    signals_from_recording,
    synthetic_signals,
)


@pytest.fixture
async def world():
    link = LocalLink()
    central = await BumbleCentral.create(link)
    return link, make_backend(central)


@pytest.fixture(scope="module")
def run_8():
    return synthetic_signals("running", 10.0, 8, 100.0, seed=2, with_imu=True)


async def _connect(backend, address):
    device = await bleak.BleakScanner.find_device_by_address(
        address, timeout=3.0, backend=backend.scanner
    )
    assert device is not None
    client = bleak.BleakClient(device, backend=backend.client, timeout=3.0)
    await client.connect()
    return client


async def test_gatt_profile_is_served_and_readable_through_bleak(world, run_8):
    link, backend = world
    ins = VirtualInsole(link, "right", run_8["right"], address="D2:00:00:00:00:01", serial=42)
    await ins.start()
    try:
        client = await _connect(backend, "D2:00:00:00:00:01")
        svc = client.services.get_service(INSOLE_SERVICE_UUID)
        assert svc is not None
        props = {c.uuid: set(c.properties) for c in svc.characteristics}
        assert props[PRESSURE_CHAR_UUID] == {"notify"}
        assert props[INFO_CHAR_UUID] == {"read"}
        assert props[LAYOUT_CHAR_UUID] == {"read"}
        assert "write" in props[CONTROL_CHAR_UUID]
        info = InsoleInfo.from_bytes(await client.read_gatt_char(INFO_CHAR_UUID))
        assert (info.side, info.n_sensors, info.layout_id, info.has_imu) == (Side.RIGHT, 8, 1, True)
        assert info.sampling_rate_hz == 100.0 and info.serial == 42
        # The layout (36 bytes) is longer than the default MTU allows: the MTU was negotiated.
        assert client.mtu_size == 517
        layout = SensorLayoutPacket.from_bytes(await client.read_gatt_char(LAYOUT_CHAR_UUID))
        np.testing.assert_allclose(layout.xy_mm, get_layout(8).xy_mm, atol=0.05)
        await client.disconnect()
        assert not client.is_connected
    finally:
        await ins.stop()


async def test_notifications_carry_counter_time_and_imu(world, run_8):
    link, backend = world
    sig = run_8["left"]
    ins = VirtualInsole(
        link, "left", sig, address="D2:00:00:00:00:02", seq_start=65530,
        t_start_us=2**32 - 20_000, max_samples_per_notification=3, n_samples=60, speed=5.0,
    )  # fmt: skip
    await ins.start()
    got: list[bytes] = []
    try:
        client = await _connect(backend, "D2:00:00:00:00:02")
        await client.start_notify(PRESSURE_CHAR_UUID, lambda _c, d: got.append(bytes(d)))
        await asyncio.wait_for(ins.finished.wait(), 10)
        await asyncio.sleep(0.1)
        with pytest.raises(BleakError, match="already started"):
            await client.start_notify(PRESSURE_CHAR_UUID, lambda _c, d: None)
        await client.stop_notify(PRESSURE_CHAR_UUID)
        await client.disconnect()
    finally:
        await ins.stop()
    frames = [f for d in got for f in PressurePacket.from_bytes(d).frames]
    assert all(len(PressurePacket.from_bytes(d).frames) <= 3 for d in got)
    assert [f.seq for f in frames] == [(65530 + k) % 65536 for k in range(60)]
    assert [f.t_device_us for f in frames[:4]] == [2**32 - 20_000, 2**32 - 10_000, 0, 10_000]
    assert frames[7].values == tuple(int(v) for v in sig.counts[7])
    assert frames[7].imu == tuple(int(v) for v in sig.imu[7])
    assert ins.stats.samples_sent == 60


async def test_pause_and_resume_via_the_control_characteristic(world, run_8):
    link, backend = world
    ins = VirtualInsole(link, "left", run_8["left"], address="D2:00:00:00:00:03")
    await ins.start()
    n = 0

    def on(_c, _d):
        nonlocal n
        n += 1

    try:
        client = await _connect(backend, "D2:00:00:00:00:03")
        await client.start_notify(PRESSURE_CHAR_UUID, on)
        await asyncio.sleep(0.2)
        await client.write_gatt_char(CONTROL_CHAR_UUID, bytes([ControlCommand.PAUSE]), True)
        await asyncio.sleep(0.2)  # notifications already in flight still arrive
        paused_at = n
        await asyncio.sleep(0.3)
        assert n == paused_at > 0
        await client.write_gatt_char(CONTROL_CHAR_UUID, bytes([ControlCommand.RESUME]), True)
        await asyncio.sleep(0.2)
        assert n > paused_at
        await client.disconnect()
    finally:
        await ins.stop()


async def test_connect_timeout_then_connect_again(world, run_8):
    """bumble's emulator never completes a cancelled connect; our controller does."""
    link, backend = world
    ghost = bleak.BleakClient("D2:00:00:00:00:99", backend=backend.client, timeout=0.3)
    with pytest.raises(TimeoutError):
        await ghost.connect()
    ins = VirtualInsole(link, "left", run_8["left"], address="D2:00:00:00:00:04")
    await ins.start()
    try:
        client = await _connect(backend, "D2:00:00:00:00:04")
        assert client.is_connected
        await client.disconnect()
    finally:
        await ins.stop()


async def test_scanner_filters_on_the_service_uuid(world, run_8):
    link, backend = world
    ins = VirtualInsole(link, "left", run_8["left"], address="D2:00:00:00:00:05")
    await ins.start()
    try:
        seen = await bleak.BleakScanner.discover(
            timeout=0.5, return_adv=True, service_uuids=[INSOLE_SERVICE_UUID],
            backend=backend.scanner,
        )  # fmt: skip
        (dev, adv) = seen["D2:00:00:00:00:05"]
        assert adv.local_name == "SSInsL"
        assert adv.service_uuids == [INSOLE_SERVICE_UUID]  # deduplicated scan response
        other = await bleak.BleakScanner.discover(
            timeout=0.3, service_uuids=["0000180d-0000-1000-8000-00805f9b34fb"],
            backend=backend.scanner,
        )  # fmt: skip
        assert other == []
    finally:
        await ins.stop()


def test_signal_quantisation():
    vals = np.array([[0.0, 1.0, np.nan], [409.5, 500.0, 0.04]])
    foot = FootSignal("left", vals, np.zeros((3, 2)), np.ones(2, bool))
    sig = signal_from_foot(foot)
    assert sig.counts.tolist() == [[0, 10, 0], [4095, 4095, 0]]  # 0.1 N per count, saturating
    rec = Recording(100.0, left=foot)
    auto = signals_from_recording(rec)["left"]
    assert auto.counts.max() <= 4095 and auto.force_lsb_mn == 125  # 500 N -> 4000 counts


def test_synthetic_activities_have_plausible_loads():
    for activity in ("walking", "running", "standing", "sitting", "mixed"):
        sig = synthetic_signals(activity, 10.0, 16)
        total_n = sig["left"].counts.astype(float).sum(axis=1) * 0.1
        if activity == "sitting":
            assert total_n.max() < 200
        else:
            assert total_n.max() > 300  # at least about half a 70 kg body weight


def test_bumble_errors_become_bleak_errors():
    from bleak.exc import BleakGATTProtocolError
    from bumble import core
    from bumble.att import ATT_Error

    from gait.insole._bumble_backend import _translate

    err = _translate(ATT_Error(0x0A))
    assert isinstance(err, BleakGATTProtocolError)
    assert isinstance(_translate(core.TimeoutError()), TimeoutError)
    assert isinstance(_translate(core.InvalidStateError("x")), BleakError)
