"""The aggregation engine: SQL aggregates against numpy on the same people, the per-person
bound, and identical pre-noise aggregates on DuckDB and Spark."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from storefront.domain_errors import DomainError
from storefront.makers import engine as E


def _np_cols(city):
    return {k: np.asarray(v) for k, v in city.columns().items()}


def test_histogram_matches_numpy(city_20k, city_20k_parquet):
    cols = _np_cols(city_20k)
    spec = E.MEASURES["ball_girth"]
    eng = E.DuckDBEngine(city_20k_parquet)
    got = {(g, b): n for g, b, n in eng.rows(E.histogram_sql(spec))}
    fl, v = cols["foot_length_tenth_mm"], cols[spec.column].astype(np.int64)
    keep = (fl >= 1000) & (fl < 3300)
    # independent: candidates at lo + j mm + 0.05 mm; bucket = number of candidates below v
    cands = spec.lo_tenth_mm + 0.5 + 10 * np.arange(spec.n_candidates)
    vc = np.clip(v, spec.lo_tenth_mm, spec.hi_tenth_mm - 1)
    bucket = np.searchsorted(cands, vc[keep], side="left")
    g = fl[keep] // 50
    want: dict[tuple[int, int], int] = {}
    for gi, bi in zip(g.tolist(), bucket.tolist()):
        want[(gi, bi)] = want.get((gi, bi), 0) + 1
    assert got == want
    assert sum(got.values()) == int(keep.sum())


def test_sums_and_regression_match_numpy(city_20k, city_20k_parquet):
    cols = _np_cols(city_20k)
    eng = E.DuckDBEngine(city_20k_parquet)
    rows = eng.rows(E.shape_sums_sql("length_bin", {"sex": "male"}))
    fl = cols["foot_length_tenth_mm"]
    keep = (fl >= 1000) & (fl < 3300) & (cols["sex"] == "male")
    bw = np.clip(cols["ball_width_tenth_mm"].astype(np.int64), 500, 1400) - 950
    assert rows
    basis_sd = {16: 0.10, 17: 0.10, 18: 0.12}  # scale modes, centred on the bin's scale
    bound = {16: 7500}  # declared: 0.75 sd for scale_x, 2.5 sd for the others
    for g, n, n_fit, s_len, s_width, *sums in rows:
        sel = keep & (fl // 50 == g)
        assert n == int(sel.sum())
        assert n_fit == 0  # the synthetic city's coefficients are the model given measures
        assert s_len == int((fl[sel] - 50 * g).sum())
        assert s_width == int(bw[sel].sum())
        for k, (s, c) in enumerate(zip(sums, E.SHAPE_COLUMNS)):
            centre = 0.0
            if k in basis_sd:  # independent: the scale of a foot of the bin's middle length
                centre = ((5 * g + 2.5) / 255.317 - 1.0) / basis_sd[k] * 1e4
            b = bound.get(k, 25000)
            v = cols[c][sel].astype(np.int64) - np.rint(centre).astype(np.int64)
            # integer centre line within 1e-4 sd x 40 of the exact one
            assert abs(s - int(np.clip(v, -b, b).sum())) <= 40 * n, (g, k)
    reg = {r[0]: r[1:] for r in eng.rows(E.regression_sql("sex"))}
    keep = (fl >= 1000) & (fl < 3300)
    for sex in ("female", "male"):
        sel = keep & (cols["sex"] == sex)
        x = np.clip(fl[sel].astype(np.int64), 1800, 3300) - 2550
        y = np.clip(cols["ball_girth_tenth_mm"][sel].astype(np.int64), 1700, 3200) - 2450
        want = (sel.sum(), x.sum(), y.sum(), (x * x).sum(), (x * y).sum(), (y * y).sum())
        assert reg[sex] == tuple(int(w) for w in want)


def test_one_row_per_person_latest_wins(tmp_path):
    base = {"sex": "female", "age_band": "30-44", "region": "KR"}
    m_old = {"foot_length_mm": 250.0, "ball_girth_mm": 230.0}
    m_new = {"foot_length_mm": 262.0, "ball_girth_mm": 240.0}
    rows = [E.measurement_row(1, 100, m_old, **base), E.measurement_row(1, 200, m_new, **base),
            E.measurement_row(2, 100, m_old, **base), E.measurement_row(1, 150, m_old, **base)]  # fmt: skip
    eng = E.DuckDBEngine(E.rows_to_arrow(rows))
    got = eng.rows(E.count_sql("length_bin"))
    assert got == [(50, 1), (52, 1)]  # person 1 once, at the new 262 mm length


def test_contribution_bounded_by_clamp(city_20k):
    """Adding one person with absurd values moves each sum by at most its declared bound."""
    import pyarrow as pa

    base = E.rows_to_arrow(city_20k.columns())
    before = {r[0]: np.asarray(r[1:]) for r in E.DuckDBEngine(base).rows(E.shape_sums_sql())}
    rng = np.random.default_rng(4)
    for trial in range(4):
        extreme = int(rng.choice([-1, 1]) * 10 ** rng.integers(3, 9))
        row = E.measurement_row(10**9 + trial, 0,
                                {"foot_length_mm": 261.3, "ball_width_mm": extreme},
                                sex="male", age_band="18-29", region="KR",
                                shape_coeffs_sd=[extreme / 1e4] * E.N_SHAPE)  # fmt: skip
        tab = pa.concat_tables([base, E.rows_to_arrow([row])])
        after = E.DuckDBEngine(tab).rows(E.shape_sums_sql())
        diff = {r[0]: np.asarray(r[1:]) - before.get(r[0], 0) for r in after}
        changed = {g: d for g, d in diff.items() if np.any(d)}
        assert list(changed) == [52]
        d = changed[52]
        assert d[0] == 1 and d[1] == 0 and 0 <= d[2] < 50 and abs(d[3]) <= 450
        assert np.all(np.abs(d[4:]) <= np.asarray(E.SHAPE_BOUNDS_SD_E4))


def test_sources_agree(city_20k, city_20k_parquet, tmp_path):
    import duckdb

    db = tmp_path / "m.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE measurements AS SELECT * FROM read_parquet('{city_20k_parquet}')")
    con.close()
    sql = E.histogram_sql(E.MEASURES["instep_girth"], filters={"sex": "male"})
    a = E.DuckDBEngine(city_20k_parquet).rows(sql)
    assert a == E.DuckDBEngine(db).rows(sql) == E.DuckDBEngine(city_20k.to_arrow()).rows(sql)


def test_bad_input_is_refused(city_20k_parquet, tmp_path):
    with pytest.raises(DomainError, match="no measurements export"):
        E.DuckDBEngine(tmp_path / "missing.parquet")
    with pytest.raises(DomainError, match="unknown filter"):
        E.count_sql("length_bin", {"postcode": "1"})
    with pytest.raises(DomainError, match="expected one of"):
        E.count_sql("length_bin", {"sex": "x' OR 1=1 --"})
    with pytest.raises(DomainError, match="unknown engine"):
        E.open_engine("sqlite", city_20k_parquet)
    with pytest.raises(DomainError, match="shape coefficients"):
        E.measurement_row(1, 0, {}, sex=None, age_band=None, region=None, shape_coeffs_sd=[0.0])


def _dims():
    from storefront.makers.privacy import DIMENSIONS

    return DIMENSIONS


def _spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


@pytest.fixture(scope="module")
def tiny_city_parquet(ansur_folder, tmp_path_factory):
    """2,000 synthetic people with duplicated (stale) rows: small enough for one Spark
    partition, large enough that every group and filter has people."""
    import pyarrow as pa

    from storefront.makers import population

    city = population.synthetic_city(2_000, seed=5, ansur_folder=ansur_folder)
    tab = city.to_arrow(updated_s=10)
    stale = city.to_arrow(updated_s=5).slice(0, 300)  # older rows of 300 people: ignored
    path = tmp_path_factory.mktemp("tiny") / "city.parquet"
    return E.write_parquet(pa.concat_tables([tab, stale]), path)


@pytest.mark.skipif(not _spark_available(), reason="pyspark or Java missing")
def test_duckdb_and_spark_identical_pre_noise(tiny_city_parquet):
    """The same SQL text on both engines gives the same integers, for every aggregate."""
    session = E.spark_session("local[1]", shuffle_partitions=1)
    spark = E.SparkEngine(tiny_city_parquet, spark=session)
    duck = E.DuckDBEngine(tiny_city_parquet)
    try:
        queries = [
            E.count_sql("length_bin"),
            E.count_sql("sex", {"age_band": "30-44"}),
            E.cells_sql(["length_bin", "width"], _dims()),
            E.cells_sql(["girth_band", "sex"], _dims(), {"region": "KR"}),
            *(E.histogram_sql(m) for m in E.MEASURES.values()),
            E.histogram_sql(E.MEASURES["ball_girth"], filters={"sex": "female"}),
            E.shape_sums_sql(),
            E.shape_sums_sql("length_bin", {"sex": "male"}),
            E.regression_sql("sex"),
        ]
        for sql in queries:
            a, b = duck.rows(sql), spark.rows(sql)
            assert a and a == b, sql
        assert sum(n for _, n in duck.rows(E.count_sql("all"))) == 2_000
    finally:
        spark.close()
        session.stop()


def test_cells_match_the_python_records():
    """The SQL categories of the count releases equal privacy.person_record's, person by person
    (edges, missing values and unknown labels included)."""
    from collections import Counter

    from storefront.makers.privacy import DIMENSIONS, person_record

    rng = np.random.default_rng(8)
    rows, recs = [], []
    for i in range(3000):
        m = {
            "foot_length_mm": float(rng.choice([rng.normal(255, 25), 100.0, 329.9, 330.0, 99.9])),
            "ball_girth_mm": float(rng.choice([rng.normal(240, 20), 150.0, 299.9, 300.0])),
            "arch_height_mm": float(rng.choice([rng.normal(15, 5), 12.0, 20.0, -1.0])),
        }
        if rng.random() < 0.05:
            m.pop("ball_girth_mm")
        if rng.random() < 0.05:
            m.pop("arch_height_mm")
        m = {k: round(v, 1) for k, v in m.items()}
        sex = str(rng.choice(["female", "male", "other", "robot"]))
        age = str(rng.choice(["18-29", "75+", "n/a"]))
        region = str(rng.choice(["KR", "UK", "Mars"]))
        rows.append(E.measurement_row(i, 0, m, sex=sex, age_band=age, region=region))
        rec = person_record(m, region=region, sex=sex)
        rec["age_band"] = age if age in DIMENSIONS["age_band"] else "unknown"
        recs.append(rec)
    eng = E.DuckDBEngine(E.rows_to_arrow(rows))
    for dims in (["length_bin"], ["width", "sex"], ["girth_band", "arch_band", "region"],
                 ["age_band", "length_bin"]):  # fmt: skip
        got = {tuple(r[:-1]): r[-1] for r in eng.rows(E.cells_sql(dims, DIMENSIONS))}
        want = Counter(tuple(DIMENSIONS[d].index(r[d]) for d in dims) for r in recs)
        assert got == dict(want), dims
    got = {
        tuple(r[:-1]): r[-1] for r in eng.rows(E.cells_sql(["sex"], DIMENSIONS, {"region": "KR"}))
    }
    want = Counter((DIMENSIONS["sex"].index(r["sex"]),) for r in recs if r["region"] == "KR")
    assert got == dict(want)
