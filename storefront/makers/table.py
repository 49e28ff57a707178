"""The columnar measurements table: rows, Arrow schema and the Parquet export.

One row per consenting person (:data:`storefront.makers.engine.SCHEMA_COLUMNS`); values are
integers: lengths in tenths of a millimetre (``*_tenth_mm``), shape coefficients in
ten-thousandths of their prior standard deviation (``shape_NN_sd_e4``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from storefront.domain_errors import DomainError
from storefront.makers.schema import (
    AGE_BANDS,
    MEASURES,
    N_SHAPE,
    REGIONS,
    SCHEMA_COLUMNS,
    SEXES,
    SHAPE_COLUMNS,
    SHAPE_SOURCES,
)

__all__ = ["measurement_row", "arrow_schema", "rows_to_arrow", "write_parquet"]


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
    shape_source: str = "measures",
) -> dict[str, Any]:
    """One row of the table from footscan-style measurements (mm) and public categories.

    ``shape_coeffs_sd`` are the person's foot-model coefficients at the foot's real size, in
    units of their prior standard deviation: footscan's own fit (``shape_source="fit"``) or
    the model given the measurements (``"measures"``,
    :func:`storefront.makers.foot_model.coefficients_from_measurements`).
    """
    if shape_source not in SHAPE_SOURCES:
        raise DomainError(f"shape_source must be one of {SHAPE_SOURCES}, got {shape_source!r}")
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
    row["shape_source"] = shape_source if shape_coeffs_sd is not None else None
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
