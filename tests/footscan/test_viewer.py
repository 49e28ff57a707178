"""Notebook viewer: builds the pythreejs scene when the extra is installed."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from footscan._synthetic import make_foot
from footscan._synthetic_capture import make_capture
from footscan._viewer import foot_viewer
from footscan.exceptions import MissingExtraError


@pytest.fixture(scope="module")
def foot():
    return make_foot(31, shape=False)


def test_viewer_builds_mesh_and_measurement_lines(foot) -> None:
    pytest.importorskip("pythreejs")
    length = foot.achieved["foot_length_mm"]
    girth_loop = np.column_stack(
        [
            np.full(33, 180.0),
            45 * np.cos(np.linspace(0, 2 * np.pi, 33)),
            30 + 25 * np.sin(np.linspace(0, 2 * np.pi, 33)),
        ]
    )
    view = foot_viewer(foot, {"foot length": [[0, 0, 0], [length, 0, 0]], "ball girth": girth_loop})
    pos = np.asarray(view.mesh.geometry.attributes["position"].array)
    assert pos.shape == foot.vertices_mm.shape
    assert pos[:, 1].min() == pytest.approx(0.0, abs=1e-6)  # +Y up, metres
    assert np.ptp(pos[:, 0]) < 0.4
    line = np.asarray(view.lines["foot length"].geometry.attributes["position"].array)
    assert line[1, 0] - line[0, 0] == pytest.approx(length / 1000.0, rel=1e-5)
    assert set(view.lines) == {"foot length", "ball girth"}
    assert view.renderer.scene is view.scene
    assert view.mesh.material.metalness == 0.0


def test_viewer_meshes_point_clouds(foot) -> None:
    pytest.importorskip("pythreejs")
    cap = make_capture(
        foot, 1, n_points=20_000, pose=False, floor=False, leg=False, outlier_fraction=0.0
    )
    view = foot_viewer(cap.cloud.points_mm)
    assert np.asarray(view.mesh.geometry.attributes["index"].array).size > 3000


def test_viewer_names_the_missing_extra(monkeypatch, foot) -> None:
    monkeypatch.setitem(sys.modules, "pythreejs", None)
    with pytest.raises(MissingExtraError, match=r"shoestreet\[viewer\]"):
        foot_viewer(foot)
