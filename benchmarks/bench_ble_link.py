"""BLE link benchmark: packets, session files, and the bleak client over bumble's in-process link.

Measures

1. packet encode/decode rate (16 cells + IMU, 5 samples per notification, 12-bit packed);
2. ``read_session`` speed on a 10-minute two-insole session;
3. the acceptance run: 10 simulated minutes of two 16-cell insoles at 100 Hz through bleak over
   bumble (faster than real time), one forced disconnect, checking that the session file has
   every sent sample exactly once and reporting the gap and the reconnect time;
4. reconnect latency over repeated drops in real time (wall clock, drop -> first notification);
5. CPU share of the whole process (virtual insoles + bumble stack + bleak client + session
   writer) while streaming two insoles in real time: an upper bound of the client's cost.

Usage: ``.venv/bin/python benchmarks/bench_ble_link.py [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gait.insole._packets import PressureFrame, PressurePacket
from gait.insole._session import read_session
from gait.insole._simulate import simulate_session
from gait.insole._virtual import FaultPlan, synthetic_signals


def bench_packets(n: int = 20_000) -> None:
    frames = tuple(
        PressureFrame(k, k * 10_000, tuple(range(100, 116)), (1, 2, 3, 4, 5, 6)) for k in range(5)
    )
    pkt = PressurePacket(frames, packed_12bit=True)
    data = bytes(pkt)
    t = time.perf_counter()
    for _ in range(n):
        bytes(pkt)
    enc = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for _ in range(n):
        PressurePacket.from_bytes(data)
    dec = n / (time.perf_counter() - t)
    print(f"packets ({len(data)} B, 5 samples): encode {enc:,.0f}/s, decode {dec:,.0f}/s "
          f"= {5 * dec:,.0f} samples/s")  # fmt: skip


async def bench_ten_minutes(tmp: Path, minutes: float) -> Path:
    seconds = 60.0 * minutes
    signals = synthetic_signals("walking", seconds, 16, 100.0, seed=11)
    res = await simulate_session(
        tmp / "ten.gsn", signals, speed=60.0,
        faults={"left": FaultPlan(drop_link_at_s=(seconds / 2,))},
    )  # fmt: skip
    t = time.perf_counter()
    rec = read_session(res.summary.path)
    read_s = time.perf_counter() - t
    for side in ("left", "right"):
        st, foot = res.insoles[side], rec.feet[side]
        first = int(np.flatnonzero(foot.valid)[0])
        sent = np.asarray(st.sent_index)
        exact = foot.valid.sum() == sent.size and foot.valid[first + sent].all()
        print(f"  {side}: sent {st.samples_sent}, fell due while unlinked {st.samples_unsent}, "
              f"in file {int(foot.valid.sum())}, every sent sample exactly once: {exact}, "
              f"duplicates in file {rec.meta['duplicate_samples'][side]}")  # fmt: skip
    link = res.summary.stats["left"]
    gaps = rec.meta["gaps"]
    print(f"{minutes:g} min x 2 insoles, 16 cells, 100 Hz: wall {res.wall_s:.1f} s "
          f"({seconds / res.wall_s:.0f}x real time); reconnect {link.reconnect_s[0] * 1e3:.0f} ms "
          f"wall; gaps {[(g['side'], round(g['start_s'], 2), g['n_samples']) for g in gaps]}; "
          f"read_session {read_s:.2f} s ({2 * seconds * 100 / read_s:,.0f} samples/s); "
          f"L/R anchor offset {rec.meta['clock_offset_s']}")  # fmt: skip
    return res.summary.path


async def bench_reconnects(tmp: Path, drops: int) -> None:
    seconds = 2.0 * drops + 2.0
    signals = synthetic_signals("walking", seconds, 16, 100.0, seed=5)
    faults = {"left": FaultPlan(drop_link_at_s=tuple(1.0 + 2.0 * i for i in range(drops)))}
    res = await simulate_session(tmp / "rc.gsn", {"left": signals["left"]}, faults=faults)
    lat = res.summary.stats["left"].reconnect_s
    rec = read_session(res.summary.path)
    gap_s = [g["end_s"] - g["start_s"] for g in rec.meta["gaps"]]
    print(f"reconnect over {len(lat)} drops (real time): wall median {statistics.median(lat) * 1e3:.0f} ms, "
          f"max {max(lat) * 1e3:.0f} ms; gap median {statistics.median(gap_s) * 1e3:.0f} ms, "
          f"max {max(gap_s) * 1e3:.0f} ms")  # fmt: skip


async def bench_cpu(tmp: Path, seconds: float) -> None:
    signals = synthetic_signals("walking", seconds, 16, 100.0, seed=6)
    c0, t0 = time.process_time(), time.perf_counter()
    res = await simulate_session(tmp / "cpu.gsn", signals)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    print(f"real-time streaming of 2 insoles for {seconds:g} s: process CPU {cpu:.2f} s over "
          f"{wall:.1f} s wall = {100 * cpu / wall:.1f} % of one core (insoles + stack + client)")  # fmt: skip
    rec = read_session(res.summary.path)
    # The pair starts measuring at the same instant: the right start is the L/R alignment error.
    first = {s: int(np.flatnonzero(f.valid)[0]) for s, f in rec.feet.items()}
    print(f"real-time L/R alignment error: {first['right'] - first['left']} samples "
          f"(anchor offsets {rec.meta['clock_offset_s']})")  # fmt: skip


async def main(quick: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bench_packets(5_000 if quick else 20_000)
        await bench_ten_minutes(tmp, 1.0 if quick else 10.0)
        await bench_reconnects(tmp, 3 if quick else 10)
        await bench_cpu(tmp, 5.0 if quick else 30.0)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    asyncio.run(main(ap.parse_args().quick))
