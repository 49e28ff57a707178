"""Differentially private shape statistics for last designers, with OpenDP's measurements.

Each release runs one engine-neutral aggregate (:mod:`storefront.makers.engine`: one row per
person, values clamped to declared bounds, integer counts and sums over public groups) and adds
noise with OpenDP measurements to that small result. The sensitivities come from OpenDP's own
stability maps of the matching transformation (``make_count_by_categories``, ``make_sum`` over
bounded integers, ``make_quantile_score_candidates``); nothing here draws noise itself.

Releases (privacy unit: one person; add/remove neighbours; pure DP, ``delta = 0``). Each
person is in exactly one public group (5 mm length bin, or sex), so a release over all groups
costs what one group costs (parallel composition); the parts of one release add up (sequential
composition) to the ``epsilon`` asked for:

* :func:`release_quantiles`: per length bin, DP quantiles (default 5/25/50/75/95 %) of one
  measurement, by the exponential mechanism over 1 mm candidates (OpenDP
  ``make_quantile_score_candidates`` + ``make_noisy_max``), plus a noisy count per bin. A bin is
  only released when its *noisy* count reaches the floor; exact counts never leave.
* :func:`release_regression`: ball girth on foot length per sex (slope, intercept, correlation)
  from noisy bounded sums of the centred, clamped values.
* :func:`release_average_feet`: per 5 mm size class, DP means of the foot-model shape
  coefficients (clamped to +-4 prior sd), decoded by footscan's shape basis to a mesh
  (:func:`average_foot_mesh`, STL/GLB).

Every result states its method, its noise scales, its epsilon and the (noisy) number of people
it covers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storefront.domain_errors import DomainError
from storefront.makers.engine import (
    FILTERS,
    LENGTH_MAX_TENTH_MM,
    LENGTH_MIN_TENTH_MM,
    MEASURES,
    N_SHAPE,
    SEXES,
    SHAPE_BOUND_SD_E4,
    SHAPE_COLUMNS,
    Engine,
    MeasureSpec,
    histogram_sql,
    length_bin_label,
    regression_sql,
    sums_sql,
)

__all__ = [
    "DEFAULT_ALPHAS",
    "MIN_PEOPLE",
    "BETA",
    "QuantileBin",
    "QuantileRelease",
    "RegressionGroup",
    "RegressionRelease",
    "AverageFoot",
    "AverageFootRelease",
    "release_quantiles",
    "release_regression",
    "release_average_feet",
    "quantile_scores",
    "coefficients_from_measurements",
    "average_foot_mesh",
    "mesh_stl_bytes",
    "mesh_glb_bytes",
]

DEFAULT_ALPHAS: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Smallest noisy count of a group before anything about it is released.
MIN_PEOPLE = 20
#: Failure probability of the stated intervals (they hold with probability 1 - BETA).
BETA = 0.05
#: Share of a release's epsilon spent on its noisy counts.
COUNT_SHARE = 0.1
_BIN_INDICES = tuple(range(LENGTH_MIN_TENTH_MM // 50, LENGTH_MAX_TENTH_MM // 50))
_SEX_GROUPS = (*SEXES, "unknown")


def _dp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def _check_epsilon(epsilon: float) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float):
        raise DomainError(f"epsilon must be a number, got {epsilon!r}")
    if not math.isfinite(epsilon) or not 0.0 < epsilon <= 10.0:
        raise DomainError(f"epsilon must be in (0, 10], got {epsilon!r}")
    return float(epsilon)


def _check_filters(filters: Mapping[str, str] | None) -> dict[str, str]:
    out = dict(filters or {})
    for k, v in out.items():
        if k not in FILTERS or v not in FILTERS[k]:
            raise DomainError(f"bad filter {k}={v!r}; filters are {sorted(FILTERS)}")
    return out


# --------------------------------------------------------------------------- OpenDP pieces


@lru_cache(maxsize=64)
def _count_vector_measurement(n_groups: int, epsilon: float) -> tuple[Any, float]:
    """Discrete Laplace on a vector of per-group counts; the L1 sensitivity of adding or
    removing one person is OpenDP's stability map of ``make_count_by_categories``."""
    dp = _dp()
    d_in = dp.t.make_count_by_categories(
        dp.vector_domain(dp.atom_domain(T=str)),
        dp.symmetric_distance(),
        categories=[str(i) for i in range(n_groups)],
        TOA="i64",
    ).map(1)
    scale = float(d_in) / epsilon
    meas = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T="i64"), size=n_groups), dp.l1_distance(T="i64"), scale
    )
    eps_used = float(meas.map(d_in))
    assert eps_used <= epsilon * (1 + 1e-9), (eps_used, epsilon)
    return meas, scale


@lru_cache(maxsize=64)
def _sum_vector_measurement(
    n_values: int, bound: int, epsilon: float, per_person: int
) -> tuple[Any, float, int]:
    """Discrete Laplace on a vector of ``n_values`` sums of integers clamped to ``+-bound``,
    of which one person enters ``per_person`` (1 when the entries are disjoint groups); the
    L1 sensitivity is ``per_person`` times OpenDP's map of a bounded integer sum."""
    dp = _dp()
    one = dp.t.make_sum(
        dp.vector_domain(dp.atom_domain(bounds=(-int(bound), int(bound)), T="i64")),
        dp.symmetric_distance(),
    ).map(1)
    d_in = int(one) * per_person
    scale = float(d_in) / epsilon
    meas = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T="i64"), size=n_values), dp.l1_distance(T="i64"), scale
    )
    eps_used = float(meas.map(d_in))
    assert eps_used <= epsilon * (1 + 1e-9), (eps_used, epsilon)
    return meas, scale, d_in


@lru_cache(maxsize=256)
def _score_weights(alpha: float) -> tuple[int, int]:
    """OpenDP's integer weights of the quantile score: ``score = |lt * w_lt - gt * w_gt|``.

    Read off OpenDP's transformation itself on one value with one candidate below and one
    above it, so the score computed from the histogram is OpenDP's, whatever its scaling.
    """
    dp = _dp()
    t = dp.t.make_quantile_score_candidates(
        dp.vector_domain(dp.atom_domain(T=float, nan=False)),
        dp.symmetric_distance(),
        [-1.0, 1.0],
        alpha,
    )
    s_below, s_above = (int(v) for v in t([0.0]))  # (lt=0, gt=1) and (lt=1, gt=0)
    return s_above, s_below


@lru_cache(maxsize=256)
def _quantile_measurement(n_candidates: int, alpha: float, epsilon: float) -> tuple[Any, float]:
    """OpenDP's noisy max (Gumbel, i.e. the exponential mechanism) over quantile scores, with
    the scale that makes ``make_quantile_score_candidates >> noisy_max`` ``epsilon``-DP."""
    dp = _dp()
    t = dp.t.make_quantile_score_candidates(
        dp.vector_domain(dp.atom_domain(T=float, nan=False)),
        dp.symmetric_distance(),
        [j + 0.05 for j in range(n_candidates)],
        alpha,
    )
    scale = 2.0 * float(t.map(1)) / epsilon
    for _ in range(5):  # OpenDP rounds its map up: widen the scale by that slack
        used = float((t >> dp.m.then_noisy_max(dp.max_divergence(), scale, negate=True)).map(1))
        if used <= epsilon:
            break
        scale *= used / epsilon * (1.0 + 1e-12)
    else:  # pragma: no cover
        raise DomainError("could not calibrate the quantile noise to this epsilon")
    meas = dp.m.make_noisy_max(
        t.output_domain, t.output_metric, dp.max_divergence(), scale, negate=True
    )
    return meas, scale


def quantile_scores(bucket_counts: NDArray[np.int64], alpha: float) -> NDArray[np.int64]:
    """OpenDP's quantile scores of the ``K`` candidates from the ``K + 1`` bucket counts.

    Bucket ``b`` holds the values between candidates ``b - 1`` and ``b``; no value equals a
    candidate, so ``lt = cumsum`` and ``gt = n - lt``.
    """
    c = np.asarray(bucket_counts, dtype=np.int64)
    lt = np.cumsum(c)[:-1]
    gt = int(c.sum()) - lt
    w_lt, w_gt = _score_weights(float(alpha))
    return np.abs(lt * w_lt - gt * w_gt)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QuantileBin:
    """One length bin of a quantile release.

    Attributes
    ----------
    length_bin : str
        ``"260-265"`` (mm).
    people : int or None
        Noisy number of people (rounded, >= 0); None when withheld.
    quantiles_mm : dict or None
        ``{"p50": 244.5, ...}`` (mm); None when the bin is withheld.
    alpha_halfwidth : float or None
        With probability ``1 - BETA`` each released value lies between the true quantiles at
        ``alpha -+ alpha_halfwidth`` (within the 1 mm candidate grid); from the noisy count.
    withheld : str or None
        Why nothing is released for this bin (never a count).
    """

    length_bin: str
    people: int | None
    quantiles_mm: dict[str, float] | None
    alpha_halfwidth: float | None
    withheld: str | None = None


@dataclass(frozen=True)
class QuantileRelease:
    """Quantiles of one measurement per 5 mm length bin."""

    measure: str
    alphas: tuple[float, ...]
    epsilon: float
    epsilon_count: float
    epsilon_per_quantile: float
    count_noise_scale: float
    score_noise_scale: float
    rank_error_people: float
    bounds_mm: tuple[int, int]
    filters: dict[str, str]
    min_people: int
    bins: tuple[QuantileBin, ...]
    method: str = (
        "one row per person; values clamped to the bounds; per 5 mm length bin: OpenDP discrete "
        "Laplace count, then each quantile by OpenDP's exponential mechanism (quantile scores "
        "over 1 mm candidates, noisy max); bins with a noisy count under the floor withheld"
    )

    def to_dict(self) -> dict[str, Any]:
        """The quantile release as JSON: its fields (bins excepted), quantile levels, bounds (mm), delta 0
        and the probability of the stated intervals.
        """
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "bins"}
        d["alphas"] = list(self.alphas)
        d["bounds_mm"] = list(self.bounds_mm)
        d["delta"] = 0.0
        d["interval_probability"] = 1.0 - BETA
        d["bins"] = [b.__dict__ for b in self.bins]
        return d


@dataclass(frozen=True)
class RegressionGroup:
    """Line fit of ball girth on foot length in one group (mm per mm, mm)."""

    group: str
    people: int | None
    slope_mm_per_mm: float | None
    girth_at_mean_length_mm: float | None
    mean_length_mm: float | None
    correlation: float | None
    withheld: str | None = None


@dataclass(frozen=True)
class RegressionRelease:
    """Ball girth on foot length, per sex."""

    epsilon: float
    count_noise_scale: float
    sum_noise_scales: dict[str, float]
    bounds_mm: dict[str, tuple[int, int]]
    filters: dict[str, str]
    min_people: int
    groups: tuple[RegressionGroup, ...]
    method: str = (
        "one row per person; length and girth clamped to the bounds and centred; per sex: "
        "OpenDP discrete Laplace on the count and on each sum (x, y, xx, xy, yy, tenths of a mm) "
        "with sensitivities from OpenDP's bounded-sum map; least squares on the noisy sums"
    )

    def to_dict(self) -> dict[str, Any]:
        """The regression release as JSON: its fields (groups excepted) and the clamping bounds (mm)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "groups"}
        d["bounds_mm"] = {k: list(v) for k, v in self.bounds_mm.items()}
        d["delta"] = 0.0
        d["groups"] = [g.__dict__ for g in self.groups]
        return d


@dataclass(frozen=True)
class AverageFoot:
    """DP mean shape coefficients of one size class (units: prior standard deviations)."""

    length_bin: str
    people: int | None
    coeffs_sd: tuple[float, ...] | None
    coeff_noise_sd: float | None
    withheld: str | None = None


@dataclass(frozen=True)
class AverageFootRelease:
    """The average foot per 5 mm size class."""

    epsilon: float
    count_noise_scale: float
    sum_noise_scale_sd: float
    clamp_sd: float
    filters: dict[str, str]
    min_people: int
    feet: tuple[AverageFoot, ...]
    mode_names: tuple[str, ...] = field(default=())
    method: str = (
        "one row per person; each of the 38 foot-model shape coefficients clamped to +-4 prior "
        "sd; per 5 mm length bin: OpenDP discrete Laplace on the count and on the vector of "
        "sums (L1 sensitivity 38 x bound from OpenDP's bounded-sum map); mean = noisy sum / "
        "noisy count, decoded with footscan's shape basis"
    )

    def foot(self, length_bin: str) -> AverageFoot:
        """The average foot of one size class (``length_bin``, e.g. ``"250-255"``).

        Raises
        ------
        DomainError
            The release has no such size class.
        """
        for f in self.feet:
            if f.length_bin == length_bin:
                return f
        raise DomainError(f"no size class {length_bin!r}")

    def to_dict(self) -> dict[str, Any]:
        """The average-feet release as JSON: its fields (feet excepted), the shape mode names, delta 0."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "feet"}
        d["mode_names"] = list(self.mode_names)
        d["delta"] = 0.0
        d["feet"] = [
            {**f.__dict__, "coeffs_sd": None if f.coeffs_sd is None else list(f.coeffs_sd)}
            for f in self.feet
        ]
        return d


# --------------------------------------------------------------------------- releases


def _noisy_group_counts(
    counts: Mapping[Any, int], groups: Sequence[Any], epsilon: float
) -> tuple[NDArray[np.int64], float]:
    """Noisy counts of every public group (absent groups count 0, and are noised too)."""
    meas, scale = _count_vector_measurement(len(groups), epsilon)
    true = [int(counts.get(g, 0)) for g in groups]
    return np.maximum(np.asarray(meas(true), dtype=np.int64), 0), scale


def release_quantiles(
    engine: Engine,
    measure: str,
    epsilon: float,
    *,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    filters: Mapping[str, str] | None = None,
    min_people: int = MIN_PEOPLE,
) -> QuantileRelease:
    """DP quantiles of one measurement per 5 mm foot-length bin.

    Parameters
    ----------
    engine : Engine
        DuckDB or Spark engine over the measurements table.
    measure : str
        One of :data:`storefront.makers.engine.MEASURES`.
    epsilon : float
        Total privacy loss of the release (a person is in one bin): ``COUNT_SHARE`` of it
        for the counts, the rest split evenly over the quantiles.
    alphas : sequence of float
        Quantile levels in (0, 1).
    filters : mapping, optional
        Public sub-population (``sex``, ``age_band``, ``region``).
    min_people : int
        Floor on the noisy count; the floor also rises to twice the 95 % rank error, so a
        released quantile is informative.

    Returns
    -------
    QuantileRelease
    """
    eps = _check_epsilon(epsilon)
    spec: MeasureSpec | None = MEASURES.get(measure)
    if spec is None:
        raise DomainError(f"unknown measure {measure!r}; choose from {sorted(MEASURES)}")
    alphas = tuple(float(a) for a in alphas)
    if not alphas or len(alphas) > 9 or any(not 0.0 < a < 1.0 for a in alphas):
        raise DomainError("alphas: 1 to 9 quantile levels strictly between 0 and 1")
    if isinstance(min_people, bool) or not isinstance(min_people, int) or min_people < 1:
        raise DomainError(f"min_people must be a positive integer, got {min_people!r}")
    flt = _check_filters(filters)
    eps_count = COUNT_SHARE * eps
    eps_q = (eps - eps_count) / len(alphas)
    k = spec.n_candidates

    hist: dict[int, NDArray[np.int64]] = {}
    for g, b, n in engine.rows(histogram_sql(spec, "length_bin", flt)):
        hist.setdefault(int(g), np.zeros(k + 1, dtype=np.int64))[int(b)] = int(n)
    counts = {g: int(h.sum()) for g, h in hist.items()}
    noisy, count_scale = _noisy_group_counts(counts, _BIN_INDICES, eps_count)

    scales = {}
    for a in alphas:
        _, scales[a] = _quantile_measurement(k, a, eps_q)
    score_scale = max(scales.values())
    # Exponential mechanism: P(score(out) > best + scale ln(K / beta)) <= beta; the score
    # is (w_lt + w_gt) times the rank distance |lt - alpha n|.
    rank_error = max(scales[a] * math.log(k / BETA) / sum(_score_weights(a)) for a in alphas)
    floor = max(int(min_people), int(math.ceil(2.0 * rank_error)))
    bins = []
    for gi, g in enumerate(_BIN_INDICES):
        label = length_bin_label(g)
        n_noisy = int(noisy[gi])
        if n_noisy < floor:
            bins.append(
                QuantileBin(
                    label, None, None, None,
                    withheld=(
                        "too few people for a reliable statistic at this epsilon; "
                        "raise epsilon, drop a filter or read a neighbouring bin"
                    ),
                )
            )  # fmt: skip
            continue
        h = hist.get(g, np.zeros(k + 1, dtype=np.int64))
        qs = {}
        for a in alphas:
            meas, _ = _quantile_measurement(k, a, eps_q)
            j = int(meas(quantile_scores(h, a).tolist()))
            qs[f"p{round(a * 100):02d}"] = round(spec.lo_mm + j + 0.05, 2)
        bins.append(QuantileBin(label, n_noisy, qs, round(rank_error / n_noisy, 4)))
    return QuantileRelease(
        measure=spec.name,
        alphas=alphas,
        epsilon=eps,
        epsilon_count=eps_count,
        epsilon_per_quantile=eps_q,
        count_noise_scale=count_scale,
        score_noise_scale=score_scale,
        rank_error_people=round(rank_error, 2),
        bounds_mm=(spec.lo_mm, spec.hi_mm),
        filters=flt,
        min_people=floor,
        bins=tuple(bins),
    )


#: Bounds of the regression (tenths of a mm): foot length and ball girth.
_REG_X = (1800, 3300)
_REG_Y = (1700, 3200)


def release_regression(
    engine: Engine,
    epsilon: float,
    *,
    filters: Mapping[str, str] | None = None,
    min_people: int = MIN_PEOPLE,
) -> RegressionRelease:
    """DP line fit of ball girth on foot length per sex (and the correlation).

    Parameters
    ----------
    engine : Engine
    epsilon : float
        Total privacy loss (a person is in one sex group): ``COUNT_SHARE`` for the counts,
        the rest split evenly over the five sums.
    filters : mapping, optional
        ``age_band`` / ``region`` (a ``sex`` filter keeps one group).
    min_people : int
        Floor on the noisy count of a group.
    """
    eps = _check_epsilon(epsilon)
    flt = _check_filters(filters)
    eps_count = COUNT_SHARE * eps
    eps_each = (eps - eps_count) / 5.0
    rows = engine.rows(
        regression_sql("foot_length_tenth_mm", "ball_girth_tenth_mm", _REG_X, _REG_Y, "sex", flt)
    )
    by = {r[0]: [int(v) for v in r[1:]] for r in rows}
    noisy_n, count_scale = _noisy_group_counts(
        {g: v[0] for g, v in by.items()}, _SEX_GROUPS, eps_count
    )
    hx = (_REG_X[1] - _REG_X[0]) // 2 + 1  # |x - mid| <= hx after clamping and centring
    hy = (_REG_Y[1] - _REG_Y[0]) // 2 + 1
    bounds = {"sx": hx, "sy": hy, "sxx": hx * hx, "sxy": hx * hy, "syy": hy * hy}
    scales: dict[str, float] = {}
    meas_by: dict[str, Any] = {}
    for name, b in bounds.items():
        # one sum per sex group, a person in one group: L1 sensitivity of one bounded sum
        meas_by[name], scales[name], _ = _sum_vector_measurement(len(_SEX_GROUPS), b, eps_each, 1)
    noisy_sums = {
        name: np.asarray(
            meas_by[name]([int(by.get(g, [0] * 6)[1 + i]) for g in _SEX_GROUPS]), dtype=np.float64
        )
        for i, name in enumerate(bounds)
    }
    xm = (_REG_X[0] + _REG_X[1]) // 2
    ym = (_REG_Y[0] + _REG_Y[1]) // 2
    groups = []
    for gi, g in enumerate(_SEX_GROUPS):
        n = float(noisy_n[gi])
        if n < min_people:
            groups.append(
                RegressionGroup(g, None, None, None, None, None,
                                withheld="too few people at this epsilon; raise epsilon")
            )  # fmt: skip
            continue
        sx, sy, sxx, sxy, syy = (float(noisy_sums[k][gi]) for k in bounds)
        vx = sxx - sx * sx / n
        vy = syy - sy * sy / n
        cxy = sxy - sx * sy / n
        if vx <= 0 or vy <= 0:
            groups.append(
                RegressionGroup(g, int(n), None, None, None, None,
                                withheld="the noise swamps the spread; raise epsilon")
            )  # fmt: skip
            continue
        slope = cxy / vx
        r = max(-1.0, min(1.0, cxy / math.sqrt(vx * vy)))
        groups.append(
            RegressionGroup(
                g,
                int(n),
                round(slope, 4),
                round((ym + sy / n) / 10.0, 2),
                round((xm + sx / n) / 10.0, 2),
                round(r, 4),
            )
        )
    return RegressionRelease(
        epsilon=eps,
        count_noise_scale=count_scale,
        sum_noise_scales={k: round(v, 3) for k, v in scales.items()},
        bounds_mm={
            "foot_length": (_REG_X[0] // 10, _REG_X[1] // 10),
            "ball_girth": (_REG_Y[0] // 10, _REG_Y[1] // 10),
        },
        filters=flt,
        min_people=int(min_people),
        groups=tuple(groups),
    )


def release_average_feet(
    engine: Engine,
    epsilon: float,
    *,
    filters: Mapping[str, str] | None = None,
    min_people: int = MIN_PEOPLE,
) -> AverageFootRelease:
    """DP mean foot-model shape coefficients per 5 mm size class.

    Parameters
    ----------
    engine : Engine
    epsilon : float
        Total privacy loss (a person is in one class): ``COUNT_SHARE`` for the counts, the
        rest for the vector of 16 sums.
    filters : mapping, optional
        ``sex`` / ``age_band`` / ``region``.
    min_people : int
        Floor on the noisy count of a class.
    """
    eps = _check_epsilon(epsilon)
    flt = _check_filters(filters)
    eps_count = COUNT_SHARE * eps
    eps_sum = eps - eps_count
    rows = engine.rows(sums_sql(SHAPE_COLUMNS, SHAPE_BOUND_SD_E4, "length_bin", flt))
    by = {int(r[0]): [int(v) for v in r[1:]] for r in rows}
    noisy_n, count_scale = _noisy_group_counts(
        {g: v[0] for g, v in by.items()}, _BIN_INDICES, eps_count
    )
    # one person enters all 38 sums of their size class
    meas, sum_scale, _ = _sum_vector_measurement(N_SHAPE, SHAPE_BOUND_SD_E4, eps_sum, N_SHAPE)
    feet = []
    for gi, g in enumerate(_BIN_INDICES):
        label = length_bin_label(g)
        n = int(noisy_n[gi])
        if n < min_people:
            feet.append(
                AverageFoot(label, None, None, None,
                            withheld="too few people at this epsilon; raise epsilon")
            )  # fmt: skip
            continue
        sums = meas(by.get(g, [0] * (N_SHAPE + 1))[1:])
        coeffs = tuple(round(float(s) / 1e4 / n, 4) for s in sums)
        noise_sd = math.sqrt(2.0) * sum_scale / 1e4 / n
        feet.append(AverageFoot(label, n, coeffs, round(noise_sd, 5)))
    return AverageFootRelease(
        epsilon=eps,
        count_noise_scale=count_scale,
        sum_noise_scale_sd=sum_scale / 1e4,
        clamp_sd=SHAPE_BOUND_SD_E4 / 1e4,
        filters=flt,
        min_people=int(min_people),
        feet=tuple(feet),
        mode_names=_basis().mode_names,
    )


# --------------------------------------------------------------------------- foot model


@lru_cache(maxsize=1)
def _basis():
    from footscan._shape_model import load_shape_basis

    return load_shape_basis()


@lru_cache(maxsize=1)
def _reference_dims_mm() -> dict[str, float]:
    """Length, ball width, instep height and heel width of the basis' mean foot (mm)."""
    b = _basis()
    v = b.mean_mm[b.surface_vertex]
    length = b.length_mm
    x = v[:, 0] / length

    def width(lo: float, hi: float) -> float:
        s = v[(x >= lo) & (x <= hi) & (v[:, 2] < 40.0)]
        return float(s[:, 1].max() - s[:, 1].min())

    inst = v[(x >= 0.48) & (x <= 0.52)]  # dorsal height at 50 % FL (footscan)
    return {
        "foot_length_mm": float(length),
        "ball_width_mm": width(0.62, 0.76),
        "instep_height_mm": float(inst[:, 2].max()),
        "heel_width_mm": width(0.14, 0.18),  # heel breadth at 16 % FL (footscan)
    }


def coefficients_from_measurements(
    foot_length_mm: NDArray[np.float64] | float,
    ball_width_mm: NDArray[np.float64] | float,
    instep_height_mm: NDArray[np.float64] | float,
    heel_width_mm: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Foot-model shape coefficients (prior sd units) matching four measurements.

    The stored scan results carry footscan's measurements, not the fit's coefficients, so
    the coefficients are those of the model fitted to the measurements: the scale modes
    take the length, ball width and instep height ratios to the mean foot, and the heel's
    medial and lateral half-widths the heel width; the other modes stay at their prior mean
    (0). Vectorised over people; missing values give NaN coefficients.

    Returns
    -------
    (n, 16) float64 (or (16,) for scalars)
    """
    b = _basis()
    ref = _reference_dims_mm()
    fl = np.asarray(foot_length_mm, dtype=np.float64)
    scalar = fl.ndim == 0
    fl = np.atleast_1d(fl)
    bw = np.atleast_1d(np.asarray(ball_width_mm, dtype=np.float64))
    ih = np.atleast_1d(np.asarray(instep_height_mm, dtype=np.float64))
    hw = np.atleast_1d(np.asarray(heel_width_mm, dtype=np.float64))
    names = b.mode_names
    sd = b.mode_sd
    out = np.zeros((fl.size, b.n_modes), dtype=np.float64)
    sx = fl / ref["foot_length_mm"] - 1.0
    sy = bw / ref["ball_width_mm"] - 1.0
    sz = ih / ref["instep_height_mm"] - 1.0
    heel = hw / (ref["heel_width_mm"] * (1.0 + sy)) - 1.0
    for name, raw in (("scale_x", sx), ("scale_y", sy), ("scale_z", sz)):
        i = names.index(name)
        out[:, i] = raw / sd[i]
    for name in ("medial_width_0.05", "lateral_width_0.05"):
        i = names.index(name)
        out[:, i] = heel / sd[i]
    return out[0] if scalar else out


def average_foot_mesh(coeffs_sd: Sequence[float]):
    """The mesh (``trimesh.Trimesh``, mm, footscan foot frame) of coefficients in sd units."""
    import trimesh

    b = _basis()
    c = np.asarray(coeffs_sd, dtype=np.float64)
    if c.shape != (b.n_modes,) or not np.all(np.isfinite(c)):
        raise DomainError(f"expected {b.n_modes} finite shape coefficients")
    verts = b.shape(c * b.mode_sd)
    return trimesh.Trimesh(vertices=verts, faces=b.faces, process=False)


def mesh_stl_bytes(mesh: Any) -> bytes:
    """Binary STL, millimetres."""
    return bytes(mesh.export(file_type="stl"))


def mesh_glb_bytes(mesh: Any) -> bytes:
    """GLB in metres (glTF's unit), +Y up, with a non-metallic material (storefront §3.2)."""
    import trimesh

    m = mesh.copy()
    m.apply_scale(1e-3)
    # foot frame: +Z up -> glTF: +Y up
    m.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0]))
    m.visual = trimesh.visual.TextureVisuals(
        material=trimesh.visual.material.PBRMaterial(
            baseColorFactor=[200, 170, 150, 255], metallicFactor=0.0, roughnessFactor=0.8
        )
    )
    return bytes(trimesh.Scene(m).export(file_type="glb"))
