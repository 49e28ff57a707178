"""Long recordings and long gaps: memory bounded by the data, never by the clock.

Every file is built in ``tmp_path`` from the real gaitpdb walk GaCo01_01 (or real gaitndd and
Moticon files are read in place); the truth is that walk analysed whole.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gait import analyze, analyze_file, load_recording
from gait.cli import main
from gait.exceptions import RecordingReadError
from gait.insole._packets import InsoleInfo, PressureFrame, PressurePacket, Side
from gait.insole._session import SessionWriter

FS = 100.0
_LSB_MN = 100


@pytest.fixture(scope="module")
def walk_rows(shared_data: Path) -> np.ndarray:
    p = shared_data / "gaitpdb" / "GaCo01_01.txt"
    if not p.is_file():
        pytest.skip(f"{p} missing")
    return np.loadtxt(p)


@pytest.fixture(scope="module")
def walk2_rows(shared_data: Path) -> np.ndarray:
    """Another real control walk (after the pause the wearer walks again, not a copy)."""
    p = shared_data / "gaitpdb" / "GaCo03_01.txt"
    if not p.is_file():
        pytest.skip(f"{p} missing")
    return np.loadtxt(p)


def _write_walks(
    walks: list[np.ndarray], out: Path, starts_s: list[float], reboot: bool = True
) -> Path:
    """Real walks recorded at the given start times; the insoles reboot in between
    (counters and device clocks restart) when ``reboot``, as after a long pause."""
    w = SessionWriter(out, meta={"subject": "GaCo01"})
    for side, code in (("left", Side.LEFT), ("right", Side.RIGHT)):
        info = InsoleInfo(code, 2, 8, FS, force_lsb_mn=_LSB_MN, serial=200 + int(code))
        w.write_device(side, address=f"AA:{int(code)}", info=bytes(info), layout=None, host_ns=0)
    k_dev = 0
    for rows, start in zip(walks, starts_s, strict=True):
        counts = np.rint(rows[:, 1:17] * 1000.0 / _LSB_MN).astype(int)
        n = counts.shape[0]
        if reboot:
            k_dev = 0
        for k0 in range(0, n - 3, 4):
            host = int((start + (k0 + 4) / FS) * 1e9) + 3_000_000
            for side, cols, seq0 in (("left", slice(0, 8), 7), ("right", slice(8, 16), 900)):
                frames = tuple(
                    PressureFrame(
                        (seq0 + k_dev + k) & 0xFFFF,
                        ((k_dev + k) * 10_000 + 55) & 0xFFFFFFFF,
                        tuple(int(v) for v in counts[k, cols]),
                    )
                    for k in range(k0, k0 + 4)
                )
                w.write_notification(side, bytes(PressurePacket(frames)), host)
        k_dev += n
    return w.close({"ok": True})


@pytest.fixture(scope="module")
def one_walk(walk_rows, tmp_path_factory) -> tuple[Path, dict]:
    p = _write_walks([walk_rows], tmp_path_factory.mktemp("one") / "walk.gsn", [0.0])
    return p, analyze(load_recording(p)).to_dict()


def _peak_rss_mb(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; its peak resident memory (MB) and stdout."""
    # VmHWM, not ru_maxrss: on Linux the child's ru_maxrss keeps the forked parent's size
    # (a pytest process that measured 5 M-point scans reads ~1.1 GB before running anything).
    prog = code + (
        "\nimport re; print(int(re.search(r'VmHWM:\\s+(\\d+)', "
        "open('/proc/self/status').read()).group(1)))"
    )
    r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                       timeout=600, check=True)  # fmt: skip
    lines = r.stdout.strip().splitlines()
    return int(lines[-1]) / 1024.0, "\n".join(lines[:-1])


@pytest.mark.parametrize(("gap_h", "label"), [(8.0, "8-hour"), (30 * 24.0, "30-day")])
def test_reboot_after_a_long_gap_costs_no_memory(
    walk_rows, walk2_rows, one_walk, tmp_path, gap_h, label
):
    """Walk, a long pause (insoles reboot), walk again: both walks, the gap, little memory."""
    p = _write_walks(
        [walk_rows, walk2_rows], tmp_path / f"gap{int(gap_h)}.gsn", [0.0, gap_h * 3600.0]
    )
    two = _write_walks([walk2_rows], tmp_path / "two.gsn", [0.0])
    n_two = analyze(load_recording(two)).summary.n_strides
    assert p.stat().st_size < 2 << 20
    mb, out = _peak_rss_mb(
        "import json, gait\n"
        f"r = gait.analyze_file({str(p)!r}).to_dict()\n"
        "print(json.dumps({'n': r['summary']['n_strides'], 'gaps': r['quality']['gaps'],"
        " 'cad': r['summary']['cadence_spm'], 'dur': r['meta']['duration_s']}))"
    )
    got = json.loads(out)
    ref = one_walk[1]["summary"]
    assert abs(got["n"] - (ref["n_strides"] + n_two)) <= 2
    longest = max(g["end_s"] - g["start_s"] for g in got["gaps"])
    assert longest == pytest.approx(gap_h * 3600 - 121.2, rel=0.01)
    assert got["dur"] == pytest.approx(gap_h * 3600 + 121.2, rel=0.01)
    assert mb < 300, f"peak {mb:.0f} MB"


def test_loading_a_30_day_span_at_once_is_refused_in_one_line(
    walk_rows, walk2_rows, tmp_path, capsys
):
    """``load_recording`` would need a dense 30-day grid: refused, pointing to analyze_file."""
    p = _write_walks([walk_rows, walk2_rows], tmp_path / "month.gsn", [0.0, 30 * 86400.0])
    with pytest.raises(RecordingReadError, match="analyze_file"):
        load_recording(p)
    assert main(["analyze", str(p)]) == 0  # the command analyses it part by part
    out = capsys.readouterr().out
    assert "parts" in out and "720.0 h" not in out


def test_parts_give_the_same_strides_as_the_whole(shared_data, one_walk):
    """Part by part (30 s parts, 10 s overlap) equals the whole-file analysis on real data."""
    files = [
        one_walk[0],
        shared_data / "gaitpdb" / "GaCo01_01.txt",
        shared_data / "gaitndd" / "control1.hea",
        shared_data / "gaitndd" / "hunt13.hea",
    ]
    for f in files:
        whole_d = analyze(load_recording(f)).to_dict()
        whole = whole_d["summary"]
        parts = analyze_file(f, chunk_s=30.0).to_dict()
        s = parts["summary"]
        for qw, qp in zip(whole_d["quality"]["feet"], parts["quality"]["feet"], strict=True):
            assert qp["missing_samples"] == qw["missing_samples"]
            assert qp["n_strides"] == qw["n_strides"]
            assert abs(qp["n_contacts"] - qw["n_contacts"]) <= 0.05 * qw["n_contacts"] + 2
        assert parts["meta"]["parts"] >= 4
        assert s["n_strides"] == whole["n_strides"], f
        assert s["cadence_spm"] == pytest.approx(whole["cadence_spm"], abs=0.1)
        assert s["stance_pct"] == pytest.approx(whole["stance_pct"], abs=0.1)
        assert s["stride_cv_pct"] == pytest.approx(whole["stride_cv_pct"], abs=0.35)


def test_one_part_is_exactly_the_whole_analysis(shared_data):
    """Short recordings: analyze_file returns what analyze(load_recording()) returns."""
    f = shared_data / "insoles" / "moticon" / "230927_102114.txt"
    assert analyze_file(f).to_dict() == analyze(load_recording(f)).to_dict()


def test_text_gap_of_hours_is_a_gap_not_a_grid(walk_rows, walk2_rows, tmp_path):
    """A CSV with a 6-hour hole in its time column: two walks, no dense grid over the hole."""
    t = np.r_[walk_rows[:, 0], walk2_rows[:, 0] + 6 * 3600]
    body = np.column_stack([t, np.vstack([walk_rows[:, 1:17], walk2_rows[:, 1:17]])])
    p = tmp_path / "hole.csv"
    header = ",".join(["time_s"] + [f"left_{i}" for i in range(1, 9)]
                      + [f"right_{i}" for i in range(1, 9)])  # fmt: skip
    np.savetxt(p, body, delimiter=",", header=header, comments="", fmt="%.4f")
    mb, out = _peak_rss_mb(
        f"import gait\nr = gait.analyze_file({str(p)!r}).to_dict()\nprint(r['summary']['n_strides'])"
    )
    one = analyze(_one_csv(walk_rows, tmp_path, "a.csv")).summary.n_strides
    two = analyze(_one_csv(walk2_rows, tmp_path, "b.csv")).summary.n_strides
    assert abs(int(out) - (one + two)) <= 2
    assert mb < 300


def _one_csv(rows: np.ndarray, tmp_path: Path, name: str):
    p = tmp_path / name
    header = ",".join(["time_s"] + [f"left_{i}" for i in range(1, 9)]
                      + [f"right_{i}" for i in range(1, 9)])  # fmt: skip
    np.savetxt(p, rows[:, :17], delimiter=",", header=header, comments="", fmt="%.4f")
    return load_recording(p)


def test_wfdb_parts_with_an_odd_sample_count(shared_data, tmp_path):
    """A format-212 record with an odd number of samples (the last 3-byte group half used),
    built from control1's real samples: parts decode every sample, as the whole-file reader."""
    from gait.readers import iter_chunks
    from gait.readers._readers import read_wfdb

    src = read_wfdb(shared_data / "gaitndd" / "control1.hea")
    n = 89_999
    lines = [f"odd 2 300 {n}"]
    for side, ext in (("left", "let"), ("right", "rit")):
        x = src.feet[side].values[:n, 0].astype(np.int64)
        u = np.r_[x, 0] & 0xFFF
        b = np.empty((len(u) // 2, 3), np.uint8)
        b[:, 0] = u[0::2] & 0xFF
        b[:, 1] = ((u[0::2] >> 8) & 0x0F) | ((u[1::2] >> 4) & 0xF0)
        b[:, 2] = u[1::2] & 0xFF
        (tmp_path / f"odd.{ext}").write_bytes(b.tobytes())
        csum = int(x.sum()) & 0xFFFF
        csum = csum - 0x10000 if csum >= 0x8000 else csum
        lines.append(f"odd.{ext} 212 3000 12 0 {int(x[0])} {csum} 0 {side}-foot")
    hea = tmp_path / "odd.hea"
    hea.write_text("\n".join(lines) + "\n")
    whole = load_recording(hea)
    parts = list(iter_chunks(hea, chunk_s=61.0))
    assert len(parts) == 5
    glued = np.concatenate([r.left.values[:, 0] for _, r in parts])
    np.testing.assert_array_equal(glued, whole.left.values[:, 0])
    assert glued.size == n
