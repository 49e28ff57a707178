"""Insole sources: anything that yields timed samples, live (BLE) or replayed.

The streaming analyser consumes an :class:`InsoleSource`; the BLE recorder feeds a
:class:`QueueInsoleSource`, and :class:`ReplayInsoleSource` replays a :class:`Recording` (for
tests and demos), optionally in real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingValidationError
from gait.insole._recording import Recording

__all__ = ["InsoleFrame", "InsoleSource", "ReplayInsoleSource", "QueueInsoleSource"]


@dataclass(frozen=True)
class InsoleFrame:
    """One sample of one foot, timed by the device counter.

    Parameters
    ----------
    side : {"left", "right"}
    index : int
        Sample index on that foot's grid (unwrapped device counter).
    t_s : float
        ``index / sampling_rate_hz``: device time since the foot's first sample, seconds.
    values : (k,) float64
        Sensor values (NaN when the sample was lost, in a replay of a recording with gaps).
    imu : (6,) float64 or None
    """

    side: str
    index: int
    t_s: float
    values: NDArray[np.float64] = field(repr=False)
    imu: NDArray[np.float64] | None = field(default=None, repr=False)


@runtime_checkable
class InsoleSource(Protocol):
    """An async iterator of :class:`InsoleFrame` (both feet interleaved, roughly in time)."""

    sampling_rate_hz: float

    def __aiter__(self) -> AsyncIterator[InsoleFrame]: ...


class ReplayInsoleSource:
    """Replay a recording as a stream of frames, left and right interleaved in time order.

    Parameters
    ----------
    recording : Recording
    realtime : bool
        Pace the frames at the sampling rate (else as fast as the consumer reads).
    skip_invalid : bool
        Leave out samples marked invalid (as a live link would: lost samples never arrive).
    """

    def __init__(
        self, recording: Recording, realtime: bool = False, skip_invalid: bool = True
    ) -> None:
        if not recording.feet:
            raise RecordingValidationError("cannot replay a recording without feet")
        self.recording = recording
        self.sampling_rate_hz = recording.sampling_rate_hz
        self.realtime = realtime
        self.skip_invalid = skip_invalid

    async def __aiter__(self) -> AsyncIterator[InsoleFrame]:
        fs = self.sampling_rate_hz
        feet = self.recording.feet
        n = max(f.n_samples for f in feet.values())
        loop = asyncio.get_running_loop()
        t_start = loop.time()
        for i in range(n):
            if self.realtime:
                delay = t_start + i / fs - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif i % 256 == 0:
                await asyncio.sleep(0)
            for side, foot in feet.items():
                if i >= foot.n_samples:
                    continue
                if self.skip_invalid and foot.valid is not None and not foot.valid[i]:
                    continue
                imu = None if foot.imu is None else foot.imu[i]
                yield InsoleFrame(side, i, i / fs, foot.values[i], imu)


class QueueInsoleSource:
    """A source fed by a producer (the BLE recorder) through an asyncio queue.

    Parameters
    ----------
    sampling_rate_hz : float
    maxsize : int
        Queue bound; :meth:`put_nowait` drops the oldest frame when full, so a slow consumer
        can never grow memory without bound (dropped frames are counted in :attr:`dropped`).
    """

    def __init__(self, sampling_rate_hz: float, maxsize: int = 10_000) -> None:
        self.sampling_rate_hz = sampling_rate_hz
        self._q: asyncio.Queue[InsoleFrame | None] = asyncio.Queue(maxsize)
        self.dropped = 0

    def put_nowait(self, frame: InsoleFrame) -> None:
        """Offer a frame (never blocks)."""
        if self._q.full():
            self._q.get_nowait()
            self.dropped += 1
        self._q.put_nowait(frame)

    def close(self) -> None:
        """End the stream after the queued frames."""
        if self._q.full():
            self._q.get_nowait()
            self.dropped += 1
        self._q.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[InsoleFrame]:
        while True:
            item = await self._q.get()
            if item is None:
                return
            yield item
