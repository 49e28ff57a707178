"""Bad input: each case gives a clear error or a correct answer, never a crash or a hang."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from footscan import (
    FootscanError,
    NotAFootError,
    PointCloud,
    ScanValidationError,
    measure_points,
    measure_scan,
)
from footscan.cli import main

pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def capture():
    from footscan import make_capture, make_foot

    return make_capture(make_foot(41, sex="male"), seed=7, n_points=60_000, noise_mm=1.0)


@pytest.fixture(scope="module")
def reference(capture):
    return measure_scan(capture.cloud).measurements.values_mm()


def _cli_error(path, capsys) -> str:
    assert main(["measure", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("footscan: error:") and captured.err.count("\n") == 1
    return captured.err


def test_empty_file(tmp_path, capsys) -> None:
    path = tmp_path / "empty.ply"
    path.write_bytes(b"")
    assert "empty" in _cli_error(path, capsys).lower()


def test_random_bytes(tmp_path, capsys) -> None:
    path = tmp_path / "junk.ply"
    path.write_bytes(np.random.default_rng(1).bytes(50_000))
    _cli_error(path, capsys)


def test_truncated_binary_ply(tmp_path, capsys, capture) -> None:
    from footscan import write_capture

    full = write_capture(capture, tmp_path / "full.ply")
    data = full.read_bytes()
    cut = tmp_path / "cut.ply"
    cut.write_bytes(data[: len(data) // 2])
    _cli_error(cut, capsys)


def test_few_nan_rows_are_dropped(capture, reference) -> None:
    pts = capture.cloud.points_mm.copy()
    rng = np.random.default_rng(2)
    bad = rng.choice(len(pts), 300, replace=False)
    pts[bad[:150], 0] = np.nan
    pts[bad[150:], 2] = np.inf
    res = measure_points(pts)
    assert res.quality.n_points_nonfinite == 300
    assert abs(res.measurements.foot_length.value - reference["foot_length"]) < 0.5


def test_mostly_nan_is_an_error(capture) -> None:
    pts = capture.cloud.points_mm.copy()
    pts[::2] = np.nan
    with pytest.raises(ScanValidationError, match="NaN"):
        measure_points(pts)


def test_three_points() -> None:
    with pytest.raises(ScanValidationError, match="too few points"):
        measure_points(np.eye(3) * 100.0)


def _on_floor(body: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    lo, hi = body[:, :2].min(axis=0) - 100, body[:, :2].max(axis=0) + 100
    floor = np.column_stack([rng.uniform(lo, hi, (20_000, 2)), rng.normal(0, 0.5, 20_000)])
    return np.vstack([body, floor])


def test_sphere(capsys) -> None:
    rng = np.random.default_rng(3)
    u = rng.normal(size=(30_000, 3))
    sphere = 60 * u / np.linalg.norm(u, axis=1, keepdims=True)
    with pytest.raises(NotAFootError):
        measure_points(sphere)
    with pytest.raises(NotAFootError):
        measure_points(_on_floor(sphere + [0, 0, 60], rng))


def test_box(capsys) -> None:
    # A shoe box (260 x 100 x 80 mm) on the floor: foot-sized, but not foot-shaped.
    rng = np.random.default_rng(4)
    pts = rng.uniform([-130, -50, 0], [130, 50, 80], (60_000, 3))
    face = rng.integers(0, 5, len(pts))
    pts[face == 0, 0] = -130
    pts[face == 1, 0] = 130
    pts[face == 2, 1] = -50
    pts[face == 3, 1] = 50
    pts[face == 4, 2] = 80
    with pytest.raises(NotAFootError, match="not a foot"):
        measure_points(_on_floor(pts, rng))


def test_flat_plane() -> None:
    rng = np.random.default_rng(5)
    plane = np.column_stack([rng.uniform(0, 400, (50_000, 2)), rng.normal(0, 0.5, 50_000)])
    with pytest.raises(NotAFootError, match="flat"):
        measure_points(plane)


def test_kilometres(tmp_path, capsys, capture) -> None:
    km = capture.cloud.points_mm / 1e6
    with pytest.raises(ScanValidationError, match="units"):
        measure_scan(PointCloud(points_mm=km))
    path = tmp_path / "km.xyz"
    np.savetxt(path, km[:5000])
    _cli_error(path, capsys)


def test_five_million_points_bounded(capture, reference) -> None:
    rng = np.random.default_rng(6)
    base = capture.cloud.points_mm
    reps = -(-5_000_000 // len(base))
    big = np.repeat(base, reps, axis=0)[:5_000_000]
    big += rng.normal(0, 0.3, big.shape)
    tracemalloc.start()
    try:
        res = measure_points(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Input (120 MB) + working copies: the clean-up downsamples before anything quadratic.
    assert peak < 1.2e9
    assert abs(res.measurements.foot_length.value - reference["foot_length"]) < 1.5
    assert res.quality.n_points_input == 5_000_000


def test_errors_share_one_base() -> None:
    assert issubclass(NotAFootError, FootscanError)
    assert issubclass(ScanValidationError, FootscanError)
