"""Styled HTML error pages (403, 404, 405, 500) for the browser; JSON stays JSON.

Registered on the app through the ``web`` blueprint for these status codes only. A request under
``/api/`` (or one that prefers JSON) gets the same ``{"error": {...}}`` body as the API's own
handlers in :mod:`storefront.errors`.
"""

from __future__ import annotations

from flask import Response, g, render_template
from werkzeug.exceptions import HTTPException

from storefront.errors import ApiError, json_error, wants_json
from storefront.i18n import gettext
from storefront.pages._blueprint import bp

#: Status codes that get a styled page, with the words shown on it.
PAGES: dict[int, tuple[str, str]] = {
    403: (
        "You cannot open this page",
        "This page belongs to another account or needs another role.",
    ),
    404: (
        "Page not found",
        "There is no page at this address. It may have moved, or the link has a typo.",
    ),
    405: ("That did not work", "This address cannot be used that way."),
    500: (
        "Something went wrong on our side",
        "The error has been logged. Please try again in a moment.",
    ),
}


def render_error_page(status: int) -> tuple[str, int]:
    """The styled page for ``status`` (one of :data:`PAGES`), as a Flask response tuple."""
    title, text = PAGES.get(status, PAGES[500])
    reference = g.get("incident_reference")
    if status == 500 and reference is not None:
        # translated here: the template's _() leaves a sentence with a number as it is
        text = f"{gettext(text)} (internal error, reference {reference})"
    config: dict[str, object] = {"user": None}
    if status != 500:  # after an unexpected error, do not touch the session or the database
        try:
            from storefront.accounts.guard import current_user
            from storefront.accounts.services import header_user

            config["user"] = header_user(current_user(optional=True))
        except Exception:  # the error page must render whatever the session says
            config["user"] = None
    html = render_template(
        "web/error.html", page="error", page_config=config, status=status, title=title, text=text
    )
    return html, status


def _handle(err: HTTPException) -> tuple[str, int] | Response:
    status = err.code or 500
    if wants_json():
        code = (err.name or "error").lower().replace(" ", "_")
        return json_error(ApiError(status, code, err.description or err.name or "error"))
    return render_error_page(status)


for _status in PAGES:
    bp.app_errorhandler(_status)(_handle)


@bp.after_app_request
def _style_unhandled_500(resp: Response) -> Response:
    """Unhandled exceptions answer a bare "Internal Server Error" (storefront.errors): style it.

    Only for browser requests with Flask's plain body; JSON and pages already styled are left alone.
    """
    if resp.status_code != 500 or wants_json() or resp.direct_passthrough:
        return resp
    if resp.mimetype not in ("text/html", "text/plain") or b"error-page" in resp.get_data():
        return resp
    try:
        html, _ = render_error_page(500)
    except Exception:  # a broken template must not hide the original error
        return resp
    resp.set_data(html)
    resp.mimetype = "text/html"
    return resp
