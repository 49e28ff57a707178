"""The OpenAPI document's success schemas hold for the app's real responses.

Every operation that documents a response schema (``storefront/api/responses.py``) is called
on a running app with real data (a shopper, a measured scan, the seeded street) and its JSON is
validated against the schema taken from ``/api/openapi.json`` itself.
"""

from __future__ import annotations

import jsonschema
import pytest

from storefront.api.responses import SUCCESS


def _validator(spec: dict, method: str, path: str) -> tuple[str, jsonschema.Draft202012Validator]:
    responses = spec["paths"][path][method]["responses"]
    (status,) = [s for s in responses if s.startswith("2")]
    schema = responses[status]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    return status, jsonschema.Draft202012Validator(schema)


def test_every_documented_schema_matches_the_real_response(client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/openapi.json").json
    h = auth.shopper()
    scan_id = measured_scan(h)
    shoe = client.get("/api/shoes").json["shoes"][0]["id"]
    shop = client.get("/api/shops").json["shops"][0]["id"]
    urls = {
        "/api/health": "/api/health",
        "/api/shops": "/api/shops",
        "/api/shops/{shop_id}": f"/api/shops/{shop}",
        "/api/shoes": "/api/shoes",
        "/api/shoes/{shoe_id}": f"/api/shoes/{shoe}",
        "/api/fit": f"/api/fit?scan={scan_id}&shoe={shoe}",
        "/api/recommendations": f"/api/recommendations?scan={scan_id}&limit=3",
        "/api/me": "/api/me",
        "/api/scans": "/api/scans",
        "/api/scans/{scan_id}": f"/api/scans/{scan_id}",
        "/api/gait/sessions": "/api/gait/sessions",
        "/api/cart": "/api/cart",
        "/api/orders": "/api/orders",
        "/api/auth/tokens": "/api/auth/tokens",
    }
    assert {p for (_, p) in SUCCESS} == set(urls), "a documented schema has no real request here"
    checked = 0
    for (method, path), _ in sorted(SUCCESS.items()):
        status, validator = _validator(spec, method, path)
        r = client.open(urls[path], method=method.upper(), headers=h)
        assert str(r.status_code) == status, (path, r.status_code, r.json)
        errors = sorted(validator.iter_errors(r.json), key=str)
        assert not errors, f"{method} {path}: {errors[0].message} at {list(errors[0].path)}"
        checked += 1
    assert checked == len(SUCCESS) >= 14


def test_the_schemas_can_fail() -> None:
    """A wrong body is refused: the schemas say something, they are not empty objects."""
    shoe_schema = SUCCESS[("get", "/api/shoes/{shoe_id}")][1]
    validator = jsonschema.Draft202012Validator(shoe_schema)
    assert list(validator.iter_errors({}))  # every required key missing
    assert list(validator.iter_errors({"id": 3}))
    fit = jsonschema.Draft202012Validator(SUCCESS[("get", "/api/fit")][1])
    assert list(fit.iter_errors({"scan": "1", "shoe": "x", "fit": {}}))


@pytest.mark.parametrize(("method", "path"), sorted(SUCCESS))
def test_documented_operations_exist(client, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/openapi.json").json
    assert method in spec["paths"][path]
