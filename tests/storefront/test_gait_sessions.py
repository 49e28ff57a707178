"""Gait sessions through the real gait package: file, chunked and WFDB uploads; consent; trends."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from storefront.gait_sessions.gait_bridge import demo_session_csv
from tests.storefront.conftest import wait_for


@pytest.fixture(scope="module")
def walk_csv() -> bytes:
    return demo_session_csv(1)


def _post(client, h, name, data):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/gait/sessions",
        data={"file": (io.BytesIO(data), name)},
        headers=h,
        content_type="multipart/form-data",
    )


def test_gait_upload_needs_separate_explicit_consent(client, auth, walk_csv) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper(consent=False)
    client.patch("/api/me", json={"consent": {"aggregates": True}}, headers=h)
    r = _post(client, h, "walk.csv", walk_csv)
    assert r.status_code == 403 and r.json["error"]["code"] == "consent_required"
    r = client.post("/api/gait/uploads", json={"filename": "walk.csv"}, headers=h)
    assert r.status_code == 403


def test_upload_analyse_report_and_trends(client, auth, walk_csv) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _post(client, h, "walk.csv", walk_csv)
    assert r.status_code == 202, r.json
    gs = wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)
    assert gs["status"] == "done", gs
    assert {"strides", "summary", "activity", "quality"} <= set(gs["report"])
    assert 90 < gs["summary"]["cadence_spm"] < 130
    html = client.get(gs["links"]["report_html"], headers=h)
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    trends = client.get("/api/gait/trends", headers=h).json
    assert trends["points"][0]["session_id"] == gs["id"]
    assert trends["points"][0]["cadence_spm"] == gs["summary"]["cadence_spm"]


def test_chunked_upload_like_gait_record(client, auth, walk_csv) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = client.post("/api/gait/uploads", json={"filename": "session.csv"}, headers=h)
    assert r.status_code == 201
    url = r.json["chunk_url"]
    step = 256 * 1024
    offset = 0
    for start in range(0, len(walk_csv), step):
        chunk = walk_csv[start : start + step]
        r = client.put(
            f"{url}?offset={offset}", data=chunk, headers=h, content_type="application/octet-stream"
        )
        assert r.status_code == 200, r.json
        offset = r.json["offset"]
        if start == 0:
            # A retried (duplicate) chunk at a stale offset is refused with the offset to resume at.
            dup = client.put(
                f"{url}?offset=0", data=chunk, headers=h, content_type="application/octet-stream"
            )
            assert dup.status_code == 409 and dup.headers["Upload-Offset"] == str(offset)
    assert offset == len(walk_csv)
    assert client.get(url, headers=h).json["offset"] == offset
    r = client.post(f"{url}/complete", headers=h)
    assert r.status_code == 202, r.json
    assert wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)["status"] == "done"
    assert client.get(url, headers=h).status_code == 404  # the upload became a session


def test_wfdb_record_as_zip_from_physionet(client, auth, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for suffix in (".hea", ".let", ".rit"):
            zf.write(shared_data / "gaitndd" / f"control1{suffix}", f"control1{suffix}")
    r = _post(client, h, "control1.zip", buf.getvalue())
    assert r.status_code == 202, r.json
    gs = wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)
    assert gs["status"] == "done", gs
    assert gs["summary"]["n_strides"] > 50


def test_gaitpdb_text_file(client, auth, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _post(client, h, "GaCo01_01.txt", (shared_data / "gaitpdb" / "GaCo01_01.txt").read_bytes())
    assert r.status_code == 202, r.json
    assert wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)["status"] == "done"


def test_garbage_recording_fails_cleanly(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _post(client, h, "walk.csv", b"time_s,nonsense\nabc,def\n")
    assert r.status_code == 202
    gs = wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)
    assert gs["status"] == "failed" and gs["error"]
    assert [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()] == []
    assert client.get(f"/api/gait/sessions/{gs['id']}/report.html", headers=h).status_code == 409
    r = _post(client, h, "walk.exe", b"MZ")
    assert r.status_code == 415


def test_account_deletion_removes_recordings_and_reports(app, client, auth, walk_csv) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _post(client, h, "walk.csv", walk_csv)
    wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)
    client.post("/api/gait/uploads", json={"filename": "half.csv"}, headers=h)
    root = Path(app.config["UPLOAD_DIR"])
    assert any(p.is_file() for p in root.rglob("*"))
    assert client.delete("/api/me", headers=h).status_code == 200
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_gait_packages_upload_client_against_a_live_server(
    live_server, auth, walk_csv, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """``gait record --upload`` uses gait.upload_session: run it against the real server."""
    import time

    from gait import upload_session

    token = auth.shopper()["Authorization"].split()[1]
    path = tmp_path / "walk.csv"
    path.write_bytes(walk_csv)
    answer = upload_session(path, live_server.url, token, chunk_bytes=300_000)
    assert answer["status"] in ("queued", "running", "done")
    deadline = time.monotonic() + 60
    while True:
        status, body = live_server.request("GET", f"/api/gait/sessions/{answer['id']}", token=token)
        assert status == 200
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert body["status"] == "done" and body["summary"]["n_strides"] > 20
