"""Care-manager services (no Flask): links with consent, indicators, alerts, access log.

A care manager sees a wearer only while an accepted, unrevoked :class:`CareLink` joins them and
the wearer's insole (health) consent stands; every read of a wearer's care data writes a
:class:`CareAccess` row in the same transaction. What a care manager reads is the wearer's
display name, their gait indicators (from :func:`gait.care.indicators_for`), wear time and
alerts: never scans, orders, address, e-mail or the raw recordings.

Alerts are computed by the ``care_alerts`` job after each analysed gait session
(:func:`compute_alerts`): every indicator that :mod:`gait.care` flags ``watch`` or ``act`` for
that session (a published threshold crossed, or a change for the worse against the wearer's
own baseline beyond the smallest meaningful change) becomes one row with its reason and source.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storefront.care.links import (
    CARE_ROLE,
    CODE_TTL_H,
    accept_link,
    access_log_for,
    age_for_band,
    create_care_manager,
    create_invitation,
    invitations_of,
    iso_time,
    linked_wearer,
    linked_wearers,
    links_of_wearer,
    log_access,
    revoke_link,
)
from storefront.db.models import (
    CareAlert,
    CareLink,
    GaitSession,
    User,
    as_utc,
    utcnow,
)
from storefront.domain_errors import ValidationFailed
from storefront.extensions import DbSession

__all__ = [
    "CARE_ROLE",
    "CODE_TTL_H",
    "REPORT_TZ",
    "WearerView",
    "accept_link",
    "access_log_for",
    "age_for_band",
    "compute_alerts",
    "create_care_manager",
    "create_invitation",
    "invitations_of",
    "links_of_wearer",
    "linked_wearer",
    "log_access",
    "revoke_link",
    "wearer_report",
    "wearer_view",
    "wearers_of",
]

#: Time zone of the weekly report's calendar days.
REPORT_TZ = ZoneInfo("Asia/Seoul")
#: Most baseline sessions read for one wearer's indicators (the first ones).
_MAX_BASELINE = 60
_LEVEL_RANK = {"none": 0, "watch": 1, "act": 2}


@dataclass(frozen=True)
class WearerView:
    """What a care manager may see of one wearer.

    Attributes
    ----------
    wearer_id : int
        The wearer's account id (needed for the links).
    name : str
        The wearer's display name.
    data : dict
        JSON: sessions, wear time, indicators, alerts (see :func:`wearer_view`).
    """

    wearer_id: int
    name: str
    data: dict[str, Any]


@dataclass(frozen=True)
class _SessionData:
    """The parts of an analysed session the care view reads (not its strides or pressure).

    Attributes
    ----------
    id : int
        Gait session id.
    created_at : datetime
        When it was uploaded (UTC).
    report : dict
        ``{"summary": ..., "daily": ...}`` of the stored gait report.
    """

    id: int
    created_at: datetime
    report: dict[str, Any]


def _slim(*where: Any) -> Any:
    """Select only the report's ``summary`` and ``daily`` (JSON paths in the database)."""
    return select(
        GaitSession.id,
        GaitSession.created_at,
        GaitSession.report["summary"],
        GaitSession.report["daily"],
    ).where(GaitSession.status == "done", *where)


def _rows(session: DbSession, q: Any) -> list[_SessionData]:
    return [
        _SessionData(i, as_utc(at), {"summary": summary or {}, "daily": daily or {}})
        for i, at, summary, daily in session.execute(q)
    ]


def _done_sessions(
    session: DbSession, wearer_id: int, since: datetime, until: datetime | None = None
) -> list[_SessionData]:
    """The wearer's analysed sessions recorded in ``[since, until)``, oldest first."""
    q = _slim(GaitSession.user_id == wearer_id, GaitSession.created_at >= since)
    if until is not None:
        q = q.where(GaitSession.created_at < until)
    return _rows(session, q.order_by(GaitSession.created_at, GaitSession.id))


def _indicator_sessions(
    session: DbSession,
    wearer_id: int,
    up_to_id: int | None = None,
    before: datetime | None = None,
) -> list[_SessionData]:
    """The sessions gait's indicators depend on: the baseline ones and the latest, oldest first.

    :func:`gait.care.indicators_for` reads only the latest session and the baseline (sessions
    within ``BASELINE_DAYS`` of the first one), so only those are read, at most
    :data:`_MAX_BASELINE` baseline sessions, and of each only the report's summary and daily
    parts: a list of many wearers with months of sessions stays cheap.
    """
    from gait.care import BASELINE_DAYS

    q = select(GaitSession.id, GaitSession.created_at).where(
        GaitSession.user_id == wearer_id, GaitSession.status == "done"
    )
    if up_to_id is not None:
        q = q.where(GaitSession.id <= up_to_id)
    if before is not None:
        q = q.where(GaitSession.created_at < before)
    rows = session.execute(q.order_by(GaitSession.created_at, GaitSession.id)).all()
    if not rows:
        return []
    horizon = as_utc(rows[0][1]) + timedelta(days=BASELINE_DAYS)
    ids = [i for i, at in rows[:-1] if as_utc(at) <= horizon][:_MAX_BASELINE] + [rows[-1][0]]
    found = {d.id: d for d in _rows(session, _slim(GaitSession.id.in_(ids)))}
    return [found[i] for i in ids]


def _indicators(sessions: Sequence[_SessionData], age_years: float | None) -> list[Any]:
    from gait.care import indicators_for

    reports = [gs.report or {} for gs in sessions]
    dates = [as_utc(gs.created_at) for gs in sessions]
    for i in range(1, len(dates)):  # equal or clock-skewed timestamps: keep the order
        if dates[i] < dates[i - 1]:
            dates[i] = dates[i - 1]
    return list(indicators_for(reports, age_years=age_years, dates=dates))


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _indicator_dict(ind: Any) -> dict[str, Any]:
    return {
        "name": ind.name,
        "label": ind.label,
        "unit": ind.unit,
        "value": _num(ind.value),
        "reference_low": _num(ind.reference_low),
        "reference_high": _num(ind.reference_high),
        "reference_source": ind.reference_source,
        "baseline": _num(ind.baseline),
        "baseline_n": ind.baseline_n,
        "change": _num(ind.change),
        "smallest_change": _num(ind.smallest_change),
        "trend": ind.trend,
        "flag": ind.flag,
        "reason": ind.reason,
        "adjusted_for": list(ind.adjusted_for),
    }


def _wear_s(gs: _SessionData) -> float | None:
    return _num(((gs.report or {}).get("daily") or {}).get("wear_s"))


def _alert_dict(a: CareAlert) -> dict[str, Any]:
    return {
        "id": a.id,
        "session_id": a.session_id,
        "level": a.level,
        "indicator": a.indicator,
        "label": a.label,
        "value": a.value,
        "unit": a.unit,
        "reason": a.reason,
        "source": a.source,
        "created_at": iso_time(a.created_at),
    }


def _alerts(session: DbSession, wearer_id: int, **where: Any) -> list[CareAlert]:
    q = select(CareAlert).where(CareAlert.wearer_id == wearer_id)
    if "session_id" in where:
        q = q.where(CareAlert.session_id == where["session_id"])
    if "since" in where:
        q = q.where(CareAlert.created_at >= where["since"], CareAlert.created_at < where["until"])
    rows = list(session.scalars(q.order_by(CareAlert.id)))
    rows.sort(key=lambda a: -_LEVEL_RANK.get(a.level, 0))
    return rows


def _summary(session: DbSession, wearer: User, now: datetime) -> dict[str, Any]:
    from sqlalchemy import func

    done = (GaitSession.user_id == wearer.id, GaitSession.status == "done")
    n_sessions = session.scalar(select(func.count(GaitSession.id)).where(*done)) or 0
    recent = _done_sessions(session, wearer.id, now - timedelta(days=7))
    wear = [w for gs in recent if (w := _wear_s(gs)) is not None]
    out: dict[str, Any] = {
        "n_sessions": int(n_sessions),
        "last_session_at": None,
        "sessions_7d": len(recent),
        "wear_h_7d": round(sum(wear) / 3600.0, 2) if wear else 0.0,
        "latest_wear_h": None,
        "indicators": [],
        "alerts": [],
        "level": "none",
    }
    sessions = _indicator_sessions(session, wearer.id)
    if not sessions:
        return out
    latest = sessions[-1]
    out["last_session_at"] = iso_time(latest.created_at)
    lw = _wear_s(latest)
    out["latest_wear_h"] = round(lw / 3600.0, 2) if lw is not None else None
    out["indicators"] = [
        _indicator_dict(i) for i in _indicators(sessions, age_for_band(wearer.age_band))
    ]
    alerts = _alerts(session, wearer.id, session_id=latest.id)
    out["alerts"] = [_alert_dict(a) for a in alerts]
    out["level"] = alerts[0].level if alerts else "none"
    return out


def wearer_view(session: DbSession, manager: User, wearer: User, action: str) -> WearerView:
    """One linked wearer's care view; logs the access (``action``) in the caller's transaction."""
    data = _summary(session, wearer, utcnow())
    log_access(session, manager, wearer, action)
    return WearerView(wearer.id, wearer.display_name, data)


def wearers_of(session: DbSession, manager: User) -> list[dict[str, Any]]:
    """Every wearer linked to ``manager``: name, wear time, indicators, alerts (each logged)."""
    now = utcnow()
    out = []
    for wearer, link in linked_wearers(session, manager):
        data = _summary(session, wearer, now)
        log_access(session, manager, wearer, "list")
        out.append({"id": wearer.id, "name": wearer.display_name,
                    "linked_at": iso_time(link.accepted_at), **data})  # fmt: skip
    order = {"act": 0, "watch": 1, "none": 2}
    out.sort(key=lambda w: (order.get(w["level"], 3), w["name"].lower()))
    return out


def _parse_week_end(end: Any) -> date | None:
    if end in (None, ""):
        return None
    if not isinstance(end, str):
        raise ValidationFailed("end must be a date", {"end": "expected YYYY-MM-DD"})
    try:
        return date.fromisoformat(end)
    except ValueError:
        raise ValidationFailed("end must be a date", {"end": "expected YYYY-MM-DD"}) from None


def wearer_report(
    session: DbSession, manager: User, wearer: User, end: Any = None
) -> dict[str, Any]:
    """The printable weekly report: the 7 days ending on ``end`` (YYYY-MM-DD, inclusive).

    Days are calendar days in :data:`REPORT_TZ` (Asia/Seoul, where the care managers work);
    without ``end`` the week ends today.

    Sessions, wear time, indicators as of the last session of the week (against the
    population and the wearer's baseline) and every alert raised in the week. Logged.
    """
    end_day = _parse_week_end(end) or utcnow().astimezone(REPORT_TZ).date()
    until = datetime(end_day.year, end_day.month, end_day.day, tzinfo=REPORT_TZ) + timedelta(days=1)
    since = until - timedelta(days=7)
    week = _done_sessions(session, wearer.id, since, until)
    upto = _indicator_sessions(session, wearer.id, before=until) if week else []
    wear = [w for gs in week if (w := _wear_s(gs)) is not None]
    steps = [_num(((gs.report or {}).get("daily") or {}).get("steps")) for gs in week]
    indicators = (
        [_indicator_dict(i) for i in _indicators(upto, age_for_band(wearer.age_band))]
        if upto
        else []
    )
    alerts = _alerts(session, wearer.id, since=since, until=until)
    log_access(session, manager, wearer, "report")
    return {
        "wearer": {"id": wearer.id, "name": wearer.display_name, "age_band": wearer.age_band},
        "care_manager": manager.display_name,
        "from": since.date().isoformat(),
        "to": end_day.isoformat(),
        "generated_at": iso_time(utcnow()),
        "sessions": [
            {
                "id": gs.id,
                "at": iso_time(gs.created_at),
                "wear_h": _round_h(_wear_s(gs)),
                "n_strides": ((gs.report or {}).get("summary") or {}).get("n_strides"),
            }
            for gs in week
        ],  # fmt: skip
        "wear_h": round(sum(wear) / 3600.0, 2) if wear else 0.0,
        "steps": int(sum(s for s in steps if s is not None)),
        "indicators": indicators,
        "alerts": [_alert_dict(a) for a in alerts],
        "note": (
            "Screening indicators from smart insoles, not a diagnosis. A flag names its "
            "published source; a change is reported only beyond the indicator's smallest "
            "meaningful change."
        ),
    }


def _round_h(seconds: float | None) -> float | None:
    return round(seconds / 3600.0, 2) if seconds is not None else None


# --------------------------------------------------------------------------- alerts (job)


def compute_alerts(session: DbSession, session_id: int) -> list[CareAlert]:
    """Alerts of one analysed gait session (the ``care_alerts`` job); flushed, not committed.

    Only for wearers with an active care link and the insole consent. The indicators are
    computed over the wearer's sessions up to and including this one, so a late job gives the
    same answer as a prompt one; running it twice replaces its rows (idempotent).
    """
    gs = session.get(GaitSession, session_id)
    if gs is None or gs.status != "done":
        return []
    wearer = session.get(User, gs.user_id)
    if wearer is None or not wearer.consent_gait_health or not _has_active_link(session, wearer):
        return []
    sessions = _indicator_sessions(session, wearer.id, up_to_id=gs.id)
    if not sessions or sessions[-1].id != gs.id:
        return []
    for old in session.scalars(select(CareAlert).where(CareAlert.session_id == gs.id)):
        session.delete(old)
    session.flush()
    new = []
    for ind in _indicators(sessions, age_for_band(wearer.age_band)):
        if ind.flag not in ("watch", "act"):
            continue
        source = ind.flag_source if ind.population_flag in ("watch", "act") else ""
        if ind.trend == "worse":
            source = "; ".join(s for s in (source, ind.change_source) if s)
        alert = CareAlert(
            wearer_id=wearer.id,
            session_id=gs.id,
            level=ind.flag,
            indicator=ind.name,
            label=ind.label,
            value=_num(ind.value),
            unit=ind.unit,
            reason=ind.reason,
            source=source or ind.reference_source,
        )
        session.add(alert)
        new.append(alert)
    session.flush()
    return new


def _has_active_link(session: DbSession, wearer: User) -> bool:
    return (
        session.scalar(
            select(CareLink.id).where(
                CareLink.wearer_id == wearer.id,
                CareLink.accepted_at.is_not(None),
                CareLink.revoked_at.is_(None),
            )
        )
        is not None
    )


def latest_session_id(session: DbSession, wearer: User) -> int | None:
    """The wearer's newest analysed session (alerts are computed for it when a link starts)."""
    return session.scalar(
        select(GaitSession.id)
        .where(GaitSession.user_id == wearer.id, GaitSession.status == "done")
        .order_by(GaitSession.created_at.desc(), GaitSession.id.desc())
        .limit(1)
    )


def alerts_job(
    get_session: Callable[[], DbSession],
) -> Callable[[int, Callable[[float, str], None]], None]:
    """The ``care_alerts`` job handler bound to a session factory (the app's ``db.session``)."""

    def run(session_id: int, progress: Callable[[float, str], None]) -> None:
        progress(0.1, "computing care alerts")
        session = get_session()
        compute_alerts(session, session_id)
        session.commit()

    return run
