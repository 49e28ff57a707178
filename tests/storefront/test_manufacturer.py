"""Manufacturer aggregates: consent only, one record per person, DP + suppression, budget, deletion."""

from __future__ import annotations

import csv
import io

import pytest

from tests.storefront.conftest import average_foot, order_made_to_measure


@pytest.fixture
def mfr_token(app, runner) -> str:  # type: ignore[no-untyped-def]
    # these tests spend up to 6 per quarter: lift the annual caps (tested in tests/storefront/makers)
    app.config["PRIVACY_MANUFACTURER_EPSILON_PER_YEAR"] = 10.0
    app.config["PRIVACY_POPULATION_EPSILON_PER_YEAR"] = 10.0
    out = runner.invoke(args=["create-manufacturer", "Norma", "--epsilon-per-period", "6"])
    assert out.exit_code == 0, out.output
    return out.output.strip().splitlines()[-1].split()[-1]


def _people(
    app, n: int, length_mm: float, consent: bool = True, region: str = "EU-west", scans: int = 1
) -> list[int]:  # type: ignore[no-untyped-def]
    """Insert ``n`` shoppers with ``scans`` measured scans each (fast: straight into the DB)."""
    from storefront.db.models import Scan, User
    from storefront.extensions import db

    ids = []
    with app.app_context():
        base = db.session.query(User).count()
        for i in range(n):
            u = User(
                email=f"p{base + i}@example.org",
                role="shopper",
                region=region,
                age_band="30-44",
                consent_aggregates=consent,
            )
            db.session.add(u)
            db.session.flush()
            for k in range(scans):
                # Older scans of the same person are 20 mm off: only the latest may count.
                foot = average_foot(length_mm + (0 if k == scans - 1 else 20.0))
                db.session.add(
                    Scan(
                        user_id=u.id,
                        status="done",
                        filename="f.ply",
                        stored_name="scans/x.ply",
                        result=foot,
                    )
                )
            ids.append(u.id)
        db.session.commit()
    return ids


def _stats(client, token, **params):  # type: ignore[no-untyped-def]
    return client.get(
        "/api/manufacturer/foot-stats",
        query_string=params,
        headers={"Authorization": f"Bearer {token}"},
    )


def _cell(body, **key):  # type: ignore[no-untyped-def]
    return next(c for c in body["cells"] if all(c[k] == v for k, v in key.items()))


def test_release_counts_consenting_people_once_and_suppresses_small_cells(
    app, client, mfr_token
) -> None:  # type: ignore[no-untyped-def]
    app.config["PRIVACY_MAX_EPSILON_PER_QUERY"] = 3.0
    _people(app, 40, 252.0, scans=3)
    _people(app, 25, 302.0, consent=False)
    _people(app, 3, 277.0)
    r = _stats(client, mfr_token, dims="length_bin", epsilon="3")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["method"]["min_cell"] == 10 and body["method"]["epsilon"] == 3.0
    released = [c["count"] for c in body["cells"] if not c["suppressed"]]
    assert released and min(released) >= 10  # no released cell under the floor
    assert _cell(body, length_bin="250-255")["count"] == pytest.approx(
        40, abs=4
    )  # one record per person
    assert _cell(body, length_bin="270-275")["suppressed"]  # older scans are not counted
    assert _cell(body, length_bin="300-305")["suppressed"]  # no consent, not counted
    assert _cell(body, length_bin="275-280")["suppressed"]  # 3 people: under the floor
    for c in body["cells"]:
        assert set(c) == {"length_bin", "count", "suppressed"}  # nothing per-person leaks


def test_budget_is_kept_per_manufacturer_and_refuses_when_spent(app, client, mfr_token) -> None:  # type: ignore[no-untyped-def]
    _people(app, 30, 260.0)
    for _ in range(6):
        assert _stats(client, mfr_token, dims="length_bin,width", epsilon="1").status_code == 200
    r = _stats(client, mfr_token, dims="length_bin", epsilon="0.5")
    assert r.status_code == 403 and r.json["error"]["code"] == "privacy_budget_exhausted"
    budget = client.get(
        "/api/manufacturer/budget", headers={"Authorization": f"Bearer {mfr_token}"}
    ).json
    assert budget["epsilon_spent"] == pytest.approx(6.0) and budget["epsilon_left"] == 0.0
    # the refused query is logged (issue 14), at no cost: it read no data
    assert [x["query"]["outcome"] for x in budget["releases"]] == ["refused"] + ["released"] * 6
    assert budget["releases"][0]["epsilon"] == 0.0


def test_narrow_queries_are_charged_and_leak_no_count(app, client, mfr_token) -> None:  # type: ignore[no-untyped-def]
    _people(app, 30, 260.0)
    _people(app, 1, 281.0, region="KR")
    app.config["PRIVACY_MAX_EPSILON_PER_QUERY"] = 3.0  # no phantom cell at this noise
    r = _stats(client, mfr_token, dims="length_bin", region="KR", epsilon="3")
    # issue 14: the answer no longer depends on the exact size; it read the data, so it is
    # charged; a refusal says why without any number of people
    assert r.status_code == 422 and r.json["error"]["code"] == "query_too_narrow"
    assert not any(ch.isdigit() for ch in r.json["error"]["message"])
    budget = client.get(
        "/api/manufacturer/budget", headers={"Authorization": f"Bearer {mfr_token}"}
    ).json
    assert budget["epsilon_spent"] == 3.0
    assert budget["releases"][0]["query"]["outcome"] == "refused"
    for bad in ({"dims": "length_bin,email"}, {"epsilon": "-1"}, {"epsilon": "nan"}, {"user_id": "1"},
                {"dims": "length_bin,width,region,sex"}, {"region": "Atlantis"}):  # fmt: skip
        r = _stats(client, mfr_token, **bad)
        assert r.status_code == 422, (bad, r.json)
    budget = client.get(
        "/api/manufacturer/budget", headers={"Authorization": f"Bearer {mfr_token}"}
    ).json
    assert budget["epsilon_spent"] == 3.0  # malformed queries read nothing and cost nothing


def test_deleted_and_withdrawn_people_vanish_from_future_releases(
    app, client, auth, mfr_token
) -> None:  # type: ignore[no-untyped-def]
    app.config["PRIVACY_MAX_EPSILON_PER_QUERY"] = 3.0
    _people(app, 30, 252.0)
    gone = _people(app, 25, 302.0)
    before = _stats(client, mfr_token, dims="length_bin", epsilon="2").json
    assert _cell(before, length_bin="300-305")["count"] == pytest.approx(25, abs=5)
    from storefront.accounts.services import delete_account
    from storefront.db.models import User
    from storefront.extensions import db

    with app.app_context():
        for uid in gone[:15]:
            delete_account(db.session, db.session.get(User, uid), app.config["UPLOAD_DIR"])
        for uid in gone[15:]:
            db.session.get(User, uid).consent_aggregates = False
        db.session.commit()
    after = _stats(client, mfr_token, dims="length_bin", epsilon="2").json
    assert _cell(after, length_bin="300-305")["suppressed"]
    assert _cell(after, length_bin="250-255")["count"] == pytest.approx(30, abs=5)


def test_csv_export(app, client, mfr_token) -> None:  # type: ignore[no-untyped-def]
    _people(app, 30, 252.0)
    r = _stats(client, mfr_token, dims="length_bin,width", epsilon="0.5", format="csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert set(rows[0]) == {"length_bin", "width", "count", "suppressed"}
    assert all((row["count"] == "") == (row["suppressed"] == "true") for row in rows)


def test_manufacturer_of_the_brand_gets_no_made_to_measure_order(
    client, auth, measured_scan, mfr_token
) -> None:  # type: ignore[no-untyped-def]
    """Orders (with measurements) go to the assigned maker only, never to a manufacturer."""
    h = auth.shopper()
    scan = measured_scan(h)
    shop = next(s for s in client.get("/api/shops").json["shops"] if s["brand"] == "Norma")
    shoe = client.get(f"/api/shoes/{shop['models'][0]['id']}").json
    body = {"scan_id": scan, "shoe_id": shoe["id"], "colourway_id": shoe["colourways"][0]["id"]}
    r = order_made_to_measure(client, h, body)
    assert r.status_code == 201
    ball_girth = r.json["made_to_measure"]["measurements"]["ball_girth_mm"]
    mh = {"Authorization": f"Bearer {mfr_token}"}
    assert client.get("/api/manufacturer/made-to-measure", headers=mh).status_code == 404
    assert client.get(f"/api/workshop/orders/{r.json['id']}", headers=mh).status_code == 403
    assert client.get(f"/api/orders/{r.json['id']}", headers=mh).status_code in (403, 404)
    spec = client.get("/api/openapi.json").json
    assert "/api/manufacturer/made-to-measure" not in spec["paths"]
    for path in spec["paths"]:
        if path.startswith("/api/manufacturer/") and "{" not in path:
            got = client.get(path, headers=mh)
            assert str(ball_girth) not in got.get_data(as_text=True), path


def test_concurrent_releases_cannot_overspend_the_budget(app, live_server, runner) -> None:  # type: ignore[no-untyped-def]
    import threading

    out = runner.invoke(args=["create-manufacturer", "Ridgeback", "--epsilon-per-period", "1.0"])
    token = out.output.strip().splitlines()[-1].split()[-1]
    _people(app, 30, 252.0)
    barrier = threading.Barrier(8)
    codes: list[int] = []

    def release() -> None:
        barrier.wait()
        status, _ = live_server.request(
            "GET", "/api/manufacturer/foot-stats?dims=length_bin&epsilon=0.25", token=token
        )
        codes.append(status)

    threads = [threading.Thread(target=release) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200] * 4 + [403] * 4
    status, budget = live_server.request("GET", "/api/manufacturer/budget", token=token)
    outcomes = [x["query"]["outcome"] for x in budget["releases"]]
    assert budget["epsilon_spent"] == 1.0 and outcomes.count("released") == 4
    assert outcomes.count("refused") == 4  # refusals are logged too
