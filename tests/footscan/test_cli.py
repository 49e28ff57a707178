"""Command line: JSON contract, readable summary, exit status 2 with one line on errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from footscan.cli import main

pytest.importorskip("onnxruntime")

REQUIRED = (
    "side",
    "foot_length_mm",
    "ball_width_mm",
    "heel_width_mm",
    "ball_girth_mm",
    "instep_girth_mm",
    "arch_height_mm",
    "instep_height_mm",
    "sizes",
    "quality",
)


@pytest.fixture(scope="module")
def scan_file(tmp_path_factory):
    from footscan import make_capture, make_foot, write_capture

    cap = make_capture(make_foot(31), seed=2, n_points=30_000)
    return write_capture(cap, tmp_path_factory.mktemp("cli") / "foot.ply")


def test_json_contract(scan_file, capsys) -> None:
    assert main(["measure", str(scan_file), "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    for key in REQUIRED:
        assert key in data
    for key in ("eu", "uk", "us_men", "us_women", "mondopoint", "kr_mm", "width_fitting"):
        assert key in data["sizes"]
    # No sole in a phone capture: the arch comes from the fitted foot model and says so.
    arch = data["measurement_details"]["arch_height"]
    assert arch["status"] == "model-completed" and arch["uncertainty"] is not None
    assert data["measurement_details"]["foot_length"]["status"] == "measured"
    assert data["side"] in ("left", "right")
    assert 200 < data["foot_length_mm"] < 320
    assert out.count("\n") == 1


def test_text_summary_and_overrides(scan_file, capsys) -> None:
    assert main(["measure", str(scan_file), "--units", "m", "--side", "left"]) == 0
    out = capsys.readouterr().out
    assert "left foot (given)" in out and "EU" in out and "arch height" in out


def test_errors_exit_2_with_one_line(tmp_path, capsys) -> None:
    bad = tmp_path / "noise.ply"
    bad.write_bytes(np.random.default_rng(0).bytes(4000))
    assert main(["measure", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footscan: error:") and err.count("\n") == 1
    assert main(["measure", str(tmp_path / "missing.ply")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_console_script_module(scan_file) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "footscan.cli", "measure", str(scan_file), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "foot_length_mm" in json.loads(proc.stdout)


def test_demo_measures_bundled_sample(capsys) -> None:
    assert main(["demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["foot_length_mm"] is not None and data["sizes"]["eu"] is not None


def test_export_glb(scan_file, tmp_path, capsys) -> None:
    out = tmp_path / "foot.glb"
    assert main(["measure", str(scan_file), "--export-glb", str(out)]) == 0
    data = out.read_bytes()
    assert data[:4] == b"glTF" and len(data) > 1000
