"""Busan on a phone, in Korean: browse -> fit -> cart -> checkout with a Busan landline.

A new shopper on a 390 x 844 touch screen whose browser asks for Korean registers, measures the
demo foot, opens two recommended shoes, adds one of them twice and the other once, and checks
out to a Busan road address with a 051 landline. The won figures are checked, not only seen:
every cart line is unit price x quantity of the catalogue's whole-won price, the cart total is
the sum of the lines as printed, the order the server charged has the same total, and the
orders page shows it. Each page's visible text is searched for English words (whitelist: brand,
shop and shoe names, units and size systems).
"""

from __future__ import annotations

import itertools
import json
import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

_serial = itertools.count(1)
#: Latin words a Korean page may show: units, size systems, file formats, key names.
_ALLOWED = set(
    "mm cm kg ks eu uk us glb ply obj usdz stl pcd xyz pts zip ok enter id webgl api english "
    "shoe street".split()
)
_WORD = re.compile(r"[A-Za-z]{2,}")


def _won(text: str) -> int:
    """The amount of a price printed the Korean way ("129,000원")."""
    m = re.search(r"([\d,]+)원", text)
    assert m, f"no Korean won amount in {text!r}"
    return int(m.group(1).replace(",", ""))


def _api(page, path: str):  # type: ignore[no-untyped-def]
    return json.loads(page.evaluate(f"fetch({path!r}).then(r => r.text())"))


def _no_english(page, names: set[str], where: str) -> None:  # type: ignore[no-untyped-def]
    text = page.evaluate("document.body.innerText")
    # the shopper's own data: e-mail address and account name, names of uploaded files
    text = re.sub(
        r"\S+@\S+|busan-landline\d+|\S+\.(?:ply|obj|stl|glb|usdz|pcd|xyz|zip)\b", " ", text
    )
    words = {w for w in _WORD.findall(text) if w.lower() not in _ALLOWED | names}
    context = [
        text[max(0, m.start() - 40) : m.end() + 40]
        for m in _WORD.finditer(text)
        if m.group() in words
    ]
    assert not words, f"{where}: English on a Korean page: {sorted(words)} in {context[:6]}"


def _fits_phone(page, where: str) -> None:  # type: ignore[no-untyped-def]
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert inner == 390 and width <= inner, f"{where}: {width} px wide"
    assert page.get_attribute("html", "lang") == "ko"


def test_busan_phone_checkout_in_korean_with_a_051_landline(make_probe, live_server):  # type: ignore[no-untyped-def]
    probe = make_probe(
        locale="ko-KR",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = probe.page
    names: set[str] = set()

    probe.goto("/account?next=/my-foot")
    catalogue = _api(page, "/api/shoes")["shoes"]
    shops = _api(page, "/api/shops")["shops"]
    for text in [s["name"] for s in catalogue] + [
        f"{s['name']} {s.get('brand', '')}" for s in shops
    ]:
        names |= {w.lower() for w in _WORD.findall(text)}
    _no_english(page, names, "account")
    page.fill("#reg-email", f"busan-landline{next(_serial)}@shoestreet.invalid")
    page.fill("#reg-password", "correct-horse-battery")
    page.click("#register-form button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/my-foot")
    page.wait_for_function("window.__ready === true || !!window.__pageError")

    # Fit: the demo foot, then the recommendations.
    page.click("#demo-foot")
    page.wait_for_selector("#foot-rec-body li.rec", timeout=90_000)
    _fits_phone(page, "my-foot")
    _no_english(page, names, "my-foot")
    scan_id = page.evaluate("localStorage.getItem('shoestreet.scanId')")
    recs = _api(page, f"/api/recommendations?scan={scan_id}")["recommendations"]
    picks = [r["model_id"] for r in recs[:2]]
    assert len(picks) == 2

    # Browse: each product page shows the catalogue's whole-won price; add to the cart.
    price = {}
    for k, shoe_id in enumerate(picks):
        shoe = _api(page, f"/api/shoes/{shoe_id}")
        assert type(shoe["price_krw"]) is int and shoe["price_krw"] % 1000 == 0
        price[shoe_id] = shoe["price_krw"]
        probe.goto(f"/shoe/{shoe_id}")
        assert _won(page.inner_text("#shoe-price")) == shoe["price_krw"]
        _fits_phone(page, f"shoe {shoe_id}")
        _no_english(page, names, f"shoe {shoe_id}")
        if page.locator("#size-rows input:checked").count() == 0:
            page.locator("#size-rows input:not([disabled])").first.check()
        for _ in range(2 if k == 0 else 1):
            before = page.inner_text("#cart-count").strip() or "0"
            page.click("#add-to-cart")
            page.wait_for_function(
                f"(document.getElementById('cart-count').textContent.trim() || '0') !== {before!r}"
            )

    # Cart: lines are unit price x quantity, the total is the sum of the lines as printed.
    probe.goto("/cart")
    cart = _api(page, "/api/cart")
    assert sum(it["quantity"] for it in cart["items"]) == 3
    printed_lines = []
    for it in cart["items"]:
        assert it["unit_price_krw"] == price[it["shoe_id"]]
        row = page.locator(f"#cart-body tbody tr[data-item='{it['id']}']")
        shown = _won(row.locator("td.line-price").inner_text())
        assert shown == it["unit_price_krw"] * it["quantity"]
        printed_lines.append(shown)
    expected = 2 * price[picks[0]] + price[picks[1]]
    assert _won(page.inner_text("#cart-total")) == sum(printed_lines) == expected
    assert cart["total_krw"] == expected
    _fits_phone(page, "cart")
    _no_english(page, names, "cart")

    # Checkout: a Busan road address and a 051 landline (typed without hyphens).
    probe.goto("/checkout")
    page.fill("#co-name", "김부산")
    page.fill("#co-phone", "0517441234")
    assert page.input_value("#co-phone") == "051-744-1234"
    assert page.evaluate("document.getElementById('co-phone').validationMessage") == ""
    page.fill("#co-phone", "051-12")
    assert page.evaluate("document.getElementById('co-phone').validationMessage")
    page.fill("#co-phone", "0517441234")
    page.fill("#co-postcode", "48058")
    page.fill("#co-address1", "부산광역시 해운대구 센텀중앙로 55")
    page.fill("#co-address2", "101동 1203호")
    _fits_phone(page, "checkout")
    _no_english(page, names, "checkout")
    page.click("#place-order")
    page.wait_for_selector("#order-done", timeout=30_000)
    assert _won(page.inner_text("#order-done")) == expected

    order = _api(page, "/api/orders")["orders"][0]
    assert order["currency"] == "KRW" and order["total_krw"] == expected
    assert order["total_krw"] == sum(ln["unit_price_krw"] * ln["quantity"] for ln in order["lines"])
    assert order["delivery"]["phone"] == "051-744-1234"
    assert order["delivery"]["postcode"] == "48058"

    probe.goto("/orders")
    card = page.locator("#orders-body section.card").first
    assert _won(card.inner_text()) == expected
    assert "051-744-1234" in card.locator(".order-delivery").inner_text()
    _fits_phone(page, "orders")
    _no_english(page, names, "orders")
