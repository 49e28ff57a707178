"""What the job status route (``GET /api/jobs/<id>``) answers: the job, its failure in words.

A failed job records its reason in English (:func:`storefront.jobs.runner.failure_message`).
The status answers it as the API's errors do (:func:`storefront.i18n.errors.localise_error`):
``error`` in the language the request names (English when it names none, so scripts read what
they always read) and the English original in ``detail``.
"""

from __future__ import annotations

from typing import Any

from storefront.db.models import Job
from storefront.i18n.reasons import FALLBACK, JOB_FALLBACK, reason_text
from storefront.jobs.runner import job_to_dict

__all__ = ["error_fields", "job_status"]

#: Job kinds whose unknown reasons read "could not be made" (made to measure).
_MADE_KINDS = ("mtm_",)


def job_status(job: Job, language: str) -> dict[str, Any]:
    """The public view of ``job`` with its failure reason in ``language``.

    Parameters
    ----------
    job : storefront.db.models.Job
        The job row.
    language : {"ko", "en"}
        The answer's language (the view's choice: the one the request names, else English).

    Returns
    -------
    dict
        :func:`~storefront.jobs.runner.job_to_dict` with ``error`` in ``language`` (None while
        the job has not failed) and ``detail``, the English reason as recorded (or None).
    """
    fallback = FALLBACK if job.kind.startswith(_MADE_KINDS) else JOB_FALLBACK
    return {
        **job_to_dict(job),
        "error": reason_text(job.error, language, fallback),
        "detail": job.error,
    }


def error_fields(message: str | None, language: str) -> dict[str, Any]:
    """A scan's or gait session's own failure, as its job's: ``error`` in ``language``, the
    English as recorded in ``error_detail``."""
    return {"error": reason_text(message, language, JOB_FALLBACK), "error_detail": message}
