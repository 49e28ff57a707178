"""Made to measure in a real browser: registration -> demo scan -> quote -> 3D preview of the
personal last with the clearance per region -> confirm -> the maker's files appear.

Korean on a 390x844 phone and English on a desktop. The numbers on the page are checked against
the API's (the preview JSON and the order), not only their presence.
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.storefront.e2e.conftest import LOCALES, PHONE

SHOE = "velox-stride-lite"
_serial = itertools.count()
_MAKERS: dict[str, str] = {}
WORDS = {
    "ko": {"title": "맞춤 제작", "clearance": "부위별", "files": "제작자용 파일", "ready": "준비됨",
           "last_caption": "라스트 자체 측정값", "last_note": "인솔"},
    "en": {"title": "Made to measure", "clearance": "per region", "files": "Files for the maker",
           "ready": "ready", "last_caption": "Your last measured on its own",
           "last_note": "insole"},
}  # fmt: skip


def _api(page: Any, path: str) -> Any:
    return json.loads(page.evaluate(f"fetch({path!r}).then(r => r.text())"))


def _register_and_scan(probe: Any) -> None:
    page = probe.page
    probe.goto("/account?next=/my-foot")
    page.fill("#reg-email", f"mtm{next(_serial)}-{probe.lang}@shoestreet.invalid")
    page.fill("#reg-password", "correct-horse-battery")
    page.click("#register-form button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/my-foot")
    page.wait_for_function("window.__ready === true || !!window.__pageError")
    page.click("#demo-foot")
    page.wait_for_selector("#scan-list button[data-delete-scan]", timeout=120_000)
    scans = _api(page, "/api/scans")["scans"]
    assert len(scans) == 1 and scans[0]["status"] == "done"


def check_last_readings(page: Any, preview: dict, lang: str) -> None:
    """The personal last's own readings and offsets: every row of the API's ``stock_changes``,
    the numbers equal to the API's with their unit, the girths read more on the last (the
    insole fill, docs/made-to-measure.md), the table inside the screen."""
    assert WORDS[lang]["last_caption"] in page.inner_text("#mtm-last caption")
    rows = page.locator("#mtm-last tbody tr")
    assert rows.count() == len(preview["stock_changes"]) == 4
    for ch in preview["stock_changes"]:
        assert ch["last_offset_mm"] == pytest.approx(ch["last_mm"] - ch["personal_mm"], abs=0.11)
        row = page.locator(f"#mtm-last tr[data-measure='{ch['measure']}']")
        on_last, offset = row.locator("td").nth(0), row.locator("td").nth(1)
        assert float(on_last.get_attribute("data-mm")) == ch["last_mm"]
        assert float(offset.get_attribute("data-mm")) == ch["last_offset_mm"]
        # A no-break space: the unit stays on the number's line.
        assert on_last.inner_text().strip() == f"{ch['last_mm']:.1f}\u00a0mm"
        sign = "+" if ch["last_offset_mm"] > 0 else ""
        assert offset.inner_text().strip() == f"{sign}{ch['last_offset_mm']:.1f}\u00a0mm"
        if ch["basis"] == "last":  # length and width: one reading
            assert ch["last_offset_mm"] == 0 and ch["last_mm"] == ch["personal_mm"]
        else:  # girths: over the insole fill, so more than the catalogue-convention figure
            assert ch["last_offset_mm"] > 5, ch
        box = row.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    assert WORDS[lang]["last_note"] in page.inner_text("#mtm-last-readings")


_WRAPPED_CELLS = """(sel) => [...document.querySelectorAll(sel)].filter((td) => {
  const r = document.createRange();
  r.selectNodeContents(td);
  return new Set([...r.getClientRects()].map((q) => Math.round(q.top))).size > 1;
}).map((td) => td.innerText)"""


def check_values_unwrapped(page: Any) -> None:
    """No value cell of the made-to-measure tables breaks over two lines (a lone "mm")."""
    for table in ("#mtm-spec-table", "#mtm-changes", "#mtm-last", "#mtm-clearance"):
        wrapped = page.evaluate(_WRAPPED_CELLS, f"{table} td")
        assert wrapped == [], f"{table}: {wrapped}"


def _no_overflow(page: Any, width: int) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert inner == width and scroll <= inner, f"page is {scroll} px wide on a {inner} px screen"


@pytest.mark.parametrize(
    ("lang", "device"),
    [("ko", PHONE), ("en", {"viewport": {"width": 1280, "height": 860}})],
    ids=["ko-phone", "en-desktop"],
)
def test_quote_preview_then_confirm_then_files(make_probe, live_server, lang, device) -> None:  # type: ignore[no-untyped-def]
    probe = make_probe(locale=LOCALES[lang], **device)
    probe.lang = lang
    page, w = probe.page, WORDS[lang]
    _register_and_scan(probe)
    probe.goto(f"/made-to-measure/{SHOE}")
    page.wait_for_function("window.__ready === true", timeout=30_000)
    assert w["title"] in page.inner_text("h1")
    page.select_option("#mtm-colourway", index=1)
    page.click("#mtm-submit")
    page.wait_for_selector("#mtm-price")
    page.wait_for_selector("#mtm-clearance tbody tr", timeout=120_000)
    quote_id = page.get_attribute("#mtm-preview", "data-quote")
    preview = _api(page, f"/api/orders/made-to-measure/quotes/{quote_id}/preview")
    # every region's least and median room on the page equal the API's, in mm
    assert w["clearance"] in page.inner_text("#mtm-clearance caption")
    rows = page.locator("#mtm-clearance tbody tr")
    assert rows.count() == len(preview["clearance"]) == 5
    for c in preview["clearance"]:
        cells = page.locator(f"#mtm-clearance tr[data-region='{c['region']}'] td")
        assert float(cells.nth(0).get_attribute("data-mm")) == c["min_mm"]
        assert float(cells.nth(1).get_attribute("data-mm")) == c["median_mm"]
        shown = cells.nth(1).inner_text().replace("+", "").replace("\u00a0mm", "").replace(",", ".")
        assert float(shown) == pytest.approx(c["median_mm"], abs=0.051)
    for ch in preview["stock_changes"]:
        cell = page.locator(f"#mtm-changes tr[data-measure='{ch['measure']}'] td").nth(2)
        assert float(cell.get_attribute("data-mm")) == ch["change_mm"]
    assert preview["nearest_stock_size"]["width"] in page.inner_text("#mtm-changes caption")
    check_last_readings(page, preview, lang)
    page.locator("#mtm-last").scroll_into_view_if_needed()
    probe.shot(f"mtm-last-{lang}")
    # the 3D view is drawn: the last and the coloured foot points, not a blank canvas
    stats = page.evaluate("window.__mtmPreview.pixelStats()")
    assert stats["distinctColours"] > 20 and stats["variance"] > 10, stats
    if device is PHONE:
        _no_overflow(page, 390)
    page.locator("#mtm-preview h2").scroll_into_view_if_needed()
    probe.shot(f"mtm-preview-{lang}")

    page.fill("#co-name", "Kim Minji")
    page.fill("#co-phone", "01012345678")
    page.fill("#co-postcode", "47285")
    page.fill("#co-address1", "644 Jungang-daero, Busanjin-gu, Busan")
    page.click("#mtm-confirm")
    page.wait_for_selector("#mtm-done")
    page.wait_for_selector("#mtm-files li a", timeout=120_000)
    assert w["files"] in page.inner_text("#mtm-files-box h2")
    assert w["ready"] in page.inner_text("#mtm-files-status")
    orders = _api(page, "/api/orders")["orders"]
    files = orders[0]["made_to_measure"]["files"]
    assert files["status"] == "done"
    links = page.eval_on_selector_all("#mtm-files a", "els => els.map(e => e.getAttribute('href'))")
    assert sorted(links) == sorted(f["url"] for f in files["files"])
    sheet = page.evaluate(
        f"fetch({[u for u in links if u.endswith(f'spec.{lang}.html')][0]!r}).then(r => r.text())"
    )
    foot = _api(page, "/api/scans")["scans"][0]["measurements"]["foot_length_mm"]
    assert f"{foot:.1f}" in sheet
    if device is PHONE:
        _no_overflow(page, 390)
    page.locator("#mtm-files-box").scroll_into_view_if_needed()
    probe.shot(f"mtm-files-{lang}")

    # the orders page shows the file status and the shopper's own files
    probe.goto("/orders")
    page.wait_for_function("window.__ready === true", timeout=30_000)
    status = page.locator(".mtm-files").first
    assert status.get_attribute("data-status") == "done" and w["ready"] in status.inner_text()
    hrefs = status.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert sorted(hrefs) == sorted(links)
    _maker_sees_the_order(make_probe, live_server, lang, device, orders[0])


def _maker_sees_the_order(make_probe, live_server, lang, device, order) -> None:  # type: ignore[no-untyped-def]
    """The shop's maker signs in on the same device and finds the order and its files."""
    from storefront.catalog.services import load_catalog_cached

    with live_server.app.app_context():
        shop = load_catalog_cached(live_server.app.config.get("CATALOG_PATH")).model(SHOE).shop_id
    # one maker per shop for the whole server: later orders of the shop are assigned to it
    email = _MAKERS.get(shop)
    if email is None:
        email = _MAKERS[shop] = f"maker{next(_serial)}@shoestreet.invalid"
        res = live_server.app.test_cli_runner().invoke(
            args=[
                "create-maker",
                "Busan Lasts",
                email,
                "--shop",
                shop,
                "--password",
                "correct horse",
            ]
        )
        assert res.exit_code == 0, res.output
    maker = make_probe(locale=LOCALES[lang], **device)
    maker.lang = lang
    page = maker.page
    maker.sign_in(email, "correct horse", "/workshop")
    assert page.get_attribute("html", "lang") == lang
    assert {"ko": "공방", "en": "Workshop"}[lang] in page.inner_text("h1")
    assert page.inner_text("#account-slot").strip() == "Busan Lasts"  # not "Sign in"
    card = page.locator(f"li[data-order='{order['id']}']")
    assert card.get_attribute("class") == "card"
    assert card.locator(".files-status").get_attribute("data-status") == "done"
    links = card.locator(".file-links a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    names = {"last.stl", "last.3mf", "insole.stl", "insole.3mf", "spec.ko.html", "spec.en.html",
             "preview.json"}  # fmt: skip
    assert {u.rsplit("/", 1)[1] for u in links} == names
    size = page.evaluate(f"fetch({links[0]!r}).then(r => r.arrayBuffer()).then(b => b.byteLength)")
    listed = _api(page, "/api/workshop/orders")["orders"]
    mine = next(o for o in listed if o["order_id"] == order["id"])
    assert size == next(f["bytes"] for f in mine["files"]["files"] if links[0].endswith(f["name"]))
    if device is PHONE:
        _no_overflow(page, 390)
    maker.shot(f"mtm-workshop-{lang}")
