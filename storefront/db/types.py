"""Column types and time helpers shared by the table modules (:mod:`storefront.db.models`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from sqlalchemy import BigInteger, DateTime, Integer

__all__ = ["Id64", "as_utc", "utcnow"]


#: 64-bit ids (issue 13): BIGINT on PostgreSQL; SQLite's INTEGER PRIMARY KEY is already 64-bit
#: (and only that spelling is the auto-incrementing rowid, hence the variant).
Id64 = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """Timezone-aware now (UTC)."""
    return datetime.now(UTC)


class _TZDateTime(DateTime):
    """Timestamps stored in UTC; SQLite hands them back naive, so re-attach UTC."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)


@overload
def as_utc(value: datetime) -> datetime: ...


@overload
def as_utc(value: None) -> None: ...


def as_utc(value: datetime | None) -> datetime | None:
    """Attach UTC to a naive timestamp read back from SQLite."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
