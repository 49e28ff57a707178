"""Password reset in a real browser (issue 13, accounts): the account page's form and the link.

A shopper who forgot the password asks for a link on ``/account``; the mailed link
(``/account?reset=TOKEN``) opens the new-password form; the new password then works and the
old one does not. Runs under the production CSP (no inline script).
"""

from __future__ import annotations

import email
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.storefront.conftest import LiveServer, base_config

pytestmark = pytest.mark.e2e

CHROMIUM = Path(os.environ.get("SHOESTREET_CHROMIUM", "/usr/bin/chromium"))
REPO = Path(__file__).resolve().parents[2]
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
EMAIL, OLD, NEW = "forgetful@example.org", "first long password", "second long password"


def _mails(mail_dir: Path) -> list[Path]:
    return sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)


def test_reset_form_and_link_page(tmp_path: Path, template_db: Path) -> None:
    if not CHROMIUM.is_file() or not (REPO / "node_modules" / "three").is_dir():
        pytest.skip("needs /usr/bin/chromium and node_modules (npm ci)")
    playwright = pytest.importorskip("playwright.sync_api")
    import shutil

    from storefront import create_app

    shutil.copy(template_db, tmp_path / "r.db")
    cfg = base_config(tmp_path, f"sqlite:///{tmp_path / 'r.db'}")
    cfg.update(MAIL_DIR=str(tmp_path / "mail"), CSP_ALLOW_EVAL=False)
    app = create_app(cfg)
    client = app.test_client()
    assert (
        client.post("/api/auth/register", json={"email": EMAIL, "password": OLD}).status_code == 201
    )
    server = LiveServer(app)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:  # see test_csp_browser: own thread
            pool.submit(_drive, playwright, server.url, tmp_path / "mail").result()
    finally:
        server.close()
    assert client.post("/api/auth/login", json={"email": EMAIL, "password": OLD}).status_code == 401
    r = client.post("/api/auth/login", json={"email": EMAIL, "password": NEW})
    assert r.status_code == 200, r.json


def _drive(playwright, base_url: str, mail_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base_url + "/account", wait_until="networkidle")
        assert page.is_visible("#forgot-form") and page.is_hidden("#reset-form")
        page.fill("#forgot-email", EMAIL)
        page.click("#forgot-form button[type=submit]")
        page.wait_for_selector("#account-msg:has-text('reset link')")
        mails = _mails(mail_dir)
        assert len(mails) == 1
        mail = email.message_from_bytes(mails[0].read_bytes())
        body = mail.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
        link = re.search(r"Or open (\S+)", body).group(1)  # type: ignore[union-attr]
        assert "/account?reset=" in link
        page.goto(base_url + link[link.index("/account") :], wait_until="networkidle")
        assert page.is_visible("#reset-form") and page.is_hidden("#forgot-form")
        assert "reset=" not in page.url  # the token is taken out of the address bar at once
        page.fill("#reset-password", "short")  # the browser's own minlength check stops it
        page.click("#reset-form button[type=submit]")
        assert page.is_visible("#reset-form")
        page.fill("#reset-password", NEW)
        page.click("#reset-form button[type=submit]")
        page.wait_for_selector("#account-msg:has-text('Password changed')")
        assert page.is_hidden("#reset-form")
        # the link works once
        page.goto(base_url + link[link.index("/account") :], wait_until="networkidle")
        page.fill("#reset-password", "third long password")
        page.click("#reset-form button[type=submit]")
        page.wait_for_selector("#account-msg:has-text('reset link is not valid')")
        # the refused second use is a 401 the page explains; nothing else may go wrong
        assert [e for e in errors if "status of 401" not in e] == [], errors
        browser.close()
