"""A wearer and a care manager on 390 x 844 phones, in Korean, in a real browser.

The wearer registers, is sent from the gait page to the insole consent, consents, uploads an
unsteady walk (gait's simulator, stride CV 12 %), and links a care manager with the code the
care manager created on their dashboard. The care manager sees the wearer with an "act" alert
naming its source and opens the printable weekly report; the wearer sees each of those looks in
the access log on their account page, ends the link, and the care manager's list is empty.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import urlsplit

from tests.storefront.e2e.conftest import PHONE

_serial = itertools.count(1)
_PASSWORD = "care manager pass 42"


def _ready(probe) -> None:  # type: ignore[no-untyped-def]
    probe.page.wait_for_function("window.__ready === true || !!window.__pageError", timeout=60_000)
    assert probe.page.evaluate("window.__pageError || null") is None


def _fits(probe, name: str) -> None:  # type: ignore[no-untyped-def]
    """Korean page, no horizontal overflow at 390 px, every [hidden] element hidden."""
    page = probe.page
    page.evaluate("document.fonts.ready.then(() => 1)")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert inner == 390 and width <= inner, f"{name}: {width} px wide on a {inner} px screen"
    shown = page.evaluate(
        "[...document.querySelectorAll('[hidden]')]"
        ".filter(e => getComputedStyle(e).display !== 'none').map(e => e.id || e.tagName)"
    )
    assert shown == [], f"{name}: hidden elements shown: {shown}"
    assert page.get_attribute("html", "lang") == "ko", name
    probe.shot(f"care-ko-{name}")


def _unsteady_walk(tmp: Path) -> Path:
    from gait import synthesize, write_csv

    rec = synthesize([("standing", 5.0), ("walking", 90.0)], seed=5, stride_cv=0.12)
    out = tmp / "walk.csv"
    write_csv(rec, out)
    return out


def test_wearer_and_care_manager_in_korean_on_phones(make_probe, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    n = next(_serial)
    mgr_email = f"care{n}@care.invalid"
    out = live_server.app.test_cli_runner().invoke(
        args=["create-care-manager", "김돌봄", mgr_email, "--password", _PASSWORD]
    )
    assert out.exit_code == 0, out.output
    wearer = make_probe(locale="ko-KR", **PHONE)
    manager = make_probe(locale="ko-KR", **PHONE)
    wp, mp = wearer.page, manager.page

    # A new wearer: registration, then the gait page says consent is missing and links to it.
    wearer.goto("/account?next=/gait")
    wp.fill("#reg-email", f"wearer{n}@care.invalid")
    wp.fill("#reg-password", "correct-horse-battery")
    wp.click("#register-form button[type=submit]")
    wp.wait_for_url(lambda url: urlsplit(url).path == "/gait")
    _ready(wearer)
    assert wp.is_visible("#gait-consent-needed")
    _fits(wearer, "gait-no-consent")
    wp.click("#gait-consent-needed a")
    wp.wait_for_url("**/care/consent")
    _ready(wearer)
    assert wp.inner_text("h1") == "인솔 데이터와 돌봄"
    assert "동의하지 않았습니다" in wp.inner_text("#care-consent-state")
    assert "민감정보" in wp.inner_text("#care-consent")  # the separate-consent statement
    _fits(wearer, "consent-before")
    wp.check("#care-consent-check")
    wp.click("#care-consent-give button[type=submit]")
    wp.wait_for_selector("#care-consent-state.consent-on")
    _fits(wearer, "consent-given")

    # Upload an unsteady walk; the gait page opens its report when the analysis is done.
    wearer.goto("/gait")
    assert not wp.is_visible("#gait-consent-needed")
    wp.set_input_files("#gait-file", str(_unsteady_walk(tmp_path)))
    wp.click("#gait-upload button[type=submit]")
    wp.wait_for_url("**/gait/*", timeout=120_000)
    _ready(wearer)

    # The care manager signs in and creates a link code on the dashboard.
    manager.sign_in(mgr_email, _PASSWORD, "/care")
    _ready(manager)
    assert "아직 연결한 착용자가 없습니다" in mp.inner_text("#care-wearers")
    mp.click("#care-invite-btn")
    code = mp.inner_text("#care-code-out").strip()
    assert len(code) == 9 and code[4] == "-", code
    _fits(manager, "dashboard-empty")

    # The wearer links the care manager on the account page, with explicit consent.
    wearer.goto("/account")
    wp.fill("#care-code", code.lower())
    wp.check("#care-link-consent")
    wp.click("#care-link-form button[type=submit]")
    wp.wait_for_selector("text=김돌봄 님과 연결되었습니다.")
    assert "아무도" in wp.inner_text("#care-log")  # nobody has looked yet
    _fits(wearer, "account-linked")
    live_server.app.extensions["shoestreet_jobs"].wait_idle()  # the care_alerts job

    # The care manager sees the wearer with an "act" alert and its source, then the report.
    manager.goto("/care")
    card = mp.locator("#care-wearers li.care-card")
    assert card.count() == 1
    assert card.get_attribute("data-level") == "act"
    alert = card.locator("li.care-alert[data-indicator=stride_sd_ms]")
    assert alert.get_attribute("data-level") == "act"
    assert "조치" in alert.inner_text()
    alert.locator("summary").click()
    assert "Hausdorff" in alert.inner_text()
    for word in ("@", "주소", "주문"):  # nothing but care data
        assert word not in card.inner_text(), word
    _fits(manager, "dashboard-alert")
    card.locator("a", has_text="주간 리포트").click()
    mp.wait_for_url("**/care/wearers/*/report")
    _ready(manager)
    assert mp.inner_text("#care-report-sessions") == "1"
    assert mp.locator("#care-report li.care-alert[data-level=act]").count() >= 1
    _fits(manager, "weekly-report")

    # The wearer sees every look in the access log, newest first, and ends the link.
    wearer.goto("/account")
    actions = wp.eval_on_selector_all("#care-log li", "els => els.map(e => e.dataset.action)")
    assert actions == ["report", "list"], actions
    assert "김돌봄" in wp.inner_text("#care-log") and "주간 리포트를 열람함" in wp.inner_text(
        "#care-log"
    )
    wp.click("#care-links button[data-link]")
    wp.wait_for_selector("text=더 이상 내 데이터를 볼 수 없습니다")
    _fits(wearer, "account-unlinked")
    manager.goto("/care")
    assert mp.locator("#care-wearers li.care-card").count() == 0
    assert "아직 연결한 착용자가 없습니다" in mp.inner_text("#care-wearers")
