"""Page language for the templates (``_``, ``lang``) and the language switch ``/lang/<code>``."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from storefront.i18n import COOKIE, LANGUAGES, catalog, current_language, gettext
from storefront.pages._blueprint import bp

_ONE_YEAR_S = 365 * 24 * 3600


@bp.app_context_processor
def _language_context() -> dict[str, Any]:
    lang = current_language()

    def _(message: str, **values: Any) -> str:
        return gettext(message, lang, **values)

    return {
        "_": _,
        "lang": lang,
        "languages": LANGUAGES,
        "i18n_catalog": catalog(lang),
    }


def _safe_next(target: str | None) -> str:
    """A same-site path to go back to (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@bp.get("/lang/<code>")
def set_language(code: str) -> BaseResponse:
    """Remember the chosen page language in a cookie for a year and go back to the page."""
    if code not in LANGUAGES:
        abort(404)
    resp = redirect(_safe_next(request.args.get("next")), code=303)
    resp.set_cookie(COOKIE, code, max_age=_ONE_YEAR_S, samesite="Lax", httponly=False)
    return resp
