"""Finished shopping journeys: delivery to a Korean address, made to measure quoted before charge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storefront.db.models import MtmQuote, Order
from storefront.extensions import db

ADDRESS = {
    "name": "김부산",
    "postcode": "47285",
    "road_address": "부산광역시 부산진구 중앙대로 644",
    "detail": "3층",
    "phone": "+82 10-9876-5432",
}


def _line(client):  # type: ignore[no-untyped-def]
    shoe_id = client.get("/api/shops").json["shops"][1]["models"][0]["id"]
    shoe = client.get(f"/api/shoes/{shoe_id}").json
    for s in shoe["sizes"]:
        for cw, n in s["stock"].items():
            if n >= 1:
                return {
                    "shoe_id": shoe_id,
                    "size_eu": s["eu"],
                    "width": s["width"],
                    "colourway_id": cw,
                }
    raise AssertionError("no stock")


def _n_orders(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return int(db.session.scalar(select(func.count(Order.id))) or 0)


def test_checkout_stores_the_korean_address_and_shows_it(client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    assert client.post("/api/cart", json=_line(client), headers=h).status_code == 201
    r = client.post("/api/checkout", json={"delivery": ADDRESS}, headers=h)
    assert r.status_code == 201, r.json
    assert r.json["fulfilment"] == "delivery"
    order = client.get(f"/api/orders/{r.json['id']}", headers=h).json
    assert order["delivery"] == {**ADDRESS, "phone": "010-9876-5432"}


def test_a_wrong_address_orders_nothing_and_names_the_field(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    client.post("/api/cart", json=_line(client), headers=h)
    before = _n_orders(app)
    r = client.post(
        "/api/checkout", json={"delivery": {**ADDRESS, "postcode": "612-02"}}, headers=h
    )
    assert r.status_code == 422
    assert "postcode" in r.json["error"]["message"]
    assert _n_orders(app) == before
    assert len(client.get("/api/cart", headers=h).json["items"]) == 1  # the cart is kept


def test_an_order_without_delivery_is_collected_at_the_shop(client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = client.post("/api/orders", json={"lines": [_line(client)]}, headers=h)
    assert r.status_code == 201 and r.json["fulfilment"] == "collect_at_shop"
    assert r.json["delivery"] is None


def _quote(client, h, scan):  # type: ignore[no-untyped-def]
    shoe = client.get("/api/shoes").json["shoes"][0]
    cw = client.get(f"/api/shoes/{shoe['id']}").json["colourways"][0]["id"]
    body = {"scan_id": scan, "shoe_id": shoe["id"], "colourway_id": cw}
    return client.post("/api/orders/made-to-measure/quote", json=body, headers=h), shoe


def test_a_made_to_measure_quote_charges_nothing_and_says_what_is_made(
    app, client, auth, measured_scan
) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    before = _n_orders(app)
    q, shoe = _quote(client, h, measured_scan(h))
    assert q.status_code == 201, q.json
    quote = q.json
    assert isinstance(quote["price_krw"], int) and quote["price_krw"] % 1000 == 0
    assert abs(quote["price_krw"] - shoe["price_krw"] * 1.5) <= 500  # 1.5x, on the 1,000-won grid
    assert 7 <= quote["lead_time_days"] <= 42
    assert "personal_last" in quote["made"]
    assert quote["nearest_stock_size"]["eu"] == quote["last_spec"]["base_last"]["eu"]
    assert _n_orders(app) == before  # nothing ordered, nothing charged
    assert client.get("/api/orders", headers=h).json["orders"] == []


def test_confirming_needs_an_explicit_yes_and_charges_the_quoted_price_once(
    app, client, auth, measured_scan
) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    q, _ = _quote(client, h, measured_scan(h))
    qid = q.json["id"]
    r = client.post("/api/orders/made-to-measure", json={"quote_id": qid}, headers=h)
    assert r.status_code == 422 and "confirm" in r.json["error"]["message"]
    r = client.post(
        "/api/orders/made-to-measure",
        json={"scan_id": 1, "shoe_id": "x", "colourway_id": "y"},
        headers=h,
    )
    assert r.status_code == 422 and "quote" in r.json["error"]["message"]
    assert _n_orders(app) == 0
    ok = client.post(
        "/api/orders/made-to-measure",
        json={"quote_id": qid, "confirm": True, "delivery": ADDRESS},
        headers=h,
    )
    assert ok.status_code == 201, ok.json
    assert ok.json["total_krw"] == q.json["price_krw"]
    assert ok.json["delivery"]["postcode"] == "47285"
    again = client.post(
        "/api/orders/made-to-measure", json={"quote_id": qid, "confirm": True}, headers=h
    )
    assert again.status_code == 409
    assert _n_orders(app) == 1


def test_an_expired_or_foreign_quote_cannot_be_confirmed(app, client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    h, other = auth.shopper(), auth.shopper()
    q, _ = _quote(client, h, measured_scan(h))
    qid = q.json["id"]
    r = client.post(
        "/api/orders/made-to-measure", json={"quote_id": qid, "confirm": True}, headers=other
    )
    assert r.status_code == 404
    with app.app_context():
        row = db.session.get(MtmQuote, qid)
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    r = client.post(
        "/api/orders/made-to-measure", json={"quote_id": qid, "confirm": True}, headers=h
    )
    assert r.status_code == 409 and "expired" in r.json["error"]["message"]
    assert _n_orders(app) == 0


def test_every_catalogue_category_has_a_lead_time() -> None:
    from storefront.catalog.models import CATEGORIES
    from storefront.shop.made_to_measure import LEAD_TIME_DAYS

    assert set(LEAD_TIME_DAYS) == set(CATEGORIES)
