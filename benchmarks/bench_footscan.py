"""Speed and memory of the footscan pipeline, end to end (file -> measurements).

Writes phone-like synthetic captures (binary PLY, metres) of 200 k and 1 M points, then times
``load_scan`` + ``measure_scan`` in a fresh child process per run, which also reports its peak
RSS and its CPU time (user + system; less sensitive than wall time to other processes on a
shared machine). The foot-model fit (both mirror images, then the refinement) is included.
Targets (issue 8): 200 k median <= 2 s, 1 M median <= 4 s, peak RSS <= 1.5 GB.

Usage::

    .venv/bin/python benchmarks/bench_footscan.py [--runs 5] [--sizes 200000 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(path: str) -> None:
    t0 = time.perf_counter()
    from footscan import load_scan, measure_scan

    t_import = time.perf_counter() - t0
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t1 = time.perf_counter()
    result = measure_scan(load_scan(path))
    elapsed = time.perf_counter() - t1
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_s": cpu,
                "import_s": t_import,
                "peak_rss_mb": rss_mb,
                "foot_length_mm": result.measurements.foot_length.value,
            }
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child)
        return 0

    from footscan import make_capture, make_foot, write_capture

    foot = make_foot(2024, sex="male")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            cap = make_capture(foot, seed=n, n_points=n, noise_mm=1.0)
            path = write_capture(cap, Path(tmp) / f"capture_{n}.ply")
            runs = []
            for _ in range(args.runs):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            secs = [r["seconds"] for r in runs]
            print(
                f"{n:>9,d} points ({path.stat().st_size / 1e6:.1f} MB PLY): "
                f"median {statistics.median(secs):.2f} s (min {min(secs):.2f}, max {max(secs):.2f}) "
                f"over {len(secs)} runs; CPU time median "
                f"{statistics.median(r['cpu_s'] for r in runs):.2f} s; peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB; "
                f"import {statistics.median(r['import_s'] for r in runs):.2f} s; "
                f"FL {runs[0]['foot_length_mm']:.1f} mm"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
