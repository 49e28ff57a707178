"""Stride length and walking speed from the insole IMU (zero-velocity updates, per stride).

A foot-mounted IMU is at rest once per stride, in mid-stance. Between two such instants the
foot's motion is found by strapdown integration: the orientation starts level (the measured
specific force during rest is gravity), turns with the gyroscope, the specific force is
rotated into that frame and gravity removed, integrated once to velocity (whose linear drift is
removed so that it ends at zero, as the foot does) and again to position. The horizontal
displacement is the stride length; the walking speed is total length over total stride time.
This is the zero-velocity-update method of Skog et al. (IEEE Trans Biomed Eng 2010) and
Mariani et al. (J Biomech 2010), in its simplest form (one linear drift correction per stride).

Without an IMU there is no speed: pressure alone does not tell how far a foot travelled.

All strides of a foot are integrated together (vectorised over strides, one loop over the
samples of the longest stride), so a day of walking costs seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gait.analysis._strides import StrideTable
from gait.insole._recording import FootSignal

__all__ = ["SpeedSummary", "imu_stride_lengths", "merge_speeds", "stride_motion", "walking_speed"]

#: Standard gravity (m/s^2).
_G = 9.80665
#: Stride lengths accepted as physically possible for walking and running (m).
_MIN_STRIDE_M, _MAX_STRIDE_M = 0.15, 3.5
#: Longest stride integrated (s): longer ones are pauses, not strides.
_MAX_STRIDE_S = 2.5
#: Smallest peak angular rate in swing (deg/s) of an IMU that moves with the foot.
_MIN_SWING_DPS = 50.0
#: Rise or fall of a stride (m) that makes it a stair stride: a stride climbs two risers of
#: 15-18 cm (0.30-0.36 m); level strides of the real Moticon walk integrate to -0.08..+0.15 m.
_STAIR_RISE_M = 0.22
#: Rest window (samples either side of the quietest stance sample) for the gravity direction.
_REST_HALF = 2


@dataclass(frozen=True)
class SpeedSummary:
    """Walking speed and stride length, or why they are not available.

    Parameters
    ----------
    walking_speed_m_s : float or None
        Total stride length over total stride time of the strides measured (m/s).
    stride_length_m : float or None
        Median stride length (m), heel strike to the next heel strike of the same foot.
    n_strides : int
        Strides measured (both feet).
    source : str or None
        ``"imu"`` when measured; ``None`` when not available.
    note : str
        Why the values are missing (empty when measured).
    distance_m, time_s : float
        Total length and total time of the level strides measured (to merge parts).
    stairs_up_strides, stairs_down_strides : int
        Strides that rose or fell by at least 0.22 m (a stair stride climbs two risers,
        0.30-0.36 m): stairs, left out of the level walking speed.
    """

    walking_speed_m_s: float | None = None
    stride_length_m: float | None = None
    n_strides: int = 0
    source: str | None = None
    note: str = "walking speed needs the insole IMU (accelerometer and gyroscope)"
    distance_m: float = 0.0
    time_s: float = 0.0
    stairs_up_strides: int = 0
    stairs_down_strides: int = 0


def merge_speeds(parts: list[SpeedSummary]) -> SpeedSummary:
    """One summary from those of consecutive parts (stride lengths are not kept: the
    stride length is the distance-weighted mean of the parts' medians)."""
    measured = [p for p in parts if p.source is not None and p.time_s > 0]
    if not measured:
        notes = [p.note for p in parts if p.note]
        return SpeedSummary(note=notes[0]) if notes else SpeedSummary()
    dist = sum(p.distance_m for p in measured)
    time_s = sum(p.time_s for p in measured)
    n = sum(p.n_strides for p in measured)
    length = sum((p.stride_length_m or 0.0) * p.n_strides for p in measured) / max(n, 1)
    up = sum(p.stairs_up_strides for p in parts)
    down = sum(p.stairs_down_strides for p in parts)
    return SpeedSummary(dist / time_s, length, n, "imu", "", dist, time_s, up, down)


def _rest_index(gyro_norm: NDArray[np.float64], a: int, b: int) -> int:
    """The quietest sample of a stance (smallest angular rate over a 5-sample window)."""
    seg = gyro_norm[a:b]
    k = min(2 * _REST_HALF + 1, seg.size)
    smooth = np.convolve(seg, np.ones(k) / k, mode="same")
    if np.isnan(smooth).any():
        return a + int(np.nanargmin(smooth))
    return a + int(smooth.argmin())  # what nanargmin gives without NaN, without its overhead


def _level_rotation(f: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rotations (k, 3, 3) taking each specific force ``f`` (k, 3) to +z (heading arbitrary)."""
    u = f / np.linalg.norm(f, axis=1, keepdims=True)
    z = np.array([0.0, 0.0, 1.0])
    axis = np.cross(u, z)
    s = np.linalg.norm(axis, axis=1)
    c = u @ z
    k = np.where(s[:, None] > 1e-12, axis / np.maximum(s, 1e-12)[:, None], [1.0, 0.0, 0.0])
    return _rodrigues(k, np.arctan2(s, c))


def _rodrigues(axis: NDArray[np.float64], angle: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rotation matrices (k, 3, 3) about unit ``axis`` (k, 3) by ``angle`` (k,) radians."""
    kx, ky, kz = axis[:, 0], axis[:, 1], axis[:, 2]
    zero = np.zeros_like(kx)
    skew = np.stack(
        [
            np.stack([zero, -kz, ky], axis=1),
            np.stack([kz, zero, -kx], axis=1),
            np.stack([-ky, kx, zero], axis=1),
        ],
        axis=1,
    )
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3)[None] + s * skew + (1.0 - c) * (skew @ skew)


def _integrate(
    acc: NDArray[np.float64], gyro_rad: NDArray[np.float64], n: NDArray[np.int64], fs: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Horizontal and vertical displacement (k,) of strides whose samples are ``acc``/``gyro`` (k, L, 3).

    Sample 0 of each stride is at rest and level after :func:`_level_rotation`; stride ``i``
    ends (at rest again) at sample ``n[i]``.
    """
    k, length, _ = acc.shape
    dt = 1.0 / fs
    # Every sample's rotation increment at once; only their product is sequential.
    w = gyro_rad.reshape(-1, 3) * dt
    ang = np.linalg.norm(w, axis=1)
    axis = np.where(ang[:, None] > 1e-12, w / np.maximum(ang, 1e-12)[:, None], [1.0, 0, 0])
    inc = _rodrigues(axis, ang).reshape(k, length, 3, 3)
    rots = np.empty((k, length, 3, 3))
    rot = _level_rotation(acc[:, 0, :])
    for j in range(length):
        rots[:, j] = rot
        rot = rot @ inc[:, j]
    a_world = np.einsum("kjab,kjb->kja", rots, acc)
    a_world[:, :, 2] -= _G
    idx = np.arange(length)[None, :]
    inside = idx < n[:, None]
    a_world[~inside] = 0.0
    vel = np.cumsum(a_world, axis=1) * dt
    v_end = vel[np.arange(k), n - 1]
    # Linear drift removal: the foot is at rest at both ends.
    frac = np.minimum(idx / np.maximum(n - 1, 1)[:, None], 1.0)
    vel = vel - frac[:, :, None] * v_end[:, None, :]
    vel[~inside] = 0.0
    pos_end = vel.sum(axis=1) * dt
    return np.hypot(pos_end[:, 0], pos_end[:, 1]), pos_end[:, 2]


def imu_stride_lengths(foot: FootSignal, table: StrideTable, fs: float) -> NDArray[np.float64]:
    """Length (m) of each stride of ``table`` from the foot's IMU (see :func:`stride_motion`)."""
    return stride_motion(foot, table, fs)[0]


def stride_motion(
    foot: FootSignal, table: StrideTable, fs: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Length and rise (m) of each stride of ``table`` from the foot's IMU; NaN where not
    measurable.

    Parameters
    ----------
    foot : FootSignal
        With ``imu`` (n, 6): specific force in m/s^2 (at rest it reads +g upwards) and angular
        rate in deg/s, in any fixed sensor frame.
    table : StrideTable
        The foot's strides (heel strike, toe-off, next heel strike, in seconds).
    fs : float
        Sampling rate (Hz).

    Returns
    -------
    length, rise : (table.n,) float64
        Horizontal and vertical (up +) displacement from one rest to the next. NaN for
        strides without a following stance in the table, with missing IMU samples,
        longer than 2.5 s, whose swing shows no foot rotation (< 50 deg/s) or with an
        impossible length.
    """
    out = np.full(table.n, np.nan)
    rise = np.full(table.n, np.nan)
    if foot.imu is None or table.n < 2:
        return out, rise
    imu = np.asarray(foot.imu, dtype=np.float64)
    gyro_norm = np.linalg.norm(imu[:, 3:], axis=1)
    n_samples = imu.shape[0]
    ic = np.rint(table.ic_s * fs).astype(np.int64)
    fc = np.rint(table.fc_s * fs).astype(np.int64)
    # The next stance of the same foot is the stride that starts at this one's next strike.
    nxt = np.searchsorted(table.ic_s, table.next_ic_s - 0.5 / fs)
    close = np.abs(table.ic_s[np.minimum(nxt, table.n - 1)] - table.next_ic_s) < 1.0 / fs
    has_next = (nxt < table.n) & close
    starts, ends, which = [], [], []
    # A foot in swing turns at hundreds of deg/s: an IMU that barely turns is not moving
    # with the foot (stuck, detached, or a synthetic constant), so it gives no length.
    # Swing windows [fc_i, ic_j] checked at once: any sample >= the threshold (NaN is not).
    turns = np.r_[0, np.cumsum(gyro_norm >= _MIN_SWING_DPS)]
    j_all = np.minimum(nxt, table.n - 1)
    lo, hi = fc, np.minimum(ic[j_all] + 1, n_samples)
    plain = (lo >= 0) & (ic[j_all] + 1 >= 0)
    swing_ok = turns[np.clip(hi, 0, n_samples)] - turns[np.clip(lo, 0, n_samples)] > 0
    for i in np.flatnonzero(has_next):
        j = int(nxt[i])
        if fc[i] - ic[i] < 3 or fc[j] - ic[j] < 3 or fc[j] > n_samples:
            continue
        if not plain[i]:  # a negative index: Python's slice, as it always was
            if not np.nanmax(gyro_norm[fc[i] : ic[j] + 1], initial=0.0) >= _MIN_SWING_DPS:
                continue
        elif not swing_ok[i]:
            continue
        a = _rest_index(gyro_norm, ic[i], fc[i])
        b = _rest_index(gyro_norm, ic[j], fc[j])
        if not 0 < (b - a) / fs <= _MAX_STRIDE_S or not np.isfinite(imu[a : b + 1]).all():
            continue
        starts.append(a)
        ends.append(b)
        which.append(i)
    if not which:
        return out, rise
    a_arr, b_arr = np.array(starts), np.array(ends)
    n = b_arr - a_arr + 1
    length = int(n.max())
    grid = np.minimum(a_arr[:, None] + np.arange(length)[None, :], n_samples - 1)
    acc = imu[grid, :3]
    # Rest: average the specific force around the quiet sample for the gravity direction.
    acc[:, 0, :] = np.stack(
        [imu[max(p - _REST_HALF, 0) : p + _REST_HALF + 1, :3].mean(axis=0) for p in a_arr]
    )
    gyro = np.deg2rad(imu[grid, 3:])
    lengths, dz = _integrate(acc, gyro, n, fs)
    ok = (lengths >= _MIN_STRIDE_M) & (lengths <= _MAX_STRIDE_M)
    out[np.array(which)[ok]] = lengths[ok]
    rise[np.array(which)[ok]] = dz[ok]
    return out, rise


def walking_speed(
    feet: dict[str, FootSignal], tables: dict[str, StrideTable], fs: float
) -> SpeedSummary:
    """Walking speed and stride length of a recording from the insole IMU, where present.

    Parameters
    ----------
    feet : dict of side -> FootSignal
        The recording's feet.
    tables : dict of side -> StrideTable
        Their strides.
    fs : float
        Sampling rate (Hz).

    Returns
    -------
    SpeedSummary
        Unavailable (with the reason) without IMU data or measurable strides.
    """
    lengths: list[NDArray[np.float64]] = []
    times: list[NDArray[np.float64]] = []
    with_imu = [s for s, f in feet.items() if f.imu is not None]
    if not with_imu:
        return SpeedSummary()
    up = down = 0
    for side in with_imu:
        t = tables.get(side)
        if t is None or t.n < 2:
            continue
        ln, dz = stride_motion(feet[side], t, fs)
        up += int(np.sum(dz >= _STAIR_RISE_M))
        down += int(np.sum(dz <= -_STAIR_RISE_M))
        ok = np.isfinite(ln) & (np.abs(np.nan_to_num(dz)) < _STAIR_RISE_M)
        lengths.append(ln[ok])
        times.append(t.stride_s[ok])
    all_len = np.concatenate(lengths) if lengths else np.zeros(0)
    if all_len.size < 2:
        return SpeedSummary(
            note="too few level strides with complete IMU data to measure speed",
            stairs_up_strides=up,
            stairs_down_strides=down,
        )
    all_t = np.concatenate(times)
    return SpeedSummary(
        walking_speed_m_s=float(all_len.sum() / all_t.sum()),
        stride_length_m=float(np.median(all_len)),
        n_strides=int(all_len.size),
        source="imu",
        note="",
        distance_m=float(all_len.sum()),
        time_s=float(all_t.sum()),
        stairs_up_strides=up,
        stairs_down_strides=down,
    )
