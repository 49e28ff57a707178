"""Create and migrate the database (Alembic), and keep an embedded SQLite file private."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app

__all__ = ["MIGRATIONS_DIR", "make_sqlite_private", "upgrade_db"]

log = logging.getLogger(__name__)

#: The Alembic environment and revisions (package data of ``storefront.db``).
MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")


def upgrade_db() -> None:
    """Run Alembic migrations up to head (creates the database file/tables if needed)."""
    from flask_migrate import upgrade

    upgrade(directory=str(MIGRATIONS_DIR))


def make_sqlite_private() -> None:
    """An embedded SQLite database (and its WAL files) readable by the service only (0600)."""
    import os

    from sqlalchemy.engine import make_url

    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    for suffix in ("", "-wal", "-shm"):
        path = Path(url.database + suffix)
        if path.is_file():
            try:
                os.chmod(path, 0o600)
            except OSError:  # pragma: no cover (a file we do not own)
                log.warning("could not make %s private", path)
