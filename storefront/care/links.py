"""Care links (one-time codes, explicit consent, revocation), care-manager accounts, access log.

A care manager sees a wearer only while an accepted, unrevoked :class:`CareLink` joins them and
the wearer's insole (health) consent stands; every read of a wearer's care data writes a
:class:`CareAccess` row in the same transaction (:func:`log_access`), which the wearer can read
(:func:`access_log_for`). Codes are stored as SHA-256 hashes and expire after
:data:`CODE_TTL_H` hours.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from storefront.db.models import CareAccess, CareLink, User, as_utc, utcnow
from storefront.domain_errors import NotFound, ValidationFailed
from storefront.extensions import DbSession

__all__ = [
    "ACTIONS",
    "CARE_ROLE",
    "CODE_TTL_H",
    "accept_link",
    "access_log_for",
    "age_for_band",
    "create_care_manager",
    "create_invitation",
    "invitations_of",
    "iso_time",
    "linked_wearer",
    "linked_wearers",
    "links_of_wearer",
    "log_access",
    "revoke_link",
]

#: The account role of a care manager.
CARE_ROLE = "care_manager"
#: Hours an invitation code can be accepted.
CODE_TTL_H = 7 * 24.0
#: Unambiguous characters of a link code (no 0/O, 1/I/L); 8 of them: 32**8 ~ 1.1e12 codes.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_CHARS = 8
#: Representative age (years) of each age band, for gait's age-banded thresholds.
_BAND_AGE_YEARS = {"18-29": 24.0, "30-44": 37.0, "45-59": 52.0, "60-74": 67.0, "75+": 80.0}
#: Access-log actions.
ACTIONS = ("list", "view", "report")


def iso_time(value: datetime | None) -> str | None:
    """``value`` as an ISO 8601 UTC string (None stays None)."""
    return as_utc(value).isoformat() if value is not None else None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _normalise_code(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValidationFailed("the link code is missing", {"code": "required"})
    code = "".join(c for c in raw.upper() if c.isalnum())
    if len(code) != _CODE_CHARS or any(c not in _CODE_ALPHABET for c in code):
        raise ValidationFailed(
            "that is not a link code", {"code": f"expected {_CODE_CHARS} letters and digits"}
        )
    return code


def age_for_band(age_band: str | None) -> float | None:
    """A representative age in years for an account's age band (None: unknown or under 18).

    gait's thresholds depend on age only by band edges (walking-speed cut-offs from 65 y,
    daily steps below/above 60 y), so the band's middle is used.
    """
    return _BAND_AGE_YEARS.get(age_band or "")


# --------------------------------------------------------------------------- accounts, links


def create_care_manager(session: DbSession, name: str, email: str, password: str) -> User:
    """Create a care-manager account (the CLI's ``create-care-manager``); flushed, not committed.

    Raises
    ------
    ValidationFailed
        Bad name, e-mail or password, or an address that already has an account.
    """
    from storefront.accounts.services import create_staff_account

    return create_staff_account(session, name, email, password, CARE_ROLE, "care manager")


def create_invitation(session: DbSession, manager: User) -> tuple[CareLink, str]:
    """A one-time link code for ``manager`` to hand to a wearer; returns (row, code)."""
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_CHARS))
    link = CareLink(
        manager_id=manager.id,
        code_hash=_hash(code),
        code_expires_at=utcnow() + timedelta(hours=CODE_TTL_H),
    )
    session.add(link)
    session.flush()
    return link, f"{code[:4]}-{code[4:]}"


def accept_link(session: DbSession, wearer: User, code: Any, consent: Any) -> CareLink:
    """The wearer links the care manager behind ``code``, with explicit consent.

    Raises
    ------
    ValidationFailed
        ``consent`` is not ``true``, the code is malformed, unknown, expired or used, the
        caller is not a wearer, or the care manager is linked already.
    """
    if consent is not True:
        raise ValidationFailed(
            "linking a care manager needs your explicit consent",
            {"consent": "expected true (consent must be explicit)"},
        )
    if wearer.role != "shopper":
        raise ValidationFailed("only a wearer's own account can link a care manager")
    norm = _normalise_code(code)
    link = session.scalar(select(CareLink).where(CareLink.code_hash == _hash(norm)))
    now = utcnow()
    if (
        link is None
        or link.accepted_at is not None
        or link.revoked_at is not None
        or as_utc(link.code_expires_at) < now
    ):
        raise ValidationFailed(
            "this link code is unknown, used or expired; ask your care manager for a new one",
            {"code": "unknown, used or expired"},
        )
    if _active_link(session, link.manager_id, wearer.id) is not None:
        raise ValidationFailed("this care manager is linked already", {"code": "linked already"})
    link.wearer_id = wearer.id
    link.accepted_at = now
    session.flush()
    return link


def revoke_link(session: DbSession, wearer: User, link_id: Any) -> CareLink:
    """The wearer ends a link; the care manager's access ends with the caller's commit."""
    link = _wearer_link(session, wearer, link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
    session.flush()
    return link


def _wearer_link(session: DbSession, wearer: User, link_id: Any) -> CareLink:
    try:
        ident = int(link_id)
    except (TypeError, ValueError):
        raise NotFound(f"no care link {link_id!r}") from None
    link = session.get(CareLink, ident)
    if link is None or link.wearer_id != wearer.id:
        raise NotFound(f"no care link {link_id!r}")
    return link


def _active_link(session: DbSession, manager_id: int, wearer_id: int) -> CareLink | None:
    return session.scalar(
        select(CareLink).where(
            CareLink.manager_id == manager_id,
            CareLink.wearer_id == wearer_id,
            CareLink.accepted_at.is_not(None),
            CareLink.revoked_at.is_(None),
        )
    )


def links_of_wearer(session: DbSession, wearer: User) -> list[dict[str, Any]]:
    """The wearer's care links (active and ended), newest first."""
    rows = session.scalars(
        select(CareLink).where(CareLink.wearer_id == wearer.id).order_by(CareLink.id.desc())
    )
    return [
        {
            "id": link.id,
            "care_manager": link.manager.display_name,
            "linked_at": iso_time(link.accepted_at),
            "revoked_at": iso_time(link.revoked_at),
            "active": link.revoked_at is None,
        }
        for link in rows
    ]


def invitations_of(session: DbSession, manager: User) -> list[dict[str, Any]]:
    """The care manager's open (unused, unexpired) invitation codes; never the codes."""
    now = utcnow()
    rows = session.scalars(
        select(CareLink)
        .where(CareLink.manager_id == manager.id, CareLink.accepted_at.is_(None))
        .order_by(CareLink.id.desc())
    )
    return [
        {"id": link.id, "created_at": iso_time(link.created_at),
         "expires_at": iso_time(link.code_expires_at)}
        for link in rows
        if as_utc(link.code_expires_at) >= now and link.revoked_at is None
    ]  # fmt: skip


def linked_wearer(session: DbSession, manager: User, wearer_id: Any) -> User:
    """The wearer, if linked to ``manager`` with both consents standing.

    Raises
    ------
    NotFound
        Unknown ids, people not linked to this care manager, revoked links and wearers who
        withdrew their insole consent alike (nothing says which).
    """
    try:
        ident = int(wearer_id)
    except (TypeError, ValueError):
        raise NotFound(f"no linked wearer {wearer_id!r}") from None
    wearer = session.get(User, ident)
    if (
        wearer is None
        or not wearer.consent_gait_health
        or _active_link(session, manager.id, ident) is None
    ):
        raise NotFound(f"no linked wearer {wearer_id!r}")
    return wearer


def linked_wearers(session: DbSession, manager: User) -> list[tuple[User, CareLink]]:
    """Wearers linked to ``manager`` with the link accepted, not revoked and insole consent given.

    Returns
    -------
    list of (User, CareLink)
        Ordered by display name, then id.
    """
    rows = session.execute(
        select(User, CareLink)
        .join(CareLink, CareLink.wearer_id == User.id)
        .where(
            CareLink.manager_id == manager.id,
            CareLink.accepted_at.is_not(None),
            CareLink.revoked_at.is_(None),
            User.consent_gait_health.is_(True),
        )
        .order_by(User.display_name, User.id)
    )
    return [(u, link) for u, link in rows]


# --------------------------------------------------------------------------- access log


def log_access(session: DbSession, manager: User, wearer: User, action: str) -> None:
    """Record one access of ``manager`` to ``wearer``'s care data (flushed with the caller)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown care access action {action!r}")
    session.add(
        CareAccess(
            wearer_id=wearer.id,
            manager_id=manager.id,
            manager_name=manager.display_name[:80],
            action=action,
        )
    )


def access_log_for(session: DbSession, wearer: User, limit: int = 200) -> list[dict[str, Any]]:
    """Who read the wearer's care data and when, newest first."""
    rows = session.scalars(
        select(CareAccess)
        .where(CareAccess.wearer_id == wearer.id)
        .order_by(CareAccess.id.desc())
        .limit(max(1, min(int(limit), 1000)))
    )
    return [
        {"at": iso_time(a.created_at), "care_manager": a.manager_name, "action": a.action}
        for a in rows
    ]


# --------------------------------------------------------------------------- indicators
