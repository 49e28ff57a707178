"""Stock stays consistent under real concurrent checkouts (threads against a live server, SQLite)."""

from __future__ import annotations

from tests.storefront.conftest import race_last_pairs


def test_twenty_parallel_checkouts_of_the_last_five_pairs_never_oversell(app, live_server) -> None:  # type: ignore[no-untyped-def]
    out = race_last_pairs(app, live_server, n_buyers=20, pairs_left=5)
    assert out["codes"].count(201) == 5, out
    assert out["codes"].count(409) == 15, out
    assert out["left"] == 0
    assert out["sold"] == 5
    refused = [b for b in out["bodies"] if b and "error" in b]
    assert all(b["error"]["code"] == "out_of_stock" for b in refused)
    assert live_server.request("GET", "/api/health")[0] == 200
