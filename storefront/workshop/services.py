"""Maker accounts and what they may read: the made-to-measure orders assigned to them only.

A maker is an account with the role ``maker`` (sign-in with e-mail and password, created with
``storefront create-maker``) that makes one or more shops' made-to-measure pairs
(``maker_shop``). Confirming a quote assigns the order to its shop's maker
(``made_to_measure.maker_id``); an order confirmed before its shop had a maker is assigned when
the maker is created. A maker lists and downloads its assigned orders' files and nothing else;
the shopper of an order reads its spec sheet and preview. Everyone else gets the same 404.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from storefront.db.models import MadeToMeasure, MakerShop, MtmQuote, Order, User, as_utc
from storefront.domain_errors import NotFound, NotReady, ValidationFailed
from storefront.extensions import DbSession
from storefront.i18n.reasons import reason_text
from storefront.security.ownership import MAX_ID, get_owned, parse_row_id
from storefront.security.uploads import read_private

__all__ = [
    "FILE_TYPES",
    "MAKER_ROLE",
    "SHOPPER_FILES",
    "assign_maker",
    "create_maker",
    "files_to_dict",
    "maker_for_shop",
    "maker_order",
    "maker_order_detail",
    "maker_orders",
    "order_file",
    "quote_preview",
]

MAKER_ROLE = "maker"
#: Download name -> media type.
FILE_TYPES = {
    "last.stl": "model/stl",
    "last.3mf": "model/3mf",
    "insole.stl": "model/stl",
    "insole.3mf": "model/3mf",
    "spec.ko.html": "text/html; charset=utf-8",
    "spec.en.html": "text/html; charset=utf-8",
    "preview.json": "application/json",
}
#: What the shopper of an order may read of its files (the maker reads all).
SHOPPER_FILES = frozenset({"spec.ko.html", "spec.en.html", "preview.json"})


def create_maker(
    session: DbSession, name: str, email: str, password: str, shop_ids: list[str], catalog: Any
) -> User:
    """Create a maker account for ``shop_ids``; flushed, not committed.

    Raises
    ------
    ValidationFailed
        Bad name, e-mail or password, an address that has an account, or an unknown shop.
    """
    from storefront.accounts.services import create_staff_account

    for shop_id in shop_ids:
        catalog.shop(shop_id)  # UnknownModel for an unknown shop
    user = create_staff_account(session, name, email, password, MAKER_ROLE, "maker")
    for shop_id in shop_ids:
        assign_maker(session, shop_id, user)
    return user


def assign_maker(session: DbSession, shop_id: str, maker: User) -> int:
    """Make ``maker`` the maker of ``shop_id``; its unassigned orders go to it. Returns how many."""
    if maker.role != MAKER_ROLE:
        raise ValidationFailed(f"{maker.email} is not a maker account", {"maker": "bad value"})
    row = session.get(MakerShop, shop_id)
    if row is None:
        session.add(MakerShop(shop_id=shop_id, maker_id=maker.id))
    else:
        row.maker_id = maker.id
    res = session.execute(
        update(MadeToMeasure)
        .where(MadeToMeasure.shop_id == shop_id, MadeToMeasure.maker_id.is_(None))
        .values(maker_id=maker.id)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(res, "rowcount", 0) or 0)


def maker_for_shop(session: DbSession, shop_id: str) -> int | None:
    """The id of the maker account of a shop, if it has one."""
    row = session.get(MakerShop, shop_id)
    return row.maker_id if row is not None else None


def files_to_dict(
    mtm: MadeToMeasure,
    base_url: str,
    only: frozenset[str] | None = None,
    *,
    language: str,
) -> dict[str, Any]:
    """The file status of an order and, once built, its download links (``only`` these).

    ``error`` is the English failure reason as recorded, ``error_text`` the same in
    ``language`` (``"ko"`` or ``"en"``, chosen by the view: the page's or the API request's).
    """
    ready = mtm.files_status == "done" and bool(mtm.files)
    return {
        "status": mtm.files_status,
        "error": mtm.files_error,
        "error_text": reason_text(mtm.files_error, language),
        "job": f"/api/jobs/{mtm.files_job_id}" if mtm.files_job_id else None,
        "pressure_source": mtm.pressure_source,
        "files": [
            {"name": n, "bytes": meta["bytes"], "sha256": meta["sha256"], "url": f"{base_url}/{n}"}
            for n, meta in (mtm.files or {}).items()
            if only is None or n in only
        ]
        if ready
        else [],
    }


def _order_row(session: DbSession, order_id: Any) -> tuple[Order, MadeToMeasure] | None:
    oid = parse_row_id(order_id, "order")
    order = session.get(Order, oid) if 0 < oid < MAX_ID else None
    if order is None or order.kind != "made_to_measure":
        return None
    mtm = session.scalar(select(MadeToMeasure).where(MadeToMeasure.order_id == order.id))
    return None if mtm is None else (order, mtm)


def maker_order_dict(order: Order, mtm: MadeToMeasure, language: str) -> dict[str, Any]:
    """What a maker sees of an order: what to make, for when; no name, e-mail or address."""
    return {
        "order_id": order.id,
        "created_at": as_utc(order.created_at).isoformat(),
        "shop_id": mtm.shop_id,
        "shoe_id": mtm.model_id,
        "colourway_id": mtm.colourway_id,
        "base_size_eu": float(mtm.base_size_eu),
        "base_width": mtm.base_width,
        "status": mtm.status,
        "fulfilment": "delivery" if order.delivery else "collect_at_shop",
        "files": files_to_dict(mtm, f"/api/workshop/orders/{order.id}/files", language=language),
    }


def maker_order_detail(order: Order, mtm: MadeToMeasure, language: str) -> dict[str, Any]:
    """One assigned order for its maker: the list entry plus the foot measurements (mm) and the
    last-modification spec; the only place the API gives measurements to anyone but the shopper.
    """
    return {
        **maker_order_dict(order, mtm, language),
        "measurements": mtm.measurements,
        "last_spec": mtm.last_spec,
    }


def maker_orders(session: DbSession, maker: User, language: str) -> list[dict[str, Any]]:
    """The maker's assigned made-to-measure orders, newest first (reasons in ``language``)."""
    rows = session.execute(
        select(Order, MadeToMeasure)
        .join(MadeToMeasure, MadeToMeasure.order_id == Order.id)
        .where(MadeToMeasure.maker_id == maker.id)
        .order_by(Order.id.desc())
    ).all()
    return [maker_order_dict(o, m, language) for o, m in rows]


def maker_order(session: DbSession, maker: User, order_id: Any) -> tuple[Order, MadeToMeasure]:
    """One order assigned to ``maker``; 404 for any other (unknown, unassigned, another's)."""
    found = _order_row(session, order_id)
    if found is None or found[1].maker_id != maker.id or maker.role != MAKER_ROLE:
        raise NotFound(f"no made-to-measure order {order_id} for this maker")
    return found


def order_file(
    session: DbSession, user: User, order_id: Any, name: str, upload_dir: str | Path, ring: Any
) -> bytes:
    """One file of an order for its assigned maker (any file) or its shopper (sheet, preview).

    Raises
    ------
    NotFound
        Unknown order or file name, or the user may not read it (same answer for all).
    NotReady
        The files are still being built (409).
    """
    found = _order_row(session, order_id)
    if found is None or name not in FILE_TYPES:
        raise NotFound(f"no file {name!r} of order {order_id}")
    order, mtm = found
    is_maker = user.role == MAKER_ROLE and mtm.maker_id == user.id
    is_shopper = order.user_id == user.id and name in SHOPPER_FILES
    if not (is_maker or is_shopper):
        raise NotFound(f"no file {name!r} of order {order_id}")
    if mtm.files_status != "done" or not mtm.files_dir:
        raise NotReady(f"the files of order {order.id} are {mtm.files_status}, not ready")
    return read_private(
        Path(upload_dir) / mtm.files_dir / name, ring, f"{name} of order {order.id}"
    )


def quote_preview(
    session: DbSession, user: User, quote_id: Any, upload_dir: str | Path, ring: Any
) -> bytes:
    """The preview JSON of the shopper's own quote (409 while it is being built)."""
    q = get_owned(session, MtmQuote, quote_id, user, "quote")
    if q.preview_status == "failed":
        from storefront.domain_errors import Conflict

        raise Conflict(q.preview_error or "the preview could not be built", code="preview_failed")
    if q.preview_status != "done" or not q.preview_name:
        raise NotReady(f"the preview of quote {q.id} is {q.preview_status}, not ready")
    return read_private(Path(upload_dir) / q.preview_name, ring, f"the preview of quote {q.id}")
