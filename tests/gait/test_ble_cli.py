"""``gait simulate`` / ``gait record`` and the session upload client."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from gait.cli import main
from gait.insole._session import read_session
from gait.insole._upload import UploadError, upload_session


def test_simulate_writes_a_session_that_analyze_reads(tmp_path, capsys):
    out = tmp_path / "sim.gsn"
    rc = main(["simulate", "--seconds", "12", "--speed", "10", "--drop-at", "5", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "left:" in text and "right:" in text and "1 disconnects" in text
    assert f"session written to {out}" in text
    rec = read_session(out)
    assert rec.left.values.shape[1] == 16
    (gap,) = rec.meta["gaps"]
    assert gap["side"] == "left" and gap["n_samples"] > 0
    assert main(["analyze", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"strides", "summary", "activity"} <= set(report)


def test_simulate_replays_a_recording(tmp_path, capsys, shared_data):
    src = shared_data / "gaitpdb" / "GaCo01_01.txt"
    if not src.exists():
        pytest.skip("gaitpdb data not available")
    out = tmp_path / "rep.gsn"
    assert main(["simulate", "--replay", str(src), "--seconds", "8", "--speed", "8",
                 "--out", str(out)]) == 0  # fmt: skip
    rec = read_session(out)
    assert rec.left.values.shape[1] == 8 and rec.meta["lost_samples"] == {"left": 0, "right": 0}
    assert rec.left.valid.sum() == 800


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--seconds", "-1"], "--seconds must be a positive number"),
        (["simulate", "--seconds", "nan"], "--seconds must be a positive number"),
        (["simulate", "--seconds", "10", "--drop-at", "12"], "--drop-at must fall inside"),
        (["simulate", "--speed", "0"], "--speed must be a positive number"),
        (["simulate", "--out", "/nonexistent/dir/x.gsn"], "does not exist"),
        (["record", "--upload", "http://localhost:1"], "--upload and --token go together"),
        (["record", "--seconds", "0"], "--seconds must be a positive number"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_record_without_insoles_fails_cleanly(tmp_path, capsys):
    """On a machine without a Bluetooth adapter (or without insoles nearby): exit 2, no file."""
    out = tmp_path / "rec.gsn"
    rc = main(["record", "--seconds", "1", "--scan-timeout", "0.5", "--out", str(out)])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("gait record: error: ") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


class _FakeStorefront(BaseHTTPRequestHandler):
    """Speaks the storefront's chunked-upload protocol; fails one chunk on purpose."""

    store: dict = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def _json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _auth(self):
        if self.headers.get("Authorization") != "Bearer s3cret":
            self._json(401, {"error": "invalid_token", "message": "bad token"})
            return False
        return True

    def do_POST(self):
        if not self._auth():
            return
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        if self.path == "/api/gait/uploads":
            self.store.update(filename=json.loads(body)["filename"], data=b"", failed=False)
            self._json(201, {"upload_id": "u1", "offset": 0, "chunk_url": "/api/gait/uploads/u1"})
        elif self.path == "/api/gait/uploads/u1/complete":
            self._json(202, {"id": "g1", "bytes": len(self.store["data"])})

    def do_PUT(self):
        if not self._auth():
            return
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        offset = int(parse_qs(urlparse(self.path).query)["offset"][0])
        if offset == len(self.store["data"]):
            self.store["data"] += body
            if offset > 0 and not self.store["failed"]:
                # Accept the chunk but report a server error: the client must resume.
                self.store["failed"] = True
                self._json(500, {"error": "oops"})
                return
        self._json(200, {"upload_id": "u1", "offset": len(self.store["data"])})

    def do_GET(self):
        if self._auth():
            self._json(200, {"upload_id": "u1", "offset": len(self.store["data"])})


@pytest.fixture
def storefront():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeStorefront)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_upload_resumes_after_a_failed_chunk(tmp_path, storefront):
    path = tmp_path / "s.gsn"
    data = bytes(range(256)) * 100
    path.write_bytes(data)
    ans = upload_session(path, storefront, "s3cret", chunk_bytes=4096)
    assert ans == {"id": "g1", "bytes": len(data)}
    assert _FakeStorefront.store["data"] == data and _FakeStorefront.store["failed"]
    assert _FakeStorefront.store["filename"] == "s.gsn"


def test_upload_errors(tmp_path, storefront):
    path = tmp_path / "s.gsn"
    path.write_bytes(b"x")
    with pytest.raises(UploadError, match="HTTP 401 bad token"):
        upload_session(path, storefront, "wrong")
    with pytest.raises(UploadError, match="plain http"):
        upload_session(path, "http://example.org", "t")
    with pytest.raises(UploadError, match="http"):
        upload_session(path, "ftp://x", "t")
    with pytest.raises(UploadError, match="no session file"):
        upload_session(tmp_path / "nope", storefront, "t")


def test_example_virtual_insoles(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "virtual_insoles.py"
    res = subprocess.run(
        [sys.executable, str(example), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "left: " in res.stdout and "1 disconnects" in res.stdout
    (gap,) = [ln for ln in res.stdout.splitlines() if ln.startswith("gap: left ")]
    # The drop is at 12 s of the left insole's clock; the feet are aligned to a few samples.
    assert 11.9 <= float(gap.split()[2].split("-")[0]) <= 12.2
    assert (tmp_path / "virtual.gsn").exists()
