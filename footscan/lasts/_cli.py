"""``footscan last SCAN --style STYLE --out last.stl [--insole insole.stl] [--pressure SESSION]``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from footscan.lasts.exceptions import LastError

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``last`` subcommand on footscan's parser."""
    from footscan._units import UNIT_CHOICES
    from footscan.lasts._styles import style_names

    p = sub.add_parser(
        "last",
        help="personal last (and custom insole) from a foot scan, for makers",
        description="Measure SCAN, deform the style's base last onto the foot and write it "
        "(.stl, .3mf or .step by the extension; millimetres).",
    )
    p.add_argument("scan")
    p.add_argument("--style", required=True, choices=style_names())
    p.add_argument(
        "--out",
        required=True,
        help="the last: .stl, .3mf or .step (STEP needs the optional 'step' extra)",
    )
    p.add_argument("--insole", help="also write the custom insole: .stl or .3mf")
    p.add_argument(
        "--pressure", metavar="SESSION", help="insole session (relieves peaks > 200 kPa)"
    )
    p.add_argument(
        "--sensor-area-cm2",
        type=float,
        help="sensing area of one insole cell, to turn a session's forces into kPa",
    )
    p.add_argument("--sheet", help="write the printable HTML spec sheet here")
    p.add_argument("--side", choices=("auto", "left", "right"), default="auto")
    p.add_argument("--units", choices=UNIT_CHOICES, default="auto")
    p.add_argument("--json", action="store_true", help="print the measures as one JSON object")


def _write_mesh(path: Path, name: str, vertices, faces) -> None:
    from footscan.lasts._export import stl_bytes, threemf_bytes

    suffix = path.suffix.lower()
    if suffix == ".stl":
        path.write_bytes(stl_bytes(vertices, faces, name))
    elif suffix == ".3mf":
        path.write_bytes(threemf_bytes([(name, vertices, faces)]))
    elif suffix in (".step", ".stp"):
        from footscan.lasts._step import step_bytes

        path.write_bytes(step_bytes(vertices, faces, name))
    else:
        raise LastError(f"{path}: write .stl, .3mf or .step")


def run(args: argparse.Namespace) -> int:
    """Run the ``last`` subcommand (errors propagate as FootscanError)."""
    from footscan._io import load_scan
    from footscan._pipeline import measure_scan
    from footscan.lasts import load_style, make_insole, make_last
    from footscan.lasts._export import spec_sheet_html
    from footscan.lasts._session import pressure_from_session

    out = Path(args.out)
    if out.suffix.lower() not in (".stl", ".3mf", ".step", ".stp"):
        raise LastError(f"{out}: write .stl, .3mf or .step")
    if args.insole and Path(args.insole).suffix.lower() not in (".stl", ".3mf"):
        raise LastError(f"{args.insole}: write .stl or .3mf")
    style = load_style(args.style)
    scan = measure_scan(load_scan(args.scan, units=args.units), side=args.side)
    last = make_last(scan, style)
    _write_mesh(out, "last", last.vertices_mm, last.faces)
    insole = None
    if args.insole or args.pressure:
        pressure = None
        if args.pressure:
            pressure = pressure_from_session(args.pressure, last.side, args.sensor_area_cm2)
        insole = make_insole(last, pressure)
        if args.insole:
            _write_mesh(Path(args.insole), "insole", insole.vertices_mm, insole.faces)
    if args.sheet:
        order = {"scan": Path(args.scan).name}
        Path(args.sheet).write_text(spec_sheet_html(last, insole, order), encoding="utf-8")
    summary = last.summary()
    if insole is not None:
        summary["insole"] = insole.summary()
    if args.json:
        summary.pop("planes", None)
        print(json.dumps(summary, allow_nan=False))
    else:
        print(f"{args.scan}: {last.side} foot, {style.label} last -> {out}")
        for k, m in summary["measures"].items():
            print(
                f"  {k.replace('_', ' '):<14} foot {m['foot_mm']:7.1f}  last {m['last_mm']:7.1f}"
                f"  allowance {m['allowance_mm']:+6.1f} mm"
            )
        for c in last.clearance:
            print(f"  clearance {c.name:<10} min {c.min_mm:+5.1f}  median {c.median_mm:+5.1f} mm")
    return 0
