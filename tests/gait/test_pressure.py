"""Layouts and pressure analysis: region shares, CoP heel to toe, loading tendency, stuck sensors."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gait import FootSignal, Recording, analyze, get_layout, layout_from_positions, synthesize
from gait.analysis._pressure import stuck_sensors


@pytest.mark.parametrize("k", [8, 16])
def test_layouts_inside_outline(k):
    lay = get_layout(k)
    poly = shapely.Polygon(lay.outline_mm)
    assert poly.is_valid
    assert all(poly.contains(shapely.Point(p)) for p in lay.xy_mm)
    assert set(lay.regions) == {"heel", "midfoot", "forefoot", "toe"}
    # The heel sensors sit behind every toe sensor.
    assert lay.xy_mm[lay.region_mask("heel"), 1].max() < lay.xy_mm[lay.region_mask("toe"), 1].min()
    # Mirroring for drawing flips x only.
    np.testing.assert_allclose(lay.plot_xy("right")[:, 0], -lay.xy_mm[:, 0])
    assert not lay.xy_mm.flags.writeable


def test_layout_from_positions_labels_by_position():
    lay = layout_from_positions(np.array([[0, 20], [15, 110], [-15, 160], [0, 230]]))
    assert lay.regions == ("heel", "midfoot", "forefoot", "toe")
    assert lay.medlat == ("central", "medial", "lateral", "central")


@pytest.fixture(scope="module")
def neutral_report():
    return analyze(synthesize([("walking", 40)], seed=4))


def test_region_shares_and_cop(neutral_report):
    p = neutral_report.pressure
    shares = p.region_share
    assert sum(shares.values()) == pytest.approx(1.0)
    assert all(v > 0.02 for v in shares.values())
    for fp in p.feet.values():
        assert fp.cop_steps_heel_to_toe_pct >= 95.0
        path = fp.cop_path_mm
        assert path.shape == (21, 2)
        assert path[-1, 1] - path[0, 1] > 120.0  # mm, heel to toe
    assert p.heel_impact in ("hard", "normal", "soft")


def test_ml_tendency_follows_medial_shift():
    med = analyze(synthesize([("walking", 30)], ml_bias_mm=10.0, seed=5)).pressure
    lat = analyze(synthesize([("walking", 30)], ml_bias_mm=-10.0, seed=5)).pressure
    assert med.ml_index > lat.ml_index + 0.2
    # Against the wearer's own (neutral) baseline the shifts show as tendencies.
    base = analyze(synthesize([("walking", 30)], seed=5)).pressure.ml_index
    rec_med = synthesize([("walking", 30)], ml_bias_mm=10.0, seed=6)
    assert analyze(rec_med, baseline_ml_index=base).pressure.ml_tendency == "medial"
    rec_lat = synthesize([("walking", 30)], ml_bias_mm=-10.0, seed=6)
    assert analyze(rec_lat, baseline_ml_index=base).pressure.ml_tendency == "lateral"
    assert analyze(rec_lat, baseline_ml_index=base).pressure.ml_reference_kind == "own baseline"


def test_stuck_sensors():
    v = np.random.default_rng(0).random((500, 4))
    v[:, 1] = 0.0
    v[:, 3] = 4095.0
    assert stuck_sensors(v) == [1, 3]


def test_no_positions_no_pressure():
    rec = synthesize([("walking", 20)], n_sensors=8)
    bare = Recording(
        100.0, FootSignal("left", rec.left.values), FootSignal("right", rec.right.values)
    )
    p = analyze(bare).pressure
    assert p.feet == {} and p.ml_index is None and p.region_share["heel"] is None
