"""OpenDP measurements used by the maker statistics (built once per shape and epsilon, cached).

Nothing here draws noise itself: every noisy value comes from an OpenDP measurement, with the
sensitivity read off OpenDP's own stability map of the matching transformation. Importing
OpenDP and building the first measurements costs about a second and a half; :func:`warm_up`
does it ahead of the first release (the web app calls it in a background thread at start-up).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storefront.domain_errors import DomainError

__all__ = [
    "count_vector_measurement",
    "sum_vector_measurement",
    "score_weights",
    "quantile_measurement",
    "quantile_scores",
    "noisy_group_counts",
    "noisy_count_vector",
    "warm_up",
    "warm_up_in_background",
]


@lru_cache(maxsize=1)
def _dp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


@lru_cache(maxsize=64)
def count_vector_measurement(n_groups: int, epsilon: float) -> tuple[Any, float]:
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
def sum_vector_measurement(
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
def score_weights(alpha: float) -> tuple[int, int]:
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


@lru_cache(maxsize=64)
def _score_transformation(n_candidates: int, alpha: float) -> Any:
    dp = _dp()
    return dp.t.make_quantile_score_candidates(
        dp.vector_domain(dp.atom_domain(T=float, nan=False)),
        dp.symmetric_distance(),
        [j + 0.05 for j in range(n_candidates)],
        alpha,
    )


@lru_cache(maxsize=256)
def quantile_measurement(n_candidates: int, alpha: float, epsilon: float) -> tuple[Any, float]:
    """OpenDP's noisy max (Gumbel, i.e. the exponential mechanism) over quantile scores, with
    the scale that makes ``make_quantile_score_candidates >> noisy_max`` ``epsilon``-DP."""
    dp = _dp()
    t = _score_transformation(n_candidates, alpha)
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
    w_lt, w_gt = score_weights(float(alpha))
    return np.abs(lt * w_lt - gt * w_gt)


def noisy_group_counts(
    counts: Mapping[Any, int], groups: Sequence[Any], epsilon: float
) -> tuple[NDArray[np.int64], float]:
    """Noisy counts of every public group (absent groups count 0, and are noised too), in one
    OpenDP call over the whole vector; clamped at 0."""
    meas, scale = count_vector_measurement(len(groups), epsilon)
    true = np.asarray([int(counts.get(g, 0)) for g in groups], dtype=np.int64)
    return np.maximum(np.asarray(meas(true), dtype=np.int64), 0), scale


def noisy_count_vector(
    counts: NDArray[np.int64], epsilon: float
) -> tuple[NDArray[np.int64], float]:
    """:func:`noisy_group_counts` for a vector of counts of every public group, in order."""
    meas, scale = count_vector_measurement(int(counts.size), epsilon)
    out = np.asarray(meas(np.ascontiguousarray(counts, dtype=np.int64)), dtype=np.int64)
    return np.maximum(out, 0), scale


def warm_up(epsilons: Sequence[float] = (0.25, 1.0)) -> None:
    """Import OpenDP and build the measurements of the default releases (cached); load the
    foot model's basis (the average-foot release names its modes)."""
    from storefront.makers.foot_model import mode_names
    from storefront.makers.schema import MEASURES

    mode_names()
    for eps in epsilons:
        for spec in MEASURES.values():
            for a in (0.05, 0.25, 0.5, 0.75, 0.95):
                score_weights(a)
                quantile_measurement(spec.n_candidates, a, 0.18 * eps)
        count_vector_measurement(46, 0.1 * eps)


_WARM_LOCK = threading.Lock()
_WARM_STARTED = False


def warm_up_in_background() -> None:
    """Start :func:`warm_up` once per process in a daemon thread (returns at once)."""
    global _WARM_STARTED
    with _WARM_LOCK:
        if _WARM_STARTED:
            return
        _WARM_STARTED = True
    threading.Thread(target=warm_up, name="opendp-warm-up", daemon=True).start()
