"""Bring a database to a serving state: migrate, release stale jobs, seed the street and demo.

Above the domain packages (it runs the scan and gait services for the demo shopper), so
:mod:`storefront.db` stays below them. Used on first start (``AUTO_INIT``), by the CLI
(``storefront init-db``, ``seed``, ``serve``) and by tests.
"""

from __future__ import annotations

import logging
import threading
import uuid

from flask import Flask, current_app
from sqlalchemy import select

from storefront.catalog.services import load_catalog_cached
from storefront.db.models import User, utcnow
from storefront.db.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_catalog
from storefront.db.setup import make_sqlite_private, upgrade_db
from storefront.extensions import db

__all__ = ["init_auto_setup", "migrate_and_seed", "seed_all", "seed_demo_shopper"]

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


def seed_demo_shopper() -> int:
    """A consenting demo shopper with a synthetic scan and gait session, processed inline."""
    from werkzeug.security import generate_password_hash

    from storefront.db.models import Job
    from storefront.gait_sessions.gait_bridge import demo_session_csv
    from storefront.gait_sessions.services import create_session
    from storefront.jobs import execute_job
    from storefront.scans.footscan_bridge import demo_scan_ply
    from storefront.scans.services import create_scan

    if db.session.scalar(select(User.id).where(User.email == DEMO_EMAIL)) is not None:
        return 0
    user = User(
        email=DEMO_EMAIL,
        password_hash=generate_password_hash(DEMO_PASSWORD),
        role="shopper",
        display_name="Demo shopper",
        region="EU-west",
        age_band="30-44",
        consent_aggregates=True,
        consent_gait_health=True,
        consent_updated_at=utcnow(),
    )
    db.session.add(user)
    db.session.commit()
    cfg = current_app.config
    max_bytes = int(cfg["MAX_DECOMPRESSED_MB"]) << 20
    scan = create_scan(
        db.session,
        user,
        "demo_right_265mm.ply",
        demo_scan_ply(265.0, "right", 0),
        "mm",
        cfg["UPLOAD_DIR"],
        max_bytes,
    )
    gs = create_session(
        db.session, user, "demo_walk.csv", demo_session_csv(0), cfg["UPLOAD_DIR"], max_bytes
    )
    db.session.commit()
    # Seeding runs before serving: process inline so the demo is ready on the first page.
    for kind, obj in (("scan", scan), ("gait", gs)):
        job = Job(
            id=str(uuid.uuid4()), kind=kind, target_id=obj.id, user_id=user.id, backend="inline"
        )
        db.session.add(job)
        obj.job_id = job.id
        db.session.commit()
        status = execute_job(job.id)
        if status != "done":
            row = db.session.get(Job, job.id)
            log.warning("demo %s could not be processed: %s", kind, row.error if row else status)
    return 1


def seed_all(demo: bool = True) -> dict[str, int]:
    """Seed the catalog and (optionally) the demo shopper."""
    added = seed_catalog(load_catalog_cached(current_app.config.get("CATALOG_PATH")))
    demo_added = seed_demo_shopper() if demo else 0
    return {"catalog_rows": added, "demo_users": demo_added}


def migrate_and_seed(demo: bool | None = None, stale_job_idle_s: float = 600.0) -> dict[str, int]:
    """Migrate to head, hand jobs a previous process left behind to the sweeper, seed once."""
    from storefront.jobs import release_interrupted_jobs

    upgrade_db()
    make_sqlite_private()
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
