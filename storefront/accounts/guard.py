"""Who is calling: bearer token or cookie session, and role checks for views."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Literal, overload

from flask import current_app, g, request, session

from storefront.accounts.tokens import resolve_token_info
from storefront.db.models import User
from storefront.domain_errors import AuthenticationFailed
from storefront.errors import ApiError
from storefront.extensions import db

__all__ = [
    "SESSION_TOKEN_KEY",
    "check_demo",
    "current_token_id",
    "current_user",
    "login_required",
]

#: Cookie-session key holding the session's server-side token (revocable like any token).
SESSION_TOKEN_KEY = "tok"


@overload
def current_user(optional: Literal[False] = False) -> User: ...


@overload
def current_user(optional: bool) -> User | None: ...


def current_user(optional: bool = False) -> User | None:
    """The authenticated user (bearer first, then session), cached on ``g``.

    A cookie session carries a server-side token (``session["tok"]``), resolved exactly like a
    bearer token: logout, revocation, "sign out everywhere" and password changes end it at
    once. A cookie from before this scheme, or one whose token is dead, is cleared (anonymous).
    """
    if "user" not in g:
        user: User | None = None
        g.token_id = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, raw = header.partition(" ")
            if scheme != "Bearer" or not raw.strip():
                raise ApiError(401, "invalid_token", "expected 'Authorization: Bearer <token>'")
            info = resolve_token_info(db.session, raw.strip())
            user, g.token_id = info.user, info.token_id
        elif SESSION_TOKEN_KEY in session or "user_id" in session:
            raw_cookie: object = session.get(SESSION_TOKEN_KEY)
            try:
                if not isinstance(raw_cookie, str):
                    raise AuthenticationFailed("session ended", "session_ended")
                info = resolve_token_info(db.session, raw_cookie)
                user, g.token_id = info.user, info.token_id
            except AuthenticationFailed:
                session.clear()
        g.user = user
    if g.user is None and not optional:
        raise ApiError(401, "login_required", "log in first (bearer token or session)")
    return g.user


def login_required(
    roles: Iterable[str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a logged-in user, optionally with one of ``roles`` (403 otherwise)."""
    allowed = frozenset(roles) if roles else None

    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            check_demo(user)
            if allowed is not None and user.role not in allowed:
                raise ApiError(
                    403, "forbidden", f"this needs the role {' or '.join(sorted(allowed))}"
                )
            return view(*args, **kwargs)

        return wrapped

    return deco


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_demo(user: User | None, writing: bool | None = None) -> None:
    """The shared demo shopper: only when the street runs with ``--demo``, and read-only.

    Its password is public (README, ``/account``), so anyone can sign in as it: without demo
    mode it cannot be used at all (``403 demo_disabled``), and with it every write is refused
    (``403 demo_read_only``): profile, password, sessions, uploads, cart, orders, feedback.
    ``DEMO_WRITES`` lets browser tests shop with it; it is never set in production.
    """
    from storefront.db.seed import DEMO_EMAIL

    if user is None or user.email != DEMO_EMAIL:
        return
    cfg = current_app.config
    if not cfg.get("SEED_DEMO"):
        raise ApiError(
            403,
            "demo_disabled",
            "the demo shopper is only available when the street is served with --demo",
        )
    if writing is None:
        writing = request.method not in _SAFE_METHODS
    if writing and not cfg.get("DEMO_WRITES"):
        raise ApiError(
            403,
            "demo_read_only",
            "the demo shopper is shared and read-only: look around freely, and register your own "
            "account to upload, buy or change anything",
        )


def current_token_id() -> int | None:
    """The id of the token (bearer or cookie session) behind this request, if any."""
    current_user(optional=True)
    return g.get("token_id")
