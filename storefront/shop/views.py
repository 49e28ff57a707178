"""Commerce API: cart, checkout, orders, returns, fit feedback, made to measure."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import select

from storefront.accounts.guard import current_user, login_required
from storefront.accounts.views import json_body
from storefront.catalog.views import catalog
from storefront.db.models import CartItem, MadeToMeasure, Order
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.i18n.errors import api_language
from storefront.jobs import get_runner
from storefront.security.ratelimit import limiter
from storefront.shop import idempotency, services
from storefront.shop import made_to_measure as mtm_service
from storefront.shop.delivery import parse_delivery
from storefront.shop.lines import resolve_lines
from storefront.workshop.production import submit_files, submit_preview

__all__ = ["bp"]

bp = Blueprint("shop", __name__, url_prefix="/api")
_SHOPPER = ["shopper", "admin"]
_BOTH = ("address", "account")


@bp.get("/cart")
@login_required(_SHOPPER)
def get_cart():
    return jsonify(services.cart_to_dict(db.session, current_user()))


@bp.post("/cart")
@limiter.limit("write", "RATELIMIT_WRITE", per=_BOTH)
@login_required(_SHOPPER)
def add_cart():
    services.add_to_cart(db.session, current_user(), json_body(), catalog())
    db.session.commit()
    return jsonify(services.cart_to_dict(db.session, current_user())), 201


@bp.delete("/cart/<int:item_id>")
@login_required(_SHOPPER)
def remove_cart(item_id: int):
    from storefront.security.ownership import MAX_ID

    item = db.session.get(CartItem, item_id) if 0 < item_id < MAX_ID else None
    if item is None or item.user_id != current_user().id:
        raise ApiError(404, "not_found", f"no cart item {item_id}")
    db.session.delete(item)
    db.session.commit()
    return jsonify(services.cart_to_dict(db.session, current_user()))


def _mtm(order: Order) -> MadeToMeasure | None:
    if order.kind != "made_to_measure":
        return None
    return mtm_service.mtm_of(db.session, order)


def _created(body: dict, replayed: bool):
    """201 for a new result; 200 with ``Idempotent-Replayed: true`` for a replayed one."""
    resp = jsonify(body)
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
        return resp, 200
    return resp, 201


@bp.post("/checkout")
@limiter.limit("write", "RATELIMIT_WRITE", per=_BOTH)
@login_required(_SHOPPER)
def checkout():
    data = json_body() if _has_body() else {}
    key = _idempotency_key()
    order, replayed = services.checkout_cart(
        db.session, current_user(), data.get("payment"), key, _delivery(data)
    )
    return _created(services.order_to_dict(order), replayed)


_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:")


def _idempotency_key() -> str | None:
    """The optional ``Idempotency-Key`` header: 8-80 characters of ``[A-Za-z0-9-_.:]``."""
    from flask import request

    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 8 <= len(key) <= 80 or not set(key) <= _KEY_CHARS:
        raise ApiError(
            400,
            "bad_idempotency_key",
            "Idempotency-Key must be 8-80 characters of A-Z a-z 0-9 - _ . :",
        )
    return key


def _has_body() -> bool:
    from flask import request

    return bool(request.get_data(cache=True))


@bp.post("/orders")
@limiter.limit("write", "RATELIMIT_WRITE", per=_BOTH)
@login_required(_SHOPPER)
def create_order():
    data = json_body()
    claim = idempotency.claim_for("order", data, _idempotency_key())
    lines = resolve_lines(db.session, data.get("lines"), catalog())
    order, replayed = services.order_once(
        db.session, current_user(), lines, data.get("payment"), claim, _delivery(data)
    )
    return _created(services.order_to_dict(order), replayed)


@bp.get("/orders")
@login_required(_SHOPPER)
def list_orders():
    orders = db.session.scalars(
        select(Order).where(Order.user_id == current_user().id).order_by(Order.id.desc()).limit(200)
    )
    return jsonify({"orders": [services.order_to_dict(o, _mtm(o), api_language()) for o in orders]})


@bp.get("/orders/<order_id>")
@login_required(_SHOPPER)
def get_order(order_id: str):
    order = services.get_order_for(db.session, current_user(), order_id)
    return jsonify(services.order_to_dict(order, _mtm(order), api_language()))


@bp.post("/orders/<order_id>/returns")
@limiter.limit("write", "RATELIMIT_WRITE", per=_BOTH)
@login_required(_SHOPPER)
def return_pairs(order_id: str):
    user = current_user()
    order = services.get_order_for(db.session, user, order_id)
    if order.kind != "stock":
        raise ApiError(
            409, "not_returnable", "made-to-measure pairs are adjusted by the maker, not returned"
        )
    data = json_body()
    claim = idempotency.claim_for(f"return:{order.id}", data, _idempotency_key())
    rr, replayed = services.return_line(db.session, user, order, data, catalog(), claim)
    if not replayed:
        get_runner().submit("learn", 0, None, required=False)
    db.session.expire_all()
    order = services.get_order_for(db.session, user, order_id)
    return _created(
        {
            "return_id": rr.id,
            "refund_krw": rr.refund_krw,
            "order": services.order_to_dict(order),
        },
        replayed,
    )


@bp.post("/orders/<order_id>/feedback")
@limiter.limit("write", "RATELIMIT_WRITE", per=_BOTH)
@login_required(_SHOPPER)
def feedback(order_id: str):
    user = current_user()
    order = services.get_order_for(db.session, user, order_id)
    row, created = services.record_feedback(db.session, user, order, json_body(), catalog())
    get_runner().submit("learn", 0, None, required=False)
    return jsonify({"feedback_id": row.id, "label": row.label, "edited": not created}), (
        201 if created else 200
    )


@bp.post("/orders/made-to-measure/quote")
@limiter.limit("write", "RATELIMIT_WRITE", per=_BOTH)
@login_required(_SHOPPER)
def made_to_measure_quote():
    q = mtm_service.quote(db.session, current_user(), json_body(), catalog())
    submit_preview(q)  # the personal last in 3D, built by a job (~2-5 s)
    return jsonify(mtm_service.quote_to_dict(q)), 201


@bp.post("/orders/made-to-measure")
@limiter.limit("write", "RATELIMIT_WRITE", per=_BOTH)
@login_required(_SHOPPER)
def made_to_measure_confirm():
    data = json_body()
    claim = idempotency.claim_for("made_to_measure", data, _idempotency_key())
    order, mtm, replayed = mtm_service.confirm_quote(db.session, current_user(), data, claim)
    if not replayed and mtm is not None:
        submit_files(mtm, order.user_id)  # last, insole, spec sheet: built by a job
    return _created(services.order_to_dict(order, mtm, api_language()), replayed)


def _delivery(data: dict[str, Any]) -> dict[str, str] | None:
    """The validated ``delivery`` object of a request; None (collect at the shop) when absent."""
    raw = data.get("delivery")
    return None if raw is None else parse_delivery(raw).to_dict()
