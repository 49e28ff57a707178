"""Benchmark: recommendations for one foot over a 1,000-model catalog, in-process.

Target (issue 4): p95 <= 50 ms. Run::

    .venv/bin/python benchmarks/bench_recommend.py [--models 1000] [--queries 300]

The catalog is generated with the catalog's own grading code
(:func:`storefront.catalog.build.generate_catalog` with ``n_models``); every query has a new
random foot, a random gait profile (or none), sometimes preferences, and learned offsets for every
model and brand. Index building (once per catalog) is timed separately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from storefront.catalog.build import generate_catalog
from storefront.catalog.models import Catalog
from storefront.fit.profiles import FootProfile, GaitProfile
from storefront.fit.recommend import build_index, recommend


def _gait(rng: np.random.Generator) -> GaitProfile | None:
    if rng.random() < 0.2:
        return None
    return GaitProfile(
        cadence_spm=float(rng.uniform(85, 125)),
        stride_cv_pct=float(rng.uniform(1, 8)),
        ml_tendency=str(rng.choice(["medial", "neutral", "lateral"])),
        heel_impact=str(rng.choice(["hard", "normal", "soft"])),
        activity_s={"walking": float(rng.uniform(0, 900)), "running": float(rng.uniform(0, 900))},
        age_years=float(rng.uniform(20, 90)),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    catalog = Catalog.from_dict(generate_catalog(args.seed, n_models=args.models))
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_index(catalog)
    t_index = time.perf_counter() - t0
    n_sizes = sum(len(m.sizes) for m in catalog.models)
    offsets = (
        {m.id: float(rng.normal(0, 2)) for m in catalog.models},
        {s.id: float(rng.normal(0, 2)) for s in catalog.shops},
    )
    prefs_pool = [None, None, {"category": "running"}, {"max_budget_krw": 180_000},
                  {"colour": "blue"}]  # fmt: skip

    for _ in range(10):  # warm-up
        recommend(FootProfile.average(260.0), None, catalog, offsets=offsets)
    times = []
    for _ in range(args.queries):
        foot = FootProfile.average(
            float(rng.normal(255, 15)), girth_offset_mm=float(rng.normal(0, 6))
        )
        gait = _gait(rng)
        prefs = prefs_pool[int(rng.integers(len(prefs_pool)))]
        t0 = time.perf_counter()
        recs = recommend(foot, gait, catalog, preferences=prefs, offsets=offsets, top_n=10)
        times.append(time.perf_counter() - t0)
        assert recs
    ms = np.array(times) * 1000.0
    result = {
        "models": len(catalog.models),
        "size_rows": n_sizes,
        "queries": args.queries,
        "generate_s": round(t_gen, 2),
        "build_index_ms": round(t_index * 1000, 1),
        "recommend_ms": {
            "p50": round(float(np.percentile(ms, 50)), 2),
            "p95": round(float(np.percentile(ms, 95)), 2),
            "p99": round(float(np.percentile(ms, 99)), 2),
            "max": round(float(ms.max()), 2),
        },
        "target_p95_ms": 50.0,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
