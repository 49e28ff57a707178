"""Auth API: register, login (bearer or session), logout, CSRF token, profile, consent, deletion."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, session

from storefront.accounts import services, tokens
from storefront.accounts.csrf import csrf_token
from storefront.accounts.guard import (
    SESSION_TOKEN_KEY,
    check_demo,
    current_token_id,
    current_user,
    login_required,
)
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.security.ratelimit import limiter

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


def _refuse_demo(user) -> None:
    """The seeded demo shopper is shared by everyone who reads the README: read-only account."""
    from storefront.db.seed import DEMO_EMAIL

    if user is not None and user.email == DEMO_EMAIL:
        raise ApiError(
            403,
            "demo_read_only",
            "the demo shopper is shared: its profile, password and sessions cannot be changed",
        )


def _authenticate(data: dict):
    cfg = current_app.config
    return services.authenticate(
        db.session,
        data.get("email"),
        data.get("password"),
        lockout_after=int(cfg.get("LOGIN_LOCKOUT_AFTER", 10)),
        lockout_base_s=float(cfg.get("LOGIN_LOCKOUT_BASE_S", 60.0)),
    )


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
    user = _authenticate(data)
    check_demo(user, writing=False)
    raw, expires = tokens.issue_token(db.session, user, current_app.config["TOKEN_TTL_HOURS"])
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
    user = _authenticate(data)
    check_demo(user, writing=False)
    _start_cookie_session(user)
    db.session.commit()
    return jsonify({"user": services.user_to_dict(user), "csrf_token": csrf_token()})


def _start_cookie_session(user) -> None:
    """A fresh cookie session backed by a server-side token (revocable, listed)."""
    raw, _ = tokens.issue_token(
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
        tokens.revoke_token(db.session, user, token_id)
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
    _refuse_demo(current_user())
    n = tokens.revoke_all_sessions(db.session, current_user())
    db.session.commit()
    session.clear()
    return jsonify({"logged_out": True, "revoked": n, **_fresh_csrf()})


@bp.get("/auth/tokens")
@login_required()
def list_tokens():
    return jsonify({"tokens": tokens.list_tokens(db.session, current_user(), current_token_id())})


@bp.delete("/auth/tokens/<token_id>")
@login_required()
def revoke_token(token_id: str):
    user = current_user()
    was_current = str(current_token_id()) == token_id
    tok = tokens.revoke_token(db.session, user, token_id)
    db.session.commit()
    if was_current:
        session.clear()
    return jsonify({"id": tok.id, "revoked": True})


@bp.post("/auth/password-reset")
@limiter.limit("login", "RATELIMIT_LOGIN")
def password_reset_request():
    """Mail a one-time reset link if the address has an account; the same answer either way."""
    from storefront.accounts.mailer import get_mailer
    from storefront.db.seed import DEMO_EMAIL

    email = json_body().get("email")
    found = None
    if not (isinstance(email, str) and email.strip().lower() == DEMO_EMAIL):
        found = services.request_password_reset(db.session, email)
    if found is not None:
        user, raw = found
        db.session.commit()
        get_mailer().send(
            user.email,
            "Reset your Shoe Street password",
            "Someone (hopefully you) asked to reset the password of this account.\n\n"
            f"Reset token: {raw}\n"
            f"Or open {request.host_url.rstrip('/')}/account?reset={raw}\n\n"
            "It works once, for 30 minutes. If it was not you, ignore this message.\n",
        )
    return jsonify(
        {
            "sent": True,
            "message": "If this address has an account, a reset link is on its way.",
        }
    ), 202


@bp.post("/auth/password-reset/confirm")
@limiter.limit("login", "RATELIMIT_LOGIN")
def password_reset_confirm():
    """Set a new password with the mailed token; every session of the account ends."""
    data = json_body()
    services.reset_password(db.session, data.get("token"), data.get("new_password"))
    db.session.commit()
    return jsonify({"reset": True, "message": "Password changed: log in with the new one."})


@bp.post("/auth/password")
@limiter.limit("login", "RATELIMIT_LOGIN")
@login_required(["shopper", "admin"])
def change_password():
    """Change the password; every other session ends, this client gets a fresh one."""
    user = current_user()
    _refuse_demo(user)
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
        raw, expires = tokens.issue_token(db.session, user, current_app.config["TOKEN_TTL_HOURS"])
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
    """Profile and consents; withdrawing the health consent deletes the gait data at once
    (unless ``keep_gait_sessions: true`` asks to keep them for the person's own use)."""
    data = json_body()
    user = current_user()
    _refuse_demo(user)
    had_gait = bool(user.consent_gait_health)
    services.update_profile(user, data)
    deleted = 0
    if had_gait and not user.consent_gait_health and data.get("keep_gait_sessions") is not True:
        deleted = services.withdraw_gait_consent_data(
            db.session, user, current_app.config["UPLOAD_DIR"]
        )
    db.session.commit()
    body = services.user_to_dict(user)
    if deleted:
        body["gait_sessions_deleted"] = deleted
    return jsonify(body)


@bp.delete("/me")
@login_required(["shopper", "admin"])
def delete_me():
    _refuse_demo(current_user())
    services.delete_account(db.session, current_user(), current_app.config["UPLOAD_DIR"])
    db.session.commit()
    session.clear()
    return jsonify({"deleted": True})
