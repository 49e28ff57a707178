"""Database tables (SQLAlchemy 2 declarative on Flask-SQLAlchemy); migrations live in ``migrations/``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db.types import Id64, _TZDateTime, as_utc, utcnow
from storefront.extensions import Base

__all__ = [
    "Id64",
    "ApiToken",
    "CareAccess",
    "CareAlert",
    "CareLink",
    "CartItem",
    "FitFeedback",
    "GaitSession",
    "GaitUpload",
    "IdempotencyRecord",
    "LoginThrottle",
    "PasswordReset",
    "RateCounter",
    "Job",
    "LearnedOffset",
    "MadeToMeasure",
    "MakerShop",
    "MtmQuote",
    "Manufacturer",
    "Order",
    "OrderLine",
    "PrivacyRelease",
    "ReturnRequest",
    "Scan",
    "Shop",
    "ShoeModel",
    "Stock",
    "User",
    "as_utc",
    "utcnow",
]


class Manufacturer(Base):
    """A shoe maker that may read aggregate foot statistics (never per-person data)."""

    __tablename__ = "manufacturer"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    epsilon_per_period: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class User(Base):
    """An account: shopper (also an insole wearer), manufacturer or admin."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="shopper")
    display_name: Mapped[str] = mapped_column(String(80), default="")
    manufacturer_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("manufacturer.id", ondelete="CASCADE"), nullable=True
    )
    # Coarse, optional demographics; only ever released as DP aggregates with consent.
    region: Mapped[str | None] = mapped_column(String(32), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Two separate, explicit consents (GDPR Art. 9(2)(a), PIPA Art. 23).
    consent_aggregates: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_gait_health: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_updated_at: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    #: bumped by "sign out everywhere" and password changes: every older token stops working
    session_version: Mapped[int] = mapped_column(Integer, default=0)

    manufacturer: Mapped[Manufacturer | None] = relationship()


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="api")
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(_TZDateTime())
    #: set when revoked (logout, revocation, sign out everywhere); the row stays for the list
    revoked_at: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)
    #: the user's session_version when issued; a token from an older version is dead
    session_version: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()


class LoginThrottle(Base):
    """Failed logins per e-mail address (hashed), shared by every worker and client address.

    Rows exist for unknown addresses too, so a lockout says nothing about which accounts
    exist (migration 0007).
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)
    last_failure_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class PasswordReset(Base):
    """A one-time password-reset token (SHA-256 only), sent by the mailer (migration 0009)."""

    __tablename__ = "password_reset"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(_TZDateTime())
    used_at: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)


class RateCounter(Base):
    """Requests per (group, address or account) and fixed window: the shared rate-limit store
    when Redis is not configured (migration 0008)."""

    __tablename__ = "rate_counter"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(_TZDateTime(), index=True)


def size_key(eu: float) -> str:
    """The database spelling of an EU size (``42``, ``42.5``) in ``stock.size_eu``."""
    return f"{float(eu):g}"


class Shop(Base):
    """A shop on the street (one brand, one sizing offset)."""

    __tablename__ = "shop"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    brand: Mapped[str] = mapped_column(String(120))
    tagline: Mapped[str] = mapped_column(String(255), default="")
    size_offset_mm: Mapped[float] = mapped_column(Float, default=0.0)
    street_position: Mapped[list[float]] = mapped_column(JSON, default=list)
    color: Mapped[str] = mapped_column(String(16), default="#888888")


class ShoeModel(Base):
    """A shoe model; lasts and traits stay in the catalog file, price and stock live here."""

    __tablename__ = "shoe_model"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(32), index=True)
    price_krw: Mapped[int] = mapped_column(Integer)


class Stock(Base):
    """Pairs on the shelf for one model x size x colourway."""

    __tablename__ = "stock"
    __table_args__ = (UniqueConstraint("model_id", "size_eu", "width", "colourway_id"),)
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    model_id: Mapped[str] = mapped_column(
        ForeignKey("shoe_model.id", ondelete="CASCADE"), index=True
    )
    size_eu: Mapped[str] = mapped_column(String(8))
    width: Mapped[str] = mapped_column(String(8))
    colourway_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer, default=0)


class Job(Base):
    """A background job (scan processing, gait analysis, offset learning) and its progress."""

    __tablename__ = "job"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Id64)
    user_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(64), default="queued")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    backend: Mapped[str] = mapped_column(String(16), default="thread")
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    # Leases (migration 0004): runs so far, when the running worker's lease ends (renewed by
    # its heartbeat), when the job was last handed to the backend, and who runs it.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Scan(Base):
    """An uploaded foot scan and, once processed, its measurements (footscan JSON)."""

    __tablename__ = "scan"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    job_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(255))
    units: Mapped[str] = mapped_column(String(8), default="auto")
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    #: the person asked to keep the raw capture; else it is deleted once measured (0010)
    keep_raw: Mapped[bool] = mapped_column(Boolean, default=False)


class GaitSession(Base):
    """An uploaded insole recording and its analysis (gait report JSON + HTML file)."""

    __tablename__ = "gait_session"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    job_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(255))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    html_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    #: the person asked to keep the raw recording; else it is deleted once analysed (0010)
    keep_raw: Mapped[bool] = mapped_column(Boolean, default=False)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)


class GaitUpload(Base):
    """A chunked upload in progress (``gait record --upload``); becomes a GaitSession."""

    __tablename__ = "gait_upload"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    received_bytes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class CartItem(Base):
    """One line in a shopper's cart."""

    __tablename__ = "cart_item"
    __table_args__ = (UniqueConstraint("user_id", "stock_id"),)
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    stock_id: Mapped[int] = mapped_column(Id64, ForeignKey("stock.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)

    stock: Mapped[Stock] = relationship()


class Order(Base):
    """A paid order (stock pairs or made to measure). Kept, unlinked, after account deletion."""

    __tablename__ = "shop_order"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="stock")
    status: Mapped[str] = mapped_column(String(20), default="paid")
    total_krw: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="KRW")
    payment_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    #: the client's Idempotency-Key for this checkout: a repeated request returns this order
    idempotency_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    #: recipient, Korean address and phone (``storefront.shop.delivery``); None = collect at the shop
    delivery: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (UniqueConstraint("user_id", "idempotency_key"),)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )


class OrderLine(Base):
    """One model x size x colourway in an order."""

    __tablename__ = "order_line"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("shop_order.id", ondelete="CASCADE"), index=True
    )
    stock_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("stock.id", ondelete="SET NULL"), nullable=True
    )
    model_id: Mapped[str] = mapped_column(String(64))
    size_eu: Mapped[str] = mapped_column(String(8))
    width: Mapped[str] = mapped_column(String(8))
    colourway_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_krw: Mapped[int] = mapped_column(Integer)
    returned_quantity: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")


class ReturnRequest(Base):
    """A return of pairs from an order line, with the shopper's fit reason."""

    __tablename__ = "return_request"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    order_line_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("order_line.id", ondelete="CASCADE")
    )
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    fit_label: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(String(500), default="")
    #: the amount refunded for these pairs, recorded once with the return (migration 0003)
    refund_krw: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class IdempotencyRecord(Base):
    """The result of one state-changing commerce request, written in the same transaction.

    Unique per (account, key): a concurrent duplicate fails at commit and replays this result.
    ``key`` is the client's Idempotency-Key or ``auto:<scope>:<body hash>`` for the short
    duplicate-submission guard (see :mod:`storefront.shop.idempotency`).
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    #: fingerprint of the request; NULL for keys carried over from migration 0002 (match any)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resource_kind: Mapped[str] = mapped_column(String(24))
    resource_id: Mapped[int] = mapped_column(Id64)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class FitFeedback(Base):
    """ "too small / fits / too large" for a worn size, with foot and last numbers (learner input)."""

    __tablename__ = "fit_feedback"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True, index=True
    )
    model_id: Mapped[str] = mapped_column(String(64), index=True)
    shop_id: Mapped[str] = mapped_column(String(64))
    size_eu: Mapped[str] = mapped_column(String(8))
    foot_length_mm: Mapped[float] = mapped_column(Float)
    ball_girth_mm: Mapped[float] = mapped_column(Float)
    last_length_mm: Mapped[float] = mapped_column(Float)
    last_girth_mm: Mapped[float] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="feedback")
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    #: the purchased line a shopper's feedback is about (feedback rows only; unique, so one
    #: opinion per purchase, edited in place; migration 0006). Return rows leave it NULL.
    order_line_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("order_line.id", ondelete="SET NULL"), nullable=True, unique=True
    )


class LearnedOffset(Base):
    """A size offset learned from feedback, per model or per shop (brand); ``scope`` is model|shop."""

    __tablename__ = "learned_offset"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))
    offset_mm: Mapped[float] = mapped_column(Float)
    n_feedback: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class PrivacyRelease(Base):
    """One aggregate release to a manufacturer: the privacy ledger (epsilon spent per period)."""

    __tablename__ = "privacy_release"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    manufacturer_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("manufacturer.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(8))
    epsilon: Mapped[float] = mapped_column(Float)
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    n_cells: Mapped[int] = mapped_column(Integer, default=0)
    n_suppressed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class CareLink(Base):
    """A wearer's link to a care manager: an invitation code, then the wearer's explicit consent.

    The care manager creates the row with a one-time code (SHA-256 only, migration 0013); the
    wearer accepts it on their account page (``wearer_id``, ``accepted_at``) and may revoke it
    at any time (``revoked_at``): access ends with that commit.
    """

    __tablename__ = "care_link"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    manager_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    wearer_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime] = mapped_column(_TZDateTime())
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)

    manager: Mapped[User] = relationship(foreign_keys=[manager_id])


class CareAccess(Base):
    """One access of a care manager to a wearer's care data (the log the wearer reads)."""

    __tablename__ = "care_access"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    wearer_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    manager_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    #: the care manager's name at the time (the row outlives a deleted care-manager account)
    manager_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class CareAlert(Base):
    """A tiered alert (watch / act) on one indicator of one gait session, with its reason."""

    __tablename__ = "care_alert"
    __table_args__ = (UniqueConstraint("session_id", "indicator"),)
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    wearer_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("gait_session.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(8))
    indicator: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(24), default="")
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)


class Incident(Base):
    """An unexpected error (a bug), with its traceback: the user reads only its id as
    "internal error, reference N" (migration 0015). Kept ``INCIDENT_RETENTION_DAYS``."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(200))
    error_type: Mapped[str] = mapped_column(String(200))
    trace: Mapped[str] = mapped_column(Text)


# Made to measure lives in its own module (quotes, the order's last and files, makers);
# imported last, as it builds on the base types above.
from storefront.db.mtm_models import MadeToMeasure, MakerShop, MtmQuote  # noqa: E402
