"""Unbound Flask extensions; :func:`storefront.create_app` binds them with ``init_app``.

The rate limiter lives with the other request defences (:data:`storefront.security.ratelimit.limiter`).
"""

from __future__ import annotations

import sqlite3
from typing import Any, TypeAlias, cast

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

__all__ = ["Base", "DbSession", "db", "migrate", "rows_affected"]

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table (``storefront.db.models``), typed for mypy."""

    metadata = MetaData(naming_convention=_NAMING)


db = SQLAlchemy(model_class=Base)

#: What services take as their database session: a plain ``Session`` or Flask-SQLAlchemy's
#: request-scoped ``db.session``.
DbSession: TypeAlias = Session | scoped_session[Any]
migrate = Migrate()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    """SQLite: enforce foreign keys; WAL so readers never block the one writer."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def rows_affected(result: Result[Any]) -> int:
    """Rows changed by an ``UPDATE``/``DELETE`` (its ``rowcount``; conditional updates use it)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
