"""The bleak client end to end against virtual insoles over bumble's in-process GATT stack.

Every test goes through ``bleak.BleakScanner`` / ``bleak.BleakClient`` / ``start_notify``: the
bumble backend only replaces the OS Bluetooth stack underneath.
"""

from __future__ import annotations

import asyncio

import bleak
import numpy as np
import pytest

from gait.exceptions import InsoleNotFoundError, NotFoundReason
from gait.insole._ble import ReconnectPolicy, record_session, scan_insoles
from gait.insole._session import read_session
from gait.insole._simulate import simulate_session
from gait.insole._sources import QueueInsoleSource
from gait.insole._virtual import FaultPlan, InsoleSignal, synthetic_signals

FS = 100.0


@pytest.fixture(scope="module")
def walk_20s():
    return synthetic_signals("walking", 20.0, 16, FS, seed=3)


def _align_tolerance(speed: float) -> int:
    """L/R alignment tolerance (samples) of a run ``speed`` times faster than real time.

    The feet share no clock; their starts are aligned from arrival times, so host jitter is
    multiplied by the speed-up (0-9 samples measured at 20x on this loaded machine). This
    bound (50 ms of host jitter) only catches gross errors; real time is held to 1 sample in
    ``test_real_time_feet_are_aligned_within_one_sample``.
    """
    return int(np.ceil(speed * 0.050 * FS))


def _sent_values(signal, index):
    return signal.counts[np.asarray(index) % signal.n_samples].astype(np.float64) * 0.1


def _check_exact(rec, side, signal, stats, shift=None):
    """Every sample the insole sent is in the session exactly once, with its value."""
    foot = rec.feet[side]
    first = int(np.flatnonzero(foot.valid)[0]) if shift is None else shift
    sent = np.asarray(stats.sent_index)
    assert np.unique(sent).size == sent.size
    assert foot.valid.sum() == sent.size
    assert foot.valid[first + sent].all()
    np.testing.assert_array_equal(foot.values[first + sent], _sent_values(signal, sent))
    return first


async def test_two_insoles_stream_every_sample(tmp_path, walk_20s):
    res = await simulate_session(
        tmp_path / "a.gsn", walk_20s, speed=20.0, seq_start={"left": 65000, "right": 7}
    )
    rec = read_session(res.summary.path)
    for side in ("left", "right"):
        st = res.insoles[side]
        assert st.samples_sent == 2000 and st.samples_unsent == 0
        _check_exact(rec, side, walk_20s[side], st)
        link = res.summary.stats[side]
        assert link.lost_samples == 0 and link.duplicate_samples == 0
        assert link.malformed_packets == 0 and link.mtu == 517
        # One notification -> one callback.
        assert link.callbacks_per_connection == st.notifications_per_connection
    assert rec.meta["gaps"] == [] and rec.meta["duplicate_samples"] == {"left": 0, "right": 0}
    # The pair started together; alignment comes from arrival times (see _align_tolerance).
    first = {s: int(np.flatnonzero(f.valid)[0]) for s, f in rec.feet.items()}
    assert abs(first["left"] - first["right"]) <= _align_tolerance(20.0), rec.meta["clock_offset_s"]
    assert rec.meta["counter_resets"] == {"left": 0, "right": 0}  # the left counter wrapped
    assert not (tmp_path / "a.gsn.partial").exists()


async def test_real_time_feet_are_aligned_within_one_sample(tmp_path, walk_20s):
    # Three seconds in real time (the other tests run faster than real time).
    signals = {
        s: InsoleSignal(v.counts[:300], None, v.sensor_xy_mm, v.force_lsb_mn)
        for s, v in walk_20s.items()
    }
    res = await simulate_session(tmp_path / "rt.gsn", signals, speed=1.0)
    rec = read_session(res.summary.path)
    first = {s: int(np.flatnonzero(f.valid)[0]) for s, f in rec.feet.items()}
    # Both insoles start measuring at the same instant (start_together).
    assert abs(first["left"] - first["right"]) <= 1, rec.meta["clock_offset_s"]
    assert rec.meta["gaps"] == []


async def test_dropped_link_mid_walk_is_recovered_and_the_gap_reported(tmp_path, walk_20s):
    faults = {"left": FaultPlan(drop_link_at_s=(8.0,))}
    res = await simulate_session(tmp_path / "d.gsn", walk_20s, speed=10.0, faults=faults)
    left, link = res.insoles["left"], res.summary.stats["left"]
    assert left.drops == 1 and link.disconnects == 1
    assert len(link.reconnect_s) == 1 and link.reconnect_s[0] < 5.0
    assert link.callbacks_per_connection == left.notifications_per_connection
    assert len(left.notifications_per_connection) == 2
    rec = read_session(res.summary.path)
    _check_exact(rec, "left", walk_20s["left"], left)
    gaps = rec.meta["gaps"]
    assert len(gaps) == 1 and gaps[0]["side"] == "left"
    # The gap is exactly the samples that fell due while the link was down, starting at 8 s.
    assert gaps[0]["n_samples"] == left.samples_unsent > 0
    first = int(np.flatnonzero(rec.left.valid)[0])
    assert gaps[0]["start_s"] == pytest.approx(8.0 + first / FS)
    assert gaps[0]["end_s"] - gaps[0]["start_s"] < 5.0
    assert np.isnan(rec.left.values[first + 800 : first + 800 + gaps[0]["n_samples"]]).all()
    events = [(e["side"], e["event"]) for e in rec.meta["events"]]
    assert ("left", "disconnected") in events and ("left", "reconnected") in events
    assert rec.meta["lost_samples"]["right"] == 0


async def test_repeated_drops_resubscribe_exactly_once_each(tmp_path, walk_20s):
    faults = {"right": FaultPlan(drop_link_at_s=(4.0, 8.0, 12.0))}
    res = await simulate_session(
        tmp_path / "r.gsn",
        {"right": walk_20s["right"]},
        speed=10.0,
        faults=faults,
        policy=ReconnectPolicy(initial_delay_s=0.05),
    )
    st, link = res.insoles["right"], res.summary.stats["right"]
    assert st.drops == 3 and link.disconnects == 3 and len(link.reconnect_s) == 3
    assert len(st.notifications_per_connection) == 4
    assert link.callbacks_per_connection == st.notifications_per_connection
    assert link.duplicate_samples == 0
    rec = read_session(res.summary.path)
    assert rec.left is None
    _check_exact(rec, "right", walk_20s["right"], st)
    assert len(rec.meta["gaps"]) == 3


async def test_lost_packets_become_nan_gaps(tmp_path, walk_20s):
    faults = {"left": FaultPlan(skip_at_s=((3.0, 7), (11.5, 1)))}
    res = await simulate_session(tmp_path / "l.gsn", walk_20s, speed=20.0, faults=faults)
    rec = read_session(res.summary.path)
    first = _check_exact(rec, "left", walk_20s["left"], res.insoles["left"])
    gaps = [(g["start_s"] - first / FS, g["n_samples"]) for g in rec.meta["gaps"]]
    assert gaps == [(pytest.approx(3.0), 7), (pytest.approx(11.5), 1)]
    assert res.summary.stats["left"].lost_samples == 8
    assert rec.meta["lost_samples"] == {"left": 8, "right": 0}


async def test_duplicated_notifications_are_dropped_and_counted(tmp_path, walk_20s):
    faults = {"right": FaultPlan(duplicate_every=5)}
    res = await simulate_session(tmp_path / "u.gsn", walk_20s, speed=20.0, faults=faults)
    st, link = res.insoles["right"], res.summary.stats["right"]
    assert st.duplicates_sent > 10
    rec = read_session(res.summary.path)
    _check_exact(rec, "right", walk_20s["right"], st)
    assert rec.meta["duplicate_samples"]["right"] == link.duplicate_samples > 0
    assert link.callbacks_per_connection == st.notifications_per_connection


async def test_a_peripheral_sending_garbage_does_not_break_the_client(tmp_path, walk_20s):
    faults = {"left": FaultPlan(garbage_every=3, corrupt_every=7, seed=1)}
    res = await simulate_session(tmp_path / "g.gsn", walk_20s, speed=20.0, faults=faults)
    st, link = res.insoles["left"], res.summary.stats["left"]
    assert st.garbage_sent > 0 and st.corrupted_sent > 0
    rec = read_session(res.summary.path)
    _check_exact(rec, "left", walk_20s["left"], st)
    # Every garbage notification was rejected (random bytes could decode by chance; with
    # this seed none does), by the live client and by the reader alike.
    assert link.malformed_packets == st.garbage_sent + st.corrupted_sent
    assert rec.meta["malformed_packets"]["left"] == link.malformed_packets
    # Corrupted packets inside the received span are gaps; one at the very end (possible
    # when batches are large) leaves no trace in a file that simply ends there.
    sent = np.asarray(st.sent_index)
    inside = sent.max() - sent.min() + 1 - sent.size
    assert rec.meta["lost_samples"]["left"] == inside
    assert st.samples_corrupted - 32 <= inside <= st.samples_corrupted
    assert rec.meta["lost_samples"]["right"] == 0


async def test_live_frames_are_timed_by_the_device_counter(tmp_path, walk_20s):
    frames = QueueInsoleSource(FS, maxsize=10_000)
    got = []

    async def consume():
        async for f in frames:
            got.append(f)

    task = asyncio.create_task(consume())
    signals = {"left": walk_20s["left"]}
    res = await simulate_session(
        tmp_path / "f.gsn", signals, speed=20.0, frames=frames, seq_start={"left": 65530}
    )
    await task
    assert len(got) == res.insoles["left"].samples_sent == 2000
    idx = np.array([f.index for f in got])
    assert (np.diff(idx) == 1).all()
    assert got[-1].t_s == pytest.approx(1999 / FS)
    np.testing.assert_array_equal(got[10].values, walk_20s["left"].counts[10])


async def test_streaming_analyser_fed_by_the_ble_client(tmp_path, walk_20s):
    from gait.analysis._streaming import StreamingAnalyzer

    frames = QueueInsoleSource(FS)
    sa = StreamingAnalyzer(FS)
    events = []

    async def consume():
        async for f in frames:
            events.extend(sa.push(f.side, f.t_s, f.values))

    task = asyncio.create_task(consume())
    faults = {"left": FaultPlan(drop_link_at_s=(10.0,))}
    await simulate_session(tmp_path / "s.gsn", walk_20s, speed=10.0, faults=faults,
                           frames=frames)  # fmt: skip
    await task
    strides = [e for e in events if e.kind == "stride"]
    gaps = [e for e in events if e.kind == "gap"]
    assert len(strides) > 20  # ~18 per foot in 20 s at 1.08 s per stride
    assert [g.side for g in gaps] == ["left"] and gaps[0].data["lost_samples"] > 0
    metrics = sa.metrics()
    assert metrics.cadence_spm == pytest.approx(120 / 1.08, rel=0.1)


@pytest.mark.slow
async def test_ten_minutes_of_two_insoles_with_a_forced_disconnect(tmp_path):
    """The acceptance run: 2 x 60,000 samples of 16 cells at 100 Hz, one forced drop.

    Simulated time runs up to 60x faster than real time (limited by the in-process link).
    """
    signals = synthetic_signals("walking", 600.0, 16, FS, seed=11)
    faults = {"left": FaultPlan(drop_link_at_s=(300.0,))}
    res = await simulate_session(
        tmp_path / "ten.gsn", signals, speed=60.0, faults=faults,
        seq_start={"left": 60_000, "right": 1},
    )  # fmt: skip
    rec = read_session(res.summary.path)
    right, left = res.insoles["right"], res.insoles["left"]
    assert right.samples_sent == 60_000 and right.samples_unsent == 0
    _check_exact(rec, "right", signals["right"], right)
    _check_exact(rec, "left", signals["left"], left)
    assert left.samples_sent + left.samples_unsent == 60_000
    assert rec.meta["duplicate_samples"] == {"left": 0, "right": 0}
    assert rec.meta["lost_samples"] == {"left": left.samples_unsent, "right": 0}
    (gap,) = rec.meta["gaps"]
    assert gap["side"] == "left" and gap["n_samples"] == left.samples_unsent
    first = {s: int(np.flatnonzero(f.valid)[0]) for s, f in rec.feet.items()}
    assert abs(first["left"] - first["right"]) <= _align_tolerance(60.0), rec.meta["clock_offset_s"]
    link = res.summary.stats["left"]
    assert link.reconnect_s[0] < 5.0  # wall clock, drop -> first notification again
    assert gap["end_s"] - gap["start_s"] < 5.0  # device time lost
    for side in ("left", "right"):
        st = res.summary.stats[side]
        assert st.callbacks_per_connection == res.insoles[side].notifications_per_connection
    print(
        f"\n10 min x 2 insoles: wall {res.wall_s:.1f} s, gap {gap['n_samples']} samples, "
        f"reconnect {link.reconnect_s[0] * 1000:.0f} ms"
    )


async def test_scan_timeout_and_missing_side(tmp_path, walk_20s):
    from bumble.link import LocalLink

    from gait.insole._bumble_backend import BumbleCentral, make_backend
    from gait.insole._virtual import VirtualInsole

    link = LocalLink()
    backend = make_backend(await BumbleCentral.create(link))
    with pytest.raises(InsoleNotFoundError) as err:
        await scan_insoles(0.3, backend=backend)
    assert err.value.reason is NotFoundReason.TIMEOUT
    ins = VirtualInsole(link, "left", walk_20s["left"], address="D1:00:00:00:00:09")
    await ins.start()
    try:
        found = await scan_insoles(2.0, count=1, backend=backend)
        assert [d.name for d in found] == ["SSInsL"]
        with pytest.raises(InsoleNotFoundError) as err:
            await record_session(
                tmp_path / "x.gsn", duration_s=1.0, backend=backend, scan_timeout_s=0.5
            )
        assert err.value.reason is NotFoundReason.SIDE_MISSING
        assert not list(tmp_path.iterdir())  # nothing half-written
    finally:
        await ins.stop()


async def test_platform_backend_can_be_patched_instead_of_passed(tmp_path, monkeypatch, walk_20s):
    """Application code without ``backend=`` runs on bumble when bleak's getters are patched."""
    from bumble.link import LocalLink

    from gait.insole._bumble_backend import BumbleCentral, make_backend
    from gait.insole._virtual import VirtualInsole

    link = LocalLink()
    backend = make_backend(await BumbleCentral.create(link))
    monkeypatch.setattr(
        bleak, "get_platform_scanner_backend_type", lambda: (backend.scanner, "bumble")
    )
    monkeypatch.setattr(
        bleak, "get_platform_client_backend_type", lambda: (backend.client, "bumble")
    )
    ins = VirtualInsole(link, "right", walk_20s["right"], address="D1:00:00:00:00:0A", speed=10.0)
    await ins.start()
    try:
        summary = await record_session(
            tmp_path / "p.gsn", duration_s=1.0, sides=("right",), scan_timeout_s=2.0
        )
    finally:
        await ins.stop()
    assert summary.stats["right"].samples > 100
    rec = read_session(summary.path)
    assert rec.right.valid.sum() == summary.stats["right"].samples
