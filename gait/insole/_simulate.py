"""The no-hardware session: virtual insoles and the real bleak client in one process.

:func:`simulate_session` builds a bumble ``LocalLink``, one central (behind the bleak backend
of :mod:`gait.insole._bumble_backend`) and one :class:`~gait.insole._virtual.VirtualInsole` per foot, then
runs the production recorder :func:`gait.insole._ble.record_session` against them. ``gait simulate``
and the end-to-end tests use it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gait.exceptions import MissingExtraError, RecordingValidationError
from gait.insole._ble import InsoleConnection, ReconnectPolicy, SessionSummary, record_session
from gait.insole._sources import QueueInsoleSource
from gait.insole._virtual import (
    FaultPlan,
    InsoleSignal,
    VirtualInsole,
    VirtualInsoleStats,
    start_together,
)

__all__ = ["SimulationResult", "simulate_session"]

_ADDRESSES = {"left": "D1:5E:55:00:00:01", "right": "D1:5E:55:00:00:02"}


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulate_session`.

    Parameters
    ----------
    summary : SessionSummary
        What the bleak client saw (and the session file path).
    insoles : dict side -> VirtualInsoleStats
        What each virtual insole did.
    wall_s : float
        Wall-clock time of the whole simulation.
    """

    summary: SessionSummary
    insoles: dict[str, VirtualInsoleStats] = field(repr=False)
    wall_s: float


def _make_insoles(
    link: Any,
    signals: dict[str, InsoleSignal],
    sampling_rate_hz: float,
    speed: float,
    faults: dict[str, FaultPlan] | None,
    seq_start: dict[str, int] | None,
    max_samples_per_notification: int | None,
) -> list[VirtualInsole]:
    """One virtual insole per foot on ``link``, sharing one start gate."""
    gate = asyncio.Event()
    insoles = [
        VirtualInsole(
            link,
            side,
            sig,
            address=_ADDRESSES[side],
            sampling_rate_hz=sampling_rate_hz,
            speed=speed,
            max_samples_per_notification=max_samples_per_notification,
            seq_start=(seq_start or {}).get(side, 0),
            t_start_us=1_000_000 * (i + 1),
            serial=0x5E550000 + i,
            faults=(faults or {}).get(side),
            start_gate=gate,
        )  # fmt: skip
        for i, (side, sig) in enumerate(signals.items())
    ]
    return insoles


async def _stop_when_done(
    insoles: list[VirtualInsole],
    conns: dict[str, InsoleConnection],
    stop: asyncio.Event,
    drain_timeout_s: float,
) -> None:
    """Set ``stop`` once the insoles finished and their notifications reached the client."""
    await asyncio.gather(*(i.finished.wait() for i in insoles))
    deadline = time.monotonic() + drain_timeout_s
    # Every notification an insole sent must have reached the client (or time out).
    while time.monotonic() < deadline:
        if all(
            ins.side in conns
            and conns[ins.side].stats.notifications >= ins.stats.notifications_sent
            for ins in insoles
        ):
            break
        await asyncio.sleep(0.01)
    stop.set()


async def simulate_session(
    out_path: str | Path,
    signals: dict[str, InsoleSignal],
    *,
    sampling_rate_hz: float = 100.0,
    speed: float = 1.0,
    faults: dict[str, FaultPlan] | None = None,
    seq_start: dict[str, int] | None = None,
    max_samples_per_notification: int | None = None,
    policy: ReconnectPolicy | None = None,
    frames: QueueInsoleSource | None = None,
    drain_timeout_s: float = 5.0,
) -> SimulationResult:
    """Stream ``signals`` from virtual insoles through bleak into a session file.

    Parameters
    ----------
    out_path : str or Path
        Session file to write.
    signals : dict side -> InsoleSignal
        One or two feet.
    sampling_rate_hz : float
        Nominal rate of the insoles.
    speed : float
        Simulated seconds per wall second while streaming (see :class:`VirtualInsole`).
    faults : dict side -> FaultPlan, optional
    seq_start : dict side -> int, optional
        First counter value per foot (e.g. 65000 to wrap early).
    max_samples_per_notification : int, optional
        Batch limit (default: what the MTU allows).
    policy : ReconnectPolicy, optional
        Client reconnect policy.
    frames : QueueInsoleSource, optional
        Live frames for a streaming consumer.
    drain_timeout_s : float
        After the insoles finish, wait at most this long for the last notifications.

    Returns
    -------
    SimulationResult
    """
    try:
        from bumble.link import LocalLink

        from gait.insole._bumble_backend import BumbleCentral, make_backend
    except ImportError as err:
        raise MissingExtraError("ble", err.name or "bumble") from err

    if not signals or any(s not in _ADDRESSES for s in signals):
        raise RecordingValidationError("signals must be keyed by 'left' and/or 'right'")
    t0 = time.monotonic()
    link = LocalLink()
    central = await BumbleCentral.create(link)
    backend = make_backend(central)
    insoles = _make_insoles(
        link, signals, sampling_rate_hz, speed, faults, seq_start, max_samples_per_notification
    )
    await start_together(insoles)
    stop = asyncio.Event()
    conns: dict[str, InsoleConnection] = {}
    stopper = asyncio.create_task(_stop_when_done(insoles, conns, stop, drain_timeout_s))
    try:
        summary = await record_session(
            out_path,
            stop_event=stop,
            sides=tuple(signals),
            scan_timeout_s=5.0,
            backend=backend,
            policy=policy,
            frames=frames,
            meta={"simulated": True, "speed": speed},
            on_connected=conns.update,
        )
    finally:
        stopper.cancel()
        for ins in insoles:
            await ins.stop()
    return SimulationResult(summary, {i.side: i.stats for i in insoles}, time.monotonic() - t0)
