"""storefront: the Flask service and 3D shoe street (fit, recommendation, commerce, privacy)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the storefront app.

    Parameters
    ----------
    test_config : mapping, optional
        Replaces the instance ``config.py`` and the ``SHOESTREET_*`` environment (tests).

    Returns
    -------
    Flask
        The configured app. Nothing is read from or written to the database here; with
        ``AUTO_INIT`` the database is created, migrated and seeded before the first request.
    """
    app = Flask(__name__, instance_relative_config=True)
    _configure(app, test_config)
    _configure_extensions(app)
    _configure_blueprints(app)
    _configure_hooks(app)
    return app


def _configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    from storefront.config import configure_app

    configure_app(app, test_config)
    _check_privacy_budgets(app.config)
    from storefront.security.encryption import keyring_for

    keyring_for(app.config)  # a bad key configuration stops the start; the file is made once


def _check_privacy_budgets(config: Mapping[str, Any]) -> None:
    """Refuse absurd privacy budgets at start-up (``ValueError`` naming the setting)."""
    from storefront.domain_errors import DomainError
    from storefront.makers.budget import BudgetLimits, validate_budget

    try:
        for key in ("PRIVACY_EPSILON_PER_PERIOD", "PRIVACY_MAX_EPSILON_PER_QUERY"):
            validate_budget(key, config.get(key))
        BudgetLimits.from_config(config)
    except DomainError as exc:
        raise ValueError(str(exc)) from None
    if config.get("MAKERS_ENGINE", "duckdb") not in ("duckdb", "spark"):
        raise ValueError("MAKERS_ENGINE must be duckdb or spark")


def _configure_extensions(app: Flask) -> None:
    from storefront.db import models  # noqa: F401  (tables must be known to Alembic)
    from storefront.db.setup import MIGRATIONS_DIR
    from storefront.extensions import db, migrate
    from storefront.jobs import init_jobs
    from storefront.security.ratelimit import limiter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    limiter.init_app(app, account_id=_signed_in_account_id)
    init_jobs(app)
    _register_job_kinds(app)


def _signed_in_account_id() -> int | None:
    """The request's account id for per-account rate limits (None when anonymous)."""
    from storefront.accounts.guard import current_user

    user = current_user(optional=True)
    return None if user is None else int(user.id)


def _register_job_kinds(app: Flask) -> None:
    """Fill the job registry: what each job kind runs and how its failure closes its row."""
    from storefront.db.incidents import purge_old_incidents
    from storefront.extensions import db
    from storefront.fit.learning_jobs import relearn_offsets
    from storefront.gait_sessions.services import (
        expire_abandoned_uploads,
        fail_session,
        process_gait_session,
    )
    from storefront.jobs import registry_of
    from storefront.scans.services import fail_scan, process_scan
    from storefront.security.ratelimit import purge_expired_counters

    reg = registry_of(app)
    reg.add("scan", process_scan, fail_scan)
    reg.add("gait", process_gait_session, fail_session)
    reg.add("learn", relearn_offsets)
    from storefront.workshop.production import (
        fail_files,
        fail_preview,
        process_files,
        process_preview,
    )

    reg.add("mtm_preview", process_preview, fail_preview)
    reg.add("mtm_files", process_files, fail_files)
    from storefront.care.services import alerts_job

    reg.add("care_alerts", alerts_job(lambda: db.session))

    def expire_uploads(app: Flask) -> int:
        return expire_abandoned_uploads(
            db.session, app.config["UPLOAD_DIR"], float(app.config.get("UPLOAD_ABANDON_H", 24.0))
        )

    reg.add_housekeeping("abandoned chunked uploads removed", expire_uploads)
    reg.add_housekeeping("expired rate counters removed", purge_expired_counters)
    reg.add_housekeeping("old incidents removed", purge_old_incidents)


def _configure_blueprints(app: Flask) -> None:
    import storefront.api.views
    import storefront.catalog.views
    import storefront.fit.views  # noqa: F401  (fit, recommendation routes on the api blueprint)
    from storefront.accounts.views import bp as auth_bp
    from storefront.api import bp as api_bp
    from storefront.care.views import bp as care_bp
    from storefront.care.views import pages_bp as care_pages_bp
    from storefront.cli import register_cli
    from storefront.errors import register_error_handlers
    from storefront.gait_sessions.views import bp as gait_bp
    from storefront.makers.views import bp as mfr_bp
    from storefront.pages import bp as web_bp
    from storefront.scans.views import bp as scans_bp
    from storefront.shop.views import bp as shop_bp
    from storefront.workshop.views import bp as workshop_bp
    from storefront.workshop.views import pages_bp as workshop_pages_bp

    register_error_handlers(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(scans_bp)
    app.register_blueprint(gait_bp)
    app.register_blueprint(shop_bp)
    app.register_blueprint(mfr_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(care_bp)
    app.register_blueprint(care_pages_bp)
    app.register_blueprint(workshop_bp)
    app.register_blueprint(workshop_pages_bp)
    register_cli(app)


def _configure_hooks(app: Flask) -> None:
    from storefront.accounts.csrf import init_csrf
    from storefront.bootstrap import init_auto_setup
    from storefront.security.request_guard import init_request_guard

    init_csrf(app)
    init_auto_setup(app)
    init_request_guard(app)  # its input check goes first, before CSRF and set-up
