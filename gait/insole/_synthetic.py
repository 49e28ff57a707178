"""Synthetic two-insole recordings with known gait events, for tests and the virtual insole.

The generator builds, per foot, a list of ground contacts and renders each one into per-sensor
forces: a total-force profile over the contact (a two-hump walking curve, a single running
hump, a steady standing or sitting load) and a centre-of-pressure (CoP) trajectory in the insole
frame (heel -> midfoot -> forefoot -> toe when walking), spread over the sensors with an
anisotropic Gaussian footprint. Values are newtons per sensor; gait events are exact by
construction and returned as the ground truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingValidationError
from gait.insole._layouts import SensorLayout, get_layout
from gait.insole._recording import FootSignal, Recording, as_side

__all__ = ["ACTIVITIES", "SyntheticTruth", "synthesize", "synthesize_with_truth"]

#: Activities the generator understands.
ACTIVITIES: tuple[str, ...] = ("walking", "running", "standing", "sitting")

_G = 9.81


@dataclass(frozen=True)
class SyntheticTruth:
    """Ground truth of a synthetic recording.

    Parameters
    ----------
    ic_s : dict of side -> (m,) float64
        Heel-strike (initial contact) times, seconds from the start.
    fc_s : dict of side -> (m,) float64
        Toe-off time of the contact that starts at the same-index ``ic_s``; NaN when that
        contact runs into standing (no toe-off inside a gait bout).
    activity : tuple of (start_s, end_s, kind)
        The plan as laid out on the time axis.
    body_mass_kg : float
        Body mass used for the loads.
    """

    ic_s: dict[str, NDArray[np.float64]] = field(repr=False)
    fc_s: dict[str, NDArray[np.float64]] = field(repr=False)
    activity: tuple[tuple[float, float, str], ...]
    body_mass_kg: float


@dataclass
class _Contact:
    on_s: float
    off_s: float
    kind: str  # "walk", "run", "flat", "sit", "land"
    load_frac: float = 0.5  # share of body weight for flat/sit contacts
    nominal_s: float = 0.7  # nominal stance for "land" contacts


def _check_plan(plan: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    out = []
    if len(plan) == 0:
        raise RecordingValidationError("the synthesis plan is empty")
    for item in plan:
        try:
            kind, dur = item
            dur = float(dur)
        except (TypeError, ValueError):
            raise RecordingValidationError(
                f"plan items must be (activity, duration_s), got {item!r}"
            ) from None
        if kind not in ACTIVITIES:
            raise RecordingValidationError(f"unknown activity {kind!r}; use one of {ACTIVITIES}")
        if not np.isfinite(dur) or dur <= 0:
            raise RecordingValidationError(f"duration of {kind!r} must be > 0 s, got {dur}")
        out.append((kind, dur))
    return out


def _bout_contacts(
    t0: float,
    t1: float,
    rng: np.random.Generator,
    stride_s: float,
    stride_cv: float,
    stance_frac: float,
    kind: str,
    leader: str,
) -> dict[str, list[_Contact]]:
    """Alternating contacts of a walking or running bout inside ``[t0, t1)``."""
    other = "right" if leader == "left" else "left"
    contacts: dict[str, list[_Contact]] = {"left": [], "right": []}
    # A foot's stride is the sum of two independent steps: step CV * sqrt(2) = stride CV.
    step_cv = stride_cv * np.sqrt(2.0)
    swing0 = (1.0 - stance_frac) * stride_s
    # Leader lifts off at t0 (it was loaded before) and lands after one swing; the other
    # foot stays loaded until its own toe-off one double support after that landing.
    ics: list[tuple[str, float, float]] = []  # (side, ic, stride estimate)
    t = t0 + swing0
    side = leader
    while True:
        step = 0.5 * stride_s * (1.0 + step_cv * rng.standard_normal())
        stride_here = 2.0 * step
        if t + stride_here + 0.05 > t1:
            break
        ics.append((side, t, stride_here))
        t += step
        side = other if side == leader else leader
    if len(ics) < 3:
        # Too short for a bout: keep both feet loaded.
        for s in ("left", "right"):
            contacts[s].append(_Contact(t0, t1, "flat", 0.5))
        return contacts
    ds0 = (stance_frac - 0.5) * stride_s
    first_other_fc = ics[0][1] + max(ds0, 0.0) if kind == "walk" else ics[0][1] - 0.02
    contacts[other].append(_Contact(t0, max(first_other_fc, t0 + 0.05), "flat", 0.5))
    for k, (s, ic, stride_here) in enumerate(ics):
        stance = stance_frac * stride_here
        if k + 2 < len(ics):
            contacts[s].append(_Contact(ic, ic + stance, kind))
        else:
            # The last two landings settle into standing until the bout ends.
            contacts[s].append(_Contact(ic, t1, "land", 0.5, nominal_s=stance))
    return contacts


def _cop_track(kind: str, p: NDArray[np.float64], length_mm: float, ml_bias_mm: float):
    if kind == "run":
        yk = np.array([0.20, 0.45, 0.70, 0.78, 0.88])
        pk = np.array([0.0, 0.2, 0.55, 0.85, 1.0])
        xk = np.array([-8.0, -10.0, 0.0, 10.0, 20.0])
    else:
        pk = np.array([0.0, 0.12, 0.45, 0.80, 1.0])
        yk = np.array([0.07, 0.14, 0.62, 0.74, 0.88])
        xk = np.array([0.0, -6.0, -10.0, 6.0, 22.0])
    y = np.interp(p, pk, yk) * length_mm
    x = np.interp(p, pk, xk) + ml_bias_mm
    return x, y


def _sway(n: int, fs: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """Slow CoP sway while standing (n, 2), mm: a low-passed random walk of a few mm."""
    sway = np.cumsum(rng.standard_normal((n, 2)), axis=0)
    k = max(int(fs * 2.0), 1)
    kernel = np.ones(k) / k
    for j in range(2):
        sway[:, j] = sway[:, j] - np.convolve(sway[:, j], kernel, mode="same")
    # Quiet-standing sway is slow (< 1 Hz): smooth over half a second.
    k2 = max(int(fs * 0.5), 1)
    for j in range(2):
        sway[:, j] = np.convolve(sway[:, j], np.ones(k2) / k2, mode="same")
    sway *= np.array([2.5, 4.0]) / max(float(np.std(sway)), 1e-9)
    return sway


def _spread(
    total: NDArray[np.float64], cop: NDArray[np.float64], layout: SensorLayout
) -> NDArray[np.float64]:
    """Per-sensor forces (n, k) of a total force centred at ``cop``."""
    n = total.shape[0]
    # Spread the load over the sensors with a Gaussian footprint whose size follows the
    # sensor spacing, so 8 and 16 sensor layouts both see a smooth CoP.
    xy = layout.xy_mm
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    spacing = float(np.median(d.min(axis=1)))
    sx, sy = max(14.0, 0.8 * spacing), max(24.0, 1.1 * spacing)
    loaded = total > 0
    values = np.zeros((n, layout.n_sensors))
    if np.any(loaded):
        cl = cop[loaded]
        w = np.exp(
            -0.5 * ((cl[:, None, 0] - xy[None, :, 0]) / sx) ** 2
            - 0.5 * ((cl[:, None, 1] - xy[None, :, 1]) / sy) ** 2
        )
        w /= np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
        values[loaded] = w * total[loaded, None]
    return values


def _render_foot(
    contacts: list[_Contact],
    n: int,
    fs: float,
    layout: SensorLayout,
    bw_n: float,
    ml_bias_mm: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per-sensor forces (n, k), total force (n,) and a contact mask-free CoP (n, 2)."""
    t = np.arange(n) / fs
    total = np.zeros(n)
    cop = np.full((n, 2), np.nan)
    length = float(np.ptp(layout.outline_mm[:, 1]))
    sway = _sway(n, fs, rng)
    starts = np.array([c.on_s for c in contacts])
    for c in contacts:
        i0 = int(np.ceil(c.on_s * fs - 1e-9))
        i1 = min(int(np.ceil(c.off_s * fs - 1e-9)), n)
        if i1 <= i0:
            continue
        tt = t[i0:i1]
        if c.kind in ("walk", "run"):
            p = (tt - c.on_s) / (c.off_s - c.on_s)
            if c.kind == "walk":
                f = (
                    1.1
                    * np.sin(np.pi * p) ** 0.6
                    * (1.0 - 0.25 * np.exp(-(((p - 0.5) / 0.15) ** 2)))
                )
            else:
                f = 2.4 * np.sin(np.pi * p) ** 0.9
            x, y = _cop_track(c.kind, p, length, ml_bias_mm)
        elif c.kind == "land":
            # Heel strike and the first rocker of a walking stance, then settle to standing.
            p = np.clip((tt - c.on_s) / c.nominal_s, 0.0, None)
            early = 1.1 * np.sin(np.pi * np.minimum(p, 0.25)) ** 0.6
            settle = np.clip((p - 0.25) / 0.3, 0.0, 1.0)
            f = early * (1.0 - settle) + c.load_frac * settle
            x0, y0 = _cop_track("walk", np.minimum(p, 0.25), length, ml_bias_mm)
            x = x0 * (1 - settle) + (ml_bias_mm + sway[i0:i1, 0]) * settle
            y = y0 * (1 - settle) + (0.45 * length + sway[i0:i1, 1]) * settle
        elif c.kind == "flat":
            f = np.full(tt.shape, c.load_frac)
            # Toe-off from standing: unload over the last 120 ms, unless the foot stays
            # loaded because another contact follows at once.
            continues = bool(np.any(np.abs(starts - c.off_s) < 1e-6))
            ramp = np.ones_like(tt) if continues else np.clip((c.off_s - tt) / 0.12, 0.0, 1.0)
            f = f * ramp
            x = ml_bias_mm + sway[i0:i1, 0]
            y = 0.45 * length + sway[i0:i1, 1] + (1 - ramp) * 0.3 * length
        else:  # sit
            f = np.full(tt.shape, c.load_frac) * (1.0 + 0.05 * sway[i0:i1, 1] / 4.0)
            x = ml_bias_mm + 0.5 * sway[i0:i1, 0]
            y = 0.45 * length + 0.5 * sway[i0:i1, 1]
        total[i0:i1] = f * bw_n
        cop[i0:i1, 0] = x
        cop[i0:i1, 1] = y
    return _spread(total, cop, layout), total, cop


def _imu(
    total: NDArray[np.float64], fs: float, rng: np.random.Generator, running: NDArray[np.bool_]
):
    n = total.shape[0]
    imu = np.zeros((n, 6))
    swing = total <= 0
    imu[:, 2] = _G
    # Swing: forward rotation of the foot about the medio-lateral axis and extra vertical
    # acceleration; larger when running.
    idx = np.flatnonzero(swing)
    if idx.size:
        starts = idx[np.r_[True, np.diff(idx) > 1]]
        ends = idx[np.r_[np.diff(idx) > 1, True]] + 1
        for a, b in zip(starts, ends, strict=True):
            ph = np.linspace(0, np.pi, b - a, endpoint=False)
            amp = 600.0 if running[a] else 300.0
            imu[a:b, 4] = amp * np.sin(ph)
            imu[a:b, 2] += (12.0 if running[a] else 5.0) * np.sin(2 * ph)
            imu[a:b, 0] = (8.0 if running[a] else 3.0) * np.sin(ph)
    imu[:, :3] += 0.05 * rng.standard_normal((n, 3))
    imu[:, 3:] += 0.5 * rng.standard_normal((n, 3))
    return imu


def _plan_contacts(
    items: list[tuple[str, float]],
    rng: np.random.Generator,
    walk: tuple[float, float, float],
    run: tuple[float, float],
    standing_left_share: float,
) -> tuple[dict[str, list[_Contact]], list[tuple[float, float, str]]]:
    """Foot contacts of each side and the activity timeline of a plan.

    ``walk`` is (stride_s, stride_cv, stance_frac), ``run`` is (stride_s, stance_frac); the
    running stride varies with the walking CV.
    """
    stride_s, stride_cv, stance_frac = walk
    running_stride_s, running_stance_frac = run
    contacts: dict[str, list[_Contact]] = {"left": [], "right": []}
    activity: list[tuple[float, float, str]] = []
    t0 = 0.0
    leader = "left"
    for kind, dur in items:
        t1 = t0 + dur
        activity.append((t0, t1, kind))
        if kind in ("walking", "running"):
            bout = _bout_contacts(
                t0,
                t1,
                rng,
                stride_s if kind == "walking" else running_stride_s,
                stride_cv,
                stance_frac if kind == "walking" else running_stance_frac,
                "walk" if kind == "walking" else "run",
                leader,
            )
            for s in ("left", "right"):
                contacts[s].extend(bout[s])
            leader = "right" if leader == "left" else "left"
        elif kind == "standing":
            contacts["left"].append(_Contact(t0, t1, "flat", standing_left_share))
            contacts["right"].append(_Contact(t0, t1, "flat", 1.0 - standing_left_share))
        else:
            for s in ("left", "right"):
                contacts[s].append(_Contact(t0, t1, "sit", 0.08))
        t0 = t1
    return contacts, activity


def _render_feet(
    contacts: dict[str, list[_Contact]],
    n: int,
    fs: float,
    layout: SensorLayout,
    bw_n: float,
    ml_bias_mm: float,
    noise_n: float,
    rng: np.random.Generator,
    running_mask: NDArray[np.bool_] | None,
) -> tuple[dict[str, FootSignal], dict[str, NDArray[np.float64]], dict[str, NDArray[np.float64]]]:
    """Both feet's signals (IMU when ``running_mask`` is given) and true contact times."""
    feet = {}
    ic_s: dict[str, NDArray[np.float64]] = {}
    fc_s: dict[str, NDArray[np.float64]] = {}
    for s in ("left", "right"):
        cs = sorted(contacts[s], key=lambda c: c.on_s)
        values, total, _ = _render_foot(cs, n, fs, layout, bw_n, ml_bias_mm, rng)
        values = values + noise_n * rng.standard_normal(values.shape)
        np.clip(values, 0.0, None, out=values)
        imu = _imu(total, fs, rng, running_mask) if running_mask is not None else None
        feet[s] = FootSignal(
            side=as_side(s),
            values=values,
            sensor_xy_mm=np.array(layout.xy_mm),
            valid=np.ones(n, dtype=bool),
            imu=imu,
        )
        strikes = [c for c in cs if c.kind in ("walk", "run", "land")]
        ic_s[s] = np.array([c.on_s for c in strikes])
        fc_s[s] = np.array([c.off_s if c.kind != "land" else np.nan for c in strikes])
    return feet, ic_s, fc_s


def _check_params(sampling_rate_hz: float, stance_frac: float, running_stance_frac: float) -> float:
    """The sampling rate as a float, after checking the rate and the stance shares."""
    fs = float(sampling_rate_hz)
    if not np.isfinite(fs) or fs <= 0:
        raise RecordingValidationError(f"sampling rate must be > 0 Hz, got {sampling_rate_hz}")
    if not 0.5 < stance_frac < 0.9:
        raise RecordingValidationError("walking stance_frac must be within (0.5, 0.9)")
    if not 0.1 < running_stance_frac < 0.5:
        raise RecordingValidationError("running_stance_frac must be within (0.1, 0.5)")
    return fs


def synthesize_with_truth(
    plan: Sequence[tuple[str, float]],
    n_sensors: int = 16,
    sampling_rate_hz: float = 100.0,
    seed: int = 0,
    body_mass_kg: float = 70.0,
    *,
    stride_s: float = 1.08,
    stride_cv: float = 0.02,
    stance_frac: float = 0.62,
    running_stride_s: float = 0.72,
    running_stance_frac: float = 0.36,
    ml_bias_mm: float = 0.0,
    standing_left_share: float = 0.5,
    noise_n: float = 0.3,
    with_imu: bool = False,
) -> tuple[Recording, SyntheticTruth]:
    """Synthesize a two-insole recording and return its ground truth.

    Parameters
    ----------
    plan : sequence of (activity, duration_s)
        Activities from :data:`ACTIVITIES` laid end to end.
    n_sensors : int
        8 or 16 sensors per insole (see :func:`gait.get_layout`).
    sampling_rate_hz : float
        Sampling rate.
    seed : int
        Random seed (stride jitter, sway, noise).
    body_mass_kg : float
        Body mass; loads are in newtons.
    stride_s, stride_cv, stance_frac : float
        Walking stride time (s), its coefficient of variation (fraction) and stance share.
    running_stride_s, running_stance_frac : float
        The same for running (stance < 0.5 gives a flight phase).
    ml_bias_mm : float
        Medial (+) or lateral (-) offset of the CoP path, mm.
    standing_left_share : float
        Share of body weight on the left foot while standing.
    noise_n : float
        Standard deviation of additive sensor noise, newtons.
    with_imu : bool
        Also synthesize accelerometer/gyroscope channels.

    Returns
    -------
    recording : Recording
    truth : SyntheticTruth
    """
    items = _check_plan(plan)
    fs = _check_params(sampling_rate_hz, stance_frac, running_stance_frac)
    layout = get_layout(n_sensors)
    rng = np.random.default_rng(seed)
    bw_n = float(body_mass_kg) * _G
    contacts, activity = _plan_contacts(
        items, rng, (stride_s, stride_cv, stance_frac), (running_stride_s, running_stance_frac),
        standing_left_share,
    )  # fmt: skip
    t0 = activity[-1][1] if activity else 0.0
    n = int(round(t0 * fs))
    running_mask = np.zeros(n, dtype=bool)
    for a, b, _ in (s for s in activity if s[2] == "running"):
        running_mask[int(a * fs) : int(b * fs)] = True
    feet, ic_s, fc_s = _render_feet(
        contacts, n, fs, layout, bw_n, ml_bias_mm, noise_n, rng, running_mask if with_imu else None
    )
    rec = Recording(
        sampling_rate_hz=fs,
        left=feet["left"],
        right=feet["right"],
        source="synthetic",
        format="synthetic",
        meta={"layout": layout.name, "body_mass_kg": float(body_mass_kg), "seed": int(seed),
              "units": "N"},
    )  # fmt: skip
    truth = SyntheticTruth(
        ic_s=ic_s, fc_s=fc_s, activity=tuple(activity), body_mass_kg=float(body_mass_kg)
    )
    return rec, truth


def synthesize(
    plan: Sequence[tuple[str, float]],
    n_sensors: int = 16,
    sampling_rate_hz: float = 100.0,
    seed: int = 0,
    body_mass_kg: float = 70.0,
    **kwargs,
) -> Recording:
    """Synthesize a two-insole recording (see :func:`synthesize_with_truth`).

    Parameters
    ----------
    plan : sequence of (activity, duration_s)
        Activities laid end to end.
    n_sensors, sampling_rate_hz, seed, body_mass_kg
        As in :func:`synthesize_with_truth`.
    **kwargs
        Gait style options of :func:`synthesize_with_truth`.

    Returns
    -------
    Recording
    """
    rec, _ = synthesize_with_truth(plan, n_sensors, sampling_rate_hz, seed, body_mass_kg, **kwargs)
    return rec
