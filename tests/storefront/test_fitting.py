"""Fit verdicts and best sizes against the documented rules (storefront §1.2)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from storefront.catalog import load_catalog
from storefront.catalog.grading import PARIS_POINT_MM
from storefront.catalog.models import Catalog, ShoeModel
from storefront.domain_errors import CatalogError
from storefront.fit.profiles import FootProfile
from storefront.fit.rules import LENGTH_VERDICTS, WIDTH_VERDICTS, fit_model


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _neutral_adult_models(catalog: Catalog) -> list[ShoeModel]:
    return [m for m in catalog.models if m.brand_offset_mm == 0.0 and m.category != "kids"]


def test_265_mm_average_foot_gets_eu_42_to_43_in_the_neutral_brand(catalog: Catalog) -> None:
    foot = FootProfile.average(265.0)
    models = _neutral_adult_models(catalog)
    assert len(models) >= 5
    for m in models:
        r = fit_model(foot, m)
        assert 42.0 <= r.best_size <= 43.0, (m.id, r.best_size)
        assert r.best.length_verdict == "good"
        assert r.best.width_verdict in ("snug", "good", "roomy")


@pytest.mark.parametrize("offset_mm", [-PARIS_POINT_MM, -3.3, 2.0, PARIS_POINT_MM])
def test_brand_offset_moves_the_size_as_configured(catalog: Catalog, offset_mm: float) -> None:
    foot = FootProfile.average(265.0)
    m = next(m for m in _neutral_adult_models(catalog) if m.category == "running")
    base = fit_model(foot, m, brand_offset_mm=0.0)
    moved = fit_model(foot, m, brand_offset_mm=offset_mm)
    # Expected: the smallest size whose (offset) last leaves the advised toe room.
    need = foot.foot_length_mm + m.toe_allowance_mm - offset_mm
    expect = min(s.eu for s in m.sizes if s.last_length_mm >= need - 1e-9)
    assert moved.best_size == expect
    if offset_mm < 0:  # the brand runs short: go up
        assert moved.best_size > base.best_size
    elif offset_mm >= PARIS_POINT_MM:
        assert moved.best_size < base.best_size


def test_catalog_brand_offset_is_the_default(catalog: Catalog) -> None:
    foot = FootProfile.average(265.0)
    short = next(s for s in catalog.shops if s.size_offset_mm <= -3.0)
    m = catalog.models_of(short.id)[0]
    assert fit_model(foot, m).best_size == fit_model(foot, m, short.size_offset_mm).best_size
    assert fit_model(foot, m).best_size > fit_model(foot, m, 0.0).best_size


def test_best_size_follows_the_rule_for_synthetic_feet_across_every_shop(
    catalog: Catalog,
) -> None:
    rng = np.random.default_rng(3)
    for shop in catalog.shops:
        for m in catalog.models_of(shop.id):
            lo = min(s.last_length_mm for s in m.sizes) - m.toe_allowance_mm
            hi = max(s.last_length_mm for s in m.sizes) - m.toe_allowance_mm - 5
            for fl in rng.uniform(lo, hi, size=3):
                foot = FootProfile.average(float(fl))
                r = fit_model(foot, m)
                eff = {s.eu: s.last_length_mm + shop.size_offset_mm for s in m.sizes}
                expect = min(eu for eu, ll in eff.items() if ll - fl >= m.toe_allowance_mm)
                assert r.best_size == expect
                assert r.best.length_verdict == "good"
                # One size smaller leaves less toe room than advised.
                smaller = [s for s in r.sizes if s.eu < r.best_size]
                if smaller:
                    assert smaller[-1].toe_room_mm < m.toe_allowance_mm
                    assert smaller[-1].length_verdict in ("snug", "too short")


def test_verdict_vocabulary_and_reasons(catalog: Catalog) -> None:
    foot = FootProfile.average(268.0)
    m = next(m for m in _neutral_adult_models(catalog) if m.category == "running")
    r = fit_model(foot, m)
    verdicts = [s.length_verdict for s in r.sizes]
    assert set(verdicts) <= set(LENGTH_VERDICTS)
    assert verdicts[0] == "too short" and verdicts[-1] == "too long"
    # Monotone in size: shorter sizes never get a "longer" verdict.
    codes = [LENGTH_VERDICTS.index(v) for v in verdicts]
    assert codes == sorted(codes)
    assert {s.width_verdict for s in r.sizes} <= set(WIDTH_VERDICTS)
    smaller = [s for s in r.sizes if s.eu < r.best_size][-1]
    short_by = m.toe_allowance_mm - smaller.toe_room_mm
    assert f"{short_by:.0f} mm less toe room than we advise for running" in smaller.reasons
    d = r.to_dict()
    assert d["best_size"] == r.best_size and len(d["sizes"]) == len(m.sizes)
    assert 0.0 <= r.confidence <= 1.0 and r.rule_version


def test_never_size_up_for_width_offer_a_wider_fitting(catalog: Catalog) -> None:
    m = next(m for m in catalog.models if len(m.widths) >= 3)
    fl = 265.0
    slim = fit_model(FootProfile.average(fl), m)
    wide = fit_model(FootProfile.average(fl, girth_offset_mm=+14.0), m)
    assert wide.best_size == slim.best_size  # same length
    assert m.widths.index(wide.best_width) > m.widths.index(slim.best_width)
    assert wide.best.width_verdict in ("snug", "good", "roomy")
    # A model made in one width only: a very wide foot is told so, size unchanged.
    one = next(m for m in catalog.models if len(m.widths) == 1 and m.category == "dress")
    r0 = fit_model(FootProfile.average(fl), one)
    r = fit_model(FootProfile.average(fl, girth_offset_mm=+25.0), one)
    assert r.best_size == r0.best_size
    assert r.best.width_verdict == "too narrow"
    assert any("never size up in length for width" in s for s in r.reasons)


def test_missing_girth_lowers_confidence_and_uses_width(catalog: Catalog) -> None:
    m = catalog.models[0]
    full = FootProfile.average(265.0)
    only_len = FootProfile(foot_length_mm=265.0)
    r = fit_model(only_len, m)
    assert r.best_size == fit_model(full, m).best_size
    assert r.best.width_verdict == "unknown" and r.confidence < fit_model(full, m).confidence
    width_only = dataclasses.replace(full, ball_girth_mm=None)
    assert fit_model(width_only, m).best.width_verdict != "unknown"


def test_learned_offset_and_dict_models(catalog: Catalog) -> None:
    foot = FootProfile.average(265.0)
    m = catalog.models[0]
    runs_short = fit_model(foot, m, learned_offset_mm=-PARIS_POINT_MM)
    assert runs_short.best_size > fit_model(foot, m).best_size
    assert any("feedback" in s for s in runs_short.reasons)
    assert fit_model(foot, m.to_dict(), brand_offset_mm=m.brand_offset_mm).best_size == (
        fit_model(foot, m).best_size
    )
    with pytest.raises(CatalogError):
        fit_model(foot, {"id": "x"})
    with pytest.raises(TypeError):
        fit_model({"foot_length_mm": 265}, m)  # type: ignore[arg-type]


def test_too_long_foot_gets_the_largest_size_and_says_so(catalog: Catalog) -> None:
    kids = next(m for m in catalog.models if m.category == "kids")
    r = fit_model(FootProfile.average(300.0), kids)
    assert r.best_size == max(s.eu for s in kids.sizes)
    assert r.best.length_verdict == "too short" and r.confidence < 0.5
    assert any("too short" in s for s in r.reasons)
