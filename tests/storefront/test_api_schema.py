"""The schema builders of the ``/api`` response tables (``storefront/api/schema.py``).

Checked with a JSON Schema validator (``jsonschema``, independent of the builders): what a
built schema accepts and refuses, and that building never changes a shared schema.
"""

from __future__ import annotations

import copy

import jsonschema
import pytest

from storefront.api.responses import DOCUMENTED, FILES
from storefront.api.schema import DATE, INT, STR, arr, const, enum, extend, nullable, obj


def _ok(schema: dict, value: object) -> bool:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def test_obj_requires_its_keys_and_allows_optional_and_extra_ones() -> None:
    s = obj(b=INT, a=nullable(STR), optional={"c": arr(INT)}, **{"from": DATE})
    assert s["required"] == ["a", "b", "from"]
    assert set(s["properties"]) == {"a", "b", "c", "from"}
    assert _ok(s, {"a": None, "b": 1, "from": "2026-11-01"})
    assert _ok(s, {"a": "x", "b": 1, "from": "2026-11-01", "c": [1, 2], "extra": True})
    assert not _ok(s, {"a": "x", "b": 1})  # "from" missing
    assert not _ok(s, {"a": "x", "b": 1, "from": 7})  # a date is a string
    assert not _ok(s, {"a": 1, "b": 1, "from": "2026-11-01"})  # a is a string or null
    assert not _ok(s, {"a": "x", "b": 1, "from": "2026-11-01", "c": ["no"]})


def test_date_is_a_full_date_when_formats_are_checked() -> None:
    check = jsonschema.Draft202012Validator(
        DATE, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    assert check.is_valid("2024-02-29")
    for bad in ("2023-02-29", "01.11.2026", "2026-11-01T00:00:00Z", 20261101):
        assert not check.is_valid(bad), bad


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
    and every required key typed (the care report's ``from``/``to`` were the last untyped ones)."""
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
    assert untyped == []
