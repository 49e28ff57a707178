"""Delivery details for an order: recipient, Korean address and phone, validated in one place.

A Korean postal address since 2015 is a five-digit postcode (국가기초구역번호), a road-name
address (도로명주소, e.g. "부산광역시 부산진구 중앙대로 644") and a free detail line (building,
floor, flat). Phone numbers are normalised to the national format with hyphens: mobile numbers
start 010/011/016-019, Seoul landlines 02, other areas 031-064, and 070 is internet telephony;
``+82`` is accepted and rewritten with the leading 0. Addresses abroad are not delivered to.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from storefront.domain_errors import ValidationFailed

__all__ = ["PHONE_PATTERN", "Delivery", "normalise_phone", "parse_delivery"]

_POSTCODE = re.compile(r"^\d{5}$")
_MOBILE = r"01[016789]\d{7,8}"
_SEOUL = r"02\d{7,8}"
_AREA = r"0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4]|70)\d{7,8}"
#: The one definition of an accepted phone number: its national digits (separators removed,
#: +82 / 0082 replaced by the trunk 0) must match this in full. Written in the common subset of
#: Python and JavaScript regular expressions: the checkout page reads it from the server
#: (``data-phone-pattern`` on the phone input) and applies it the same way.
PHONE_PATTERN = f"{_MOBILE}|{_SEOUL}|{_AREA}"
_PHONE = re.compile(f"(?:{PHONE_PATTERN})")
_LIMITS = {"name": 50, "road_address": 200, "detail": 100}


@dataclass(frozen=True)
class Delivery:
    """Where an order goes.

    Attributes
    ----------
    name : str
        Recipient, 1-50 characters.
    postcode : str
        Five-digit Korean postcode.
    road_address : str
        Road-name address, 5-200 characters.
    detail : str
        Building, floor, flat; may be empty.
    phone : str
        National format with hyphens, e.g. ``010-1234-5678`` or ``051-123-4567``.
    """

    name: str
    postcode: str
    road_address: str
    detail: str
    phone: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form stored on the order."""
        return asdict(self)


def normalise_phone(raw: str) -> str | None:
    """A Korean phone number in national format with hyphens, or None if it is not one.

    Parameters
    ----------
    raw : str
        As typed: spaces, hyphens, dots and brackets are ignored; ``+82`` / ``0082`` prefixes
        are replaced by the trunk 0.
    """
    digits = re.sub(r"[\s\-.()]", "", raw)
    if digits.startswith("+82"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("0082"):
        digits = "0" + digits[4:].lstrip("0")
    if not digits.isascii() or not digits.isdigit() or not _PHONE.fullmatch(digits):
        return None
    head = 2 if digits.startswith("02") else 3
    rest = digits[head:]
    return f"{digits[:head]}-{rest[:-4]}-{rest[-4:]}"


def _text(data: dict[str, Any], key: str, errors: dict[str, str], *, minimum: int) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        errors[key] = "must be text"
        return ""
    # NFC so that a name typed as decomposed jamo is stored as the syllables it shows
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if any(unicodedata.category(c) == "Cc" for c in value):
        errors[key] = "must not contain control characters"
    elif len(value) < minimum:
        errors[key] = "is required" if minimum <= 1 else f"needs at least {minimum} characters"
    elif len(value) > _LIMITS[key]:
        errors[key] = f"must be at most {_LIMITS[key]} characters"
    return value


def parse_delivery(data: Any) -> Delivery:
    """Validate the ``delivery`` object of a checkout or made-to-measure confirmation.

    Parameters
    ----------
    data : object
        The decoded JSON: ``{"name", "postcode", "road_address", "detail", "phone"}``.

    Returns
    -------
    Delivery

    Raises
    ------
    ValidationFailed
        With one message per wrong field (``fields``), e.g. ``postcode: must be 5 digits``.
    """
    if not isinstance(data, dict):
        raise ValidationFailed(
            "delivery must be an object with name, postcode, road_address, detail and phone",
            {"delivery": "missing"},
        )
    errors: dict[str, str] = {}
    name = _text(data, "name", errors, minimum=1)
    road = _text(data, "road_address", errors, minimum=5)
    detail = _text(data, "detail", errors, minimum=0)
    postcode = data.get("postcode", "")
    if not isinstance(postcode, str) or not _POSTCODE.match(postcode.strip()):
        errors["postcode"] = "must be 5 digits (Korean postcode, e.g. 47285)"
        postcode = ""
    phone_raw = data.get("phone", "")
    phone = normalise_phone(phone_raw) if isinstance(phone_raw, str) else None
    if phone is None:
        errors["phone"] = "must be a Korean phone number, e.g. 010-1234-5678 or 051-123-4567"
    if errors:
        listed = "; ".join(f"{k}: {v}" for k, v in sorted(errors.items()))
        raise ValidationFailed(f"delivery details are not valid ({listed})", errors)
    return Delivery(name, str(postcode).strip(), road, detail, str(phone))
