"""What every scan reader shares: the raw result type, the decoder budgets, small helpers.

The budgets bound what one upload may cost *before* anything is allocated from a count in a
header and again while decoding, so a small file that announces (or expands to) a huge mesh is
refused in well under a second with a :class:`~footscan.exceptions.ScanReadError` saying which
limit it broke.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from footscan.exceptions import ScanReadError

__all__ = [
    "BudgetExceededError",
    "MAX_ARCHIVE_MEMBERS",
    "MAX_COMPRESSION_RATIO",
    "MAX_DECODED_BYTES",
    "MAX_FACES",
    "MAX_FILE_BYTES",
    "MAX_POINTS",
    "check_count",
    "check_decoded_bytes",
    "fan_triangulate",
    "fan_triangulate_fixed",
    "short_error",
]

#: Largest scan file accepted (bytes). A 5-million-point ASCII PLY is ~200 MB.
MAX_FILE_BYTES = 1 << 30
#: Largest vertex/point count a file may announce or decode to (a 1 M-point phone capture is
#: large; 5 M is a dense scanner mesh).
MAX_POINTS = 5_000_000
#: Largest triangle count a file may announce or decode to (after fan triangulation).
MAX_FACES = 10_000_000
#: Largest number of bytes a decompressor (gzip, zip member) may produce.
MAX_DECODED_BYTES = MAX_FILE_BYTES
#: Largest expansion ratio of a compressed stream before it is treated as a decompression bomb.
#: Real scans compress 1.2:1 (binary float PLY) to ~8:1 (ASCII OBJ); runs of zeros 1000:1.
MAX_COMPRESSION_RATIO = 100.0
#: Streams smaller than this are never refused for their ratio (tiny files compress oddly).
RATIO_FREE_BYTES = 4 << 20
#: Largest number of entries in a zip archive.
MAX_ARCHIVE_MEMBERS = 10_000


class BudgetExceededError(ScanReadError):
    """A count or a decoded size is over a decoder budget (a lying header, a bomb)."""


@dataclass
class Raw:
    """Coordinates as stored in the file, before validation.

    Parameters
    ----------
    points : (n, 3) float64
        Coordinates in the file's unit.
    faces : (m, 3) int64 or None
        Triangles.
    normals : (n, 3) float64 or None
        Per-point normals.
    colors : (n, 3) uint8 or None
        Per-point colours.
    units_hint : str or None
        The unit the file itself declares (USD ``metersPerUnit``), used when the caller asks
        for ``units="auto"``; None when the format carries no unit.
    """

    points: NDArray[np.float64]
    faces: NDArray[np.int64] | None = None
    normals: NDArray[np.float64] | None = None
    colors: NDArray[np.uint8] | None = None
    units_hint: str | None = None


def check_count(count: int, what: str, limit: int) -> None:
    """Refuse a count announced by a header (or reached while decoding) above ``limit``."""
    if count < 0 or count > limit:
        raise BudgetExceededError(
            f"the file announces {count} {what}, more than the limit of {limit}"
        )


def check_decoded_bytes(decoded: int, compressed: int, what: str) -> None:
    """Refuse a decompressed stream that is too large or expands suspiciously much.

    Parameters
    ----------
    decoded : int
        Bytes produced (or announced) so far.
    compressed : int
        Compressed bytes consumed to produce them.
    what : str
        Name used in the message (``"gzip stream"``, ``"zip member 'foot.obj'"``).
    """
    if decoded > MAX_DECODED_BYTES:
        raise BudgetExceededError(
            f"{what} expands to more than {MAX_DECODED_BYTES >> 20} MiB (decompression limit)"
        )
    if decoded > RATIO_FREE_BYTES and decoded > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise BudgetExceededError(
            f"{what} expands {decoded / max(compressed, 1):.0f}:1, more than "
            f"{MAX_COMPRESSION_RATIO:.0f}:1: refused as a decompression bomb"
        )


def fan_triangulate(polys: list[list[int]]) -> NDArray[np.int64]:
    """Fan-triangulate polygons of mixed sizes (points and edges carry no surface).

    Parameters
    ----------
    polys : list of list of int
        Vertex indices per polygon.

    Returns
    -------
    (m, 3) int64
        Triangles ``(p0, pi, pi+1)``.
    """
    tris: list[tuple[int, int, int]] = []
    for poly in polys:
        if len(poly) < 3:
            continue
        first = poly[0]
        tris.extend((first, poly[i], poly[i + 1]) for i in range(1, len(poly) - 1))
    return np.asarray(tris, dtype=np.int64).reshape(-1, 3)


def fan_triangulate_fixed(polys: NDArray) -> NDArray[np.int64]:
    """Fan-triangulate polygons that all have the same size ``k``, without a Python loop.

    Parameters
    ----------
    polys : (n, k) integer array
        Vertex indices; ``k < 3`` yields no triangles.

    Returns
    -------
    (n * (k - 2), 3) int64
        Triangles, polygon by polygon.

    Raises
    ------
    ScanReadError
        When the triangles would exceed :data:`MAX_FACES`.
    """
    polys = np.asarray(polys)
    n, k = polys.shape if polys.ndim == 2 else (0, 0)
    if n == 0 or k < 3:
        return np.zeros((0, 3), dtype=np.int64)
    if k == 3:
        return polys.astype(np.int64, copy=False)
    check_count(n * (k - 2), "triangles (after triangulating polygons)", MAX_FACES)
    tris = np.empty((n, k - 2, 3), dtype=np.int64)
    tris[:, :, 0] = polys[:, :1]
    tris[:, :, 1] = polys[:, 1:-1]
    tris[:, :, 2] = polys[:, 2:]
    return tris.reshape(-1, 3)


def short_error(exc: BaseException) -> str:
    """First line of an exception's message, at most 160 characters (for one-line errors)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
