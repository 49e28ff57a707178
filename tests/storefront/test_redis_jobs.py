"""Background jobs on RQ with a real Redis server: queued by the app, run by a worker process.

Needs ``SHOESTREET_TEST_REDIS_URL`` (``scripts/services.sh`` starts a throw-away server).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from storefront.scans.footscan_bridge import demo_scan_ply
from tests.storefront.conftest import service_missing

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("SHOESTREET_TEST_REDIS_URL")


@pytest.fixture
def rq_app(app):  # type: ignore[no-untyped-def]
    if not REDIS_URL:
        service_missing("SHOESTREET_TEST_REDIS_URL")
    from storefront.jobs import JobRunner

    app.config.update(
        JOB_BACKEND="rq", REDIS_URL=REDIS_URL, RQ_QUEUE=f"test-{uuid.uuid4().hex[:8]}"
    )
    app.extensions["shoestreet_jobs"] = JobRunner(app)
    yield app
    from redis import Redis
    from rq import Queue

    Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(REDIS_URL)).delete(delete_jobs=True)


def _upload(client, h):  # type: ignore[no-untyped-def]
    data = {"file": (io.BytesIO(demo_scan_ply(250.0, "right", 2)), "foot.ply"), "units": "mm"}
    r = client.post("/api/scans", data=data, headers=h, content_type="multipart/form-data")
    assert r.status_code == 202, r.json
    return r.json


def test_scan_job_goes_through_redis_and_an_rq_worker(rq_app, auth) -> None:  # type: ignore[no-untyped-def]
    from redis import Redis
    from rq import Queue, SimpleWorker

    client = rq_app.test_client()
    h = auth.shopper()
    scan = _upload(client, h)
    assert scan["job"]["backend"] == "rq" and scan["status"] == "queued"
    conn = Redis.from_url(REDIS_URL)
    queue = Queue(rq_app.config["RQ_QUEUE"], connection=conn)
    assert queue.count == 1
    assert client.get(f"/api/jobs/{scan['job']['id']}", headers=h).json["status"] == "queued"
    with rq_app.app_context():
        SimpleWorker([queue], connection=conn).work(burst=True)
    done = client.get(f"/api/scans/{scan['id']}", headers=h).json
    assert done["status"] == "done" and done["job"]["status"] == "done"
    assert done["measurements"]["foot_length_mm"] == pytest.approx(250.0, abs=4.0)


def test_storefront_worker_command_runs_queued_jobs(rq_app, auth, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = rq_app.test_client()
    h = auth.shopper()
    scan = _upload(client, h)
    env = {
        **os.environ,
        "SHOESTREET_DATABASE_URL": rq_app.config["SQLALCHEMY_DATABASE_URI"],
        "SHOESTREET_UPLOAD_DIR": rq_app.config["UPLOAD_DIR"],
        "SHOESTREET_REDIS_URL": REDIS_URL,
        "SHOESTREET_RQ_QUEUE": rq_app.config["RQ_QUEUE"],
        "SHOESTREET_SECRET_KEY": "worker-test",
        "SHOESTREET_AUTO_INIT": "0",
    }
    code = "import sys; from storefront.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    done = client.get(f"/api/scans/{scan['id']}", headers=h).json
    assert done["status"] == "done", done


_KILLED_WORKER = """
import sys, time
from pathlib import Path
from redis import Redis
from rq import Queue, SimpleWorker
from storefront import create_app, jobs
from tests.storefront.conftest import base_config

def slow(target, progress):
    print("running", flush=True)
    time.sleep(60)

tmp, uri, url, queue, uploads = sys.argv[1:6]
cfg = base_config(Path(tmp), uri)
cfg.update(JOB_BACKEND="rq", REDIS_URL=url, RQ_QUEUE=queue, JOB_LEASE_S=0.6, UPLOAD_DIR=uploads)
app = create_app(cfg)
jobs.registry_of(app).add("scan", slow)
conn = Redis.from_url(url)
with app.app_context():
    SimpleWorker([Queue(queue, connection=conn)], connection=conn).work(burst=True)
"""


def test_an_rq_worker_killed_mid_job_is_rerun(rq_app, auth, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL a real RQ worker while it runs a scan job: the sweeper re-queues it in Redis."""
    import signal
    import time

    from redis import Redis
    from rq import Queue, SimpleWorker

    from storefront.db.models import Job
    from storefront.extensions import db
    from storefront.jobs import sweep_jobs

    client = rq_app.test_client()
    h = auth.shopper()
    scan = _upload(client, h)
    root = Path(__file__).resolve().parents[2]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WORKER, str(tmp_path), rq_app.config["SQLALCHEMY_DATABASE_URI"],
         REDIS_URL, rq_app.config["RQ_QUEUE"], rq_app.config["UPLOAD_DIR"]],
        stdout=subprocess.PIPE, cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # RQ logs to stdout too; wait for the handler's mark
            if line.strip() == b"running" or time.monotonic() - t0 > 60:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    with rq_app.app_context():
        assert db.session.get(Job, scan["job"]["id"]).status == "running"  # left behind
    time.sleep(0.8)  # the dead worker's lease runs out
    conn = Redis.from_url(REDIS_URL)
    with rq_app.app_context():
        assert sweep_jobs()["requeued"] == 1
        SimpleWorker([Queue(rq_app.config["RQ_QUEUE"], connection=conn)], connection=conn).work(
            burst=True
        )
    done = client.get(f"/api/scans/{scan['id']}", headers=h).json
    assert done["status"] == "done" and done["job"]["attempts"] == 2, done
    assert time.monotonic() - t0 < 120
