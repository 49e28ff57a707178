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

from gait.analysis._feet import each_foot
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


def _rest_indices(
    gyro_norm: NDArray[np.float64], a: NDArray[np.int64], b: NDArray[np.int64]
) -> NDArray[np.int64]:
    """:func:`_rest_index` of many stances ``[a, b)`` at once (each at least 5 samples long).

    The 5-sample mean stops at the stance's ends (missing neighbours count as zero, as the
    ``"same"`` convolution of one stance does); a window with a NaN never wins.
    """
    lens = b - a
    starts = np.r_[0, np.cumsum(lens)[:-1]]
    seg = np.repeat(np.arange(a.size), lens)
    t = np.arange(int(lens.sum())) - starts[seg] + a[seg]
    lo, hi = a[seg], b[seg]
    width = 2 * _REST_HALF + 1
    smooth = np.zeros(t.size)
    for m in range(-_REST_HALF, _REST_HALF + 1):
        src = t + m
        inside = (src >= lo) & (src < hi)
        smooth += np.where(inside, gyro_norm[np.clip(src, 0, gyro_norm.size - 1)], 0.0) / width
    smooth[np.isnan(smooth)] = np.inf
    low = np.minimum.reduceat(smooth, starts)
    first = np.flatnonzero(smooth == low[seg])
    _, at = np.unique(seg[first], return_index=True)
    rest: NDArray[np.int64] = t[first[at]]
    return rest


def _rest_force(imu: NDArray[np.float64], at: NDArray[np.int64]) -> NDArray[np.float64]:
    """Mean specific force (k, 3) over the 5 samples around each rest sample ``at`` (k,)."""
    win = at[:, None] + np.arange(-_REST_HALF, _REST_HALF + 1)[None, :]
    valid = (win >= 0) & (win < imu.shape[0])
    vals = np.where(valid[:, :, None], imu[np.clip(win, 0, imu.shape[0] - 1), :3], 0.0)
    out: NDArray[np.float64] = vals.sum(axis=1) / valid.sum(axis=1)[:, None]
    # A rest sample before the part's start (never after the checks above) as it always was.
    for k in np.flatnonzero(at < 0):
        p = int(at[k])
        out[k] = imu[max(p - _REST_HALF, 0) : p + _REST_HALF + 1, :3].mean(axis=0)
    return out


def _level_rotation(f: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rotations (3, 3, k) taking each specific force ``f`` (3, k) to +z (heading arbitrary)."""
    u = f / np.sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2])
    # axis = u x z = (u_y, -u_x, 0): its length is the angle's sine, u_z its cosine
    s = np.hypot(u[0], u[1])
    turn = s > 1e-12
    inv = 1.0 / np.where(turn, s, 1.0)
    kx = np.where(turn, u[1] * inv, 1.0)
    ky = np.where(turn, -u[0] * inv, 0.0)
    return _rotations(kx, ky, np.zeros_like(kx), np.arctan2(s, u[2]))


def _rotations(
    kx: NDArray[np.float64],
    ky: NDArray[np.float64],
    kz: NDArray[np.float64],
    angle: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Rotation matrices ``(3, 3, *shape)`` about unit axes ``(kx, ky, kz)`` by ``angle`` (rad),
    all of one shape; entry ``[a, b]`` of every matrix is one contiguous array.

    ``cos(a) I + sin(a) [k]x + (1 - cos(a)) k k^T``, written out entry by entry: numpy's
    batched product of 3 x 3 matrices costs several times more than the entries' own.
    """
    s, c = np.sin(angle), np.cos(angle)
    one_c = 1.0 - c
    out = np.empty((3, 3, *np.shape(angle)))
    xy, xz, yz = kx * ky * one_c, kx * kz * one_c, ky * kz * one_c
    out[0, 0] = c + kx * kx * one_c
    out[1, 1] = c + ky * ky * one_c
    out[2, 2] = c + kz * kz * one_c
    out[0, 1], out[1, 0] = xy - kz * s, xy + kz * s
    out[0, 2], out[2, 0] = xz + ky * s, xz - ky * s
    out[1, 2], out[2, 1] = yz - kx * s, yz + kx * s
    return out


def _integrate(
    acc: NDArray[np.float64], gyro_rad: NDArray[np.float64], n: NDArray[np.int64], fs: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Horizontal and vertical displacement (k,) of strides whose samples are ``acc`` (m/s^2)
    and ``gyro_rad`` (rad/s), both (3, L, k): component, sample, stride.

    Sample 0 of each stride is at rest and level after :func:`_level_rotation`; stride ``i``
    ends (at rest again) at sample ``n[i] - 1`` (``n`` >= 2). With ``a_j`` the world
    acceleration (gravity removed), the velocity ``v_m = dt sum_{j<=m} a_j`` less its linear
    drift ``m / (n - 1) v_{n-1}`` integrates to the end position
    ``dt sum_{m<n} v_m = dt^2 sum_{j<n} (n / 2 - j) a_j``: one weighted sum.
    """
    length, k = acc.shape[1:]
    dt = 1.0 / fs
    w = gyro_rad * dt
    ang = np.sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2])  # (L, k)
    turn = ang > 1e-12
    inv = 1.0 / np.where(turn, ang, 1.0)
    inc = _rotations(
        np.where(turn, w[0] * inv, 1.0),
        np.where(turn, w[1] * inv, 0.0),
        np.where(turn, w[2] * inv, 0.0),
        ang,
    )
    # Only the product of the increments is sequential: one step per sample for all strides.
    # Each sample's world acceleration is taken as its rotation is made (the rotations of a
    # whole part, (L, 3, 3, k), were ~9 MB per foot at the memory peak of the analysis).
    a_world = np.empty_like(acc)
    rot = _level_rotation(acc[:, 0])
    for j in range(length):
        a_world[:, j] = rot[:, 0] * acc[0, j] + rot[:, 1] * acc[1, j] + rot[:, 2] * acc[2, j]
        step = inc[:, :, j]
        rot = rot[:, 0, None] * step[0] + rot[:, 1, None] * step[1] + rot[:, 2, None] * step[2]
    a_world[2] -= _G
    j_idx = np.arange(length)[:, None]
    inside = j_idx < n[None, :]  # (L, k)
    # samples past a stride's end (NaN where the IMU has a gap there) must not count
    a_world[:, ~inside] = 0.0
    weight = np.where(inside, 0.5 * n[None, :] - j_idx, 0.0)
    pos_end = np.einsum("ajk,jk->ak", a_world, weight) * (dt * dt)
    return np.hypot(pos_end[0], pos_end[1]), pos_end[2]


def imu_stride_lengths(foot: FootSignal, table: StrideTable, fs: float) -> NDArray[np.float64]:
    """Length (m) of each stride of ``table`` from the foot's IMU (see :func:`stride_motion`)."""
    return stride_motion(foot, table, fs)[0]


def _slow_rest(
    imu: NDArray[np.float64],
    gyro_norm: NDArray[np.float64],
    ic: NDArray[np.int64],
    fc: NDArray[np.int64],
    i: int,
    j: int,
    swing_ok: bool | None,
    fs: float,
) -> tuple[int, int] | None:
    """Rest instants of stride ``i`` and its next stance ``j`` checked one by one (stances
    shorter than 5 samples or reaching outside the signal); ``swing_ok`` None: test the swing
    with Python's slice (an index before the part's start)."""
    if swing_ok is None:
        if not np.nanmax(gyro_norm[fc[i] : ic[j] + 1], initial=0.0) >= _MIN_SWING_DPS:
            return None
    elif not swing_ok:
        return None
    a = _rest_index(gyro_norm, int(ic[i]), int(fc[i]))
    b = _rest_index(gyro_norm, int(ic[j]), int(fc[j]))
    if not 0 < (b - a) / fs <= _MAX_STRIDE_S or not np.isfinite(imu[a : b + 1]).all():
        return None
    return a, b


def _rest_pairs(
    imu: NDArray[np.float64],
    gyro_norm: NDArray[np.float64],
    finite: NDArray[np.bool_],
    table: StrideTable,
    fs: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Strides that can be integrated and their start and end rest samples (``finite``
    (n,): every IMU channel of the sample is a number).

    Returns
    -------
    which, a, b : (k,) int64
        Stride index in ``table``, rest sample in its stance and in the next stance of the
        same foot (the stride spans ``a..b``, at most 2.5 s, every IMU sample finite).
    """
    n_samples = imu.shape[0]
    ic = np.rint(table.ic_s * fs).astype(np.int64)
    fc = np.rint(table.fc_s * fs).astype(np.int64)
    # The next stance of the same foot is the stride that starts at this one's next strike.
    nxt = np.searchsorted(table.ic_s, table.next_ic_s - 0.5 / fs)
    close = np.abs(table.ic_s[np.minimum(nxt, table.n - 1)] - table.next_ic_s) < 1.0 / fs
    has_next = (nxt < table.n) & close
    # A foot in swing turns at hundreds of deg/s: an IMU that barely turns is not moving
    # with the foot (stuck, detached, or a synthetic constant), so it gives no length.
    # Swing windows [fc_i, ic_j] checked at once: any sample >= the threshold (NaN is not).
    turns = np.r_[0, np.cumsum(gyro_norm >= _MIN_SWING_DPS)]
    j_all = np.minimum(nxt, table.n - 1)
    lo, hi = fc, np.minimum(ic[j_all] + 1, n_samples)
    plain = (lo >= 0) & (ic[j_all] + 1 >= 0)
    swing_ok = turns[np.clip(hi, 0, n_samples)] - turns[np.clip(lo, 0, n_samples)] > 0
    i_all = np.flatnonzero(has_next)
    j_of = nxt[i_all]
    usable = (fc[i_all] - ic[i_all] >= 3) & (fc[j_of] - ic[j_of] >= 3) & (fc[j_of] <= n_samples)
    i_all, j_of = i_all[usable], j_of[usable]
    # Stances of 5+ samples inside the signal: rest instants of all of them at once; the
    # few others (short stances, indices before the part's start) one by one as before.
    inside = (ic >= 0) & (fc <= n_samples) & (fc - ic >= 2 * _REST_HALF + 1)
    fast = plain[i_all] & inside[i_all] & inside[j_of]
    keep_fast = fast & swing_ok[i_all]
    rest = np.full(table.n, -1, dtype=np.int64)
    need = np.unique(np.r_[i_all[keep_fast], j_of[keep_fast]])
    if need.size:
        rest[need] = _rest_indices(gyro_norm, ic[need], fc[need])
    a_arr = rest[i_all[keep_fast]]
    b_arr = rest[j_of[keep_fast]]
    which_arr = i_all[keep_fast]
    bad_row = np.r_[0, np.cumsum(~finite)]
    span_s = (b_arr - a_arr) / fs
    good = (span_s > 0) & (span_s <= _MAX_STRIDE_S)
    good[good] = bad_row[b_arr[good] + 1] - bad_row[a_arr[good]] == 0
    which, a_arr, b_arr = which_arr[good], a_arr[good], b_arr[good]
    for i, j in zip(i_all[~fast], j_of[~fast], strict=True):
        ab = _slow_rest(imu, gyro_norm, ic, fc, int(i), int(j),
                        bool(swing_ok[i]) if plain[i] else None, fs)  # fmt: skip
        if ab is not None:
            which, a_arr, b_arr = np.r_[which, i], np.r_[a_arr, ab[0]], np.r_[b_arr, ab[1]]
    return which, a_arr, b_arr


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
    by_channel = np.ascontiguousarray(imu.T)  # (6, n): each channel contiguous
    g = by_channel[3:]
    # np.linalg.norm(imu[:, 3:], axis=1): the same products added in the same order, on
    # contiguous channels (~10x faster than numpy's reduction along rows of three)
    gyro_norm = np.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2])
    n_samples = imu.shape[0]
    finite = np.asarray(np.isfinite(by_channel).all(axis=0), dtype=bool)
    which, a_arr, b_arr = _rest_pairs(imu, gyro_norm, finite, table, fs)
    if not which.size:
        return out, rise
    n = b_arr - a_arr + 1
    length = int(n.max())
    grid = np.minimum(a_arr[None, :] + np.arange(length)[:, None], n_samples - 1)  # (L, k)
    acc = by_channel[:3, grid]  # (3, L, k)
    # Rest: average the specific force around the quiet sample for the gravity direction.
    acc[:, 0, :] = _rest_force(imu, a_arr).T
    gyro = np.deg2rad(by_channel[3:, grid])
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
    measurable = {s: feet[s] for s in with_imu if (t := tables.get(s)) is not None and t.n >= 2}
    motion = each_foot(lambda s, f: stride_motion(f, tables[s], fs), measurable)
    for side, (ln, dz) in motion.items():
        t = tables[side]
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
