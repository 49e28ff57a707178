"""Readers for the reference material of the PhysioNet gait databases (for validation).

* :func:`read_gaitndd_ts`: the published per-stride intervals (``<rec>.ts``) of *Gait in
  Neurodegenerative Disease* (gaitndd).
* :func:`read_gaitndd_subjects`: ``subject-description.txt`` (group, age, height, weight...).
* :func:`read_gaitpdb_demographics`: ``demographics.txt`` of *Gait in Parkinson's Disease*.
* :func:`gaitndd_group`: the group of a gaitndd record from its name.

Data: PhysioNet (Goldberger et al., *Circulation* 101(23):e215-e220, 2000), ODC-By 1.0;
gaitndd: Hausdorff et al., *J Appl Physiol* 82:262-269 (1997), 88:2045-2053 (2000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingReadError

__all__ = [
    "GAITNDD_GROUPS",
    "GaitnddIntervals",
    "SubjectInfo",
    "gaitndd_group",
    "list_gaitndd_records",
    "read_gaitndd_subjects",
    "read_gaitndd_ts",
    "read_gaitpdb_demographics",
]

#: Record-name prefix -> group label used in reports.
GAITNDD_GROUPS: dict[str, str] = {"control": "control", "park": "PD", "hunt": "HD", "als": "ALS"}


def gaitndd_group(record: str) -> str:
    """Group (``control``, ``PD``, ``HD``, ``ALS``) of a gaitndd record name like ``park3``."""
    m = re.match(r"^([a-z]+)\d+$", record)
    if m is None or m.group(1) not in GAITNDD_GROUPS:
        raise RecordingReadError(f"{record!r} is not a gaitndd record name")
    return GAITNDD_GROUPS[m.group(1)]


def list_gaitndd_records(folder: str | Path) -> list[str]:
    """Record names in a gaitndd folder (by globbing ``*.hea``), sorted by group and number."""
    names = [p.stem for p in Path(folder).glob("*.hea")]

    def key(name: str) -> tuple[str, int]:
        m = re.match(r"^([a-z]+)(\d+)$", name)
        return (m.group(1), int(m.group(2))) if m else (name, 0)

    return sorted(names, key=key)


@dataclass(frozen=True)
class GaitnddIntervals:
    """Published per-stride intervals of one gaitndd record (one row per left stride).

    Parameters
    ----------
    left_ic_end_s : (m,) float64
        Time of the left heel strike that ends the row's left stride.
    stride_s, swing_s, stance_s : (m, 2) float64
        Left (column 0) and right (column 1) stride, swing and stance intervals.
    double_support_s : (m,) float64
        Double-support interval.
    """

    left_ic_end_s: NDArray[np.float64] = field(repr=False)
    stride_s: NDArray[np.float64] = field(repr=False)
    swing_s: NDArray[np.float64] = field(repr=False)
    stance_s: NDArray[np.float64] = field(repr=False)
    double_support_s: NDArray[np.float64] = field(repr=False)

    @property
    def n_rows(self) -> int:
        """Number of rows (left strides)."""
        return int(self.left_ic_end_s.size)


def read_gaitndd_ts(path: str | Path) -> GaitnddIntervals:
    """Read a gaitndd ``.ts`` file (13 tab-separated columns).

    Parameters
    ----------
    path : str or Path
        The ``.ts`` file.

    Returns
    -------
    GaitnddIntervals
    """
    path = Path(path)
    try:
        arr = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except FileNotFoundError:
        raise RecordingReadError(f"{path}: file not found") from None
    except ValueError as exc:
        raise RecordingReadError(f"{path}: malformed .ts file: {exc}") from None
    if arr.shape[1] != 13:
        raise RecordingReadError(f"{path}: .ts files have 13 columns, found {arr.shape[1]}")
    return GaitnddIntervals(
        left_ic_end_s=arr[:, 0],
        stride_s=arr[:, 1:3],
        swing_s=arr[:, 3:5],
        stance_s=arr[:, 7:9],
        double_support_s=arr[:, 11],
    )


@dataclass(frozen=True)
class SubjectInfo:
    """One subject row of a demographics table (None where missing).

    Parameters
    ----------
    record : str
        Record or subject id.
    group : str
        ``control``, ``PD``, ``HD`` or ``ALS``.
    age_years, height_m, weight_kg, gait_speed_m_s : float or None
        As published (heights converted to metres).
    gender : str or None
        ``"m"`` or ``"f"``.
    """

    record: str
    group: str
    age_years: float | None
    height_m: float | None
    weight_kg: float | None
    gender: str | None
    gait_speed_m_s: float | None


def _num(tok: str) -> float | None:
    try:
        v = float(tok)
    except ValueError:
        return None
    return None if np.isnan(v) else v


def read_gaitndd_subjects(path: str | Path) -> dict[str, SubjectInfo]:
    """Parse gaitndd ``subject-description.txt``.

    Handles the traps listed in the data README: the ALS group is labelled ``subjects``,
    missing values are ``MISSING``, and a row may be broken across two lines.

    Parameters
    ----------
    path : str or Path
        The description file.

    Returns
    -------
    dict of record -> SubjectInfo
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        raise RecordingReadError(f"{path}: file not found") from None
    rows: list[list[str]] = []
    for ln in lines[1:]:
        tok = ln.split()
        if not tok:
            continue
        if re.match(r"^[a-z]+\d+$", tok[0]):
            rows.append(tok)
        elif rows:
            rows[-1].extend(tok)  # continuation of a broken row
    out = {}
    for tok in rows:
        rec = tok[0]
        try:
            group = gaitndd_group(rec)
        except RecordingReadError:
            continue
        g = tok[5].lower() if len(tok) > 5 and tok[5].lower() in ("m", "f") else None
        out[rec] = SubjectInfo(
            record=rec,
            group=group,
            age_years=_num(tok[2]) if len(tok) > 2 else None,
            height_m=_num(tok[3]) if len(tok) > 3 else None,
            weight_kg=_num(tok[4]) if len(tok) > 4 else None,
            gender=g,
            gait_speed_m_s=_num(tok[6]) if len(tok) > 6 else None,
        )
    return out


def read_gaitpdb_demographics(path: str | Path) -> dict[str, SubjectInfo]:
    """Parse gaitpdb ``demographics.txt`` (heights in cm for the Ju study become metres).

    Parameters
    ----------
    path : str or Path
        The demographics file.

    Returns
    -------
    dict of subject id (e.g. ``GaCo01``) -> SubjectInfo
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        raise RecordingReadError(f"{path}: file not found") from None
    if not lines:
        raise RecordingReadError(f"{path}: empty demographics file")
    head = [h.strip() for h in lines[0].split("\t")]
    col = {h: i for i, h in enumerate(head) if h}
    need = ("ID", "Group", "Gender", "Age", "Height", "Weight")
    if any(k not in col for k in need):
        raise RecordingReadError(f"{path}: demographics header lacks one of {need}")
    out = {}
    for ln in lines[1:]:
        tok = [t.strip() for t in ln.split("\t")]
        if len(tok) <= max(col[k] for k in need) or not tok[col["ID"]]:
            continue
        sid = tok[col["ID"]]
        height = _num(tok[col["Height"]])
        if height is not None and height > 3.0:
            height /= 100.0  # Ju study: centimetres
        gender_code = _num(tok[col["Gender"]])
        speed = (
            _num(tok[col["Speed_01"]]) if "Speed_01" in col and len(tok) > col["Speed_01"] else None
        )
        out[sid] = SubjectInfo(
            record=sid,
            group="PD" if _num(tok[col["Group"]]) == 1 else "control",
            age_years=_num(tok[col["Age"]]),
            height_m=height,
            weight_kg=_num(tok[col["Weight"]]),
            gender={1.0: "m", 2.0: "f"}.get(gender_code) if gender_code is not None else None,
            gait_speed_m_s=speed,
        )
    return out
