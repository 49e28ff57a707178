"""Order lines as requested: shoe, size, width, colourway and quantity -> stock rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from storefront.db.models import Stock
from storefront.domain_errors import NotFound, ValidationFailed
from storefront.extensions import DbSession

__all__ = ["MAX_QTY", "LineRequest", "resolve_lines"]

#: Most pairs of one stock row in one request.
MAX_QTY = 10


@dataclass(frozen=True)
class LineRequest:
    """One requested line: a stock row and a quantity."""

    stock_id: int
    quantity: int


def _size_str(value: Any, where: str, errors: dict[str, str]) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors[where] = "expected an EU size number"
        return ""
    try:
        return f"{float(value):g}"
    except ValueError:
        errors[where] = "expected an EU size number"
        return ""


def resolve_lines(session: DbSession, raw: Any, catalog: Any) -> list[LineRequest]:
    """Validate ``[{shoe_id, size_eu, width?, colourway_id, quantity?}]`` into stock rows (422/404)."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= 20:
        raise ValidationFailed("lines must be a list of 1 to 20 objects", {"lines": "bad value"})
    errors: dict[str, str] = {}
    out: dict[int, int] = {}
    for i, line in enumerate(raw):
        where = f"lines[{i}]"
        if not isinstance(line, dict):
            errors[where] = "expected an object"
            continue
        stock = _find_stock(session, line, catalog, where, errors)
        qty = line.get("quantity", 1)
        if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_QTY:
            errors[f"{where}.quantity"] = f"expected an integer from 1 to {MAX_QTY}"
            continue
        if stock is not None:
            out[stock.id] = out.get(stock.id, 0) + qty
    if errors:
        raise ValidationFailed("order lines are invalid", errors)
    return [LineRequest(sid, q) for sid, q in sorted(out.items())]


def _find_stock(
    session: DbSession, line: dict[str, Any], catalog: Any, where: str, errors: dict[str, str]
) -> Stock | None:
    shoe_id, cw = line.get("shoe_id"), line.get("colourway_id")
    if not isinstance(shoe_id, str) or not isinstance(cw, str):
        errors[where] = "shoe_id and colourway_id must be strings"
        return None
    size = _size_str(line.get("size_eu"), f"{where}.size_eu", errors)
    if not size:
        return None
    width = line.get("width")
    if width is not None and not isinstance(width, str):
        errors[f"{where}.width"] = "expected a width fitting string"
        return None
    if width is None:
        try:
            width = catalog.model(shoe_id).size(float(size)).width
        except (KeyError, ValueError):
            width = ""
    stock = session.scalar(
        select(Stock).where(
            Stock.model_id == shoe_id,
            Stock.size_eu == size,
            Stock.width == width,
            Stock.colourway_id == cw,
        )
    )
    if stock is None:
        raise NotFound(f"{where}: {shoe_id!r} is not sold in EU {size} {width} colourway {cw!r}")
    return stock
