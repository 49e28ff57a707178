"""Clean-up primitives: voxel grid, outlier removal, components, noise estimate."""

from __future__ import annotations

import numpy as np
import pytest

from footscan._clean import (
    component_mask,
    estimate_noise_mm,
    statistical_outlier_mask,
    voxel_downsample,
)


@pytest.fixture
def plane_points() -> np.ndarray:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, (20_000, 2))
    return np.column_stack([xy, np.zeros(len(xy))])


def test_voxel_centroids_and_count() -> None:
    pts = np.array([[0.1, 0.1, 0.1], [0.3, 0.3, 0.3], [5.2, 0.0, 0.0], [5.4, 0.0, 0.0]])
    out = voxel_downsample(pts, 1.0)
    assert out.shape == (2, 3)
    assert np.allclose(np.sort(out[:, 0]), [0.2, 5.3])


def test_voxel_bounds_points_per_cell(plane_points: np.ndarray) -> None:
    out = voxel_downsample(plane_points, 2.0)
    assert out.shape[0] <= (100 / 2 + 1) ** 2
    assert out.shape[0] > 0.8 * (100 / 2) ** 2


def test_sor_drops_far_outliers(plane_points: np.ndarray) -> None:
    outliers = np.array([[50.0, 50.0, 40.0], [-30.0, 20.0, 10.0], [150.0, 150.0, -20.0]])
    pts = np.vstack([plane_points, outliers])
    keep = statistical_outlier_mask(pts, 16, 2.5)
    assert not keep[-3:].any()
    assert keep[:-3].mean() > 0.97


def test_component_keeps_main_piece() -> None:
    rng = np.random.default_rng(1)
    main = rng.uniform(0, 50, (5000, 3))
    speck = rng.uniform(0, 1, (20, 3)) + 500.0
    keep = component_mask(np.vstack([main, speck]), 5.0)
    assert keep[:5000].all() and not keep[5000:].any()


def test_noise_estimate_tracks_sigma(plane_points: np.ndarray) -> None:
    rng = np.random.default_rng(2)
    assert estimate_noise_mm(plane_points) < 0.01
    noisy = plane_points + np.column_stack(
        [np.zeros((len(plane_points), 2)), rng.normal(0, 1.0, len(plane_points))]
    )
    # Sparse samples: neighbourhoods span ~1.5 mm, so part of the noise looks like shape.
    assert 0.4 < estimate_noise_mm(noisy) < 1.2
