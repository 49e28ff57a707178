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

from storefront.api.responses_more import FILES, MORE, REPLAY_STATUS, SCAN_FIELDS, USER
from storefront.api.schema import (
    ANY_OBJECT,
    BINARY,
    BOOL,
    INT,
    NUM,
    STR,
    arr,
    const,
    enum,
    extend,
    nullable,
    obj,
)

__all__ = [
    "DOCUMENTED",
    "FILES",
    "MTM_PREVIEW",
    "REPLAY_STATUS",
    "SUCCESS",
    "WORKSHOP_SUCCESS",
    "success_responses",
]

_SHOE_SUMMARY = obj(id=STR, shop_id=STR, name=STR, category=STR, price_krw=INT)
_LAST_SIZE = obj(
    eu=NUM,
    uk=NUM,
    us_men=NUM,
    mondopoint=INT,
    width=STR,
    last_length_mm=NUM,
    ball_girth_mm=NUM,
    ball_width_mm=NUM,
    heel_width_mm=NUM,
    stock=ANY_OBJECT,
)
_SHOE = extend(
    _SHOE_SUMMARY,
    description=STR,
    brand_offset_mm=NUM,
    toe_allowance_mm=NUM,
    glb=STR,
    traits=ANY_OBJECT,
    colourways=arr(obj(id=STR, name=STR, upper_hex=STR, sole_hex=STR, accent_hex=STR)),
    sizes=arr(_LAST_SIZE),
    links=obj(self=STR, glb=STR, last_glb=STR),
)
_SHOP = obj(
    id=STR,
    name=STR,
    brand=STR,
    tagline=STR,
    color=STR,
    size_offset_mm=NUM,
    street_position=arr(NUM),
)
_SIZE_FIT = obj(
    eu=NUM,
    width=STR,
    toe_room_mm=NUM,
    advised_toe_room_mm=NUM,
    length_verdict=STR,
    width_verdict=STR,
    score=NUM,
    in_stock=BOOL,
    reasons=arr(STR),
)
#: The keys a fit and a recommendation share.
_FIT_KEYS = {
    "model_id": STR,
    "shop_id": STR,
    "category": STR,
    "best_size": NUM,
    "best_width": STR,
    "confidence": NUM,
    "score": NUM,
    "reasons": arr(STR),
}
_FIT = obj(
    **_FIT_KEYS,
    foot_length_mm=NUM,
    brand_offset_mm=NUM,
    learned_offset_mm=NUM,
    sizes=arr(_SIZE_FIT),
)
_RECOMMENDATION = obj(
    **_FIT_KEYS,
    name=STR,
    price_krw=INT,
    colourway_id=STR,
    fit_score=NUM,
    gait_score=NUM,
)
_SCAN = obj(
    **SCAN_FIELDS,
    job=nullable(ANY_OBJECT),
    verdict=nullable(obj(accepted=BOOL, reasons=arr(STR), advice=STR)),
    links=obj(self=STR),
)
_ME = extend(
    USER,
    region=nullable(STR),
    age_band=nullable(STR),
    sex=nullable(STR),
    manufacturer_id=nullable(INT),
    consent=obj(aggregates=BOOL, gait_health=BOOL),
)
_TOKEN_ROW = obj(
    id=INT,
    name=STR,
    created_at=STR,
    expires_at=STR,
    revoked_at=nullable(STR),
    active=BOOL,
    current=BOOL,
)

#: (method, path) -> (status, schema) of the success response.
SUCCESS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("get", "/api/health"): ("200", obj(status=const("ok"))),
    ("get", "/api/shops"): (
        "200",
        obj(shops=arr(extend(_SHOP, optional={"models": arr(ANY_OBJECT)}))),
    ),
    ("get", "/api/shops/{shop_id}"): ("200", extend(_SHOP, models=arr(_SHOE))),
    ("get", "/api/shoes"): ("200", obj(shoes=arr(_SHOE_SUMMARY))),
    ("get", "/api/shoes/{shoe_id}"): ("200", _SHOE),
    ("get", "/api/fit"): ("200", obj(scan=INT, shoe=STR, fit=_FIT)),
    ("get", "/api/recommendations"): (
        "200",
        obj(scan=INT, gait=nullable(INT), recommendations=arr(_RECOMMENDATION)),
    ),
    ("get", "/api/me"): ("200", _ME),
    ("get", "/api/scans"): ("200", obj(scans=arr(_SCAN))),
    ("get", "/api/scans/{scan_id}"): ("200", _SCAN),
    ("get", "/api/gait/sessions"): ("200", obj(sessions=arr(ANY_OBJECT))),
    ("get", "/api/cart"): ("200", obj(items=arr(ANY_OBJECT), total_krw=INT)),
    ("get", "/api/orders"): ("200", obj(orders=arr(ANY_OBJECT))),
    ("get", "/api/auth/tokens"): ("200", obj(tokens=arr(_TOKEN_ROW))),
}

# Made to measure, the maker's side (storefront.workshop); checked against the real responses
# of a built order in tests/storefront/test_workshop.py.
_MTM_FILES = obj(
    status=STR,
    error=nullable(STR),
    error_text=nullable(STR),
    job=nullable(STR),
    pressure_source=nullable(STR),
    files=arr(obj(name=STR, bytes=INT, sha256=STR, url=STR)),
)
_WORKSHOP_ORDER = obj(
    order_id=INT,
    created_at=STR,
    shop_id=STR,
    shoe_id=STR,
    colourway_id=STR,
    base_size_eu=NUM,
    base_width=STR,
    status=STR,
    fulfilment=STR,
    files=_MTM_FILES,
)
_MM_PAIR = obj(foot_mm=NUM, last_mm=NUM, allowance_mm=NUM, error_mm=NUM)
MTM_PREVIEW = obj(
    units=const("mm"),
    style=STR,
    side=STR,
    last=obj(vertices=arr(arr(NUM)), faces=arr(arr(INT))),
    foot=obj(points=arr(arr(NUM)), clearance_mm=arr(NUM)),
    measures=obj(**{k: _MM_PAIR for k in ("bottom_length", "ball_girth", "ball_width")}),
    clearance=arr(obj(region=STR, min_mm=NUM, p5_mm=NUM, median_mm=NUM)),
    nearest_stock_size=obj(eu=NUM, width=STR),
    stock_changes=arr(
        obj(
            measure=STR,
            stock_mm=NUM,
            personal_mm=NUM,
            change_mm=NUM,
            basis=enum("last", "foot+ease"),
            last_mm=NUM,  # the personal last's own reading
            last_offset_mm=NUM,  # last_mm - personal_mm (0 for length and width)
        )
    ),
)
WORKSHOP_SUCCESS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("get", "/api/workshop/orders"): ("200", obj(orders=arr(_WORKSHOP_ORDER))),
    ("get", "/api/workshop/orders/{order_id}"): (
        "200",
        extend(_WORKSHOP_ORDER, measurements=ANY_OBJECT, last_spec=ANY_OBJECT),
    ),
    ("get", "/api/orders/made-to-measure/quotes/{quote_id}/preview"): ("200", MTM_PREVIEW),
}
_ORDER_FILE = {
    "model/stl": BINARY,
    "model/3mf": BINARY,
    "text/html": STR,  # the spec sheets
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
