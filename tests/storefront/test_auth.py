"""Accounts: registration, login, tokens, sessions + CSRF, roles, consent, deletion."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.accounts.tokens import hash_token


def test_register_login_and_me(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/auth/register", json={"email": "Ann@Example.org", "password": "long enough"}
    )
    assert r.status_code == 201 and r.json["email"] == "ann@example.org"
    again = client.post(
        "/api/auth/register", json={"email": "ann@example.org", "password": "other secret"}
    )
    assert again.status_code == 201 and again.json == r.json  # the address's state is not told
    r = client.post("/api/auth/login", json={"email": "ann@example.org", "password": "long enough"})
    assert r.status_code == 200 and r.json["token_type"] == "Bearer"
    me = client.get("/api/me", headers={"Authorization": f"Bearer {r.json['token']}"})
    assert me.json["role"] == "shopper"
    assert me.json["consent"] == {"aggregates": False, "gait_health": False, "updated_at": None}


def test_registration_reports_every_bad_field(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/auth/register", json={"email": "nope", "password": "short", "display_name": 3}
    )
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) == {"email", "password", "display_name"}


def test_wrong_password_and_unknown_email_look_the_same(client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.shopper()
    a = client.post(
        "/api/auth/login", json={"email": "shopper1@example.org", "password": "wrong one"}
    )
    b = client.post("/api/auth/login", json={"email": "ghost@example.org", "password": "wrong one"})
    assert a.status_code == b.status_code == 401
    assert a.json == b.json


def test_tokens_are_stored_hashed(app, auth) -> None:  # type: ignore[no-untyped-def]
    headers = auth.shopper()
    raw = headers["Authorization"].split()[1]
    with app.app_context():
        from storefront.db.models import ApiToken
        from storefront.extensions import db

        hashes = [t.token_hash for t in db.session.query(ApiToken)]
    assert raw not in hashes and hash_token(raw) in hashes


@pytest.mark.parametrize(
    "header",
    ["Bearer sst_forged-token-value", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer ' OR '1'='1"],
)
def test_forged_or_malformed_tokens_are_401(client, header) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json["error"]["code"] == "invalid_token"


def test_expired_token_is_401(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    headers = auth.shopper()
    with app.app_context():
        from storefront.db.models import ApiToken, utcnow
        from storefront.extensions import db

        for tok in db.session.query(ApiToken):
            tok.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = client.get("/api/me", headers=headers)
    assert r.status_code == 401 and r.json["error"]["code"] == "token_expired"


def test_session_login_needs_csrf_for_unsafe_requests(client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.shopper(consent=False)
    r = client.post(
        "/api/auth/session", json={"email": "shopper1@example.org", "password": "correct horse"}
    )
    assert r.status_code == 200
    token = r.json["csrf_token"]
    assert client.get("/api/me").status_code == 200  # safe method: cookie is enough
    r = client.patch("/api/me", json={"region": "UK"})
    assert r.status_code == 403 and r.json["error"]["code"] == "csrf_failed"
    r = client.patch("/api/me", json={"region": "UK"}, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = client.patch("/api/me", json={"region": "UK"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json["region"] == "UK"
    assert client.get("/api/auth/csrf").json["csrf_token"] == token


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/me"),
        ("post", "/api/scans"),
        ("get", "/api/scans/1"),
        ("post", "/api/gait/sessions"),
        ("get", "/api/fit?scan=1&shoe=x"),
        ("get", "/api/recommendations?scan=1"),
        ("post", "/api/orders"),
        ("get", "/api/orders"),
        ("get", "/api/manufacturer/foot-stats"),
    ],
)
def test_protected_routes_need_login(client, method, url) -> None:  # type: ignore[no-untyped-def]
    r = getattr(client, method)(url)
    assert r.status_code == 401
    assert r.json["error"]["code"] == "login_required"


def test_shopper_cannot_read_manufacturer_data(client, auth) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/manufacturer/foot-stats", headers=auth.shopper())
    assert r.status_code == 403


def test_consent_is_explicit_and_separate(client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper(consent=False)
    r = client.patch("/api/me", json={"consent": {"aggregates": "yes"}}, headers=h)
    assert r.status_code == 422 and "consent.aggregates" in r.json["error"]["fields"]
    r = client.patch("/api/me", json={"consent": {"aggregates": True}}, headers=h)
    assert r.json["consent"]["aggregates"] is True and r.json["consent"]["gait_health"] is False
    assert r.json["consent"]["updated_at"]


def test_account_deletion_removes_data_and_tokens(app, client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    measured_scan(h)
    assert client.delete("/api/me", headers=h).json == {"deleted": True}
    assert client.get("/api/me", headers=h).status_code == 401
    with app.app_context():
        from storefront.db.models import Scan, User
        from storefront.extensions import db

        assert db.session.query(Scan).count() == 0
        assert db.session.query(User).filter_by(email="shopper1@example.org").count() == 0


def test_login_is_rate_limited(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.shopper(consent=False)
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3/60")
    app.extensions["shoestreet_limiter"].reset()
    codes = [
        client.post(
            "/api/auth/login", json={"email": "shopper1@example.org", "password": "guess"}
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    r = client.post(
        "/api/auth/login", json={"email": "shopper1@example.org", "password": "correct horse"}
    )
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
