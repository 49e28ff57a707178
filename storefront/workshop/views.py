"""Maker access (API and the server-rendered ``/workshop`` page) and the shopper's quote preview."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template

from storefront.accounts.guard import current_user, login_required
from storefront.accounts.services import header_user
from storefront.domain_errors import Conflict
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.i18n.errors import api_language
from storefront.i18n.reasons import reason_text
from storefront.security.uploads import data_keyring
from storefront.workshop import services
from storefront.workshop.production import FILE_NAMES

__all__ = ["bp", "pages_bp"]

bp = Blueprint("workshop", __name__, url_prefix="/api")
pages_bp = Blueprint("workshop_pages", __name__)
_MAKER = [services.MAKER_ROLE]


def _file_response(data: bytes, name: str, order_id: str) -> Response:
    resp = Response(data, mimetype=services.FILE_TYPES[name].split(";")[0])
    if services.FILE_TYPES[name].startswith("text/html"):
        resp.headers["Content-Type"] = services.FILE_TYPES[name]
        # the sheet is our own static HTML: no script runs in it, wherever it is opened
        resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    disposition = "inline" if name.endswith((".html", ".json")) else "attachment"
    resp.headers["Content-Disposition"] = f'{disposition}; filename="order-{order_id}-{name}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/workshop/orders")
@login_required(_MAKER)
def list_orders():
    return jsonify({"orders": services.maker_orders(db.session, current_user(), api_language())})


@bp.get("/workshop/orders/<order_id>")
@login_required(_MAKER)
def get_order(order_id: str):
    order, mtm = services.maker_order(db.session, current_user(), order_id)
    return jsonify(services.maker_order_detail(order, mtm, api_language()))


@bp.get("/workshop/orders/<order_id>/files/<name>")
@bp.get("/orders/<order_id>/files/<name>")
@login_required()
def order_file(order_id: str, name: str):
    data = services.order_file(
        db.session, current_user(), order_id, name, current_app.config["UPLOAD_DIR"], data_keyring()
    )
    return _file_response(data, name, order_id)


@bp.get("/orders/made-to-measure/quotes/<quote_id>/preview")
@login_required(["shopper", "admin"])
def quote_preview(quote_id: str):
    try:
        data = services.quote_preview(
            db.session, current_user(), quote_id, current_app.config["UPLOAD_DIR"], data_keyring()
        )
    except Conflict as exc:  # the failed job's reason, also in the page language (``reason``)
        raise ApiError(
            409,
            exc.code or "conflict",
            str(exc),
            details={"reason": reason_text(str(exc), api_language())},
        ) from None
    resp = Response(data, mimetype="application/json")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@pages_bp.get("/workshop")
def workshop_page() -> tuple[str, int]:
    """The maker's orders and download links, rendered on the server (no script needed)."""
    user = current_user(optional=True)
    orders = None
    status = 200
    if user is not None and user.role == services.MAKER_ROLE:
        orders = services.maker_orders(db.session, user, current_language())
    elif user is not None:
        status = 403
    html = render_template(
        "workshop/orders.html",
        page="workshop",
        # the header names the signed-in account on the server too (this page needs no script)
        page_config={"user": header_user(user)},
        signed_in=user is not None,
        orders=orders,
        file_names=FILE_NAMES,
    )
    return html, status
