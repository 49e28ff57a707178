"""The ``gait`` command line: ``gait analyze`` here, ``gait record``/``gait simulate`` from the BLE side.

``gait analyze PATH [--format auto|session|csv|gaitpdb|wfdb] [--json] [--html OUT]``

Without ``--json`` a short plain-text summary is printed. Any :class:`GaitError` (bad file,
bad recording) exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gait.exceptions import GaitError

__all__ = ["build_parser", "main"]


def _analyze(args: argparse.Namespace) -> int:
    from gait.analysis._chunked import analyze_file

    report = analyze_file(args.path, format=args.format)
    if args.html:
        report.write_html(args.html)
    if args.json:
        sys.stdout.write(report.to_json() + "\n")
        return 0
    d = report.to_dict()
    s = d["summary"]

    def fmt(v: object, unit: str = "") -> str:
        return "n/a" if v is None else f"{v}{unit}"

    m = d["meta"]
    lines = [
        f"recording: {args.path} ({m.get('format')}, {m.get('sampling_rate_hz', 0):g} Hz, "
        f"{m.get('duration_s', 0):.1f} s)",
        f"strides: {s['n_strides']} ({s['n_clean_strides']} used for variability)",
        f"cadence: {fmt(s['cadence_spm'], ' steps/min')}   stride CV: {fmt(s['stride_cv_pct'], ' %')}",
        f"stance/swing: {fmt(s['stance_pct'], ' %')} / {fmt(s['swing_pct'], ' %')}   "
        f"double support: {fmt(s['double_support_pct'], ' %')}   symmetry: {fmt(s['symmetry_index_pct'], ' %')}",
        "activity: "
        + (
            ", ".join(f"{a['kind']} {a['end_s'] - a['start_s']:.0f} s" for a in d["activity"])
            or "n/a"
        ),
        f"walking speed: {fmt(s['walking_speed_m_s'], ' m/s')}   stride length: "
        f"{fmt(s['stride_length_m'], ' m')}"
        + (f" ({s['walking_speed_note']})" if s["walking_speed_m_s"] is None else ""),
        f"steps: {d['daily']['steps']}   active: {d['daily']['active_min']:.1f} min   "
        f"worn: {d['daily']['wear_s'] / 3600:.2f} h   steps/day: {fmt(d['daily']['daily_steps'])}",
    ]
    flags = [c for c in d["care"] if c["flag"] in ("watch", "act")]
    for c in flags:
        lines.append(
            f"flag ({c['flag']}): {c['label']} {c['value']} {c['unit']} - {c['flag_source']}"
        )
    for note in d["quality"]["notes"]:
        lines.append(f"note: {note}")
    if args.html:
        lines.append(f"HTML report written to {args.html}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``gait`` argument parser with every sub-command."""
    from gait.readers._readers import FORMATS

    parser = argparse.ArgumentParser(prog="gait", description="Smart-insole gait analysis.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("analyze", help="analyse a recording and print a summary or JSON")
    p.add_argument("path", help="recording file (session, CSV, gaitpdb .txt, WFDB .hea)")
    p.add_argument(
        "--format", choices=FORMATS, default="auto", help="file format (default: by extension)"
    )
    p.add_argument("--json", action="store_true", help="print the full JSON report")
    p.add_argument("--html", metavar="OUT", help="also write a self-contained HTML report")
    p.set_defaults(func=_analyze)
    try:
        from gait._ble_cli import add_ble_commands
    except ImportError:  # the BLE extra is optional
        return parser
    add_ble_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gait`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except GaitError as exc:
        msg = " ".join(str(exc).split())
        sys.stderr.write(f"gait {args.command}: error: {msg}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(
            f"gait {args.command}: error: {exc.strerror or exc}: {exc.filename or ''}\n"
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
