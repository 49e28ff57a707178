"""The two floors of the shape releases (issue 14's weak points):

* an empty length bin must not release a made-up quantile: its quantile scores are all zero
  (every candidate fits "no one" perfectly), so a bin whose noisy count slips over the floor
  would release a uniform random pick; the floor now covers the count noise's tail;
* a size class too small for its coefficient noise gets no average-foot mesh (the shape
  floor, from epsilon, the clamping bounds and the split over 38 coefficients), with a reason.

The expected floors are computed here by hand from the method's stated parameters (shares of
epsilon, bounds, Laplace tails), not read from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc
import pytest

from storefront.domain_errors import DomainError
from storefront.makers import engine as E
from storefront.makers import shape_stats as S


@pytest.fixture(scope="module")
def one_bin_table(city_20k):
    """The 20k city's people with 250-255 mm feet only: every other bin is empty."""
    table = city_20k.to_arrow()
    fl = pc.field("foot_length_tenth_mm")
    return table.filter((fl >= 2500) & (fl < 2550))


def test_empty_bins_release_no_quantile(one_bin_table) -> None:
    """A median-only release (the rank-error floor is then only ~19 people, under the count
    noise's reach): over 20 releases at two epsilons, no empty bin ever releases a median,
    and the one populated bin does."""
    eng = E.DuckDBEngine(one_bin_table)
    assert one_bin_table.num_rows > 1_000
    made_up, floors = [], []
    for eps in (1.0, 0.5):
        count_scale = 1.0 / (0.1 * eps)  # 10 % of epsilon on a count of sensitivity 1
        for _ in range(10):
            rel = S.release_quantiles(eng, "ball_girth", eps, alphas=(0.5,), min_people=20)
            # P(an empty bin's noisy count >= floor) <= exp(-floor / scale) <= 1e-9
            floors.append(rel.min_people >= count_scale * math.log(1e9))
            for b in rel.bins:
                if b.length_bin == "250-255":
                    assert b.quantiles_mm is not None  # ~2,000 people: always released
                elif b.quantiles_mm is not None:
                    made_up.append((eps, b.length_bin, b.quantiles_mm["p50"]))
                else:
                    assert b.people is None and b.withheld and b.alpha_halfwidth is None
    # before the tail floor: ~45 empty bins x 20 releases x ~7 % = dozens of made-up medians
    assert made_up == []
    assert all(floors)


def test_empty_classes_release_no_average_foot(one_bin_table) -> None:
    """The same for the average-foot counts (two noisy counts per class, fitted or not)."""
    eng = E.DuckDBEngine(one_bin_table)
    for _ in range(10):
        rel = S.release_average_feet(eng, 1.0, min_people=20)
        shown = [f.length_bin for f in rel.feet if f.people is not None]
        assert shown == ["250-255"], shown


def _class_of(table, n: int):
    """An engine over the first ``n`` people of the table (all in one 5 mm class)."""
    return E.DuckDBEngine(table.slice(0, n))


@pytest.mark.parametrize("eps", [1.0, 0.5])
def test_average_foot_shape_floor(one_bin_table, eps) -> None:
    """The shape floor by hand: the coefficient sums get 70 % of epsilon, split over 38
    coefficients; the largest bound is 2.5 prior sd, so the Laplace scale of one sum is
    38 * 2.5 / (0.7 eps) and the noise sd of a mean over n people sqrt(2) times that over n;
    it reaches 0.25 sd at n = 768 (eps 1) or 1,536 (eps 0.5). Above the floor (+80 people,
    8 count-noise sd) the mesh is released with noise <= 0.25 sd; below it (-80) the class
    shows its noisy people, mean length and width, and why it has no shape."""
    floor = math.ceil(math.sqrt(2.0) * 38 * 2.5 / (0.7 * eps * 0.25))
    assert floor == {1.0: 768, 0.5: 1536}[eps]
    assert S.average_foot_floor(eps) == floor
    assert one_bin_table.num_rows >= floor + 80
    rel = S.release_average_feet(_class_of(one_bin_table, floor + 80), eps)
    assert rel.mesh_min_people == floor and rel.max_coeff_noise_sd == 0.25
    foot = rel.foot("250-255")
    assert foot.coeffs_sd is not None and foot.mesh_withheld is None
    assert 0.2 < foot.coeff_noise_sd <= 0.25
    assert max(foot.coeff_noise_sd_each) == foot.coeff_noise_sd

    rel = S.release_average_feet(_class_of(one_bin_table, floor - 80), eps)
    foot = rel.foot("250-255")
    assert foot.coeffs_sd is None and foot.coeff_noise_sd is None
    assert foot.coeff_noise_sd_each is None and foot.mesh_length_noise_sd_mm is None
    assert foot.people is not None and foot.withheld is None
    assert 250.0 <= foot.mean_length_mm <= 255.0 and foot.mean_ball_width_mm > 80
    assert f"at least {floor} people" in foot.mesh_withheld
    assert "may not be a foot" in foot.mesh_withheld
    d = rel.to_dict()
    assert d["mesh_min_people"] == floor
    assert d["feet"][30]["mesh_withheld"] == foot.mesh_withheld  # 250-255 is bin 30


def test_shape_floor_refuses_bad_epsilon() -> None:
    with pytest.raises(DomainError, match="epsilon"):
        S.average_foot_floor(0.0)


def test_stated_coefficient_noise_matches_the_floor_formula(one_bin_table) -> None:
    """The noise the release states for a class of n people is the formula's
    sqrt(2) 38 b / (0.7 eps n) for each bound b (2.5 sd, and 0.75 sd for scale_x)."""
    rel = S.release_average_feet(_class_of(one_bin_table, 2_000), 1.0)
    foot = rel.foot("250-255")
    n = foot.people
    want = np.full(38, math.sqrt(2.0) * 38 * 2.5 / (0.7 * n))
    want[16] = math.sqrt(2.0) * 38 * 0.75 / (0.7 * n)
    assert np.allclose(foot.coeff_noise_sd_each, want, rtol=1e-3, atol=1e-5)
