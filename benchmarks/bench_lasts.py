"""Speed of one made-to-measure order: personal last + custom insole (target <= 10 s).

Measures the real left foot once (footscan, reported separately: the shop already has the scan
result), then times, per repeat, the last (deformation, re-pose, clearance map) plus the insole
with the recorded session's pressure map, plus the exports (STL, 3MF, spec sheet). Prints wall
and CPU time and the machine load.

Usage: ``.venv/bin/python benchmarks/bench_lasts.py [--style running] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--style", default="running")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    import footscan
    from footscan.lasts import load_style, make_insole, make_last, pressure_from_session
    from footscan.lasts._export import spec_sheet_html, stl_bytes, threemf_bytes

    t0 = time.perf_counter()
    scan = footscan.measure_scan(
        footscan.load_scan(str(DATA / "footscan" / "real" / "dupont_left_foot.stl"))
    )
    print(f"scan measure (footscan, once): {time.perf_counter() - t0:.2f} s")
    session = DATA / "insoles" / "moticon" / "230927_102114.txt"
    style = load_style(args.style)
    walls, cpus, parts = [], [], []
    for _ in range(args.repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        last = make_last(scan, style)
        w1 = time.perf_counter()
        insole = make_insole(last, pressure_from_session(session, last.side))
        w2 = time.perf_counter()
        stl_bytes(last.vertices_mm, last.faces)
        stl_bytes(insole.vertices_mm, insole.faces)
        threemf_bytes([("last", last.vertices_mm, last.faces)])
        threemf_bytes([("insole", insole.vertices_mm, insole.faces)])
        spec_sheet_html(last, insole)
        w3 = time.perf_counter()
        walls.append(w3 - w0)
        cpus.append(time.process_time() - c0)
        parts.append((w1 - w0, w2 - w1, w3 - w2))
    med = statistics.median(walls)
    print(f"style {args.style}, {args.repeats} repeats, load average {os.getloadavg()[0]:.1f}")
    print(
        f"last + insole + files: wall median {med:.2f} s (min {min(walls):.2f}), "
        f"CPU median {statistics.median(cpus):.2f} s"
    )
    lp, ip, ep = (statistics.median(p[i] for p in parts) for i in range(3))
    print(f"  last {lp:.2f} s, insole (with session map) {ip:.2f} s, exports {ep:.2f} s")
    print(f"target <= 10 s: {'met' if med <= 10.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
