"""The BLE client for our insoles, on bleak's portable API (Linux, macOS, Windows).

This is the only production module that imports bleak, and it does so lazily (the bumble test
backend in :mod:`gait.insole._bumble_backend` subclasses bleak's backend base classes, as any bleak
backend must). It never imports bumble: tests and ``gait simulate`` pass the bumble backend
classes through ``backend=`` (bleak's documented injection point), so the code path under test
is the production one.

Behaviour (see ``docs/gatt-profile.md``):

* scan by the insole service UUID, connect to the left and right insoles concurrently;
* read the info and layout characteristics, then call ``start_notify`` exactly once per
  ``BleakClient``;
* every notification is written raw to the session file with its arrival time; samples are
  timed from the device counter, never from arrival (arrival only aligns the feet later);
* live statistics count lost, duplicated and malformed packets;
* after an unsolicited disconnect: exponential backoff, rescan by address, a **new**
  ``BleakClient`` and one ``start_notify`` (reusing a client or re-subscribing twice doubles
  callbacks on some stacks: bleak #1645, #2002);
* stop cleanly: ``stop_notify``, ``disconnect``, finalise the session file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gait.exceptions import InsoleNotFoundError, MissingExtraError, NotFoundReason, PacketError
from gait.insole._clock import CounterTracker
from gait.insole._devices import get_decoder
from gait.insole._devices import shoestreet as _ours
from gait.insole._gatt import (
    INFO_CHAR_UUID,
    INSOLE_SERVICE_UUID,
    LAYOUT_CHAR_UUID,
    PRESSURE_CHAR_UUID,
)
from gait.insole._packets import InsoleInfo, Side
from gait.insole._session import SessionWriter
from gait.insole._sources import InsoleFrame, QueueInsoleSource

__all__ = [
    "ReconnectPolicy",
    "InsoleLinkStats",
    "SessionSummary",
    "InsoleConnection",
    "scan_insoles",
    "record_session",
]

logger = logging.getLogger(__name__)


def _bleak() -> Any:
    try:
        import bleak
    except ImportError as err:
        raise MissingExtraError("ble", "bleak") from err
    return bleak


def _backend_kw(backend: Any, which: str) -> dict[str, Any]:
    return {} if backend is None else {"backend": getattr(backend, which)}


@dataclass(frozen=True)
class ReconnectPolicy:
    """How a dropped link is re-established.

    Parameters
    ----------
    initial_delay_s : float
        First wait after a drop; doubled after each failed attempt.
    max_delay_s : float
        Ceiling of the wait.
    scan_timeout_s : float
        How long to rescan for the insole's address per attempt.
    connect_timeout_s : float
        Timeout of one connect attempt.
    max_attempts : int
        Give up after this many failed attempts in a row (0 = never).
    """

    initial_delay_s: float = 0.1
    max_delay_s: float = 2.0
    scan_timeout_s: float = 3.0
    connect_timeout_s: float = 10.0
    max_attempts: int = 0


@dataclass
class InsoleLinkStats:
    """Live counters of one insole link.

    Attributes
    ----------
    notifications : int
        Notifications received (callbacks run).
    callbacks_per_connection : list of int
        Callbacks per ``BleakClient`` generation (compare with what the insole sent).
    samples : int
        Distinct samples decoded.
    lost_samples, duplicate_samples, counter_resets : int
        From the device counter (live estimate; the session reader recomputes them).
    malformed_packets : int
        Notifications that did not decode.
    disconnects : int
        Unsolicited disconnects.
    reconnect_s : list of float
        Wall-clock time from each drop to the first notification after resubscribing.
    mtu : int
        Negotiated ATT MTU of the last connection.
    """

    notifications: int = 0
    callbacks_per_connection: list[int] = field(default_factory=list)
    samples: int = 0
    lost_samples: int = 0
    duplicate_samples: int = 0
    counter_resets: int = 0
    malformed_packets: int = 0
    disconnects: int = 0
    reconnect_s: list[float] = field(default_factory=list)
    mtu: int = 0


@dataclass(frozen=True)
class SessionSummary:
    """Result of :func:`record_session`.

    Parameters
    ----------
    path : Path
        The finalised session file.
    duration_s : float
        Wall-clock recording time.
    stats : dict side -> InsoleLinkStats
    """

    path: Path
    duration_s: float
    stats: dict[str, InsoleLinkStats]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (also stored in the session's END record)."""
        return {
            "path": str(self.path),
            "duration_s": round(self.duration_s, 3),
            "insoles": {
                side: {
                    "notifications": s.notifications,
                    "samples": s.samples,
                    "lost_samples": s.lost_samples,
                    "duplicate_samples": s.duplicate_samples,
                    "malformed_packets": s.malformed_packets,
                    "counter_resets": s.counter_resets,
                    "disconnects": s.disconnects,
                    "reconnect_s": [round(x, 3) for x in s.reconnect_s],
                    "mtu": s.mtu,
                }
                for side, s in self.stats.items()
            },
        }


async def scan_insoles(timeout_s: float = 10.0, count: int = 2, backend: Any = None) -> list[Any]:
    """Scan for insoles advertising our service UUID.

    Parameters
    ----------
    timeout_s : float
        Scan time limit.
    count : int
        Stop as soon as this many insoles were seen.
    backend : object with ``scanner`` and ``client`` attributes, optional
        bleak backend classes (``None``: the platform's).

    Returns
    -------
    list of bleak.backends.device.BLEDevice
        In order of discovery (at least one).

    Raises
    ------
    InsoleNotFoundError
        ``NO_ADAPTER`` when Bluetooth is unavailable, ``TIMEOUT`` when nothing was found.
    """
    bleak = _bleak()
    from bleak.exc import BleakError

    found: dict[str, Any] = {}
    enough = asyncio.Event()

    def on_adv(device: Any, adv: Any) -> None:
        if INSOLE_SERVICE_UUID in [u.lower() for u in adv.service_uuids]:
            found.setdefault(device.address, device)
            if len(found) >= count:
                enough.set()

    try:
        scanner = bleak.BleakScanner(
            on_adv, service_uuids=[INSOLE_SERVICE_UUID], **_backend_kw(backend, "scanner")
        )
        async with scanner:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(enough.wait(), timeout_s)
    except (BleakError, OSError) as err:
        detail = f"the Bluetooth stack is unreachable ({type(err).__name__}: {err})"
        raise InsoleNotFoundError(NotFoundReason.NO_ADAPTER, detail) from err
    if not found:
        raise InsoleNotFoundError(NotFoundReason.TIMEOUT, f"{timeout_s:g} s")
    return list(found.values())


class InsoleConnection:
    """Keeps one insole connected and subscribed; reconnects after drops.

    Parameters
    ----------
    device : BLEDevice
        From :func:`scan_insoles`.
    writer : SessionWriter or None
        Where raw notifications and link events go.
    backend : optional
        bleak backend classes (``scanner``, ``client`` attributes).
    policy : ReconnectPolicy
    frames : QueueInsoleSource, optional
        Receives decoded :class:`InsoleFrame` objects for live analysis.
    """

    def __init__(
        self,
        device: Any,
        writer: SessionWriter | None = None,
        backend: Any = None,
        policy: ReconnectPolicy | None = None,
        frames: QueueInsoleSource | None = None,
    ) -> None:
        self.device = device
        self.address = device.address
        self.writer = writer
        self.backend = backend
        self.policy = policy or ReconnectPolicy()
        self.frames = frames
        self.stats = InsoleLinkStats()
        self.info: InsoleInfo | None = None
        self.layout_bytes: bytes | None = None
        self.side: str | None = None
        self._decode = get_decoder(_ours.NAME)
        self._tracker: CounterTracker | None = None
        self._client: Any = None
        self._generation = 0
        self._dropped = asyncio.Event()
        self._stopping = asyncio.Event()
        self._drop_t: float | None = None
        self._task: asyncio.Task | None = None
        self.failed: BaseException | None = None

    def _now_ns(self) -> int:
        return self.writer.now_ns() if self.writer is not None else time.monotonic_ns()

    async def open(self) -> InsoleInfo:
        """First connection: read the info and layout, subscribe; returns the info."""
        await self._connect(self.device, first=True)
        assert self.info is not None
        return self.info

    async def _connect(self, device: Any, first: bool) -> None:
        bleak = _bleak()
        client = bleak.BleakClient(
            device,
            disconnected_callback=self._on_disconnect,
            timeout=self.policy.connect_timeout_s,
            **_backend_kw(self.backend, "client"),
        )
        await client.connect()
        try:
            info = InsoleInfo.from_bytes(await client.read_gatt_char(INFO_CHAR_UUID))
            if first:
                self.info = info
                self.side = "left" if info.side == Side.LEFT else "right"
                self.layout_bytes = bytes(await client.read_gatt_char(LAYOUT_CHAR_UUID))
                self._tracker = CounterTracker(16, info.sampling_rate_hz)
                if self.writer is not None:
                    self.writer.write_device(
                        self.side, address=self.address, info=bytes(info), layout=self.layout_bytes
                    )
            elif self.info is not None and (info.serial, info.side) != (
                self.info.serial,
                self.info.side,
            ):
                raise PacketError(
                    f"device at {self.address} changed identity (serial {self.info.serial} -> "
                    f"{info.serial})"
                )
            self._generation += 1
            self.stats.callbacks_per_connection.append(0)
            self._client = client
            self._dropped.clear()
            self.stats.mtu = client.mtu_size
            # Exactly one start_notify per BleakClient, on a client that has never subscribed.
            # On BlueZ, AcquireNotify instead of StartNotify: the workaround reported for the
            # doubled callbacks after a reconnect (bleak #2002); other backends ignore it.
            await client.start_notify(
                PRESSURE_CHAR_UUID,
                self._make_callback(self._generation),
                bluez={"use_start_notify": False},
            )
        except BaseException:
            with contextlib.suppress(Exception):
                await client.disconnect()
            raise
        if self.writer is not None:
            self.writer.write_event(
                self.side, "connected" if first else "reconnected", mtu=client.mtu_size
            )

    def _make_callback(self, generation: int) -> Callable[[Any, bytearray], None]:
        def on_notify(_char: Any, data: bytearray) -> None:
            self._on_notification(generation, bytes(data))

        return on_notify

    def _on_notification(self, generation: int, data: bytes) -> None:
        host_ns = self._now_ns()
        self.stats.notifications += 1
        self.stats.callbacks_per_connection[generation - 1] += 1
        if self._drop_t is not None:
            self.stats.reconnect_s.append(time.monotonic() - self._drop_t)
            self._drop_t = None
        info, tr, side = self.info, self._tracker, self.side
        if info is None or tr is None or side is None:
            # A notification before the insole identified itself cannot be placed: count it
            # as malformed rather than crash the callback (or write a side-less record).
            self.stats.malformed_packets += 1
            return
        if self.writer is not None:
            self.writer.write_notification(side, data, host_ns)
        try:
            pkt = self._decode(data)
        except PacketError:
            self.stats.malformed_packets += 1
            return
        for s in pkt.samples:
            if len(s.values) != info.n_sensors:
                self.stats.malformed_packets += 1
                continue
            idx = tr.update(s.seq, s.t_device_us)
            if idx is None:
                continue
            self.stats.samples += 1
            if self.frames is not None:
                imu = None if s.imu is None else np.asarray(s.imu, dtype=np.float64)
                self.frames.put_nowait(
                    InsoleFrame(
                        side,
                        idx,
                        idx / info.sampling_rate_hz,
                        np.asarray(s.values, dtype=np.float64),
                        imu,
                    )
                )
        self.stats.lost_samples = tr.lost
        self.stats.duplicate_samples = tr.duplicates
        self.stats.counter_resets = tr.resets

    def _on_disconnect(self, client: Any) -> None:
        # Late callbacks from an old client must not trigger a second reconnect.
        if client is not self._client or self._stopping.is_set():
            return
        self.stats.disconnects += 1
        self._drop_t = time.monotonic()
        self._client = None
        if self.writer is not None:
            self.writer.write_event(self.side, "disconnected")
        self._dropped.set()

    def start(self) -> None:
        """Start the background reconnect supervisor."""
        self._task = asyncio.create_task(self._supervise(), name=f"insole-{self.side}")

    async def _supervise(self) -> None:
        bleak = _bleak()
        from bleak.exc import BleakError

        while not self._stopping.is_set():
            stop_wait = asyncio.ensure_future(self._stopping.wait())
            drop_wait = asyncio.ensure_future(self._dropped.wait())
            await asyncio.wait({stop_wait, drop_wait}, return_when=asyncio.FIRST_COMPLETED)
            stop_wait.cancel()
            drop_wait.cancel()
            if self._stopping.is_set():
                return
            delay = self.policy.initial_delay_s
            attempts = 0
            while not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                if self._stopping.is_set():
                    return
                attempts += 1
                try:
                    device = await bleak.BleakScanner.find_device_by_address(
                        self.address,
                        timeout=self.policy.scan_timeout_s,
                        **_backend_kw(self.backend, "scanner"),
                    )
                    if device is None:
                        raise TimeoutError(f"{self.address} not advertising")
                    await self._connect(device, first=False)
                    break
                except (BleakError, TimeoutError, OSError, PacketError) as err:
                    logger.info("reconnect to %s failed: %s", self.address, err)
                    if self.writer is not None:
                        self.writer.write_event(self.side, "reconnect_failed", error=str(err))
                    if self.policy.max_attempts and attempts >= self.policy.max_attempts:
                        self.failed = err
                        return
                    delay = min(delay * 2, self.policy.max_delay_s)

    async def close(self) -> None:
        """Stop reconnecting, unsubscribe and disconnect."""
        self._stopping.set()
        if self._task is not None:
            # The supervisor notices the stop between attempts; a connect in progress is
            # given a moment to finish, then cancelled.
            done, _ = await asyncio.wait({self._task}, timeout=2.0)
            if not done:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(Exception):
                await client.stop_notify(PRESSURE_CHAR_UUID)
            with contextlib.suppress(Exception):
                await client.disconnect()
        if self.writer is not None and self.side is not None:
            self.writer.write_event(self.side, "stopped")


async def _open_sides(
    conns: list[InsoleConnection], sides: tuple[str, ...], writer: SessionWriter
) -> dict[str, InsoleConnection]:
    """Open every connection; keep one per wanted side, close the rest.

    Raises
    ------
    InsoleNotFoundError
        A wanted side did not open (the partial session file is removed).
    """
    results = await asyncio.gather(*(c.open() for c in conns), return_exceptions=True)
    by_side: dict[str, InsoleConnection] = {}
    for c, r in zip(conns, results):
        if isinstance(r, BaseException):
            logger.warning("could not open %s: %s", c.address, r)
        elif c.side is not None and c.side in sides and c.side not in by_side:
            by_side[c.side] = c
    for c in [c for c in conns if c not in by_side.values()]:
        await c.close()
    missing = [s for s in sides if s not in by_side]
    if missing:
        for c in by_side.values():
            await c.close()
        writer.abort()
        writer.partial_path.unlink(missing_ok=True)
        raise InsoleNotFoundError(NotFoundReason.SIDE_MISSING, f"no {' or '.join(missing)} insole")
    return by_side


async def _wait_until_stop(stop_event: asyncio.Event | None, duration_s: float | None) -> None:
    """Return when ``stop_event`` is set or ``duration_s`` has passed, whichever is first."""
    waits: list[asyncio.Future[Any]] = []
    if stop_event is not None:
        waits.append(asyncio.ensure_future(stop_event.wait()))
    if duration_s is not None:
        waits.append(asyncio.ensure_future(asyncio.sleep(duration_s)))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


async def record_session(
    out_path: str | Path,
    *,
    duration_s: float | None = None,
    stop_event: asyncio.Event | None = None,
    sides: tuple[str, ...] = ("left", "right"),
    scan_timeout_s: float = 10.0,
    backend: Any = None,
    policy: ReconnectPolicy | None = None,
    frames: QueueInsoleSource | None = None,
    meta: dict | None = None,
    on_connected: Callable[[dict[str, InsoleConnection]], Any] | None = None,
) -> SessionSummary:
    """Find the insoles, stream them into a session file, stop cleanly.

    Parameters
    ----------
    out_path : str or Path
        Session file to create (written as ``.partial`` until finalised).
    duration_s : float, optional
        Stop after this many wall-clock seconds.
    stop_event : asyncio.Event, optional
        Stop when set (e.g. Ctrl-C handler); at least one of the two stop conditions is needed.
    sides : tuple of str
        Feet that must be found (``("left", "right")`` or one of them).
    scan_timeout_s : float
        Initial scan time limit.
    backend : optional
        bleak backend classes (``scanner``/``client`` attributes); ``None`` = the platform's.
    policy : ReconnectPolicy, optional
    frames : QueueInsoleSource, optional
        Receives live frames (closed at the end).
    meta : dict, optional
        Extra session header fields.
    on_connected : callable, optional
        Called with the connections once every side is streaming (tests use it).

    Returns
    -------
    SessionSummary

    Raises
    ------
    InsoleNotFoundError
        No adapter, no insole, or a required side missing.
    """
    if duration_s is None and stop_event is None:
        raise ValueError("record_session needs duration_s or stop_event")
    if not sides or any(s not in ("left", "right") for s in sides):
        raise ValueError(f"sides must be 'left' and/or 'right', got {sides!r}")
    devices = await scan_insoles(scan_timeout_s, count=len(sides), backend=backend)
    writer = SessionWriter(out_path, meta={"app": "gait", **(meta or {})})
    conns: list[InsoleConnection] = [
        InsoleConnection(d, writer, backend, policy, frames) for d in devices
    ]
    t_start = time.monotonic()
    try:
        by_side = await _open_sides(conns, sides, writer)
        for c in by_side.values():
            c.start()
        if on_connected is not None:
            on_connected(by_side)
        await _wait_until_stop(stop_event, duration_s)
        for c in by_side.values():
            await c.close()
    except BaseException:
        if not writer.closed:
            writer.abort()
        if frames is not None:
            frames.close()
        raise
    summary = SessionSummary(
        Path(out_path), time.monotonic() - t_start, {s: c.stats for s, c in by_side.items()}
    )
    writer.close(summary.as_dict())
    if frames is not None:
        frames.close()
    return summary
