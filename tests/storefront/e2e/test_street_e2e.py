"""The shoe street in a real browser: street, shop, product fit, demo foot, checkout, gait, makers."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

#: A rendered street has sky, road, buildings and signs: far more than a flat clear colour.
MIN_PIXEL_VARIANCE = 200.0
MIN_DISTINCT_COLOURS = 60


def first_model(live_server, shop_id: str | None = None) -> dict:
    with live_server.app.test_client() as c:
        shops = c.get("/api/shops").get_json()["shops"]
    shop = next(s for s in shops if shop_id in (None, s["id"]))
    return {"shop": shop, "model": shop["models"][0]}


def test_street_renders_and_walks(probe):
    probe.goto("/")
    stats = probe.page.evaluate("window.__street.pixelStats()")
    assert stats["width"] > 300 and stats["height"] > 200
    assert stats["variance"] > MIN_PIXEL_VARIANCE, stats
    assert stats["distinctColours"] > MIN_DISTINCT_COLOURS, stats
    n_shops = probe.page.evaluate("window.__street.buildings.length")
    assert n_shops >= 6
    assert probe.page.locator("#shop-jump li").count() == n_shops
    probe.shot("street")
    # Keyboard: hold W on the focused canvas and the walker moves down the street (-Z).
    z0 = probe.page.evaluate("window.__street.controls.z")
    probe.page.focus("#street-canvas")
    probe.page.keyboard.down("w")
    probe.page.wait_for_function(f"window.__street.controls.z < {z0} - 0.5", timeout=10_000)
    probe.page.keyboard.up("w")
    assert probe.page.evaluate("window.__street.controls.x") == 0
    # Jump list: stand in front of the third shop; the enter prompt names it.
    probe.page.locator("#shop-jump li button").nth(2).click()
    name = probe.page.locator("#shop-jump li button").nth(2).inner_text()
    probe.page.wait_for_function("!document.getElementById('enter-prompt').hidden")
    assert name in probe.page.inner_text("#enter-prompt")
    probe.shot("street-shop-front")


def test_shop_opens_with_shoes_on_shelves(probe, live_server):
    probe.goto("/")
    # Enter with the keyboard: jump to the first shop, then Enter on the canvas.
    probe.page.locator("#shop-jump li button").first.click()
    probe.page.focus("#street-canvas")
    probe.page.keyboard.press("Enter")
    probe.page.wait_for_url("**/shop/**")
    probe.page.wait_for_function("window.__ready === true || !!window.__pageError", timeout=30_000)
    shop_id = probe.page.url.rstrip("/").split("/")[-1]
    expected = len(first_model(live_server, shop_id)["shop"]["models"])
    assert probe.page.evaluate("window.__shop.shoes.length") == expected
    assert probe.page.locator("#shop-shoes li").count() == expected
    stats = probe.page.evaluate("window.__shop.pixelStats()")
    assert stats["variance"] > MIN_PIXEL_VARIANCE, stats
    probe.shot("shop")


def test_shoe_shows_fit_verdicts(probe, live_server):
    probe.sign_in_demo()
    model = first_model(live_server)["model"]
    probe.goto(f"/shoe/{model['id']}")
    summary = probe.page.inner_text("#fit-summary")
    assert "Your size: EU" in summary
    verdicts = probe.page.locator("#size-rows td.verdict").all_inner_texts()
    assert len(verdicts) >= 10
    assert all(v.strip() not in ("", "–") for v in verdicts), verdicts
    assert any(v.startswith("too short") for v in verdicts) and any(
        v.startswith("too long") for v in verdicts
    )
    assert probe.page.locator("#size-rows tr.best").count() == 1
    assert probe.page.locator("#size-rows td.fit .reasons-inline").first.inner_text().strip()
    # Colourway switch recolours the model's upper.
    before = probe.page.evaluate("window.__shoeView.pixelStats().mean")
    probe.page.locator("#colourways button").nth(1).click()
    probe.page.wait_for_timeout(200)
    after = probe.page.evaluate("window.__shoeView.pixelStats().mean")
    assert abs(after - before) > 0.5
    probe.shot("shoe-fit")


def test_demo_foot_reaches_a_recommendation(probe):
    probe.sign_in_demo()
    probe.page.evaluate("localStorage.clear()")
    probe.goto("/my-foot")
    probe.page.click("#demo-foot")
    probe.page.wait_for_function(
        "/measured/.test(document.getElementById('scan-msg').textContent)"
        " || /could not|error|failed/i.test(document.getElementById('scan-msg').textContent)",
        timeout=90_000,
    )
    assert "measured" in probe.page.inner_text("#scan-msg")
    probe.page.wait_for_selector("#foot-rec-body li.rec", timeout=30_000)
    assert probe.page.locator("#measure-rows tr").count() >= 4
    assert probe.page.locator("#size-systems tr").count() >= 4
    # Measurement lines are drawn on the foot (length, width, girths).
    assert probe.page.evaluate("window.__footView.overlay.children.length") >= 4
    probe.shot("my-foot")
    first = probe.page.locator("#foot-rec-body li.rec a").first
    shoe_id = first.get_attribute("href").split("/")[-1]
    first.click()
    probe.page.wait_for_url(f"**/shoe/{shoe_id}")
    probe.page.wait_for_function("window.__ready === true", timeout=30_000)
    assert "Your size: EU" in probe.page.inner_text("#fit-summary")


def test_try_on_heat_map(probe, live_server):
    probe.sign_in_demo()
    model = first_model(live_server)["model"]
    probe.goto(f"/try-on/{model['id']}")
    res = probe.page.evaluate("window.__tryOnResult")
    shares = res["share"]
    assert abs(shares["tight"] + shares["snug"] + shares["roomy"] - 1) < 1e-6
    assert -5 < res["toeRoomMm"] < 60
    probe.shot("try-on")


def test_add_to_cart_and_checkout_once_on_double_click(probe):
    probe.sign_in_demo()
    orders_before = probe.page.evaluate(
        "fetch('/api/orders').then(r => r.json()).then(d => d.orders.length)"
    )
    probe.goto("/")
    first_rec = probe.page.locator("#rec-body li.rec a").first
    first_rec.click()
    probe.page.wait_for_function("window.__ready === true", timeout=30_000)
    if probe.page.locator("#size-rows input:checked").count() == 0:
        probe.page.locator("#size-rows input:not([disabled])").first.check()
    probe.page.click("#add-to-cart")
    probe.page.wait_for_function("/Added/.test(document.getElementById('cart-msg').textContent)")
    probe.goto("/cart")
    assert probe.page.locator("#cart-body tbody tr").count() >= 1
    probe.goto("/checkout")
    probe.page.fill("#co-name", "Demo Shopper")
    probe.page.fill("#co-phone", "01012345678")
    assert probe.page.input_value("#co-phone") == "010-1234-5678"
    probe.page.fill("#co-postcode", "48058")
    probe.page.fill("#co-address1", "55 Centum jungang-ro, Haeundae-gu, Busan")
    probe.page.fill("#co-address2", "Building 101, unit 1203")
    probe.page.dblclick("#place-order")
    probe.page.wait_for_selector("#order-done", timeout=30_000)
    probe.shot("checkout-done")
    orders_after = probe.page.evaluate(
        "fetch('/api/orders').then(r => r.json()).then(d => d.orders.length)"
    )
    assert orders_after == orders_before + 1
    probe.goto("/orders")
    assert probe.page.locator("#orders-body section.card").count() == orders_after


def test_gait_report_renders_its_charts(probe):
    probe.sign_in_demo()
    probe.goto("/gait")
    link = probe.page.locator("#gait-sessions a", has_text="Open report").first
    link.click()
    probe.page.wait_for_url("**/gait/*")
    probe.page.wait_for_function("window.__ready === true || !!window.__pageError", timeout=60_000)
    charts = probe.page.locator("#gait-charts figure").evaluate_all(
        "fs => fs.map(f => f.dataset.chart)"
    )
    for title in (
        "Cadence over time",
        "Stride times",
        "Pressure and centre of pressure",
        "Activity timeline",
        "Standing balance",
        "Care indicators",
    ):
        assert title in charts, charts
    assert probe.page.locator("#gait-charts polyline").count() >= 2
    assert probe.page.locator("#gait-charts .cop-path").count() >= 1
    assert probe.page.locator("[data-chart='Care indicators'] circle").count() >= 3
    probe.page.set_viewport_size({"width": 1280, "height": 1500})
    probe.shot("gait-report")


def test_manufacturer_dashboard_shows_suppressed_cells(probe, live_server):
    probe.goto("/manufacturer")
    probe.page.fill("#mfr-token", live_server.manufacturer_token)
    probe.page.click("#mfr-token-form button")
    probe.page.wait_for_function(
        "window.__ready === true && document.getElementById('mfr-budget').dataset.left"
    )
    left_before = float(probe.page.get_attribute("#mfr-budget", "data-left"))
    probe.page.select_option("#mfr-group", "length_bin,width")
    probe.page.click("#mfr-query button[type=submit]")
    probe.page.wait_for_function("window.__released === true")
    assert probe.page.inner_text("#mfr-msg") == ""
    summary = probe.page.inner_text("#mfr-summary")
    n_suppressed = int(summary.split(";")[1].split()[0])
    # 30 feet share one length bin (released); 12 lie one per bin (suppressed, shown as such).
    cells = probe.page.locator(".mfr-grid td[data-suppressed='true']")
    assert n_suppressed > 0 and cells.count() > 0
    assert set(cells.all_inner_texts()) == {"suppressed"}
    released = [
        int(v)
        for v in probe.page.locator(".mfr-grid td[data-value]").evaluate_all(
            "ts => ts.map(t => t.dataset.value)"
        )
    ]
    assert released and min(released) >= 10, released
    left_after = float(probe.page.get_attribute("#mfr-budget", "data-left"))
    assert left_after == pytest.approx(left_before - 0.25, abs=1e-6)
    probe.shot("manufacturer")
    # One dimension: a bar chart whose suppressed bars are hatched and labelled.
    probe.page.evaluate("window.__released = false")
    probe.page.select_option("#mfr-group", "length_bin")
    probe.page.click("#mfr-query button[type=submit]")
    probe.page.wait_for_function("window.__released === true")
    assert probe.page.locator("[data-chart] rect.suppressed-cell").count() > 0
    bars = probe.page.locator("[data-chart] rect[data-value]").evaluate_all(
        "rs => rs.map(r => +r.dataset.value)"
    )
    assert bars and min(bars) >= 10, bars
    assert probe.page.locator("[data-chart] text", has_text="suppressed").count() > 0
    with probe.page.expect_download() as dl:
        probe.page.click("#mfr-csv")
    csv_text = open(dl.value.path(), encoding="utf-8").read()
    assert csv_text.splitlines()[0] == "length_bin,count,suppressed"
    probe.shot("manufacturer-bars")


def test_no_webgl_list_has_fit_information(browser, live_server, probe):
    probe.sign_in_demo()
    probe.page.add_init_script(
        "HTMLCanvasElement.prototype.getContext = (orig => function (kind, ...a) {"
        " return /webgl/.test(kind) ? null : orig.call(this, kind, ...a); })(HTMLCanvasElement.prototype.getContext);"
    )
    probe.goto("/", ready="document.querySelectorAll('#shop-jump li').length > 0")
    assert probe.page.is_visible("#nowebgl")
    probe.goto("/list")
    assert probe.page.locator("#list-body section").count() >= 6
    assert probe.page.locator("#list-body", has_text="Your size: EU").count() == 1
    probe.shot("list-no-webgl")


def test_phone_sized_street_is_readable(phone_probe):
    phone_probe.goto("/")
    width = phone_probe.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    assert phone_probe.page.is_visible(".touch-pad")
    phone_probe.shot("street-phone")


def test_odd_shoppers_get_clear_messages(probe, live_server, tmp_path):
    probe.sign_in_demo()
    probe.goto("/my-foot")
    # A cat photo: refused before upload, with a message that says what to do.
    cat = tmp_path / "cat.jpg"
    cat.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 2000)
    probe.page.set_input_files("#scan-file", str(cat))
    probe.page.click("#upload-form button[type=submit]")
    assert "not a 3D foot scan" in probe.page.inner_text("#scan-msg")
    # The same photo renamed to .ply: the server refuses it; the page shows the server's reason.
    fake = tmp_path / "cat.ply"
    fake.write_bytes(cat.read_bytes())
    probe.allowed.append("/api/scans")
    n_before = probe.page.locator("#scan-list li").count()
    probe.page.set_input_files("#scan-file", str(fake))
    probe.page.click("#upload-form button[type=submit]")
    probe.page.wait_for_function(
        "document.getElementById('scan-msg').textContent.length > 0 && !document.querySelector('#demo-foot').disabled",
        timeout=60_000,
    )
    msg = probe.page.inner_text("#scan-msg")
    assert msg and "measured" not in msg, msg
    probe.shot("cat-upload")
    assert probe.page.locator("#scan-list li").count() >= n_before
    # A USDZ (what phone scanning apps export; the server reads it) is uploaded, not refused by
    # the page as "not a 3D foot scan" (the page's own list of extensions lacked USDZ and ZIP).
    usdz = tmp_path / "foot.usdz"
    usdz.write_bytes(b"PK\x03\x04" + b"\x00" * 2000)  # not a real one: the server says why
    probe.page.set_input_files("#scan-file", str(usdz))
    with probe.page.expect_request(
        lambda r: r.method == "POST" and urlsplit(r.url).path == "/api/scans"
    ):
        probe.page.click("#upload-form button[type=submit]")
    probe.page.wait_for_function(
        "document.getElementById('scan-msg').textContent.length > 0 && !document.querySelector('#demo-foot').disabled",
        timeout=60_000,
    )
    msg = probe.page.inner_text("#scan-msg")
    assert "not a 3D foot scan" not in msg and "measured" not in msg, msg
    # A product that went out of stock: the page says so and offers made to measure.
    model = first_model(live_server)["model"]
    with live_server.app.app_context():
        from sqlalchemy import update

        from storefront.db.models import Stock
        from storefront.extensions import db

        db.session.execute(update(Stock).where(Stock.model_id == model["id"]).values(quantity=0))
        db.session.commit()
    probe.goto(f"/shoe/{model['id']}")
    assert probe.page.is_visible("#stock-alert")
    assert "sold out" in probe.page.inner_text("#stock-alert")
    assert probe.page.is_disabled("#add-to-cart")
    probe.shot("sold-out")


def test_closing_the_tab_mid_upload_loses_nothing(browser, live_server, probe):
    probe.sign_in_demo()
    probe.goto("/my-foot")
    n_before = json.loads(probe.page.evaluate("fetch('/api/scans').then(r => r.text())"))["scans"]
    # Start the demo foot and close the tab at once; the job continues on the server.
    probe.page.click("#demo-foot")
    probe.page.wait_for_function("localStorage.getItem('shoestreet.pendingScan') !== null")
    ctx = probe.page.context
    probe.page.close()
    page = ctx.new_page()
    page.on("pageerror", lambda exc: probe.errors.append(f"pageerror: {exc}"))
    page.goto(live_server.url + "/my-foot")
    page.wait_for_function(
        "/measured|Picking up|shown/.test(document.body.innerText)", timeout=60_000
    )
    page.wait_for_function(
        "localStorage.getItem('shoestreet.pendingScan') === null", timeout=90_000
    )
    scans = json.loads(page.evaluate("fetch('/api/scans').then(r => r.text())"))["scans"]
    assert len(scans) == len(n_before) + 1
    assert scans[0]["status"] == "done"


def test_made_to_measure_order_carries_the_foot(probe, live_server):
    probe.sign_in_demo()
    model = first_model(live_server, "finch")["model"]
    probe.goto(f"/made-to-measure/{model['id']}")
    assert probe.page.locator("#mtm-measurements tbody tr").count() >= 4
    probe.page.select_option("#mtm-colourway", index=1)
    count = "fetch('/api/orders').then(r => r.json()).then(d => d.orders.length)"
    before = probe.page.evaluate(count)
    probe.page.click("#mtm-submit")
    probe.page.wait_for_selector("#mtm-price")
    # the quote shows the price and the lead time; nothing is ordered before the confirmation
    assert probe.page.locator("#mtm-spec-table tbody tr").count() >= 2
    assert any(ch.isdigit() for ch in probe.page.inner_text("#mtm-lead"))
    assert probe.page.evaluate(count) == before
    probe.page.fill("#co-name", "Demo Shopper")
    probe.page.fill("#co-phone", "01012345678")
    probe.page.fill("#co-postcode", "47285")
    probe.page.fill("#co-address1", "644 Jungang-daero, Busanjin-gu, Busan")
    probe.page.click("#mtm-confirm")
    probe.page.wait_for_selector("#mtm-done")
    assert probe.page.evaluate(count) == before + 1
    assert "Order" in probe.page.inner_text("#mtm-done")
    probe.shot("made-to-measure")
    probe.goto("/orders")
    assert probe.page.locator("#orders-body", has_text="made to measure").count() == 1


def test_gait_upload_then_trends_across_sessions(probe, tmp_path):
    from storefront.gait_sessions.gait_bridge import demo_session_csv

    walk = tmp_path / "second_walk.csv"
    walk.write_bytes(demo_session_csv(seed=7))
    probe.sign_in_demo()
    probe.goto("/gait")
    probe.page.set_input_files("#gait-file", str(walk))
    probe.page.click("#gait-upload button[type=submit]")
    probe.page.wait_for_url("**/gait/*", timeout=90_000)
    probe.page.wait_for_function("window.__ready === true || !!window.__pageError", timeout=60_000)
    assert probe.page.locator("#gait-charts figure").count() >= 5
    probe.goto("/gait")
    titles = probe.page.locator("#gait-trends figure").evaluate_all(
        "fs => fs.map(f => f.dataset.chart)"
    )
    assert "Cadence" in titles and "Stride-time variability" in titles, titles
    # One point per analysed session.
    assert probe.page.locator("[data-chart='Cadence'] circle").count() >= 2
    probe.shot("gait-trends")
