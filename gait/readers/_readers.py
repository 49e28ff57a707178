"""Format dispatch for recorded insole and footswitch data; every reader returns a :class:`Recording`.

Formats
-------
``wfdb``
    PhysioNet WFDB records (``.hea`` or the older ``.hea-`` header plus one binary file per
    signal), format 212 (two 12-bit samples in three bytes) or 16 (little-endian int16),
    decoded here. Sides come from the signal description (``left-foot``/``right-foot``) or
    the file extension (``.let``/``.rit``). ``-2048`` is WFDB's "invalid" code for format 212;
    in the gait databases it also marks the negative rail during swing, so those samples
    are kept as the lowest value (unloaded), not dropped, and counted in
    ``meta["wfdb_invalid_samples"]``.
``gaitpdb``
    PhysioNet *Gait in Parkinson's Disease* walk files: 19 tab-separated columns (time,
    8 left and 8 right sensor forces in newtons, two totals), 100 Hz.
``csv``
    Our documented CSV layout (see :func:`read_csv`).
``moticon``
    Moticon OpenGo text exports (:mod:`gait.readers._moticon`).
``session``
    Our BLE session files, read by :func:`gait.insole._session.read_session`.
"""

from __future__ import annotations

from pathlib import Path

from gait.exceptions import RecordingReadError
from gait.insole._recording import Recording
from gait.insole._session import read_session
from gait.readers._moticon import is_opengo_export, read_moticon
from gait.readers._text import (
    FORCE_UNITS,
    TextPlan,
    check_physical,
    csv_plan,
    gaitpdb_plan,
    read_csv,
    read_gaitpdb,
    write_csv,
)
from gait.readers._wfdb import (
    WfdbHeader,
    WfdbSignalSpec,
    decode_format_212,
    parse_wfdb_header,
    read_wfdb,
)

__all__ = [
    "FORCE_UNITS",
    "FORMATS",
    "TextPlan",
    "WfdbHeader",
    "WfdbSignalSpec",
    "check_physical",
    "csv_plan",
    "decode_format_212",
    "gaitpdb_plan",
    "load_recording",
    "parse_wfdb_header",
    "read_csv",
    "read_gaitpdb",
    "read_moticon",
    "read_wfdb",
    "write_csv",
]

#: Formats accepted by :func:`load_recording`.
FORMATS: tuple[str, ...] = ("auto", "session", "csv", "gaitpdb", "wfdb", "moticon")


def _sniff(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".hea", ".hea-", ".let", ".rit", ".dat"):
        return "wfdb"
    if suffix == ".csv":
        return "csv"
    if suffix == ".txt":
        return "moticon" if is_opengo_export(path) else "gaitpdb"
    if path.is_file():
        with path.open("rb") as fh:
            head = fh.read(64)
        if head.startswith(b"time_s"):
            return "csv"
    if not path.exists() and (
        path.with_name(path.name + ".hea").is_file()
        or path.with_name(path.name + ".hea-").is_file()
    ):
        return "wfdb"
    return "session"


def load_recording(path: str | Path, format: str = "auto") -> Recording:
    """Read a recording in any supported format.

    Parameters
    ----------
    path : str or Path
        File to read (for WFDB: the ``.hea`` header, a data file or the record name).
    format : {"auto", "session", "csv", "gaitpdb", "wfdb", "moticon"}
        ``auto`` picks by extension: ``.hea``/``.hea-``/``.let``/``.rit``/``.dat`` -> wfdb, ``.csv`` ->
        csv, ``.txt`` -> Moticon OpenGo export when it starts like one, else gaitpdb; anything
        else -> our session format.

    Returns
    -------
    Recording

    Raises
    ------
    RecordingReadError
        Unknown format, missing file, or a file that does not parse.
    """
    if format not in FORMATS:
        raise RecordingReadError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    fmt = _sniff(path) if format == "auto" else format
    if fmt != "wfdb" and not path.is_file():
        raise RecordingReadError(f"{path}: file not found")
    if fmt == "wfdb":
        return read_wfdb(path)
    if fmt == "gaitpdb":
        return read_gaitpdb(path)
    if fmt == "csv":
        return read_csv(path)
    if fmt == "moticon":
        return read_moticon(path)
    return read_session(path)
