"""One privacy budget per person: per manufacturer and quarter, per manufacturer and year, and
for the whole population (all manufacturers together) per calendar year.

Every release (counts or shape statistics) may touch every consenting person, so by basic
composition of pure DP a person's total privacy loss in a calendar year is at most the sum of
the epsilons of all releases of that year, to every manufacturer together. The population cap
bounds exactly that sum: **each person's data are used with epsilon <= the population annual
budget per calendar year, delta = 0**, whatever the number of manufacturers.

The ledger is the ``privacy_release`` table. Charging takes a lock that serialises every
charge (a transaction-scoped advisory lock on PostgreSQL; the database write lock on SQLite)
and reads the sums and writes the new row in the same transaction, so two manufacturers
releasing at once cannot both spend the last of the population budget. Refusals are logged
(with what they cost: 0 when refused before touching any data).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update

from storefront.db.models import Manufacturer, PrivacyRelease
from storefront.domain_errors import DomainError, PrivacyBudgetExceeded
from storefront.extensions import DbSession

__all__ = [
    "MAX_BUDGET_EPSILON",
    "BudgetLimits",
    "validate_budget",
    "period_of",
    "lock_ledger",
    "spent",
    "check_and_charge",
    "log_refusal",
]

#: Largest budget accepted anywhere (per query, quarter or year): beyond it DP means little.
MAX_BUDGET_EPSILON = 10.0
_ADVISORY_KEY = 1_400_014  # the ledger's PostgreSQL advisory lock (issue 14)


def validate_budget(name: str, value: Any, hi: float = MAX_BUDGET_EPSILON) -> float:
    """A budget value as float, or a :class:`DomainError` naming the setting.

    Accepts finite numbers in ``(0, hi]`` (strings are parsed); refuses ``1e9``, ``-5``,
    ``0``, NaN, infinities and booleans.
    """
    if isinstance(value, bool):
        raise DomainError(f"{name} must be a number in (0, {hi:g}], got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be a number in (0, {hi:g}], got {value!r}") from None
    if not math.isfinite(v) or not 0.0 < v <= hi:
        raise DomainError(f"{name} must be a number in (0, {hi:g}], got {value!r}")
    return v


@dataclass(frozen=True)
class BudgetLimits:
    """Epsilon caps: per manufacturer and quarter (the manufacturer's own setting), per
    manufacturer and year, and for the population (all manufacturers) per year."""

    manufacturer_per_year: float
    population_per_year: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BudgetLimits:
        """Annual caps from the app config (``PRIVACY_*_EPSILON_PER_YEAR``).

        Raises
        ------
        ValueError
            A cap is not a finite positive number.
        """
        mfr = validate_budget(
            "PRIVACY_MANUFACTURER_EPSILON_PER_YEAR",
            config.get("PRIVACY_MANUFACTURER_EPSILON_PER_YEAR", 2.0),
        )
        pop = validate_budget(
            "PRIVACY_POPULATION_EPSILON_PER_YEAR",
            config.get("PRIVACY_POPULATION_EPSILON_PER_YEAR", 4.0),
        )
        if mfr > pop:
            raise DomainError(
                "PRIVACY_MANUFACTURER_EPSILON_PER_YEAR cannot exceed "
                "PRIVACY_POPULATION_EPSILON_PER_YEAR"
            )
        return cls(manufacturer_per_year=mfr, population_per_year=pop)


def period_of(ts: datetime) -> str:
    """Budget period of a timestamp: the calendar quarter, e.g. ``2026Q4``."""
    return f"{ts.year}Q{(ts.month - 1) // 3 + 1}"


def lock_ledger(session: DbSession, mfr: Manufacturer) -> None:
    """Serialise every charge until the end of the transaction (all manufacturers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    else:  # SQLite: a write takes the database's write lock (one writer at a time)
        session.execute(
            update(Manufacturer)
            .where(Manufacturer.id == mfr.id)
            .values(epsilon_per_period=Manufacturer.epsilon_per_period)
            .execution_options(synchronize_session=False)
        )


def spent(session: DbSession, mfr: Manufacturer, period: str) -> dict[str, float]:
    """Epsilon already spent: this manufacturer this quarter and this year; everyone this year."""
    year = period[:4]
    total = func.coalesce(func.sum(PrivacyRelease.epsilon), 0.0)
    in_year = PrivacyRelease.period.like(f"{year}Q%")
    mine = PrivacyRelease.manufacturer_id == mfr.id
    return {
        "manufacturer_period": float(
            session.scalar(select(total).where(mine, PrivacyRelease.period == period)) or 0.0
        ),
        "manufacturer_year": float(session.scalar(select(total).where(mine, in_year)) or 0.0),
        "population_year": float(session.scalar(select(total).where(in_year)) or 0.0),
    }


def _left(mfr: Manufacturer, used: Mapping[str, float], limits: BudgetLimits) -> dict[str, float]:
    return {
        "manufacturer_period": max(0.0, mfr.epsilon_per_period - used["manufacturer_period"]),
        "manufacturer_year": max(0.0, limits.manufacturer_per_year - used["manufacturer_year"]),
        "population_year": max(0.0, limits.population_per_year - used["population_year"]),
    }


def log_refusal(
    session: DbSession,
    mfr: Manufacturer,
    period: str,
    now: datetime,
    query: Mapping[str, Any],
    reason: str,
    epsilon: float = 0.0,
) -> None:
    """Log a refused query (and what it cost) and commit."""
    session.add(
        PrivacyRelease(
            manufacturer_id=mfr.id,
            period=period,
            epsilon=float(epsilon),
            query={**dict(query), "outcome": "refused", "reason": reason},
            n_cells=0,
            n_suppressed=0,
            created_at=now,
        )
    )
    session.commit()


def check_and_charge(
    session: DbSession,
    mfr: Manufacturer,
    epsilon: float,
    now: datetime,
    limits: BudgetLimits,
    query: Mapping[str, Any],
) -> dict[str, Any]:
    """Lock the ledger, refuse over any cap (logged, nothing spent), else record the charge.

    The caller runs the release in the same transaction and commits (or rolls back, which
    also undoes the charge, when the release fails before anything left the service).

    Returns
    -------
    dict
        The budget after this charge (``spent``/``left`` per cap, the period, the caps).

    Raises
    ------
    PrivacyBudgetExceeded
        After logging the refusal (committed).
    """
    eps = validate_budget("epsilon", epsilon)
    period = period_of(now)
    lock_ledger(session, mfr)
    used = spent(session, mfr, period)
    left = _left(mfr, used, limits)
    names = {
        "manufacturer_period": f"this manufacturer's budget for {period}",
        "manufacturer_year": f"this manufacturer's budget for {period[:4]}",
        "population_year": f"the population-wide budget for {period[:4]} (all manufacturers)",
    }
    for key, label in names.items():
        if eps > left[key] + 1e-9:
            msg = f"this release needs epsilon {eps:g} but only {left[key]:g} is left of {label}"
            log_refusal(session, mfr, period, now, query, msg)
            raise PrivacyBudgetExceeded(msg)
    row = PrivacyRelease(
        manufacturer_id=mfr.id,
        period=period,
        epsilon=eps,
        query={**dict(query), "outcome": "released"},
        n_cells=0,
        n_suppressed=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    after = {k: used[k] + eps for k in used}
    return {
        "row": row,
        "period": period,
        "epsilon": eps,
        "caps": {
            "manufacturer_period": mfr.epsilon_per_period,
            "manufacturer_year": limits.manufacturer_per_year,
            "population_year": limits.population_per_year,
        },
        "spent": {k: round(v, 6) for k, v in after.items()},
        "left": {k: round(v, 6) for k, v in _left(mfr, after, limits).items()},
    }
