"""Size-offset learner: recovers hidden offsets and beats the rule prior on held-out feedback."""

from __future__ import annotations

import numpy as np
import pytest

from storefront.catalog import load_catalog
from storefront.catalog.models import Catalog
from storefront.domain_errors import FeedbackError
from storefront.fit.feedback_sim import hidden_offsets, simulate_feedback
from storefront.fit.learning import (
    LABELS,
    SizeOffsetLearner,
    expected_calibration_error,
    metrics,
    prequential_evaluation,
)
from storefront.fit.profiles import FootProfile
from storefront.fit.recommend import recommend


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def sim(catalog):
    truth = hidden_offsets(catalog, seed=11)
    rows = simulate_feedback(catalog, 2500, truth, seed=12)
    return truth, rows


def test_simulated_labels_are_mostly_fits_and_depend_on_truth(catalog, sim) -> None:
    truth, rows = sim
    shares = {lab: np.mean([r["label"] == lab for r in rows]) for lab in LABELS}
    assert shares["fits"] == max(shares.values())
    # Articles that truly run long collect more "too_large".
    longest = max(catalog.models, key=lambda m: truth.total_mm(m.id, m.shop_id))
    shortest = min(catalog.models, key=lambda m: truth.total_mm(m.id, m.shop_id))
    large = [r["label"] == "too_large" for r in rows if r["model_id"] == longest.id]
    small = [r["label"] == "too_large" for r in rows if r["model_id"] == shortest.id]
    assert np.mean(large) > np.mean(small)


def test_learned_offsets_recover_the_hidden_ones(catalog, sim) -> None:
    truth, rows = sim
    learner = SizeOffsetLearner(catalog).fit(rows)
    mo, so = learner.offsets_mm()
    est = np.array([mo.get(m.id, 0.0) + so.get(m.shop_id, 0.0) for m in catalog.models])
    true = np.array([truth.total_mm(m.id, m.shop_id) for m in catalog.models])
    assert np.corrcoef(est, true)[0, 1] > 0.8
    assert np.mean(np.abs(est - true)) < 0.75 * np.mean(np.abs(true))
    assert learner.offsets() == {"model": mo, "brand": so}


def test_learned_model_beats_rule_prior_on_held_out_feedback(catalog, sim) -> None:
    truth, rows = sim
    ev = prequential_evaluation(catalog, rows, n_blocks=5, truth=truth, n_boot=100)
    learned = ev.methods["learned offsets"]
    for base in ("rule prior (fixed)", "rule features, no offsets", "majority class"):
        assert learned["log_loss"] < ev.methods[base]["log_loss"]
        assert ev.logloss_gain_ci[base][0] > 0.0  # the whole 95 % CI favours the learner
    assert learned["auc_ovr"] > ev.methods["rule features, no offsets"]["auc_ovr"]
    assert learned["macro_f1"] > ev.methods["rule prior (fixed)"]["macro_f1"]
    assert learned["ece"] < 0.05
    assert ev.offset_error_mm["learned_mae_mm"] < ev.offset_error_mm["rule_prior_mae_mm"]


def test_recommend_uses_learned_offsets(catalog, sim) -> None:
    _, rows = sim
    learner = SizeOffsetLearner(catalog).fit(rows)
    mo, so = learner.offsets_mm()
    foot = FootProfile.average(262.0)
    plain = {r.model_id: r.best_size for r in recommend(foot, None, catalog, top_n=46)}
    learned = {r.model_id: r.best_size for r in recommend(foot, None, catalog, offsets=learner,
                                                          top_n=46)}  # fmt: skip
    moved = [k for k in plain if plain[k] != learned[k]]
    assert moved
    for k in moved:  # runs short (negative offset) -> bigger size, and vice versa
        m = catalog.model(k)
        off = mo.get(k, 0.0) + so.get(m.shop_id, 0.0)
        assert np.sign(learned[k] - plain[k]) == -np.sign(off)


def test_small_or_bad_feedback() -> None:
    assert SizeOffsetLearner().fit([]).offsets_mm() == ({}, {})
    with pytest.raises(FeedbackError, match="label"):
        SizeOffsetLearner().fit(
            [{"foot_length_mm": 260, "model_id": "a", "shop_id": "s", "last_length_mm": 280,
              "label": "meh"}]
        )  # fmt: skip
    with pytest.raises(FeedbackError, match="missing 'model_id'"):
        SizeOffsetLearner().fit([{"foot_length_mm": 260, "label": "fits"}])


def test_metrics_known_answers() -> None:
    y = np.array([0, 1, 2, 1])
    perfect = np.eye(3)[y]
    m = metrics(y, perfect)
    assert m["auc_ovr"] == 1.0 and m["macro_f1"] == 1.0 and m["log_loss"] < 1e-6
    assert expected_calibration_error(y, perfect) == pytest.approx(0.0)
    uniform = np.full((4, 3), 1 / 3)
    assert metrics(y, uniform)["log_loss"] == pytest.approx(np.log(3))
