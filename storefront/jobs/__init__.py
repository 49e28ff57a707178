"""Background jobs: the runner (thread pool, RQ or inline) and the registry of job kinds."""

from storefront.jobs.registry import JobKind, JobRegistry, ProgressFn, registry_of
from storefront.jobs.runner import (
    JobRunner,
    execute_job,
    fail_interrupted_jobs,
    failure_message,
    get_runner,
    init_jobs,
    is_user_error,
    job_to_dict,
    release_interrupted_jobs,
    sweep_jobs,
    user_message,
)

__all__ = [
    "JobKind",
    "JobRegistry",
    "JobRunner",
    "ProgressFn",
    "execute_job",
    "failure_message",
    "fail_interrupted_jobs",
    "get_runner",
    "init_jobs",
    "is_user_error",
    "job_to_dict",
    "registry_of",
    "release_interrupted_jobs",
    "sweep_jobs",
    "user_message",
]
