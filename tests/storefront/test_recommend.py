"""Recommendation: fit + gait rules + preferences + learned offsets."""

from __future__ import annotations

import numpy as np
import pytest

from storefront.catalog import load_catalog
from storefront.catalog.build import generate_catalog
from storefront.catalog.grading import PARIS_POINT_MM
from storefront.catalog.models import Catalog
from storefront.domain_errors import DomainError
from storefront.fit.profiles import FootProfile, GaitProfile
from storefront.fit.recommend import build_index, colour_family, gait_scores, recommend
from storefront.fit.rules import fit_model


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def foot() -> FootProfile:
    return FootProfile.average(265.0, age_years=45)


def _mean(recs, attr):
    return float(np.mean([attr(r) for r in recs]))


def _traits(catalog, recs, name):
    return [getattr(catalog.model(r.model_id).traits, name) for r in recs]


def test_sizes_agree_with_fit_model_and_gait_never_changes_size(catalog, foot) -> None:
    gaits = [
        None,
        GaitProfile(ml_tendency="medial", heel_impact="hard"),
        GaitProfile(activity_s={"running": 900.0}),
        GaitProfile(stride_cv_pct=7.0, cadence_spm=90.0, age_years=80),
    ]
    sizes = []
    for g in gaits:
        recs = recommend(foot, g, catalog, top_n=len(catalog.models))
        assert len(recs) == len(catalog.models)
        for r in recs:
            assert r.best_size == fit_model(foot, catalog.model(r.model_id)).best_size
        sizes.append({r.model_id: (r.best_size, r.best_width) for r in recs})
    assert all(s == sizes[0] for s in sizes)


def test_medial_loading_prefers_stability(catalog, foot) -> None:
    base = recommend(foot, GaitProfile(ml_tendency="neutral"), catalog, top_n=8)
    medial = recommend(foot, GaitProfile(ml_tendency="medial"), catalog, top_n=8)
    assert (
        np.mean(_traits(catalog, medial, "stability"))
        > np.mean(_traits(catalog, base, "stability")) + 0.1
    )
    assert any("medial" in s for s in medial[0].reasons)


def test_hard_heel_strike_prefers_cushioning(catalog, foot) -> None:
    base = recommend(foot, GaitProfile(heel_impact="normal"), catalog, top_n=8)
    hard = recommend(foot, GaitProfile(heel_impact="hard"), catalog, top_n=8)
    assert (
        np.mean(_traits(catalog, hard, "cushioning"))
        > np.mean(_traits(catalog, base, "cushioning")) + 0.1
    )


def test_running_activity_prefers_running_shoes(catalog, foot) -> None:
    walk = GaitProfile(activity_s={"walking": 1000.0})
    run = GaitProfile(activity_s={"walking": 300.0, "running": 700.0})
    n_run = sum(r.category == "running" for r in recommend(foot, run, catalog, top_n=8))
    n_walk = sum(r.category == "running" for r in recommend(foot, walk, catalog, top_n=8))
    assert n_run >= 6 and n_run > n_walk


def test_unsteady_older_wearer_gets_stable_low_drop_wide_comfort_shoes(catalog) -> None:
    foot = FootProfile.average(255.0, age_years=79)
    steady = GaitProfile(stride_cv_pct=2.0, cadence_spm=112.0, age_years=79)
    unsteady = GaitProfile(stride_cv_pct=6.5, cadence_spm=92.0, age_years=79)
    young_unsteady = GaitProfile(stride_cv_pct=6.5, cadence_spm=92.0, age_years=30)
    a = recommend(foot, unsteady, catalog, top_n=6)
    b = recommend(foot, steady, catalog, top_n=6)
    assert sum(r.category == "comfort" for r in a) >= 4
    assert np.mean(_traits(catalog, a, "drop_mm")) < np.mean(_traits(catalog, b, "drop_mm"))
    assert all(catalog.model(r.model_id).traits.toe_box == "wide" for r in a[:3])
    # The rule is for older wearers only.
    c = recommend(FootProfile.average(255.0), young_unsteady, catalog, top_n=6)
    assert [r.model_id for r in c] == [
        r.model_id for r in recommend(FootProfile.average(255.0), None, catalog, top_n=6)
    ]


def test_preferences_filter_and_boost(catalog, foot) -> None:
    recs = recommend(
        foot, None, catalog, {"category": "trail", "max_budget_krw": 225_000}, top_n=20
    )
    assert recs and all(r.category == "trail" and r.price_krw <= 225_000 for r in recs)
    assert recommend(foot, None, catalog, {"max_budget_krw": 1}) == []
    blue = recommend(foot, None, catalog, {"colour": "blue"}, top_n=5)
    for r in blue:
        cw = next(c for c in catalog.model(r.model_id).colourways if c.id == r.colourway_id)
        assert colour_family(cw.upper_hex) == "blue"
    for bad in ({"category": "sandals"}, {"max_budget_krw": -5}, {"colour": "plaid"}, {"x": 1}):
        with pytest.raises(DomainError):
            recommend(foot, None, catalog, bad)
    with pytest.raises(DomainError):
        recommend(foot, None, catalog, top_n=0)


def test_learned_offsets_move_sizes(catalog, foot) -> None:
    m = next(m for m in catalog.models if m.category == "running")
    base = {r.model_id: r.best_size for r in recommend(foot, None, catalog, top_n=46)}
    recs = recommend(
        foot, None, catalog, offsets=({m.id: -PARIS_POINT_MM}, {}), top_n=len(catalog.models)
    )
    moved = {r.model_id: r.best_size for r in recs}
    assert moved[m.id] > base[m.id]
    assert all(moved[k] == base[k] for k in base if k != m.id)
    shop = m.shop_id
    recs = recommend(foot, None, catalog, offsets={"model": {}, "brand": {shop: -PARIS_POINT_MM}},
                     top_n=len(catalog.models))  # fmt: skip
    for r in recs:
        if r.shop_id == shop:
            assert r.best_size > base[r.model_id]


def test_big_generated_catalog_is_consistent_with_fit_model() -> None:
    from storefront.catalog.models import Catalog as C

    cat = C.from_dict(generate_catalog(5, n_models=120))
    idx = build_index(cat)
    assert build_index(cat) is idx and len(idx.models) == 120
    score, fired = gait_scores(idx, GaitProfile(ml_tendency="medial"))
    assert score.shape == (120,) and fired
    rng = np.random.default_rng(0)
    for fl in rng.uniform(180, 300, size=4):
        foot = FootProfile.average(float(fl), girth_offset_mm=float(rng.uniform(-8, 8)))
        for r in recommend(foot, None, cat, top_n=15):
            fr = fit_model(foot, cat.model(r.model_id))
            assert (r.best_size, r.best_width) == (fr.best_size, fr.best_width)
