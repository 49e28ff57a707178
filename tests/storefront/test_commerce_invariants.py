"""Money and stock invariants under concurrency (issue 13, "What to build" 1).

Real threads against a live WSGI server, on SQLite and (with ``scripts/services.sh``) on
PostgreSQL: a pair is returned once however many returns race; a cart is ordered once however
many checkouts race without a key; every commerce request is idempotent by key, and a key
reused for a different request is a 422; with the queue down nothing is committed behind a 500.
"""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from storefront.accounts.tokens import issue_token
from storefront.db.models import (
    CartItem,
    FitFeedback,
    IdempotencyRecord,
    Order,
    OrderLine,
    ReturnRequest,
    Scan,
    Stock,
    User,
)
from storefront.extensions import db
from tests.storefront.conftest import LiveServer, average_foot

N = 20
CARD = {"provider": "test", "card": "4242424242424242"}


def _shopper(app: Flask, email: str, *, pairs: int = 1, cart: bool = False) -> tuple[str, int]:
    """A shopper (with a measured scan) and a stock row with 10 pairs; optionally in the cart."""
    with app.app_context():
        stock = db.session.scalars(select(Stock).order_by(Stock.id).limit(1)).one()
        stock.quantity = 10
        user = User(email=email, role="shopper")
        db.session.add(user)
        db.session.flush()
        db.session.add(
            Scan(
                user_id=user.id,
                status="done",
                filename="f.ply",
                stored_name="scans/none.ply",
                result=average_foot(),
            )
        )
        if cart:
            db.session.add(CartItem(user_id=user.id, stock_id=stock.id, quantity=pairs))
        token = issue_token(db.session, user, 1.0)[0]
        db.session.commit()
        return token, stock.id


def _line_body(app: Flask, stock_id: int, qty: int = 1) -> dict[str, Any]:
    with app.app_context():
        s = db.session.get(Stock, stock_id)
        return {"shoe_id": s.model_id, "size_eu": float(s.size_eu), "width": s.width,
                "colourway_id": s.colourway_id, "quantity": qty}  # fmt: skip


def _race(n: int, fn: Any) -> tuple[list[tuple[int, Any]], float]:
    barrier = threading.Barrier(n)
    out: list[tuple[int, Any]] = [(0, None)] * n

    def run(i: int) -> None:
        barrier.wait()
        out[i] = fn(i)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out, time.perf_counter() - t0


def parallel_returns_of_one_pair(app: Flask, server: LiveServer) -> dict[str, Any]:
    """20 simultaneous returns of the one pair bought: half identical, half each different."""
    token, stock_id = _shopper(app, "returner@example.org")
    code, order = server.request(
        "POST", "/api/orders", {"lines": [_line_body(app, stock_id)], "payment": CARD}, token
    )
    assert code == 201, order
    line_id = order["lines"][0]["id"]
    with app.app_context():
        shelf = db.session.get(Stock, stock_id).quantity

    def ret(i: int) -> tuple[int, Any]:
        body = {"line_id": line_id, "fit": "too_small", "comment": "" if i % 2 else f"try {i}"}
        return server.request("POST", f"/api/orders/{order['id']}/returns", body, token)

    results, seconds = _race(N, ret)
    with app.app_context():
        line = db.session.get(OrderLine, line_id)
        returns = db.session.scalars(select(ReturnRequest)).all()
        out = {
            "codes": sorted(c for c, _ in results),
            "bodies": [b for _, b in results],
            "returned_quantity": line.returned_quantity,
            "restocked": db.session.get(Stock, stock_id).quantity - shelf,
            "return_rows": len(returns),
            "refund_krw": sum(r.refund_krw for r in returns),
            "unit_price_krw": line.unit_price_krw,
            "learner_rows": db.session.scalar(
                select(func.count(FitFeedback.id)).where(FitFeedback.source == "return")
            ),
            "seconds": seconds,
        }
    return out


def parallel_keyless_checkouts(app: Flask, server: LiveServer) -> dict[str, Any]:
    """20 simultaneous checkouts of one one-pair cart, without an Idempotency-Key."""
    token, stock_id = _shopper(app, "clicker@example.org", cart=True)
    results, seconds = _race(
        N, lambda i: server.request("POST", "/api/checkout", {"payment": CARD}, token)
    )
    with app.app_context():
        orders = db.session.scalars(select(Order)).all()
        return {
            "codes": sorted(c for c, _ in results),
            "order_ids": {b["id"] for c, b in results if c in (200, 201)},
            "orders": len(orders),
            "left": db.session.get(Stock, stock_id).quantity,
            "cart": db.session.scalar(select(func.count(CartItem.id))),
            "seconds": seconds,
        }


def _assert_one_return(out: dict[str, Any]) -> None:
    assert out["codes"].count(201) == 1, out
    assert set(out["codes"]) <= {200, 201, 409}, out
    refused = [b for b in out["bodies"] if b and "error" in b]
    assert all(b["error"]["code"] == "nothing_to_return" for b in refused), refused
    assert out["returned_quantity"] == 1
    assert out["restocked"] == 1
    assert out["return_rows"] == 1
    assert out["refund_krw"] == out["unit_price_krw"]
    assert out["learner_rows"] == 1


def _assert_one_order(out: dict[str, Any]) -> None:
    assert out["orders"] == 1, out
    assert out["codes"].count(201) == 1, out
    assert set(out["codes"]) <= {200, 201}, out
    assert len(out["order_ids"]) == 1
    assert out["left"] == 9 and out["cart"] == 0


def test_twenty_parallel_returns_of_one_pair_accept_exactly_one(app, live_server) -> None:  # type: ignore[no-untyped-def]
    out = parallel_returns_of_one_pair(app, live_server)
    print(f"\nSQLite returns: {out['codes']} in {out['seconds']:.2f} s")
    _assert_one_return(out)


def test_twenty_parallel_keyless_checkouts_make_one_order(app, live_server) -> None:  # type: ignore[no-untyped-def]
    out = parallel_keyless_checkouts(app, live_server)
    print(f"\nSQLite checkouts: {out['codes']} in {out['seconds']:.2f} s")
    _assert_one_order(out)


@pytest.mark.postgres
def test_twenty_parallel_returns_of_one_pair_on_postgres(pg_app) -> None:  # type: ignore[no-untyped-def]
    server = LiveServer(pg_app)
    try:
        out = parallel_returns_of_one_pair(pg_app, server)
    finally:
        server.close()
    print(f"\nPostgreSQL returns: {out['codes']} in {out['seconds']:.2f} s")
    _assert_one_return(out)


@pytest.mark.postgres
def test_twenty_parallel_keyless_checkouts_on_postgres(pg_app) -> None:  # type: ignore[no-untyped-def]
    server = LiveServer(pg_app)
    try:
        out = parallel_keyless_checkouts(pg_app, server)
    finally:
        server.close()
    print(f"\nPostgreSQL checkouts: {out['codes']} in {out['seconds']:.2f} s")
    _assert_one_order(out)


def _post(client, url: str, body: dict, token: str, key: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(url, json=body, headers=headers)


def test_orders_made_to_measure_and_returns_honour_the_key(app, client) -> None:  # type: ignore[no-untyped-def]
    token, stock_id = _shopper(app, "keys@example.org")
    line = _line_body(app, stock_id)
    body = {"lines": [line], "payment": CARD}
    first = _post(client, "/api/orders", body, token, "order-key-0001")
    again = _post(client, "/api/orders", body, token, "order-key-0001")
    assert first.status_code == 201 and again.status_code == 200, again.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    other = _post(
        client, "/api/orders", {"lines": [{**line, "quantity": 2}]}, token, "order-key-0001"
    )
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"

    with app.app_context():
        scan_id = db.session.scalar(select(Scan.id).where(Scan.filename == "f.ply"))
    shoe = client.get("/api/shoes").json["shoes"][0]["id"]
    cw = client.get(f"/api/shoes/{shoe}").json["colourways"][0]["id"]
    quote = {"scan_id": scan_id, "shoe_id": shoe, "colourway_id": cw}
    q = _post(client, "/api/orders/made-to-measure/quote", quote, token)
    assert q.status_code == 201, q.json
    mtm = {"quote_id": q.json["id"], "confirm": True, "payment": CARD}
    a = _post(client, "/api/orders/made-to-measure", mtm, token, "mtm-key-0001")
    b = _post(client, "/api/orders/made-to-measure", mtm, token, "mtm-key-0001")
    assert a.status_code == 201 and b.status_code == 200 and a.json["id"] == b.json["id"]
    assert b.json["made_to_measure"]["last_spec"] == a.json["made_to_measure"]["last_spec"]
    c = _post(client, "/api/orders/made-to-measure", {**mtm, "payment": None}, token, "mtm-key-0001")  # fmt: skip
    assert c.status_code == 422
    # a second confirmation of the same quote under a new key is refused, not charged again
    d = _post(client, "/api/orders/made-to-measure", mtm, token, "mtm-key-0002")
    assert d.status_code == 409 and d.json["error"]["code"] == "used", d.json

    ret = {"line_id": first.json["lines"][0]["id"], "fit": "too_large"}
    url = f"/api/orders/{first.json['id']}/returns"
    r1 = _post(client, url, ret, token, "return-key-01")
    r2 = _post(client, url, ret, token, "return-key-01")
    assert r1.status_code == 201 and r2.status_code == 200
    assert r1.json["return_id"] == r2.json["return_id"]
    assert r1.json["refund_krw"] == first.json["total_krw"]
    r3 = _post(client, url, {**ret, "fit": "fits"}, token, "return-key-01")
    assert r3.status_code == 422 and r3.json["error"]["code"] == "idempotency_key_reused"
    r4 = _post(client, url, {**ret, "fit": "fits"}, token, "return-key-02")
    assert r4.status_code == 409 and r4.json["error"]["code"] == "nothing_to_return"
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 2
        assert db.session.scalar(select(func.count(ReturnRequest.id))) == 1


def test_checkout_key_reused_with_a_different_cart_is_422(app, client) -> None:  # type: ignore[no-untyped-def]
    token, stock_id = _shopper(app, "cartkey@example.org", cart=True)
    r = _post(client, "/api/checkout", {"payment": CARD}, token, "cart-key-0001")
    assert r.status_code == 201
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "cartkey@example.org"))
        db.session.add(CartItem(user_id=user.id, stock_id=stock_id + 1, quantity=1))
        db.session.commit()
    r2 = _post(client, "/api/checkout", {"payment": CARD}, token, "cart-key-0001")
    assert r2.status_code == 422 and r2.json["error"]["code"] == "idempotency_key_reused"
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1


def test_keyless_duplicate_within_the_window_returns_the_first_result(  # type: ignore[no-untyped-def]
    app, client, monkeypatch
) -> None:
    from storefront.shop import idempotency

    token, stock_id = _shopper(app, "dup@example.org")
    body = {"lines": [_line_body(app, stock_id)], "payment": CARD}
    a = _post(client, "/api/orders", body, token)
    b = _post(client, "/api/orders", body, token)
    assert a.status_code == 201 and b.status_code == 200 and a.json["id"] == b.json["id"]
    monkeypatch.setattr(idempotency, "DUPLICATE_WINDOW_S", 0.0)
    c = _post(client, "/api/orders", body, token)  # the same purchase, later: a new order
    assert c.status_code == 201 and c.json["id"] != a.json["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 2
        assert db.session.get(Stock, stock_id).quantity == 8
        assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 1


def _rq_down(app: Flask) -> None:
    from storefront.jobs import JobRunner

    app.config.update(JOB_BACKEND="rq", REDIS_URL="redis://127.0.0.1:1/0")
    app.extensions["shoestreet_jobs"] = JobRunner(app)


def test_queue_down_uploads_answer_503_and_commit_nothing(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from storefront.scans.footscan_bridge import demo_scan_ply

    h = auth.shopper()
    _rq_down(app)
    data = {"file": (io.BytesIO(demo_scan_ply(250.0, "right", 1)), "foot.ply"), "units": "mm"}
    r = client.post("/api/scans", data=data, headers=h, content_type="multipart/form-data")
    assert r.status_code == 503, r.json
    assert r.json["error"]["code"] == "queue_unavailable" and r.headers["Retry-After"]
    assert client.post("/api/scans/demo", json={}, headers=h).status_code == 503
    gait = {"file": (io.BytesIO(b"t,fsr0\n0,1\n"), "walk.csv")}
    r = client.post("/api/gait/sessions", data=gait, headers=h, content_type="multipart/form-data")
    assert r.status_code == 503
    with app.app_context():
        assert db.session.scalar(select(func.count(Scan.id))) == 0
    root = Path(app.config["UPLOAD_DIR"])
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


def test_queue_down_a_return_is_committed_once_and_answered(app, client) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import Job

    token, stock_id = _shopper(app, "redisdown@example.org")
    order = _post(client, "/api/orders", {"lines": [_line_body(app, stock_id)]}, token).json
    _rq_down(app)
    ret = {"line_id": order["lines"][0]["id"], "fit": "too_small"}
    url = f"/api/orders/{order['id']}/returns"
    r = _post(client, url, ret, token)
    assert r.status_code == 201, r.json  # committed and answered: no 500 behind a commit
    retry = _post(client, url, ret, token)  # the client's retry gets the same return
    assert retry.status_code == 200 and retry.json["return_id"] == r.json["return_id"]
    with app.app_context():
        assert db.session.get(Stock, stock_id).quantity == 10
        assert db.session.scalar(select(func.count(ReturnRequest.id))) == 1
        job = db.session.scalars(select(Job).where(Job.kind == "learn")).one()
        assert job.status == "queued" and job.stage == "waiting for the queue"
