"""Row ids from URLs and JSON, and the one ownership rule for per-shopper rows."""

from __future__ import annotations

from typing import Any, TypeVar

from storefront.domain_errors import BadRequest, NotFound
from storefront.extensions import DbSession

__all__ = ["MAX_ID", "get_owned", "parse_row_id"]

T = TypeVar("T")

#: Ids are 64-bit (``BIGINT`` on PostgreSQL, SQLite's rowid): bigger numbers are unknown
#: (404), never a database error.
MAX_ID = 2**63


def parse_row_id(raw: Any, what: str) -> int:
    """``raw`` as an integer id; 400 with the object's name when it is not one."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{what} id must be an integer, got {raw!r}", code="bad_id") from None


def get_owned(
    session: DbSession,
    model: type[T],
    raw_id: Any,
    user: Any,
    what: str,
    owner_only: bool = False,
) -> T:
    """The row of ``model`` with this id owned by ``user`` (any row for an admin).

    Unknown ids and other people's rows both give the same 404, so ids reveal nothing. With
    ``owner_only`` an admin gets only their own rows too (e.g. a quote is priced only on the
    shopper's own scan).
    """
    oid = parse_row_id(raw_id, what)
    row = session.get(model, oid) if 0 < oid < MAX_ID else None
    admin_reads = user.role == "admin" and not owner_only
    if row is None or (row.user_id != user.id and not admin_reads):  # type: ignore[attr-defined]
        raise NotFound(f"no {what} {oid}")
    return row
