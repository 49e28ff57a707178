"""Bearer tokens and cookie sessions: issue, resolve, list and revoke (SHA-256 stored only)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from storefront.db.models import (
    ApiToken,
    User,
    as_utc,
    utcnow,
)
from storefront.domain_errors import (
    AuthenticationFailed,
    NotFound,
)
from storefront.extensions import DbSession, rows_affected
from storefront.security.ownership import MAX_ID

__all__ = [
    "TokenInfo",
    "hash_token",
    "issue_token",
    "list_tokens",
    "resolve_token",
    "resolve_token_info",
    "revoke_all_sessions",
    "revoke_token",
]


def hash_token(raw: str) -> str:
    """SHA-256 hex of a bearer token (tokens are random, so no salt or slow hash is needed)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(
    session: DbSession, user: User, ttl_hours: float, name: str = "api"
) -> tuple[str, datetime]:
    """Create a bearer token; return the raw token (shown once) and its expiry."""
    raw = "sst_" + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=ttl_hours)
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=hash_token(raw),
            name=name[:64],
            expires_at=expires,
            session_version=user.session_version or 0,
        )
    )
    session.flush()
    return raw, expires


# Built once: constructing a SELECT costs more than running it (every API call resolves a token).
_TOKEN_QUERY = (
    select(
        User,
        ApiToken.id,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.session_version,
    )
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


@dataclass(frozen=True)
class TokenInfo:
    """A resolved bearer or session token: the user and the token's row id."""

    user: User
    token_id: int


def resolve_token_info(session: DbSession, raw: str) -> TokenInfo:
    """The user and token id behind a raw token.

    Raises
    ------
    AuthenticationFailed
        ``invalid_token`` (unknown, forged), ``token_expired``, or ``token_revoked`` (logged
        out, revoked, or issued before "sign out everywhere" / a password change).
    """
    row = session.execute(_TOKEN_QUERY, {"token_hash": hash_token(raw)}).first()
    if row is None:
        raise AuthenticationFailed("bearer token is not valid", "invalid_token")
    if row.revoked_at is not None or row.session_version != (row.User.session_version or 0):
        raise AuthenticationFailed("this token was signed out; log in again", "token_revoked")
    if as_utc(row.expires_at) <= utcnow():
        raise AuthenticationFailed("bearer token has expired; log in again", "token_expired")
    return TokenInfo(row.User, row.id)


def resolve_token(session: DbSession, raw: str) -> User:
    """The user behind a bearer token (see :func:`resolve_token_info` for the refusals)."""
    return resolve_token_info(session, raw).user


def revoke_token(session: DbSession, user: User, token_id: Any) -> ApiToken:
    """Revoke one of the user's tokens (idempotent); unknown and foreign ids are NotFound."""
    try:
        tid = int(token_id)
    except (TypeError, ValueError):
        raise NotFound(f"no token {token_id!r}") from None
    tok = session.get(ApiToken, tid) if 0 < tid < MAX_ID else None
    if tok is None or tok.user_id != user.id:
        raise NotFound(f"no token {tid}")
    if tok.revoked_at is None:
        tok.revoked_at = utcnow()
    return tok


def revoke_all_sessions(session: DbSession, user: User) -> int:
    """Sign out everywhere: every token and cookie session of the user stops at once.

    Bumps the user's ``session_version`` (older tokens no longer match) and marks every live
    token revoked (for the list). Returns how many tokens were live. The caller commits.
    """
    user.session_version = (user.session_version or 0) + 1
    n = rows_affected(
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    session.flush()
    return int(n or 0)


def list_tokens(
    session: DbSession, user: User, current_id: int | None = None
) -> list[dict[str, Any]]:
    """The user's tokens and cookie sessions, newest first (never the secret itself)."""
    now = utcnow()
    out = []
    for tok in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ):
        live = (
            tok.revoked_at is None
            and tok.session_version == (user.session_version or 0)
            and as_utc(tok.expires_at) > now
        )
        out.append(
            {
                "id": tok.id,
                "name": tok.name,
                "created_at": as_utc(tok.created_at).isoformat(),
                "expires_at": as_utc(tok.expires_at).isoformat(),
                "revoked_at": as_utc(tok.revoked_at).isoformat() if tok.revoked_at else None,
                "active": live,
                "current": tok.id == current_id,
            }
        )
    return out
