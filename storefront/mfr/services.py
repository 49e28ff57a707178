"""Manufacturer releases (no Flask): one record per consenting person, DP counts, budget ledger.

Records are built from each consenting shopper's latest measured scan (one person, one record),
binned into public, pre-declared bins; the noisy, suppressed counts come from
:func:`storefront.privacy.release_counts`; the epsilon spent is written to ``privacy_release``
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

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storefront.domain_errors import PrivacyBudgetExceeded, QueryTooNarrow
from storefront.exceptions import ApiError
from storefront.models import Manufacturer, PrivacyRelease, Scan, User, as_utc, utcnow

__all__ = [
    "DIMENSIONS",
    "FILTERS",
    "budget_status",
    "consenting_records",
    "period_of",
    "release",
    "to_csv",
]

#: Length bins (5 mm, Mondopoint-style), fixed in advance: never derived from the data.
LENGTH_BINS_MM: tuple[int, ...] = tuple(range(100, 330, 5))
#: Ball girth bands (10 mm).
GIRTH_BINS_MM: tuple[int, ...] = tuple(range(150, 300, 10))
#: Arch height bands (mm of navicular-region arch height).
ARCH_BANDS: tuple[tuple[str, float, float], ...] = (
    ("low", 0.0, 12.0),
    ("medium", 12.0, 20.0),
    ("high", 20.0, 1e9),
)
#: Released dimensions and their public category lists.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "length_bin": tuple(f"{b}-{b + 5}" for b in LENGTH_BINS_MM),
    # JIS S 5037 / KS ball-girth width letters, as footscan reports them.
    "width": ("A", "B", "C", "D", "E", "EE", "EEE", "EEEE", "F", "G", "unknown"),
    "girth_band": tuple(f"{b}-{b + 10}" for b in GIRTH_BINS_MM),
    "arch_band": tuple(b[0] for b in ARCH_BANDS) + ("unknown",),
    "region": (
        "EU-north",
        "EU-south",
        "EU-east",
        "EU-west",
        "UK",
        "KR",
        "JP",
        "US",
        "other",
        "unknown",
    ),
    "age_band": ("<18", "18-29", "30-44", "45-59", "60-74", "75+", "unknown"),
    "sex": ("female", "male", "other", "unknown"),
}
#: Dimensions that may also be used as a filter (a whole sub-population).
FILTERS = ("region", "age_band", "sex")
_MAX_DIMS = 3


def period_of(ts: datetime) -> str:
    """Budget period of a timestamp: the calendar quarter, e.g. ``2026Q4``."""
    return f"{ts.year}Q{(ts.month - 1) // 3 + 1}"


def _bin(value: Any, edges: tuple[int, ...], step: int) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "unknown"
    for b in edges:
        if b <= value < b + step:
            return f"{b}-{b + step}"
    return "unknown"


def _width(result: Mapping[str, Any]) -> str:
    sizes = result.get("sizes") or {}
    w = sizes.get("width_fitting") if isinstance(sizes, Mapping) else None
    if not isinstance(w, str):
        return "unknown"
    w = w.strip().upper()
    return w if w in DIMENSIONS["width"] else "unknown"


def _arch(value: Any) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "unknown"
    return next(name for name, lo, hi in ARCH_BANDS if lo <= value < hi)


def consenting_records(session: Session) -> list[dict[str, str]]:
    """One record per consenting shopper: binned values of their latest measured scan."""
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
        res = scan.result or {}
        out.append(
            {
                "length_bin": _bin(res.get("foot_length_mm"), LENGTH_BINS_MM, 5),
                "width": _width(res),
                "girth_band": _bin(res.get("ball_girth_mm"), GIRTH_BINS_MM, 10),
                "arch_band": _arch(res.get("arch_height_mm")),
                "region": user.region or "unknown",
                "age_band": user.age_band or "unknown",
                "sex": user.sex or "unknown",
            }
        )
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
        if not math.isfinite(eps) or not 0.0 < eps <= float(
            config["PRIVACY_MAX_EPSILON_PER_QUERY"]
        ):
            raise ValueError
    except (TypeError, ValueError):
        errors["epsilon"] = f"expected a number in (0, {config['PRIVACY_MAX_EPSILON_PER_QUERY']}]"
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
        raise ApiError(422, "validation_failed", "foot-stats query is invalid", errors)
    if set(filters) & set(dims):
        raise ApiError(422, "validation_failed", "a dimension cannot be both grouped and filtered")
    return dims, eps, filters


def _lock_and_spent(session: Session, mfr: Manufacturer, period: str) -> float:
    # A no-op UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before we read
    # the ledger, so concurrent releases for one manufacturer are serialised.
    session.execute(
        update(Manufacturer)
        .where(Manufacturer.id == mfr.id)
        .values(epsilon_per_period=Manufacturer.epsilon_per_period)
        .execution_options(synchronize_session=False)
    )
    spent = session.scalar(
        select(func.coalesce(func.sum(PrivacyRelease.epsilon), 0.0)).where(
            PrivacyRelease.manufacturer_id == mfr.id, PrivacyRelease.period == period
        )
    )
    return float(spent or 0.0)


def budget_status(
    session: Session, mfr: Manufacturer, now: datetime | None = None
) -> dict[str, Any]:
    """Budget for the current period and the release log."""
    period = period_of(now or utcnow())
    rows = session.scalars(
        select(PrivacyRelease)
        .where(PrivacyRelease.manufacturer_id == mfr.id)
        .order_by(PrivacyRelease.id.desc())
        .limit(100)
    ).all()
    spent = sum(r.epsilon for r in rows if r.period == period)
    return {
        "manufacturer": mfr.name,
        "period": period,
        "epsilon_per_period": mfr.epsilon_per_period,
        "epsilon_spent": round(spent, 6),
        "epsilon_left": round(max(0.0, mfr.epsilon_per_period - spent), 6),
        "releases": [
            {
                "id": r.id,
                "period": r.period,
                "epsilon": r.epsilon,
                "query": r.query,
                "n_cells": r.n_cells,
                "n_suppressed": r.n_suppressed,
                "created_at": as_utc(r.created_at).isoformat(),
            }
            for r in rows
        ],
    }


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


def release(
    session: Session, mfr: Manufacturer, args: Mapping[str, Any], config: Mapping[str, Any]
) -> dict[str, Any]:
    """Spend budget and release DP counts; refuses narrow queries and exhausted budgets (nothing logged then)."""
    from storefront.privacy import release_counts

    dims, eps, filters = _parse_query(args, config)
    min_cell = int(config["PRIVACY_MIN_CELL"])
    records = [r for r in consenting_records(session) if all(r[k] == v for k, v in filters.items())]
    if filters and len(records) < min_cell:
        session.rollback()
        raise QueryTooNarrow(
            f"the filter {filters} selects too few people to release anything (fewer than {min_cell}); widen it"
        )
    now = utcnow()
    period = period_of(now)
    spent = _lock_and_spent(session, mfr, period)
    if spent + eps > mfr.epsilon_per_period + 1e-9:
        session.rollback()
        raise PrivacyBudgetExceeded(
            f"this release needs epsilon {eps:g} but only {max(0.0, mfr.epsilon_per_period - spent):g} "
            f"of {mfr.epsilon_per_period:g} is left for {period}"
        )
    categories = {d: DIMENSIONS[d] for d in dims}
    released = release_counts(records, dims, eps, min_cell=min_cell, categories=categories)
    cells = _cells(released, dims)
    n_supp = sum(1 for c in cells if c.get("suppressed"))
    query = {"dims": dims, "epsilon": eps, "filters": filters}
    session.add(
        PrivacyRelease(
            manufacturer_id=mfr.id,
            period=period,
            epsilon=eps,
            query=query,
            n_cells=len(cells),
            n_suppressed=n_supp,
            created_at=now,
        )
    )
    session.commit()
    return {
        "manufacturer": mfr.name,
        "period": period,
        "query": query,
        "method": {
            "mechanism": "Laplace noise on counts (OpenDP), clamped at 0 and rounded, then cells under the floor suppressed",
            "epsilon": eps,
            "delta": 0.0,
            "min_cell": min_cell,
            "privacy_unit": "one person (latest scan), consenting shoppers only",
            "bins": {d: list(DIMENSIONS[d]) for d in dims},
        },
        "cells": cells,
        "budget": {
            "epsilon_per_period": mfr.epsilon_per_period,
            "epsilon_spent": round(spent + eps, 6),
            "epsilon_left": round(max(0.0, mfr.epsilon_per_period - spent - eps), 6),
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
