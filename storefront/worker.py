"""The RQ worker's entry point (``storefront.worker.rq_execute``): one job id per call.

Above the app factory: a plain ``rq worker`` process has no app, so this builds one from the
environment; ``storefront worker`` (the CLI) already runs inside an app context.
"""

from __future__ import annotations

from flask import has_app_context

from storefront.jobs import execute_job

__all__ = ["rq_execute"]


def rq_execute(job_id: str) -> str:
    """Run one job: reuse the caller's app context (tests, the CLI) or build the app."""
    if has_app_context():
        return execute_job(job_id)
    from storefront import create_app

    app = create_app()
    with app.app_context():
        return execute_job(job_id)
