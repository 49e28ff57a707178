"""Serve the pinned three.js release from ``node_modules/three`` without a bundler or a CDN.

Only a whitelist of files is reachable: the core build and the addons the street uses, with the
addons' own imports. Everything else under ``node_modules`` stays private.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, send_from_directory

from storefront.pages._blueprint import bp

#: Files of the npm ``three`` package the pages import (paths relative to the package root).
THREE_FILES: frozenset[str] = frozenset(
    {
        "build/three.module.js",
        # three.module.js imports ./three.core.js since r16x, so both are needed.
        "build/three.core.js",
        "examples/jsm/loaders/GLTFLoader.js",
        "examples/jsm/controls/OrbitControls.js",
        # imported by GLTFLoader
        "examples/jsm/utils/BufferGeometryUtils.js",
        "examples/jsm/utils/SkeletonUtils.js",
    }
)

_REPO_ROOT = Path(__file__).resolve().parents[2]


def three_dir() -> Path:
    """Folder of the installed npm ``three`` package (config ``THREE_DIR`` overrides)."""
    configured = current_app.config.get("THREE_DIR")
    return Path(configured) if configured else _REPO_ROOT / "node_modules" / "three"


@bp.get("/vendor/three/<path:relpath>")
def three_vendor(relpath: str) -> Response:
    """Send one whitelisted three.js file as an ES module."""
    if relpath not in THREE_FILES:
        abort(404)
    root = three_dir()
    if not (root / relpath).is_file():
        # A missing install is a set-up error, not a client error: say what to run.
        current_app.logger.error("three.js not installed at %s: run `npm ci`", root)
        abort(503, description="three.js is not installed on the server (run `npm ci`).")
    response = send_from_directory(root, relpath, mimetype="text/javascript")
    return response
