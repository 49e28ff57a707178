"""Checkout with an Idempotency-Key: a double click or a retry never places a second order."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

from sqlalchemy import func, select

from storefront.accounts.tokens import issue_token
from storefront.db.models import CartItem, Order, Stock, User
from storefront.extensions import db


def _shopper_with_cart(app: Any, email: str, quantity: int = 1) -> tuple[str, int]:
    with app.app_context():
        stock = db.session.scalars(select(Stock).order_by(Stock.id).limit(1)).one()
        stock.quantity = 10
        user = User(email=email, role="shopper")
        db.session.add(user)
        db.session.flush()
        db.session.add(CartItem(user_id=user.id, stock_id=stock.id, quantity=quantity))
        token = issue_token(db.session, user, 1.0)[0]
        db.session.commit()
        return token, stock.id


def _checkout(url: str, token: str, key: str | None) -> tuple[int, dict, dict]:
    body = json.dumps({"payment": {"provider": "test", "card": "4242424242424242"}}).encode()
    req = urllib.request.Request(url + "/api/checkout", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", f"Bearer {token}")
    if key is not None:
        req.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null"), dict(err.headers)


def _orders(app: Any, token_user_email: str) -> int:
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.email == token_user_email))
        return db.session.scalar(select(func.count(Order.id)).where(Order.user_id == uid))


def test_repeated_key_returns_the_same_order(app, live_server) -> None:  # type: ignore[no-untyped-def]
    token, stock_id = _shopper_with_cart(app, "twice@example.org")
    code1, order1, _ = _checkout(live_server.url, token, "key-aaaa-0001")
    code2, order2, headers2 = _checkout(live_server.url, token, "key-aaaa-0001")
    assert code1 == 201 and code2 == 200
    assert order1["id"] == order2["id"]
    assert headers2.get("Idempotent-Replayed") == "true"
    assert _orders(app, "twice@example.org") == 1
    with app.app_context():
        assert db.session.get(Stock, stock_id).quantity == 9  # one pair, not two


def test_parallel_clicks_with_one_key_place_one_order(app, live_server) -> None:  # type: ignore[no-untyped-def]
    token, stock_id = _shopper_with_cart(app, "clicker@example.org")
    n = 6
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def click(i: int) -> None:
        barrier.wait()
        results[i] = _checkout(live_server.url, token, "double-click-key-42")

    threads = [threading.Thread(target=click, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    codes = sorted(r[0] for r in results)
    ids = {r[1]["id"] for r in results if r[0] in (200, 201)}
    assert codes.count(201) == 1, codes
    # the others get the same order back (or, if they read the cart after it was emptied and
    # before the key was visible, a clear "cart empty"): never a second order
    assert all(c in (200, 201, 409) for c in codes), codes
    assert len(ids) == 1
    assert _orders(app, "clicker@example.org") == 1
    with app.app_context():
        assert db.session.get(Stock, stock_id).quantity == 9


def test_bad_key_is_refused_before_anything_happens(app, live_server) -> None:  # type: ignore[no-untyped-def]
    token, stock_id = _shopper_with_cart(app, "badkey@example.org")
    code, body, _ = _checkout(live_server.url, token, "x")
    assert code == 400 and body["error"]["code"] == "bad_idempotency_key"
    code, body, _ = _checkout(live_server.url, token, "a" * 20 + "' OR 1=1 --")
    assert code == 400
    assert _orders(app, "badkey@example.org") == 0
    with app.app_context():
        assert db.session.get(Stock, stock_id).quantity == 10
