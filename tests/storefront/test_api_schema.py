"""The schema builders of the ``/api`` response tables (``storefront/api/schema.py``).

Checked with a JSON Schema validator (``jsonschema``, independent of the builders): what a
built schema accepts and refuses, and that building never changes a shared schema.
"""

from __future__ import annotations

import copy

import jsonschema
import pytest

from storefront.api.responses import DOCUMENTED, FILES
from storefront.api.schema import INT, STR, arr, const, enum, extend, nullable, obj


def _ok(schema: dict, value: object) -> bool:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def test_obj_requires_its_keys_and_allows_optional_and_extra_ones() -> None:
    s = obj(b=INT, a=nullable(STR), optional={"c": arr(INT)}, untyped=("from",))
    assert s["required"] == ["a", "b", "from"]
    assert set(s["properties"]) == {"a", "b", "c"}
    assert _ok(s, {"a": None, "b": 1, "from": "2026-11-01"})
    assert _ok(s, {"a": "x", "b": 1, "from": 7, "c": [1, 2], "extra": True})
    assert not _ok(s, {"a": "x", "b": 1})  # "from" missing
    assert not _ok(s, {"a": 1, "b": 1, "from": 0})  # a is a string or null
    assert not _ok(s, {"a": "x", "b": 1, "from": 0, "c": ["no"]})


def test_extend_adds_keys_and_leaves_the_base_alone() -> None:
    base = obj(id=INT, kind=enum("stock", "made_to_measure"))
    before = copy.deepcopy(base)
    more = extend(base, name=STR, optional={"note": STR})
    assert base == before
    assert more["required"] == ["id", "kind", "name"]
    assert _ok(more, {"id": 1, "kind": "stock", "name": "x"})
    assert not _ok(more, {"id": 1, "kind": "stock"})
    assert not _ok(more, {"id": 1, "kind": "other", "name": "x"})
    assert _ok(obj(ok=const(True)), {"ok": True}) and not _ok(obj(ok=const(True)), {"ok": 1})


@pytest.mark.parametrize("table", ["json", "files"])
def test_documented_objects_are_built_with_sorted_unique_required_keys(table: str) -> None:
    """Every object in the tables went through the builders: ``required`` sorted, no repeats,
    and every required key but the documented untyped ones (a report's ``from``/``to``) typed."""
    schemas = (
        [s for _, s in DOCUMENTED.values()]
        if table == "json"
        else [s for _, media in FILES.values() for s in media.values()]
    )
    untyped = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "required" in node:
                req = node["required"]
                assert req == sorted(set(req)), req
                untyped.extend(k for k in req if k not in node["properties"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for s in schemas:
        walk(s)
    assert sorted(set(untyped)) == (["from", "to"] if table == "json" else [])
