"""The operations of ``/api``, one row each: the table the OpenAPI document is built from.

A test checks that every ``/api`` route the app registers is in this table and vice versa,
so the document cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ERROR_RESPONSE", "OBJECT", "OPERATIONS"]

from storefront.api.operations_helpers import _B, _ERR, _I, _N, _OBJ, _S, _json_body, _multipart, _q
from storefront.api.operations_partners import PARTNER_OPERATIONS

#: (method, path, tag, summary, auth, extra operation fields)
#: Delivery to a Korean address (storefront.shop.delivery); absent = collect at the shop.
_DELIVERY = {
    "type": "object",
    "properties": {k: _S for k in ("name", "postcode", "road_address", "detail", "phone")},
    "required": ["name", "postcode", "road_address", "phone"],
}

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
        "The shoe's procedural GLB: the stored one (reference size), or built for one size",
        None,
        {
            "parameters": [
                _q("size", "EU size: build the shoe from this size's last", schema=_N),
                _q("width", "width fitting of that size"),
                _q("colourway", "colourway id to paint (default: the first)"),
            ],
            "responses": {"200": {"description": "GLB", "content": {"model/gltf-binary": {}}}},
        },
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
                _q("max_price_krw", "budget in whole won (KRW)", schema=_I),
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
                {
                    "payment": {"type": "object", "properties": {"provider": _S, "card": _S}},
                    "delivery": _DELIVERY,
                }
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
                {"lines": {"type": "array", "items": _OBJ}, "payment": _OBJ, "delivery": _DELIVERY},
                ["lines"],
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
        "/api/orders/made-to-measure/quote",
        "shop",
        "Quote a made-to-measure pair for a measured scan: price, lead time, what is made; charges nothing",
        "shopper",
        {
            "requestBody": _json_body(
                {"scan_id": _I, "shoe_id": _S, "colourway_id": _S},
                ["scan_id", "shoe_id", "colourway_id"],
            )
        },
    ),
    (
        "post",
        "/api/orders/made-to-measure",
        "shop",
        "Confirm a quote: charges the quoted price once; measurements + last spec go to the maker",
        "shopper",
        {
            "requestBody": _json_body(
                {"quote_id": _I, "confirm": _B, "payment": _OBJ, "delivery": _DELIVERY},
                ["quote_id", "confirm"],
            )
        },
    ),
]

ERROR_RESPONSE = _ERR
OBJECT = _OBJ

OPERATIONS += PARTNER_OPERATIONS
