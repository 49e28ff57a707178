"""Unbound Flask extensions; :func:`storefront.create_app` binds them with ``init_app``."""

from __future__ import annotations

import sqlite3

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from storefront.security.ratelimit import RateLimiter

__all__ = ["db", "limiter", "migrate"]

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=_NAMING))
migrate = Migrate()
limiter = RateLimiter()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    """SQLite: enforce foreign keys; WAL so readers never block the one writer."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
