"""Benchmark: DP shape-statistics releases over a city of consenting people, DuckDB and Spark.

Target (issue 14): one release over 1,000,000 consenting people <= 1 s on DuckDB on this
2-core machine, peak memory reported; the same releases on local Spark, time reported. Run::

    .venv/bin/python benchmarks/bench_makers.py [--people 1000000] [--repeats 5] [--no-spark]

The population is the synthetic ANSUR II city (:mod:`storefront.makers.population`), written
once as a Parquet export (the snapshot the engines read). Each engine runs in its own child
process so its peak memory (``VmHWM``) is its own. Per engine: OpenDP's warm-up (what the web
app does in the background at start-up) and the snapshot load (one row per person, reduced
to the small cubes every release reads) are timed separately; then every release kind runs
``repeats`` times, each at a new epsilon (so no OpenDP measurement is reused from the run
before), wall time and CPU time of the whole process (all threads) per release.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _counts(eng, epsilon: float) -> object:  # type: ignore[no-untyped-def]
    """The count release of ``foot-stats`` (length bin x width fitting) on the engine."""
    from storefront.makers.engine import cells_sql
    from storefront.makers.privacy import DIMENSIONS, release_counts_from_cells

    dims = ["length_bin", "width"]
    rows = eng.rows(cells_sql(dims, DIMENSIONS))
    cells = {tuple(int(v) for v in r[:-1]): int(r[-1]) for r in rows}
    return release_counts_from_cells(cells, dims, epsilon)


def _timed(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def _child(kind: str, parquet: str, repeats: int) -> dict:
    from storefront.makers import dp, engine, shape_stats

    warm_s, warm_cpu = _timed(dp.warm_up)
    holder: dict = {}

    def load() -> None:
        holder["eng"] = (
            engine.DuckDBEngine(parquet) if kind == "duckdb" else engine.SparkEngine(parquet)
        )

    load_s, load_cpu = _timed(load)
    eng = holder["eng"]
    releases = {
        "quantiles_ball_girth": lambda e: shape_stats.release_quantiles(eng, "ball_girth", e),
        "quantiles_heel_width_female": lambda e: shape_stats.release_quantiles(
            eng, "heel_width", e, filters={"sex": "female"}
        ),
        "regression_girth_on_length": lambda e: shape_stats.release_regression(eng, e),
        "average_feet": lambda e: shape_stats.release_average_feet(eng, e),
        "counts_length_bin_x_width": lambda e: _counts(eng, e),
    }
    out: dict = {
        "engine": kind,
        "opendp_warm_up_s": round(warm_s, 3),
        "opendp_warm_up_cpu_s": round(warm_cpu, 3),
        "snapshot_load_s": round(load_s, 3),
        "snapshot_load_cpu_s": round(load_cpu, 3),
        "releases": {},
    }
    for name, fn in releases.items():
        runs = [_timed(lambda f=fn, e=1.0 - 0.01 * i: f(e)) for i in range(repeats)]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        out["releases"][name] = {
            "first_s": round(walls[0], 3),
            "median_s": round(statistics.median(walls), 3),
            "max_s": round(max(walls), 3),
            "median_cpu_s": round(statistics.median(cpus), 3),
            "max_cpu_s": round(max(cpus), 3),
        }
    eng.close()
    out["peak_rss_mb"] = round(_vm_hwm_mb(), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--parquet", help="reuse an export instead of generating one")
    ap.add_argument("--child", choices=["duckdb", "spark"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.parquet, args.repeats)))
        return

    from storefront.makers import engine, population

    tmp = tempfile.TemporaryDirectory(prefix="bench_makers_")
    parquet = args.parquet
    gen = {}
    if parquet is None:
        t = time.perf_counter()
        city = population.synthetic_city(args.people, seed=args.seed)
        gen["generate_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        parquet = str(engine.write_parquet(city.to_arrow(), Path(tmp.name) / "city.parquet"))
        gen["write_parquet_s"] = round(time.perf_counter() - t, 2)
        gen["parquet_mb"] = round(os.path.getsize(parquet) / 2**20, 1)
        del city
    report = {
        "people": args.people,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        **gen,
        "engines": [],
    }
    kinds = ["duckdb"] if args.no_spark else ["duckdb", "spark"]
    for kind in kinds:
        cmd = [sys.executable, __file__, "--child", kind, "--parquet", parquet,
               "--repeats", str(args.repeats)]  # fmt: skip
        t = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            report["engines"].append({"engine": kind, "error": res.stderr.strip()[-800:]})
            continue
        row = json.loads(res.stdout.strip().splitlines()[-1])
        row["process_wall_s"] = round(time.perf_counter() - t, 1)
        report["engines"].append(row)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
