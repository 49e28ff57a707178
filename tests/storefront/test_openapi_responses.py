"""The OpenAPI document's success schemas hold for the app's real responses.

Every operation of the ``/api`` table must document its success response
(``storefront/api/responses.py`` and ``responses_more.py``): a JSON schema, or the media types
of a file. Every ``/api`` success response that any storefront test provokes is validated
against the document by the hook in ``conftest.py`` (status, media type, JSON Schema); here the
read routes are also called once each on a running app with real data (a shopper, a measured
scan, the seeded street), and the check itself is shown to fail on wrong answers.
"""

from __future__ import annotations

import jsonschema
import pytest
from flask import Response

from storefront.api.operations import OPERATIONS
from storefront.api.responses import DOCUMENTED, FILES, SUCCESS, success_responses

#: The 14 read routes of the first tour below (each called once with real data).
_READS = {
    ("get", p)
    for p in (
        "/api/health",
        "/api/shops",
        "/api/shops/{shop_id}",
        "/api/shoes",
        "/api/shoes/{shoe_id}",
        "/api/fit",
        "/api/recommendations",
        "/api/me",
        "/api/scans",
        "/api/scans/{scan_id}",
        "/api/gait/sessions",
        "/api/cart",
        "/api/orders",
        "/api/auth/tokens",
    )
}


def test_every_operation_documents_its_success_response() -> None:
    """A route without a documented response (JSON schema or file media types) fails here."""
    missing = [(m, p) for m, p, *_ in OPERATIONS if success_responses(m, p) is None]
    assert missing == [], f"add a response schema in storefront/api/responses*.py: {missing}"
    stale = sorted((set(DOCUMENTED) | set(FILES)) - {(m, p) for m, p, *_ in OPERATIONS})
    assert stale == [], f"schemas for operations that do not exist: {stale}"
    for method, path, *_ in OPERATIONS:
        for status, resp in (success_responses(method, path) or {}).items():
            assert status.startswith("2")
            for media in resp["content"].values():
                jsonschema.Draft202012Validator.check_schema(media["schema"])


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
    assert {p for (_, p) in _READS} == set(urls), "a read route has no real request here"
    checked = 0
    for method, path in sorted(_READS):
        status, validator = _validator(spec, method, path)
        r = client.open(urls[path], method=method.upper(), headers=h)
        assert str(r.status_code) == status, (path, r.status_code, r.json)
        errors = sorted(validator.iter_errors(r.json), key=str)
        assert not errors, f"{method} {path}: {errors[0].message} at {list(errors[0].path)}"
        checked += 1
    assert checked == len(_READS) == 14


def test_the_schemas_can_fail() -> None:
    """A wrong body is refused: the schemas say something, they are not empty objects."""
    shoe_schema = SUCCESS[("get", "/api/shoes/{shoe_id}")][1]
    validator = jsonschema.Draft202012Validator(shoe_schema)
    assert list(validator.iter_errors({}))  # every required key missing
    assert list(validator.iter_errors({"id": 3}))
    fit = jsonschema.Draft202012Validator(SUCCESS[("get", "/api/fit")][1])
    assert list(fit.iter_errors({"scan": "1", "shoe": "x", "fit": {}}))


def test_the_response_check_can_fail(app, openapi_check) -> None:  # type: ignore[no-untyped-def]
    """The hook that checks every test's responses refuses a wrong body, status or media type."""
    ok = Response('{"status": "ok"}', status=200, mimetype="application/json")
    openapi_check(app, "get", "/api/health", ok)
    wrong = [
        ("get", "/api/health", Response('{"status": "down"}', 200, mimetype="application/json")),
        ("get", "/api/health", Response('{"status": "ok"}', 201, mimetype="application/json")),
        ("get", "/api/health", Response("ok", 200, mimetype="text/plain")),
        ("get", "/api/scans/<scan_id>/foot.glb", Response("{}", 200, mimetype="application/json")),
        (
            "post",
            "/api/auth/register",
            Response('{"email": "a@b.c"}', 201, mimetype="application/json"),
        ),
        ("get", "/api/no/such/route", ok),
    ]
    for method, rule, response in wrong:
        with pytest.raises(AssertionError):
            openapi_check(app, method, rule, response)


@pytest.mark.parametrize(("method", "path"), sorted(set(DOCUMENTED) | set(FILES)))
def test_documented_operations_exist(client, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/openapi.json").json
    assert method in spec["paths"][path]
