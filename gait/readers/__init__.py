"""Recording files: CSV, PhysioNet gaitpdb and WFDB, Moticon OpenGo exports, our session files.

Every reader returns a :class:`~gait.insole.Recording`; :func:`load_recording` picks the
reader from the file's content.
"""

from gait.readers._chunks import iter_chunks
from gait.readers._moticon import read_moticon
from gait.readers._readers import (
    FORMATS,
    load_recording,
    read_csv,
    read_gaitpdb,
    read_wfdb,
    write_csv,
)

__all__ = [
    "FORMATS",
    "iter_chunks",
    "load_recording",
    "read_csv",
    "read_gaitpdb",
    "read_moticon",
    "read_wfdb",
    "write_csv",
]
