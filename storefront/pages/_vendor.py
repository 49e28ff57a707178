"""Serve the pinned three.js release without a bundler or a CDN: minified, gzip, cached.

Only a whitelist of files is reachable (:data:`THREE_FILES`, from ``three_files.json``): the
core build and the addons the street uses, with the addons' own imports. URLs carry the
release, ``/vendor/three-<version>/<file>``, so responses are cacheable for a year
(``immutable``); the unversioned ``/vendor/three/<file>`` still answers, cached for an hour.

Where the files come from, first found:

1. ``THREE_DIR`` in the configuration;
2. the package data ``storefront/pages/three/`` (an installed wheel: ``setup.py`` copies the
   whitelisted files from ``node_modules/three`` when the wheel is built);
3. ``node_modules/three`` of a source checkout (``npm ci``).

Each file is minified once per process (comments and whitespace only, ``rjsmin``: names,
strings and template literals such as the GLSL shaders stay as they are) and kept with its
gzip encoding in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Response, abort, current_app, request

from storefront.pages._blueprint import bp

__all__ = ["THREE_FILES", "three_dir", "three_version"]

_FILES_JSON = Path(str(importlib.resources.files("storefront.pages") / "three_files.json"))

#: Files of the npm ``three`` package the pages import (paths relative to the package root).
THREE_FILES: frozenset[str] = frozenset(json.loads(_FILES_JSON.read_text("utf-8"))["files"])

_BUNDLED = Path(str(importlib.resources.files("storefront.pages") / "three"))
_SOURCE_CHECKOUT = Path(__file__).resolve().parents[2] / "node_modules" / "three"

_YEAR_S = 365 * 24 * 3600


def three_dir() -> Path:
    """Folder of the three.js release served (see the module docstring for the order)."""
    configured = current_app.config.get("THREE_DIR")
    if configured:
        return Path(configured)
    if (_BUNDLED / "package.json").is_file():
        return _BUNDLED
    return _SOURCE_CHECKOUT


def three_version(root: Path | None = None) -> str:
    """The release in ``root``'s ``package.json`` (``"0"`` when it is not installed)."""
    root = root or three_dir()
    try:
        return str(json.loads((root / "package.json").read_text("utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return "0"


@dataclass(frozen=True)
class _Encoded:
    plain: bytes
    gzipped: bytes
    etag: str


_CACHE: dict[tuple[str, int], _Encoded] = {}
_LOCK = threading.Lock()


def _encoded(path: Path) -> _Encoded:
    """The minified file and its gzip encoding (once per file version and process)."""
    key = (str(path), path.stat().st_mtime_ns)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    import rjsmin

    plain = rjsmin.jsmin(path.read_text("utf-8")).encode("utf-8")
    enc = _Encoded(plain, gzip.compress(plain, 9, mtime=0), hashlib.sha256(plain).hexdigest()[:32])
    with _LOCK:
        _CACHE[key] = enc
    return enc


@bp.url_defaults
def _three_release(endpoint: str, values: dict[str, object]) -> None:
    """``url_for('web.three_vendor', relpath=...)`` builds the versioned URL."""
    if endpoint == "web.three_vendor" and "version" not in values:
        values["version"] = three_version()


def _send(relpath: str, version: str | None) -> Response:
    if relpath not in THREE_FILES:
        abort(404)
    root = three_dir()
    path = root / relpath
    if not path.is_file():
        # A missing install is a set-up error, not a client error: say what to run.
        current_app.logger.error("three.js not installed at %s: run `npm ci`", root)
        abort(503, description="three.js is not installed on the server (run `npm ci`).")
    if version is not None and version != three_version(root):
        abort(404)  # an old release's URL: the page that asked for it is stale
    enc = _encoded(path)
    if request.if_none_match.contains(enc.etag):
        resp = Response(status=304)
    elif "gzip" in request.accept_encodings:
        resp = Response(enc.gzipped, mimetype="text/javascript")
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(enc.plain, mimetype="text/javascript")
    resp.set_etag(enc.etag)
    resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = (
        f"public, max-age={_YEAR_S}, immutable" if version else "public, max-age=3600"
    )
    return resp


@bp.get("/vendor/three-<version>/<path:relpath>")
def three_vendor(version: str, relpath: str) -> Response:
    """One whitelisted three.js file of release ``version``, minified, cached for a year."""
    return _send(relpath, version)


@bp.get("/vendor/three/<path:relpath>")
def three_vendor_latest(relpath: str) -> Response:
    """The same file without the release in the URL (older pages), cached for an hour."""
    return _send(relpath, None)
