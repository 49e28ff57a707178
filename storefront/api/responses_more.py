"""Success response schemas of the ``/api`` write routes, files and the other read routes.

Same conventions as :mod:`storefront.api.responses` (JSON Schema 2020-12, ``required`` keys a
client may rely on, extra keys allowed). ``FILES`` documents responses that are not JSON (or not
only JSON) by media type; ``REPLAY_STATUS`` lists the second success status of idempotent
writes (a replayed request answers 200 with the body of the first, which answered 201).
"""

from __future__ import annotations

from typing import Any

from storefront.api.schema import (
    ANY_OBJECT,
    BINARY,
    BOOL,
    DATE,
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

__all__ = ["FILES", "MORE", "REPLAY_STATUS", "SCAN_FIELDS", "USER"]

#: An account as the auth routes answer it (``/api/me`` adds its profile).
USER = obj(id=INT, email=STR, role=STR, display_name=STR)
_JOB = obj(
    id=STR,
    kind=STR,
    target_id=nullable(INT),
    status=STR,
    progress=NUM,
    stage=nullable(STR),
    error=nullable(STR),
    backend=STR,
    attempts=INT,
)
#: A job inside a scan or gait-session body: its status, ``error`` in the request's language
#: and the English reason in ``detail`` (as ``/api/jobs/<id>`` answers).
_JOB_STATUS = extend(_JOB, detail=nullable(STR))
#: The keys every scan body has (its ``job``, ``verdict`` and ``links`` differ by route).
SCAN_FIELDS: dict[str, Any] = {
    "id": INT,
    "status": STR,
    "filename": STR,
    "units": STR,
    "created_at": STR,
    "keep_raw": BOOL,
    "size_bytes": INT,
    "error": nullable(STR),
    "error_detail": nullable(STR),
    "measurements": nullable(ANY_OBJECT),
}
_SCAN = obj(
    **SCAN_FIELDS,
    job=nullable(_JOB_STATUS),
    verdict=nullable(ANY_OBJECT),
    links=obj(self=STR, foot_glb=STR, job=nullable(STR)),
)
_GAIT_SESSION = obj(
    id=INT,
    status=STR,
    filename=STR,
    created_at=STR,
    report=nullable(ANY_OBJECT),
    summary=nullable(ANY_OBJECT),
    error=nullable(STR),
    error_detail=nullable(STR),
    job=nullable(_JOB_STATUS),
    links=obj(self=STR, report_html=nullable(STR)),
)
_LINE = {
    "id": INT,
    "shoe_id": STR,
    "size_eu": NUM,
    "width": STR,
    "colourway_id": nullable(STR),
    "quantity": INT,
    "unit_price_krw": INT,
}
_CART = obj(items=arr(obj(**_LINE, in_stock=INT)), total_krw=INT)
_ORDER = obj(
    id=INT,
    kind=enum("stock", "made_to_measure"),
    status=STR,
    total_krw=INT,
    currency=STR,
    payment_ref=nullable(STR),
    delivery=nullable(ANY_OBJECT),
    fulfilment=enum("delivery", "collect_at_shop"),
    created_at=STR,
    lines=arr(obj(**_LINE, returned_quantity=INT)),
    optional={
        "made_to_measure": obj(
            shoe_id=STR,
            base_size_eu=NUM,
            base_width=STR,
            measurements=ANY_OBJECT,
            last_spec=ANY_OBJECT,
            status=STR,
        )
    },
)
_QUOTE = obj(
    id=INT,
    shoe_id=STR,
    colourway_id=nullable(STR),
    scan_id=INT,
    price_krw=INT,
    lead_time_days=INT,
    expires_at=STR,
    confirmed_order_id=nullable(INT),
    made=arr(STR),
    nearest_stock_size=obj(eu=NUM, width=STR),
    measurements=ANY_OBJECT,
    last_spec=ANY_OBJECT,
)
_BUDGET = obj(spent=ANY_OBJECT, left=ANY_OBJECT, caps=ANY_OBJECT)
_WEARER = obj(
    id=INT,
    name=STR,
    n_sessions=INT,
    last_session_at=nullable(STR),
    sessions_7d=INT,
    wear_h_7d=NUM,
    latest_wear_h=nullable(NUM),
    indicators=arr(ANY_OBJECT),
    alerts=arr(ANY_OBJECT),
    level=enum("none", "watch", "act"),
)
_UPLOAD = obj(upload_id=STR, offset=INT)
_TOKEN = obj(token=STR, token_type=const("Bearer"), expires_at=STR)
_CSRF = {"csrf_token": STR}  # a cookie session's answers also carry its new CSRF token
_DELETED = obj(deleted=const(True))

#: (method, path) -> (status, schema) of the JSON success response.
MORE: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("get", "/api/openapi.json"): ("200", obj(openapi=STR, info=ANY_OBJECT, paths=ANY_OBJECT)),
    ("post", "/api/auth/register"): (
        "201",
        obj(email=STR, registered=const(True), message=STR),
    ),
    ("post", "/api/auth/login"): ("200", extend(_TOKEN, user=USER)),
    ("post", "/api/auth/session"): ("200", obj(user=USER, csrf_token=STR)),
    ("delete", "/api/auth/session"): ("200", obj(logged_out=const(True), optional=_CSRF)),
    ("post", "/api/auth/logout-everywhere"): (
        "200",
        obj(logged_out=const(True), revoked=INT, optional=_CSRF),
    ),
    ("delete", "/api/auth/tokens/{token_id}"): ("200", obj(id=INT, revoked=const(True))),
    ("post", "/api/auth/password-reset"): ("202", obj(sent=const(True), message=STR)),
    ("post", "/api/auth/password-reset/confirm"): (
        "200",
        obj(reset=const(True), message=STR),
    ),
    ("post", "/api/auth/password"): (
        "200",
        obj(changed=const(True), user=USER, optional={**_CSRF, **_TOKEN["properties"]}),
    ),
    ("get", "/api/auth/csrf"): ("200", obj(csrf_token=STR, header=const("X-CSRF-Token"))),
    ("patch", "/api/me"): (
        "200",
        extend(USER, optional={"consent": ANY_OBJECT, "gait_sessions_deleted": INT}),
    ),
    ("delete", "/api/me"): ("200", _DELETED),
    ("post", "/api/scans"): ("202", _SCAN),
    ("post", "/api/scans/demo"): ("202", _SCAN),
    ("delete", "/api/scans/{scan_id}"): ("200", _DELETED),
    ("get", "/api/jobs/{job_id}"): (
        "200",
        _JOB_STATUS,  # error in the request's language, English here
    ),
    ("post", "/api/gait/sessions"): ("202", _GAIT_SESSION),
    ("post", "/api/gait/uploads"): ("201", _UPLOAD),
    ("get", "/api/gait/uploads/{upload_id}"): ("200", extend(_UPLOAD, optional={"filename": STR})),
    ("put", "/api/gait/uploads/{upload_id}"): ("200", _UPLOAD),
    ("post", "/api/gait/uploads/{upload_id}/complete"): ("202", _GAIT_SESSION),
    ("get", "/api/gait/sessions/{session_id}"): ("200", _GAIT_SESSION),
    ("delete", "/api/gait/sessions/{session_id}"): ("200", _DELETED),
    ("get", "/api/gait/trends"): (
        "200",
        obj(metrics=arr(STR), points=arr(obj(session_id=INT, created_at=STR))),
    ),
    ("post", "/api/cart"): ("201", _CART),
    ("delete", "/api/cart/{item_id}"): ("200", _CART),
    ("post", "/api/checkout"): ("201", _ORDER),
    ("post", "/api/orders"): ("201", _ORDER),
    ("get", "/api/orders/{order_id}"): ("200", _ORDER),
    ("post", "/api/orders/{order_id}/returns"): (
        "201",
        obj(return_id=INT, refund_krw=INT, order=_ORDER),
    ),
    ("post", "/api/orders/{order_id}/feedback"): (
        "201",
        obj(feedback_id=INT, label=STR, edited=BOOL),
    ),
    ("post", "/api/orders/made-to-measure/quote"): ("201", _QUOTE),
    ("post", "/api/orders/made-to-measure"): ("201", _ORDER),
    ("get", "/api/manufacturer/budget"): (
        "200",
        obj(
            manufacturer=STR,
            period=STR,
            epsilon_per_period=NUM,
            epsilon_spent=NUM,
            epsilon_left=NUM,
            spent=ANY_OBJECT,
            releases=arr(obj(id=INT, period=STR, epsilon=NUM, query=ANY_OBJECT)),
            optional={"caps": ANY_OBJECT, "left": ANY_OBJECT},
        ),
    ),
    ("post", "/api/care/invitations"): (
        "201",
        obj(id=INT, code=STR, expires_at=STR, how=STR),
    ),
    ("get", "/api/care/invitations"): (
        "200",
        obj(invitations=arr(obj(id=INT, created_at=STR, expires_at=STR))),
    ),
    ("get", "/api/care/wearers"): (
        "200",
        obj(wearers=arr(extend(_WEARER, optional={"linked_at": STR}))),
    ),
    ("get", "/api/care/wearers/{wearer_id}"): ("200", _WEARER),
    ("get", "/api/care/wearers/{wearer_id}/report"): (
        "200",
        obj(
            wearer=obj(id=INT, name=STR, age_band=nullable(STR)),
            care_manager=STR,
            generated_at=STR,
            sessions=arr(ANY_OBJECT),
            indicators=arr(ANY_OBJECT),
            alerts=arr(ANY_OBJECT),
            **{"from": DATE, "to": DATE},  # the report's period, Korean calendar days
        ),
    ),
    ("get", "/api/care/links"): (
        "200",
        obj(
            links=arr(
                obj(
                    id=INT,
                    care_manager=STR,
                    linked_at=nullable(STR),
                    revoked_at=nullable(STR),
                    active=BOOL,
                )
            )
        ),
    ),
    ("post", "/api/care/links"): ("201", obj(id=INT, care_manager=STR, active=const(True))),
    ("delete", "/api/care/links/{link_id}"): ("200", obj(id=INT, active=const(False))),
    ("get", "/api/care/access-log"): (
        "200",
        obj(accesses=arr(obj(at=STR, care_manager=STR, action=STR))),
    ),
}

_FOOT_STATS = obj(
    manufacturer=STR,
    period=STR,
    query=ANY_OBJECT,
    method=ANY_OBJECT,
    cells=arr(ANY_OBJECT),
    budget=ANY_OBJECT,
)
_SHAPE_STATS = obj(
    release_id=INT,
    manufacturer=STR,
    period=STR,
    query=obj(statistic=STR),
    statistic=ANY_OBJECT,
    answered=BOOL,
    explanation=nullable(STR),
    budget=_BUDGET,
)
_GLB = {"model/gltf-binary": BINARY}

#: (method, path) -> (status, {media type: schema}) of responses that are files (or may be).
FILES: dict[tuple[str, str], tuple[str, dict[str, dict[str, Any]]]] = {
    ("get", "/api/scans/{scan_id}/foot.glb"): ("200", _GLB),
    ("get", "/api/gait/sessions/{session_id}/report.html"): ("200", {"text/html": STR}),
    ("get", "/api/shoes/{shoe_id}/model.glb"): ("200", _GLB),
    ("get", "/api/shoes/{shoe_id}/last.glb"): ("200", _GLB),
    ("get", "/api/manufacturer/average-foot/{release_id}/{length_bin}.{fmt}"): (
        "200",
        {"model/stl": BINARY, **_GLB},
    ),
    ("get", "/api/manufacturer/foot-stats"): (
        "200",
        {"application/json": _FOOT_STATS, "text/csv": STR},
    ),
    ("get", "/api/manufacturer/shape-stats"): (
        "200",
        {
            "application/json": _SHAPE_STATS,
            "text/csv": STR,
            "application/vnd.apache.parquet": BINARY,
        },
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
