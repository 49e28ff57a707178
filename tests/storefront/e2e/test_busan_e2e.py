"""A shop people in Busan can use (issue 10), in a real browser on a 390 x 844 phone.

Each journey runs twice, with a browser asking for Korean and one asking for English, as a new
shopper from registration: hidden elements stay hidden, no page is wider than the screen, prices
are in won, the size table has the Korean (KS) mm size, the fit score is the same number on every
page, checkout takes a Korean address and phone, and unknown addresses get the styled 404.
"""

from __future__ import annotations

import itertools
import json
import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

_serial = itertools.count(1)

#: Words each language must show (and the other must not), per page.
WORDS = {
    "ko": {
        "cart_title": "장바구니",
        "not_found": "페이지를 찾을 수 없습니다",
        "bad_password": "이메일과 비밀번호가 일치하지 않습니다",
        "bad_token": "유효하지 않은 토큰입니다",
        "fit_score": "핏 점수",
        "paid": "결제 완료",
        "sign_in_first": "먼저 로그인해 주세요",
    },
    "en": {
        "cart_title": "Your cart",
        "not_found": "Page not found",
        "bad_password": "That email and password do not match",
        "bad_token": "That token is not valid",
        "fit_score": "fit score",
        "paid": "paid",
        "sign_in_first": "Please sign in first",
    },
}


def won(amount_krw: int, lang: str) -> str:
    """A price in whole won as the shop shows it: grouped, no decimals."""
    assert isinstance(amount_krw, int)
    return f"{amount_krw:,}원" if lang == "ko" else f"₩{amount_krw:,}"


def check_page(probe, name: str) -> None:
    """The checks every page gets: no horizontal overflow, every [hidden] element hidden."""
    page = probe.page
    page.evaluate(
        "document.fonts.load('16px \"Shoe Street Nanum Gothic\"', document.body.innerText)"
        ".then(() => document.fonts.ready).then(() => 1)"
    )
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert inner == 390 and width <= inner, (
        f"{name}: page is {width} px wide on a {inner} px screen"
    )
    shown = page.evaluate(
        "[...document.querySelectorAll('[hidden]')]"
        ".filter(e => getComputedStyle(e).display !== 'none').map(e => e.id || e.tagName)"
    )
    assert shown == [], f"{name}: elements with the hidden attribute are shown: {shown}"
    lang = probe.lang
    assert page.get_attribute("html", "lang") == lang, name
    page.wait_for_timeout(150)  # the font re-layout tick (main.js) before the screenshot
    probe.shot(f"busan-{lang}-{name}")


def api_json(probe, path: str):
    return json.loads(probe.page.evaluate(f"fetch({path!r}).then(r => r.text())"))


def register(probe) -> str:
    email = f"busan{next(_serial)}-{probe.lang}@shoestreet.invalid"
    probe.goto("/account?next=/my-foot")
    check_page(probe, "account-signed-out")
    probe.page.fill("#reg-email", email)
    probe.page.fill("#reg-password", "correct-horse-battery")
    probe.page.click("#register-form button[type=submit]")
    probe.page.wait_for_url(lambda url: urlsplit(url).path == "/my-foot")
    probe.page.wait_for_function("window.__ready === true || !!window.__pageError")
    return email


def test_new_shopper_on_a_phone_from_registration(lang_phone, live_server):
    probe, lang, w = lang_phone, lang_phone.lang, WORDS[lang_phone.lang]
    page = probe.page

    # Signed out: checkout is not offered on an empty cart, the checkout form is hidden.
    probe.goto("/cart")
    assert not page.is_visible("#to-checkout")
    assert w["cart_title"] in page.inner_text("h1")
    check_page(probe, "cart-signed-out")
    probe.goto("/checkout")
    assert not page.is_visible("#checkout-form")
    check_page(probe, "checkout-signed-out")

    register(probe)
    # My foot before any scan: "See shoes that fit" stays hidden.
    assert not page.is_visible("#to-recs")
    check_page(probe, "my-foot-before-scan")
    probe.goto("/account")
    assert page.is_visible("#signed-in")
    assert not page.is_visible("#login-form") and not page.is_visible("#register-form")
    check_page(probe, "account-signed-in")
    probe.goto("/cart")
    assert not page.is_visible("#to-checkout")
    check_page(probe, "cart-empty")
    probe.goto("/checkout")
    assert not page.is_visible("#checkout-form")

    # The demo foot: measured, then the recommendations and "See shoes that fit".
    probe.goto("/my-foot")
    page.click("#demo-foot")
    page.wait_for_selector("#foot-rec-body li.rec", timeout=90_000)
    assert page.is_visible("#to-recs")
    ks_row = page.locator("#size-systems tr[data-system='kr_mm'] td")
    assert re.fullmatch(r"2\d\d", ks_row.inner_text().strip())
    check_page(probe, "my-foot-measured")
    scan_id = page.evaluate("localStorage.getItem('shoestreet.scanId')")
    recs = api_json(probe, f"/api/recommendations?scan={scan_id}")["recommendations"]
    shoe_id = recs[0]["model_id"]
    fit = api_json(probe, f"/api/fit?scan={scan_id}&shoe={shoe_id}")["fit"]
    score = round(fit["score"])
    assert round(recs[0]["fit_score"]) == score

    # One fit score: the street's panel, the list, the product page and try-on show the API's.
    def shown_score(selector: str) -> int:
        node = page.locator(selector).first
        text = node.inner_text()
        assert w["fit_score"] in text and f"{score}/100" in text, (selector, text)
        return int(node.get_attribute("data-score"))

    probe.goto("/")
    assert shown_score(f"#rec-body li.rec[data-shoe='{shoe_id}'] .fit-score") == score
    assert not re.search(r"\bmatch \d+", page.inner_text("#rec-body"))  # the old second number
    check_page(probe, "street")
    probe.goto("/list")
    assert shown_score(f"#list-body li.card[data-shoe='{shoe_id}'] .fit-score") == score
    check_page(probe, "list")
    probe.goto(f"/shoe/{shoe_id}")
    assert shown_score("#fit-summary .fit-score") == score
    probe.goto(f"/try-on/{shoe_id}")
    assert shown_score("#tryon-score .fit-score") == score
    check_page(probe, "try-on")

    # Product page: price in won, a KS (mm) column with the catalogue's mm sizes, best size starred.
    shoe = api_json(probe, f"/api/shoes/{shoe_id}")
    probe.goto(f"/shoe/{shoe_id}")
    assert page.inner_text("#shoe-price").strip() == won(shoe["price_krw"], lang)
    headers = page.locator("table.sizes thead th").all_inner_texts()
    assert "KS(mm)" in [h.replace(" ", "") for h in headers]
    # Korean shops label sizes in mm: the KS column comes before EU in Korean, after it in English.
    ks_col, eu_col = headers.index(next(h for h in headers if "KS" in h)), headers.index("EU")
    assert (ks_col < eu_col) == (lang == "ko")
    for size in shoe["sizes"]:
        row = page.locator(f"#size-rows tr[data-eu='{size['eu']:g}'][data-width='{size['width']}']")
        ks_text = row.locator("td.ks").inner_text().strip().splitlines()[0]
        assert ks_text == str(size["mondopoint"]) == row.get_attribute("data-ks")
    best = page.locator("#size-rows tr.best")
    if best.count():
        assert best.get_attribute("data-eu") == f"{fit['best_size']:g}"
        assert "sold out" not in best.inner_text() and "품절" not in best.inner_text()
    check_page(probe, "shoe")
    if page.locator("#size-rows input:checked").count() == 0:
        page.locator("#size-rows input:not([disabled])").first.check()
    page.click("#add-to-cart")
    page.wait_for_function("document.getElementById('cart-msg').textContent.length > 0")
    assert page.inner_text("#cart-count").strip() == "1"

    # Cart: the shoe by its name (not its id), its price and total in won, Remove on screen.
    probe.goto("/cart")
    line = page.locator("#cart-body tbody tr").first
    assert line.locator("a.line-name").inner_text().strip() == shoe["name"]
    assert shoe_id not in page.inner_text("#cart-body")
    assert line.locator("td.line-price").inner_text().strip() == won(shoe["price_krw"], lang)
    assert page.inner_text("#cart-total").strip().endswith(won(shoe["price_krw"], lang))
    box = line.locator("button.remove").bounding_box()
    assert box and box["x"] + box["width"] <= 390
    assert page.is_visible("#to-checkout")
    check_page(probe, "cart")

    # Checkout: Korean phone and postcode formats are enforced, then the order is placed once.
    probe.goto("/checkout")
    assert page.is_visible("#checkout-form")
    page.fill("#co-name", "김부산" if lang == "ko" else "Minji Kim")
    page.fill("#co-phone", "0101234")
    page.fill("#co-postcode", "4805")
    page.fill("#co-address1", "부산광역시 해운대구 센텀중앙로 55")
    page.fill("#co-address2", "101동 1203호")
    assert page.evaluate("document.getElementById('co-phone').validationMessage")
    assert page.evaluate("document.getElementById('co-postcode').validationMessage")
    page.click("#place-order")
    page.wait_for_timeout(300)
    assert page.locator("#order-done").count() == 0
    page.fill("#co-phone", "010 9876 5432")
    assert page.input_value("#co-phone") == "010-9876-5432"
    page.fill("#co-postcode", "48058")
    assert page.evaluate("document.getElementById('co-phone').validationMessage") == ""
    check_page(probe, "checkout")
    page.click("#place-order")
    page.wait_for_selector("#order-done", timeout=30_000)
    assert won(shoe["price_krw"], lang) in page.inner_text("#order-done")

    # Orders: human status, the shoe's name, the total in won.
    probe.goto("/orders")
    card = page.locator("#orders-body section.card").first
    assert card.locator(".order-status").inner_text().strip() == w["paid"]
    assert shoe["name"] in card.inner_text() and shoe_id not in card.inner_text()
    assert won(shoe["price_krw"], lang) in card.inner_text()
    # the delivery details typed at checkout are stored on the order, as normalised
    delivery = card.locator(".order-delivery").inner_text()
    assert "48058" in delivery and "010-9876-5432" in delivery and "센텀중앙로 55" in delivery
    stored = json.loads(page.evaluate("fetch('/api/orders').then(r => r.text())"))["orders"][0]
    assert stored["delivery"]["road_address"] == "부산광역시 해운대구 센텀중앙로 55"
    assert stored["delivery"]["detail"] == "101동 1203호"
    check_page(probe, "orders")

    # The other pages a shopper reaches from the menu.
    for path, name in (("/gait", "gait"), ("/manufacturer", "manufacturer")):
        probe.goto(path)
        check_page(probe, name)

    # An unknown address: the styled 404 page, in the page language, with a way home.
    probe.allowed.append("/no-such-page")
    response = page.goto(live_server.url + "/no-such-page")
    assert response.status == 404
    page.wait_for_function("window.__ready === true")
    assert page.is_visible(".error-page")
    assert w["not_found"] in page.inner_text("h1")
    assert page.locator(".error-page a[href='/']").count() == 1
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "flex"
    )
    check_page(probe, "404")


def test_gait_sessions_table_fits_a_phone(lang_phone, live_server):
    """The demo shopper's gait sessions (the table was 619 px wide before)."""
    probe = lang_phone
    probe.sign_in_demo()
    probe.goto("/gait")
    assert probe.page.locator("#gait-sessions table.gait-table tbody tr").count() >= 1
    check_page(probe, "gait-sessions")
    probe.page.locator("#gait-sessions a").first.click()
    probe.page.wait_for_url("**/gait/*")
    probe.page.wait_for_function("window.__ready === true || !!window.__pageError", timeout=60_000)
    check_page(probe, "gait-report")


def test_wrong_password_and_wrong_token_say_what_was_wrong(lang_phone, live_server):
    probe, w = lang_phone, WORDS[lang_phone.lang]
    page = probe.page
    probe.allowed += ["/api/auth/session", "/api/manufacturer/budget"]
    probe.goto("/account")
    page.fill("#login-email", live_server.demo_email)
    page.fill("#login-password", "not-the-password")
    page.click("#login-form button[type=submit]")
    page.wait_for_function("document.getElementById('account-msg').textContent.length > 0")
    msg = page.inner_text("#account-msg")
    assert w["bad_password"] in msg and w["sign_in_first"] not in msg, msg
    check_page(probe, "wrong-password")
    probe.goto("/manufacturer")
    page.fill("#mfr-token", "not-a-token")
    page.click("#mfr-token-form button")
    page.wait_for_function(
        "window.__ready === true && document.getElementById('mfr-msg').textContent.length > 0"
    )
    msg = page.inner_text("#mfr-msg")
    assert w["bad_token"] in msg and w["sign_in_first"] not in msg, msg
    assert page.is_visible("#mfr-token-form")


def test_touch_prompt_says_tap_not_enter(lang_phone):
    probe = lang_phone
    probe.goto("/")
    assert probe.page.is_visible(".touch-pad") and probe.page.is_visible(".touch-hint")
    assert not probe.page.is_visible(".hint:not(.touch-hint)")
    probe.page.locator("#shop-jump li button").nth(1).click()
    probe.page.wait_for_function("!document.getElementById('enter-prompt').hidden")
    prompt = probe.page.inner_text("#enter-prompt")
    assert "Enter" not in prompt and ("Tap" in prompt or "탭" in prompt), prompt
    check_page(probe, "street-touch-prompt")


def test_never_best_when_too_short_or_sold_out(lang_phone, live_server):
    """A kids' shoe for the 265 mm demo foot: no size is "best"; a sold-out best size neither."""
    probe = lang_phone
    page = probe.page
    probe.sign_in_demo()
    probe.goto("/shoe/sprout-puddle-jr")
    assert page.locator("#size-rows tr.best").count() == 0
    assert "★" not in page.inner_text("#size-rows")
    assert page.is_visible("#no-size")
    assert page.locator("#size-rows input:checked").count() == 0
    check_page(probe, "kids-shoe")
    # An adult shoe whose best size is sold out in the first colourway: not starred, not picked.
    shoe_id = "velox-stride-lite"
    scan_id = page.evaluate("localStorage.getItem('shoestreet.scanId')")
    fit = api_json(probe, f"/api/fit?scan={scan_id}&shoe={shoe_id}")["fit"]
    shoe = api_json(probe, f"/api/shoes/{shoe_id}")
    first_cw = shoe["colourways"][0]["id"]
    with live_server.app.app_context():
        from sqlalchemy import select

        from storefront.db.models import Stock
        from storefront.extensions import db

        rows = db.session.scalars(
            select(Stock).where(Stock.model_id == shoe_id, Stock.colourway_id == first_cw)
        ).all()
        best_rows = [
            r
            for r in rows
            if abs(float(r.size_eu) - fit["best_size"]) < 1e-6 and r.width == fit["best_width"]
        ]
        assert best_rows, "the best size has a stock row"
        saved = {r.id: r.quantity for r in best_rows}
        for r in best_rows:
            r.quantity = 0
        db.session.commit()
    try:
        probe.goto(f"/shoe/{shoe_id}")
        best = page.locator(
            f"#size-rows tr[data-eu='{fit['best_size']:g}'][data-width='{fit['best_width']}']"
        )
        assert "best" not in (best.get_attribute("class") or "")
        assert "★" not in best.inner_text()
        assert best.locator("input").is_disabled() and not best.locator("input").is_checked()
        assert page.locator("#size-rows tr.best").count() == 0
    finally:
        with live_server.app.app_context():
            from storefront.db.models import Stock
            from storefront.extensions import db

            for rid, qty in saved.items():
                db.session.get(Stock, rid).quantity = qty
            db.session.commit()


def test_language_switch_is_remembered(probe):
    """An English browser switches to Korean; the cookie keeps it on the next page."""
    page = probe.page
    probe.goto("/list")
    assert page.get_attribute("html", "lang") == "en"
    page.click(".lang-switch a[hreflang='ko']")
    page.wait_for_url(lambda url: urlsplit(url).path == "/list")
    page.wait_for_function("window.__ready === true")
    assert page.get_attribute("html", "lang") == "ko"
    assert "모든 매장과 신발" in page.inner_text("h1")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("lang") == "ko"
    probe.goto("/cart")
    assert page.inner_text("h1").strip() == "장바구니"
    assert page.get_attribute(".lang-switch a[hreflang='ko']", "aria-current") == "true"
    page.click(".lang-switch a[hreflang='en']")
    page.wait_for_url(lambda url: urlsplit(url).path == "/cart")
    assert page.inner_text("h1").strip() == "Your cart"


def test_every_message_has_korean():
    """The Korean catalogue covers every English message the pages use (no browser needed)."""
    from storefront.i18n.extract import missing

    assert missing("ko") == []


def test_manufacturer_release_on_a_phone(lang_phone, live_server):
    """The dashboard's grid scrolls in its own box; fittings are words, not ids like extra_wide."""
    probe = lang_phone
    page = probe.page
    probe.goto("/manufacturer")
    page.fill("#mfr-token", live_server.manufacturer_token)
    page.click("#mfr-token-form button")
    page.wait_for_function(
        "window.__ready === true && document.getElementById('mfr-budget').dataset.left"
    )
    page.select_option("#mfr-group", "length_bin,width")
    page.fill("#mfr-epsilon", "0.05")  # leave the shared manufacturer's budget to the other tests
    page.click("#mfr-query button[type=submit]")
    page.wait_for_function("window.__released === true")
    headers = page.locator(".mfr-grid thead th").all_inner_texts()
    assert headers and not any("_" in h for h in headers), headers
    expected = {"ko": "아주 넓음", "en": "extra wide"}[probe.lang]
    assert expected in headers, headers
    assert page.locator(".mfr-grid").evaluate("t => !!t.closest('.table-scroll')")
    check_page(probe, "manufacturer-release")
