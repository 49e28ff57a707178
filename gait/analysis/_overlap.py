"""Parts of a recording with their neighbours' data around them, for context at the edges.

:func:`gait.analyze_file` analyses a long recording part by part (cut by
:func:`gait.readers._chunks.iter_chunks`). A stride that starts near the end of a part ends in
the next one, so each part is analysed with ``overlap_s`` (10 s) of its contiguous neighbours
on either side and reports only the strides of its own span (:class:`Part`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gait.insole._recording import FootSignal, Recording, as_side

__all__ = ["DEFAULT_OVERLAP_S", "Part", "with_overlap"]

#: Context added on both sides of a part so that strides at its edges are complete.
DEFAULT_OVERLAP_S = 10.0


@dataclass(frozen=True)
class Part:
    """One part of a recording with the time span it is responsible for.

    Parameters
    ----------
    t0_s : float
        Recording time of the part's first sample (seconds from the recording start).
    own_start_s, own_end_s : float
        The span whose strides, activity and gaps this part reports (its data reach up to
        ``overlap`` further on either side when the neighbour is contiguous).
    recording : Recording
        The part's samples (its own clock starts at 0).
    """

    t0_s: float
    own_start_s: float
    own_end_s: float
    recording: Recording = field(repr=False)


def _slice(rec: Recording, a: int, b: int, copy: bool = False) -> Recording:
    """Samples ``a:b`` of every foot: views, or (``copy``) copies that do not keep the
    whole of ``rec``'s arrays alive."""

    def cut(x: Any) -> Any:
        return None if x is None else x[a:b].copy() if copy else x[a:b]

    feet = {
        s: FootSignal(as_side(s), cut(f.values), f.sensor_xy_mm, cut(f.valid), cut(f.imu))
        for s, f in rec.feet.items()
    }
    return replace(rec, left=feet.get("left"), right=feet.get("right"))


def _n(rec: Recording) -> int:
    return max((f.n_samples for f in rec.feet.values()), default=0)


def _concat_all(recs: list[Recording]) -> Recording:
    """The recordings one after the other (contiguous parts of one recording; a foot missing
    from one is NaN there), copied once."""
    ns = [_n(r) for r in recs]
    feet = {}
    for side in ("left", "right"):
        fs_ = [r.feet.get(side) for r in recs]
        ref = next((f for f in fs_ if f is not None), None)
        if ref is None:
            continue
        k = ref.values.shape[1]

        def vals(f: FootSignal | None, n: int, k: int = k) -> list[NDArray[np.float64]]:
            if f is None:
                return [np.full((n, k), np.nan)]
            v = f.values
            return [v] if v.shape[0] == n else [v, np.full((n - v.shape[0], k), np.nan)]

        def valid(f: FootSignal | None, n: int) -> list[NDArray[np.bool_]]:
            if f is None:
                return [np.zeros(n, dtype=bool)]
            v = np.ones(f.n_samples, dtype=bool) if f.valid is None else f.valid
            return [v, np.zeros(n - v.size, dtype=bool)]

        def imu(f: FootSignal | None, n: int) -> list[NDArray[np.float64]]:
            if f is None or f.imu is None:
                return [np.full((n, 6), np.nan)]
            v = f.imu
            return [v] if v.shape[0] == n else [v, np.full((n - v.shape[0], 6), np.nan)]

        has_imu = any(f is not None and f.imu is not None for f in fs_)
        zipped = list(zip(fs_, ns, strict=True))
        feet[side] = FootSignal(
            side,
            np.concatenate([x for f, n in zipped for x in vals(f, n)]),
            ref.sensor_xy_mm,
            np.concatenate([x for f, n in zipped for x in valid(f, n)]),
            np.concatenate([x for f, n in zipped for x in imu(f, n)]) if has_imu else None,
        )
    a = recs[0]
    meta = dict(a.meta)
    notes = list(a.meta.get("ingest_notes", []))
    for r in recs[1:]:
        notes += [n for n in r.meta.get("ingest_notes", []) if n not in notes]
    meta["ingest_notes"] = notes
    return replace(a, left=feet.get("left"), right=feet.get("right"), meta=meta)


def with_overlap(
    parts: Iterator[tuple[float, Recording]], overlap_s: float, min_part_s: float
) -> Generator[Part, None, None]:
    """Give each part ``overlap_s`` of its contiguous neighbours' data on either side.

    A last part shorter than ``min_part_s`` that continues its predecessor is joined to it
    (a few seconds alone cannot be analysed).
    """
    held: tuple[float, Recording] | None = None
    tail: Recording | None = None  # end of the previous part, for the next one's start
    for t0, rec in parts:
        if held is None:
            held = (t0, rec)
            continue
        h0, hrec = held
        fs = hrec.sampling_rate_hz
        contiguous = abs(h0 + _n(hrec) / fs - t0) < 0.5 / fs and hrec.feet and rec.feet
        if contiguous and _n(rec) / fs < min_part_s:
            held = (h0, _concat_all([hrec, rec]))
            continue
        yield _part(h0, hrec, tail, rec if contiguous else None, overlap_s)
        # a copy: a view of the previous part would hold all of its arrays until the next
        tail = (
            _slice(hrec, max(0, _n(hrec) - int(overlap_s * fs)), _n(hrec), copy=True)
            if contiguous
            else None
        )
        held = (t0, rec)
        del hrec  # the previous part let go while the next one is read
    if held is not None:
        yield _part(held[0], held[1], tail, None, overlap_s)


def _part(
    t0: float, rec: Recording, before: Recording | None, after: Recording | None, overlap_s: float
) -> Part:
    fs = rec.sampling_rate_hz
    own0, own1 = t0, t0 + _n(rec) / fs
    pieces, start = [rec], t0
    if before is not None and before.feet and rec.feet:
        pieces.insert(0, before)
        start = t0 - _n(before) / fs
    if after is not None and after.feet and rec.feet:
        pieces.append(_slice(after, 0, min(_n(after), int(overlap_s * fs))))
    data = _concat_all(pieces) if len(pieces) > 1 else rec
    return Part(start, own0, own1, data)
