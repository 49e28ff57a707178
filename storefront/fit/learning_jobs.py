"""Job handler: refit the per-model / per-brand size offsets from all fit feedback."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from storefront.db.models import FitFeedback, LearnedOffset, utcnow
from storefront.extensions import db
from storefront.jobs import ProgressFn

__all__ = ["MAX_ROWS_PER_PERSON", "MAX_ROWS_PER_PERSON_MODEL", "feedback_rows", "relearn_offsets"]

#: One person's weight in the learner: at most this many rows per shoe model, and in all
#: (their newest), so one account cannot steer everyone's size advice (issue 13).
MAX_ROWS_PER_PERSON_MODEL = 3
MAX_ROWS_PER_PERSON = 20


def feedback_rows() -> list[dict[str, Any]]:
    """Feedback as the learner's row dicts, newest first per person, capped per person.

    Rows without an account (simulated or from deleted accounts) are not capped.
    """
    per_model: dict[tuple[int, str], int] = {}
    per_person: dict[int, int] = {}
    kept = []
    for r in db.session.scalars(select(FitFeedback).order_by(FitFeedback.id.desc())):
        if r.user_id is not None:
            pm = per_model.get((r.user_id, r.model_id), 0)
            pp = per_person.get(r.user_id, 0)
            if pm >= MAX_ROWS_PER_PERSON_MODEL or pp >= MAX_ROWS_PER_PERSON:
                continue
            per_model[(r.user_id, r.model_id)] = pm + 1
            per_person[r.user_id] = pp + 1
        kept.append(r)
    kept.reverse()
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
        for r in kept
    ]


def relearn_offsets(_target: int, progress: ProgressFn) -> None:
    """Fit :class:`storefront.fit.learning.SizeOffsetLearner` and replace the stored offsets."""
    from flask import current_app

    from storefront.catalog.services import load_catalog_cached
    from storefront.fit.learning import SizeOffsetLearner

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
