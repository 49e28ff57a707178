"""Builders of the JSON Schemas (2020-12, as OpenAPI 3.1 uses) that document ``/api`` responses.

The response tables (:mod:`storefront.api.responses`, :mod:`storefront.api.responses_more`)
describe each body as an object whose keys a client may rely on (``required``) with their
types; extra keys are allowed, so the API can grow without breaking clients. These helpers
write that shape once:

>>> obj(id=INT, note=nullable(STR), optional={"links": ANY_OBJECT})["required"]
['id', 'note']

Every builder returns a new dict and never changes its arguments, so a shared schema can be
extended for one route without touching the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ANY_OBJECT",
    "BINARY",
    "BOOL",
    "DATE",
    "INT",
    "NUM",
    "STR",
    "Schema",
    "arr",
    "const",
    "enum",
    "extend",
    "nullable",
    "obj",
]

#: A JSON Schema (a JSON object).
Schema = dict[str, Any]

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
#: An object whose keys are not documented.
ANY_OBJECT: Schema = {"type": "object"}
#: A calendar day, ``YYYY-MM-DD`` (RFC 3339 ``full-date``).
DATE: Schema = {"type": "string", "format": "date"}
#: A file's bytes (a non-JSON media type).
BINARY: Schema = {"type": "string", "format": "binary"}


def obj(*, optional: Mapping[str, Schema] | None = None, **required: Schema) -> Schema:
    """An object that must have every keyword key, each of its schema.

    Parameters
    ----------
    optional : mapping of str to schema, optional
        Keys that are present only sometimes, with their schemas.
    **required : schema
        The keys that are always present and their schemas (a key that is a Python keyword,
        such as ``from``, is given as ``**{"from": DATE}``).

    Returns
    -------
    dict
        ``{"type": "object", "required": [sorted names], "properties": {...}}``.
    """
    props = {**required, **(optional or {})}
    return {"type": "object", "required": sorted(required), "properties": props}


def extend(
    base: Schema, *, optional: Mapping[str, Schema] | None = None, **required: Schema
) -> Schema:
    """An object schema made by :func:`obj` with more keys (``base`` itself is not changed).

    Parameters
    ----------
    base : schema
        An object schema made by :func:`obj` (or :func:`extend`).
    optional : mapping of str to schema, optional
        Further keys present only sometimes.
    **required : schema
        Further keys always present.

    Returns
    -------
    dict
        The object schema with the union of both key sets (``required`` sorted).
    """
    return {
        **base,
        "required": sorted({*base["required"], *required}),
        "properties": {**base["properties"], **required, **(optional or {})},
    }


def arr(items: Schema) -> Schema:
    """An array whose items all match ``items``."""
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    """``schema`` or JSON ``null``."""
    return {"anyOf": [schema, {"type": "null"}]}


def const(value: Any) -> Schema:
    """Exactly ``value``."""
    return {"const": value}


def enum(*values: Any) -> Schema:
    """One of ``values``."""
    return {"enum": list(values)}
