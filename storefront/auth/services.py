"""Account services (no Flask): registration, passwords, bearer tokens, consent, deletion."""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from storefront.exceptions import ApiError
from storefront.models import (
    ApiToken,
    CartItem,
    FitFeedback,
    GaitSession,
    GaitUpload,
    Job,
    MadeToMeasure,
    Manufacturer,
    Order,
    Scan,
    User,
    as_utc,
    utcnow,
)

__all__ = [
    "ROLES",
    "Registration",
    "authenticate",
    "create_manufacturer",
    "delete_account",
    "hash_token",
    "issue_token",
    "register",
    "resolve_token",
    "update_profile",
    "user_to_dict",
]

#: Account roles.
ROLES = ("shopper", "manufacturer", "admin")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
_REGIONS = ("EU-north", "EU-south", "EU-east", "EU-west", "UK", "KR", "JP", "US", "other")
_AGE_BANDS = ("<18", "18-29", "30-44", "45-59", "60-74", "75+")
_SEXES = ("female", "male", "other")
# A dummy hash to compare against so unknown emails cost as much time as known ones.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


@dataclass(frozen=True)
class Registration:
    """Validated registration input."""

    email: str
    password: str = field(repr=False)
    display_name: str = ""

    @classmethod
    def from_json(cls, data: Any) -> Registration:
        """Validate a JSON body; raise one 422 listing every bad field."""
        if not isinstance(data, dict):
            raise ApiError(400, "bad_json", "expected a JSON object")
        errors: dict[str, str] = {}
        email = data.get("email")
        if not isinstance(email, str) or not _EMAIL_RE.match(email.strip()):
            errors["email"] = "expected an email address like name@example.org"
        password = data.get("password")
        if not isinstance(password, str) or not 8 <= len(password) <= 256:
            errors["password"] = "expected a string of 8 to 256 characters"
        name = data.get("display_name", "")
        if not isinstance(name, str) or len(name) > 80:
            errors["display_name"] = "expected a string of at most 80 characters"
        if errors:
            raise ApiError(422, "validation_failed", "registration input is invalid", errors)
        return cls(email=email.strip().lower(), password=password, display_name=name.strip())


def register(session: Session, reg: Registration, role: str = "shopper") -> User:
    """Create a shopper account (409 if the email is taken)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
    if session.scalar(select(User.id).where(User.email == reg.email)) is not None:
        raise ApiError(409, "email_taken", "an account with this email already exists")
    user = User(
        email=reg.email,
        password_hash=generate_password_hash(reg.password),
        role=role,
        display_name=reg.display_name or reg.email.split("@")[0],
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: Any, password: Any) -> User:
    """Check email + password; the same 401 for unknown email and wrong password."""
    if not isinstance(email, str) or not isinstance(password, str):
        raise ApiError(422, "validation_failed", "email and password must be strings")
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    ok = check_password_hash(
        user.password_hash if user and user.password_hash else _DUMMY_HASH, password
    )
    if user is None or not user.password_hash or not ok:
        raise ApiError(401, "bad_credentials", "email or password is wrong")
    return user


def hash_token(raw: str) -> str:
    """SHA-256 hex of a bearer token (tokens are random, so no salt or slow hash is needed)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(
    session: Session, user: User, ttl_hours: float, name: str = "api"
) -> tuple[str, datetime]:
    """Create a bearer token; return the raw token (shown once) and its expiry."""
    raw = "sst_" + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=ttl_hours)
    session.add(
        ApiToken(user_id=user.id, token_hash=hash_token(raw), name=name, expires_at=expires)
    )
    session.flush()
    return raw, expires


# Built once: constructing a SELECT costs more than running it (every API call resolves a token).
_TOKEN_QUERY = (
    select(User, ApiToken.expires_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def resolve_token(session: Session, raw: str) -> User:
    """The user behind a bearer token; 401 when unknown (forged) or expired."""
    row = session.execute(_TOKEN_QUERY, {"token_hash": hash_token(raw)}).first()
    if row is None:
        raise ApiError(401, "invalid_token", "bearer token is not valid")
    if as_utc(row.expires_at) <= utcnow():
        raise ApiError(401, "token_expired", "bearer token has expired; log in again")
    return row.User


def create_manufacturer(
    session: Session, name: str, epsilon_per_period: float = 1.0
) -> Manufacturer:
    """Create a manufacturer and its service account (email ``mfr-<id>@manufacturers.invalid``)."""
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise ApiError(422, "validation_failed", "manufacturer name must be 1 to 120 characters")
    if session.scalar(select(Manufacturer.id).where(Manufacturer.name == name)) is not None:
        raise ApiError(409, "name_taken", f"manufacturer {name!r} already exists")
    mfr = Manufacturer(name=name, epsilon_per_period=epsilon_per_period)
    session.add(mfr)
    session.flush()
    session.add(
        User(
            email=f"mfr-{mfr.id}@manufacturers.invalid",
            role="manufacturer",
            display_name=name,
            manufacturer_id=mfr.id,
        )
    )
    session.flush()
    return mfr


def user_to_dict(user: User) -> dict[str, Any]:
    """Public view of an account (no hashes)."""
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "manufacturer_id": user.manufacturer_id,
        "region": user.region,
        "age_band": user.age_band,
        "sex": user.sex,
        "consent": {
            "aggregates": user.consent_aggregates,
            "gait_health": user.consent_gait_health,
            "updated_at": (
                as_utc(user.consent_updated_at).isoformat() if user.consent_updated_at else None
            ),
        },
    }


def update_profile(user: User, data: Any) -> User:
    """Apply profile and consent changes; every bad field is reported at once (422)."""
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "expected a JSON object")
    errors: dict[str, str] = {}
    choices = {"region": _REGIONS, "age_band": _AGE_BANDS, "sex": _SEXES}
    updates: dict[str, Any] = {}
    for key, allowed in choices.items():
        if key in data:
            val = data[key]
            if val is not None and val not in allowed:
                errors[key] = f"expected one of {list(allowed)} or null"
            else:
                updates[key] = val
    if "display_name" in data:
        val = data["display_name"]
        if not isinstance(val, str) or not 1 <= len(val.strip()) <= 80:
            errors["display_name"] = "expected 1 to 80 characters"
        else:
            updates["display_name"] = val.strip()
    consent = data.get("consent", {})
    if not isinstance(consent, dict):
        errors["consent"] = "expected an object {aggregates: bool, gait_health: bool}"
        consent = {}
    for key in ("aggregates", "gait_health"):
        if key in consent and not isinstance(consent[key], bool):
            errors[f"consent.{key}"] = "expected true or false (consent must be explicit)"
    unknown = set(data) - {*choices, "display_name", "consent"}
    for key in sorted(unknown):
        errors[key] = "unknown field"
    if errors:
        raise ApiError(422, "validation_failed", "profile input is invalid", errors)
    for key, val in updates.items():
        setattr(user, key, val)
    if "aggregates" in consent:
        user.consent_aggregates = consent["aggregates"]
    if "gait_health" in consent:
        user.consent_gait_health = consent["gait_health"]
    if consent:
        user.consent_updated_at = utcnow()
    return user


def delete_account(session: Session, user: User, upload_dir: str | Path) -> None:
    """Erase an account and its foot and gait data; orders stay for accounting, unlinked.

    Files are removed after the rows; the caller commits. Future manufacturer releases
    no longer see the person because their scans and consent rows are gone.
    """
    root = Path(upload_dir)
    names: list[str] = []
    for scan in session.scalars(select(Scan).where(Scan.user_id == user.id)):
        names.append(scan.stored_name)
        names.append(scan.stored_name + ".glb")
    folders: list[str] = []
    for gs in session.scalars(select(GaitSession).where(GaitSession.user_id == user.id)):
        folders.append(gs.stored_name)  # the recording(s) and report.html
    for up in session.scalars(select(GaitUpload).where(GaitUpload.user_id == user.id)):
        names.append(f"gait/{up.id}.part")
    for model in (ApiToken, CartItem, FitFeedback, Scan, GaitSession, GaitUpload, Job):
        session.execute(delete(model).where(model.user_id == user.id))
    # Orders are kept for accounting but unlinked; made-to-measure measurements are erased.
    order_ids = select(Order.id).where(Order.user_id == user.id)
    session.execute(
        update(MadeToMeasure)
        .where(MadeToMeasure.order_id.in_(order_ids))
        .values(measurements={"erased": True}, last_spec={"erased": True})
    )
    session.execute(update(Order).where(Order.user_id == user.id).values(user_id=None))
    session.delete(user)
    session.flush()
    for name in names:
        (root / name).unlink(missing_ok=True)
    for folder in folders:
        shutil.rmtree(root / folder, ignore_errors=True)
