"""Catalog endpoints: shops, shoes, their stock and 3D assets (``api`` blueprint)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, jsonify, request, send_from_directory

from storefront.api import bp
from storefront.catalog import services
from storefront.errors import ApiError
from storefront.extensions import db

__all__ = ["catalog"]


def catalog():
    """The process-wide parsed catalog."""
    return services.load_catalog_cached(current_app.config.get("CATALOG_PATH"))


def _catalog_dir() -> Path:
    path = current_app.config.get("CATALOG_PATH")
    return Path(path).parent if path else services.CATALOG_DIR


@bp.get("/shops")
def shops():
    cat = catalog()
    out = []
    for shop in cat.shops:
        out.append(
            {
                **shop.to_dict(),
                "models": [
                    {"id": m.id, "name": m.name, "category": m.category, "price_krw": m.price_krw}
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
                    "price_krw": m.price_krw,
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
    """The shoe's GLB: the stored one (reference size), or with ``?size=&width=`` (and
    optionally ``colourway=``) one built for that size from its own last dimensions."""
    model = catalog().model(shoe_id)
    size = request.args.get("size")
    if not size:
        resp = send_from_directory(_catalog_dir(), model.glb, mimetype="model/gltf-binary")
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp
    from storefront.catalog.last_glb import shoe_glb_for_size

    try:
        eu = float(size)
    except ValueError:
        raise ApiError(400, "bad_size", f"size must be an EU number, got {size!r}") from None
    colourway = request.args.get("colourway", "")
    if colourway and colourway not in {c.id for c in model.colourways}:
        raise ApiError(404, "not_found", f"model {model.id} has no colourway {colourway!r}")
    data = shoe_glb_for_size(model, eu, request.args.get("width") or None, colourway)
    return Response(
        data, mimetype="model/gltf-binary", headers={"Cache-Control": "public, max-age=86400"}
    )


@bp.get("/shoes/<shoe_id>/last.glb")
def last_glb(shoe_id: str):
    from storefront.catalog.last_glb import last_glb_bytes

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
