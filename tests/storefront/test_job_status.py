"""The language of job reasons: chosen by the view, answered as the API's errors are.

* ``GET /api/jobs/<id>``: a failed job's ``error`` is in the language the request names
  (English when it names none) and the English original is in ``detail`` -- as
  :func:`storefront.i18n.errors.localise_error` does for errors. The expected Korean is read
  from ``ko.json`` here, not from the code under test.
* Below the web layer nothing picks the request's language itself: ``storefront/workshop``
  services get it as an argument from their views.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from pathlib import Path

import pytest

STOREFRONT = Path(__file__).resolve().parents[2] / "storefront"
KO = json.loads((STOREFRONT / "i18n" / "ko.json").read_text(encoding="utf-8"))
_PICKERS = {"requested_language", "current_language", "api_language"}


def _failed_job(app, user_id: int, kind: str, error: str) -> str:  # type: ignore[no-untyped-def]
    from storefront.db.models import Job
    from storefront.extensions import db

    job_id = str(uuid.uuid4())
    with app.app_context():
        db.session.add(
            Job(id=job_id, kind=kind, target_id=1, user_id=user_id, status="failed", error=error)
        )
        db.session.commit()
    return job_id


_CASES = [
    # (kind, English reason as recorded, the Korean sentence a reader gets)
    (
        "scan",
        "processing stopped 3 times without finishing (the worker was lost); please upload again",
        KO["This stopped several times without finishing. Please ask the shop."],
    ),
    (
        "scan",
        "This scan cannot be used for fitting. See the advice and scan again.",
        KO["This scan cannot be used for fitting. See the advice and scan again."],
    ),
    (
        "gait",
        "the insole lost contact for 12 s",
        KO["This could not be finished. Try again, or ask the shop if it happens again."],
    ),
    (
        "mtm_files",
        "the insole could not be cut",
        KO["This could not be made. Please ask the shop."],
    ),
    (
        "scan",
        "internal error, reference 4711",
        KO[
            "Something went wrong on our side (reference {reference}). Please ask the shop."
        ].replace("{reference}", "4711"),
    ),
]


@pytest.mark.parametrize(("kind", "english", "korean"), _CASES)
def test_failed_job_reason_in_the_requested_language_english_in_detail(  # type: ignore[no-untyped-def]
    app, client, auth, kind, english, korean
) -> None:
    h = auth.shopper()
    job_id = _failed_job(app, client.get("/api/me", headers=h).json["id"], kind, english)
    url = f"/api/jobs/{job_id}"
    plain = client.get(url, headers=h).json
    assert plain["status"] == "failed"
    assert plain["error"] == plain["detail"] == english  # no language named: English, as before
    for ko in ({**h, "Accept-Language": "ko-KR,ko;q=0.9"}, h):
        got = client.get(url if "Accept-Language" in ko else f"{url}?lang=ko", headers=ko).json
        assert got["error"] == korean and got["detail"] == english
        assert re.search("[가-힣]", got["error"])
    en = client.get(url, headers={**h, "Accept-Language": "en"}).json
    assert en["error"] == en["detail"] == english


def test_a_running_job_has_no_error_and_no_detail(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import Job
    from storefront.extensions import db

    h = auth.shopper()
    uid = client.get("/api/me", headers=h).json["id"]
    job_id = _failed_job(app, uid, "scan", "x")
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status, job.error = "running", None
        db.session.commit()
    got = client.get(f"/api/jobs/{job_id}?lang=ko", headers=h).json
    assert got["status"] == "running" and got["error"] is None and got["detail"] is None


def _failed_scan_and_session(app, user_id: int, english: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A failed scan and a failed gait session of ``user_id``, each with its failed job."""
    from storefront.db.models import GaitSession, Scan
    from storefront.extensions import db

    scan_job = _failed_job(app, user_id, "scan", english)
    gait_job = _failed_job(app, user_id, "gait", english)
    with app.app_context():
        scan = Scan(user_id=user_id, status="failed", job_id=scan_job, filename="f.ply",
                    stored_name=f"s-{scan_job}", error=english)  # fmt: skip
        gs = GaitSession(user_id=user_id, status="failed", job_id=gait_job, filename="w.csv",
                         stored_name=f"g-{gait_job}", error=english)  # fmt: skip
        db.session.add_all([scan, gs])
        db.session.commit()
        return scan.id, gs.id


def test_the_job_inside_scan_and_gait_answers_is_the_job_status(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    """``GET /api/scans/<id>`` and ``/api/gait/sessions/<id>`` carry the job as the job status
    route answers it: ``error`` in the requested language, the English in ``detail``."""
    english = "processing stopped 3 times without finishing (the worker was lost)"
    korean = KO["This stopped several times without finishing. Please ask the shop."]
    h = auth.shopper()
    uid = client.get("/api/me", headers=h).json["id"]
    scan_id, session_id = _failed_scan_and_session(app, uid, english)
    for url in (f"/api/scans/{scan_id}", f"/api/gait/sessions/{session_id}"):
        job = client.get(url, headers={**h, "Accept-Language": "ko-KR,ko;q=0.9"}).json["job"]
        assert job["status"] == "failed"
        assert job["error"] == korean and job["detail"] == english, url
        assert client.get(f"/api/jobs/{job['id']}?lang=ko", headers=h).json == job
        body = client.get(url, headers={**h, "Accept-Language": "ko-KR,ko;q=0.9"}).json
        # the scan's or session's own error reads the same, its English beside it
        assert body["error"] == korean and body["error_detail"] == english, url
        plain_body = client.get(url, headers=h).json
        assert plain_body["error"] == plain_body["error_detail"] == english, url
        plain = plain_body["job"]
        assert plain["error"] == plain["detail"] == english, url
    # the list (which my-foot shows) carries a failed scan's job too, translated the same way
    (listed,) = client.get("/api/scans?lang=ko", headers=h).json["scans"]
    assert listed["id"] == scan_id
    assert listed["job"]["error"] == korean and listed["job"]["detail"] == english


def _language_pickers(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storefront.i18n"):
            found += [a.name for a in node.names if a.name in _PICKERS]
        if isinstance(node, ast.Attribute) and node.attr in _PICKERS:
            found.append(node.attr)
    return found


def test_workshop_services_get_the_language_from_their_views() -> None:
    """Only ``views.py`` chooses a language from the request; the rest take it as an argument."""
    offenders = {
        p.name: _language_pickers(p)
        for p in sorted((STOREFRONT / "workshop").glob("*.py"))
        if p.name != "views.py" and _language_pickers(p)
    }
    assert offenders == {}
    assert _language_pickers(STOREFRONT / "workshop" / "views.py")  # the check sees an import
