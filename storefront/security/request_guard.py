"""Request hygiene in one place: malformed input is a 4xx, redirects stay on this site, and
every response carries the security headers.

* Bodies and URLs: NUL characters and lone UTF-16 surrogates (``"\\ud800"`` in JSON) are
  refused with 400 before any view or database sees them (PostgreSQL cannot store NUL, and
  neither database driver can encode a lone surrogate); JSON nested deeper than
  :data:`MAX_JSON_DEPTH` is refused before it is parsed.
* ``?next=`` on pages: only same-origin paths are kept (:func:`safe_next`); anything else is
  dropped by a redirect to the same page without it, so the page script never sees it.
* Headers: CSP without inline script (the one inline import map is allowed by its hash,
  computed from the template source, never from the response), Permissions-Policy,
  HSTS when the request is secure, nosniff, frame and referrer policies.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from flask import Flask, Response, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from storefront.errors import ApiError

__all__ = ["MAX_JSON_DEPTH", "has_bad_chars", "init_request_guard", "json_depth", "safe_next"]

#: Deepest JSON nesting accepted in a request body (real bodies are 3-4 levels deep).
MAX_JSON_DEPTH = 32
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")

#: Features no page uses; ``xr-spatial-tracking`` stays for AR try-on.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), "
    "bluetooth=(), midi=(), accelerometer=(), gyroscope=(), magnetometer=(), "
    "display-capture=(), xr-spatial-tracking=(self)"
)
HSTS = "max-age=31536000; includeSubDomains"


def has_bad_chars(value: Any) -> bool:
    """True when a string anywhere in ``value`` holds NUL or a lone surrogate."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _BAD_CHARS.search(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list | tuple):
            stack.extend(v)
    return False


def json_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of a JSON text, scanning bytes (strings skipped); stops past ``limit``."""
    depth = deepest = 0
    in_str = esc = False
    for b in raw:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:  # backslash
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif b in (0x5D, 0x7D):
            depth -= 1
    return deepest


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None.

    Refused: absolute URLs, scheme-relative ``//host``, backslashes (browsers read ``/\\host``
    as ``//host``), control characters, and anything that decodes to one of those.
    """
    if not target or len(target) > 2000:
        return None
    decoded = unquote(target)
    for t in (target, decoded):
        if not t.startswith("/") or t.startswith("//") or "\\" in t:
            return None
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in t):
            return None
        parts = urlsplit(t)
        if parts.scheme or parts.netloc:
            return None
    return target


def _check_request() -> BaseResponse | None:
    """Refuse malformed input (400) and drop off-site ``next`` targets (303)."""
    if has_bad_chars(request.path) or has_bad_chars(list(request.args.items(multi=True))):
        raise ApiError(400, "bad_characters", "the URL contains NUL or invalid characters")
    if request.mimetype == "application/json" or request.is_json:
        raw = request.get_data(cache=True)
        if raw:
            if json_depth(raw) > MAX_JSON_DEPTH:
                raise ApiError(
                    400, "bad_json", f"JSON is nested deeper than {MAX_JSON_DEPTH} levels"
                )
            data = request.get_json(silent=True)
            if has_bad_chars(data):
                raise ApiError(
                    400, "bad_characters", "the JSON body contains NUL or lone surrogate characters"
                )
    elif request.method in ("POST", "PUT", "PATCH") and request.form:
        if has_bad_chars(list(request.form.items(multi=True))):
            raise ApiError(400, "bad_characters", "the form contains NUL or invalid characters")
    if not request.path.startswith("/api/") and "next" in request.args:
        if safe_next(request.args.get("next")) is None:
            kept = [(k, v) for k, v in request.args.items(multi=True) if k != "next"]
            return redirect(request.path + (f"?{urlencode(kept)}" if kept else ""), code=303)
    return None


_IMPORTMAP_RE = re.compile(r"<script type=\"importmap\">(.*?)</script>", re.S)


def _inline_script_hashes(app: Flask) -> list[str]:
    """CSP hashes of the inline scripts the templates ship (the import map), from the source.

    The template fragment is rendered on its own, so a script injected into a page by data
    can never be whitelisted by this hash.
    """
    cached = app.extensions.get("shoestreet_csp_hashes")
    if cached is not None:
        return cached
    hashes: list[str] = []
    try:
        source, _, _ = app.jinja_env.loader.get_source(app.jinja_env, "base.html")  # type: ignore[union-attr]
        for body in _IMPORTMAP_RE.findall(source):
            text = app.jinja_env.from_string(body).render()
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            hashes.append("'sha256-" + base64.b64encode(digest).decode() + "'")
    except Exception:  # no template (API-only deployment): no inline script is allowed
        hashes = []
    app.extensions["shoestreet_csp_hashes"] = hashes
    return hashes


def content_security_policy(app: Flask) -> str:
    """The pages' CSP: scripts from this origin (+ the import map's hash), no inline script.

    ``'wasm-unsafe-eval'`` lets the vendored Draco decoder compile its WebAssembly.
    ``CSP_ALLOW_EVAL`` (default: the value of ``TESTING``) adds ``'unsafe-eval'`` for browser
    test harnesses only: Playwright evaluates string predicates in the page; production
    never allows it.
    """
    allow_eval = app.config.get("CSP_ALLOW_EVAL")
    if allow_eval is None:
        allow_eval = bool(app.config.get("TESTING"))
    extra = ["'unsafe-eval'"] if allow_eval else []
    scripts = " ".join(["'self'", "'wasm-unsafe-eval'", *extra, *_inline_script_hashes(app)])
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; "
        "font-src 'self'; "
        "connect-src 'self' blob: data:; "
        "worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    )


def init_request_guard(app: Flask) -> None:
    """Register the input checks (first before-request hook) and the security headers."""
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)

    @app.after_request
    def _security_headers(resp: Response) -> Response:
        h = resp.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "SAMEORIGIN")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if resp.mimetype == "text/html":
            h.setdefault("Content-Security-Policy", content_security_policy(app))
        elif resp.mimetype == "application/json":
            h.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
            h.setdefault("Cache-Control", "no-store")
        if request.is_secure or app.config.get("SESSION_COOKIE_SECURE"):
            h.setdefault("Strict-Transport-Security", HSTS)
        return resp
