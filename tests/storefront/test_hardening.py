"""Issue 13, "the small ones": one test per finding, each failing on the code before the fix.

Open redirect after sign-in, missing CSP/HSTS/Permissions-Policy, 500s on lone surrogates, NUL
bytes, deep JSON, ids >= 2**31 and ``epsilon=5e-324``, server paths in job errors, and unlimited
fit feedback per purchased pair.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.storefront.conftest import wait_for

# --- safe redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/%5Cevil.example/", "/\\evil.example/", "//evil.example/", "https://evil.example/",
     "/%2F%2Fevil.example", "javascript:alert(1)", "/%09/evil.example", "%2F%5Cevil.example"],
)  # fmt: skip
def test_next_never_leaves_the_site(app, target: str) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    r = client.get(f"/account?next={target}")
    assert r.status_code == 303, (target, r.status_code)
    assert r.headers["Location"] in ("/account", "http://localhost/account")
    page = client.get("/account").get_data(as_text=True)
    assert "evil.example" not in page


def test_same_origin_next_is_kept(app) -> None:  # type: ignore[no-untyped-def]
    from storefront.security.request_guard import safe_next

    r = app.test_client().get("/account?next=/orders%3Fx%3D1")
    assert r.status_code == 200
    assert safe_next("/shoe/norma-city-1?size=42") == "/shoe/norma-city-1?size=42"
    assert safe_next("/%5Cevil.example/") is None


# --- security headers -------------------------------------------------------------------------


def test_pages_have_a_csp_without_inline_script_and_the_import_map_hash(app) -> None:  # type: ignore[no-untyped-def]
    r = app.test_client().get("/")
    csp = r.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)  # type: ignore[union-attr]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
    html = r.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    executable = [body for attrs, body in inline if "application/json" not in attrs]
    assert executable, "the page has its import map inline"
    for body in executable:  # every inline script the page runs is allowed by its hash
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src
    assert "camera=()" in r.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP in tests


def test_hsts_when_the_request_is_secure(app) -> None:  # type: ignore[no-untyped-def]
    r = app.test_client().get("/api/health", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Permissions-Policy" in r.headers


# --- malformed input is a 4xx, on SQLite and PostgreSQL ---------------------------------------


def _malformed_input_is_4xx(app: Flask) -> None:
    from storefront.accounts.tokens import issue_token
    from storefront.db.models import User
    from storefront.extensions import db

    client = app.test_client()
    with app.app_context():
        user = User(email="probe@example.org", role="shopper")
        db.session.add(user)
        db.session.flush()
        token = issue_token(db.session, user, 1.0)[0]
        db.session.commit()
    h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    surrogate = b'{"email": "a\\ud800@example.org", "password": "long enough 1"}'
    nul = b'{"email": "a\\u0000@example.org", "password": "long enough 1"}'
    for body in (surrogate, nul):
        r = client.post("/api/auth/register", data=body, headers=h)
        assert r.status_code == 400, r.json
        assert r.json["error"]["code"] == "bad_characters"
    r = client.patch("/api/me", data=b'{"display_name": "x\\udfff"}', headers=h)
    assert r.status_code == 400
    r = client.post("/api/cart", data=b'{"shoe_id": "\\u0000", "colourway_id": "x"}', headers=h)
    assert r.status_code == 400
    for url in ("/api/shoes/%00", "/api/shops/a%00b", "/api/shoes?category=%00"):
        assert client.get(url).status_code == 400, url
    deep = b"[" * 100_000 + b"]" * 100_000
    for url in ("/api/auth/register", "/api/orders", "/api/scans/demo", "/api/cart"):
        r = client.post(url, data=deep, headers=h)
        assert r.status_code == 400 and r.json["error"]["code"] == "bad_json", url
    medium = json.dumps({"lines": [{"x": json.loads("[" * 40 + "]" * 40)}]}).encode()
    assert client.post("/api/orders", data=medium, headers=h).status_code == 400
    for n in (2**31, 2**31 + 1, 2**63, 10**30):
        for url in (f"/api/orders/{n}", f"/api/scans/{n}", f"/api/gait/sessions/{n}",
                    f"/api/fit?scan={n}&shoe=x", f"/api/recommendations?scan={n}"):  # fmt: skip
            r = client.get(url, headers=h)
            assert r.status_code in (400, 404), (url, r.status_code)
        r = client.delete(f"/api/cart/{n}", headers=h)
        assert r.status_code == 404
        r = client.post(
            "/api/orders/made-to-measure/quote",
            json={"scan_id": n, "shoe_id": "x", "colourway_id": "y"},
            headers=h,
        )
        assert r.status_code in (404, 422), r.json
        r = client.post(
            "/api/orders/made-to-measure", json={"quote_id": n, "confirm": True}, headers=h
        )
        assert r.status_code in (404, 422), r.json
        assert client.delete(f"/api/auth/tokens/{n}", headers=h).status_code == 404
    assert client.get("/api/health").status_code == 200


def test_malformed_input_is_4xx_on_sqlite(app) -> None:  # type: ignore[no-untyped-def]
    _malformed_input_is_4xx(app)


@pytest.mark.postgres
def test_malformed_input_is_4xx_on_postgres(pg_app) -> None:  # type: ignore[no-untyped-def]
    _malformed_input_is_4xx(pg_app)


@pytest.mark.parametrize("eps", ["5e-324", "1e-300", "0", "-1", "nan", "inf", "1e309"])
def test_tiny_or_absurd_epsilon_is_422(app, runner, eps: str) -> None:  # type: ignore[no-untyped-def]
    token = runner.invoke(args=["create-manufacturer", "Tiny"]).output.split()[-1]
    r = app.test_client().get(
        f"/api/manufacturer/foot-stats?dims=length_bin&epsilon={eps}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 422, r.json
    assert "epsilon" in r.json["error"]["fields"]


# --- no server paths in messages --------------------------------------------------------------


def test_gait_job_errors_show_no_server_paths(app, client, auth, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gait.exceptions import RecordingReadError
    from storefront.gait_sessions import services

    def refuse(path: Path) -> Any:
        raise RecordingReadError(f"{path}: no time column (expected 'time_s')")

    monkeypatch.setattr(services, "analyze_file", refuse)
    app.config["JOB_ISOLATION"] = "none"  # the patched function runs in the worker
    h = auth.shopper()
    r = client.post(
        "/api/gait/sessions",
        data={"file": (io.BytesIO(b"a,b\n1,2\n"), "walk.csv")},
        headers=h,
        content_type="multipart/form-data",
    )
    gs = wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)
    root = str(Path(app.config["UPLOAD_DIR"]).resolve())
    for text in (gs["error"], gs["job"]["error"]):
        assert text.startswith("walk.csv: no time column"), text
        assert root not in text and "/gait/" not in text


# --- feedback cannot be stuffed ---------------------------------------------------------------


def test_one_fit_feedback_per_purchased_pair(app, client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import FitFeedback, Stock
    from storefront.extensions import db

    h = auth.shopper()
    measured_scan(h)
    with app.app_context():
        s = db.session.scalars(select(Stock).where(Stock.quantity > 0).limit(1)).one()
        line = {"shoe_id": s.model_id, "size_eu": float(s.size_eu), "width": s.width,
                "colourway_id": s.colourway_id}  # fmt: skip
    order = client.post("/api/orders", json={"lines": [line]}, headers=h).json
    url = f"/api/orders/{order['id']}/feedback"
    line_id = order["lines"][0]["id"]
    first = client.post(url, json={"line_id": line_id, "fit": "too_small"}, headers=h)
    assert first.status_code == 201
    for _ in range(30):
        r = client.post(url, json={"line_id": line_id, "fit": "too_large"}, headers=h)
        assert r.status_code == 200 and r.json["edited"] is True
        assert r.json["feedback_id"] == first.json["feedback_id"]
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        rows = db.session.scalars(select(FitFeedback)).all()
        assert len(rows) == 1 and rows[0].label == "too_large"
    r = client.post(
        f"/api/orders/{order['id']}/returns", json={"line_id": line_id, "fit": "fits"}, headers=h
    )
    assert r.status_code == 201
    r = client.post(url, json={"line_id": line_id, "fit": "fits"}, headers=h)
    assert r.status_code == 409 and r.json["error"]["code"] == "not_kept"
    with app.app_context():
        assert db.session.scalar(select(func.count(FitFeedback.id))) == 2  # + the return's row


def test_return_comments_are_erased_with_the_account(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import ReturnRequest, Stock
    from storefront.extensions import db

    h = auth.shopper()
    with app.app_context():
        s = db.session.scalars(select(Stock).where(Stock.quantity > 0).limit(1)).one()
        line = {"shoe_id": s.model_id, "size_eu": float(s.size_eu), "width": s.width,
                "colourway_id": s.colourway_id}  # fmt: skip
    order = client.post("/api/orders", json={"lines": [line]}, headers=h).json
    r = client.post(
        f"/api/orders/{order['id']}/returns",
        json={"line_id": order["lines"][0]["id"], "fit": "too_small", "comment": "my bunion"},
        headers=h,
    )
    assert r.status_code == 201
    assert client.delete("/api/me", headers=h).status_code == 200
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        (rr,) = db.session.scalars(select(ReturnRequest)).all()
        assert rr.comment == "" and rr.fit_label == "too_small"


def test_one_account_has_a_capped_weight_in_the_learner(app) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import FitFeedback, User
    from storefront.extensions import db
    from storefront.fit.learning_jobs import (
        MAX_ROWS_PER_PERSON,
        MAX_ROWS_PER_PERSON_MODEL,
        feedback_rows,
    )

    with app.app_context():
        stuffer = User(email="stuffer@example.org", role="shopper")
        db.session.add(stuffer)
        db.session.flush()
        row = {"shop_id": "norma", "size_eu": "42", "foot_length_mm": 265.0,
               "ball_girth_mm": 245.0, "last_length_mm": 280.0, "last_girth_mm": 245.0}  # fmt: skip
        for _ in range(120):  # 120 rows on one model and 40 more across others (issue 13)
            db.session.add(
                FitFeedback(user_id=stuffer.id, model_id="m-a", label="too_small", **row)
            )
        for i in range(40):
            db.session.add(
                FitFeedback(user_id=stuffer.id, model_id=f"m-{i}", label="too_small", **row)
            )
        for _ in range(10):  # anonymous rows (simulated) are not capped
            db.session.add(FitFeedback(user_id=None, model_id="m-a", label="fits", **row))
        db.session.commit()
        rows = feedback_rows()
    from_stuffer = [r for r in rows if r["label"] == "too_small"]
    assert len(from_stuffer) == MAX_ROWS_PER_PERSON
    assert sum(1 for r in from_stuffer if r["model_id"] == "m-a") <= MAX_ROWS_PER_PERSON_MODEL
    assert sum(1 for r in rows if r["label"] == "fits") == 10


# --- the demo shopper: only with --demo, and read-only ----------------------------------------


def _demo_account(app: Flask) -> None:
    from werkzeug.security import generate_password_hash

    from storefront.db.models import User
    from storefront.db.seed import DEMO_EMAIL, DEMO_PASSWORD
    from storefront.extensions import db

    with app.app_context():  # the account only (seeding its scan and walk is not under test)
        db.session.add(User(email=DEMO_EMAIL, password_hash=generate_password_hash(DEMO_PASSWORD)))
        db.session.commit()


def _demo_login(client) -> Any:  # type: ignore[no-untyped-def]
    from storefront.db.seed import DEMO_EMAIL, DEMO_PASSWORD

    return client.post("/api/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})


def test_the_demo_shopper_exists_only_with_demo(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storefront.config import default_config
    from storefront.db.seed import DEMO_EMAIL

    assert default_config(str(tmp_path))["SEED_DEMO"] is False  # production: off
    out = app.test_cli_runner().invoke(args=["seed"])
    assert out.exit_code == 0 and "0 demo shopper(s)" in out.output, out.output
    assert DEMO_EMAIL not in app.test_client().get("/account").get_data(as_text=True)
    # an account left from an earlier --demo run cannot be used without it
    _demo_account(app)
    client = app.test_client()
    r = _demo_login(client)
    assert r.status_code == 403 and r.json["error"]["code"] == "demo_disabled", r.json
    assert "--demo" in r.json["error"]["message"]
    app.config["SEED_DEMO"] = True
    token = _demo_login(client).json["token"]
    app.config["SEED_DEMO"] = False  # a token from a demo run dies with the demo mode
    r = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and r.json["error"]["code"] == "demo_disabled"


def test_the_demo_shopper_reads_but_never_writes(app, measured_scan) -> None:  # type: ignore[no-untyped-def]
    app.config["SEED_DEMO"] = True  # storefront serve --demo
    _demo_account(app)
    client = app.test_client()
    h = {"Authorization": f"Bearer {_demo_login(client).json['token']}"}
    scan_id = measured_scan(h)
    for url in ("/api/me", "/api/scans", f"/api/scans/{scan_id}", "/api/orders", "/api/cart",
                f"/api/recommendations?scan={scan_id}&limit=2", "/api/gait/sessions"):  # fmt: skip
        assert client.get(url, headers=h).status_code == 200, url
    shoe = client.get("/api/shoes").json["shoes"][0]
    writes = [
        ("patch", "/api/me", {"json": {"display_name": "pwned"}}),
        ("delete", "/api/me", {}),
        ("post", "/api/auth/password", {"json": {"current_password": "x", "new_password": "y" * 12}}),
        ("post", "/api/auth/logout-everywhere", {}),
        ("post", "/api/scans/demo", {"json": {"foot_length_mm": 250}}),
        ("post", "/api/scans", {"data": {"file": (io.BytesIO(b"0 0 0\n"), "f.xyz")},
                                "content_type": "multipart/form-data"}),
        ("delete", f"/api/scans/{scan_id}", {}),
        ("post", "/api/gait/uploads", {"json": {"filename": "w.csv"}}),
        ("post", "/api/cart", {"json": {"shoe_id": shoe["id"], "colourway_id": "x"}}),
        ("post", "/api/checkout", {"json": {}}),
        ("post", "/api/orders", {"json": {"lines": []}}),
        ("post", "/api/orders/made-to-measure", {"json": {"scan_id": scan_id}}),
    ]  # fmt: skip
    for method, url, kw in writes:
        r = getattr(client, method)(url, headers=h, **kw)
        assert r.status_code == 403, (method, url, r.status_code, r.json)
        assert r.json["error"]["code"] == "demo_read_only", (url, r.json)
        assert "register your own account" in r.json["error"]["message"]
    assert client.get("/api/me", headers=h).json["display_name"] != "pwned"
    assert client.get(f"/api/scans/{scan_id}", headers=h).status_code == 200
    assert client.delete("/api/auth/session", headers=h).status_code == 200  # logging out is fine
