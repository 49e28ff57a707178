"""Rank the catalog for one shopper: fit (foot) + gait + preferences (+ learned offsets).

* **Fit** uses the same vectorised rule kernels as :func:`storefront.fit.rules.fit_model` over all
  sizes of all models at once (arrays precomputed per catalog by :func:`build_index`).
* **Gait** chooses the kind of shoe, never the size:

  - medial loading tendency -> stability; lateral -> neutral, cushioned;
  - hard heel strike -> cushioning;
  - running in the activity log -> running (and trail) shoes;
  - older wearers (>= 65 y) with high stride-time variability (CV > 4 %) or low cadence
    (< 100 steps/min) -> stable, low-drop, wide-toe-box comfort shoes.

* **Preferences**: ``category`` and ``max_budget_krw`` filter; ``colour`` (a basic colour name or
  ``#rrggbb``) boosts models that come in it.

``score = 0.6 * fit_score + 0.4 * gait_score (+ 8 for the colour)``, where the ranking takes 10 off
``fit_score`` when the best size is out of stock; the ``fit_score`` returned is the fit engine's own
(the same number as ``GET /api/fit``'s ``score``). Weights and thresholds are documented in
docs/fit-and-recommendation.md.
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from storefront.catalog.models import CATEGORIES, Catalog, ShoeModel
from storefront.domain_errors import DomainError
from storefront.fit.profiles import FootProfile, GaitProfile
from storefront.fit.rules import (
    fit_best,
    girth_kernel,
    heel_kernel,
    length_kernel,
    tight_tolerance_mm,
)

__all__ = [
    "COLOUR_FAMILIES",
    "FIT_WEIGHT",
    "GAIT_WEIGHT",
    "Recommendation",
    "RecommendIndex",
    "build_index",
    "colour_family",
    "gait_scores",
    "recommend",
]

FIT_WEIGHT = 0.6
GAIT_WEIGHT = 0.4
_COLOUR_BONUS = 8.0
_OUT_OF_STOCK_PENALTY = 10.0
OLDER_AGE_YEARS = 65.0
HIGH_STRIDE_CV_PCT = 4.0
LOW_CADENCE_SPM = 100.0
RUNNING_SHARE = 0.10

COLOUR_FAMILIES: tuple[str, ...] = (
    "black", "white", "grey", "red", "orange", "yellow", "green", "blue", "purple", "pink",
    "brown",
)  # fmt: skip
_TOE_BOX = {"narrow": 0, "standard": 1, "wide": 2}


def colour_family(hex_colour: str) -> str:
    """Basic colour family of ``#rrggbb`` (for matching a shopper's colour preference)."""
    h = hex_colour.lstrip("#")
    if len(h) != 6:
        raise DomainError(f"colour {hex_colour!r} is not #rrggbb")
    try:
        r, g, b = (int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    except ValueError:
        raise DomainError(f"colour {hex_colour!r} is not #rrggbb") from None
    hue, light, sat = colorsys.rgb_to_hls(r, g, b)
    if light < 0.15:
        return "black"
    if light > 0.88:
        return "white"
    if sat < 0.18 or (sat < 0.3 and 0.2 < light < 0.8 and abs(r - g) < 0.08 and abs(g - b) < 0.1):
        return "grey"
    deg = hue * 360.0
    if (deg < 15 or deg >= 345) and light > 0.65:
        return "pink"
    if deg < 15 or deg >= 345:
        return "red"
    if deg < 45:
        return "brown" if light < 0.45 or sat < 0.45 else "orange"
    if deg < 70:
        return "yellow"
    if deg < 165:
        return "green"
    if deg < 255:
        return "blue"
    if deg < 300:
        return "purple"
    return "pink"


@dataclass(frozen=True)
class Recommendation:
    """One ranked model for a shopper."""

    model_id: str
    shop_id: str
    name: str
    category: str
    price_krw: int
    best_size: float
    best_width: str
    fit_score: float
    gait_score: float
    score: float
    confidence: float
    colourway_id: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The recommendation as the API shows it (scores 0-1, price in whole won, reasons)."""
        return {
            "model_id": self.model_id,
            "shop_id": self.shop_id,
            "name": self.name,
            "category": self.category,
            "price_krw": self.price_krw,
            "best_size": self.best_size,
            "best_width": self.best_width,
            "fit_score": round(self.fit_score, 1),
            "gait_score": round(self.gait_score, 1),
            "score": round(self.score, 1),
            "confidence": self.confidence,
            "colourway_id": self.colourway_id,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class RecommendIndex:
    """Column arrays of a catalog: one row per model (``m_*``) and per size (``s_*``).

    Size rows are grouped by model and sorted by EU size inside a group; ``s_start[i]`` is the
    first size row of model ``i``.
    """

    models: tuple[ShoeModel, ...]
    model_ids: tuple[str, ...]
    shop_ids: tuple[str, ...]
    m_category: np.ndarray  # (m,) int, index into CATEGORIES
    m_price: np.ndarray  # (m,) float, KRW (won)
    m_stability: np.ndarray
    m_cushioning: np.ndarray
    m_drop_mm: np.ndarray
    m_toe_box: np.ndarray  # 0 narrow, 1 standard, 2 wide
    m_advised_mm: np.ndarray
    m_tight_tol_mm: np.ndarray
    m_brand_offset_mm: np.ndarray
    m_colours: np.ndarray  # (m, len(COLOUR_FAMILIES)) bool
    s_model: np.ndarray  # (s,) int
    s_eu: np.ndarray
    s_last_length_mm: np.ndarray
    s_ball_girth_mm: np.ndarray
    s_ball_width_mm: np.ndarray
    s_heel_width_mm: np.ndarray
    s_stock: np.ndarray  # (s,) int, all colourways
    s_start: np.ndarray  # (m,) int


def build_index(catalog: Catalog | tuple[ShoeModel, ...]) -> RecommendIndex:
    """Precompute the arrays :func:`recommend` works on (cached on the catalog)."""
    cached = getattr(catalog, "_recommend_index", None)
    if isinstance(cached, RecommendIndex):
        return cached
    models = tuple(catalog.models if isinstance(catalog, Catalog) else catalog)
    if not models:
        raise DomainError("the catalog has no models")
    cat_ix = {c: i for i, c in enumerate(CATEGORIES)}
    fam_ix = {f: i for i, f in enumerate(COLOUR_FAMILIES)}
    colours = np.zeros((len(models), len(COLOUR_FAMILIES)), dtype=bool)
    rows: list[tuple[int, float, float, float, float, float, int]] = []
    starts = []
    for i, m in enumerate(models):
        for cw in m.colourways:
            colours[i, fam_ix[colour_family(cw.upper_hex)]] = True
        starts.append(len(rows))
        for s in sorted(m.sizes, key=lambda s: (s.eu, s.ball_girth_mm)):
            rows.append(
                (i, s.eu, s.last_length_mm, s.ball_girth_mm, s.ball_width_mm, s.heel_width_mm,
                 sum(s.stock.values()))
            )  # fmt: skip
    arr = np.array(rows, dtype=np.float64)
    idx = RecommendIndex(
        models=models,
        model_ids=tuple(m.id for m in models),
        shop_ids=tuple(m.shop_id for m in models),
        m_category=np.array([cat_ix[m.category] for m in models]),
        m_price=np.array([m.price_krw for m in models]),
        m_stability=np.array([m.traits.stability for m in models]),
        m_cushioning=np.array([m.traits.cushioning for m in models]),
        m_drop_mm=np.array([m.traits.drop_mm for m in models]),
        m_toe_box=np.array([_TOE_BOX[m.traits.toe_box] for m in models]),
        m_advised_mm=np.array([m.toe_allowance_mm for m in models]),
        m_tight_tol_mm=np.array([tight_tolerance_mm(m.category, m.traits.upper) for m in models]),
        m_brand_offset_mm=np.array([m.brand_offset_mm for m in models]),
        m_colours=colours,
        s_model=arr[:, 0].astype(np.int64),
        s_eu=arr[:, 1],
        s_last_length_mm=arr[:, 2],
        s_ball_girth_mm=arr[:, 3],
        s_ball_width_mm=arr[:, 4],
        s_heel_width_mm=arr[:, 5],
        s_stock=arr[:, 6].astype(np.int64),
        s_start=np.array(starts, dtype=np.int64),
    )
    if isinstance(catalog, Catalog):
        object.__setattr__(catalog, "_recommend_index", idx)
    return idx


def _split_offsets(offsets: Any) -> tuple[Mapping[str, float], Mapping[str, float]]:
    """Accept ``(model_offsets, shop_offsets)``, ``{"model": .., "brand"|"shop": ..}``, a plain
    ``{model_id: mm}`` or a fitted learner."""
    if offsets is None:
        return {}, {}
    if hasattr(offsets, "offsets_mm"):
        offsets = offsets.offsets_mm()
    if isinstance(offsets, tuple | list) and len(offsets) == 2:
        return dict(offsets[0] or {}), dict(offsets[1] or {})
    if isinstance(offsets, Mapping):
        if offsets and set(offsets) <= {"model", "shop", "brand"}:
            shop = {**(offsets.get("brand") or {}), **(offsets.get("shop") or {})}
            return dict(offsets.get("model") or {}), shop
        return dict(offsets), {}
    raise DomainError("offsets must be (model offsets, shop offsets) in mm")


def gait_scores(
    idx: RecommendIndex, gait: GaitProfile | None, age_years: float | None = None
) -> tuple[np.ndarray, list[tuple[str, np.ndarray, str]]]:
    """Gait score (0-100, 50 = no preference) per model, and the rules that fired.

    Returns
    -------
    score : (m,) float
    fired : list of (rule name, (m,) float contribution, reason template)
    """
    n = len(idx.models)
    score = np.full(n, 50.0)
    fired: list[tuple[str, np.ndarray, str]] = []
    if gait is None:
        return score, fired
    stab, cush, cat = idx.m_stability, idx.m_cushioning, idx.m_category
    is_cat = {c: cat == i for i, c in enumerate(CATEGORIES)}

    def add(name: str, contrib: np.ndarray, reason: str) -> None:
        nonlocal score
        score = score + contrib
        fired.append((name, contrib, reason))

    if gait.ml_tendency == "medial":
        add(
            "medial",
            40.0 * (stab - 0.5),
            "a stable shoe (stability {stability:.1f}) for your inward (medial) loading",
        )
    elif gait.ml_tendency == "lateral":
        add(
            "lateral",
            20.0 * (0.5 - stab) + 10.0 * (cush - 0.5),
            "a neutral, cushioned shoe for your outward (lateral) loading",
        )
    if gait.heel_impact == "hard":
        add(
            "hard_heel",
            40.0 * (cush - 0.5),
            "cushioning {cushioning:.1f} to soften your hard heel strike",
        )
    if gait.activity_fraction("running") >= RUNNING_SHARE:
        add(
            "running",
            np.where(is_cat["running"], 25.0, np.where(is_cat["trail"], 12.0, -5.0)),
            "a {category} shoe, because you run",
        )
    age = gait.age_years if gait.age_years is not None else age_years
    unsteady = (gait.stride_cv_pct is not None and gait.stride_cv_pct > HIGH_STRIDE_CV_PCT) or (
        gait.cadence_spm is not None and gait.cadence_spm < LOW_CADENCE_SPM
    )
    if age is not None and age >= OLDER_AGE_YEARS and unsteady:
        contrib = (
            np.where(is_cat["comfort"], 25.0, 0.0)
            + 20.0 * (stab - 0.5)
            + 10.0 * (1.0 - np.minimum(idx.m_drop_mm, 12.0) / 6.0)
            + np.where(idx.m_toe_box == 2, 8.0, 0.0)
            - np.where(is_cat["dress"] | is_cat["running"], 15.0, 0.0)
        )
        add(
            "steadiness",
            contrib,
            "stable, {drop_mm:g} mm drop and a {toe_box} toe box for steadier walking",
        )
    return np.clip(score, 0.0, 100.0), fired


def _model_fit_arrays(
    idx: RecommendIndex, foot: FootProfile, learned_mm: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best size row and its fit score per model (same rules as fit_model)."""
    sm = idx.s_model
    toe = np.round(
        idx.s_last_length_mm + (idx.m_brand_offset_mm + learned_mm)[sm] - foot.foot_length_mm, 6
    )
    advised = idx.m_advised_mm[sm]
    _, l_pen = length_kernel(toe, advised)
    if foot.ball_girth_mm is not None:
        gm = idx.s_ball_girth_mm - foot.ball_girth_mm
    elif foot.ball_width_mm is not None:
        gm = (idx.s_ball_width_mm - foot.ball_width_mm) / 0.395
    else:
        gm = np.full(len(sm), np.nan)
    _, g_pen = girth_kernel(gm, idx.m_tight_tol_mm[sm])
    hm = (
        idx.s_heel_width_mm - foot.heel_width_mm
        if foot.heel_width_mm is not None
        else np.full(len(sm), np.nan)
    )
    _, h_pen = heel_kernel(hm)
    score = np.clip(100.0 - l_pen - g_pen - h_pen, 0.0, 100.0)

    # Smallest EU leaving the advised toe room, else the largest EU of the model.
    ok = toe >= advised - 1e-9
    best_eu = np.minimum.reduceat(np.where(ok, idx.s_eu, np.inf), idx.s_start)
    max_eu = np.maximum.reduceat(idx.s_eu, idx.s_start)
    best_eu = np.where(np.isfinite(best_eu), best_eu, max_eu)
    at = np.abs(idx.s_eu - best_eu[sm]) < 1e-9
    g0 = np.nan_to_num(gm, nan=0.0)
    wcost = np.where(at, np.where(g0 < 0, -g0 * 0.9, g0), np.inf)
    # Sizes are ordered by girth within an EU, so the first minimum matches fit_model's argmin.
    min_cost = np.minimum.reduceat(wcost, idx.s_start)
    cand = np.flatnonzero(wcost == min_cost[sm])
    _, first = np.unique(sm[cand], return_index=True)
    best_row = cand[first]
    return best_row, score[best_row] - np.where(
        idx.s_stock[best_row] > 0, 0.0, _OUT_OF_STOCK_PENALTY
    )


def _colour_wanted(colour: str) -> str:
    c = colour.strip().lower()
    if c.startswith("#"):
        return colour_family(c)
    aliases = {"gray": "grey", "navy": "blue", "tan": "brown", "violet": "purple"}
    c = aliases.get(c, c)
    if c not in COLOUR_FAMILIES:
        raise DomainError(f"colour {colour!r}: use #rrggbb or one of {list(COLOUR_FAMILIES)}")
    return c


def _check_preferences(preferences: Mapping[str, Any] | None) -> dict[str, Any]:
    if preferences is None:
        return {}
    if not isinstance(preferences, Mapping):
        raise DomainError("preferences must be an object")
    unknown = set(preferences) - {"category", "max_budget_krw", "colour", "color"}
    if unknown:
        raise DomainError(f"unknown preferences {sorted(unknown)}")
    out: dict[str, Any] = {}
    cat = preferences.get("category")
    if cat is not None:
        if cat not in CATEGORIES:
            raise DomainError(f"category {cat!r} is not one of {list(CATEGORIES)}")
        out["category"] = cat
    budget = preferences.get("max_budget_krw")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, int | float) or budget <= 0:
            raise DomainError(f"max_budget_krw must be a positive number, got {budget!r}")
        out["max_budget_krw"] = float(budget)
    colour = preferences.get("colour", preferences.get("color"))
    if colour is not None:
        if not isinstance(colour, str):
            raise DomainError("colour must be a string")
        out["colour"] = _colour_wanted(colour)
    return out


def recommend(
    foot: FootProfile,
    gait: GaitProfile | None,
    catalog: Catalog,
    preferences: Mapping[str, Any] | None = None,
    offsets: Any = None,
    top_n: int = 10,
) -> list[Recommendation]:
    """Rank the catalog's models for one shopper.

    Parameters
    ----------
    foot : FootProfile
        The governing foot (size comes from it alone).
    gait : GaitProfile or None
        Chooses the kind of shoe (never the size).
    catalog : Catalog
    preferences : mapping, optional
        ``category`` (filter), ``max_budget_krw`` (filter), ``colour`` (boost).
    offsets : optional
        Learned size offsets, mm: ``(model_offsets, shop_offsets)`` as returned by
        :meth:`storefront.fit.learning.SizeOffsetLearner.offsets_mm`, or the learner itself.
    top_n : int
        How many to return.

    Returns
    -------
    list of Recommendation
        Best first; empty when the filters leave nothing.
    """
    if not isinstance(foot, FootProfile):
        raise DomainError("foot must be a FootProfile")
    if gait is not None and not isinstance(gait, GaitProfile):
        raise DomainError("gait must be a GaitProfile or None")
    if not isinstance(top_n, int) or isinstance(top_n, bool) or not 1 <= top_n <= 1000:
        raise DomainError(f"top_n must be an integer in [1, 1000], got {top_n!r}")
    prefs = _check_preferences(preferences)
    idx = build_index(catalog)
    model_off, shop_off = _split_offsets(offsets)
    learned = np.zeros(len(idx.models))
    if model_off or shop_off:
        learned = np.fromiter(
            (model_off.get(mid, 0.0) + shop_off.get(sid, 0.0)
             for mid, sid in zip(idx.model_ids, idx.shop_ids)),
            dtype=np.float64,
            count=len(idx.models),
        )  # fmt: skip

    best_row, fit = _model_fit_arrays(idx, foot, learned)
    gscore, fired = gait_scores(idx, gait, foot.age_years)
    total = FIT_WEIGHT * fit + GAIT_WEIGHT * gscore
    keep = np.ones(len(idx.models), dtype=bool)
    if "category" in prefs:
        keep &= idx.m_category == CATEGORIES.index(prefs["category"])
    if "max_budget_krw" in prefs:
        keep &= idx.m_price <= prefs["max_budget_krw"]
    colour_ix = None
    if "colour" in prefs:
        colour_ix = COLOUR_FAMILIES.index(prefs["colour"])
        total = total + np.where(idx.m_colours[:, colour_ix], _COLOUR_BONUS, 0.0)
    cand = np.flatnonzero(keep)
    if cand.size == 0:
        return []
    k = min(top_n, cand.size)
    top = cand[np.argpartition(-total[cand], k - 1)[:k]]
    top = top[np.lexsort((np.array([idx.model_ids[i] for i in top]), -total[top]))]

    return [
        _recommendation(
            idx, int(i), foot, float(learned[i]), fired, gscore, total, best_row, colour_ix
        )
        for i in top
    ]


def _recommendation(
    idx: Any,
    i: int,
    foot: FootProfile,
    learned_mm: float,
    fired: Any,
    gscore: np.ndarray,
    total: np.ndarray,
    best_row: np.ndarray,
    colour_ix: int | None,
) -> Recommendation:
    """One ranked model with its best size, colourway and the reasons a shopper reads."""
    m = idx.models[i]
    fr = fit_best(foot, m, learned_offset_mm=learned_mm)
    reasons = list(fr.reasons)
    for _name, contrib, template in fired:
        if contrib[i] > 2.0:
            reasons.append(
                template.format(
                    stability=m.traits.stability,
                    cushioning=m.traits.cushioning,
                    category=m.category,
                    drop_mm=m.traits.drop_mm,
                    toe_box=m.traits.toe_box,
                )
            )
    cw = m.colourways[0]
    if colour_ix is not None:
        for c in m.colourways:
            if colour_family(c.upper_hex) == COLOUR_FAMILIES[colour_ix]:
                cw = c
                reasons.append(f"comes in {COLOUR_FAMILIES[colour_ix]} ({c.name})")
                break
    if idx.s_stock[best_row[i]] == 0:
        reasons.append("your size is out of stock at the moment")
    return Recommendation(
        model_id=m.id,
        shop_id=m.shop_id,
        name=m.name,
        category=m.category,
        price_krw=m.price_krw,
        best_size=float(idx.s_eu[best_row[i]]),
        best_width=fr.best_width,
        # The fit engine's score for (foot, shoe), identical to GET /api/fit's `score`;
        # the out-of-stock penalty in `fit` only lowers the ranking, never this number.
        fit_score=float(fr.score),
        gait_score=float(gscore[i]),
        score=float(total[i]),
        confidence=fr.confidence,
        colourway_id=cw.id,
        reasons=tuple(reasons),
    )
