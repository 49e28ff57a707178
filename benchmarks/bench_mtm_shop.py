"""Made to measure in the shop: how long the shopper waits for the 3D preview and the maker
for the files (issue 11).

Creates a throw-away storefront (SQLite in a temporary folder, thread job backend with the
default process isolation), measures one synthetic phone capture through the scan job, then
per repeat asks for a quote (the ``mtm_preview`` job builds the personal last) and confirms it
(the ``mtm_files`` job builds last + insole, STL/3MF, two spec sheets, preview JSON, encrypts
and stores them). Prints the wall time from request to job done, the job's own run time and the
preview JSON size, with the machine load.

Usage: ``.venv/bin/python benchmarks/bench_mtm_shop.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SHOE = "velox-stride-lite"


def _wait(client: Any, url: str, h: dict[str, str]) -> dict[str, Any]:
    while True:
        job = client.get(url, headers=h).json
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from storefront import create_app
    from storefront.bootstrap import migrate_and_seed

    tmp = Path(tempfile.mkdtemp(prefix="bench-mtm-"))
    cfg = {
        "TESTING": True,
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
        "UPLOAD_DIR": str(tmp / "uploads"),
        "AUTO_INIT": False,
        "SEED_DEMO": False,
        "RATELIMIT_ENABLED": False,
        "JOB_BACKEND": "thread",
        "JOB_SWEEP_INTERVAL_S": 0,
    }
    app = create_app(cfg)
    with app.app_context():
        migrate_and_seed(demo=False)
    c = app.test_client()
    c.post("/api/auth/register", json={"email": "b@example.org", "password": "correct horse"})
    tok = c.post("/api/auth/login", json={"email": "b@example.org", "password": "correct horse"})
    h = {"Authorization": f"Bearer {tok.json['token']}"}
    scan = c.post("/api/scans/demo", json={"foot_length_mm": 262, "side": "left"}, headers=h).json
    _wait(c, scan["links"]["job"], h)
    prev, files, size = [], [], 0
    for i in range(args.repeats):
        t0 = time.perf_counter()
        q = c.post(
            "/api/orders/made-to-measure/quote",
            json={"scan_id": scan["id"], "shoe_id": SHOE, "colourway_id": f"{SHOE}-volt"},
            headers=h,
        ).json
        job = _wait(c, q["preview"]["job"], h)
        prev.append(time.perf_counter() - t0)
        assert job["status"] == "done", job
        size = len(c.get(q["preview"]["url"], headers=h).data)
        t0 = time.perf_counter()
        order = c.post(
            "/api/orders/made-to-measure",
            json={"quote_id": q["id"], "confirm": True, "payment": {"provider": "test"}},
            headers={**h, "Idempotency-Key": f"bench-mtm-{i:04d}"},
        ).json
        assert "made_to_measure" in order, order
        job = _wait(c, order["made_to_measure"]["files"]["job"], h)
        files.append(time.perf_counter() - t0)
        assert job["status"] == "done", job
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, 1-min load {load:.1f}")
    print(
        f"quote -> preview ready: median {statistics.median(prev):.2f} s "
        f"(min {min(prev):.2f}, max {max(prev):.2f}); preview JSON {size / 1e6:.2f} MB"
    )
    print(
        f"confirm -> files ready: median {statistics.median(files):.2f} s "
        f"(min {min(files):.2f}, max {max(files):.2f})"
    )
    app.extensions["shoestreet_jobs"].wait_idle()


if __name__ == "__main__":
    main()
