"""Made-to-measure tables: quotes, the order's personal last and files, the shops' makers.

Re-exported by :mod:`storefront.db.models` (import them from there).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db.types import Id64, _TZDateTime, utcnow
from storefront.extensions import Base

__all__ = ["MadeToMeasure", "MakerShop", "MtmQuote"]


class MadeToMeasure(Base):
    """A made-to-measure order: measurements snapshot + last-modification spec for the maker."""

    __tablename__ = "made_to_measure"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("shop_order.id", ondelete="CASCADE"), unique=True
    )
    model_id: Mapped[str] = mapped_column(String(64))
    shop_id: Mapped[str] = mapped_column(String(64))
    colourway_id: Mapped[str] = mapped_column(String(64))
    base_size_eu: Mapped[str] = mapped_column(String(8))
    base_width: Mapped[str] = mapped_column(String(8))
    measurements: Mapped[dict[str, Any]] = mapped_column(JSON)
    last_spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="sent_to_maker")
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    # 0017: the assigned maker account; the files of the ``mtm_files`` job (storefront.workshop)
    maker_id: Mapped[int | None] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    files_status: Mapped[str] = mapped_column(String(16), default="none")  # queued..done|failed
    files_job_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    files_dir: Mapped[str | None] = mapped_column(String(255), nullable=True)
    files: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    files_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    pressure_source: Mapped[str | None] = mapped_column(String(255), nullable=True)


class MakerShop(Base):
    """The maker account that makes a shop's made-to-measure orders (one per shop, 0017)."""

    __tablename__ = "maker_shop"
    shop_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    maker_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )


class MtmQuote(Base):
    """A made-to-measure quote: price, lead time and last specification the shopper confirms."""

    __tablename__ = "mtm_quote"
    id: Mapped[int] = mapped_column(Id64, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Id64, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: not a foreign key: deleting the scan must not delete a confirmed quote's history
    scan_id: Mapped[int] = mapped_column(Id64)
    model_id: Mapped[str] = mapped_column(String(64))
    shop_id: Mapped[str] = mapped_column(String(64))
    colourway_id: Mapped[str] = mapped_column(String(64))
    price_krw: Mapped[int] = mapped_column(Integer)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    measurements: Mapped[dict[str, Any]] = mapped_column(JSON)
    last_spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(_TZDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(_TZDateTime())
    #: set once, by the conditional update that wins the confirmation
    confirmed_at: Mapped[datetime | None] = mapped_column(_TZDateTime(), nullable=True)
    order_id: Mapped[int | None] = mapped_column(Id64, nullable=True)
    # 0017: the shopper's 3D preview, built by the ``mtm_preview`` job (storefront.workshop)
    preview_status: Mapped[str] = mapped_column(String(16), default="none")
    preview_job_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    preview_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    preview_error: Mapped[str | None] = mapped_column(Text, nullable=True)
