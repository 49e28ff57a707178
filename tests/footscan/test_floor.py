"""Floor / support plane detection."""

from __future__ import annotations

import numpy as np
import pytest

from footscan._floor import fit_floor, heights_mm


def _tilt(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


@pytest.fixture
def foot_like() -> np.ndarray:
    """A half-ellipsoid 'foot' (260 x 100 x 70 mm) on a noisy 500 x 350 mm floor."""
    rng = np.random.default_rng(0)
    u = rng.normal(size=(12_000, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    body = u * [130, 50, 70]
    body = body[body[:, 2] > 0]
    sole = rng.uniform(-1, 1, (6000, 2))
    sole = sole[(sole**2).sum(axis=1) < 1] * [130, 50]
    body = np.vstack([body, np.column_stack([sole, np.zeros(len(sole))])])
    floor = np.column_stack(
        [rng.uniform(-250, 250, 15_000), rng.uniform(-175, 175, 15_000), rng.normal(0, 1, 15_000)]
    )
    return np.vstack([body, floor])


def test_tilted_floor_found(foot_like: np.ndarray) -> None:
    rot = _tilt(35.0)
    pts = foot_like @ rot.T + [10.0, -40.0, 300.0]
    plane = fit_floor(pts)
    assert plane is not None and plane.floor_found
    up = rot @ np.array([0.0, 0.0, 1.0])
    assert np.degrees(np.arccos(np.clip(plane.normal @ up, -1, 1))) < 1.0
    h = heights_mm(pts, plane)
    assert abs(np.median(h[-15_000:])) < 0.3  # floor points at height 0
    assert plane.rms_mm < 1.5


def test_upside_down_capture_orients_normal(foot_like: np.ndarray) -> None:
    pts = foot_like @ _tilt(180.0).T
    plane = fit_floor(pts)
    assert plane is not None
    assert plane.normal @ np.array([0.0, 0.0, -1.0]) > 0.99


def test_no_floor_gives_sole_support_plane(foot_like: np.ndarray) -> None:
    body = foot_like[:-15_000]  # the half-ellipsoid with its flat sole
    plane = fit_floor(body @ _tilt(20.0).T)
    assert plane is not None and not plane.floor_found
    assert plane.normal @ (_tilt(20.0) @ [0, 0, 1.0]) > 0.99


def test_sphere_has_no_real_support_plane() -> None:
    rng = np.random.default_rng(3)
    u = rng.normal(size=(8000, 3))
    plane = fit_floor(60 * u / np.linalg.norm(u, axis=1, keepdims=True))
    # At most a tangent cap: the pipeline then rejects the shape (test_badinput).
    assert plane is None or not plane.floor_found
