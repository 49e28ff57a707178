"""Layered configuration: defaults, then the instance file (or test config), then ``SHOESTREET_*``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["ENV_PREFIX", "ENV_VARS", "configure_app", "default_config", "parse_bool"]

#: Prefix of every environment variable the service reads.
ENV_PREFIX = "SHOESTREET_"


def parse_bool(text: str) -> bool:
    """Parse ``1/0, true/false, yes/no, on/off`` (case-insensitive); anything else is an error."""
    low = text.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (1/0, true/false, yes/no, on/off), got {text!r}")


def _parse_rate(text: str) -> str:
    """Validate ``"N/SECONDS"`` (requests per window) and return it unchanged."""
    count, _, window = text.partition("/")
    if not (count.strip().isdigit() and window.strip().isdigit() and int(window) > 0):
        raise ValueError(f"expected a rate like '10/60' (requests/seconds), got {text!r}")
    return f"{int(count)}/{int(window)}"


def _parse_backend(text: str) -> str:
    value = text.strip().lower()
    if value not in {"thread", "rq", "inline"}:
        raise ValueError(f"expected a job backend 'thread', 'rq' or 'inline', got {text!r}")
    return value


def _parse_isolation(text: str) -> str:
    value = text.strip().lower()
    if value not in {"process", "none"}:
        raise ValueError(f"expected 'process' or 'none', got {text!r}")
    return value


#: Environment variable suffix -> (config key, parser). Every variable is parsed explicitly.
ENV_VARS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "JOB_BACKEND": ("JOB_BACKEND", _parse_backend),
    "JOB_WORKERS": ("JOB_WORKERS", int),
    "REDIS_URL": ("REDIS_URL", str),
    "RQ_QUEUE": ("RQ_QUEUE", str),
    "MAX_UPLOAD_MB": ("MAX_UPLOAD_MB", int),
    "MAX_DECOMPRESSED_MB": ("MAX_DECOMPRESSED_MB", int),
    "TOKEN_TTL_HOURS": ("TOKEN_TTL_HOURS", float),
    "RATELIMIT_LOGIN": ("RATELIMIT_LOGIN", _parse_rate),
    "RATELIMIT_UPLOAD": ("RATELIMIT_UPLOAD", _parse_rate),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", parse_bool),
    "RATELIMIT_WRITE": ("RATELIMIT_WRITE", _parse_rate),
    "RATELIMIT_CHUNK": ("RATELIMIT_CHUNK", _parse_rate),
    "RATELIMIT_MANUFACTURER": ("RATELIMIT_MANUFACTURER", _parse_rate),
    "RATELIMIT_STORAGE_URL": ("RATELIMIT_STORAGE_URL", str),
    "AUTO_INIT": ("AUTO_INIT", parse_bool),
    "SEED_DEMO": ("SEED_DEMO", parse_bool),
    "CATALOG_PATH": ("CATALOG_PATH", str),
    "PRIVACY_EPSILON_PER_PERIOD": ("PRIVACY_EPSILON_PER_PERIOD", float),
    "PRIVACY_MAX_EPSILON_PER_QUERY": ("PRIVACY_MAX_EPSILON_PER_QUERY", float),
    "PRIVACY_MIN_CELL": ("PRIVACY_MIN_CELL", int),
    "PRIVACY_MANUFACTURER_EPSILON_PER_YEAR": ("PRIVACY_MANUFACTURER_EPSILON_PER_YEAR", float),
    "PRIVACY_POPULATION_EPSILON_PER_YEAR": ("PRIVACY_POPULATION_EPSILON_PER_YEAR", float),
    "MAKERS_ENGINE": ("MAKERS_ENGINE", str),
    "MAKERS_MIN_PEOPLE": ("MAKERS_MIN_PEOPLE", int),
    "UPLOAD_DIR": ("UPLOAD_DIR", str),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", parse_bool),
    "RECOMMENDATION_CACHE_SIZE": ("RECOMMENDATION_CACHE_SIZE", int),
    "LOGIN_LOCKOUT_AFTER": ("LOGIN_LOCKOUT_AFTER", int),
    "LOGIN_LOCKOUT_BASE_S": ("LOGIN_LOCKOUT_BASE_S", float),
    "JOB_LEASE_S": ("JOB_LEASE_S", float),
    "JOB_MAX_ATTEMPTS": ("JOB_MAX_ATTEMPTS", int),
    "JOB_SWEEP_INTERVAL_S": ("JOB_SWEEP_INTERVAL_S", float),
    "JOB_QUEUED_STALE_S": ("JOB_QUEUED_STALE_S", float),
    "UPLOAD_ABANDON_H": ("UPLOAD_ABANDON_H", float),
    "INCIDENT_RETENTION_DAYS": ("INCIDENT_RETENTION_DAYS", float),
    "UPLOAD_QUOTA_MB": ("UPLOAD_QUOTA_MB", int),
    "UPLOAD_QUOTA_ITEMS": ("UPLOAD_QUOTA_ITEMS", int),
    "MAILER": ("MAILER", str),
    "MAIL_DIR": ("MAIL_DIR", str),
    "JOB_ISOLATION": ("JOB_ISOLATION", _parse_isolation),
    "JOB_MEMORY_MB": ("JOB_MEMORY_MB", int),
    "JOB_CPU_S": ("JOB_CPU_S", int),
    "JOB_TIMEOUT_S": ("JOB_TIMEOUT_S", float),
    "DATA_KEYS": ("DATA_KEYS", str),
    "DATA_KEY_FILE": ("DATA_KEY_FILE", str),
}


#: Job leases and the sweeper (``default_config``).
_JOB_DEFAULTS: dict[str, Any] = {
    # Jobs: a running job renews a lease every JOB_LEASE_S / 3 s; one whose lease ran out
    # (its worker died) is re-queued up to JOB_MAX_ATTEMPTS runs, then failed with a reason.
    "JOB_LEASE_S": 60.0,
    "JOB_MAX_ATTEMPTS": 3,
    "JOB_SWEEP_INTERVAL_S": 30.0,
    # A job still queued this long after dispatch (or never dispatched) is dispatched again.
    "JOB_QUEUED_STALE_S": 600.0,
}


def default_config(instance_path: str) -> dict[str, Any]:
    """Defaults: everything embedded (SQLite and uploads in the instance folder, thread jobs)."""
    inst = Path(instance_path)
    return {
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{inst / 'shoestreet.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "JOB_BACKEND": "thread",
        "JOB_WORKERS": 2,
        "REDIS_URL": None,
        "RQ_QUEUE": "shoestreet",
        "MAX_UPLOAD_MB": 50,
        "MAX_DECOMPRESSED_MB": 200,
        "TOKEN_TTL_HOURS": 24.0 * 7,
        "RATELIMIT_LOGIN": "10/60",
        "RATELIMIT_UPLOAD": "30/60",
        "RATELIMIT_ENABLED": True,
        # Shared by every worker (database, or Redis at RATELIMIT_STORAGE_URL): commerce writes
        # per account and address, upload chunks, manufacturer queries per account.
        "RATELIMIT_WRITE": "60/60",
        "RATELIMIT_CHUNK": "600/60",
        "RATELIMIT_MANUFACTURER": "30/60",
        "RATELIMIT_STORAGE_URL": None,
        "AUTO_INIT": True,
        # The shared demo shopper (public password, read-only): only with `storefront serve
        # --demo` (`make run`); never in production. DEMO_WRITES lets browser tests shop with it.
        "SEED_DEMO": False,
        "DEMO_WRITES": False,
        "CATALOG_PATH": None,
        "PRIVACY_EPSILON_PER_PERIOD": 1.0,
        "PRIVACY_MAX_EPSILON_PER_QUERY": 1.0,
        "PRIVACY_MIN_CELL": 10,
        # One budget per person (docs/privacy.md): every manufacturer's releases together
        # spend at most the population budget per calendar year; each manufacturer at most
        # its quarterly budget and its annual one.
        "PRIVACY_MANUFACTURER_EPSILON_PER_YEAR": 2.0,
        "PRIVACY_POPULATION_EPSILON_PER_YEAR": 4.0,
        # Maker shape statistics: the aggregation engine ("duckdb" or "spark") and the floor
        # on a group's noisy count.
        "MAKERS_ENGINE": "duckdb",
        "MAKERS_MIN_PEOPLE": 20,
        "UPLOAD_DIR": str(inst / "uploads"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "RECOMMENDATION_CACHE_SIZE": 2048,
        # Failed logins per address (any client address, any worker): after this many within
        # an hour the address is locked for BASE_S, doubling per further failure (max 1 h).
        "LOGIN_LOCKOUT_AFTER": 10,
        "LOGIN_LOCKOUT_BASE_S": 60.0,
        **_JOB_DEFAULTS,
        # Chunked uploads not completed within this many hours are deleted by the sweeper.
        "UPLOAD_ABANDON_H": 24.0,
        # Unexpected errors (incident table: traceback, where; users see only the id) are
        # kept this many days, then deleted by the sweeper.
        "INCIDENT_RETENTION_DAYS": 90.0,
        # Per account: raw bytes kept on disk (kept raw files, pending uploads, open chunked
        # uploads) and number of scans + gait sessions + chunked uploads; 0 = no bound.
        "UPLOAD_QUOTA_MB": 500,
        "UPLOAD_QUOTA_ITEMS": 200,
        # Each scan/recording is processed in a child process with these limits (address
        # space, CPU seconds, wall seconds); "none" runs it in the worker (debugging only).
        # Outgoing mail (password reset): "file" writes .eml files to MAIL_DIR
        # (default instance/mail), "log" logs them; deployments register their own.
        "MAILER": "file",
        "MAIL_DIR": None,
        "JOB_ISOLATION": "process",
        "JOB_MEMORY_MB": 2048,
        "JOB_CPU_S": 90,
        "JOB_TIMEOUT_S": 120.0,
        # Encryption at rest of uploads (AES-256-GCM): "id:base64key,..." (first = active), or
        # else the key file, created 0600 on first start (docs/security.md: rotation).
        "DATA_KEYS": None,
        "DATA_KEY_FILE": str(inst / "data_keys.json"),
    }


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for suffix, (key, parser) in ENV_VARS.items():
        raw = environ.get(ENV_PREFIX + suffix)
        if raw is None:
            continue
        try:
            out[key] = parser(raw)
        except ValueError as exc:
            raise ValueError(f"{ENV_PREFIX}{suffix}: {exc}") from None
    return out


def _instance_secret_key(instance_path: str) -> str:
    """Read (or create once, atomically) the instance folder's secret key file."""
    path = Path(instance_path) / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(secrets.token_urlsafe(48))
    os.chmod(tmp, 0o600)
    try:
        # link() fails if another process won the race; then we read theirs.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def configure_app(
    app: Flask, test_config: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
) -> None:
    """Layer defaults, instance ``config.py`` (or ``test_config``) and ``SHOESTREET_*`` variables."""
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(default_config(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(_env_overrides(os.environ if environ is None else environ))
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # psycopg 3 is the driver we ship; plain postgresql:// URLs would ask for psycopg2.
    if uri.startswith("postgres://"):
        uri = "postgresql://" + uri[len("postgres://") :]
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://") :]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    opts = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        # Threads (job pool, threaded dev server) share the file: wait for the write lock.
        opts.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    else:
        opts.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    # Uploads are health data: readable by the service account only.
    os.makedirs(app.config["UPLOAD_DIR"], mode=0o700, exist_ok=True)
    try:
        os.chmod(app.config["UPLOAD_DIR"], 0o700)
    except OSError:  # not ours to change (a mounted volume): keep what the operator set
        pass
