"""Benchmark: refreshing the maker statistics' snapshot after the table changed (issue 14).

A release reads the Parquet export of the current version of ``maker_measurement``; when the
table changed (a scan, a consent change, a synthetic city loaded) the next release first
rewrites the export and the engine reduces it to its cubes. This measures, for a table of
``--people`` rows in the app's database (SQLite by default; ``--db-uri`` for PostgreSQL):
the export (database -> Arrow -> Parquet), the engine's open (one row per person -> cubes),
wall and CPU time. Run::

    .venv/bin/python benchmarks/bench_makers_snapshot.py [--people 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def _timed(fn):  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, round(time.perf_counter() - w, 3), round(time.process_time() - c, 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--db-uri", help="database URI (default: a temporary SQLite file)")
    args = ap.parse_args()
    from storefront import create_app
    from storefront.bootstrap import migrate_and_seed
    from storefront.extensions import db
    from storefront.makers import engine, population, store

    tmp = Path(tempfile.mkdtemp(prefix="bench_snapshot_"))
    uri = args.db_uri or f"sqlite:///{tmp / 'bench.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri,
                      "UPLOAD_DIR": str(tmp / "uploads"), "AUTO_INIT": False,
                      "SEED_DEMO": False, "JOB_BACKEND": "thread"})  # fmt: skip
    report: dict = {"people": args.people, "database": uri.split(":")[0],
                    "load_average_before": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    with app.app_context():
        migrate_and_seed(demo=False)
        store.remove_synthetic(db.session)
        city = population.synthetic_city(args.people, seed=3)
        _, report["insert_s"], _ = _timed(lambda: store.load_synthetic(db.session, city))
        db.session.commit()
        path, report["export_s"], report["export_cpu_s"] = _timed(
            lambda: store.export_snapshot(db.session, str(tmp))
        )
        eng, report["engine_open_s"], report["engine_open_cpu_s"] = _timed(
            lambda: engine.DuckDBEngine(path)
        )
        eng.close()
        store.remove_synthetic(db.session)
        db.session.commit()
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
