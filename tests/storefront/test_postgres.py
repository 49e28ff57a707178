"""The same service on a real PostgreSQL server: migrations, seeding, concurrency, privacy ledger.

Needs ``SHOESTREET_TEST_POSTGRES_URL`` (``scripts/services.sh`` starts a throw-away server and
exports it); each test run creates its own database there and drops it afterwards.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import inspect

from tests.storefront.conftest import LiveServer, race_last_pairs

pytestmark = pytest.mark.postgres


def test_migrations_and_seed_on_postgres(pg_app: Flask) -> None:
    with pg_app.app_context():
        from storefront.db.models import Stock
        from storefront.extensions import db

        assert db.engine.dialect.name == "postgresql"
        assert {"alembic_version", "stock", "privacy_release"} <= set(
            inspect(db.engine).get_table_names()
        )
        assert db.session.query(Stock).count() > 100
    client = pg_app.test_client()
    assert len(client.get("/api/shops").json["shops"]) >= 6


def test_twenty_parallel_checkouts_on_postgres(pg_app: Flask) -> None:
    server = LiveServer(pg_app)
    try:
        out = race_last_pairs(pg_app, server, n_buyers=20, pairs_left=5)
    finally:
        server.close()
    assert out["codes"].count(201) == 5, out
    assert out["codes"].count(409) == 15, out
    assert out["left"] == 0 and out["sold"] == 5


def test_sql_injection_strings_are_just_data_on_postgres(pg_app: Flask) -> None:
    client = pg_app.test_client()
    evil = "x'); DROP TABLE stock; --"
    r = client.post(
        "/api/auth/register", json={"email": f"a{evil}@example.org", "password": "long enough"}
    )
    assert r.status_code in (201, 422)
    assert client.get(f"/api/shoes/{evil}").status_code == 404
    assert client.get("/api/shops").status_code == 200
    with pg_app.app_context():
        from storefront.db.models import Stock
        from storefront.extensions import db

        assert db.session.query(Stock).count() > 100


def test_privacy_ledger_holds_under_concurrency_on_postgres(pg_app: Flask) -> None:
    import threading

    from storefront.db.models import Scan, User
    from storefront.extensions import db
    from tests.storefront.conftest import average_foot

    out = pg_app.test_cli_runner().invoke(
        args=["create-manufacturer", "Finch", "--epsilon-per-period", "1"]
    )
    token = out.output.strip().splitlines()[-1].split()[-1]
    with pg_app.app_context():
        for i in range(30):
            u = User(email=f"pg{i}@example.org", role="shopper", consent_aggregates=True)
            db.session.add(u)
            db.session.flush()
            db.session.add(
                Scan(
                    user_id=u.id,
                    status="done",
                    filename="f.ply",
                    stored_name="x",
                    result=average_foot(252.0),
                )
            )
        db.session.commit()
    server = LiveServer(pg_app)
    codes: list[int] = []
    barrier = threading.Barrier(8)

    def release() -> None:
        barrier.wait()
        codes.append(
            server.request(
                "GET", "/api/manufacturer/foot-stats?dims=length_bin&epsilon=0.25", token=token
            )[0]
        )

    try:
        threads = [threading.Thread(target=release) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        server.close()
    assert sorted(codes) == [200] * 4 + [403] * 4
