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
