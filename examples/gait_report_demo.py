"""Analyse a synthetic insole session and write the JSON and HTML reports.

Run::

    .venv/bin/python examples/gait_report_demo.py [OUT_DIR]

A two-insole, 16-sensor recording (stand, walk, sit, run, stand) is synthesised, analysed with
:func:`gait.analyze`, and written as ``gait_report.json`` and ``gait_report.html`` (a
self-contained page a wearer can open offline).
"""

from __future__ import annotations

import sys
from pathlib import Path

import gait


def main(out_dir: str = ".") -> Path:
    """Write the demo reports into ``out_dir`` and return the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan = [("standing", 15), ("walking", 60), ("sitting", 15), ("running", 30), ("standing", 15)]
    recording = gait.synthesize(plan, n_sensors=16, sampling_rate_hz=100.0, seed=1)
    report = gait.analyze(recording)
    s = report.summary
    print(
        f"{s.n_strides} strides, cadence {s.cadence_spm:.0f} steps/min, stride CV {s.stride_cv_pct:.1f} %"
    )
    for seg in report.activity:
        print(f"  {seg.start_s:6.1f}-{seg.end_s:6.1f} s  {seg.kind}")
    json_path = out / "gait_report.json"
    tmp = json_path.with_name(json_path.name + ".tmp")
    tmp.write_text(report.to_json(indent=2), encoding="utf-8")
    tmp.replace(json_path)
    return report.write_html(out / "gait_report.html")


if __name__ == "__main__":
    print(main(*sys.argv[1:2]))
