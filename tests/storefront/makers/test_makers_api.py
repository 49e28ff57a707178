"""Maker statistics through the service: shape statistics and average-foot downloads, one
budget per person (population-wide and annual, also under concurrency), the exact-count probe,
the measurements table kept in step with consent, and the synthetic-city command."""

from __future__ import annotations

import csv
import io
import threading

import numpy as np
import pytest

from tests.storefront.conftest import LiveServer, average_foot


def _mfr(runner, name: str, eps: str = "1") -> str:  # type: ignore[no-untyped-def]
    out = runner.invoke(args=["create-manufacturer", name, "--epsilon-per-period", eps])
    assert out.exit_code == 0, out.output
    return out.output.strip().splitlines()[-1].split()[-1]


def _people(app, n: int, seed: int = 0, consent: bool = True, **profile) -> list[int]:  # type: ignore[no-untyped-def]
    from storefront.db.models import Scan, User
    from storefront.extensions import db

    rng = np.random.default_rng(seed)
    ids = []
    with app.app_context():
        base = db.session.query(User).count()
        for i in range(n):
            u = User(email=f"m{seed}-{base + i}@example.org", role="shopper",
                     consent_aggregates=consent, sex=profile.get("sex", "female"),
                     region=profile.get("region", "KR"), age_band=profile.get("age_band", "30-44"))  # fmt: skip
            db.session.add(u)
            db.session.flush()
            foot = average_foot(float(rng.normal(252.5, 1.2)))  # mostly the 250-255 mm bin
            foot["ball_girth_mm"] += float(rng.normal(0, 6))
            db.session.add(Scan(user_id=u.id, status="done", filename="f.ply",
                                stored_name="scans/x.ply", result=foot))  # fmt: skip
            ids.append(u.id)
        db.session.commit()
    return ids


def _get(client, token, path, **params):  # type: ignore[no-untyped-def]
    return client.get(path, query_string=params, headers={"Authorization": f"Bearer {token}"})


def test_quantiles_release_with_method_noise_and_budget(app, client, runner) -> None:  # type: ignore[no-untyped-def]
    app.config["MAKERS_MIN_PEOPLE"] = 20
    token = _mfr(runner, "Lastwerk")
    _people(app, 400)
    r = _get(client, token, "/api/manufacturer/shape-stats", kind="quantiles",
             measure="ball_girth", epsilon="1")  # fmt: skip
    assert r.status_code == 200, r.json
    body = r.json
    stat = body["statistic"]
    assert stat["epsilon"] == 1.0 and stat["count_noise_scale"] > 0 and stat["method"]
    released = [b for b in stat["bins"] if b["quantiles_mm"]]
    assert released and all(b["people"] >= stat["min_people"] for b in released)
    for b in released:  # the median of girths around 245 mm at 252 mm feet
        assert 225 < b["quantiles_mm"]["p50"] < 265
    assert body["budget"]["spent"]["manufacturer_period"] == pytest.approx(1.0)
    assert body["budget"]["spent"]["population_year"] == pytest.approx(1.0)
    ledger = _get(client, token, "/api/manufacturer/budget").json
    assert ledger["releases"][0]["query"]["statistic"] == "quantiles"


def test_downloads_csv_parquet_and_average_foot(app, client, runner) -> None:  # type: ignore[no-untyped-def]
    app.config["PRIVACY_MANUFACTURER_EPSILON_PER_YEAR"] = 4.0
    token = _mfr(runner, "Formwerk", "4")
    _people(app, 1200, seed=3)  # ~1,150 in the 250-255 mm class
    r = _get(client, token, "/api/manufacturer/shape-stats", kind="regression", epsilon="1",
             format="csv")  # fmt: skip
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert {"method", "epsilon", "count_noise_scale", "budget_spent_population_year"} <= set(
        rows[0]
    )
    r = _get(client, token, "/api/manufacturer/shape-stats", kind="quantiles",
             measure="heel_width", epsilon="0.5", format="parquet")  # fmt: skip
    assert r.status_code == 200
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(r.data))
    assert "p50_mm" in table.column_names and b"shoestreet.release" in table.schema.metadata
    # epsilon 0.5: the class is under the shape floor (1,536 people): its mean length and
    # width, no mesh, and why, in the JSON, the CSV and the download's refusal
    r = _get(client, token, "/api/manufacturer/shape-stats", kind="average_feet", epsilon="0.5")
    assert r.status_code == 200, r.json
    assert r.json["answered"] is False and "average foot" in r.json["explanation"]
    assert r.json["statistic"]["mesh_min_people"] == 1536
    small = next(f for f in r.json["statistic"]["feet"] if f["length_bin"] == "250-255")
    assert small["coeffs_sd"] is None and small["mean_length_mm"] is not None
    assert "at least 1536 people" in small["mesh_withheld"]
    d = _get(client, token, f"/api/manufacturer/average-foot/{r.json['release_id']}/250-255.stl")
    assert d.status_code == 422 and "at least 1536 people" in d.json["error"]["message"]
    r = _get(client, token, "/api/manufacturer/shape-stats", kind="average_feet", epsilon="0.5",
             format="csv")  # fmt: skip
    rows = {row["length_bin"]: row for row in csv.DictReader(io.StringIO(r.get_data(as_text=True)))}
    assert "at least 1536 people" in rows["250-255"]["mesh_withheld"]
    assert rows["250-255"]["coeff_find_0_sd"] == "" and rows["250-255"]["mean_length_mm"]
    r = _get(client, token, "/api/manufacturer/shape-stats", kind="average_feet", epsilon="1")
    assert r.status_code == 200, r.json
    assert r.json["answered"] is True
    rid = r.json["release_id"]
    feet = [f for f in r.json["statistic"]["feet"] if f["coeffs_sd"]]
    assert feet
    spent = r.json["budget"]["spent"]["manufacturer_period"]
    for fmt in ("stl", "glb"):
        d = _get(
            client, token, f"/api/manufacturer/average-foot/{rid}/{feet[0]['length_bin']}.{fmt}"
        )
        assert d.status_code == 200 and len(d.data) > 10_000
    after = _get(client, token, "/api/manufacturer/budget").json
    assert after["epsilon_spent"] == pytest.approx(spent)  # downloads cost nothing
    other = _mfr(runner, "Snooper")
    d = _get(client, other, f"/api/manufacturer/average-foot/{rid}/{feet[0]['length_bin']}.stl")
    assert d.status_code == 404


def test_refusal_is_charged_logged_and_has_no_counts(app, client, runner) -> None:  # type: ignore[no-untyped-def]
    token = _mfr(runner, "Tiny")
    _people(app, 5)
    r = _get(client, token, "/api/manufacturer/shape-stats", kind="quantiles", epsilon="0.5")
    assert r.status_code == 200 and r.json["answered"] is False
    assert not any(ch.isdigit() for ch in r.json["explanation"])
    assert all(b["people"] is None for b in r.json["statistic"]["bins"])
    assert r.json["budget"]["spent"]["manufacturer_period"] == pytest.approx(0.5)


def test_two_manufacturers_share_one_population_budget(app, client, runner) -> None:  # type: ignore[no-untyped-def]
    app.config["PRIVACY_POPULATION_EPSILON_PER_YEAR"] = 1.0
    app.config["PRIVACY_MANUFACTURER_EPSILON_PER_YEAR"] = 1.0
    a, b = _mfr(runner, "Alpha"), _mfr(runner, "Beta")
    _people(app, 50)
    assert (
        _get(
            client, a, "/api/manufacturer/foot-stats", dims="length_bin", epsilon="0.6"
        ).status_code
        == 200
    )
    r = _get(client, b, "/api/manufacturer/foot-stats", dims="length_bin", epsilon="0.6")
    assert r.status_code == 403 and "population-wide" in r.json["error"]["message"]
    r = _get(client, b, "/api/manufacturer/shape-stats", kind="regression", epsilon="0.6")
    assert r.status_code == 403
    assert (
        _get(
            client, b, "/api/manufacturer/foot-stats", dims="length_bin", epsilon="0.4"
        ).status_code
        == 200
    )
    log = _get(client, b, "/api/manufacturer/budget").json
    outcomes = [x["query"].get("outcome") for x in log["releases"]]
    assert outcomes.count("refused") == 2 and log["epsilon_spent"] == pytest.approx(0.4)


def test_annual_cap_is_enforced(app, client, runner) -> None:  # type: ignore[no-untyped-def]
    from storefront.db.models import Manufacturer, PrivacyRelease, utcnow
    from storefront.extensions import db
    from storefront.makers.budget import period_of

    app.config["PRIVACY_MANUFACTURER_EPSILON_PER_YEAR"] = 1.5
    token = _mfr(runner, "Annual")
    _people(app, 30)
    now = utcnow()
    with app.app_context():
        mfr = db.session.query(Manufacturer).filter_by(name="Annual").one()
        earlier = f"{now.year}Q{'1' if period_of(now)[-1] != '1' else '2'}"
        db.session.add(PrivacyRelease(manufacturer_id=mfr.id, period=earlier, epsilon=1.0,
                                      query={"dims": ["length_bin"]}, created_at=now))  # fmt: skip
        db.session.commit()
    r = _get(client, token, "/api/manufacturer/foot-stats", dims="length_bin", epsilon="0.75")
    assert r.status_code == 403 and f"budget for {now.year}" in r.json["error"]["message"]
    assert (
        _get(
            client, token, "/api/manufacturer/foot-stats", dims="length_bin", epsilon="0.5"
        ).status_code
        == 200
    )


def test_budget_values_validated_in_cli_and_config(runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for bad in ("1e9", "-5", "0", "nan", "inf"):
        out = runner.invoke(args=["create-manufacturer", f"Bad{bad}", "--epsilon-per-period", bad])
        assert out.exit_code != 0 and "epsilon" in out.output.lower(), (bad, out.output)
    from storefront import create_app
    from tests.storefront.conftest import base_config

    for key, val in (("PRIVACY_POPULATION_EPSILON_PER_YEAR", -1.0),
                     ("PRIVACY_MANUFACTURER_EPSILON_PER_YEAR", 1e9),
                     ("PRIVACY_EPSILON_PER_PERIOD", float("nan"))):  # fmt: skip
        cfg = {**base_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"), key: val}
        with pytest.raises(ValueError, match=key):
            create_app(cfg)


def test_concurrent_manufacturers_cannot_overspend_population(app, runner) -> None:  # type: ignore[no-untyped-def]
    _race(app, runner)


@pytest.mark.postgres
def test_concurrent_manufacturers_cannot_overspend_population_on_postgres(pg_app) -> None:  # type: ignore[no-untyped-def]
    _race(pg_app, pg_app.test_cli_runner())


def _race(app, runner) -> None:  # type: ignore[no-untyped-def]
    """Two manufacturers, four releases each at the same instant, population budget 1.0."""
    app.config["PRIVACY_POPULATION_EPSILON_PER_YEAR"] = 1.0
    app.config["PRIVACY_MANUFACTURER_EPSILON_PER_YEAR"] = 1.0
    tokens = [_mfr(runner, "Raceone"), _mfr(runner, "Racetwo")]
    _people(app, 30)
    server = LiveServer(app)
    barrier = threading.Barrier(8)
    codes: list[int] = []

    def go(tok: str) -> None:
        barrier.wait()
        codes.append(server.request(
            "GET", "/api/manufacturer/foot-stats?dims=length_bin&epsilon=0.25", token=tok)[0])  # fmt: skip

    try:
        threads = [threading.Thread(target=go, args=(tokens[i % 2],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        server.close()
    # 200 released, 422 read the data but every cell fell under the floor: both charged
    assert len(codes) == 8 and codes.count(403) == 4
    assert sum(c in (200, 422) for c in codes) == 4
    from sqlalchemy import func, select

    from storefront.db.models import PrivacyRelease
    from storefront.extensions import db

    with app.app_context():
        total = db.session.scalar(select(func.sum(PrivacyRelease.epsilon)))
    assert total == pytest.approx(1.0)


def test_withdrawn_consent_leaves_the_table(app, client, runner) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from storefront.db.models import User
    from storefront.extensions import db
    from storefront.makers import store

    ids = _people(app, 12)
    _people(app, 3, seed=9, consent=False)
    with app.app_context():
        store.sync_measurements(db.session)
        db.session.commit()
        n = db.session.scalar(sa.select(sa.func.count()).select_from(store.maker_measurement))
        assert n == 12
        from storefront.db.models import utcnow

        for uid in ids[:4]:
            u = db.session.get(User, uid)
            u.consent_aggregates = False
            u.consent_updated_at = utcnow()
        db.session.commit()
        store.sync_measurements(db.session)
        db.session.commit()
        left = set(db.session.scalars(sa.select(store.maker_measurement.c.user_id)).all())
        assert left == set(ids[4:])


def test_load_synthetic_city_command(app, runner) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from storefront.extensions import db
    from storefront.makers import store

    out = runner.invoke(args=["load-synthetic-city", "--people", "3000", "--seed", "2"])
    assert out.exit_code == 0, out.output
    assert "SYNTHETIC" in out.output
    with app.app_context():
        q = sa.select(sa.func.count()).select_from(store.maker_measurement).where(
            store.maker_measurement.c.synthetic.is_(True))  # fmt: skip
        assert db.session.scalar(q) == 3000
    for bad in ("0", "-1", "abc", "100000000"):
        out = runner.invoke(args=["load-synthetic-city", "--people", bad])
        assert out.exit_code != 0
    out = runner.invoke(args=["load-synthetic-city", "--remove"])
    assert out.exit_code == 0
    with app.app_context():
        assert db.session.scalar(q) == 0


def test_deleted_account_leaves_the_next_export(app, client, runner) -> None:  # type: ignore[no-untyped-def]
    """A deletion cascades without moving the table version; the export must still change."""
    import pyarrow.parquet as pq

    from storefront.accounts.services import delete_account
    from storefront.db.models import User
    from storefront.extensions import db
    from storefront.makers import store

    ids = _people(app, 6)
    with app.app_context():
        store.sync_measurements(db.session)
        db.session.commit()
        first = store.export_snapshot(db.session, app.instance_path)
        assert set(pq.read_table(first)["person_id"].to_pylist()) == set(ids)
        delete_account(db.session, db.session.get(User, ids[0]), app.config["UPLOAD_DIR"])
        db.session.commit()
        second = store.export_snapshot(db.session, app.instance_path)
        assert second != first
        assert set(pq.read_table(second)["person_id"].to_pylist()) == set(ids[1:])


def test_export_is_the_table_row_for_row(app) -> None:  # type: ignore[no-untyped-def]
    _export_round_trip(app)


@pytest.mark.postgres
def test_export_is_the_table_row_for_row_on_postgres(pg_app) -> None:  # type: ignore[no-untyped-def]
    _export_round_trip(pg_app)


def _export_round_trip(app) -> None:  # type: ignore[no-untyped-def]
    """The export (one text line per row, parsed by Arrow) holds exactly the rows written:
    NULLs stay NULL (no shape, missing measurements), negative and int32-extreme values and
    the category names survive; the expected table is built from the same rows by Arrow's
    row-wise constructor, not by the export's path."""
    import pyarrow.parquet as pq

    from storefront.extensions import db
    from storefront.makers import store
    from storefront.makers.table import measurement_row, rows_to_arrow

    rows = []
    rng = np.random.default_rng(4)
    for i in range(1, 301):
        meas = {"foot_length_mm": float(rng.normal(250, 12)), "ball_girth_mm": 240.3,
                "ball_width_mm": None if i % 7 == 0 else 97.25, "arch_height_mm": float("nan")}  # fmt: skip
        coeffs = None if i % 5 == 0 else rng.normal(0.0, 1.5, 38).tolist()
        row = measurement_row(
            -i, 1_700_000_000 + i, meas,
            sex=("female", "male", "other", None)[i % 4], age_band=("<18", "75+", None)[i % 3],
            region=("KR", "EU-north", "bogus")[i % 3], shape_coeffs_sd=coeffs,
            shape_source="fit" if i % 2 else "measures",
        )  # fmt: skip
        if i == 3:
            row["shape_00_sd_e4"], row["shape_37_sd_e4"] = 2**31 - 1, -(2**31) + 1
        rows.append(row)
    with app.app_context():
        db.session.execute(
            store.maker_measurement.insert(),
            [{"id": -r["person_id"], "synthetic": True, **{k: v for k, v in r.items()
              if k != "person_id"}} for r in rows],
        )  # fmt: skip
        store._bump(db.session)
        db.session.commit()
        got = pq.read_table(store.export_snapshot(db.session, app.instance_path))
    got = got.sort_by([("person_id", "descending")])
    want = rows_to_arrow(rows)
    assert got.schema.equals(want.schema)
    assert got.equals(want)
    assert got["shape_source"].null_count == 60 and got["ball_width_tenth_mm"].null_count == 42
