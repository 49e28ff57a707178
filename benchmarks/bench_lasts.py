"""Speed of one made-to-measure order: personal last + custom insole (target <= 10 s).

Measures the real left foot once (footscan, reported separately: the shop already has the scan
result), then times, per repeat, the last (deformation, re-pose, clearance map) plus the insole
with the recorded session's pressure map, plus the exports (STL, 3MF, spec sheet). Prints wall
and CPU time and the machine load.

STEP export of the last (optional ``step`` extra) is timed separately when the binding is
installed (it is not part of the 10 s order budget: a maker asks for it). ``--pictures DIR``
also renders the pictures of docs/made-to-measure.md (foot in last, side and top; insole).

Usage: ``.venv/bin/python benchmarks/bench_lasts.py [--style running] [--repeats 5]
[--pictures docs/img]``
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
    ap.add_argument("--pictures", help="render the docs pictures into this folder")
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
    _step(last)
    if args.pictures:
        _pictures(scan, last, insole, Path(args.pictures))


def _step(last) -> None:
    from footscan.lasts import step_available, step_bytes

    if not step_available():
        print("STEP: the optional 'step' extra (OCP) is not installed")
        return
    w0, c0 = time.perf_counter(), time.process_time()
    data = step_bytes(last.vertices_mm, last.faces, "last")
    print(
        f"STEP (tessellated, {last.faces.shape[0]} triangles): {len(data) / 1e6:.1f} MB, "
        f"wall {time.perf_counter() - w0:.2f} s, CPU {time.process_time() - c0:.2f} s"
    )


def _pictures(scan, last, insole, out: Path) -> None:
    from footscan.lasts import load_style, make_last
    from footscan.lasts._render import render_cutaway, render_insole

    out.mkdir(parents=True, exist_ok=True)
    render_cutaway(last, out / "last_foot_side.png", "side")
    render_cutaway(last, out / "last_foot_top.png", "top")
    render_insole(insole, out / "insole_top.png")
    render_cutaway(make_last(scan, load_style("dress")), out / "last_dress_side.png", "side")
    for p in sorted(out.glob("last_*.png")) + [out / "insole_top.png"]:
        print(f"picture {p}: {p.stat().st_size / 1000:.0f} kB")


if __name__ == "__main__":
    main()
