"""Seed the street's rows (shops, models, stock) from a catalog; the demo shopper's login.

The demo shopper (a scan and a gait session processed by the domain services) is made by
:mod:`storefront.bootstrap`, which sits above the domain packages.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from storefront.db.models import ShoeModel, Shop, Stock, size_key
from storefront.extensions import db

__all__ = ["DEMO_EMAIL", "DEMO_PASSWORD", "seed_catalog"]

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
                price_krw=int(m.price_krw),
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
