"""64-bit ids (issue 13, "The small ones"): rows with ids beyond 2**31 work on both databases.

Before migration 0011 the PostgreSQL id columns were 32-bit ``INTEGER``: a row with id 2**40
could not be stored at all, and ids past 2**31 were cut off as unknown.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import text

from tests.storefront.conftest import AuthActions, average_foot

BIG = 2**40 + 7


def _big_rows_work(app: Flask) -> None:
    from storefront.accounts.tokens import resolve_token
    from storefront.db.models import Order, OrderLine, Scan, Stock
    from storefront.extensions import db

    client = app.test_client()
    h = AuthActions(client).shopper()
    with app.app_context():
        user = resolve_token(db.session, h["Authorization"].split()[1])
        stock = db.session.query(Stock).filter(Stock.quantity > 0).first()
        assert stock is not None
        db.session.add(
            Scan(id=BIG, user_id=user.id, status="done", filename="f.ply",
                 stored_name="scans/none.ply", units="mm", result=average_foot())
        )  # fmt: skip
        order = Order(id=BIG + 1, user_id=user.id, status="paid", total_krw=100)
        db.session.add(order)
        db.session.flush()
        db.session.add(
            OrderLine(id=BIG + 2, order_id=order.id, stock_id=stock.id, model_id=stock.model_id,
                      size_eu=stock.size_eu, width=stock.width, colourway_id=stock.colourway_id,
                      quantity=1, unit_price_krw=100)
        )  # fmt: skip
        db.session.commit()
    r = client.get(f"/api/scans/{BIG}", headers=h)
    assert r.status_code == 200 and r.json["id"] == BIG, r.json
    r = client.get(f"/api/orders/{BIG + 1}", headers=h)
    assert r.status_code == 200 and r.json["id"] == BIG + 1, r.json
    r = client.get(f"/api/recommendations?scan={BIG}&limit=1", headers=h)
    assert r.status_code == 200, r.json
    r = client.post(f"/api/orders/{BIG + 1}/returns", json={"line_id": BIG + 2, "quantity": 1,
                    "fit": "too_small"}, headers=h)  # fmt: skip
    assert r.status_code == 201, r.json
    # and past the 64-bit range it stays a plain 404
    assert client.get(f"/api/scans/{2**63}", headers=h).status_code == 404


def test_ids_beyond_32_bits_on_sqlite(app: Flask) -> None:
    _big_rows_work(app)


def test_ids_beyond_32_bits_on_postgres(pg_app: Flask) -> None:
    _big_rows_work(pg_app)
    from storefront.extensions import db

    with pg_app.app_context():
        rows: list[Any] = db.session.execute(
            text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND (column_name = 'id' OR column_name LIKE '%\\_id')"
                " AND data_type IN ('integer', 'bigint')"
            )
        ).all()
        narrow = [(t, c) for t, c, ty in rows if ty != "bigint"]
        assert not narrow, narrow
        seqs = db.session.execute(
            text("SELECT sequencename, data_type FROM pg_sequences WHERE schemaname = 'public'")
        ).all()
        assert seqs and all(ty == "bigint" for _n, ty in seqs), seqs
        # a new row still gets its id from the (widened) sequence
        db.session.execute(text("SELECT setval('scan_id_seq', :v)"), {"v": 2**50})
        from storefront.db.models import Scan

        user_id = db.session.execute(text("SELECT min(id) FROM user_account")).scalar()
        s = Scan(user_id=user_id, filename="a.ply", stored_name="scans/x.ply", units="mm")
        db.session.add(s)
        db.session.commit()
        assert s.id == 2**50 + 1
