"""Commerce services (no Flask): stock-safe checkout, orders, returns, fit feedback, made to measure.

Stock is decremented with one conditional ``UPDATE ... SET quantity = quantity - n WHERE id = :id
AND quantity >= n`` per line, in stock-id order, inside the order's transaction. On PostgreSQL
the row lock makes concurrent updates queue and re-check the condition; on SQLite the write
lock serialises them. Either way a line that would go negative matches no row and the whole
order rolls back: no oversell, nothing half-written.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from storefront.catalog.pricing import CURRENCY
from storefront.db.models import (
    CartItem,
    FitFeedback,
    IdempotencyRecord,
    MadeToMeasure,
    Order,
    OrderLine,
    ReturnRequest,
    Scan,
    ShoeModel,
    Stock,
    User,
    as_utc,
)
from storefront.domain_errors import (
    CartEmpty,
    Conflict,
    NotFound,
    NothingToReturn,
    OutOfStock,
    ServiceBusy,
    ValidationFailed,
)
from storefront.extensions import DbSession, rows_affected
from storefront.security.ownership import get_owned
from storefront.shop import idempotency
from storefront.shop.idempotency import Claim
from storefront.shop.lines import MAX_QTY, LineRequest, resolve_lines
from storefront.shop.payment import get_provider
from storefront.workshop.services import SHOPPER_FILES, files_to_dict

__all__ = [
    "FIT_LABELS",
    "LineRequest",
    "add_to_cart",
    "cart_to_dict",
    "order_to_dict",
    "place_order",
    "record_feedback",
    "return_line",
]

#: Fit labels a shopper can give.
FIT_LABELS = ("too_small", "fits", "too_large")


def _payment_details(payment: Any) -> tuple[str, dict[str, Any]]:
    if payment is None:
        payment = {}
    if not isinstance(payment, dict):
        raise ValidationFailed("payment must be an object", {"payment": "bad value"})
    provider = payment.get("provider", "test")
    if not isinstance(provider, str):
        raise ValidationFailed("payment.provider must be a string")
    return provider, payment


class DuplicateRequest(Exception):
    """A concurrent request with the same claim (or the same cart) committed first."""


#: Attempts when SQLite reports the database locked (each waits for the busy timeout).
_LOCK_RETRIES = 3


def _write_with_retries(session: DbSession, write: Any) -> Any:
    """Run ``write()`` (which commits); a unique-key conflict means a concurrent duplicate.

    Raises
    ------
    DuplicateRequest
        The idempotency record (or the cart) was taken by a request that committed first;
        everything this request wrote was rolled back.
    ServiceBusy
        The database stayed locked through every attempt.
    """
    for attempt in range(_LOCK_RETRIES):
        try:
            return write()
        except IntegrityError:
            session.rollback()
            raise DuplicateRequest from None
        except OperationalError as exc:
            session.rollback()
            msg = str(exc).lower()
            if ("locked" not in msg and "deadlock" not in msg) or attempt == _LOCK_RETRIES - 1:
                raise ServiceBusy("the shop is busy; please retry") from None
    raise AssertionError("unreachable")


def place_order(
    session: DbSession,
    user: User,
    lines: list[LineRequest],
    payment: Any,
    claim: Claim,
    cart_item_ids: list[int] | None = None,
    delivery: dict[str, str] | None = None,
) -> Order:
    """Reserve stock, charge, and write the order and its idempotency record in one transaction.

    Raises :class:`~storefront.domain_errors.OutOfStock` when any line is short of stock and
    :class:`~storefront.shop.payment.PaymentDeclined` when payment is declined; either way the
    transaction is rolled back, so no stock moves and no order row exists. The order's
    :class:`~storefront.db.models.IdempotencyRecord` is unique per (account, key): a concurrent
    duplicate loses at commit, is rolled back whole and raises :class:`DuplicateRequest`.
    With ``cart_item_ids`` those cart rows are deleted in the same transaction and must all
    still exist, so one cart is ordered at most once. ``delivery`` (validated by
    :func:`storefront.shop.delivery.parse_delivery`) is stored on the order; None means the
    pairs are collected at the shop.
    """
    provider_name, details = _payment_details(payment)
    rows = {
        s.id: s
        for s in session.scalars(select(Stock).where(Stock.id.in_([ln.stock_id for ln in lines])))
    }
    prices = {
        m.id: m.price_krw
        for m in session.scalars(
            select(ShoeModel).where(ShoeModel.id.in_({r.model_id for r in rows.values()}))
        )
    }
    snapshot = {sid: (s.model_id, s.size_eu, s.width, s.colourway_id) for sid, s in rows.items()}
    user_id = user.id
    # End the read transaction so the write phase starts with a write (SQLite then waits
    # for the lock instead of failing an upgrade from a read lock).
    session.commit()
    return _write_with_retries(
        session,
        lambda: _reserve_charge_write(
            session,
            user_id,
            lines,
            snapshot,
            prices,
            provider_name,
            details,
            claim,
            cart_item_ids,
            delivery,
        ),
    )


def _reserve_charge_write(
    session: DbSession,
    user_id: int,
    lines: list[LineRequest],
    snapshot: dict[int, tuple[str, str, str, str]],
    prices: dict[str, int],
    provider_name: str,
    details: dict[str, Any],
    claim: Claim,
    cart_item_ids: list[int] | None,
    delivery: dict[str, str] | None,
) -> Order:
    for ln in lines:  # stock-id order: concurrent orders lock rows in the same order (no deadlock)
        res = session.execute(
            update(Stock)
            .where(Stock.id == ln.stock_id, Stock.quantity >= ln.quantity)
            .values(quantity=Stock.quantity - ln.quantity)
            .execution_options(synchronize_session=False)
        )
        if rows_affected(res) != 1:
            session.rollback()
            mid, size, width, cw = snapshot[ln.stock_id]
            raise OutOfStock(
                f"not enough {mid} in EU {size} {width} ({cw}) for {ln.quantity} pair(s)"
            )
    if cart_item_ids is not None:
        res = session.execute(
            delete(CartItem)
            .where(CartItem.user_id == user_id, CartItem.id.in_(cart_item_ids))
            .execution_options(synchronize_session=False)
        )
        if rows_affected(res) != len(cart_item_ids):
            session.rollback()  # another checkout took this cart first
            raise DuplicateRequest
    total = sum(prices[snapshot[ln.stock_id][0]] * ln.quantity for ln in lines)
    order = Order(
        user_id=user_id,
        kind="stock",
        status="paid",
        total_krw=total,
        idempotency_key=claim.key if claim.explicit and len(claim.key) <= 80 else None,
        delivery=delivery,
    )
    try:
        result = get_provider(provider_name).charge(
            total, CURRENCY, details, idempotency_key=_payment_key(user_id, claim)
        )
    except Exception:
        session.rollback()
        raise
    order.payment_ref = result.reference
    for ln in lines:
        mid, size, width, cw = snapshot[ln.stock_id]
        order.lines.append(
            OrderLine(
                stock_id=ln.stock_id,
                model_id=mid,
                size_eu=size,
                width=width,
                colourway_id=cw,
                quantity=ln.quantity,
                unit_price_krw=prices[mid],
            )
        )
    session.add(order)
    session.flush()
    idempotency.record(session, user_id, claim, "order", order.id)
    session.commit()
    return order


def _payment_key(user_id: int, claim: Claim) -> str:
    """The provider's idempotency key: the client's key, or a fresh one for keyless requests."""
    return f"u{user_id}:{claim.key}" if claim.explicit else str(uuid.uuid4())


def _replayed(session: DbSession, rec: IdempotencyRecord | None, kind: type) -> Any:
    return session.get(kind, rec.resource_id) if rec is not None else None


def order_once(
    session: DbSession,
    user: User,
    lines: list[LineRequest],
    payment: Any,
    claim: Claim,
    delivery: dict[str, str] | None = None,
) -> tuple[Order, bool]:
    """Place a direct order once per claim; returns ``(order, replayed)``."""
    done = _replayed(session, idempotency.find_replay(session, user.id, claim), Order)
    if done is not None:
        return done, True
    try:
        return place_order(session, user, lines, payment, claim, None, delivery), False
    except DuplicateRequest:
        done = _replayed(session, idempotency.find_replay(session, user.id, claim), Order)
        if done is None:
            raise ServiceBusy("a concurrent request interfered; please retry") from None
        return done, True


def add_to_cart(session: DbSession, user: User, raw: Any, catalog: Any) -> CartItem:
    """Add (or increase) a cart line; stock is checked at checkout, not here."""
    (line,) = resolve_lines(session, [raw], catalog)
    item = session.scalar(
        select(CartItem).where(CartItem.user_id == user.id, CartItem.stock_id == line.stock_id)
    )
    if item is None:
        item = CartItem(user_id=user.id, stock_id=line.stock_id, quantity=0)
        session.add(item)
    item.quantity = min(MAX_QTY, item.quantity + line.quantity)
    session.flush()
    return item


def cart_to_dict(session: DbSession, user: User) -> dict[str, Any]:
    """The cart with prices."""
    items = session.scalars(
        select(CartItem).where(CartItem.user_id == user.id).order_by(CartItem.id)
    ).all()
    prices: dict[str, int] = (
        {m.id: m.price_krw for m in session.scalars(select(ShoeModel))} if items else {}
    )
    out: list[dict[str, Any]] = []
    for it in items:
        s = it.stock
        out.append(
            {
                "id": it.id,
                "shoe_id": s.model_id,
                "size_eu": float(s.size_eu),
                "width": s.width,
                "colourway_id": s.colourway_id,
                "quantity": it.quantity,
                "in_stock": s.quantity,
                "unit_price_krw": prices.get(s.model_id, 0),
            }
        )
    return {"items": out, "total_krw": sum(i["unit_price_krw"] * i["quantity"] for i in out)}


def checkout_cart(
    session: DbSession,
    user: User,
    payment: Any,
    idempotency_key: str | None = None,
    delivery: dict[str, str] | None = None,
) -> tuple[Order, bool]:
    """Order everything in the cart and empty it, in one transaction.

    Returns ``(order, replayed)``. A request repeating an earlier ``idempotency_key`` (a
    double click, a retry after a lost response) gets the order already placed, not a new one;
    so does, without a key, the same checkout sent again within the duplicate window.
    """
    items = session.scalars(
        select(CartItem).where(CartItem.user_id == user.id).order_by(CartItem.stock_id)
    ).all()
    cart = [[it.stock_id, it.quantity] for it in items]
    extra = {} if delivery is None else {"delivery": delivery}
    claim = idempotency.claim_for(
        "checkout",
        {"payment": payment, "cart": cart, **extra},
        idempotency_key,
        {"payment": payment, **extra},
    )
    # An empty cart is what a retry sees after the first request ordered it: replay that.
    done = _replayed(
        session, idempotency.find_replay(session, user.id, claim, match_any_body=not items), Order
    )
    if done is not None:
        return done, True
    if not items:
        raise CartEmpty("the cart is empty")
    lines = [LineRequest(sid, q) for sid, q in cart]
    try:
        ids = [it.id for it in items]
        return place_order(session, user, lines, payment, claim, ids, delivery), False
    except DuplicateRequest:
        # a concurrent request committed first; ours was rolled back whole (stock included)
        done = _replayed(
            session, idempotency.find_replay(session, user.id, claim, match_any_body=True), Order
        )
        if done is None:
            raise ServiceBusy("the cart changed during checkout; please retry") from None
        return done, True


def order_to_dict(
    order: Order, mtm: MadeToMeasure | None = None, language: str = "en"
) -> dict[str, Any]:
    """Public view of an order (a made-to-measure file failure also in ``language``)."""
    d: dict[str, Any] = {
        "id": order.id,
        "kind": order.kind,
        "status": order.status,
        "total_krw": order.total_krw,
        "currency": order.currency,
        "payment_ref": order.payment_ref,
        "delivery": order.delivery,
        "fulfilment": "delivery" if order.delivery else "collect_at_shop",
        "created_at": as_utc(order.created_at).isoformat(),
        "lines": [
            {
                "id": ln.id,
                "shoe_id": ln.model_id,
                "size_eu": float(ln.size_eu),
                "width": ln.width,
                "colourway_id": ln.colourway_id,
                "quantity": ln.quantity,
                "returned_quantity": ln.returned_quantity,
                "unit_price_krw": ln.unit_price_krw,
            }
            for ln in order.lines
        ],
    }
    if mtm is not None:
        d["made_to_measure"] = {
            "shoe_id": mtm.model_id,
            "base_size_eu": float(mtm.base_size_eu),
            "base_width": mtm.base_width,
            "measurements": mtm.measurements,
            "last_spec": mtm.last_spec,
            "status": mtm.status,
            "files": files_to_dict(
                mtm, f"/api/orders/{order.id}/files", SHOPPER_FILES, language=language
            ),
        }
    return d


def get_order_for(session: DbSession, user: User, order_id: Any) -> Order:
    """The user's order; 404 for unknown ids and other people's orders alike."""
    return get_owned(session, Order, order_id, user, "order")


def _line(order: Order, line_id: Any) -> OrderLine:
    for ln in order.lines:
        if ln.id == line_id:
            return ln
    raise NotFound(f"order {order.id} has no line {line_id!r}")


def _label(value: Any) -> str:
    if value not in FIT_LABELS:
        raise ValidationFailed(f"fit must be one of {FIT_LABELS}", {"fit": "bad value"})
    return value


def _feedback_row(
    session: DbSession, user: User, line: OrderLine, label: str, catalog: Any, source: str
) -> FitFeedback | None:
    """A learner row from the shopper's latest measured scan and the worn last (None without a scan)."""
    scan = session.scalar(
        select(Scan)
        .where(Scan.user_id == user.id, Scan.status == "done")
        .order_by(Scan.id.desc())
        .limit(1)
    )
    if scan is None or not scan.result:
        return None
    model = catalog.model(line.model_id)
    last = model.size(float(line.size_eu), line.width or None)
    row = FitFeedback(
        user_id=user.id,
        model_id=model.id,
        shop_id=model.shop_id,
        size_eu=line.size_eu,
        foot_length_mm=float(scan.result["foot_length_mm"]),
        ball_girth_mm=float(scan.result["ball_girth_mm"]),
        last_length_mm=last.last_length_mm,
        last_girth_mm=last.ball_girth_mm,
        label=label,
        source=source,
    )
    session.add(row)
    return row


def return_line(
    session: DbSession, user: User, order: Order, data: dict[str, Any], catalog: Any, claim: Claim
) -> tuple[ReturnRequest, bool]:
    """Return pairs once: restock, record the refund and the fit reason, add a learner row.

    Returns ``(return request, replayed)``. Returns of one order are serialised: the write
    transaction starts by locking the order row (a no-op ``UPDATE``: PostgreSQL's row lock,
    SQLite's write lock), then moves ``returned_quantity`` with a conditional
    ``UPDATE ... WHERE returned_quantity + n <= quantity``. Of concurrent returns of the last
    pair exactly one matches; the others raise :class:`~storefront.domain_errors.NothingToReturn`
    (or replay the winner when they carry the same claim). The refund is written once, on the
    return row, in the same transaction.
    """
    line = _line(order, data.get("line_id"))
    label = _label(data.get("fit"))
    qty = data.get("quantity", 1)
    left = line.quantity - line.returned_quantity
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= max(left, 1):
        raise ValidationFailed(
            f"quantity must be 1 to {left} (pairs not yet returned)", {"quantity": "bad value"}
        )
    comment = data.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 500:
        raise ValidationFailed("comment must be a string of at most 500 characters")
    done = _replayed(session, idempotency.find_replay(session, user.id, claim), ReturnRequest)
    if done is not None:
        return done, True
    ids = (order.id, line.id, line.stock_id, line.unit_price_krw, user.id)
    session.commit()  # end the read transaction: the write phase starts with a write
    try:
        rr = _write_with_retries(
            session, lambda: _return_write(session, ids, qty, label, comment, catalog, claim)
        )
    except (DuplicateRequest, NothingToReturn):
        done = _replayed(session, idempotency.find_replay(session, user.id, claim), ReturnRequest)
        if done is None:
            raise NothingToReturn(
                f"order line {line.id} has no pairs left to return (they were returned already)"
            ) from None
        return done, True
    return rr, False


def _return_write(
    session: DbSession,
    ids: tuple[int, int, int | None, int, int],
    qty: int,
    label: str,
    comment: str,
    catalog: Any,
    claim: Claim,
) -> ReturnRequest:
    order_id, line_id, stock_id, unit_price, user_id = ids
    # Lock the order first: returns of one order run one at a time.
    session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(status=Order.status)
        .execution_options(synchronize_session=False)
    )
    res = session.execute(
        update(OrderLine)
        .where(OrderLine.id == line_id, OrderLine.returned_quantity + qty <= OrderLine.quantity)
        .values(returned_quantity=OrderLine.returned_quantity + qty)
        .execution_options(synchronize_session=False)
    )
    if rows_affected(res) != 1:
        session.rollback()
        raise NothingToReturn(f"order line {line_id} has no pairs left to return")
    if stock_id is not None:
        session.execute(
            update(Stock)
            .where(Stock.id == stock_id)
            .values(quantity=Stock.quantity + qty)
            .execution_options(synchronize_session=False)
        )
    rr = ReturnRequest(
        order_line_id=line_id,
        quantity=qty,
        fit_label=label,
        comment=comment,
        refund_krw=qty * unit_price,
    )
    session.add(rr)
    order = session.get(Order, order_id)
    if order is None:  # the line was just written in this transaction
        raise NotFound(f"no order {order_id}")
    session.refresh(order)
    for ln in order.lines:
        session.refresh(ln)
    all_back = all(ln.returned_quantity >= ln.quantity for ln in order.lines)
    order.status = "returned" if all_back else "partially_returned"
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no account {user_id}")
    line = next(ln for ln in order.lines if ln.id == line_id)
    _feedback_row(session, user, line, label, catalog, "return")
    session.flush()
    idempotency.record(session, user_id, claim, "return", rr.id)
    session.commit()
    return rr


def record_feedback(
    session: DbSession, user: User, order: Order, data: dict[str, Any], catalog: Any
) -> tuple[FitFeedback, bool]:
    """How a kept pair fits: one opinion per purchased line, edited in place.

    Returns ``(row, created)``. A second call for the same line changes the label of the first
    row instead of adding one, so one account cannot stuff the learner with one purchase
    (issue 13: 120 rows from one pair moved another shopper's size). 409 when every pair of
    the line was returned (the return already told the learner) or the shopper has no
    measured scan.
    """
    line = _line(order, data.get("line_id"))
    label = _label(data.get("fit"))
    if line.returned_quantity >= line.quantity:
        raise Conflict(
            "every pair of this line was returned; its return reason counts", code="not_kept"
        )
    existing = session.scalar(select(FitFeedback).where(FitFeedback.order_line_id == line.id))
    if existing is not None:
        existing.label = label
        session.commit()
        return existing, False
    row = _feedback_row(session, user, line, label, catalog, "feedback")
    if row is None:
        raise Conflict("fit feedback needs a measured foot scan first", code="no_scan")
    row.order_line_id = line.id
    try:
        session.commit()
    except IntegrityError:  # a concurrent first opinion won: edit that one
        session.rollback()
        existing = session.scalar(select(FitFeedback).where(FitFeedback.order_line_id == line.id))
        if existing is None:
            raise
        existing.label = label
        session.commit()
        return existing, False
    return row, True
