"""Encryption at rest of uploads (issue 13, "What to build" 7): AES-256-GCM, key ids, rotation.

The truth here does not come from the code under test: the plaintext is what the client sent,
and "not on disk" is checked by searching every stored byte for slices of it; rotation is
checked by the key id in each file's header and by the service still serving every file.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from storefront import create_app
from storefront.gait_sessions.gait_bridge import demo_session_csv
from storefront.scans.footscan_bridge import demo_scan_ply
from storefront.security import encryption as enc
from tests.storefront.conftest import AuthActions, base_config, wait_for


@pytest.fixture
def enc_app(tmp_path: Path, template_db: Path) -> Iterator[Flask]:
    """An app whose key file lives in ``tmp_path`` (so rotation touches nobody else's keys)."""
    path = tmp_path / "test.db"
    shutil.copy(template_db, path)
    cfg = base_config(tmp_path, f"sqlite:///{path}")
    cfg["DATA_KEY_FILE"] = str(tmp_path / "instance" / "data_keys.json")
    app = create_app(cfg)
    yield app
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        from storefront.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="module")
def walk_csv() -> bytes:
    return demo_session_csv(3)


@pytest.fixture(scope="module")
def foot_ply() -> bytes:
    return demo_scan_ply(262.0, "left", 7)


def _stored(app: Flask) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file())


def _slices(data: bytes, n: int = 24, width: int = 32) -> list[bytes]:
    """``n`` slices of ``data`` spread over the whole file (each ``width`` bytes)."""
    step = max(1, (len(data) - width) // n)
    return [data[i : i + width] for i in range(0, len(data) - width, step)][:n]


def _upload_both(app: Flask, foot_ply: bytes, walk_csv: bytes) -> tuple[dict, dict, dict]:  # type: ignore[type-arg]
    client = app.test_client()
    h = AuthActions(client).shopper()
    data = {"file": (io.BytesIO(foot_ply), "foot.ply"), "units": "mm", "keep_raw": "true"}
    r = client.post("/api/scans", data=data, headers=h, content_type="multipart/form-data")
    assert r.status_code == 202, r.json
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h)
    assert scan["status"] == "done", scan
    data = {"file": (io.BytesIO(walk_csv), "walk.csv"), "keep_raw": "true"}
    r = client.post("/api/gait/sessions", data=data, headers=h, content_type="multipart/form-data")
    assert r.status_code == 202, r.json
    gs = wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)
    assert gs["status"] == "done", gs
    return h, scan, gs


def test_stored_bytes_never_contain_the_plaintext(enc_app, foot_ply, walk_csv) -> None:  # type: ignore[no-untyped-def]
    client = enc_app.test_client()
    h, scan, gs = _upload_both(enc_app, foot_ply, walk_csv)
    up = client.post("/api/gait/uploads", json={"filename": "w.csv"}, headers=h).json
    half = len(walk_csv) // 2
    assert (
        client.put(f"{up['chunk_url']}?offset=0", data=walk_csv[:half], headers=h).status_code
        == 200
    )
    glb = client.get(scan["links"]["foot_glb"], headers=h)
    html = client.get(gs["links"]["report_html"], headers=h)
    assert glb.status_code == 200 and glb.data[:4] == b"glTF"  # served decrypted
    assert html.status_code == 200 and b"<html" in html.data.lower()

    files = _stored(enc_app)
    blobs = b"\n".join(p.read_bytes() for p in files)
    # raw scan, foot GLB, foot points (for made-to-measure lasts), raw recording, report, chunk
    assert len(files) == 6, files
    assert any(p.name.endswith(".foot.npy") for p in files)
    for plain in (foot_ply, walk_csv, walk_csv[:half], glb.data, html.data):
        leaks = [s for s in _slices(plain) if s in blobs]
        assert not leaks, leaks[:3]
    assert b"ply" not in blobs[:8] and b"glTF" not in blobs and b"time_s" not in blobs
    assert b"\x93NUMPY" not in blobs  # the .npy magic: the foot points are sealed too
    ring = enc.keyring_for(enc_app.config)
    for p in files:
        if p.suffix != ".part":
            assert (
                p.read_bytes()[:4] == enc.MAGIC and enc.key_id_of(p.read_bytes()) == ring.active_id
            )


def test_the_key_file_is_created_private_once(enc_app) -> None:  # type: ignore[no-untyped-def]
    path = Path(enc_app.config["DATA_KEY_FILE"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert list(doc["keys"]) == [doc["active"]]
    before = path.read_bytes()
    create_app({**enc_app.config, "TESTING": True})  # a second start reuses it
    assert path.read_bytes() == before


def test_tampered_ciphertext_gives_a_clear_error(enc_app, foot_ply, walk_csv) -> None:  # type: ignore[no-untyped-def]
    client = enc_app.test_client()
    h, scan, gs = _upload_both(enc_app, foot_ply, walk_csv)
    glb = next(p for p in _stored(enc_app) if p.name.endswith(".glb"))
    data = bytearray(glb.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit in the ciphertext
    glb.write_bytes(bytes(data))
    r = client.get(scan["links"]["foot_glb"], headers=h)
    assert r.status_code == 500 and r.json["error"]["code"] == "stored_file_unreadable"
    msg = r.json["error"]["message"]
    assert "integrity check" in msg and "upload it again" in msg
    assert str(enc_app.config["UPLOAD_DIR"]) not in msg and "/scans/" not in msg

    ring = enc.keyring_for(enc_app.config)
    blob = enc.encrypt(ring, b"heel 71 mm")
    kid_end = len(enc.MAGIC) + 1 + len(ring.active_id)
    for bad in (
        blob[:-1],  # truncated tag
        blob[:kid_end] + bytes([blob[kid_end] ^ 1]) + blob[kid_end + 1 :],  # nonce
        blob[:-20] + bytes([blob[-20] ^ 1]) + blob[-19:],  # ciphertext
        blob[: len(enc.MAGIC)] + bytes([len(ring.active_id) - 1]) + blob[len(enc.MAGIC) + 1 :],
    ):
        with pytest.raises((enc.StoredFileTampered, enc.UnknownDataKey)):
            enc.decrypt(ring, bad)
    renamed = blob[: len(enc.MAGIC) + 1] + b"x" + blob[len(enc.MAGIC) + 2 :]  # another key id
    with pytest.raises(enc.UnknownDataKey):
        enc.decrypt(ring, renamed)
    twin = enc.Keyring(
        "x" + ring.active_id[1:], {"x" + ring.active_id[1:]: ring.keys[ring.active_id]}
    )
    with pytest.raises(enc.StoredFileTampered):  # the key id is authenticated too
        enc.decrypt(twin, renamed)
    with pytest.raises(enc.NotEncrypted):
        enc.decrypt(ring, b"ply\nformat ascii 1.0\n")
    other = enc.Keyring("other", {"other": os.urandom(32)})
    with pytest.raises(enc.UnknownDataKey, match="not configured"):
        enc.decrypt(other, blob)


def test_a_tampered_raw_file_fails_its_job_with_a_clear_reason(
    enc_app, walk_csv, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from storefront.security import uploads

    real = uploads.encrypt

    def sealed_then_altered(ring, data):  # type: ignore[no-untyped-def]
        blob = bytearray(real(ring, data))
        blob[-1] ^= 0x80  # the tag no longer matches
        return bytes(blob)

    client = enc_app.test_client()
    h = AuthActions(client).shopper()
    monkeypatch.setattr("storefront.gait_sessions.services.encrypt", sealed_then_altered)
    data = {"file": (io.BytesIO(walk_csv), "walk.csv")}
    r = client.post("/api/gait/sessions", data=data, headers=h, content_type="multipart/form-data")
    gs = wait_for(client, f"/api/gait/sessions/{r.json['id']}", h)
    assert gs["status"] == "failed"
    assert "integrity check" in gs["error"] and "upload it again" in gs["error"], gs["error"]
    assert "internal error" not in gs["error"]


def test_rotation_reencrypts_everything_and_keeps_it_readable(enc_app, foot_ply, walk_csv) -> None:  # type: ignore[no-untyped-def]
    client = enc_app.test_client()
    h, scan, gs = _upload_both(enc_app, foot_ply, walk_csv)
    up = client.post("/api/gait/uploads", json={"filename": "w.csv"}, headers=h).json
    half = len(walk_csv) // 2
    client.put(f"{up['chunk_url']}?offset=0", data=walk_csv[:half], headers=h)
    legacy = Path(enc_app.config["UPLOAD_DIR"]) / "scans" / "legacy.ply"
    legacy.write_bytes(foot_ply)  # stored before encryption at rest
    glb_before = client.get(scan["links"]["foot_glb"], headers=h).data
    html_before = client.get(gs["links"]["report_html"], headers=h).data
    old = enc.keyring_for(enc_app.config)

    res = enc_app.test_cli_runner().invoke(args=["rotate-key"])
    assert res.exit_code == 0, res.output
    new = enc.keyring_for(enc_app.config)
    assert new.active_id != old.active_id and set(new.keys) == {new.active_id}
    assert f"old keys removed: {old.active_id}" in res.output
    assert "encrypted 1 stored before encryption" in res.output

    for p in _stored(enc_app):
        if p.suffix == ".part":
            continue
        assert enc.key_id_of(p.read_bytes()) == new.active_id, p
    assert enc.read_decrypted(new, legacy) == foot_ply
    # the service reads everything with the new key only
    assert client.get(scan["links"]["foot_glb"], headers=h).data == glb_before
    assert client.get(gs["links"]["report_html"], headers=h).data == html_before
    r = client.put(f"{up['chunk_url']}?offset={half}", data=walk_csv[half:], headers=h)
    assert r.status_code == 200, r.json
    done = client.post(f"{up['chunk_url']}/complete", headers=h)
    assert done.status_code == 202, done.json
    gs2 = wait_for(client, f"/api/gait/sessions/{done.json['id']}", h)
    assert gs2["status"] == "done", gs2
    # the old key alone no longer opens anything
    with pytest.raises(enc.UnknownDataKey):
        enc.read_decrypted(old, legacy)


def test_keys_from_the_environment(tmp_path, template_db) -> None:  # type: ignore[no-untyped-def]
    from storefront.config import _env_overrides

    line_a, line_b = enc.new_key_line(), enc.new_key_line()
    over = _env_overrides({"SHOESTREET_DATA_KEYS": f"{line_b},{line_a}"})
    ring = enc.keyring_for(over)
    assert ring.active_id == line_b.split(":")[0] and ring.source == "env" and len(ring.keys) == 2
    for bad, why in (
        ("k1", "id:base64key"),
        ("k1:abc", "base64|32 bytes"),
        ("../x:" + line_a.split(":")[1], "bad data key id"),
    ):
        with pytest.raises(enc.KeyConfigError, match=why):
            enc.keyring_for({"DATA_KEYS": bad})
    cfg = base_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(enc.KeyConfigError):
        create_app({**cfg, "DATA_KEYS": "k1:short"})
    assert not (tmp_path / "x.db").exists()


def test_rotation_with_keys_from_the_environment(enc_app) -> None:  # type: ignore[no-untyped-def]
    """Env keys: the new key goes first, rotate-key re-seals and names the unused old key."""
    from storefront.security.uploads import store_file

    old_line, new_line = enc.new_key_line(), enc.new_key_line()
    old_id, new_id = old_line.split(":")[0], new_line.split(":")[0]
    enc_app.config["DATA_KEYS"] = old_line
    root = Path(enc_app.config["UPLOAD_DIR"]) / "scans"
    root.mkdir(parents=True, exist_ok=True)
    plain = [os.urandom(1000 + i) for i in range(3)]
    for i, data in enumerate(plain):
        store_file(root / f"{i}.ply", data, enc.keyring_for(enc_app.config))
    key_file = Path(enc_app.config["DATA_KEY_FILE"])
    before = key_file.read_bytes() if key_file.exists() else None
    enc_app.config["DATA_KEYS"] = f"{new_line},{old_line}"  # new key first, old kept
    res = enc_app.test_cli_runner().invoke(args=["rotate-key"])
    assert res.exit_code == 0, res.output
    assert f"re-encrypting with {new_id}" in res.output
    assert f"no stored file uses {old_id} any more" in res.output
    enc_app.config["DATA_KEYS"] = new_line  # the operator drops the old key
    ring = enc.keyring_for(enc_app.config)
    for i, data in enumerate(plain):
        blob = (root / f"{i}.ply").read_bytes()
        assert enc.key_id_of(blob) == new_id and enc.decrypt(ring, blob) == data
    assert (key_file.read_bytes() if key_file.exists() else None) == before  # file untouched
    res = enc_app.test_cli_runner().invoke(args=["rotate-key", "--print-new-key"])
    kid, _, key = res.output.strip().partition(":")
    assert enc.parse_keys_env(res.output.strip()).active_id == kid and len(key) >= 43


def test_job_plaintext_folders_go_after_the_job_and_stale_ones_are_swept(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storefront.security import uploads

    ring = enc.Keyring("k", {"k": os.urandom(32)})
    src = tmp_path / "a.csv"
    src.write_bytes(enc.encrypt(ring, b"time_s,fsr0\n0,1\n"))
    with uploads.plaintext_copies(ring, [src], "a recording") as work:
        assert (work / "a.csv").read_bytes() == b"time_s,fsr0\n0,1\n"
        assert stat.S_IMODE(work.stat().st_mode) == 0o700
        assert stat.S_IMODE((work / "a.csv").stat().st_mode) == 0o600
    assert not work.exists()
    stale, fresh = tmp_path / "shoestreet-job-old", tmp_path / "shoestreet-job-new"
    for d in (stale, fresh):
        d.mkdir()
        (d / "x").write_bytes(b"plain")
    os.utime(stale, (1.0, 1.0))
    uploads._remove_stale_copies(tmp_path)
    assert not stale.exists() and fresh.exists()
