"""``/api/health`` and ``/api/openapi.json``."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text

from storefront.api import bp
from storefront.api.openapi import build_openapi
from storefront.extensions import db

__all__ = ["bp"]


@bp.get("/health")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_openapi(current_app))
