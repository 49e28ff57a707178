"""A new shopper on a phone reads the scanning guide, measures the demo foot, then deletes it."""

from __future__ import annotations

from tests.storefront.e2e.test_busan_e2e import api_json, check_page, register

GUIDE = {"ko": "발 스캔하는 방법", "en": "How to scan your foot"}
DELETED = {"ko": "스캔을 삭제했습니다.", "en": "Scan deleted."}


def test_guide_then_scan_then_delete_on_a_phone(lang_phone):
    probe, lang = lang_phone, lang_phone.lang
    page = probe.page
    register(probe)
    page.click("#scan-guide-link")
    page.wait_for_url("**/scan-guide")
    assert page.inner_text("h1").strip() == GUIDE[lang]
    formats = page.inner_text("#guide-formats")
    for name in ("USDZ", "GLB", "OBJ", "PLY"):
        assert name in formats
    check_page(probe, "scan-guide")

    probe.goto("/my-foot")
    page.click("#demo-foot")
    page.wait_for_selector("#scan-list button[data-delete-scan]", timeout=90_000)
    scans = api_json(probe, "/api/scans")["scans"]
    assert len(scans) == 1
    page.once("dialog", lambda d: d.accept())
    page.click(f"#scan-list button[data-delete-scan='{scans[0]['id']}']")
    page.wait_for_function(
        f"document.getElementById('scan-msg').textContent === {DELETED[lang]!r}", timeout=30_000
    )
    assert api_json(probe, "/api/scans")["scans"] == []
    probe.allowed.append(f"/api/scans/{scans[0]['id']}")  # the 404 below is the point
    r = page.evaluate(f"fetch('/api/scans/{scans[0]['id']}').then(r => r.status)")
    assert r == 404
    assert page.evaluate("localStorage.getItem('shoestreet.scanId')") is None
