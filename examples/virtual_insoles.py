"""Record two virtual insoles through the real bleak client, then read the session back.

Run::

    .venv/bin/python examples/virtual_insoles.py [OUT_DIR]

Two bumble peripherals serving the Shoe Street insole profile stream 30 s of synthetic
walking (at 10x real time); the left insole drops its link at 12 s. The bleak client
reconnects, and the session file shows the gap as missing samples instead of hiding it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import gait.insole


async def record(out: Path) -> Path:
    """Run the simulation and return the session file."""
    signals = gait.insole.synthetic_signals("walking", 30.0, n_sensors=16, seed=4)
    result = await gait.insole.simulate_session(
        out / "virtual.gsn",
        signals,
        speed=10.0,
        faults={"left": gait.insole.FaultPlan(drop_link_at_s=(12.0,))},
    )
    for side, stats in result.summary.stats.items():
        print(
            f"{side}: {stats.samples} samples received, {stats.disconnects} disconnects, "
            f"{stats.lost_samples} lost"
        )
    return result.summary.path


def main(out_dir: str = ".") -> None:
    """Record, read back and print the gaps."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = asyncio.run(record(out))
    rec = gait.read_session(path)
    print(f"session {path.name}: {rec.duration_s:.1f} s at {rec.sampling_rate_hz:g} Hz")
    for g in rec.meta["gaps"]:
        print(f"gap: {g['side']} {g['start_s']:.2f}-{g['end_s']:.2f} s ({g['n_samples']} samples)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
