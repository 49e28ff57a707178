"""Care indicators against the reference ranges."""

from __future__ import annotations

from gait import REFERENCE_RANGES, care_indicators
from gait.analysis._strides import StrideSummary


def _summary(**kw):
    base = dict(
        cadence_spm=110.0,
        stride_s=1.09,
        stride_cv_pct=2.0,
        swing_cv_pct=3.0,
        stance_pct=62.0,
        swing_pct=38.0,
        double_support_pct=25.0,
        symmetry_index_pct=1.0,
        gait_asymmetry_pct=1.0,
        n_strides=100,
        n_clean_strides=90,
    )
    base.update(kw)
    return StrideSummary(**base)


def test_all_within():
    cs = care_indicators(_summary())
    assert [c.name for c in cs] == list(REFERENCE_RANGES)
    assert all(c.status == "within" for c in cs)
    for c in cs:
        assert c.range_low < c.range_high and c.source


def test_out_of_range_and_unknown():
    cs = {
        c.name: c
        for c in care_indicators(
            _summary(stride_cv_pct=6.5, cadence_spm=80.0, double_support_pct=None)
        )
    }
    assert cs["stride_cv_pct"].status == "above"
    assert cs["cadence_spm"].status == "below"
    assert cs["double_support_pct"].status == "unknown" and cs["double_support_pct"].value is None
