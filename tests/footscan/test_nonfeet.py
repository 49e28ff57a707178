"""The non-foot corpus (issue 8): every capture that is not a usable foot is refused.

Each capture of ``nonfeet.py`` is written to a PLY and measured by the command line: exit
status 2, exactly one line on stderr starting ``footscan: error:``, and no sizes on stdout.
"""

from __future__ import annotations

from pathlib import Path

import nonfeet
import pytest

from footscan.cli import main

#: Every generator, several seeds each: all must be refused (the foot-model gate, the units,
#: the shape ratios).
CASES = [
    pytest.param("sneaker", id="sneaker"),
    pytest.param("boot", id="boot"),
    pytest.param("sandal", id="sandal"),
    pytest.param("hand", id="hand"),
    pytest.param("mug", id="mug"),
    pytest.param("chair", id="chair"),
    pytest.param("blob", id="blob"),
    pytest.param("random_cloud", id="random_cloud"),
    pytest.param("foam_impression", id="foam_impression"),
]


def _assert_refused(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    status = main(["measure", str(path), "--json"])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert status == 2, f"accepted (status {status}): {out[:300]}"
    assert len(lines) == 1, err
    assert lines[0].startswith("footscan: error:"), err
    assert "sizes" not in out and "foot_length_mm" not in out and "eu" not in out.lower()
    return lines[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", CASES)
def test_nonfoot_is_refused(
    name: str, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = nonfeet.NONFEET[name](seed)
    path = nonfeet.write_ply(tmp_path / f"{name}.ply", capture.points)
    _assert_refused(path, capsys)


def test_foot_in_inches_is_refused(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = nonfeet.foot_in_inches(shared_data)
    path = nonfeet.write_ply(tmp_path / "foot_in.ply", capture.points)
    line = _assert_refused(path, capsys)
    assert "inch" in line


@pytest.mark.parametrize("factor", [7.3, 3.7])
def test_unscaled_foot_is_refused(
    factor: float, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = nonfeet.unscaled_foot(shared_data, factor=factor)
    path = nonfeet.write_ply(tmp_path / "unscaled.ply", capture.points)
    _assert_refused(path, capsys)


def test_generators_are_deterministic_and_sized() -> None:
    """Same seed, same points; every object is captured with a few thousand points or more."""
    import numpy as np

    for name, gen in nonfeet.NONFEET.items():
        a, b = gen(1), gen(1)
        assert np.array_equal(a.points, b.points), name
        assert a.points.shape[0] > 5000 and np.isfinite(a.points).all(), name
    shoe = nonfeet.sneaker(0).points
    assert 250.0 < float(np.max(np.ptp(shoe, axis=0))) < 800.0  # shoe + floor margin


def _gate_figures(points, monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """(length disagreement, shape score) of every foot-model fit the pipeline made, with the
    foot-model gate recorded instead of applied."""
    import footscan._pipeline as pipeline
    from footscan import FootscanError, PointCloud, measure_scan

    seen: list[tuple[float, float]] = []

    def record(fit, capture_length_mm: float) -> None:
        seen.append((abs(fit.length_mm / capture_length_mm - 1.0), fit.shape_energy))

    monkeypatch.setattr(pipeline, "foot_model_gate", record)
    try:
        measure_scan(PointCloud(points))
    except FootscanError:  # a later gate may refuse: the figures are what counts
        pass
    return seen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chair_is_refused_by_length_and_by_shape_independently(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chair leg is fitted closely by a foot model shrunk to 27-115 mm: two independent
    criteria refuse it, each with a margin (the length one alone would suffice)."""
    from footscan.consts import MAX_LENGTH_DISAGREEMENT, MAX_SHAPE_ENERGY

    figures = _gate_figures(nonfeet.chair(seed).points, monkeypatch)
    assert figures
    for disagreement, score in figures:
        assert disagreement > 2.5 * MAX_LENGTH_DISAGREEMENT  # measured 0.79-6.6 vs limit 0.25
        assert score > MAX_SHAPE_ENERGY  # measured 3.1-5.0 vs limit 1.9


def test_feet_fit_their_own_length(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real and synthetic feet: the fitted model is as long as the capture within 10 %
    (measured 0.00-0.06), well inside the 25 % limit."""
    from footscan import load_scan, make_capture, make_foot

    real = load_scan(shared_data / "footscan" / "real" / "dupont_right_foot.stl")
    captures = [
        real.points_mm,
        make_capture(
            make_foot(506, side="left"), seed=6, n_points=30_000, noise_mm=1.5, missing_sole=True
        ).cloud.points_mm,
    ]
    for points in captures:
        for disagreement, _ in _gate_figures(points, monkeypatch):
            assert disagreement < 0.10


def _surface_seen(cloud, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Share of each refined foot-model fit's visible surface that the capture covers (one per
    floor plane the pipeline tried), with the foot-model gate skipped so that non-feet reach
    the refined fit."""
    import footscan._pipeline as pipeline
    from footscan import FootscanError, PointCloud, measure_scan
    from footscan._quality import model_surface_seen

    fits: list[tuple[object, object]] = []
    fit_model = pipeline.fit_foot_model

    def record_fit(pts, *args, **kwargs):
        fit = fit_model(pts, *args, **kwargs)
        if kwargs.get("posterior", True):  # the side trials are not refined fits
            fits.append((fit, pts))
        return fit

    monkeypatch.setattr(pipeline, "fit_foot_model", record_fit)
    monkeypatch.setattr(pipeline, "foot_model_gate", lambda fit, length: None)
    try:
        measure_scan(cloud if isinstance(cloud, PointCloud) else PointCloud(cloud))
    except FootscanError:
        pass
    assert fits
    return [model_surface_seen(fit, pts) for fit, pts in fits]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", ["hand", "blob"])
def test_hand_and_potato_leave_the_fitted_foot_unseen(
    name: str, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The third criterion, independent of the fit's own residuals and shape score: the model
    fitted to a hand or a foot-sized potato has surface where the object has none (refined
    fits of seeds 0-2: hands 0.66-0.76 on the floor, up to 0.82 on the other planes tried;
    potatoes 0.76-0.80; feet 0.92-1.00; limit 0.85)."""
    from footscan.consts import MIN_MODEL_SURFACE_SEEN

    seen = _surface_seen(nonfeet.NONFEET[name](seed).points, monkeypatch)
    print(f"{name} {seed}: model surface seen {seen}")
    assert max(seen) < MIN_MODEL_SURFACE_SEEN


def test_feet_cover_their_fitted_model(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real plate scan and a noisy synthetic capture cover the fitted foot's visible surface
    (measured 0.92-0.97 on real feet, 0.98-1.00 on synthetic ones; limit 0.85)."""
    from footscan import load_scan, make_capture, make_foot
    from footscan.consts import MIN_MODEL_SURFACE_SEEN

    real = load_scan(shared_data / "footscan" / "real" / "dupont_left_foot.stl")
    synthetic = make_capture(
        make_foot(506, side="left"), seed=6, n_points=30_000, noise_mm=1.5, missing_sole=True
    )
    for cloud in (real, synthetic.cloud):  # the real mesh measured as a surface, as always
        seen = _surface_seen(cloud, monkeypatch)
        print(f"foot: model surface seen {seen}")
        assert min(seen) > MIN_MODEL_SURFACE_SEEN + 0.05
