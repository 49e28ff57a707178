"""The synthetic city: ANSUR II's published statistics reproduced, reproducible, refused input."""

from __future__ import annotations

import numpy as np
import pytest

from storefront.domain_errors import DomainError
from storefront.makers import population


def test_matches_ansur_published_statistics(ansur_folder):
    city = population.synthetic_city(60_000, seed=5, ansur_folder=ansur_folder)
    m = city.measurements_mm
    # shared/data README, ANSUR II table: mean +- sd; r with foot length
    for sex, fl_mean, fl_sd, bg_mean, r_bg in (("male", 271.2, 13.1, 252.0, 0.60),
                                               ("female", 246.3, 12.4, 228.1, 0.61)):  # fmt: skip
        sel = city.sex == sex
        assert m["foot_length"][sel].mean() == pytest.approx(fl_mean, abs=0.4)
        assert m["foot_length"][sel].std() == pytest.approx(fl_sd, rel=0.05)
        assert m["ball_girth"][sel].mean() == pytest.approx(bg_mean, abs=0.4)
        r = np.corrcoef(m["foot_length"][sel], m["ball_girth"][sel])[0, 1]
        assert r == pytest.approx(r_bg, abs=0.03)
    assert 0.005 < np.mean(city.sex == "other") < 0.015
    assert set(np.unique(city.age_band)) <= {"18-29", "30-44", "45-59", "60-74", "75+"}


def test_reproducible_and_marked_synthetic(ansur_folder):
    a = population.synthetic_city(500, seed=1, ansur_folder=ansur_folder)
    b = population.synthetic_city(500, seed=1, ansur_folder=ansur_folder)
    assert np.array_equal(a.measurements_mm["ball_width"], b.measurements_mm["ball_width"])
    cols = a.columns()
    assert cols["person_id"].max() < 0 and len(set(cols["person_id"].tolist())) == 500
    assert a.to_arrow().num_rows == 500
    with pytest.raises(DomainError, match="negative"):
        a.columns(first_person_id=1)


@pytest.mark.parametrize("n", [0, -5, 2.5, True, 10**9])
def test_bad_size_refused(n, ansur_folder):
    with pytest.raises(DomainError, match="n must be"):
        population.synthetic_city(n, ansur_folder=ansur_folder)


def test_missing_survey_is_a_clear_error(tmp_path):
    with pytest.raises(DomainError, match="ANSUR II file missing"):
        population.synthetic_city(10, ansur_folder=tmp_path)
