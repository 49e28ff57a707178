"""Catalog services (no Flask): the process-wide parsed catalog, live stock, shoe JSON."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from storefront.catalog.loader import default_catalog_path
from storefront.db.models import Stock, size_key
from storefront.extensions import DbSession

__all__ = [
    "CATALOG_DIR",
    "load_catalog_cached",
    "shoe_to_dict",
    "size_key",
    "stock_map",
]

#: Where the generated catalog (JSON + GLB) lives: package data beside this module.
CATALOG_DIR = default_catalog_path().parent
_CATALOGS: dict[str, Any] = {}
_LOCK = threading.Lock()


def load_catalog_cached(path: str | None) -> Any:
    """The catalog (parsed once per process and path)."""
    key = path or ""
    with _LOCK:
        if key not in _CATALOGS:
            from storefront.catalog import load_catalog

            _CATALOGS[key] = load_catalog(path) if path else load_catalog()
        return _CATALOGS[key]


def stock_map(
    session: DbSession, model_ids: list[str] | None = None
) -> dict[tuple[str, str, str], dict[str, int]]:
    """``{(model_id, size_eu, width): {colourway_id: pairs}}`` from the database."""
    q = select(Stock.model_id, Stock.size_eu, Stock.width, Stock.colourway_id, Stock.quantity)
    if model_ids is not None:
        q = q.where(Stock.model_id.in_(model_ids))
    out: dict[tuple[str, str, str], dict[str, int]] = {}
    for mid, eu, width, cw, qty in session.execute(q):
        out.setdefault((mid, eu, width), {})[cw] = qty
    return out


def shoe_to_dict(model: Any, stock: dict[tuple[str, str, str], dict[str, int]]) -> dict[str, Any]:
    """A catalog model with live stock from the database and links to its 3D assets."""
    d = model.to_dict()
    for s in d["sizes"]:
        s["stock"] = stock.get((model.id, size_key(s["eu"]), s["width"]), {})
    d["brand_offset_mm"] = model.brand_offset_mm
    d["links"] = {
        "self": f"/api/shoes/{model.id}",
        "glb": f"/api/shoes/{model.id}/model.glb",
        "last_glb": f"/api/shoes/{model.id}/last.glb",
    }
    return d
