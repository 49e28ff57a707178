"""Made to measure: a quote first (price, lead time, what is made), then an explicit confirmation.

Nothing is charged and no order exists until the shopper confirms a quote they have seen. A
quote fixes the price, the lead time, the measurements and the last specification for 24 hours;
confirming it charges exactly the quoted amount once (idempotent like every commerce write) and
hands the specification to the maker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from storefront.catalog.pricing import CURRENCY, made_to_measure_price_krw
from storefront.db.models import MadeToMeasure, MtmQuote, Order, OrderLine, Scan, User, as_utc
from storefront.domain_errors import (
    Conflict,
    NotFound,
    NotReady,
    ServiceBusy,
    ValidationFailed,
)
from storefront.extensions import DbSession, rows_affected
from storefront.security.ownership import MAX_ID, get_owned
from storefront.shop import idempotency
from storefront.shop.delivery import parse_delivery
from storefront.shop.idempotency import Claim
from storefront.shop.payment import get_provider
from storefront.shop.services import (
    DuplicateRequest,
    _payment_details,
    _payment_key,
    _replayed,
    _write_with_retries,
)
from storefront.workshop.services import maker_for_shop

__all__ = [
    "LEAD_TIME_DAYS",
    "MTM_SURCHARGE",
    "QUOTE_VALID_S",
    "confirm_quote",
    "last_modification_spec",
    "mtm_of",
    "quote",
    "quote_to_dict",
]

#: Made-to-measure surcharge over the stock price (last modification, one-off fitting).
MTM_SURCHARGE = 1.5
#: How long a quote holds its price and specification.
QUOTE_VALID_S = 24 * 3600
#: Working days from confirmation to dispatch, one per catalogue category (CATEGORIES): dress shoes are lasted
#: and welted by hand; cemented sports and casual shoes go faster; kids' shoes are simplest.
LEAD_TIME_DAYS = {
    "dress": 28,
    "running": 21,
    "trail": 21,
    "walking": 21,
    "comfort": 21,
    "casual": 18,
    "kids": 14,
}
_MEASURES = (
    "side",
    "foot_length_mm",
    "ball_width_mm",
    "heel_width_mm",
    "ball_girth_mm",
    "instep_girth_mm",
    "arch_height_mm",
    "instep_height_mm",
)


def last_modification_spec(measurements: dict[str, Any], model: Any) -> dict[str, Any]:
    """Pick the nearest stock last and say how to modify it for this foot (all in mm).

    The target last length is foot length + the model's toe allowance; the target ball girth
    equals the foot's (as fitted lasts are, see docs §1.1); widths follow the foot plus a
    small ease. The base last is the one needing the smallest total change.
    """
    foot_len = float(measurements["foot_length_mm"])
    target = {
        "last_length_mm": foot_len + float(model.toe_allowance_mm),
        "ball_girth_mm": float(measurements["ball_girth_mm"]),
        "ball_width_mm": float(measurements["ball_width_mm"]) + 1.5,
        "heel_width_mm": float(measurements["heel_width_mm"]) + 1.0,
    }
    if measurements.get("instep_girth_mm") is not None:
        target["instep_girth_mm"] = float(measurements["instep_girth_mm"])

    def cost(s: Any) -> float:
        return abs(s.last_length_mm - target["last_length_mm"]) + abs(
            s.ball_girth_mm - target["ball_girth_mm"]
        )

    base = min(model.sizes, key=cost)
    changes = {f"{k[:-3]}_delta_mm": round(v - getattr(base, k), 1) for k, v in target.items()}
    return {
        "base_last": {
            "eu": base.eu,
            "width": base.width,
            "last_length_mm": base.last_length_mm,
            "ball_girth_mm": base.ball_girth_mm,
        },
        "target": {k: round(v, 1) for k, v in target.items()},
        "modifications": changes,
        "toe_allowance_mm": float(model.toe_allowance_mm),
        "notes": "positive deltas add material to the last (longer, fuller); negative deltas remove it",
    }


def _measured_scan(session: DbSession, user: User, scan_id: Any) -> Scan:
    if isinstance(scan_id, bool) or not isinstance(scan_id, int):
        raise ValidationFailed("scan_id must be an integer", {"scan_id": "bad value"})
    scan = get_owned(session, Scan, scan_id, user, "scan", owner_only=True)
    from storefront.scans.verdict import verdict_of

    verdict = verdict_of(scan)
    if verdict is not None and not verdict.accepted:
        raise verdict.error()
    if scan.status != "done" or not scan.result:
        raise NotReady(f"scan {scan_id} is {scan.status}, not measured yet")
    return scan


def quote(session: DbSession, user: User, data: Any, catalog: Any) -> MtmQuote:
    """Price a made-to-measure pair for a measured scan, a model and a colourway; charge nothing.

    Parameters
    ----------
    data : dict
        ``{"scan_id": int, "shoe_id": str, "colourway_id": str}``.

    Returns
    -------
    MtmQuote
        Stored, valid for :data:`QUOTE_VALID_S` seconds.
    """
    if not isinstance(data, dict):
        raise ValidationFailed("expected an object with scan_id, shoe_id and colourway_id")
    scan = _measured_scan(session, user, data.get("scan_id"))
    shoe_id, cw = data.get("shoe_id"), data.get("colourway_id")
    if not isinstance(shoe_id, str):
        raise ValidationFailed("shoe_id must be a string", {"shoe_id": "bad value"})
    model = catalog.model(shoe_id)
    if not isinstance(cw, str) or cw not in {c.id for c in model.colourways}:
        raise ValidationFailed(
            f"colourway_id must be one of {[c.id for c in model.colourways]}",
            {"colourway_id": "bad value"},
        )
    assert scan.result is not None  # _measured_scan checked it
    measurements = {k: scan.result.get(k) for k in _MEASURES if k in scan.result}
    now = datetime.now(UTC)
    row = MtmQuote(
        user_id=user.id,
        scan_id=scan.id,
        model_id=model.id,
        shop_id=model.shop_id,
        colourway_id=cw,
        price_krw=made_to_measure_price_krw(model.price_krw, MTM_SURCHARGE),
        lead_time_days=LEAD_TIME_DAYS[model.category],
        measurements=measurements,
        last_spec=last_modification_spec(measurements, model),
        created_at=now,
        expires_at=now + timedelta(seconds=QUOTE_VALID_S),
    )
    session.add(row)
    session.commit()
    return row


def quote_to_dict(q: MtmQuote) -> dict[str, Any]:
    """Public view of a quote: what is made, for how much, by when."""
    base = q.last_spec["base_last"]
    return {
        "id": q.id,
        "shoe_id": q.model_id,
        "colourway_id": q.colourway_id,
        "scan_id": q.scan_id,
        "price_krw": q.price_krw,
        "lead_time_days": q.lead_time_days,
        "expires_at": as_utc(q.expires_at).isoformat(),
        "confirmed_order_id": q.order_id,
        "made": ["personal_last", "custom_insole", "shoes"],
        "nearest_stock_size": {"eu": base["eu"], "width": base["width"]},
        "measurements": q.measurements,
        "last_spec": q.last_spec,
        "preview": {
            "status": q.preview_status,
            "error": q.preview_error,
            "job": f"/api/jobs/{q.preview_job_id}" if q.preview_job_id else None,
            "url": f"/api/orders/made-to-measure/quotes/{q.id}/preview",
        },
    }


def _open_quote(session: DbSession, user: User, quote_id: Any) -> MtmQuote:
    if isinstance(quote_id, bool) or not isinstance(quote_id, int):
        raise ValidationFailed(
            "quote_id must be an integer: ask for a quote first "
            "(POST /api/orders/made-to-measure/quote), then confirm it",
            {"quote_id": "missing"},
        )
    q = session.get(MtmQuote, quote_id) if 0 < quote_id < MAX_ID else None
    if q is None or q.user_id != user.id:
        raise NotFound(f"no quote {quote_id}")
    return q


def confirm_quote(
    session: DbSession, user: User, data: Any, claim: Claim
) -> tuple[Order, MadeToMeasure | None, bool]:
    """Charge a quote the shopper has seen and send its specification to the maker, once.

    Parameters
    ----------
    data : dict
        ``{"quote_id": int, "confirm": true, "payment": {...}, "delivery": {...}?}``; without
        ``delivery`` the pair is collected at the shop.

    Returns
    -------
    (Order, MadeToMeasure or None, bool)
        The order, its made-to-measure row and whether this was a replay of an earlier request.
    """
    if not isinstance(data, dict):
        raise ValidationFailed("expected an object with quote_id and confirm: true")
    q = _open_quote(session, user, data.get("quote_id"))
    if data.get("confirm") is not True:
        raise ValidationFailed(
            "confirm must be true: a made-to-measure pair is charged only on explicit confirmation",
            {"confirm": "missing"},
        )
    done = _replayed(session, idempotency.find_replay(session, user.id, claim), Order)
    if done is not None:
        return done, mtm_of(session, done), True
    if q.confirmed_at is not None:
        raise Conflict(f"quote {q.id} is already confirmed (order {q.order_id})", code="used")
    if as_utc(q.expires_at) <= datetime.now(UTC):
        raise Conflict(f"quote {q.id} has expired; ask for a new one", code="expired")
    if session.get(Scan, q.scan_id) is None:
        raise Conflict("the scan behind this quote was deleted; ask for a new quote", code="gone")
    provider_name, details = _payment_details(data.get("payment"))
    delivery = parse_delivery(data["delivery"]).to_dict() if "delivery" in data else None
    user_id, quote_id = user.id, q.id
    session.commit()  # end the read transaction

    def write() -> tuple[Order, MadeToMeasure]:
        return _confirm_write(session, quote_id, user_id, claim, provider_name, details, delivery)

    try:
        order, mtm = _write_with_retries(session, write)
    except DuplicateRequest:
        done = _replayed(session, idempotency.find_replay(session, user_id, claim), Order)
        if done is None:
            session.expire_all()
            again = session.get(MtmQuote, quote_id)
            if again is not None and again.order_id is not None:
                raise Conflict(
                    f"quote {quote_id} is already confirmed (order {again.order_id})", code="used"
                ) from None
            raise ServiceBusy("a concurrent request interfered; please retry") from None
        return done, mtm_of(session, done), True
    return order, mtm, False


def _confirm_write(
    session: DbSession,
    quote_id: int,
    user_id: int,
    claim: Claim,
    provider_name: str,
    details: dict[str, Any],
    delivery: dict[str, str] | None,
) -> tuple[Order, MadeToMeasure]:
    """Take the quote (conditional update), charge it, write order + maker row; one commit."""
    q = session.get(MtmQuote, quote_id)
    assert q is not None
    spec = q.last_spec
    # the quote is taken by a conditional update: two confirmations cannot both win
    taken = session.execute(
        update(MtmQuote)
        .where(MtmQuote.id == quote_id, MtmQuote.confirmed_at.is_(None))
        .values(confirmed_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    if rows_affected(taken) != 1:
        session.rollback()
        raise DuplicateRequest()
    try:
        result = get_provider(provider_name).charge(
            q.price_krw, CURRENCY, details, idempotency_key=_payment_key(user_id, claim)
        )
    except Exception:
        session.rollback()
        raise
    order = Order(
        user_id=user_id,
        kind="made_to_measure",
        status="paid",
        total_krw=q.price_krw,
        payment_ref=result.reference,
        delivery=delivery,
    )
    order.lines.append(
        OrderLine(
            model_id=q.model_id,
            size_eu=f"{spec['base_last']['eu']:g}",
            width=spec["base_last"]["width"],
            colourway_id=q.colourway_id,
            quantity=1,
            unit_price_krw=q.price_krw,
        )
    )
    session.add(order)
    session.flush()
    session.execute(
        update(MtmQuote)
        .where(MtmQuote.id == quote_id)
        .values(order_id=order.id)
        .execution_options(synchronize_session=False)
    )
    mtm = MadeToMeasure(
        order_id=order.id,
        model_id=q.model_id,
        shop_id=q.shop_id,
        colourway_id=q.colourway_id,
        base_size_eu=f"{spec['base_last']['eu']:g}",
        base_width=spec["base_last"]["width"],
        measurements=q.measurements,
        last_spec=spec,
        maker_id=maker_for_shop(session, q.shop_id),
        files_status="queued",
    )
    session.add(mtm)
    idempotency.record(session, user_id, claim, "order", order.id)
    session.commit()
    return order, mtm


def mtm_of(session: DbSession, order: Order) -> MadeToMeasure | None:
    """The made-to-measure row of an order, if it is one."""
    return session.scalar(select(MadeToMeasure).where(MadeToMeasure.order_id == order.id))
