"""Manufacturer aggregates: floor, differencing attack vs epsilon, budget, deletion, refusals."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from storefront.domain_errors import DomainError, PrivacyBudgetExceeded, QueryTooNarrow
from storefront.makers.privacy import (
    FOOT_LENGTH_BINS,
    BudgetLedger,
    arch_distribution,
    girth_distribution,
    length_bin,
    person_record,
    records_for_release,
    release_counts,
    width_fitting,
)


def _people(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        fl = float(rng.normal(255.0, 14.0))
        g = float(rng.normal(0.93 * fl + 0.5, 7.0))
        rec = person_record(
            {"foot_length_mm": fl, "ball_girth_mm": g, "arch_height_mm": float(rng.normal(16, 5))},
            age_years=float(rng.uniform(10, 95)),
            region=str(rng.choice(["UK", "KR", "EU-west"])),
            sex=str(rng.choice(["female", "male"])),
        )
        out.append({"person_id": i, "consent": bool(rng.random() < 0.9), "record": rec, "t": 0})
    return out


def test_bins_are_public_and_fixed() -> None:
    assert FOOT_LENGTH_BINS[0] == "100-105" and FOOT_LENGTH_BINS[-1] == "325-330"
    assert all(int(b.split("-")[1]) - int(b.split("-")[0]) == 5 for b in FOOT_LENGTH_BINS)
    assert length_bin(264.9) == "260-265" and length_bin(265.0) == "265-270"
    assert length_bin(None) == "unknown" and length_bin(1e6) == "unknown"
    assert width_fitting(265.0, 247.0) == "regular"
    assert width_fitting(265.0, 247.0 + 14.0) == "wide"
    assert width_fitting(265.0, 247.0 - 10.0) == "narrow"


@pytest.mark.parametrize("dims", [["length_bin"], ["length_bin", "width"],
                                  ["age_band", "region", "sex"]])  # fmt: skip
@pytest.mark.parametrize("seed", [None, 1, 2])
def test_no_released_cell_under_the_floor(dims, seed) -> None:
    records = records_for_release(_people(800, 5))
    rel = release_counts(records, dims, epsilon=0.5, min_cell=10, seed=seed)
    released = [c.count for c in rel.cells if not c.suppressed]
    assert released and all(v >= 10 for v in released)
    assert all(c.count is None for c in rel.cells if c.suppressed)
    assert rel.n_suppressed == sum(c.suppressed for c in rel.cells)
    # Complementary suppression: no row/column slice holds exactly one suppressed cell.
    if len(dims) > 1:
        for axis in range(len(dims)):
            slices = Counter()
            counts = Counter()
            for c in rel.cells:
                rest = c.key[:axis] + c.key[axis + 1 :]
                counts[rest] += 1
                slices[rest] += c.suppressed
            assert all(v != 1 for v in slices.values())
    d = rel.to_dict()
    assert d["cells"][0].keys() >= set(dims) | {"count", "suppressed"}


def test_differencing_attack_is_bounded_by_epsilon() -> None:
    """Two datasets that differ by one person: every released outcome for that person's cell
    is at most e^epsilon times likelier under one than under the other (empirically)."""
    eps = 1.0
    cats = {"shape": ("a", "b")}
    # The other cell is far above the floor, so only the person's cell can be suppressed.
    base = [{"shape": "a"}] * 12 + [{"shape": "b"}] * 30
    with_person = base + [{"shape": "a"}]
    n = 10_000

    def outcomes(records):
        out = Counter()
        for _ in range(n):
            out[release_counts(records, ["shape"], eps, categories=cats).value("a")] += 1
        return out

    p, q = outcomes(with_person), outcomes(base)
    ratios = [math.log(p[k] / q[k]) for k in set(p) | set(q) if p[k] >= 400 and q[k] >= 400]
    assert len(ratios) >= 4
    # With >= 400 counts each, the standard error of a log-ratio is <= 0.071: 0.25 is 3.5 SE.
    assert max(abs(r) for r in ratios) <= eps + 0.25
    # ... and the noise is not much larger than needed (the bound is reached).
    assert max(abs(r) for r in ratios) >= eps - 0.25
    # "Suppressed" (None) does not reveal the person beyond epsilon either.
    assert abs(math.log((p[None] + 1) / (q[None] + 1))) <= eps + 0.35  # ~3.3 SE


def test_budget_ledger_refuses_when_spent() -> None:
    ledger = BudgetLedger(epsilon_per_period=1.0, annual_cap=2.5)
    assert ledger.spend("acme", "2026Q1", 0.6) == pytest.approx(0.4)
    with pytest.raises(PrivacyBudgetExceeded, match="only 0.4"):
        ledger.spend("acme", "2026Q1", 0.5)
    assert ledger.spent("acme", "2026Q1") == pytest.approx(0.6)  # refusal spends nothing
    ledger.spend("acme", "2026Q1", 0.4)
    with pytest.raises(PrivacyBudgetExceeded):
        ledger.spend("acme", "2026Q1", 1e-3)
    ledger.spend("other", "2026Q1", 1.0)  # budgets are per manufacturer
    ledger.spend("acme", "2026Q2", 1.0)
    ledger.spend("acme", "2026Q3", 0.5)
    with pytest.raises(PrivacyBudgetExceeded):  # annual cap 2.5 reached
        ledger.spend("acme", "2026Q4", 0.1)
    ledger.spend("acme", "2027Q1", 1.0)
    with pytest.raises(DomainError):
        ledger.spend("acme", "2027Q2", -1.0)


def test_deleted_and_withdrawn_people_vanish_from_releases() -> None:
    people = [
        {"person_id": i, "consent": True, "record": {"length_bin": "260-265"}, "t": 0}
        for i in range(30)
    ] + [{"person_id": 99, "consent": True, "record": {"length_bin": "270-275"}, "t": 0}] * 15
    # Person 5 rescanned: only the latest record counts.
    people.append({"person_id": 5, "consent": True, "record": {"length_bin": "270-275"}, "t": 1})
    cats = {"length_bin": ("260-265", "270-275", "unknown")}
    recs = records_for_release(people)
    assert len(recs) == 31  # one record per person
    # With a very large epsilon the noise is 0 almost surely: the counts are the true ones.
    r = release_counts(recs, ["length_bin"], 10.0, seed=0, categories=cats)
    assert (r.value("260-265"), r.value("270-275")) == (29, None)
    recs = records_for_release(people, deleted_ids=[0, 1])
    r = release_counts(recs, ["length_bin"], 10.0, seed=0, categories=cats)
    assert r.value("260-265") == 27
    withdrawn = [dict(p, consent=False) if p["person_id"] == 2 else p for p in people]
    r = release_counts(records_for_release(withdrawn), ["length_bin"], 10.0, seed=0,
                       categories=cats)  # fmt: skip
    assert r.value("260-265") == 28
    with pytest.raises(DomainError, match="person_id"):
        records_for_release([{"consent": True, "record": {}}])
    with pytest.raises(DomainError, match="record"):
        records_for_release([{"person_id": 1, "consent": True, "record": "260-265"}])


def test_narrow_queries_are_suppressed_not_refused_on_their_size() -> None:
    """Issue 14: a refusal on the exact population was a free oracle; a narrow population is
    released like any other and its noisy cells fall under the floor."""
    few = [{"region": "KR", "age_band": "75+", "sex": "female"}] * 4
    rel = release_counts(few, ["region"], 1.0)
    assert all(c.suppressed and c.count is None for c in rel.cells if c.key == ("KR",))
    many = records_for_release(_people(200, 1))
    with pytest.raises(QueryTooNarrow, match="cells"):
        release_counts(
            many,
            ["a", "b", "c"],
            1.0,
            categories={k: tuple(str(i) for i in range(30)) for k in "abc"},
        )
    for bad in (0.0, -1.0, float("nan"), 100.0):
        with pytest.raises(DomainError, match="epsilon"):
            release_counts(many, ["region"], bad)
    with pytest.raises(DomainError, match="unknown dimensions"):
        release_counts(many, ["shoe_size_of_mother"], 1.0)


def test_girth_and_arch_distributions() -> None:
    rng = np.random.default_rng(4)
    g = girth_distribution(list(rng.normal(245.0, 10.0, 2000)), epsilon=1.0, seed=7)
    counts = {c.key[0]: c.count for c in g.cells}
    assert counts["240-250"] > counts["200-210"] if counts["200-210"] else counts["240-250"] > 300
    assert sum(v for v in counts.values() if v) == pytest.approx(2000, rel=0.05)
    a = arch_distribution([5.0] * 30 + [15.0] * 50 + [25.0] * 3 + [None] * 2, epsilon=2.0, seed=1)
    vals = {c.key[0]: c.count for c in a.cells}
    assert vals["high"] is None and vals["medium"] == pytest.approx(50, abs=5)
