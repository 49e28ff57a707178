"""Made-to-measure orders: the nearest stock last and how to modify it for one foot.

Paid once per idempotency claim at :data:`MTM_SURCHARGE` times the stock price; the order, its
line and the measurements snapshot with the last specification are written in one commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storefront.db.models import MadeToMeasure, Order, OrderLine, Scan, User
from storefront.domain_errors import NotFound, NotReady, ServiceBusy, ValidationFailed
from storefront.extensions import DbSession
from storefront.security.ownership import MAX_ID
from storefront.shop import idempotency
from storefront.shop.idempotency import Claim
from storefront.shop.payment import get_provider
from storefront.shop.services import (
    DuplicateRequest,
    _payment_details,
    _payment_key,
    _replayed,
    _write_with_retries,
)

__all__ = ["MTM_SURCHARGE", "last_modification_spec", "made_to_measure"]

#: Made-to-measure surcharge over the stock price.
MTM_SURCHARGE = 1.5

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


def made_to_measure(
    session: DbSession, user: User, data: dict[str, Any], catalog: Any, claim: Claim
) -> tuple[Order, MadeToMeasure | None, bool]:
    """Order a made-to-measure pair once per claim: measurements snapshot + last spec.

    Returns ``(order, made-to-measure row, replayed)``; paid at the made-to-measure price.
    """
    scan, model, cw = _mtm_inputs(session, user, data, catalog)
    provider_name, details = _payment_details(data.get("payment"))
    done = _replayed(session, idempotency.find_replay(session, user.id, claim), Order)
    if done is not None:
        return done, _mtm_of(session, done), True
    result = scan.result or {}  # measured: checked by _mtm_inputs
    measurements = {k: result.get(k) for k in _MEASURES if k in result}
    spec = last_modification_spec(measurements, model)
    price = int(round(model.price_eur * 100 * MTM_SURCHARGE))
    user_id = user.id
    session.commit()  # end the read transaction

    def write() -> tuple[Order, MadeToMeasure]:
        return _mtm_write(
            session, user_id, claim, provider_name, details, price, model, cw, spec, measurements
        )

    try:
        order, mtm = _write_with_retries(session, write)
    except DuplicateRequest:
        done = _replayed(session, idempotency.find_replay(session, user_id, claim), Order)
        if done is None:
            raise ServiceBusy("a concurrent request interfered; please retry") from None
        return done, _mtm_of(session, done), True
    return order, mtm, False


def _mtm_inputs(
    session: DbSession, user: User, data: dict[str, Any], catalog: Any
) -> tuple[Scan, Any, str]:
    """The shopper's accepted, measured scan, the shoe model and the colourway (validated)."""
    scan_id, shoe_id, cw = data.get("scan_id"), data.get("shoe_id"), data.get("colourway_id")
    if isinstance(scan_id, bool) or not isinstance(scan_id, int):
        raise ValidationFailed("scan_id must be an integer", {"scan_id": "bad value"})
    scan = session.get(Scan, scan_id) if 0 < scan_id < MAX_ID else None
    if scan is None or scan.user_id != user.id:
        raise NotFound(f"no scan {scan_id}")
    from storefront.scans.verdict import verdict_of

    verdict = verdict_of(scan)
    if verdict is not None and not verdict.accepted:
        raise verdict.error()
    if scan.status != "done" or not scan.result:
        raise NotReady(f"scan {scan_id} is {scan.status}, not measured yet")
    if not isinstance(shoe_id, str):
        raise ValidationFailed("shoe_id must be a string", {"shoe_id": "bad value"})
    model = catalog.model(shoe_id)
    if not isinstance(cw, str) or cw not in {c.id for c in model.colourways}:
        raise ValidationFailed(f"colourway_id must be one of {[c.id for c in model.colourways]}")
    return scan, model, cw


def _mtm_write(
    session: DbSession,
    user_id: int,
    claim: Claim,
    provider_name: str,
    details: dict[str, Any],
    price: int,
    model: Any,
    cw: str,
    spec: dict[str, Any],
    measurements: dict[str, Any],
) -> tuple[Order, MadeToMeasure]:
    """Charge, then write the order, its line and the made-to-measure row in one commit."""
    try:
        result = get_provider(provider_name).charge(
            price, "EUR", details, idempotency_key=_payment_key(user_id, claim)
        )
    except Exception:
        session.rollback()
        raise
    order = Order(
        user_id=user_id,
        kind="made_to_measure",
        status="paid",
        total_cents=price,
        payment_ref=result.reference,
    )
    order.lines.append(
        OrderLine(
            model_id=model.id,
            size_eu=f"{spec['base_last']['eu']:g}",
            width=spec["base_last"]["width"],
            colourway_id=cw,
            quantity=1,
            unit_price_cents=price,
        )
    )
    session.add(order)
    session.flush()
    mtm = MadeToMeasure(
        order_id=order.id,
        model_id=model.id,
        shop_id=model.shop_id,
        colourway_id=cw,
        base_size_eu=f"{spec['base_last']['eu']:g}",
        base_width=spec["base_last"]["width"],
        measurements=measurements,
        last_spec=spec,
    )
    session.add(mtm)
    idempotency.record(session, user_id, claim, "order", order.id)
    session.commit()
    return order, mtm


def _mtm_of(session: DbSession, order: Order) -> MadeToMeasure | None:
    return session.scalar(select(MadeToMeasure).where(MadeToMeasure.order_id == order.id))
