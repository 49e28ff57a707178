"""The aggregation engine behind maker statistics: SQL over a columnar measurements table.

One row per consenting person (:data:`SCHEMA_COLUMNS`), kept in step with scans and consent by
the web layer. Every statistic is split in two parts:

* the **heavy part**, here: engine-neutral SQL that bounds each person's contribution (one
  row per person, the latest; every value clamped to declared public bounds and quantised to
  integers) and reduces millions of rows to small tables of integer counts and sums, grouped
  by public, pre-declared keys (5 mm foot-length bins, sex, age band, region);
* the **noise part** (:mod:`storefront.makers.shape_stats`): OpenDP measurements on that small
  result, with sensitivities taken from OpenDP's own stability maps.

The heavy part runs **once per snapshot** (one export of the table): when an engine opens a
snapshot it materialises the one-row-per-person table, reduces it to the small *cubes* of
:func:`snapshot_tables` (counts, histograms and clamped sums per public key combination) and
drops the per-person rows. A release then only sums cube rows that match its public filters:
its cost no longer grows with the population. The cubes hold exactly the integers the
per-person SQL would give (sums of integer counts and integer sums), so releases are unchanged.

The same SQL text runs on DuckDB in process (:class:`DuckDBEngine`, the default; it reads a
Parquet export, an Arrow table or a DuckDB database) and on Spark (:class:`SparkEngine`, for
deployments that outgrow one machine; ``local`` mode in CI). All aggregates are integer
counts and integer sums of integers, so both engines return identical numbers, whatever the
order in which they add them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from storefront.domain_errors import DomainError
from storefront.makers.schema import (
    AGE_BANDS,
    FILTERS,
    LENGTH_BIN_TENTH_MM,
    LENGTH_MAX_TENTH_MM,
    LENGTH_MIN_TENTH_MM,
    MEASURES,
    N_SHAPE,
    REG_X_TENTH_MM,
    REG_Y_TENTH_MM,
    REGIONS,
    SCHEMA_COLUMNS,
    SEXES,
    SHAPE_BOUND_SD_E4,
    SHAPE_BOUNDS_SD_E4,
    SHAPE_CENTRES_E4,
    SHAPE_COLUMNS,
    WIDTH_CENTRE_TENTH_MM,
    MeasureSpec,
    length_bin_label,
)
from storefront.makers.table import arrow_schema, measurement_row, rows_to_arrow, write_parquet

__all__ = [
    "N_SHAPE",
    "SHAPE_COLUMNS",
    "MEASURES",
    "SCHEMA_COLUMNS",
    "MeasureSpec",
    "Engine",
    "DuckDBEngine",
    "SparkEngine",
    "open_engine",
    "rows_to_arrow",
    "arrow_schema",
    "measurement_row",
    "write_parquet",
    "person_rows_sql",
    "snapshot_tables",
    "count_sql",
    "cells_sql",
    "histogram_sql",
    "shape_sums_sql",
    "regression_sql",
    "length_bin_label",
    "LENGTH_BIN_TENTH_MM",
    "LENGTH_MIN_TENTH_MM",
    "LENGTH_MAX_TENTH_MM",
    "SHAPE_BOUND_SD_E4",
    "SHAPE_BOUNDS_SD_E4",
    "FILTERS",
    "SEXES",
    "AGE_BANDS",
    "REGIONS",
]

# --------------------------------------------------------------------------- SQL (both engines)

_TABLE = "measurements"
_PERSONS = "persons"
_KEYS = "lb, sex, age_band, region"


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise DomainError(f"bad column name {name!r}")
    return name


def _filter_sql(filters: Mapping[str, str] | None) -> str:
    parts = []
    for key, val in sorted((filters or {}).items()):
        if key not in FILTERS:
            raise DomainError(f"unknown filter {key!r}; choose from {sorted(FILTERS)}")
        if val not in FILTERS[key]:
            raise DomainError(f"filter {key}: expected one of {list(FILTERS[key])}")
        parts.append(f" AND {key} = '{val}'")  # val is one of the public literals above
    return "".join(parts)


def person_rows_sql() -> str:
    """One row per person, the latest: the contribution bound every statistic starts from.

    Each engine materialises it once per snapshot as the ``persons`` table the cubes are
    built from (so duplicated or stale rows in the source never count twice).
    """
    cols = ", ".join(n for n, _ in SCHEMA_COLUMNS)
    return (
        f"SELECT {cols} FROM (SELECT {cols}, ROW_NUMBER() OVER "
        f"(PARTITION BY person_id ORDER BY updated_s DESC) AS rn_ FROM {_TABLE}) d "
        f"WHERE rn_ = 1"
    )


def _clamp(expr: str, lo: int, hi: int) -> str:
    # CASE rather than LEAST/GREATEST: the same in both dialects, and 4x faster on DuckDB
    lo, hi = int(lo), int(hi)
    return f"(CASE WHEN {expr} < {lo} THEN {lo} WHEN {expr} > {hi} THEN {hi} ELSE {expr} END)"


def _lb() -> str:
    """The person's 5 mm length bin index (``floor(length_mm / 5)``), -1 outside the bins."""
    fl = "foot_length_tenth_mm"
    return (
        f"(CASE WHEN {fl} >= {LENGTH_MIN_TENTH_MM} AND {fl} < {LENGTH_MAX_TENTH_MM} "
        f"THEN CAST(FLOOR({fl} / {float(LENGTH_BIN_TENTH_MM)}) AS BIGINT) ELSE -1 END)"
    )


def _width_code() -> str:
    """Width fitting (0..3) from length and ball girth, -1 when either is missing."""
    from storefront.catalog.grading import GIRTH_PER_FITTING_MM, average_ball_girth_mm

    a0 = average_ball_girth_mm(0.0)
    b = average_ball_girth_mm(1.0) - a0
    fl, g = "foot_length_tenth_mm", "ball_girth_tenth_mm"

    # doubles throughout (Spark would otherwise do decimal arithmetic and disagree at the
    # boundaries with DuckDB)
    def dbl(x: str) -> str:
        return f"CAST({x} AS DOUBLE)"

    steps = (
        f"(({dbl(g)} / {dbl('10')} - ({dbl(repr(a0))} + {dbl(repr(b))} * "
        f"({dbl(fl)} / {dbl('10')}))) / {dbl(repr(GIRTH_PER_FITTING_MM))})"
    )
    return (
        f"(CASE WHEN {fl} IS NULL OR {g} IS NULL THEN -1 WHEN {steps} < -1.0 THEN 0 "
        f"WHEN {steps} <= 1.0 THEN 1 WHEN {steps} <= 2.5 THEN 2 ELSE 3 END)"
    )


def _people_cube() -> str:
    g, a = "ball_girth_tenth_mm", "arch_height_tenth_mm"
    girth = (
        f"(CASE WHEN {g} >= 1500 AND {g} < 3000 "
        f"THEN CAST(FLOOR({g} / 100.0) AS BIGINT) - 15 ELSE -1 END)"
    )
    arch = f"(CASE WHEN {a} IS NULL OR {a} < 0 THEN -1 WHEN {a} < 120 THEN 0 WHEN {a} < 200 THEN 1 ELSE 2 END)"
    codes = "girth_c, arch_c, width_c"
    return (
        f"SELECT {_KEYS}, {codes}, COUNT(*) AS n FROM (SELECT {_lb()} AS lb, sex, age_band, "
        f"region, {girth} AS girth_c, {arch} AS arch_c, {_width_code()} AS width_c "
        f"FROM {_PERSONS}) c GROUP BY {_KEYS}, {codes}"
    )


def _hist_cube(measure: MeasureSpec) -> str:
    col = _ident(measure.column)
    v = _clamp(col, measure.lo_tenth_mm, measure.hi_tenth_mm - 1)
    bucket = f"CAST(FLOOR(({v} - {measure.lo_tenth_mm} - 0.5) / 10.0) AS BIGINT) + 1"
    return (
        f"SELECT {_KEYS}, b, COUNT(*) AS n FROM (SELECT {_lb()} AS lb, sex, age_band, region, "
        f"{bucket} AS b FROM {_PERSONS} WHERE {col} IS NOT NULL) h WHERE lb >= 0 "
        f"GROUP BY {_KEYS}, b"
    )


def _shape_cube() -> str:
    """Per key: people with all coefficients and a ball width, how many of them have
    footscan's fitted coefficients; sums of the length's offset in its own 5 mm bin (0..49
    tenths), of the centred clamped width, and of each coefficient minus its public centre
    in the bin, clamped to its declared bound (:data:`SHAPE_CENTRES_E4`,
    :data:`SHAPE_BOUNDS_SD_E4`)."""
    cols = [_ident(c) for c in SHAPE_COLUMNS]
    bw = MEASURES["ball_width"]
    width = f"CAST({_clamp(bw.column, bw.lo_tenth_mm, bw.hi_tenth_mm)} AS BIGINT) - {WIDTH_CENTRE_TENTH_MM}"
    offset = f"foot_length_tenth_mm - {LENGTH_BIN_TENTH_MM} * lb"

    def centred(c: str, k: int) -> str:
        slope, at0 = SHAPE_CENTRES_E4[k]
        return c if slope == at0 == 0 else f"({c} - ({int(slope)} * lb + {int(at0)}))"

    sums = ", ".join(
        f"SUM(CAST({_clamp(centred(c, i), -b, b)} AS BIGINT)) AS s_{i:02d}"
        for i, (c, b) in enumerate(zip(cols, SHAPE_BOUNDS_SD_E4))
    )
    present = " AND ".join(f"{c} IS NOT NULL" for c in (*cols, bw.column))
    return (
        f"SELECT lb, sex, age_band, region, COUNT(*) AS n, "
        f"SUM(CASE WHEN shape_source = 'fit' THEN 1 ELSE 0 END) AS n_fit, "
        f"SUM(CAST({offset} AS BIGINT)) AS s_len, SUM({width}) AS s_width, {sums} "
        f"FROM (SELECT {_lb()} AS lb, sex, age_band, region, foot_length_tenth_mm, "
        f"{bw.column}, shape_source, {', '.join(cols)} FROM {_PERSONS}) p "
        f"WHERE {present} AND lb >= 0 GROUP BY lb, sex, age_band, region"
    )


def _regression_cube() -> str:
    (xl, xh), (yl, yh) = REG_X_TENTH_MM, REG_Y_TENTH_MM
    x = f"(CAST({_clamp('foot_length_tenth_mm', xl, xh)} AS BIGINT) - {(xl + xh) // 2})"
    y = f"(CAST({_clamp('ball_girth_tenth_mm', yl, yh)} AS BIGINT) - {(yl + yh) // 2})"
    return (
        "SELECT sex, age_band, region, COUNT(*) AS n, SUM(x) AS sx, SUM(y) AS sy, "
        "SUM(x * x) AS sxx, SUM(x * y) AS sxy, SUM(y * y) AS syy FROM (SELECT sex, age_band, "
        f"region, {x} AS x, {y} AS y FROM {_PERSONS} WHERE foot_length_tenth_mm IS NOT NULL "
        f"AND ball_girth_tenth_mm IS NOT NULL AND {_lb()} >= 0) r GROUP BY sex, age_band, region"
    )


def snapshot_tables() -> dict[str, str]:
    """The small tables every release reads, as ``{name: SQL over persons}``.

    Keys of every cube: ``lb`` (5 mm length bin index, -1 outside), ``sex``, ``age_band``,
    ``region``; the regression cube has no ``lb``.
    """
    out = {"cube_people": _people_cube()}
    for m in MEASURES.values():
        out[f"cube_hist_{m.name}"] = _hist_cube(m)
    out["cube_shape"] = _shape_cube()
    out["cube_regression"] = _regression_cube()
    return out


def _group_expr(group: str) -> str:
    if group == "length_bin":
        return "lb"
    if group == "sex":
        return "sex"
    if group == "all":
        return "0"
    raise DomainError(f"unknown grouping {group!r}; choose length_bin, sex or all")


def count_sql(group: str = "length_bin", filters: Mapping[str, str] | None = None) -> str:
    """People per group (rows ``(group, n)``), people inside the length bins only."""
    g = _group_expr(group)
    return (
        f"SELECT g, CAST(SUM(n) AS BIGINT) AS n FROM (SELECT {g} AS g, n FROM cube_people "
        f"WHERE lb >= 0"
        f"{_filter_sql(filters)}) c GROUP BY g ORDER BY g"
    )


def histogram_sql(
    measure: MeasureSpec, group: str = "length_bin", filters: Mapping[str, str] | None = None
) -> str:
    """Counts per (group, bucket) of one clamped measurement (rows ``(g, bucket, n)``).

    Candidates of the quantile sit at ``lo + j mm + 0.05 mm`` (``j = 0 .. K-1``); values are
    whole tenths of a mm, so none equals a candidate. Bucket ``b`` holds the values between
    candidates ``b-1`` and ``b`` (bucket 0 below the first, bucket K above the last). Values
    are clamped to ``[lo, hi - 0.1 mm]`` first.
    """
    if measure.name not in MEASURES:
        raise DomainError(f"unknown measure {measure.name!r}")
    g = _group_expr(group)
    return (
        f"SELECT g, b, CAST(SUM(n) AS BIGINT) AS n FROM (SELECT {g} AS g, b, n "
        f"FROM cube_hist_{measure.name} "
        f"WHERE 1 = 1{_filter_sql(filters)}) h GROUP BY g, b ORDER BY g, b"
    )


def shape_sums_sql(group: str = "length_bin", filters: Mapping[str, str] | None = None) -> str:
    """Per group: people with a full set of shape coefficients and a ball width, how many of
    them have fitted coefficients, the sum of their length offsets in their own 5 mm bin
    (tenths, 0..49), of ``clamp(ball width) - 95 mm`` (tenths, +-45 mm) and of each
    coefficient's clamped offset from its centre in the bin (rows
    ``(g, n, n_fit, s_len, s_width, s_00, ..., s_37)``); the centres depend on the length bin,
    so the groups are length bins."""
    if group != "length_bin":
        raise DomainError("the shape sums group by length_bin (their centres are per bin)")
    g = _group_expr(group)
    sums = ", ".join(f"CAST(SUM(s_{i:02d}) AS BIGINT) AS s_{i:02d}" for i in range(N_SHAPE))
    return (
        f"SELECT {g} AS g, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(n_fit) AS BIGINT) AS n_fit, "
        f"CAST(SUM(s_len) AS BIGINT) AS s_len, "
        f"CAST(SUM(s_width) AS BIGINT) AS s_width, {sums} FROM cube_shape "
        f"WHERE 1 = 1{_filter_sql(filters)} GROUP BY {g} ORDER BY g"
    )


def regression_sql(group: str = "sex", filters: Mapping[str, str] | None = None) -> str:
    """Sufficient statistics of the line fit of ball girth on foot length (integers, tenths of
    a mm): ``x = clamp(length, REG_X) - mid`` and the same for y; rows
    ``(g, n, sx, sy, sxx, sxy, syy)``; ``group`` is ``"sex"`` or ``"all"``."""
    if group not in ("sex", "all"):
        raise DomainError("the regression groups by sex or all")
    g = _group_expr(group)
    return (
        f"SELECT {g} AS g, "
        + ", ".join(
            f"CAST(SUM({c}) AS BIGINT) AS {c}" for c in ("n", "sx", "sy", "sxx", "sxy", "syy")
        )
        + " "
        f"FROM cube_regression WHERE 1 = 1{_filter_sql(filters)} GROUP BY {g} ORDER BY g"
    )


def _category_code(dim: str, categories: Sequence[str]) -> str:
    """SQL for the index of a cube row's public category of ``dim`` in ``categories`` (the
    last is ``"unknown"``), the same rules as :func:`storefront.makers.privacy.person_record`."""
    unknown = len(categories) - 1
    if dim == "length_bin":
        first = LENGTH_MIN_TENTH_MM // LENGTH_BIN_TENTH_MM
        return f"(CASE WHEN lb >= 0 THEN lb - {first} ELSE {unknown} END)"
    if dim in ("girth_band", "arch_band", "width"):
        col = {"girth_band": "girth_c", "arch_band": "arch_c", "width": "width_c"}[dim]
        return f"(CASE WHEN {col} >= 0 THEN {col} ELSE {unknown} END)"
    if dim in FILTERS:
        whens = " ".join(
            f"WHEN {dim} = '{c}' THEN {i}"
            for i, c in enumerate(categories[:-1])
            if c in FILTERS[dim]
        )
        return f"(CASE {whens} ELSE {unknown} END)"
    raise DomainError(f"unknown dimension {dim!r}")


def cells_sql(
    dims: Sequence[str],
    categories: Mapping[str, Sequence[str]],
    filters: Mapping[str, str] | None = None,
) -> str:
    """People per joint cell of public categories (rows ``(code_0, ..., n)``), for the count
    releases; the filters select a public sub-population."""
    codes = [_category_code(d, categories[d]) for d in dims]
    sel = ", ".join(f"{c} AS d{i}" for i, c in enumerate(codes))
    grp = ", ".join(f"d{i}" for i in range(len(codes)))
    return (
        f"SELECT {grp}, CAST(SUM(n) AS BIGINT) AS n FROM (SELECT {sel}, n FROM cube_people "
        f"WHERE 1 = 1"
        f"{_filter_sql(filters)}) c GROUP BY {grp} ORDER BY {grp}"
    )


# --------------------------------------------------------------------------- engines


class Engine(Protocol):
    """Runs the SQL above over the snapshot's cubes; rows come back as tuples of ints/str."""

    name: str

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one SQL query; rows as tuples of Python values (integers as ``int``)."""

    def arrays(self, sql: str) -> dict[str, NDArray[Any]]:
        """Run one SQL query; the result as numpy columns."""

    def close(self) -> None:
        """Release the engine's connection or session."""


def _normalise(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    out = []
    for r in rows:
        out.append(tuple(int(v) if isinstance(v, int) else v for v in r))
    return out


class DuckDBEngine:
    """DuckDB in process over a Parquet file (or glob), an Arrow table or a DuckDB database.

    Opening builds the snapshot's cubes (:func:`snapshot_tables`) and keeps only them.

    Parameters
    ----------
    source : str, Path or pyarrow.Table
        ``*.parquet`` path or glob; a ``*.duckdb`` database file holding a ``measurements``
        table; or an Arrow table.
    threads : int, optional
        DuckDB worker threads (default: the machine's cores, at most 2).
    memory_limit : str
        DuckDB's memory cap (it spills beyond it).
    """

    name = "duckdb"

    def __init__(
        self, source: Any, *, threads: int | None = None, memory_limit: str = "1GB"
    ) -> None:
        import duckdb

        self._con = duckdb.connect(":memory:")
        n = threads if threads is not None else min(2, os.cpu_count() or 1)
        self._con.execute(f"SET threads = {int(n)}")
        self._con.execute(f"SET memory_limit = '{memory_limit}'")
        if isinstance(source, str | Path):
            path = str(source)
            if path.endswith(".duckdb"):
                if not Path(path).is_file():
                    raise DomainError(f"no measurements database at {path}")
                self._con.execute(f"ATTACH '{_quote(path)}' AS src (READ_ONLY)")
                self._con.execute(f"CREATE VIEW {_TABLE} AS SELECT * FROM src.{_TABLE}")
            else:
                if "*" not in path and not Path(path).exists():
                    raise DomainError(f"no measurements export at {path}")
                self._con.execute(
                    f"CREATE VIEW {_TABLE} AS SELECT * FROM read_parquet('{_quote(path)}')"
                )
        else:  # an Arrow table (or anything DuckDB can scan)
            self._con.register("arrow_src_", source)
            self._con.execute(f"CREATE VIEW {_TABLE} AS SELECT * FROM arrow_src_")
        self._con.execute(f"CREATE TEMP TABLE {_PERSONS} AS {person_rows_sql()}")
        for name, sql in snapshot_tables().items():
            self._con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        self._con.execute(f"DROP TABLE {_PERSONS}")
        # releases read a few thousand cube rows: one thread does it without waiting for a
        # second one (which, on a loaded machine, may not get a core for a while)
        self._con.execute("SET threads = 1")

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one SQL query on DuckDB; rows as tuples of Python values."""
        return _normalise(self._con.execute(sql).fetchall())

    def arrays(self, sql: str) -> dict[str, NDArray[Any]]:
        """The result as numpy columns (integers as int64)."""
        return {k: np.asarray(v) for k, v in self._con.execute(sql).fetchnumpy().items()}

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._con.close()


def _quote(path: str) -> str:
    return path.replace("'", "''")


class SparkEngine:
    """The same SQL on Spark (``local[*]`` by default) over a Parquet export.

    Parameters
    ----------
    parquet_path : str or Path
        The export (a file or a directory of Parquet files).
    spark : pyspark.sql.SparkSession, optional
        A session to use (and keep: :meth:`close` leaves it running); by default a small
        local one is created (and stopped by :meth:`close`).
    master : str
        Spark master URL for the default session (``"local[2]"``).
    """

    name = "spark"

    def __init__(self, parquet_path: str | Path, *, spark: Any = None, master: str = "local[2]"):
        if not Path(parquet_path).exists():
            raise DomainError(f"no measurements export at {parquet_path}")
        self._own = spark is None
        if spark is None:
            spark = spark_session(master)
        self._spark = spark
        self._spark.read.parquet(str(parquet_path)).createOrReplaceTempView(_TABLE)
        persons = self._spark.sql(person_rows_sql()).cache()
        persons.createOrReplaceTempView(_PERSONS)
        self._cubes = []
        for name, sql in snapshot_tables().items():
            cube = self._spark.sql(sql).cache()
            cube.count()  # materialise the cube once per snapshot
            cube.createOrReplaceTempView(name)
            self._cubes.append(cube)
        persons.unpersist()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one SQL query on Spark; rows as tuples of Python values."""
        return _normalise(tuple(r) for r in self._spark.sql(sql).collect())

    def arrays(self, sql: str) -> dict[str, NDArray[Any]]:
        """The result as numpy columns."""
        df = self._spark.sql(sql)
        rows = df.collect()
        return {c: np.asarray([r[i] for r in rows]) for i, c in enumerate(df.columns)}

    def close(self) -> None:
        """Drop the cached cubes; stop the Spark session if this engine started it."""
        for cube in self._cubes:
            cube.unpersist()
        if self._own:
            self._spark.stop()


def spark_session(master: str = "local[2]", shuffle_partitions: int = 4) -> Any:
    """A small local Spark session for the engine (no UI, UTC, quiet logs)."""
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(master)
        .appName("shoestreet-makers")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(int(shuffle_partitions)))
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def open_engine(kind: str, source: Any) -> Engine:
    """``"duckdb"`` (default) or ``"spark"`` over ``source``."""
    if kind == "duckdb":
        return DuckDBEngine(source)
    if kind == "spark":
        return SparkEngine(source)
    raise DomainError(f"unknown engine {kind!r}; choose duckdb or spark")
