"""A virtual insole: a bumble BLE peripheral serving our GATT profile, with fault injection.

It streams a synthetic activity (walking, running, standing, sitting, from
:func:`gait.insole._synthetic.synthesize`) or replays any :class:`~gait.Recording`, over bumble's
in-process link, so the bleak client (through :mod:`gait.insole._bumble_backend`) is exercised over a
real ATT/GATT stack.

Simulated time. The insole's clock is ``speed`` times the wall clock: at ``speed=1`` it sends
at the nominal rate; at ``speed=30`` ten minutes of 100 Hz data take 20 s. Each sample carries
the device counter and the device timestamp of *simulated* time, so the client's timeline does
not depend on how fast the link ran. Samples falling due while the link is down (or before the
first subscription: the insole starts measuring when someone subscribes) are not sent, but the
counter keeps running, as on a real device. Samples are batched up to what the MTU allows.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gait.exceptions import MissingExtraError, RecordingValidationError
from gait.insole._gatt import (
    CONTROL_CHAR_UUID,
    DEFAULT_ADV_NAME,
    INFO_CHAR_UUID,
    INSOLE_SERVICE_UUID,
    LAYOUT_CHAR_UUID,
    PRESSURE_CHAR_UUID,
    ControlCommand,
)
from gait.insole._packets import (
    MAX_SAMPLES_PER_PACKET,
    InsoleInfo,
    PacketFlags,
    PressureFrame,
    PressurePacket,
    SensorLayoutPacket,
    Side,
    packet_size,
)
from gait.insole._virtual_signals import (
    InsoleSignal,
    signal_from_foot,
    signals_from_recording,
    synthetic_signals,
)

__all__ = [
    "FaultPlan",
    "InsoleSignal",
    "VirtualInsole",
    "VirtualInsoleStats",
    "signals_from_recording",
    "start_together",
    "signal_from_foot",
    "synthetic_signals",
]

logger = logging.getLogger(__name__)

_LAYOUT_IDS = {8: 1, 16: 2}


async def start_together(insoles: list[VirtualInsole]) -> None:
    """Start the insoles; each starts measuring when *all* of them are subscribed.

    The insoles must have been created with the same ``start_gate`` event. In a faster than
    real time simulation this keeps the feet's sample 0 at the same instant, as a pair
    started together would be.
    """
    gates = {id(i.start_gate) for i in insoles}
    gate = insoles[0].start_gate
    if len(gates) != 1 or gate is None:
        raise RecordingValidationError("start_together needs insoles sharing one start_gate")
    for ins in insoles:
        await ins.start()

    async def _open_gate() -> None:
        await asyncio.gather(*(i.ready.wait() for i in insoles))
        gate.set()

    gate_task = asyncio.create_task(_open_gate())
    for ins in insoles:
        ins._background.add(gate_task)

    def _forget(task: asyncio.Task[None]) -> None:
        for i in insoles:
            i._background.discard(task)

    gate_task.add_done_callback(_forget)


@dataclass(frozen=True)
class FaultPlan:
    """Faults a virtual insole injects.

    Parameters
    ----------
    drop_link_at_s : tuple of float
        Simulated times at which the insole drops the connection (it keeps measuring and
        advertising, so the central can reconnect).
    skip_at_s : tuple of (time_s, n)
        At these simulated times, ``n`` samples are never sent (radio loss): the counter
        advances past them.
    duplicate_every : int
        Every Nth notification is sent twice (0 = never).
    garbage_every : int
        Every Nth notification is preceded by a notification of random bytes (0 = never).
    corrupt_every : int
        Every Nth notification is replaced by random bytes, losing its samples (0 = never).
    seed : int
        Seed of the random garbage.
    """

    drop_link_at_s: tuple[float, ...] = ()
    skip_at_s: tuple[tuple[float, int], ...] = ()
    duplicate_every: int = 0
    garbage_every: int = 0
    corrupt_every: int = 0
    seed: int = 0


@dataclass
class VirtualInsoleStats:
    """What a virtual insole did (mutable counters, read by tests).

    Attributes
    ----------
    notifications_sent : int
        Every notification sent, including duplicates and garbage.
    notifications_per_connection : list of int
        Notifications sent on each connection, in order.
    samples_sent : int
        Distinct samples sent successfully (a duplicate counts once).
    samples_unsent : int
        Samples that fell due while nobody was connected/subscribed (after streaming started).
    samples_skipped : int
        Samples dropped by ``skip_at_s``.
    samples_corrupted : int
        Samples lost by ``corrupt_every``.
    duplicates_sent, garbage_sent, corrupted_sent, drops, connections : int
    sim_s, wall_s : float
        Simulated and wall-clock streaming time (set when finished).
    sent_seq : list of int
        Unwrapped counter (sample index) of every sample sent, for exact comparisons.
    """

    notifications_sent: int = 0
    notifications_per_connection: list[int] = field(default_factory=list)
    samples_sent: int = 0
    samples_unsent: int = 0
    samples_skipped: int = 0
    samples_corrupted: int = 0
    duplicates_sent: int = 0
    garbage_sent: int = 0
    corrupted_sent: int = 0
    drops: int = 0
    connections: int = 0
    sim_s: float = 0.0
    wall_s: float = 0.0
    sent_index: list[int] = field(default_factory=list, repr=False)


class VirtualInsole:
    """One virtual insole on a bumble :class:`~bumble.link.LocalLink`.

    Parameters
    ----------
    link : bumble.link.LocalLink
        The in-process radio.
    side : {"left", "right"}
    signal : InsoleSignal
        What it measures; it loops when ``n_samples`` exceeds the signal length.
    address : str
        Static random address.
    sampling_rate_hz : float
        Nominal rate.
    speed : float
        Simulated seconds per wall-clock second while streaming (1 = real time); while the
        link is down the clock runs at real time, so reconnect gaps keep their real length.
    n_samples : int, optional
        Samples to stream before stopping (default: the signal length).
    max_samples_per_notification : int, optional
        Batch limit; by default as many as fit the negotiated MTU (at least 1).
    packed_12bit : bool
        Send 12-bit packed values.
    seq_start : int
        First counter value (set near 65535 to force an early wrap).
    t_start_us : int
        First device timestamp.
    serial : int
        Device serial.
    faults : FaultPlan
    pace_s : float
        Wall-clock pause between sending rounds (bumble's link has no radio timing).
    max_lag_s : float
        How far (simulated seconds) the device clock may run ahead of the samples sent; at
        a ``speed`` above the link's capacity the simulation slows down to the link.
    start_gate : asyncio.Event, optional
        Measuring starts at the first subscription, or, with a gate, once the gate is set
        (see :func:`start_together`: a pair whose clocks start at the same instant).
    """

    def __init__(
        self,
        link,
        side: str,
        signal: InsoleSignal,
        *,
        address: str,
        sampling_rate_hz: float = 100.0,
        speed: float = 1.0,
        n_samples: int | None = None,
        max_samples_per_notification: int | None = None,
        packed_12bit: bool = True,
        seq_start: int = 0,
        t_start_us: int = 0,
        serial: int = 1,
        faults: FaultPlan | None = None,
        pace_s: float = 0.002,
        max_lag_s: float = 0.5,
        start_gate: asyncio.Event | None = None,
    ) -> None:
        if side not in ("left", "right"):
            raise RecordingValidationError(f"side must be 'left' or 'right', got {side!r}")
        if not (speed > 0 and math.isfinite(speed)):
            raise RecordingValidationError(f"speed must be a positive number, got {speed}")
        self.link = link
        self.side = side
        self.signal = signal
        self.address = address
        self.fs = float(sampling_rate_hz)
        self.speed = float(speed)
        self.n_samples = signal.n_samples if n_samples is None else int(n_samples)
        self.max_batch = max_samples_per_notification
        self.packed_12bit = packed_12bit
        self.seq_start = seq_start
        self.t_start_us = t_start_us
        self.faults = faults or FaultPlan()
        self.pace_s = pace_s
        self.max_lag_s = max_lag_s
        self.start_gate = start_gate
        self.ready = asyncio.Event()
        self.name = f"{DEFAULT_ADV_NAME}{'L' if side == 'left' else 'R'}"
        self.info = InsoleInfo(
            side=Side.LEFT if side == "left" else Side.RIGHT,
            layout_id=_LAYOUT_IDS.get(signal.n_sensors, 0),
            n_sensors=signal.n_sensors,
            sampling_rate_hz=self.fs,
            has_imu=signal.imu is not None,
            serial=serial,
            force_lsb_mn=signal.force_lsb_mn,
        )
        self.layout = SensorLayoutPacket(
            self.info.layout_id, tuple(map(tuple, signal.sensor_xy_mm.tolist()))
        )
        self.stats = VirtualInsoleStats()
        self.finished = asyncio.Event()
        self.streaming_started = asyncio.Event()
        self._subscribed = asyncio.Event()
        self._paused = False
        self._connection = None
        self._device: Any = None
        self._pressure: Any = None
        self._task: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()
        self._rng = np.random.default_rng(self.faults.seed)
        self._skip = self._skip_indices()

    def _skip_indices(self) -> set[int]:
        out: set[int] = set()
        for t_s, n in self.faults.skip_at_s:
            k0 = int(round(t_s * self.fs))
            out.update(range(k0, k0 + int(n)))
        return out

    # -- bumble peripheral -------------------------------------------------------------

    async def start(self) -> None:
        """Power on, serve the profile and advertise; streaming starts on subscription."""
        try:
            from bumble import core
            from bumble.gatt import Characteristic, CharacteristicValue, Service

            from gait.insole._bumble_backend import new_bumble_device
        except ImportError as err:
            raise MissingExtraError("ble", err.name or "bumble") from err

        self._device = device = new_bumble_device(self.link, self.name, self.address)
        self._pressure = Characteristic(
            PRESSURE_CHAR_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        info = Characteristic(
            INFO_CHAR_UUID,
            Characteristic.Properties.READ,
            Characteristic.READABLE,
            bytes(self.info),
        )
        layout = Characteristic(
            LAYOUT_CHAR_UUID,
            Characteristic.Properties.READ,
            Characteristic.READABLE,
            bytes(self.layout),
        )
        control: Characteristic[bytes] = Characteristic(
            CONTROL_CHAR_UUID,
            Characteristic.Properties.WRITE,
            Characteristic.WRITEABLE,
            CharacteristicValue(write=self._on_control),
        )
        device.add_service(Service(INSOLE_SERVICE_UUID, [self._pressure, info, layout, control]))
        self._pressure.on("subscription", self._on_subscription)
        device.on("connection", self._on_connection)
        await device.power_on()
        adv = core.AdvertisingData(
            [
                (core.AdvertisingData.FLAGS, bytes([0x06])),
                (core.AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
                (
                    core.AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                    bytes(core.UUID(INSOLE_SERVICE_UUID)),
                ),
            ]
        )
        await device.start_advertising(
            advertising_data=bytes(adv), auto_restart=True, advertising_interval_min=20.0,
            advertising_interval_max=20.0,
        )  # fmt: skip
        self._task = asyncio.create_task(self._stream(), name=f"virtual-insole-{self.side}")

    async def stop(self) -> None:
        """Stop streaming and advertising and drop any connection."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._device is not None:
            try:
                await self._device.stop_advertising()
            except Exception as err:  # already stopped
                logger.debug("stop_advertising: %s", err)
            if self._connection is not None:
                try:
                    await self._connection.disconnect()
                except Exception as err:  # already gone
                    logger.debug("disconnect: %s", err)

    async def drop_link(self) -> None:
        """Disconnect the central now (a forced link loss).

        Nothing more is sent on the dropped connection. The disconnect runs in the
        background: bumble's ``Connection.disconnect`` can miss its own completion event when
        the link is busy and then waits for the next disconnection with the same handle.
        """
        conn = self._connection
        if conn is None:
            return
        self.stats.drops += 1
        self._connection = None
        self._subscribed.clear()

        async def _disconnect() -> None:
            try:
                await asyncio.wait_for(conn.disconnect(), 5.0)
            except Exception as err:  # already gone, or the completion was missed
                logger.debug("drop_link: %s", err)

        self._background.add(t := asyncio.create_task(_disconnect()))
        t.add_done_callback(self._background.discard)

    def _on_connection(self, connection) -> None:
        self._connection = connection
        self.stats.connections += 1
        self.stats.notifications_per_connection.append(0)
        connection.on("disconnection", lambda reason: self._on_disconnection(connection))

    def _on_disconnection(self, connection) -> None:
        if self._connection is connection:
            self._connection = None
            self._subscribed.clear()

    def _on_subscription(self, bearer, notify_enabled: bool, indicate_enabled: bool) -> None:
        if notify_enabled or indicate_enabled:
            self._subscribed.set()
        else:
            self._subscribed.clear()

    def _on_control(self, connection, value: bytes) -> None:
        if len(value) == 1 and value[0] in (ControlCommand.PAUSE, ControlCommand.RESUME):
            self._paused = value[0] == ControlCommand.PAUSE

    # -- streaming ---------------------------------------------------------------------

    def _batch_limit(self) -> int:
        mtu = self._connection.att_mtu if self._connection is not None else 23
        flags = PacketFlags.PACKED_12BIT if self.packed_12bit else PacketFlags(0)
        if self.info.has_imu:
            flags |= PacketFlags.IMU
        per = packet_size(self.info.n_sensors, 2, flags) - packet_size(
            self.info.n_sensors, 1, flags
        )
        fit = max(1, (mtu - 3 - (packet_size(self.info.n_sensors, 1, flags) - per)) // per)
        fit = min(fit, MAX_SAMPLES_PER_PACKET)
        return fit if self.max_batch is None else max(1, min(fit, self.max_batch))

    def _frame(self, k: int) -> PressureFrame:
        j = k % self.signal.n_samples
        imu = None
        if self.signal.imu is not None:
            ax, ay, az, gx, gy, gz = (int(v) for v in self.signal.imu[j])
            imu = (ax, ay, az, gx, gy, gz)
        return PressureFrame(
            (self.seq_start + k) & 0xFFFF,
            (self.t_start_us + round(k * 1e6 / self.fs)) & 0xFFFF_FFFF,
            tuple(int(v) for v in self.signal.counts[j]),
            imu,
        )

    def _garbage(self) -> bytes:
        n = int(self._rng.integers(1, 40))
        return bytes(self._rng.integers(0, 256, n, dtype=np.uint8))

    async def _notify(self, value: bytes) -> None:
        await self._device.notify_subscribers(self._pressure, value)
        self.stats.notifications_sent += 1
        if self.stats.notifications_per_connection:
            self.stats.notifications_per_connection[-1] += 1

    async def _send(self, ks: list[int]) -> None:
        f = self.faults
        n_notif = self.stats.notifications_sent + 1
        if f.garbage_every and n_notif % f.garbage_every == 0:
            await self._notify(self._garbage())
            self.stats.garbage_sent += 1
        payload = bytes(PressurePacket(tuple(self._frame(k) for k in ks), self.packed_12bit))
        if f.corrupt_every and n_notif % f.corrupt_every == 0:
            await self._notify(self._garbage())
            self.stats.samples_corrupted += len(ks)
            self.stats.corrupted_sent += 1
            return
        await self._notify(payload)
        self.stats.samples_sent += len(ks)
        self.stats.sent_index.extend(ks)
        if f.duplicate_every and n_notif % f.duplicate_every == 0:
            await self._notify(payload)
            self.stats.duplicates_sent += 1

    async def _stream(self) -> None:
        loop = asyncio.get_running_loop()
        await self._subscribed.wait()
        self.ready.set()
        if self.start_gate is not None:
            await self.start_gate.wait()
        self.streaming_started.set()
        t_start = loop.time()
        last = loop.time()
        sim_s = 0.0
        drops = sorted(int(round(t * self.fs)) for t in self.faults.drop_link_at_s)
        k = 0
        while k < self.n_samples:
            now = loop.time()
            # Link recovery (backoff, scan, connect) happens in real time, so while nobody
            # is subscribed the device clock runs at wall-clock pace, not at ``speed``.
            linked = self._connection is not None and self._subscribed.is_set()
            sim_s += (now - last) * (self.speed if linked else 1.0)
            last = now
            # The device clock may not run ahead of what the link carries by more than
            # max_lag_s: above the link's capacity simulated time slows down instead of
            # piling up a backlog that a later link drop would discard wholesale.
            sim_s = min(sim_s, k / self.fs + self.max_lag_s)
            due = min(self.n_samples, int(math.floor(sim_s * self.fs)) + 1)
            while k < due:
                if drops and k >= drops[0]:
                    drops.pop(0)
                    await self.drop_link()
                limit = self._batch_limit()
                end = min(due, k + limit, drops[0] if drops else due)
                end = max(end, k + 1)
                ks = [i for i in range(k, end) if i not in self._skip]
                self.stats.samples_skipped += (end - k) - len(ks)
                k = end
                if not ks:
                    continue
                if self._connection is None or not self._subscribed.is_set() or self._paused:
                    self.stats.samples_unsent += len(ks)
                    continue
                try:
                    await self._send(ks)
                except Exception as err:  # link went down under us: samples are gone
                    logger.debug("notify failed: %s", err)
                    self.stats.samples_unsent += len(ks)
                # Let the central run between notifications: the link is in-process.
                await asyncio.sleep(0)
            await asyncio.sleep(self.pace_s)
        self.stats.sim_s = k / self.fs
        self.stats.wall_s = loop.time() - t_start
        self.finished.set()
