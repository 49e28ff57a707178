"""Job handler: refit the per-model / per-brand size offsets from all fit feedback."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from storefront.extensions import db
from storefront.jobs import ProgressFn
from storefront.models import FitFeedback, LearnedOffset, utcnow

__all__ = ["feedback_rows", "relearn_offsets"]


def feedback_rows() -> list[dict[str, Any]]:
    """All feedback as the learner's row dicts."""
    return [
        {
            "foot_length_mm": r.foot_length_mm,
            "ball_girth_mm": r.ball_girth_mm,
            "model_id": r.model_id,
            "shop_id": r.shop_id,
            "size_eu": float(r.size_eu),
            "last_length_mm": r.last_length_mm,
            "last_girth_mm": r.last_girth_mm,
            "label": r.label,
        }
        for r in db.session.scalars(select(FitFeedback).order_by(FitFeedback.id))
    ]


def relearn_offsets(_target: int, progress: ProgressFn) -> None:
    """Fit :class:`storefront.learning.SizeOffsetLearner` and replace the stored offsets."""
    from flask import current_app

    from storefront.api.services import load_catalog_cached
    from storefront.learning import SizeOffsetLearner

    rows = feedback_rows()
    progress(0.2, f"fitting on {len(rows)} feedback rows")
    catalog = load_catalog_cached(current_app.config.get("CATALOG_PATH"))
    model_off, shop_off = SizeOffsetLearner(catalog=catalog).fit(rows).offsets_mm()
    now = utcnow()
    db.session.execute(delete(LearnedOffset))
    for scope, offsets in (("model", model_off), ("shop", shop_off)):
        for key, value in offsets.items():
            n = sum(1 for r in rows if r[f"{scope}_id"] == key)
            db.session.add(
                LearnedOffset(
                    scope=scope, key=key, offset_mm=float(value), n_feedback=n, updated_at=now
                )
            )
    db.session.commit()
