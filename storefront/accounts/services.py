"""Account services (no Flask): registration, passwords, bearer tokens, consent, deletion."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from storefront.accounts.tokens import hash_token, revoke_all_sessions
from storefront.db.models import (
    ApiToken,
    CartItem,
    FitFeedback,
    GaitSession,
    GaitUpload,
    Job,
    LoginThrottle,
    MadeToMeasure,
    MtmQuote,
    Order,
    OrderLine,
    PasswordReset,
    ReturnRequest,
    Scan,
    User,
    as_utc,
    utcnow,
)
from storefront.domain_errors import (
    AccountLocked,
    AuthenticationFailed,
    BadRequest,
    ValidationFailed,
)
from storefront.extensions import DbSession, rows_affected

__all__ = [
    "MIN_PASSWORD_CHARS",
    "ROLES",
    "Registration",
    "authenticate",
    "change_password",
    "password_problem",
    "delete_account",
    "register",
    "request_password_reset",
    "reset_password",
    "update_profile",
    "withdraw_gait_consent_data",
    "header_user",
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

#: Password length the account page states (and the policy enforces).
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_COMMON: frozenset[str] | None = None
_TRAILING = re.compile(r"[\d\W_]+$")


def _common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case), read once."""
    global _COMMON
    if _COMMON is None:
        try:
            lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
        except OSError:  # pragma: no cover (a wheel built without the data file)
            lines = ["password", "qwertyuiop", "1234567890", "iloveyou", "letmein"]
        _COMMON = frozenset(x.strip().lower() for x in lines if x.strip() and x[0] != "#")
    return _COMMON


def password_problem(password: Any, email: str | None = None) -> str | None:
    """Why a new password is refused, or None when it is acceptable.

    The policy the account page states: 10 to 256 characters, not only spaces, at least 4
    different characters, not one of the shipped common passwords (also after removing
    trailing digits and punctuation: ``Password2024!``), and not the e-mail address or its
    name part.
    """
    if not isinstance(password, str):
        return "expected a string"
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        return f"expected {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
    if not password.strip():
        return "must not be only spaces"
    if len(set(password)) < 4:
        return "too repetitive: use at least 4 different characters"
    low = password.strip().lower()
    common = _common_passwords()
    stem = _TRAILING.sub("", low)
    if low in common or stem in common or low.replace(" ", "") in common:
        return "too common: this password is on the list of the most used ones"
    if email:
        name = email.split("@")[0].lower()
        if low == email.lower() or (len(name) >= 4 and stem == name):
            return "must not be your e-mail address"
    return None


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
            raise ValidationFailed("expected a JSON object")
        errors: dict[str, str] = {}
        email = data.get("email")
        if not isinstance(email, str) or not _EMAIL_RE.match(email.strip()):
            errors["email"] = "expected an email address like name@example.org"
            email = None
        password = data.get("password")
        problem = password_problem(password, email.strip() if email else None)
        if problem:
            errors["password"] = problem
        name = data.get("display_name", "")
        if not isinstance(name, str) or len(name) > 80:
            errors["display_name"] = "expected a string of at most 80 characters"
        if errors:
            raise ValidationFailed("registration input is invalid", errors)
        assert isinstance(email, str) and isinstance(password, str)  # validated above
        return cls(email=email.strip().lower(), password=password, display_name=name.strip())


def register(session: DbSession, reg: Registration, role: str = "shopper") -> User | None:
    """Create a shopper account; None (after the same hashing work) when the email is taken.

    Callers answer both cases the same way, so registration does not reveal which addresses
    have accounts (by status, body or timing).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
    hashed = generate_password_hash(reg.password)  # before the lookup: same cost either way
    if session.scalar(select(User.id).where(User.email == reg.email)) is not None:
        return None
    user = User(
        email=reg.email,
        password_hash=hashed,
        role=role,
        display_name=reg.display_name or reg.email.split("@")[0],
    )
    session.add(user)
    session.flush()
    return user


def create_staff_account(
    session: DbSession, name: str, email: str, password: str, role: str, who: str
) -> User:
    """Create a named account of ``role`` (care manager, maker) from the CLI; flushed.

    ``who`` names the role in the error ("the maker needs a name").

    Raises
    ------
    ValidationFailed
        Bad name, e-mail or password, or an address that already has an account.
    """
    reg = Registration.from_json({"email": email, "password": password, "display_name": name})
    if not reg.display_name:
        raise ValidationFailed(f"the {who} needs a name", {"name": "required"})
    user = register(session, reg)
    if user is None:
        raise ValidationFailed(
            "an account with this e-mail address exists already", {"email": "taken"}
        )
    user.role = role  # staff roles are set here, never by the shopper registration path
    session.flush()
    return user


def authenticate(
    session: DbSession,
    email: Any,
    password: Any,
    lockout_after: int = 10,
    lockout_base_s: float = 60.0,
) -> User:
    """Check email + password; the same 401 for unknown email and wrong password.

    Failed attempts are counted per address in the database (so across every worker and client
    address, and for unknown addresses alike). From the ``lockout_after``-th failure within an
    hour the address is locked for ``lockout_base_s`` seconds, doubling with each further
    failure (at most an hour): :class:`~storefront.domain_errors.AccountLocked` (429), before
    any password is checked. A success clears the count. ``lockout_after=0`` disables it.

    Raises
    ------
    ValidationFailed, AuthenticationFailed, AccountLocked
    """
    if not isinstance(email, str) or not isinstance(password, str):
        raise ValidationFailed("email and password must be strings")
    address = email.strip().lower()
    key = hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()
    if lockout_after > 0:
        _refuse_if_locked(session, key)
    user = session.scalar(select(User).where(User.email == address))
    ok = check_password_hash(
        user.password_hash if user and user.password_hash else _DUMMY_HASH, password
    )
    if user is None or not user.password_hash or not ok:
        if lockout_after > 0:
            _count_failure(session, key, lockout_after, lockout_base_s)
        raise AuthenticationFailed("email or password is wrong")
    if lockout_after > 0:
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
    return user


def _refuse_if_locked(session: DbSession, key: str) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None and row.locked_until is not None:
        left = (as_utc(row.locked_until) - utcnow()).total_seconds()
        if left > 0:
            raise AccountLocked(
                "too many failed sign-ins for this address; try again later",
                int(math.ceil(left)),
            )


def _count_failure(session: DbSession, key: str, lockout_after: int, base_s: float) -> None:
    """Add one failure atomically (commits, since the request then fails) and lock if due."""
    now = utcnow()
    stale = now - timedelta(hours=1)  # a failure an hour after the last one starts afresh
    for _ in range(3):
        try:
            res = session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(
                    failures=case(
                        (LoginThrottle.last_failure_at < stale, 1),
                        else_=LoginThrottle.failures + 1,
                    ),
                    last_failure_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if rows_affected(res) == 0:
                session.add(LoginThrottle(key=key, failures=1, last_failure_at=now))
            session.flush()
            row = session.get(LoginThrottle, key)
            if row is None:  # inserted or updated just above, in this transaction
                raise RuntimeError(f"login throttle row {key!r} vanished")
            session.refresh(row)
            if row.failures >= lockout_after:
                extra = min(row.failures - lockout_after, 6)
                row.locked_until = now + timedelta(seconds=min(3600.0, base_s * 2**extra))
            session.commit()
            return
        except IntegrityError:  # a concurrent first failure inserted the row: count again
            session.rollback()


def change_password(session: DbSession, user: User, current: Any, new: Any) -> None:
    """Check the current password, apply the policy, store the new hash, sign out everywhere.

    Raises
    ------
    AuthenticationFailed
        The current password is wrong (``bad_credentials``).
    ValidationFailed
        The new password breaks the policy (``fields.new_password`` says why).
    """
    if not isinstance(current, str) or not user.password_hash:
        raise AuthenticationFailed("the current password is wrong")
    if not check_password_hash(user.password_hash, current):
        raise AuthenticationFailed("the current password is wrong")
    problem = password_problem(new, user.email)
    if problem is None and new == current:
        problem = "must differ from the current password"
    if problem:
        raise ValidationFailed("the new password is not accepted", {"new_password": problem})
    user.password_hash = generate_password_hash(new)
    revoke_all_sessions(session, user)


#: How long a password-reset token from the mail stays valid.
RESET_TTL = timedelta(minutes=30)


def request_password_reset(session: DbSession, email: Any) -> tuple[User, str] | None:
    """A one-time reset token for the account with this address, or None.

    None for unknown addresses, accounts without a password (manufacturer service accounts)
    and invalid input alike: the caller answers the same way in every case. The raw token is
    returned once (for the mail); only its SHA-256 is stored. The caller commits.
    """
    if not isinstance(email, str) or not _EMAIL_RE.match(email.strip()):
        return None
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.password_hash:
        return None
    raw = "rst_" + secrets.token_urlsafe(32)
    session.add(
        PasswordReset(user_id=user.id, token_hash=hash_token(raw), expires_at=utcnow() + RESET_TTL)
    )
    session.flush()
    return user, raw


def reset_password(session: DbSession, raw: Any, new_password: Any) -> User:
    """Set a new password with a reset token: once, before it expires; signs out everywhere.

    Raises
    ------
    AuthenticationFailed
        ``invalid_reset_token``: unknown, expired or already used.
    ValidationFailed
        The new password breaks the policy.
    """
    refused = AuthenticationFailed(
        "this reset link is not valid, was used already or has expired; ask for a new one",
        "invalid_reset_token",
    )
    if not isinstance(raw, str) or not raw:
        raise refused
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(raw)))
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= utcnow():
        raise refused
    user = session.get(User, row.user_id)
    problem = password_problem(new_password, user.email if user else None)
    if problem:
        raise ValidationFailed("the new password is not accepted", {"new_password": problem})
    used = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rows_affected(used) != 1 or user is None:  # a concurrent use won
        raise refused
    user.password_hash = generate_password_hash(new_password)
    revoke_all_sessions(session, user)
    address_key = hashlib.sha256(user.email.encode("utf-8", "surrogatepass")).hexdigest()
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == address_key))
    return user


def header_user(user: User | None) -> dict[str, Any] | None:
    """What every page header and ``main.js`` read of the signed-in account, or None.

    Only the id, e-mail, display name and role: no profile or health data goes into a page.
    """
    if user is None:
        return None
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
    }


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
        raise BadRequest("expected a JSON object", code="bad_json")
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
    if "keep_gait_sessions" in data and not isinstance(data["keep_gait_sessions"], bool):
        errors["keep_gait_sessions"] = "expected true or false"
    unknown = set(data) - {*choices, "display_name", "consent", "keep_gait_sessions"}
    for key in sorted(unknown):
        errors[key] = "unknown field"
    if errors:
        raise ValidationFailed("profile input is invalid", errors)
    for key, val in updates.items():
        setattr(user, key, val)
    if "aggregates" in consent:
        user.consent_aggregates = consent["aggregates"]
    if "gait_health" in consent:
        user.consent_gait_health = consent["gait_health"]
    if consent:
        user.consent_updated_at = utcnow()
    return user


def withdraw_gait_consent_data(session: DbSession, user: User, upload_dir: str | Path) -> int:
    """Delete what only the gait/health purpose needed: sessions, reports, chunked uploads.

    Called when the health consent is withdrawn (unless the person asked to keep their
    sessions for themselves). Returns how many sessions were deleted; the caller commits.
    """
    root = Path(upload_dir)
    folders = [gs.stored_name for gs in session.scalars(
        select(GaitSession).where(GaitSession.user_id == user.id)
    )]  # fmt: skip
    parts = [f"gait/{up.id}.part" for up in session.scalars(
        select(GaitUpload).where(GaitUpload.user_id == user.id)
    )]  # fmt: skip
    session.execute(delete(GaitSession).where(GaitSession.user_id == user.id))
    session.execute(delete(GaitUpload).where(GaitUpload.user_id == user.id))
    session.flush()
    for folder in folders:
        shutil.rmtree(root / folder, ignore_errors=True)
    for name in parts:
        (root / name).unlink(missing_ok=True)
    return len(folders)


def delete_account(session: DbSession, user: User, upload_dir: str | Path) -> None:
    """Erase an account and its foot and gait data; orders stay for accounting, unlinked.

    Files are removed after the rows; the caller commits. Future manufacturer releases
    no longer see the person because their scans and consent rows are gone.
    """
    root = Path(upload_dir)
    names: list[str] = []
    for scan in session.scalars(select(Scan).where(Scan.user_id == user.id)):
        names.append(scan.stored_name)
        names.append(scan.stored_name + ".glb")
        names.append(scan.stored_name + ".foot.npy")
    # Made-to-measure previews and files are built from the foot: they go with it.
    names.extend(
        n
        for n in session.scalars(select(MtmQuote.preview_name).where(MtmQuote.user_id == user.id))
        if n
    )
    folders: list[str] = [
        d
        for d in session.scalars(
            select(MadeToMeasure.files_dir).where(
                MadeToMeasure.order_id.in_(select(Order.id).where(Order.user_id == user.id))
            )
        )
        if d
    ]
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
        .values(
            measurements={"erased": True},
            last_spec={"erased": True},
            files=None,
            files_dir=None,
            files_status="erased",
        )
    )
    # Free-text return comments may say anything about the person: erased, fit labels kept.
    line_ids = select(OrderLine.id).where(OrderLine.order_id.in_(order_ids))
    session.execute(
        update(ReturnRequest)
        .where(ReturnRequest.order_line_id.in_(line_ids))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    session.execute(update(Order).where(Order.user_id == user.id).values(user_id=None))
    session.delete(user)
    session.flush()
    for name in names:
        (root / name).unlink(missing_ok=True)
    for folder in folders:
        shutil.rmtree(root / folder, ignore_errors=True)
