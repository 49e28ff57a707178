"""docs/benchmarks.md is generated: it is exactly what ``benchmarks/results/*.json`` give.

A hand edit of the page, or a results file changed without re-rendering, fails here; so does a
benchmark script without a results file (``make bench`` writes one per script).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", ROOT / "benchmarks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_is_what_the_results_files_give() -> None:
    render = _load("render")
    expected = render.render(render.load_records())
    assert (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8") == expected, (
        "docs/benchmarks.md is generated: run .venv/bin/python benchmarks/render.py"
    )


def test_every_benchmark_script_has_a_results_file() -> None:
    scripts = {p.stem for p in (ROOT / "benchmarks").glob("bench_*.py")}
    results = {p.stem for p in (ROOT / "benchmarks" / "results").glob("*.json")}
    assert scripts - results == set(), "run: .venv/bin/python benchmarks/run.py benchmarks/<script>"


def test_every_results_file_says_when_where_and_under_what_load() -> None:
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        assert r["benchmark"] == path.stem
        assert (
            r["measured_at"][:4].isdigit() and r["machine"] and r["load_avg_1m"] not in ("", None)
        )
        if r["source"] == "measured by benchmarks/run.py":
            assert r["wall_s"] > 0 and r["cpu_s"] >= 0 and r["exit_code"] == 0
            assert r["machine"]["cores"] >= 1 and r["results"] is not None or r["output"]
        else:  # converted from the old page, or entered by hand: it must say how and what
            assert r["source"] and (r.get("notes_md") or r.get("results")), path.name


def test_the_runner_takes_the_last_json_object_of_the_output() -> None:
    run = _load("run")
    text = 'machine: x\n{"a": 1}\nprogress\n{\n "b": [1,\n 2]\n}\ndone\n'
    results, other = run.split_output(text)
    assert results == {"b": [1, 2]}
    assert other == ["machine: x", '{"a": 1}', "progress", "done"]
    assert run.split_output("no json here") == (None, ["no json here"])


def test_the_runner_drops_coloured_library_chatter() -> None:
    run = _load("run")
    lines = [
        "a: 1 s",
        "\x1b[32;1m",
        "*** log ***",
        "\x1b[0m",
        "\x1b[32;1m x Done",
        "\x1b[0m",
        "",
        "b",
    ]
    assert run.plain_lines(lines) == ["a: 1 s", "b"]
