"""Two feet in one capture (issue 8): :func:`footscan._scene.split_feet`."""

from __future__ import annotations

import numpy as np
import pytest

from footscan._align import floor_basis
from footscan._scene import FootCluster, split_feet
from footscan.exceptions import ScanValidationError


def _above_floor(scene) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Points more than 5 mm above the true floor, in a floor frame; their foot ids, labels."""
    h = scene.heights_mm()
    keep = h > 5.0
    pf = scene.points_mm[keep] @ floor_basis(scene.up).T
    pf[:, 2] = h[keep]
    return pf, scene.foot_ids[keep], scene.labels[keep]


def _purity(cluster: FootCluster, ids: np.ndarray, pf: np.ndarray) -> tuple[int, float]:
    """Majority foot of the cluster's points below 100 mm, and its share."""
    lab = ids[cluster.indices][pf[cluster.indices, 2] < 100.0]
    lab = lab[lab >= 0]
    counts = np.bincount(lab, minlength=2)
    return int(np.argmax(counts)), float(counts.max() / counts.sum())


@pytest.mark.parametrize(
    ("seed", "gap_mm", "touching"),
    [(0, 20.0, False), (1, 50.0, False), (2, 100.0, False), (1, 10.0, False), (0, 0.0, True)],
)
def test_two_feet_are_split(seed: int, gap_mm: float, touching: bool) -> None:
    """Side by side 1-10 cm apart, or big toes touching: two pieces, one foot each."""
    from scenes import LABEL_DEBRIS, two_feet_capture

    scene = two_feet_capture(seed, gap_mm, touching=touching)
    pf, ids, labels = _above_floor(scene)
    feet = split_feet(pf)
    assert len(feet) == 2
    majors = []
    for f in feet:
        major, share = _purity(f, ids, pf)
        majors.append(major)
        assert share > (0.95 if touching else 0.99)
        # Footprint extents of an adult foot (floor projection below the ankle).
        assert 200.0 < f.length_mm < 320.0
        assert 70.0 < f.breadth_mm < 140.0
        assert f.n_points == f.indices.shape[0] == f.points_mm.shape[0]
        assert not np.any(labels[f.indices] == LABEL_DEBRIS)
    assert sorted(majors) == [0, 1]
    assert feet[0].length_mm >= feet[1].length_mm  # longest first
    # Disjoint.
    assert np.intersect1d(feet[0].indices, feet[1].indices).shape[0] == 0


def test_one_foot_is_one_piece_and_debris_is_ignored() -> None:
    from scenes import LABEL_FOOT, carpet_capture

    scene = carpet_capture(2, 0.0, pose=False)
    pts = scene.points_mm
    rng = np.random.default_rng(0)
    debris = np.column_stack([rng.normal(-150.0, 5.0, (300, 2)), rng.uniform(5.0, 20.0, 300)])
    pts = np.vstack([pts[pts[:, 2] > 5.0], debris])
    feet = split_feet(pts)
    assert len(feet) == 1
    assert np.all(feet[0].indices < pts.shape[0] - 300)  # no debris point
    foot_points = np.count_nonzero(scene.labels[scene.points_mm[:, 2] > 5.0] == LABEL_FOOT)
    assert feet[0].n_points >= 0.99 * foot_points


def test_nothing_foot_sized() -> None:
    rng = np.random.default_rng(1)
    assert split_feet(np.zeros((0, 3))) == []
    small = np.column_stack([rng.normal(0.0, 8.0, (2000, 2)), rng.uniform(0.0, 30.0, 2000)])
    assert split_feet(small) == []


def test_bad_input() -> None:
    with pytest.raises(ScanValidationError):
        split_feet(np.zeros((10, 2)))
    with pytest.raises(ScanValidationError):
        split_feet(np.full((10, 3), np.nan))


def test_order_and_mirror_invariance() -> None:
    """Shuffling the points or mirroring the scene gives the same pieces."""
    from scenes import two_feet_capture

    pf, _, _ = _above_floor(two_feet_capture(3, 40.0))
    base = split_feet(pf)
    perm = np.random.default_rng(2).permutation(pf.shape[0])
    shuffled = split_feet(pf[perm])
    assert [f.n_points for f in shuffled] == [f.n_points for f in base]
    mirrored = split_feet(pf * [1.0, -1.0, 1.0])
    assert [f.n_points for f in mirrored] == pytest.approx([f.n_points for f in base], rel=0.01)


def test_each_split_foot_measures_like_its_own_capture() -> None:
    """Integration recipe: measure the capture with the other foot's points removed.

    Measured on seeds 0-2 at 30 mm: sides right, foot length within 0.4 mm of the truth.
    """
    from scenes import two_feet_capture

    from footscan import measure_points

    scene = two_feet_capture(0, 30.0)
    h = scene.heights_mm()
    above = np.flatnonzero(h > 5.0)
    pf = scene.points_mm[above] @ floor_basis(scene.up).T
    pf[:, 2] = h[above]
    feet = split_feet(pf)
    assert len(feet) == 2
    for k, foot in enumerate(feet):
        other = above[feet[1 - k].indices]
        keep = np.ones(scene.points_mm.shape[0], dtype=bool)
        keep[other] = False
        r = measure_points(scene.points_mm[keep])
        ids = scene.foot_ids[above[foot.indices]]
        truth = scene.feet[int(np.bincount(ids[ids >= 0]).argmax())]
        assert r.side == truth.side
        assert r.measurements.foot_length.value == pytest.approx(
            truth.achieved["foot_length_mm"], abs=1.0
        )
