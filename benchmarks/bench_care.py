"""Benchmark: a care manager's list and one weekly report, many wearers with months of sessions.

No target in issue 9; this records what the dashboard costs. Run::

    .venv/bin/python benchmarks/bench_care.py [--wearers 30] [--days 120] [--repeats 5]

Each wearer gets one analysed session per day for ``days`` days (real gait reports of
simulated walks, about 30 kB of JSON each, stored as the upload job stores them) and an
active, consented link to the care manager. The timed calls are the API's own
(``GET /api/care/wearers``, ``GET /api/care/wearers/<id>/report``) through the Flask test
client on a SQLite file; the first call warms caches and is reported separately.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _reports() -> list[dict]:
    from gait import analyze, synthesize

    return [
        analyze(synthesize([("standing", 5.0), ("walking", 90.0)], seed=s, stride_cv=cv)).to_dict()
        for s, cv in ((1, 0.02), (2, 0.025), (3, 0.03), (4, 0.02))
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wearers", type=int, default=30)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    from storefront import create_app
    from storefront.care import services
    from storefront.db.models import CareLink, GaitSession, User, utcnow
    from storefront.db.setup import upgrade_db
    from storefront.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="bench-care-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'care.db'}",
            "UPLOAD_DIR": str(tmp / "uploads"),
            "AUTO_INIT": False,
            "SEED_DEMO": False,
            "RATELIMIT_ENABLED": False,
            "JOB_BACKEND": "inline",
            "JOB_SWEEP_INTERVAL_S": 0,
        }
    )
    reports = _reports()
    with app.app_context():
        upgrade_db()
        mgr = services.create_care_manager(
            db.session, "Bench Care", "bench@care.invalid", "bench care pass 42"
        )
        start = utcnow() - timedelta(days=args.days)
        for w in range(args.wearers):
            u = User(email=f"w{w}@bench.invalid", role="shopper", display_name=f"Wearer {w}",
                     consent_gait_health=True, age_band="75+")  # fmt: skip
            db.session.add(u)
            db.session.flush()
            db.session.add(CareLink(manager_id=mgr.id, wearer_id=u.id, code_hash=f"{w:064d}",
                                    code_expires_at=start, accepted_at=start))  # fmt: skip
            for d in range(args.days):
                db.session.add(GaitSession(user_id=u.id, status="done", filename="w.csv",
                                           stored_name="x", report=reports[(w + d) % 4],
                                           created_at=start + timedelta(days=d)))  # fmt: skip
        db.session.commit()
        from storefront.accounts.tokens import issue_token

        raw, _ = issue_token(db.session, mgr, 1.0, name="bench")
        db.session.commit()
        wearer_id = db.session.query(User.id).filter_by(display_name="Wearer 0").scalar()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}

    def timed(url: str) -> list[float]:
        out = []
        for _ in range(args.repeats + 1):
            t0 = time.perf_counter()
            r = client.get(url, headers=headers)
            out.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.json
        return out

    lst = timed("/api/care/wearers")
    rep = timed(f"/api/care/wearers/{wearer_id}/report")
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load:.1f}"
    )
    print(
        f"{args.wearers} wearers x {args.days} daily sessions ({args.wearers * args.days} reports)"
    )
    print(
        f"list  : first {lst[0] * 1000:.0f} ms, median {statistics.median(lst[1:]) * 1000:.0f} ms"
    )
    print(
        f"report: first {rep[0] * 1000:.0f} ms, median {statistics.median(rep[1:]) * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
