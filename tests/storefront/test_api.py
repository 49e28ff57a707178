"""Fit and recommendation endpoints: the API returns the domain rules' answers for stored scans."""

from __future__ import annotations

import pytest

from tests.storefront.conftest import average_foot


def test_fit_for_a_265_mm_foot_in_a_neutral_brand(client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan = measured_scan(h, average_foot(265.0))
    shops = client.get("/api/shops").json["shops"]
    neutral = next(s for s in shops if s["size_offset_mm"] == 0.0)
    shoe = next(m for m in neutral["models"] if m["category"] in ("walking", "casual", "running"))
    r = client.get(f"/api/fit?scan={scan}&shoe={shoe['id']}", headers=h)
    assert r.status_code == 200, r.json
    fit = r.json["fit"]
    assert 42.0 <= fit["best_size"] <= 43.0
    assert fit["reasons"] and all(isinstance(x, str) for x in fit["reasons"])
    assert len(fit["sizes"]) == len(client.get(f"/api/shoes/{shoe['id']}").json["sizes"])


def test_brand_offset_moves_the_fit(client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan = measured_scan(h, average_foot(265.0))
    shops = client.get("/api/shops").json["shops"]
    by_offset = sorted(shops, key=lambda s: s["size_offset_mm"])
    short_runner, long_runner = by_offset[0], by_offset[-1]
    assert short_runner["size_offset_mm"] < 0 < long_runner["size_offset_mm"]

    def best(shop):  # type: ignore[no-untyped-def]
        m = next(m for m in shop["models"] if m["category"] != "kids")
        return client.get(f"/api/fit?scan={scan}&shoe={m['id']}", headers=h).json["fit"]

    # A brand whose lasts run short needs a size at least as large as one that runs long.
    assert best(short_runner)["best_size"] >= best(long_runner)["best_size"]
    assert best(short_runner)["brand_offset_mm"] == short_runner["size_offset_mm"]


def test_recommendations_follow_gait_and_preferences(app, client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan = measured_scan(h, average_foot(262.0))
    r = client.get(f"/api/recommendations?scan={scan}&limit=5", headers=h)
    assert r.status_code == 200, r.json
    recs = r.json["recommendations"]
    assert len(recs) == 5
    r = client.get(f"/api/recommendations?scan={scan}&category=trail&limit=3", headers=h)
    assert {x["category"] for x in r.json["recommendations"]} == {"trail"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("scan=999999", 404),
        ("scan=abc", 400),
        ("scan=1%27%20OR%201%3D1--", 400),
        ("", 400),
        ("scan={scan}&category=rocket", 422),
        ("scan={scan}&limit=0", 422),
        ("scan={scan}&gait=424242", 404),
    ],
)
def test_recommendation_bad_input(client, auth, measured_scan, query, code) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan = measured_scan(h)
    r = client.get("/api/recommendations?" + query.format(scan=scan), headers=h)
    assert r.status_code == code, r.json
    assert r.json["error"]["message"]


def test_other_peoples_scans_are_invisible(client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    alice, bob = auth.shopper(), auth.shopper()
    scan = measured_scan(alice)
    assert client.get(f"/api/scans/{scan}", headers=bob).status_code == 404
    assert client.get(f"/api/recommendations?scan={scan}", headers=bob).status_code == 404
    assert client.get(f"/api/scans/{scan}", headers=alice).status_code == 200
