"""Catalog, fit and recommendation endpoints, plus ``/api/openapi.json`` and ``/api/health``."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory
from sqlalchemy import text

from storefront.api import services
from storefront.api.openapi import build_openapi
from storefront.auth.guard import current_user, login_required
from storefront.exceptions import ApiError
from storefront.extensions import db

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api")


def catalog():  # type: ignore[no-untyped-def]
    """The process-wide parsed catalog."""
    return services.load_catalog_cached(current_app.config.get("CATALOG_PATH"))


def _catalog_dir() -> Path:
    path = current_app.config.get("CATALOG_PATH")
    return Path(path).parent if path else services.CATALOG_DIR


@bp.get("/health")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_openapi(current_app))


@bp.get("/shops")
def shops():
    cat = catalog()
    out = []
    for shop in cat.shops:
        out.append(
            {
                **shop.to_dict(),
                "models": [
                    {"id": m.id, "name": m.name, "category": m.category, "price_eur": m.price_eur}
                    for m in cat.models_of(shop.id)
                ],
            }
        )
    return jsonify({"shops": out})


@bp.get("/shops/<shop_id>")
def shop(shop_id: str):
    cat = catalog()
    s = cat.shop(shop_id)
    models = cat.models_of(shop_id)
    stock = services.stock_map(db.session, [m.id for m in models])
    return jsonify({**s.to_dict(), "models": [services.shoe_to_dict(m, stock) for m in models]})


@bp.get("/shoes")
def shoes():
    cat = catalog()
    category = request.args.get("category")
    models = [m for m in cat.models if not category or m.category == category]
    return jsonify(
        {
            "shoes": [
                {
                    "id": m.id,
                    "shop_id": m.shop_id,
                    "name": m.name,
                    "category": m.category,
                    "price_eur": m.price_eur,
                }
                for m in models
            ]
        }
    )


@bp.get("/shoes/<shoe_id>")
def shoe(shoe_id: str):
    model = catalog().model(shoe_id)
    return jsonify(services.shoe_to_dict(model, services.stock_map(db.session, [model.id])))


@bp.get("/shoes/<shoe_id>/model.glb")
def shoe_glb(shoe_id: str):
    model = catalog().model(shoe_id)
    resp = send_from_directory(_catalog_dir(), model.glb, mimetype="model/gltf-binary")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


@bp.get("/shoes/<shoe_id>/last.glb")
def last_glb(shoe_id: str):
    from storefront.catalog.glb import last_glb_bytes

    model = catalog().model(shoe_id)
    size = request.args.get("size")
    width = request.args.get("width") or None
    try:
        eu = float(size) if size else model.sizes[len(model.sizes) // 2].eu
    except ValueError:
        raise ApiError(400, "bad_size", f"size must be an EU number, got {size!r}") from None
    # glTF is metres with a material: a bare mm export renders black and 1000x too big
    return Response(
        last_glb_bytes(model, model.size(eu, width)),
        mimetype="model/gltf-binary",
        headers={"Cache-Control": "public, max-age=86400"},
    )


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
    from storefront.fitting import fit_model

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
    from storefront.recommend import recommend

    scan_id = request.args.get("scan")
    if not scan_id:
        raise ApiError(400, "missing_parameter", "send ?scan=<scan id>[&gait=<gait session id>]")
    gait_id = request.args.get("gait")
    prefs = services.parse_preferences(request.args)
    uid, admin = _user_ids()
    scan_id, foot = services.foot_profile(db.session, scan_id, uid, admin)
    if gait_id and not admin and not current_user().consent_gait_health:
        # kept sessions are for the person only: no health data in advice without consent
        raise ApiError(
            403,
            "consent_required",
            "gait data feed recommendations only with the gait/health consent",
        )
    gait_id, gait = (
        services.gait_profile(db.session, gait_id, uid, admin) if gait_id else (None, None)
    )
    cache = _rec_cache()
    key = (
        scan_id,
        gait_id,
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
            "scan": scan_id,
            "gait": gait_id,
            "recommendations": [r.to_dict() for r in recs],
        }
        # Cache the encoded bytes: serialising the body costs as much as the lookups.
        payload = current_app.json.dumps(body).encode()
        if cache:
            cache.put(key, payload)
    return Response(payload, mimetype="application/json")
