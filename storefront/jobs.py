"""Background jobs off the request path: an in-process thread pool, or RQ on Redis.

A job is a row in ``job`` (status, progress, stage, error) plus a handler by kind. The
request handler commits the row, then dispatches its id; the worker (thread or RQ process)
runs :func:`execute_job` inside an app context and records progress as it goes.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app, has_app_context

from storefront.exceptions import ApiError
from storefront.extensions import db
from storefront.models import Job, utcnow

__all__ = [
    "JobRunner",
    "ProgressFn",
    "execute_job",
    "fail_interrupted_jobs",
    "get_runner",
    "init_jobs",
    "job_to_dict",
    "rq_execute",
]

log = logging.getLogger(__name__)

#: ``progress(fraction in [0, 1], stage)`` callback handed to every handler.
ProgressFn = Callable[[float, str], None]


def _handlers() -> dict[str, Callable[[int, ProgressFn], None]]:
    # Imported here: handlers pull in footscan/gait/scikit-learn, which the app need not load
    # until a job actually runs.
    from storefront.gaitsessions.services import process_gait_session
    from storefront.learning_jobs import relearn_offsets
    from storefront.scans.services import process_scan

    return {"scan": process_scan, "gait": process_gait_session, "learn": relearn_offsets}


def _user_facing_errors() -> tuple[type[BaseException], ...]:
    errs: list[type[BaseException]] = [ApiError, ValueError]
    try:
        from footscan.exceptions import FootscanError

        errs.append(FootscanError)
    except ImportError:
        pass
    try:
        from gait.exceptions import GaitError

        errs.append(GaitError)
    except ImportError:
        pass
    try:
        from storefront.domain_errors import DomainError  # type: ignore[attr-defined]

        errs.append(DomainError)
    except ImportError:
        pass
    return tuple(errs)


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
    }


def _set(job_id: str, **values: Any) -> None:
    job = db.session.get(Job, job_id)
    if job is None:
        return
    for k, v in values.items():
        setattr(job, k, v)
    job.updated_at = utcnow()
    db.session.commit()


def execute_job(job_id: str) -> str:
    """Run one job to the end in the current app context; return its final status."""
    job = db.session.get(Job, job_id)
    if job is None:
        log.warning("job %s vanished before it ran (account deleted?)", job_id)
        return "missing"
    kind, target = job.kind, job.target_id
    _set(job_id, status="running", stage="started", progress=0.02)

    def progress(fraction: float, stage: str) -> None:
        _set(job_id, progress=float(min(max(fraction, 0.0), 1.0)), stage=stage[:64])

    try:
        _handlers()[kind](target, progress)
    except _user_facing_errors() as exc:
        db.session.rollback()
        msg = exc.message if isinstance(exc, ApiError) else str(exc)
        _set(job_id, status="failed", stage="failed", error=msg[:2000])
        return "failed"
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s %s) crashed", job_id, kind, target)
        _set(
            job_id,
            status="failed",
            stage="failed",
            error="internal error while processing (logged)",
        )
        return "failed"
    _set(job_id, status="done", stage="done", progress=1.0)
    return "done"


def fail_interrupted_jobs(idle_s: float) -> int:
    """Mark thread-pool jobs left queued/running by a previous process as failed; return how many.

    Thread-pool jobs live in the process that accepted the upload; after a restart nobody will
    run them, so they are closed with a reason rather than left "queued" forever. Only jobs not
    touched for ``idle_s`` seconds are closed, so a sibling worker's live jobs are safe (``0``
    is for ``storefront serve``, which runs this before any worker exists). RQ jobs are left
    alone: they wait in Redis for a worker.
    """
    from datetime import timedelta

    from sqlalchemy import update

    from storefront.models import GaitSession, Scan

    cutoff = utcnow() - timedelta(seconds=idle_s)
    stale = [
        j.id
        for j in db.session.query(Job).filter(
            Job.backend == "thread",
            Job.status.in_(("queued", "running")),
            Job.updated_at <= cutoff,
        )
    ]
    if not stale:
        return 0
    msg = "interrupted by a server restart; please upload again"
    db.session.execute(
        update(Job).where(Job.id.in_(stale)).values(status="failed", stage="failed", error=msg)
    )
    for model in (Scan, GaitSession):
        db.session.execute(
            update(model)
            .where(model.job_id.in_(stale), model.status.in_(("queued", "running")))
            .values(status="failed", error=msg)
        )
    db.session.commit()
    return len(stale)


def rq_execute(job_id: str) -> str:
    """RQ entry point: reuse the caller's app context (tests) or build the app from the environment."""
    if has_app_context():
        return execute_job(job_id)
    from storefront import create_app

    app = create_app()
    with app.app_context():
        return execute_job(job_id)


class JobRunner:
    """Creates job rows and dispatches them to the configured backend."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.backend: str = app.config["JOB_BACKEND"]
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._futures: list[Future[Any]] = []

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
        if kind not in ("scan", "gait", "learn"):
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
        """Hand a committed job id to the backend."""
        if self.backend == "inline":
            execute_job(job_id)
        elif self.backend == "rq":
            self._queue().enqueue("storefront.jobs.rq_execute", job_id, job_timeout=900)
        else:
            fut = self._thread_pool().submit(self._run_in_app, job_id)
            with self._lock:
                self._futures = [f for f in self._futures if not f.done()] + [fut]

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

    def _queue(self):  # type: ignore[no-untyped-def]
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
    """Attach a :class:`JobRunner` to the app."""
    app.extensions["shoestreet_jobs"] = JobRunner(app)


def get_runner() -> JobRunner:
    """The current app's job runner."""
    return current_app.extensions["shoestreet_jobs"]
