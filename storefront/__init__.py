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


def _configure_extensions(app: Flask) -> None:
    from pathlib import Path

    from storefront import models  # noqa: F401  (tables must be known to Alembic)
    from storefront.extensions import db, limiter, migrate
    from storefront.jobs import init_jobs

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).with_name("migrations")), render_as_batch=True
    )
    limiter.init_app(app)
    init_jobs(app)


def _configure_blueprints(app: Flask) -> None:
    from storefront.api.views import bp as api_bp
    from storefront.auth.views import bp as auth_bp
    from storefront.cli import register_cli
    from storefront.errors import register_error_handlers
    from storefront.gaitsessions.views import bp as gait_bp
    from storefront.mfr.views import bp as mfr_bp
    from storefront.scans.views import bp as scans_bp
    from storefront.shop.views import bp as shop_bp
    from storefront.web import bp as web_bp

    register_error_handlers(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(scans_bp)
    app.register_blueprint(gait_bp)
    app.register_blueprint(shop_bp)
    app.register_blueprint(mfr_bp)
    app.register_blueprint(web_bp)
    register_cli(app)


def _configure_hooks(app: Flask) -> None:
    from storefront.auth.csrf import init_csrf
    from storefront.request_guard import init_request_guard
    from storefront.setup_db import init_auto_setup

    init_csrf(app)
    init_auto_setup(app)
    init_request_guard(app)  # its input check goes first, before CSRF and set-up
