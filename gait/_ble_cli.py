"""``gait record`` and ``gait simulate``: BLE sessions from real or virtual insoles.

``gait record [--seconds N] [--out FILE] [--sides both|left|right] [--scan-timeout S]
[--upload URL --token T]`` connects to real insoles through bleak (the platform's Bluetooth
stack) and writes a session file; Ctrl-C stops cleanly.

``gait simulate [--seconds N] [--activity walking|running|standing|sitting|mixed] [--out FILE]
[--drop-at S] [--speed X] [--sensors 8|16] [--imu] [--replay PATH] [--seed N]`` runs two
virtual insoles and the same bleak client in one process over bumble's in-process link.

Both print one line per insole (samples, lost, duplicates, reconnects) and the file written.
Bad input raises a :class:`~gait.exceptions.GaitError`, which ``gait`` turns into exit status 2
and one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from gait.exceptions import RecordingValidationError

__all__ = ["add_ble_commands"]

_ACTIVITIES = ("walking", "running", "standing", "sitting", "mixed")


def _default_out(prefix: str) -> Path:
    return Path(f"{prefix}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.gsn")


def _check_out(out: str | None, prefix: str) -> Path:
    path = Path(out) if out else _default_out(prefix)
    if path.is_dir():
        raise RecordingValidationError(f"--out {path} is a directory; give a file name")
    if not path.parent.exists():
        raise RecordingValidationError(f"--out: directory {path.parent} does not exist")
    return path


def _positive(name: str, value: float | None, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value is None or not math.isfinite(value) or value <= 0:
        raise RecordingValidationError(f"{name} must be a positive number, got {value}")


def _print_summary(summary, extra: dict | None = None) -> None:
    for side, st in sorted(summary.stats.items()):
        rec = ", ".join(f"{x:.2f} s" for x in st.reconnect_s) or "none"
        line = (
            f"{side}: {st.samples} samples, {st.lost_samples} lost, "
            f"{st.duplicate_samples} duplicate, {st.malformed_packets} malformed, "
            f"{st.disconnects} disconnects (reconnected after {rec}), MTU {st.mtu}"
        )
        if extra and side in extra:
            line += f"; {extra[side]}"
        sys.stdout.write(line + "\n")
    sys.stdout.write(f"session written to {summary.path}\n")


def _record(args: argparse.Namespace) -> int:
    from gait.insole._ble import record_session

    _positive("--seconds", args.seconds, allow_none=True)
    _positive("--scan-timeout", args.scan_timeout)
    if (args.upload is None) != (args.token is None):
        raise RecordingValidationError("--upload and --token go together")
    out = _check_out(args.out, "gait-record")
    sides = ("left", "right") if args.sides == "both" else (args.sides,)

    async def run():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, stop.set)
            loop.add_signal_handler(signal.SIGTERM, stop.set)
        if args.seconds is None:
            sys.stdout.write("recording; press Ctrl-C to stop\n")
        return await record_session(
            out,
            duration_s=args.seconds,
            stop_event=stop,
            sides=sides,
            scan_timeout_s=args.scan_timeout,
        )

    summary = asyncio.run(run())
    _print_summary(summary)
    if args.upload:
        from gait.insole._upload import upload_session

        ans = upload_session(summary.path, args.upload, args.token)
        sys.stdout.write(f"uploaded as gait session {ans.get('id', '?')}\n")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from gait.insole._simulate import simulate_session
    from gait.insole._virtual import FaultPlan, signals_from_recording, synthetic_signals

    _positive("--seconds", args.seconds)
    _positive("--speed", args.speed)
    if args.seconds > 24 * 3600:
        raise RecordingValidationError("--seconds: at most one day of simulated data")
    if args.drop_at is not None and not 0 < args.drop_at < args.seconds:
        raise RecordingValidationError(
            f"--drop-at must fall inside the session (0 < S < {args.seconds:g}), got {args.drop_at}"
        )
    out = _check_out(args.out, "gait-simulate")
    fs = 100.0
    if args.replay:
        from gait.readers._readers import load_recording

        rec = load_recording(args.replay)
        signals = signals_from_recording(rec)
        fs = rec.sampling_rate_hz
        n = min(round(args.seconds * fs), min(s.n_samples for s in signals.values()))
    else:
        signals = synthetic_signals(
            args.activity, args.seconds, args.sensors, fs, args.seed, with_imu=args.imu
        )
        n = round(args.seconds * fs)
    faults = {}
    if args.drop_at is not None:
        faults["left"] = FaultPlan(drop_link_at_s=(args.drop_at,))
    # Truncate the signals to the requested length (a replay may be longer).
    signals = {
        side: type(sig)(sig.counts[:n], None if sig.imu is None else sig.imu[:n],
                        sig.sensor_xy_mm, sig.force_lsb_mn)
        for side, sig in signals.items()
    }  # fmt: skip
    res = asyncio.run(
        simulate_session(out, signals, sampling_rate_hz=fs, speed=args.speed, faults=faults)
    )
    extra = {
        side: f"insole sent {st.samples_sent}, {st.samples_unsent} fell due while unlinked"
        for side, st in res.insoles.items()
    }
    _print_summary(res.summary, extra)
    sys.stdout.write(f"simulated {n / fs:g} s in {res.wall_s:.1f} s wall clock\n")
    return 0


def add_ble_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``record`` and ``simulate`` on the ``gait`` parser."""
    p = subparsers.add_parser("record", help="record a session from real insoles over BLE")
    p.add_argument("--seconds", type=float, default=None, help="stop after N s (default: Ctrl-C)")
    p.add_argument("--out", help="session file (default: gait-record-<UTC time>.gsn)")
    p.add_argument(
        "--sides", choices=("both", "left", "right"), default="both", help="insoles to use"
    )
    p.add_argument("--scan-timeout", type=float, default=10.0, help="scan time limit, s")
    p.add_argument("--upload", metavar="URL", help="storefront URL to upload the session to")
    p.add_argument("--token", metavar="T", help="storefront API token for --upload")
    p.set_defaults(func=_record)

    s = subparsers.add_parser(
        "simulate", help="virtual insoles + the real bleak client in one process (no hardware)"
    )
    s.add_argument("--seconds", type=float, default=30.0, help="simulated duration (default 30)")
    s.add_argument("--activity", choices=_ACTIVITIES, default="walking")
    s.add_argument("--out", help="session file (default: gait-simulate-<UTC time>.gsn)")
    s.add_argument("--drop-at", type=float, default=None, metavar="S",
                   help="drop the left insole's link at S simulated seconds")  # fmt: skip
    s.add_argument("--speed", type=float, default=1.0,
                   help="simulated seconds per wall second while streaming (default 1)")  # fmt: skip
    s.add_argument("--sensors", type=int, choices=(8, 16), default=16)
    s.add_argument("--imu", action="store_true", help="also stream IMU values")
    s.add_argument("--replay", metavar="PATH", help="replay a recording instead of synthesizing")
    s.add_argument("--seed", type=int, default=0, help="seed of the synthetic activity")
    s.set_defaults(func=_simulate)
