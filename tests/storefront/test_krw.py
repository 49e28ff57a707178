"""Korean won as the currency of record: catalogue, pricing rules, API fields, migration 0018."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storefront import create_app
from storefront.catalog.loader import load_catalog
from storefront.catalog.pricing import format_krw, made_to_measure_price_krw, round_won
from storefront.db.setup import MIGRATIONS_DIR


def test_catalogue_prices_are_whole_won_on_the_shelf_grid() -> None:
    prices = [m.price_krw for m in load_catalog().models]
    assert all(type(p) is int for p in prices)
    assert all(p % 1000 == 0 and 30_000 <= p <= 500_000 for p in prices), prices


def test_round_won_and_made_to_measure_price() -> None:
    assert round_won(133_499) == 133_000
    assert round_won(133_500) == 134_000  # halves up, unlike Python's round()
    assert made_to_measure_price_krw(129_000, 1.5) == 194_000  # 193,500 on the grid
    assert made_to_measure_price_krw(100_000, 1.5) == 150_000
    assert format_krw(1_234_000) == "1,234,000원"
    assert format_krw(1_234_000, "en") == "₩1,234,000"
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            round_won(bad)
    with pytest.raises(ValueError):
        made_to_measure_price_krw(100_000, 0.5)


def test_api_money_fields_are_integers_in_won(client) -> None:  # type: ignore[no-untyped-def]
    shoes = client.get("/api/shoes").json["shoes"]
    assert shoes and all(type(s["price_krw"]) is int for s in shoes)
    assert not any(k.endswith("_eur") for s in shoes for k in s)
    spec = client.get("/api/openapi.json").json
    assert "Korean won" in spec["info"]["description"]
    assert "eur" not in str(spec).lower().replace("europe", "")


def _legacy_rows(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO shop (id, name, brand, tagline, size_offset_mm, street_position, color) "
            "VALUES ('s1', 'S', 'B', 't', 0, '[0, 0]', '#000000')"
        )
    )
    conn.execute(
        text(
            "INSERT INTO shoe_model (id, shop_id, name, category, price_cents) "
            "VALUES ('m1', 's1', 'M', 'running', 12900)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO shop_order (id, kind, status, total_cents, currency, created_at) "
            "VALUES (1, 'stock', 'partially_returned', 34800, 'EUR', '2026-11-01 10:00:00')"
        )
    )
    for lid, qty, cents in ((1, 2, 12900), (2, 1, 8999)):
        conn.execute(
            text(
                "INSERT INTO order_line (id, order_id, model_id, size_eu, width, colourway_id, "
                "quantity, unit_price_cents, returned_quantity) "
                f"VALUES ({lid}, 1, 'm1', '42', 'D', 'c1', {qty}, {cents}, 0)"
            )
        )
    conn.execute(
        text(
            "INSERT INTO return_request (id, order_line_id, quantity, fit_label, comment, "
            "refund_cents, created_at) VALUES (1, 1, 1, 'too_small', '', 12900, '2026-11-02')"
        )
    )


def test_migration_0018_converts_euro_cents_to_the_won_shoppers_saw(tmp_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(
        {
            "SECRET_KEY": "k",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
            "UPLOAD_DIR": str(tmp_path / "up"),
            "AUTO_INIT": False,
            "SEED_DEMO": False,
        }
    )
    with app.app_context():
        from storefront.extensions import db

        upgrade(directory=str(MIGRATIONS_DIR), revision="0017")
        with db.engine.begin() as conn:
            _legacy_rows(conn)
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT price_krw FROM shoe_model")).scalar() == 194_000
            lines = conn.execute(
                text("SELECT unit_price_krw, quantity FROM order_line ORDER BY id")
            ).all()
            # 129.00 EUR -> 193,500 -> 194,000; 89.99 EUR -> 134,985 -> 135,000 (old page rule)
            assert [tuple(r) for r in lines] == [(194_000, 2), (135_000, 1)]
            total, cur = conn.execute(text("SELECT total_krw, currency FROM shop_order")).one()
            assert (total, cur) == (2 * 194_000 + 135_000, "KRW")  # the sum of its lines
            assert conn.execute(text("SELECT refund_krw FROM return_request")).scalar() == 194_000
        db.engine.dispose()
