"""The production CSP in a real browser: every page loads with no CSP violation.

The browser tests in ``e2e/`` allow ``'unsafe-eval'`` because Playwright evaluates string
predicates in the page; this test keeps the production policy (``CSP_ALLOW_EVAL`` off) and
only listens: it loads each page, waits, and fails on any console error or security-policy
violation (import map, Draco WebAssembly and its worker, fonts, GLB fetches included).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storefront.db.seed import DEMO_EMAIL, DEMO_PASSWORD
from tests.storefront.conftest import LiveServer, base_config

pytestmark = pytest.mark.e2e

CHROMIUM = Path(os.environ.get("SHOESTREET_CHROMIUM", "/usr/bin/chromium"))
REPO = Path(__file__).resolve().parents[2]
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]  # fmt: skip
PAGES = ["/", "/list", "/shop/norma", "/my-foot", "/account", "/cart", "/orders", "/gait"]


def test_pages_load_under_the_production_csp(tmp_path: Path) -> None:
    if not CHROMIUM.is_file() or not (REPO / "node_modules" / "three").is_dir():
        pytest.skip("needs /usr/bin/chromium and node_modules (npm ci)")
    playwright = pytest.importorskip("playwright.sync_api")
    from storefront import create_app
    from storefront.bootstrap import migrate_and_seed

    cfg = base_config(tmp_path, f"sqlite:///{tmp_path / 'csp.db'}")
    cfg.update(SEED_DEMO=True, CSP_ALLOW_EVAL=False)
    app = create_app(cfg)
    with app.app_context():
        migrate_and_seed(demo=True)
    app.extensions["shoestreet_jobs"].wait_idle()
    server = LiveServer(app)
    problems: list[str] = []
    try:
        # In its own thread: the e2e suite's session-wide sync Playwright may still be open in
        # this one, and a second sync Playwright refuses to start inside its event loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_drive, playwright, server.url, problems).result()
    finally:
        server.close()
    csp_problems = [x for x in problems if "Content Security Policy" in x or "CSP" in x]
    assert not csp_problems, "\n".join(csp_problems)
    assert not problems, "\n".join(problems)


def _drive(playwright, base_url: str, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Log in as the demo shopper and open every page, collecting console errors."""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        ctx = browser.new_context()
        page = ctx.new_page()
        page.on(
            "console",
            lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
        r = ctx.request.post(
            base_url + "/api/auth/session",
            data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        )
        assert r.ok, r.text()
        for path in PAGES:
            resp = page.goto(base_url + path, wait_until="networkidle")
            assert resp is not None and resp.status == 200, path
            csp = resp.headers["content-security-policy"]
            assert (
                "'unsafe-eval'" not in csp
                and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
            )
            page.wait_for_timeout(1500)
        browser.close()
