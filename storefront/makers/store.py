"""The columnar measurements table of the maker statistics, kept in step with scans and consent.

``maker_measurement`` holds one row per consenting shopper (their latest measured scan) and
the rows of the synthetic city when someone loaded it explicitly. It is kept in step by
:func:`sync_measurements`, run in the transaction of every release: it re-derives the rows of
the people whose scans or consent changed since the last run (watermarks in
``maker_table_state``), so a withdrawal or a new scan counts from the next release on. A
deleted account (or scan) takes its row with it (foreign keys, ``ON DELETE CASCADE``).

The engines read a Parquet export of the table (:func:`snapshot_path`), rewritten when the
table's version moved since the export was written.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from storefront.db.models import Id64, Scan, User, as_utc, utcnow
from storefront.extensions import DbSession, db
from storefront.makers.schema import AGE_BANDS, REGIONS, SCHEMA_COLUMNS, SEXES
from storefront.makers.table import arrow_schema, measurement_row, write_parquet

__all__ = [
    "maker_measurement",
    "maker_table_state",
    "sync_measurements",
    "snapshot_path",
    "export_snapshot",
    "table_version",
    "load_synthetic",
    "remove_synthetic",
]

_TYPES: dict[str, Any] = {"int32": sa.Integer, "string": sa.String(32)}
_DATA_COLUMNS = [(n, t) for n, t in SCHEMA_COLUMNS if n not in ("person_id", "updated_s")]

maker_measurement = sa.Table(
    "maker_measurement",
    db.metadata,
    sa.Column("id", Id64, primary_key=True),
    sa.Column(
        "user_id",
        Id64,
        sa.ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=True,
        unique=True,
    ),
    sa.Column("scan_id", Id64, sa.ForeignKey("scan.id", ondelete="CASCADE"), nullable=True),
    sa.Column("synthetic", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_s", sa.BigInteger, nullable=False),
    *(sa.Column(n, _TYPES[t], nullable=True) for n, t in _DATA_COLUMNS),
)

maker_table_state = sa.Table(
    "maker_table_state",
    db.metadata,
    sa.Column("id", Id64, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False, default=0),
    sa.Column("last_scan_id", Id64, nullable=False, default=0),
    sa.Column("last_consent_at", sa.Float, nullable=False, default=0.0),
    # names this database's exports (several databases may share an instance folder)
    sa.Column("token", sa.String(32), nullable=False, default=""),
)


def _state(session: DbSession) -> dict[str, Any]:
    row = session.execute(sa.select(maker_table_state).where(maker_table_state.c.id == 1)).first()
    if row is None:
        token = uuid.uuid4().hex
        session.execute(
            maker_table_state.insert().values(
                id=1, version=0, last_scan_id=0, last_consent_at=0.0, token=token
            )
        )
        return {"version": 0, "last_scan_id": 0, "last_consent_at": 0.0, "token": token}
    return dict(row._mapping)


def table_version(session: DbSession) -> int:
    """Version of the table (moves on every change)."""
    return int(_state(session)["version"])


def _bump(session: DbSession, **values: Any) -> None:
    session.execute(
        maker_table_state.update()
        .where(maker_table_state.c.id == 1)
        .values(version=maker_table_state.c.version + 1, **values)
    )


def _num(v: Any) -> float:
    ok = isinstance(v, int | float) and not isinstance(v, bool)
    return float(v) if ok else float("nan")


def _row_for(user: User, scan: Scan) -> dict[str, Any]:
    from storefront.makers.foot_model import coefficients_from_measurements, stored_coefficients

    res: dict[str, Any] = scan.result if isinstance(scan.result, dict) else {}
    inner = res.get("measurements")
    meas: dict[str, Any] = inner if isinstance(inner, dict) else res
    # the fit's own coefficients when footscan kept them; else the model given the measures
    coeffs = stored_coefficients(res)
    source = "fit" if coeffs is not None else "measures"
    if coeffs is None and isinstance(meas.get("foot_length_mm"), int | float):
        keys = ("foot_length_mm", "ball_width_mm", "ball_girth_mm", "instep_girth_mm",
                "instep_height_mm", "heel_width_mm")  # fmt: skip
        c = coefficients_from_measurements({k: _num(meas.get(k)) for k in keys})
        coeffs = c.tolist() if np.all(np.isfinite(c)) else None
    created = as_utc(scan.created_at) if scan.created_at else None
    row = measurement_row(
        user.id,
        int(created.timestamp()) if created is not None else 0,
        meas,
        sex=user.sex if user.sex in SEXES else None,
        age_band=user.age_band if user.age_band in AGE_BANDS else None,
        region=user.region if user.region in REGIONS else None,
        shape_coeffs_sd=coeffs,
        shape_source=source,
    )
    row.pop("person_id")
    return {"user_id": user.id, "scan_id": scan.id, "synthetic": False, **row}


def sync_measurements(session: DbSession) -> int:
    """Bring the table in step with scans and consent; returns the number of people changed.

    Runs inside the caller's transaction (the release's), so what is released and what the
    table says are the same snapshot of consent.
    """
    st = _state(session)
    last_scan = int(st["last_scan_id"])
    last_consent = float(st["last_consent_at"])
    max_scan = session.scalar(sa.select(sa.func.max(Scan.id)).where(Scan.status == "done")) or 0
    changed: set[int] = set(
        session.scalars(
            sa.select(Scan.user_id).where(Scan.status == "done", Scan.id > last_scan)
        ).all()
    )
    newest_consent = last_consent
    since = datetime.fromtimestamp(last_consent, UTC) if last_consent > 0 else None
    q = sa.select(User.id, User.consent_updated_at).where(User.consent_updated_at.is_not(None))
    if since is not None:
        q = q.where(User.consent_updated_at >= since)
    for uid, at in session.execute(q):
        at_utc = as_utc(at)
        if at_utc is None:
            continue
        ts = at_utc.timestamp()
        if ts > last_consent:
            changed.add(uid)
            newest_consent = max(newest_consent, ts)
    # consent withdrawn without a timestamp (or an account no longer a shopper): drop the row
    stale = sa.select(User.id).where(
        sa.or_(User.consent_aggregates.is_not(True), User.role != "shopper")
    )
    gone = session.execute(maker_measurement.delete().where(maker_measurement.c.user_id.in_(stale)))
    removed = int(getattr(gone, "rowcount", 0) or 0)
    if not changed and max_scan <= last_scan:
        if removed:
            _bump(session)
        return removed
    ids = sorted(changed)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        session.execute(maker_measurement.delete().where(maker_measurement.c.user_id.in_(chunk)))
        latest = (
            sa.select(Scan.user_id, sa.func.max(Scan.id).label("scan_id"))
            .where(Scan.status == "done", Scan.user_id.in_(chunk))
            .group_by(Scan.user_id)
            .subquery()
        )
        rows = session.execute(
            sa.select(User, Scan)
            .join(latest, latest.c.user_id == User.id)
            .join(Scan, Scan.id == latest.c.scan_id)
            .where(User.consent_aggregates.is_(True), User.role == "shopper")
        ).all()
        if rows:
            session.execute(maker_measurement.insert(), [_row_for(u, s) for u, s in rows])
    _bump(session, last_scan_id=max(int(max_scan), last_scan), last_consent_at=newest_consent)
    return len(ids)


def snapshot_path(instance_path: str | Path, token: str, version: str) -> Path:
    """Where the Parquet export of one table version of one database lives."""
    return Path(instance_path) / "makers" / f"measurements-{token}-v{version}.parquet"


def _fingerprint(session: DbSession) -> str:
    """Version plus row count and id sum: deletions by foreign-key cascade (a deleted account
    or scan) do not move the version, but they change these, so the export is rewritten."""
    st = _state(session)
    n, ids = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(maker_measurement.c.id), 0))
    ).one()
    return f"{int(st['version'])}-{int(n)}-{int(ids)}"


_EXPORT_LOCK = threading.Lock()
#: Rows per text block handed to Arrow's CSV reader.
_READ_ROWS = 100_000


def _read_table(session: DbSession) -> Any:
    """The table as Arrow, read through the driver's cursor as one tab-separated line per row.

    The database writes each row as one text line (integers in decimal, NULL as an empty
    field) and Arrow's compiled CSV reader parses the lines with the schema's types: one
    Python string per row crosses the driver instead of ~50 Python objects, which was most
    of the export's time (100,000 rows on SQLite: fetch + Arrow 1.5 s CPU -> see
    docs/benchmarks.md, ``bench_makers_snapshot``). The values are integers and the public
    category names (no tab or newline: :func:`~storefront.makers.table.measurement_row`
    writes only those); a stray tab would fail the parse loudly, never shift a column.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    schema = arrow_schema()
    cols = ["CASE WHEN synthetic THEN -id ELSE user_id END", "updated_s"]
    cols += [n for n, _ in _DATA_COLUMNS]
    # one call per row, NULL written as '' (SQLite: printf; PostgreSQL: array_to_string, no
    # '%' for the driver to take for a placeholder); per-value COALESCE/|| on SQLite cost
    # more than the Python objects they save
    if session.get_bind().dialect.name == "sqlite":
        line = f"printf('{chr(9).join(['%s'] * len(cols))}', {', '.join(cols)})"
    else:
        text = ", ".join(f"CAST({c} AS TEXT)" for c in cols)
        line = f"array_to_string(ARRAY[{text}], chr(9), '')"
    cur = session.connection().exec_driver_sql(f"SELECT {line} FROM maker_measurement").cursor
    convert = pacsv.ConvertOptions(
        column_types=schema,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(delimiter="\t", quote_char=False, double_quote=False)
    read = pacsv.ReadOptions(column_names=schema.names, use_threads=False)
    batches = []
    while True:
        part = cur.fetchmany(_READ_ROWS)
        if not part:
            break
        block = "\n".join([r[0] for r in part]).encode()
        batches.append(pacsv.read_csv(pa.py_buffer(block), read, parse, convert))
    return pa.concat_tables(batches) if batches else schema.empty_table()


def export_snapshot(session: DbSession, instance_path: str | Path) -> Path:
    """The Parquet export of the current table version (written once per version)."""
    st = _state(session)
    token = str(st["token"])
    path = snapshot_path(instance_path, token, _fingerprint(session))
    with _EXPORT_LOCK:
        if path.is_file():
            return path
        table = _read_table(session)
        write_parquet(table, path)
        for old in path.parent.glob(f"measurements-{token}-v*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    return path


def load_synthetic(session: DbSession, city: Any, batch: int = 50_000) -> int:
    """Insert a :class:`~storefront.makers.population.SyntheticCity` (rows marked synthetic)."""
    cols = city.columns()
    now = int(utcnow().timestamp())
    names = [n for n, _ in _DATA_COLUMNS]
    arrays = [cols[k].tolist() if hasattr(cols[k], "tolist") else list(cols[k]) for k in names]
    n = int(city.n)
    stmt = maker_measurement.insert()
    for i in range(0, n, batch):
        part = [
            {"synthetic": True, "updated_s": now, **dict(zip(names, row))}
            for row in zip(*(a[i : i + batch] for a in arrays))
        ]
        session.execute(stmt, part)
    _bump(session)
    return n


def remove_synthetic(session: DbSession) -> int:
    """Delete every synthetic row; returns how many."""
    res = session.execute(maker_measurement.delete().where(maker_measurement.c.synthetic.is_(True)))
    _bump(session)
    return int(getattr(res, "rowcount", 0) or 0)


def _py(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v
