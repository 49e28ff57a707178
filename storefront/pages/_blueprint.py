"""The ``web`` blueprint object, kept apart so view modules can import it without cycles."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="../templates", static_folder=None)
