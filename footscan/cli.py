"""Command line: ``footscan measure PATH [--units auto|m|cm|mm|in] [--side ...] [--json] ...``.

Any :class:`~footscan.exceptions.FootscanError` ends with exit status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footscan._units import UNIT_CHOICES
from footscan.exceptions import FootscanError

if TYPE_CHECKING:
    from footscan._pipeline import ScanResult

__all__ = ["main", "demo_scan_path", "summary_json", "summary_text"]

JSON_KEYS = (
    "foot_length_mm",
    "ball_width_mm",
    "foot_breadth_mm",
    "heel_width_mm",
    "ball_girth_mm",
    "instep_girth_mm",
    "arch_height_mm",
    "instep_height_mm",
    "heel_to_ball_length_mm",
    "toe_height_mm",
    "arch_height_index",
)


def summary_json(result: ScanResult) -> dict[str, Any]:
    """The ``--json`` object of a :class:`footscan.ScanResult` (unavailable values are null)."""
    return result.as_dict()


def summary_text(result: ScanResult, path: str) -> str:
    """A readable multi-line summary of a :class:`footscan.ScanResult`."""
    r = result
    lines = [f"{path}: {r.side} foot ({r.side_method})"]
    for name, m in vars(r.measurements).items():
        label = name.replace("_", " ")
        if m.value is None:
            lines.append(f"  {label:<22} unavailable ({m.reason})")
        else:
            unit = " mm" if m.unit == "mm" else ""
            extra = ""
            if m.status == "model-completed":
                sd = "" if m.uncertainty is None else f" +-{m.uncertainty:.1f}{unit}"
                extra = f"   model-completed{sd}"
            lines.append(
                f"  {label:<22} {m.value:8.1f}{unit}   confidence {m.confidence:.2f}{extra}"
            )
    s = r.sizes
    if s is None:
        why = "; ".join(r.quality.rejection_reasons) or "no foot length"
        lines.append(f"  sizes: not given: the scan is not accepted ({why}); rescan")
    else:
        lines.append(
            f"  sizes: EU {s.eu:g}  UK {s.uk:g}  US men {s.us_men:g}  US women {s.us_women:g}  "
            f"Mondopoint {s.mondopoint_marking}  KR {s.kr_mm}  JP {s.jp_cm:g}  "
            f"width {s.width_fitting or '-'} ({s.rounding} rounding)"
        )
    for other in r.other_feet:
        om = other.measurements.foot_length
        ol = "unavailable" if om.value is None else f"{om.value:.1f} mm"
        lines.append(f"  also in the capture: a {other.side} foot, foot length {ol}")
    q = r.quality
    lines.append(
        f"  quality: {'accepted' if q.accepted else 'NOT accepted'}; {q.n_points_foot} foot points, "
        f"noise {q.noise_mm:.2f} mm, floor {'found' if q.floor_found else 'not found'}"
    )
    for reason in q.rejection_reasons:
        lines.append(f"    rejected: {reason}")
    for flag in q.flags:
        lines.append(f"    note: {flag}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="footscan", description="Measure foot scans.")
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser(
        "measure",
        help="measure one scan (PLY, PCD, XYZ, CSV, OBJ, STL, GLB, USDZ; .zip or .gz of one)",
    )
    m.add_argument("path")
    m.add_argument(
        "--units",
        choices=UNIT_CHOICES,
        default="auto",
        help="unit of the file's coordinates (auto: declared by USD, else m/cm/mm from the "
        "extent; inches are never guessed: pass --units in)",
    )
    m.add_argument("--side", choices=("auto", "left", "right"), default="auto")
    m.add_argument("--rounding", choices=("nearest", "up"), default="nearest")
    m.add_argument("--size-table", help="JSON size table overriding the bundled formulas")
    m.add_argument("--json", action="store_true", help="print one JSON object")
    m.add_argument("--export-glb", metavar="OUT", help="write the aligned foot as GLB")
    d = sub.add_parser("demo", help="measure the bundled sample phone scan")
    d.add_argument("--json", action="store_true", help="print one JSON object")
    from footscan.lasts._cli import add_parser as add_last_parser

    add_last_parser(sub)
    return p


def demo_scan_path() -> Path:
    """The bundled sample capture (``assets/demo/phone_scan_left.ply``)."""
    from footscan._find import assets_dir

    path = assets_dir() / "demo" / "phone_scan_left.ply"
    if not path.is_file():
        raise FootscanError(f"bundled sample scan not found at {path}")
    return path


def _measure(args: argparse.Namespace) -> int:
    from footscan._io import load_scan
    from footscan._pipeline import measure_scan
    from footscan._sizes import load_size_table

    table = load_size_table(args.size_table) if args.size_table else None
    cloud = load_scan(args.path, units=args.units)
    result = measure_scan(cloud, side=args.side, size_table=table, rounding=args.rounding)
    if args.export_glb:
        from footscan._export import export_glb

        export_glb(result, Path(args.export_glb))
    if args.json:
        print(json.dumps(summary_json(result), allow_nan=False))
    else:
        print(summary_text(result, args.path))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``footscan`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "measure":
            return _measure(args)
        if args.command == "demo":
            ns = argparse.Namespace(
                path=str(demo_scan_path()),
                units="auto",
                side="auto",
                rounding="nearest",
                size_table=None,
                json=args.json,
                export_glb=None,
            )
            return _measure(ns)
        if args.command == "last":
            from footscan.lasts._cli import run as run_last

            return run_last(args)
    except FootscanError as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        print(f"footscan: error: {msg}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
