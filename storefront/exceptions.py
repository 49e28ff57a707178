"""Service exceptions (no Flask imports): views and services raise them, ``errors`` maps them."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "StorefrontError"]


class StorefrontError(Exception):
    """Base class of storefront service errors."""


class ApiError(StorefrontError):
    """An error with an HTTP status, a stable machine code and a message for people.

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
