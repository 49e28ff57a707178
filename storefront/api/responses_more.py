"""Success response schemas of the ``/api`` write routes, files and the other read routes.

Same conventions as :mod:`storefront.api.responses` (JSON Schema 2020-12, ``required`` keys a
client may rely on, extra keys allowed). ``FILES`` documents responses that are not JSON (or not
only JSON) by media type; ``REPLAY_STATUS`` lists the second success status of idempotent
writes (a replayed request answers 200 with the body of the first, which answered 201).
"""

from __future__ import annotations

from typing import Any

__all__ = ["FILES", "MORE", "REPLAY_STATUS"]

_S: dict[str, Any] = {"type": "string"}
_I: dict[str, Any] = {"type": "integer"}
_N: dict[str, Any] = {"type": "number"}
_B: dict[str, Any] = {"type": "boolean"}
_OBJ: dict[str, Any] = {"type": "object"}
_BIN: dict[str, Any] = {"type": "string", "format": "binary"}


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(**props: dict[str, Any]) -> dict[str, Any]:
    """An object that must have every listed key, each of the given schema."""
    return {"type": "object", "required": sorted(props), "properties": props}


def _opt(schema: dict[str, Any], **optional: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with further keys that are present only sometimes."""
    return {**schema, "properties": {**schema["properties"], **optional}}


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _const(value: Any) -> dict[str, Any]:
    return {"const": value}


_USER = _obj(id=_I, email=_S, role=_S, display_name=_S)
_JOB = _obj(
    id=_S,
    kind=_S,
    target_id=_null(_I),
    status=_S,
    progress=_N,
    stage=_null(_S),
    error=_null(_S),
    backend=_S,
    attempts=_I,
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
    job=_null(_JOB),
    measurements=_null(_OBJ),
    verdict=_null(_OBJ),
    links=_obj(self=_S, foot_glb=_S, job=_null(_S)),
)
_GAIT_SESSION = _obj(
    id=_I,
    status=_S,
    filename=_S,
    created_at=_S,
    report=_null(_OBJ),
    summary=_null(_OBJ),
    error=_null(_S),
    job=_null(_JOB),
    links=_obj(self=_S, report_html=_null(_S)),
)
_CART = _obj(
    items=_list(
        _obj(
            id=_I,
            shoe_id=_S,
            size_eu=_N,
            width=_S,
            colourway_id=_null(_S),
            quantity=_I,
            in_stock=_I,
            unit_price_krw=_I,
        )
    ),
    total_krw=_I,
)
_ORDER_LINE = _obj(
    id=_I,
    shoe_id=_S,
    size_eu=_N,
    width=_S,
    colourway_id=_null(_S),
    quantity=_I,
    returned_quantity=_I,
    unit_price_krw=_I,
)
_ORDER = _opt(
    _obj(
        id=_I,
        kind={"enum": ["stock", "made_to_measure"]},
        status=_S,
        total_krw=_I,
        currency=_S,
        payment_ref=_null(_S),
        delivery=_null(_OBJ),
        fulfilment={"enum": ["delivery", "collect_at_shop"]},
        created_at=_S,
        lines=_list(_ORDER_LINE),
    ),
    made_to_measure=_obj(
        shoe_id=_S,
        base_size_eu=_N,
        base_width=_S,
        measurements=_OBJ,
        last_spec=_OBJ,
        status=_S,
    ),
)
_QUOTE = _obj(
    id=_I,
    shoe_id=_S,
    colourway_id=_null(_S),
    scan_id=_I,
    price_krw=_I,
    lead_time_days=_I,
    expires_at=_S,
    confirmed_order_id=_null(_I),
    made=_list(_S),
    nearest_stock_size=_obj(eu=_N, width=_S),
    measurements=_OBJ,
    last_spec=_OBJ,
)
_BUDGET = _obj(spent=_OBJ, left=_OBJ, caps=_OBJ)
_CARE_SUMMARY = _obj(
    n_sessions=_I,
    last_session_at=_null(_S),
    sessions_7d=_I,
    wear_h_7d=_N,
    latest_wear_h=_null(_N),
    indicators=_list(_OBJ),
    alerts=_list(_OBJ),
    level={"enum": ["none", "watch", "act"]},
)
_WEARER = {
    **_CARE_SUMMARY,
    "required": sorted([*_CARE_SUMMARY["required"], "id", "name"]),
    "properties": {**_CARE_SUMMARY["properties"], "id": _I, "name": _S},
}
_UPLOAD = _obj(upload_id=_S, offset=_I)
_LOGGED_OUT = _opt(_obj(logged_out=_const(True)), csrf_token=_S)
_TOKEN = _obj(token=_S, token_type=_const("Bearer"), expires_at=_S)

#: (method, path) -> (status, schema) of the JSON success response.
MORE: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("get", "/api/openapi.json"): ("200", _obj(openapi=_S, info=_OBJ, paths=_OBJ)),
    ("post", "/api/auth/register"): ("201", _obj(email=_S, registered=_const(True), message=_S)),
    ("post", "/api/auth/login"): (
        "200",
        {
            **_TOKEN,
            "required": [*_TOKEN["required"], "user"],
            "properties": {**_TOKEN["properties"], "user": _USER},
        },
    ),  # fmt: skip
    ("post", "/api/auth/session"): ("200", _obj(user=_USER, csrf_token=_S)),
    ("delete", "/api/auth/session"): ("200", _LOGGED_OUT),
    ("post", "/api/auth/logout-everywhere"): (
        "200",
        _opt(_obj(logged_out=_const(True), revoked=_I), csrf_token=_S),
    ),
    ("delete", "/api/auth/tokens/{token_id}"): ("200", _obj(id=_I, revoked=_const(True))),
    ("post", "/api/auth/password-reset"): ("202", _obj(sent=_const(True), message=_S)),
    ("post", "/api/auth/password-reset/confirm"): ("200", _obj(reset=_const(True), message=_S)),
    ("post", "/api/auth/password"): (
        "200",
        _opt(_obj(changed=_const(True), user=_USER), csrf_token=_S, **_TOKEN["properties"]),
    ),
    ("get", "/api/auth/csrf"): ("200", _obj(csrf_token=_S, header=_const("X-CSRF-Token"))),
    ("patch", "/api/me"): ("200", _opt(_USER, consent=_OBJ, gait_sessions_deleted=_I)),
    ("delete", "/api/me"): ("200", _obj(deleted=_const(True))),
    ("post", "/api/scans"): ("202", _SCAN),
    ("post", "/api/scans/demo"): ("202", _SCAN),
    ("delete", "/api/scans/{scan_id}"): ("200", _obj(deleted=_const(True))),
    ("get", "/api/jobs/{job_id}"): ("200", _JOB),
    ("post", "/api/gait/sessions"): ("202", _GAIT_SESSION),
    ("post", "/api/gait/uploads"): ("201", _UPLOAD),
    ("get", "/api/gait/uploads/{upload_id}"): ("200", _opt(_UPLOAD, filename=_S)),
    ("put", "/api/gait/uploads/{upload_id}"): ("200", _UPLOAD),
    ("post", "/api/gait/uploads/{upload_id}/complete"): ("202", _GAIT_SESSION),
    ("get", "/api/gait/sessions/{session_id}"): ("200", _GAIT_SESSION),
    ("delete", "/api/gait/sessions/{session_id}"): ("200", _obj(deleted=_const(True))),
    ("get", "/api/gait/trends"): (
        "200",
        _obj(metrics=_list(_S), points=_list(_obj(session_id=_I, created_at=_S))),
    ),
    ("post", "/api/cart"): ("201", _CART),
    ("delete", "/api/cart/{item_id}"): ("200", _CART),
    ("post", "/api/checkout"): ("201", _ORDER),
    ("post", "/api/orders"): ("201", _ORDER),
    ("get", "/api/orders/{order_id}"): ("200", _ORDER),
    ("post", "/api/orders/{order_id}/returns"): (
        "201",
        _obj(return_id=_I, refund_krw=_I, order=_ORDER),
    ),
    ("post", "/api/orders/{order_id}/feedback"): (
        "201",
        _obj(feedback_id=_I, label=_S, edited=_B),
    ),
    ("post", "/api/orders/made-to-measure/quote"): ("201", _QUOTE),
    ("post", "/api/orders/made-to-measure"): ("201", _ORDER),
    ("get", "/api/manufacturer/budget"): (
        "200",
        _opt(
            _obj(
                manufacturer=_S,
                period=_S,
                epsilon_per_period=_N,
                epsilon_spent=_N,
                epsilon_left=_N,
                spent=_OBJ,
                releases=_list(_obj(id=_I, period=_S, epsilon=_N, query=_OBJ)),
            ),
            caps=_OBJ,
            left=_OBJ,
        ),
    ),
    ("post", "/api/care/invitations"): ("201", _obj(id=_I, code=_S, expires_at=_S, how=_S)),
    ("get", "/api/care/invitations"): (
        "200",
        _obj(invitations=_list(_obj(id=_I, created_at=_S, expires_at=_S))),
    ),
    ("get", "/api/care/wearers"): (
        "200",
        _obj(wearers=_list({**_WEARER, "properties": {**_WEARER["properties"], "linked_at": _S}})),
    ),
    ("get", "/api/care/wearers/{wearer_id}"): ("200", _WEARER),
    ("get", "/api/care/wearers/{wearer_id}/report"): (
        "200",
        {
            **_obj(
                wearer=_obj(id=_I, name=_S, age_band=_null(_S)),
                care_manager=_S,
                generated_at=_S,
                sessions=_list(_OBJ),
                indicators=_list(_OBJ),
                alerts=_list(_OBJ),
            ),
            "required": sorted(
                [
                    "wearer",
                    "care_manager",
                    "from",
                    "to",
                    "generated_at",
                    "sessions",
                    "indicators",
                    "alerts",
                ]
            ),
        },  # fmt: skip
    ),
    ("get", "/api/care/links"): (
        "200",
        _obj(
            links=_list(
                _obj(id=_I, care_manager=_S, linked_at=_null(_S), revoked_at=_null(_S), active=_B)
            )
        ),
    ),
    ("post", "/api/care/links"): ("201", _obj(id=_I, care_manager=_S, active=_const(True))),
    ("delete", "/api/care/links/{link_id}"): ("200", _obj(id=_I, active=_const(False))),
    ("get", "/api/care/access-log"): (
        "200",
        _obj(accesses=_list(_obj(at=_S, care_manager=_S, action=_S))),
    ),
}

_FOOT_STATS = _obj(
    manufacturer=_S, period=_S, query=_OBJ, method=_OBJ, cells=_list(_OBJ), budget=_OBJ
)
_SHAPE_STATS = _obj(
    release_id=_I,
    manufacturer=_S,
    period=_S,
    query=_obj(statistic=_S),
    statistic=_OBJ,
    answered=_B,
    explanation=_null(_S),
    budget=_BUDGET,
)

#: (method, path) -> (status, {media type: schema}) of responses that are files (or may be).
FILES: dict[tuple[str, str], tuple[str, dict[str, dict[str, Any]]]] = {
    ("get", "/api/scans/{scan_id}/foot.glb"): ("200", {"model/gltf-binary": _BIN}),
    ("get", "/api/gait/sessions/{session_id}/report.html"): ("200", {"text/html": _S}),
    ("get", "/api/shoes/{shoe_id}/model.glb"): ("200", {"model/gltf-binary": _BIN}),
    ("get", "/api/shoes/{shoe_id}/last.glb"): ("200", {"model/gltf-binary": _BIN}),
    ("get", "/api/manufacturer/average-foot/{release_id}/{length_bin}.{fmt}"): (
        "200",
        {"model/stl": _BIN, "model/gltf-binary": _BIN},
    ),
    ("get", "/api/manufacturer/foot-stats"): (
        "200",
        {"application/json": _FOOT_STATS, "text/csv": _S},
    ),
    ("get", "/api/manufacturer/shape-stats"): (
        "200",
        {"application/json": _SHAPE_STATS, "text/csv": _S, "application/vnd.apache.parquet": _BIN},
    ),
}

#: Idempotent writes: a replay answers this status with the first answer's body.
REPLAY_STATUS: dict[tuple[str, str], str] = {
    ("post", "/api/checkout"): "200",
    ("post", "/api/orders"): "200",
    ("post", "/api/orders/{order_id}/returns"): "200",
    ("post", "/api/orders/{order_id}/feedback"): "200",  # an edited answer to the same order
    ("post", "/api/orders/made-to-measure"): "200",
}
