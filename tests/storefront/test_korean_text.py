"""Korean pages and Korean API errors carry no English a shopper would read.

Walks the main pages (server-rendered text, placeholders, labels) with the ``lang=ko`` cookie
and provokes the API's common errors with ``Accept-Language: ko``; any word of Latin letters
that is not on the whitelist (brand and shop names, units, file formats, size systems) fails.
The browser-rendered parts are walked in Chromium by tests/storefront/e2e/test_busan_e2e.py.
"""

from __future__ import annotations

import html
import re

import pytest

from storefront.catalog.loader import load_catalog
from storefront.i18n import catalog
from storefront.i18n.errors import CODE_MESSAGES, FIELD_FALLBACK

#: Latin words allowed on Korean pages: brand/product names, units, formats, size systems.
WHITELIST = {
    "shoe",
    "street",
    "mm",
    "cm",
    "kg",
    "kpa",
    "ks",
    "eu",
    "uk",
    "us",
    "glb",
    "gltf",
    "ply",
    "obj",
    "usdz",
    "stl",
    "mf",
    "csv",
    "zip",
    "json",
    "pdf",
    "ios",
    "android",
    "iphone",
    "ipad",
    "lidar",
    "api",
    "id",
    "english",
    "ok",
    "heel",
    "polycam",
    "scaniverse",
    "kiri",
    "engine",
    "capture",
    "qr",
    "nanum",
    "gothic",
    "dp",
    "sd",
    "cv",
    "pcd",
    "xyz",
    "pts",
    "mtl",
    "draco",
    "mb",
    "webgl",
    "enter",
    "wasd",
}
_WORD = re.compile(r"[A-Za-z]{2,}")
_ATTR = re.compile(r'(?:placeholder|aria-label|title|alt)="([^"]*)"')


def _visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", page)
    attrs = " ".join(_ATTR.findall(page))
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page) + " " + attrs)


def _english_words(text: str, allowed: set[str]) -> set[str]:
    return {w for w in _WORD.findall(text) if w.lower() not in WHITELIST | allowed}


def _names() -> set[str]:
    cat = load_catalog()
    words = " ".join([s.name + " " + s.brand for s in cat.shops] + [m.name for m in cat.models])
    return {w.lower() for w in _WORD.findall(words)}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/list",
        "/cart",
        "/checkout",
        "/orders",
        "/account",
        "/my-foot",
        "/scan-guide",
        "/gait",
        "/no-such-page",
    ],
)
def test_korean_pages_have_no_english_words(client, path) -> None:  # type: ignore[no-untyped-def]
    client.set_cookie("lang", "ko")
    r = client.get(path)
    assert r.status_code in (200, 404)
    words = _english_words(_visible_text(r.get_data(as_text=True)), _names())
    assert not words, f"{path}: {sorted(words)}"


def test_korean_product_and_try_on_pages(client) -> None:  # type: ignore[no-untyped-def]
    client.set_cookie("lang", "ko")
    shoe = load_catalog().models[0].id
    for path in (f"/shoe/{shoe}", f"/try-on/{shoe}", f"/shop/{load_catalog().shops[0].id}"):
        r = client.get(path)
        assert r.status_code == 200, path
        words = _english_words(_visible_text(r.get_data(as_text=True)), _names())
        assert not words, f"{path}: {sorted(words)}"


def _error_texts(body: dict) -> str:  # type: ignore[type-arg]
    err = body["error"]
    parts = [err["message"], *err.get("fields", {}).values()]
    return " ".join(str(p) for p in parts)


def test_api_errors_are_korean_when_the_browser_asks(client, auth) -> None:  # type: ignore[no-untyped-def]
    ko = {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}
    h = auth.shopper()
    calls = [
        client.get("/api/shoes/no-such-shoe", headers=ko),
        client.get("/api/no-such-route", headers=ko),
        client.post(
            "/api/auth/login", json={"email": "x@example.org", "password": "nope"}, headers=ko
        ),
        client.get("/api/cart", headers=ko),
        client.post("/api/checkout", json={"payment": {"provider": "test"}}, headers={**h, **ko}),
        client.post(
            "/api/checkout",
            json={"delivery": {"name": "", "postcode": "123", "phone": "555"}},
            headers={**h, **ko},
        ),
    ]
    for r in calls:
        assert r.status_code >= 400
        text = _error_texts(r.json)
        assert re.search(r"[가-힣]", text), text
        assert not _english_words(text, set()), (r.status_code, text)
    # the English original stays for developers; a request naming no language gets English
    assert calls[0].json["error"]["detail"]
    plain = client.get("/api/shoes/no-such-shoe")
    assert re.search(r"[A-Za-z]{3}", plain.json["error"]["message"])
    assert "detail" not in plain.json["error"]


def test_every_error_code_has_korean() -> None:
    ko = catalog("ko")
    missing = [m for m in [*CODE_MESSAGES.values(), FIELD_FALLBACK] if m not in ko]
    assert not missing
