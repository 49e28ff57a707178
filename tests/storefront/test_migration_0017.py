"""Migration 0017 (made-to-measure files, makers) loses no rows on SQLite.

0017 adds columns and a foreign key to ``made_to_measure`` in Alembic's batch mode, which on
SQLite copies the table, drops the old one and renames the copy. With foreign keys on (the
app turns them on for every connection), dropping a table deletes its rows first, and that
delete cascades to every row referencing it through ``ON DELETE CASCADE``. Here a database at
0016 is seeded with rows in the rebuilt tables and in the tables that reference others
(order lines, returns, fit feedback, cart items, scans, jobs, quotes), upgraded to head, and
every table must hold the same rows after; a second test rebuilds a *referenced* table the
same way and shows the count check sees the cascade (so the first one can fail).
"""

from __future__ import annotations

from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text

from storefront import create_app
from storefront.db.setup import MIGRATIONS_DIR

_T = "'2026-11-01 10:00:00'"
_SEED = (
    "INSERT INTO user_account (id, email, role, display_name, consent_aggregates, "
    f"consent_gait_health, created_at) VALUES (1, 'kim@example.org', 'shopper', 'Kim', 1, 0, {_T}),"
    f" (2, 'maker@example.org', 'shopper', 'Busan Lasts', 0, 0, {_T})",
    "INSERT INTO shop (id, name, brand, tagline, size_offset_mm, street_position, color) "
    "VALUES ('s1', 'S', 'B', 't', 0, '[0, 0]', '#000000')",
    "INSERT INTO shoe_model (id, shop_id, name, category, price_cents) "
    "VALUES ('m1', 's1', 'M', 'running', 12900)",
    "INSERT INTO stock (id, model_id, size_eu, width, colourway_id, quantity) "
    "VALUES (1, 'm1', '42', 'D', 'c1', 5)",
    "INSERT INTO cart_item (id, user_id, stock_id, quantity) VALUES (1, 1, 1, 1)",
    "INSERT INTO shop_order (id, user_id, kind, status, total_cents, currency, created_at) "
    f"VALUES (1, 1, 'stock', 'paid', 25800, 'EUR', {_T}),"
    f" (2, 1, 'made_to_measure', 'paid', 31000, 'EUR', {_T})",
    "INSERT INTO order_line (id, order_id, stock_id, model_id, size_eu, width, colourway_id, "
    "quantity, unit_price_cents, returned_quantity) VALUES "
    "(1, 1, 1, 'm1', '42', 'D', 'c1', 2, 12900, 1), (2, 2, NULL, 'm1', '42', 'D', 'c1', 1, 31000, 0)",
    "INSERT INTO return_request (id, order_line_id, quantity, fit_label, comment, created_at, "
    f"refund_cents) VALUES (1, 1, 1, 'too_small', '', {_T}, 12900)",
    "INSERT INTO fit_feedback (id, user_id, model_id, shop_id, size_eu, foot_length_mm, "
    "ball_girth_mm, last_length_mm, last_girth_mm, label, source, created_at, order_line_id) "
    f"VALUES (1, 1, 'm1', 's1', '42', 265, 250, 275, 248, 'good', 'order', {_T}, 2)",
    "INSERT INTO made_to_measure (id, order_id, model_id, shop_id, colourway_id, base_size_eu, "
    "base_width, measurements, last_spec, status, created_at) VALUES (1, 2, 'm1', 's1', 'c1', "
    f"'42', 'D', '{{\"length_mm\": 265.0}}', '{{\"ball_girth_mm\": 1.5}}', 'sent_to_maker', {_T})",
    "INSERT INTO mtm_quote (id, user_id, scan_id, model_id, shop_id, colourway_id, price_cents, "
    "lead_time_days, measurements, last_spec, created_at, expires_at, confirmed_at, order_id) "
    f"VALUES (1, 1, 1, 'm1', 's1', 'c1', 31000, 21, '{{}}', '{{}}', {_T}, {_T}, {_T}, 2)",
    "INSERT INTO scan (id, user_id, status, filename, stored_name, units, size_bytes, "
    f"created_at) VALUES (1, 1, 'done', 'foot.ply', 'x', 'mm', 10, {_T})",
    "INSERT INTO job (id, kind, target_id, user_id, status, progress, stage, backend, "
    f"created_at, updated_at) VALUES ('j1', 'scan', 1, 1, 'done', 1, 'done', 'thread', {_T}, {_T})",
)


def _app(tmp_path: Path):  # type: ignore[no-untyped-def]
    return create_app(
        {
            "SECRET_KEY": "k",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
            "UPLOAD_DIR": str(tmp_path / "up"),
            "AUTO_INIT": False,
            "SEED_DEMO": False,
        }
    )


def _counts(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    names = conn.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ).scalars()
    return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar() for t in names}


def _seed_at_0016(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from storefront.extensions import db

    upgrade(directory=str(MIGRATIONS_DIR), revision="0016")
    with db.engine.begin() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # as the app runs it
        for sql in _SEED:
            conn.execute(text(sql))
        before = _counts(conn)
    assert all(before[t] for t in ("order_line", "return_request", "made_to_measure"))
    return before


def test_upgrade_from_0016_to_head_keeps_every_row(tmp_path: Path) -> None:
    from flask_migrate import upgrade

    app = _app(tmp_path)
    with app.app_context():
        from storefront.extensions import db

        before = _seed_at_0016(app)
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as conn:
            after = _counts(conn)
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            mtm = conn.execute(
                text(
                    "SELECT order_id, measurements, last_spec, status, maker_id, files_status "
                    "FROM made_to_measure"
                )
            ).one()
            preview = conn.execute(text("SELECT preview_status, order_id FROM mtm_quote")).one()
            # the maker foreign key exists: SQLite only gets one by rebuilding the table
            fks = conn.execute(text("PRAGMA foreign_key_list(made_to_measure)")).all()
        db.engine.dispose()
    assert {t: after[t] for t in before} == before  # no row lost anywhere
    assert after["maker_shop"] == 0  # new in 0017
    assert tuple(mtm) == (
        2,
        '{"length_mm": 265.0}',
        '{"ball_girth_mm": 1.5}',
        "sent_to_maker",
        None,
        "none",
    )
    assert tuple(preview) == ("none", 2)
    assert {(fk[2], fk[3]) for fk in fks} == {
        ("shop_order", "order_id"),
        ("user_account", "maker_id"),
    }


def test_the_count_check_sees_a_batch_rebuild_that_cascades(tmp_path: Path) -> None:
    """Rebuilding a table that others reference (``shop_order``) the way batch mode does, on
    the same seeded database with foreign keys on, deletes its children: the check above
    would fail for a migration that did this (0018 renames columns in place for that reason)."""
    app = _app(tmp_path)
    with app.app_context():
        from storefront.extensions import db

        before = _seed_at_0016(app)
        with db.engine.begin() as conn:
            ops = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
            with ops.batch_alter_table("shop_order", recreate="always") as batch:
                batch.alter_column("payment_ref", existing_type=None, nullable=True)
            after = _counts(conn)
        db.engine.dispose()
    lost = {t: before[t] - after[t] for t in before if after[t] != before[t]}
    assert lost.get("order_line") == 2 and lost.get("made_to_measure") == 1, lost
    assert lost.get("return_request") == 1
    assert after["shop_order"] == before["shop_order"]  # the rebuilt table itself is whole
