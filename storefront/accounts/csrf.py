"""CSRF protection for cookie sessions (pages and same-origin fetch); bearer calls are exempt."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session

from storefront.errors import ApiError

__all__ = ["CSRF_HEADER", "csrf_token", "init_csrf"]

#: Header that same-origin ``fetch`` calls carry the token in (forms use ``csrf_token``).
CSRF_HEADER = "X-CSRF-Token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_token() -> str:
    """The session's CSRF token (created on first use); also a Jinja global."""
    tok = session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(32)
        session["csrf"] = tok
    return tok


def _check() -> None:
    if request.method in _SAFE:
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return  # a bearer token is not sent automatically by browsers: nothing to forge
    if not session:
        return  # no cookie session: there is no ambient authority to abuse
    sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise ApiError(403, "csrf_failed", f"missing or wrong CSRF token (send {CSRF_HEADER})")


def init_csrf(app: Flask) -> None:
    """Check unsafe cookie-session requests; expose ``csrf_token()`` to templates."""
    app.before_request(_check)
    app.jinja_env.globals["csrf_token"] = csrf_token
