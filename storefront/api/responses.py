"""Success response schemas of ``/api`` operations (JSON Schema 2020-12, as OpenAPI 3.1 uses).

Every operation of :data:`storefront.api.operations.OPERATIONS` must have its success
response here (read routes below, write routes, files and the rest in
:mod:`storefront.api.responses_more`); ``tests/storefront/test_openapi_responses.py`` fails for
an operation without one, and every ``/api`` success response the storefront tests provoke is
validated against its schema (``tests/storefront/conftest.py``). Schemas name the keys a client
may rely on (``required``) and their types; extra keys are allowed so the API can grow without
breaking clients.

To add a route: add its row to ``OPERATIONS`` and its ``(status, schema)`` to ``SUCCESS`` (or
``MORE``), or ``(status, {media type: schema})`` to ``FILES`` for a file download.
"""

from __future__ import annotations

from typing import Any

from storefront.api.responses_more import FILES, MORE, REPLAY_STATUS

__all__ = [
    "DOCUMENTED",
    "FILES",
    "MTM_PREVIEW",
    "REPLAY_STATUS",
    "SUCCESS",
    "WORKSHOP_SUCCESS",
    "success_responses",
]

_S: dict[str, Any] = {"type": "string"}
_I: dict[str, Any] = {"type": "integer"}
_N: dict[str, Any] = {"type": "number"}
_B: dict[str, Any] = {"type": "boolean"}
_OBJ: dict[str, Any] = {"type": "object"}


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(**props: dict[str, Any]) -> dict[str, Any]:
    """An object that must have every listed key, each of the given schema."""
    return {"type": "object", "required": sorted(props), "properties": props}


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


_SHOE_SUMMARY = _obj(id=_S, shop_id=_S, name=_S, category=_S, price_krw=_I)
_LAST_SIZE = _obj(
    eu=_N,
    uk=_N,
    us_men=_N,
    mondopoint=_I,
    width=_S,
    last_length_mm=_N,
    ball_girth_mm=_N,
    ball_width_mm=_N,
    heel_width_mm=_N,
    stock=_OBJ,
)
_SHOE = _obj(
    id=_S,
    shop_id=_S,
    name=_S,
    category=_S,
    description=_S,
    price_krw=_I,
    brand_offset_mm=_N,
    toe_allowance_mm=_N,
    glb=_S,
    traits=_OBJ,
    colourways=_list(_obj(id=_S, name=_S, upper_hex=_S, sole_hex=_S, accent_hex=_S)),
    sizes=_list(_LAST_SIZE),
    links=_obj(self=_S, glb=_S, last_glb=_S),
)
_SHOP = _obj(
    id=_S,
    name=_S,
    brand=_S,
    tagline=_S,
    color=_S,
    size_offset_mm=_N,
    street_position=_list(_N),
)
_SIZE_FIT = _obj(
    eu=_N,
    width=_S,
    toe_room_mm=_N,
    advised_toe_room_mm=_N,
    length_verdict=_S,
    width_verdict=_S,
    score=_N,
    in_stock=_B,
    reasons=_list(_S),
)
_FIT = _obj(
    model_id=_S,
    shop_id=_S,
    category=_S,
    best_size=_N,
    best_width=_S,
    confidence=_N,
    score=_N,
    foot_length_mm=_N,
    brand_offset_mm=_N,
    learned_offset_mm=_N,
    reasons=_list(_S),
    sizes=_list(_SIZE_FIT),
)
_RECOMMENDATION = _obj(
    model_id=_S,
    shop_id=_S,
    name=_S,
    category=_S,
    price_krw=_I,
    best_size=_N,
    best_width=_S,
    colourway_id=_S,
    fit_score=_N,
    gait_score=_N,
    score=_N,
    confidence=_N,
    reasons=_list(_S),
)
_SCAN = _obj(
    id=_I,
    status=_S,
    filename=_S,
    units=_S,
    created_at=_S,
    keep_raw=_B,
    size_bytes=_I,
    error=_null(_S),
    job=_null(_OBJ),
    measurements=_null(_OBJ),
    verdict=_null(_obj(accepted=_B, reasons=_list(_S), advice=_S)),
    links=_obj(self=_S),
)
_ME = _obj(
    id=_I,
    email=_S,
    role=_S,
    display_name=_S,
    region=_null(_S),
    age_band=_null(_S),
    sex=_null(_S),
    manufacturer_id=_null(_I),
    consent=_obj(aggregates=_B, gait_health=_B),
)

#: (method, path) -> (status, schema) of the success response.
SUCCESS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("get", "/api/health"): ("200", _obj(status={"const": "ok"})),
    ("get", "/api/shops"): (
        "200",
        _obj(shops=_list({**_SHOP, "properties": {**_SHOP["properties"], "models": _list(_OBJ)}})),
    ),
    ("get", "/api/shops/{shop_id}"): (
        "200",
        {
            **_SHOP,
            "required": [*_SHOP["required"], "models"],
            "properties": {**_SHOP["properties"], "models": _list(_SHOE)},
        },  # fmt: skip
    ),
    ("get", "/api/shoes"): ("200", _obj(shoes=_list(_SHOE_SUMMARY))),
    ("get", "/api/shoes/{shoe_id}"): ("200", _SHOE),
    ("get", "/api/fit"): ("200", _obj(scan=_I, shoe=_S, fit=_FIT)),
    ("get", "/api/recommendations"): (
        "200",
        _obj(scan=_I, gait=_null(_I), recommendations=_list(_RECOMMENDATION)),
    ),
    ("get", "/api/me"): ("200", _ME),
    ("get", "/api/scans"): ("200", _obj(scans=_list(_SCAN))),
    ("get", "/api/scans/{scan_id}"): ("200", _SCAN),
    ("get", "/api/gait/sessions"): ("200", _obj(sessions=_list(_OBJ))),
    ("get", "/api/cart"): ("200", _obj(items=_list(_OBJ), total_krw=_I)),
    ("get", "/api/orders"): ("200", _obj(orders=_list(_OBJ))),
    ("get", "/api/auth/tokens"): (
        "200",
        _obj(
            tokens=_list(
                _obj(
                    id=_I,
                    name=_S,
                    created_at=_S,
                    expires_at=_S,
                    revoked_at=_null(_S),
                    active=_B,
                    current=_B,
                )
            )
        ),
    ),
}

# Made to measure, the maker's side (storefront.workshop); checked against the real responses
# of a built order in tests/storefront/test_workshop.py.
_MTM_FILES = _obj(
    status=_S,
    error=_null(_S),
    error_text=_null(_S),
    job=_null(_S),
    pressure_source=_null(_S),
    files=_list(_obj(name=_S, bytes=_I, sha256=_S, url=_S)),
)
_WORKSHOP_ORDER = _obj(
    order_id=_I,
    created_at=_S,
    shop_id=_S,
    shoe_id=_S,
    colourway_id=_S,
    base_size_eu=_N,
    base_width=_S,
    status=_S,
    fulfilment=_S,
    files=_MTM_FILES,
)
_MM_PAIR = _obj(foot_mm=_N, last_mm=_N, allowance_mm=_N, error_mm=_N)
MTM_PREVIEW = _obj(
    units={"const": "mm"},
    style=_S,
    side=_S,
    last=_obj(vertices=_list(_list(_N)), faces=_list(_list(_I))),
    foot=_obj(points=_list(_list(_N)), clearance_mm=_list(_N)),
    measures=_obj(**{k: _MM_PAIR for k in ("bottom_length", "ball_girth", "ball_width")}),
    clearance=_list(_obj(region=_S, min_mm=_N, p5_mm=_N, median_mm=_N)),
    nearest_stock_size=_obj(eu=_N, width=_S),
    stock_changes=_list(_obj(measure=_S, stock_mm=_N, personal_mm=_N, change_mm=_N)),
)
WORKSHOP_SUCCESS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("get", "/api/workshop/orders"): ("200", _obj(orders=_list(_WORKSHOP_ORDER))),
    ("get", "/api/workshop/orders/{order_id}"): (
        "200",
        {
            **_WORKSHOP_ORDER,
            "required": sorted([*_WORKSHOP_ORDER["required"], "measurements", "last_spec"]),
            "properties": {
                **_WORKSHOP_ORDER["properties"],
                "measurements": {"type": "object"},
                "last_spec": {"type": "object"},
            },
        },
    ),
    ("get", "/api/orders/made-to-measure/quotes/{quote_id}/preview"): ("200", MTM_PREVIEW),
}
_ORDER_FILE = {
    "model/stl": {"type": "string", "format": "binary"},
    "model/3mf": {"type": "string", "format": "binary"},
    "text/html": _S,  # the spec sheets
    "application/json": MTM_PREVIEW,  # preview.json
}
FILES.update(
    {
        ("get", "/api/workshop/orders/{order_id}/files/{name}"): ("200", _ORDER_FILE),
        ("get", "/api/orders/{order_id}/files/{name}"): ("200", _ORDER_FILE),
    }
)
#: Every documented JSON success schema: the read routes above, the maker's side, and the write
#: routes and the rest (:mod:`storefront.api.responses_more`).
DOCUMENTED = {**SUCCESS, **WORKSHOP_SUCCESS, **MORE}


def success_responses(method: str, path: str) -> dict[str, Any] | None:
    """The OpenAPI success response objects of one operation, or None if undocumented."""
    if (method, path) in FILES:
        status, media = FILES[(method, path)]
        content = {m: {"schema": schema} for m, schema in media.items()}
    elif (method, path) in DOCUMENTED:
        status, schema = DOCUMENTED[(method, path)]
        content = {"application/json": {"schema": schema}}
    else:
        return None
    out = {status: {"description": "OK", "content": content}}
    if (method, path) in REPLAY_STATUS:
        out[REPLAY_STATUS[(method, path)]] = {
            "description": "The same request again (idempotent replay): the first answer's body",
            "content": content,
        }
    return out
