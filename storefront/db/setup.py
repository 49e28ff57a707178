"""Create, migrate and seed the database: on first start (``AUTO_INIT``) or from the CLI."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask, current_app

__all__ = ["MIGRATIONS_DIR", "init_auto_setup", "migrate_and_seed", "upgrade_db"]

log = logging.getLogger(__name__)

#: The Alembic environment and revisions (package data of ``storefront.db``).
MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
_LOCK = threading.Lock()


def upgrade_db() -> None:
    """Run Alembic migrations up to head (creates the database file/tables if needed)."""
    from flask_migrate import upgrade

    upgrade(directory=str(MIGRATIONS_DIR))


def _private_sqlite_files() -> None:
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


def migrate_and_seed(demo: bool | None = None, stale_job_idle_s: float = 600.0) -> dict[str, int]:
    """Migrate to head, hand jobs a previous process left behind to the sweeper, seed once."""
    from storefront.db.seed import seed_all
    from storefront.jobs import release_interrupted_jobs

    upgrade_db()
    _private_sqlite_files()
    n = release_interrupted_jobs(stale_job_idle_s)
    if n:
        log.warning(
            "%d background job(s) from a previous run were interrupted; the sweeper re-queues "
            "them (or fails them after %s runs)",
            n,
            current_app.config.get("JOB_MAX_ATTEMPTS", 3),
        )
    want_demo = current_app.config["SEED_DEMO"] if demo is None else demo
    return seed_all(demo=want_demo)


def init_auto_setup(app: Flask) -> None:
    """With ``AUTO_INIT``, migrate and seed once per process before the first request."""
    if not app.config.get("AUTO_INIT"):
        return
    state = {"done": False}

    @app.before_request
    def _ensure_ready() -> None:
        if state["done"]:
            return
        with _LOCK:
            if state["done"]:
                return
            log.info(
                "first request: migrating and seeding %s", app.config["SQLALCHEMY_DATABASE_URI"]
            )
            migrate_and_seed()
            state["done"] = True
