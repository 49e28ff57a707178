"""STL reader and writer (binary and ascii; the triangle soup is merged into a mesh)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from footscan._io_common import (
    MAX_FACES,
    Raw,
    check_count,
    short_error,
)
from footscan.exceptions import ScanReadError

__all__ = ["encode_stl", "read_stl"]


_STL_VERTEX = re.compile(rb"vertex\s+(\S+)\s+(\S+)\s+(\S+)")


def read_stl(data: bytes) -> Raw:
    if len(data) >= 84:
        n_tri = int.from_bytes(data[80:84], "little")
        if len(data) == 84 + 50 * n_tri:
            return _read_stl_binary(data, n_tri)
    if data.lstrip()[:5].lower() == b"solid":
        return _read_stl_ascii(data)
    if len(data) >= 84:
        n_tri = int.from_bytes(data[80:84], "little")
        if 84 + 50 * n_tri > len(data):
            raise ScanReadError(
                f"binary STL is truncated: {n_tri} triangles need {84 + 50 * n_tri} bytes, "
                f"the file has {len(data)}"
            )
        return _read_stl_binary(data, n_tri)
    raise ScanReadError("not an STL file (too short for binary and no 'solid' keyword)")


def _read_stl_binary(data: bytes, n_tri: int) -> Raw:
    check_count(n_tri, "STL triangles", MAX_FACES)
    dt = np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    arr = np.frombuffer(data, dtype=dt, count=n_tri, offset=84)
    return _merge_triangle_soup(arr["v"].reshape(-1, 3).astype(np.float64))


def _read_stl_ascii(data: bytes) -> Raw:
    check_count(data.count(b"vertex") // 3, "ASCII STL facets", MAX_FACES)
    found = _STL_VERTEX.findall(data)
    if not found:
        raise ScanReadError("ASCII STL has no 'vertex' lines")
    if len(found) % 3:
        raise ScanReadError("ASCII STL is truncated: vertex count is not a multiple of three")
    try:
        soup = np.array(found, dtype=np.float64)
    except ValueError as exc:
        raise ScanReadError(f"ASCII STL vertex is not numeric ({short_error(exc)})") from None
    return _merge_triangle_soup(soup)


def _merge_triangle_soup(soup: NDArray[np.float64]) -> Raw:
    """STL stores every corner separately: merge identical corners into shared vertices."""
    if soup.shape[0] == 0:
        return Raw(np.zeros((0, 3)))
    finite = np.isfinite(soup).all(axis=1)
    if not finite.all():
        # Keep NaN corners distinct so _finish can count and drop them.
        keep_tris = finite.reshape(-1, 3).all(axis=1)
        bad = soup[~finite]
        soup = soup[np.repeat(keep_tris, 3)]
        uniq, inverse = np.unique(soup, axis=0, return_inverse=True)
        pts = np.vstack([uniq, bad])
        return Raw(pts, inverse.reshape(-1, 3).astype(np.int64))
    uniq, inverse = np.unique(soup, axis=0, return_inverse=True)
    return Raw(uniq, inverse.reshape(-1, 3).astype(np.int64))


def encode_stl(
    pts: NDArray[np.float64],
    tri: NDArray[np.int64] | None,
    normals: NDArray[np.float64] | None,
    colors: NDArray[np.uint8] | None,
    ascii_: bool = False,
) -> Iterator[bytes]:
    corners = pts[tri]
    fn = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    length = np.linalg.norm(fn, axis=1, keepdims=True)
    fn = np.divide(fn, length, out=np.zeros_like(fn), where=length > 0)
    if ascii_:
        out = io.StringIO()
        out.write("solid footscan\n")
        for nrm, c in zip(fn, corners):
            out.write(f"facet normal {nrm[0]:.6g} {nrm[1]:.6g} {nrm[2]:.6g}\n outer loop\n")
            for v in c:
                out.write(f"  vertex {v[0]:.9g} {v[1]:.9g} {v[2]:.9g}\n")
            out.write(" endloop\nendfacet\n")
        out.write("endsolid footscan\n")
        yield out.getvalue().encode("ascii")
        return
    n_tri = corners.shape[0]
    rec = np.zeros(n_tri, dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    rec["n"] = fn
    rec["v"] = corners
    yield b"footscan binary STL".ljust(80, b" ")
    yield np.uint32(n_tri).tobytes()
    yield rec.tobytes()
