"""Privacy-safe aggregates of foot data for manufacturers (storefront §6.2), without Flask.

Method, in order, for every release:

1. **Who.** Only consenting people, one record per person (the latest), deleted people removed
   (:func:`records_for_release`).
2. **Bins.** Public, pre-declared categories (``FOOT_LENGTH_BINS`` of 5 mm, width fittings,
   girth and arch bands, regions, age bands, sex); never derived from the data. Values outside
   the bins fall in an overflow bucket that is never released.
3. **Noise.** OpenDP ``count_by_categories`` over the joint cells of the requested dimensions,
   then (discrete) Laplace noise of scale ``1/epsilon``; one person changes one cell by one, so the
   release is ``epsilon``-DP (``delta = 0``).
4. **Post-processing** (cannot weaken the guarantee): clamp at 0, round, **then** suppress
   cells under ``min_cell`` (value ``None``), then complementary suppression so that no
   suppressed cell is alone in any row/column slice (it could otherwise be derived from a total).
5. **Refusals.** Only data-independent ones: a table with more cells than ``MAX_CELLS``
   (:class:`QueryTooNarrow`), or no budget left (:class:`PrivacyBudgetExceeded`). A narrow
   population is never refused on its exact size (that was a free oracle, issue 14): its
   noisy cells fall under the floor and are suppressed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeGuard

import numpy as np

from storefront.catalog.grading import GIRTH_PER_FITTING_MM, average_ball_girth_mm
from storefront.domain_errors import DomainError, PrivacyBudgetExceeded, QueryTooNarrow

__all__ = [
    "FOOT_LENGTH_BINS",
    "GIRTH_BANDS",
    "ARCH_BANDS",
    "WIDTH_FITTINGS",
    "AGE_BANDS",
    "REGIONS",
    "SEXES",
    "DIMENSIONS",
    "MIN_CELL",
    "MAX_CELLS",
    "Cell",
    "Release",
    "BudgetLedger",
    "length_bin",
    "girth_band",
    "arch_band",
    "width_fitting",
    "age_band",
    "person_record",
    "records_for_release",
    "check_query",
    "release_counts",
    "release_counts_from_cells",
    "release_histogram",
    "girth_distribution",
    "arch_distribution",
]

MIN_CELL = 10
MAX_CELLS = 5000
_UNKNOWN = "unknown"

#: Public 5 mm foot-length bins (Mondopoint grading), from a toddler's to the largest adult foot.
FOOT_LENGTH_BINS: tuple[str, ...] = tuple(f"{b}-{b + 5}" for b in range(100, 330, 5))
#: Public 10 mm ball-girth bands.
GIRTH_BANDS: tuple[str, ...] = tuple(f"{b}-{b + 10}" for b in range(150, 300, 10))
#: Public arch-height bands (mm): upper edges 12 and 20.
ARCH_BANDS: tuple[str, ...] = ("low", "medium", "high")
#: Width fitting relative to the average foot of the same length, in 6.5 mm girth fittings.
WIDTH_FITTINGS: tuple[str, ...] = ("narrow", "regular", "wide", "extra_wide")
AGE_BANDS: tuple[str, ...] = ("<18", "18-29", "30-44", "45-59", "60-74", "75+")
REGIONS: tuple[str, ...] = (
    "EU-north", "EU-south", "EU-east", "EU-west", "UK", "KR", "JP", "US", "other",
)  # fmt: skip
SEXES: tuple[str, ...] = ("female", "male", "other")
#: Dimension name -> public categories ("unknown" is a category of its own).
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "length_bin": FOOT_LENGTH_BINS + (_UNKNOWN,),
    "width": WIDTH_FITTINGS + (_UNKNOWN,),
    "girth_band": GIRTH_BANDS + (_UNKNOWN,),
    "arch_band": ARCH_BANDS + (_UNKNOWN,),
    "region": REGIONS + (_UNKNOWN,),
    "age_band": AGE_BANDS + (_UNKNOWN,),
    "sex": SEXES + (_UNKNOWN,),
}


def _finite(v: Any) -> TypeGuard[float]:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def length_bin(foot_length_mm: float | None) -> str:
    """Public 5 mm bin of a foot length, ``"unknown"`` outside 100-330 mm or missing."""
    if not _finite(foot_length_mm) or not 100.0 <= foot_length_mm < 330.0:
        return _UNKNOWN
    b = 5 * int(foot_length_mm // 5)
    return f"{b}-{b + 5}"


def girth_band(ball_girth_mm: float | None) -> str:
    """Public 10 mm band of a ball girth."""
    if not _finite(ball_girth_mm) or not 150.0 <= ball_girth_mm < 300.0:
        return _UNKNOWN
    b = 10 * int(ball_girth_mm // 10)
    return f"{b}-{b + 10}"


def arch_band(arch_height_mm: float | None) -> str:
    """``low`` (< 12 mm), ``medium`` (< 20 mm) or ``high``."""
    if not _finite(arch_height_mm) or arch_height_mm < 0:
        return _UNKNOWN
    return "low" if arch_height_mm < 12.0 else ("medium" if arch_height_mm < 20.0 else "high")


def width_fitting(foot_length_mm: float | None, ball_girth_mm: float | None) -> str:
    """Width fitting from the girth's distance to the average foot of that length."""
    if not _finite(foot_length_mm) or not _finite(ball_girth_mm):
        return _UNKNOWN
    steps = (ball_girth_mm - average_ball_girth_mm(foot_length_mm)) / GIRTH_PER_FITTING_MM
    if steps < -1.0:
        return "narrow"
    if steps <= 1.0:
        return "regular"
    return "wide" if steps <= 2.5 else "extra_wide"


def age_band(age_years: float | None) -> str:
    """Public age band."""
    if not _finite(age_years) or age_years < 0:
        return _UNKNOWN
    for label, hi in zip(AGE_BANDS, (18, 30, 45, 60, 75, math.inf)):
        if age_years < hi:
            return label
    return _UNKNOWN  # pragma: no cover


def person_record(
    foot: Mapping[str, Any],
    *,
    age_years: float | None = None,
    region: str | None = None,
    sex: str | None = None,
) -> dict[str, str]:
    """Binned record of one person (from footscan-style measurements); nothing else survives."""
    fl, g = foot.get("foot_length_mm"), foot.get("ball_girth_mm")
    return {
        "length_bin": length_bin(fl),
        "width": width_fitting(fl, g),
        "girth_band": girth_band(g),
        "arch_band": arch_band(foot.get("arch_height_mm")),
        "region": region if region in REGIONS else _UNKNOWN,
        "age_band": age_band(age_years),
        "sex": sex if sex in SEXES else _UNKNOWN,
    }


def records_for_release(
    people: Iterable[Mapping[str, Any]], deleted_ids: Iterable[Any] = ()
) -> list[dict[str, str]]:
    """One binned record per consenting, non-deleted person.

    Parameters
    ----------
    people : iterable of mappings
        ``{"person_id", "consent": bool, "record": {dimension: category}, "t": sortable}``;
        a person with several entries keeps the latest (largest ``t``, else the last seen).
    deleted_ids : iterable
        People who deleted their account or withdrew consent.
    """
    gone = set(deleted_ids)
    latest: dict[Any, tuple[Any, Mapping[str, Any]]] = {}
    for i, p in enumerate(people):
        pid = p.get("person_id") if isinstance(p, Mapping) else None
        if pid is None:
            raise DomainError(f"person {i}: missing person_id")
        if not isinstance(p.get("record"), Mapping):
            raise DomainError(f"person {i}: 'record' must be an object of binned values")
        key = p.get("t", i)
        if pid not in latest or key >= latest[pid][0]:
            latest[pid] = (key, p)
    return [
        dict(p["record"])
        for pid, (_, p) in latest.items()
        if pid not in gone and p.get("consent") is True
    ]


@dataclass(frozen=True)
class Cell:
    """One released cell: its categories, count (None when suppressed)."""

    key: tuple[str, ...]
    count: int | None
    suppressed: bool


@dataclass(frozen=True)
class Release:
    """A differentially private, suppressed table of counts."""

    dims: tuple[str, ...]
    cells: tuple[Cell, ...]
    epsilon: float
    min_cell: int
    mechanism: str
    n_suppressed: int
    delta: float = 0.0
    meta: Mapping[str, Any] = field(default_factory=dict)

    def value(self, *key: str) -> int | None:
        """Released count of one cell (None when suppressed)."""
        for c in self.cells:
            if c.key == tuple(key):
                return c.count
        raise DomainError(f"no cell {key} in this release")

    def to_dict(self) -> dict[str, Any]:
        """The release as JSON: dimensions, epsilon, delta, publication floor, mechanism, the number
        suppressed and every cell (its dimension values, count, suppressed flag).
        """
        return {
            "dims": list(self.dims),
            "epsilon": self.epsilon,
            "delta": self.delta,
            "min_cell": self.min_cell,
            "mechanism": self.mechanism,
            "n_suppressed": self.n_suppressed,
            "cells": [
                {**dict(zip(self.dims, c.key)), "count": c.count, "suppressed": c.suppressed}
                for c in self.cells
            ],
        }


def check_query(n_cells: int) -> None:
    """Refuse tables with too many cells (a data-independent check).

    No refusal may depend on the number of people: an exact-count refusal is a free oracle
    (issue 14). Narrow populations are handled by the noisy counts and the suppression that
    follows them.
    """
    if n_cells > MAX_CELLS:
        raise QueryTooNarrow(
            f"this query asks for {n_cells} cells (more than {MAX_CELLS}); use fewer dimensions"
        )


@lru_cache(maxsize=64)
def _opendp_measurement(n_categories: int, epsilon: float):
    import opendp.prelude as dp

    dp.enable_features("contrib")
    # Categories are the cell indices as strings; the records are mapped to them beforehand.
    trans = dp.t.make_count_by_categories(
        dp.vector_domain(dp.atom_domain(T=str)),
        dp.symmetric_distance(),
        categories=[str(i) for i in range(n_categories)],
    )
    meas = trans >> dp.m.then_laplace(scale=1.0 / epsilon)
    # One person = one record: symmetric distance 1 must map to at most epsilon.
    assert meas.map(1) <= epsilon * (1.0 + 1e-9)
    return meas


def _noisy_counts(
    cell_ix: Sequence[str], n_cells: int, epsilon: float, seed: int | None
) -> np.ndarray:
    if seed is None:
        out = np.asarray(_opendp_measurement(n_cells, epsilon)(list(cell_ix)), dtype=np.int64)
        return out[:n_cells]  # the last count is the overflow bucket: never released
    # Reproducible mode (tests, demos): the same discrete Laplace, from numpy's generator.
    rng = np.random.default_rng(seed)
    true = np.bincount(np.asarray(cell_ix, dtype=np.int64), minlength=n_cells + 1)[:n_cells]
    p = 1.0 - math.exp(-epsilon)
    return true + rng.geometric(p, n_cells) - rng.geometric(p, n_cells)


def _complementary(shape: tuple[int, ...], counts: np.ndarray, supp: np.ndarray) -> np.ndarray:
    """Suppress more cells until no slice along any axis has exactly one suppressed cell."""
    c = counts.reshape(shape)
    s = supp.reshape(shape).copy()
    changed = True
    while changed:
        changed = False
        for axis in range(len(shape) if len(shape) > 1 else 0):
            moved = np.moveaxis(s, axis, -1)
            vals = np.moveaxis(c, axis, -1)
            n_s = moved.sum(axis=-1)
            for idx in zip(*np.nonzero(n_s == 1)):
                row_s, row_v = moved[idx], vals[idx]
                open_ix = np.flatnonzero(~row_s)
                if open_ix.size == 0:
                    continue
                j = open_ix[np.argmin(row_v[open_ix])]
                row_s[j] = True
                changed = True
        if s.sum() == 1 and s.size > 1:  # the grand total would reveal it too
            open_ix = np.flatnonzero(~s.ravel())
            s.ravel()[open_ix[np.argmin(c.ravel()[open_ix])]] = True
            changed = True
    return s.ravel()


def release_counts(
    records: Sequence[Mapping[str, str]],
    dims: Sequence[str],
    epsilon: float,
    min_cell: int = MIN_CELL,
    seed: int | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> Release:
    """Release DP counts of ``records`` over the joint public categories of ``dims``.

    Parameters
    ----------
    records : sequence of mappings
        One per person (see :func:`records_for_release`); values are category labels.
    dims : sequence of str
        Dimensions to cross (1 to 3).
    epsilon : float
        Privacy loss of this release (> 0).
    min_cell : int
        Suppression floor (cells with a released count under it are withheld).
    seed : int, optional
        ``None`` (production): OpenDP's sampler. An int: a reproducible numpy sampler of the same
        discrete Laplace distribution, for tests and demos only.
    categories : mapping, optional
        Public categories per dimension; default :data:`DIMENSIONS`.
    """
    if not _finite(epsilon) or not 0.0 < epsilon <= 10.0:
        raise DomainError(f"epsilon must be in (0, 10], got {epsilon!r}")
    if not isinstance(min_cell, int) or min_cell < 1:
        raise DomainError(f"min_cell must be a positive integer, got {min_cell!r}")
    cats_all = dict(DIMENSIONS if categories is None else categories)
    dims = tuple(dims)
    if not 1 <= len(dims) <= 3 or len(set(dims)) != len(dims):
        raise DomainError("choose 1 to 3 distinct dimensions")
    unknown = [d for d in dims if d not in cats_all]
    if unknown:
        raise DomainError(f"unknown dimensions {unknown}; choose from {sorted(cats_all)}")
    cats = [tuple(cats_all[d]) for d in dims]
    shape = tuple(len(c) for c in cats)
    n_cells = int(np.prod(shape))
    check_query(n_cells)
    lookup = [{v: i for i, v in enumerate(c)} for c in cats]
    strides = np.cumprod((1,) + shape[::-1])[:-1][::-1]
    cell_ix = []
    for r in records:
        ix = 0
        for d, lk, st in zip(dims, lookup, strides):
            j = lk.get(r.get(d, _UNKNOWN))
            if j is None:
                ix = n_cells  # overflow bucket
                break
            ix += j * int(st)
        cell_ix.append(str(ix))
    noisy = np.maximum(_noisy_counts(cell_ix, n_cells, float(epsilon), seed), 0)
    supp = noisy < min_cell
    supp = _complementary(shape, noisy, supp)
    cells = tuple(
        Cell(key=key, count=None if s else int(v), suppressed=bool(s))
        for key, v, s in zip(itertools.product(*cats), noisy.tolist(), supp.tolist())
    )
    return Release(
        dims=dims,
        cells=cells,
        epsilon=float(epsilon),
        min_cell=min_cell,
        mechanism=(
            "OpenDP count_by_categories + discrete Laplace"
            if seed is None
            else "discrete Laplace (numpy, reproducible test mode)"
        ),
        n_suppressed=int(supp.sum()),
        meta={"scale": 1.0 / float(epsilon), "n_cells": n_cells},
    )


@lru_cache(maxsize=64)
def _opendp_vector_laplace(n_cells: int, epsilon: float):
    """Discrete Laplace on a vector of cell counts; the L1 sensitivity of one person is
    OpenDP's stability map of ``make_count_by_categories`` (the same release as above, with
    the counting done by the engine)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    d_in = dp.t.make_count_by_categories(
        dp.vector_domain(dp.atom_domain(T=str)),
        dp.symmetric_distance(),
        categories=[str(i) for i in range(n_cells)],
        TOA="i64",
    ).map(1)
    meas = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T="i64"), size=n_cells),
        dp.l1_distance(T="i64"),
        float(d_in) / epsilon,
    )
    assert meas.map(d_in) <= epsilon * (1.0 + 1e-9)
    return meas


def release_counts_from_cells(
    cell_counts: Mapping[tuple[int, ...], int],
    dims: Sequence[str],
    epsilon: float,
    min_cell: int = MIN_CELL,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> Release:
    """:func:`release_counts` when the exact counts per cell come from the aggregation engine.

    Parameters
    ----------
    cell_counts : mapping
        ``{(index per dimension, ...): people}`` over one row per person; absent cells are 0.
    dims, epsilon, min_cell, categories
        As for :func:`release_counts`; the noise, suppression and output are the same.
    """
    if not _finite(epsilon) or not 0.0 < epsilon <= 10.0:
        raise DomainError(f"epsilon must be in (0, 10], got {epsilon!r}")
    if not isinstance(min_cell, int) or min_cell < 1:
        raise DomainError(f"min_cell must be a positive integer, got {min_cell!r}")
    cats_all = dict(DIMENSIONS if categories is None else categories)
    dims = tuple(dims)
    if (
        not 1 <= len(dims) <= 3
        or len(set(dims)) != len(dims)
        or any(d not in cats_all for d in dims)
    ):
        raise DomainError(f"choose 1 to 3 distinct dimensions of {sorted(cats_all)}")
    cats = [tuple(cats_all[d]) for d in dims]
    shape = tuple(len(c) for c in cats)
    n_cells = int(np.prod(shape))
    check_query(n_cells)
    true = np.zeros(shape, dtype=np.int64)
    for key, n in cell_counts.items():
        if len(key) != len(dims) or any(not 0 <= k < m for k, m in zip(key, shape)):
            raise DomainError(f"cell {key} outside the public categories")
        true[tuple(key)] += int(n)
    noisy = np.asarray(
        _opendp_vector_laplace(n_cells, float(epsilon))(true.ravel().tolist()), dtype=np.int64
    )
    noisy = np.maximum(noisy, 0)
    supp = _complementary(shape, noisy, noisy < min_cell)
    cells = tuple(
        Cell(key=key, count=None if s else int(v), suppressed=bool(s))
        for key, v, s in zip(itertools.product(*cats), noisy.tolist(), supp.tolist())
    )
    return Release(
        dims=dims,
        cells=cells,
        epsilon=float(epsilon),
        min_cell=min_cell,
        mechanism="engine counts + OpenDP discrete Laplace (count_by_categories sensitivity)",
        n_suppressed=int(supp.sum()),
        meta={"scale": 1.0 / float(epsilon), "n_cells": n_cells},
    )


def release_histogram(
    values: Sequence[float | None],
    binner: Any,
    bins: Sequence[str],
    epsilon: float,
    min_cell: int = MIN_CELL,
    seed: int | None = None,
) -> Release:
    """DP histogram of one measurement per person over public bins (``binner(value) -> bin``)."""
    records = [{"value": binner(v)} for v in values]
    return release_counts(
        records,
        ["value"],
        epsilon,
        min_cell=min_cell,
        seed=seed,
        categories={"value": tuple(bins) + (_UNKNOWN,)},
    )


def girth_distribution(
    girths_mm: Sequence[float | None], epsilon: float, min_cell: int = MIN_CELL,
    seed: int | None = None,
) -> Release:  # fmt: skip
    """DP histogram of ball girths over the public 10 mm ``GIRTH_BANDS``."""
    return release_histogram(girths_mm, girth_band, GIRTH_BANDS, epsilon, min_cell, seed)


def arch_distribution(
    arch_heights_mm: Sequence[float | None], epsilon: float, min_cell: int = MIN_CELL,
    seed: int | None = None,
) -> Release:  # fmt: skip
    """DP histogram of arch heights over the public ``ARCH_BANDS``."""
    return release_histogram(arch_heights_mm, arch_band, ARCH_BANDS, epsilon, min_cell, seed)


class BudgetLedger:
    """Privacy budget per manufacturer and period (e.g. ``"2026Q4"``), with an annual cap.

    Parameters
    ----------
    epsilon_per_period : float
        Budget of one manufacturer in one period.
    annual_cap : float, optional
        Budget of one manufacturer over all periods of one year (period strings start with
        the year).
    spent : mapping, optional
        ``{(manufacturer, period): epsilon}`` already spent (e.g. read from the release log).
    """

    def __init__(
        self,
        epsilon_per_period: float,
        annual_cap: float | None = None,
        spent: Mapping[tuple[str, str], float] | None = None,
    ) -> None:
        if not _finite(epsilon_per_period) or epsilon_per_period <= 0:
            raise DomainError("epsilon_per_period must be positive")
        self.epsilon_per_period = float(epsilon_per_period)
        self.annual_cap = None if annual_cap is None else float(annual_cap)
        self._spent: dict[tuple[str, str], float] = dict(spent or {})
        self.log: list[tuple[str, str, float]] = []

    def spent(self, manufacturer: str, period: str) -> float:
        """Epsilon already spent by ``manufacturer`` in ``period`` (``YYYY-Qn``)."""
        return self._spent.get((manufacturer, period), 0.0)

    def remaining(self, manufacturer: str, period: str) -> float:
        """Epsilon ``manufacturer`` may still spend in ``period``: the period's budget left, capped
        by the annual cap when one is set (never negative).
        """
        left = self.epsilon_per_period - self.spent(manufacturer, period)
        if self.annual_cap is not None:
            year = period[:4]
            used = sum(
                v for (m, p), v in self._spent.items() if m == manufacturer and p[:4] == year
            )
            left = min(left, self.annual_cap - used)
        return max(0.0, left)

    def spend(self, manufacturer: str, period: str, epsilon: float) -> float:
        """Record a release of ``epsilon``; returns what is left. Refuses over budget."""
        if not _finite(epsilon) or epsilon <= 0:
            raise DomainError(f"epsilon must be positive, got {epsilon!r}")
        left = self.remaining(manufacturer, period)
        if epsilon > left + 1e-12:
            raise PrivacyBudgetExceeded(
                f"{manufacturer}: this release needs epsilon {epsilon:g} but only {left:g} is "
                f"left for {period}"
            )
        key = (manufacturer, period)
        self._spent[key] = self._spent.get(key, 0.0) + float(epsilon)
        self.log.append((manufacturer, period, float(epsilon)))
        return self.remaining(manufacturer, period)
