"""Layouts and pressure analysis: region shares, CoP heel to toe, loading tendency, stuck sensors."""

from __future__ import annotations

import warnings

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


def _steps_one_by_one(v, tot, valid, table, fs, xy):
    """The per-step CoP path and loading rate, one step at a time (the plain definition)."""
    grid = np.linspace(0.0, 1.0, 21)
    paths, fwd, rates = [], [], []
    for a_s, b_s in zip(table.ic_s, table.fc_s, strict=True):
        a, b = int(round(a_s * fs)), int(round(b_s * fs))
        if b - a < 5 or a < 0 or b > tot.size or not valid[a:b].all():
            continue
        s = v[a:b].sum(axis=1)
        ok = s > 0.05 * max(float(s.max()), 1e-12)
        if ok.sum() < 4:
            continue
        cop = (v[a:b][ok] @ xy) / s[ok, None]
        ph = np.flatnonzero(ok) / max(b - a - 1, 1)
        path = np.column_stack([np.interp(grid, ph, cop[:, 0]), np.interp(grid, ph, cop[:, 1])])
        paths.append(path)
        fwd.append(path[-3, 1] - path[2, 1] >= np.ptp(xy[:, 1]) / 3.0)
        head = s[: max(int(0.2 * (b - a)), 2)]
        rates.append(float(np.max(np.diff(head)) * fs / s.mean()))
    return np.mean(paths, axis=0), np.array(fwd), np.array(rates)


def test_step_paths_all_at_once_equal_step_by_step():
    from gait.analysis._pressure import _step_paths, foot_layout

    rec = synthesize([("walking", 40), ("standing", 5), ("walking", 20)], seed=11)
    rep = analyze(rec)
    for side, foot in rec.feet.items():
        table = rep.tables[side]
        v = np.clip(np.nan_to_num(foot.values) - 5.0, 0.0, None)
        valid = np.ones(foot.n_samples, bool)
        valid[1500:1530] = False  # a hole: steps over it are left out
        v[~valid] = 0.0
        tot = v.sum(axis=1)
        xy = foot_layout(foot).xy_mm
        want = _steps_one_by_one(v, tot, valid, table, rec.sampling_rate_hz, xy)
        got = _step_paths(v, tot, valid, table, rec.sampling_rate_hz, xy)
        assert got[1].size == want[1].size > 30
        np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-9)
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_allclose(got[2], want[2], rtol=1e-12)


def test_sorted_percentiles_equal_numpy():
    from gait.analysis._quantiles import column_percentiles, percentiles, row_percentiles

    rng = np.random.default_rng(3)
    q = [0.0, 1.0, 2.0, 5.0, 37.3, 50.0, 95.0, 99.0, 100.0]
    for _ in range(60):
        n, k = int(rng.integers(1, 2000)), int(rng.integers(1, 17))
        v = np.round(rng.gamma(1.0, 20.0, (n, k)), int(rng.integers(0, 3)))
        v[rng.random(v.shape) < 0.3] = 0.0  # ties
        np.testing.assert_array_equal(column_percentiles(v, q), np.percentile(v, q, axis=0))
        np.testing.assert_array_equal(percentiles(v[:, 0], q), np.percentile(v[:, 0], q))
        np.testing.assert_array_equal(row_percentiles(v.T.copy(), q), np.percentile(v.T, q, axis=1))
        v[rng.random(v.shape) < 0.2] = np.nan
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = np.nanpercentile(v, q, axis=0)
        np.testing.assert_array_equal(column_percentiles(v, q, ignore_nan=True), want)
        np.testing.assert_array_equal(column_percentiles(v, q), np.percentile(v, q, axis=0))
