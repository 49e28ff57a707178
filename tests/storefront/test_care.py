"""Care managers over the API: linked wearers only, consent withdrawal, access log, alerts.

Recordings are made by gait's simulator (two 16-cell insoles at 100 Hz, written in gait's CSV
layout) and go through the real upload, analysis job and ``care_alerts`` job. The thresholds
are gait's own published ones (:mod:`gait.consts`), not restated here: a walk crosses one when
its stride-time SD is far above Hausdorff et al.'s faller mean, and a normal walk (stride CV
2 %) crosses none.
"""

from __future__ import annotations

import functools
import io
import tempfile
from pathlib import Path

import pytest

from tests.storefront.conftest import wait_for

_PASSWORD = "care manager pass 42"


@functools.cache
def _walk_csv(seed: int, stride_cv: float) -> bytes:
    """A two-insole walk (5 s standing, 90 s walking) from gait's simulator, as CSV bytes."""
    from gait import synthesize, write_csv

    rec = synthesize([("standing", 5.0), ("walking", 90.0)], seed=seed, stride_cv=stride_cv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "walk.csv"
        write_csv(rec, out)
        return out.read_bytes()


def _manager(client, runner, name: str, email: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    res = runner.invoke(args=["create-care-manager", name, email, "--password", _PASSWORD])
    assert res.exit_code == 0, res.output
    assert "created" in res.output
    r = client.post("/api/auth/login", json={"email": email, "password": _PASSWORD})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


def _link(client, manager: dict[str, str], wearer: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    r = client.post("/api/care/invitations", headers=manager)
    assert r.status_code == 201, r.json
    r = client.post(
        "/api/care/links", json={"code": r.json["code"], "consent": True}, headers=wearer
    )
    assert r.status_code == 201, r.json
    return r.json["id"]


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def _me(client, h: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    return client.get("/api/me", headers=h).json["id"]


def _upload(app, client, h: dict[str, str], data: bytes) -> dict:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/gait/sessions",
        data={"file": (io.BytesIO(data), "walk.csv")},
        headers=h,
        content_type="multipart/form-data",
    )
    assert r.status_code == 202, r.json
    gs = wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)
    assert gs["status"] == "done", gs
    app.extensions["shoestreet_jobs"].wait_idle()  # the care_alerts job queued by the analysis
    return gs


@pytest.fixture
def care_app(app):  # type: ignore[no-untyped-def]
    app.config["JOB_ISOLATION"] = "none"  # analysis in the job thread: same code, less start-up
    return app


def test_cli_creates_care_manager_and_refuses_bad_input(client, runner) -> None:  # type: ignore[no-untyped-def]
    _manager(client, runner, "Kim Care", "kim@care.example.org")
    again = runner.invoke(
        args=["create-care-manager", "Kim 2", "kim@care.example.org", "--password", _PASSWORD]
    )
    assert again.exit_code != 0 and "exists already" in again.output
    weak = runner.invoke(args=["create-care-manager", "Lee", "lee@care.example.org", "--password", "short"])  # fmt: skip
    assert weak.exit_code != 0 and "password" in weak.output


def test_link_needs_explicit_consent_and_a_valid_code(client, runner, auth) -> None:  # type: ignore[no-untyped-def]
    mgr = _manager(client, runner, "Kim Care", "kim@care.example.org")
    wearer = auth.shopper()
    code = client.post("/api/care/invitations", headers=mgr).json["code"]
    for consent in (None, False, "yes", 1):
        r = client.post("/api/care/links", json={"code": code, "consent": consent}, headers=wearer)
        assert r.status_code == 422 and "consent" in r.json["error"]["fields"], r.json
    r = client.post("/api/care/links", json={"code": "ABCD-EFGH", "consent": True}, headers=wearer)
    assert r.status_code == 422
    # A Korean page gets the care messages in Korean (their own sentences, not the generic one).
    r = client.post("/api/care/links?lang=ko", json={"code": code}, headers=wearer)
    err = r.json["error"]
    assert err["message"] == "돌봄 매니저를 연결하려면 명시적인 동의가 필요합니다.", err
    assert _hangul(err["fields"]["consent"]), err
    r = client.post(
        "/api/care/links?lang=ko", json={"code": "ABCD", "consent": True}, headers=wearer
    )
    assert r.json["error"]["message"] == "연결 코드가 아닙니다.", r.json
    r = client.post("/api/care/links", json={"code": code.lower(), "consent": True}, headers=wearer)
    assert r.status_code == 201 and r.json["care_manager"] == "Kim Care"
    # one-time code: a second wearer cannot reuse it
    other = auth.shopper()
    r = client.post("/api/care/links", json={"code": code, "consent": True}, headers=other)
    assert r.status_code == 422
    # a care manager cannot link to a care manager, nor use the wearer endpoints
    assert client.post("/api/care/links", json={"code": code, "consent": True}, headers=mgr).status_code == 403  # fmt: skip
    assert client.get("/api/care/access-log", headers=mgr).status_code == 403


def test_care_manager_sees_linked_wearers_only(client, runner, auth) -> None:  # type: ignore[no-untyped-def]
    kim = _manager(client, runner, "Kim Care", "kim@care.example.org")
    lee = _manager(client, runner, "Lee Care", "lee@care.example.org")
    ann, bob = auth.shopper(display_name="Ann"), auth.shopper(display_name="Bob")
    _link(client, kim, ann)
    _link(client, lee, bob)
    ann_id, bob_id = _me(client, ann), _me(client, bob)

    r = client.get("/api/care/wearers", headers=kim)
    assert r.status_code == 200
    assert [w["name"] for w in r.json["wearers"]] == ["Ann"]
    assert client.get(f"/api/care/wearers/{ann_id}", headers=kim).status_code == 200
    for url in (f"/api/care/wearers/{bob_id}", f"/api/care/wearers/{bob_id}/report",
                "/api/care/wearers/999999", "/api/care/wearers/x"):  # fmt: skip
        assert client.get(url, headers=kim).status_code == 404, url
    # shoppers (the wearers themselves included) and anonymous callers get no care view
    assert client.get("/api/care/wearers", headers=ann).status_code == 403
    assert client.get(f"/api/care/wearers/{ann_id}", headers=ann).status_code == 403
    assert client.get("/api/care/wearers").status_code == 401
    # nothing of the wearer beyond the care data: no e-mail, scans, orders or address
    body = client.get(f"/api/care/wearers/{ann_id}", headers=kim).get_data(as_text=True)
    for word in ("email", "@example.org", "scan", "order", "address", "postcode"):
        assert word not in body.lower(), word


def test_withdrawal_removes_access_at_once(client, runner, auth) -> None:  # type: ignore[no-untyped-def]
    kim = _manager(client, runner, "Kim Care", "kim@care.example.org")
    ann = auth.shopper(display_name="Ann")
    link_id = _link(client, kim, ann)
    ann_id = _me(client, ann)
    assert client.get(f"/api/care/wearers/{ann_id}", headers=kim).status_code == 200
    r = client.delete(f"/api/care/links/{link_id}", headers=ann)
    assert r.status_code == 200 and r.json["active"] is False
    assert client.get(f"/api/care/wearers/{ann_id}", headers=kim).status_code == 404
    assert client.get("/api/care/wearers", headers=kim).json["wearers"] == []
    links = client.get("/api/care/links", headers=ann).json["links"]
    assert links[0]["active"] is False and links[0]["revoked_at"]
    # another person cannot revoke (or learn about) Ann's links
    bob = auth.shopper()
    assert client.delete(f"/api/care/links/{link_id}", headers=bob).status_code == 404

    # withdrawing the insole (health) consent ends access too, even with the link standing
    _link(client, kim, ann)
    assert client.get(f"/api/care/wearers/{ann_id}", headers=kim).status_code == 200
    r = client.patch("/api/me", json={"consent": {"gait_health": False}}, headers=ann)
    assert r.status_code == 200
    assert client.get(f"/api/care/wearers/{ann_id}", headers=kim).status_code == 404
    assert client.get("/api/care/wearers", headers=kim).json["wearers"] == []


def test_access_log_records_every_view_and_the_wearer_sees_it(client, runner, auth) -> None:  # type: ignore[no-untyped-def]
    kim = _manager(client, runner, "Kim Care", "kim@care.example.org")
    ann = auth.shopper(display_name="Ann")
    _link(client, kim, ann)
    ann_id = _me(client, ann)
    assert client.get("/api/care/access-log", headers=ann).json["accesses"] == []
    client.get("/api/care/wearers", headers=kim)
    client.get(f"/api/care/wearers/{ann_id}", headers=kim)
    client.get(f"/api/care/wearers/{ann_id}", headers=kim)
    client.get(f"/api/care/wearers/{ann_id}/report", headers=kim)
    log = client.get("/api/care/access-log", headers=ann).json["accesses"]
    assert [a["action"] for a in log] == ["report", "view", "view", "list"]  # newest first
    assert {a["care_manager"] for a in log} == {"Kim Care"}
    assert all(a["at"] for a in log)
    # refused reads of someone else are not in anyone's log (nothing was read)
    bob = auth.shopper()
    client.get(f"/api/care/wearers/{_me(client, bob)}", headers=kim)
    assert client.get("/api/care/access-log", headers=bob).json["accesses"] == []


def test_report_period_is_typed_and_a_bad_end_is_a_400_naming_it(app, client, runner, auth) -> None:  # type: ignore[no-untyped-def]
    """OpenAPI: the report's ``end`` query parameter and its ``from``/``to`` are dates
    (``format: date``, checked here with jsonschema's format checker); a value that is not a
    YYYY-MM-DD day is refused with 400 naming ``end``, in English and in Korean, before
    anything is read (no access is logged)."""
    import jsonschema

    from storefront.api.openapi import build_openapi

    op = build_openapi(app)["paths"]["/api/care/wearers/{wearer_id}/report"]["get"]
    (end,) = [p for p in op["parameters"] if p["name"] == "end"]
    assert end["in"] == "query" and end["schema"] == {"type": "string", "format": "date"}
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    for key in ("from", "to"):
        assert key in schema["required"]
        assert schema["properties"][key] == {"type": "string", "format": "date"}
    dates = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    kim = _manager(client, runner, "Kim Care", "kim.period@care.example.org")
    ann = auth.shopper(display_name="Ann")
    _link(client, kim, ann)
    url = f"/api/care/wearers/{_me(client, ann)}/report"
    good = client.get(f"{url}?end=2024-02-29", headers=kim).json  # a leap day
    assert (good["from"], good["to"]) == ("2024-02-23", "2024-02-29")
    dates.validate(good)
    with pytest.raises(jsonschema.ValidationError):
        dates.validate({**good, "to": "29.02.2024"})  # the document now says what a date is
    for value in (
        "last-week",
        "20240105",
        "2024-W01-5",
        "2023-02-29",
        "2024-1-5",
        "2024-01-05T00:00",
    ):
        r = client.get(url, query_string={"end": value}, headers=kim)
        assert r.status_code == 400, (value, r.json)
        err = r.json["error"]
        assert err["code"] == "bad_parameter" and "'end'" in err["message"], err
        assert err["fields"] == {"end": "expected YYYY-MM-DD"}
        ko = client.get(url, query_string={"end": value, "lang": "ko"}, headers=kim).json["error"]
        assert (
            _hangul(ko["message"]) and "'end'" in ko["message"] and ko["detail"] == err["message"]
        )
    assert [
        a["action"] for a in client.get("/api/care/access-log", headers=ann).json["accesses"]
    ] == ["report"]  # only the good request was a read


def test_alerts_after_a_session_that_crosses_a_threshold_and_not_a_normal_one(
    care_app, client, runner, auth
) -> None:  # type: ignore[no-untyped-def]
    from gait.consts import REFERENCE_RANGES

    kim = _manager(client, runner, "Kim Care", "kim@care.example.org")
    ann = auth.shopper(display_name="Ann", age_band="75+")
    _link(client, kim, ann)
    ann_id = _me(client, ann)
    for seed in (1, 2, 3):  # the baseline: three normal walks (stride CV 2 %)
        _upload(care_app, client, ann, _walk_csv(seed, 0.02))
    normal = _upload(care_app, client, ann, _walk_csv(4, 0.02))
    view = client.get(f"/api/care/wearers/{ann_id}", headers=kim).json
    assert view["n_sessions"] == 4 and view["alerts"] == [] and view["level"] == "none", view
    assert view["latest_wear_h"] and view["latest_wear_h"] > 0
    sd = next(i for i in view["indicators"] if i["name"] == "stride_sd_ms")
    assert sd["baseline_n"] == 3 and sd["trend"] == "stable", sd

    unsteady = _upload(care_app, client, ann, _walk_csv(5, 0.12))
    assert unsteady["summary"]["stride_sd_ms"] > REFERENCE_RANGES["stride_sd_ms"].act
    view = client.get(f"/api/care/wearers/{ann_id}", headers=kim).json
    assert view["level"] == "act", view
    by_name = {a["indicator"]: a for a in view["alerts"]}
    sd_alert = by_name["stride_sd_ms"]
    assert sd_alert["level"] == "act" and sd_alert["session_id"] == unsteady["id"]
    assert "Hausdorff" in sd_alert["source"] and sd_alert["reason"]
    assert "stride_cv_pct" in by_name  # worse than her own baseline: watch, with its source
    assert by_name["stride_cv_pct"]["level"] == "watch"
    assert "MDC95" in by_name["stride_cv_pct"]["source"]
    # alerts are per session: the normal one has none
    assert all(a["session_id"] != normal["id"] for a in view["alerts"])
    # The page language is Korean by default: reasons and sources come translated (citations
    # kept); in English they are gait's own texts.
    assert _hangul(sd_alert["reason"]) and _hangul(sd_alert["source"]), sd_alert
    assert "act:" not in sd_alert["reason"] and "Hausdorff" in sd_alert["reason"]
    cv_reason = by_name["stride_cv_pct"]["reason"]
    assert _hangul(cv_reason) and "changed for the worse" not in cv_reason, cv_reason
    client.set_cookie("lang", "en")
    en = client.get(f"/api/care/wearers/{ann_id}", headers=kim).json
    en_by = {a["indicator"]: a for a in en["alerts"]}
    assert en_by["stride_sd_ms"]["reason"].startswith("act: ")
    assert "changed for the worse" in en_by["stride_cv_pct"]["reason"]
    assert not _hangul(en_by["stride_sd_ms"]["reason"] + en_by["stride_sd_ms"]["source"])
    client.delete_cookie("lang")
    listed = client.get("/api/care/wearers", headers=kim).json["wearers"]
    assert listed[0]["level"] == "act"
    report = client.get(f"/api/care/wearers/{ann_id}/report", headers=kim).json
    assert len(report["sessions"]) == 5 and report["wear_h"] > 0
    assert {a["indicator"] for a in report["alerts"]} >= {"stride_sd_ms", "stride_cv_pct"}
    # an earlier week (Korean calendar days) holds none of it; a bad date is refused
    old = client.get(f"/api/care/wearers/{ann_id}/report?end=2020-01-05", headers=kim).json
    assert old["from"] == "2019-12-30" and old["sessions"] == [] and old["alerts"] == []
    bad = client.get(f"/api/care/wearers/{ann_id}/report?end=last-week", headers=kim)
    assert bad.status_code == 400 and "end" in bad.json["error"]["fields"]


def test_no_alerts_without_a_care_link(care_app, client, auth) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from storefront.db.models import CareAlert
    from storefront.extensions import db

    ann = auth.shopper()
    _upload(care_app, client, ann, _walk_csv(5, 0.12))
    with care_app.app_context():
        assert db.session.scalar(select(func.count(CareAlert.id))) == 0


def test_account_deletion_removes_links_log_and_alerts(care_app, client, runner, auth) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from storefront.db.models import CareAccess, CareAlert, CareLink
    from storefront.extensions import db

    kim = _manager(client, runner, "Kim Care", "kim@care.example.org")
    ann = auth.shopper(display_name="Ann")
    _link(client, kim, ann)
    _upload(care_app, client, ann, _walk_csv(5, 0.12))
    assert client.get("/api/care/wearers", headers=kim).json["wearers"][0]["level"] == "act"
    assert client.delete("/api/me", headers=ann).status_code == 200
    assert client.get("/api/care/wearers", headers=kim).json["wearers"] == []
    with care_app.app_context():
        for model in (CareLink, CareAccess, CareAlert):
            assert db.session.scalar(select(func.count(model.id))) == 0, model.__name__


def test_indicators_read_only_baseline_and_latest_and_agree_with_gait(app, auth) -> None:  # type: ignore[no-untyped-def]
    """70 sessions over 69 days: the view loads the first 28 days and the latest session only,
    and gives what gait.care gives for all 70."""
    from datetime import timedelta

    from gait import analyze, synthesize
    from gait.care import indicators_for
    from storefront.care import services
    from storefront.db.models import GaitSession, User, utcnow
    from storefront.extensions import db

    reports = [
        analyze(synthesize([("standing", 5.0), ("walking", 60.0)], seed=s, stride_cv=cv)).to_dict()
        for s, cv in ((1, 0.02), (2, 0.03), (3, 0.06))
    ]
    auth.shopper(display_name="Ann")
    with app.app_context():
        ann = db.session.query(User).filter_by(display_name="Ann").one()
        start = utcnow() - timedelta(days=70)
        rows = []
        for day in range(70):
            gs = GaitSession(user_id=ann.id, status="done", filename="w.csv", stored_name="x",
                             report=reports[day % 3], created_at=start + timedelta(days=day))  # fmt: skip
            db.session.add(gs)
            rows.append(gs)
        db.session.commit()
        picked = services._indicator_sessions(db.session, ann.id)
        assert [gs.id for gs in picked] == [gs.id for gs in rows[:29]] + [rows[-1].id]
        want = indicators_for(
            [gs.report for gs in rows], age_years=80.0, dates=[gs.created_at for gs in rows]
        )
        got = services._indicators(picked, 80.0)
        for a, b in zip(want, got, strict=True):
            assert (a.name, a.value, a.baseline, a.trend, a.flag) == (
                b.name, b.value, b.baseline, b.trend, b.flag,
            )  # fmt: skip


def test_every_reason_and_source_gait_writes_reads_in_korean() -> None:
    """All reason forms (flag, worse than baseline, not measured, age unknown, range place)
    and every source gait can name come out in Korean with nothing of the English form left."""
    from gait.care import indicators_for
    from gait.consts import REFERENCE_RANGES
    from storefront.care.texts import localise_reason, localise_source

    def walk(speed: float, sd: float, steps: float, cv: float, n: int = 120) -> dict:
        summary = {"n_strides": n, "walking_speed_m_s": speed, "stride_sd_ms": sd,
                   "cadence_spm": 105.0, "stride_cv_pct": cv, "double_support_pct": 27.0,
                   "stance_pct": 63.0, "symmetry_index_pct": 3.0}  # fmt: skip
        return {"summary": summary, "daily": {"daily_steps": steps}}

    base = [
        walk(1.1, 40.0, 7000.0, 2.0),
        walk(1.12, 42.0, 7100.0, 2.1),
        walk(1.1, 41.0, 7050.0, 2.0),
    ]
    cases = [
        (base + [walk(0.7, 110.0, 2000.0, 6.0)], 80.0),  # act everywhere, worse than baseline
        (base + [walk(0.95, 80.0, 5000.0, 2.0)], 70.0),  # watch
        (base + [walk(1.1, 41.0, 7000.0, 2.0, n=5)], None),  # not measured, age unknown
        (base + [walk(1.3, 30.0, 9000.0, 1.0)], 30.0),  # within / better
    ]
    reasons = set()
    for sessions, age in cases:
        for ind in indicators_for(sessions, age_years=age):
            reasons.add(ind.reason)
            for src in (ind.reference_source, ind.flag_source, ind.change_source):
                if src:
                    ko = localise_source(src, "ko")
                    assert _hangul(ko) and src not in ko, src
    assert any(r.startswith("act: ") for r in reasons) and any("worse" in r for r in reasons)
    assert any("not measured" in r for r in reasons) and any("age unknown" in r for r in reasons)
    english = ("act:", "watch:", "changed for the worse", "not measured", "age unknown",
               "within", "below", "above", "measured here", "no flag")  # fmt: skip
    for r in reasons:
        ko = localise_reason(r, "ko")
        assert _hangul(ko), r
        assert not any(e in ko for e in english), (r, ko)
        assert localise_reason(r, "en") == r
    assert len(REFERENCE_RANGES) >= 8
