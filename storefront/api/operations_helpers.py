"""Small builders for the rows of the OpenAPI table (query parameters, bodies, types)."""

from __future__ import annotations

from typing import Any

__all__ = ["_B", "_ERR", "_I", "_N", "_OBJ", "_S", "_json_body", "_multipart", "_q"]

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
