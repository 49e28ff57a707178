"""The OpenAPI 3.1 document of ``/api``, built from the table in :mod:`storefront.api.operations`."""

from __future__ import annotations

from typing import Any

from flask import Flask

from storefront.api.operations import ERROR_RESPONSE as _ERR
from storefront.api.operations import OBJECT as _OBJ
from storefront.api.operations import OPERATIONS
from storefront.api.responses import success_responses

__all__ = ["OPERATIONS", "build_openapi"]


def build_openapi(app: Flask) -> dict[str, Any]:
    """Assemble the OpenAPI 3.1 document."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path, tag, summary, auth, extra in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, tag, summary, auth, extra)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shoe Street storefront API",
            "version": "1.0.0",
            "description": "Foot scans, gait sessions, fit and recommendation, commerce and "
            "differentially private manufacturer aggregates. Errors are JSON: "
            '{"error": {"status", "code", "message", "fields"?}}. Money is in Korean won '
            "(KRW, the currency of record) as whole numbers in fields ending in _krw "
            "(price_krw, unit_price_krw, total_krw, refund_krw); there are no decimals.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": _components(app),
    }


def _operation(
    method: str, path: str, tag: str, summary: str, auth: str | None, extra: dict[str, Any]
) -> dict[str, Any]:
    """One operation object: parameters, request body, responses (errors share one schema)."""
    op: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "operationId": f"{method}_{path[5:].replace('/', '_').replace('{', '').replace('}', '').replace('.', '_').replace('-', '_')}",
    }
    params = [
        {"name": seg[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for seg in path.split("/")
        if seg.startswith("{")
    ]
    params += extra.get("parameters", [])
    if params:
        op["parameters"] = params
    if "requestBody" in extra:
        op["requestBody"] = extra["requestBody"]
    responses: dict[str, Any] = success_responses(method, path) or {
        "200": {
            "description": "OK (not yet documented)",
            "content": {"application/json": {"schema": _OBJ}},
        }
    }
    for code, extra_response in extra.get("responses", {}).items():
        responses.setdefault(code, extra_response)  # the documented success response wins
    for code in ("400", "401", "403", "404", "409", "413", "415", "422", "429"):
        responses.setdefault(code, _ERR)
    op["responses"] = responses
    if auth is not None:
        op["security"] = [{"bearer": []}, {"session": []}]
        if auth not in ("any", "session"):
            op["description"] = f"Role: {auth}."
    return op


def _components(app: Flask) -> dict[str, Any]:
    """Security schemes and the shared error schema/response."""
    return {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "token from POST /api/auth/login",
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": app.config.get("SESSION_COOKIE_NAME", "session"),
                "description": "cookie session; unsafe methods need the X-CSRF-Token header",
            },
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["status", "code", "message"],
                        "properties": {
                            "status": {"type": "integer"},
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    }
                },
            }
        },
        "responses": {
            "Error": {
                "description": "JSON error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
    }
