"""Manufacturer API: DP foot statistics (JSON/CSV), budget and release log, made-to-measure orders."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import func, select

from storefront.accounts.guard import current_user, login_required
from storefront.db.models import MadeToMeasure, Manufacturer, Shop
from storefront.exceptions import ApiError
from storefront.extensions import db, limiter
from storefront.makers import services

__all__ = ["bp"]

bp = Blueprint("mfr", __name__, url_prefix="/api/manufacturer")


def _manufacturer() -> Manufacturer:
    user = current_user()
    mfr = db.session.get(Manufacturer, user.manufacturer_id) if user.manufacturer_id else None
    if mfr is None:
        raise ApiError(403, "forbidden", "this account is not linked to a manufacturer")
    return mfr


@bp.get("/foot-stats")
@limiter.limit("manufacturer", "RATELIMIT_MANUFACTURER", per=("address", "account"))
@login_required(["manufacturer"])
def foot_stats():
    out = services.release(db.session, _manufacturer(), request.args, current_app.config)
    if request.args.get("format", "json") == "csv":
        return Response(
            services.to_csv(out),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="foot-stats.csv"'},
        )
    return jsonify(out)


@bp.get("/budget")
@login_required(["manufacturer"])
def budget():
    return jsonify(services.budget_status(db.session, _manufacturer()))


@bp.get("/made-to-measure")
@login_required(["manufacturer"])
def made_to_measure():
    mfr = _manufacturer()
    shop_ids = select(Shop.id).where(func.lower(Shop.brand) == mfr.name.lower())
    rows = db.session.scalars(
        select(MadeToMeasure)
        .where(MadeToMeasure.shop_id.in_(shop_ids))
        .order_by(MadeToMeasure.id.desc())
        .limit(200)
    )
    return jsonify(
        {
            "orders": [
                {
                    "order_id": m.order_id,
                    "shoe_id": m.model_id,
                    "colourway_id": m.colourway_id,
                    "base_size_eu": float(m.base_size_eu),
                    "base_width": m.base_width,
                    "measurements": m.measurements,
                    "last_spec": m.last_spec,
                    "status": m.status,
                }
                for m in rows
            ]
        }
    )
