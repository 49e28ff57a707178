"""The aggregation engine behind maker statistics: SQL over a columnar measurements table.

One row per consenting person (:data:`SCHEMA`), kept in step with scans and consent by the
web layer. Every statistic is split in two parts:

* the **heavy part**, here: engine-neutral SQL that bounds each person's contribution (one
  row per person, the latest; every value clamped to declared public bounds and quantised to
  integers) and reduces millions of rows to a small table of integer counts and sums, grouped
  by public, pre-declared keys (5 mm foot-length bins, sex);
* the **noise part** (:mod:`storefront.makers.shape_stats`): OpenDP measurements on that small
  result, with sensitivities taken from OpenDP's own stability maps.

The same SQL text runs on DuckDB in process (:class:`DuckDBEngine`, the default; it reads a
Parquet export, an Arrow table or a DuckDB database) and on Spark (:class:`SparkEngine`, for
deployments that outgrow one machine; ``local`` mode in CI). All aggregates are integer
counts and integer sums of integers, so both engines return identical numbers, whatever the
order in which they add them.

Values are stored as integers: lengths in tenths of a millimetre (``*_tenth_mm``), shape
coefficients in ten-thousandths of their prior standard deviation (``shape_NN_sd_e4``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from storefront.domain_errors import DomainError

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
    "count_sql",
    "cells_sql",
    "histogram_sql",
    "sums_sql",
    "regression_sql",
    "length_bin_label",
    "LENGTH_BIN_TENTH_MM",
    "LENGTH_MIN_TENTH_MM",
    "LENGTH_MAX_TENTH_MM",
    "SHAPE_BOUND_SD_E4",
]

#: Number of shape coefficients per person (footscan's shape basis: 16 FIND modes and 22
#: proportion modes; a test checks it against the basis).
N_SHAPE = 38
SHAPE_COLUMNS: tuple[str, ...] = tuple(f"shape_{k:02d}_sd_e4" for k in range(N_SHAPE))
#: Clamping bound of every shape coefficient: 4 prior standard deviations (in 1e-4 sd).
SHAPE_BOUND_SD_E4 = 40_000

#: Public foot-length bins: 5 mm, 100-330 mm (the same as ``FOOT_LENGTH_BINS`` of the counts).
LENGTH_BIN_TENTH_MM = 50
LENGTH_MIN_TENTH_MM = 1000
LENGTH_MAX_TENTH_MM = 3300

#: Public categories (the same lists as the count releases).
SEXES = ("female", "male", "other")
AGE_BANDS = ("<18", "18-29", "30-44", "45-59", "60-74", "75+")
REGIONS = ("EU-north", "EU-south", "EU-east", "EU-west", "UK", "KR", "JP", "US", "other")
FILTERS: dict[str, tuple[str, ...]] = {"sex": SEXES, "age_band": AGE_BANDS, "region": REGIONS}


@dataclass(frozen=True)
class MeasureSpec:
    """A measurement released as a distribution, with its declared clamping bounds.

    Attributes
    ----------
    name : str
        Public name (``"ball_girth"``).
    column : str
        Column of the measurements table (tenths of a mm).
    source_key : str
        Key in footscan's measurement JSON (mm).
    lo_mm, hi_mm : float
        Public clamping bounds (mm), whole millimetres; values outside are moved to the bound
        before anything is counted.
    """

    name: str
    column: str
    source_key: str
    lo_mm: int
    hi_mm: int

    @property
    def lo_tenth_mm(self) -> int:
        """Lower bound of the bin in tenths of a millimetre (the table's integer unit)."""
        return 10 * self.lo_mm

    @property
    def hi_tenth_mm(self) -> int:
        """Upper bound of the bin in tenths of a millimetre (the table's integer unit)."""
        return 10 * self.hi_mm

    @property
    def n_candidates(self) -> int:
        """Quantile candidates: ``lo + j + 0.05`` mm, ``j = 0 .. hi - lo - 1``."""
        return self.hi_mm - self.lo_mm


#: Measurements with released distributions (bounds cover children to the largest adult feet).
MEASURES: dict[str, MeasureSpec] = {
    m.name: m
    for m in (
        MeasureSpec("ball_girth", "ball_girth_tenth_mm", "ball_girth_mm", 150, 330),
        MeasureSpec("ball_width", "ball_width_tenth_mm", "ball_width_mm", 50, 140),
        MeasureSpec("instep_girth", "instep_girth_tenth_mm", "instep_girth_mm", 150, 350),
        MeasureSpec("instep_height", "instep_height_tenth_mm", "instep_height_mm", 30, 110),
        MeasureSpec("heel_width", "heel_width_tenth_mm", "heel_width_mm", 35, 100),
    )
}

#: Columns of the measurements table, in order, with their Arrow types.
SCHEMA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("person_id", "int64"),
    ("updated_s", "int64"),  # Unix time of the scan or consent change that wrote the row
    ("sex", "string"),
    ("age_band", "string"),
    ("region", "string"),
    ("foot_length_tenth_mm", "int32"),
    *((m.column, "int32") for m in MEASURES.values()),
    ("arch_height_tenth_mm", "int32"),
    *((c, "int32") for c in SHAPE_COLUMNS),
)


def length_bin_label(bin_index: int) -> str:
    """``"260-265"`` for the 5 mm bin index ``52`` (bin = floor(length_mm / 5))."""
    lo = int(bin_index) * 5
    return f"{lo}-{lo + 5}"


# --------------------------------------------------------------------------- SQL (both engines)

_TABLE = "measurements"


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


_PERSONS = "persons"


def person_rows_sql() -> str:
    """One row per person, the latest: the contribution bound every statistic starts from.

    Each engine materialises it once per snapshot as the ``persons`` table that every
    aggregate reads (so duplicated or stale rows in the source never count twice).
    """
    cols = ", ".join(n for n, _ in SCHEMA_COLUMNS)
    return (
        f"SELECT {cols} FROM (SELECT {cols}, ROW_NUMBER() OVER "
        f"(PARTITION BY person_id ORDER BY updated_s DESC) AS rn_ FROM {_TABLE}) d "
        f"WHERE rn_ = 1"
    )


def _length_bin_expr() -> str:
    return f"CAST(FLOOR(foot_length_tenth_mm / {float(LENGTH_BIN_TENTH_MM)}) AS BIGINT)"


def _in_length_bins() -> str:
    return (
        f"foot_length_tenth_mm >= {LENGTH_MIN_TENTH_MM} "
        f"AND foot_length_tenth_mm < {LENGTH_MAX_TENTH_MM}"
    )


def _clamp(expr: str, lo: int, hi: int) -> str:
    # CASE rather than LEAST/GREATEST: the same in both dialects, and 4x faster on DuckDB
    lo, hi = int(lo), int(hi)
    return f"(CASE WHEN {expr} < {lo} THEN {lo} WHEN {expr} > {hi} THEN {hi} ELSE {expr} END)"


def _group_expr(group: str) -> str:
    if group == "length_bin":
        return _length_bin_expr()
    if group == "sex":
        return "sex"
    if group == "all":
        return "0"
    raise DomainError(f"unknown grouping {group!r}; choose length_bin, sex or all")


def count_sql(group: str = "length_bin", filters: Mapping[str, str] | None = None) -> str:
    """People per group (rows ``(group, n)``)."""
    g = _group_expr(group)
    return (
        f"SELECT {g} AS g, COUNT(*) AS n FROM {_PERSONS} p "
        f"WHERE {_in_length_bins()}{_filter_sql(filters)} GROUP BY {g} ORDER BY g"
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
    g = _group_expr(group)
    col = _ident(measure.column)
    v = _clamp(col, measure.lo_tenth_mm, measure.hi_tenth_mm - 1)
    bucket = f"CAST(FLOOR(({v} - {measure.lo_tenth_mm} - 0.5) / 10.0) AS BIGINT) + 1"
    return (
        f"SELECT g, b, COUNT(*) AS n FROM (SELECT {g} AS g, {bucket} AS b "
        f"FROM {_PERSONS} p WHERE {col} IS NOT NULL AND {_in_length_bins()}"
        f"{_filter_sql(filters)}) h GROUP BY g, b ORDER BY g, b"
    )


def sums_sql(
    columns: Sequence[str],
    bound: int,
    group: str = "length_bin",
    filters: Mapping[str, str] | None = None,
) -> str:
    """Per group: people with all ``columns`` present, and the sum of each column clamped to
    ``[-bound, bound]`` (rows ``(g, n, s_0, s_1, ...)``)."""
    g = _group_expr(group)
    cols = [_ident(c) for c in columns]
    sums = ", ".join(
        f"SUM(CAST({_clamp(c, -bound, bound)} AS BIGINT)) AS s_{i}" for i, c in enumerate(cols)
    )
    present = " AND ".join(f"{c} IS NOT NULL" for c in cols)
    return (
        f"SELECT {g} AS g, COUNT(*) AS n, {sums} FROM {_PERSONS} p "
        f"WHERE {present} AND {_in_length_bins()}{_filter_sql(filters)} GROUP BY {g} ORDER BY g"
    )


def regression_sql(
    x_col: str,
    y_col: str,
    x_lo_hi: tuple[int, int],
    y_lo_hi: tuple[int, int],
    group: str = "sex",
    filters: Mapping[str, str] | None = None,
) -> str:
    """Sufficient statistics of a line fit, centred and clamped (integers, tenths of a mm).

    ``x = clamp(x_col, lo, hi) - mid`` (same for y); rows ``(g, n, sx, sy, sxx, sxy, syy)``.
    """
    g = _group_expr(group)
    xc, yc = _ident(x_col), _ident(y_col)
    (xl, xh), (yl, yh) = x_lo_hi, y_lo_hi
    x = f"(CAST({_clamp(xc, xl, xh)} AS BIGINT) - {(xl + xh) // 2})"
    y = f"(CAST({_clamp(yc, yl, yh)} AS BIGINT) - {(yl + yh) // 2})"
    return (
        f"SELECT g, COUNT(*) AS n, SUM(x) AS sx, SUM(y) AS sy, SUM(x * x) AS sxx, "
        f"SUM(x * y) AS sxy, SUM(y * y) AS syy FROM (SELECT {g} AS g, {x} AS x, {y} AS y "
        f"FROM {_PERSONS} p WHERE {xc} IS NOT NULL AND {yc} IS NOT NULL "
        f"AND {_in_length_bins()}{_filter_sql(filters)}) r GROUP BY g ORDER BY g"
    )


def _category_code(dim: str, categories: Sequence[str]) -> str:
    """SQL for the index of a person's public category of ``dim`` in ``categories`` (the last
    category is ``"unknown"``), the same rules as :func:`storefront.makers.privacy.person_record`."""
    unknown = len(categories) - 1
    fl, g = "foot_length_tenth_mm", "ball_girth_tenth_mm"
    if dim == "length_bin":
        return (
            f"(CASE WHEN {fl} >= 1000 AND {fl} < 3300 "
            f"THEN CAST(FLOOR({fl} / 50.0) AS BIGINT) - 20 ELSE {unknown} END)"
        )
    if dim == "girth_band":
        return (
            f"(CASE WHEN {g} >= 1500 AND {g} < 3000 "
            f"THEN CAST(FLOOR({g} / 100.0) AS BIGINT) - 15 ELSE {unknown} END)"
        )
    if dim == "arch_band":
        a = "arch_height_tenth_mm"
        return (
            f"(CASE WHEN {a} IS NULL OR {a} < 0 THEN {unknown} WHEN {a} < 120 THEN 0 "
            f"WHEN {a} < 200 THEN 1 ELSE 2 END)"
        )
    if dim == "width":
        from storefront.catalog.grading import GIRTH_PER_FITTING_MM, average_ball_girth_mm

        a0 = average_ball_girth_mm(0.0)
        b = average_ball_girth_mm(1.0) - a0

        # doubles throughout (Spark would otherwise do decimal arithmetic and disagree at
        # the boundaries with DuckDB)
        def dbl(x: str) -> str:
            return f"CAST({x} AS DOUBLE)"

        steps = (
            f"(({dbl(g)} / {dbl('10')} - ({dbl(repr(a0))} + {dbl(repr(b))} * "
            f"({dbl(fl)} / {dbl('10')}))) / {dbl(repr(GIRTH_PER_FITTING_MM))})"
        )
        return (
            f"(CASE WHEN {fl} IS NULL OR {g} IS NULL THEN {unknown} WHEN {steps} < -1.0 THEN 0 "
            f"WHEN {steps} <= 1.0 THEN 1 WHEN {steps} <= 2.5 THEN 2 ELSE 3 END)"
        )
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
        f"SELECT {grp}, COUNT(*) AS n FROM (SELECT {sel} FROM {_PERSONS} p WHERE 1 = 1"
        f"{_filter_sql(filters)}) c GROUP BY {grp} ORDER BY {grp}"
    )


# --------------------------------------------------------------------------- engines


class Engine(Protocol):
    """Runs the SQL above over the measurements table; rows come back as tuples of ints/str."""

    name: str

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one SQL query; rows as tuples of Python values (integers as ``int``)."""

    def close(self) -> None:
        """Release the engine's connection or session."""


def _normalise(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    out = []
    for r in rows:
        out.append(tuple(int(v) if isinstance(v, int) else v for v in r))
    return out


class DuckDBEngine:
    """DuckDB in process over a Parquet file (or glob), an Arrow table or a DuckDB database.

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

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one SQL query on DuckDB; rows as tuples of Python values."""
        return _normalise(self._con.execute(sql).fetchall())

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
        A session to use; by default a small local one is created (and stopped by
        :meth:`close`).
    master : str
        Spark master URL for the default session (``"local[2]"``).
    """

    name = "spark"

    def __init__(self, parquet_path: str | Path, *, spark: Any = None, master: str = "local[2]"):
        if not Path(parquet_path).exists():
            raise DomainError(f"no measurements export at {parquet_path}")
        self._own = spark is None
        if spark is None:
            from pyspark.sql import SparkSession

            spark = (
                SparkSession.builder.master(master)
                .appName("shoestreet-makers")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.memory", "1g")
                .config("spark.sql.session.timeZone", "UTC")
                .getOrCreate()
            )
            spark.sparkContext.setLogLevel("ERROR")
        self._spark = spark
        self._spark.read.parquet(str(parquet_path)).createOrReplaceTempView(_TABLE)
        persons = self._spark.sql(person_rows_sql()).cache()
        persons.count()  # materialise the cache once per snapshot
        persons.createOrReplaceTempView(_PERSONS)
        self._persons = persons

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one SQL query on Spark; rows as tuples of Python values."""
        return _normalise(tuple(r) for r in self._spark.sql(sql).collect())

    def close(self) -> None:
        """Drop the cached persons table; stop the Spark session if this engine started it."""
        self._persons.unpersist()
        if self._own:
            self._spark.stop()


def open_engine(kind: str, source: Any) -> Engine:
    """``"duckdb"`` (default) or ``"spark"`` over ``source``."""
    if kind == "duckdb":
        return DuckDBEngine(source)
    if kind == "spark":
        return SparkEngine(source)
    raise DomainError(f"unknown engine {kind!r}; choose duckdb or spark")


# --------------------------------------------------------------------------- table I/O


def _tenths(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return int(round(float(v) * 10.0))


def measurement_row(
    person_id: int,
    updated_s: int,
    measurements: Mapping[str, Any],
    *,
    sex: str | None,
    age_band: str | None,
    region: str | None,
    shape_coeffs_sd: Sequence[float] | None = None,
) -> dict[str, Any]:
    """One row of the table from footscan-style measurements (mm) and public categories.

    ``shape_coeffs_sd`` are the person's foot-model coefficients in units of their prior
    standard deviation (:func:`storefront.makers.shape_stats.coefficients_from_measurements`).
    """
    row: dict[str, Any] = {
        "person_id": int(person_id),
        "updated_s": int(updated_s),
        "sex": sex if sex in SEXES else "unknown",
        "age_band": age_band if age_band in AGE_BANDS else "unknown",
        "region": region if region in REGIONS else "unknown",
        "foot_length_tenth_mm": _tenths(measurements.get("foot_length_mm")),
    }
    for m in MEASURES.values():
        row[m.column] = _tenths(measurements.get(m.source_key))
    row["arch_height_tenth_mm"] = _tenths(measurements.get("arch_height_mm"))
    coeffs: list[float | None] = (
        [float(c) for c in shape_coeffs_sd] if shape_coeffs_sd is not None else [None] * N_SHAPE
    )
    if len(coeffs) != N_SHAPE:
        raise DomainError(f"expected {N_SHAPE} shape coefficients, got {len(coeffs)}")
    for col, c in zip(SHAPE_COLUMNS, coeffs):
        row[col] = int(round(c * 1e4)) if c is not None and math.isfinite(c) else None
    # int32 columns: anything absurd enough to overflow is dropped, not wrapped
    for k, v in row.items():
        if k not in ("person_id", "updated_s") and isinstance(v, int) and abs(v) > 2**31 - 1:
            row[k] = None
    return row


def arrow_schema():
    """The Arrow schema of the table."""
    import pyarrow as pa

    types = {"int64": pa.int64(), "int32": pa.int32(), "string": pa.string()}
    return pa.schema([(n, types[t]) for n, t in SCHEMA_COLUMNS])


def rows_to_arrow(rows: Iterable[Mapping[str, Any]] | Mapping[str, Sequence[Any]]):
    """An Arrow table of rows (dicts from :func:`measurement_row`) or of whole columns."""
    import pyarrow as pa

    schema = arrow_schema()
    if isinstance(rows, Mapping):
        return pa.table({n: pa.array(rows[n], type=schema.field(n).type) for n in schema.names})
    return pa.Table.from_pylist(list(rows), schema=schema)


def write_parquet(table: Any, path: str | Path) -> Path:
    """Write the table as one Parquet file (atomically: a temporary file renamed)."""
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    pq.write_table(table, tmp, compression="zstd", row_group_size=256_000)
    os.replace(tmp, path)
    return path
