"""Posture while standing: left/right and fore/rear weight balance and centre-of-pressure sway.

Computed over the ``standing`` activity segments only:

* ``left_share_pct``: left foot's share of the summed load of both feet, each foot scaled
  by its own load reference (so sensor gain differences between insoles cancel);
* ``rear_share_pct``: heel + midfoot share of the sensor load (both feet);
* ``sway_ml_mm`` / ``sway_ap_mm``: standard deviation of each foot's CoP across and along
  the foot (mean of the two feet), and ``sway_velocity_mm_s``: mean CoP speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gait.analysis._activity import ActivitySegment, load_reference
from gait.analysis._events import foot_total
from gait.analysis._pressure import column_base, foot_layout
from gait.analysis._quantiles import finite_rows
from gait.analysis._strides import StrideTable
from gait.insole._recording import Recording

__all__ = ["PostureSummary", "analyse_posture"]


@dataclass(frozen=True)
class PostureSummary:
    """Standing balance (None where not computable).

    Parameters
    ----------
    standing_s : float
        Total standing time analysed.
    left_share_pct : float or None
        Left foot's share of the load (50 = even).
    rear_share_pct : float or None
        Heel + midfoot share of the load.
    sway_ml_mm, sway_ap_mm : float or None
        CoP standard deviation across / along the foot.
    sway_velocity_mm_s : float or None
        Mean CoP speed.
    """

    standing_s: float
    left_share_pct: float | None
    rear_share_pct: float | None
    sway_ml_mm: float | None
    sway_ap_mm: float | None
    sway_velocity_mm_s: float | None


def analyse_posture(
    recording: Recording,
    activity: list[ActivitySegment],
    tables: dict[str, StrideTable],
    reference: dict[str, tuple[float, float]] | None | bool = True,
) -> PostureSummary:
    """Standing balance and sway.

    Parameters
    ----------
    recording : Recording
        The recording.
    activity : list of ActivitySegment
        Segments (only ``standing`` ones are used).
    tables : dict of side -> StrideTable
        Strides (for the load reference).
    reference : dict, None or True
        Load reference from :func:`gait.analysis._activity.load_reference` (``True``: compute it).

    Returns
    -------
    PostureSummary
    """
    fs = recording.sampling_rate_hz
    n = max(f.n_samples for f in recording.feet.values())
    mask = np.zeros(n, dtype=bool)
    for seg in activity:
        if seg.kind == "standing":
            # Skip the first and last half second: transitions are not quiet standing.
            a = int(round((seg.start_s + 0.5) * fs))
            b = int(round((seg.end_s - 0.5) * fs))
            if b > a:
                mask[a:b] = True
    standing_s = float(mask.sum() / fs)
    if standing_s < 1.0:
        return PostureSummary(standing_s, None, None, None, None, None)
    left_share = None
    ref = load_reference(recording, tables) if reference is True else reference
    if isinstance(ref, dict) and len(recording.feet) == 2:
        loads = {}
        for side, foot in recording.feet.items():
            off, r = ref[side]
            loads[side] = float(np.nanmean((foot_total(foot)[mask] - off) / r))
        tot = loads["left"] + loads["right"]
        if tot > 0:
            left_share = 100.0 * loads["left"] / tot
    rear, front = 0.0, 0.0
    sml, sap, vel = [], [], []
    for foot in recording.feet.values():
        layout = foot_layout(foot)
        if layout is None:
            continue
        v = np.array(foot.values[mask], dtype=np.float64)
        ok = finite_rows(v)
        if ok.sum() < 10:
            continue
        v = np.clip(v[ok] - column_base(foot), 0.0, None)
        rear_m = layout.region_mask("heel") | layout.region_mask("midfoot")
        rear += float(v[:, rear_m].sum())
        front += float(v[:, ~rear_m].sum())
        s = v.sum(axis=1)
        good = s > 0
        if good.sum() < 10:
            continue
        cop = (v[good] @ layout.xy_mm) / s[good, None]
        sml.append(float(np.std(cop[:, 0])))
        sap.append(float(np.std(cop[:, 1])))
        vel.append(float(np.mean(np.linalg.norm(np.diff(cop, axis=0), axis=1)) * fs))
    rear_share = 100.0 * rear / (rear + front) if rear + front > 0 else None
    return PostureSummary(
        standing_s,
        left_share,
        rear_share,
        float(np.mean(sml)) if sml else None,
        float(np.mean(sap)) if sap else None,
        float(np.mean(vel)) if vel else None,
    )
