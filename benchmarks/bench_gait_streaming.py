"""Benchmark: CPU share of the streaming analyser fed by two 100 Hz 16-sensor insoles.

Target (issue 3): keep up using <= 5 % of one core. Run::

    .venv/bin/python benchmarks/bench_gait_streaming.py [--minutes 10] [--block 1]

A synthetic walk/stand/run session (two insoles, 16 sensors, 100 Hz) is pushed into
:class:`gait.StreamingAnalyzer` foot by foot, ``--block`` samples per call (1 = one call per
sample, the worst case; BLE notifications usually carry 1-4 samples). The CPU time of the
pushes (``time.process_time``) divided by the streamed duration is the share of one core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import tracemalloc

import numpy as np

from gait import StreamingAnalyzer, synthesize


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--block", type=int, default=1)
    args = ap.parse_args()
    total_s = args.minutes * 60.0
    plan = [
        ("standing", 0.1 * total_s),
        ("walking", 0.6 * total_s),
        ("running", 0.2 * total_s),
        ("sitting", 0.1 * total_s),
    ]
    rec = synthesize(plan, n_sensors=16, sampling_rate_hz=100.0, seed=1)
    fs = rec.sampling_rate_hz
    n = rec.left.n_samples
    t_s = np.arange(n) / fs
    feet = [(s, f.values) for s, f in rec.feet.items()]
    sa = StreamingAnalyzer(fs)
    n_events = 0
    tracemalloc.start()
    mem_half = None
    c0 = time.process_time()
    w0 = time.perf_counter()
    for i in range(0, n, args.block):
        j = min(i + args.block, n)
        for side, v in feet:
            n_events += len(
                sa.push(side, t_s[i:j] if j - i > 1 else t_s[i], v[i:j] if j - i > 1 else v[i])
            )
        if mem_half is None and i >= n // 2:
            mem_half = tracemalloc.get_traced_memory()[0]
    cpu = time.process_time() - c0
    wall = time.perf_counter() - w0
    mem_end = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    m = sa.metrics()
    out = {
        "streamed_s": round(n / fs, 1),
        "insoles": 2,
        "sensors": 16,
        "rate_hz": fs,
        "samples_per_push": args.block,
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "core_share_pct": round(100.0 * cpu / (n / fs), 3),
        "us_per_sample_per_foot": round(1e6 * cpu / (2 * n), 2),
        "events": n_events,
        "strides": m.n_strides,
        "traced_memory_at_half_kb": round((mem_half or 0) / 1024, 1),
        "traced_memory_at_end_kb": round(mem_end / 1024, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}",
        "target": "<= 5 % of one core",
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
