"""Fit and recommendation endpoints (``api`` blueprint)."""

from __future__ import annotations

import time

from flask import Response, current_app, jsonify, request

from storefront.accounts.guard import current_user, login_required
from storefront.api import bp
from storefront.catalog.views import catalog
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.fit import services

__all__: list[str] = []


def _rec_cache() -> services.LruCache | None:
    """Per-app cache of recommendation bodies (scan and gait results never change once done)."""
    size = int(current_app.config["RECOMMENDATION_CACHE_SIZE"])
    if size <= 0:
        return None
    cache = current_app.extensions.get("shoestreet_rec_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("shoestreet_rec_cache", services.LruCache(size))
    return cache


def _offsets_version() -> object:
    """The learned-offsets version, re-read at most every 2 s per process (offsets change rarely)."""
    now = time.monotonic()
    state = current_app.extensions.setdefault("shoestreet_offsets_version", [None, 0.0])
    if state[0] is None or now - state[1] > 2.0:
        state[0], state[1] = services.offsets_version(db.session), now
    return state[0]


def _user_ids() -> tuple[int, bool]:
    user = current_user()
    return user.id, user.role == "admin"


@bp.get("/fit")
@login_required()
def fit():
    from storefront.fit.rules import fit_model

    scan_id, shoe_id = request.args.get("scan"), request.args.get("shoe")
    if not scan_id or not shoe_id:
        raise ApiError(400, "missing_parameter", "send ?scan=<scan id>&shoe=<shoe id>")
    uid, admin = _user_ids()
    _, foot = services.foot_profile(db.session, scan_id, uid, admin)
    model = catalog().model(shoe_id)
    offsets = services.learned_offsets(db.session)
    result = fit_model(
        foot,
        model,
        learned_offset_mm=offsets["model"].get(model.id, 0.0)
        + offsets["shop"].get(model.shop_id, 0.0),
    )
    return jsonify({"scan": int(scan_id), "shoe": model.id, "fit": result.to_dict()})


@bp.get("/recommendations")
@login_required()
def recommendations():
    from storefront.fit.recommend import recommend

    scan_id = request.args.get("scan")
    if not scan_id:
        raise ApiError(400, "missing_parameter", "send ?scan=<scan id>[&gait=<gait session id>]")
    gait_id = request.args.get("gait")
    prefs = services.parse_preferences(request.args)
    uid, admin = _user_ids()
    scan_pk, foot = services.foot_profile(db.session, scan_id, uid, admin)
    if gait_id and not admin and not current_user().consent_gait_health:
        # kept sessions are for the person only: no health data in advice without consent
        raise ApiError(
            403,
            "consent_required",
            "gait data feed recommendations only with the gait/health consent",
        )
    gait_pk, gait = (
        services.gait_profile(db.session, gait_id, uid, admin) if gait_id else (None, None)
    )
    cache = _rec_cache()
    key = (
        scan_pk,
        gait_pk,
        tuple(sorted(prefs.items())),
        _offsets_version(),
    )
    payload = cache.get(key) if cache else None
    if payload is None:
        top_n = prefs.pop("top_n", 10)
        recs = recommend(
            foot,
            gait,
            catalog(),
            preferences=prefs or None,
            offsets=services.learned_offsets(db.session),
            top_n=top_n,
        )
        body = {
            "scan": scan_pk,
            "gait": gait_pk,
            "recommendations": [r.to_dict() for r in recs],
        }
        # Cache the encoded bytes: serialising the body costs as much as the lookups.
        payload = current_app.json.dumps(body).encode()
        if cache:
            cache.put(key, payload)
    return Response(payload, mimetype="application/json")
