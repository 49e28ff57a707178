"""Jobs that finish or fail (issue 13, "What to build" 3).

A running job holds a lease renewed by a heartbeat; a job whose worker died (lease expired) is
re-queued within a run budget or failed with a reason; a job the queue never took is dispatched
again; a job dispatched twice runs once; failures are recorded once, with one "is it the user's
fault" predicate, and never show a raw exception or a server path.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from storefront.db.models import Incident, Job, Scan, utcnow
from storefront.extensions import db
from storefront.jobs import failure_message, is_user_error, sweep_jobs, user_message
from storefront.scans.footscan_bridge import demo_scan_ply
from tests.storefront.conftest import wait_for


@pytest.fixture(scope="module")
def ply() -> bytes:
    return demo_scan_ply(250.0, "right", 5)


def _upload(client, h, data: bytes) -> dict:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/scans",
        data={"file": (io.BytesIO(data), "foot.ply"), "units": "mm"},
        headers=h,
        content_type="multipart/form-data",
    )
    assert r.status_code == 202, r.json
    return r.json


def _stuck_scan(app: Flask, client, h, ply: bytes, attempts: int) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """A scan whose job a dead worker left 'running' (lease expired) after ``attempts`` runs."""
    from storefront import jobs

    real = jobs.JobRunner.dispatch
    jobs.JobRunner.dispatch = lambda self, job_id: None  # the upload's worker never runs it
    try:
        scan = _upload(client, h, ply)
    finally:
        jobs.JobRunner.dispatch = real
    with app.app_context():
        job = db.session.get(Job, scan["job"]["id"])
        job.status, job.attempts, job.stage = "running", attempts, "reading and measuring"
        job.lease_expires_at = utcnow() - timedelta(seconds=5)
        job.dispatched_at = utcnow()
        s = db.session.get(Scan, scan["id"])
        s.status = "running"
        db.session.commit()
    return scan["id"], scan["job"]["id"]


def test_a_job_whose_worker_died_is_requeued_and_finishes(app, client, auth, ply) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan_id, job_id = _stuck_scan(app, client, h, ply, attempts=1)
    with app.app_context():
        assert sweep_jobs() == {"requeued": 1, "failed": 0, "redispatched": 0}
    scan = wait_for(client, f"/api/scans/{scan_id}", h)
    assert scan["status"] == "done", scan
    assert scan["job"]["status"] == "done" and scan["job"]["attempts"] == 2


def test_a_job_out_of_runs_is_failed_with_a_reason(app, client, auth, ply) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan_id, job_id = _stuck_scan(app, client, h, ply, attempts=3)
    with app.app_context():
        assert sweep_jobs()["failed"] == 1
        assert sweep_jobs() == {"requeued": 0, "failed": 0, "redispatched": 0}  # once
    scan = client.get(f"/api/scans/{scan_id}", headers=h).json
    assert scan["status"] == "failed" and scan["job"]["status"] == "failed"
    assert "stopped 3 times" in scan["error"] and scan["error"] == scan["job"]["error"]
    assert not [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_heartbeat_keeps_a_slow_live_job_from_being_swept(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from storefront import jobs

    calls: list[int] = []

    def slow(target: int, progress) -> None:  # type: ignore[no-untyped-def]
        calls.append(target)
        time.sleep(1.5)

    monkeypatch.setitem(jobs.registry_of(app).kinds, "learn", jobs.JobKind("learn", slow))
    app.config["JOB_LEASE_S"] = 0.4
    with app.app_context():
        job = jobs.get_runner().submit("learn", 7, None)
        job_id = job.id
        time.sleep(0.9)  # two lease lengths: only the heartbeat keeps it alive
        assert sweep_jobs() == {"requeued": 0, "failed": 0, "redispatched": 0}
        jobs.get_runner().dispatch(job_id)  # a duplicate dispatch while it runs
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "done" and job.attempts == 1
    assert calls == [7]  # ran once


def test_a_job_the_queue_never_took_is_dispatched_by_the_sweeper(app, client, auth, ply) -> None:  # type: ignore[no-untyped-def]
    from storefront import jobs

    h = auth.shopper()
    real = jobs.JobRunner._send

    def broken(self, job_id: str) -> None:  # type: ignore[no-untyped-def]
        raise ConnectionError("queue went away after the commit")

    jobs.JobRunner._send = broken
    try:
        scan = _upload(client, h, ply)
    finally:
        jobs.JobRunner._send = real
    assert scan["job"]["status"] == "queued"
    with app.app_context():
        job = db.session.get(Job, scan["job"]["id"])
        assert job.stage == "waiting for the queue" and job.dispatched_at is None
        job.created_at = utcnow() - timedelta(seconds=10)
        db.session.commit()
        assert sweep_jobs()["redispatched"] == 1
    assert wait_for(client, f"/api/scans/{scan['id']}", h)["status"] == "done"


def test_a_bug_is_shown_as_a_generic_message_never_a_numpy_error(  # type: ignore[no-untyped-def]
    app, client, auth, ply, monkeypatch
) -> None:
    import numpy as np

    from storefront.scans import services

    def broken(path: Path, filename: str, units: str):  # type: ignore[no-untyped-def]
        np.linalg.inv(np.zeros((3, 3)))  # LinAlgError, a ValueError subclass

    monkeypatch.setattr(services, "measure_file", broken)
    app.config["JOB_ISOLATION"] = "none"  # the patched function runs in the worker
    h = auth.shopper()
    scan = wait_for(client, f"/api/scans/{_upload(client, h, ply)['id']}", h)
    assert scan["status"] == "failed"
    assert scan["error"] == scan["job"]["error"]
    assert "Singular" not in scan["error"] and "Error" not in scan["error"]
    m = re.fullmatch(r"internal error, reference (\d+)", scan["error"])
    assert m, scan["error"]
    with app.app_context():  # the reference finds the stored traceback, recorded once
        incident = db.session.get(Incident, int(m.group(1)))
        assert incident is not None and incident.error_type == "LinAlgError"
        assert "Singular matrix" in incident.trace and "broken" in incident.trace
        assert incident.source.startswith(f"job {scan['job']['id']} (scan ")
        assert db.session.query(Incident).count() == 1


def test_the_one_user_fault_predicate(app) -> None:  # type: ignore[no-untyped-def]
    """Only domain errors are the user's; footscan/gait errors become domain errors where
    the adapters call those packages (scan refusal, RecordingNotUsable)."""
    from footscan.exceptions import NotAFootError
    from gait.exceptions import RecordingReadError
    from storefront.domain_errors import PaymentDeclined, ProfileError, RecordingNotUsable
    from storefront.errors import ApiError
    from storefront.scans.footscan_bridge import is_refusal

    assert is_user_error(ProfileError("x")) and is_user_error(RecordingNotUsable("bad file"))
    assert is_user_error(PaymentDeclined("card declined"))
    assert not is_user_error(RecordingReadError("bad file")) and is_refusal(NotAFootError("x"))
    assert not is_user_error(ValueError("operands could not be broadcast"))
    assert not is_user_error(KeyError("x")) and not is_user_error(ApiError(422, "x", "y"))
    assert not is_refusal(ValueError("operands could not be broadcast"))
    msg = user_message(RecordingNotUsable("cannot read /srv/shoestreet/instance/uploads/gait/ab12/walk.csv: bad header"))  # fmt: skip
    assert msg == "cannot read walk.csv: bad header"
    with app.app_context():
        assert failure_message(RecordingNotUsable("too short"), "job x") == "too short"
        msg = failure_message(ValueError("/etc/passwd"), "job y (scan 1)")
        ref = int(msg.rsplit(" ", 1)[1])
        assert msg == f"internal error, reference {ref}" and "passwd" not in msg
        incident = db.session.get(Incident, ref)
        assert incident is not None and "/etc/passwd" in incident.trace


_WORKER = textwrap.dedent(
    """
    import sys, time
    from storefront import create_app, jobs
    from tests.storefront.conftest import base_config
    from pathlib import Path

    def slow(target, progress):
        print("running", flush=True)
        time.sleep(60)

    cfg = base_config(Path(sys.argv[1]), sys.argv[2])
    cfg["JOB_LEASE_S"] = 0.6
    app = create_app(cfg)
    jobs.registry_of(app).add("scan", slow)
    with app.app_context():
        jobs.execute_job(sys.argv[3])
    """
)


def test_a_worker_process_killed_mid_job_is_rerun(app, client, auth, ply, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL a real worker process in the middle of a scan job; the sweeper re-runs it."""
    from storefront import jobs

    h = auth.shopper()
    real = jobs.JobRunner.dispatch
    jobs.JobRunner.dispatch = lambda self, job_id: None
    try:
        scan = _upload(client, h, ply)
    finally:
        jobs.JobRunner.dispatch = real
    app.config["JOB_LEASE_S"] = 0.6
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    proc = subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(tmp_path), uri, scan["job"]["id"]],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    t0 = time.monotonic()
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"running"
        with app.app_context():
            assert db.session.get(Job, scan["job"]["id"]).status == "running"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.8)  # the dead worker's lease runs out
    with app.app_context():
        assert sweep_jobs()["requeued"] == 1
    done = wait_for(client, f"/api/scans/{scan['id']}", h)
    assert done["status"] == "done" and done["job"]["attempts"] == 2
    assert time.monotonic() - t0 < 120
