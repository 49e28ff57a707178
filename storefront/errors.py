"""The web layer's errors: :class:`ApiError`, the one domain-error -> HTTP table, handlers.

Services raise domain errors (:mod:`storefront.domain_errors`) and know nothing of HTTP; views
may raise :class:`ApiError` for mistakes in the request itself. :data:`ERROR_TABLE` is the
only place that gives a domain error its HTTP status and code. Anything else is a bug: it is
logged with its traceback, stored as an incident and answered "internal error, reference N".
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from storefront.domain_errors import (
    AccountLocked,
    AuthenticationFailed,
    BadRequest,
    CartEmpty,
    Conflict,
    DomainError,
    FeedbackError,
    Forbidden,
    IdempotencyKeyReused,
    InsufficientStorage,
    InvalidUpload,
    NotFound,
    NothingToReturn,
    NotReady,
    OutOfStock,
    PayloadTooLarge,
    PaymentDeclined,
    PrivacyBudgetExceeded,
    ProfileError,
    QueryTooNarrow,
    QueueUnavailable,
    QuotaExceeded,
    RecordingNotUsable,
    ScanNotAccepted,
    ServiceBusy,
    StoredFileUnreadable,
    TransientError,
    UnknownModel,
    UnknownSize,
    UnsupportedFileType,
    UploadOffsetMismatch,
    ValidationFailed,
)

__all__ = [
    "ERROR_TABLE",
    "ApiError",
    "domain_to_api",
    "json_error",
    "register_error_handlers",
    "status_of",
    "wants_json",
]

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status, a stable machine code and a message for people.

    Raised by views (the web layer) only; services raise domain errors.

    Parameters
    ----------
    status : int
        HTTP status code (4xx for the caller's mistakes).
    code : str
        Stable snake_case code, e.g. ``"not_found"``, ``"validation_failed"``.
    message : str
        What was wrong, in words.
    fields : dict of str to str, optional
        Per-field reasons when several inputs were wrong at once.
    headers : dict of str to str, optional
        Extra response headers (``Retry-After``...).
    details : dict, optional
        Further JSON members of the ``error`` object (e.g. ``reasons``, ``advice``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The JSON body: ``{"error": {"status", "code", "message", "fields"?}}``."""
        err: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.fields:
            err["fields"] = self.fields
        for key, value in self.details.items():
            err.setdefault(key, value)
        return {"error": err}


#: Every error that is not a bug -> (HTTP status, code). Most specific class first; an
#: instance's own ``code`` (``BadRequest("...", code="bad_id")``) refines the code, never the
#: status. ``TransientError`` and ``InsufficientStorage`` are ours but expected (503, 507).
ERROR_TABLE: tuple[tuple[type[Exception], int, str], ...] = (
    (ScanNotAccepted, 422, "scan_not_accepted"),
    (AccountLocked, 429, "account_locked"),
    (AuthenticationFailed, 401, "bad_credentials"),
    (ValidationFailed, 422, "validation_failed"),
    (UnknownModel, 404, "not_found"),
    (UnknownSize, 404, "unknown_size"),
    (PrivacyBudgetExceeded, 403, "privacy_budget_exhausted"),
    (QueryTooNarrow, 422, "query_too_narrow"),
    (ProfileError, 422, "profile_incomplete"),
    (IdempotencyKeyReused, 422, "idempotency_key_reused"),
    (OutOfStock, 409, "out_of_stock"),
    (NothingToReturn, 409, "nothing_to_return"),
    (CartEmpty, 409, "cart_empty"),
    (PaymentDeclined, 402, "payment_declined"),
    (NotFound, 404, "not_found"),
    (NotReady, 409, "not_ready"),
    (UploadOffsetMismatch, 409, "offset_mismatch"),
    (Conflict, 409, "conflict"),
    (Forbidden, 403, "forbidden"),
    (BadRequest, 400, "bad_request"),
    (PayloadTooLarge, 413, "payload_too_large"),
    (UnsupportedFileType, 415, "unsupported_file_type"),
    (InvalidUpload, 422, "bad_archive"),
    (RecordingNotUsable, 422, "recording_not_usable"),
    (QuotaExceeded, 507, "quota_exceeded"),
    (StoredFileUnreadable, 500, "stored_file_unreadable"),
    (FeedbackError, 422, "invalid_input"),
    (DomainError, 422, "invalid_input"),
    (QueueUnavailable, 503, "queue_unavailable"),
    (ServiceBusy, 503, "busy"),
    (TransientError, 503, "busy"),
    (InsufficientStorage, 507, "insufficient_storage"),
)


def status_of(err: Exception) -> tuple[int, str] | None:
    """``(status, code)`` of an expected error from :data:`ERROR_TABLE`, else ``None`` (a bug)."""
    for cls, status, code in ERROR_TABLE:
        if isinstance(err, cls):
            return status, getattr(err, "code", "") or code
    return None


def domain_to_api(err: Exception) -> ApiError:
    """The :class:`ApiError` for an expected error (status and code from the table).

    Raises
    ------
    TypeError
        ``err`` is not in :data:`ERROR_TABLE` (a bug has no HTTP mapping).
    """
    mapped = status_of(err)
    if mapped is None:
        raise TypeError(f"{type(err).__name__} is not an expected error")
    status, code = mapped
    headers: dict[str, str] = {}
    retry_after = getattr(err, "retry_after_s", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    details: dict[str, Any] = {}
    if isinstance(err, UploadOffsetMismatch):
        headers["Upload-Offset"] = str(err.expected_offset)
    if isinstance(err, ScanNotAccepted):
        details = {"reasons": list(err.reasons), "advice": err.advice}
    fields = err.fields if isinstance(err, ValidationFailed) else None
    return ApiError(status, code, str(err), fields, headers, details)


def wants_json() -> bool:
    """JSON errors for ``/api/...`` and for clients that prefer JSON; HTML pages otherwise."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def json_error(err: ApiError) -> Response:
    """The JSON response of an error, its message in the language the request names."""
    from storefront.i18n.errors import localise_error, requested_language

    body = err.to_dict()
    body["error"] = localise_error(body["error"], requested_language())
    resp = jsonify(body)
    resp.status_code = err.status
    for k, v in err.headers.items():
        resp.headers[k] = v
    return resp


def register_error_handlers(app: Flask) -> None:
    """JSON errors under ``/api`` (and for clients asking for JSON); HTML pages keep Flask's."""

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError) -> Response:
        return json_error(err)

    def _expected(err: Exception) -> Response:
        from storefront.extensions import db

        db.session.rollback()
        if isinstance(err, InsufficientStorage):
            log.error("upload refused: %s", err)
        return json_error(domain_to_api(err))

    for cls in {cls for cls, _, _ in ERROR_TABLE}:
        app.register_error_handler(cls, _expected)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(err: RequestEntityTooLarge) -> Response:
        limit = app.config.get("MAX_UPLOAD_MB")
        return json_error(ApiError(413, "payload_too_large", f"request body exceeds {limit} MB"))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response | HTTPException:
        if not wants_json():
            return err
        code = (err.name or "error").lower().replace(" ", "_")
        return json_error(ApiError(err.code or 500, code, err.description or err.name))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response | tuple[str, int]:
        from storefront.db.incidents import internal_message, record_incident

        reference = record_incident(err, f"{request.method} {request.path}")
        g.incident_reference = reference  # the styled HTML 500 page shows it too
        if not wants_json():
            return f"Internal Server Error (reference {reference})", 500
        return json_error(ApiError(500, "internal_error", internal_message(reference)))
