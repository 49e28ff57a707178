"""Exceptions raised by the domain services of :mod:`storefront` (no HTTP in here).

A :class:`DomainError` is the user's fault (bad input, a refused scan, an empty cart): its
message is written for the person who sent the input and is shown to them. The web layer maps
each class to an HTTP status and a stable code in one table (:data:`storefront.errors.ERROR_TABLE`);
a few classes carry a finer code (``BadRequest("...", code="bad_id")``). Anything that is not a
domain error is a bug: it is logged with its traceback and the user reads
"internal error, reference N".

:class:`TransientError` (retry later) and :class:`InsufficientStorage` (our disk is full) are
neither the user's fault nor bugs.
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidUpload",
    "NotReady",
    "PayloadTooLarge",
    "PaymentDeclined",
    "RecordingNotUsable",
    "UnsupportedFileType",
    "UploadOffsetMismatch",
    "is_user_error",
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
    """Base class of every domain error (bad input, not a bug).

    Parameters
    ----------
    message : str
        One sentence for the person who sent the input.
    code : str, optional
        A finer stable machine code than the class's own (e.g. ``bad_id`` for a
        :class:`BadRequest`); the HTTP status always comes from the class.
    """

    #: Finer machine code for this instance ("" = the class's code in the error table).
    code: str = ""

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


def is_user_error(exc: BaseException) -> bool:
    """The one "is it the user's fault" predicate: a :class:`DomainError` and nothing else.

    Adapters turn footscan's and gait's input errors into domain errors
    (:class:`ScanNotAccepted`, :class:`RecordingNotUsable`) where they call those packages.
    """
    return isinstance(exc, DomainError)


class BadRequest(DomainError):
    """The request itself is malformed (a bad id, bad JSON, a missing parameter or file)."""


class InvalidUpload(DomainError):
    """An uploaded file cannot be used: a broken archive, an empty file, an unknown format."""


class UnsupportedFileType(InvalidUpload):
    """The upload's file type is not one this endpoint reads."""


class PayloadTooLarge(DomainError):
    """An upload (or what it decompresses to) is larger than allowed."""


class NotReady(DomainError):
    """The object exists but is still being processed."""


class Conflict(DomainError):
    """The request conflicts with the current state (a name taken, no measured scan yet)."""


class UploadOffsetMismatch(Conflict):
    """A chunk of a resumable upload was sent for the wrong offset.

    Parameters
    ----------
    message : str
        What was expected.
    expected_offset : int
        The byte offset the next chunk must start at.
    """

    def __init__(self, message: str, expected_offset: int) -> None:
        super().__init__(message, code="offset_mismatch")
        self.expected_offset = int(expected_offset)


class Forbidden(DomainError):
    """The caller may not do this (a role, or a consent they have not given)."""


class RecordingNotUsable(DomainError):
    """gait could not read or analyse the recording (the user's file, not a bug)."""


class CatalogError(DomainError):
    """The catalog file is missing, malformed or inconsistent."""


class UnknownModel(CatalogError, KeyError):
    """No shoe model (or shop) with the given id."""

    def __str__(self) -> str:  # KeyError would quote the message
        """The message itself (``KeyError`` would print it quoted)."""
        return str(self.args[0]) if self.args else ""


class UnknownSize(CatalogError, KeyError):
    """The model is not made in the given size or width."""

    def __str__(self) -> str:
        """The message itself (``KeyError`` would print it quoted)."""
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
        super().__init__(message, code="scan_not_accepted")
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


class PaymentDeclined(CommerceError):
    """The payment provider refused the charge; the message is safe to show."""


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
        super().__init__(message, code=code)


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
