"""Frame rate of the street while walking, in headless Chromium with SwiftShader (issue 10).

Starts the storefront (fresh SQLite database, seeded street) on a free local port, opens ``/`` in
Debian's Chromium with the documented headless flags (software WebGL), waits for the first frame
and the shop-window shoes, then holds the walk key (``W``) for ``--seconds`` and counts the frames
the street drew (``window.__street.frames``) against wall-clock time. It also reports the draw
calls and triangles of the last frame (``renderer.info``). A fresh browser context per run.

Usage::

    .venv/bin/python benchmarks/bench_street_fps.py [--runs 3] [--seconds 4]

Numbers go into docs/benchmarks.md (street section).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_street_page import ARGS, serve

STATS_JS = """() => {
  const s = window.__street;
  const info = s.renderer.info.render;
  return {frames: s.frames, calls: info.calls, triangles: info.triangles, now: performance.now()};
}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    fps = []
    with tempfile.TemporaryDirectory() as tmp:
        server = serve(Path(tmp))
        url = f"http://127.0.0.1:{server.server_port}/"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=ARGS)
            for i in range(args.runs):
                ctx = browser.new_context(viewport={"width": args.width, "height": args.height})
                page = ctx.new_page()
                page.goto(url)
                page.wait_for_function("() => window.__ready === true", timeout=60_000)
                page.wait_for_function("() => window.__windowsDressed === true", timeout=60_000)
                page.focus("#street-canvas")
                page.wait_for_timeout(300)
                a = page.evaluate(STATS_JS)
                page.keyboard.down("w")
                page.wait_for_timeout(int(args.seconds * 1000))
                b = page.evaluate(STATS_JS)
                page.keyboard.up("w")
                ctx.close()
                rate = (b["frames"] - a["frames"]) / ((b["now"] - a["now"]) / 1000)
                fps.append(rate)
                print(
                    f"run {i + 1}: {rate:.1f} frames/s while walking; last frame {b['calls']} draw calls, "
                    f"{b['triangles']} triangles"
                )
            browser.close()
        server.shutdown()
    load = os.getloadavg()[0]
    print(
        f"walking: median {statistics.median(fps):.1f} frames/s over {len(fps)} runs "
        f"({args.width}x{args.height}, load average {load:.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
