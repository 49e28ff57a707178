"""One error table, services without HTTP, and bugs shown only as "internal error, reference N"."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import storefront.domain_errors as domain_errors
from storefront.db.models import Incident
from storefront.errors import ERROR_TABLE, ApiError, domain_to_api, status_of
from storefront.extensions import db

STOREFRONT = Path(__file__).resolve().parents[2] / "storefront"

#: Modules of the web layer: the only ones that may raise ApiError (status + code in place).
_WEB_LAYER = re.compile(r"(views|csrf|guard|request_guard|ratelimit|errors|cli|openapi)\.py$")


def _domain_error_classes() -> list[type[Exception]]:
    return [
        obj
        for _, obj in inspect.getmembers(domain_errors, inspect.isclass)
        if issubclass(obj, Exception) and obj.__module__ == domain_errors.__name__
    ]


def test_every_domain_error_class_has_its_own_row_in_the_table() -> None:
    """A new domain error must be given its status on purpose, not by a base-class fallback."""
    rows = {cls for cls, _, _ in ERROR_TABLE}
    missing = [c.__name__ for c in _domain_error_classes() if c not in rows]
    # intermediate bases that are never raised themselves map through their children
    bases = {"CatalogError", "PrivacyError", "CommerceError"}
    assert sorted(set(missing) - bases) == []


def test_the_table_is_ordered_most_specific_first() -> None:
    seen: list[type[Exception]] = []
    for cls, _, _ in ERROR_TABLE:
        shadowing = [s.__name__ for s in seen if issubclass(cls, s)]
        assert not shadowing, f"{cls.__name__} is unreachable after {shadowing}"
        seen.append(cls)


@pytest.mark.parametrize(
    ("err", "status", "code"),
    [
        (domain_errors.BadRequest("x", code="bad_id"), 400, "bad_id"),
        (domain_errors.NotFound("no scan 3"), 404, "not_found"),
        (domain_errors.NotReady("scan 3 is running"), 409, "not_ready"),
        (domain_errors.Conflict("taken", code="name_taken"), 409, "name_taken"),
        (domain_errors.Forbidden("consent", code="consent_required"), 403, "consent_required"),
        (domain_errors.PayloadTooLarge("big"), 413, "payload_too_large"),
        (domain_errors.UnsupportedFileType("a .exe"), 415, "unsupported_file_type"),
        (domain_errors.InvalidUpload("empty", code="empty_file"), 422, "empty_file"),
        (domain_errors.InvalidUpload("bad zip"), 422, "bad_archive"),
        (domain_errors.PaymentDeclined("declined"), 402, "payment_declined"),
        (
            domain_errors.ScanNotAccepted("rescan", ("too few points",), "hold still"),
            422,
            "scan_not_accepted",
        ),  # fmt: skip
        (domain_errors.AuthenticationFailed("no", code="token_expired"), 401, "token_expired"),
        (domain_errors.QueueUnavailable("down"), 503, "queue_unavailable"),
        (domain_errors.InsufficientStorage("disk full"), 507, "insufficient_storage"),
    ],
)
def test_domain_errors_map_to_status_and_code(err: Exception, status: int, code: str) -> None:
    assert status_of(err) == (status, code)
    api = domain_to_api(err)
    assert (api.status, api.code, api.message) == (status, code, str(err))


def test_extras_travel_with_the_error() -> None:
    api = domain_to_api(domain_errors.ValidationFailed("bad", {"units": "bad value"}))
    assert api.to_dict()["error"]["fields"] == {"units": "bad value"}
    api = domain_to_api(domain_errors.UploadOffsetMismatch("expected 10", 10))
    assert (api.status, api.code, api.headers) == (409, "offset_mismatch", {"Upload-Offset": "10"})
    api = domain_to_api(domain_errors.AccountLocked("wait", 7))
    assert (api.status, api.headers["Retry-After"]) == (429, "7")
    api = domain_to_api(domain_errors.ScanNotAccepted("rescan", ("r1",), "a"))
    assert api.to_dict()["error"]["reasons"] == ["r1"] and api.details["advice"] == "a"


def test_a_bug_has_no_http_mapping() -> None:
    assert status_of(ValueError("numpy said no")) is None
    assert status_of(KeyError("k")) is None
    with pytest.raises(TypeError):
        domain_to_api(RuntimeError("x"))


def _raises_api_error(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ApiError"
    ]


def test_services_and_uploads_speak_no_http() -> None:
    """ApiError (a status in place) only in the web layer; services raise domain errors."""
    offenders = {}
    for path in sorted(STOREFRONT.rglob("*.py")):
        rel = path.relative_to(STOREFRONT).as_posix()
        if rel.startswith("db/migrations/") or _WEB_LAYER.search(rel):
            continue
        lines = _raises_api_error(path)
        if lines:
            offenders[rel] = lines
    assert offenders == {}


def test_a_domain_error_reaches_the_client_with_its_message(client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    up = client.post("/api/gait/uploads", json={"filename": "walk.csv"}, headers=h).json
    r = client.put(
        f"/api/gait/uploads/{up['upload_id']}?offset=5",
        data=b"abc",
        headers={**h, "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 409 and r.json["error"]["code"] == "offset_mismatch"
    assert r.json["error"]["message"] == "expected the chunk at offset 0, got 5"
    assert r.headers["Upload-Offset"] == "0"
    r = client.get("/api/scans/abc", headers=h)
    assert r.status_code == 400 and r.json["error"]["code"] == "bad_id"


def _boom(*a, **k):  # type: ignore[no-untyped-def]
    raise RuntimeError("secret internals at /srv/shoestreet")


def test_an_unexpected_error_is_stored_and_shown_as_a_reference(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import storefront.catalog.views as views

    monkeypatch.setattr(views, "catalog", _boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.get("/api/shops")
    assert r.status_code == 500 and r.json["error"]["code"] == "internal_error"
    m = re.fullmatch(r"internal error, reference (\d+)", r.json["error"]["message"])
    assert m and b"secret" not in r.data and b"/srv" not in r.data
    with app.app_context():
        incident = db.session.get(Incident, int(m.group(1)))
        assert incident is not None and incident.source == "GET /api/shops"
        assert incident.error_type == "RuntimeError" and "secret internals" in incident.trace
        assert "_boom" in incident.trace  # the traceback, not only the message


def test_the_html_error_page_shows_the_reference(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import storefront.pages.views as page_views

    monkeypatch.setattr(page_views, "render_template", _boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.get("/list", headers={"Accept": "text/html"})
    assert r.status_code == 500 and b"secret" not in r.data
    m = re.search(rb"reference (\d+)", r.data)
    assert m, r.data[:500]
    with app.app_context():
        assert db.session.get(Incident, int(m.group(1))) is not None


def test_old_incidents_are_purged(app) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from storefront.db.incidents import purge_old_incidents
    from storefront.db.models import utcnow

    with app.app_context():
        db.session.add(Incident(source="x", error_type="E", trace="t", created_at=utcnow() - timedelta(days=91)))  # fmt: skip
        db.session.add(Incident(source="y", error_type="E", trace="t"))
        db.session.commit()
        assert purge_old_incidents(app) == 1
        assert [i.source for i in db.session.query(Incident)] == ["y"]


def test_api_error_is_for_views_only() -> None:
    err = ApiError(400, "bad_offset", "send ?offset=")
    assert err.to_dict() == {"error": {"status": 400, "code": "bad_offset", "message": "send ?offset="}}  # fmt: skip
