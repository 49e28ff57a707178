"""Page routes of the shoe street."""

from __future__ import annotations

from flask import render_template

from storefront.web._blueprint import bp


@bp.get("/")
def street() -> str:
    """The walkable 3D street (falls back to the 2D list without WebGL)."""
    return render_template("web/street.html")
