"""Who is calling: bearer token or cookie session, and role checks for views."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import g, request, session

from storefront.auth.services import resolve_token
from storefront.exceptions import ApiError
from storefront.extensions import db
from storefront.models import User

__all__ = ["current_user", "login_required"]


def current_user(optional: bool = False) -> User | None:
    """The authenticated user (bearer first, then session), cached on ``g``."""
    if "user" not in g:
        user: User | None = None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, raw = header.partition(" ")
            if scheme != "Bearer" or not raw.strip():
                raise ApiError(401, "invalid_token", "expected 'Authorization: Bearer <token>'")
            user = resolve_token(db.session, raw.strip())
        elif "user_id" in session:
            user = db.session.get(User, session["user_id"])
            if user is None:
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
            if allowed is not None and user.role not in allowed:
                raise ApiError(
                    403, "forbidden", f"this needs the role {' or '.join(sorted(allowed))}"
                )
            return view(*args, **kwargs)

        return wrapped

    return deco
