"""Session files: incremental crash-safe writing and reading back with honest gaps."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from gait.exceptions import RecordingReadError
from gait.insole._packets import InsoleInfo, PressureFrame, PressurePacket, SensorLayoutPacket, Side
from gait.insole._session import RecordKind, SessionWriter, iter_session_records, read_session

FS = 100.0


def _info(side, imu=False, n=16):
    return InsoleInfo(side, 2, n, FS, has_imu=imu, force_lsb_mn=100, serial=7 + int(side))


def _packet(k, n=16, imu=False, seq0=65000):
    vals = tuple((k * 7 + i) % 4000 for i in range(n))
    return bytes(
        PressurePacket(
            (
                PressureFrame(
                    (seq0 + k) & 0xFFFF,
                    (k * 10_000) & 0xFFFFFFFF,
                    vals,
                    (16384, 0, -16384, 100, 0, 0) if imu else None,
                ),
            ),
            packed_12bit=True,
        )
    )


def _write(path, n=600, skip=(), dup=(), garbage=(), right_delay_s=0.0, imu=False, close=True):
    w = SessionWriter(path, meta={"subject": "S01"})
    w.write_device("left", address="AA", info=bytes(_info(Side.LEFT, imu)), layout=None)
    layout = SensorLayoutPacket(2, tuple((float(i), 10.0 * i) for i in range(16)))
    w.write_device("right", address="BB", info=bytes(_info(Side.RIGHT, imu)), layout=bytes(layout))
    for k in range(n):
        host = int((1.0 + k / FS) * 1e9)
        if k not in skip:
            w.write_notification("left", _packet(k, imu=imu), host + 4_000_000)
            if k in dup:
                w.write_notification("left", _packet(k, imu=imu), host + 5_000_000)
        if k in garbage:
            w.write_notification("left", b"\x01\x02garbage", host)
        w.write_notification(
            "right", _packet(k, imu=imu, seq0=3), host + int(right_delay_s * 1e9) + 4_000_000
        )
    if close:
        return w.close({"ok": True})
    w.abort()
    return w.partial_path


def test_round_trip_exact_values(tmp_path):
    p = _write(tmp_path / "s.gsn")
    assert p.exists() and not (tmp_path / "s.gsn.partial").exists()
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    rec = read_session(p)
    assert rec.format == "session" and rec.sampling_rate_hz == FS
    assert rec.left.values.shape == (600, 16) == rec.right.values.shape
    expected = np.array([[(k * 7 + i) % 4000 for i in range(16)] for k in range(600)]) * 0.1
    np.testing.assert_allclose(rec.left.values, expected)
    np.testing.assert_allclose(rec.right.values, expected)
    assert rec.left.valid.all() and rec.right.valid.all()
    assert rec.meta["gaps"] == [] and rec.meta["lost_samples"] == {"left": 0, "right": 0}
    assert rec.meta["complete"] and rec.meta["header"]["subject"] == "S01"
    # Right layout from its characteristic; left falls back to the built-in 16-cell layout.
    assert rec.right.sensor_xy_mm[3].tolist() == [3.0, 30.0]
    assert rec.left.sensor_xy_mm.shape == (16, 2)


def test_lost_duplicated_and_garbage_packets_are_reported_not_hidden(tmp_path):
    p = _write(
        tmp_path / "s.gsn",
        skip=set(range(200, 230)) | {400},
        dup={10, 11, 500},
        garbage={5, 6},
    )
    rec = read_session(p)
    left = rec.left
    assert left.values.shape[0] == 600
    assert np.isnan(left.values[200:230]).all() and not left.valid[200:230].any()
    assert np.isnan(left.values[400]).all()
    assert left.valid.sum() == 600 - 31
    gaps = [g for g in rec.meta["gaps"] if g["side"] == "left"]
    assert [(g["start_s"], g["end_s"], g["n_samples"]) for g in gaps] == [
        (2.0, 2.3, 30),
        (4.0, 4.01, 1),
    ]
    assert rec.meta["lost_samples"]["left"] == 31
    assert rec.meta["duplicate_samples"]["left"] == 3
    assert rec.meta["malformed_packets"]["left"] == 2


def test_feet_are_aligned_by_arrival_offset(tmp_path):
    p = _write(tmp_path / "s.gsn", right_delay_s=0.25)
    rec = read_session(p)
    assert rec.meta["clock_offset_s"]["right"] == pytest.approx(0.25, abs=1e-6)
    assert not rec.right.valid[:25].any() and rec.right.valid[25:].all()
    assert rec.left.values.shape[0] == rec.right.values.shape[0] == 625
    assert rec.meta["gaps"] == []  # leading padding is not a loss


def test_imu_is_scaled_to_si_units(tmp_path):
    rec = read_session(_write(tmp_path / "s.gsn", n=50, imu=True))
    np.testing.assert_allclose(rec.left.imu[0, :3], [8 * 9.80665, 0, -8 * 9.80665])
    assert rec.left.imu[0, 3] == pytest.approx(100 * 2000 / 32768)


def test_crash_leaves_a_readable_partial_file(tmp_path):
    partial = _write(tmp_path / "s.gsn", close=False)
    assert partial.name.endswith(".partial")
    # Simulate a crash in the middle of the last record.
    data = partial.read_bytes()
    partial.write_bytes(data[:-7])
    rec = read_session(partial)
    assert not rec.meta["complete"] and rec.meta["truncated_tail"]
    assert rec.left.valid.sum() == 600 and rec.right.valid.sum() == 599


def test_corrupt_record_is_skipped_and_counted(tmp_path):
    p = _write(tmp_path / "s.gsn", n=100)
    data = bytearray(p.read_bytes())
    _, records, _ = iter_session_records(p)
    # Flip a byte inside the payload of some notification in the middle.
    pos = data.find(_packet(50)) + 8
    data[pos] ^= 0xFF
    p.write_bytes(bytes(data))
    header, recs, integrity = iter_session_records(p)
    assert integrity["corrupt_bytes"] > 0 and integrity["complete"]
    assert len(recs) == len(records) - 1
    rec = read_session(p)
    assert rec.meta["lost_samples"]["left"] == 1 and not rec.left.valid[50]


def test_one_foot_session(tmp_path):
    w = SessionWriter(tmp_path / "one.gsn")
    w.write_device("right", address="BB", info=bytes(_info(Side.RIGHT)), layout=None)
    for k in range(10):
        w.write_notification("right", _packet(k), k * 10_000_000)
    w.write_event("right", "disconnected", host_ns=95_000_000)
    rec = read_session(w.close())
    assert rec.left is None and rec.right.values.shape == (10, 16)
    assert rec.meta["events"][0]["event"] == "disconnected"
    assert rec.meta["events"][0]["t_s"] == pytest.approx(0.095)
    assert [r.kind for r in iter_session_records(w.path)[1]][-1] == RecordKind.END


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        (b"hello world, not a session", "bad magic"),
        (b"GAITSESS\x01\x00\xff\x00\x00\x00{}", "truncated"),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path, content, message):
    p = tmp_path / "bad.gsn"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(RecordingReadError, match=message):
        read_session(p)


def test_session_without_samples_or_devices(tmp_path):
    w = SessionWriter(tmp_path / "empty.gsn")
    p = w.close()
    with pytest.raises(RecordingReadError, match="no insole"):
        read_session(p)
    w = SessionWriter(tmp_path / "nodata.gsn")
    w.write_device("left", address="AA", info=bytes(_info(Side.LEFT)), layout=None)
    w.write_notification("left", b"junk")
    with pytest.raises(RecordingReadError, match="no valid pressure sample"):
        read_session(w.close())


def test_writer_refuses_missing_directory(tmp_path):
    with pytest.raises(RecordingReadError, match="no directory"):
        SessionWriter(tmp_path / "nope" / "s.gsn")


def test_sessions_from_another_decoder_use_the_generic_path(tmp_path):
    """A FAU InsoleSensor stream: 15-bit counter, no timestamp, 200 Hz, 3 cells + IMU."""
    import struct

    w = SessionWriter(tmp_path / "fau.gsn")
    info = InsoleInfo(Side.LEFT, 0, 3, 200.0, has_imu=True)
    w.write_device("left", address="CC", info=bytes(info), layout=None, decoder="fau-insole")
    k = 0
    for n in range(300):
        if 100 <= n < 110:  # 10 notifications lost
            k += 2
            continue
        frames = b"".join(
            struct.pack(">3h3hh3BxH", 0, 0, 0, 0, 0, 0, 0, 1, 2, j % 256, (32700 + j) % 32768)
            for j in (k, k + 1)
        )
        w.write_notification("left", frames, int((k + 1) / 200.0 * 1e9))
        k += 2
    rec = read_session(w.close())
    assert rec.sampling_rate_hz == 200.0 and rec.left.values.shape == (600, 3)
    assert rec.meta["lost_samples"]["left"] == 20
    assert rec.left.sensor_xy_mm is None  # no layout characteristic, no built-in 3-cell layout
    assert rec.left.values[599, 2] == 599 % 256


async def test_replay_source_skips_lost_samples_and_interleaves(tmp_path):
    from gait.insole._sources import InsoleSource, ReplayInsoleSource

    rec = read_session(_write(tmp_path / "s.gsn", n=50, skip=set(range(10, 20))))
    src = ReplayInsoleSource(rec)
    assert isinstance(src, InsoleSource)
    frames = [f async for f in src]
    left = [f for f in frames if f.side == "left"]
    assert len(left) == 40 and len(frames) == 90
    assert [f.index for f in left[9:11]] == [9, 20]
    assert frames[0].side == "left" and frames[1].side == "right" and frames[1].t_s == 0.0
    np.testing.assert_array_equal(left[0].values, rec.left.values[0])


def test_out_of_order_notifications_are_put_back_in_order(tmp_path):
    w = SessionWriter(tmp_path / "ooo.gsn")
    w.write_device("left", address="AA", info=bytes(_info(Side.LEFT)), layout=None)
    order = list(range(100))
    order[40], order[41], order[42] = order[42], order[40], order[41]  # 42 overtakes 40, 41
    for j, k in enumerate(order):
        w.write_notification("left", _packet(k), int(j * 1e7))
    rec = read_session(w.close())
    expected = np.array([[(k * 7 + i) % 4000 for i in range(16)] for k in range(100)]) * 0.1
    np.testing.assert_allclose(rec.left.values, expected)
    assert rec.meta["gaps"] == [] and rec.meta["duplicate_samples"]["left"] == 0


def _parts_as_one(path, monkeypatch=None, batch=None):
    """Every part of the streaming reader, glued back together (for comparisons)."""
    import gait.insole._session_parts as S
    from gait.readers import iter_chunks

    if batch is not None:
        monkeypatch.setattr(S, "_BATCH_NOTIFICATIONS", batch)
    parts = list(iter_chunks(path, chunk_s=1e6))
    assert len(parts) == 1
    return parts[0][1]


def test_streaming_reader_matches_read_session(tmp_path, monkeypatch):
    """Streaming (small batches) and whole-file reading place every sample identically,
    including notifications out of order, repeats, a lost stretch and the right foot late."""
    p = _write(tmp_path / "s.gsn", n=900, skip=set(range(300, 340)), dup={5, 600},
               right_delay_s=0.25)  # fmt: skip
    whole = read_session(p)
    part = _parts_as_one(p, monkeypatch, batch=37)
    for side in ("left", "right"):
        a, b = whole.feet[side], part.feet[side]
        n = min(a.n_samples, b.n_samples)
        np.testing.assert_array_equal(a.valid[:n], b.valid[:n])
        np.testing.assert_allclose(a.values[:n][a.valid[:n]], b.values[:n][b.valid[:n]])


def test_streaming_reader_reorders_inside_a_batch(tmp_path):
    w = SessionWriter(tmp_path / "ooo.gsn")
    w.write_device("left", address="AA", info=bytes(_info(Side.LEFT)), layout=None)
    order = list(range(100))
    order[40], order[41], order[42] = order[42], order[40], order[41]
    for j, k in enumerate(order):
        w.write_notification("left", _packet(k), int(j * 1e7))
    rec = _parts_as_one(w.close())
    expected = np.array([[(k * 7 + i) % 4000 for i in range(16)] for k in range(100)]) * 0.1
    np.testing.assert_allclose(rec.left.values, expected)


def test_streaming_falls_back_for_other_decoders(tmp_path):
    """A FAU InsoleSensor session goes through read_session (same samples), not an error."""
    import struct

    w = SessionWriter(tmp_path / "fau.gsn")
    info = InsoleInfo(Side.LEFT, 0, 3, 200.0, has_imu=True)
    w.write_device("left", address="CC", info=bytes(info), layout=None, decoder="fau-insole")
    for k in range(0, 600, 2):
        frames = b"".join(
            struct.pack(">3h3hh3BxH", 0, 0, 0, 0, 0, 0, 0, 1, 2, j % 256, j % 32768)
            for j in (k, k + 1)
        )
        w.write_notification("left", frames, int((k + 1) / 200.0 * 1e9))
    p = w.close()
    rec = _parts_as_one(p)
    np.testing.assert_array_equal(rec.left.values, read_session(p).left.values)
