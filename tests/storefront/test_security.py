"""Hostile input against a live server: clear 4xx JSON, nothing stored half-way, server stays up."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

INJECTIONS = [
    "1 OR 1=1",
    "1; DROP TABLE scan; --",
    "' OR ''='",
    "%00",
    "../../etc/passwd",
    "1e309",
    "-1",
    "0x10",
]


def _raw(server, method, path, body=b"", headers=None):  # type: ignore[no-untyped-def]
    req = urllib.request.Request(
        server.url + path, data=body or None, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _row_counts(app):  # type: ignore[no-untyped-def]
    from storefront.db.models import Job, Order, Scan, Stock
    from storefront.extensions import db

    with app.app_context():
        return {
            "scans": db.session.query(Scan).count(),
            "orders": db.session.query(Order).count(),
            "jobs": db.session.query(Job).count(),
            "pairs": sum(s.quantity for s in db.session.query(Stock)),
        }


def test_injection_strings_in_ids_and_params(app, live_server, auth) -> None:  # type: ignore[no-untyped-def]
    token = auth.shopper()["Authorization"]
    before = _row_counts(app)
    for evil in INJECTIONS:
        q = urllib.parse.quote(evil, safe="")
        for path in (f"/api/scans/{q}", f"/api/gait/sessions/{q}", f"/api/orders/{q}", f"/api/shoes/{q}",
                     f"/api/fit?scan={q}&shoe={q}", f"/api/recommendations?scan={q}", f"/api/jobs/{q}"):  # fmt: skip
            status, body = _raw(live_server, "GET", path, headers={"Authorization": token})
            assert 400 <= status < 500, (path, status, body[:200])
            err = json.loads(body)["error"]
            assert err["message"] and err["status"] == status
    assert _row_counts(app) == before
    assert _raw(live_server, "GET", "/api/health")[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"null",
        b"[]",
        b'"text"',
        b"\xff\xfe\x00",
        b'{"lines": [' * 5000,
        json.dumps({"lines": [{}] * 5000}).encode(),
    ],
)
def test_malformed_json_bodies(app, live_server, auth, body) -> None:  # type: ignore[no-untyped-def]
    token = auth.shopper()["Authorization"]
    before = _row_counts(app)
    for path in ("/api/orders", "/api/cart", "/api/auth/login", "/api/orders/made-to-measure"):
        status, out = _raw(
            live_server,
            "POST",
            path,
            body,
            {"Authorization": token, "Content-Type": "application/json"},
        )
        assert 400 <= status < 500, (path, status, out[:200])
        assert "error" in json.loads(out)
    assert _row_counts(app) == before
    assert _raw(live_server, "GET", "/api/health")[0] == 200


def test_wrong_content_type_and_method(live_server, auth) -> None:  # type: ignore[no-untyped-def]
    token = auth.shopper()["Authorization"]
    status, out = _raw(
        live_server,
        "POST",
        "/api/orders",
        b"lines=1",
        {"Authorization": token, "Content-Type": "text/plain"},
    )
    assert status == 415 and json.loads(out)["error"]["code"] == "unsupported_media_type"
    status, out = _raw(live_server, "PUT", "/api/shops")
    assert status == 405 and "error" in json.loads(out)


def test_uploads_are_rate_limited(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_UPLOAD="2/60")
    app.extensions["shoestreet_limiter"].reset()
    codes = []
    for _ in range(4):
        data = {"file": (io.BytesIO(b"not a scan"), "x.exe")}
        codes.append(
            client.post(
                "/api/scans", data=data, headers=h, content_type="multipart/form-data"
            ).status_code
        )
    assert codes == [415, 415, 429, 429]


def test_security_headers_and_no_stack_traces(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/shops")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    r = client.get("/api/shoes/%00")
    assert r.status_code in (400, 404) and b"Traceback" not in r.data


def test_internal_errors_are_json_and_logged(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import storefront.catalog.views as views

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "catalog", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.get("/api/shops")
    assert r.status_code == 500
    assert r.json["error"]["code"] == "internal_error" and b"secret" not in r.data
    monkeypatch.undo()
    assert client.get("/api/health").status_code == 200
