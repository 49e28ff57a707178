"""A simulator of shoppers and their fit feedback, with hidden true size offsets.

No public shoe fit-feedback data set exists (storefront §2.3), so the learner is evaluated on
synthetic feedback with the same schema as the shop's: a latent per-shopper toe-room preference,
hidden per-brand and per-model offsets (how many mm the real lasts differ from what the catalog
says), and labels that are mostly "fits".

Generative story, per purchase (time-ordered):

1. A shopper with foot length ~ N(258, 14) mm (kids models: N(200, 18) mm) and a ball girth of
   the average foot of that length + N(0, 6) mm; a personal toe-room preference ~ N(0, 2) mm.
2. The shopper picks a model uniformly and buys the size the rule prior advises
   (:func:`storefront.fit.rules.fit_model`), or one size either side with probability 0.3
   (people overrule advice).
3. True toe-room margin ``u = true_toe_room - advised - 3.5 - preference + 0.25 * girth margin
   + N(0, 1.5)``, where ``true_toe_room`` uses the **hidden** offsets; ``u < -4.5`` ->
   ``too_small``, ``u > 5`` -> ``too_large``, else ``fits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from storefront.catalog.models import Catalog
from storefront.fit.profiles import FootProfile
from storefront.fit.rules import fit_model

__all__ = ["HiddenOffsets", "hidden_offsets", "simulate_feedback"]

_SMALL_BELOW = -4.5
_LARGE_ABOVE = 5.0
_CENTRE_MM = 3.5  # middle of the "good" toe-room band above the advice


@dataclass(frozen=True)
class HiddenOffsets:
    """The simulator's ground truth, mm of last length (+ runs long)."""

    model_mm: dict[str, float]
    shop_mm: dict[str, float]

    def total_mm(self, model_id: str, shop_id: str) -> float:
        """Hidden offset of one model in mm: its own plus its brand's (0 when unknown)."""
        return self.model_mm.get(model_id, 0.0) + self.shop_mm.get(shop_id, 0.0)


def hidden_offsets(
    catalog: Catalog,
    seed: int = 0,
    shop_sd_mm: float = 3.0,
    model_sd_mm: float = 2.5,
) -> HiddenOffsets:
    """Draw hidden true offsets per shop and per model."""
    rng = np.random.default_rng(seed)
    shop = {s.id: float(rng.normal(0.0, shop_sd_mm)) for s in catalog.shops}
    model = {m.id: float(rng.normal(0.0, model_sd_mm)) for m in catalog.models}
    return HiddenOffsets(model_mm=model, shop_mm=shop)


def simulate_feedback(
    catalog: Catalog,
    n_rows: int,
    truth: HiddenOffsets,
    seed: int = 1,
    overrule_p: float = 0.3,
) -> list[dict[str, Any]]:
    """Time-ordered feedback rows in the learner's schema (plus ``t`` and ``category``)."""
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    rng = np.random.default_rng(seed)
    models = catalog.models
    advice_cache: dict[tuple[str, float], float] = {}
    rows: list[dict[str, Any]] = []
    for t in range(n_rows):
        m = models[int(rng.integers(len(models)))]
        kids = m.category == "kids"
        lo = min(s.last_length_mm for s in m.sizes) - m.toe_allowance_mm
        hi = max(s.last_length_mm for s in m.sizes) - m.toe_allowance_mm
        fl = float(np.clip(rng.normal(200.0 if kids else 258.0, 18.0 if kids else 14.0), lo, hi))
        girth_dev = float(rng.normal(0.0, 6.0))
        foot = FootProfile.average(fl, girth_offset_mm=girth_dev)
        pref = float(rng.normal(0.0, 2.0))
        key = (m.id, round(fl, 1))
        if key not in advice_cache:
            advice_cache[key] = fit_model(foot, m).best_size
        eus = sorted({s.eu for s in m.sizes})
        i = eus.index(advice_cache[key])
        if rng.random() < overrule_p:
            i = int(np.clip(i + (1 if rng.random() < 0.5 else -1), 0, len(eus) - 1))
        size = m.size(eus[i])
        true_toe = size.last_length_mm + m.brand_offset_mm + truth.total_mm(m.id, m.shop_id) - fl
        assert foot.ball_girth_mm is not None  # FootProfile.average sets every girth
        girth_margin = size.ball_girth_mm - foot.ball_girth_mm
        u = (
            true_toe
            - m.toe_allowance_mm
            - _CENTRE_MM
            - pref
            + 0.25 * min(girth_margin, 0.0)
            + float(rng.normal(0.0, 1.5))
        )
        label = "too_small" if u < _SMALL_BELOW else ("too_large" if u > _LARGE_ABOVE else "fits")
        rows.append(
            {
                "t": t,
                "foot_length_mm": round(fl, 1),
                "ball_girth_mm": round(float(foot.ball_girth_mm), 1),
                "model_id": m.id,
                "shop_id": m.shop_id,
                "category": m.category,
                "size_eu": size.eu,
                "last_length_mm": size.last_length_mm,
                "last_girth_mm": size.ball_girth_mm,
                "label": label,
            }
        )
    return rows
