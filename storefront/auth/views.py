"""Auth API: register, login (bearer or session), logout, CSRF token, profile, consent, deletion."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, session

from storefront.auth import services
from storefront.auth.csrf import csrf_token
from storefront.auth.guard import current_user, login_required
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
    user = services.register(db.session, reg)
    db.session.commit()
    return jsonify(services.user_to_dict(user)), 201


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
    session.clear()
    session["user_id"] = user.id
    session.permanent = False
    return jsonify({"user": services.user_to_dict(user), "csrf_token": csrf_token()})


@bp.delete("/auth/session")
def session_logout():
    session.clear()
    return jsonify({"logged_out": True, "csrf_token": csrf_token()})


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
