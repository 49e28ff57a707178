"""Load catalog.json into frozen dataclasses."""

from __future__ import annotations

import importlib.resources
import json
from functools import lru_cache
from pathlib import Path

from storefront.catalog.models import Catalog
from storefront.domain_errors import CatalogError

__all__ = ["default_catalog_path", "load_catalog", "catalog_from_dict"]


def default_catalog_path() -> Path:
    """The bundled ``catalog.json`` (package data ``storefront/catalog/data``, GLBs beside it)."""
    return Path(str(importlib.resources.files("storefront.catalog") / "data" / "catalog.json"))


def catalog_from_dict(doc: dict) -> Catalog:
    """Validate a catalog.json document; raises :class:`CatalogError` naming the bad field."""
    return Catalog.from_dict(doc)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Catalog:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path}: not valid JSON ({exc})") from None
    return Catalog.from_dict(doc)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load (and cache, keyed on path and modification time) a catalog.json.

    Parameters
    ----------
    path : str or Path, optional
        The catalog.json; default :func:`default_catalog_path`. GLB paths in it are relative to
        its directory.
    """
    p = Path(path) if path is not None else default_catalog_path()
    try:
        st = p.stat()
    except OSError:
        raise CatalogError(
            f"catalog not found at {p}; run `python -m storefront.catalog.build`"
        ) from None
    return _load_cached(str(p.resolve()), st.st_mtime_ns)
