"""Per-account storage quota for uploads (no Flask): raw bytes kept and rows per account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from storefront.db.models import GaitSession, GaitUpload, Scan
from storefront.domain_errors import QuotaExceeded
from storefront.extensions import DbSession

__all__ = ["check_quota", "usage"]

_PENDING = ("queued", "running")


def usage(session: DbSession, user_id: int) -> dict[str, int]:
    """Raw bytes the account keeps on disk (kept or not yet processed) and its upload rows."""
    scan_bytes = session.scalar(
        select(func.coalesce(func.sum(Scan.size_bytes), 0)).where(
            Scan.user_id == user_id, or_(Scan.keep_raw.is_(True), Scan.status.in_(_PENDING))
        )
    )
    gait_bytes = session.scalar(
        select(func.coalesce(func.sum(GaitSession.size_bytes), 0)).where(
            GaitSession.user_id == user_id,
            or_(GaitSession.keep_raw.is_(True), GaitSession.status.in_(_PENDING)),
        )
    )
    part_bytes = session.scalar(
        select(func.coalesce(func.sum(GaitUpload.received_bytes), 0)).where(
            GaitUpload.user_id == user_id
        )
    )
    items = sum(
        int(session.scalar(select(func.count()).select_from(m).where(m.user_id == user_id)) or 0)
        for m in (Scan, GaitSession, GaitUpload)
    )
    return {
        "bytes": int(scan_bytes or 0) + int(gait_bytes or 0) + int(part_bytes or 0),
        "items": items,
    }


def check_quota(session: DbSession, user_id: int, new_bytes: int, config: Any) -> None:
    """Raise :class:`~storefront.domain_errors.QuotaExceeded` if this upload would not fit.

    ``UPLOAD_QUOTA_MB`` bounds the raw bytes kept per account, ``UPLOAD_QUOTA_ITEMS`` the
    scans, gait sessions and open chunked uploads; 0 turns a bound off.
    """
    quota_mb = int(config.get("UPLOAD_QUOTA_MB", 500) or 0)
    quota_items = int(config.get("UPLOAD_QUOTA_ITEMS", 200) or 0)
    used = usage(session, user_id)
    if quota_items and used["items"] + 1 > quota_items:
        raise QuotaExceeded(
            f"this account holds {used['items']} uploads, the limit is {quota_items}; "
            "delete old scans or gait sessions first"
        )
    if quota_mb and used["bytes"] + new_bytes > quota_mb * 1024 * 1024:
        raise QuotaExceeded(
            f"this upload would take the account's stored files past {quota_mb} MB; "
            "delete kept raw files first"
        )
