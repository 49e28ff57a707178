"""Standing balance and sway."""

from __future__ import annotations

import pytest

from gait import analyze, synthesize


def test_left_right_balance_and_sway():
    rec = synthesize([("walking", 20), ("standing", 30)], standing_left_share=0.6, seed=3)
    post = analyze(rec).posture
    assert post.standing_s > 25
    assert post.left_share_pct == pytest.approx(60.0, abs=3.0)
    assert 0.3 < post.sway_ml_mm < 10 and 0.3 < post.sway_ap_mm < 15
    assert 0 < post.rear_share_pct < 100
    assert post.sway_velocity_mm_s > 0


def test_even_standing_without_walking_uses_body_weight():
    post = analyze(synthesize([("standing", 30)], seed=4)).posture
    assert post.left_share_pct == pytest.approx(50.0, abs=3.0)


def test_no_standing():
    post = analyze(synthesize([("walking", 30)], seed=4)).posture
    assert post.left_share_pct is None and post.sway_ml_mm is None
