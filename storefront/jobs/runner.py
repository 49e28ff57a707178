"""Background jobs off the request path: an in-process thread pool, or RQ on Redis.

A job is a row in ``job`` (status, progress, stage, error) plus a handler by kind. The
request handler commits the row, then dispatches its id; the worker (thread or RQ process)
runs :func:`execute_job` inside an app context and records progress as it goes.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from flask import Flask, current_app

from storefront.db.incidents import internal_message, record_incident
from storefront.db.models import Job, utcnow
from storefront.domain_errors import is_user_error
from storefront.extensions import db, rows_affected
from storefront.jobs.registry import ProgressFn, registry_of

__all__ = [
    "JobRunner",
    "ProgressFn",
    "execute_job",
    "failure_message",
    "fail_interrupted_jobs",
    "release_interrupted_jobs",
    "get_runner",
    "init_jobs",
    "is_user_error",
    "job_to_dict",
    "sweep_jobs",
    "user_message",
]

log = logging.getLogger(__name__)

#: The function an RQ worker runs for a job id (it builds the app when it has none).
RQ_TASK = "storefront.worker.rq_execute"


#: Absolute filesystem paths (POSIX or Windows) inside a message.
_PATH_RE = re.compile(r"(?:[A-Za-z]:\\|/)(?:[^\s'\"/\\:]+[/\\])+([^\s'\"/\\:]*)")


def user_message(exc: BaseException) -> str:
    """A domain error's message as the user reads it: no server paths, at most 2000 characters."""
    msg = str(exc)
    return _PATH_RE.sub(lambda m: m.group(1) or "<file>", msg)[:2000] or "the input was refused"


def failure_message(exc: BaseException, source: str) -> str:
    """What a failed job records for its user, decided once.

    A domain error (the user's fault) keeps its message (without server paths); anything else
    is a bug: logged with its traceback, stored as an incident, and the user reads
    "internal error, reference N".
    """
    if is_user_error(exc):
        return user_message(exc)
    return internal_message(record_incident(exc, source))


def job_to_dict(job: Job) -> dict[str, Any]:
    """Public view of a job."""
    return {
        "id": job.id,
        "kind": job.kind,
        "target_id": job.target_id,
        "status": job.status,
        "progress": round(job.progress, 3),
        "stage": job.stage,
        "error": job.error,
        "backend": job.backend,
        "attempts": job.attempts,
    }


def _set(job_id: str, **values: Any) -> None:
    job = db.session.get(Job, job_id)
    if job is None:
        return
    for k, v in values.items():
        setattr(job, k, v)
    job.updated_at = utcnow()
    db.session.commit()


def _worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 100000}"


def _claim(job_id: str, lease_s: float, max_attempts: int) -> bool:
    """Atomically take a queued job: queued -> running, attempts + 1, a fresh lease.

    Only one worker can win (a conditional ``UPDATE``), so a job dispatched twice (a sweeper's
    re-dispatch racing the original) runs once.
    """
    from sqlalchemy import update

    now = utcnow()
    res = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued", Job.attempts < max_attempts)
        .values(
            status="running",
            stage="started",
            progress=0.02,
            attempts=Job.attempts + 1,
            lease_expires_at=now + timedelta(seconds=lease_s),
            worker=_worker_name(),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rows_affected(res) == 1


class _Heartbeat:
    """Renews a running job's lease every ``lease_s / 3`` seconds from a side thread."""

    def __init__(self, app: Flask, job_id: str, lease_s: float) -> None:
        self.app, self.job_id, self.lease_s = app, job_id, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{job_id[:8]}", daemon=True
        )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        from sqlalchemy import update

        while not self._stop.wait(max(self.lease_s / 3.0, 0.05)):
            try:
                with self.app.app_context():
                    now = utcnow()
                    db.session.execute(
                        update(Job)
                        .where(Job.id == self.job_id, Job.status == "running")
                        .values(lease_expires_at=now + timedelta(seconds=self.lease_s))
                        .execution_options(synchronize_session=False)
                    )
                    db.session.commit()
                    db.session.remove()
            except Exception:  # a missed beat only shortens the lease
                log.warning("heartbeat of job %s failed", self.job_id, exc_info=True)


def _on_failure(kind: str, target_id: int, message: str) -> None:
    """Close the job's target row (scan, gait session) as failed with the same message."""
    job_kind = registry_of(current_app).kinds.get(kind)
    if job_kind is not None and job_kind.on_failure is not None:
        job_kind.on_failure(target_id, message)


def execute_job(job_id: str) -> str:
    """Claim one queued job and run it to the end in the current app context.

    Returns the final status (``done``, ``failed``), or ``skipped`` when another worker holds
    the job or it is already finished, or ``missing``. The failure is recorded once, here:
    :func:`user_message` decides what the user reads (the job's and the target row's
    ``error``); a bug is logged with its traceback.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lease_s = float(app.config.get("JOB_LEASE_S", 60.0))
    max_attempts = int(app.config.get("JOB_MAX_ATTEMPTS", 3))
    job = db.session.get(Job, job_id)
    if job is None:
        log.warning("job %s vanished before it ran (account deleted?)", job_id)
        return "missing"
    kind, target = job.kind, job.target_id
    if not _claim(job_id, lease_s, max_attempts):
        return "skipped"

    def progress(fraction: float, stage: str) -> None:
        _set(
            job_id,
            progress=float(min(max(fraction, 0.0), 1.0)),
            stage=stage[:64],
            lease_expires_at=utcnow() + timedelta(seconds=lease_s),
        )

    try:
        with _Heartbeat(app, job_id, lease_s):
            registry_of(app).kind(kind).run(target, progress)
    except Exception as exc:
        db.session.rollback()
        message = failure_message(exc, f"job {job_id} ({kind} {target})")
        _set(job_id, status="failed", stage="failed", error=message, lease_expires_at=None)
        _on_failure(kind, target, message)
        return "failed"
    _set(job_id, status="done", stage="done", progress=1.0, lease_expires_at=None)
    return "done"


def sweep_jobs(redispatch: Callable[[str], None] | None = None) -> dict[str, int]:
    """Find jobs whose worker died and finish them; run at start and periodically.

    * ``running`` with an expired lease (no heartbeat): back to ``queued`` and dispatched again
      when it has runs left (``attempts < JOB_MAX_ATTEMPTS``), else ``failed`` with the reason;
      the target row (scan, gait session) is failed with the same message.
    * ``queued`` and never handed to the backend (the queue was down), or handed over more
      than ``JOB_QUEUED_STALE_S`` ago (the process holding it died): dispatched again.

    Every change is a conditional ``UPDATE``, so concurrent sweepers (one per process) agree.
    Returns counts: ``requeued``, ``failed``, ``redispatched``.
    """
    from sqlalchemy import or_, select, update

    cfg = current_app.config
    max_attempts = int(cfg.get("JOB_MAX_ATTEMPTS", 3))
    stale_s = float(cfg.get("JOB_QUEUED_STALE_S", 600.0))
    now = utcnow()
    counts = {"requeued": 0, "failed": 0, "redispatched": 0}
    expired = db.session.execute(
        select(Job.id, Job.kind, Job.target_id, Job.attempts).where(
            Job.status == "running", Job.lease_expires_at < now
        )
    ).all()
    to_dispatch: list[str] = []
    for job_id, kind, target, attempts in expired:
        if attempts < max_attempts:
            res = db.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.lease_expires_at < now)
                .values(
                    status="queued",
                    stage=f"re-queued after its worker stopped (run {attempts} of {max_attempts})",
                    lease_expires_at=None,
                    dispatched_at=None,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            if rows_affected(res) == 1:
                counts["requeued"] += 1
                to_dispatch.append(job_id)
        else:
            message = (
                f"processing stopped {attempts} times without finishing (the worker was "
                "lost); please upload again"
            )
            res = db.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.lease_expires_at < now)
                .values(status="failed", stage="failed", error=message, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            if rows_affected(res) == 1:
                counts["failed"] += 1
                _on_failure(kind, target, message)
    stale = now - timedelta(seconds=stale_s)
    waiting = db.session.scalars(
        select(Job.id).where(
            Job.status == "queued",
            Job.backend != "inline",
            or_(Job.dispatched_at.is_(None), Job.dispatched_at < stale),
            Job.created_at < now - timedelta(seconds=2),
        )
    ).all()
    for job_id in to_dispatch + [j for j in waiting if j not in to_dispatch]:
        try:
            (redispatch or get_runner().dispatch)(job_id)
        except Exception as exc:
            log.warning("sweeper could not dispatch job %s: %s", job_id, exc)
            db.session.rollback()
            continue
        if job_id not in to_dispatch:
            counts["redispatched"] += 1
    return counts


def release_interrupted_jobs(idle_s: float) -> int:
    """Hand thread-pool jobs left behind by a previous process to the sweeper; return how many.

    Thread-pool jobs live in the process that accepted the upload; after a restart nobody will
    run them. Running ones get an expired lease (the sweeper re-queues them within their run
    budget, else fails them with a reason); queued ones are marked not dispatched (the sweeper
    dispatches them). Only jobs not touched for ``idle_s`` seconds are released, so a sibling
    worker's live jobs are safe (``0`` is for ``storefront serve``, which runs this before any
    worker exists). RQ jobs wait in Redis; their leases cover a dead RQ worker.
    """
    from sqlalchemy import update

    now = utcnow()
    cutoff = now - timedelta(seconds=idle_s)
    base = (Job.backend == "thread", Job.updated_at <= cutoff)
    n = rows_affected(
        db.session.execute(
            update(Job)
            .where(*base, Job.status == "running")
            .values(lease_expires_at=now - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
    )
    n += rows_affected(
        db.session.execute(
            update(Job)
            .where(*base, Job.status == "queued")
            .values(dispatched_at=None)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return n


#: Former name (closing instead of re-queueing); kept for callers outside the package.
fail_interrupted_jobs = release_interrupted_jobs


class JobRunner:
    """Creates job rows and dispatches them to the configured backend."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.backend: str = app.config["JOB_BACKEND"]
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._futures: list[Future[Any]] = []
        self._sweeper: threading.Thread | None = None

    def check_available(self) -> None:
        """Raise :class:`~storefront.domain_errors.QueueUnavailable` when jobs cannot be queued.

        Upload views call this before they write anything, so with Redis down an upload is
        refused (503) with nothing committed. The thread and inline backends are always there.
        """
        if self.backend != "rq":
            return
        from storefront.domain_errors import QueueUnavailable

        try:
            self._queue().connection.ping()
        except Exception as exc:  # redis.ConnectionError, TimeoutError, bad URL...
            log.warning("job queue unavailable: %s", exc)
            raise QueueUnavailable(
                "the processing queue is unavailable; nothing was saved, please try again later"
            ) from None

    def submit(self, kind: str, target_id: int, user_id: int | None, required: bool = True) -> Job:
        """Commit a queued job row and dispatch it; return the row.

        The row is committed first (the outbox); if the backend then refuses it (Redis went
        away), the job stays ``queued`` with stage ``waiting for the queue`` and the sweeper
        dispatches it later. Nothing here raises after the commit, so no request that
        committed its work answers 500. ``required`` is kept for callers' intent (background
        re-learning is best effort) and is recorded in the log.
        """
        if kind not in registry_of(self.app).kinds:
            raise ValueError(f"unknown job kind {kind!r}")
        job = Job(
            id=str(uuid.uuid4()),
            kind=kind,
            target_id=target_id,
            user_id=user_id,
            backend=self.backend,
        )
        db.session.add(job)
        db.session.commit()
        try:
            self.dispatch(job.id)
        except Exception as exc:  # the queue went away after the commit: dispatch later
            log.warning(
                "job %s (%s%s) not dispatched, left for the sweeper: %s",
                job.id,
                kind,
                "" if required else ", best effort",
                exc,
            )
            db.session.rollback()
            _set(job.id, stage="waiting for the queue")
        return job

    def dispatch(self, job_id: str) -> None:
        """Hand a committed job id to the backend (and note when, for the sweeper)."""
        if self.backend != "inline":
            self._send(job_id)
            _set(job_id, dispatched_at=utcnow())
            return
        execute_job(job_id)

    def _send(self, job_id: str) -> None:
        if self.backend == "inline":
            execute_job(job_id)
        elif self.backend == "rq":
            self._queue().enqueue(RQ_TASK, job_id, job_timeout=900)
        else:
            fut = self._thread_pool().submit(self._run_in_app, job_id)
            with self._lock:
                self._futures = [f for f in self._futures if not f.done()] + [fut]

    def start_sweeper(self) -> None:
        """Start this process's periodic sweeper thread once (after gunicorn forked)."""
        interval = float(self.app.config.get("JOB_SWEEP_INTERVAL_S", 0) or 0)
        if interval <= 0:
            return
        with self._lock:
            if self._sweeper is not None and self._sweeper.is_alive():
                return
            self._sweeper = threading.Thread(
                target=self._sweep_forever, args=(interval,), name="job-sweeper", daemon=True
            )
            self._sweeper.start()

    def _sweep_forever(self, interval: float) -> None:
        import random

        while True:
            try:
                with self.app.app_context():
                    counts = sweep_jobs()
                    if any(counts.values()):
                        log.warning("job sweeper: %s", counts)
                    for name, task in registry_of(self.app).housekeeping.items():
                        n = task(self.app)
                        if n:
                            log.warning("job sweeper: %s: %d", name, n)
                    db.session.commit()
                    db.session.remove()
            except Exception:
                log.exception("job sweeper failed; retrying in %.0f s", interval)
            # jitter so the sweepers of several processes do not beat in step
            threading.Event().wait(interval * random.uniform(0.8, 1.2))

    def wait_idle(self, timeout_s: float = 60.0) -> None:
        """Block until every thread-pool job submitted so far has finished (tests, shutdown)."""
        with self._lock:
            futures = list(self._futures)
        for fut in futures:
            fut.result(timeout=timeout_s)

    def _run_in_app(self, job_id: str) -> None:
        with self.app.app_context():
            execute_job(job_id)

    def _thread_pool(self) -> ThreadPoolExecutor:
        # Created lazily so each gunicorn worker (forked after import) gets its own threads.
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=int(self.app.config["JOB_WORKERS"]),
                    thread_name_prefix="shoestreet-job",
                )
            return self._pool

    def _queue(self):
        from redis import Redis
        from rq import Queue

        url = self.app.config.get("REDIS_URL")
        if not url:
            raise RuntimeError("JOB_BACKEND=rq needs SHOESTREET_REDIS_URL")
        return Queue(
            self.app.config["RQ_QUEUE"],
            connection=Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5),
        )


def init_jobs(app: Flask) -> None:
    """Attach a :class:`JobRunner` to the app; its sweeper starts with the first request."""
    app.extensions["shoestreet_jobs"] = JobRunner(app)

    @app.before_request
    def _start_sweeper() -> None:
        app.extensions["shoestreet_jobs"].start_sweeper()


def get_runner() -> JobRunner:
    """The current app's job runner."""
    return current_app.extensions["shoestreet_jobs"]
