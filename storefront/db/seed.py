"""Seed the street from the catalog, and a demo shopper with a synthetic foot scan and gait session."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import select

from storefront.catalog.services import load_catalog_cached, size_key
from storefront.db.models import ShoeModel, Shop, Stock, User, utcnow
from storefront.extensions import db

__all__ = ["DEMO_EMAIL", "DEMO_PASSWORD", "seed_all", "seed_catalog", "seed_demo_shopper"]

log = logging.getLogger(__name__)

#: The demo shopper's login (documented in docs/storefront.md; demo data only).
DEMO_EMAIL = "demo@shoestreet.invalid"
DEMO_PASSWORD = "demo-shopper-1"


def seed_catalog(catalog: Any) -> int:
    """Insert shops, models and stock from the catalog; existing rows are left alone. Returns rows added."""
    added = 0
    have_shops = set(db.session.scalars(select(Shop.id)))
    for s in catalog.shops:
        if s.id in have_shops:
            continue
        db.session.add(
            Shop(
                id=s.id,
                name=s.name,
                brand=s.brand,
                tagline=s.tagline,
                size_offset_mm=s.size_offset_mm,
                street_position=list(s.street_position),
                color=s.color,
            )
        )
        added += 1
    db.session.flush()
    have_models = set(db.session.scalars(select(ShoeModel.id)))
    for m in catalog.models:
        if m.id in have_models:
            continue
        db.session.add(
            ShoeModel(
                id=m.id,
                shop_id=m.shop_id,
                name=m.name,
                category=m.category,
                price_cents=int(round(m.price_eur * 100)),
            )
        )
        added += 1
        for last in m.sizes:
            for cw_id, qty in last.stock.items():
                db.session.add(
                    Stock(
                        model_id=m.id,
                        size_eu=size_key(last.eu),
                        width=last.width,
                        colourway_id=cw_id,
                        quantity=qty,
                    )
                )
                added += 1
    db.session.commit()
    return added


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
            log.warning(
                "demo %s could not be processed: %s", kind, db.session.get(Job, job.id).error
            )
    return 1


def seed_all(demo: bool = True) -> dict[str, int]:
    """Seed the catalog and (optionally) the demo shopper."""
    added = seed_catalog(load_catalog_cached(current_app.config.get("CATALOG_PATH")))
    demo_added = seed_demo_shopper() if demo else 0
    return {"catalog_rows": added, "demo_users": demo_added}
