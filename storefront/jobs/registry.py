"""What each job kind runs: a registry the app factory fills.

The runner (:mod:`storefront.jobs.runner`) knows job rows, leases and backends, not what a
scan or a gait session is. Each domain hands its handler (and the hook that closes its
target row when the job fails) to :func:`register_job_kinds` in ``storefront.create_app``;
so the runner imports no domain package and no domain imports the runner's internals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

__all__ = ["Housekeeping", "JobKind", "JobRegistry", "ProgressFn", "registry_of"]

#: ``progress(fraction in [0, 1], stage)`` callback handed to every handler.
ProgressFn = Callable[[float, str], None]

#: A periodic clean-up the sweeper runs inside an app context; returns a count for the log.
Housekeeping = Callable[[Flask], int]


@dataclass(frozen=True)
class JobKind:
    """One kind of background job.

    Attributes
    ----------
    name : str
        The ``job.kind`` value (``scan``, ``gait``, ``learn``).
    run : callable
        ``run(target_id, progress)``: does the work; raises a domain error when the input is
        the user's fault, anything else is a bug.
    on_failure : callable or None
        ``on_failure(target_id, message)``: closes the target row (scan, gait session) as
        failed with the message the user reads.
    """

    name: str
    run: Callable[[int, ProgressFn], None]
    on_failure: Callable[[int, str], None] | None = None


@dataclass
class JobRegistry:
    """The job kinds and the sweeper's housekeeping tasks of one app."""

    kinds: dict[str, JobKind] = field(default_factory=dict)
    housekeeping: dict[str, Housekeeping] = field(default_factory=dict)

    def add(
        self,
        name: str,
        run: Callable[[int, ProgressFn], None],
        on_failure: Callable[[int, str], None] | None = None,
    ) -> None:
        """Register (or replace) the handler of job kind ``name``."""
        self.kinds[name] = JobKind(name, run, on_failure)

    def add_housekeeping(self, name: str, task: Housekeeping) -> None:
        """Register a periodic clean-up run by every sweep (``name`` labels its log line)."""
        self.housekeeping[name] = task

    def kind(self, name: str) -> JobKind:
        """The registered kind, or :class:`KeyError` naming the known ones."""
        try:
            return self.kinds[name]
        except KeyError:
            raise KeyError(f"unknown job kind {name!r}; known: {sorted(self.kinds)}") from None


def registry_of(app: Flask) -> JobRegistry:
    """The app's registry (created empty on first use)."""
    reg = app.extensions.get("shoestreet_job_registry")
    if reg is None:
        reg = app.extensions.setdefault("shoestreet_job_registry", JobRegistry())
    return reg
