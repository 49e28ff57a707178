"""XYZ / PTS / TXT / CSV / ASC point lists: reader and writer (header names, colours)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from footscan._io_common import (
    MAX_POINTS,
    Raw,
    check_count,
)
from footscan._io_text import colors_to_u8, loadtxt, text_rows
from footscan.exceptions import ScanReadError

__all__ = ["encode_xyz", "read_xyz"]


_NUM_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(nan|inf|infinity)$", re.I)


def _split_fields(line: str, delim: str | None) -> list[str]:
    return [t.strip() for t in (line.split(delim) if delim else line.split())]


def read_xyz(data: bytes) -> Raw:
    head = data[:65536].decode("latin-1")
    lines = head.splitlines()
    if len(data) > 65536 and lines:
        lines = lines[:-1]  # the last sniffed line may be cut
    # Find the first line that is all numbers with >= 3 fields.
    delim: str | None = None
    first = -1
    header_fields: list[str] | None = None
    for i, line in enumerate(lines[:50]):
        s = line.strip()
        if not s or s.startswith("#") or s.startswith("//"):
            continue
        d = "," if "," in s else (";" if ";" in s else None)
        toks = _split_fields(s, d)
        if len(toks) >= 3 and all(_NUM_RE.match(t) for t in toks):
            delim, first = d, i
            break
        header_fields = [t.strip("\"' ").lower() for t in toks]
    if first < 0:
        raise ScanReadError("no lines with three numeric columns (x y z) found")
    ncols = len(_split_fields(lines[first].strip(), delim))
    # Count rows before parsing: a tiny gzip can expand to many short lines.
    check_count(data.count(b"\n") - first, "text rows", MAX_POINTS + 1000)
    # Comments are skipped by loadtxt itself; skiprows counts physical lines before the data.
    arr = loadtxt(data, ncols, delimiter=delim, skiprows=first, comments=["#", "//"])
    if arr.shape[0] > MAX_POINTS:
        raise ScanReadError(f"{arr.shape[0]} points is more than the limit of {MAX_POINTS}")
    names = header_fields if header_fields and len(header_fields) == ncols else None
    return _columns_to_raw(arr, names)


def _columns_to_raw(arr: NDArray[np.float64], names: list[str] | None) -> Raw:
    ncols = arr.shape[1]
    if names is not None:

        def find(*cands: str) -> int | None:
            for c in cands:
                if c in names:
                    return names.index(c)
            return None

        ix = [
            find("x", "x_mm", "x_m", "px"),
            find("y", "y_mm", "y_m", "py"),
            find("z", "z_mm", "z_m", "pz"),
        ]
        xyz = [i for i in ix if i is not None]
        if len(xyz) != 3:
            xyz = [0, 1, 2]
        pts = arr[:, xyz]
        nidx = [find("nx", "normal_x"), find("ny", "normal_y"), find("nz", "normal_z")]
        cidx = [find("r", "red"), find("g", "green"), find("b", "blue")]
        normals = arr[:, nidx] if all(i is not None for i in nidx) else None  # type: ignore[index]
        colors = colors_to_u8(arr[:, cidx]) if all(i is not None for i in cidx) else None  # type: ignore[index]
        return Raw(pts, None, normals, colors)
    pts = arr[:, :3]
    normals = colors = None
    if ncols >= 6:
        extra = arr[:, 3:6]
        tail = arr[:, -3:]
        norm = np.linalg.norm(extra, axis=1)
        if np.all(np.abs(extra) <= 1.0) and np.mean(np.abs(norm - 1.0) < 0.05) > 0.99:
            normals = extra
        elif _looks_like_rgb(tail):
            # x y z [intensity] r g b (Leica PTS) or x y z r g b
            colors = tail.astype(np.uint8)
    return Raw(pts, None, normals, colors)


def _looks_like_rgb(cols: NDArray[np.float64]) -> bool:
    return bool(np.all((cols >= 0) & (cols <= 255) & (cols == np.round(cols))))


def encode_xyz(
    pts: NDArray[np.float64],
    tri: NDArray[np.int64] | None,
    normals: NDArray[np.float64] | None,
    colors: NDArray[np.uint8] | None,
    delim: str = " ",
    header: bool = False,
) -> Iterator[bytes]:
    names = ["x", "y", "z"]
    table = [pts]
    fmts = ["%.9g"] * 3
    if normals is not None:
        names += ["nx", "ny", "nz"]
        table.append(np.asarray(normals, dtype=np.float64))
        fmts += ["%.6f"] * 3
    if colors is not None:
        names += ["red", "green", "blue"]
        table.append(np.asarray(colors, dtype=np.float64))
        fmts += ["%d"] * 3
    if header:
        yield (delim.join(names) + "\n").encode("ascii")
    yield text_rows(np.column_stack(table), delim.join(fmts))
