"""Run one untrusted file's processing in a child process with a memory and a time limit.

A scan or recording is parsed and measured by footscan/gait in a child started from a
``forkserver`` that has already imported them (so a job pays ~0.1 s, not the imports). The
child sets ``RLIMIT_AS`` (address space) and ``RLIMIT_CPU``; the parent waits at most the wall
limit and then kills it. So one file can never take the worker down: what would have been an
out-of-memory kill or an endless parse becomes a clear, user-facing refusal
(:class:`ResourceLimitExceeded`, a domain error). Exceptions raised in the child come back as
they are (footscan/gait errors stay the user's; anything else stays ours).

With ``JOB_ISOLATION = "none"`` the function runs in-process (debugging, tests that patch it).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storefront.domain_errors import DomainError

__all__ = ["Limits", "ResourceLimitExceeded", "limits_from_config", "run_limited"]

log = logging.getLogger(__name__)

#: Imported once by the fork server, so every child starts with them loaded.
_PRELOAD = [
    "numpy",
    "scipy.spatial",
    "trimesh",
    "footscan",
    "footscan._io",
    "footscan._pipeline",
    "footscan._export",
    "gait",
    "storefront.security.isolation",
    "storefront.scans.footscan_bridge",
    "storefront.gait_sessions.gait_bridge",
]
_CTX: Any = None
_CTX_LOCK = threading.Lock()


class ResourceLimitExceeded(DomainError):
    """The file needed more memory or time than one job may use."""


@dataclass(frozen=True)
class Limits:
    """Per-job limits. ``memory_mb`` is address space (virtual), ``cpu_s`` CPU seconds."""

    memory_mb: int = 2048
    cpu_s: int = 90
    wall_s: float = 120.0


#: One BLAS/OpenMP thread per job: the machine's cores are shared by the jobs, and a BLAS
#: thread pool that cannot allocate under RLIMIT_AS retries instead of failing.
_THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}


def _context() -> Any:
    global _CTX
    with _CTX_LOCK:
        if _CTX is None:
            from multiprocessing import forkserver

            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            saved = {k: os.environ.get(k) for k in _THREAD_ENV}
            os.environ.update(_THREAD_ENV)  # the fork server inherits them at start
            try:
                forkserver.ensure_running()
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            _CTX = ctx
        return _CTX


def _forget_forkserver_after_fork() -> None:
    """In a forked child (a gunicorn worker, an RQ work horse) the parent's fork server is not
    ours to use (``waitpid`` on it fails): forget it, so the first job starts our own."""
    global _CTX
    _CTX = None
    try:
        from multiprocessing import forkserver

        fs: Any = forkserver._forkserver  # CPython's private singleton
        fs._forkserver_address = None
        fs._forkserver_alive_fd = None
        fs._forkserver_pid = None
        fs._inherited_fds = None
        fs._lock = threading.Lock()  # another thread may have held it at the fork
    except Exception:  # pragma: no cover (a Python without these internals)
        pass


os.register_at_fork(after_in_child=_forget_forkserver_after_fork)


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> None:
    import resource

    mem = limits.memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
    except (ValueError, OSError):  # pragma: no cover (a platform without the limits)
        pass
    try:
        out = ("ok", fn(*args))
    except MemoryError:
        out = ("memory", None)
    except BaseException as exc:
        out = ("error", _portable(exc))
    try:
        conn.send(out)
    except MemoryError:  # pragma: no cover
        conn.send(("memory", None))
    finally:
        conn.close()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else the nearest class in its MRO that does, same text.

    Keeps the type the parent's "is it the user's fault" check needs (a footscan error with a
    custom ``__init__`` becomes its footscan base class, never a bare RuntimeError).
    """
    for cls in type(exc).__mro__:
        if not isinstance(cls, type) or not issubclass(cls, BaseException):
            continue
        try:
            candidate = exc if cls is type(exc) else cls(str(exc))
            pickle.loads(pickle.dumps(candidate))
            return candidate
        except Exception:
            continue
    return RuntimeError(f"{type(exc).__name__}: {exc}")  # pragma: no cover


def run_limited(fn: Callable[..., Any], args: tuple[Any, ...], limits: Limits, what: str) -> Any:
    """``fn(*args)`` in a limited child; its result, its exception, or ResourceLimitExceeded.

    ``fn`` must be a module-level function (it is pickled by reference).
    """
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, limits), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(limits.wall_s):
            proc.kill()
            raise ResourceLimitExceeded(
                f"{what} took longer than {limits.wall_s:g} s and was stopped; "
                "try a smaller or simpler file"
            )
        try:
            status, value = parent.recv()
        except EOFError:
            status, value = "died", None
    finally:
        proc.join(5)
        if proc.is_alive():  # pragma: no cover
            proc.kill()
            proc.join(5)
        parent.close()
    if status == "ok":
        return value
    if status == "error":
        raise value
    if status == "memory" or proc.exitcode is not None:
        code = proc.exitcode
        log.warning("%s: child ended with %s (exit code %s)", what, status, code)
        if status == "memory" or code in (-9, -6, -11):
            raise ResourceLimitExceeded(
                f"{what} needed more than {limits.memory_mb} MB of memory and was stopped; "
                "try a smaller or decimated file"
            )
        if code == -24:  # SIGXCPU
            raise ResourceLimitExceeded(
                f"{what} needed more than {limits.cpu_s} s of CPU and was stopped"
            )
    raise RuntimeError(f"{what}: the processing child ended unexpectedly ({proc.exitcode})")


def limits_from_config(cfg: Any) -> Limits:
    """The per-job :class:`Limits` from the app configuration (``JOB_MEMORY_MB``, ...)."""
    return Limits(
        memory_mb=int(cfg.get("JOB_MEMORY_MB", 2048)),
        cpu_s=int(cfg.get("JOB_CPU_S", 90)),
        wall_s=float(cfg.get("JOB_TIMEOUT_S", 120.0)),
    )
