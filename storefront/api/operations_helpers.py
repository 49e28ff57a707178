"""Small builders for the rows of the OpenAPI table (query parameters, bodies, types)."""

from __future__ import annotations

from typing import Any

from storefront.api.schema import ANY_OBJECT, BINARY, BOOL, INT, NUM, STR

__all__ = ["_B", "_ERR", "_I", "_N", "_OBJ", "_S", "_json_body", "_multipart", "_q"]

_ERR = {"$ref": "#/components/responses/Error"}
_OBJ = ANY_OBJECT


def _q(name: str, desc: str, required: bool = False, schema: dict | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": desc,
        "schema": schema or STR,
    }


def _json_body(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _multipart(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props = {"file": BINARY, **(extra or {})}
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": props, "required": ["file"]}
            }
        },
    }


_S, _I, _N, _B = STR, INT, NUM, BOOL
