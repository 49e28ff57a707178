"""One file cannot take a worker down (issue 13, "What to build" 2, the worker side).

Scans and recordings are processed in a child process with an address-space limit, a CPU
limit and a wall-clock limit (``storefront.isolation``): what would exhaust the worker's memory
or run for ever becomes a clear refusal for the user, and the worker carries on.
"""

from __future__ import annotations

import gzip
import io
import time

import pytest

from storefront.isolation import Limits, ResourceLimitExceeded, run_limited
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
