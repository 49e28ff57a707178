"""Load test: 50 concurrent clients for 60 s against ``/api/recommendations`` on gunicorn.

Starts ``storefront serve`` (the production command: gunicorn, 127.0.0.1) on a throw-away
instance with the embedded defaults (SQLite, seeded street and demo shopper), logs in the demo
shopper, then drives it with ``wrk`` (Debian package ``wrk``): 50 connections, 2 threads.

Two runs: with the recommendation cache (production default) and with it disabled, so every
request ranks the whole catalog. Target: p99 <= 250 ms and no errors.

Usage: ``.venv/bin/python benchmarks/bench_api_load.py [--duration 60] [--connections 50]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

_LUA = """
local token = os.getenv("BENCH_TOKEN")
local paths = {}
for limit = 1, 20 do
  for _, cat in ipairs({"", "&category=running", "&category=walking", "&category=comfort", "&max_price_krw=150"}) do
    paths[#paths + 1] = "/api/recommendations?scan=1&gait=1&limit=" .. limit .. cat
  end
end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %d, \\"non2xx\\": %d, \\"errors\\": %d, \\"p50_ms\\": %.2f, \\"p95_ms\\": %.2f, \\"p99_ms\\": %.2f, \\"max_ms\\": %.2f, \\"rps\\": %.1f}\\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_cpu_s(pgid: int) -> float:
    """User + system CPU seconds of every live process in a process group (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # Fields after the command: state(0) ppid(1) pgrp(2) ... utime(11) stime(12).
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _post_json(url: str, body: dict) -> dict:
    req = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def _start_server(
    tmp: Path, cache_size: int, workers: int, threads: int
) -> tuple[subprocess.Popen, str, dict]:
    """Start ``storefront serve`` on a free port over a fresh instance in ``tmp``."""
    port = _free_port()
    env = {
        **os.environ,
        "SHOESTREET_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "SHOESTREET_UPLOAD_DIR": str(tmp / "uploads"),
        "SHOESTREET_SECRET_KEY": "bench",
        "SHOESTREET_RECOMMENDATION_CACHE_SIZE": str(cache_size),
    }
    exe = Path(sys.executable).with_name("storefront")
    cmd = [
        str(exe),
        "serve",
        "--demo",  # the read-only demo shopper's scan and walk are what the load reads
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    server = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    return server, f"http://127.0.0.1:{port}", env


def _wait_healthy(server: subprocess.Popen, base: str, timeout_s: float = 180) -> None:
    """Poll ``/api/health`` until it answers; raise with the server's stderr if it died."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "server did not start: " + server.stderr.read().decode()[-2000:]
                ) from None
            time.sleep(0.5)


def _drive(wrk: str, base: str, env: dict, tmp: Path, connections: int, duration_s: int) -> dict:
    """Log the demo shopper in and run wrk against the recommendations; wrk's JSON line."""
    token = _post_json(
        base + "/api/auth/login",
        {"email": "demo@shoestreet.invalid", "password": "demo-shopper-1"},
    )["token"]
    script = tmp / "recs.lua"
    script.write_text(_LUA)
    cmd = [wrk, "-t2", f"-c{connections}", f"-d{duration_s}s", "--timeout", "10s"]
    proc = subprocess.run(
        [*cmd, "-s", str(script), base],
        env={**env, "BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("JSON "))
    return json.loads(line[5:])


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def run(duration_s: int, connections: int, cache_size: int, workers: int, threads: int) -> dict:
    """Serve a fresh instance and measure it with wrk; return the numbers."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    server, base, env = _start_server(tmp, cache_size, workers, threads)
    try:
        _wait_healthy(server, base)
        cpu0 = _group_cpu_s(server.pid)
        out = _drive(wrk, base, env, tmp, connections, duration_s)
        cpu_s = _group_cpu_s(server.pid) - cpu0
        out["server_cpu_ms_per_request"] = 1000.0 * cpu_s / max(out["requests"], 1)
        with open("/proc/loadavg") as fh:
            out["loadavg_1min_after"] = float(fh.read().split()[0])
        out.update(
            connections=connections,
            duration_s=duration_s,
            cache_size=cache_size,
            workers=workers,
            threads=threads,
        )
        return out
    finally:
        _stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    ok = True
    for cache in (2048, 0):
        r = run(args.duration, args.connections, cache, args.workers, args.threads)
        verdict = r["p99_ms"] <= 250 and r["non2xx"] == 0 and r["errors"] == 0
        ok &= verdict
        label = "cache on " if cache else "cache off"
        print(
            f"{label}: {r['requests']} requests in {r['duration_s']} s ({r['rps']:.0f}/s), "
            f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms, "
            f"non-2xx {r['non2xx']}, socket errors {r['errors']}, server CPU {r['server_cpu_ms_per_request']:.2f} ms/request, "
            f"load average after {r['loadavg_1min_after']:.1f} -> {'OK' if verdict else 'MISSED'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
