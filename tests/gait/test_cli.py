"""The gait command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gait import synthesize, write_csv
from gait.cli import build_parser, main


def test_analyze_json_wfdb(shared_data, capsys):
    rc = main(["analyze", str(shared_data / "gaitndd" / "control1.hea"), "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["summary"]["n_strides"] > 400
    assert 100 < d["summary"]["cadence_spm"] < 125
    assert d["strides"][0]["side"] in ("left", "right")


def test_analyze_text_and_html(tmp_path, capsys):
    p = tmp_path / "walk.csv"
    write_csv(synthesize([("walking", 30)], n_sensors=8), p)
    out_html = tmp_path / "report.html"
    assert main(["analyze", str(p), "--format", "csv", "--html", str(out_html)]) == 0
    text = capsys.readouterr().out
    assert "cadence" in text and "steps/min" in text
    assert out_html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_bad_input_exit_2_one_line(tmp_path, shared_data, capsys):
    shutil.copy(shared_data / "gaitndd" / "control1.hea", tmp_path / "control1.hea")
    assert main(["analyze", str(tmp_path / "control1.hea")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing" in err
    assert main(["analyze", str(tmp_path / "nothing.csv")]) == 2
    assert "not found" in capsys.readouterr().err


def test_bad_format_choice():
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["analyze", "x", "--format", "xml"])
    assert exc.value.code == 2


def test_console_entry_point_runs(tmp_path):
    p = tmp_path / "walk.csv"
    write_csv(synthesize([("walking", 20)], n_sensors=8), p)
    res = subprocess.run(
        [sys.executable, "-m", "gait.cli", "analyze", str(p), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["summary"]["n_strides"] > 10


def test_example_gait_report_demo(tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "gait_report_demo.py"
    res = subprocess.run(
        [sys.executable, str(example), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "walking" in res.stdout and "running" in res.stdout
    d = json.loads((tmp_path / "gait_report.json").read_text(encoding="utf-8"))
    assert d["summary"]["n_strides"] > 50
    assert (tmp_path / "gait_report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
