"""Care-manager API (``/api/care/...``) and its pages (``/care``, ``/care/consent``).

Care manager (role ``care_manager``): invitation codes, linked wearers, one wearer, the weekly
report. Wearer (any signed-in shopper): accept a code with explicit consent, list and revoke
links, read the access log. Every care-manager read of a wearer is logged before it is answered.
"""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, jsonify, render_template, request

from storefront.accounts.guard import current_user, login_required
from storefront.accounts.services import header_user
from storefront.accounts.views import json_body
from storefront.care import services
from storefront.care.texts import localise
from storefront.db.models import as_utc
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.i18n.errors import requested_language
from storefront.security.ratelimit import limiter

__all__ = ["bp", "pages_bp"]

bp = Blueprint("care", __name__, url_prefix="/api/care")
pages_bp = Blueprint("care_pages", __name__)

_MANAGER = [services.CARE_ROLE]


def _language() -> str:
    """The answer's language: the one the request names (``?lang``, cookie, Accept-Language),
    else the pages' default (the language the care pages are shown in)."""
    return requested_language() or current_language()


_WEARER = ["shopper"]


# --------------------------------------------------------------------------- care manager


@bp.post("/invitations")
@login_required(_MANAGER)
def create_invitation():
    link, code = services.create_invitation(db.session, current_user())
    db.session.commit()
    how = "Give this code to the wearer; they enter it on their account page and consent."
    return jsonify(
        localise(
            {
                "id": link.id,
                "code": code,
                "expires_at": as_utc(link.code_expires_at).isoformat(),
                "how": how,
            },
            _language(),
        )
    ), 201


@bp.get("/invitations")
@login_required(_MANAGER)
def list_invitations():
    return jsonify({"invitations": services.invitations_of(db.session, current_user())})


@bp.get("/wearers")
@login_required(_MANAGER)
def list_wearers():
    rows = services.wearers_of(db.session, current_user())
    db.session.commit()  # the access log rows
    return jsonify({"wearers": localise(rows, _language())})


@bp.get("/wearers/<wearer_id>")
@login_required(_MANAGER)
def get_wearer(wearer_id: str):
    manager = current_user()
    wearer = services.linked_wearer(db.session, manager, wearer_id)
    view = services.wearer_view(db.session, manager, wearer, "view")
    db.session.commit()
    data = localise(view.data, _language())
    return jsonify({"id": view.wearer_id, "name": view.name, **data})


def _query_date(name: str) -> str | None:
    """The query parameter ``name`` if it is a calendar day written YYYY-MM-DD; None if absent.

    Raises
    ------
    ApiError
        400 ``bad_parameter`` naming the parameter (in the message and ``fields``).
    """
    value = request.args.get(name)
    if value in (None, ""):
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):  # fromisoformat also reads 20240105
            date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise ApiError(
        400,
        "bad_parameter",
        f"the query parameter '{name}' must be a date written YYYY-MM-DD",
        {name: "expected YYYY-MM-DD"},
    )


@bp.get("/wearers/<wearer_id>/report")
@login_required(_MANAGER)
def wearer_report(wearer_id: str):
    end = _query_date("end")  # before anything is read or logged
    manager = current_user()
    wearer = services.linked_wearer(db.session, manager, wearer_id)
    report = services.wearer_report(db.session, manager, wearer, end)
    db.session.commit()
    return jsonify(localise(report, _language()))


# --------------------------------------------------------------------------- wearer


@bp.get("/links")
@login_required(_WEARER)
def list_links():
    return jsonify({"links": services.links_of_wearer(db.session, current_user())})


@bp.post("/links")
@limiter.limit("care-code", "RATELIMIT_LOGIN", per=("address", "account"))
@login_required(_WEARER)
def accept_link():
    data = json_body()
    wearer = current_user()
    link = services.accept_link(db.session, wearer, data.get("code"), data.get("consent"))
    db.session.commit()
    latest = services.latest_session_id(db.session, wearer)
    if latest is not None:  # alerts for the newest session, so the first view is not empty
        from storefront.jobs import get_runner

        get_runner().submit("care_alerts", latest, wearer.id, required=False)
    return jsonify({"id": link.id, "care_manager": link.manager.display_name, "active": True}), 201


@bp.delete("/links/<link_id>")
@login_required(_WEARER)
def revoke_link(link_id: str):
    link = services.revoke_link(db.session, current_user(), link_id)
    db.session.commit()
    return jsonify({"id": link.id, "active": False})


@bp.get("/access-log")
@login_required(_WEARER)
def access_log():
    return jsonify({"accesses": services.access_log_for(db.session, current_user())})


# --------------------------------------------------------------------------- pages


def _page(template: str, page: str, **config: object) -> str:
    config["user"] = header_user(current_user(optional=True))
    return render_template(template, page=page, page_config=config)


@pages_bp.get("/care")
def care_dashboard() -> str:
    """The care manager's list of linked wearers."""
    return _page("web/care.html", "care")


@pages_bp.get("/care/wearers/<int:wearer_id>/report")
def care_report(wearer_id: int) -> str:
    """The printable weekly report of one linked wearer (data from the API, logged there)."""
    if wearer_id <= 0:
        abort(404)
    return _page("web/care_report.html", "care-report", wearer_id=wearer_id)


@pages_bp.get("/care/consent")
def care_consent() -> str:
    """The wearer's insole (health) consent, care-manager links and access log."""
    return _page("web/care_consent.html", "care-consent")
