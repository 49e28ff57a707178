"""Wavefront OBJ reader and writer (vertices and faces; materials are ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from footscan._io_common import (
    MAX_FACES,
    MAX_POINTS,
    Raw,
    check_count,
    fan_triangulate,
    fan_triangulate_fixed,
    short_error,
)
from footscan._io_text import colors_to_u8, text_rows
from footscan.exceptions import ScanReadError

__all__ = ["encode_obj", "read_obj"]


_OBJ_SLASH = re.compile(rb"/[^\s]*")


def read_obj(data: bytes) -> Raw:
    v_lines: list[bytes] = []
    f_lines: list[bytes] = []
    vn_lines: list[bytes] = []
    # v, vt and vn per vertex plus the faces: more lines than this cannot be a valid scan.
    check_count(data.count(b"\n"), "OBJ lines", 3 * MAX_POINTS + MAX_FACES)
    for line in data.splitlines():
        s = line.lstrip()
        if s.startswith(b"v "):
            v_lines.append(s[2:])
        elif s.startswith(b"f "):
            f_lines.append(s[2:])
        elif s.startswith(b"vn "):
            vn_lines.append(s[3:])
        elif s.startswith(b"v\t"):
            v_lines.append(s[2:])
        elif s.startswith(b"f\t"):
            f_lines.append(s[2:])
    if not v_lines:
        raise ScanReadError("OBJ file has no vertex ('v') lines")
    check_count(len(v_lines), "OBJ vertices", MAX_POINTS)
    check_count(len(f_lines), "OBJ faces", MAX_FACES)
    widths = {len(v.split()) for v in v_lines[:1000]}
    width = min(widths)
    if width < 3:
        raise ScanReadError("OBJ vertex lines need at least three coordinates")
    try:
        verts = np.loadtxt(v_lines, dtype=np.float64, ndmin=2, usecols=range(min(width, 6)))
    except ValueError as exc:
        raise ScanReadError(f"OBJ vertex lines are not numeric ({short_error(exc)})") from None
    pts = verts[:, :3]
    colors = colors_to_u8(verts[:, 3:6]) if verts.shape[1] >= 6 else None
    n = pts.shape[0]
    faces = None
    if f_lines:
        stripped = [_OBJ_SLASH.sub(b"", f) for f in f_lines]
        try:
            idx = np.loadtxt(stripped, dtype=np.int64, ndmin=2)
            polys = None
        except ValueError:
            polys = [[int(t) for t in f.split()] for f in stripped]
        if polys is None:
            idx = np.where(idx < 0, idx + n, idx - 1)
            faces = fan_triangulate_fixed(idx)
        else:
            polys = [[i + n if i < 0 else i - 1 for i in p] for p in polys]
            check_count(sum(max(len(p) - 2, 0) for p in polys), "OBJ triangles", MAX_FACES)
            faces = fan_triangulate(polys)
    normals = None
    if vn_lines and len(vn_lines) == n and faces is None:
        normals = np.loadtxt(vn_lines, dtype=np.float64, ndmin=2)[:, :3]
    return Raw(pts, faces, normals, colors)


def encode_obj(
    pts: NDArray[np.float64],
    tri: NDArray[np.int64] | None,
    normals: NDArray[np.float64] | None,
    colors: NDArray[np.uint8] | None,
) -> Iterator[bytes]:
    yield b"# footscan\n"
    yield text_rows(pts, "v %.9g %.9g %.9g")
    if tri is not None:
        yield text_rows(tri + 1, "f %d %d %d")
