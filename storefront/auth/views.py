"""Auth API: register, login (bearer or session), logout, CSRF token, profile, consent, deletion."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, session

from storefront.auth import services
from storefront.auth.csrf import csrf_token
from storefront.auth.guard import (
    SESSION_TOKEN_KEY,
    current_token_id,
    current_user,
    login_required,
)
from storefront.exceptions import ApiError
from storefront.extensions import db, limiter

__all__ = ["bp"]

bp = Blueprint("auth", __name__, url_prefix="/api")


def json_body() -> dict:
    """The request's JSON object, or a 400 saying what was wrong."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "expected Content-Type: application/json")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ApiError(400, "bad_json", "request body is nested too deeply") from None
    if data is None:
        raise ApiError(400, "bad_json", "request body is not valid JSON")
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "expected a JSON object")
    return data


@bp.post("/auth/register")
@limiter.limit("login", "RATELIMIT_LOGIN")
def register():
    reg = services.Registration.from_json(json_body())
    services.register(db.session, reg)  # None when the address is taken: same answer
    db.session.commit()
    return jsonify(
        {
            "email": reg.email,
            "registered": True,
            "message": "If this address was free, the account now exists: log in with it.",
        }
    ), 201


@bp.post("/auth/login")
@limiter.limit("login", "RATELIMIT_LOGIN")
def login():
    data = json_body()
    user = services.authenticate(db.session, data.get("email"), data.get("password"))
    raw, expires = services.issue_token(db.session, user, current_app.config["TOKEN_TTL_HOURS"])
    db.session.commit()
    return jsonify(
        {
            "token": raw,
            "token_type": "Bearer",
            "expires_at": expires.isoformat(),
            "user": services.user_to_dict(user),
        }
    )


@bp.post("/auth/session")
@limiter.limit("login", "RATELIMIT_LOGIN")
def session_login():
    data = json_body()
    user = services.authenticate(db.session, data.get("email"), data.get("password"))
    _start_cookie_session(user)
    db.session.commit()
    return jsonify({"user": services.user_to_dict(user), "csrf_token": csrf_token()})


def _start_cookie_session(user) -> None:  # type: ignore[no-untyped-def]
    """A fresh cookie session backed by a server-side token (revocable, listed)."""
    raw, _ = services.issue_token(
        db.session, user, current_app.config["TOKEN_TTL_HOURS"], name="browser session"
    )
    session.clear()
    session[SESSION_TOKEN_KEY] = raw
    session["user_id"] = user.id
    session.permanent = False


@bp.delete("/auth/session")
def session_logout():
    """Log out: the token behind this request (bearer or cookie session) is revoked."""
    user = current_user(optional=True)
    token_id = current_token_id()
    if user is not None and token_id is not None:
        services.revoke_token(db.session, user, token_id)
        db.session.commit()
    session.clear()
    return jsonify({"logged_out": True, **_fresh_csrf()})


def _fresh_csrf() -> dict[str, str]:
    """A new CSRF token for cookie clients; bearer clients get no cookie at all."""
    if request.headers.get("Authorization"):
        return {}
    return {"csrf_token": csrf_token()}


@bp.post("/auth/logout-everywhere")
@login_required()
def logout_everywhere():
    """Sign out everywhere: every token and cookie session of the account ends now."""
    n = services.revoke_all_sessions(db.session, current_user())
    db.session.commit()
    session.clear()
    return jsonify({"logged_out": True, "revoked": n, **_fresh_csrf()})


@bp.get("/auth/tokens")
@login_required()
def list_tokens():
    return jsonify({"tokens": services.list_tokens(db.session, current_user(), current_token_id())})


@bp.delete("/auth/tokens/<token_id>")
@login_required()
def revoke_token(token_id: str):
    user = current_user()
    was_current = str(current_token_id()) == token_id
    tok = services.revoke_token(db.session, user, token_id)
    db.session.commit()
    if was_current:
        session.clear()
    return jsonify({"id": tok.id, "revoked": True})


@bp.post("/auth/password")
@limiter.limit("login", "RATELIMIT_LOGIN")
@login_required(["shopper", "admin"])
def change_password():
    """Change the password; every other session ends, this client gets a fresh one."""
    user = current_user()
    data = json_body()
    cookie = SESSION_TOKEN_KEY in session
    services.change_password(
        db.session, user, data.get("current_password"), data.get("new_password")
    )
    body: dict = {"changed": True, "user": services.user_to_dict(user)}
    if cookie:
        _start_cookie_session(user)
        body["csrf_token"] = csrf_token()
    else:
        raw, expires = services.issue_token(db.session, user, current_app.config["TOKEN_TTL_HOURS"])
        body.update(token=raw, token_type="Bearer", expires_at=expires.isoformat())
    db.session.commit()
    return jsonify(body)


@bp.get("/auth/csrf")
def get_csrf():
    return jsonify({"csrf_token": csrf_token(), "header": "X-CSRF-Token"})


@bp.get("/me")
@login_required()
def me():
    return jsonify(services.user_to_dict(current_user()))


@bp.patch("/me")
@login_required()
def update_me():
    user = services.update_profile(current_user(), json_body())
    db.session.commit()
    return jsonify(services.user_to_dict(user))


@bp.delete("/me")
@login_required(["shopper", "admin"])
def delete_me():
    services.delete_account(db.session, current_user(), current_app.config["UPLOAD_DIR"])
    db.session.commit()
    session.clear()
    return jsonify({"deleted": True})
