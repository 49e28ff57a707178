"""Hostile inputs, each built from real data in ``../shared/data`` (variants in ``tmp_path``).

Every file here is either read correctly (the same strides as the clean original, nothing
invented, damage reported) or refused by the CLI with exit status 2 and one line on stderr.
The truth is the clean real recording, analysed the same way; no PhysioNet file is copied into
the project.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gait import analyze, load_recording
from gait.cli import main
from gait.exceptions import RecordingReadError
from gait.insole._packets import InsoleInfo, PressureFrame, PressurePacket, Side
from gait.insole._session import SessionWriter
from gait.insole._session_file import _FILE_HEADER, _REC_HEADER

WALK = "GaCo01_01.txt"
_FORCE_LSB_MN = 100  # 0.1 N per count: gaitpdb's largest cell force (~560 N) fits 16 bits


@pytest.fixture(scope="module")
def walk_txt(shared_data: Path) -> Path:
    """The real gaitpdb control walk every variant is made from."""
    p = shared_data / "gaitpdb" / WALK
    if not p.is_file():
        pytest.skip(f"{p} missing")
    return p


@pytest.fixture(scope="module")
def walk_rows(walk_txt: Path) -> np.ndarray:
    """The walk's 19 columns as written (time in s, 16 cell forces in N, 2 totals)."""
    return np.loadtxt(walk_txt)


def _stride_count(path: Path, **kw) -> tuple[int, dict]:
    rep = analyze(load_recording(path, **kw)).to_dict()
    return rep["summary"]["n_strides"], rep


def _cli(path: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["analyze", str(path), *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def _refused(path: Path, capsys, match: str, *extra: str) -> str:
    code, _, err = _cli(path, capsys, *extra)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert match.lower() in lines[0].lower(), lines[0]
    return lines[0]


# --------------------------------------------------------------------------- session files


def _session_from_walk(rows: np.ndarray, out: Path, per_packet: int = 4) -> Path:
    """Our BLE session format carrying the real walk: one insole per foot, 8 cells each."""
    fs = 100.0
    w = SessionWriter(out, meta={"subject": "GaCo01"})
    for side, code in (("left", Side.LEFT), ("right", Side.RIGHT)):
        info = InsoleInfo(code, 2, 8, fs, force_lsb_mn=_FORCE_LSB_MN, serial=100 + int(code))
        w.write_device(side, address=f"AA:{int(code)}", info=bytes(info), layout=None, host_ns=0)
    counts = np.rint(rows[:, 1:17] * 1000.0 / _FORCE_LSB_MN).astype(int)
    n = counts.shape[0]
    for k0 in range(0, n - per_packet + 1, per_packet):
        host = int((k0 + per_packet) / fs * 1e9) + 3_000_000
        for side, cols, seq0 in (("left", slice(0, 8), 5), ("right", slice(8, 16), 40_000)):
            frames = tuple(
                PressureFrame(
                    (seq0 + k) & 0xFFFF,
                    (k * 10_000 + 1234) & 0xFFFFFFFF,
                    tuple(int(v) for v in counts[k, cols]),
                )
                for k in range(k0, k0 + per_packet)
            )
            w.write_notification(side, bytes(PressurePacket(frames)), host)
    return w.close({"ok": True})


def _records(data: bytes) -> list[tuple[int, int, int, int]]:
    """(offset, kind, side, total length) of every record of a clean session file."""
    _, _, hlen = _FILE_HEADER.unpack_from(data, 0)
    off = _FILE_HEADER.size + hlen + 4
    out = []
    while off < len(data):
        _, kind, side, length, _ = _REC_HEADER.unpack_from(data, off)
        total = _REC_HEADER.size + length + 4
        out.append((off, kind, side, total))
        off += total
    return out


@pytest.fixture(scope="module")
def clean_session(walk_rows, tmp_path_factory) -> tuple[Path, int]:
    """The walk as a session file and its stride count (the truth for the variants)."""
    p = _session_from_walk(walk_rows, tmp_path_factory.mktemp("sess") / "walk.gsn")
    n, rep = _stride_count(p)
    assert n > 150 and rep["quality"]["lost_samples"] == 0
    return p, n


def test_session_of_the_real_walk_matches_the_text_file(clean_session, walk_txt):
    """The session carrier itself loses nothing: same strides as the original text file."""
    n_txt, _ = _stride_count(walk_txt)
    assert abs(clean_session[1] - n_txt) <= 1


def test_flipped_bit_in_right_device_record_keeps_the_right_foot(clean_session, tmp_path):
    """One flipped bit in the right insole's device record costs that record, not the foot."""
    src, n_clean = clean_session
    data = bytearray(src.read_bytes())
    off, kind, side, total = next(r for r in _records(data) if r[1] == 1 and r[2] == 1)
    data[off + _REC_HEADER.size + 10] ^= 0x04
    bad = tmp_path / "flip.gsn"
    bad.write_bytes(bytes(data))
    n, rep = _stride_count(bad)
    assert set(rep["meta"]["feet"]) == {"left", "right"}
    assert n == n_clean
    notes = " ".join(rep["quality"]["notes"])
    assert "damaged record" in notes and "right insole's device record" in notes


def test_flipped_bit_in_a_notification_skips_that_record_only(clean_session, tmp_path):
    """A damaged pressure notification is skipped (4 samples missing), the walk stays."""
    src, n_clean = clean_session
    data = bytearray(src.read_bytes())
    recs = [r for r in _records(data) if r[1] == 2]
    off = recs[len(recs) // 2][0]
    data[off + _REC_HEADER.size + 12] ^= 0x80
    bad = tmp_path / "flip_notify.gsn"
    bad.write_bytes(bytes(data))
    rec = load_recording(bad)
    assert rec.meta["corrupt_records"] == 1
    assert sum(rec.meta["lost_samples"].values()) == 4
    n, _ = _stride_count(bad)
    assert abs(n - n_clean) <= 2


def test_duplicated_records_do_not_double_the_walk(clean_session, tmp_path):
    """A session whose records were written twice (file appended to itself) is the same walk."""
    src, n_clean = clean_session
    data = src.read_bytes()
    recs = _records(data)
    body = data[recs[0][0] : recs[-1][0]]  # every record but END
    dup = tmp_path / "dup.gsn"
    dup.write_bytes(data[: recs[-1][0]] + body + data[recs[-1][0] :])
    rec = load_recording(dup)
    assert rec.duration_s == pytest.approx(load_recording(src).duration_s, abs=0.05)
    assert rec.meta["duplicate_samples"]["left"] >= 12_000
    n, rep = _stride_count(dup)
    assert n == n_clean
    assert any("repeated sample" in s for s in rep["quality"]["notes"])


# --------------------------------------------------------------------------- text files


def _write_variant(
    rows: np.ndarray,
    path: Path,
    *,
    sep: str = "\t",
    decimal: str = ".",
    encoding: str = "utf-8",
    bom: bool = False,
    header: str | None = None,
    comments: tuple[str, ...] = (),
    time_scale: float = 1.0,
) -> Path:
    lines = [f"# {c}" for c in comments]
    if header is not None:
        lines.append(header)
    t = rows[:, 0] * time_scale
    for ti, r in zip(t, rows[:, 1:], strict=True):
        f = [f"{ti:.6g}"] + [f"{v:.2f}" for v in r]
        ln = sep.join(f)
        lines.append(ln.replace(".", ",") if decimal == "," else ln)
    raw = ("\n".join(lines) + "\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + raw)
    return path


def _csv_header(n: int = 8) -> str:
    return ",".join(
        ["time_s"]
        + [f"left_{i}" for i in range(1, n + 1)]
        + [f"right_{i}" for i in range(1, n + 1)]
    )


def test_negated_forces_are_refused(walk_rows, tmp_path, capsys):
    """Negative newtons cannot happen: refused (exit 2, one line), never read as a walk."""
    neg = walk_rows.copy()
    neg[:, 1:] *= -1
    p = _write_variant(neg, tmp_path / "GaCo01_01.txt")
    _refused(p, capsys, "negative")
    csv = _write_variant(
        neg[:, :17], tmp_path / "neg.csv", sep=",", header=_csv_header(), comments=("units=N",)
    )
    _refused(csv, capsys, "negative")
    raw = _write_variant(neg[:, :17], tmp_path / "neg_raw.csv", sep=",", header=_csv_header())
    _refused(raw, capsys, "sign inverted")


def test_scattered_negative_forces_are_flagged_not_used(walk_rows, tmp_path):
    """A few impossible samples are marked missing and reported; the walk is kept."""
    bad = walk_rows.copy()
    bad[1000:1010, 3] = -250.0
    p = _write_variant(bad, tmp_path / "GaCo01_01.txt")
    rec = load_recording(p)
    assert not rec.left.valid[1000:1010].any() and rec.left.valid[990:1000].all()
    rep = analyze(rec).to_dict()
    assert any("negative N values" in s for s in rep["quality"]["notes"])


@pytest.mark.parametrize(
    ("name", "kw"),
    [
        ("bom_semicolon_decimal_comma", {"sep": ";", "decimal": ",", "bom": True}),
        ("latin1_comment", {"encoding": "latin-1", "comments": ("Proband: Jürgen Müller",)}),
        ("comma", {"sep": ","}),
        ("crlf_spaces", {"sep": "  "}),
    ],
)
def test_text_dialects_read_the_same_walk(walk_rows, walk_txt, tmp_path, name, kw):
    """BOM, ``;``, decimal comma, Latin-1, other separators: the same samples as the original."""
    ref = load_recording(walk_txt)
    p = _write_variant(walk_rows, tmp_path / "GaCo01_01.txt", **kw)
    rec = load_recording(p, format="gaitpdb")
    assert rec.sampling_rate_hz == ref.sampling_rate_hz
    np.testing.assert_allclose(rec.left.values, ref.left.values, atol=0.006)
    np.testing.assert_allclose(rec.right.values, ref.right.values, atol=0.006)


def test_csv_with_bom_semicolons_decimal_comma_and_latin1(walk_rows, tmp_path):
    """Our CSV layout written by a spreadsheet in a German locale: read, same strides."""
    ref_csv = _write_variant(walk_rows[:, :17], tmp_path / "ref.csv", sep=",", header=_csv_header())
    n_ref, _ = _stride_count(ref_csv)
    de = _write_variant(
        walk_rows[:, :17],
        tmp_path / "de.csv",
        sep=";",
        decimal=",",
        encoding="latin-1",
        header=_csv_header().replace(",", ";"),
        comments=("Messung: Fußgänger",),
    )
    n, rep = _stride_count(de)
    assert n == n_ref
    bom = _write_variant(
        walk_rows[:, :17], tmp_path / "bom.csv", sep=",", bom=True, header=_csv_header()
    )
    assert _stride_count(bom)[0] == n_ref


def test_millisecond_time_stamps_are_detected(walk_rows, tmp_path):
    """ms stamps under ``time_s`` are read as ms (100 Hz, 121 s), and the report says so."""
    p = _write_variant(
        walk_rows[:, :17], tmp_path / "ms.csv", sep=",", header=_csv_header(), time_scale=1000.0
    )
    rec = load_recording(p)
    assert rec.sampling_rate_hz == 100.0
    assert rec.duration_s == pytest.approx(121.2, abs=0.1)
    assert rec.meta["time_unit"] == "ms"
    assert any("only plausible in ms" in s for s in rec.meta["ingest_notes"])
    named = _write_variant(
        walk_rows[:, :17],
        tmp_path / "ms2.csv",
        sep=",",
        header=_csv_header().replace("time_s", "time_ms"),
        time_scale=1000.0,
    )
    assert load_recording(named).meta["ingest_notes"] == []


def test_implausible_time_step_is_refused(walk_rows, tmp_path, capsys):
    """A step that is no insole rate in s, ms or us is refused with the reason."""
    p = _write_variant(
        walk_rows[:200, :17], tmp_path / "slow.csv", sep=",", header=_csv_header(), time_scale=30.0
    )
    _refused(p, capsys, "no plausible sampling rate")


def test_duplicated_text_rows_do_not_double_the_walk(walk_txt, tmp_path):
    """A walk file concatenated with itself: repeated time stamps are dropped and reported."""
    n_ref, _ = _stride_count(walk_txt)
    p = tmp_path / "GaCo01_01.txt"
    p.write_bytes(walk_txt.read_bytes() * 2)
    rec = load_recording(p)
    assert rec.duration_s == pytest.approx(121.2, abs=0.05)
    n, rep = _stride_count(p)
    assert n == n_ref
    assert any("repeat an earlier time stamp" in s for s in rep["quality"]["notes"])


def test_missing_rows_are_gaps_not_a_shifted_signal(walk_rows, walk_txt, tmp_path):
    """3 s of rows cut out of the walk: a 3 s gap at the right time, the rest aligned."""
    cut = np.r_[walk_rows[:5000], walk_rows[5300:]]
    p = _write_variant(cut, tmp_path / "GaCo01_01.txt")
    rec = load_recording(p)
    ref = load_recording(walk_txt)
    assert rec.left.n_samples == ref.left.n_samples
    assert not rec.left.valid[5000:5300].any()
    np.testing.assert_allclose(rec.left.values[6000], ref.left.values[6000], atol=0.006)


# --------------------------------------------------------------------------- WFDB and sizes


@pytest.fixture()
def wfdb_dir(shared_data: Path, tmp_path: Path) -> Path:
    """A folder with control1's header (real text) beside links to its real data files."""
    src = shared_data / "gaitndd"
    d = tmp_path / "rec"
    d.mkdir()
    (d / "control1.hea").write_bytes((src / "control1.hea").read_bytes())
    for ext in ("let", "rit"):
        os.symlink(src / f"control1.{ext}", d / f"control1.{ext}")
    return d


def _header_naming(wfdb_dir: Path, name: str) -> Path:
    text = (wfdb_dir / "control1.hea").read_text()
    hea = wfdb_dir / "evil.hea"
    hea.write_text(text.replace("control1.let", name, 1))
    return hea


@pytest.mark.parametrize(
    "name", ["../../../../etc/passwd", "/etc/passwd", "..", "sub/control1.let", "a\\b.let"]
)
def test_wfdb_header_cannot_name_files_outside_its_folder(wfdb_dir, capsys, name):
    """Traversal names in a header are refused before anything is opened."""
    _refused(_header_naming(wfdb_dir, name), capsys, "refused")


def test_wfdb_symlink_leaving_the_folder_is_refused(wfdb_dir, tmp_path, capsys):
    """A plain name that is a link to a file elsewhere is refused too."""
    outside = tmp_path / "secret.let"
    outside.write_bytes(b"\x00" * 135_000)
    os.symlink(outside, wfdb_dir / "leak.let")
    _refused(_header_naming(wfdb_dir, "leak.let"), capsys, "outside")


def test_oversized_wfdb_signal_is_refused_before_reading(shared_data, tmp_path, capsys):
    """A 2 GB (sparse) data file behind a real header: refused by its size, never read."""
    d = tmp_path / "big"
    d.mkdir()
    (d / "control1.hea").write_bytes((shared_data / "gaitndd" / "control1.hea").read_bytes())
    for ext in ("let", "rit"):
        with (d / f"control1.{ext}").open("wb") as fh:
            fh.truncate(2 << 30)
    _refused(d / "control1.hea", capsys, "larger than")


@pytest.mark.parametrize("suffix", [".csv", ".txt", ".hea", ".gsn"])
def test_sparse_2gb_files_are_refused_quickly(tmp_path, capsys, suffix):
    """2 GB of NUL bytes under a text extension: refused as binary or by size, one line."""
    p = tmp_path / f"sparse{suffix}"
    with p.open("wb") as fh:
        fh.truncate(2 << 30)
    line = _refused(p, capsys, "")
    assert "binary" in line or "larger than" in line or "bad magic" in line


def test_absurd_wfdb_rate_is_refused(wfdb_dir, capsys):
    """A header rate that no insole or footswitch has is refused with the reason."""
    hea = wfdb_dir / "control1.hea"
    hea.write_text(hea.read_text().replace(" 300 ", " 0.001 ", 1))
    _refused(hea, capsys, "plausible")


def test_refusals_exit_2_from_the_installed_command(wfdb_dir):
    """The console script itself: exit 2 and exactly one line on stderr."""
    hea = _header_naming(wfdb_dir, "../../../../etc/passwd")
    r = subprocess.run(
        [sys.executable, "-m", "gait.cli", "analyze", str(hea)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "passwd" in r.stderr and "root:" not in r.stderr


def test_reader_errors_are_one_exception_type(tmp_path):
    """Every refusal above is a RecordingReadError (one hierarchy, GaitError)."""
    p = tmp_path / "x.csv"
    p.write_bytes(struct.pack("<4d", 1, 2, 3, 4))
    with pytest.raises(RecordingReadError):
        load_recording(p)


def test_saturated_cells_are_reported(walk_rows, tmp_path):
    """The real walk through a 12-bit insole whose cells clip at 4095 counts (409.5 N):
    the clipped samples are counted and the report says peak pressures are underestimated."""
    fs = 100.0
    w = SessionWriter(tmp_path / "sat.gsn")
    for side, code in (("left", Side.LEFT), ("right", Side.RIGHT)):
        info = InsoleInfo(code, 2, 8, fs, force_lsb_mn=_FORCE_LSB_MN)
        w.write_device(side, address=f"AA:{int(code)}", info=bytes(info), layout=None, host_ns=0)
    counts = np.clip(np.rint(rows_n := walk_rows[:, 1:17] * 1000.0 / _FORCE_LSB_MN), 0, 4095)
    counts = counts.astype(int)
    for k in range(0, counts.shape[0] - 1, 2):
        for side, cols in (("left", slice(0, 8)), ("right", slice(8, 16))):
            frames = tuple(
                PressureFrame(k + j, (k + j) * 10_000, tuple(int(v) for v in counts[k + j, cols]))
                for j in range(2)
            )
            w.write_notification(
                side, bytes(PressurePacket(frames, packed_12bit=True)), int((k + 2) / fs * 1e9)
            )
    rec = load_recording(w.close())
    clipped = int((rows_n[:, :8] >= 4095).any(axis=1)[: rec.left.n_samples].sum())
    assert clipped > 0.005 * rec.left.n_samples
    assert rec.meta["saturated_samples"]["left"] == clipped
    assert any("saturated" in n for n in analyze(rec).to_dict()["quality"]["notes"])
