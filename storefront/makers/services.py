"""Manufacturer releases (no Flask): one record per consenting person, DP counts, budget ledger.

Records are built from each consenting shopper's latest measured scan (one person, one record),
binned into public, pre-declared bins; the noisy, suppressed counts come from
:func:`storefront.makers.privacy.release_counts`; the epsilon spent is written to ``privacy_release``
in the same transaction, under a lock on the manufacturer's row, so two concurrent releases
cannot both spend the last of the budget.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from storefront.db.models import Manufacturer, PrivacyRelease, Scan, User, as_utc, utcnow
from storefront.domain_errors import Conflict, DomainError, QueryTooNarrow, ValidationFailed
from storefront.extensions import DbSession
from storefront.makers import budget
from storefront.makers.budget import period_of
from storefront.makers.privacy import (
    DIMENSIONS,
    check_query,
    person_record,
    release_counts,
    release_counts_from_cells,
)

__all__ = [
    "create_manufacturer",
    "DIMENSIONS",
    "FILTERS",
    "budget_status",
    "consenting_records",
    "period_of",
    "release",
    "to_csv",
]

#: Dimensions that may also be used as a filter (a whole sub-population).
FILTERS = ("region", "age_band", "sex")
_MAX_DIMS = 3


#: Smallest epsilon per release: below it the noise scale overflows (``5e-324`` made the
#: library fail) and the counts carry no information anyway.
MIN_EPSILON = 1e-3


def consenting_records(session: DbSession) -> list[dict[str, str]]:
    """One binned record per consenting shopper, from their latest measured scan.

    People who withdrew consent are filtered here; deleted accounts have no rows left.
    """
    latest = (
        select(Scan.user_id, func.max(Scan.id).label("scan_id"))
        .where(Scan.status == "done")
        .group_by(Scan.user_id)
        .subquery()
    )
    rows = session.execute(
        select(User, Scan)
        .join(latest, latest.c.user_id == User.id)
        .join(Scan, Scan.id == latest.c.scan_id)
        .where(User.consent_aggregates.is_(True), User.role == "shopper")
    )
    out = []
    for user, scan in rows:
        rec = person_record(scan.result or {}, region=user.region, sex=user.sex)
        # We store the age band, never the birth date; it is already a public category.
        rec["age_band"] = user.age_band if user.age_band in DIMENSIONS["age_band"] else "unknown"
        out.append(rec)
    return out


def _parse_query(
    args: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[list[str], float, dict[str, str]]:
    errors: dict[str, str] = {}
    dims = [d.strip() for d in str(args.get("dims", "length_bin,width")).split(",") if d.strip()]
    bad = [d for d in dims if d not in DIMENSIONS]
    if bad or not dims:
        errors["dims"] = f"unknown {bad}; choose 1 to {_MAX_DIMS} of {list(DIMENSIONS)}"
    elif len(dims) > _MAX_DIMS or len(set(dims)) != len(dims):
        errors["dims"] = f"choose 1 to {_MAX_DIMS} distinct dimensions"
    try:
        eps = float(args.get("epsilon", "0.25"))
        if not math.isfinite(eps) or not MIN_EPSILON <= eps <= float(
            config["PRIVACY_MAX_EPSILON_PER_QUERY"]
        ):
            raise ValueError
    except (TypeError, ValueError):
        errors["epsilon"] = (
            f"expected a number in [{MIN_EPSILON:g}, {config['PRIVACY_MAX_EPSILON_PER_QUERY']}]"
        )
        eps = 0.0
    filters: dict[str, str] = {}
    for key in FILTERS:
        val = args.get(key)
        if val:
            if val not in DIMENSIONS[key]:
                errors[key] = f"expected one of {list(DIMENSIONS[key])}"
            else:
                filters[key] = val
    unknown = set(args) - {"dims", "epsilon", "format", *FILTERS}
    for key in sorted(unknown):
        errors[key] = "unknown parameter"
    if errors:
        raise ValidationFailed("foot-stats query is invalid", errors)
    if set(filters) & set(dims):
        raise ValidationFailed("a dimension cannot be both grouped and filtered")
    return dims, eps, filters


def budget_status(
    session: DbSession,
    mfr: Manufacturer,
    now: datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Budgets (this quarter, this year, the population's year) and the ledger (releases and
    refusals, newest first)."""
    period = period_of(now or utcnow())
    rows = session.scalars(
        select(PrivacyRelease)
        .where(PrivacyRelease.manufacturer_id == mfr.id)
        .order_by(PrivacyRelease.id.desc())
        .limit(100)
    ).all()
    used = budget.spent(session, mfr, period)
    out: dict[str, Any] = {
        "manufacturer": mfr.name,
        "period": period,
        "epsilon_per_period": mfr.epsilon_per_period,
        "epsilon_spent": round(used["manufacturer_period"], 6),
        "epsilon_left": round(max(0.0, mfr.epsilon_per_period - used["manufacturer_period"]), 6),
        "spent": {k: round(v, 6) for k, v in used.items()},
    }
    if config is not None:
        limits = budget.BudgetLimits.from_config(config)
        caps = {
            "manufacturer_period": mfr.epsilon_per_period,
            "manufacturer_year": limits.manufacturer_per_year,
            "population_year": limits.population_per_year,
        }
        out["caps"] = caps
        out["left"] = {k: round(max(0.0, caps[k] - used[k]), 6) for k in caps}
    out["releases"] = [
        {
            "id": r.id,
            "period": r.period,
            "epsilon": r.epsilon,
            "query": {k: v for k, v in (r.query or {}).items() if k != "result"},
            "n_cells": r.n_cells,
            "n_suppressed": r.n_suppressed,
            "created_at": as_utc(r.created_at).isoformat(),
        }
        for r in rows
    ]
    return out


def _cells(released: Any, dims: list[str]) -> list[dict[str, Any]]:
    """Normalise the privacy module's output to ``[{dim: value, ..., count, suppressed}]``."""
    if hasattr(released, "to_dict"):
        released = released.to_dict()
    cells = released.get("cells", released) if isinstance(released, Mapping) else released
    out = []
    for c in cells:
        c = c.to_dict() if hasattr(c, "to_dict") else dict(c)
        if "key" in c and isinstance(c["key"], list | tuple):
            c.update(dict(zip(dims, c.pop("key"))))
        out.append(c)
    return out


def _engine_cells(
    session: DbSession,
    config: Mapping[str, Any],
    instance_path: str,
    dims: list[str],
    filters: dict[str, str],
) -> dict[tuple[int, ...], int]:
    """Exact people per cell from the aggregation engine (SQL over the measurements table)."""
    from storefront.makers.engine import cells_sql
    from storefront.makers.releases import engine_for

    eng = engine_for(session, config, instance_path)
    rows = eng.rows(cells_sql(dims, DIMENSIONS, filters))
    return {tuple(int(v) for v in r[:-1]): int(r[-1]) for r in rows}


def release(
    session: DbSession,
    mfr: Manufacturer,
    args: Mapping[str, Any],
    config: Mapping[str, Any],
    instance_path: str | None = None,
) -> dict[str, Any]:
    """Charge the budgets and release DP counts (issue 14: no exact count ever leaves).

    Only data-independent checks refuse before the data are read (a malformed query, a table
    of more than ``MAX_CELLS`` cells, no budget left: logged, nothing spent). Every query that
    reads the data is charged and logged; when every cell falls under the floor after noise,
    the answer is a :class:`QueryTooNarrow` refusal without any count in it.
    """
    dims, eps, filters = _parse_query(args, config)
    min_cell = int(config["PRIVACY_MIN_CELL"])
    check_query(int(math.prod(len(DIMENSIONS[d]) for d in dims)))
    limits = budget.BudgetLimits.from_config(config)
    query = {"dims": dims, "epsilon": eps, "filters": filters}
    now = utcnow()
    charge = budget.check_and_charge(session, mfr, eps, now, limits, query)
    if instance_path is not None:  # the engine: SQL over the columnar table (issue 14)
        cells_exact = _engine_cells(session, config, instance_path, dims, filters)
        released = release_counts_from_cells(cells_exact, dims, eps, min_cell=min_cell)
    else:  # no instance folder for the export: one record per person, in Python
        records = [
            r for r in consenting_records(session) if all(r[k] == v for k, v in filters.items())
        ]
        released = release_counts(records, dims, eps, min_cell=min_cell)
    cells = _cells(released, dims)
    n_supp = sum(1 for c in cells if c.get("suppressed"))
    row: PrivacyRelease = charge["row"]
    row.n_cells = len(cells)
    row.n_suppressed = n_supp
    answered = n_supp < len(cells)
    if not answered:
        row.query = {**row.query, "outcome": "refused", "reason": "every cell under the floor"}
    session.commit()
    if not answered:
        raise QueryTooNarrow(
            "nothing could be released: after noise every cell of this table fell under the "
            "publication floor. Widen or drop a filter, use fewer dimensions or more epsilon. "
            "This refusal read the data, so it was charged and logged like a release."
        )
    return {
        "manufacturer": mfr.name,
        "period": charge["period"],
        "query": query,
        "method": {
            "mechanism": "Laplace noise on counts (OpenDP), clamped at 0 and rounded, then cells under the floor suppressed",
            "epsilon": eps,
            "delta": 0.0,
            "noise_scale": 1.0 / eps,
            "min_cell": min_cell,
            "privacy_unit": "one person (latest scan), consenting shoppers only",
            "bins": {d: list(DIMENSIONS[d]) for d in dims},
        },
        "cells": cells,
        "budget": {
            "epsilon_per_period": mfr.epsilon_per_period,
            "epsilon_spent": charge["spent"]["manufacturer_period"],
            "epsilon_left": charge["left"]["manufacturer_period"],
            "spent": charge["spent"],
            "left": charge["left"],
            "caps": charge["caps"],
        },
    }


def to_csv(out: Mapping[str, Any]) -> str:
    """The released cells as CSV (suppressed cells have an empty count)."""
    dims = list(out["query"]["dims"])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*dims, "count", "suppressed"])
    for c in out["cells"]:
        supp = bool(c.get("suppressed"))
        w.writerow(
            [
                *(c.get(d, "") for d in dims),
                "" if supp else c.get("count"),
                "true" if supp else "false",
            ]
        )
    return buf.getvalue()


def create_manufacturer(
    session: DbSession, name: str, epsilon_per_period: float = 1.0
) -> Manufacturer:
    """Create a manufacturer and its service account (email ``mfr-<id>@manufacturers.invalid``)."""
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise ValidationFailed("manufacturer name must be 1 to 120 characters")
    if session.scalar(select(Manufacturer.id).where(Manufacturer.name == name)) is not None:
        raise Conflict(f"manufacturer {name!r} already exists", code="name_taken")
    try:
        epsilon_per_period = budget.validate_budget("epsilon per period", epsilon_per_period)
    except DomainError as exc:
        raise ValidationFailed(str(exc)) from None
    mfr = Manufacturer(name=name, epsilon_per_period=epsilon_per_period)
    session.add(mfr)
    session.flush()
    session.add(
        User(
            email=f"mfr-{mfr.id}@manufacturers.invalid",
            role="manufacturer",
            display_name=name,
            manufacturer_id=mfr.id,
        )
    )
    session.flush()
    return mfr
