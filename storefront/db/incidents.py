"""Unexpected errors (bugs): logged with their traceback and stored; users read a reference.

Both the request error handler (:mod:`storefront.errors`) and the job runner
(:mod:`storefront.jobs.runner`) call :func:`record_incident`, so a person who reports
"internal error, reference 17" can be matched with the traceback in the ``incident`` table.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from datetime import timedelta

from flask import Flask
from sqlalchemy import delete

from storefront.db.models import Incident, utcnow
from storefront.extensions import db, rows_affected

__all__ = ["internal_message", "purge_old_incidents", "record_incident"]

log = logging.getLogger(__name__)

#: Longest stored traceback (characters); the end, where the error is, is kept.
_MAX_TRACE = 20_000


def internal_message(reference: int | str) -> str:
    """What a user reads when the fault is ours."""
    return f"internal error, reference {reference}"


def record_incident(exc: BaseException, source: str) -> int | str:
    """Log ``exc`` with its traceback, store it and return its reference.

    Parameters
    ----------
    exc : BaseException
        The unexpected error.
    source : str
        Where it happened (``GET /api/shops``, ``job 1f2e... (scan 7)``).

    Returns
    -------
    int or str
        The ``incident`` row id; if the database cannot store it (it may be the cause), a
        random ``x``-prefixed token that only the log carries.
    """
    trace = "".join(traceback.format_exception(exc))[-_MAX_TRACE:]
    try:
        db.session.rollback()
        row = Incident(source=source[:200], error_type=type(exc).__qualname__[:200], trace=trace)
        db.session.add(row)
        db.session.commit()
        reference: int | str = row.id
    except Exception as store_exc:  # the database may be what failed
        db.session.rollback()
        reference = "x" + secrets.token_hex(4)
        log.error("incident %s could not be stored: %s", reference, store_exc)
    log.error("incident %s: unexpected error in %s", reference, source, exc_info=exc)
    return reference


def purge_old_incidents(app: Flask) -> int:
    """Delete incidents older than ``INCIDENT_RETENTION_DAYS`` (sweeper housekeeping)."""
    days = float(app.config.get("INCIDENT_RETENTION_DAYS", 90))
    cutoff = utcnow() - timedelta(days=days)
    n = rows_affected(db.session.execute(delete(Incident).where(Incident.created_at < cutoff)))
    db.session.commit()
    return int(n or 0)
