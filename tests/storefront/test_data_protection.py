"""Data protection (issue 13, "What to build" 7, the parts in the storefront back end).

Uploads are private files (0600 in 0700 folders), a full disk answers 507 with nothing left
behind, abandoned chunked uploads expire, and withdrawing the health consent deletes the gait
data at once (or, when the person keeps it, stops it feeding recommendations).
"""

from __future__ import annotations

import errno
import io
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from storefront.gait_sessions.gait_bridge import demo_session_csv
from storefront.scans.footscan_bridge import demo_scan_ply
from tests.storefront.conftest import wait_for


@pytest.fixture(scope="module")
def walk_csv() -> bytes:
    return demo_session_csv(2)


def _files(app) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()]


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _gait(client, h, data: bytes, keep_raw: bool = False):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/gait/sessions",
        data={"file": (io.BytesIO(data), "walk.csv"), "keep_raw": "true" if keep_raw else ""},
        headers=h,
        content_type="multipart/form-data",
    )


def test_uploads_are_private_files(app, client, auth, walk_csv) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    data = {"file": (io.BytesIO(demo_scan_ply(250.0, "right", 4)), "foot.ply"), "units": "mm",
            "keep_raw": "true"}  # fmt: skip
    scan = client.post("/api/scans", data=data, headers=h, content_type="multipart/form-data")
    wait_for(client, f"/api/scans/{scan.json['id']}", h)
    gs = _gait(client, h, walk_csv, keep_raw=True)
    wait_for(client, f"/api/gait/sessions/{gs.json['id']}", h)
    up = client.post("/api/gait/uploads", json={"filename": "w.csv"}, headers=h).json
    client.put(f"{up['chunk_url']}?offset=0", data=b"time_s,fsr0\n", headers=h)
    files = _files(app)
    assert len(files) >= 4  # scan, its GLB, the recording and report, the part file
    assert all(_mode(p) == 0o600 for p in files), {str(p): oct(_mode(p)) for p in files}
    dirs = [Path(app.config["UPLOAD_DIR"]), *{p.parent for p in files}]
    assert all(_mode(d) == 0o700 for d in dirs), {str(d): oct(_mode(d)) for d in dirs}


def test_a_full_disk_answers_507_and_leaves_nothing(
    app, client, auth, walk_csv, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import GaitSession, Scan
    from storefront.extensions import db
    from storefront.security import uploads

    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, fh):  # type: ignore[no-untyped-def]
            self.fh = fh

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *a):  # type: ignore[no-untyped-def]
            self.fh.close()

        def write(self, data):  # type: ignore[no-untyped-def]
            self.fh.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self.fh, name)

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: FullFile(real_fdopen(fd, mode)))
    h = auth.shopper()
    data = {"file": (io.BytesIO(demo_scan_ply(250.0, "right", 4)), "foot.ply"), "units": "mm"}
    r = client.post("/api/scans", data=data, headers=h, content_type="multipart/form-data")
    assert r.status_code == 507 and r.json["error"]["code"] == "insufficient_storage"
    assert _gait(client, h, walk_csv).status_code == 507
    up = client.post("/api/gait/uploads", json={"filename": "w.csv"}, headers=h).json
    r = client.put(f"{up['chunk_url']}?offset=0", data=b"time_s,fsr0\n0,1\n", headers=h)
    assert r.status_code == 507
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert client.get(up["chunk_url"], headers=h).json["offset"] == 0  # resume from 0
    assert [p for p in _files(app) if p.stat().st_size] == []  # no .tmp, no half file
    assert not [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*.tmp")]
    with app.app_context():
        assert db.session.query(Scan).count() == 0 and db.session.query(GaitSession).count() == 0
    assert uploads.is_disk_full(OSError(errno.EDQUOT, "quota"))


def test_abandoned_chunked_uploads_expire(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import GaitUpload, utcnow
    from storefront.extensions import db
    from storefront.gait_sessions.services import expire_abandoned_uploads

    h = auth.shopper()
    old = client.post("/api/gait/uploads", json={"filename": "old.csv"}, headers=h).json
    client.put(f"{old['chunk_url']}?offset=0", data=b"time_s,fsr0\n", headers=h)
    new = client.post("/api/gait/uploads", json={"filename": "new.csv"}, headers=h).json
    with app.app_context():
        db.session.get(GaitUpload, old["upload_id"]).created_at = utcnow() - timedelta(hours=25)
        db.session.commit()
        assert expire_abandoned_uploads(db.session, app.config["UPLOAD_DIR"]) == 1
        assert db.session.get(GaitUpload, new["upload_id"]) is not None
    assert client.get(old["chunk_url"], headers=h).status_code == 404
    assert not (Path(app.config["UPLOAD_DIR"]) / "gait" / f"{old['upload_id']}.part").exists()


def test_withdrawing_health_consent_deletes_gait_data(
    app, client, auth, walk_csv, measured_scan
) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan = measured_scan(h)
    gs = wait_for(client, f"/api/gait/sessions/{_gait(client, h, walk_csv).json['id']}", h)
    assert gs["status"] == "done"
    assert client.get(f"/api/recommendations?scan={scan}&gait={gs['id']}", headers=h).status_code == 200  # fmt: skip
    r = client.patch("/api/me", json={"consent": {"gait_health": False}}, headers=h)
    assert r.status_code == 200 and r.json["gait_sessions_deleted"] == 1
    assert client.get("/api/gait/sessions", headers=h).json["sessions"] == []
    assert client.get(f"/api/recommendations?scan={scan}&gait={gs['id']}", headers=h).status_code in (403, 404)  # fmt: skip
    assert _files(app) == []


def test_kept_gait_sessions_no_longer_feed_recommendations(
    app, client, auth, walk_csv, measured_scan
) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan = measured_scan(h)
    gs = wait_for(client, f"/api/gait/sessions/{_gait(client, h, walk_csv).json['id']}", h)
    r = client.patch(
        "/api/me", json={"consent": {"gait_health": False}, "keep_gait_sessions": True}, headers=h
    )
    assert r.status_code == 200 and "gait_sessions_deleted" not in r.json
    assert len(client.get("/api/gait/sessions", headers=h).json["sessions"]) == 1
    r = client.get(f"/api/recommendations?scan={scan}&gait={gs['id']}", headers=h)
    assert r.status_code == 403 and r.json["error"]["code"] == "consent_required"
    assert client.get(f"/api/recommendations?scan={scan}", headers=h).status_code == 200


def test_raw_files_go_once_measured_unless_kept(app, client, auth, walk_csv) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    ply = demo_scan_ply(250.0, "right", 6)
    ids = {}
    for keep in ("", "true"):
        data = {"file": (io.BytesIO(ply), "foot.ply"), "units": "mm", "keep_raw": keep}
        r = client.post("/api/scans", data=data, headers=h, content_type="multipart/form-data")
        ids[keep] = wait_for(client, f"/api/scans/{r.json['id']}", h)
        assert ids[keep]["status"] == "done" and ids[keep]["keep_raw"] is bool(keep)
        assert client.get(ids[keep]["links"]["foot_glb"], headers=h).status_code == 200
    raw = [p for p in _files(app) if p.suffix == ".ply"]
    assert len(raw) == 1  # only the kept capture; both foot models stay
    assert len([p for p in _files(app) if p.name.endswith(".ply.glb")]) == 2
    for keep in (False, True):
        gs = wait_for(
            client, f"/api/gait/sessions/{_gait(client, h, walk_csv, keep).json['id']}", h
        )
        assert gs["status"] == "done"
        assert client.get(gs["links"]["report_html"], headers=h).status_code == 200
    assert len([p for p in _files(app) if p.name == "walk.csv"]) == 1
    assert len([p for p in _files(app) if p.name == "report.html"]) == 2


def test_per_account_quota(app, client, auth, walk_csv) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import Scan, User
    from storefront.domain_errors import QuotaExceeded
    from storefront.extensions import db
    from storefront.security.quota import check_quota

    h = auth.shopper()
    app.config["UPLOAD_QUOTA_ITEMS"] = 2
    assert client.post("/api/scans/demo", json={}, headers=h).status_code == 202
    assert _gait(client, h, walk_csv).status_code == 202
    r = client.post("/api/scans/demo", json={}, headers=h)
    assert r.status_code == 507 and r.json["error"]["code"] == "quota_exceeded"
    assert _gait(client, h, walk_csv).status_code == 507
    assert (
        client.post("/api/gait/uploads", json={"filename": "w.csv"}, headers=h).status_code == 507
    )
    other = auth.shopper()  # someone else's quota is their own
    assert client.post("/api/scans/demo", json={}, headers=other).status_code == 202
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        user = User(email="bytes@example.org")
        db.session.add(user)
        db.session.flush()
        db.session.add(Scan(user_id=user.id, status="done", filename="a.ply", keep_raw=True,
                            stored_name="scans/a.ply", size_bytes=900_000))  # fmt: skip
        db.session.commit()
        cfg = {"UPLOAD_QUOTA_MB": 1, "UPLOAD_QUOTA_ITEMS": 0}
        check_quota(db.session, user.id, 100_000, cfg)
        with pytest.raises(QuotaExceeded, match="1 MB"):
            check_quota(db.session, user.id, 200_000, cfg)


def test_the_embedded_database_is_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The SQLite file and its WAL files are 0600 after set-up (were 0644 under umask 022)."""
    from storefront import create_app
    from tests.storefront.conftest import base_config

    old = os.umask(0o022)
    try:
        db_path = tmp_path / "fresh.db"
        app = create_app(base_config(tmp_path, f"sqlite:///{db_path}"))
        out = app.test_cli_runner().invoke(args=["seed"])
        assert out.exit_code == 0, out.output
    finally:
        os.umask(old)
    files = [p for p in tmp_path.glob("fresh.db*") if p.is_file()]
    assert db_path in files
    assert all(_mode(p) == 0o600 for p in files), {p.name: oct(_mode(p)) for p in files}
    assert _mode(Path(app.config["UPLOAD_DIR"])) == 0o700
