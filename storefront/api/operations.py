"""The operations of ``/api``, one row each: the table the OpenAPI document is built from.

A test checks that every ``/api`` route the app registers is in this table and vice versa,
so the document cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ERROR_RESPONSE", "OBJECT", "OPERATIONS"]

_ERR = {"$ref": "#/components/responses/Error"}
_OBJ = {"type": "object"}


def _q(name: str, desc: str, required: bool = False, schema: dict | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": desc,
        "schema": schema or {"type": "string"},
    }


def _json_body(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _multipart(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props = {"file": {"type": "string", "format": "binary"}, **(extra or {})}
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": props, "required": ["file"]}
            }
        },
    }


_S = {"type": "string"}
_I = {"type": "integer"}
_N = {"type": "number"}
_B = {"type": "boolean"}

#: (method, path, tag, summary, auth, extra operation fields)
OPERATIONS: list[tuple[str, str, str, str, str | None, dict[str, Any]]] = [
    ("get", "/api/health", "meta", "Liveness and database check", None, {}),
    ("get", "/api/openapi.json", "meta", "This document", None, {}),
    (
        "post",
        "/api/auth/register",
        "auth",
        "Create a shopper account (rate limited); the same answer whether or not the "
        "address already had one",
        None,
        {
            "requestBody": _json_body(
                {"email": _S, "password": {"type": "string", "minLength": 10}, "display_name": _S},
                ["email", "password"],
            )
        },
    ),
    (
        "post",
        "/api/auth/login",
        "auth",
        "Log in; returns a bearer token with its expiry (rate limited)",
        None,
        {"requestBody": _json_body({"email": _S, "password": _S}, ["email", "password"])},
    ),
    (
        "post",
        "/api/auth/session",
        "auth",
        "Log in to a cookie session (pages); returns the CSRF token",
        None,
        {"requestBody": _json_body({"email": _S, "password": _S}, ["email", "password"])},
    ),
    (
        "delete",
        "/api/auth/session",
        "auth",
        "Log out: revokes the token behind the request (cookie session or bearer)",
        None,
        {},
    ),
    (
        "post",
        "/api/auth/logout-everywhere",
        "auth",
        "Sign out everywhere: every token and cookie session of the account ends at once",
        "any",
        {},
    ),
    (
        "get",
        "/api/auth/tokens",
        "auth",
        "The caller's tokens and cookie sessions (no secrets); 'current' marks this one",
        "any",
        {},
    ),
    (
        "delete",
        "/api/auth/tokens/{token_id}",
        "auth",
        "Revoke one of the caller's tokens or sessions",
        "any",
        {},
    ),
    (
        "post",
        "/api/auth/password-reset",
        "auth",
        "Mail a one-time reset token if the address has an account (same 202 either way)",
        None,
        {"requestBody": _json_body({"email": _S}, ["email"])},
    ),
    (
        "post",
        "/api/auth/password-reset/confirm",
        "auth",
        "Set a new password with the mailed token (once, 30 minutes); ends every session",
        None,
        {
            "requestBody": _json_body(
                {"token": _S, "new_password": {"type": "string", "minLength": 10}},
                ["token", "new_password"],
            )
        },
    ),
    (
        "post",
        "/api/auth/password",
        "auth",
        "Change the password (policy: 10+ characters, not a common password); signs out "
        "every other session and returns a fresh token (bearer) or cookie session",
        "shopper",
        {
            "requestBody": _json_body(
                {"current_password": _S, "new_password": {"type": "string", "minLength": 10}},
                ["current_password", "new_password"],
            )
        },
    ),
    (
        "get",
        "/api/auth/csrf",
        "auth",
        "CSRF token for cookie-session requests (send as X-CSRF-Token)",
        None,
        {},
    ),
    ("get", "/api/me", "account", "The caller's account, profile and consents", "any", {}),
    (
        "patch",
        "/api/me",
        "account",
        "Update profile (region, age band, sex) and the two separate consents; withdrawing "
        "the gait/health consent deletes the gait sessions unless keep_gait_sessions is true",
        "any",
        {
            "requestBody": _json_body(
                {
                    "display_name": _S,
                    "region": _S,
                    "age_band": _S,
                    "sex": _S,
                    "consent": {
                        "type": "object",
                        "properties": {"aggregates": _B, "gait_health": _B},
                    },
                    "keep_gait_sessions": _B,
                }
            )
        },
    ),
    (
        "delete",
        "/api/me",
        "account",
        "Delete the account, its scans, gait data and feedback; orders are unlinked",
        "shopper",
        {},
    ),
    (
        "post",
        "/api/scans",
        "scans",
        "Upload a foot scan (PLY, PCD, XYZ, OBJ, STL, GLB/glTF; .gz or one-file .zip); processed as a job",
        "shopper",
        {
            "requestBody": _multipart(
                {"units": {"type": "string", "enum": ["auto", "m", "cm", "mm", "in"]}}
            ),
            "responses": {"202": {"description": "queued"}},
        },
    ),
    (
        "post",
        "/api/scans/demo",
        "scans",
        "Create a synthetic demo foot scan",
        "shopper",
        {
            "requestBody": _json_body(
                {
                    "foot_length_mm": _N,
                    "side": {"type": "string", "enum": ["left", "right"]},
                    "seed": _I,
                }
            )
        },
    ),
    ("get", "/api/scans", "scans", "The caller's scans", "any", {}),
    (
        "get",
        "/api/scans/{scan_id}",
        "scans",
        "Scan status, job progress and measurements",
        "any",
        {},
    ),
    ("delete", "/api/scans/{scan_id}", "scans", "Delete a scan and its file", "any", {}),
    (
        "get",
        "/api/scans/{scan_id}/foot.glb",
        "scans",
        "The scanned foot as GLB (metres, +Y up)",
        "any",
        {"responses": {"200": {"description": "GLB", "content": {"model/gltf-binary": {}}}}},
    ),
    ("get", "/api/jobs/{job_id}", "scans", "Background job status and progress", "any", {}),
    (
        "post",
        "/api/gait/sessions",
        "gait",
        "Upload an insole recording (session, CSV, gaitpdb .txt, WFDB as .zip); needs gait consent",
        "shopper",
        {"requestBody": _multipart(), "responses": {"202": {"description": "queued"}}},
    ),
    (
        "post",
        "/api/gait/uploads",
        "gait",
        "Start a chunked upload (gait record --upload); needs gait consent",
        "shopper",
        {"requestBody": _json_body({"filename": _S}, ["filename"])},
    ),
    (
        "get",
        "/api/gait/uploads/{upload_id}",
        "gait",
        "Bytes received so far (to resume)",
        "shopper",
        {},
    ),
    (
        "put",
        "/api/gait/uploads/{upload_id}",
        "gait",
        "Append a chunk at ?offset= (raw body, application/octet-stream)",
        "shopper",
        {
            "parameters": [_q("offset", "bytes already received", True, _I)],
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
        },
    ),
    (
        "post",
        "/api/gait/uploads/{upload_id}/complete",
        "gait",
        "Finish a chunked upload and queue the analysis",
        "shopper",
        {},
    ),
    ("get", "/api/gait/sessions", "gait", "The caller's gait sessions", "any", {}),
    (
        "get",
        "/api/gait/sessions/{session_id}",
        "gait",
        "Gait session status and report JSON (strides, summary, activity, pressure, posture, care, quality)",
        "any",
        {},
    ),
    (
        "delete",
        "/api/gait/sessions/{session_id}",
        "gait",
        "Delete a gait session and its files",
        "any",
        {},
    ),
    (
        "get",
        "/api/gait/sessions/{session_id}/report.html",
        "gait",
        "The self-contained HTML gait report",
        "any",
        {"responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}},
    ),
    (
        "get",
        "/api/gait/trends",
        "gait",
        "Summary metrics of every analysed session over time",
        "any",
        {},
    ),
    ("get", "/api/shops", "catalog", "The street: shops with their models", None, {}),
    (
        "get",
        "/api/shops/{shop_id}",
        "catalog",
        "One shop with full models and live stock",
        None,
        {},
    ),
    (
        "get",
        "/api/shoes",
        "catalog",
        "All models (optionally ?category=)",
        None,
        {"parameters": [_q("category", "filter by category")]},
    ),
    (
        "get",
        "/api/shoes/{shoe_id}",
        "catalog",
        "One model: traits, lasts per size and width, colourways, live stock",
        None,
        {},
    ),
    (
        "get",
        "/api/shoes/{shoe_id}/model.glb",
        "catalog",
        "The shoe's procedural GLB with colourway variants",
        None,
        {"responses": {"200": {"description": "GLB", "content": {"model/gltf-binary": {}}}}},
    ),
    (
        "get",
        "/api/shoes/{shoe_id}/last.glb",
        "catalog",
        "The last of one size (?size=EU&width=) as GLB",
        None,
        {
            "parameters": [_q("size", "EU size", schema=_N), _q("width", "width fitting")],
            "responses": {"200": {"description": "GLB", "content": {"model/gltf-binary": {}}}},
        },
    ),
    (
        "get",
        "/api/fit",
        "fit",
        "Fit verdicts for every size of a shoe for a scanned foot",
        "any",
        {"parameters": [_q("scan", "scan id", True, _I), _q("shoe", "shoe model id", True)]},
    ),
    (
        "get",
        "/api/recommendations",
        "fit",
        "Ranked shoes for a foot, optionally a gait session and preferences",
        "any",
        {
            "parameters": [
                _q("scan", "scan id", True, _I),
                _q("gait", "gait session id", schema=_I),
                _q("category", "repeatable category filter"),
                _q("max_price_eur", "budget", schema=_N),
                _q("min_price_eur", "lower price bound", schema=_N),
                _q("colour", "preferred colour"),
                _q("limit", "how many (1-100)", schema=_I),
            ]
        },
    ),
    ("get", "/api/cart", "shop", "The caller's cart", "shopper", {}),
    (
        "post",
        "/api/cart",
        "shop",
        "Add pairs to the cart",
        "shopper",
        {
            "requestBody": _json_body(
                {"shoe_id": _S, "size_eu": _N, "width": _S, "colourway_id": _S, "quantity": _I},
                ["shoe_id", "size_eu", "colourway_id"],
            )
        },
    ),
    ("delete", "/api/cart/{item_id}", "shop", "Remove a cart line", "shopper", {}),
    (
        "post",
        "/api/checkout",
        "shop",
        "Pay for the cart (test payment provider) and create an order; stock never oversells. "
        "A repeated Idempotency-Key returns the order already placed (200, Idempotent-Replayed)",
        "shopper",
        {
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "minLength": 8, "maxLength": 80},
                }
            ],
            "requestBody": _json_body(
                {"payment": {"type": "object", "properties": {"provider": _S, "card": _S}}}
            ),
        },
    ),
    (
        "post",
        "/api/orders",
        "shop",
        "Order pairs directly (lines + payment); stock never oversells",
        "shopper",
        {
            "requestBody": _json_body(
                {"lines": {"type": "array", "items": _OBJ}, "payment": _OBJ}, ["lines"]
            )
        },
    ),
    ("get", "/api/orders", "shop", "The caller's order history", "shopper", {}),
    ("get", "/api/orders/{order_id}", "shop", "One order", "shopper", {}),
    (
        "post",
        "/api/orders/{order_id}/returns",
        "shop",
        "Return pairs with a fit reason (feeds the size learner)",
        "shopper",
        {
            "requestBody": _json_body(
                {
                    "line_id": _I,
                    "quantity": _I,
                    "fit": {"type": "string", "enum": ["too_small", "fits", "too_large"]},
                    "comment": _S,
                },
                ["line_id", "fit"],
            )
        },
    ),
    (
        "post",
        "/api/orders/{order_id}/feedback",
        "shop",
        "Say how a kept pair fits (feeds the size learner); one opinion per purchased line, "
        "a repeat edits it (200)",
        "shopper",
        {
            "requestBody": _json_body(
                {
                    "line_id": _I,
                    "fit": {"type": "string", "enum": ["too_small", "fits", "too_large"]},
                },
                ["line_id", "fit"],
            )
        },
    ),
    (
        "post",
        "/api/orders/made-to-measure",
        "shop",
        "Order a made-to-measure pair from a scan: measurements + last-modification spec go to the maker",
        "shopper",
        {
            "requestBody": _json_body(
                {"scan_id": _I, "shoe_id": _S, "colourway_id": _S, "payment": _OBJ},
                ["scan_id", "shoe_id", "colourway_id"],
            )
        },
    ),
    (
        "get",
        "/api/manufacturer/foot-stats",
        "manufacturer",
        "DP foot-shape counts from consenting shoppers (JSON or ?format=csv); spends privacy budget",
        "manufacturer",
        {
            "parameters": [
                _q(
                    "dims",
                    "comma list of length_bin, width, region, age_band, sex, arch_band, girth_band",
                ),
                _q("epsilon", "privacy loss to spend on this release", schema=_N),
                _q("format", "json or csv"),
                _q("region", "restrict to one region"),
                _q("age_band", "restrict to one age band"),
                _q("sex", "restrict to one sex"),
            ]
        },
    ),
    (
        "get",
        "/api/manufacturer/shape-stats",
        "manufacturer",
        "DP shape statistics (quantiles per length bin, girth-on-length regression per sex, "
        "average feet) with method, noise scales and budget; JSON, CSV or Parquet; spends budget",
        "manufacturer",
        {
            "parameters": [
                _q("kind", "quantiles, regression or average_feet"),
                _q("measure", "ball_girth, ball_width, instep_girth, instep_height or heel_width"),
                _q("epsilon", "privacy loss to spend on this release", schema=_N),
                _q("format", "json, csv or parquet"),
                _q("region", "restrict to one region"),
                _q("age_band", "restrict to one age band"),
                _q("sex", "restrict to one sex"),
            ]
        },
    ),
    (
        "get",
        "/api/manufacturer/average-foot/{release_id}/{length_bin}.{fmt}",
        "manufacturer",
        "Mesh of an average foot already released (fmt stl in mm or glb in m); costs no budget",
        "manufacturer",
        {},
    ),
    (
        "get",
        "/api/manufacturer/budget",
        "manufacturer",
        "Privacy budget: epsilon allowed, spent and left this period; release log",
        "manufacturer",
        {},
    ),
    (
        "get",
        "/api/manufacturer/made-to-measure",
        "manufacturer",
        "Made-to-measure orders for this manufacturer's shop(s)",
        "manufacturer",
        {},
    ),
    # care managers (storefront.care): codes, linked wearers, weekly report; the wearer's side
    (
        "post",
        "/api/care/invitations",
        "care",
        "Create a one-time link code (valid 7 days) to give to a wearer",
        "care_manager",
        {"responses": {"201": {"description": "Created"}}},
    ),
    (
        "get",
        "/api/care/invitations",
        "care",
        "Open link codes (never the codes)",
        "care_manager",
        {},
    ),
    (
        "get",
        "/api/care/wearers",
        "care",
        "Linked wearers with indicators, wear time, trend and alerts (each read is logged)",
        "care_manager",
        {},
    ),
    (
        "get",
        "/api/care/wearers/{wearer_id}",
        "care",
        "One linked wearer's care view (logged); 404 for anyone not linked with consent",
        "care_manager",
        {},
    ),
    (
        "get",
        "/api/care/wearers/{wearer_id}/report",
        "care",
        "Weekly report: the 7 days (Asia/Seoul) ending on `end` (logged)",
        "care_manager",
        {"parameters": [_q("end", "last day of the week, YYYY-MM-DD (default today)")]},
    ),
    ("get", "/api/care/links", "care", "The wearer's care-manager links", "shopper", {}),
    (
        "post",
        "/api/care/links",
        "care",
        "Link the care manager behind a code, with explicit consent (true)",
        "shopper",
        {
            "requestBody": _json_body({"code": _S, "consent": _B}, ["code", "consent"]),
            "responses": {"201": {"description": "Linked"}},
        },
    ),
    (
        "delete",
        "/api/care/links/{link_id}",
        "care",
        "End a care-manager link; access ends at once",
        "shopper",
        {},
    ),
    (
        "get",
        "/api/care/access-log",
        "care",
        "Who read the wearer's care data and when (newest first)",
        "shopper",
        {},
    ),
]

ERROR_RESPONSE = _ERR
OBJECT = _OBJ
