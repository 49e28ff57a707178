"""Benchmark: footscan readers, synthetic captures and GLB export (speed and peak memory).

Run::

    .venv/bin/python benchmarks/bench_footscan_io.py [--sizes 200000 1000000 5000000] [--repeats 3]

For each size: one synthetic phone capture (the 5M case is the 1M capture tiled with jitter),
written as binary PLY (float32, metres) and as ASCII XYZ; then ``load_scan`` is timed (median
of ``--repeats``) with its peak Python/numpy allocation (tracemalloc). Also times
``make_foot``/``make_capture`` and the GLB export of a 60k-point aligned capture.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from footscan._export import foot_mesh_glb_bytes
from footscan._io import load_scan, write_scan
from footscan._synthetic import make_foot
from footscan._synthetic_capture import make_capture


def _timed(fn, repeats: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    peak = 0
    for _ in range(repeats):
        tracemalloc.start()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000, 5_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other jobs)",
        "python": platform.python_version(),
    }
    t0 = time.perf_counter()
    foot = make_foot(7)
    out["make_foot_s"] = round(time.perf_counter() - t0, 3)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for n in args.sizes:
            if n <= 1_000_000:
                t0 = time.perf_counter()
                cap = make_capture(foot, 1, n_points=n)
                gen_s = time.perf_counter() - t0
                pts = cap.cloud.points_mm
                if n == 1_000_000:
                    base = pts
            else:
                src = (
                    base
                    if base is not None
                    else make_capture(foot, 1, n_points=1_000_000).cloud.points_mm
                )
                reps = int(np.ceil(n / len(src)))
                pts = np.vstack([src + rng.normal(0, 0.5, src.shape) for _ in range(reps)])[:n]
                gen_s = float("nan")
            ply = write_scan(Path(tmp) / f"c{n}.ply", pts / 1000.0, fmt="ply", float32=True)
            xyz = write_scan(Path(tmp) / f"c{n}.xyz", pts / 1000.0, fmt="xyz")
            ply_s, ply_mb = _timed(lambda p=ply: load_scan(p), args.repeats)
            xyz_s, xyz_mb = _timed(lambda p=xyz: load_scan(p), 1)
            out[f"n={n}"] = {
                "make_capture_s": None if np.isnan(gen_s) else round(gen_s, 3),
                "ply_MB": round(ply.stat().st_size / 2**20, 1),
                "load_ply_s": round(ply_s, 3),
                "load_ply_peak_MiB": round(ply_mb, 1),
                "xyz_MB": round(xyz.stat().st_size / 2**20, 1),
                "load_xyz_s": round(xyz_s, 3),
                "load_xyz_peak_MiB": round(xyz_mb, 1),
            }
            del pts
    cap = make_capture(
        foot, 2, n_points=60_000, pose=False, floor=False, leg=False, outlier_fraction=0.0
    )
    glb_s, glb_mb = _timed(lambda: foot_mesh_glb_bytes(cap.cloud.points_mm), args.repeats)
    out["glb_from_60k_points_s"] = round(glb_s, 3)
    out["glb_peak_MiB"] = round(glb_mb, 1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
