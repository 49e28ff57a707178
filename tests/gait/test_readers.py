"""Readers: WFDB format 212, gaitpdb text, our CSV layout and format dispatch."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from gait import (
    RecordingReadError,
    load_recording,
    read_csv,
    read_gaitpdb,
    read_wfdb,
    synthesize,
    write_csv,
)
from gait.readers._readers import decode_format_212, parse_wfdb_header


def encode_212(samples: np.ndarray) -> bytes:
    """Test-side encoder: the inverse of format 212 decoding."""
    s = np.asarray(samples, dtype=np.int64) & 0xFFF
    if s.size % 2:
        s = np.r_[s, 0]
    a, b = s[0::2], s[1::2]
    out = np.empty((a.size, 3), dtype=np.uint8)
    out[:, 0] = a & 0xFF
    out[:, 1] = ((a >> 8) & 0x0F) | (((b >> 8) & 0x0F) << 4)
    out[:, 2] = b & 0xFF
    return out.tobytes()


def test_format_212_known_answer():
    # b0=0x01, b1=0xF2 -> s0 = 0x201 = 513, s1 = 0xF03 -> -253
    np.testing.assert_array_equal(decode_format_212(bytes([0x01, 0xF2, 0x03])), [513, -253])
    rng = np.random.default_rng(0)
    x = rng.integers(-2048, 2048, size=1000)
    x[:3] = [-2048, 2047, 0]
    np.testing.assert_array_equal(decode_format_212(encode_212(x)), x)


def test_format_212_truncated():
    with pytest.raises(RecordingReadError, match="multiple of 3"):
        decode_format_212(b"\x00\x01")


def test_header_parsing_long_and_short():
    h = parse_wfdb_header(
        "als1 2 300 90000\r\nals1.let 212 3000 12 0 -686 1016 0 left-foot\r\n"
        "als1.rit 212 3000 12 0 -32768 -16030 0 right-foot\r\n"
    )
    assert h.sampling_rate_hz == 300 and h.n_samples == 90000
    assert h.signals[0].initial_value == -686 and h.signals[1].checksum == -16030
    assert h.signals[1].description == "right-foot"
    short = parse_wfdb_header(
        "control1 2 300\r\ncontrol1.let 212 3000 12\r\ncontrol1.rit 212 3000 12\r\n"
    )
    assert short.n_samples is None and short.signals[0].checksum is None
    with pytest.raises(RecordingReadError, match="signal lines"):
        parse_wfdb_header("x 2 300\nx.let 212\n")


def test_read_gaitndd_record(shared_data):
    rec = read_wfdb(shared_data / "gaitndd" / "control1.hea")
    assert rec.sampling_rate_hz == 300.0
    assert rec.left.values.shape == (90000, 1) and rec.right.values.shape == (90000, 1)
    assert rec.format == "wfdb"
    # The short header reads the same samples.
    short = read_wfdb(shared_data / "gaitndd" / "control1.hea-")
    np.testing.assert_array_equal(short.left.values, rec.left.values)
    # The record name without extension works too.
    by_name = load_recording(shared_data / "gaitndd" / "control1")
    np.testing.assert_array_equal(by_name.right.values, rec.right.values)


def test_invalid_code_kept_as_rail(shared_data):
    rec = read_wfdb(shared_data / "gaitndd" / "als5.hea")
    n_inv = rec.meta["wfdb_invalid_samples"]["right"]
    assert n_inv > 20000  # ~29.5 % of 90000 per the data README
    assert np.count_nonzero(rec.right.values == -2048) == n_inv
    assert rec.right.valid.all()


def test_missing_data_file(tmp_path, shared_data):
    shutil.copy(shared_data / "gaitndd" / "control1.hea", tmp_path / "control1.hea")
    with pytest.raises(RecordingReadError, match="missing"):
        read_wfdb(tmp_path / "control1.hea")


def test_truncated_and_corrupt_data(tmp_path, shared_data):
    src = shared_data / "gaitndd"
    for ext in ("hea", "let", "rit"):
        shutil.copy(src / f"control1.{ext}", tmp_path / f"control1.{ext}")
    raw = (tmp_path / "control1.let").read_bytes()
    (tmp_path / "control1.let").write_bytes(raw[:3000])
    with pytest.raises(RecordingReadError, match="truncated"):
        read_wfdb(tmp_path / "control1.hea")
    corrupt = bytearray(raw)
    corrupt[100] ^= 0x55
    (tmp_path / "control1.let").write_bytes(bytes(corrupt))
    with pytest.raises(RecordingReadError, match="checksum"):
        read_wfdb(tmp_path / "control1.hea")


def test_read_gaitpdb(shared_data):
    rec = read_gaitpdb(shared_data / "gaitpdb" / "GaCo01_01.txt")
    assert rec.sampling_rate_hz == 100.0
    assert rec.left.values.shape == (12119, 8)
    assert rec.meta["group"] == "control" and rec.meta["treadmill"] is False
    raw = np.loadtxt(shared_data / "gaitpdb" / "GaCo01_01.txt", max_rows=5)
    np.testing.assert_allclose(rec.left.values[:5], raw[:, 1:9])
    np.testing.assert_allclose(rec.right.total[:5], raw[:, 18], atol=0.05)
    # Heel sensor behind the toe sensor, medial sensors at +x.
    xy = rec.left.sensor_xy_mm
    assert xy[0, 1] < xy[7, 1] and xy[2, 0] > 0 > xy[1, 0]


def test_gaitpdb_wrong_columns(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text("0.0\t1\t2\n0.01\t1\t2\n")
    with pytest.raises(RecordingReadError, match="19 columns"):
        read_gaitpdb(p)


def test_csv_round_trip(tmp_path):
    rec = synthesize([("walking", 5)], n_sensors=8)
    p = tmp_path / "walk.csv"
    write_csv(rec, p)
    back = read_csv(p)
    assert back.sampling_rate_hz == pytest.approx(100.0)
    np.testing.assert_allclose(back.left.values, rec.left.values, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(back.right.sensor_xy_mm, rec.right.sensor_xy_mm)
    assert load_recording(p).format == "csv"


def test_csv_one_foot_and_missing_fields(tmp_path):
    p = tmp_path / "one.csv"
    p.write_text("# body_mass_kg=70\ntime_s,left_1,left_2\n0.00,1,2\n0.01,,3\n0.02,4,5\n")
    rec = read_csv(p)
    assert rec.right is None and rec.left.values.shape == (3, 2)
    assert np.isnan(rec.left.values[1, 0])
    assert rec.meta["body_mass_kg"] == "70"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("t,left_1\n0,1\n0.01,2\n", "time_s"),
        ("time_s,foo\n0,1\n0.01,2\n", "unknown CSV column"),
        ("time_s,left_1\n0,1\n0.01,2\n0.02,2\n0.035,3\n", "uniformly"),
        ("time_s,left_1\n0,1\n0.01,abc\n", "malformed"),
        ("time_s,left_1\n", "no data rows"),
        ("time_s,left_1,right_1,right_2\n0,1,2,3\n0.01,1,2,3\n", "different sensor counts"),
    ],
)
def test_csv_errors(tmp_path, text, match):
    """Each malformed CSV is refused with a message naming the problem."""
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(RecordingReadError, match=match):
        read_csv(p)


def test_csv_missing_rows_are_a_gap(tmp_path):
    """A time jump is a gap of missing samples, never a shifted signal."""
    p = tmp_path / "gap.csv"
    p.write_text("time_s,left_1\n0,1\n0.01,2\n0.05,3\n0.06,4\n")
    rec = read_csv(p)
    assert rec.sampling_rate_hz == 100.0 and rec.left.n_samples == 7
    np.testing.assert_array_equal(rec.left.valid, [1, 1, 0, 0, 0, 1, 1])
    assert rec.left.values[5, 0] == 3.0


def test_dispatch_to_session_reader(tmp_path, monkeypatch):
    import gait.readers._readers as dispatch

    calls = []

    def read_session(path):
        calls.append(path)
        return synthesize([("walking", 3)])

    monkeypatch.setattr(dispatch, "read_session", read_session)
    p = tmp_path / "walk.gaitsession"
    p.write_bytes(b"\x00")
    rec = load_recording(p)
    assert calls == [p] and rec.left is not None
    load_recording(p, format="session")
    assert len(calls) == 2


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(RecordingReadError, match="unknown format"):
        load_recording(tmp_path / "x.csv", format="xml")
    with pytest.raises(RecordingReadError, match="not found"):
        load_recording(tmp_path / "nothing.csv")
