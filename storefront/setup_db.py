"""Create, migrate and seed the database: on first start (``AUTO_INIT``) or from the CLI."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask, current_app

__all__ = ["init_auto_setup", "migrate_and_seed", "upgrade_db"]

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


def upgrade_db() -> None:
    """Run Alembic migrations up to head (creates the database file/tables if needed)."""
    from flask_migrate import upgrade

    upgrade(directory=str(Path(__file__).with_name("migrations")))


def migrate_and_seed(demo: bool | None = None, stale_job_idle_s: float = 600.0) -> dict[str, int]:
    """Migrate to head, hand jobs a previous process left behind to the sweeper, seed once."""
    from storefront.jobs import release_interrupted_jobs
    from storefront.seed import seed_all

    upgrade_db()
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
