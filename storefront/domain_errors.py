"""Exceptions raised by the Flask-free domain services of :mod:`storefront`.

The web layer (``storefront/errors.py``) maps every :class:`DomainError` to a 4xx JSON error; the
message is written for the person who sent the bad input.
"""

from __future__ import annotations

__all__ = [
    "DomainError",
    "CatalogError",
    "UnknownModel",
    "UnknownSize",
    "ProfileError",
    "PrivacyError",
    "PrivacyBudgetExceeded",
    "QueryTooNarrow",
    "FeedbackError",
    "ScanNotAccepted",
    "CommerceError",
    "IdempotencyKeyReused",
    "OutOfStock",
    "NothingToReturn",
    "CartEmpty",
    "ValidationFailed",
    "AuthenticationFailed",
    "NotFound",
    "AccountLocked",
    "InsufficientStorage",
    "QuotaExceeded",
    "StoredFileUnreadable",
    "TransientError",
    "ServiceBusy",
    "QueueUnavailable",
]


class DomainError(ValueError):
    """Base class of every domain error (bad input, not a bug)."""


class CatalogError(DomainError):
    """The catalog file is missing, malformed or inconsistent."""


class UnknownModel(CatalogError, KeyError):
    """No shoe model (or shop) with the given id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownSize(CatalogError, KeyError):
    """The model is not made in the given size or width."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ProfileError(DomainError):
    """A foot or gait profile is missing a value the computation needs, or has an absurd one."""


class PrivacyError(DomainError):
    """Base class of refusals by the manufacturer-aggregate release logic."""


class PrivacyBudgetExceeded(PrivacyError):
    """The release would spend more privacy budget (epsilon) than is left for the period."""


class QueryTooNarrow(PrivacyError):
    """The query is narrow enough to isolate individual people and is refused."""


class FeedbackError(DomainError):
    """A fit-feedback row is malformed (unknown label, missing measurement)."""


class ScanNotAccepted(ProfileError):
    """footscan did not accept the capture (or refused it): no foot profile, no fit.

    Parameters
    ----------
    message : str
        One sentence for the shopper.
    reasons : sequence of str
        footscan's rejection reasons, verbatim.
    advice : str
        What to do next (how to rescan).
    """

    def __init__(self, message: str, reasons: tuple[str, ...] = (), advice: str = "") -> None:
        super().__init__(message)
        self.reasons = tuple(reasons)
        self.advice = advice


class CommerceError(DomainError):
    """Base class of refusals by the commerce services (orders, returns, checkout)."""


class IdempotencyKeyReused(CommerceError):
    """An Idempotency-Key was sent again with a different request."""


class OutOfStock(CommerceError):
    """A line asks for more pairs than are on the shelf; nothing was reserved."""


class NothingToReturn(CommerceError):
    """The order line has no pairs left to return (they were all returned already)."""


class CartEmpty(CommerceError):
    """Checkout of an empty cart."""


class TransientError(Exception):
    """A temporary condition (not the caller's fault, not a bug): retry later."""

    #: Seconds the client should wait before retrying.
    retry_after_s: int = 2


class ServiceBusy(TransientError):
    """The database stayed locked through every retry."""


class QueueUnavailable(TransientError):
    """The job queue (Redis) cannot be reached; nothing was accepted."""

    retry_after_s = 30


class ValidationFailed(DomainError):
    """Input is invalid; ``fields`` names each bad field and why."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class AuthenticationFailed(DomainError):
    """Credentials or a token were refused; ``code`` says which way (same words for all causes).

    Codes: ``bad_credentials`` (email or password wrong, unknown email alike),
    ``invalid_token``, ``token_expired``, ``token_revoked``, ``session_ended``.
    """

    def __init__(self, message: str, code: str = "bad_credentials") -> None:
        super().__init__(message)
        self.code = code


class NotFound(DomainError):
    """No such object for this caller (unknown and other people's ids alike)."""


class AccountLocked(DomainError):
    """Too many failed logins for one address: refused until ``retry_after_s`` has passed.

    Raised the same way for unknown addresses, so it reveals nothing about accounts.
    """

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, int(retry_after_s))


class InsufficientStorage(Exception):
    """The disk (or quota) is full: the upload was not stored and nothing was left behind."""


class QuotaExceeded(DomainError):
    """The account's upload quota (bytes kept or number of uploads) would be exceeded."""


class StoredFileUnreadable(DomainError):
    """A stored upload failed its integrity check or its data key is missing (never served).

    Not the sender's input error, but the message is safe to show: the file must be uploaded
    again. The web layer answers 500 ``stored_file_unreadable``; the event is logged.
    """
