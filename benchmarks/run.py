"""Run one benchmark script and store what it measured in ``benchmarks/results/<name>.json``.

Usage::

    .venv/bin/python benchmarks/run.py benchmarks/bench_recommend.py [script arguments ...]

The script runs in a child process; its standard output is shown as it comes and kept. The
results file records the machine (CPU model, cores, memory, Python, OS), the 1-minute load
average before and after the run, the run's wall time and CPU time (user + system of the child
and its children), the command, the UTC time, and what the script printed: the last JSON object
of its output as ``results`` (most scripts print one), every other line as ``output``.
``benchmarks/render.py`` turns the results files into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def machine() -> dict[str, Any]:
    """The machine a figure was measured on: CPU model, cores, memory (GiB), Python, OS."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }


def split_output(text: str) -> tuple[Any, list[str]]:
    """The last JSON object printed (or None) and the other output lines."""
    lines = text.splitlines()
    for start in range(len(lines) - 1, -1, -1):
        if not lines[start].startswith("{"):
            continue
        for end in range(len(lines), start, -1):
            try:
                parsed = json.loads("\n".join(lines[start:end]))
            except json.JSONDecodeError:
                continue
            return parsed, lines[:start] + lines[end:]
    return None, lines


def plain_lines(lines: list[str]) -> list[str]:
    """Non-empty lines without library chatter printed in colour (e.g. OpenCASCADE's STEP log)."""
    out, coloured = [], False
    for line in lines:
        if "\x1b[" in line:
            # in colour until the last escape on the line is a reset
            coloured = line.rfind("\x1b[0m") < line.rfind("\x1b[3")
            continue
        if not coloured and line.strip():
            out.append(line)
    return out


def run(script: Path, args: list[str]) -> dict[str, Any]:
    """Run ``script`` with ``args``; return the results record (not yet written)."""
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    proc = subprocess.Popen(
        [sys.executable, str(script), *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    out = []
    for line in proc.stdout:
        sys.stdout.write(line)
        out.append(line)
    code = proc.wait()
    wall_s = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    results, other = split_output("".join(out))
    return {
        "benchmark": script.stem,
        "command": " ".join(["python", f"benchmarks/{script.name}", *args]),
        "source": "measured by benchmarks/run.py",
        "measured_at": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_avg_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "wall_s": round(wall_s, 2),
        "cpu_s": round(cpu_s, 2),
        "exit_code": code,
        "results": results,
        "output": plain_lines(other),
    }


def _as_history(old: dict[str, Any]) -> dict[str, Any]:
    """An earlier results record, kept as a history entry (figures as JSON, or its notes)."""
    load = old["load_avg_1m"]
    if old.get("source") != "measured by benchmarks/run.py":  # converted or entered by hand
        return {
            "measured_at": old["measured_at"],
            "load_avg_1m": load,
            "machine": old["machine"],
            "source": old["source"],
            "notes_md": "\n\n".join(x for x in (old.get("headline"), old.get("notes_md")) if x),
        }
    shown = old["results"] if old.get("results") is not None else old.get("output", [])
    return {
        "measured_at": old["measured_at"],
        "load_avg_1m": f"{load['before']} before, {load['after']} after",
        "machine": old["machine"],
        "source": "earlier run of benchmarks/run.py",
        "notes_md": f"Whole run {old['wall_s']} s wall, {old['cpu_s']} s CPU.\n\n```json\n"
        + json.dumps(shown, indent=1, ensure_ascii=False)
        + "\n```\n",
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: run one script, write its results file, return the script's exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script", type=Path, help="benchmarks/bench_*.py")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="passed to the script")
    ns = ap.parse_args(argv)
    script = ns.script if ns.script.is_absolute() else ROOT / ns.script
    if not script.is_file():
        ap.error(f"no such benchmark script: {ns.script}")
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    record = run(script, args)
    if record["exit_code"] != 0:
        print(f"{script.name} failed (exit {record['exit_code']}); results not written")
        return int(record["exit_code"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{script.stem}.json"
    if out.is_file():  # earlier runs stay with the new one, newest first after it
        old = json.loads(out.read_text())
        record["history"] = old.get("history", [])
        record["history"].insert(0, _as_history(old))
    out.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
