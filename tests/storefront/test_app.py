"""App factory, configuration layering, migrations and first-start set-up."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import trimesh
from sqlalchemy import inspect, update

from storefront import create_app
from storefront.config import configure_app, parse_bool


def test_env_overrides_are_parsed(tmp_path: Path) -> None:
    from flask import Flask

    app = Flask("x", instance_path=str(tmp_path / "inst"))
    env = {
        "SHOESTREET_JOB_WORKERS": "3",
        "SHOESTREET_RATELIMIT_ENABLED": "off",
        "SHOESTREET_DATABASE_URL": "postgresql://u:p@h/db",
        "SHOESTREET_UPLOAD_DIR": str(tmp_path / "up"),
    }
    app.config.from_mapping({})
    configure_app(app, None, env)
    assert app.config["JOB_WORKERS"] == 3
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@h/db"
    assert len(app.config["SECRET_KEY"]) > 30  # created in the instance folder
    assert (tmp_path / "inst" / "secret_key").is_file()


def test_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    from flask import Flask

    app = Flask("x", instance_path=str(tmp_path / "inst"))
    with pytest.raises(ValueError, match="SHOESTREET_JOB_BACKEND"):
        configure_app(app, None, {"SHOESTREET_JOB_BACKEND": "celery"})
    with pytest.raises(ValueError, match="boolean"):
        parse_bool("maybe")


def test_first_request_creates_migrates_and_seeds(tmp_path: Path) -> None:
    cfg = {
        "SECRET_KEY": "k",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
        "UPLOAD_DIR": str(tmp_path / "up"),
        "AUTO_INIT": True,
        "SEED_DEMO": False,
    }
    app = create_app(cfg)
    assert not (tmp_path / "fresh.db").exists()  # the factory itself does no I/O on the DB
    client = app.test_client()
    r = client.get("/api/shops")
    assert r.status_code == 200
    assert len(r.json["shops"]) >= 6
    with app.app_context():
        from storefront.extensions import db

        tables = set(inspect(db.engine).get_table_names())
        assert {"alembic_version", "stock", "shop_order", "privacy_release"} <= tables
        from storefront.db.models import Stock

        assert db.session.query(Stock).count() > 100
        db.engine.dispose()


def test_street_page_is_served(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/")
    assert r.status_code == 200
    assert b"<html" in r.data.lower()


def test_unknown_api_path_is_json_404(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/nope")
    assert r.status_code == 404
    assert r.json["error"]["code"] == "not_found"


def test_openapi_documents_every_api_route(app, client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    registered = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            registered.add((method, path))
    assert registered == documented, (registered - documented, documented - registered)
    for ops in spec["paths"].values():
        for op in ops.values():
            assert op["summary"] and "responses" in op


def test_catalog_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    shops = client.get("/api/shops").json["shops"]
    assert len(shops) >= 6
    assert sum(len(s["models"]) for s in shops) >= 40
    shoe_id = shops[0]["models"][0]["id"]
    shoe = client.get(f"/api/shoes/{shoe_id}").json
    assert shoe["sizes"] and all(isinstance(s["stock"], dict) for s in shoe["sizes"])
    r = client.get(f"/api/shoes/{shoe_id}/model.glb")
    assert r.status_code == 200 and r.data[:4] == b"glTF"
    r = client.get(f"/api/shoes/{shoe_id}/last.glb?size={shoe['sizes'][0]['eu']}")
    assert r.status_code == 200 and r.data[:4] == b"glTF"
    last = trimesh.load(io.BytesIO(r.data), file_type="glb").to_geometry()
    # glTF is metres: a last is 0.1-0.4 m long, never hundreds of "metres"
    assert 0.1 < float(np.ptp(last.vertices, axis=0).max()) < 0.4
    assert last.visual.material.metallicFactor == 0.0
    assert client.get("/api/shoes/no-such-shoe").status_code == 404
    assert client.get(f"/api/shoes/{shoe_id}/last.glb?size=99").status_code == 404


def test_restart_hands_thread_jobs_left_behind_to_the_sweeper(app) -> None:  # type: ignore[no-untyped-def]
    from storefront.bootstrap import migrate_and_seed
    from storefront.db.models import Job, Scan, User, utcnow
    from storefront.extensions import db
    from storefront.jobs import sweep_jobs

    with app.app_context():
        user = User(email="x@example.org")
        db.session.add(user)
        db.session.flush()
        scan = Scan(user_id=user.id, filename="a.ply", stored_name="scans/a.ply", job_id="j1")
        db.session.add_all([scan, Job(id="j1", kind="scan", target_id=1, backend="thread",
                                      dispatched_at=utcnow()),
                            Job(id="j2", kind="scan", target_id=2, backend="rq",
                                dispatched_at=utcnow()),
                            Job(id="j3", kind="learn", target_id=0, backend="thread",
                                status="running", attempts=1, lease_expires_at=utcnow()
                                + timedelta(hours=1))])  # fmt: skip
        db.session.commit()
        migrate_and_seed(demo=False)  # a sibling's fresh jobs are left alone
        assert db.session.get(Job, "j1").dispatched_at is not None
        migrate_and_seed(demo=False, stale_job_idle_s=0.0)
        sent: list[str] = []
        db.session.execute(update(Job).values(created_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
        counts = sweep_jobs(redispatch=sent.append)
        assert counts == {"requeued": 1, "failed": 0, "redispatched": 1}
        assert sorted(sent) == ["j1", "j3"]  # j2 is still waiting in Redis
        assert db.session.get(Job, "j3").status == "queued"
