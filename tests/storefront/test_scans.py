"""Scan uploads through the real footscan pipeline, off the request path, and bad uploads."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from storefront.scans.footscan_bridge import demo_scan_ply
from tests.storefront.conftest import wait_for


@pytest.fixture(scope="module")
def demo_ply() -> bytes:
    return demo_scan_ply(255.0, "left", 3)


def _upload(client, headers, name, data, **form):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/scans",
        data={"file": (io.BytesIO(data), name), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_upload_is_measured_by_a_background_job(app, client, auth, demo_ply) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _upload(client, h, "my foot.ply", demo_ply, units="mm")
    assert r.status_code == 202, r.json
    assert r.json["status"] in ("queued", "running", "done")
    assert r.json["job"]["backend"] == "thread"
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h)
    assert scan["status"] == "done", scan
    m = scan["measurements"]
    assert m["foot_length_mm"] == pytest.approx(255.0, abs=4.0)
    assert m["side"] in ("left", "right")
    job = client.get(f"/api/jobs/{scan['job']['id']}", headers=h).json
    assert job["status"] == "done" and job["progress"] == 1.0
    glb = client.get(scan["links"]["foot_glb"], headers=h)
    assert glb.status_code == 200 and glb.data[:4] == b"glTF"
    assert client.get(scan["links"]["foot_glb"], headers=auth.shopper()).status_code == 404


def test_compressed_uploads_are_unwrapped(client, auth, demo_ply) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _upload(client, h, "foot.ply.gz", gzip.compress(demo_ply), units="mm")
    assert r.status_code == 202, r.json
    assert r.json["filename"] == "foot.ply"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("foot.ply", demo_ply)
    r = _upload(client, h, "foot.zip", buf.getvalue(), units="mm")
    assert r.status_code == 202, r.json
    assert wait_for(client, f"/api/scans/{r.json['id']}", h)["status"] == "done"


def test_demo_foot_endpoint(client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = client.post("/api/scans/demo", json={"foot_length_mm": 240, "side": "right"}, headers=h)
    assert r.status_code == 202, r.json
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h)
    assert scan["measurements"]["foot_length_mm"] == pytest.approx(240.0, abs=4.0)
    r = client.post("/api/scans/demo", json={"foot_length_mm": 900, "side": "middle"}, headers=h)
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"foot_length_mm", "side"}


def _uploads_left(app) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("foot.ply", b"\0" * (3 << 20))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("../../etc/passwd.ply", b"ply\n", 400, "bad_filename"),
        ("..\\foot.ply", b"ply\n", 400, "bad_filename"),
        ("foot.exe", b"MZ\x90\x00", 415, "unsupported_file_type"),
        ("foot.ply.zip", b"not a zip", 422, "bad_archive"),
        ("foot.ply.gz", b"\x1f\x8bnot gzip", 422, "bad_archive"),
        ("foot.ply.gz", gzip.compress(b"\0" * (3 << 20)), 413, "decompressed_too_large"),
        ("bomb.zip", None, 413, "decompressed_too_large"),
        ("foot.ply", b"", 422, "empty_file"),
        ("'; DROP TABLE scan; --.ply", b"ply\n", 400, "bad_filename"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    app, client, auth, name, data, status, code
) -> None:  # type: ignore[no-untyped-def]
    app.config["MAX_DECOMPRESSED_MB"] = 2
    h = auth.shopper()
    r = _upload(client, h, name, _zip_bomb() if data is None else data)
    assert r.status_code == status, r.json
    assert r.json["error"]["code"] == code
    assert _uploads_left(app) == []
    assert client.get("/api/scans", headers=h).json["scans"] == []
    assert client.get("/api/health").status_code == 200


def test_oversized_request_is_413(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    h = auth.shopper()
    r = _upload(client, h, "foot.ply", b"x" * 4096)
    assert r.status_code == 413 and r.json["error"]["code"] == "payload_too_large"
    assert _uploads_left(app) == []


def test_unparseable_scan_fails_the_job_with_a_reason(client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _upload(
        client, h, "foot.ply", b"ply\nformat ascii 1.0\nelement vertex 99\nend_header\n1 2 3\n"
    )
    assert r.status_code == 202
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h)
    assert scan["status"] == "failed"
    assert "foot.ply" in scan["error"]
    assert scan["job"]["status"] == "failed"


def test_missing_file_field_and_bad_units(client, auth, demo_ply) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = client.post("/api/scans", data={}, headers=h, content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["error"]["code"] == "missing_file"
    r = _upload(client, h, "foot.ply", demo_ply, units="furlongs")
    assert r.status_code == 422


def test_delete_scan_removes_the_file(app, client, auth, demo_ply) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _upload(client, h, "foot.ply", demo_ply, units="mm")
    wait_for(client, f"/api/scans/{r.json['id']}", h)
    assert _uploads_left(app)
    assert client.delete(f"/api/scans/{r.json['id']}", headers=h).status_code == 200
    assert _uploads_left(app) == []
