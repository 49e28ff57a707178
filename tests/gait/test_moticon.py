"""Moticon OpenGo exports: reader, derived sensor geometry, and the vendor's own gait report.

Truth here never comes from the code under test: the geometry is re-derived from the
exported total force and centre of pressure by least squares (in this file), and the events
come from the vendor's gait report (``gait_report_230927_10_21_14.xlsx``, read with openpyxl).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gait import analyze, detect_events, load_recording
from gait.analysis._events import VENDOR_EVENT_PARAMS
from gait.readers._moticon import OPENGO_AREAS_CM2, OPENGO_CELLS, opengo_areas_cm2, read_moticon

EXPORT = "230927_102114.txt"
REPORT = "gait_report_230927_10_21_14.xlsx"
EVENTS = "walk_with_events.txt"


@pytest.fixture(scope="module")
def moticon_dir(shared_data: Path) -> Path:
    d = shared_data / "insoles" / "moticon"
    if not (d / EXPORT).is_file():
        pytest.skip(f"{d / EXPORT} missing")
    return d


def _raw_columns(path: Path) -> tuple[list[str], np.ndarray]:
    """Column names and the first 51 (numeric) columns, parsed plainly (not by gait)."""
    names: list[str] = []
    rows = []
    for ln in path.read_text(encoding="utf-8").splitlines():
        if ln.startswith("# time"):
            names = ln[2:].split("\t")
        if ln.startswith("#") or not ln.strip():
            continue
        f = ln.split("\t")[:51]
        rows.append([float(x) if x.strip() else np.nan for x in f])
    return names, np.array(rows)


def _fit_geometry(path: Path, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Effective areas (cm²) and normalised cell positions from force and CoP, by lstsq."""
    names, a = _raw_columns(path)
    o = names.index(f"{side} pressure 1[N/cm²]")
    p = a[:, o : o + 16]
    force = a[:, names.index(f"{side} total force[N]")]
    cop = a[:, [names.index(f"{side} center of pressure {c}[-0.5...+0.5]") for c in "XY"]]
    ok = np.isfinite(p).all(axis=1) & np.isfinite(force) & (force > 50)
    areas = np.linalg.lstsq(p[ok], force[ok], rcond=None)[0]
    w = p[ok] * areas
    pos = np.column_stack(
        [np.linalg.lstsq(w, cop[ok, j] * w.sum(axis=1), rcond=None)[0] for j in range(2)]
    )
    return areas, pos


@pytest.mark.parametrize("name", [EXPORT, EVENTS])
@pytest.mark.parametrize("side", ["left", "right"])
def test_cell_positions_and_areas_match_the_data(moticon_dir, name, side):
    """Our constants agree with a fresh fit on each file, foot and insole size (3 and 7)."""
    areas, pos = _fit_geometry(moticon_dir / name, side)
    np.testing.assert_allclose(pos, np.array(OPENGO_CELLS), atol=0.008)
    size = 7 if name == EXPORT else 3
    np.testing.assert_allclose(areas, opengo_areas_cm2(size), rtol=0.03)


def test_reader_forces_and_cop_reproduce_the_vendor_columns(moticon_dir):
    """Cell forces sum to the vendor's total force; our CoP from the layout is the vendor's."""
    names, a = _raw_columns(moticon_dir / EXPORT)
    rec = read_moticon(moticon_dir / EXPORT)
    assert rec.sampling_rate_hz == 100.0 and rec.meta["units"] == "N"
    t_idx = np.rint(a[:, 0] * 100).astype(int)
    cells = np.array(OPENGO_CELLS)
    for side in ("left", "right"):
        f = rec.feet[side]
        vendor = a[:, names.index(f"{side} total force[N]")]
        ours = np.nansum(f.values, axis=1)[t_idx]
        ok = np.isfinite(vendor) & f.valid[t_idx]
        assert ok.sum() > 1000
        assert np.sqrt(np.mean((ours[ok] - vendor[ok]) ** 2)) < 1.5
        load = f.values[t_idx][ok]
        heavy = load.sum(axis=1) > 100
        cop = (load[heavy] @ cells) / load[heavy].sum(axis=1)[:, None]
        vcop = a[:, [names.index(f"{side} center of pressure {c}[-0.5...+0.5]") for c in "XY"]]
        np.testing.assert_allclose(cop, vcop[ok][heavy], atol=0.003)
        assert f.imu is not None and abs(np.nanmedian(f.imu[:, 2]) - 9.6) < 0.5
    # Left insole sends nothing for the first 0.5 s: absent, not zero.
    assert not rec.left.valid[:40].any() and rec.right.valid[:40].all()


def test_layout_regions_follow_the_foot(moticon_dir):
    """Heel cells at the back, toe cells at the front, the hallux medial; all inside 0..L."""
    rec = read_moticon(moticon_dir / EXPORT)
    from gait.readers._moticon import opengo_layout

    lay = opengo_layout()
    y = lay.xy_mm[:, 1]
    assert y[lay.region_mask("heel")].max() < y[lay.region_mask("midfoot")].min() + 40
    assert y[lay.region_mask("toe")].min() > y[lay.region_mask("forefoot")].max() - 10
    assert lay.medlat[13] == "medial" and lay.xy_mm[13, 0] > 0
    assert 0 < y.min() and y.max() < 260
    np.testing.assert_allclose(rec.left.sensor_xy_mm, lay.xy_mm)
    assert 150 < sum(OPENGO_AREAS_CM2) < 260  # cm², a size-7 insole sole area


@pytest.fixture(scope="module")
def vendor_report(moticon_dir) -> dict:
    """The vendor's gait report: per-step events and the summary values."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(moticon_dir / REPORT, read_only=True, data_only=True)
    steps = {}
    for side, sheet in (("left", "Left Steps"), ("right", "Right Steps")):
        rows = list(wb[sheet].iter_rows(values_only=True))
        steps[side] = [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if r[0] is not None]
    summary = {r[0]: r[1] for r in wb["Report Data"].iter_rows(values_only=True) if r and r[0]}
    wb.close()
    return {"steps": steps, "summary": summary}


def _num(v) -> float:
    return float("nan") if v in (None, "NaN") else float(v)


@pytest.fixture(scope="module")
def comparison(moticon_dir, vendor_report) -> dict:
    """Our events matched to the vendor's steps (nearest IC within 100 ms)."""
    rec = load_recording(moticon_dir / EXPORT)
    ev = detect_events(rec)
    out: dict = {"ic": [], "fc": [], "stance": [], "swing": [], "step": [], "ds": []}
    ours_ic = {s: ev[s].ic / rec.sampling_rate_hz for s in ev}
    ours_fc = {s: ev[s].fc / rec.sampling_rate_hz for s in ev}
    for side, steps in vendor_report["steps"].items():
        other = "right" if side == "left" else "left"
        for st in steps:
            v_ic, v_fc = _num(st["Initial contact (s)"]), _num(st["Toe off (s)"])
            j = int(np.argmin(np.abs(ours_ic[side] - v_ic)))
            assert abs(ours_ic[side][j] - v_ic) < 0.1, (side, st["Step"])
            ic = ours_ic[side][j]
            fc = ours_fc[side][ours_fc[side] > ic][0]
            out["ic"].append(ic - v_ic)
            out["fc"].append(fc - v_fc)
            out["stance"].append((fc - ic) - _num(st["Stance (s)"]))
            nxt = ours_ic[side][ours_ic[side] > ic]
            if np.isfinite(_num(st["Swing (s)"])) and nxt.size:
                out["swing"].append((nxt[0] - fc) - _num(st["Swing (s)"]))
            o_ic = ours_ic[other][ours_ic[other] > ic]
            if np.isfinite(_num(st["Step duration (s)"])) and o_ic.size:
                out["step"].append((o_ic[0] - ic) - _num(st["Step duration (s)"]))
            o_fc = ours_fc[other][ours_fc[other] > ic]
            if np.isfinite(_num(st["Double support (s)"])) and o_fc.size:
                out["ds"].append((o_fc[0] - ic) - _num(st["Double support (s)"]))
    out = {k: np.array(v) * 1000.0 for k, v in out.items()}  # ms, ours minus vendor
    out["report"] = analyze(rec).to_dict()
    return out


def test_every_vendor_step_is_found(comparison, vendor_report):
    """All 14 steps of the vendor's report are ours too (IC within 100 ms, asserted above)."""
    assert comparison["ic"].size == vendor_report["summary"]["Number of steps"] == 14


def test_event_timing_against_the_vendor_report(comparison):
    """IC 0-15 ms after the vendor's, toe-off 17-45 ms after (a lower force threshold).

    Measured: IC median +9.5 ms (range -4..+15), toe-off median +29.5 ms (+17..+45);
    stance +19 ms, swing -20 ms, step time +3 ms (-14..+13), initial double support +17 ms
    (medians over the 14 steps).
    """
    ic, fc = comparison["ic"], comparison["fc"]
    assert -10 <= np.median(ic) <= 20 and np.all(np.abs(ic) <= 30)
    assert 10 <= np.median(fc) <= 45 and np.all(np.abs(fc) <= 60)
    assert abs(np.median(comparison["step"])) <= 10
    assert 5 <= np.median(comparison["stance"]) <= 35
    assert -35 <= np.median(comparison["swing"]) <= -5
    assert 5 <= np.median(comparison["ds"]) <= 40


def test_summary_against_the_vendor_report(comparison, vendor_report):
    """Cadence within 0.5 steps/min; stance % and double support % a little higher (why: docs)."""
    vs = vendor_report["summary"]
    s = comparison["report"]["summary"]
    vendor_cadence = 2 * vs["Mean gait cadence (strides per minute)"]
    assert s["cadence_spm"] == pytest.approx(vendor_cadence, abs=0.5)
    assert s["stride_s"] == pytest.approx(vs["Mean gait cycle time (s)"], abs=0.01)
    vendor_stance = np.mean(
        [
            _num(st["Stance (s)"]) / _num(st["Stride time (s)"])
            for side in ("left", "right")
            for st in vendor_report["steps"][side]
            if np.isfinite(_num(st["Stride time (s)"]))
        ]
    )
    assert 0 <= s["stance_pct"] - 100 * vendor_stance <= 2.5
    assert 0 <= s["double_support_pct"] - vs["Mean fraction of double support (%)"] <= 3.5


def test_export_with_event_columns_reads(moticon_dir):
    """Text event-label columns are skipped; both feet, 100 Hz, size-3 areas."""
    rec = load_recording(moticon_dir / EVENTS)
    assert rec.format == "moticon" and rec.meta["insole_size"] == 3
    assert rec.left.n_samples == rec.right.n_samples == 499
    rep = analyze(rec).to_dict()
    assert rep["summary"]["n_strides"] >= 4


def _variant(
    src: Path,
    dst: Path,
    *,
    encoding: str = "utf-8",
    sep: str = "\t",
    decimal: str = ".",
    time_scale: float = 1.0,
    drop: slice | None = None,
) -> Path:
    out = []
    rows = 0
    for ln in src.read_text(encoding="utf-8").splitlines():
        if ln.startswith("#"):
            out.append(ln.replace("\t", sep))
            continue
        rows += 1
        if drop is not None and drop.start <= rows < drop.stop:
            continue
        f = ln.split("\t")
        f[0] = f"{float(f[0]) * time_scale:.6g}"
        ln = sep.join(f)
        out.append(ln.replace(".", ",") if decimal == "," else ln)
    dst.write_bytes(("\n".join(out) + "\n").encode(encoding))
    return dst


@pytest.mark.parametrize(
    "kw",
    [
        {"encoding": "latin-1"},
        {"sep": ";", "decimal": ","},
        {"time_scale": 1000.0},
    ],
    ids=["latin1", "semicolon_decimal_comma", "milliseconds"],
)
def test_export_variants_read_the_same_walk(moticon_dir, tmp_path, kw):
    """Latin-1 (N/cm²), a German-locale re-save, ms time stamps: the same strides."""
    ref = analyze(load_recording(moticon_dir / EXPORT)).to_dict()["summary"]
    p = _variant(moticon_dir / EXPORT, tmp_path / EXPORT, **kw)
    rec = load_recording(p)
    assert rec.format == "moticon" and rec.sampling_rate_hz == 100.0
    s = analyze(rec).to_dict()["summary"]
    assert s["n_strides"] == ref["n_strides"]
    assert s["cadence_spm"] == pytest.approx(ref["cadence_spm"], abs=0.01)


def test_missing_rows_in_an_export_are_a_gap(moticon_dir, tmp_path):
    """1 s of rows missing (a radio gap): a 1 s gap at that time; no stride across it."""
    p = _variant(moticon_dir / EXPORT, tmp_path / EXPORT, drop=slice(801, 901))
    rec = load_recording(p)
    assert rec.left.n_samples == 1751
    # (the export itself already misses one row, near 7.97 s)
    assert not rec.left.valid[800:900].any() and rec.left.valid[700:800].sum() >= 99
    rep = analyze(rec).to_dict()
    for st in rep["strides"]:
        assert not (st["heel_strike_s"] < 8.0 and st["heel_strike_s"] + st["stride_s"] > 9.0)


def test_vendor_contact_levels_reproduce_the_vendor_summary(moticon_dir, vendor_report):
    """The stance/double-support gap is the contact definition, not event timing.

    The vendor's events sit at normalised loads of ~0.047 (initial contact) and ~0.103
    (toe-off) of our range, re-measured here; with those levels (VENDOR_EVENT_PARAMS) our
    stance is within 0.5 points of the vendor's (default: +1.5) and double support within 1.0
    (default: +2.2; measured 60.97 vs 61.0 % and 21.2 vs 22.1 %). The levels come from this
    same walk, so this shows the cause of the gap; it is not an independent validation.
    """
    rec = load_recording(moticon_dir / EXPORT)
    ev = detect_events(rec)
    fs = rec.sampling_rate_hz
    at_fc, at_ic = [], []
    for side, steps in vendor_report["steps"].items():
        norm = ev[side].normalised
        for st in steps:
            at_ic.append(norm[int(round(_num(st["Initial contact (s)"]) * fs))])
            at_fc.append(norm[int(round(_num(st["Toe off (s)"]) * fs))])
    vendor = VENDOR_EVENT_PARAMS["moticon"]
    assert np.median(at_ic) == pytest.approx(vendor.onset_frac, abs=0.005)
    assert np.median(at_fc) == pytest.approx(vendor.offset_frac, abs=0.005)
    s = analyze(rec, vendor).to_dict()["summary"]
    vendor_stance = 100 * np.mean(
        [
            _num(st["Stance (s)"]) / _num(st["Stride time (s)"])
            for side in ("left", "right")
            for st in vendor_report["steps"][side]
            if np.isfinite(_num(st["Stride time (s)"]))
        ]
    )
    assert abs(s["stance_pct"] - vendor_stance) <= 0.5
    assert (
        abs(
            s["double_support_pct"]
            - vendor_report["summary"]["Mean fraction of double support (%)"]
        )
        <= 1.0
    )


def test_one_real_insole_with_its_imu_finds_the_walk(moticon_dir):
    """Each insole alone (pressure + its IMU): the same 13 s of walking as both together."""
    from gait import Recording

    rec = load_recording(moticon_dir / EXPORT)
    both = [a for a in analyze(rec).activity if a.kind == "walking"]
    for side in ("left", "right"):
        one = Recording(rec.sampling_rate_hz, **{side: rec.feet[side]}, source="one", meta=rec.meta)
        walking = [a for a in analyze(one).activity if a.kind == "walking"]
        assert sum(a.duration_s for a in walking) == pytest.approx(
            sum(a.duration_s for a in both), abs=1.5
        )
