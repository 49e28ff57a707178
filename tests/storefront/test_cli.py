"""The command line: init-db, seed, create-manufacturer, release-aggregates, and the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storefront.cli import main


def test_create_manufacturer_prints_token_last(runner, client) -> None:  # type: ignore[no-untyped-def]
    out = runner.invoke(args=["create-manufacturer", "Velox"])
    assert out.exit_code == 0, out.output
    token = out.output.strip().splitlines()[-1].split()[-1]
    r = client.get("/api/manufacturer/budget", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json["manufacturer"] == "Velox"
    again = runner.invoke(args=["create-manufacturer", "Velox"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_release_aggregates_command(runner) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(args=["create-manufacturer", "Pace"])
    out = runner.invoke(
        args=["release-aggregates", "Pace", "--dims", "length_bin", "--epsilon", "1"]
    )
    # An empty street has nobody to count: refused clearly, without any count (issue 14), and
    # charged like a release since it read the data.
    assert out.exit_code != 0 and "nothing could be released" in out.output
    assert not any(ch.isdigit() for ch in out.output.split("Error:")[-1])
    out = runner.invoke(args=["release-aggregates", "Nobody"])
    assert out.exit_code != 0 and "no manufacturer" in out.output


def test_create_admin_sees_everyones_scans(runner, client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    scan = measured_scan(auth.shopper())
    out = runner.invoke(
        args=["create-admin", "root@example.org"], input="admin password\nadmin password\n"
    )
    assert out.exit_code == 0, out.output
    r = client.post(
        "/api/auth/login", json={"email": "root@example.org", "password": "admin password"}
    )
    h = {"Authorization": f"Bearer {r.json['token']}"}
    assert client.get("/api/me", headers=h).json["role"] == "admin"
    assert client.get(f"/api/scans/{scan}", headers=h).status_code == 200
    out = runner.invoke(
        args=["create-admin", "bad-email"], input="admin password\nadmin password\n"
    )
    assert out.exit_code != 0


def test_init_db_and_seed_are_idempotent(runner) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["init-db"]).exit_code == 0
    out = runner.invoke(args=["seed", "--no-demo"])
    assert out.exit_code == 0 and "seeded: 0 catalog rows" in out.output


def test_console_script_on_a_fresh_instance(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SHOESTREET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "SHOESTREET_UPLOAD_DIR": str(tmp_path / "up"),
        "SHOESTREET_SECRET_KEY": "cli-test",
    }
    code = "import sys; from storefront.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, "create-manufacturer", "Kindred"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].split()[-1].startswith("sst_")
    assert main(["--help"]) == 0


def test_serve_runs_gunicorn_with_the_seeded_street_and_demo(tmp_path: Path) -> None:
    """The README's run command on embedded defaults: gunicorn on 127.0.0.1, street + demo shopper."""
    import json
    import signal
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "SHOESTREET_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "SHOESTREET_UPLOAD_DIR": str(tmp_path / "up"),
        "SHOESTREET_SECRET_KEY": "serve-test",
    }
    code = "import sys; from storefront.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--demo", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 150
        while True:
            try:
                with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.5)
        with urllib.request.urlopen(base + "/", timeout=10) as r:
            assert r.status == 200
        req = urllib.request.Request(
            base + "/api/auth/login",
            json.dumps({"email": "demo@shoestreet.invalid", "password": "demo-shopper-1"}).encode(),
            {"Content-Type": "application/json"},
        )
        token = json.load(urllib.request.urlopen(req, timeout=10))["token"]
        auth = {"Authorization": f"Bearer {token}"}
        scans = json.load(
            urllib.request.urlopen(urllib.request.Request(base + "/api/scans", headers=auth))
        )
        assert scans["scans"][0]["status"] == "done"
        sessions = json.load(
            urllib.request.urlopen(
                urllib.request.Request(base + "/api/gait/sessions", headers=auth)
            )
        )
        assert sessions["sessions"][0]["status"] == "done"
        url = f"{base}/api/recommendations?scan={scans['scans'][0]['id']}&gait={sessions['sessions'][0]['id']}"
        recs = json.load(urllib.request.urlopen(urllib.request.Request(url, headers=auth)))
        assert recs["recommendations"]
        # The demo shopper is read-only (in every gunicorn worker): a new scan is refused...
        req = urllib.request.Request(
            base + "/api/scans/demo",
            json.dumps({"foot_length_mm": 250}).encode(),
            {**auth, "Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(req, timeout=30)
            raise AssertionError("the demo shopper could upload")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403 and json.load(exc)["error"]["code"] == "demo_read_only"
        # ... so a shopper of one's own sends it. A new scan in a gunicorn worker: measured in
        # its limited child process (the master already used a fork server for the demo; each
        # worker must start its own).
        for path in ("/api/auth/register", "/api/auth/login"):
            req = urllib.request.Request(
                base + path,
                json.dumps({"email": "own@example.org", "password": "my own shoes"}).encode(),
                {"Content-Type": "application/json"},
            )
            body = json.load(urllib.request.urlopen(req, timeout=30))
        auth = {"Authorization": f"Bearer {body['token']}"}
        req = urllib.request.Request(
            base + "/api/scans/demo",
            json.dumps({"foot_length_mm": 250}).encode(),
            {**auth, "Content-Type": "application/json"},
        )
        scan_id = json.load(urllib.request.urlopen(req, timeout=30))["id"]
        deadline = time.monotonic() + 120
        while True:
            scan = json.load(
                urllib.request.urlopen(
                    urllib.request.Request(f"{base}/api/scans/{scan_id}", headers=auth)
                )
            )
            if scan["status"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert scan["status"] == "done", scan
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
