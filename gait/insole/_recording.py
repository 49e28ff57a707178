"""The in-memory recording type every reader returns and every analysis consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingReadError, RecordingValidationError

__all__ = [
    "MAX_DENSE_BYTES",
    "MAX_LOAD_BYTES",
    "SIDES",
    "FootSignal",
    "Recording",
    "Side",
    "as_side",
    "check_dense",
]

Side = Literal["left", "right"]
#: Both sides, in order.
SIDES: tuple[Side, Side] = ("left", "right")


def as_side(name: str) -> Side:
    """``name`` as a :data:`Side`; :class:`RecordingValidationError` if it is not one."""
    if name == "left":
        return "left"
    if name == "right":
        return "right"
    raise RecordingValidationError(f"side must be 'left' or 'right', not {name!r}")


@dataclass(frozen=True)
class FootSignal:
    """Uniformly sampled sensor values of one insole (or one footswitch).

    Parameters
    ----------
    side : {"left", "right"}
        Which foot.
    values : (n, k) float64
        Sensor values per sample; ``k`` sensors (1 for a single footswitch). Units are
        whatever the source gives (newtons for gaitpdb, ADC units for gaitndd, raw counts
        for our insole); analysis normalises per record. Missing samples are NaN.
    sensor_xy_mm : (k, 2) float64 or None
        Sensor positions on the insole, millimetres, +x medial, +y forward (heel -> toe),
        mirrored so that +x is medial for both feet. ``None`` when unknown.
    valid : (n,) bool
        False where a sample was lost (BLE gap) or flagged invalid by the source.
    imu : (n, 6) float64 or None
        Optional accelerometer (m/s^2) and gyroscope (deg/s) samples.
    """

    side: Side
    values: NDArray[np.float64] = field(repr=False)
    sensor_xy_mm: NDArray[np.float64] | None = field(default=None, repr=False)
    valid: NDArray[np.bool_] | None = field(default=None, repr=False)
    imu: NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.values.shape[0])

    @property
    def total(self) -> NDArray[np.float64]:
        """(n,) sum over sensors (NaN where every sensor is NaN); a fresh copy each call."""
        cached = self.__dict__.get("_total")  # computed once: several analyses need it
        if cached is None:
            # The plain sum is nansum's on rows without NaN (same additions) and NaN on rows
            # that are all NaN (a missing sample, the usual case); only rows with some NaN
            # cells are summed again without them.
            cached = np.sum(self.values, axis=1)
            odd = np.flatnonzero(np.isnan(cached))
            if odd.size:
                rows = self.values[odd]
                part = np.nansum(rows, axis=1)
                part[np.isnan(rows).all(axis=1)] = np.nan
                cached[odd] = part
            self.__dict__["_total"] = cached
        return cached.copy()


@dataclass(frozen=True)
class Recording:
    """One recording: one or two feet on a common clock.

    Parameters
    ----------
    sampling_rate_hz : float
        Sampling rate shared by both feet.
    left, right : FootSignal or None
        The feet present (at least one). Both start at ``t = 0`` on the common clock.
    source : str
        Where it came from (file path or ``"synthetic"``), for reports.
    format : str
        ``"session"``, ``"csv"``, ``"gaitpdb"``, ``"wfdb"``, ``"synthetic"``...
    meta : dict
        Free-form metadata (subject, device ids, lost-packet counts, gaps...).
    """

    sampling_rate_hz: float
    left: FootSignal | None = None
    right: FootSignal | None = None
    source: str = ""
    format: str = ""
    meta: dict = field(default_factory=dict, repr=False)

    @property
    def feet(self) -> dict[str, FootSignal]:
        """The feet present, keyed by side."""
        return {s.side: s for s in (self.left, self.right) if s is not None}

    @property
    def duration_s(self) -> float:
        """Length of the longest foot signal in seconds."""
        n = max((f.n_samples for f in self.feet.values()), default=0)
        return n / self.sampling_rate_hz


#: Largest file :func:`load_recording` reads at once; longer recordings go through
#: :func:`gait.analyze_file`, which reads them part by part.
MAX_LOAD_BYTES = 512 << 20
#: Largest uniform grid (bytes of float64 values) one recording may occupy in memory.
MAX_DENSE_BYTES = 1 << 30


def check_dense(n_grid: int, n_columns: int, sampling_rate_hz: float, source: str) -> None:
    """Refuse a grid that would not fit in memory (a long recording or a long time gap).

    Parameters
    ----------
    n_grid : int
        Samples on the uniform grid (first to last sample, gaps included).
    n_columns : int
        Values per sample, all feet together.
    sampling_rate_hz : float
        For the message.
    source : str
        For the message.

    Raises
    ------
    RecordingReadError
        When ``n_grid * n_columns * 8`` exceeds :data:`MAX_DENSE_BYTES`.
    """
    need = float(n_grid) * n_columns * 8
    if need > MAX_DENSE_BYTES:
        raise RecordingReadError(
            f"{source}: spans {n_grid / sampling_rate_hz / 3600:.1f} h on a uniform grid "
            f"({need / 2**30:.1f} GiB): too long to load at once; analyse it part by part "
            "with gait.analyze_file (the gait analyze command does; gaps are not filled)"
        )
