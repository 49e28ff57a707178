"""One file cannot take a worker down (issue 13, "What to build" 2, the worker side).

Scans and recordings are processed in a child process with an address-space limit, a CPU
limit and a wall-clock limit (``storefront.security.isolation``): what would exhaust the worker's memory
or run for ever becomes a clear refusal for the user, and the worker carries on.
"""

from __future__ import annotations

import gzip
import io
import time

import pytest

from storefront.security.isolation import Limits, ResourceLimitExceeded, run_limited
from tests.storefront.conftest import wait_for


def hog_memory(mb: int) -> int:
    blocks = [bytearray(1 << 20) for _ in range(mb)]
    return len(blocks)


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def refuse_as_footscan(message: str) -> None:
    from footscan.exceptions import MissingExtraError, NotAFootError

    if message == "extra":
        raise MissingExtraError("scan", "open3d")  # a custom __init__: not picklable as is
    raise NotAFootError(message)


def add(a: int, b: int) -> int:
    return a + b


def test_results_and_user_errors_come_back_as_they_are() -> None:
    from footscan.exceptions import FootscanError, NotAFootError

    assert run_limited(add, (2, 3), Limits(), "adding") == 5
    with pytest.raises(NotAFootError, match="breadth"):
        run_limited(refuse_as_footscan, ("not a foot: breadth",), Limits(), "x")
    with pytest.raises(FootscanError, match="open3d"):  # the type the fault check needs
        run_limited(refuse_as_footscan, ("extra",), Limits(), "x")


def test_memory_and_time_limits_stop_the_child_not_the_worker() -> None:
    t0 = time.monotonic()
    with pytest.raises(ResourceLimitExceeded, match="memory"):
        run_limited(hog_memory, (4096,), Limits(memory_mb=1024), "this file")
    with pytest.raises(ResourceLimitExceeded, match="longer than 2 s"):
        run_limited(spin, (30.0,), Limits(wall_s=2.0), "this file")
    assert time.monotonic() - t0 < 20
    assert run_limited(add, (1, 1), Limits(), "still fine") == 2


def _ply_bomb(faces: int) -> bytes:
    header = (
        "ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\n"
        "property float y\nproperty float z\n"
        f"element face {faces}\nproperty list uchar int vertex_indices\nend_header\n"
    ).encode()
    return gzip.compress(header + b"\0" * 36 + b"\0" * faces, 9)


def test_a_small_upload_that_expands_enormously_is_refused_and_the_service_lives(  # type: ignore[no-untyped-def]
    app, client, auth
) -> None:
    """The issue's 50 KB gzip PLY with millions of one-byte face records."""
    app.config.update(JOB_MEMORY_MB=768, JOB_TIMEOUT_S=30.0, MAX_DECOMPRESSED_MB=200)
    h = auth.shopper()
    bomb = _ply_bomb(39_000_000)
    assert len(bomb) < 100_000
    t0 = time.monotonic()
    r = client.post(
        "/api/scans",
        data={"file": (io.BytesIO(bomb), "foot.ply.gz"), "units": "mm"},
        headers=h,
        content_type="multipart/form-data",
    )
    if r.status_code != 202:  # refused before any work (a decoder budget): also fine
        assert 400 <= r.status_code < 500, r.json
        return
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h, timeout_s=90)
    assert scan["status"] == "failed" and scan["error"], scan
    assert "internal error" not in scan["error"]
    assert time.monotonic() - t0 < 60
    assert client.get("/api/health").status_code == 200


_FORKED = """
import os
from storefront.security.isolation import Limits, run_limited
from tests.storefront.test_isolation import add

if __name__ == "__main__":
    assert run_limited(add, (1, 2), Limits(), "master") == 3  # e.g. seeding before gunicorn forks
    pid = os.fork()
    if pid == 0:  # a gunicorn worker: its first job must not use the master's fork server
        try:
            ok = run_limited(add, (3, 4), Limits(), "worker") == 7
        except BaseException:
            ok = False
        os._exit(0 if ok else 3)
    _, status = os.waitpid(pid, 0)
    raise SystemExit(os.waitstatus_to_exitcode(status))
"""


def test_a_forked_worker_starts_its_own_fork_server(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = tmp_path / "forked.py"
    script.write_text(_FORKED)
    proc = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "PYTHONPATH": str(root)},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
