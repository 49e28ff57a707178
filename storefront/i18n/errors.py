"""Error messages of the JSON API in the page language.

Domain errors are raised in English with their details (ids, limits), which is what logs and
API clients rely on. A shopper's browser asks in Korean (``lang`` cookie, ``?lang=ko`` or an
``Accept-Language`` that prefers Korean): the message becomes its catalogue translation when
:file:`ko.json` has the exact sentence, else the Korean sentence for the error's code
(:data:`CODE_MESSAGES`); per-field reasons likewise, else "check this field". The English
original stays in ``detail`` for developers. A request that names no language gets English, so
scripts and tests that read messages are unchanged.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from storefront.i18n import COOKIE, LANGUAGES, catalog

__all__ = [
    "CODE_MESSAGES",
    "FIELD_FALLBACK",
    "api_language",
    "localise_error",
    "requested_language",
]

#: One sentence a shopper can act on per error code (English; Korean in ko.json).
CODE_MESSAGES: dict[str, str] = {
    "scan_not_accepted": "This scan cannot be used for fitting. See the advice and scan again.",
    "account_locked": "Too many wrong passwords. Wait a few minutes and try again.",
    "bad_credentials": "That email and password do not match. Check both and try again.",
    "validation_failed": "Some of the details are not right.",
    "not_found": "We could not find that.",
    "unknown_size": "That size is not made for this shoe.",
    "privacy_budget_exhausted": "The privacy budget for this period is used up.",
    "query_too_narrow": "That question is too narrow to answer privately.",
    "profile_incomplete": "Your foot profile is not complete yet.",
    "idempotency_key_reused": "This request key was already used for something else.",
    "out_of_stock": "Sorry, that size is out of stock.",
    "nothing_to_return": "There are no pairs left to return on this line.",
    "cart_empty": "Your cart is empty.",
    "payment_declined": "The payment was declined. Check the card or use another one.",
    "not_ready": "This is not ready yet. Try again in a moment.",
    "offset_mismatch": "The upload got out of step. It will resume from where it stopped.",
    "conflict": "This was changed in the meantime. Reload the page and try again.",
    "forbidden": "This account cannot do that.",
    "bad_request": "The request was not understood.",
    "bad_id": "That id is not valid.",
    "bad_parameter": "A value in the request address is not valid.",
    "payload_too_large": "The file is too large.",
    "unsupported_file_type": "This file type is not supported.",
    "bad_archive": "The file could not be read.",
    "recording_not_usable": "This recording cannot be analysed.",
    "quota_exceeded": "Your storage is full. Delete old scans or sessions first.",
    "stored_file_unreadable": "A stored file could not be read. Please contact the shop.",
    "invalid_input": "Some of the details are not right.",
    "queue_unavailable": "The shop is busy. Try again in a minute.",
    "busy": "The shop is busy. Try again in a minute.",
    "insufficient_storage": "The shop is out of storage space. Try again later.",
    "internal_error": "Something went wrong on our side. Please try again.",
    "login_required": "Please sign in first (Account, top right).",
    "invalid_token": "That token is not valid. Check that you pasted the whole token.",
    "token_expired": "That token has expired. Ask for a new one.",
    "csrf_failed": "Your session changed in another tab. Reload the page and try again.",
    "email_taken": "An account with this email already exists. Sign in instead.",
    "rate_limited": "Too many tries. Wait a minute and try again.",
    "method_not_allowed": "That cannot be done here.",
    "consent_required": "Give your consent on the account page first.",
}
#: Reason for a field whose English reason has no translation.
FIELD_FALLBACK = "Please check this field."
_GENERIC = "Something went wrong."


def requested_language() -> str | None:
    """The language a request names (``?lang``, the cookie, ``Accept-Language``), else None."""
    if not has_request_context():
        return None
    for chosen in (request.args.get("lang", ""), request.cookies.get(COOKIE, "")):
        if chosen in LANGUAGES:
            return chosen
    if request.headers.get("Accept-Language"):
        return request.accept_languages.best_match(list(LANGUAGES)) or "en"
    return None


def api_language() -> str:
    """The language of an API answer: the one the request names, else English (scripts)."""
    return requested_language() or "en"


def localise_error(err: dict[str, Any], language: str | None) -> dict[str, Any]:
    """The ``error`` object of a JSON response in ``language`` (unchanged for English/None)."""
    if language in (None, "en"):
        return err
    cat = catalog(language)
    english = str(err.get("message", ""))
    code = str(err.get("code", ""))
    out = dict(err)
    out["detail"] = english
    fallback = CODE_MESSAGES.get(code, _GENERIC)
    out["message"] = cat.get(english) or cat.get(fallback) or cat.get(_GENERIC, english)
    fields = err.get("fields")
    if isinstance(fields, dict):
        out["fields"] = {
            k: cat.get(str(v)) or cat.get(FIELD_FALLBACK, str(v)) for k, v in fields.items()
        }
    if isinstance(err.get("advice"), str):
        out["advice"] = cat.get(err["advice"], err["advice"])
    if isinstance(err.get("reasons"), list):
        out["reasons"] = [cat.get(str(r), str(r)) for r in err["reasons"]]
    return out
