"""The recommendation price filter takes whole won only (``max_price_krw``, ``max_budget_krw``).

Won have no decimals: ``1.5``, ``1e5`` or ``120000.0`` are refused with a clear 400
(``bad_amount``) in the language the request names (the Korean sentence read from ko.json here,
English in ``detail``); a whole number out of range is a 422 listing the field, as every other
bad preference is; a whole number filters the real catalogue by price.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storefront.fit.services import NOT_WHOLE_WON, parse_preferences

KO = json.loads(
    (Path(__file__).resolve().parents[2] / "storefront/i18n/ko.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("raw", ["120000.5", "120000.0", "1e5", "12,000", "12_000", "abc", "0x10"])
def test_a_price_limit_that_is_not_whole_won_is_a_400_in_korean_and_english(  # type: ignore[no-untyped-def]
    client, auth, measured_scan, raw
) -> None:
    h = auth.shopper()
    scan = measured_scan(h)
    for param in ("max_price_krw", "max_budget_krw"):
        url = f"/api/recommendations?scan={scan}&{param}={raw}"
        en = client.get(url, headers=h)
        assert en.status_code == 400, (raw, en.json)
        assert en.json["error"]["code"] == "bad_amount"
        assert en.json["error"]["message"] == NOT_WHOLE_WON and "whole number" in NOT_WHOLE_WON
        ko = client.get(url, headers={**h, "Accept-Language": "ko"}).json["error"]
        assert ko["message"] == KO[NOT_WHOLE_WON] and ko["detail"] == NOT_WHOLE_WON


@pytest.mark.parametrize("raw", ["0", "-5", "100000001", "9" * 40])
def test_a_whole_number_out_of_range_is_a_422_naming_the_field(
    client, auth, measured_scan, raw
) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = client.get(f"/api/recommendations?scan={measured_scan(h)}&max_price_krw={raw}", headers=h)
    assert r.status_code == 422 and "max_price_krw" in r.json["error"]["fields"], r.json
    ko = client.get(
        f"/api/recommendations?scan={measured_scan(h)}&max_price_krw={raw}",
        headers={**h, "Accept-Language": "ko"},
    ).json["error"]
    assert ko["fields"]["max_price_krw"] == KO[r.json["error"]["fields"]["max_price_krw"]]


def test_whole_won_filters_the_catalogue_by_price(client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan = measured_scan(h)
    prices = sorted(s["price_krw"] for s in client.get("/api/shoes").json["shoes"])
    limit = prices[len(prices) // 2]  # a real shelf price: about half the shoes cost more
    url = f"/api/recommendations?scan={scan}&limit=100&max_price_krw={limit}"
    got = client.get(url, headers=h)
    assert got.status_code == 200, got.json
    recs = got.json["recommendations"]
    assert recs and all(r["price_krw"] <= limit for r in recs)
    assert len(recs) == sum(p <= limit for p in prices)  # nothing at or under the limit dropped
    assert parse_preferences({"max_price_krw": f" {limit} "})["max_budget_krw"] == limit
    assert type(parse_preferences({"max_price_krw": "120000"})["max_budget_krw"]) is int
