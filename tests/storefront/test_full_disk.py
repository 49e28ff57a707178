"""A real full disk (issue 13, "What it must show"): a 20 MB tmpfs upload folder, filled for real.

No simulated ``ENOSPC``: the upload folder is a 20 MB tmpfs mounted in a private mount
namespace (``unshare -m`` as root; ``unshare -Urm``, a user namespace, otherwise — no root, no
loop device, no LD_PRELOAD). The service runs in that namespace in a child process, so the
mount disappears with it even if the test crashes. Chunks are uploaded until the kernel says
the disk is full; then a whole scan and a whole gait recording are sent. Every refusal must be
``507 insufficient_storage``, no ``.tmp`` file or folder may be left, no row written, and the
chunked upload must hold exactly the bytes it acknowledged (no half chunk kept).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_CHILD = r"""
import io, json, os, sys
from pathlib import Path

tmp, db_path, updir = sys.argv[1:4]
from storefront import create_app
from storefront.security.encryption import keyring_for, read_records
from tests.storefront.conftest import AuthActions, base_config

cfg = base_config(Path(tmp), f"sqlite:///{db_path}")
cfg.update(UPLOAD_DIR=updir, DATA_KEY_FILE=str(Path(tmp) / "keys.json"), UPLOAD_QUOTA_MB=0,
           UPLOAD_QUOTA_ITEMS=0)
app = create_app(cfg)
client = app.test_client()
h = AuthActions(client).shopper()
st = os.statvfs(updir)
out = {"size_bytes": st.f_blocks * st.f_frsize}
up = client.post("/api/gait/uploads", json={"filename": "w.csv"}, headers=h).json
chunk = b"0.0,1\n" * ((1 << 20) // 6)
offset, statuses = 0, []
for _ in range(40):
    r = client.put(f"{up['chunk_url']}?offset={offset}", data=chunk, headers=h)
    statuses.append(r.status_code)
    if r.status_code != 200:
        out["chunk_error"] = r.json["error"]
        break
    offset = r.json["offset"]
out["chunk_statuses"] = statuses
out["acknowledged"] = offset
out["server_offset"] = client.get(up["chunk_url"], headers=h).json["offset"]
part = Path(updir) / "gait" / f"{up['upload_id']}.part"
out["part_plain_bytes"] = sum(len(c) for c in read_records(keyring_for(app.config), part))
scan = b"".join(b"%d %d %d\n" % (i, i % 97, i % 31) for i in range(300_000))
r = client.post("/api/scans", data={"file": (io.BytesIO(scan), "foot.xyz"), "units": "mm"},
                headers=h, content_type="multipart/form-data")
out["scan"] = [r.status_code, r.json["error"]]
walk = b"time_s,fsr0\n" + b"".join(b"%.2f,1\n" % (i / 100) for i in range(300_000))
r = client.post("/api/gait/sessions", data={"file": (io.BytesIO(walk), "walk.csv")},
                headers=h, content_type="multipart/form-data")
out["gait"] = [r.status_code, r.json["error"]]
st = os.statvfs(updir)
out["free_bytes"] = st.f_bavail * st.f_frsize
out["leftovers"] = [str(p.relative_to(updir)) for p in Path(updir).rglob("*") if ".tmp" in p.name]
out["files"] = [str(p.relative_to(updir)) for p in Path(updir).rglob("*") if p.is_file()]
from storefront.db.models import GaitSession, Scan
from storefront.extensions import db
with app.app_context():
    out["rows"] = [db.session.query(Scan).count(), db.session.query(GaitSession).count()]
print("RESULT " + json.dumps(out))
"""


def _namespace_cmd() -> list[str] | None:
    """How to get a private mount namespace here (root: -m; others: a user namespace too)."""
    if shutil.which("unshare") is None:
        return None
    flags = ["-m"] if os.geteuid() == 0 else ["-Urm"]
    probe = subprocess.run(["unshare", *flags, "true"], capture_output=True, check=False)
    return ["unshare", *flags, "--propagation", "private"] if probe.returncode == 0 else None


def test_a_full_20_mb_tmpfs_answers_507_and_leaves_nothing(tmp_path, template_db) -> None:  # type: ignore[no-untyped-def]
    ns = _namespace_cmd()
    if ns is None:
        pytest.skip("no mount namespace available (unshare); test_data_protection simulates ENOSPC")
    db_path = tmp_path / "test.db"
    shutil.copy(template_db, db_path)
    updir = tmp_path / "uploads"
    updir.mkdir()
    script = 'mount -t tmpfs -o size=20m,mode=0700 tmpfs "$1" && shift && exec "$@"'
    cmd = [*ns, "sh", "-c", script, "sh", str(updir),
           sys.executable, "-c", _CHILD, str(tmp_path), str(db_path), str(updir)]  # fmt: skip
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    out = json.loads(lines[-1][len("RESULT ") :])

    assert out["size_bytes"] == 20 * 2**20  # really the 20 MB tmpfs
    # chunks went in until the disk was full, then 507 (never 500)
    assert out["chunk_statuses"][-1] == 507, proc.stderr[-4000:]
    assert set(out["chunk_statuses"][:-1]) == {200}
    assert 15 <= len(out["chunk_statuses"]) <= 21, out["chunk_statuses"]
    assert out["chunk_error"]["code"] == "insufficient_storage"
    # the upload holds exactly what was acknowledged: the refused chunk was not half kept
    assert out["server_offset"] == out["acknowledged"] == out["part_plain_bytes"] > 10 * 2**20
    for kind in ("scan", "gait"):
        status, error = out[kind]
        assert status == 507 and error["code"] == "insufficient_storage", out[kind]
        assert "nothing was saved" in error["message"]
    assert out["free_bytes"] < 2 * 2**20  # the disk is still full: nothing else was written
    assert out["leftovers"] == [], out["leftovers"]
    assert out["rows"] == [0, 0]
    assert [f for f in out["files"] if not f.endswith(".part")] == [], out["files"]
    # the mount lived only in the child's namespace
    assert not os.path.ismount(updir)
