"""Shape-statistics releases to manufacturers (no Flask): parse, charge, aggregate, noise, log.

Flow of one release, in one transaction: validate the query; lock the ledger and check every
cap (:mod:`storefront.makers.budget`); charge; bring the measurements table in step
(:func:`storefront.makers.store.sync_measurements`); run the statistic on the engine over the
table's Parquet export; store the released (already noisy) result with the ledger row, so the
average-foot meshes can be downloaded later without spending more; commit. Nothing exact
leaves: withheld groups say why, never how many people they hold.
"""

from __future__ import annotations

import csv
import io
import math
import threading
from collections.abc import Mapping
from typing import Any

from storefront.db.models import Manufacturer, PrivacyRelease, utcnow
from storefront.domain_errors import DomainError, NotFound, ValidationFailed
from storefront.extensions import DbSession
from storefront.makers import budget, shape_stats, store
from storefront.makers.engine import FILTERS, MEASURES, Engine, open_engine

__all__ = ["KINDS", "release_shape", "to_csv", "to_parquet", "average_foot_file", "engine_for"]

KINDS = ("quantiles", "regression", "average_feet")
#: Per-class columns of the average-foot CSV/Parquet (the dashboard's CSV has the same ones).
AVERAGE_FOOT_COLUMNS = (
    "mean_length_mm",
    "mean_ball_width_mm",
    "length_noise_sd_mm",
    "width_noise_sd_mm",
    "mesh_length_noise_sd_mm",
    "mesh_ball_width_noise_sd_mm",
    "people_fitted",
    "coefficients_from",
    "mesh_withheld",
)
#: Why a release holds nothing, per kind (no counts; the dashboard translates these).
_NOTHING = {
    "average_feet": (
        "no size class has enough people for its average foot at this epsilon. Raise "
        "epsilon or remove a filter; the mean lengths and widths of the classes that were "
        "released are in the CSV. This refusal was charged like a release."
    ),
}
_NOTHING_DEFAULT = (
    "nothing could be released: every group fell under the floor after noise. "
    "Raise epsilon, remove a filter, or ask for a coarser statistic; this refusal "
    "was charged like a release."
)
MIN_EPSILON = 1e-3

_ENGINES: dict[tuple[str, str], Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(session: DbSession, config: Mapping[str, Any], instance_path: str) -> Engine:
    """The engine over the current table version's export (one per version, cached)."""
    store.sync_measurements(session)
    path = store.export_snapshot(session, instance_path)
    kind = str(config.get("MAKERS_ENGINE", "duckdb"))
    key = (kind, str(path))
    with _ENGINES_LOCK:
        eng = _ENGINES.get(key)
        if eng is None:
            for k in [k for k in _ENGINES if k[0] == kind]:
                _ENGINES.pop(k).close()
            eng = _ENGINES[key] = _Locked(open_engine(kind, path))
    return eng


class _Locked:
    """One query at a time per engine (a DuckDB connection is not for concurrent use)."""

    def __init__(self, inner: Engine) -> None:
        self._inner = inner
        self.name = inner.name
        self._lock = threading.Lock()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._inner.rows(sql)

    def arrays(self, sql: str) -> dict[str, Any]:
        with self._lock:
            return self._inner.arrays(sql)

    def close(self) -> None:
        self._inner.close()


def _parse(args: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = str(args.get("kind", "quantiles"))
    if kind not in KINDS:
        errors["kind"] = f"expected one of {list(KINDS)}"
    measure = str(args.get("measure", "ball_girth"))
    if kind == "quantiles" and measure not in MEASURES:
        errors["measure"] = f"expected one of {sorted(MEASURES)}"
    hi = float(config["PRIVACY_MAX_EPSILON_PER_QUERY"])
    try:
        eps = float(args.get("epsilon", "0.25"))
        if not math.isfinite(eps) or not MIN_EPSILON <= eps <= hi:
            raise ValueError
    except (TypeError, ValueError):
        errors["epsilon"] = f"expected a number in [{MIN_EPSILON:g}, {hi:g}]"
        eps = 0.0
    filters = {}
    for key, allowed in FILTERS.items():
        val = args.get(key)
        if val:
            if val not in allowed:
                errors[key] = f"expected one of {list(allowed)}"
            else:
                filters[key] = str(val)
    allowed_keys = {"kind", "measure", "epsilon", "format", *FILTERS}
    for key in sorted(set(args) - allowed_keys):
        errors[key] = "unknown parameter"
    if errors:
        raise ValidationFailed("shape-statistics query is invalid", errors)
    return {"kind": kind, "measure": measure if kind == "quantiles" else None,
            "epsilon": eps, "filters": filters}  # fmt: skip


def release_shape(
    session: DbSession,
    mfr: Manufacturer,
    args: Mapping[str, Any],
    config: Mapping[str, Any],
    instance_path: str,
) -> dict[str, Any]:
    """Charge the budgets and release one shape statistic (see the module docstring)."""
    q = _parse(args, config)
    limits = budget.BudgetLimits.from_config(config)
    query = {"statistic": q["kind"], "measure": q["measure"], "epsilon": q["epsilon"],
             "filters": q["filters"]}  # fmt: skip
    now = utcnow()
    charge = budget.check_and_charge(session, mfr, q["epsilon"], now, limits, query)
    floor = int(config.get("MAKERS_MIN_PEOPLE", shape_stats.MIN_PEOPLE))
    try:
        eng = engine_for(session, config, instance_path)
        if q["kind"] == "quantiles":
            rel: Any = shape_stats.release_quantiles(
                eng, q["measure"], q["epsilon"], filters=q["filters"], min_people=floor
            )
        elif q["kind"] == "regression":
            rel = shape_stats.release_regression(
                eng, q["epsilon"], filters=q["filters"], min_people=floor
            )
        else:
            rel = shape_stats.release_average_feet(
                eng, q["epsilon"], filters=q["filters"], min_people=floor
            )
    except DomainError:
        session.rollback()  # refused before any data was read: nothing spent
        raise
    result = rel.to_dict()
    groups = result.get("bins") or result.get("groups") or result.get("feet") or []
    row: PrivacyRelease = charge["row"]
    row.n_cells = len(groups)
    # an average foot is its mesh: a class with only its mean length and width counts as
    # suppressed
    row.n_suppressed = sum(1 for g in groups if g.get("withheld") or g.get("mesh_withheld"))
    if q["kind"] == "average_feet":  # kept so the meshes can be downloaded without new noise
        row.query = {**row.query, "result": result["feet"]}
    session.commit()
    answerable = row.n_cells > row.n_suppressed
    return {
        "release_id": row.id,
        "manufacturer": mfr.name,
        "period": charge["period"],
        "query": query,
        "statistic": result,
        "answered": answerable,
        "explanation": None if answerable else _NOTHING.get(q["kind"], _NOTHING_DEFAULT),
        "budget": {"spent": charge["spent"], "left": charge["left"], "caps": charge["caps"]},
    }  # fmt: skip


def _flat_rows(out: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    stat = out["statistic"]
    kind = out["query"]["statistic"]
    meta = {
        "method": stat["method"],
        "epsilon": stat["epsilon"],
        "delta": 0.0,
        "count_noise_scale": stat["count_noise_scale"],
        "budget_spent_manufacturer_period": out["budget"]["spent"]["manufacturer_period"],
        "budget_spent_population_year": out["budget"]["spent"]["population_year"],
    }
    if kind == "quantiles":
        alphas = [f"p{round(a * 100):02d}" for a in stat["alphas"]]
        header = ["length_bin", "people_noisy", *(f"{a}_mm" for a in alphas), "alpha_halfwidth",
                  "withheld", "score_noise_scale", *meta]  # fmt: skip
        rows = [
            [b["length_bin"], b["people"],
             *((b["quantiles_mm"] or {}).get(a) for a in alphas),
             b["alpha_halfwidth"], b["withheld"] or "", stat["score_noise_scale"], *meta.values()]
            for b in stat["bins"]
        ]  # fmt: skip
    elif kind == "regression":
        header = ["sex", "people_noisy", "slope_mm_per_mm", "girth_at_mean_length_mm",
                  "mean_length_mm", "correlation", "withheld", *meta]  # fmt: skip
        rows = [
            [g["group"], g["people"], g["slope_mm_per_mm"], g["girth_at_mean_length_mm"],
             g["mean_length_mm"], g["correlation"], g["withheld"] or "", *meta.values()]
            for g in stat["groups"]
        ]  # fmt: skip
    else:
        names = stat["mode_names"]
        extra = AVERAGE_FOOT_COLUMNS
        header = ["length_bin", "people_noisy", *extra, "coeff_noise_sd", "withheld",
                  *(f"coeff_{n}_sd" for n in names), *meta]  # fmt: skip
        rows = [
            [f["length_bin"], f["people"], *(f.get(k) for k in extra), f["coeff_noise_sd"],
             f["withheld"] or "", *(f["coeffs_sd"] or [None] * len(names)), *meta.values()]
            for f in stat["feet"]
        ]  # fmt: skip
    return header, rows


def to_csv(out: Mapping[str, Any]) -> str:
    """The release as CSV: one row per group, with method, noise scales and budget spent."""
    header, rows = _flat_rows(out)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def to_parquet(out: Mapping[str, Any]) -> bytes:
    """The release as Parquet (same columns as the CSV; method and budget in the metadata)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    header, rows = _flat_rows(out)
    cols = {h: [r[i] for r in rows] for i, h in enumerate(header)}
    table = pa.table(cols).replace_schema_metadata(
        {"shoestreet.release": json.dumps({k: out[k] for k in ("query", "budget", "period")})}
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def average_foot_file(
    session: DbSession, mfr: Manufacturer, release_id: int, length_bin: str, fmt: str
) -> tuple[bytes, str]:
    """The mesh of a released average foot (STL mm or GLB m); costs nothing more."""
    if fmt not in ("stl", "glb"):
        raise DomainError("format must be stl or glb")
    row = session.get(PrivacyRelease, release_id)
    if row is None or row.manufacturer_id != mfr.id or "result" not in (row.query or {}):
        raise NotFound("no average-foot release with this id for this manufacturer")
    foot = next((f for f in row.query["result"] if f.get("length_bin") == length_bin), None)
    if foot is None:
        raise NotFound(f"no size class {length_bin!r} in this release")
    if not foot.get("coeffs_sd"):
        why = foot.get("mesh_withheld") or foot.get("withheld") or "no shape released"
        raise DomainError("this size class has no average foot in this release: " + why)
    mesh = shape_stats.average_foot_mesh(foot["coeffs_sd"])
    if fmt == "stl":
        return shape_stats.mesh_stl_bytes(mesh), "model/stl"
    return shape_stats.mesh_glb_bytes(mesh), "model/gltf-binary"
