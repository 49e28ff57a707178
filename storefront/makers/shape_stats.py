"""Differentially private shape statistics for last designers, with OpenDP's measurements.

Each release reads one small aggregate of the snapshot (:mod:`storefront.makers.engine`: one
row per person, values clamped to declared bounds, integer counts and sums per public key,
computed once per snapshot) and adds noise with OpenDP measurements
(:mod:`storefront.makers.dp`) to that small result; nothing here draws noise itself.

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
* :func:`release_average_feet`: per 5 mm size class, DP means of the people's foot-model shape
  coefficients (footscan's fit to their capture, at the foot's real size; each clamped to its
  declared bound around a public centre) and of their foot length and ball width, decoded by
  footscan's shape basis to a mesh (:func:`average_foot_mesh`, STL/GLB).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storefront.domain_errors import DomainError
from storefront.makers import dp
from storefront.makers.dp import quantile_scores
from storefront.makers.engine import Engine, histogram_sql, regression_sql, shape_sums_sql
from storefront.makers.foot_model import (
    average_foot_mesh,
    coefficients_from_measurements,
    mesh_glb_bytes,
    mesh_noise_sd_mm,
    mesh_stl_bytes,
    mode_names,
)
from storefront.makers.schema import (
    FILTERS,
    LENGTH_BIN_TENTH_MM,
    LENGTH_MAX_TENTH_MM,
    LENGTH_MIN_TENTH_MM,
    MEASURES,
    N_SHAPE,
    REG_X_TENTH_MM,
    REG_Y_TENTH_MM,
    SEXES,
    SHAPE_BOUNDS_SD_E4,
    SHAPE_CENTRES_E4,
    WIDTH_BOUND_TENTH_MM,
    WIDTH_CENTRE_TENTH_MM,
    MeasureSpec,
    length_bin_label,
)
from storefront.makers.shape_results import (
    BETA,
    AverageFoot,
    AverageFootRelease,
    QuantileBin,
    QuantileRelease,
    RegressionGroup,
    RegressionRelease,
)

__all__ = [
    "DEFAULT_ALPHAS",
    "MIN_PEOPLE",
    "MAX_COEFF_NOISE_SD",
    "EMPTY_GROUP_PROBABILITY",
    "average_foot_floor",
    "count_floor",
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
#: Share of a release's epsilon spent on its noisy counts.
COUNT_SHARE = 0.1
#: Shares of the average-foot release spent on the mean length and the mean ball width.
LENGTH_SHARE = 0.05
WIDTH_SHARE = 0.1
#: Extra share of the average-foot counts, which count people per class and per source of
#: their coefficients (fitted, or given the measurements).
FIT_SHARE = 0.05
#: Largest noise sd of a released mean shape coefficient, in units of that coefficient's
#: population sd (the foot model's prior sd, public and fixed before any data is read). A
#: class whose noise would be larger gets no average-foot mesh: footscan refused decoded DP
#: meshes as "not a foot" at 0.25-0.47 sd (docs/privacy.md, "Average foot": the floor).
MAX_COEFF_NOISE_SD = 0.25
#: Largest probability that a group holding nobody passes the noisy-count floor (per group
#: and release): the floor is at least ``count noise scale * ln(1 / this)``.
EMPTY_GROUP_PROBABILITY = 1e-9
_BIN_INDICES = tuple(
    range(LENGTH_MIN_TENTH_MM // LENGTH_BIN_TENTH_MM, LENGTH_MAX_TENTH_MM // LENGTH_BIN_TENTH_MM)
)
_SEX_GROUPS = (*SEXES, "unknown")
_TOO_FEW = "too few people for a reliable statistic at this epsilon; raise epsilon"


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


def _check_min_people(min_people: int) -> int:
    if isinstance(min_people, bool) or not isinstance(min_people, int) or min_people < 1:
        raise DomainError(f"min_people must be a positive integer, got {min_people!r}")
    return int(min_people)


def count_floor(min_people: int, count_scale: float, n_terms: int = 1) -> int:
    """The noisy-count floor of a group: ``min_people``, raised so that a group holding
    nobody passes with probability at most :data:`EMPTY_GROUP_PROBABILITY`.

    A noisy count of an empty group is a sum of ``n_terms`` discrete Laplace draws of scale
    ``count_scale`` (people). One draw exceeds ``k`` with probability below ``exp(-k / s)``;
    a sum of ``m`` exceeds ``k`` only if one of its terms exceeds ``k / m``, so
    ``k = m s ln(m / p)`` bounds it by ``p``. The gate reads only the noisy count, so the
    decision is itself DP (post-processing); pure DP cannot make an empty group's release
    impossible (a group of one person would then be distinguishable), only this improbable.

    Parameters
    ----------
    min_people : int
        The asked floor (people).
    count_scale : float
        Scale of each discrete Laplace term of the noisy count (people).
    n_terms : int
        Number of independent noisy counts summed into the group's count.

    Returns
    -------
    int
        Floor on the noisy count (people).
    """
    m = int(n_terms)
    tail = m * count_scale * math.log(m / EMPTY_GROUP_PROBABILITY)
    return max(int(min_people), int(math.ceil(tail)))


# --------------------------------------------------------------------------- quantiles


def _check_quantile_query(measure: str, alphas: Sequence[float]) -> tuple[MeasureSpec, tuple]:
    spec = MEASURES.get(measure)
    if spec is None:
        raise DomainError(f"unknown measure {measure!r}; choose from {sorted(MEASURES)}")
    out = tuple(float(a) for a in alphas)
    if not out or len(out) > 9 or any(not 0.0 < a < 1.0 for a in out):
        raise DomainError("alphas: 1 to 9 quantile levels strictly between 0 and 1")
    return spec, out


def _histograms(engine: Engine, spec: MeasureSpec, filters: dict[str, str]) -> NDArray[np.int64]:
    """Bucket counts ``(bins, K + 1)`` of every public length bin (absent bins are zeros)."""
    cols = engine.arrays(histogram_sql(spec, "length_bin", filters))
    hist = np.zeros((len(_BIN_INDICES), spec.n_candidates + 1), dtype=np.int64)
    g = np.asarray(cols["g"], dtype=np.int64) - _BIN_INDICES[0]
    hist[g, np.asarray(cols["b"], dtype=np.int64)] = np.asarray(cols["n"], dtype=np.int64)
    return hist


def _all_scores(hist: NDArray[np.int64], alpha: float) -> NDArray[np.uint64]:
    """OpenDP's quantile scores of every bin at once (:func:`quantile_scores`, row-wise)."""
    lt = np.cumsum(hist, axis=1)[:, :-1]
    gt = hist.sum(axis=1, keepdims=True) - lt
    w_lt, w_gt = dp.score_weights(float(alpha))
    return np.abs(lt * w_lt - gt * w_gt).astype(np.uint64)


def _quantiles(
    hist: NDArray[np.int64], released: NDArray[np.bool_], spec: MeasureSpec, alphas: tuple,
    eps_q: float,
) -> dict[int, dict[str, float]]:  # fmt: skip
    """Per released bin, each quantile by OpenDP's noisy max (numpy vectors in, no lists)."""
    out: dict[int, dict[str, float]] = {int(i): {} for i in np.flatnonzero(released)}
    for a in alphas:
        meas, _ = dp.quantile_measurement(spec.n_candidates, a, eps_q)
        scores = _all_scores(hist, a)
        for i, qs in out.items():
            j = int(meas(np.ascontiguousarray(scores[i])))
            qs[f"p{round(a * 100):02d}"] = round(spec.lo_mm + j + 0.05, 2)
    return out


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
        DuckDB or Spark engine over the measurements snapshot.
    measure : str
        One of :data:`storefront.makers.schema.MEASURES`.
    epsilon : float
        Total privacy loss of the release (a person is in one bin): ``COUNT_SHARE`` of it
        for the counts, the rest split evenly over the quantiles.
    alphas : sequence of float
        Quantile levels in (0, 1).
    filters : mapping, optional
        Public sub-population (``sex``, ``age_band``, ``region``).
    min_people : int
        Floor on the noisy count; the floor also rises to twice the 95 % rank error, so a
        released quantile is informative, and to :func:`count_floor`'s margin, so an empty
        bin (whose quantile scores are all zero, a noise-only pick) is released with
        probability at most :data:`EMPTY_GROUP_PROBABILITY`.

    Returns
    -------
    QuantileRelease
    """
    eps = _check_epsilon(epsilon)
    spec, alphas = _check_quantile_query(measure, alphas)
    min_people = _check_min_people(min_people)
    flt = _check_filters(filters)
    eps_count = COUNT_SHARE * eps
    eps_q = (eps - eps_count) / len(alphas)
    k = spec.n_candidates
    hist = _histograms(engine, spec, flt)
    noisy, count_scale = dp.noisy_count_vector(hist.sum(axis=1), eps_count)
    scales = {a: dp.quantile_measurement(k, a, eps_q)[1] for a in alphas}
    # Exponential mechanism: P(score(out) > best + scale ln(K / beta)) <= beta; the score
    # is (w_lt + w_gt) times the rank distance |lt - alpha n|.
    rank_error = max(scales[a] * math.log(k / BETA) / sum(dp.score_weights(a)) for a in alphas)
    floor = max(count_floor(min_people, count_scale), int(math.ceil(2.0 * rank_error)))
    qs = _quantiles(hist, noisy >= floor, spec, alphas, eps_q)
    withheld = f"{_TOO_FEW}, drop a filter or read a neighbouring bin"
    bins = tuple(
        QuantileBin(length_bin_label(g), int(noisy[i]), qs[i], round(rank_error / int(noisy[i]), 4))
        if i in qs
        else QuantileBin(length_bin_label(g), None, None, None, withheld=withheld)
        for i, g in enumerate(_BIN_INDICES)
    )
    return QuantileRelease(
        measure=spec.name, alphas=alphas, epsilon=eps, epsilon_count=eps_count,
        epsilon_per_quantile=eps_q, count_noise_scale=count_scale,
        score_noise_scale=max(scales.values()), rank_error_people=round(rank_error, 2),
        bounds_mm=(spec.lo_mm, spec.hi_mm), filters=flt, min_people=floor, bins=bins,
    )  # fmt: skip


# --------------------------------------------------------------------------- regression


def _regression_group(g: str, n: float, sums: Sequence[float], min_people: int) -> RegressionGroup:
    """Least squares on the noisy sums of one group (tenths of a mm, centred)."""
    if n < min_people:
        return RegressionGroup(g, None, None, None, None, None, withheld=_TOO_FEW)
    sx, sy, sxx, sxy, syy = sums
    vx, vy, cxy = sxx - sx * sx / n, syy - sy * sy / n, sxy - sx * sy / n
    if vx <= 0 or vy <= 0:
        return RegressionGroup(g, int(n), None, None, None, None,
                               withheld="the noise swamps the spread; raise epsilon")  # fmt: skip
    xm = (REG_X_TENTH_MM[0] + REG_X_TENTH_MM[1]) // 2
    ym = (REG_Y_TENTH_MM[0] + REG_Y_TENTH_MM[1]) // 2
    r = max(-1.0, min(1.0, cxy / math.sqrt(vx * vy)))
    return RegressionGroup(
        g, int(n), round(cxy / vx, 4), round((ym + sy / n) / 10.0, 2),
        round((xm + sx / n) / 10.0, 2), round(r, 4),
    )  # fmt: skip


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
        Floor on the noisy count of a group (raised to :func:`count_floor`'s margin).
    """
    eps = _check_epsilon(epsilon)
    flt = _check_filters(filters)
    min_people = _check_min_people(min_people)
    eps_count = COUNT_SHARE * eps
    eps_each = (eps - eps_count) / 5.0
    by = {r[0]: [int(v) for v in r[1:]] for r in engine.rows(regression_sql("sex", flt))}
    noisy_n, count_scale = dp.noisy_group_counts(
        {g: v[0] for g, v in by.items()}, _SEX_GROUPS, eps_count
    )
    min_people = count_floor(min_people, count_scale)
    (xl, xh), (yl, yh) = REG_X_TENTH_MM, REG_Y_TENTH_MM
    hx, hy = (xh - xl) // 2 + 1, (yh - yl) // 2 + 1  # |x - mid| <= hx after clamping
    bounds = {"sx": hx, "sy": hy, "sxx": hx * hx, "sxy": hx * hy, "syy": hy * hy}
    scales: dict[str, float] = {}
    noisy: dict[str, NDArray[np.float64]] = {}
    for i, (name, b) in enumerate(bounds.items()):
        # one sum per sex group, a person in one group: L1 sensitivity of one bounded sum
        meas, scales[name], _ = dp.sum_vector_measurement(len(_SEX_GROUPS), b, eps_each, 1)
        true = [int(by.get(g, [0] * 6)[1 + i]) for g in _SEX_GROUPS]
        noisy[name] = np.asarray(meas(true), dtype=np.float64)
    groups = tuple(
        _regression_group(g, float(noisy_n[gi]), [noisy[k][gi] for k in bounds], min_people)
        for gi, g in enumerate(_SEX_GROUPS)
    )
    return RegressionRelease(
        epsilon=eps,
        count_noise_scale=count_scale,
        sum_noise_scales={k: round(v, 3) for k, v in scales.items()},
        bounds_mm={"foot_length": (xl // 10, xh // 10), "ball_girth": (yl // 10, yh // 10)},
        filters=flt,
        min_people=min_people,
        groups=groups,
    )


# --------------------------------------------------------------------------- average feet


def _shape_sums(engine: Engine, filters: dict[str, str]) -> NDArray[np.int64]:
    """``(bins, 4 + 38)``: people, fitted people, length-offset sum, width sum, coefficient
    sums (offsets from the bin's centre) per bin."""
    cols = engine.arrays(shape_sums_sql("length_bin", filters))
    names = ["n", "n_fit", "s_len", "s_width", *(f"s_{i:02d}" for i in range(N_SHAPE))]
    out = np.zeros((len(_BIN_INDICES), len(names)), dtype=np.int64)
    rows = np.asarray(cols["g"], dtype=np.int64) - _BIN_INDICES[0]
    for j, name in enumerate(names):
        out[rows, j] = np.asarray(cols[name], dtype=np.int64)
    return out


def _noisy_coefficient_sums(
    sums: NDArray[np.int64], eps_sum: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """All bins' coefficient sums noised: ``(bins, 38)`` sums and the noise scale of each
    coefficient (1e-4 sd). The epsilon is split evenly over the 38 coefficients, each noised
    with the sensitivity of its own declared bound (one OpenDP call per distinct bound, over
    all bins: one person enters the sums of their own bin only), so a coefficient's noise is
    in proportion to its bound."""
    nb = len(_BIN_INDICES)
    bounds = np.asarray(SHAPE_BOUNDS_SD_E4, dtype=np.int64)
    out = np.zeros((nb, N_SHAPE), dtype=np.float64)
    scales = np.zeros(N_SHAPE, dtype=np.float64)
    for b in np.unique(bounds):
        ks = np.flatnonzero(bounds == b)
        eps_b = eps_sum * ks.size / N_SHAPE
        meas, scale, _ = dp.sum_vector_measurement(nb * ks.size, int(b), eps_b, int(ks.size))
        part = np.ascontiguousarray(sums[:, 4 + ks].ravel())
        out[:, ks] = np.asarray(meas(part), dtype=np.float64).reshape(nb, ks.size)
        scales[ks] = scale
    return out, scales


def _noisy_shape_sums(
    sums: NDArray[np.int64], eps_sum: float, eps_len: float, eps_width: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], dict[str, Any]]:
    """All bins' sums noised at once: coefficients (bins, 38), length offsets and widths."""
    nb = len(_BIN_INDICES)
    coeffs, coef_scales = _noisy_coefficient_sums(sums, eps_sum)
    half = LENGTH_BIN_TENTH_MM // 2  # offsets 0..49 centred on 25: |offset - 25| <= 25
    m_len, len_scale, _ = dp.sum_vector_measurement(nb, half, eps_len, 1)
    lens = np.asarray(m_len(np.ascontiguousarray(sums[:, 2] - half * sums[:, 0])), dtype=float)
    m_w, w_scale, _ = dp.sum_vector_measurement(nb, WIDTH_BOUND_TENTH_MM, eps_width, 1)
    widths = np.asarray(m_w(np.ascontiguousarray(sums[:, 3])), dtype=np.float64)
    scales = {"coeff": coef_scales, "length": len_scale, "width": w_scale}
    return coeffs, lens, widths, scales


def _centres_sd(bin_index: int) -> NDArray[np.float64]:
    """The public centre of each coefficient in one length bin (prior sd)."""
    return np.asarray([a * bin_index + b for a, b in SHAPE_CENTRES_E4], dtype=np.float64) / 1e4


def _source_note(n_fit: int, n_measures: int, count_sd: float) -> str:
    """Where the class' coefficients come from, in words (from the noisy counts)."""
    if n_measures <= 3.0 * count_sd:
        return "footscan's fit to each person's capture"
    if n_fit <= 3.0 * count_sd:
        return (
            "the model given length, ball width, instep height and heel width (scans measured "
            "before the fit was kept)"
        )
    share = round(100.0 * n_fit / max(n_fit + n_measures, 1))
    return (
        f"footscan's fit to each person's capture for about {share} % of the people (noisy); "
        "the model given length, ball width, instep height and heel width for the others "
        "(scans measured before the fit was kept)"
    )


def _average_foot_epsilons(eps: float) -> tuple[float, float, float, float]:
    """``(counts, length, width, coefficient sums)``: the parts of an average-foot release."""
    eps_count = (COUNT_SHARE + FIT_SHARE) * eps
    eps_len, eps_w = LENGTH_SHARE * eps, WIDTH_SHARE * eps
    return eps_count, eps_len, eps_w, eps - eps_count - eps_len - eps_w


def average_foot_floor(epsilon: float) -> int:
    """Smallest noisy class size whose average-foot mesh is released at this epsilon.

    The coefficient sums get ``eps_sum`` (70 % of ``epsilon``), split evenly over the
    ``N_SHAPE`` = 38 coefficients; coefficient ``k`` is clamped to ``+-b_k`` prior sd, so its
    sum's discrete Laplace scale is ``38 b_k / eps_sum`` and the noise sd of its mean over
    ``n`` people ``sqrt(2) 38 b_k / (eps_sum n)``. The floor is the ``n`` at which the
    largest of these (``b`` = 2.5 sd) equals :data:`MAX_COEFF_NOISE_SD`: 768 people at
    epsilon 1, 1,536 at 0.5. Public: it depends on epsilon and the declared bounds only.

    Parameters
    ----------
    epsilon : float
        Total epsilon of the release.

    Returns
    -------
    int
        People (compared with the class' noisy count).
    """
    eps_sum = _average_foot_epsilons(_check_epsilon(epsilon))[3]
    bound_sd = max(SHAPE_BOUNDS_SD_E4) / 1e4
    n = math.sqrt(2.0) * N_SHAPE * bound_sd / (eps_sum * MAX_COEFF_NOISE_SD)
    return int(math.ceil(n - 1e-9))


def _mesh_withheld(noise_sd: float, floor: int, eps: float) -> str:
    """Why a class' mean length and width are released but not its shape (public numbers)."""
    return (
        f"no average-foot mesh: with these people its shape coefficients would carry "
        f"{noise_sd:.2f} prior sd of noise each (the limit is {MAX_COEFF_NOISE_SD:g}; "
        "beyond it the mesh may not be a foot); at epsilon "
        f"{eps:g} a size class needs at least {floor} people (noisy count). Raise epsilon or "
        "drop a filter; the mean length and ball width are released"
    )


def _foot(
    gi: int,
    g: int,
    counts: tuple[NDArray[np.int64], NDArray[np.int64]],
    noisy: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    scales: dict[str, Any],
    mesh_floor: int,
    eps: float,
) -> AverageFoot:
    """One released size class: means from the noisy sums, noise sd of each part; the shape
    only when the class' noisy count reaches ``mesh_floor``."""
    coeffs, lens, widths = noisy
    n_fit, n_measures = int(counts[0][gi]), int(counts[1][gi])
    n = n_fit + n_measures
    half = LENGTH_BIN_TENTH_MM // 2
    noise = math.sqrt(2.0) * scales["coeff"] / 1e4 / n
    shape: dict[str, Any] = {}
    if n >= mesh_floor:
        mesh_sd = mesh_noise_sd_mm(noise)
        mean = _centres_sd(g) + coeffs[gi] / 1e4 / n
        shape = {
            "coeffs_sd": tuple(round(float(c), 4) for c in mean),
            "coeff_noise_sd": round(float(noise.max()), 5),
            "coeff_noise_sd_each": tuple(round(float(v), 5) for v in noise),
            "mesh_length_noise_sd_mm": round(mesh_sd["foot_length_mm"], 3),
            "mesh_ball_width_noise_sd_mm": round(mesh_sd["ball_width_mm"], 3),
        }
    else:
        shape = {"coeffs_sd": None, "coeff_noise_sd": None,
                 "mesh_withheld": _mesh_withheld(float(noise.max()), mesh_floor, eps)}  # fmt: skip
    return AverageFoot(
        length_bin=length_bin_label(g), people=n,
        mean_length_mm=round((g * LENGTH_BIN_TENTH_MM + half + lens[gi] / n) / 10.0, 2),
        mean_ball_width_mm=round((WIDTH_CENTRE_TENTH_MM + widths[gi] / n) / 10.0, 2),
        length_noise_sd_mm=round(math.sqrt(2.0) * scales["length"] / n / 10.0, 3),
        width_noise_sd_mm=round(math.sqrt(2.0) * scales["width"] / n / 10.0, 3),
        people_fitted=n_fit,
        coefficients_from=_source_note(n_fit, n_measures, math.sqrt(2.0) * scales["count"]),
        **shape,
    )  # fmt: skip


def release_average_feet(
    engine: Engine,
    epsilon: float,
    *,
    filters: Mapping[str, str] | None = None,
    min_people: int = MIN_PEOPLE,
) -> AverageFootRelease:
    """DP mean foot-model shape coefficients, length and ball width per 5 mm size class.

    Parameters
    ----------
    engine : Engine
    epsilon : float
        Total privacy loss (a person is in one class): ``COUNT_SHARE`` for the counts,
        ``FIT_SHARE`` more for counting them by the coefficients' source, ``LENGTH_SHARE`` and
        ``WIDTH_SHARE`` for the mean length and width, the rest for the coefficient sums.
    filters : mapping, optional
        ``sex`` / ``age_band`` / ``region``.
    min_people : int
        Floor on the noisy count of a class (raised to :func:`count_floor`'s margin) for
        its mean length and width; its shape (coefficients, mesh) needs the noisy count to
        reach :func:`average_foot_floor` as well.
    """
    eps = _check_epsilon(epsilon)
    flt = _check_filters(filters)
    min_people = _check_min_people(min_people)
    eps_count, eps_len, eps_w, eps_sum = _average_foot_epsilons(eps)
    sums = _shape_sums(engine, flt)
    nb = len(_BIN_INDICES)
    # people per (bin, source): each person in one cell, one OpenDP count vector
    by_source = np.concatenate([sums[:, 1], sums[:, 0] - sums[:, 1]])
    noisy, count_scale = dp.noisy_count_vector(by_source, eps_count)
    counts = (noisy[:nb], noisy[nb:])
    coeffs, lens, widths, scales = _noisy_shape_sums(sums, eps_sum, eps_len, eps_w)
    scales["count"] = count_scale
    floor = count_floor(min_people, count_scale, n_terms=2)
    # the formula's floor, and the one from OpenDP's own scales (equal; the larger is safe)
    from_scales = math.sqrt(2.0) * float(scales["coeff"].max()) / 1e4 / MAX_COEFF_NOISE_SD
    mesh_floor = max(floor, average_foot_floor(eps), int(math.ceil(from_scales - 1e-9)))
    feet = []
    for gi, g in enumerate(_BIN_INDICES):
        if int(counts[0][gi]) + int(counts[1][gi]) < floor:
            feet.append(AverageFoot(length_bin_label(g), None, None, None, withheld=_TOO_FEW))
            continue
        feet.append(_foot(gi, g, counts, (coeffs, lens, widths), scales, mesh_floor, eps))
    return AverageFootRelease(
        epsilon=eps,
        count_noise_scale=count_scale,
        sum_noise_scale_sd=float(scales["coeff"].max()) / 1e4,
        clamp_sd=max(SHAPE_BOUNDS_SD_E4) / 1e4,
        filters=flt,
        min_people=floor,
        feet=tuple(feet),
        mode_names=mode_names(),
        clamp_sd_each=tuple(b / 1e4 for b in SHAPE_BOUNDS_SD_E4),
        mesh_min_people=mesh_floor,
        max_coeff_noise_sd=MAX_COEFF_NOISE_SD,
    )
