"""Size tables, rounding policy and width letters."""

from __future__ import annotations

import json

import pytest

from footscan import FootscanError, default_size_table, load_size_table, sizes_from_measurements


def test_formulas_at_265_mm() -> None:
    s = sizes_from_measurements(265.0)
    assert s.mondopoint == 265 and s.kr_mm == 265 and s.jp_cm == 26.5
    assert s.exact["eu"] == pytest.approx(41.75)
    assert s.exact["uk"] == pytest.approx(8.2992, abs=1e-3)
    assert s.exact["us_men"] == pytest.approx(9.2992, abs=1e-3)
    assert s.exact["us_women"] == pytest.approx(10.7992, abs=1e-3)
    assert (s.eu, s.uk, s.us_men, s.us_women) == (42.0, 8.5, 9.5, 11.0)
    assert s.rounding == "nearest"


def test_brannock_inverse() -> None:
    # FL = (US + 22) / 3 * 25.4: 7 -> 245.5, 9 -> 262.5, 11 -> 279.4 mm.
    for us in (7.0, 9.0, 11.0):
        fl = (us + 22) / 3 * 25.4
        assert sizes_from_measurements(fl).us_men == us


def test_rounding_up_leaves_toe_room() -> None:
    near = sizes_from_measurements(261.0)
    up = sizes_from_measurements(261.0, rounding="up")
    assert up.mondopoint == 265 and near.mondopoint == 260
    assert up.eu >= near.eu and up.us_men >= near.us_men
    assert sizes_from_measurements(265.0, rounding="up").mondopoint == 265


def test_width_letters() -> None:
    # Women at 235 mm: E = 231 mm ball girth; letters 6 mm apart; men +3 mm.
    assert sizes_from_measurements(235.0, 231.0, sex="women").width_fitting == "E"
    assert sizes_from_measurements(235.0, 219.0, sex="women").width_fitting == "C"
    assert sizes_from_measurements(235.0, 240.0, sex="men").width_fitting == "EE"
    longer = sizes_from_measurements(245.0, 237.0, sex="women")  # E(245) = 237
    assert longer.width_fitting == "E"
    est = sizes_from_measurements(265.0, None, 97.0)
    assert est.width_fitting is not None and "estimated" in est.width_fitting_basis
    assert sizes_from_measurements(265.0).width_fitting is None


def test_brand_table_overrides(tmp_path) -> None:
    raw = json.loads(json.dumps(default_size_table().__dict__))
    raw["name"] = "brand-x"
    raw["systems"]["us_men"]["offset"] = -21.0  # runs half a size large
    path = tmp_path / "brand.json"
    path.write_text(json.dumps(raw))
    table = load_size_table(path)
    assert sizes_from_measurements(265.0, table=table).us_men == 10.5
    assert sizes_from_measurements(265.0, table=table).table == "brand-x"


def test_bad_tables_and_arguments(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"systems": {}}')
    with pytest.raises(FootscanError, match="invalid"):
        load_size_table(bad)
    with pytest.raises(FootscanError):
        load_size_table(tmp_path / "missing.json")
    with pytest.raises(FootscanError, match="rounding"):
        sizes_from_measurements(265.0, rounding="down")
    with pytest.raises(FootscanError, match="positive"):
        sizes_from_measurements(float("nan"))
