"""What a virtual insole measures: foot signals quantised into device counts.

Signals come from a :class:`~gait.insole.Recording` (:func:`signals_from_recording`) or from
a synthetic activity (:func:`synthetic_signals`, built on :func:`gait.insole.synthesize`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gait.insole._layouts import get_layout
from gait.insole._recording import FootSignal, Recording
from gait.insole._synthetic import synthesize

__all__ = ["InsoleSignal", "signal_from_foot", "signals_from_recording", "synthetic_signals"]

#: Standard gravity (m/s^2).
_G = 9.80665
#: Largest 12-bit ADC count.
_ADC_MAX = 4095
#: Default force calibration of the virtual cells: 0.1 N per count (300 N -> 3000 counts).
_FORCE_LSB_MN = 100


@dataclass(frozen=True)
class InsoleSignal:
    """What one virtual insole measures, in device units.

    Parameters
    ----------
    counts : (n, k) uint16
        Sensor ADC counts (12-bit).
    imu : (n, 6) int16 or None
        Raw accelerometer and gyroscope values.
    sensor_xy_mm : (k, 2) float64
        Sensor positions for the layout characteristic.
    force_lsb_mn : int
        Millinewtons per count (0 when the counts are not in force units).
    """

    counts: NDArray[np.uint16] = field(repr=False)
    imu: NDArray[np.int16] | None = field(repr=False)
    sensor_xy_mm: NDArray[np.float64] = field(repr=False)
    force_lsb_mn: int = _FORCE_LSB_MN

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.counts.shape[0])

    @property
    def n_sensors(self) -> int:
        """Sensors per sample."""
        return int(self.counts.shape[1])


def signal_from_foot(
    foot: FootSignal,
    force_lsb_mn: int = _FORCE_LSB_MN,
    acc_range_g: int = 16,
    gyro_range_dps: int = 2000,
) -> InsoleSignal:
    """Quantise a foot signal (newtons, m/s^2, deg/s) into device counts.

    Parameters
    ----------
    foot : FootSignal
        Values in newtons (NaN is sent as 0).
    force_lsb_mn : int
        Millinewtons per count; values above 4095 counts saturate, as a real ADC does.
    acc_range_g, gyro_range_dps : int
        IMU full scales.

    Returns
    -------
    InsoleSignal
    """
    v = np.nan_to_num(np.asarray(foot.values, dtype=np.float64), nan=0.0)
    counts = np.clip(np.round(v * 1000.0 / force_lsb_mn), 0, _ADC_MAX).astype(np.uint16)
    imu = None
    if foot.imu is not None:
        raw = np.nan_to_num(np.asarray(foot.imu, dtype=np.float64))
        scale = np.array([acc_range_g * _G] * 3 + [gyro_range_dps] * 3, dtype=np.float64)
        imu = np.clip(np.round(raw / scale * 32768.0), -32768, 32767).astype(np.int16)
    xy = foot.sensor_xy_mm
    if xy is None:
        xy = get_layout(counts.shape[1]).xy_mm
    return InsoleSignal(counts, imu, np.asarray(xy, dtype=np.float64), force_lsb_mn)


def synthetic_signals(
    activity: str,
    duration_s: float,
    n_sensors: int = 16,
    sampling_rate_hz: float = 100.0,
    seed: int = 0,
    with_imu: bool = False,
) -> dict[str, InsoleSignal]:
    """Left and right signals of a synthetic activity.

    Parameters
    ----------
    activity : str
        ``walking``, ``running``, ``standing``, ``sitting`` or ``mixed`` (sit, stand, walk,
        run, walk, stand in proportion).
    duration_s : float
        Length of the signal.
    n_sensors, sampling_rate_hz, seed, with_imu
        Passed to :func:`gait.insole._synthetic.synthesize`.

    Returns
    -------
    dict side -> InsoleSignal
    """
    if activity == "mixed":
        shares = (("sitting", 0.1), ("standing", 0.1), ("walking", 0.35), ("running", 0.15),
                  ("walking", 0.2), ("standing", 0.1))  # fmt: skip
        plan = [(k, duration_s * f) for k, f in shares]
    else:
        plan = [(activity, float(duration_s))]
    rec = synthesize(plan, n_sensors, sampling_rate_hz, seed, with_imu=with_imu)
    return {side: signal_from_foot(foot) for side, foot in rec.feet.items()}


def signals_from_recording(recording: Recording) -> dict[str, InsoleSignal]:
    """Signals of every foot of a recording, for replay (values taken as newtons).

    The force calibration is chosen per foot so that the largest value uses ~4000 of the
    4095 counts (no saturation, at most 0.025 % quantisation of the peak).
    """
    out = {}
    for side, foot in recording.feet.items():
        peak = float(np.nanmax(foot.values)) if np.isfinite(foot.values).any() else 0.0
        lsb = int(min(65535, max(1, math.ceil(peak * 1000.0 / 4000.0))))
        out[side] = signal_from_foot(foot, force_lsb_mn=lsb)
    return out
