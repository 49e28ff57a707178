"""Fit and recommendation services (no Flask): owned profiles, learned offsets, preferences."""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy import bindparam, func, select

from storefront.db.models import GaitSession, LearnedOffset, Scan
from storefront.domain_errors import BadRequest, NotFound, NotReady, ValidationFailed
from storefront.extensions import DbSession
from storefront.security.ownership import MAX_ID, parse_row_id

__all__ = [
    "LruCache",
    "foot_profile",
    "gait_profile",
    "learned_offsets",
    "offsets_version",
    "parse_preferences",
]


class LruCache:
    """A small thread-safe LRU map (recommendations per scan/gait/preferences/offsets)."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """The cached value of ``key`` (now the most recently used), or None."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            return None

    def put(self, key: Hashable, value: Any) -> None:
        """Store ``value`` under ``key``; the least recently used entry goes beyond ``maxsize``."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)


#: Parsed profiles by (kind, id, created_at): scans and gait sessions never change once done,
#: and parsing a gait report's JSON costs more than the rest of a recommendation request.
_PROFILES = LruCache(4096)


#: The tables a profile is parsed from.
ProfileTable = type[Scan] | type[GaitSession]


@functools.cache
def _owner_query(model: ProfileTable) -> Any:
    # Built once per table: constructing a SELECT costs more than running it.
    return select(model.user_id, model.status, model.created_at).where(model.id == bindparam("oid"))


@functools.cache
def _column_query(model: ProfileTable, column: str) -> Any:
    return select(getattr(model, column)).where(model.id == bindparam("oid"))


def _owned_profile(
    session: DbSession,
    model: ProfileTable,
    obj_id: Any,
    user_id: int,
    what: str,
    is_admin: bool,
    column: Any,
    parse: Any,
) -> tuple[int, Any]:
    """Check existence, ownership and status with a light query, then the (cached) profile."""
    oid = parse_row_id(obj_id, what)
    row = None
    if 0 < oid < MAX_ID:
        row = session.execute(_owner_query(model), {"oid": oid}).first()
    if row is None or (row.user_id != user_id and not is_admin):
        raise NotFound(f"no {what} {oid}")
    if row.status == "failed" and model is Scan:
        from storefront.scans.verdict import verdict_of

        raise verdict_of(session.get(Scan, oid)).error()  # type: ignore[arg-type,union-attr]
    if row.status != "done":
        raise NotReady(f"{what} {oid} is {row.status}, not processed yet")
    key = (model.__tablename__, oid, row.created_at)
    profile = _PROFILES.get(key)
    if profile is None:
        profile = parse(session.scalar(_column_query(model, column.key), {"oid": oid}))
        _PROFILES.put(key, profile)
    return oid, profile


def foot_profile(
    session: DbSession, scan_id: Any, user_id: int, is_admin: bool = False
) -> tuple[int, Any]:
    """The scan id and its :class:`~storefront.fit.profiles.FootProfile`.

    404 for unknown or other people's scans, 409 while processing, and
    :class:`~storefront.domain_errors.ScanNotAccepted` (422 ``scan_not_accepted`` with reasons
    and advice) for a scan footscan refused or did not accept.
    """
    from storefront.fit.profiles import FootProfile

    return _owned_profile(
        session,
        Scan,
        scan_id,
        user_id,
        "scan",
        is_admin,
        Scan.result,
        FootProfile.from_footscan_json,
    )


def gait_profile(
    session: DbSession, gait_id: Any, user_id: int, is_admin: bool = False
) -> tuple[int, Any]:
    """The gait session id and its :class:`~storefront.fit.profiles.GaitProfile`."""
    from storefront.fit.profiles import GaitProfile

    return _owned_profile(
        session,
        GaitSession,
        gait_id,
        user_id,
        "gait session",
        is_admin,
        GaitSession.report,
        GaitProfile.from_gait_report,
    )


def learned_offsets(session: DbSession) -> dict[str, dict[str, float]]:
    """Learned size offsets: ``{"model": {model_id: mm}, "shop": {shop_id: mm}}``."""
    out: dict[str, dict[str, float]] = {"model": {}, "shop": {}}
    for row in session.scalars(select(LearnedOffset)):
        out.setdefault(row.scope, {})[row.key] = row.offset_mm
    return out


def offsets_version(session: DbSession) -> Hashable:
    """Changes whenever the learned offsets change (cache key)."""
    return tuple(
        session.execute(
            select(func.count(LearnedOffset.id), func.max(LearnedOffset.updated_at))
        ).one()
    )


#: The 400 answer to a price limit that is not a whole number (won have no decimals).
NOT_WHOLE_WON = "max_price_krw must be a whole number of won, such as 120000 (no decimals)"
_INTEGER = re.compile(r"-?[0-9]+")


def parse_preferences(args: Any) -> dict[str, Any]:
    """Recommendation preferences from query parameters, validated.

    A price limit (``max_price_krw``, alias ``max_budget_krw``) that is not written as a
    whole number of won (``1.5``, ``1e5``, ``120000.0``) is refused at once (400 ``bad_amount``,
    :data:`NOT_WHOLE_WON`); otherwise every bad value is listed together (422).
    """
    from storefront.catalog.models import CATEGORIES

    errors: dict[str, str] = {}
    prefs: dict[str, Any] = {}
    cat = args.get("category")
    if cat:
        if cat not in CATEGORIES:
            errors["category"] = f"unknown {cat!r}; expected one of {list(CATEGORIES)}"
        else:
            prefs["category"] = cat
    budget = args.get("max_price_krw") or args.get("max_budget_krw")
    if budget:
        text = str(budget).strip()
        if not _INTEGER.fullmatch(text):
            raise BadRequest(NOT_WHOLE_WON, code="bad_amount")
        if len(text) <= 12 and 0 < int(text) <= 100_000_000:
            prefs["max_budget_krw"] = int(text)
        else:
            errors["max_price_krw"] = "expected an amount in won above 0 and at most 100000000"
    colour = args.get("colour") or args.get("color")
    if colour:
        if len(colour) > 32 or not all(ch.isalnum() or ch in "# -" for ch in colour):
            errors["colour"] = "expected a colour name or #rrggbb"
        else:
            prefs["colour"] = colour
    try:
        n = int(args.get("limit", "10"))
        if not 1 <= n <= 100:
            raise ValueError
        prefs["top_n"] = n
    except ValueError:
        errors["limit"] = "expected an integer from 1 to 100"
    if errors:
        raise ValidationFailed("recommendation parameters are invalid", errors)
    return prefs
