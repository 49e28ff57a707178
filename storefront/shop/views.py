"""Commerce API: cart, checkout, orders, returns, fit feedback, made to measure."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from storefront.api.views import catalog
from storefront.auth.guard import current_user, login_required
from storefront.auth.views import json_body
from storefront.exceptions import ApiError
from storefront.extensions import db
from storefront.jobs import get_runner
from storefront.models import CartItem, MadeToMeasure, Order
from storefront.shop import services

__all__ = ["bp"]

bp = Blueprint("shop", __name__, url_prefix="/api")
_SHOPPER = ["shopper", "admin"]


@bp.get("/cart")
@login_required(_SHOPPER)
def get_cart():
    return jsonify(services.cart_to_dict(db.session, current_user()))


@bp.post("/cart")
@login_required(_SHOPPER)
def add_cart():
    services.add_to_cart(db.session, current_user(), json_body(), catalog())
    db.session.commit()
    return jsonify(services.cart_to_dict(db.session, current_user())), 201


@bp.delete("/cart/<int:item_id>")
@login_required(_SHOPPER)
def remove_cart(item_id: int):
    item = db.session.get(CartItem, item_id)
    if item is None or item.user_id != current_user().id:
        raise ApiError(404, "not_found", f"no cart item {item_id}")
    db.session.delete(item)
    db.session.commit()
    return jsonify(services.cart_to_dict(db.session, current_user()))


def _mtm(order: Order) -> MadeToMeasure | None:
    if order.kind != "made_to_measure":
        return None
    return db.session.scalar(select(MadeToMeasure).where(MadeToMeasure.order_id == order.id))


@bp.post("/checkout")
@login_required(_SHOPPER)
def checkout():
    data = json_body() if _has_body() else {}
    key = _idempotency_key()
    order, replayed = services.checkout_cart(db.session, current_user(), data.get("payment"), key)
    resp = jsonify(services.order_to_dict(order))
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
        return resp, 200
    return resp, 201


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
@login_required(_SHOPPER)
def create_order():
    data = json_body()
    lines = services.resolve_lines(db.session, data.get("lines"), catalog())
    order = services.place_order(db.session, current_user(), lines, data.get("payment"))
    return jsonify(services.order_to_dict(order)), 201


@bp.get("/orders")
@login_required(_SHOPPER)
def list_orders():
    orders = db.session.scalars(
        select(Order).where(Order.user_id == current_user().id).order_by(Order.id.desc()).limit(200)
    )
    return jsonify({"orders": [services.order_to_dict(o, _mtm(o)) for o in orders]})


@bp.get("/orders/<order_id>")
@login_required(_SHOPPER)
def get_order(order_id: str):
    order = services.get_order_for(db.session, current_user(), order_id)
    return jsonify(services.order_to_dict(order, _mtm(order)))


@bp.post("/orders/<order_id>/returns")
@login_required(_SHOPPER)
def return_pairs(order_id: str):
    user = current_user()
    order = services.get_order_for(db.session, user, order_id)
    if order.kind != "stock":
        raise ApiError(
            409, "not_returnable", "made-to-measure pairs are adjusted by the maker, not returned"
        )
    rr = services.return_line(db.session, user, order, json_body(), catalog())
    get_runner().submit("learn", 0, None)
    return jsonify({"return_id": rr.id, "order": services.order_to_dict(order)}), 201


@bp.post("/orders/<order_id>/feedback")
@login_required(_SHOPPER)
def feedback(order_id: str):
    user = current_user()
    order = services.get_order_for(db.session, user, order_id)
    row = services.record_feedback(db.session, user, order, json_body(), catalog())
    get_runner().submit("learn", 0, None)
    return jsonify({"feedback_id": row.id, "label": row.label}), 201


@bp.post("/orders/made-to-measure")
@login_required(_SHOPPER)
def made_to_measure():
    order, mtm = services.made_to_measure(db.session, current_user(), json_body(), catalog())
    return jsonify(services.order_to_dict(order, mtm)), 201
