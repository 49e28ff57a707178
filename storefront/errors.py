"""JSON errors for the API: one exception type for views, handlers for everything else."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from storefront.domain_errors import (
    AccountLocked,
    AuthenticationFailed,
    CartEmpty,
    DomainError,
    IdempotencyKeyReused,
    InsufficientStorage,
    NotFound,
    NothingToReturn,
    OutOfStock,
    PrivacyBudgetExceeded,
    ProfileError,
    QueryTooNarrow,
    QueueUnavailable,
    QuotaExceeded,
    ScanNotAccepted,
    StoredFileUnreadable,
    TransientError,
    UnknownModel,
    UnknownSize,
    ValidationFailed,
)
from storefront.exceptions import ApiError, StorefrontError
from storefront.shop.payment import PaymentDeclined

# Most specific first.
_DOMAIN_STATUS: tuple[tuple[type[DomainError], int, str], ...] = (
    (UnknownModel, 404, "not_found"),
    (UnknownSize, 404, "unknown_size"),
    (PrivacyBudgetExceeded, 403, "privacy_budget_exhausted"),
    (QueryTooNarrow, 422, "query_too_narrow"),
    (ProfileError, 422, "profile_incomplete"),
    (IdempotencyKeyReused, 422, "idempotency_key_reused"),
    (OutOfStock, 409, "out_of_stock"),
    (NothingToReturn, 409, "nothing_to_return"),
    (CartEmpty, 409, "cart_empty"),
    (NotFound, 404, "not_found"),
    (QuotaExceeded, 507, "quota_exceeded"),
    (StoredFileUnreadable, 500, "stored_file_unreadable"),
)

__all__ = ["ApiError", "StorefrontError", "domain_to_api", "register_error_handlers"]

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _json(err: ApiError):  # type: ignore[no-untyped-def]
    resp = jsonify(err.to_dict())
    resp.status_code = err.status
    for k, v in err.headers.items():
        resp.headers[k] = v
    return resp


def domain_to_api(err: DomainError) -> ApiError:
    """Map a Flask-free domain error to its HTTP status and code."""
    if isinstance(err, ScanNotAccepted):
        return ApiError(
            422,
            "scan_not_accepted",
            str(err),
            details={"reasons": list(err.reasons), "advice": err.advice},
        )
    if isinstance(err, AccountLocked):
        return ApiError(
            429, "account_locked", str(err), headers={"Retry-After": str(err.retry_after_s)}
        )
    if isinstance(err, AuthenticationFailed):
        return ApiError(401, err.code, str(err))
    if isinstance(err, ValidationFailed):
        return ApiError(422, "validation_failed", str(err), err.fields)
    for cls, status, code in _DOMAIN_STATUS:
        if isinstance(err, cls):
            return ApiError(status, code, str(err))
    return ApiError(422, "invalid_input", str(err))


def register_error_handlers(app: Flask) -> None:
    """JSON errors under ``/api`` (and for clients asking for JSON); HTML pages keep Flask's."""

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):  # type: ignore[no-untyped-def]
        return _json(err)

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError):  # type: ignore[no-untyped-def]
        return _json(domain_to_api(err))

    @app.errorhandler(TransientError)
    def _transient(err: TransientError):  # type: ignore[no-untyped-def]
        from storefront.extensions import db

        db.session.rollback()
        code = "queue_unavailable" if isinstance(err, QueueUnavailable) else "busy"
        headers = {"Retry-After": str(err.retry_after_s)}
        return _json(ApiError(503, code, str(err), headers=headers))

    @app.errorhandler(InsufficientStorage)
    def _full(err: InsufficientStorage):  # type: ignore[no-untyped-def]
        from storefront.extensions import db

        db.session.rollback()
        log.error("upload refused: %s", err)
        return _json(ApiError(507, "insufficient_storage", str(err)))

    @app.errorhandler(PaymentDeclined)
    def _declined(err: PaymentDeclined):  # type: ignore[no-untyped-def]
        return _json(ApiError(402, "payment_declined", str(err)))

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(err: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
        limit = app.config.get("MAX_UPLOAD_MB")
        return _json(ApiError(413, "payload_too_large", f"request body exceeds {limit} MB"))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):  # type: ignore[no-untyped-def]
        if not _wants_json():
            return err
        code = (err.name or "error").lower().replace(" ", "_")
        return _json(ApiError(err.code or 500, code, err.description or err.name))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s %s", request.method, request.path)
        from storefront.extensions import db

        db.session.rollback()
        if not _wants_json():
            return "Internal Server Error", 500
        return _json(ApiError(500, "internal_error", "internal server error (logged)"))
