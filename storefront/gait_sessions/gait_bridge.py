"""The one place that talks to :mod:`gait` (reading, analysing, HTML report, demo sessions)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

__all__ = ["GAIT_EXTENSIONS", "analyze_file", "demo_session_csv"]

#: Extensions accepted for gait uploads: our session files, CSV, PhysioNet gaitpdb and WFDB parts.
GAIT_EXTENSIONS: tuple[str, ...] = (
    ".csv",
    ".txt",
    ".hea",
    ".dat",
    ".let",
    ".rit",
    ".gsn",
    ".session",
    ".jsonl",
    ".json",
    ".npz",
)


def _mod(public: str, private: str) -> Any:
    import gait

    if hasattr(gait, public):
        return gait
    return importlib.import_module(private)


def analyze_file(path: Path) -> tuple[dict[str, Any], str | None]:
    """Analyse a recording; return the report dict and its HTML (if gait renders one).

    ``gait.analyze_file`` reads in bounded parts (gaps are gaps, never a dense grid), so a
    24-hour upload costs the worker a few hundred MB rather than the whole recording.
    """
    report = _mod("analyze_file", "gait._chunked").analyze_file(path)
    data = report.to_dict() if hasattr(report, "to_dict") else dict(report)
    html: str | None = None
    for name in ("to_html", "html"):
        fn = getattr(report, name, None)
        if callable(fn):
            html = fn()
            break
    if html is None:
        try:
            render = getattr(_mod("render_html", "gait._report"), "render_html", None)
        except ImportError:
            render = None
        if render is not None:
            html = render(report)
    return data, html


def demo_session_csv(seed: int = 0) -> bytes:
    """A synthetic two-insole walk (with a little running) written in gait's CSV layout."""
    import tempfile

    from gait._readers import write_csv
    from gait._synthetic import synthesize

    rec = synthesize(
        [("standing", 5.0), ("walking", 60.0), ("running", 20.0), ("walking", 15.0)], seed=seed
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo.csv"
        write_csv(rec, out)
        return out.read_bytes()
