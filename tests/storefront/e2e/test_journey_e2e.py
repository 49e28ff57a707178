"""One shopper's whole journey on a 390 x 844 phone, in Korean and then in English.

Registration -> upload of a real foot scan (the real left foot of ``../shared/data``, an STL in
metres, units detected) -> fit and recommendations -> the made-to-measure page with the personal
last's own readings and offsets -> insole consent, a walk, its gait report -> a care manager
linked with explicit consent. The other browser tests walk parts of it with the demo foot; this
one goes through in one account, with a real scan, and checks values, not only their presence:
the foot length against the data's independent reference, the KS (mm) size and the fit score the
API gave, prices in won as the page language writes them, the last's readings and the gait
cadence equal to the API's. Every page: no horizontal overflow, [hidden] hidden, the html lang.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.storefront.e2e.conftest import LOCALES, PHONE
from tests.storefront.e2e.test_busan_e2e import api_json, check_page, register, won
from tests.storefront.e2e.test_mtm_preview_e2e import check_last_readings, check_values_unwrapped

pytestmark = pytest.mark.e2e

#: The real left foot and its independent length (data README: 274.7 mm, about +-1.5 mm).
REAL_FOOT = Path("footscan") / "real" / "dupont_left_foot.stl"
REFERENCE_LENGTH_MM = 274.7
_PASSWORD = "care manager pass 42"
_serial = itertools.count(1)
WORDS = {
    "ko": {"fit_score": "핏 점수", "consent_title": "인솔 데이터와 돌봄", "linked": "{name} 님과 연결되었습니다.",
           "cadence": "케이던스", "measured": "측정 완료"},
    "en": {"fit_score": "fit score", "consent_title": "Insole data and care", "linked": "{name} is now linked.",
           "cadence": "cadence", "measured": "measured"},
}  # fmt: skip


def _ready(probe, timeout_ms: int = 60_000) -> None:  # type: ignore[no-untyped-def]
    probe.page.wait_for_function(
        "window.__ready === true || !!window.__pageError", timeout=timeout_ms
    )
    assert probe.page.evaluate("window.__pageError || null") is None


def _upload_real_foot(probe, shared_data: Path) -> dict:  # type: ignore[no-untyped-def]
    """Upload the real scan on /my-foot; the page's length and KS size are the API's."""
    page, w = probe.page, WORDS[probe.lang]
    page.set_input_files("#scan-file", str(shared_data / REAL_FOOT))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#foot-rec-body li.rec", timeout=120_000)
    assert w["measured"] in page.inner_text("#scan-msg")
    (listed,) = api_json(probe, "/api/scans")["scans"]
    scan = api_json(probe, f"/api/scans/{listed['id']}")
    assert scan["status"] == "done" and scan["verdict"]["accepted"], scan["verdict"]
    m = scan["measurements"]
    # the truth is the data's own reference, not footscan's number
    assert m["foot_length_mm"] == pytest.approx(REFERENCE_LENGTH_MM, abs=1.5)
    length = page.locator("#measure-rows tr[data-key='foot_length_mm'] td").inner_text()
    assert length.startswith(f"{m['foot_length_mm']:.1f} mm"), length
    ks = int(page.locator("#size-systems tr[data-system='kr_mm'] td").inner_text().strip())
    assert ks == m["sizes"]["kr_mm"]
    assert ks % 5 == 0 and abs(ks - REFERENCE_LENGTH_MM) <= 5  # Korea labels mm on a 5 mm grid
    check_page(probe, "journey-my-foot")
    return scan


def _fit_and_recommendation(probe, scan_id: int) -> str:  # type: ignore[no-untyped-def]
    """The top recommendation on the product page: its fit score, price in won, KS sizes."""
    page, lang, w = probe.page, probe.lang, WORDS[probe.lang]
    recs = api_json(probe, f"/api/recommendations?scan={scan_id}")["recommendations"]
    shoe_id = recs[0]["model_id"]
    fit = api_json(probe, f"/api/fit?scan={scan_id}&shoe={shoe_id}")["fit"]
    score = round(fit["score"])
    assert round(recs[0]["fit_score"]) == score
    shoe = api_json(probe, f"/api/shoes/{shoe_id}")
    probe.goto(f"/shoe/{shoe_id}")
    assert page.inner_text("#shoe-price").strip() == won(shoe["price_krw"], lang)
    summary = page.locator("#fit-summary .fit-score").first
    assert int(summary.get_attribute("data-score")) == score
    assert w["fit_score"] in summary.inner_text() and f"{score}/100" in summary.inner_text()
    for size in shoe["sizes"]:
        row = page.locator(f"#size-rows tr[data-eu='{size['eu']:g}'][data-width='{size['width']}']")
        assert row.locator("td.ks").inner_text().strip().splitlines()[0] == str(size["mondopoint"])
    best = page.locator("#size-rows tr.best")
    if best.count():
        assert best.get_attribute("data-eu") == f"{fit['best_size']:g}"
    check_page(probe, "journey-shoe")
    return shoe_id


def _made_to_measure(probe, shoe_id: str) -> None:  # type: ignore[no-untyped-def]
    """Quote (price in won, from the API's quote) and the preview with the last's offsets."""
    page, lang = probe.page, probe.lang
    probe.goto(f"/made-to-measure/{shoe_id}")
    shoe = api_json(probe, f"/api/shoes/{shoe_id}")
    page.select_option("#mtm-colourway", index=0)
    with page.expect_response(
        lambda r: urlsplit(r.url).path.endswith("/made-to-measure/quote")
    ) as r:
        page.click("#mtm-submit")
    quote = r.value.json()
    page.wait_for_selector("#mtm-price")
    price = quote["price_krw"]
    assert isinstance(price, int) and price % 1000 == 0 and price > shoe["price_krw"]
    assert page.inner_text("#mtm-price").strip() == won(price, lang)
    assert won(price, lang) in page.inner_text("#mtm-confirm")
    _check_expiry(page.inner_text("#mtm-expires"), quote["expires_at"], lang)
    page.wait_for_selector("#mtm-last tbody tr", timeout=120_000)
    preview = api_json(probe, f"/api/orders/made-to-measure/quotes/{quote['id']}/preview")
    check_last_readings(page, preview, lang)
    check_values_unwrapped(page)
    page.locator("#mtm-last").scroll_into_view_if_needed()
    check_page(probe, "journey-mtm-last")


def _check_expiry(text: str, expires_at: str, lang: str) -> None:
    """The quote's expiry in the page's language, on the Busan calendar (not the browser's)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    at = datetime.fromisoformat(expires_at.replace("Z", "+00:00")).astimezone(
        ZoneInfo("Asia/Seoul")
    )
    if lang == "ko":  # "2026. 12. 8. 오후 3:04"
        half = "오전" if at.hour < 12 else "오후"
        clock = f"{half} {(at.hour - 1) % 12 + 1}:{at.minute:02d}"
        assert f"{at.year}. {at.month}. {at.day}." in text and clock in text, text
    else:  # "8 Dec 2026, 15:04"
        assert f"{at.day} {at.strftime('%b')} {at.year}" in text, text
        assert f"{at.hour:02d}:{at.minute:02d}" in text, text


def _walk(tmp: Path) -> Path:
    from gait import synthesize, write_csv

    rec = synthesize([("standing", 5.0), ("walking", 90.0)], seed=5, stride_cv=0.12)
    out = tmp / "walk.csv"
    write_csv(rec, out)
    return out


def _gait(probe, tmp: Path) -> int:  # type: ignore[no-untyped-def]
    """Insole consent from the gait page, a walk uploaded, its report's numbers the API's."""
    page, w = probe.page, WORDS[probe.lang]
    probe.goto("/gait")
    assert page.is_visible("#gait-consent-needed")
    page.click("#gait-consent-needed a")
    page.wait_for_url("**/care/consent")
    _ready(probe)
    assert page.inner_text("h1") == w["consent_title"]
    page.check("#care-consent-check")
    page.click("#care-consent-give button[type=submit]")
    page.wait_for_selector("#care-consent-state.consent-on")
    check_page(probe, "journey-consent")
    probe.goto("/gait")
    page.set_input_files("#gait-file", str(_walk(tmp)))
    page.click("#gait-upload button[type=submit]")
    page.wait_for_url(re.compile(r"/gait/\d+$"), timeout=120_000)
    _ready(probe, 120_000)
    session_id = int(urlsplit(page.url).path.rsplit("/", 1)[1])
    gs = api_json(probe, f"/api/gait/sessions/{session_id}")
    assert gs["status"] == "done", gs
    s = gs["report"]["summary"]
    meta = page.inner_text("#gait-meta")
    assert w["cadence"] in meta and f"{s['cadence_spm']:.0f}" in meta, (meta, s["cadence_spm"])
    assert f"{s['stride_cv_pct']:.2f}" in meta and str(s["n_strides"]) in meta, (meta, s)
    assert 90 <= s["cadence_spm"] <= 130  # a walk, by gait's simulator (adults: 100-120)
    assert page.locator("#gait-charts figure").count() >= 3
    check_page(probe, "journey-gait-report")
    return session_id


def _care_link(probe, make_probe, live_server) -> None:  # type: ignore[no-untyped-def]
    """A care manager's code, linked by the wearer with explicit consent; the manager sees one
    wearer and the week's report with the walk."""
    lang, w = probe.lang, WORDS[probe.lang]
    n = next(_serial)
    name, email = ("김돌봄" if lang == "ko" else "Kim Care"), f"journey-care{n}-{lang}@care.invalid"
    out = live_server.app.test_cli_runner().invoke(
        args=["create-care-manager", name, email, "--password", _PASSWORD]
    )
    assert out.exit_code == 0, out.output
    manager = make_probe(locale=LOCALES[lang], **PHONE)
    manager.lang = lang
    mp = manager.page
    manager.sign_in(email, _PASSWORD, "/care")
    _ready(manager)
    mp.click("#care-invite-btn")
    code = mp.inner_text("#care-code-out").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code

    page = probe.page
    probe.goto("/account")
    page.fill("#care-code", code)
    page.click("#care-link-form button[type=submit]")  # without the consent box: refused
    assert page.evaluate("document.getElementById('care-link-consent').validity.valid") is False
    assert api_json(probe, "/api/care/links")["links"] == []
    page.check("#care-link-consent")
    page.click("#care-link-form button[type=submit]")
    page.wait_for_selector(f"text={w['linked'].format(name=name)}")
    (link,) = api_json(probe, "/api/care/links")["links"]
    assert link["active"] and link["care_manager"] == name
    check_page(probe, "journey-care-linked")
    live_server.app.extensions["shoestreet_jobs"].wait_idle()  # the care_alerts job

    manager.goto("/care")
    assert mp.locator("#care-wearers li.care-card").count() == 1
    mp.locator("#care-wearers li.care-card a[href$='/report']").first.click()
    mp.wait_for_url("**/care/wearers/*/report")
    _ready(manager)
    assert mp.inner_text("#care-report-sessions") == "1"
    assert _split_words(mp, ".care-table td, .care-table th") == []
    check_page(manager, "journey-care-report")


#: Words drawn on more than one line (a hyphen or slash is a fair place to break: skipped).
_SPLIT_WORDS_JS = """sel => {
  const split = [];
  for (const cell of document.querySelectorAll(sel)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s\\-\\/]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}"""


def _split_words(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Words of ``selector``'s cells broken in the middle across lines (``overflow-wrap:
    anywhere`` made "no baselin / e yet" on a phone)."""
    return page.evaluate(_SPLIT_WORDS_JS, selector)


def test_registration_to_care_link_on_a_phone(  # type: ignore[no-untyped-def]
    lang_phone, make_probe, live_server, shared_data, tmp_path
) -> None:
    probe = lang_phone
    register(probe)
    scan = _upload_real_foot(probe, shared_data)
    shoe_id = _fit_and_recommendation(probe, scan["id"])
    _made_to_measure(probe, shoe_id)
    _gait(probe, tmp_path)
    _care_link(probe, make_probe, live_server)
