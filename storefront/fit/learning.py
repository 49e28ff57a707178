"""Learn per-model and per-brand size offsets from "too small / fits / too large" feedback.

Model: a multinomial logistic regression (scikit-learn) on

* ``d``: rule margin in mm = last length + catalog brand offset - foot length - advised toe room
  (what the rule prior of :mod:`storefront.fit.rules` reasons about),
* ``g``: ball-girth margin in mm (last - foot),
* one-hot model id and one-hot brand (shop) id.

L2 regularisation shrinks the one-hot weights towards zero, i.e. towards the rule prior, and
shares evidence through the brand when a model has little feedback (the brand one-hot is cheaper
than repeating the same shift in every model of the brand). An offset in mm is the one-hot
weight's effect on the log-odds of "too large" vs "too small" divided by the effect of one mm of
``d``: ``offset = (w_L,k - w_S,k) / (w_L,d - w_S,d)``. + means the article runs long, as in
:func:`storefront.fit.rules.fit_model` (``learned_offset_mm`` = model + brand offset).

Evaluation (``python -m storefront.fit.learning evaluate``): prequential in time order (each block
of feedback is predicted by a model trained on everything before it) on simulated shoppers with
hidden true offsets (:mod:`storefront.fit.feedback_sim`), against the majority class, the per-model
majority, the fixed rule prior, and the same regression without offsets ("rule features").
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, log_loss, roc_auc_score

from storefront.catalog.models import Catalog
from storefront.domain_errors import FeedbackError

__all__ = [
    "LABELS",
    "DEFAULT_ADVISED_MM",
    "SizeOffsetLearner",
    "RulePrior",
    "MajorityBaseline",
    "PerModelMajority",
    "validate_rows",
    "metrics",
    "expected_calibration_error",
    "prequential_evaluation",
    "main",
]

LABELS: tuple[str, ...] = ("too_small", "fits", "too_large")
#: Advised toe room assumed when no catalog is given, mm.
DEFAULT_ADVISED_MM = 12.0
_D_SCALE_MM = 5.0  # features are divided by these for conditioning
_G_SCALE_MM = 10.0
_REQUIRED = ("foot_length_mm", "model_id", "shop_id", "last_length_mm", "label")


def validate_rows(
    rows: Iterable[Mapping[str, Any]], require_label: bool = True
) -> list[Mapping[str, Any]]:
    """Check feedback rows; raises :class:`FeedbackError` naming the row and field."""
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, Mapping):
            raise FeedbackError(f"feedback row {i}: expected an object")
        for k in _REQUIRED:
            if r.get(k) is None and (require_label or k != "label"):
                raise FeedbackError(f"feedback row {i}: missing {k!r}")
        if (require_label or r.get("label") is not None) and r.get("label") not in LABELS:
            raise FeedbackError(f"feedback row {i}: label {r['label']!r} is not one of {LABELS}")
        for k in ("foot_length_mm", "last_length_mm", "ball_girth_mm", "last_girth_mm"):
            v = r.get(k)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
            ):
                raise FeedbackError(f"feedback row {i}: {k} must be a number, got {v!r}")
        out.append(r)
    return out


class _Features:
    """Row -> (rule margin d, girth margin g) using the catalog's advice and brand offsets."""

    def __init__(self, catalog: Catalog | None) -> None:
        self.advised: dict[str, float] = {}
        self.brand: dict[str, float] = {}
        if catalog is not None:
            self.advised = {m.id: m.toe_allowance_mm for m in catalog.models}
            self.brand = {s.id: s.size_offset_mm for s in catalog.shops}

    def numeric(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        out = np.empty((len(rows), 2))
        for i, r in enumerate(rows):
            adv = self.advised.get(r["model_id"], DEFAULT_ADVISED_MM)
            d = r["last_length_mm"] + self.brand.get(r["shop_id"], 0.0) - r["foot_length_mm"] - adv
            fg, lg = r.get("ball_girth_mm"), r.get("last_girth_mm")
            g = 0.0 if fg is None or lg is None else lg - fg
            out[i] = (d, g)
        return out


class SizeOffsetLearner:
    """Multinomial logistic regression that yields per-model and per-brand offsets (mm).

    Parameters
    ----------
    catalog : Catalog, optional
        Supplies each model's advised toe room and the brand offsets the rule prior already
        applies; without it, 12 mm and 0 mm are assumed (offsets then absorb the difference).
    C : float
        Inverse L2 strength (smaller: offsets shrink harder towards the rule prior).
    min_rows : int
        Below this many rows, :meth:`fit` learns nothing and all offsets are 0.
    use_ids : bool
        False drops the model and brand one-hots: the "rule features, no offsets" baseline.
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        C: float = 1.0,
        min_rows: int = 20,
        use_ids: bool = True,
    ) -> None:
        self.catalog = catalog
        self.C = C
        self.min_rows = min_rows
        self.use_ids = use_ids

    def _design(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        num = self.features_.numeric(rows)
        x = np.zeros((len(rows), 2 + len(self.model_ids_) + len(self.shop_ids_)))
        x[:, 0] = num[:, 0] / _D_SCALE_MM
        x[:, 1] = num[:, 1] / _G_SCALE_MM
        for i, r in enumerate(rows):
            j = self.model_ix_.get(r["model_id"])
            if j is not None:
                x[i, 2 + j] = 1.0
            k = self.shop_ix_.get(r["shop_id"])
            if k is not None:
                x[i, 2 + len(self.model_ids_) + k] = 1.0
        return x

    def fit(self, rows: Iterable[Mapping[str, Any]]) -> SizeOffsetLearner:
        """Fit on feedback rows; returns self."""
        rows = validate_rows(rows)
        self.features_ = _Features(self.catalog)
        self.n_rows_ = len(rows)
        self.model_ids_ = sorted({r["model_id"] for r in rows}) if self.use_ids else []
        self.shop_ids_ = sorted({r["shop_id"] for r in rows}) if self.use_ids else []
        self.model_ix_ = {m: i for i, m in enumerate(self.model_ids_)}
        self.shop_ix_ = {s: i for i, s in enumerate(self.shop_ids_)}
        y = np.array([LABELS.index(r["label"]) for r in rows])
        self.clf_: LogisticRegression | None = None
        self.prior_ = np.bincount(y, minlength=3) + 1.0 if len(rows) else np.ones(3)
        self.prior_ = self.prior_ / self.prior_.sum()
        if len(rows) < self.min_rows or len(set(y.tolist())) < 2:
            return self
        clf = LogisticRegression(C=self.C, max_iter=2000)
        clf.fit(self._design(rows), y)
        self.clf_ = clf
        return self

    def predict_proba(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """``(n, 3)`` probabilities in ``LABELS`` order."""
        rows = validate_rows(rows, require_label=False)
        if self.clf_ is None:
            return np.tile(self.prior_, (len(rows), 1))
        p = self.clf_.predict_proba(self._design(rows))
        out = np.zeros((len(rows), 3))
        out[:, self.clf_.classes_] = p
        return out

    def _offsets(self) -> tuple[dict[str, float], dict[str, float]]:
        if self.clf_ is None:
            return {}, {}
        w = np.zeros((3, self.clf_.coef_.shape[1]))
        w[self.clf_.classes_] = self.clf_.coef_
        contrast = w[2] - w[0]  # log-odds of too_large vs too_small
        per_mm = contrast[0] / _D_SCALE_MM
        if not per_mm > 1e-6:  # no length signal yet: no offsets
            return {}, {}
        n_m = len(self.model_ids_)
        model = {m: float(contrast[2 + i] / per_mm) for i, m in enumerate(self.model_ids_)}
        shop = {s: float(contrast[2 + n_m + i] / per_mm) for i, s in enumerate(self.shop_ids_)}
        return model, shop

    def offsets_mm(self) -> tuple[dict[str, float], dict[str, float]]:
        """``({model_id: mm}, {shop_id: mm})``; + means the article runs long."""
        return self._offsets()

    def offsets(self) -> dict[str, dict[str, float]]:
        """Same as :meth:`offsets_mm` as ``{"model": {...}, "brand": {...}}``."""
        model, shop = self._offsets()
        return {"model": model, "brand": shop}


class RulePrior:
    """The fixed rule prior as probabilities: an ordinal logistic on the rule margin ``d``.

    Cut points at the middle of the "snug" band (-3 mm) and of the "roomy" band (9.5 mm) of
    :mod:`storefront.fit.rules`, with a 1.5 mm logistic scale. Nothing is learned.
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.features = _Features(catalog)

    def fit(self, rows: Iterable[Mapping[str, Any]]) -> RulePrior:
        """Nothing to learn: the rule prior is fixed. Returns ``self``."""
        return self

    def predict_proba(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Label probabilities from the rule margin alone.

        Parameters
        ----------
        rows : sequence of mapping
            Feedback rows (see :class:`SizeOffsetLearner`).

        Returns
        -------
        numpy.ndarray
            ``(n, 3)`` probabilities of ``too_small``, ``fits``, ``too_large``; logistic edges at
            a margin of -3 mm and 9.5 mm (scale 1.5 mm).
        """
        d = self.features.numeric(rows)[:, 0]
        small = 1.0 / (1.0 + np.exp((d + 3.0) / 1.5))
        large = 1.0 / (1.0 + np.exp(-(d - 9.5) / 1.5))
        fits = np.clip(1.0 - small - large, 1e-6, None)
        p = np.column_stack([small, fits, large])
        return p / p.sum(axis=1, keepdims=True)


class MajorityBaseline:
    """Class frequencies of the training rows (add-one smoothed)."""

    def fit(self, rows: Iterable[Mapping[str, Any]]) -> MajorityBaseline:
        """Learn the label frequencies (add-one smoothed). Returns ``self``."""
        c = Counter(r["label"] for r in rows)
        p = np.array([c.get(lab, 0) + 1.0 for lab in LABELS])
        self.p_ = p / p.sum()
        return self

    def predict_proba(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """The learned label frequencies for every row: ``(n, 3)`` array."""
        return np.tile(self.p_, (len(rows), 1))


class PerModelMajority:
    """Per-model label frequencies, shrunk towards the global ones (5 pseudo-rows)."""

    def fit(self, rows: Iterable[Mapping[str, Any]]) -> PerModelMajority:
        """Learn per-model label frequencies shrunk towards the global ones. Returns ``self``."""
        rows = list(rows)
        self.glob_ = MajorityBaseline().fit(rows).p_
        counts: dict[str, np.ndarray] = {}
        for r in rows:
            counts.setdefault(r["model_id"], np.zeros(3))[LABELS.index(r["label"])] += 1
        self.p_ = {m: (c + 5.0 * self.glob_) / (c.sum() + 5.0) for m, c in counts.items()}
        return self

    def predict_proba(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Each row's model frequencies (global ones for an unseen model): ``(n, 3)`` array."""
        return np.array([self.p_.get(r["model_id"], self.glob_) for r in rows])


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Top-label ECE: mean |accuracy - confidence| over equal-width confidence bins."""
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(float)
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            ece += sel.mean() * abs(correct[sel].mean() - conf[sel].mean())
    return float(ece)


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Log-loss, mean one-vs-rest AUC, macro-F1 and ECE of ``(n, 3)`` probabilities."""
    p = np.clip(p, 1e-9, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    present = [k for k in range(3) if 0 < (y == k).sum() < len(y)]
    auc = float(np.mean([roc_auc_score(y == k, p[:, k]) for k in present])) if present else math.nan
    return {
        "log_loss": float(log_loss(y, p, labels=[0, 1, 2])),
        "auc_ovr": auc,
        "macro_f1": float(f1_score(y, p.argmax(axis=1), labels=[0, 1, 2], average="macro",
                                   zero_division=0)),
        "ece": expected_calibration_error(y, p),
    }  # fmt: skip


@dataclass(frozen=True)
class Evaluation:
    """Prequential metrics per method, and bootstrap CIs of the learned-minus-baseline gap."""

    n_rows: int
    n_predicted: int
    label_shares: dict[str, float]
    methods: dict[str, dict[str, float]]
    logloss_gain_ci: dict[str, tuple[float, float]]
    offset_error_mm: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "n_predicted": self.n_predicted,
            "label_shares": self.label_shares,
            "methods": self.methods,
            "logloss_gain_ci_95": {k: list(v) for k, v in self.logloss_gain_ci.items()},
            "offset_error_mm": self.offset_error_mm,
        }


def prequential_evaluation(
    catalog: Catalog,
    rows: Sequence[Mapping[str, Any]],
    n_blocks: int = 8,
    truth: Any = None,
    n_boot: int = 300,
    seed: int = 0,
) -> Evaluation:
    """Predict each time block from a model trained on all earlier blocks (rows in time order).

    Parameters
    ----------
    catalog : Catalog
    rows : sequence of feedback rows, oldest first
    n_blocks : int
        The first block is only trained on.
    truth : HiddenOffsets, optional
        If given, also reports the mean absolute error of the final learned total offsets.
    """
    rows = validate_rows(rows)
    if len(rows) < 2 * n_blocks:
        raise FeedbackError(f"need at least {2 * n_blocks} rows for {n_blocks} blocks")
    edges = np.linspace(0, len(rows), n_blocks + 1).astype(int)
    factories: dict[str, Callable[[], Any]] = {
        "learned offsets": lambda: SizeOffsetLearner(catalog),
        "rule features, no offsets": lambda: SizeOffsetLearner(catalog, use_ids=False),
        "rule prior (fixed)": lambda: RulePrior(catalog),
        "majority class": MajorityBaseline,
        "per-model majority": PerModelMajority,
    }
    preds: dict[str, list[np.ndarray]] = {k: [] for k in factories}
    for b in range(1, n_blocks):
        train, test = rows[: edges[b]], rows[edges[b] : edges[b + 1]]
        for name, make in factories.items():
            preds[name].append(make().fit(train).predict_proba(test))
    y = np.array([LABELS.index(r["label"]) for r in rows[edges[1] :]])
    probs = {k: np.vstack(v) for k, v in preds.items()}
    methods = {k: metrics(y, p) for k, p in probs.items()}
    rng = np.random.default_rng(seed)

    def row_ll(p: np.ndarray) -> np.ndarray:
        return -np.log(np.clip(p[np.arange(len(y)), y], 1e-9, 1.0))

    ll = {k: row_ll(p) for k, p in probs.items()}
    cis = {}
    for k in probs:
        if k == "learned offsets":
            continue
        gain = ll[k] - ll["learned offsets"]  # > 0: learned is better
        boots = [gain[rng.integers(0, len(y), len(y))].mean() for _ in range(n_boot)]
        cis[k] = (float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5)))
    err: dict[str, float] = {}
    if truth is not None:
        final = SizeOffsetLearner(catalog).fit(rows)
        mo, so = final.offsets_mm()
        est = [mo.get(m.id, 0.0) + so.get(m.shop_id, 0.0) for m in catalog.models]
        true = [truth.total_mm(m.id, m.shop_id) for m in catalog.models]
        err = {
            "learned_mae_mm": float(np.mean(np.abs(np.subtract(est, true)))),
            "rule_prior_mae_mm": float(np.mean(np.abs(true))),
        }
    shares = Counter(r["label"] for r in rows)
    return Evaluation(
        n_rows=len(rows),
        n_predicted=len(y),
        label_shares={lab: shares.get(lab, 0) / len(rows) for lab in LABELS},
        methods=methods,
        logloss_gain_ci=cis,
        offset_error_mm=err,
    )


def _format(ev: Evaluation) -> str:
    lines = [
        f"rows {ev.n_rows}, predicted prequentially {ev.n_predicted}; label shares "
        + ", ".join(f"{k} {v:.1%}" for k, v in ev.label_shares.items()),
        f"{'method':28s} {'log-loss':>9s} {'AUC(ovr)':>9s} {'macro-F1':>9s} {'ECE':>7s}",
    ]
    for k, m in ev.methods.items():
        lines.append(
            f"{k:28s} {m['log_loss']:9.4f} {m['auc_ovr']:9.4f} {m['macro_f1']:9.4f} {m['ece']:7.4f}"
        )
    for k, (lo, hi) in ev.logloss_gain_ci.items():
        lines.append(f"log-loss gain of learned over {k}: 95% CI [{lo:.4f}, {hi:.4f}]")
    for k, v in ev.offset_error_mm.items():
        lines.append(f"{k}: {v:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m storefront.fit.learning evaluate [--rows N] [--seed S] [--json]``."""
    from storefront.catalog.loader import load_catalog
    from storefront.fit.feedback_sim import hidden_offsets, simulate_feedback

    ap = argparse.ArgumentParser(prog="python -m storefront.fit.learning")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("evaluate", help="prequential evaluation on simulated shoppers")
    ev.add_argument("--rows", type=int, default=6000)
    ev.add_argument("--blocks", type=int, default=8)
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    catalog = load_catalog()
    truth = hidden_offsets(catalog, seed=args.seed)
    rows = simulate_feedback(catalog, args.rows, truth, seed=args.seed + 1)
    result = prequential_evaluation(catalog, rows, n_blocks=args.blocks, truth=truth)
    print(json.dumps(result.to_dict(), indent=1) if args.json else _format(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
