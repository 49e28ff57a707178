"""Real-browser fixtures: the storefront on a live port, Debian Chromium driven by Playwright.

The server is ``create_app(test_config)`` on a fresh SQLite database (migrated, catalog and demo
shopper seeded), served by ``werkzeug.serving.make_server`` on ``127.0.0.1:0`` in a thread. The
browser is ``/usr/bin/chromium`` in headless mode with SwiftShader WebGL. Every page collects
console errors and uncaught exceptions; a test fails on any it did not expect.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("SHOESTREET_CHROMIUM", "/usr/bin/chromium"))
THREE = REPO / "node_modules" / "three" / "build" / "three.module.js"
ARTIFACTS = REPO / "test-artifacts" / "e2e"
#: Launch flags from docs (storefront §4): headless Chromium with software WebGL.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
#: Console noise that is not an error of the page: SwiftShader's note on glReadPixels.
_BENIGN = ("GPU stall due to ReadPixels",)


def _missing_prerequisite() -> str | None:
    if not CHROMIUM.is_file():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not THREE.is_file():
        return f"three.js not installed at {THREE.parent.parent} (run `npm ci`)"
    return None


@pytest.fixture(scope="session")
def e2e_prerequisites() -> None:
    """Skip without Chromium or ``npm ci`` on a developer machine; fail in CI, where set-up installs both."""
    missing = _missing_prerequisite()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


@dataclass
class LiveServer:
    """The running storefront: base URL, the Flask app and a manufacturer token."""

    url: str
    app: Any
    manufacturer_token: str
    demo_email: str
    demo_password: str


def _seed_crowd(n_common: int, n_spread: int) -> None:
    """Consenting shoppers with measured scans, so the manufacturer release has people in it.

    ``n_common`` feet share one 5 mm length bin (a cell well above the floor of 10); ``n_spread``
    feet are one per bin (cells under the floor, which must be suppressed). The scan results copy
    the demo shopper's measured scan with the length changed.
    """
    from sqlalchemy import select

    from storefront.db.models import Scan, User
    from storefront.extensions import db

    template = db.session.scalars(select(Scan).where(Scan.status == "done")).first()
    assert template is not None and template.result, "the demo shopper's scan was not measured"
    lengths = [266.0] * n_common + [230.0 + 5 * i for i in range(n_spread)]
    for i, length in enumerate(lengths):
        user = User(
            email=f"crowd{i}@shoestreet.invalid",
            password_hash=None,
            role="shopper",
            consent_aggregates=True,
        )
        db.session.add(user)
        db.session.flush()
        result = dict(template.result)
        result["foot_length_mm"] = length
        db.session.add(
            Scan(
                user_id=user.id,
                status="done",
                filename="crowd.ply",
                stored_name=f"crowd-{i}",
                result=result,
            )
        )
    db.session.commit()


@pytest.fixture(scope="session")
def live_server(
    e2e_prerequisites: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from storefront import create_app
    from storefront.bootstrap import migrate_and_seed
    from storefront.db.seed import DEMO_EMAIL, DEMO_PASSWORD

    tmp = tmp_path_factory.mktemp("e2e")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'e2e.db'}",
            "UPLOAD_DIR": str(tmp / "uploads"),
            "AUTO_INIT": False,
            "SEED_DEMO": True,
            "DEMO_WRITES": True,  # the browser tests shop with the demo shopper (never in production)
            "RATELIMIT_ENABLED": False,
            "JOB_BACKEND": "thread",
            "JOB_WORKERS": 2,
        }
    )
    with app.app_context():
        migrate_and_seed(demo=True)
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        _seed_crowd(n_common=30, n_spread=12)
    out = app.test_cli_runner().invoke(args=["create-manufacturer", "Norma"])
    assert out.exit_code == 0, out.output
    token = out.output.strip().splitlines()[-1].split()[-1]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            f"http://127.0.0.1:{server.server_port}", app, token, DEMO_EMAIL, DEMO_PASSWORD
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["shoestreet_jobs"].wait_idle()
        with app.app_context():
            from storefront.extensions import db

            db.engine.dispose()


@pytest.fixture(scope="session")
def browser(e2e_prerequisites: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageProbe:
    """A browser page plus the console errors and page exceptions it produced."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def goto(
        self, path: str, *, ready: str = "window.__ready === true", timeout_ms: int = 30_000
    ) -> None:
        """Open ``path`` and wait until the page script says it is ready (or failed)."""
        self.page.goto(self.base + path)
        self.page.wait_for_function(f"({ready}) || !!window.__pageError", timeout=timeout_ms)
        failure = self.page.evaluate("window.__pageError || null")
        assert failure is None, f"{path}: page script failed: {failure}"

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]

    def sign_in(self, email: str, password: str, landing: str) -> None:
        """Sign in through the account page's form and wait for ``landing`` (a path)."""
        self.goto(f"/account?next={landing}")
        self.page.fill("#login-email", email)
        self.page.fill("#login-password", password)
        self.page.click("#login-form button[type=submit]")
        self.page.wait_for_url(lambda url: urlsplit(url).path == landing)

    def sign_in_demo(self) -> None:
        # Land on a light page: the street would load every shop-window model first.
        self.goto("/account?next=/cart")
        self.page.click("#demo-login")
        self.page.wait_for_url(self.base + "/cart")
        self.page.wait_for_function(
            "window.__ready === true || !!window.__pageError", timeout=30_000
        )


def _new_probe(browser: Any, live_server: LiveServer, **context_args: Any) -> tuple[Any, PageProbe]:
    context_args.setdefault("viewport", {"width": 1100, "height": 720})
    ctx = browser.new_context(**context_args)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    probe = PageProbe(page, live_server.url)

    def on_console(msg: Any) -> None:
        if msg.type == "error" and not any(b in msg.text for b in _BENIGN):
            probe.errors.append(f"console: {msg.text} @ {msg.location.get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: probe.errors.append(f"pageerror: {exc}"))
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and probe.errors.append(f"http {r.status}: {r.request.method} {r.url}")
        ),
    )
    return ctx, probe


@pytest.fixture
def probe(browser: Any, live_server: LiveServer) -> Iterator[PageProbe]:
    """A fresh browser context (no cookies); fails the test on unexpected console errors."""
    ctx, p = _new_probe(browser, live_server)
    try:
        yield p
        unexpected = p.unexpected_errors()
        assert not unexpected, "console/page errors:\n" + "\n".join(unexpected)
    finally:
        ctx.close()


@pytest.fixture
def phone_probe(browser: Any, live_server: LiveServer) -> Iterator[PageProbe]:
    """A phone-sized touch context."""
    ctx, p = _new_probe(
        browser, live_server, viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True
    )
    try:
        yield p
        unexpected = p.unexpected_errors()
        assert not unexpected, "console/page errors:\n" + "\n".join(unexpected)
    finally:
        ctx.close()


#: A phone: the viewport of the issue's checks (390 x 844), touch, mobile.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
#: Browser languages: Accept-Language follows the context locale.
LOCALES = {"ko": "ko-KR", "en": "en-US"}


@pytest.fixture(params=["ko", "en"])
def lang_phone(
    request: pytest.FixtureRequest, browser: Any, live_server: LiveServer
) -> Iterator[PageProbe]:
    """A phone-sized touch context whose browser asks for Korean, then for English."""
    ctx, p = _new_probe(browser, live_server, locale=LOCALES[request.param], **PHONE)
    p.lang = request.param  # type: ignore[attr-defined]
    try:
        yield p
        unexpected = p.unexpected_errors()
        assert not unexpected, "console/page errors:\n" + "\n".join(unexpected)
    finally:
        ctx.close()


@pytest.fixture
def make_probe(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A factory of browser contexts (``make_probe(locale=..., viewport=...)``); each one fails
    the test on unexpected console errors and is closed at the end."""
    made: list[tuple[Any, PageProbe]] = []

    def make(**context_args: Any) -> PageProbe:
        ctx, p = _new_probe(browser, live_server, **context_args)
        made.append((ctx, p))
        return p

    try:
        yield make
        for _, p in made:
            unexpected = p.unexpected_errors()
            assert not unexpected, "console/page errors:\n" + "\n".join(unexpected)
    finally:
        for ctx, _ in made:
            ctx.close()
