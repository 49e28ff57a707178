"""Fixtures for the storefront service: a fresh app and database per test, helpers to log in.

The schema is built once per session by running the real Alembic migrations (and seeding the
catalog) into a template SQLite file; every test gets its own copy of that file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask, Response, request
from flask.testing import FlaskClient

from storefront import create_app

# Every /api success response the tests provoke is checked against the OpenAPI document:
# documented status, JSON body valid against its schema (storefront/api/responses.py), or the
# documented media type for a file. A mismatch raises AssertionError in the test that made the
# request (the test client propagates it), so every storefront test also tests the document.
_SPEC: dict[str, Any] = {}
_VALIDATORS: dict[tuple[str, str, str], jsonschema.Draft202012Validator] = {}


def openapi_path(rule: str) -> str:
    """Flask's ``/api/scans/<int:scan_id>`` as OpenAPI's ``/api/scans/{scan_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def spec(app: Flask) -> dict[str, Any]:
    """The app's OpenAPI document, built once per test session."""
    if not _SPEC:
        from storefront.api.openapi import build_openapi

        _SPEC.update(build_openapi(app))
    return _SPEC


def check_response(app: Flask, method: str, rule: str, response: Response) -> None:
    """Raise AssertionError if a 2xx ``/api`` response is not what the document says."""
    path = openapi_path(rule)
    op = spec(app)["paths"].get(path, {}).get(method)
    assert op is not None, f"{method.upper()} {path} is not in the OpenAPI document"
    status = str(response.status_code)
    documented = op["responses"].get(status)
    assert documented is not None and status.startswith("2"), (
        f"{method.upper()} {path} answered {status}, not a documented success status "
        f"({sorted(s for s in op['responses'] if s.startswith('2'))})"
    )
    content = documented.get("content")
    if content is None:
        assert not response.get_data(), f"{method.upper()} {path} {status} must have no body"
        return
    media = response.mimetype
    assert media in content, (
        f"{method.upper()} {path} {status}: {media}, documented {list(content)}"
    )
    if media != "application/json":
        return
    key = (method, path, status)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema.Draft202012Validator(
            content[media]["schema"],
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,  # format: date
        )
    body = response.get_json()
    errors = sorted(_VALIDATORS[key].iter_errors(body), key=lambda e: list(e.path))
    assert not errors, (
        f"{method.upper()} {path} {status}: {errors[0].message} at {list(errors[0].path)}"
    )


@pytest.fixture
def openapi_check() -> Callable[[Flask, str, str, Response], None]:
    """The check every test app runs on its ``/api`` success responses (to test the check)."""
    return check_response


def install_openapi_check(app: Flask) -> None:
    """Check every ``/api`` success response of ``app`` (and record it when asked)."""
    record = os.environ.get("SHOESTREET_OPENAPI_RECORD")

    @app.after_request
    def _check(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule is not None else ""
        if not rule.startswith("/api/") or response.status_code >= 300:
            return response
        if record:
            body = response.get_json(silent=True) if response.is_json else None
            with open(record, "a") as fh:
                fh.write(
                    json.dumps(
                        [request.method, rule, response.status_code, response.mimetype, body],
                        default=str,
                    )
                    + "\n"
                )
            return response  # recording only: samples for writing schemas
        check_response(app, request.method.lower(), rule, response)
        return response


def base_config(tmp: Path, db_uri: str) -> dict[str, Any]:
    """Test configuration: everything inside ``tmp``, no rate limits, no auto-init."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": db_uri,
        "UPLOAD_DIR": str(tmp / "uploads"),
        "AUTO_INIT": False,
        "SEED_DEMO": False,
        "RATELIMIT_ENABLED": False,
        "JOB_BACKEND": "thread",
        "JOB_WORKERS": 2,
        "JOB_SWEEP_INTERVAL_S": 0,  # tests call sweep_jobs() themselves
        "CSP_ALLOW_EVAL": False,  # the production CSP (browser harnesses need eval)
    }


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, catalog-seeded SQLite file built once per session."""
    from storefront.bootstrap import migrate_and_seed

    tmp = tmp_path_factory.mktemp("template")
    path = tmp / "template.db"
    app = create_app(base_config(tmp, f"sqlite:///{path}"))
    with app.app_context():
        migrate_and_seed(demo=False)
        from storefront.extensions import db

        db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path: Path, template_db: Path) -> Iterator[Flask]:
    """A fresh app on its own copy of the template database."""
    path = tmp_path / "test.db"
    shutil.copy(template_db, path)
    app = create_app(base_config(tmp_path, f"sqlite:///{path}"))
    install_openapi_check(app)
    yield app
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        from storefront.extensions import db

        db.engine.dispose()


PG_URL = os.environ.get("SHOESTREET_TEST_POSTGRES_URL")


def service_missing(env: str) -> None:
    """Skip a PostgreSQL/Redis test whose server URL ``env`` is unset; FAIL it instead under the
    test command (``scripts/test.sh`` sets ``SHOESTREET_REQUIRE_SERVICES=1``), where the
    servers must have started."""
    msg = f"{env} is not set (scripts/services.sh starts a server)"
    if os.environ.get("SHOESTREET_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{msg}; the test command requires it (SHOESTREET_REQUIRE_SERVICES=1)")
    pytest.skip(msg)


@pytest.fixture
def pg_app(tmp_path: Path) -> Iterator[Flask]:
    if not PG_URL:
        service_missing("SHOESTREET_TEST_POSTGRES_URL")
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(PG_URL)
    name = f"shoestreet_test_{uuid.uuid4().hex[:10]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    app = create_app(
        base_config(tmp_path, admin.set(database=name).render_as_string(hide_password=False))
    )
    install_openapi_check(app)
    with app.app_context():
        from storefront.bootstrap import migrate_and_seed

        migrate_and_seed(demo=False)
    yield app
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        from storefront.extensions import db

        db.engine.dispose()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


class AuthActions:
    """Register and log in users through the API; return bearer headers."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._n = 0

    def shopper(self, consent: bool = True, **profile: Any) -> dict[str, str]:
        self._n += 1
        email = f"shopper{self._n}@example.org"
        r = self.client.post(
            "/api/auth/register", json={"email": email, "password": "correct horse"}
        )
        assert r.status_code == 201, r.json
        r = self.client.post("/api/auth/login", json={"email": email, "password": "correct horse"})
        assert r.status_code == 200, r.json
        headers = {"Authorization": f"Bearer {r.json['token']}"}
        body: dict[str, Any] = dict(profile)
        if consent:
            body["consent"] = {"aggregates": True, "gait_health": True}
        if body:
            r = self.client.patch("/api/me", json=body, headers=headers)
            assert r.status_code == 200, r.json
        return headers


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def average_foot(length_mm: float = 265.0, side: str = "right") -> dict[str, Any]:
    """footscan-shaped JSON for a foot of average proportions (grading rules)."""
    from storefront.catalog import grading

    return {
        "side": side,
        "foot_length_mm": length_mm,
        "ball_width_mm": grading.average_ball_width_mm(length_mm),
        "heel_width_mm": grading.average_heel_width_mm(length_mm),
        "ball_girth_mm": grading.average_ball_girth_mm(length_mm),
        "instep_girth_mm": grading.average_instep_girth_mm(length_mm),
        "arch_height_mm": 16.0,
        "instep_height_mm": 65.0,
        "sizes": {"width_fitting": "E"},
        "quality": {"ok": True},
    }


@pytest.fixture
def measured_scan(app: Flask) -> Callable[..., int]:
    """Insert a processed scan row for the user behind ``headers`` (skips the footscan job)."""

    def make(headers: dict[str, str], result: dict[str, Any] | None = None) -> int:
        from storefront.accounts.tokens import resolve_token
        from storefront.db.models import Scan
        from storefront.extensions import db

        with app.app_context():
            user = resolve_token(db.session, headers["Authorization"].split()[1])
            scan = Scan(
                user_id=user.id,
                status="done",
                filename="fixture.ply",
                stored_name="scans/none.ply",
                units="mm",
                result=result or average_foot(),
            )
            db.session.add(scan)
            db.session.commit()
            return scan.id

    return make


def order_made_to_measure(
    client: FlaskClient, headers: dict[str, str], body: dict[str, Any], **confirm: Any
) -> Any:
    """Quote then confirm a made-to-measure pair; returns the confirmation response.

    A refused quote (4xx) is returned as is, so callers can assert on the refusal.
    """
    q = client.post("/api/orders/made-to-measure/quote", json=body, headers=headers)
    if q.status_code != 201:
        return q
    payload = {"quote_id": q.json["id"], "confirm": True, **confirm}
    return client.post("/api/orders/made-to-measure", json=payload, headers=headers)


def wait_for(
    client: FlaskClient, url: str, headers: dict[str, str], timeout_s: float = 60.0
) -> dict[str, Any]:
    """Poll a scan / gait-session URL until its status is done or failed."""
    deadline = time.monotonic() + timeout_s
    while True:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.json
        job = r.json.get("job") or {}
        if r.json["status"] in ("done", "failed") and job.get("status", "done") in (
            "done",
            "failed",
        ):
            return r.json
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} still {r.json['status']} after {timeout_s} s: {r.json}")
        time.sleep(0.05)


class LiveServer:
    """The app on a real threaded WSGI server on 127.0.0.1 (for tests that need real concurrency)."""

    def __init__(self, app: Flask) -> None:
        import threading

        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        """One JSON request; returns (status, decoded body)."""
        import json
        import urllib.error
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    srv = LiveServer(app)
    yield srv
    srv.close()


def race_last_pairs(
    app: Flask, server: LiveServer, n_buyers: int = 20, pairs_left: int = 5
) -> dict[str, Any]:
    """``n_buyers`` shoppers try, at the same instant, to buy one of the last ``pairs_left`` pairs."""
    import threading

    from sqlalchemy import select

    from storefront.db.models import Order, Stock
    from storefront.extensions import db

    with app.app_context():
        stock = db.session.scalars(select(Stock).order_by(Stock.id).limit(1)).one()
        stock.quantity = pairs_left
        db.session.commit()
        line = {"shoe_id": stock.model_id, "size_eu": float(stock.size_eu), "width": stock.width,
                "colourway_id": stock.colourway_id, "quantity": 1}  # fmt: skip
        stock_id = stock.id
    from storefront.accounts.tokens import issue_token
    from storefront.db.models import User

    tokens = []
    with app.app_context():  # accounts made directly: password hashing is not under test here
        for i in range(n_buyers):
            user = User(email=f"racer{i}@example.org", role="shopper")
            db.session.add(user)
            db.session.flush()
            tokens.append(issue_token(db.session, user, 1.0)[0])
        db.session.commit()
    barrier = threading.Barrier(n_buyers)
    results: list[tuple[int, Any]] = [(0, None)] * n_buyers
    seconds: list[float] = [0.0] * n_buyers

    def buy(i: int) -> None:
        barrier.wait()
        t0 = time.perf_counter()
        results[i] = server.request("POST", "/api/orders", {"lines": [line]}, tokens[i])
        seconds[i] = time.perf_counter() - t0

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(n_buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with app.app_context():
        left = db.session.get(Stock, stock_id).quantity
        sold = sum(
            ln.quantity
            for o in db.session.scalars(select(Order))
            for ln in o.lines
            if ln.stock_id == stock_id
        )
    return {
        "codes": sorted(code for code, _ in results),
        "bodies": [b for _, b in results],
        "left": left,
        "sold": sold,
        "max_s": max(seconds),
    }
