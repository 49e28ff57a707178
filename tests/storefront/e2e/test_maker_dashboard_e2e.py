"""The makers' shape-statistics dashboard in a real browser (issue 14, item 5).

A synthetic city (the CLI ``load-synthetic-city``) is loaded into the live server's database; a
manufacturer with a budget large enough for the test opens ``/manufacturer`` with its token, in
Korean on a phone (390 x 844) and in English on a desktop. The values drawn are compared with
the JSON the API returned to the page (the truth here is the API's answer, captured from the
network, not recomputed by the page): the median marker of every released bin, withheld bins
left undrawn, the regression slopes, the CSV header and rows (noise scale, budget spent), the
average foot rendered in 3D, and a refusal in words without counts for a too-narrow query.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest

from tests.storefront.e2e.conftest import LOCALES, PHONE

pytestmark = pytest.mark.e2e

DESKTOP = {"viewport": {"width": 1200, "height": 800}}
REFUSED = {"ko": "답할 수 없습니다", "en": "could not be answered"}
NO_MESH = {"ko": "평균 발 모양은 없습니다", "en": "No average foot for"}
TITLE = {"ko": "제조사 대시보드", "en": "Manufacturer dashboard"}


@pytest.fixture(scope="module")
def maker_token(live_server) -> Iterator[str]:
    """A manufacturer with room for the test's releases, over a synthetic city of 10,000
    (its largest 5 mm classes, ~900-1,000 people, pass the average foot's shape floor of 768
    people at epsilon 1)."""
    app = live_server.app
    runner = app.test_cli_runner()
    out = runner.invoke(args=["load-synthetic-city", "--people", "10000", "--seed", "3"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(
        args=["create-manufacturer", "Lasts of Busan", "--epsilon-per-period", "10"]
    )
    assert out.exit_code == 0, out.output
    # The yearly caps are configuration; the test's several releases need more than the default
    # (4 runs of 1 + 0.3 + 1 + 0.1 = 9.6).
    caps = ("PRIVACY_MANUFACTURER_EPSILON_PER_YEAR", "PRIVACY_POPULATION_EPSILON_PER_YEAR")
    before = {k: app.config.get(k) for k in caps}
    app.config.update(dict.fromkeys(caps, 10.0))
    yield out.output.strip().splitlines()[-1].split()[-1]
    # The browser tests share one city: give the population-wide budget this test spent back
    # (its releases leave the ledger with their manufacturer) and the caps their values, or
    # a later test's manufacturer is refused (403) for budget this test used.
    from sqlalchemy import delete, select

    from storefront.db.models import Manufacturer, PrivacyRelease
    from storefront.extensions import db

    with app.app_context():
        mid = db.session.scalar(
            select(Manufacturer.id).where(Manufacturer.name == "Lasts of Busan")
        )
        db.session.execute(delete(PrivacyRelease).where(PrivacyRelease.manufacturer_id == mid))
        db.session.commit()
    for k, v in before.items():
        if v is None:
            app.config.pop(k, None)
        else:
            app.config[k] = v


def no_overflow(page, name: str) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{name}: page is {width} px wide on a {inner} px screen"
    shown = page.evaluate(
        "[...document.querySelectorAll('[hidden]')]"
        ".filter(e => getComputedStyle(e).display !== 'none').map(e => e.id || e.tagName)"
    )
    assert shown == [], f"{name}: elements with the hidden attribute are shown: {shown}"


def release(page, n: int, **fields: str) -> dict:
    """Fill the shape form, release, and return the JSON the page received."""
    for sel, value in fields.items():
        if sel == "maker-epsilon":
            page.fill(f"#{sel}", value)
        else:
            page.select_option(f"#{sel}", value)
    with page.expect_response(
        lambda r: "/api/manufacturer/shape-stats" in r.url, timeout=120_000
    ) as resp:
        page.click("#maker-query button[type=submit]")
    page.wait_for_function(f"window.__makerReleases >= {n}", timeout=30_000)
    return resp.value.json()


@pytest.mark.parametrize(
    ("lang", "size"), [("ko", "phone"), ("en", "desktop"), ("en", "phone"), ("ko", "desktop")]
)
def test_maker_dashboard_shows_what_the_api_released(make_probe, maker_token, lang, size):
    probe = make_probe(locale=LOCALES[lang], **(PHONE if size == "phone" else DESKTOP))
    page = probe.page
    probe.goto("/manufacturer")
    page.fill("#mfr-token", maker_token)
    page.click("#mfr-token-form button[type=submit]")
    page.wait_for_function(
        "window.__ready === true && !!document.querySelector('#maker-budget li')"
    )
    assert page.get_attribute("html", "lang") == lang
    assert TITLE[lang] in page.inner_text("h1")
    caps = page.eval_on_selector_all(
        "#maker-budget li", "ls => ls.map(l => [l.dataset.cap, +l.dataset.left])"
    )
    assert [c[0] for c in caps] == ["manufacturer_period", "manufacturer_year", "population_year"]

    # Quantiles of ball girth: each drawn median is the released one; withheld bins undrawn.
    out = release(page, 1, **{"maker-kind": "quantiles", "maker-measure": "ball_girth",
                               "maker-epsilon": "1"})  # fmt: skip
    assert out["answered"] is True
    released = {b["length_bin"]: b["quantiles_mm"]["p50"] for b in out["statistic"]["bins"]
                if b["quantiles_mm"]}  # fmt: skip
    assert len(released) >= 5
    drawn = dict(
        page.eval_on_selector_all(
            "#maker-charts circle.median", "cs => cs.map(c => [c.dataset.bin, +c.dataset.median])"
        )
    )
    assert drawn == released
    withheld = {b["length_bin"] for b in out["statistic"]["bins"] if b["withheld"]}
    assert not withheld & set(drawn)
    left = dict(page.eval_on_selector_all(
        "#maker-budget li", "ls => ls.map(l => [l.dataset.cap, +l.dataset.left])"))  # fmt: skip
    assert left == pytest.approx(out["budget"]["left"])
    left_q = float(page.get_attribute("#mfr-budget", "data-left"))
    assert left_q == pytest.approx(out["budget"]["left"]["manufacturer_period"])
    scale = out["statistic"]["count_noise_scale"]
    assert f"{scale:g}" in page.inner_text("#maker-csv")
    assert "Parquet" in page.inner_text("#maker-parquet")
    no_overflow(page, f"{lang}-{size}-quantiles")
    page.locator("#maker-charts figure").first.scroll_into_view_if_needed()
    probe.shot(f"maker-{lang}-{size}-quantiles")

    # The CSV download: the API's columns, noise scale and budget spent on every row.
    with page.expect_download() as dl:
        page.click("#maker-csv")
    text = open(dl.value.path(), encoding="utf-8").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    for col in ("count_noise_scale", "score_noise_scale", "method", "epsilon",
                "budget_spent_manufacturer_period", "budget_spent_population_year"):  # fmt: skip
        assert col in header
    for r in rows:
        assert float(r["count_noise_scale"]) == pytest.approx(scale)
        if r["length_bin"] in released:
            assert float(r["p50_mm"]) == pytest.approx(released[r["length_bin"]])
        else:
            assert r["p50_mm"] == "" and r["withheld"]

    # Regression of girth on length per sex: one line per released group, the released slope.
    out = release(page, 2, **{"maker-kind": "regression", "maker-epsilon": "0.3"})
    slopes = {g["group"]: g["slope_mm_per_mm"] for g in out["statistic"]["groups"]
              if not g["withheld"]}  # fmt: skip
    assert {"female", "male"} <= set(slopes)
    drawn = dict(page.eval_on_selector_all(
        "#maker-charts line.fit", "ls => ls.map(l => [l.dataset.group, +l.dataset.slope])"))  # fmt: skip
    assert drawn == pytest.approx(slopes)
    no_overflow(page, f"{lang}-{size}-regression")

    # The average foot of a size class in 3D (GLB from the API, drawn on the viewer base).
    out = release(page, 3, **{"maker-kind": "average_feet", "maker-epsilon": "1"})
    feet = [f["length_bin"] for f in out["statistic"]["feet"] if f["coeffs_sd"]]
    assert feet
    # classes under the shape floor: named, with the floor, in the page's language
    no_mesh = [f["length_bin"] for f in out["statistic"]["feet"] if f.get("mesh_withheld")]
    assert no_mesh
    said = page.inner_text("#maker-charts .maker-mesh-withheld")
    assert NO_MESH[lang] in said and str(out["statistic"]["mesh_min_people"]) in said
    assert all(f"{b} mm" in said for b in no_mesh)
    page.wait_for_function("!!window.__makerFootShown", timeout=60_000)
    shown = page.evaluate("window.__makerFootShown")
    assert shown in feet
    stats = page.evaluate("window.__makerFootView.pixelStats()")
    assert stats["variance"] > 5 and stats["distinctColours"] > 8
    # The info line names the class shown (the mesh itself is the API's decoding, not checked here).
    assert shown in page.inner_text("#maker-foot-info")
    no_overflow(page, f"{lang}-{size}-average-foot")
    page.locator("#maker-foot-canvas").scroll_into_view_if_needed()
    probe.shot(f"maker-{lang}-{size}-average-foot")

    # Too narrow: teenagers of sex "other" in a city of adults. Refused in words, no count.
    out = release(page, 4, **{"maker-kind": "quantiles", "maker-sex": "other",
                              "maker-age": "<18", "maker-epsilon": "0.1"})  # fmt: skip
    assert out["answered"] is False
    assert page.is_visible("#maker-refusal") and not page.is_visible("#maker-release")
    refusal = page.inner_text("#maker-refusal")
    assert REFUSED[lang] in refusal
    assert not re.search(r"\d", page.inner_text("#maker-refusal .maker-refusal-reason"))
    assert page.locator("#maker-refusal li").count() >= 2
    no_overflow(page, f"{lang}-{size}-refusal")
    page.locator("#maker-refusal").scroll_into_view_if_needed()
    probe.shot(f"maker-{lang}-{size}-refusal")
